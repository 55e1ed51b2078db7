//! Errors of the admin API: a code with its HTTP status, and a message that names the rejected
//! value, the limit and the current values.

use crate::ops::{MAX_CAPACITY_GB, MIN_CAPACITY_GB};
use http::StatusCode;
use oss_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The error codes of the admin API, each with one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A malformed request: bad JSON, a missing or unknown field, a bad query parameter.
    InvalidRequest,
    /// The region is not one of the configured regions.
    InvalidRegion,
    /// The billing model is not one the server offers.
    InvalidBilling,
    /// A capacity outside the allowed range.
    CapacityOutOfRange,
    /// A bucket name that breaks the naming rules.
    InvalidBucketName,
    /// The `confirm` parameter of a release does not name the account.
    ConfirmationMismatch,
    /// No credentials, or credentials that do not verify.
    Unauthenticated,
    /// The caller is known but may not do this.
    AccessDenied,
    /// No account has this id.
    NoSuchAccount,
    /// The account has no user of this name.
    NoSuchUser,
    /// The account has no access key of this id.
    NoSuchAccessKey,
    /// The account has no bucket of this name.
    NoSuchBucket,
    /// The user has no grant on the bucket.
    NoSuchGrant,
    /// An account of this name exists.
    AccountAlreadyExists,
    /// A user of this name exists in the account.
    UserAlreadyExists,
    /// The bucket name is taken.
    BucketAlreadyExists,
    /// The bucket contains objects or uploads.
    BucketNotEmpty,
    /// A shrink larger than the capacity not in use.
    ShrinkExceedsUnused,
    /// No route has this path.
    NotFound,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// The store failed.
    InternalError,
}

impl ErrorCode {
    /// Returns the code as it appears in the JSON body.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "InvalidRequest",
            ErrorCode::InvalidRegion => "InvalidRegion",
            ErrorCode::InvalidBilling => "InvalidBilling",
            ErrorCode::CapacityOutOfRange => "CapacityOutOfRange",
            ErrorCode::InvalidBucketName => "InvalidBucketName",
            ErrorCode::ConfirmationMismatch => "ConfirmationMismatch",
            ErrorCode::Unauthenticated => "Unauthenticated",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::NoSuchAccount => "NoSuchAccount",
            ErrorCode::NoSuchUser => "NoSuchUser",
            ErrorCode::NoSuchAccessKey => "NoSuchAccessKey",
            ErrorCode::NoSuchBucket => "NoSuchBucket",
            ErrorCode::NoSuchGrant => "NoSuchGrant",
            ErrorCode::AccountAlreadyExists => "AccountAlreadyExists",
            ErrorCode::UserAlreadyExists => "UserAlreadyExists",
            ErrorCode::BucketAlreadyExists => "BucketAlreadyExists",
            ErrorCode::BucketNotEmpty => "BucketNotEmpty",
            ErrorCode::ShrinkExceedsUnused => "ShrinkExceedsUnused",
            ErrorCode::NotFound => "NotFound",
            ErrorCode::MethodNotAllowed => "MethodNotAllowed",
            ErrorCode::InternalError => "InternalError",
        }
    }

    /// Returns the HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidRequest
            | ErrorCode::InvalidRegion
            | ErrorCode::InvalidBilling
            | ErrorCode::CapacityOutOfRange
            | ErrorCode::InvalidBucketName
            | ErrorCode::ConfirmationMismatch => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::AccessDenied => StatusCode::FORBIDDEN,
            ErrorCode::NoSuchAccount
            | ErrorCode::NoSuchUser
            | ErrorCode::NoSuchAccessKey
            | ErrorCode::NoSuchBucket
            | ErrorCode::NoSuchGrant
            | ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::AccountAlreadyExists
            | ErrorCode::UserAlreadyExists
            | ErrorCode::BucketAlreadyExists
            | ErrorCode::BucketNotEmpty
            | ErrorCode::ShrinkExceedsUnused => StatusCode::CONFLICT,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failed admin operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    code: ErrorCode,
    message: String,
    /// The region an access key's account lives in, sent when a request was signed for
    /// another region, so that a client can sign again.
    region_hint: Option<String>,
}

impl AdminError {
    /// Creates an error with its message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AdminError {
        AdminError {
            code,
            message: message.into(),
            region_hint: None,
        }
    }

    /// Shorthand for [`ErrorCode::InvalidRequest`].
    pub fn invalid(message: impl Into<String>) -> AdminError {
        AdminError::new(ErrorCode::InvalidRequest, message)
    }

    /// Shorthand for [`ErrorCode::AccessDenied`].
    pub fn denied(message: impl Into<String>) -> AdminError {
        AdminError::new(ErrorCode::AccessDenied, message)
    }

    /// Shorthand for [`ErrorCode::Unauthenticated`].
    pub fn unauthenticated(message: impl Into<String>) -> AdminError {
        AdminError::new(ErrorCode::Unauthenticated, message)
    }

    /// Adds the region the caller must sign for.
    pub fn with_region_hint(mut self, region: impl Into<String>) -> AdminError {
        self.region_hint = Some(region.into());
        self
    }

    /// Returns the code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// Returns the message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Returns the region the caller must sign for, if the error is about a wrong region.
    pub fn region_hint(&self) -> Option<&str> {
        self.region_hint.as_deref()
    }

    /// Returns the JSON body of the error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for AdminError {}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What failed.
    pub error: ErrorDetail,
}

/// The code and message of an error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, such as `NoSuchAccount`.
    pub code: String,
    /// Description of the failure, naming the rejected value, the limit and the current values.
    pub message: String,
}

