//! The storage engine of oss: accounts, users, access keys, buckets, objects, multipart
//! uploads and usage counters in RocksDB, and object data in chunk files beside it.
//!
//! Every metadata change is one synced RocksDB write batch, and chunk files are synced before
//! the batch that references them, so a crash leaves either the old state or the new one.

mod accounts;
mod blob;
mod buckets;
mod chunks;
mod codec;
mod db;
mod error;
mod fsck;
mod grants;
mod ids;
mod list;
mod locks;
mod meter;
mod multipart;
mod objects;
mod reader;
mod records;
mod recovery;
mod release;
mod seal;
mod settings;
mod usage;
mod users;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};

pub use accounts::{Account, AccountStatus, MASTER_USER, NewAccount};
pub use blob::{Blob, BlobWriter};
pub use buckets::Bucket;
pub use error::{Result, StoreError};
pub use fsck::{FsckReport, fsck};
pub use grants::{Access, Grant};
pub use list::{ListEntry, ListPage, ListQuery, ListUploadEntry};
pub use meter::{RequestClass, UsageHour};
pub use multipart::{CompletePart, CompletedObject, multipart_etag};
pub use objects::WriteCondition;
pub use reader::ObjectReader;
pub use records::{
    ChecksumOrigin, KeyState, ObjectMeta, ObjectRecord, ObjectStamp, ObjectSummary, PartChecksum,
    PartRecord, PartSummary, StoredChecksum, Upload, UploadChecksum,
};
pub use release::ReleaseProgress;
pub use seal::Sealer;
pub use settings::CorsRuleRecord;
pub use usage::{Reservation, Usage};
pub use users::{AccessKey, User};

use chunks::ChunkFiles;
use db::Meta;
use locks::Stripes;
use usage::UsageTable;

/// Default size of one chunk file: 8 MiB.
pub const DEFAULT_CHUNK_SIZE: u64 = 8 << 20;
/// Default capacity unit: 1 GiB, so `capacity_gb` counts GiB.
pub const DEFAULT_CAPACITY_UNIT_BYTES: u64 = 1 << 30;
/// Default minimum size of every multipart part but the last: 5 MiB, as on AWS.
pub const DEFAULT_MIN_PART_SIZE: u64 = 5 << 20;
/// Default largest object kept inside its metadata record, in bytes: 0, so a store opened
/// with [`StoreConfig::new`] writes every non-empty object to chunk files. The server
/// configures 4 KiB instead, the measured choice in docs/benchmarks.md.
pub const DEFAULT_INLINE_MAX: u64 = 0;
/// Default number of rows a release or forced bucket delete removes per write batch.
pub const DEFAULT_DELETE_BATCH_SIZE: usize = 1000;

/// Settings of a store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Directory holding `meta/` (RocksDB) and `chunks/`.
    pub data_dir: PathBuf,
    /// Maximum bytes per chunk file.
    pub chunk_size: u64,
    /// Objects and parts up to this many bytes live inside their metadata record; 0 keeps
    /// only empty ones there.
    pub inline_max: u64,
    /// Bytes per unit of `capacity_gb`.
    pub capacity_unit_bytes: u64,
    /// Minimum bytes of every part of a completed multipart upload but the last.
    pub min_part_size: u64,
    /// Objects or uploads removed per write batch by a release or a forced bucket delete.
    /// Each batch holds the bucket's lock, so commits to that bucket wait for one batch.
    pub delete_batch_size: usize,
    /// Key that seals access-key secrets at rest.
    pub sealer: Sealer,
}

impl StoreConfig {
    /// Returns a configuration with the default sizes.
    pub fn new(data_dir: impl Into<PathBuf>, sealer: Sealer) -> Self {
        StoreConfig {
            data_dir: data_dir.into(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            inline_max: DEFAULT_INLINE_MAX,
            capacity_unit_bytes: DEFAULT_CAPACITY_UNIT_BYTES,
            min_part_size: DEFAULT_MIN_PART_SIZE,
            delete_batch_size: DEFAULT_DELETE_BATCH_SIZE,
            sealer,
        }
    }

    fn meta_dir(&self) -> PathBuf {
        self.data_dir.join("meta")
    }

    fn chunks_dir(&self) -> PathBuf {
        self.data_dir.join("chunks")
    }

    fn validate(&self) -> Result<()> {
        if self.chunk_size == 0 || self.capacity_unit_bytes == 0 {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "chunk_size and capacity_unit_bytes must be at least 1",
            )));
        }
        Ok(())
    }
}

/// A handle to an open store; clones share it.
///
/// Functions that are not `async` do blocking RocksDB work, so async callers run them on a
/// blocking thread (`tokio::task::spawn_blocking`). Data I/O is async.
#[derive(Clone)]
pub struct Store(Arc<Inner>);

pub(crate) struct Inner {
    config: StoreConfig,
    meta: Meta,
    chunks: Arc<ChunkFiles>,
    usage: UsageTable,
    /// Serialises changes to accounts, users, keys and the set of buckets.
    admin: Mutex<()>,
    /// Striped by bucket id. Taken shared by every commit that changes rows under a bucket,
    /// and exclusively by bucket deletion and by the batches that empty a bucket, so no row
    /// lands in a bucket that is being deleted and no commit races a batch deletion.
    bucket_rows: Stripes<RwLock<()>>,
    /// Serialise commits to the same (bucket, key).
    key_locks: Stripes<Mutex<()>>,
    /// Taken shared by part uploads and exclusively by complete and abort.
    upload_locks: Stripes<RwLock<()>>,
    /// Serialise commits to the same (upload, part number).
    part_locks: Stripes<Mutex<()>>,
    /// Held by a meter flush from taking the totals to writing them, and by the end of a
    /// release, which deletes the account's meter rows.
    meter_flush: Mutex<()>,
    /// Set by `interrupt_background_work`: releases and forced bucket deletes stop.
    interrupted: AtomicBool,
    /// Tests: the number of the interruption check at which background work is interrupted,
    /// as if the process stopped there; 0 never.
    #[cfg(test)]
    batches_before_interrupt: std::sync::atomic::AtomicUsize,
}

impl Store {
    /// Opens the store in `config.data_dir`, creating it if needed.
    ///
    /// Start-up removes every chunk file whose blob has no metadata row (left by a crash
    /// between writing data and committing, or between committing and unlinking) and loads
    /// usage counters into memory.
    pub fn open(config: StoreConfig) -> Result<Store> {
        config.validate()?;
        std::fs::create_dir_all(config.meta_dir())?;
        let chunks = Arc::new(ChunkFiles::new(config.chunks_dir()));
        chunks.prepare()?;
        let meta = Meta::open(&config.meta_dir())?;

        let removed = recovery::remove_orphans(&meta, &chunks)?;
        if removed > 0 {
            tracing::info!(removed, "removed orphaned chunk files at start-up");
        }
        let usage = recovery::load_usage(&meta, config.capacity_unit_bytes)?;

        Ok(Store(Arc::new(Inner {
            config,
            meta,
            chunks,
            usage,
            admin: Mutex::new(()),
            bucket_rows: Stripes::new(),
            key_locks: Stripes::new(),
            upload_locks: Stripes::new(),
            part_locks: Stripes::new(),
            meter_flush: Mutex::new(()),
            interrupted: AtomicBool::new(false),
            #[cfg(test)]
            batches_before_interrupt: std::sync::atomic::AtomicUsize::new(0),
        })))
    }

    /// Returns the configuration the store was opened with.
    pub fn config(&self) -> &StoreConfig {
        &self.0.config
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.0.config.data_dir)
            .finish()
    }
}

#[cfg(test)]
mod testing;
