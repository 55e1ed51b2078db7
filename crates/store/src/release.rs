//! Background deletion: the release of an account and the forced deletion of a non-empty
//! bucket.
//!
//! Both delete rows in bounded batches. Each batch is one synced write that also updates the
//! usage counters, so the store is consistent after every batch. The pending work is recorded
//! in the rows themselves: a releasing account keeps its status until its last row goes, and a
//! hidden bucket keeps its `deleting_buckets` row until its objects and uploads are gone. So
//! after a crash at any point, the next start finds the work and resumes it.

use std::sync::atomic::Ordering;

use crate::Store;
use crate::accounts::{Account, AccountStatus};
use crate::buckets::Bucket;
use crate::codec;
use crate::db::Cf;
use crate::error::{Result, StoreError};
use crate::locks::{lock, write};
use crate::objects::{add_usage, free_segments};
use crate::records::{ObjectRecord, Upload};
use crate::usage::{Delta, signed};
use crate::users::AccessKey;

/// Progress of a release, for the account overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseProgress {
    /// Objects not deleted yet.
    pub objects_left: u64,
    /// Buckets not deleted yet, hidden ones included.
    pub buckets_left: u64,
}

impl Store {
    /// Starts releasing an account: its status becomes `Releasing`, so its access keys stop
    /// working at once and it admits no new write. Idempotent; `NoSuchAccount` if absent.
    /// [`Store::run_release`] does the deletion.
    pub fn begin_release(&self, account_id: &str) -> Result<Account> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let mut account = self.account(account_id)?.ok_or(StoreError::NoSuchAccount)?;
        if account.status != AccountStatus::Releasing {
            account.status = AccountStatus::Releasing;
            let mut batch = inner.meta.batch();
            batch.put(Cf::Accounts, account_id.as_bytes(), &account);
            inner.meta.commit(batch)?;
        }
        if let Ok(usage) = inner.usage.get(account_id) {
            usage.set_releasing();
        }
        Ok(account)
    }

    /// Deletes the objects, uploads with their parts, grants and buckets of a releasing
    /// account in bounded batches, then the account itself with its users, keys, counters,
    /// meter rows and name, which may then be used again.
    ///
    /// Blocks until the account is gone; returns at once if it already is. Safe to call
    /// again after a crash or restart at any point, and alongside another call for the
    /// same account. Fails with `AccountNotReleasing` for an active account and with
    /// `Interrupted` after [`Store::interrupt_background_work`].
    pub fn run_release(&self, account_id: &str) -> Result<()> {
        loop {
            let Some(account) = self.account(account_id)? else {
                return Ok(());
            };
            if account.status != AccountStatus::Releasing {
                return Err(StoreError::AccountNotReleasing);
            }
            let mut buckets = self.list_buckets(account_id)?;
            buckets.extend(
                self.hidden_buckets()?
                    .into_iter()
                    .filter(|bucket| bucket.account_id == account_id),
            );
            if buckets.is_empty() {
                if self.finish_release(&account)? {
                    tracing::info!(account_id, name = %account.name, "account released");
                    return Ok(());
                }
                continue;
            }
            for bucket in buckets {
                self.empty_and_remove_bucket(&bucket)?;
            }
        }
    }

    /// Returns the ids of accounts whose release has not finished.
    pub fn releasing_accounts(&self) -> Result<Vec<String>> {
        let rows = self
            .0
            .meta
            .scan_prefix::<Account>(Cf::Accounts, b"", b"", usize::MAX)?;
        Ok(rows
            .into_iter()
            .filter(|(_, account)| account.status == AccountStatus::Releasing)
            .map(|(_, account)| account.id)
            .collect())
    }

    /// Returns the progress of a release, or None if the account is not being released.
    pub fn release_progress(&self, account_id: &str) -> Result<Option<ReleaseProgress>> {
        let Some(account) = self.account(account_id)? else {
            return Ok(None);
        };
        if account.status != AccountStatus::Releasing {
            return Ok(None);
        }
        let objects_left = self.usage(account_id)?.object_count;
        let hidden = self
            .hidden_buckets()?
            .into_iter()
            .filter(|bucket| bucket.account_id == account_id)
            .count();
        let buckets_left = (self.list_buckets(account_id)?.len() + hidden) as u64;
        Ok(Some(ReleaseProgress {
            objects_left,
            buckets_left,
        }))
    }

    /// Hides a bucket for a forced delete: S3 and bucket lookups no longer find it and its
    /// grants are removed at once, but its name stays taken until
    /// [`Store::run_bucket_delete`] has removed its rows. Returns the bucket.
    pub fn begin_bucket_delete(&self, account_id: &str, name: &str) -> Result<Bucket> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let bucket = self.owned_bucket(account_id, name)?;
        // Waits for commits in flight into the bucket; those that follow find it gone.
        let _rows = write(inner.bucket_rows.get(bucket.id));
        let delta = Delta {
            buckets: -1,
            ..Delta::default()
        };
        let mut batch = inner.meta.batch();
        batch.delete(Cf::Buckets, name.as_bytes());
        batch.delete(Cf::AccountBuckets, &owned_key(&bucket));
        batch.put(Cf::DeletingBuckets, name.as_bytes(), &bucket);
        batch.add_counters(
            &codec::account_counter_key(account_id),
            &delta.account_values(),
        );
        self.stage_bucket_grants_removal(&mut batch, &bucket)?;
        inner.meta.commit(batch)?;
        inner.usage.apply(account_id, delta);
        Ok(bucket)
    }

    /// Empties and removes a bucket hidden by [`Store::begin_bucket_delete`], in bounded
    /// batches. Returns at once if it is already gone; safe to call again after a crash.
    pub fn run_bucket_delete(&self, bucket_id: u64) -> Result<()> {
        let Some(bucket) = self
            .hidden_buckets()?
            .into_iter()
            .find(|bucket| bucket.id == bucket_id)
        else {
            return Ok(());
        };
        self.empty_and_remove_bucket(&bucket)?;
        tracing::info!(bucket = %bucket.name, bucket_id, "bucket deleted");
        Ok(())
    }

    /// Returns the ids of the buckets hidden for a forced delete whose rows are not all gone
    /// yet.
    pub fn pending_bucket_deletes(&self) -> Result<Vec<u64>> {
        Ok(self
            .hidden_buckets()?
            .into_iter()
            .map(|bucket| bucket.id)
            .collect())
    }

    /// Returns the buckets hidden for a forced delete.
    pub(crate) fn hidden_buckets(&self) -> Result<Vec<Bucket>> {
        let rows = self
            .0
            .meta
            .scan_prefix::<Bucket>(Cf::DeletingBuckets, b"", b"", usize::MAX)?;
        Ok(rows.into_iter().map(|(_, bucket)| bucket).collect())
    }

    /// Makes running and later [`Store::run_release`] and [`Store::run_bucket_delete`] calls
    /// stop with `Interrupted` at the next batch boundary, so that shutdown need not wait for
    /// them. The work resumes on the next start.
    pub fn interrupt_background_work(&self) {
        self.0.interrupted.store(true, Ordering::SeqCst);
    }

    fn check_interrupted(&self) -> Result<()> {
        #[cfg(test)]
        {
            let left = &self.0.batches_before_interrupt;
            if left.load(Ordering::SeqCst) == 1 {
                self.interrupt_background_work();
            }
            let _ = left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        }
        if self.0.interrupted.load(Ordering::SeqCst) {
            return Err(StoreError::Interrupted);
        }
        Ok(())
    }

    /// Deletes a bucket's uploads and objects batch by batch, then its rows, repeating until
    /// a final check under the bucket's lock finds it empty.
    fn empty_and_remove_bucket(&self, bucket: &Bucket) -> Result<()> {
        loop {
            while self.delete_upload_batch(bucket)? {}
            while self.delete_object_batch(bucket)? {}
            if self.remove_emptied_bucket(bucket)? {
                return Ok(());
            }
        }
    }

    /// Aborts up to one batch of a bucket's uploads, each in its own write batch (one upload
    /// has at most 10 000 parts). Returns whether any upload was found.
    fn delete_upload_batch(&self, bucket: &Bucket) -> Result<bool> {
        self.check_interrupted()?;
        let limit = self.0.config.delete_batch_size.max(1);
        let uploads =
            self.0
                .meta
                .scan_prefix::<Upload>(Cf::Uploads, &bucket.id.to_be_bytes(), b"", limit)?;
        for (_, upload) in &uploads {
            match self.abort_multipart_upload(bucket, &upload.key, &upload.upload_id) {
                Ok(()) | Err(StoreError::NoSuchUpload) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(!uploads.is_empty())
    }

    /// Deletes up to one batch of a bucket's objects in one write batch, under the bucket's
    /// exclusive lock so that no commit to the bucket runs between the read and the write.
    /// Returns whether any object was found.
    fn delete_object_batch(&self, bucket: &Bucket) -> Result<bool> {
        self.check_interrupted()?;
        let inner = &self.0;
        let limit = inner.config.delete_batch_size.max(1);
        let rows_lock = write(inner.bucket_rows.get(bucket.id));
        let objects = inner.meta.scan_prefix::<ObjectRecord>(
            Cf::Objects,
            &bucket.id.to_be_bytes(),
            b"",
            limit,
        )?;
        if objects.is_empty() {
            return Ok(false);
        }
        let mut batch = inner.meta.batch();
        let mut freed = Vec::new();
        let mut delta = Delta::default();
        for (row_key, object) in &objects {
            batch.delete(Cf::Objects, row_key);
            freed.extend(free_segments(&mut batch, &object.data));
            delta.bytes -= signed(object.size);
            delta.objects -= 1;
        }
        add_usage(&mut batch, bucket.id, &bucket.account_id, delta);
        inner.meta.commit(batch)?;
        inner.usage.apply(&bucket.account_id, delta);
        drop(rows_lock);
        inner.chunks.free(&freed);
        Ok(true)
    }

    /// Removes the rows of an emptied bucket, live or hidden, with its grants, settings and
    /// counters.
    /// Returns false if an object or upload arrived since it was emptied, and true once the
    /// bucket is gone (also when another caller removed it).
    fn remove_emptied_bucket(&self, bucket: &Bucket) -> Result<bool> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let _rows = write(inner.bucket_rows.get(bucket.id));
        let rows_prefix = bucket.id.to_be_bytes();
        if inner.meta.has_prefix(Cf::Objects, &rows_prefix)?
            || inner.meta.has_prefix(Cf::Uploads, &rows_prefix)?
        {
            return Ok(false);
        }
        let name = bucket.name.as_bytes();
        let live = self.bucket(&bucket.name)?.filter(|b| b.id == bucket.id);
        let hidden = inner
            .meta
            .get_record::<Bucket>(Cf::DeletingBuckets, name)?
            .filter(|b| b.id == bucket.id);
        let mut batch = inner.meta.batch();
        let mut delta = Delta::default();
        if live.is_some() {
            batch.delete(Cf::Buckets, name);
            batch.delete(Cf::AccountBuckets, &owned_key(bucket));
            delta.buckets = -1;
            batch.add_counters(
                &codec::account_counter_key(&bucket.account_id),
                &delta.account_values(),
            );
        } else if hidden.is_some() {
            batch.delete(Cf::DeletingBuckets, name);
        } else {
            return Ok(true);
        }
        batch.delete(Cf::Counters, &codec::bucket_counter_key(bucket.id));
        crate::settings::delete_all(&mut batch, bucket.id);
        self.stage_bucket_grants_removal(&mut batch, bucket)?;
        inner.meta.commit(batch)?;
        inner.usage.apply(&bucket.account_id, delta);
        Ok(true)
    }

    /// Deletes a releasing account that owns no bucket any more, with its users, keys,
    /// counters, meter rows and name. Returns false if a bucket is still there.
    fn finish_release(&self, account: &Account) -> Result<bool> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        // Keeps a meter flush from writing rows for the account after they are deleted.
        let _flush = lock(&inner.meter_flush);
        let account_id = account.id.as_str();
        let owned_prefix = codec::joined_key(&[account_id], true);
        let hidden = self
            .hidden_buckets()?
            .iter()
            .any(|bucket| bucket.account_id == account_id);
        if hidden || inner.meta.has_prefix(Cf::AccountBuckets, &owned_prefix)? {
            return Ok(false);
        }

        let mut batch = inner.meta.batch();
        for (key, ()) in
            inner
                .meta
                .scan_prefix::<()>(Cf::UserGrants, &owned_prefix, b"", usize::MAX)?
        {
            batch.delete(Cf::UserGrants, &key);
        }
        let users =
            inner
                .meta
                .scan_prefix::<crate::User>(Cf::Users, &owned_prefix, b"", usize::MAX)?;
        for (key, _) in users {
            batch.delete(Cf::Users, &key);
        }
        let keys =
            inner
                .meta
                .scan_prefix::<AccessKey>(Cf::AccountKeys, &owned_prefix, b"", usize::MAX)?;
        for (index_key, key) in keys {
            batch.delete(Cf::AccountKeys, &index_key);
            batch.delete(Cf::AccessKeys, key.access_key_id.as_bytes());
        }
        self.delete_meter_rows(&mut batch, account_id)?;
        batch.delete(Cf::Counters, &codec::account_counter_key(account_id));
        batch.delete(Cf::AccountNames, account.name.as_bytes());
        batch.delete(Cf::Accounts, account_id.as_bytes());
        inner.meta.commit(batch)?;
        inner.usage.remove(account_id);
        Ok(true)
    }
}

