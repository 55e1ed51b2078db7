//! Multipart uploads: initiation, parts, completion without copying, abort.

use md5::{Digest, Md5};

use crate::Store;
use crate::blob::Blob;
use crate::buckets::Bucket;
use crate::codec;
use crate::db::{Batch, Cf};
use crate::error::{Result, StoreError};
use crate::ids;
use crate::locks::{lock, read, write};
use crate::objects::{WriteCondition, add_usage, free_segments, same_etag};
use crate::records::{
    BlobId, BlobOwner, BlobRecord, KeyState, ObjectMeta, ObjectRecord, PartChecksum, PartRecord,
    PartSummary, Segment, StoredChecksum, Upload, UploadChecksum, chunk_count,
};
use crate::usage::{Delta, signed};

/// A part named in a CompleteMultipartUpload request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletePart {
    /// Part number.
    pub part_number: u32,
    /// ETag the client expects the part to have, quoted or not.
    pub etag: String,
}

/// ETag and checksum of a completed object, computed by the caller from its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedObject {
    /// Quoted multipart ETag.
    pub etag: String,
    /// Whole-object checksum, if the upload has one.
    pub checksum: Option<StoredChecksum>,
}

impl Store {
    /// Starts a multipart upload of `key` into `bucket` without a checksum algorithm.
    pub fn create_multipart_upload(
        &self,
        bucket: &Bucket,
        key: &str,
        meta: ObjectMeta,
    ) -> Result<Upload> {
        self.create_multipart_upload_with(bucket, key, meta, None)
    }

