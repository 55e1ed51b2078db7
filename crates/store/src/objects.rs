//! Committing, reading back and deleting whole objects.

use crate::Store;
use crate::blob::Blob;
use crate::buckets::Bucket;
use crate::codec;
use crate::db::{Batch, Cf};
use crate::error::{Result, StoreError};
use crate::locks::{lock, read};
use crate::records::{BlobId, BlobOwner, KeyState, ObjectMeta, ObjectRecord, Segment};
use crate::usage::{Delta, signed};

/// Conditions on the current object that a write requires, checked under the commit lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteCondition {
    /// If-Match: the current ETag must be one of these (comma-separated, quotes optional), or
    /// `*` for any existing object. A missing object fails with `NoSuchKey`.
    pub if_match: Option<String>,
    /// If-None-Match: `*`: the write fails with `PreconditionFailed` if the object exists.
    pub if_none_match_any: bool,
    /// What the key held when the request began, if the caller looked. A condition that
    /// fails on a key changed since then fails with `ConditionalRequestConflict` instead,
    /// because a write that raced with this one decided the outcome.
    pub key_at_start: Option<KeyState>,
}

impl WriteCondition {
    /// Returns whether the write has no condition at all.
    pub fn is_unconditional(&self) -> bool {
        self.if_match.is_none() && !self.if_none_match_any
    }

    /// Checks the condition against the current object, taking `key_at_start` as the state
    /// the request began with.
    pub fn check(&self, current: Option<&ObjectRecord>) -> Result<()> {
        self.check_since(current, self.key_at_start.as_ref())
    }

    /// Checks the condition against the current object. A failure on a key whose state
    /// differs from `key_at_start` is a `ConditionalRequestConflict`.
    pub(crate) fn check_since(
        &self,
        current: Option<&ObjectRecord>,
        key_at_start: Option<&KeyState>,
    ) -> Result<()> {
        let Err(failure) = self.evaluate(current) else {
            return Ok(());
        };
        match key_at_start {
            Some(start) if *start != KeyState::of(current) => {
                Err(StoreError::ConditionalRequestConflict)
            }
            _ => Err(failure),
        }
    }

    fn evaluate(&self, current: Option<&ObjectRecord>) -> Result<()> {
        if let Some(if_match) = &self.if_match {
            let current = current.ok_or(StoreError::NoSuchKey)?;
            if !etag_matches(if_match, &current.etag) {
                return Err(StoreError::PreconditionFailed {
                    condition: "If-Match",
                });
            }
        }
        if self.if_none_match_any && current.is_some() {
            return Err(StoreError::PreconditionFailed {
                condition: "If-None-Match",
            });
        }
        Ok(())
    }
}

/// Compares ETags ignoring surrounding quotes; `list` may hold several, or `*`.
pub(crate) fn etag_matches(list: &str, etag: &str) -> bool {
    let etag = etag.trim_matches('"');
    list.split(',')
        .map(|item| item.trim())
        .any(|item| item == "*" || item.trim_matches('"') == etag)
}

/// Compares two ETags ignoring surrounding quotes.
pub(crate) fn same_etag(left: &str, right: &str) -> bool {
    left.trim().trim_matches('"') == right.trim().trim_matches('"')
}

/// Adds the deletion of a record's blob rows to `batch` and returns the blobs to unlink after
/// the commit.
pub(crate) fn free_segments(batch: &mut Batch<'_>, segments: &[Segment]) -> Vec<(BlobId, u32)> {
    let blobs: Vec<(BlobId, u32)> = segments.iter().filter_map(Segment::blob).collect();
    for (blob, _) in &blobs {
        batch.delete(Cf::Blobs, blob);
    }
    blobs
}

/// Adds a usage change of a bucket and its account to `batch`.
pub(crate) fn add_usage(batch: &mut Batch<'_>, bucket_id: u64, account_id: &str, delta: Delta) {
    batch.add_counters(
        &codec::bucket_counter_key(bucket_id),
        &delta.bucket_values(),
    );
    batch.add_counters(
        &codec::account_counter_key(account_id),
        &delta.account_values(),
    );
}

