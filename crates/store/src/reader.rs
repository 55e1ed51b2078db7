//! Streaming object data back out of chunk files.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::Store;
use crate::blob::Blob;
use crate::chunks::{ChunkFiles, Lease};
use crate::db::Cf;
use crate::error::Result;
use crate::records::{BlobId, ObjectRecord, Segment};
use crate::usage::Reservation;

/// Largest piece an [`ObjectReader`] yields.
const PIECE_BYTES: u64 = 256 << 10;

/// A stream of an object's bytes in pieces of at most 256 KiB.
///
/// It holds a lease on the object's blobs, so an overwrite or delete that commits while it
/// runs leaves the chunk files in place until the reader is dropped.
pub struct ObjectReader {
    pieces: BoxStream<'static, io::Result<Bytes>>,
    _lease: Lease,
}

impl Stream for ObjectReader {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pieces.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a reader of bytes `start..=end_inclusive` of an object; `end_inclusive` is
    /// clamped to the last byte, and an empty range (or object) yields nothing.
    ///
    /// The reader leases the record's blobs at once and, on its first poll, checks that their
    /// rows still exist. If the object was replaced or deleted after `record` was read, its
    /// data may already be gone, so the first item is then an error of kind `NotFound`. A
    /// caller that wants to retry reads the record again.
    pub fn read_object(
        &self,
        record: &ObjectRecord,
        start: u64,
        end_inclusive: u64,
    ) -> ObjectReader {
        let blobs: Vec<BlobId> = record
            .data
            .iter()
            .filter_map(|segment| segment.blob().map(|(id, _)| id))
            .collect();
        let lease = self.0.chunks.lease(blobs.clone());
        let end = end_inclusive.min(record.size.saturating_sub(1));
        let remaining = if record.size == 0 || start > end {
            0
        } else {
            end - start + 1
        };
        let mut cursor = Cursor::new(
            Arc::clone(&self.0.chunks),
            record.data.clone(),
            start,
            remaining,
        );
        if remaining > 0 && !blobs.is_empty() {
            cursor.pending_check = Some((self.clone(), blobs));
        }
        let pieces = futures::stream::try_unfold(cursor, |mut cursor| async move {
            Ok(cursor.next_piece().await?.map(|piece| (piece, cursor)))
        });
        ObjectReader {
            pieces: Box::pin(pieces),
            _lease: lease,
        }
    }

    /// Copies bytes `start..=end_inclusive` of an object into a new blob charged to
    /// `reservation`, for CopyObject and UploadPartCopy, passing every piece to `observe`
    /// (which hashes it) on the way. The copy shares no chunk files with the source, so either
    /// can be deleted without affecting the other.
    ///
    /// A source replaced before its data was read fails with an `Io` error of kind `NotFound`.
    pub async fn copy_blob(
        &self,
        record: &ObjectRecord,
        start: u64,
        end_inclusive: u64,
        reservation: Reservation,
        mut observe: impl FnMut(&[u8]),
    ) -> Result<Blob> {
        let mut reader = self.read_object(record, start, end_inclusive);
        let mut writer = self.blob_writer(reservation);
        while let Some(piece) = reader.next().await {
            let piece = piece?;
            observe(&piece);
            writer.write(piece).await?;
        }
        writer.finish().await
    }

    /// Returns whether every blob still has its row. Commits delete blob rows before they
    /// unlink files, and unlinking skips leased blobs, so for a blob leased before this call a
    /// row that exists now keeps its files until the lease drops.
    fn blobs_exist(&self, blobs: &[BlobId]) -> Result<bool> {
        let keys: Vec<Vec<u8>> = blobs.iter().map(|blob| blob.to_vec()).collect();
        Ok(self
            .0
            .meta
            .multi_get(Cf::Blobs, &keys)?
            .iter()
            .all(Option::is_some))
    }
}

/// Position of a reader within an object's segments.
struct Cursor {
    chunks: Arc<ChunkFiles>,
    segments: Vec<Segment>,
    /// Index of the current segment.
    segment: usize,
    /// Offset within the current segment.
    offset: u64,
    /// Bytes still to yield.
    remaining: u64,
    /// The chunk file read last, kept open for the next piece: (blob, index, file, position).
    open: Option<(BlobId, u32, tokio::fs::File, u64)>,
    /// Blobs whose rows the first poll checks, with the store to look them up in.
    pending_check: Option<(Store, Vec<BlobId>)>,
}

