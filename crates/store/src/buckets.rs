//! Buckets: a global namespace of names, each bucket owned by one account.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Store;
use crate::codec::{self, unix_ms};
use crate::db::Cf;
use crate::error::{Result, StoreError};
use crate::locks::{lock, write};
use crate::recovery::{read_counters, unsigned};
use crate::usage::Delta;

/// Key in the `system` column family of the next bucket id to hand out.
const NEXT_BUCKET_ID_KEY: &[u8] = b"next_bucket_id";

/// A bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Internal id, never reused, so rows of a deleted bucket can never show in a new one.
    pub id: u64,
    /// Globally unique name.
    pub name: String,
    /// Owning account.
    pub account_id: String,
    /// Region given at creation.
    pub region: String,
    /// Creation time, millisecond precision.
    #[serde(with = "unix_ms")]
    pub created_at: OffsetDateTime,
}

fn owned_key(account_id: &str, name: &str) -> Vec<u8> {
    codec::joined_key(&[account_id, name], false)
}

impl Store {
    /// Creates a bucket. Names are global: a taken name fails with `BucketAlreadyExists`,
    /// naming the owner so the caller can return `BucketAlreadyOwnedByYou`.
    pub fn create_bucket(&self, account_id: &str, name: &str, region: &str) -> Result<Bucket> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        // A bucket hidden by a forced delete keeps its name until its rows are gone.
        let hidden = || {
            inner
                .meta
                .get_record::<Bucket>(Cf::DeletingBuckets, name.as_bytes())
        };
        if let Some(existing) = self
            .bucket(name)?
            .map_or_else(hidden, |bucket| Ok(Some(bucket)))?
        {
            return Err(StoreError::BucketAlreadyExists {
                owner_account_id: existing.account_id,
            });
        }
        let id = inner
            .meta
            .get_record::<u64>(Cf::System, NEXT_BUCKET_ID_KEY)?
            .unwrap_or(1);
        let bucket = Bucket {
            id,
            name: name.to_string(),
            account_id: account_id.to_string(),
            region: region.to_string(),
            created_at: codec::now_ms(),
        };
        let delta = Delta {
            bytes: 0,
            objects: 0,
            buckets: 1,
        };