fn owned_key(bucket: &Bucket) -> Vec<u8> {
    codec::joined_key(&[&bucket.account_id, &bucket.name], false)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::grants::Access;
    use crate::testing::{TestStore, open_store_with, pattern, test_config};
    use crate::{MASTER_USER, ObjectMeta, fsck};

    /// A store that deletes 3 rows per batch, with one account holding two buckets of
    /// objects, a grant, an unfinished upload with a part, and a second account.
    async fn populated() -> (TestStore, String, Vec<String>) {
        let t = open_store_with(|config| config.delete_batch_size = 3);
        let (account_id, bucket) = t.account_and_bucket("acme");
        let second = t.store.create_bucket(&account_id, "second", "r1").unwrap();
        for index in 0..10 {
            t.put(&bucket, &format!("k{index}"), &pattern(20 + index, 1))
                .await;
        }
        for index in 0..4 {
            t.put(&second, &format!("s{index}"), &pattern(40, 2)).await;
        }
        let upload = t
            .store
            .create_multipart_upload(&second, "mp", ObjectMeta::default())
            .unwrap();
        let blob = t.blob(&account_id, &pattern(30, 3)).await;
        t.store
            .put_part(&upload, 1, blob, "\"p\"".into(), [0; 16], None)
            .unwrap();
        t.store.create_user(&account_id, "alice").unwrap();
        t.store
            .put_grant(
                &account_id,
                &bucket.name,
                MASTER_USER,
                "alice",
                Access::Read,
                true,
            )
            .unwrap();
        t.store
            .record_request(&account_id, Some(crate::RequestClass::A), 1, 1);
        t.store.flush_meter().unwrap();
        let (_, other_bucket) = t.account_and_bucket("other");
        t.put(&other_bucket, "kept", &pattern(50, 4)).await;
        let names = vec![bucket.name, second.name];
        (t, account_id, names)
    }

    fn assert_released(t: &TestStore, account_id: &str, names: &[String]) {
        assert!(t.store.account(account_id).unwrap().is_none());
        assert!(t.store.account_by_name("acme").unwrap().is_none());
        assert!(t.store.releasing_accounts().unwrap().is_empty());
        for name in names {
            assert!(t.store.bucket(name).unwrap().is_none(), "bucket {name}");
        }
        let other = t.store.account_by_name("other").unwrap().unwrap();
        let other_bucket = t.store.bucket("other-bucket").unwrap().unwrap();
        assert_eq!(t.store.usage(&other.id).unwrap().used_bytes, 50);
        assert_eq!(t.store.bucket_usage(&other_bucket).unwrap(), (50, 1));
        // Only the other account's chunk files are left: 50 bytes in chunks of 16.
        assert_eq!(t.chunk_files(), 4);
        // Nothing of the account is left in any column family.
        for cf in Cf::ALL {
            let mut iter = t.store.0.meta.range(cf, b"", None);
            iter.seek(b"");
            while let Some(key) = iter.key() {
                let text = String::from_utf8_lossy(key);
                assert!(!text.contains(account_id), "{cf:?} row {text:?}");
                iter.next();
            }
        }
    }

    #[tokio::test]
    async fn release_deletes_everything_of_the_account() {
        let (t, account_id, names) = populated().await;
        let released = t.store.begin_release(&account_id).unwrap();
        assert_eq!(released.status, AccountStatus::Releasing);
        assert_eq!(
            t.store.releasing_accounts().unwrap(),
            vec![account_id.clone()]
        );
        let progress = t.store.release_progress(&account_id).unwrap().unwrap();
        assert_eq!(progress.objects_left, 14);
        assert_eq!(progress.buckets_left, 2);
        assert!(matches!(
            t.store.reserve(&account_id, 1),
            Err(StoreError::AccountReleasing)
        ));
        assert!(matches!(
            t.store.create_bucket(&account_id, "late", "r1"),
            Err(StoreError::AccountReleasing)
        ));

        t.store.run_release(&account_id).unwrap();
        assert_released(&t, &account_id, &names);
        // Names are free again and a second run is a no-op.
        t.account("acme", 1);
        let other = t.store.account_by_name("other").unwrap().unwrap();
        t.store.create_bucket(&other.id, &names[0], "r1").unwrap();
        t.store.run_release(&account_id).unwrap();

        let TestStore { dir, store } = t;
        drop(store);
        let report = fsck(&test_config(&dir), false).unwrap();
        assert!(report.is_clean(), "{report}");
    }

    #[tokio::test]
    async fn release_resumes_after_a_crash_at_every_batch() {
        // The release checks for interruption 11 times: before each upload batch (1 + 2) and
        // each object batch (5 + 3), an empty one closing each bucket. Stopping at each of
        // them and reopening must always finish the same way.
        for stop_after in 1..=11 {
            let (t, account_id, names) = populated().await;
            t.store.begin_release(&account_id).unwrap();
            t.store
                .0
                .batches_before_interrupt
                .store(stop_after, Ordering::SeqCst);
            let result = t.store.run_release(&account_id);
            assert!(
                matches!(result, Err(StoreError::Interrupted)),
                "stop after {stop_after}: {result:?}"
            );
            let t = t.reopen();
            assert_eq!(
                t.store.releasing_accounts().unwrap(),
                vec![account_id.clone()]
            );
            assert!(matches!(
                t.store.reserve(&account_id, 1),
                Err(StoreError::AccountReleasing)
            ));
            t.store.run_release(&account_id).unwrap();
            assert_released(&t, &account_id, &names);
            let TestStore { dir, store } = t;
            drop(store);
            let report = fsck(&test_config(&dir), false).unwrap();
            assert!(report.is_clean(), "stop after {stop_after}: {report}");
        }
    }

    #[tokio::test]
    async fn release_of_active_account_is_rejected() {
        let (t, account_id, _) = populated().await;
        assert!(matches!(
            t.store.run_release(&account_id),
            Err(StoreError::AccountNotReleasing)
        ));
        assert!(t.store.run_release("nobody").is_ok());
        assert!(matches!(
            t.store.begin_release("nobody"),
            Err(StoreError::NoSuchAccount)
        ));
    }

    #[tokio::test]
    async fn forced_bucket_delete_hides_then_removes() {
        let (t, account_id, names) = populated().await;
        let other = t.store.account_by_name("other").unwrap().unwrap();
        let second = t.store.bucket(&names[1]).unwrap().unwrap();
        let hidden = t.store.begin_bucket_delete(&account_id, &names[1]).unwrap();
        assert_eq!(hidden.id, second.id);
        assert!(t.store.bucket(&names[1]).unwrap().is_none());
        assert_eq!(t.store.usage(&account_id).unwrap().bucket_count, 1);
        assert!(matches!(
            t.store.create_bucket(&other.id, &names[1], "r1"),
            Err(StoreError::BucketAlreadyExists { .. })
        ));
        let blob = t.blob(&account_id, b"late").await;
        let late = t.store.put_object(
            &second,
            "late",
            blob,
            "\"e\"".into(),
            ObjectMeta::default(),
            &crate::WriteCondition::default(),
        );
        assert!(matches!(late, Err(StoreError::NoSuchBucket)));
        assert_eq!(t.store.pending_bucket_deletes().unwrap(), vec![hidden.id]);

        t.store
            .0
            .batches_before_interrupt
            .store(2, Ordering::SeqCst);
        assert!(matches!(
            t.store.run_bucket_delete(second.id),
            Err(StoreError::Interrupted)
        ));
        let t = t.reopen();
        t.store.run_bucket_delete(second.id).unwrap();
        assert!(t.store.pending_bucket_deletes().unwrap().is_empty());
        let usage = t.store.usage(&account_id).unwrap();
        assert_eq!(usage.object_count, 10);
        assert_eq!(usage.used_bytes, (20..30).sum::<u64>());
        t.store.create_bucket(&other.id, &names[1], "r1").unwrap();
        let TestStore { dir, store } = t;
        drop(store);
        let report = fsck(&test_config(&dir), false).unwrap();
        assert!(report.is_clean(), "{report}");
    }

    #[tokio::test]
    async fn release_includes_hidden_buckets() {
        let (t, account_id, names) = populated().await;
        t.store.begin_bucket_delete(&account_id, &names[1]).unwrap();
        t.store.begin_release(&account_id).unwrap();
        let progress = t.store.release_progress(&account_id).unwrap().unwrap();
        assert_eq!(progress.buckets_left, 2);
        t.store.run_release(&account_id).unwrap();
        assert_released(&t, &account_id, &names);
        assert!(t.store.pending_bucket_deletes().unwrap().is_empty());
    }
}