impl Store {
    /// Commits `blob` as the object at `key`, replacing any current object.
    ///
    /// One synced batch writes the record and the blob row, deletes the replaced object's blob
    /// rows and updates the usage counters. The replaced chunks are unlinked afterwards, or
    /// when the last reader of them finishes. `etag` is stored as given (quoted).
    pub fn put_object(
        &self,
        bucket: &Bucket,
        key: &str,
        blob: Blob,
        etag: String,
        meta: ObjectMeta,
        condition: &WriteCondition,
    ) -> Result<ObjectRecord> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        self.check_bucket_live(bucket)?;
        let key_lock = lock(inner.key_locks.get((bucket.id, key)));
        let row_key = codec::object_key(bucket.id, key);
        let current: Option<ObjectRecord> = inner.meta.get_record(Cf::Objects, &row_key)?;
        condition.check(current.as_ref())?;

        let record = ObjectRecord {
            key: key.to_string(),
            size: blob.size(),
            etag,
            last_modified: codec::now_ms(),
            meta,
            parts: Vec::new(),
            upload_id: None,
            data: blob.segments(),
        };
        let mut batch = inner.meta.batch();
        batch.put(Cf::Objects, &row_key, &record);
        let owner = BlobOwner::Object {
            bucket_id: bucket.id,
            key: key.to_string(),
        };
        if let Some((id, blob_record)) = blob.record(owner) {
            batch.put(Cf::Blobs, &id, &blob_record);
        }
        let freed = current
            .as_ref()
            .map(|old| free_segments(&mut batch, &old.data));
        let delta = Delta {
            bytes: signed(record.size) - current.as_ref().map_or(0, |old| signed(old.size)),
            objects: i64::from(current.is_none()),
            buckets: 0,
        };
        add_usage(&mut batch, bucket.id, &bucket.account_id, delta);
        inner.meta.commit(batch)?;

        blob.mark_committed(&bucket.account_id, delta, &inner.usage);
        drop(key_lock);
        inner.chunks.free(&freed.unwrap_or_default());
        Ok(record)
    }

    /// Returns the current object at `key`.
    pub fn head_object(&self, bucket: &Bucket, key: &str) -> Result<Option<ObjectRecord>> {
        self.0
            .meta
            .get_record(Cf::Objects, &codec::object_key(bucket.id, key))
    }

    /// Replaces the tag set of the object at `key` and returns the updated record.
    ///
    /// Only the record changes: the data, the ETag and the last-modified time stay, as with
    /// PutObjectTagging on AWS. A missing object fails with `NoSuchKey`.
    pub fn put_object_tags(
        &self,
        bucket: &Bucket,
        key: &str,
        tags: Vec<(String, String)>,
    ) -> Result<ObjectRecord> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        let _key_lock = lock(inner.key_locks.get((bucket.id, key)));
        let row_key = codec::object_key(bucket.id, key);
        let mut record: ObjectRecord = inner
            .meta
            .get_record(Cf::Objects, &row_key)?
            .ok_or(StoreError::NoSuchKey)?;
        record.meta.tags = tags;
        let mut batch = inner.meta.batch();
        batch.put(Cf::Objects, &row_key, &record);
        inner.meta.commit(batch)?;
        Ok(record)
    }

    /// Deletes the object at `key` and returns it, or None if there was none.
    pub fn delete_object(&self, bucket: &Bucket, key: &str) -> Result<Option<ObjectRecord>> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        let key_lock = lock(inner.key_locks.get((bucket.id, key)));
        let row_key = codec::object_key(bucket.id, key);
        let Some(current) = inner
            .meta
            .get_record::<ObjectRecord>(Cf::Objects, &row_key)?
        else {
            return Ok(None);
        };

        let mut batch = inner.meta.batch();
        batch.delete(Cf::Objects, &row_key);
        let freed = free_segments(&mut batch, &current.data);
        let delta = Delta {
            bytes: -signed(current.size),
            objects: -1,
            buckets: 0,
        };
        add_usage(&mut batch, bucket.id, &bucket.account_id, delta);
        inner.meta.commit(batch)?;

        inner.usage.apply(&bucket.account_id, delta);
        drop(key_lock);
        inner.chunks.free(&freed);
        Ok(Some(current))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matches_quoted_and_lists() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("abc", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }
}

