//! The OpenAPI 3 document, generated from the handlers' attributes and the body types.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::handlers;
use crate::error::{ErrorBody, ErrorDetail};
use crate::types::{
    AccessInfo, AccountCreated, AccountList, AccountOverview, AccountState, BucketInfo, BucketList,
    CapacityChange, CreateAccountRequest, CreateBucketRequest, CreateKeyRequest, CreateUserRequest,
    GrantAccess, GrantInfo, GrantList, GrantRequest, Health, KeyCreated, KeyInfo, KeyList,
    ReleaseProgress, UsageHourInfo, UsageReport, UserInfo, UserList,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "oss admin API",
        description = "Accounts, capacity, users, access keys, buckets, grants and usage of an \
                       oss server. Errors are {\"error\": {\"code\", \"message\"}}. Lists take \
                       `limit` (1 to 1000, default 1000) and `continuation_token`, and return \
                       `next_continuation_token` (null on the last page).",
        license(name = "Apache-2.0"),
    ),
    paths(
        handlers::create_account,
        handlers::list_accounts,
        handlers::get_account,
        handlers::release_account,
        handlers::get_access,
        handlers::expand_capacity,
        handlers::shrink_capacity,
        handlers::list_users,
        handlers::create_user,
        handlers::delete_user,
        handlers::list_keys,
        handlers::create_key,
        handlers::delete_key,
        handlers::list_buckets,
        handlers::create_bucket,
        handlers::delete_bucket,
        handlers::list_grants,
        handlers::put_grant,
        handlers::delete_grant,
        handlers::get_usage,
        handlers::openapi,
        handlers::health,
        handlers::metrics,
    ),
    components(schemas(
        AccessInfo, AccountCreated, AccountList, AccountOverview, AccountState, BucketInfo,
        BucketList, CapacityChange, CreateAccountRequest, CreateBucketRequest, CreateKeyRequest,
        CreateUserRequest, ErrorBody, ErrorDetail, GrantAccess, GrantInfo, GrantList,
        GrantRequest, Health, KeyCreated, KeyInfo, KeyList, ReleaseProgress, UsageHourInfo,
        UsageReport, UserInfo, UserList,
    )),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// Adds the two ways a request authenticates.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator token from <data_dir>/admin.token, as \
                         `Authorization: Bearer <token>`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "sigv4",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "AWS Signature Version 4 with an access key of the account: any service \
                 name, the account's region in the credential scope. x-amz-content-sha256 is \
                 optional; without it the server hashes the body.",
            ))),
        );
    }
}

/// Returns the document as pretty-printed JSON with a final newline, as checked in under
/// `docs/openapi.json`.
pub(crate) fn document() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::api::routes::ROUTES;

    fn documented_operations() -> BTreeSet<(String, String)> {
        let document: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let mut operations = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if method != "parameters" {
                    operations.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        operations
    }

    #[test]
    fn every_route_documented_and_back() {
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|route| (route.method.to_string(), route.path.to_owned()))
            .collect();
        let documented = documented_operations();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty(),
            "routes missing from the document: {undocumented:?}"
        );
        assert!(
            unrouted.is_empty(),
            "documented paths without a route: {unrouted:?}"
        );
    }

    /// The checked-in document must equal the generated one. Regenerate it with
    /// `UPDATE_OPENAPI=1 cargo test -p oss-admin checked_in_document`.
    #[test]
    fn checked_in_document_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        let generated = document();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "docs/openapi.json differs from the generated document; regenerate it with \
             UPDATE_OPENAPI=1 cargo test -p oss-admin checked_in_document"
        );
    }
}