    /// Starts a multipart upload of `key` into `bucket`, whose parts and completed object
    /// carry checksums of `checksum`'s algorithm and type when it is given.
    ///
    /// The upload records what the key holds now, so that a conditional completion can tell
    /// a precondition that failed all along from one that a later write made fail.
    pub fn create_multipart_upload_with(
        &self,
        bucket: &Bucket,
        key: &str,
        meta: ObjectMeta,
        checksum: Option<UploadChecksum>,
    ) -> Result<Upload> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        self.check_bucket_live(bucket)?;
        let current = self.head_object(bucket, key)?;
        let initiated = codec::now_ms();
        let upload = Upload {
            upload_id: ids::upload_id(codec::unix_ms::to_ms(initiated)),
            bucket_id: bucket.id,
            key: key.to_string(),
            initiated,
            meta,
            account_id: bucket.account_id.clone(),
            checksum,
            key_at_creation: KeyState::of(current.as_ref()),
        };
        let mut batch = inner.meta.batch();
        batch.put(
            Cf::Uploads,
            &codec::upload_key(bucket.id, key, &upload.upload_id),
            &upload,
        );
        inner.meta.commit(batch)?;
        Ok(upload)
    }

    /// Returns the upload with this id, or None if `bucket` has no such upload for `key`
    /// (including an upload of another key).
    pub fn upload(&self, bucket: &Bucket, key: &str, upload_id: &str) -> Result<Option<Upload>> {
        self.0
            .meta
            .get_record(Cf::Uploads, &codec::upload_key(bucket.id, key, upload_id))
    }

    /// Stores `blob` as part `part_number` of an upload, replacing (and freeing) a previous
    /// part with that number. Parts count towards the account's used bytes from now on.
    ///
    /// `etag` is stored as given (quoted); `md5` is kept for the multipart ETag.
    pub fn put_part(
        &self,
        upload: &Upload,
        part_number: u32,
        blob: Blob,
        etag: String,
        md5: [u8; 16],
        checksum: Option<PartChecksum>,
    ) -> Result<PartRecord> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(upload.bucket_id));
        let _upload_lock = read(inner.upload_locks.get(&upload.upload_id));
        let part_lock = lock(inner.part_locks.get((&upload.upload_id, part_number)));
        let upload_key = codec::upload_key(upload.bucket_id, &upload.key, &upload.upload_id);
        if inner.meta.get(Cf::Uploads, &upload_key)?.is_none() {
            return Err(StoreError::NoSuchUpload);
        }
        let row_key = codec::part_key(&upload.upload_id, part_number);
        let current: Option<PartRecord> = inner.meta.get_record(Cf::Parts, &row_key)?;

        let part = PartRecord {
            part_number,
            size: blob.size(),
            etag,
            md5,
            checksum_origin: checksum.as_ref().map(|checksum| checksum.origin),
            checksum: checksum.map(|checksum| checksum.checksum),
            last_modified: codec::now_ms(),
            data: blob.segment().clone(),
        };
        let mut batch = inner.meta.batch();
        batch.put(Cf::Parts, &row_key, &part);
        let owner = BlobOwner::Part {
            upload_id: upload.upload_id.clone(),
            part_number,
        };
        if let Some((id, blob_record)) = blob.record(owner) {
            batch.put(Cf::Blobs, &id, &blob_record);
        }
        let freed = current
            .as_ref()
            .map(|old| free_segments(&mut batch, std::slice::from_ref(&old.data)));
        let delta = Delta {
            bytes: signed(part.size) - current.as_ref().map_or(0, |old| signed(old.size)),
            objects: 0,
            buckets: 0,
        };
        add_usage(&mut batch, upload.bucket_id, &upload.account_id, delta);
        inner.meta.commit(batch)?;

        blob.mark_committed(&upload.account_id, delta, &inner.usage);
        drop(part_lock);
        inner.chunks.free(&freed.unwrap_or_default());
        Ok(part)
    }

    /// Lists an upload's parts with numbers above `after_part`, up to `max`; returns them and
    /// whether more follow.
    pub fn list_parts(
        &self,
        upload: &Upload,
        after_part: u32,
        max: usize,
    ) -> Result<(Vec<PartRecord>, bool)> {
        let start = codec::part_key(&upload.upload_id, after_part.saturating_add(1));
        let prefix = upload.upload_id.as_bytes();
        let limit = max.saturating_add(1);
        let mut parts: Vec<PartRecord> = if after_part == u32::MAX {
            Vec::new()
        } else {
            self.0
                .meta
                .scan_prefix(Cf::Parts, prefix, &start, limit)?
                .into_iter()
                .map(|(_, part)| part)
                .collect()
        };
        let truncated = parts.len() > max;
        parts.truncate(max);
        Ok((parts, truncated))
    }

    /// Completes an upload into an object with the standard multipart ETag (the MD5 of the
    /// concatenated part MD5s, then `-` and the part count) and no whole-object checksum.
    ///
    /// See [`Store::complete_multipart_upload_with`] for the checks and the commit.
    pub fn complete_multipart_upload(
        &self,
        bucket: &Bucket,
        key: &str,
        upload_id: &str,
        parts: &[CompletePart],
        condition: &WriteCondition,
    ) -> Result<ObjectRecord> {
        self.complete_multipart_upload_with(bucket, key, upload_id, parts, condition, |_, parts| {
            Ok::<_, StoreError>(CompletedObject {
                etag: multipart_etag(parts),
                checksum: None,
            })
        })
    }

    /// Completes an upload into an object, in one batch, without copying part data.
    ///
    /// Checks the write condition against the current object; a condition that fails on a
    /// key changed since the upload was created is a `ConditionalRequestConflict`. Then checks
    /// that part numbers ascend (`InvalidPartOrder`), that each part exists with that ETag
    /// (`InvalidPart`) and that every part but the last has at least `min_part_size` bytes
    /// (`EntityTooSmall`). Then `finish` computes the ETag and checksum from the upload and
    /// the listed parts; it may reject them with its own error. The batch writes the object,
    /// re-owns the listed part blobs, frees unlisted parts and an overwritten object, and
    /// removes the upload.
    ///
    /// If the upload is gone but the current object was made by it from the same part list,
    /// returns that object without calling `finish`, so a repeated Complete gets the same
    /// response. Otherwise a missing upload fails with `NoSuchUpload`. The caller rejects an
    /// empty part list (MalformedXML).
    pub fn complete_multipart_upload_with<E: From<StoreError>>(
        &self,
        bucket: &Bucket,
        key: &str,
        upload_id: &str,
        parts: &[CompletePart],
        condition: &WriteCondition,
        finish: impl FnOnce(&Upload, &[PartRecord]) -> Result<CompletedObject, E>,
    ) -> Result<ObjectRecord, E> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        self.check_bucket_live(bucket)?;
        let key_lock = lock(inner.key_locks.get((bucket.id, key)));
        let upload_lock = write(inner.upload_locks.get(upload_id));
        let object_key = codec::object_key(bucket.id, key);
        let current: Option<ObjectRecord> = inner.meta.get_record(Cf::Objects, &object_key)?;
        let Some(upload) = self.upload(bucket, key, upload_id)? else {
            return match current {
                Some(object) if made_by(&object, upload_id, parts) => Ok(object),
                _ => Err(StoreError::NoSuchUpload.into()),
            };
        };
        condition.check_since(current.as_ref(), Some(&upload.key_at_creation))?;

        let stored = self.all_parts(upload_id)?;
        let listed = select_parts(&stored, parts, inner.config.min_part_size)?;
        let completed = finish(&upload, &listed)?;
        let record = assemble(key, &upload, &listed, completed);

        let mut batch = inner.meta.batch();
        batch.put(Cf::Objects, &object_key, &record);
        let (freed, freed_bytes) = stage_part_moves(
            &mut batch,
            bucket,
            &upload,
            &stored,
            &listed,
            current.as_ref(),
        );
        batch.delete(Cf::Uploads, &codec::upload_key(bucket.id, key, upload_id));
        // The listed parts already count as used bytes, so only freed bytes change usage.
        let delta = Delta {
            bytes: -signed(freed_bytes),
            objects: i64::from(current.is_none()),
            buckets: 0,
        };
        add_usage(&mut batch, bucket.id, &bucket.account_id, delta);
        inner.meta.commit(batch)?;

        inner.usage.apply(&bucket.account_id, delta);
        drop(upload_lock);
        drop(key_lock);
        inner.chunks.free(&freed);
        Ok(record)
    }

    /// Aborts an upload and frees its parts.
    pub fn abort_multipart_upload(
        &self,
        bucket: &Bucket,
        key: &str,
        upload_id: &str,
    ) -> Result<()> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        let upload_lock = write(inner.upload_locks.get(upload_id));
        if self.upload(bucket, key, upload_id)?.is_none() {
            return Err(StoreError::NoSuchUpload);
        }
        let stored = self.all_parts(upload_id)?;

        let mut batch = inner.meta.batch();
        let mut freed = Vec::new();
        let mut freed_bytes = 0;
        for part in &stored {
            batch.delete(Cf::Parts, &codec::part_key(upload_id, part.part_number));
            freed.extend(free_segments(&mut batch, std::slice::from_ref(&part.data)));
            freed_bytes += part.size;
        }
        batch.delete(Cf::Uploads, &codec::upload_key(bucket.id, key, upload_id));
        let delta = Delta {
            bytes: -signed(freed_bytes),
            objects: 0,
            buckets: 0,
        };
        add_usage(&mut batch, bucket.id, &bucket.account_id, delta);
        inner.meta.commit(batch)?;

        inner.usage.apply(&bucket.account_id, delta);
        drop(upload_lock);
        inner.chunks.free(&freed);
        Ok(())
    }

    fn all_parts(&self, upload_id: &str) -> Result<Vec<PartRecord>> {
        let rows = self
            .0
            .meta
            .scan_prefix(Cf::Parts, upload_id.as_bytes(), b"", usize::MAX)?;
        Ok(rows.into_iter().map(|(_, part)| part).collect())
    }
}

