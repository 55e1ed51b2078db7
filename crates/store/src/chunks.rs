//! Chunk files on disk, and leases that keep them alive for readers.
//!
//! Chunk `i` of blob `b` lives at `chunks/<first 2 hex digits of b>/<hex b>.<i>`. Names derive
//! only from the random blob id, never from object keys.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::locks::lock;
use crate::records::BlobId;

/// The chunk directory and the blobs that readers currently hold.
#[derive(Debug)]
pub(crate) struct ChunkFiles {
    root: PathBuf,
    leases: Mutex<HashMap<BlobId, LeaseState>>,
}

#[derive(Debug, Default)]
struct LeaseState {
    readers: usize,
    /// Set when the blob was freed while read: its chunk count, to unlink on the last release.
    doomed: Option<u32>,
}

/// A file found in the chunk directory.
#[derive(Debug)]
pub(crate) enum ChunkEntry {
    /// A file named like a chunk.
    Chunk {
        blob: BlobId,
        index: u32,
        path: PathBuf,
        len: u64,
    },
    /// Anything else, such as a temp file left by an older build or by hand.
    Stray { path: PathBuf },
}

impl ChunkFiles {
    pub(crate) fn new(root: PathBuf) -> Self {
        ChunkFiles {
            root,
            leases: Mutex::new(HashMap::new()),
        }
    }

    /// Creates the chunk directory and its 256 fan-out directories and syncs them, so a blob
    /// write only has to sync the one directory its files land in.
    pub(crate) fn prepare(&self) -> io::Result<()> {
        fs::create_dir_all(&self.root)?;
        for prefix in 0..=u8::MAX {
            let dir = self.root.join(hex::encode([prefix]));
            if !dir.exists() {
                fs::create_dir(&dir)?;
            }
        }
        sync_dir(&self.root)?;
        if let Some(parent) = self.root.parent() {
            sync_dir(parent)?;
        }
        Ok(())
    }

    /// Directory of a blob's chunk files.
    pub(crate) fn dir(&self, blob: &BlobId) -> PathBuf {
        self.root.join(hex::encode(&blob[..1]))
    }

    /// Path of chunk `index` of a blob.
    pub(crate) fn path(&self, blob: &BlobId, index: u32) -> PathBuf {
        self.dir(blob)
            .join(format!("{}.{index}", hex::encode(blob)))
    }

    /// Unlinks a blob's chunk files, ignoring files already gone and logging other failures:
    /// a file left behind is an orphan, which the next start-up removes.
    pub(crate) fn remove_blob(&self, blob: &BlobId, chunk_count: u32) {
        for index in 0..chunk_count {
            let path = self.path(blob, index);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "failed to remove chunk file");
                }
            }
        }
    }

    /// Unlinks a blob's chunk files on a blocking thread when a runtime is available, and
    /// right away otherwise.
    pub(crate) fn remove_blob_in_background(self: &Arc<Self>, blob: BlobId, chunk_count: u32) {
        if chunk_count == 0 {
            return;
        }
        let chunks = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(move || chunks.remove_blob(&blob, chunk_count));
            }
            Err(_) => chunks.remove_blob(&blob, chunk_count),
        }
    }

    /// Takes a read lease on blobs: their files stay on disk until the lease drops, even if
    /// the blobs are freed meanwhile.
    pub(crate) fn lease(self: &Arc<Self>, blobs: Vec<BlobId>) -> Lease {
        let mut leases = lock(&self.leases);
        for blob in &blobs {
            leases.entry(*blob).or_default().readers += 1;
        }
        Lease {
            chunks: Arc::clone(self),
            blobs,
        }
    }

    /// Unlinks the files of blobs whose records a commit just deleted. Files of leased blobs
    /// are unlinked when the last lease drops instead.
    pub(crate) fn free(&self, blobs: &[(BlobId, u32)]) {
        let mut now = Vec::new();
        {
            let mut leases = lock(&self.leases);
            for (blob, chunk_count) in blobs {
                match leases.get_mut(blob) {
                    Some(state) => state.doomed = Some(*chunk_count),
                    None => now.push((*blob, *chunk_count)),
                }
            }
        }
        for (blob, chunk_count) in now {
            self.remove_blob(&blob, chunk_count);
        }
    }

    /// Lists every file under the chunk directory.
    pub(crate) fn scan(&self) -> io::Result<Vec<ChunkEntry>> {
        let mut entries = Vec::new();
        for dir in fs::read_dir(&self.root)? {
            let dir = dir?;
            if !dir.file_type()?.is_dir() {
                entries.push(ChunkEntry::Stray { path: dir.path() });
                continue;
            }
            let dir_name = dir.file_name().to_string_lossy().into_owned();
            for file in fs::read_dir(dir.path())? {
                entries.push(classify(&dir_name, &file?)?);
            }
        }
        Ok(entries)
    }
}

