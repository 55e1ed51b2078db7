//! One handler per route: decode the path, query and JSON body, call the operation, encode
//! the result. The `utoipa::path` attribute on each handler is its OpenAPI description.

use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AdminError, ErrorBody};
use crate::ops::{Admin, PageRequest, UsageRange};
use crate::principal::Principal;
use crate::types::{
    AccessInfo, AccountCreated, AccountList, AccountOverview, BucketInfo, BucketList,
    CapacityChange, CreateAccountRequest, CreateBucketRequest, CreateKeyRequest, CreateUserRequest,
    GrantInfo, GrantList, GrantRequest, Health, KeyCreated, KeyList, UsageReport, UserInfo,
    UserList,
};

/// Everything a handler gets about one authenticated request.
pub(crate) struct Call<'a> {
    pub(crate) admin: &'a Admin,
    pub(crate) who: &'a Principal,
    /// Path parameters in template order.
    pub(crate) params: &'a [String],
    /// Decoded query parameters.
    pub(crate) query: &'a [(String, String)],
    pub(crate) body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, index: usize) -> &str {
        self.params.get(index).map_or("", String::as_str)
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn page(&self) -> Result<PageRequest, AdminError> {
        PageRequest::parse(self.query("limit"), self.query("continuation_token"))
    }

    /// Decodes the JSON body; an empty body is decoded as `{}`.
    fn json<T: DeserializeOwned>(&self) -> Result<T, AdminError> {
        let body = match self.body.iter().all(u8::is_ascii_whitespace) {
            true => b"{}".as_slice(),
            false => self.body,
        };
        serde_json::from_slice(body)
            .map_err(|error| AdminError::invalid(format!("invalid JSON body: {error}")))
    }
}

/// A successful response: a status and an optional JSON body.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<String>,
}

impl Reply {
    fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Reply, AdminError> {
        let body = serde_json::to_string(value)
            .map_err(|error| AdminError::invalid(format!("failed to encode the reply: {error}")))?;
        Ok(Reply {
            status,
            body: Some(body),
        })
    }

    fn ok<T: Serialize>(value: &T) -> Result<Reply, AdminError> {
        Reply::json(StatusCode::OK, value)
    }

    fn empty(status: StatusCode) -> Result<Reply, AdminError> {
        Ok(Reply { status, body: None })
    }
}

/// Activates an account.
#[utoipa::path(
    post, path = "/admin/v1/accounts", tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "The account, with its master's key pair; the only time the secret is shown", body = AccountCreated),
        (status = 400, description = "InvalidRequest, InvalidRegion, CapacityOutOfRange or InvalidBilling", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied: only the operator activates accounts", body = ErrorBody),
        (status = 409, description = "AccountAlreadyExists", body = ErrorBody),
    ),
    security(("operator_token" = []))
)]
pub(crate) async fn create_account(call: &Call<'_>) -> Result<Reply, AdminError> {
    let created = call.admin.create_account(call.who, call.json()?).await?;
    Reply::json(StatusCode::CREATED, &created)
}

/// Lists accounts.
#[utoipa::path(
    get, path = "/admin/v1/accounts", tag = "accounts",
    params(
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 1000 (default 1000)"),
        ("continuation_token" = Option<String>, Query, description = "`next_continuation_token` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of accounts", body = AccountList),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
    ),
    security(("operator_token" = []))
)]
pub(crate) async fn list_accounts(call: &Call<'_>) -> Result<Reply, AdminError> {
    Reply::ok(&call.admin.list_accounts(call.who, call.page()?).await?)
}