/// Adds to `batch` the moves of a completion: listed part blobs become the object's, every
/// part row goes, and unlisted parts and the overwritten object are freed. Returns the blobs
/// to unlink after the commit and the bytes freed.
fn stage_part_moves(
    batch: &mut Batch<'_>,
    bucket: &Bucket,
    upload: &Upload,
    stored: &[PartRecord],
    listed: &[PartRecord],
    current: Option<&ObjectRecord>,
) -> (Vec<(BlobId, u32)>, u64) {
    for part in listed {
        if let Segment::Chunked {
            blob,
            size,
            chunk_size,
        } = &part.data
        {
            let owner = BlobOwner::Object {
                bucket_id: bucket.id,
                key: upload.key.clone(),
            };
            let chunk_count = chunk_count(*size, *chunk_size);
            let record = BlobRecord {
                size: *size,
                chunk_size: *chunk_size,
                chunk_count,
                owner,
            };
            batch.put(Cf::Blobs, blob, &record);
        }
    }
    let mut freed = Vec::new();
    let mut freed_bytes = 0;
    for part in stored {
        batch.delete(
            Cf::Parts,
            &codec::part_key(&upload.upload_id, part.part_number),
        );
        if !listed
            .iter()
            .any(|listed| listed.part_number == part.part_number)
        {
            freed.extend(free_segments(batch, std::slice::from_ref(&part.data)));
            freed_bytes += part.size;
        }
    }
    if let Some(old) = current {
        freed.extend(free_segments(batch, &old.data));
        freed_bytes += old.size;
    }
    (freed, freed_bytes)
}

/// Returns the S3 ETag of a multipart object: the hex MD5 of the parts' MD5s concatenated,
/// followed by `-` and the part count, quoted.
pub fn multipart_etag(parts: &[PartRecord]) -> String {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part.md5);
    }
    format!("\"{}-{}\"", hex::encode(hasher.finalize()), parts.len())
}