/// Sorts a file into chunk or stray. A chunk name in the wrong fan-out directory is stray,
/// because reads never look for it there.
fn classify(dir_name: &str, file: &fs::DirEntry) -> io::Result<ChunkEntry> {
    let path = file.path();
    let parsed = file.file_name().to_str().and_then(parse_chunk_name);
    let metadata = file.metadata()?;
    match parsed {
        Some((blob, index)) if metadata.is_file() && hex::encode(&blob[..1]) == dir_name => {
            Ok(ChunkEntry::Chunk {
                blob,
                index,
                path,
                len: metadata.len(),
            })
        }
        _ => Ok(ChunkEntry::Stray { path }),
    }
}

/// Parses `<32 hex digits>.<decimal index>`.
pub(crate) fn parse_chunk_name(name: &str) -> Option<(BlobId, u32)> {
    let (id, index) = name.split_once('.')?;
    if id.len() != 32
        || !id
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    if index.is_empty() || !index.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let mut blob = [0u8; 16];
    hex::decode_to_slice(id, &mut blob).ok()?;
    Some((blob, index.parse().ok()?))
}

/// Syncs a directory, making the creation or removal of its entries durable.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Keeps the chunk files of some blobs on disk while a reader uses them.
#[derive(Debug)]
pub(crate) struct Lease {
    chunks: Arc<ChunkFiles>,
    blobs: Vec<BlobId>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut doomed = Vec::new();
        {
            let mut leases = lock(&self.chunks.leases);
            for blob in &self.blobs {
                let Some(state) = leases.get_mut(blob) else {
                    continue;
                };
                state.readers -= 1;
                if state.readers == 0 {
                    if let Some(chunk_count) = state.doomed {
                        doomed.push((*blob, chunk_count));
                    }
                    leases.remove(blob);
                }
            }
        }
        for (blob, chunk_count) in doomed {
            self.chunks.remove_blob_in_background(blob, chunk_count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_chunks(chunks: &ChunkFiles, blob: &BlobId, count: u32) {
        for index in 0..count {
            fs::write(chunks.path(blob, index), b"data").unwrap();
        }
    }

    #[test]
    fn parse_chunk_name_accepts_own_names() {
        let blob = [0xab; 16];
        let name = format!("{}.7", hex::encode(blob));
        assert_eq!(parse_chunk_name(&name), Some((blob, 7)));
    }

    #[test]
    fn parse_chunk_name_rejects_others() {
        assert_eq!(parse_chunk_name("abc.1"), None);
        assert_eq!(parse_chunk_name(&format!("{}.tmp", "a".repeat(32))), None);
        assert_eq!(parse_chunk_name(&format!("{}.1", "A".repeat(32))), None);
    }

    #[test]
    fn free_defers_until_lease_drops() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = Arc::new(ChunkFiles::new(dir.path().join("chunks")));
        chunks.prepare().unwrap();
        let blob = [1; 16];
        write_chunks(&chunks, &blob, 2);
        let lease = chunks.lease(vec![blob]);
        chunks.free(&[(blob, 2)]);
        assert!(chunks.path(&blob, 1).exists());
        drop(lease);
        assert!(!chunks.path(&blob, 0).exists());
        assert!(!chunks.path(&blob, 1).exists());
    }

    #[test]
    fn free_unlinks_unleased_blob() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = Arc::new(ChunkFiles::new(dir.path().join("chunks")));
        chunks.prepare().unwrap();
        let blob = [2; 16];
        write_chunks(&chunks, &blob, 1);
        chunks.free(&[(blob, 1)]);
        assert!(!chunks.path(&blob, 0).exists());
    }

    #[test]
    fn scan_classifies_files() {
        let dir = tempfile::tempdir().unwrap();
        let chunks = ChunkFiles::new(dir.path().join("chunks"));
        chunks.prepare().unwrap();
        let blob = [3; 16];
        write_chunks(&chunks, &blob, 1);
        fs::write(chunks.dir(&blob).join("upload.tmp"), b"x").unwrap();
        // A chunk name in the wrong fan-out directory is not where reads look for it.
        fs::write(
            dir.path()
                .join("chunks/00")
                .join(format!("{}.0", hex::encode(blob))),
            b"x",
        )
        .unwrap();
        let entries = chunks.scan().unwrap();
        let chunk_count = entries
            .iter()
            .filter(|entry| matches!(entry, ChunkEntry::Chunk { .. }))
            .count();
        let stray_count = entries
            .iter()
            .filter(|entry| matches!(entry, ChunkEntry::Stray { .. }))
            .count();
        assert_eq!(chunk_count, 1);
        assert_eq!(stray_count, 2);
    }
}
