//! `/metrics`: the S3 endpoint's request metrics, the admin endpoint's own, and the used
//! bytes and capacity of every account, in the OpenMetrics text format that Prometheus reads.

use oss_s3::S3Metrics;
use oss_store::Store;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

use crate::error::{About, AdminError, ErrorCode};

/// The content type of the encoded metrics.
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Accounts read per store call while gathering per-account gauges.
const ACCOUNT_BATCH: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AdminRequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AccountLabels {
    account: String,
    name: String,
}

/// The metrics of the process; clones share them.
#[derive(Debug, Clone)]
pub struct Metrics {
    s3: S3Metrics,
    admin_requests: Family<AdminRequestLabels, Counter>,
}

impl Metrics {
    /// Creates the metrics around the S3 endpoint's.
    pub fn new(s3: S3Metrics) -> Metrics {
        Metrics {
            s3,
            admin_requests: Family::default(),
        }
    }

    /// Counts one admin request.
    pub(crate) fn record_admin_request(&self, route: &'static str, status: u16) {
        self.admin_requests
            .get_or_create(&AdminRequestLabels { route, status })
            .inc();
    }

    /// Encodes every metric; reads the accounts from the store, so it blocks.
    pub(crate) fn encode(&self, store: &Store) -> Result<String, AdminError> {
        let mut registry = Registry::default();
        self.s3.register(&mut registry);
        registry.register(
            "oss_admin_requests",
            "Admin API requests by route and HTTP status",
            self.admin_requests.clone(),
        );

        let used: Family<AccountLabels, Gauge> = Family::default();
        let capacity: Family<AccountLabels, Gauge> = Family::default();
        let mut after: Option<String> = None;
        loop {
            let accounts = store
                .list_accounts(after.as_deref(), ACCOUNT_BATCH)
                .map_err(|error| About::default().error(error))?;
            for account in &accounts {
                // An account deleted since the listing has no usage any more.
                let usage = match store.usage(&account.id) {
                    Ok(usage) => usage,
                    Err(oss_store::StoreError::NoSuchAccount) => continue,
                    Err(error) => return Err(About::account(&account.id).error(error)),
                };
                let labels = AccountLabels {
                    account: account.id.clone(),
                    name: account.name.clone(),
                };
                used.get_or_create(&labels)
                    .set(gauge_value(usage.used_bytes));
                capacity
                    .get_or_create(&labels)
                    .set(gauge_value(usage.capacity_bytes));
            }
            if accounts.len() < ACCOUNT_BATCH {
                break;
            }
            after = accounts.last().map(|account| account.id.clone());
        }
        registry.register_with_unit(
            "oss_account_used",
            "Bytes of stored objects and uploaded parts, by account",
            Unit::Bytes,
            used,
        );
        registry.register_with_unit(
            "oss_account_capacity",
            "Capacity, by account",
            Unit::Bytes,
            capacity,
        );

        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).map_err(|error| {
            AdminError::new(
                ErrorCode::InternalError,
                format!("failed to encode metrics: {error}"),
            )
        })?;
        Ok(text)
    }
}

fn gauge_value(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}