#[cfg(test)]
mod store_tests {
    use futures::StreamExt;

    use crate::testing::{TEST_CHUNK_SIZE, drop_now, open_store, open_store_with, pattern};
    use crate::{KeyState, ObjectMeta, StoreError, WriteCondition};

    #[tokio::test]
    async fn put_get_round_trip() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let data = pattern(50, 1);
        let record = t.put(&bucket, "a/b.txt", &data).await;
        assert_eq!(record.size, 50);
        assert_eq!(t.get(&bucket, "a/b.txt").await.unwrap(), data);
        assert_eq!(t.chunk_files() as u64, 50u64.div_ceil(TEST_CHUNK_SIZE));
    }

    #[tokio::test]
    async fn overwrite_frees_old_chunks() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "k", &pattern(50, 1)).await;
        let data = pattern(20, 2);
        t.put(&bucket, "k", &data).await;
        assert_eq!(t.chunk_files(), 2);
        assert_eq!(t.get(&bucket, "k").await.unwrap(), data);
    }

    #[tokio::test]
    async fn delete_frees_chunks() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "k", &pattern(50, 1)).await;
        let deleted = t.store.delete_object(&bucket, "k").unwrap();
        assert_eq!(deleted.map(|record| record.size), Some(50));
        assert_eq!(t.chunk_files(), 0);
        assert!(t.store.head_object(&bucket, "k").unwrap().is_none());
        assert!(t.store.delete_object(&bucket, "k").unwrap().is_none());
    }

    #[tokio::test]
    async fn empty_object_has_no_chunks() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let record = t.put(&bucket, "empty", b"").await;
        assert_eq!(record.size, 0);
        assert_eq!(t.chunk_files(), 0);
        assert_eq!(t.get(&bucket, "empty").await.unwrap(), Vec::<u8>::new());
    }

    #[tokio::test]
    async fn inline_object_stays_in_metadata() {
        let t = open_store_with(|config| config.inline_max = 64);
        let (account_id, bucket) = t.account_and_bucket("acme");
        let blob = t.blob(&account_id, &pattern(64, 3)).await;
        assert!(blob.is_inline());
        drop(blob);
        let small = pattern(40, 4);
        t.put(&bucket, "small", &small).await;
        assert_eq!(t.chunk_files(), 0);
        assert_eq!(t.get(&bucket, "small").await.unwrap(), small);
        let large = pattern(65, 5);
        t.put(&bucket, "large", &large).await;
        assert_eq!(t.chunk_files() as u64, 65u64.div_ceil(TEST_CHUNK_SIZE));
        assert_eq!(t.get(&bucket, "large").await.unwrap(), large);
    }

    #[tokio::test]
    async fn inline_range_reads() {
        let t = open_store_with(|config| config.inline_max = 64);
        let (_, bucket) = t.account_and_bucket("acme");
        let data = pattern(40, 4);
        let record = t.put(&bucket, "small", &data).await;
        assert_eq!(t.read(&record, 5, 9).await, data[5..=9]);
    }

    #[tokio::test]
    async fn range_across_chunk_boundaries() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let data = pattern(100, 6);
        let record = t.put(&bucket, "k", &data).await;
        for (start, end) in [
            (0, 0),
            (15, 16),
            (10, 40),
            (31, 32),
            (16, 31),
            (99, 99),
            (0, 99),
        ] {
            let got = t.read(&record, start, end).await;
            assert_eq!(
                got,
                data[start as usize..=end as usize],
                "range {start}-{end}"
            );
        }
        assert_eq!(t.read(&record, 90, 1000).await, data[90..]);
    }

    #[tokio::test]
    async fn reader_survives_overwrite_and_delete() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let old = pattern(100, 7);
        let record = t.put(&bucket, "k", &old).await;
        let mut reader = t.store.read_object(&record, 0, u64::MAX);
        let mut received = reader.next().await.unwrap().unwrap().to_vec();

        t.put(&bucket, "k", &pattern(10, 8)).await;
        t.store.delete_object(&bucket, "k").unwrap();
        while let Some(piece) = reader.next().await {
            received.extend_from_slice(&piece.unwrap());
        }
        assert_eq!(received, old);
        assert_eq!(t.chunk_files(), 7, "old chunks stay while the reader lives");
        drop_now(reader);
        assert_eq!(t.chunk_files(), 0);
    }

    #[tokio::test]
    async fn read_after_replacement_fails() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let stale = t.put(&bucket, "k", &pattern(30, 1)).await;
        t.put(&bucket, "k", &pattern(30, 2)).await;
        let mut reader = t.store.read_object(&stale, 0, 29);
        let error = reader.next().await.unwrap().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn write_conditions() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let put = |condition: WriteCondition| {
            let t = &t;
            let bucket = &bucket;
            let account_id = &account_id;
            async move {
                let blob = t.blob(account_id, b"data").await;
                let meta = ObjectMeta::default();
                t.store
                    .put_object(bucket, "k", blob, "\"e2\"".into(), meta, &condition)
            }
        };
        let if_match = |etag: &str| WriteCondition {
            if_match: Some(etag.into()),
            ..Default::default()
        };
        let none_match = WriteCondition {
            if_none_match_any: true,
            ..Default::default()
        };

        assert!(matches!(
            put(if_match("\"e\"")).await,
            Err(StoreError::NoSuchKey)
        ));
        assert!(put(none_match.clone()).await.is_ok());
        assert!(matches!(
            put(none_match).await,
            Err(StoreError::PreconditionFailed {
                condition: "If-None-Match"
            })
        ));
        assert!(matches!(
            put(if_match("\"other\"")).await,
            Err(StoreError::PreconditionFailed {
                condition: "If-Match"
            })
        ));
        assert!(put(if_match("e2")).await.is_ok());
    }

    #[tokio::test]
    async fn write_condition_conflict_after_change() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let none_match_from = |key_at_start| WriteCondition {
            if_none_match_any: true,
            key_at_start: Some(key_at_start),
            ..Default::default()
        };
        let put = |condition: WriteCondition| {
            let (t, bucket, account_id) = (&t, &bucket, &account_id);
            async move {
                let blob = t.blob(account_id, b"data").await;
                let meta = ObjectMeta::default();
                t.store
                    .put_object(bucket, "k", blob, "\"e\"".into(), meta, &condition)
            }
        };

        // Two writers both began on a missing key; the second finds the first's object.
        assert!(put(none_match_from(KeyState::Absent)).await.is_ok());
        assert!(matches!(
            put(none_match_from(KeyState::Absent)).await,
            Err(StoreError::ConditionalRequestConflict)
        ));
        // A writer that began on the present object fails its precondition plainly.
        let current = t.store.head_object(&bucket, "k").unwrap();
        let began = KeyState::of(current.as_ref());
        assert!(matches!(
            put(none_match_from(began)).await,
            Err(StoreError::PreconditionFailed {
                condition: "If-None-Match"
            })
        ));
    }

    #[tokio::test]
    async fn put_into_deleted_bucket() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.store.delete_bucket(&bucket.name).unwrap();
        let blob = t.blob(&account_id, &pattern(20, 1)).await;
        let result = t.store.put_object(
            &bucket,
            "k",
            blob,
            "\"e\"".into(),
            ObjectMeta::default(),
            &WriteCondition::default(),
        );
        assert!(matches!(result, Err(StoreError::NoSuchBucket)));
    }

    #[tokio::test]
    async fn dropped_blob_removes_files() {
        let t = open_store();
        let (account_id, _) = t.account_and_bucket("acme");
        let blob = t.blob(&account_id, &pattern(40, 1)).await;
        assert_eq!(t.chunk_files(), 3);
        drop_now(blob);
        assert_eq!(t.chunk_files(), 0);
        assert_eq!(t.store.usage(&account_id).unwrap().reserved_bytes, 0);
    }

    #[tokio::test]
    async fn dropped_writer_removes_files() {
        let t = open_store_with(|config| config.chunk_size = 1 << 20);
        let account_id = t.account("big", 4);
        let reservation = t.store.reserve(&account_id, 0).unwrap();
        let mut writer = t.store.blob_writer(reservation);
        writer
            .write(bytes::Bytes::from(vec![1u8; 2 << 20]))
            .await
            .unwrap();
        assert!(t.chunk_files() > 0);
        drop_now(writer);
        assert_eq!(t.chunk_files(), 0);
        assert_eq!(t.store.usage(&account_id).unwrap().reserved_bytes, 0);
    }

    #[tokio::test]
    async fn writer_grows_reservation_up_to_capacity() {
        let t = open_store_with(|config| config.chunk_size = 1 << 20);
        let account_id = t.account("small", 1);
        let reservation = t.store.reserve(&account_id, 0).unwrap();
        let mut writer = t.store.blob_writer(reservation);
        writer
            .write(bytes::Bytes::from(vec![0u8; 1 << 20]))
            .await
            .unwrap();
        let error = writer
            .write(bytes::Bytes::from_static(b"x"))
            .await
            .unwrap_err();
        assert!(matches!(
            error,
            StoreError::QuotaExceeded { requested: 1, .. }
        ));
    }

    #[test]
    fn concurrent_overwrites_keep_one_object() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        runtime.block_on(async {
            let tasks: Vec<_> = (0..16u8)
                .map(|index| {
                    let (store, bucket) = (t.store.clone(), bucket.clone());
                    let data = pattern(20 + usize::from(index), index);
                    let reservation = store.reserve(&account_id, data.len() as u64).unwrap();
                    tokio::spawn(async move {
                        let mut writer = store.blob_writer(reservation);
                        writer.write(bytes::Bytes::from(data)).await.unwrap();
                        let blob = writer.finish().await.unwrap();
                        tokio::task::spawn_blocking(move || {
                            let meta = ObjectMeta::default();
                            let condition = WriteCondition::default();
                            store.put_object(&bucket, "k", blob, "\"e\"".into(), meta, &condition)
                        })
                        .await
                        .unwrap()
                        .unwrap();
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        drop(runtime);
        let record = t.store.head_object(&bucket, "k").unwrap().unwrap();
        let usage = t.store.usage(&account_id).unwrap();
        assert_eq!(usage.object_count, 1);
        assert_eq!(usage.used_bytes, record.size);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (record.size, 1));
        assert_eq!(
            t.chunk_files() as u64,
            record.size.div_ceil(TEST_CHUNK_SIZE)
        );
    }
}

#[cfg(test)]
mod tag_tests {
    use crate::StoreError;
    use crate::testing::{open_store, pattern};

    #[tokio::test]
    async fn put_object_tags_keeps_data_and_times() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let data = pattern(40, 1);
        let before = t.put(&bucket, "k", &data).await;
        let tags = vec![("team".to_owned(), "storage".to_owned())];
        let after = t.store.put_object_tags(&bucket, "k", tags.clone()).unwrap();
        assert_eq!(after.meta.tags, tags);
        assert_eq!(after.etag, before.etag);
        assert_eq!(after.last_modified, before.last_modified);
        let stored = t.store.head_object(&bucket, "k").unwrap().unwrap();
        assert_eq!(stored.meta.tags, tags);
        assert_eq!(t.get(&bucket, "k").await.unwrap(), data);
    }

    #[test]
    fn put_object_tags_missing_object() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let result = t.store.put_object_tags(&bucket, "none", Vec::new());
        assert!(matches!(result, Err(StoreError::NoSuchKey)));
    }
}
