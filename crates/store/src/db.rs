//! The RocksDB metadata database: column families, the counter merge operator, synced batches.

use std::path::Path;

use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType, DBRawIterator, MergeOperands,
    Options, ReadOptions, WriteBatch, WriteOptions,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{self, SCHEMA_V1};
use crate::error::{Result, StoreError};

/// The column families of the metadata database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cf {
    /// Account id -> `Account`.
    Accounts,
    /// Account name -> account id.
    AccountNames,
    /// Account id, user name -> `User`.
    Users,
    /// Access key id -> sealed access key row.
    AccessKeys,
    /// Account id, user name, access key id -> `AccessKey` (listing index).
    AccountKeys,
    /// Bucket name -> `Bucket`.
    Buckets,
    /// Account id, bucket name -> bucket id (listing index).
    AccountBuckets,
    /// Bucket id, object key -> `ObjectRecord`.
    Objects,
    /// Bucket id, object key, upload id -> `Upload`.
    Uploads,
    /// Upload id, part number -> `PartRecord`.
    Parts,
    /// Blob id -> `BlobRecord`.
    Blobs,
    /// Account or bucket counter key -> additive counters.
    Counters,
    /// Named singletons: schema version, next bucket id.
    System,
    /// Bucket id, setting name -> the bucket's tags or CORS rules.
    BucketSettings,
    /// Bucket id, user name -> `Grant`.
    Grants,
    /// Account id, user name, bucket id -> nothing (index of the grants a user holds).
    UserGrants,
    /// Bucket name -> `Bucket`, for buckets hidden by a forced delete until their rows are gone.
    DeletingBuckets,
    /// Account id, hour start -> additive usage-meter counters.
    Meter,
}

impl Cf {
    /// Every column family, in creation order.
    pub(crate) const ALL: [Cf; 18] = [
        Cf::Accounts,
        Cf::AccountNames,
        Cf::Users,
        Cf::AccessKeys,
        Cf::AccountKeys,
        Cf::Buckets,
        Cf::AccountBuckets,
        Cf::Objects,
        Cf::Uploads,
        Cf::Parts,
        Cf::Blobs,
        Cf::Counters,
        Cf::System,
        Cf::BucketSettings,
        Cf::Grants,
        Cf::UserGrants,
        Cf::DeletingBuckets,
        Cf::Meter,
    ];

    /// Name of the column family on disk.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Cf::Accounts => "accounts",
            Cf::AccountNames => "account_names",
            Cf::Users => "users",
            Cf::AccessKeys => "access_keys",
            Cf::AccountKeys => "account_keys",
            Cf::Buckets => "buckets",
            Cf::AccountBuckets => "account_buckets",
            Cf::Objects => "objects",
            Cf::Uploads => "uploads",
            Cf::Parts => "parts",
            Cf::Blobs => "blobs",
            Cf::Counters => "counters",
            Cf::System => "system",
            Cf::BucketSettings => "bucket_settings",
            Cf::Grants => "grants",
            Cf::UserGrants => "user_grants",
            Cf::DeletingBuckets => "deleting_buckets",
            Cf::Meter => "meter",
        }
    }
}

/// Key in [`Cf::System`] of the schema version.
const SCHEMA_KEY: &[u8] = b"schema_version";

/// The open metadata database.
pub(crate) struct Meta {
    db: DB,
    sync_write: WriteOptions,
}

impl Meta {
    /// Opens (or creates) the database at `path` and checks its schema version.
    pub(crate) fn open(path: &Path) -> Result<Meta> {
        let mut options = base_options();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let descriptors = Cf::ALL.iter().map(|cf| {
            let mut cf_options = base_options();
            if matches!(cf, Cf::Counters | Cf::Meter) {
                cf_options.set_merge_operator_associative("add_counters", merge_counters);
            }
            ColumnFamilyDescriptor::new(cf.name(), cf_options)
        });
        let db = DB::open_cf_descriptors(&options, path, descriptors)?;
        let mut sync_write = WriteOptions::default();
        sync_write.set_sync(true);
        let meta = Meta { db, sync_write };
        meta.check_schema()?;
        Ok(meta)
    }

