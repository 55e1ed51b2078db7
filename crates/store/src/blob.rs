//! Writing blobs: the data of one PUT or one uploaded part, as chunk files or inline bytes.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;

use crate::Store;
use crate::chunks::{ChunkFiles, sync_dir};
use crate::error::Result;
use crate::ids;
use crate::records::{BlobId, BlobOwner, BlobRecord, Segment, chunk_count};
use crate::usage::{Delta, Reservation, UsageTable};

/// Bytes buffered before they are written to a chunk file. Memory per writer stays near this
/// (plus one incoming piece) whatever the blob size.
const FLUSH_BYTES: usize = 1 << 20;

/// Receives the data of a blob and stores it in chunk files.
///
/// Dropping a writer before [`BlobWriter::finish`] deletes the files written so far (in the
/// background) and releases its reservation.
#[derive(Debug)]
pub struct BlobWriter {
    chunks: Arc<ChunkFiles>,
    blob: BlobId,
    chunk_size: u64,
    inline_max: u64,
    reservation: Option<Reservation>,
    buffer: BytesMut,
    size: u64,
    file: Option<tokio::fs::File>,
    in_chunk: u64,
    /// Chunk files created or being created; the next one gets this index.
    files: u32,
    finished: bool,
}

impl Store {
    /// Starts a blob whose bytes count against `reservation`.
    ///
    /// Writing more than the reservation covers grows it, which fails with `QuotaExceeded`
    /// when the account is full; a caller that does not know the size can reserve 0.
    pub fn blob_writer(&self, reservation: Reservation) -> BlobWriter {
        let config = &self.0.config;
        BlobWriter {
            chunks: Arc::clone(&self.0.chunks),
            blob: ids::blob_id(),
            chunk_size: config.chunk_size,
            inline_max: config.inline_max,
            reservation: Some(reservation),
            buffer: BytesMut::new(),
            size: 0,
            file: None,
            in_chunk: 0,
            files: 0,
            finished: false,
        }
    }
}

impl BlobWriter {
    /// Appends data. Buffers up to about 1 MiB, then writes it out.
    pub async fn write(&mut self, data: Bytes) -> Result<()> {
        let size = self.size + data.len() as u64;
        if let Some(reservation) = &mut self.reservation
            && size > reservation.bytes()
        {
            reservation.grow(size - reservation.bytes())?;
        }
        self.size = size;
        self.buffer.extend_from_slice(&data);
        if self.size > self.inline_max {
            while self.buffer.len() >= FLUSH_BYTES {
                let piece = self.buffer.split_to(FLUSH_BYTES).freeze();
                self.write_to_files(piece).await?;
            }
        }
        Ok(())
    }

    /// Returns the bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Ends the blob. Chunk files are synced and so is their directory, so the blob is
    /// durable before any metadata refers to it. A blob of at most `inline_max` bytes stays in
    /// memory and never touches the disk.
    pub async fn finish(mut self) -> Result<Blob> {
        let segment = if self.files == 0 && self.size <= self.inline_max {
            Segment::Inline(std::mem::take(&mut self.buffer).to_vec())
        } else {
            let rest = std::mem::take(&mut self.buffer).freeze();
            if !rest.is_empty() {
                self.write_to_files(rest).await?;
            }
            if let Some(file) = self.file.take() {
                file.sync_all().await?;
            }
            let dir = self.chunks.dir(&self.blob);
            tokio::task::spawn_blocking(move || sync_dir(&dir))
                .await
                .map_err(join_error)??;
            Segment::Chunked {
                blob: self.blob,
                size: self.size,
                chunk_size: self.chunk_size,
            }
        };
        self.finished = true;
        Ok(Blob {
            chunks: Arc::clone(&self.chunks),
            segment,
            reservation: self.reservation.take(),
            committed: false,
        })
    }

    /// Writes data at the end of the blob, opening a new chunk file whenever one fills up.
    async fn write_to_files(&mut self, mut data: Bytes) -> Result<()> {
        while !data.is_empty() {
            let mut file = match self.file.take() {
                Some(file) => file,
                None => self.create_chunk_file().await?,
            };
            let room = usize::try_from(self.chunk_size - self.in_chunk).unwrap_or(usize::MAX);
            let piece = data.split_to(room.min(data.len()));
            file.write_all(&piece).await?;
            self.in_chunk += piece.len() as u64;
            if self.in_chunk == self.chunk_size {
                // A full chunk is synced as soon as it is complete, spreading the cost of
                // syncing over the upload instead of paying it all in `finish`.
                file.sync_all().await?;
                self.in_chunk = 0;
            } else {
                self.file = Some(file);
            }
        }
        Ok(())
    }

    async fn create_chunk_file(&mut self) -> Result<tokio::fs::File> {
        let path = self.chunks.path(&self.blob, self.files);
        // Counted before the file exists, so a drop during creation still removes it.
        self.files += 1;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .await?;
        Ok(file)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        // NOTE: if the writer is dropped while a chunk file is still being created, the file
        // can appear after this removal. Start-up then removes it as an orphan.
        if !self.finished {
            self.chunks.remove_blob_in_background(self.blob, self.files);
        }
    }
}

fn join_error(error: tokio::task::JoinError) -> std::io::Error {
    std::io::Error::other(error)
}

/// A finished blob, not yet referenced by any object or part.
///
/// Committing it with `put_object` or `upload_part` hands it to the metadata. Dropping it
/// uncommitted deletes its chunk files (in the background) and releases its reservation.
#[derive(Debug)]
pub struct Blob {
    chunks: Arc<ChunkFiles>,
    segment: Segment,
    reservation: Option<Reservation>,
    committed: bool,
}

impl Blob {
    /// Returns the bytes in the blob.
    pub fn size(&self) -> u64 {
        self.segment.size()
    }

    /// Returns whether the blob is kept inside the metadata record.
    pub fn is_inline(&self) -> bool {
        matches!(self.segment, Segment::Inline(_))
    }

    /// Returns the data segments of a record made of this blob, none for an empty blob.
    pub(crate) fn segments(&self) -> Vec<Segment> {
        if self.size() == 0 {
            Vec::new()
        } else {
            vec![self.segment.clone()]
        }
    }

    pub(crate) fn segment(&self) -> &Segment {
        &self.segment
    }

    /// Returns the id and `blobs` row of a chunked blob owned by `owner`.
    pub(crate) fn record(&self, owner: BlobOwner) -> Option<(BlobId, BlobRecord)> {
        match &self.segment {
            Segment::Chunked {
                blob,
                size,
                chunk_size,
            } => Some((
                *blob,
                BlobRecord {
                    size: *size,
                    chunk_size: *chunk_size,
                    chunk_count: chunk_count(*size, *chunk_size),
                    owner,
                },
            )),
            Segment::Inline(_) => None,
        }
    }

    /// Marks the blob as referenced by committed metadata and moves its reserved bytes into
    /// `account_id`'s usage together with `delta`.
    pub(crate) fn mark_committed(mut self, account_id: &str, delta: Delta, table: &UsageTable) {
        self.committed = true;
        match self.reservation.take() {
            Some(reservation) => reservation.consume(account_id, delta, table),
            None => table.apply(account_id, delta),
        }
    }

    /// Forgets the blob without deleting its files, as a crash before the commit would.
    #[cfg(test)]
    pub(crate) fn abandon(mut self) {
        self.committed = true;
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        if !self.committed
            && let Some((blob, chunk_count)) = self.segment.blob()
        {
            self.chunks.remove_blob_in_background(blob, chunk_count);
        }
    }
}