impl Cursor {
    fn new(chunks: Arc<ChunkFiles>, segments: Vec<Segment>, start: u64, remaining: u64) -> Self {
        let mut cursor = Cursor {
            chunks,
            segments,
            segment: 0,
            offset: start,
            remaining,
            open: None,
            pending_check: None,
        };
        while let Some(segment) = cursor.segments.get(cursor.segment) {
            if cursor.offset < segment.size() {
                break;
            }
            cursor.offset -= segment.size();
            cursor.segment += 1;
        }
        cursor
    }

    async fn next_piece(&mut self) -> io::Result<Option<Bytes>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        if let Some((store, blobs)) = self.pending_check.take() {
            let exist = tokio::task::spawn_blocking(move || store.blobs_exist(&blobs))
                .await
                .map_err(io::Error::other)?
                .map_err(io::Error::other)?;
            if !exist {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the object was replaced or deleted before its data was read",
                ));
            }
        }
        let Some(segment) = self.segments.get(self.segment) else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "object data ends early",
            ));
        };
        let segment_size = segment.size();
        let piece = match segment {
            Segment::Inline(bytes) => {
                let len = self
                    .remaining
                    .min(PIECE_BYTES)
                    .min(segment_size - self.offset);
                let start = usize::try_from(self.offset).unwrap_or(usize::MAX);
                let end = usize::try_from(self.offset + len).unwrap_or(usize::MAX);
                Bytes::copy_from_slice(&bytes[start..end])
            }
            Segment::Chunked {
                blob, chunk_size, ..
            } => {
                let (blob, chunk_size) = (*blob, *chunk_size);
                let index = u32::try_from(self.offset / chunk_size).unwrap_or(u32::MAX);
                let in_chunk = self.offset % chunk_size;
                let len = self
                    .remaining
                    .min(PIECE_BYTES)
                    .min(chunk_size - in_chunk)
                    .min(segment_size - self.offset);
                self.read_chunk(blob, index, in_chunk, len).await?
            }
        };
        let len = piece.len() as u64;
        self.remaining -= len;
        self.offset += len;
        if self.offset == segment_size {
            self.segment += 1;
            self.offset = 0;
        }
        Ok(Some(piece))
    }

    /// Reads `len` bytes at `position` of one chunk file, reusing the open file when the read
    /// continues where the last one ended.
    async fn read_chunk(
        &mut self,
        blob: BlobId,
        index: u32,
        position: u64,
        len: u64,
    ) -> io::Result<Bytes> {
        let mut file = match self.open.take() {
            Some((open_blob, open_index, file, at))
                if open_blob == blob && open_index == index && at == position =>
            {
                file
            }
            _ => {
                let mut file = tokio::fs::File::open(self.chunks.path(&blob, index)).await?;
                if position > 0 {
                    file.seek(SeekFrom::Start(position)).await?;
                }
                file
            }
        };
        let mut buffer = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX)];
        file.read_exact(&mut buffer).await?;
        self.open = Some((blob, index, file, position + len));
        Ok(Bytes::from(buffer))
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{TEST_CHUNK_SIZE, open_store, pattern};
    use crate::{ObjectMeta, WriteCondition};

    #[tokio::test]
    async fn copy_blob_copies_range() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let data = pattern(70, 3);
        let source = t.put(&bucket, "source", &data).await;
        let reservation = t.store.reserve(&account_id, 40).unwrap();
        let mut observed = Vec::new();
        let blob = t
            .store
            .copy_blob(&source, 10, 49, reservation, |piece| {
                observed.extend_from_slice(piece);
            })
            .await
            .unwrap();
        assert_eq!(blob.size(), 40);
        assert_eq!(observed, data[10..50]);
        let (meta, condition) = (ObjectMeta::default(), WriteCondition::default());
        t.store
            .put_object(&bucket, "copy", blob, "\"c\"".into(), meta, &condition)
            .unwrap();
        t.store.delete_object(&bucket, "source").unwrap();
        assert_eq!(t.get(&bucket, "copy").await.unwrap(), data[10..50]);
        assert_eq!(t.chunk_files() as u64, 40u64.div_ceil(TEST_CHUNK_SIZE));
    }
}