    fn check_schema(&self) -> Result<()> {
        match self.get(Cf::System, SCHEMA_KEY)? {
            None => {
                let mut batch = self.batch();
                batch.put(Cf::System, SCHEMA_KEY, &u32::from(SCHEMA_V1));
                self.commit(batch)
            }
            Some(value) => {
                let version: u32 = codec::decode("schema version", &value)?;
                if version == u32::from(SCHEMA_V1) {
                    Ok(())
                } else {
                    Err(StoreError::Corrupt(format!(
                        "metadata schema version {version} is not supported by this build"
                    )))
                }
            }
        }
    }

    /// Returns the handle of a column family.
    pub(crate) fn cf(&self, cf: Cf) -> &ColumnFamily {
        // Every family in `Cf::ALL` is opened (or created) by `open`, so the lookup only fails
        // on a programming error.
        self.db
            .cf_handle(cf.name())
            .expect("column family is opened at start-up")
    }

    /// Reads one raw value.
    pub(crate) fn get(&self, cf: Cf, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .db
            .get_pinned_cf(self.cf(cf), key)?
            .map(|value| value.to_vec()))
    }

    /// Reads and decodes one record.
    pub(crate) fn get_record<T: DeserializeOwned>(&self, cf: Cf, key: &[u8]) -> Result<Option<T>> {
        match self.db.get_pinned_cf(self.cf(cf), key)? {
            Some(value) => Ok(Some(codec::decode(cf.name(), &value)?)),
            None => Ok(None),
        }
    }

    /// Reads several raw values with one multi-get, in the order of `keys`.
    pub(crate) fn multi_get(&self, cf: Cf, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>> {
        let handle = self.cf(cf);
        self.db
            .multi_get_cf(keys.iter().map(|key| (handle, key)))
            .into_iter()
            .map(|value| value.map_err(StoreError::from))
            .collect()
    }

    /// Returns whether any key starts with `prefix`.
    pub(crate) fn has_prefix(&self, cf: Cf, prefix: &[u8]) -> Result<bool> {
        let mut iter = self.range(cf, prefix, codec::prefix_end(prefix));
        iter.seek(prefix);
        let found = iter.valid();
        iter.status()?;
        Ok(found)
    }

    /// Opens a raw iterator bounded above by `end` (exclusive) and below by `start`; the
    /// caller seeks it before use.
    pub(crate) fn range(&self, cf: Cf, start: &[u8], end: Option<Vec<u8>>) -> DBRawIterator<'_> {
        let mut options = ReadOptions::default();
        options.set_iterate_lower_bound(start.to_vec());
        if let Some(end) = end {
            options.set_iterate_upper_bound(end);
        }
        self.db.raw_iterator_cf_opt(self.cf(cf), options)
    }

    /// Decodes every record whose key starts with `prefix`, in key order, up to `limit`.
    pub(crate) fn scan_prefix<T: DeserializeOwned>(
        &self,
        cf: Cf,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, T)>> {
        let mut iter = self.range(cf, prefix, codec::prefix_end(prefix));
        iter.seek(start.max(prefix));
        let mut out = Vec::new();
        while out.len() < limit {
            let (Some(key), Some(value)) = (iter.key(), iter.value()) else {
                break;
            };
            out.push((key.to_vec(), codec::decode(cf.name(), value)?));
            iter.next();
        }
        iter.status()?;
        Ok(out)
    }

    /// Starts an empty write batch.
    pub(crate) fn batch(&self) -> Batch<'_> {
        Batch {
            meta: self,
            inner: WriteBatch::default(),
        }
    }

    /// Writes a batch atomically and syncs the write-ahead log before returning.
    pub(crate) fn commit(&self, batch: Batch<'_>) -> Result<()> {
        self.db.write_opt(batch.inner, &self.sync_write)?;
        Ok(())
    }
}

/// A write batch bound to the database it will be written to.
pub(crate) struct Batch<'a> {
    meta: &'a Meta,
    inner: WriteBatch,
}

