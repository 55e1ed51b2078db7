//! Helpers shared by the unit tests: a store in a temp directory with small sizes.

use bytes::Bytes;
use futures::TryStreamExt;
use tempfile::TempDir;

use crate::{
    Bucket, NewAccount, ObjectMeta, ObjectRecord, Sealer, Store, StoreConfig, WriteCondition,
};

/// Chunk size of test stores, small so that objects span several chunk files.
pub(crate) const TEST_CHUNK_SIZE: u64 = 16;

/// A test store and the directory it lives in.
pub(crate) struct TestStore {
    pub(crate) dir: TempDir,
    pub(crate) store: Store,
}

pub(crate) fn test_config(dir: &TempDir) -> StoreConfig {
    let mut config = StoreConfig::new(dir.path(), Sealer::new([42; 32]));
    config.chunk_size = TEST_CHUNK_SIZE;
    config.capacity_unit_bytes = 1 << 20;
    config.min_part_size = 32;
    config
}

pub(crate) fn open_store() -> TestStore {
    open_store_with(|_| {})
}

/// Opens a test store after `adjust` has changed its configuration.
pub(crate) fn open_store_with(adjust: impl FnOnce(&mut StoreConfig)) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&dir);
    adjust(&mut config);
    let store = Store::open(config).unwrap();
    TestStore { dir, store }
}

/// Drops `value` on a thread outside any tokio runtime, where chunk files are removed before
/// the drop returns instead of on a background task.
pub(crate) fn drop_now<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value)).join().unwrap();
}

impl TestStore {
    /// Closes and reopens the store on the same directory.
    pub(crate) fn reopen(self) -> TestStore {
        let TestStore { dir, store } = self;
        drop(store);
        let store = Store::open(test_config(&dir)).unwrap();
        TestStore { dir, store }
    }

    /// Creates an account with 1 MiB of capacity and a bucket in it.
    pub(crate) fn account_and_bucket(&self, name: &str) -> (String, Bucket) {
        let account_id = self.account(name, 1);
        let bucket = self
            .store
            .create_bucket(&account_id, &format!("{name}-bucket"), "r1")
            .unwrap();
        (account_id, bucket)
    }

    pub(crate) fn account(&self, name: &str, capacity_gb: u64) -> String {
        let new = NewAccount {
            name: name.to_string(),
            region: "r1".into(),
            billing: "b".into(),
            capacity_gb,
            access_key: None,
        };
        self.store.create_account(new).unwrap().0.id
    }

    /// Writes `data` as a blob in pieces of 7 bytes, so writes straddle chunk boundaries.
    pub(crate) async fn blob(&self, account_id: &str, data: &[u8]) -> crate::Blob {
        let reservation = self.store.reserve(account_id, data.len() as u64).unwrap();
        let mut writer = self.store.blob_writer(reservation);
        for piece in data.chunks(7) {
            writer.write(Bytes::copy_from_slice(piece)).await.unwrap();
        }
        writer.finish().await.unwrap()
    }

    pub(crate) async fn put(&self, bucket: &Bucket, key: &str, data: &[u8]) -> ObjectRecord {
        let blob = self.blob(&bucket.account_id, data).await;
        let etag = format!("\"{}\"", data.len());
        self.store
            .put_object(
                bucket,
                key,
                blob,
                etag,
                ObjectMeta::default(),
                &WriteCondition::default(),
            )
            .unwrap()
    }

    pub(crate) async fn get(&self, bucket: &Bucket, key: &str) -> Option<Vec<u8>> {
        let record = self.store.head_object(bucket, key).unwrap()?;
        Some(self.read(&record, 0, u64::MAX).await)
    }

    pub(crate) async fn read(&self, record: &ObjectRecord, start: u64, end: u64) -> Vec<u8> {
        let reader = self.store.read_object(record, start, end);
        let pieces: Vec<Bytes> = reader.try_collect().await.unwrap();
        pieces.concat()
    }

    /// Number of chunk files on disk.
    pub(crate) fn chunk_files(&self) -> usize {
        let mut count = 0;
        for dir in std::fs::read_dir(self.dir.path().join("chunks")).unwrap() {
            count += std::fs::read_dir(dir.unwrap().path()).unwrap().count();
        }
        count
    }
}

/// Returns `len` bytes of a repeating, position-dependent pattern.
pub(crate) fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|index| (index as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}
