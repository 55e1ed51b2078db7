//! The web console of oss: server-rendered pages at `/` of the admin endpoint, with routes of
//! their own under `/console/`, for the operator and for each account's users.
//!
//! Every account action runs through the admin operations ([`oss_admin::Admin`]) with the
//! signed-in principal, so the console allows exactly what the admin API allows that
//! principal. Object actions of the bucket browser run through the S3 service in process,
//! signed with the signed-in user's own key (see `s3.rs`). Other paths of the endpoint go to
//! the JSON API unchanged.

mod assets;
mod chart;
mod context;
mod format;
mod layout;
mod pages;
mod router;
mod s3;
mod session;
mod transfer;
mod web;

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use oss_admin::{AdminService, Principal, SessionResolver};
use oss_s3::{ResponseBody, S3Service};
use oss_store::Store;

pub use session::SessionLimits;

use crate::s3::S3Client;
use crate::session::Sessions;

/// Settings of the console beyond the services it fronts.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// Regions offered when the operator activates an account.
    pub regions: Vec<String>,
}

/// The console's session table. The admin API resolves session cookies through it too, as
/// its [`SessionResolver`].
pub struct ConsoleSessions {
    table: Sessions,
    store: Store,
}

impl ConsoleSessions {
    /// Creates an empty table over `store`, where access keys are looked up.
    pub fn new(store: Store, limits: SessionLimits) -> Arc<ConsoleSessions> {
        Arc::new(ConsoleSessions {
            table: Sessions::new(limits),
            store,
        })
    }
}

impl SessionResolver for ConsoleSessions {
    fn resolve(&self, session_id: &str) -> Option<Principal> {
        let view = self.table.get(session_id)?;
        // NOTE: the seam is synchronous, so the key is looked up on the calling thread: one
        // RocksDB point read and one decryption.
        match context::resolve_identity(&self.store, &view.identity) {
            Ok(context::Resolved::Active(principal)) => Some(principal),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "failed to look up the access key of a console session");
                None
            }
        }
    }
}

/// The admin endpoint with its web console: console paths are served here, and every other
/// path goes to the JSON API.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

struct Inner {
    api: AdminService,
    s3: S3Client,
    sessions: Arc<ConsoleSessions>,
    config: ConsoleConfig,
}

impl Console {
    /// Creates the console in front of `api`. `sessions` must be the table that `api`'s
    /// authenticator resolves session cookies with; `s3` runs the bucket browser's object
    /// requests.
    pub fn new(
        api: AdminService,
        s3: S3Service,
        sessions: Arc<ConsoleSessions>,
        config: ConsoleConfig,
    ) -> Console {
        Console {
            inner: Arc::new(Inner {
                api,
                s3: S3Client::new(s3),
                sessions,
                config,
            }),
        }
    }

    /// The JSON API the console runs in front of.
    pub fn api(&self) -> &AdminService {
        &self.inner.api
    }

    /// Handles one request of the admin endpoint and always returns a response.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if !is_console_path(request.uri().path()) {
            let response = self.inner.api.handle(request).await;
            return response.map(|body| body.map_err(|never| match never {}).boxed_unsync());
        }
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = router::route(&self.inner, request).await;
        tracing::debug!(%method, %path, status = response.status().as_u16(), "console request");
        response
    }
}

/// Returns whether the console serves `path`: `/` and everything under `/console/`.
fn is_console_path(path: &str) -> bool {
    path == "/" || path == "/console" || path.starts_with("/console/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_paths() {
        assert!(is_console_path("/"));
        assert!(is_console_path("/console/accounts"));
        assert!(!is_console_path("/admin/v1/accounts"));
        assert!(!is_console_path("/health"));
        assert!(!is_console_path("/consoles"));
    }
}