impl Batch<'_> {
    /// Stores a record under `key`.
    pub(crate) fn put<T: Serialize>(&mut self, cf: Cf, key: &[u8], record: &T) {
        self.inner
            .put_cf(self.meta.cf(cf), key, codec::encode(record));
    }

    /// Removes `key`.
    pub(crate) fn delete(&mut self, cf: Cf, key: &[u8]) {
        self.inner.delete_cf(self.meta.cf(cf), key);
    }

    /// Adds `deltas` element-wise to the counters stored under `key`.
    pub(crate) fn add_counters(&mut self, key: &[u8], deltas: &[i64]) {
        self.add_counters_in(Cf::Counters, key, deltas);
    }

    /// Adds `deltas` element-wise to the counters under `key` of `cf`, a family with the
    /// counter merge operator ([`Cf::Counters`] or [`Cf::Meter`]).
    pub(crate) fn add_counters_in(&mut self, cf: Cf, key: &[u8], deltas: &[i64]) {
        self.inner
            .merge_cf(self.meta.cf(cf), key, encode_counters(deltas));
    }

    /// Overwrites the counters stored under `key` with absolute values.
    pub(crate) fn set_counters(&mut self, key: &[u8], values: &[i64]) {
        self.inner
            .put_cf(self.meta.cf(Cf::Counters), key, encode_counters(values));
    }
}

fn base_options() -> Options {
    let mut options = Options::default();
    options.set_compression_type(DBCompressionType::Lz4);
    options.set_keep_log_file_num(4);
    options
}

/// Encodes counters as the version marker followed by little-endian i64 values.
pub(crate) fn encode_counters(values: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 8 * values.len());
    out.push(SCHEMA_V1);
    for value in values {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out
}

/// Decodes counters written by [`encode_counters`].
pub(crate) fn decode_counters(value: &[u8]) -> Result<Vec<i64>> {
    match value.split_first() {
        Some((&SCHEMA_V1, body)) if body.len() % 8 == 0 => Ok(body
            .chunks_exact(8)
            .map(|bytes| i64::from_le_bytes(bytes.try_into().unwrap_or_default()))
            .collect()),
        _ => Err(StoreError::Corrupt(
            "counter value does not decode".to_string(),
        )),
    }
}

/// Merge operator of [`Cf::Counters`]: sums the existing value and every operand element-wise.
///
/// Addition is associative and commutative, so RocksDB may apply operands in any grouping and
/// concurrent commits never lose an update. Returning None marks the merge as failed, which
/// RocksDB reports as corruption instead of silently dropping counts.
fn merge_counters(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &MergeOperands,
) -> Option<Vec<u8>> {
    let mut sums: Vec<i64> = match existing {
        Some(value) => decode_counters(value).ok()?,
        None => Vec::new(),
    };
    for operand in operands {
        let values = decode_counters(operand).ok()?;
        if sums.len() < values.len() {
            sums.resize(values.len(), 0);
        }
        for (sum, value) in sums.iter_mut().zip(values) {
            *sum = sum.wrapping_add(value);
        }
    }
    Some(encode_counters(&sums))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_merge_adds_elementwise() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        let mut batch = meta.batch();
        batch.set_counters(b"k", &[10, 1]);
        batch.add_counters(b"k", &[5, -1, 2]);
        batch.add_counters(b"k", &[-3, 0, 0]);
        meta.commit(batch).unwrap();
        let value = meta.get(Cf::Counters, b"k").unwrap().unwrap();
        assert_eq!(decode_counters(&value).unwrap(), vec![12, 0, 2]);
    }

    #[test]
    fn schema_version_is_checked_on_reopen() {
        let dir = tempfile::tempdir().unwrap();
        drop(Meta::open(dir.path()).unwrap());
        let meta = Meta::open(dir.path()).unwrap();
        let mut batch = meta.batch();
        batch.put(Cf::System, SCHEMA_KEY, &99u32);
        meta.commit(batch).unwrap();
        drop(meta);
        assert!(matches!(
            Meta::open(dir.path()),
            Err(StoreError::Corrupt(_))
        ));
    }
}