/// Returns whether `object` is the completion of upload `upload_id` from exactly the parts
/// `listed`, so that a repeated CompleteMultipartUpload may return it again.
///
/// Part ETags are the hex MD5s of the parts, so the listed ETags must give the object's
/// multipart ETag.
fn made_by(object: &ObjectRecord, upload_id: &str, listed: &[CompletePart]) -> bool {
    object.upload_id.as_deref() == Some(upload_id)
        && object.parts.len() == listed.len()
        && object
            .parts
            .iter()
            .zip(listed)
            .all(|(part, wanted)| part.part_number == wanted.part_number)
        && listed_multipart_etag(listed).is_some_and(|etag| same_etag(&etag, &object.etag))
}

/// Returns the multipart ETag of the listed parts, or None if an ETag is not a hex MD5.
fn listed_multipart_etag(listed: &[CompletePart]) -> Option<String> {
    let mut hasher = Md5::new();
    for part in listed {
        let mut md5 = [0u8; 16];
        hex::decode_to_slice(part.etag.trim().trim_matches('"'), &mut md5).ok()?;
        hasher.update(md5);
    }
    Some(format!(
        "\"{}-{}\"",
        hex::encode(hasher.finalize()),
        listed.len()
    ))
}

/// Picks the listed parts out of the stored ones, checking order, ETags and sizes.
fn select_parts(
    stored: &[PartRecord],
    listed: &[CompletePart],
    min_part_size: u64,
) -> Result<Vec<PartRecord>> {
    let mut selected: Vec<PartRecord> = Vec::with_capacity(listed.len());
    for wanted in listed {
        if selected
            .last()
            .is_some_and(|last| last.part_number >= wanted.part_number)
        {
            return Err(StoreError::InvalidPartOrder);
        }
        let part = stored
            .iter()
            .find(|part| part.part_number == wanted.part_number)
            .filter(|part| same_etag(&wanted.etag, &part.etag))
            .ok_or(StoreError::InvalidPart {
                part_number: wanted.part_number,
            })?;
        selected.push(part.clone());
    }
    if let Some((_, all_but_last)) = selected.split_last()
        && let Some(small) = all_but_last.iter().find(|part| part.size < min_part_size)
    {
        return Err(StoreError::EntityTooSmall {
            part_number: small.part_number,
            size: small.size,
            min: min_part_size,
        });
    }
    Ok(selected)
}

