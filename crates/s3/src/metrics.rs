//! Request metrics of the S3 endpoint, in a prometheus-client registry that the admin
//! endpoint encodes at `/metrics`.

use std::time::Duration;

use http::{Method, Response};
use http_body::Body as _;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::ResponseBody;
use crate::context::RequestContext;

/// Labels of a request counter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    operation: &'static str,
    status: u16,
}

/// Labels of the per-operation histograms and byte counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

type HistogramFamily = Family<OperationLabels, Histogram, fn() -> Histogram>;

/// Latency buckets: 1 ms doubling to about 33 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Counters and histograms of S3 requests; clones share them.
#[derive(Debug, Clone)]
pub struct S3Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    received: Family<OperationLabels, Counter>,
    sent: Family<OperationLabels, Counter>,
}

impl Default for S3Metrics {
    fn default() -> Self {
        S3Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            received: Family::default(),
            sent: Family::default(),
        }
    }
}

impl S3Metrics {
    /// Adds the metrics to `registry`, which then reads the live values at each encoding.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "oss_s3_requests",
            "S3 requests by operation and HTTP status",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "oss_s3_request_duration",
            "Time from receiving an S3 request to its response headers, by operation",
            Unit::Seconds,
            self.latency.clone(),
        );
        registry.register_with_unit(
            "oss_s3_received",
            "Request body bytes by S3 operation, as declared by Content-Length",
            Unit::Bytes,
            self.received.clone(),
        );
        registry.register_with_unit(
            "oss_s3_sent",
            "Response body bytes by S3 operation, as declared by the response length",
            Unit::Bytes,
            self.sent.clone(),
        );
    }

    /// Records one finished request.
    pub(crate) fn record(
        &self,
        context: &RequestContext,
        response: &Response<ResponseBody>,
        elapsed: Duration,
    ) {
        let operation = context.operation.name();
        let status = response.status().as_u16();
        self.requests
            .get_or_create(&RequestLabels { operation, status })
            .inc();
        let labels = OperationLabels { operation };
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        let received = context
            .header("content-length")
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0);
        self.received.get_or_create(&labels).inc_by(received);
        self.sent
            .get_or_create(&labels)
            .inc_by(response_length(context, response));
    }
}

/// Body bytes of a response: the exact size of a buffered body, else its Content-Length.
/// NOTE: a streamed GET that fails midway is counted at its full length.
fn response_length(context: &RequestContext, response: &Response<ResponseBody>) -> u64 {
    if context.method == Method::HEAD {
        return 0;
    }
    response.body().size_hint().exact().unwrap_or_else(|| {
        response
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .unwrap_or(0)
    })
}
