//! The admin endpoint of oss: account operations for the operator and for each account's
//! users, the JSON API over them under `/admin/v1`, `/health`, `/metrics` and the OpenAPI
//! document.
//!
//! The crate is layered so that another front end, such as a web console on the same
//! endpoint, can reuse everything below the JSON handlers: [`Admin`] holds the operations,
//! which take a [`Principal`] and typed input; [`Authenticator`] resolves the principal of a
//! request, with [`SessionResolver`] as the seam for console sessions.

mod api;
mod error;
mod metrics;
mod ops;
mod principal;
pub mod types;

pub use api::{AdminService, MAX_BODY_BYTES, REGION_HINT_HEADER};
pub use error::{AdminError, ErrorBody, ErrorCode, ErrorDetail};
pub use metrics::{METRICS_CONTENT_TYPE, Metrics};
pub use ops::{
    Admin, AdminConfig, BILLING_MODELS, BucketDeletion, DEFAULT_PAGE_SIZE, MAX_CAPACITY_GB,
    MAX_PAGE_SIZE, MAX_USAGE_HOURS, MIN_CAPACITY_GB, PageRequest, UsageRange,
};
pub use principal::{
    Authenticator, Principal, RequestCredentials, SESSION_COOKIE, SessionResolver, UserPrincipal,
};

/// Returns the OpenAPI 3 document of the admin API as pretty-printed JSON.
pub fn openapi_document() -> String {
    api::openapi::document()
}
