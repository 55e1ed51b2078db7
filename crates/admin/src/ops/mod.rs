//! The admin operations, independent of how they are reached: each takes the authenticated
//! [`Principal`] and typed input, checks who may do it, runs it on the store and returns typed
//! output or an [`AdminError`]. The JSON API calls them, and so can a web console.

mod accounts;
mod authz;
mod buckets;
mod grants;
mod jobs;
mod keys;
mod page;
mod usage;
mod users;

use std::sync::Arc;

use oss_store::{Store, StoreError};

pub use buckets::BucketDeletion;
pub use page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest};
pub use usage::{MAX_USAGE_HOURS, UsageRange};

use crate::error::{AdminError, ErrorCode};
use jobs::Jobs;

/// Smallest capacity an account may have, in GB.
pub const MIN_CAPACITY_GB: u64 = 50;
/// Largest capacity an account may have, in GB.
pub const MAX_CAPACITY_GB: u64 = 4096;
/// The billing models offered.
pub const BILLING_MODELS: &[&str] = &["pay-as-you-go"];

/// Settings the operations need beyond the store.
#[derive(Debug, Clone)]
pub struct AdminConfig {
    /// Regions accounts may be created in.
    pub regions: Vec<String>,
    /// URL of the S3 endpoint, shown in an account's access information.
    pub s3_endpoint: String,
    /// Domain of virtual-hosted-style addresses; None when only path-style is served.
    pub virtual_host_suffix: Option<String>,
}

/// The admin operations over one store; clones share it.
#[derive(Clone)]
pub struct Admin {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: AdminConfig,
    jobs: Jobs,
}

impl Admin {
    /// Creates the operations over `store`.
    pub fn new(store: Store, config: AdminConfig) -> Admin {
        Admin {
            inner: Arc::new(Inner {
                store,
                config,
                jobs: Jobs::default(),
            }),
        }
    }

    /// Returns the store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    fn config(&self) -> &AdminConfig {
        &self.inner.config
    }

    /// Runs blocking store work on a blocking thread and maps its error with `map_error`.
    async fn blocking<T, F>(
        &self,
        work: F,
        map_error: impl FnOnce(StoreError) -> AdminError,
    ) -> Result<T, AdminError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.inner.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|error| {
                AdminError::new(
                    ErrorCode::InternalError,
                    format!("store task failed: {error}"),
                )
            })?
            .map_err(map_error)
    }
}