/// Builds the completed object's record from the listed parts.
fn assemble(
    key: &str,
    upload: &Upload,
    listed: &[PartRecord],
    completed: CompletedObject,
) -> ObjectRecord {
    let mut meta = upload.meta.clone();
    meta.checksum = completed.checksum;
    ObjectRecord {
        key: key.to_string(),
        size: listed.iter().map(|part| part.size).sum(),
        etag: completed.etag,
        last_modified: codec::now_ms(),
        meta,
        parts: listed
            .iter()
            .map(|part| PartSummary {
                part_number: part.part_number,
                size: part.size,
                checksum: part.checksum.clone(),
            })
            .collect(),
        upload_id: Some(upload.upload_id.clone()),
        data: listed
            .iter()
            .filter(|part| part.size > 0)
            .map(|part| part.data.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestStore, open_store, pattern};
    use crate::{ChecksumOrigin, ListUploadEntry, WriteCondition};

    fn finish(_: &Upload, parts: &[PartRecord]) -> Result<CompletedObject> {
        Ok(CompletedObject {
            etag: multipart_etag(parts),
            checksum: None,
        })
    }

    async fn send_part(t: &TestStore, upload: &Upload, number: u32, data: &[u8]) -> PartRecord {
        let blob = t.blob(&upload.account_id, data).await;
        // The ETag of a part is the hex of its MD5; tests use a made-up MD5 per part number.
        let md5 = [number as u8; 16];
        let etag = format!("\"{}\"", hex::encode(md5));
        t.store
            .put_part(upload, number, blob, etag, md5, None)
            .unwrap()
    }

    fn listed(parts: &[&PartRecord]) -> Vec<CompletePart> {
        parts
            .iter()
            .map(|part| CompletePart {
                part_number: part.part_number,
                etag: part.etag.clone(),
            })
            .collect()
    }

    async fn start(t: &TestStore) -> (Bucket, Upload) {
        let (_, bucket) = t.account_and_bucket("acme");
        let upload = t
            .store
            .create_multipart_upload(&bucket, "big", ObjectMeta::default())
            .unwrap();
        (bucket, upload)
    }

    fn complete(
        t: &TestStore,
        bucket: &Bucket,
        upload: &Upload,
        parts: &[CompletePart],
    ) -> Result<ObjectRecord> {
        let condition = WriteCondition::default();
        let (key, upload_id) = (&upload.key, &upload.upload_id);
        t.store
            .complete_multipart_upload_with(bucket, key, upload_id, parts, &condition, finish)
    }

    #[tokio::test]
    async fn complete_joins_parts_without_copying() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let (one, two, three) = (pattern(40, 1), pattern(33, 2), pattern(10, 3));
        let p1 = send_part(&t, &upload, 1, &one).await;
        let p2 = send_part(&t, &upload, 2, &two).await;
        let p3 = send_part(&t, &upload, 3, &three).await;
        let files_before = t.chunk_files();

        let record = complete(&t, &bucket, &upload, &listed(&[&p1, &p2, &p3])).unwrap();
        assert_eq!(record.size, 83);
        let parts = [p1.clone(), p2.clone(), p3.clone()];
        assert_eq!(record.etag, multipart_etag(&parts));
        assert_eq!(record.upload_id.as_deref(), Some(upload.upload_id.as_str()));
        assert_eq!(
            record
                .parts
                .iter()
                .map(|part| part.size)
                .collect::<Vec<_>>(),
            [40, 33, 10]
        );
        assert_eq!(t.chunk_files(), files_before);
        assert_eq!(
            t.get(&bucket, "big").await.unwrap(),
            [one, two, three].concat()
        );
        assert_eq!(
            t.read(&record, 38, 42).await,
            t.get(&bucket, "big").await.unwrap()[38..=42]
        );
        assert!(
            t.store
                .upload(&bucket, "big", &upload.upload_id)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn multipart_etag_of_known_parts() {
        // The MD5 of sixteen 0x01 bytes followed by sixteen 0x02 bytes.
        let part = |number: u8| PartRecord {
            part_number: u32::from(number),
            size: 0,
            etag: String::new(),
            md5: [number; 16],
            checksum: None,
            checksum_origin: None,
            last_modified: time::OffsetDateTime::UNIX_EPOCH,
            data: Segment::Inline(Vec::new()),
        };
        let mut hasher = Md5::new();
        hasher.update([[1u8; 16], [2u8; 16]].concat());
        let expected = format!("\"{}-2\"", hex::encode(hasher.finalize()));
        assert_eq!(multipart_etag(&[part(1), part(2)]), expected);
    }

    #[tokio::test]
    async fn complete_with_standard_etag() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let condition = WriteCondition::default();
        let record = t
            .store
            .complete_multipart_upload(
                &bucket,
                "big",
                &upload.upload_id,
                &listed(&[&p1]),
                &condition,
            )
            .unwrap();
        assert_eq!(record.etag, multipart_etag(std::slice::from_ref(&p1)));
    }

    #[tokio::test]
    async fn repeated_complete_returns_same_object() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let first = complete(&t, &bucket, &upload, &listed(&[&p1])).unwrap();
        let again = complete(&t, &bucket, &upload, &listed(&[&p1])).unwrap();
        assert_eq!(again, first);
    }

    #[tokio::test]
    async fn repeated_complete_needs_same_parts() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let p2 = send_part(&t, &upload, 2, &pattern(10, 2)).await;
        complete(&t, &bucket, &upload, &listed(&[&p1, &p2])).unwrap();
        let fewer = complete(&t, &bucket, &upload, &listed(&[&p1]));
        assert!(matches!(fewer, Err(StoreError::NoSuchUpload)));
        let mut wrong_etag = listed(&[&p1, &p2]);
        wrong_etag[1].etag = "\"other\"".into();
        let other = complete(&t, &bucket, &upload, &wrong_etag);
        assert!(matches!(other, Err(StoreError::NoSuchUpload)));
    }

    #[tokio::test]
    async fn repeated_complete_after_overwrite_is_no_such_upload() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        complete(&t, &bucket, &upload, &listed(&[&p1])).unwrap();
        t.put(&bucket, "big", &pattern(5, 9)).await;
        let again = complete(&t, &bucket, &upload, &listed(&[&p1]));
        assert!(matches!(again, Err(StoreError::NoSuchUpload)));
    }

    #[tokio::test]
    async fn parts_count_towards_capacity() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        send_part(&t, &upload, 1, &pattern(1000, 1)).await;
        send_part(&t, &upload, 2, &pattern(24, 2)).await;
        let usage = t.store.usage(&bucket.account_id).unwrap();
        assert_eq!(usage.used_bytes, 1024);
        assert_eq!(usage.object_count, 0);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (1024, 0));

        // The test account holds 1 MiB, so a part of the rest fits and one byte more does not.
        let room = usage.capacity_bytes - usage.used_bytes;
        let too_much = t.store.reserve(&bucket.account_id, room + 1);
        assert!(matches!(too_much, Err(StoreError::QuotaExceeded { .. })));
        assert!(t.store.reserve(&bucket.account_id, room).is_ok());
    }

    #[tokio::test]
    async fn abort_frees_bytes_of_account_and_bucket() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        t.put(&bucket, "kept", &pattern(7, 3)).await;
        send_part(&t, &upload, 1, &pattern(40, 1)).await;
        send_part(&t, &upload, 2, &pattern(40, 2)).await;
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 87);
        t.store
            .abort_multipart_upload(&bucket, "big", &upload.upload_id)
            .unwrap();
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 7);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (7, 1));
    }

    #[tokio::test]
    async fn completed_bytes_stay_counted_after_reopen() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        send_part(&t, &upload, 2, &pattern(40, 2)).await;
        complete(&t, &bucket, &upload, &listed(&[&p1])).unwrap();
        let t = t.reopen();
        let usage = t.store.usage(&bucket.account_id).unwrap();
        assert_eq!(usage.used_bytes, 40);
        assert_eq!(usage.object_count, 1);
    }

    fn completion_condition(if_none_match_any: bool, if_match: Option<&str>) -> WriteCondition {
        WriteCondition {
            if_match: if_match.map(str::to_owned),
            if_none_match_any,
            key_at_start: None,
        }
    }

    fn complete_if(
        t: &TestStore,
        bucket: &Bucket,
        upload: &Upload,
        parts: &[CompletePart],
        condition: &WriteCondition,
    ) -> Result<ObjectRecord> {
        let (key, upload_id) = (&upload.key, &upload.upload_id);
        t.store
            .complete_multipart_upload_with(bucket, key, upload_id, parts, condition, finish)
    }

    #[tokio::test]
    async fn complete_if_none_match_on_existing_key() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "big", &pattern(5, 9)).await;
        let upload = t
            .store
            .create_multipart_upload(&bucket, "big", ObjectMeta::default())
            .unwrap();
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let condition = completion_condition(true, None);
        let result = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &condition);
        assert!(matches!(
            result,
            Err(StoreError::PreconditionFailed {
                condition: "If-None-Match"
            })
        ));
        assert!(
            t.store
                .upload(&bucket, "big", &upload.upload_id)
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn complete_conflicts_with_key_created_after_upload() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        t.put(&bucket, "big", &pattern(5, 9)).await;
        let condition = completion_condition(true, None);
        let result = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &condition);
        assert!(matches!(
            result,
            Err(StoreError::ConditionalRequestConflict)
        ));
    }

    #[tokio::test]
    async fn complete_if_match_current_object() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let old = t.put(&bucket, "big", &pattern(5, 9)).await;
        let upload = t
            .store
            .create_multipart_upload(&bucket, "big", ObjectMeta::default())
            .unwrap();
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;

        let stale = completion_condition(false, Some("\"stale\""));
        let result = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &stale);
        assert!(matches!(
            result,
            Err(StoreError::PreconditionFailed {
                condition: "If-Match"
            })
        ));
        let current = completion_condition(false, Some(&old.etag));
        let record = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &current).unwrap();
        assert_eq!(record.size, 40);
    }

    #[tokio::test]
    async fn complete_if_match_conflicts_with_delete_after_upload() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let old = t.put(&bucket, "big", &pattern(5, 9)).await;
        let upload = t
            .store
            .create_multipart_upload(&bucket, "big", ObjectMeta::default())
            .unwrap();
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        t.store.delete_object(&bucket, "big").unwrap();
        let condition = completion_condition(false, Some(&old.etag));
        let result = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &condition);
        assert!(matches!(
            result,
            Err(StoreError::ConditionalRequestConflict)
        ));
    }

    #[tokio::test]
    async fn complete_if_match_on_missing_key() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let condition = completion_condition(false, Some("\"any\""));
        let result = complete_if(&t, &bucket, &upload, &listed(&[&p1]), &condition);
        assert!(matches!(result, Err(StoreError::NoSuchKey)));
    }

    #[tokio::test]
    async fn part_checksum_and_origin_kept() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let blob = t.blob(&upload.account_id, &pattern(40, 1)).await;
        let checksum = StoredChecksum {
            algorithm: "CRC32C".into(),
            value: "AAAAAA==".into(),
            kind: "COMPOSITE".into(),
        };
        let sent = PartChecksum {
            checksum: checksum.clone(),
            origin: ChecksumOrigin::Trailer,
        };
        let part = t
            .store
            .put_part(&upload, 1, blob, "\"p1\"".into(), [1; 16], Some(sent))
            .unwrap();
        assert_eq!(part.checksum_origin, Some(ChecksumOrigin::Trailer));
        let (parts, _) = t.store.list_parts(&upload, 0, 10).unwrap();
        assert_eq!(parts[0].checksum.as_ref(), Some(&checksum));
        let record = complete(&t, &bucket, &upload, &listed(&[&part])).unwrap();
        assert_eq!(record.parts[0].checksum.as_ref(), Some(&checksum));
    }

    #[tokio::test]
    async fn upload_keeps_checksum_choice() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let choice = UploadChecksum {
            algorithm: "CRC64NVME".into(),
            kind: "FULL_OBJECT".into(),
        };
        let upload = t
            .store
            .create_multipart_upload_with(&bucket, "k", ObjectMeta::default(), Some(choice.clone()))
            .unwrap();
        let loaded = t.store.upload(&bucket, "k", &upload.upload_id).unwrap();
        assert_eq!(loaded.and_then(|upload| upload.checksum), Some(choice));
    }

    #[tokio::test]
    async fn complete_frees_unlisted_parts() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        send_part(&t, &upload, 2, &pattern(40, 2)).await;
        let p3 = send_part(&t, &upload, 3, &pattern(5, 3)).await;
        let record = complete(&t, &bucket, &upload, &listed(&[&p1, &p3])).unwrap();
        assert_eq!(record.size, 45);
        assert_eq!(t.chunk_files(), 3 + 1);
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 45);
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (45, 1));
    }

    #[tokio::test]
    async fn complete_overwrites_object() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        t.put(&bucket, "big", &pattern(50, 9)).await;
        let p1 = send_part(&t, &upload, 1, &pattern(20, 1)).await;
        complete(&t, &bucket, &upload, &listed(&[&p1])).unwrap();
        assert_eq!(t.chunk_files(), 2);
        let usage = t.store.usage(&bucket.account_id).unwrap();
        assert_eq!(usage.used_bytes, 20);
        assert_eq!(usage.object_count, 1);
    }

    #[tokio::test]
    async fn complete_rejects_wrong_order() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let p2 = send_part(&t, &upload, 2, &pattern(40, 2)).await;
        let result = complete(&t, &bucket, &upload, &listed(&[&p2, &p1]));
        assert!(matches!(result, Err(StoreError::InvalidPartOrder)));
        let result = complete(&t, &bucket, &upload, &listed(&[&p1, &p1]));
        assert!(matches!(result, Err(StoreError::InvalidPartOrder)));
    }

    #[tokio::test]
    async fn complete_rejects_unknown_part() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let missing = CompletePart {
            part_number: 4,
            etag: p1.etag.clone(),
        };
        let result = complete(&t, &bucket, &upload, &[listed(&[&p1])[0].clone(), missing]);
        assert!(matches!(
            result,
            Err(StoreError::InvalidPart { part_number: 4 })
        ));
        let wrong_etag = CompletePart {
            part_number: 1,
            etag: "\"nope\"".into(),
        };
        let result = complete(&t, &bucket, &upload, &[wrong_etag]);
        assert!(matches!(
            result,
            Err(StoreError::InvalidPart { part_number: 1 })
        ));
    }

    #[tokio::test]
    async fn complete_rejects_small_part() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(10, 1)).await;
        let p2 = send_part(&t, &upload, 2, &pattern(10, 2)).await;
        let result = complete(&t, &bucket, &upload, &listed(&[&p1, &p2]));
        assert!(matches!(
            result,
            Err(StoreError::EntityTooSmall {
                part_number: 1,
                size: 10,
                min: 32
            })
        ));
        assert!(
            t.store
                .upload(&bucket, "big", &upload.upload_id)
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn abort_frees_parts() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        let p1 = send_part(&t, &upload, 1, &pattern(40, 1)).await;
        t.store
            .abort_multipart_upload(&bucket, "big", &upload.upload_id)
            .unwrap();
        assert_eq!(t.chunk_files(), 0);
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 0);
        let result = complete(&t, &bucket, &upload, &listed(&[&p1]));
        assert!(matches!(result, Err(StoreError::NoSuchUpload)));
        let again = t
            .store
            .abort_multipart_upload(&bucket, "big", &upload.upload_id);
        assert!(matches!(again, Err(StoreError::NoSuchUpload)));
    }

    #[tokio::test]
    async fn part_after_abort_is_rejected() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        t.store
            .abort_multipart_upload(&bucket, "big", &upload.upload_id)
            .unwrap();
        let blob = t.blob(&upload.account_id, &pattern(20, 1)).await;
        let result = t
            .store
            .put_part(&upload, 1, blob, "\"e\"".into(), [0; 16], None);
        assert!(matches!(result, Err(StoreError::NoSuchUpload)));
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 0);
    }

    #[tokio::test]
    async fn part_replacement_frees_previous() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        send_part(&t, &upload, 1, &pattern(40, 1)).await;
        let replacement = send_part(&t, &upload, 1, &pattern(20, 2)).await;
        assert_eq!(t.chunk_files(), 2);
        assert_eq!(t.store.usage(&bucket.account_id).unwrap().used_bytes, 20);
        let (parts, truncated) = t.store.list_parts(&upload, 0, 10).unwrap();
        assert_eq!(parts, vec![replacement]);
        assert!(!truncated);
    }

    #[tokio::test]
    async fn list_parts_pages() {
        let t = open_store();
        let (_, upload) = start(&t).await;
        for number in [1, 2, 5, 7] {
            send_part(&t, &upload, number, b"x").await;
        }
        let (parts, truncated) = t.store.list_parts(&upload, 1, 2).unwrap();
        assert_eq!(
            parts
                .iter()
                .map(|part| part.part_number)
                .collect::<Vec<_>>(),
            [2, 5]
        );
        assert!(truncated);
        let (parts, truncated) = t.store.list_parts(&upload, 5, 2).unwrap();
        assert_eq!(
            parts
                .iter()
                .map(|part| part.part_number)
                .collect::<Vec<_>>(),
            [7]
        );
        assert!(!truncated);
    }

    #[tokio::test]
    async fn upload_lookup_checks_key() {
        let t = open_store();
        let (bucket, upload) = start(&t).await;
        assert!(
            t.store
                .upload(&bucket, "other", &upload.upload_id)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            t.store.upload(&bucket, "big", &upload.upload_id).unwrap(),
            Some(upload)
        );
    }

    #[tokio::test]
    async fn bucket_with_upload_is_not_empty() {
        let t = open_store();
        let (bucket, _) = start(&t).await;
        assert!(matches!(
            t.store.delete_bucket(&bucket.name),
            Err(StoreError::BucketNotEmpty)
        ));
    }

    fn upload_names(entries: &[ListUploadEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|entry| match entry {
                ListUploadEntry::Upload(upload) => upload.key.clone(),
                ListUploadEntry::CommonPrefix(prefix) => format!("{prefix}*"),
            })
            .collect()
    }

    #[tokio::test]
    async fn list_uploads_with_markers() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let mut uploads = Vec::new();
        for key in ["a", "a", "a/x", "a/y", "b"] {
            uploads.push(
                t.store
                    .create_multipart_upload(&bucket, key, ObjectMeta::default())
                    .unwrap(),
            );
        }
        let list = |delimiter, key_marker, upload_id_marker, max| {
            t.store
                .list_multipart_uploads(&bucket, "", delimiter, key_marker, upload_id_marker, max)
                .unwrap()
        };
        let (all, truncated) = list(None, None, None, 10);
        assert_eq!(upload_names(&all), ["a", "a", "a/x", "a/y", "b"]);
        assert!(!truncated);

        let (rolled, _) = list(Some("/"), None, None, 10);
        assert_eq!(upload_names(&rolled), ["a", "a", "a/*", "b"]);

        let mut first_two = uploads[..2].to_vec();
        first_two.sort_by(|left, right| left.upload_id.cmp(&right.upload_id));
        let (after_first, _) = list(None, Some("a"), Some(&first_two[0].upload_id), 10);
        assert_eq!(upload_names(&after_first), ["a", "a/x", "a/y", "b"]);
        let (after_key, _) = list(None, Some("a"), None, 10);
        assert_eq!(upload_names(&after_key), ["a/x", "a/y", "b"]);
        let (after_prefix, _) = list(Some("/"), Some("a/"), None, 10);
        assert_eq!(upload_names(&after_prefix), ["b"]);
        let (page, truncated) = list(None, None, None, 2);
        assert_eq!(page.len(), 2);
        assert!(truncated);
    }
}