/// Returns an account's overview.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}", tag = "accounts",
    params(("account" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "The overview; `release` is present while releasing", body = AccountOverview),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn get_account(call: &Call<'_>) -> Result<Reply, AdminError> {
    Reply::ok(&call.admin.account_overview(call.who, call.param(0)).await?)
}

/// Releases an account: its keys stop working at once, its data is deleted in the
/// background, then the account is gone.
#[utoipa::path(
    delete, path = "/admin/v1/accounts/{account}", tag = "accounts",
    params(
        ("account" = String, Path, description = "Account id"),
        ("confirm" = String, Query, description = "The account's name"),
    ),
    responses(
        (status = 202, description = "Release started; the overview shows its progress", body = AccountOverview),
        (status = 400, description = "ConfirmationMismatch", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn release_account(call: &Call<'_>) -> Result<Reply, AdminError> {
    let overview = call
        .admin
        .release_account(call.who, call.param(0), call.query("confirm"))
        .await?;
    Reply::json(StatusCode::ACCEPTED, &overview)
}

/// Returns how clients reach the account's data.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/access", tag = "accounts",
    params(("account" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "Endpoint, region and addressing styles", body = AccessInfo),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn get_access(call: &Call<'_>) -> Result<Reply, AdminError> {
    Reply::ok(&call.admin.access_info(call.who, call.param(0)).await?)
}

/// Adds capacity; the result must stay at most 4096 GB.
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/expand", tag = "capacity",
    params(("account" = String, Path, description = "Account id")),
    request_body = CapacityChange,
    responses(
        (status = 200, description = "The updated overview", body = AccountOverview),
        (status = 400, description = "InvalidRequest or CapacityOutOfRange", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn expand_capacity(call: &Call<'_>) -> Result<Reply, AdminError> {
    let change: CapacityChange = call.json()?;
    Reply::ok(
        &call
            .admin
            .expand_capacity(call.who, call.param(0), change)
            .await?,
    )
}

/// Removes capacity; the result must stay at least 50 GB, and only unused capacity can go.
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/shrink", tag = "capacity",
    params(("account" = String, Path, description = "Account id")),
    request_body = CapacityChange,
    responses(
        (status = 200, description = "The updated overview", body = AccountOverview),
        (status = 400, description = "InvalidRequest or CapacityOutOfRange", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
        (status = 409, description = "ShrinkExceedsUnused", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn shrink_capacity(call: &Call<'_>) -> Result<Reply, AdminError> {
    let change: CapacityChange = call.json()?;
    Reply::ok(
        &call
            .admin
            .shrink_capacity(call.who, call.param(0), change)
            .await?,
    )
}

/// Lists the users of an account, the master included.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/users", tag = "users",
    params(
        ("account" = String, Path, description = "Account id"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 1000 (default 1000)"),
        ("continuation_token" = Option<String>, Query, description = "`next_continuation_token` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of users", body = UserList),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn list_users(call: &Call<'_>) -> Result<Reply, AdminError> {
    Reply::ok(
        &call
            .admin
            .list_users(call.who, call.param(0), call.page()?)
            .await?,
    )
}

/// Creates a sub-user.
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/users", tag = "users",
    params(("account" = String, Path, description = "Account id")),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The new user", body = UserInfo),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
        (status = 409, description = "UserAlreadyExists", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn create_user(call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: CreateUserRequest = call.json()?;
    let user = call
        .admin
        .create_user(call.who, call.param(0), input)
        .await?;
    Reply::json(StatusCode::CREATED, &user)
}

/// Deletes a sub-user with its keys, its grants and every grant made from them.
#[utoipa::path(
    delete, path = "/admin/v1/accounts/{account}/users/{user}", tag = "users",
    params(
        ("account" = String, Path, description = "Account id"),
        ("user" = String, Path, description = "User name"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "InvalidRequest: the master user cannot be deleted", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount or NoSuchUser", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn delete_user(call: &Call<'_>) -> Result<Reply, AdminError> {
    call.admin
        .delete_user(call.who, call.param(0), call.param(1))
        .await?;
    Reply::empty(StatusCode::NO_CONTENT)
}

/// Lists access keys without secrets: all of the account's for the master, a sub-user's own.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/keys", tag = "keys",
    params(
        ("account" = String, Path, description = "Account id"),
        ("user" = Option<String>, Query, description = "Only this user's keys"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 1000 (default 1000)"),
        ("continuation_token" = Option<String>, Query, description = "`next_continuation_token` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of keys", body = KeyList),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn list_keys(call: &Call<'_>) -> Result<Reply, AdminError> {
    let keys = call
        .admin
        .list_keys(call.who, call.param(0), call.query("user"), call.page()?)
        .await?;
    Reply::ok(&keys)
}

/// Creates an access key: for `user`, or for the caller (`master` when the operator calls).
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/keys", tag = "keys",
    params(("account" = String, Path, description = "Account id")),
    request_body(content = CreateKeyRequest, description = "May be empty"),
    responses(
        (status = 201, description = "The key with its secret; the only time the secret is shown", body = KeyCreated),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied: a sub-user creates keys only for itself", body = ErrorBody),
        (status = 404, description = "NoSuchAccount or NoSuchUser", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn create_key(call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: CreateKeyRequest = call.json()?;
    let key = call
        .admin
        .create_key(call.who, call.param(0), input)
        .await?;
    Reply::json(StatusCode::CREATED, &key)
}

/// Deletes an access key: any of the account's for the master, a sub-user's own.
#[utoipa::path(
    delete, path = "/admin/v1/accounts/{account}/keys/{access_key_id}", tag = "keys",
    params(
        ("account" = String, Path, description = "Account id"),
        ("access_key_id" = String, Path, description = "Access key id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount or NoSuchAccessKey", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn delete_key(call: &Call<'_>) -> Result<Reply, AdminError> {
    call.admin
        .delete_key(call.who, call.param(0), call.param(1))
        .await?;
    Reply::empty(StatusCode::NO_CONTENT)
}

/// Lists buckets with their size: all of the account's for the master, those a sub-user
/// holds a grant on.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/buckets", tag = "buckets",
    params(
        ("account" = String, Path, description = "Account id"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 1000 (default 1000)"),
        ("continuation_token" = Option<String>, Query, description = "`next_continuation_token` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of buckets", body = BucketList),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn list_buckets(call: &Call<'_>) -> Result<Reply, AdminError> {
    Reply::ok(
        &call
            .admin
            .list_buckets(call.who, call.param(0), call.page()?)
            .await?,
    )
}

/// Creates a bucket in the account's region.
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/buckets", tag = "buckets",
    params(("account" = String, Path, description = "Account id")),
    request_body = CreateBucketRequest,
    responses(
        (status = 201, description = "The new bucket", body = BucketInfo),
        (status = 400, description = "InvalidRequest or InvalidBucketName", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
        (status = 409, description = "BucketAlreadyExists", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn create_bucket(call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: CreateBucketRequest = call.json()?;
    let bucket = call
        .admin
        .create_bucket(call.who, call.param(0), input)
        .await?;
    Reply::json(StatusCode::CREATED, &bucket)
}

/// Deletes a bucket; with `force=true` a non-empty one is emptied in the background.
#[utoipa::path(
    delete, path = "/admin/v1/accounts/{account}/buckets/{bucket}", tag = "buckets",
    params(
        ("account" = String, Path, description = "Account id"),
        ("bucket" = String, Path, description = "Bucket name"),
        ("force" = Option<bool>, Query, description = "Delete a non-empty bucket with its contents (default false)"),
    ),
    responses(
        (status = 202, description = "The bucket is hidden and is being emptied and removed"),
        (status = 204, description = "Deleted"),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount or NoSuchBucket", body = ErrorBody),
        (status = 409, description = "BucketNotEmpty", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn delete_bucket(call: &Call<'_>) -> Result<Reply, AdminError> {
    let force = match call.query("force") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(AdminError::invalid(format!(
                "force {other:?} must be true or false"
            )));
        }
    };
    let deletion = call
        .admin
        .delete_bucket(call.who, call.param(0), call.param(1), force)
        .await?;
    match deletion {
        crate::ops::BucketDeletion::Deleted => Reply::empty(StatusCode::NO_CONTENT),
        crate::ops::BucketDeletion::Started => Reply::empty(StatusCode::ACCEPTED),
    }
}

/// Lists the grants on a bucket.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/buckets/{bucket}/grants", tag = "grants",
    params(
        ("account" = String, Path, description = "Account id"),
        ("bucket" = String, Path, description = "Bucket name"),
        ("limit" = Option<u32>, Query, description = "Items per page, 1 to 1000 (default 1000)"),
        ("continuation_token" = Option<String>, Query, description = "`next_continuation_token` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of grants", body = GrantList),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied: only the master and holders of regrant", body = ErrorBody),
        (status = 404, description = "NoSuchAccount or NoSuchBucket", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn list_grants(call: &Call<'_>) -> Result<Reply, AdminError> {
    let grants = call
        .admin
        .list_grants(call.who, call.param(0), call.param(1), call.page()?)
        .await?;
    Reply::ok(&grants)
}

/// Creates or replaces a user's grant on a bucket.
#[utoipa::path(
    post, path = "/admin/v1/accounts/{account}/buckets/{bucket}/grants", tag = "grants",
    params(
        ("account" = String, Path, description = "Account id"),
        ("bucket" = String, Path, description = "Bucket name"),
    ),
    request_body = GrantRequest,
    responses(
        (status = 201, description = "The grant", body = GrantInfo),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied: more than the grantor holds, or no regrant", body = ErrorBody),
        (status = 404, description = "NoSuchAccount, NoSuchBucket or NoSuchUser", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn put_grant(call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: GrantRequest = call.json()?;
    let grant = call
        .admin
        .put_grant(call.who, call.param(0), call.param(1), input)
        .await?;
    Reply::json(StatusCode::CREATED, &grant)
}

/// Revokes a user's grant on a bucket and every grant made from it, at any depth.
#[utoipa::path(
    delete, path = "/admin/v1/accounts/{account}/buckets/{bucket}/grants/{user}", tag = "grants",
    params(
        ("account" = String, Path, description = "Account id"),
        ("bucket" = String, Path, description = "Bucket name"),
        ("user" = String, Path, description = "Grantee user name"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied: a user revokes only grants it made", body = ErrorBody),
        (status = 404, description = "NoSuchAccount, NoSuchBucket or NoSuchGrant", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn delete_grant(call: &Call<'_>) -> Result<Reply, AdminError> {
    let revoked = call
        .admin
        .delete_grant(call.who, call.param(0), call.param(1), call.param(2))
        .await?;
    tracing::info!(
        account = call.param(0),
        bucket = call.param(1),
        revoked = revoked.len(),
        "grants revoked"
    );
    Reply::empty(StatusCode::NO_CONTENT)
}

/// Returns the pay-as-you-go meter by hour.
#[utoipa::path(
    get, path = "/admin/v1/accounts/{account}/usage", tag = "usage",
    params(
        ("account" = String, Path, description = "Account id"),
        ("from" = Option<String>, Query, description = "RFC 3339 start, floored to the hour (default: 24 hours before `to`)"),
        ("to" = Option<String>, Query, description = "RFC 3339 end, exclusive, floored to the hour (default: the end of the current hour)"),
    ),
    responses(
        (status = 200, description = "Hours with activity or stored data, oldest first", body = UsageReport),
        (status = 400, description = "InvalidRequest", body = ErrorBody),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
        (status = 404, description = "NoSuchAccount", body = ErrorBody),
    ),
    security(("operator_token" = []), ("sigv4" = []))
)]
pub(crate) async fn get_usage(call: &Call<'_>) -> Result<Reply, AdminError> {
    let now = time::OffsetDateTime::now_utc();
    let range = UsageRange::parse(call.query("from"), call.query("to"), now)?;
    Reply::ok(
        &call
            .admin
            .usage_report(call.who, call.param(0), range)
            .await?,
    )
}

/// The OpenAPI 3 document of this API.
#[utoipa::path(
    get, path = "/admin/v1/openapi.json", tag = "service",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object)),
    security(())
)]
pub(crate) fn openapi() -> Reply {
    Reply {
        status: StatusCode::OK,
        body: Some(super::openapi::document()),
    }
}

/// Liveness check.
#[utoipa::path(
    get, path = "/health", tag = "service",
    responses((status = 200, description = "The server runs", body = Health)),
    security(())
)]
pub(crate) fn health() -> Reply {
    Reply {
        status: StatusCode::OK,
        body: Some(r#"{"status":"ok"}"#.to_owned()),
    }
}

/// Server metrics in the Prometheus text format (OpenMetrics flavour).
#[utoipa::path(
    get, path = "/metrics", tag = "service",
    responses(
        (status = 200, description = "Request counts and latencies by S3 operation and status, bytes in and out, per-account used bytes", content_type = "application/openmetrics-text", body = String),
        (status = 401, description = "Unauthenticated", body = ErrorBody),
        (status = 403, description = "AccessDenied", body = ErrorBody),
    ),
    security(("operator_token" = []))
)]
#[allow(
    dead_code,
    reason = "documents the route; the service encodes the metrics itself"
)]
pub(crate) fn metrics() {}