/// The names a failed store call was about, so that its error message can name them.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct About<'a> {
    pub(crate) account: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) bucket: Option<&'a str>,
    pub(crate) access_key_id: Option<&'a str>,
    /// A capacity change in GB, with its verb ("expanding", "shrinking").
    pub(crate) change: Option<(&'a str, u64)>,
}

impl<'a> About<'a> {
    pub(crate) fn account(account: &'a str) -> About<'a> {
        About {
            account: Some(account),
            ..About::default()
        }
    }

    pub(crate) fn user(mut self, user: &'a str) -> About<'a> {
        self.user = Some(user);
        self
    }

    pub(crate) fn bucket(mut self, bucket: &'a str) -> About<'a> {
        self.bucket = Some(bucket);
        self
    }

    pub(crate) fn access_key(mut self, access_key_id: &'a str) -> About<'a> {
        self.access_key_id = Some(access_key_id);
        self
    }

    pub(crate) fn change(mut self, verb: &'a str, gb: u64) -> About<'a> {
        self.change = Some((verb, gb));
        self
    }

    /// Maps a store error to the admin error a client receives, naming the values involved.
    pub(crate) fn error(self, error: StoreError) -> AdminError {
        let account = self.account.unwrap_or_default();
        let user = self.user.unwrap_or_default();
        let bucket = self.bucket.unwrap_or_default();
        match error {
            StoreError::NoSuchAccount => AdminError::new(
                ErrorCode::NoSuchAccount,
                format!("account {account:?} does not exist"),
            ),
            StoreError::AccountAlreadyExists => AdminError::new(
                ErrorCode::AccountAlreadyExists,
                "an account with this name already exists",
            ),
            StoreError::NoSuchUser => AdminError::new(
                ErrorCode::NoSuchUser,
                format!("account {account:?} has no user {user:?}"),
            ),
            StoreError::UserAlreadyExists => AdminError::new(
                ErrorCode::UserAlreadyExists,
                format!("account {account:?} already has a user {user:?}"),
            ),
            StoreError::NoSuchAccessKey => AdminError::new(
                ErrorCode::NoSuchAccessKey,
                format!(
                    "account {account:?} has no access key {:?}",
                    self.access_key_id.unwrap_or_default()
                ),
            ),
            StoreError::NoSuchBucket => AdminError::new(
                ErrorCode::NoSuchBucket,
                format!("account {account:?} has no bucket {bucket:?}"),
            ),
            StoreError::BucketAlreadyExists { owner_account_id } => {
                let owner = if owner_account_id == account {
                    "this account"
                } else {
                    "another account"
                };
                AdminError::new(
                    ErrorCode::BucketAlreadyExists,
                    format!("bucket name {bucket:?} is already in use by {owner}"),
                )
            }
            StoreError::BucketNotEmpty => AdminError::new(
                ErrorCode::BucketNotEmpty,
                format!(
                    "bucket {bucket:?} still holds objects or multipart uploads; empty it or \
                     delete it with force=true"
                ),
            ),
            StoreError::NoSuchGrant => AdminError::new(
                ErrorCode::NoSuchGrant,
                format!("user {user:?} holds no grant on bucket {bucket:?}"),
            ),
            StoreError::AccessDenied(reason) => AdminError::new(ErrorCode::AccessDenied, reason),
            StoreError::InvalidGrant(reason) => AdminError::invalid(reason),
            StoreError::CapacityOutOfRange { capacity_gb, .. } => {
                // Compute the result here without saturating, so that the message reports a
                // huge change as requested.
                let (verb, gb) = self.change.unwrap_or(("changing", 0));
                let result = match verb {
                    "shrinking" => i128::from(capacity_gb) - i128::from(gb),
                    _ => i128::from(capacity_gb) + i128::from(gb),
                };
                AdminError::new(
                    ErrorCode::CapacityOutOfRange,
                    format!(
                        "{verb} account {account:?} by {gb} GB would make its capacity \
                         {result} GB, outside the allowed {MIN_CAPACITY_GB} to \
                         {MAX_CAPACITY_GB} GB; it is {capacity_gb} GB now"
                    ),
                )
            }
            StoreError::ShrinkExceedsUnused {
                requested_bytes,
                capacity_bytes,
                used_bytes,
                reserved_bytes,
            } => {
                let (verb, gb) = self.change.unwrap_or(("shrinking", 0));
                AdminError::new(
                    ErrorCode::ShrinkExceedsUnused,
                    format!(
                        "{verb} account {account:?} by {gb} GB ({requested_bytes} bytes) exceeds \
                         its unused capacity: capacity {capacity_bytes} bytes, {used_bytes} used, \
                         {reserved_bytes} reserved by writes in progress"
                    ),
                )
            }
            // NOTE: the error list of the admin API has no code for a releasing account, so
            // changes to one are rejected as invalid requests.
            StoreError::AccountReleasing => AdminError::invalid(format!(
                "account {account:?} is being released and can no longer be changed"
            )),
            other => {
                tracing::error!(error = %other, account, "store operation failed");
                AdminError::new(
                    ErrorCode::InternalError,
                    format!("the store failed: {other}"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_code_classes() {
        assert_eq!(ErrorCode::InvalidBucketName.status(), 400);
        assert_eq!(ErrorCode::Unauthenticated.status(), 401);
        assert_eq!(ErrorCode::AccessDenied.status(), 403);
        assert_eq!(ErrorCode::NoSuchGrant.status(), 404);
        assert_eq!(ErrorCode::ShrinkExceedsUnused.status(), 409);
    }

    #[test]
    fn store_errors_name_values() {
        let error = About::account("acct1")
            .bucket("photos")
            .error(StoreError::NoSuchBucket);
        assert_eq!(error.code(), ErrorCode::NoSuchBucket);
        assert!(error.message().contains("\"photos\""), "{error}");
        assert!(error.message().contains("\"acct1\""), "{error}");
    }
}
