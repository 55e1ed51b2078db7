//! Start-up recovery: orphaned chunk files and the in-memory usage mirror.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::PathBuf;

use crate::accounts::Account;
use crate::chunks::{ChunkEntry, ChunkFiles};
use crate::codec;
use crate::db::{Cf, Meta, decode_counters};
use crate::error::Result;
use crate::records::{BlobId, BlobRecord};
use crate::usage::{Usage, UsageTable};

/// Blob ids looked up per multi-get while classifying chunk files.
const LOOKUP_BATCH: usize = 1024;

/// Chunk files sorted by whether metadata references them.
#[derive(Debug, Default)]
pub(crate) struct ChunkCensus {
    /// Files that no blob record accounts for, and stray files.
    pub(crate) orphans: Vec<PathBuf>,
    /// Referenced chunk files: (blob, index) -> length on disk.
    pub(crate) present: HashMap<(BlobId, u32), u64>,
}

/// Sorts every file under the chunk directory into referenced chunks and orphans.
///
/// A chunk is referenced when its blob has a record and its index is below the record's
/// chunk count.
pub(crate) fn take_census(meta: &Meta, chunks: &ChunkFiles) -> Result<ChunkCensus> {
    let mut census = ChunkCensus::default();
    let mut by_blob: HashMap<BlobId, Vec<(u32, PathBuf, u64)>> = HashMap::new();
    for entry in chunks.scan()? {
        match entry {
            ChunkEntry::Chunk {
                blob,
                index,
                path,
                len,
            } => {
                by_blob.entry(blob).or_default().push((index, path, len));
            }
            ChunkEntry::Stray { path } => census.orphans.push(path),
        }
    }
    let blobs: Vec<BlobId> = by_blob.keys().copied().collect();
    for batch in blobs.chunks(LOOKUP_BATCH) {
        let keys: Vec<Vec<u8>> = batch.iter().map(|blob| blob.to_vec()).collect();
        for (blob, value) in batch.iter().zip(meta.multi_get(Cf::Blobs, &keys)?) {
            let chunk_count = match value {
                Some(value) => codec::decode::<BlobRecord>("blob", &value)?.chunk_count,
                None => 0,
            };
            for (index, path, len) in by_blob.remove(blob).unwrap_or_default() {
                if index < chunk_count {
                    census.present.insert((*blob, index), len);
                } else {
                    census.orphans.push(path);
                }
            }
        }
    }
    Ok(census)
}

/// Removes orphaned chunk files and returns how many were removed.
///
/// Runs only at start-up, before any writer exists: a blob being written has files but no
/// record yet, so running this alongside writers would delete live data.
// NOTE: this lists every chunk file, so start-up time grows with the number of stored chunks;
// a journal of in-flight blobs would bound it if that becomes too slow.
pub(crate) fn remove_orphans(meta: &Meta, chunks: &ChunkFiles) -> Result<usize> {
    let census = take_census(meta, chunks)?;
    let mut removed = 0;
    let mut dirs = HashSet::new();
    for path in &census.orphans {
        match fs::remove_file(path) {
            Ok(()) => {
                removed += 1;
                if let Some(dir) = path.parent() {
                    dirs.insert(dir.to_path_buf());
                }
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "failed to remove orphaned file");
            }
        }
    }
    for dir in dirs {
        crate::chunks::sync_dir(&dir)?;
    }
    Ok(removed)
}

/// Builds the in-memory usage of every account from its persisted counters.
pub(crate) fn load_usage(meta: &Meta, capacity_unit_bytes: u64) -> Result<UsageTable> {
    let table = UsageTable::default();
    for (_, account) in meta.scan_prefix::<Account>(Cf::Accounts, b"", b"", usize::MAX)? {
        let counters = read_counters(meta, &codec::account_counter_key(&account.id), 3)?;
        let usage = Usage {
            used_bytes: unsigned(counters[0]),
            reserved_bytes: 0,
            object_count: unsigned(counters[1]),
            bucket_count: unsigned(counters[2]),
            capacity_bytes: account.capacity_gb.saturating_mul(capacity_unit_bytes),
        };
        let releasing = account.status == crate::AccountStatus::Releasing;
        table.insert(account.id, usage, releasing);
    }
    Ok(table)
}

/// Reads the counters under `key`, padded with zeros to `len` values.
pub(crate) fn read_counters(meta: &Meta, key: &[u8], len: usize) -> Result<Vec<i64>> {
    let mut values = match meta.get(Cf::Counters, key)? {
        Some(value) => decode_counters(&value)?,
        None => Vec::new(),
    };
    values.resize(values.len().max(len), 0);
    Ok(values)
}

