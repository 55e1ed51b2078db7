//! The error type of every store operation.

use std::io;

/// Why a store operation failed.
///
/// The variants that name an S3 condition map one to one onto the S3 error code of the same
/// name. `Io`, `Db` and `Corrupt` are internal failures (HTTP 500).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No account has the given id.
    #[error("account not found")]
    NoSuchAccount,
    /// Another account already has the requested name.
    #[error("an account with this name already exists")]
    AccountAlreadyExists,
    /// The account has no user of the given name.
    #[error("user not found")]
    NoSuchUser,
    /// The account already has a user of the requested name.
    #[error("a user with this name already exists")]
    UserAlreadyExists,
    /// No access key has the given id, or it belongs to another account.
    #[error("access key not found")]
    NoSuchAccessKey,
    /// The requested access key id is already in use.
    #[error("an access key with this id already exists")]
    AccessKeyAlreadyExists,
    /// No bucket has the given name, or it was deleted while the request ran.
    #[error("bucket not found")]
    NoSuchBucket,
    /// The bucket name is taken, by the account given here.
    #[error("bucket name is already in use by account {owner_account_id}")]
    BucketAlreadyExists {
        /// The account that owns the existing bucket.
        owner_account_id: String,
    },
    /// The bucket still contains objects or unfinished multipart uploads.
    #[error("the bucket is not empty")]
    BucketNotEmpty,
    /// The object does not exist.
    #[error("object not found")]
    NoSuchKey,
    /// The multipart upload does not exist for this bucket and key.
    #[error("multipart upload not found")]
    NoSuchUpload,
    /// A listed part was never uploaded, or its ETag differs from the stored one.
    #[error("part {part_number} was not found or its ETag does not match")]
    InvalidPart {
        /// The offending part number.
        part_number: u32,
    },
    /// The part list is not in strictly ascending part-number order.
    #[error("the part list is not in ascending order")]
    InvalidPartOrder,
    /// A part other than the last one is smaller than the minimum part size.
    #[error("part {part_number} is {size} bytes, below the minimum of {min}")]
    EntityTooSmall {
        /// The offending part number.
        part_number: u32,
        /// Its size in bytes.
        size: u64,
        /// The minimum part size in bytes.
        min: u64,
    },
    /// Accepting the data would take the account over its capacity.
    #[error(
        "quota exceeded: capacity {capacity} bytes, {used} used, {reserved} reserved, \
         {requested} requested"
    )]
    QuotaExceeded {
        /// The account capacity in bytes.
        capacity: u64,
        /// Bytes stored by committed objects and parts.
        used: u64,
        /// Bytes held by writes still in progress.
        reserved: u64,
        /// Bytes this request asked for.
        requested: u64,
    },
    /// A write condition did not hold.
    #[error("precondition {condition} failed")]
    PreconditionFailed {
        /// The header whose condition failed: `If-Match` or `If-None-Match`.
        condition: &'static str,
    },
    /// A write condition failed because the key changed after the request began, so a
    /// concurrent write decided the outcome; the client may start over.
    #[error("the object changed while the conditional write was in progress")]
    ConditionalRequestConflict,
    /// The caller may not make this change; the text gives the reason.
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// The requested grant can never exist; the text gives the reason.
    #[error("invalid grant: {0}")]
    InvalidGrant(String),
    /// The user has no grant on the bucket.
    #[error("grant not found")]
    NoSuchGrant,
    /// A capacity change would leave the allowed range.
    #[error(
        "{}",
        capacity_range_message(*.requested_gb, *.capacity_gb, *.min_gb, *.max_gb)
    )]
    CapacityOutOfRange {
        /// The capacity the change would result in, in capacity units (GB).
        requested_gb: u64,
        /// The current capacity in GB.
        capacity_gb: u64,
        /// The smallest allowed capacity in GB; 0 where only the maximum was checked.
        min_gb: u64,
        /// The largest allowed capacity in GB.
        max_gb: u64,
    },
    /// A shrink would take away capacity that stored data or writes in progress occupy.
    #[error(
        "cannot shrink by {requested_bytes} bytes: capacity {capacity_bytes} bytes, \
         {used_bytes} used, {reserved_bytes} reserved by writes in progress, so at most \
         {} bytes are unused",
        .capacity_bytes.saturating_sub(.used_bytes.saturating_add(*.reserved_bytes))
    )]
    ShrinkExceedsUnused {
        /// Bytes the shrink would remove.
        requested_bytes: u64,
        /// The current capacity in bytes.
        capacity_bytes: u64,
        /// Bytes of stored objects and uploaded parts.
        used_bytes: u64,
        /// Bytes held by writes in progress.
        reserved_bytes: u64,
    },
    /// The account is being released, so it accepts no writes and no changes.
    #[error("the account is being released and accepts no changes")]
    AccountReleasing,
    /// The account is not being released, so there is nothing to resume.
    #[error("the account is not being released")]
    AccountNotReleasing,
    /// Background work stopped early because the store is shutting down; it resumes on the
    /// next start.
    #[error("interrupted by shutdown; the work resumes on the next start")]
    Interrupted,
    /// A chunk file or directory operation failed.
    #[error("storage I/O failed: {0}")]
    Io(#[from] io::Error),
    /// RocksDB reported an error.
    #[error("metadata database error: {0}")]
    Db(String),
    /// Stored data does not decode or contradicts other stored data.
    #[error("corrupt metadata: {0}")]
    Corrupt(String),
}

impl From<rocksdb::Error> for StoreError {
    fn from(error: rocksdb::Error) -> Self {
        StoreError::Db(error.into_string())
    }
}

/// Describes a capacity outside the allowed range, naming the bound that was crossed.
fn capacity_range_message(requested_gb: u64, capacity_gb: u64, min_gb: u64, max_gb: u64) -> String {
    if requested_gb > max_gb {
        format!(
            "a capacity of {requested_gb} GB exceeds the maximum of {max_gb} GB \
             (current capacity {capacity_gb} GB)"
        )
    } else {
        format!(
            "a capacity of {requested_gb} GB is below the minimum of {min_gb} GB \
             (current capacity {capacity_gb} GB)"
        )
    }
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
