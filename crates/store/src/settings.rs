//! Bucket settings kept in rows beside the bucket row: its tags and its CORS rules.
//!
//! Each setting is one row in `bucket_settings`, keyed by the bucket id and the setting's
//! name, so a new kind of setting needs no change to the `Bucket` record. Deleting a bucket
//! deletes its setting rows in the same batch.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::buckets::Bucket;
use crate::db::{Batch, Cf};
use crate::error::Result;
use crate::locks::read;

/// One CORS rule as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRuleRecord {
    /// The rule's optional identifier.
    pub id: Option<String>,
    /// Allowed origins, each with at most one `*`.
    pub allowed_origins: Vec<String>,
    /// Allowed methods.
    pub allowed_methods: Vec<String>,
    /// Headers a preflight may request.
    pub allowed_headers: Vec<String>,
    /// Response headers that browser scripts may read.
    pub expose_headers: Vec<String>,
    /// Preflight cache time in seconds.
    pub max_age_seconds: Option<u32>,
}

/// A kind of bucket setting, which names its row.
#[derive(Debug, Clone, Copy)]
enum Setting {
    /// `Vec<(String, String)>`: the bucket's tag set.
    Tags,
    /// `Vec<CorsRuleRecord>`: the bucket's CORS rules.
    Cors,
}

impl Setting {
    const ALL: [Setting; 2] = [Setting::Tags, Setting::Cors];

    fn row_key(self, bucket_id: u64) -> Vec<u8> {
        let name: &[u8] = match self {
            Setting::Tags => b"tagging",
            Setting::Cors => b"cors",
        };
        let mut key = bucket_id.to_be_bytes().to_vec();
        key.extend_from_slice(name);
        key
    }
}

/// Adds the deletion of every setting row of a bucket to `batch`.
pub(crate) fn delete_all(batch: &mut Batch<'_>, bucket_id: u64) {
    for setting in Setting::ALL {
        batch.delete(Cf::BucketSettings, &setting.row_key(bucket_id));
    }
}

impl Store {
    /// Returns the bucket's tag set, or None if none was stored.
    pub fn bucket_tags(&self, bucket: &Bucket) -> Result<Option<Vec<(String, String)>>> {
        self.0
            .meta
            .get_record(Cf::BucketSettings, &Setting::Tags.row_key(bucket.id))
    }

    /// Replaces the bucket's tag set.
    pub fn put_bucket_tags(&self, bucket: &Bucket, tags: &[(String, String)]) -> Result<()> {
        self.put_setting(bucket, Setting::Tags, &tags)
    }

    /// Removes the bucket's tag set. Removing an absent one succeeds.
    pub fn delete_bucket_tags(&self, bucket: &Bucket) -> Result<()> {
        self.delete_setting(bucket, Setting::Tags)
    }

    /// Returns the bucket's CORS rules, or None if none were stored.
    pub fn bucket_cors(&self, bucket: &Bucket) -> Result<Option<Vec<CorsRuleRecord>>> {
        self.0
            .meta
            .get_record(Cf::BucketSettings, &Setting::Cors.row_key(bucket.id))
    }

    /// Replaces the bucket's CORS rules.
    pub fn put_bucket_cors(&self, bucket: &Bucket, rules: &[CorsRuleRecord]) -> Result<()> {
        self.put_setting(bucket, Setting::Cors, &rules)
    }

    /// Removes the bucket's CORS rules. Removing absent ones succeeds.
    pub fn delete_bucket_cors(&self, bucket: &Bucket) -> Result<()> {
        self.delete_setting(bucket, Setting::Cors)
    }

    /// Writes a setting row. Holding the bucket's `bucket_rows` stripe shared keeps `delete_bucket` out until the
    /// row is committed, so no row outlives its bucket.
    fn put_setting<T: Serialize>(
        &self,
        bucket: &Bucket,
        setting: Setting,
        value: &T,
    ) -> Result<()> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        self.check_bucket_live(bucket)?;
        let mut batch = inner.meta.batch();
        batch.put(Cf::BucketSettings, &setting.row_key(bucket.id), value);
        inner.meta.commit(batch)
    }

    fn delete_setting(&self, bucket: &Bucket, setting: Setting) -> Result<()> {
        let inner = &self.0;
        let _rows = read(inner.bucket_rows.get(bucket.id));
        self.check_bucket_live(bucket)?;
        let mut batch = inner.meta.batch();
        batch.delete(Cf::BucketSettings, &setting.row_key(bucket.id));
        inner.meta.commit(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreError;
    use crate::testing::open_store;

    fn tag(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn bucket_tags_round_trip() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        assert_eq!(t.store.bucket_tags(&bucket).unwrap(), None);
        let tags = vec![tag("team", "storage"), tag("empty", "")];
        t.store.put_bucket_tags(&bucket, &tags).unwrap();
        assert_eq!(t.store.bucket_tags(&bucket).unwrap(), Some(tags));
        t.store.delete_bucket_tags(&bucket).unwrap();
        assert_eq!(t.store.bucket_tags(&bucket).unwrap(), None);
    }

    #[test]
    fn bucket_cors_round_trip() {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        let rules = vec![CorsRuleRecord {
            allowed_origins: vec!["*".to_owned()],
            allowed_methods: vec!["GET".to_owned()],
            max_age_seconds: Some(10),
            ..CorsRuleRecord::default()
        }];
        t.store.put_bucket_cors(&bucket, &rules).unwrap();
        assert_eq!(t.store.bucket_cors(&bucket).unwrap(), Some(rules));
        assert_eq!(t.store.bucket_tags(&bucket).unwrap(), None);
        t.store.delete_bucket_cors(&bucket).unwrap();
        assert_eq!(t.store.bucket_cors(&bucket).unwrap(), None);
    }

    #[test]
    fn settings_deleted_with_bucket() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.store.put_bucket_tags(&bucket, &[tag("a", "1")]).unwrap();
        t.store.delete_bucket(&bucket.name).unwrap();
        assert!(matches!(
            t.store.put_bucket_tags(&bucket, &[tag("a", "1")]),
            Err(StoreError::NoSuchBucket)
        ));
        let again = t
            .store
            .create_bucket(&account_id, &bucket.name, "r1")
            .unwrap();
        assert_eq!(t.store.bucket_tags(&again).unwrap(), None);
        let old_row = Setting::Tags.row_key(bucket.id);
        assert_eq!(
            t.store.0.meta.get(Cf::BucketSettings, &old_row).unwrap(),
            None
        );
    }
}
