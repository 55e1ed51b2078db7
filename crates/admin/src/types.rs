//! Request and response bodies of the admin API. Times are RFC 3339 strings in UTC, sizes are
//! bytes and capacities are whole capacity units ("GB").

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// Formats a time as RFC 3339.
pub(crate) fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&Rfc3339)
        .unwrap_or_else(|_| time.unix_timestamp().to_string())
}

/// Body of `POST /admin/v1/accounts`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// Unique account name.
    pub name: String,
    /// One of the server's regions (setting `accounts.regions`).
    pub region: String,
    /// Capacity in GB, from 50 to 4096.
    pub capacity_gb: u64,
    /// Billing model; only `pay-as-you-go` is offered.
    pub billing: String,
}

/// Lifecycle state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountState {
    /// In normal use.
    Active,
    /// Being released: its keys no longer work and its data is being deleted.
    Releasing,
}

/// Progress of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReleaseProgress {
    /// Objects still to delete.
    pub objects_left: u64,
    /// Buckets still to delete.
    pub buckets_left: u64,
}

/// An account with its capacity and use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AccountOverview {
    /// Account id, used in every account-scoped path.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Region the account lives in; requests are signed for it.
    pub region: String,
    /// Billing model.
    pub billing: String,
    /// Capacity in GB (capacity units).
    pub capacity_gb: u64,
    /// Capacity in bytes.
    pub capacity_bytes: u64,
    /// Bytes of stored objects and uploaded parts.
    pub used_bytes: u64,
    /// Number of objects.
    pub object_count: u64,
    /// Number of buckets.
    pub bucket_count: u64,
    /// Creation time, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Lifecycle state.
    pub status: AccountState,
    /// What a release still has to delete; present only while releasing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseProgress>,
}

/// Response of `POST /admin/v1/accounts`: the overview plus the master's first key pair.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountCreated {
    /// The new account.
    #[serde(flatten)]
    pub account: AccountOverview,
    /// Access key id of the master user.
    pub access_key_id: String,
    /// Secret access key of the master user; shown only in this response.
    pub secret_access_key: String,
}

/// A page of accounts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccountList {
    /// Accounts in id order.
    pub accounts: Vec<AccountOverview>,
    /// Token for the next page; null on the last page.
    pub next_continuation_token: Option<String>,
}

/// How clients reach an account's data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AccessInfo {
    /// URL of the S3 endpoint.
    pub endpoint: String,
    /// Region to sign requests for.
    pub region: String,
    /// Addressing styles the endpoint accepts: `path`, and `virtual-hosted` when a suffix is set.
    pub addressing: Vec<String>,
    /// Domain of virtual-hosted-style addresses (`bucket.<suffix>`); null when not offered.
    pub virtual_host_suffix: Option<String>,
}

/// Body of `expand` and `shrink`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityChange {
    /// GB to add or remove.
    pub gb: u64,
}

/// Body of `POST …/users`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// User name, unique in the account: 1–64 of `A-Z a-z 0-9 . _ -`, not `master`.
    pub name: String,
}

/// A user of an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserInfo {
    /// User name; the master user is `master`.
    pub name: String,
    /// Creation time, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A page of users.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// Users in name order.
    pub users: Vec<UserInfo>,
    /// Token for the next page; null on the last page.
    pub next_continuation_token: Option<String>,
}

/// Body of `POST …/keys`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Owner of the new key; omitted: the caller, or `master` when the operator calls.
    #[serde(default)]
    pub user: Option<String>,
}

/// An access key, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    /// Access key id.
    pub access_key_id: String,
    /// Owning user.
    pub user: String,
    /// Creation time, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A new access key with its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyCreated {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key; shown only in this response.
    pub secret_access_key: String,
    /// Owning user.
    pub user: String,
    /// Creation time, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A page of access keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyList {
    /// Keys in access-key-id order.
    pub keys: Vec<KeyInfo>,
    /// Token for the next page; null on the last page.
    pub next_continuation_token: Option<String>,
}

/// Body of `POST …/buckets`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBucketRequest {
    /// Bucket name, following the S3 rules for new buckets.
    pub name: String,
}

/// A bucket with its use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BucketInfo {
    /// Bucket name.
    pub name: String,
    /// Creation time, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Bytes of its objects and uploaded parts.
    pub size_bytes: u64,
    /// Number of objects.
    pub object_count: u64,
}

/// A page of buckets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BucketList {
    /// Buckets in name order.
    pub buckets: Vec<BucketInfo>,
    /// Token for the next page; null on the last page.
    pub next_continuation_token: Option<String>,
}

/// Access a grant gives on a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GrantAccess {
    /// Reading and listing.
    Read,
    /// Reading, listing, writing and deleting objects.
    ReadWrite,
}

/// Body of `POST …/grants`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Grantee user name.
    pub user: String,
    /// Access to give.
    pub access: GrantAccess,
    /// Whether the grantee may grant this access (or less) to others.
    #[serde(default)]
    pub regrant: bool,
}

/// A grant of a user on a bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GrantInfo {
    /// Grantee user name.
    pub user: String,
    /// Access given.
    pub access: GrantAccess,
    /// Whether the grantee may grant further.
    pub regrant: bool,
    /// `master` or the user who made the grant.
    pub granted_by: String,
    /// Time of the grant, RFC 3339.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A page of grants.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GrantList {
    /// Grants in grantee order.
    pub grants: Vec<GrantInfo>,
    /// Token for the next page; null on the last page.
    pub next_continuation_token: Option<String>,
}

/// One hour of the pay-as-you-go meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UsageHourInfo {
    /// Start of the hour, RFC 3339.
    #[schema(format = DateTime)]
    pub start: String,
    /// Stored capacity over the hour, in GB (capacity units) × hours.
    pub stored_gb_hours: f64,
    /// Class A requests: PUT, COPY, POST and LIST.
    pub requests_class_a: u64,
    /// Class B requests: GET and HEAD.
    pub requests_class_b: u64,
    /// Request body bytes received.
    pub bytes_in: u64,
    /// Response body bytes sent.
    pub bytes_out: u64,
}

/// The meter of an account over a range of hours.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UsageReport {
    /// First hour of the range, RFC 3339.
    #[schema(format = DateTime)]
    pub from: String,
    /// End of the range (exclusive), RFC 3339.
    #[schema(format = DateTime)]
    pub to: String,
    /// Hours with activity or stored data, oldest first.
    pub hours: Vec<UsageHourInfo>,
}

/// Response of `GET /health`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` while the server runs.
    pub status: String,
}