/// Converts a stored counter to u64; a negative counter, which only corruption produces,
/// reads as 0 (fsck reports it).
pub(crate) fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use crate::testing::{TEST_CHUNK_SIZE, open_store, pattern};
    use crate::{CompletePart, CompletedObject, ObjectMeta, Usage, WriteCondition};

    #[tokio::test]
    async fn open_removes_orphans() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "kept", &pattern(40, 1)).await;
        let kept_files = t.chunk_files();
        t.blob(&account_id, &pattern(50, 2)).await.abandon();
        let chunks = t.dir.path().join("chunks");
        std::fs::write(
            chunks.join("ab").join(format!("{}.0", "ab".repeat(16))),
            b"stray",
        )
        .unwrap();
        std::fs::write(chunks.join("cd").join("upload.tmp"), b"temp").unwrap();
        assert_eq!(t.chunk_files(), kept_files + 4 + 2);

        let t = t.reopen();
        assert_eq!(t.chunk_files(), kept_files);
        assert_eq!(t.get(&bucket, "kept").await.unwrap(), pattern(40, 1));
    }

    #[tokio::test]
    async fn open_removes_chunks_past_blob_end() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let record = t.put(&bucket, "k", &pattern(20, 1)).await;
        let (blob, count) = record.data[0].blob().unwrap();
        let extra = t
            .dir
            .path()
            .join("chunks")
            .join(hex::encode(&blob[..1]))
            .join(format!("{}.{count}", hex::encode(blob)));
        std::fs::write(&extra, b"extra").unwrap();
        let t = t.reopen();
        assert!(!extra.exists());
        assert_eq!(t.chunk_files() as u64, 20u64.div_ceil(TEST_CHUNK_SIZE));
    }

    fn finish(_: &crate::Upload, parts: &[crate::PartRecord]) -> crate::Result<CompletedObject> {
        Ok(CompletedObject {
            etag: format!("\"x-{}\"", parts.len()),
            checksum: None,
        })
    }

    #[tokio::test]
    async fn counters_exact_after_workload_and_reopen() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let second = t.store.create_bucket(&account_id, "second", "r1").unwrap();
        t.put(&bucket, "a", &pattern(50, 1)).await;
        t.put(&bucket, "b", &pattern(10, 2)).await;
        t.put(&bucket, "a", &pattern(33, 3)).await;
        t.put(&second, "c", &pattern(7, 4)).await;
        t.store.delete_object(&bucket, "b").unwrap();
        t.put(&bucket, "empty", b"").await;

        let upload = t
            .store
            .create_multipart_upload(&bucket, "mp", ObjectMeta::default())
            .unwrap();
        for (number, len) in [(1, 40), (2, 35), (3, 9)] {
            let blob = t.blob(&account_id, &pattern(len, number as u8)).await;
            t.store
                .put_part(
                    &upload,
                    number,
                    blob,
                    format!("\"p{number}\""),
                    [0; 16],
                    None,
                )
                .unwrap();
        }
        let parts: Vec<CompletePart> = [1, 3]
            .iter()
            .map(|number| CompletePart {
                part_number: *number,
                etag: format!("\"p{number}\""),
            })
            .collect();
        let condition = WriteCondition::default();
        t.store
            .complete_multipart_upload_with(
                &bucket,
                "mp",
                &upload.upload_id,
                &parts,
                &condition,
                finish,
            )
            .unwrap();
        let pending = t
            .store
            .create_multipart_upload(&second, "open", ObjectMeta::default())
            .unwrap();
        let blob = t.blob(&account_id, &pattern(12, 9)).await;
        t.store
            .put_part(&pending, 1, blob, "\"q\"".into(), [0; 16], None)
            .unwrap();

        // a: 33, empty: 0, mp: 40 + 9, c: 7, open part: 12.
        let expected = Usage {
            used_bytes: 33 + 49 + 7 + 12,
            reserved_bytes: 0,
            object_count: 4,
            bucket_count: 2,
            capacity_bytes: 1 << 20,
        };
        assert_eq!(t.store.usage(&account_id).unwrap(), expected);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (33 + 49, 3));
        assert_eq!(t.store.bucket_usage(&second).unwrap(), (7 + 12, 1));

        let t = t.reopen();
        assert_eq!(t.store.usage(&account_id).unwrap(), expected);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (33 + 49, 3));
    }
}