        let mut batch = inner.meta.batch();
        batch.put(Cf::Buckets, name.as_bytes(), &bucket);
        batch.put(Cf::AccountBuckets, &owned_key(account_id, name), &id);
        batch.put(Cf::System, NEXT_BUCKET_ID_KEY, &(id + 1));
        batch.set_counters(&codec::bucket_counter_key(id), &[0, 0]);
        batch.add_counters(
            &codec::account_counter_key(account_id),
            &delta.account_values(),
        );
        inner.meta.commit(batch)?;
        inner.usage.apply(account_id, delta);
        Ok(bucket)
    }

    /// Returns the bucket with this name.
    pub fn bucket(&self, name: &str) -> Result<Option<Bucket>> {
        self.0.meta.get_record(Cf::Buckets, name.as_bytes())
    }

    /// Lists an account's buckets in name order.
    pub fn list_buckets(&self, account_id: &str) -> Result<Vec<Bucket>> {
        let meta = &self.0.meta;
        let prefix = codec::joined_key(&[account_id], true);
        let names: Vec<Vec<u8>> = meta
            .scan_prefix::<u64>(Cf::AccountBuckets, &prefix, b"", usize::MAX)?
            .into_iter()
            .map(|(key, _)| key[prefix.len()..].to_vec())
            .collect();
        let mut buckets = Vec::with_capacity(names.len());
        for value in meta.multi_get(Cf::Buckets, &names)?.into_iter().flatten() {
            buckets.push(codec::decode("bucket", &value)?);
        }
        Ok(buckets)
    }

    /// Deletes a bucket with its grants. Fails with `BucketNotEmpty` while it contains an
    /// object or an unfinished upload, and with `AccountReleasing` while its account is
    /// being released.
    pub fn delete_bucket(&self, name: &str) -> Result<()> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let bucket = self.bucket(name)?.ok_or(StoreError::NoSuchBucket)?;
        self.active_account(&bucket.account_id)?;
        // Waits for in-flight commits into the bucket and keeps new ones out until the
        // bucket row is gone, so the emptiness check stays true.
        let _rows = write(inner.bucket_rows.get(bucket.id));
        let rows_prefix = bucket.id.to_be_bytes();
        if inner.meta.has_prefix(Cf::Objects, &rows_prefix)?
            || inner.meta.has_prefix(Cf::Uploads, &rows_prefix)?
        {
            return Err(StoreError::BucketNotEmpty);
        }
        let delta = Delta {
            bytes: 0,
            objects: 0,
            buckets: -1,
        };

        let mut batch = inner.meta.batch();
        batch.delete(Cf::Buckets, name.as_bytes());
        batch.delete(Cf::AccountBuckets, &owned_key(&bucket.account_id, name));
        batch.delete(Cf::Counters, &codec::bucket_counter_key(bucket.id));
        crate::settings::delete_all(&mut batch, bucket.id);
        self.stage_bucket_grants_removal(&mut batch, &bucket)?;
        batch.add_counters(
            &codec::account_counter_key(&bucket.account_id),
            &delta.account_values(),
        );
        inner.meta.commit(batch)?;
        inner.usage.apply(&bucket.account_id, delta);
        Ok(())
    }

    /// Returns a bucket's stored bytes (objects and uploaded parts) and object count.
    pub fn bucket_usage(&self, bucket: &Bucket) -> Result<(u64, u64)> {
        let counters = read_counters(&self.0.meta, &codec::bucket_counter_key(bucket.id), 2)?;
        Ok((unsigned(counters[0]), unsigned(counters[1])))
    }

    /// Fails with `NoSuchBucket` unless `bucket` still exists with the same id. Callers hold
    /// `bucket_rows` shared, so the result stays true until they commit.
    pub(crate) fn check_bucket_live(&self, bucket: &Bucket) -> Result<()> {
        match self.bucket(&bucket.name)? {
            Some(current) if current.id == bucket.id => Ok(()),
            _ => Err(StoreError::NoSuchBucket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::open_store;

    #[test]
    fn create_bucket_rejects_taken_name() {
        let t = open_store();
        let first = t.account("first", 1);
        let second = t.account("second", 1);
        t.store.create_bucket(&first, "shared", "r1").unwrap();
        let result = t.store.create_bucket(&second, "shared", "r1");
        let Err(StoreError::BucketAlreadyExists { owner_account_id }) = result else {
            panic!("expected BucketAlreadyExists, got {result:?}");
        };
        assert_eq!(owner_account_id, first);
    }

    #[test]
    fn create_bucket_needs_account() {
        let t = open_store();
        let result = t.store.create_bucket("nobody", "b", "r1");
        assert!(matches!(result, Err(StoreError::NoSuchAccount)));
    }

    #[test]
    fn list_buckets_by_name() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        let other = t.account("other", 1);
        for name in ["zeta", "alpha", "mid"] {
            t.store.create_bucket(&account_id, name, "r1").unwrap();
        }
        t.store.create_bucket(&other, "beta", "r1").unwrap();
        let names: Vec<String> = t
            .store
            .list_buckets(&account_id)
            .unwrap()
            .into_iter()
            .map(|bucket| bucket.name)
            .collect();
        assert_eq!(names, ["alpha", "mid", "zeta"]);
        assert_eq!(t.store.usage(&account_id).unwrap().bucket_count, 3);
    }

    #[tokio::test]
    async fn delete_bucket_requires_empty() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "k", b"data").await;
        assert!(matches!(
            t.store.delete_bucket(&bucket.name),
            Err(StoreError::BucketNotEmpty)
        ));
        t.store.delete_object(&bucket, "k").unwrap();
        t.store.delete_bucket(&bucket.name).unwrap();
        assert!(t.store.bucket(&bucket.name).unwrap().is_none());
        assert_eq!(t.store.usage(&account_id).unwrap().bucket_count, 0);
        assert!(matches!(
            t.store.delete_bucket(&bucket.name),
            Err(StoreError::NoSuchBucket)
        ));
    }

    #[test]
    fn recreated_bucket_gets_new_id() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.store.delete_bucket(&bucket.name).unwrap();
        let again = t
            .store
            .create_bucket(&account_id, &bucket.name, "r1")
            .unwrap();
        assert_ne!(again.id, bucket.id);
    }

    #[tokio::test]
    async fn bucket_usage_counts_objects() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "a", &[1; 30]).await;
        t.put(&bucket, "b", &[1; 12]).await;
        assert_eq!(t.store.bucket_usage(&bucket).unwrap(), (42, 2));
    }
}
