//! The S3 endpoint: a hyper service that routes S3 requests, authenticates them with SigV4,
//! authorizes them against the account model and runs them on the storage engine.
//!
//! Each handler module covers one family of S3 operations, named as AWS names them.

mod auth;
mod body;
mod context;
mod error;
mod handlers;
mod ingest;
mod metrics;
mod query;
mod router;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use oss_store::Store;

pub use body::ResponseBody;
pub use metrics::S3Metrics;
pub use router::{Operation, Permission};

/// Settings of the S3 endpoint that handlers need.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Domain for virtual-hosted-style addressing (`bucket.<suffix>`); None: path-style only.
    pub virtual_host_suffix: Option<String>,
    /// Maximum size of a single PutObject or UploadPart body, in bytes.
    pub max_object_size: u64,
}

impl Default for S3Config {
    fn default() -> Self {
        S3Config {
            virtual_host_suffix: None,
            max_object_size: 5 << 30,
        }
    }
}

/// The S3 service shared by all connections.
#[derive(Clone)]
pub struct S3Service {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: S3Config,
    metrics: S3Metrics,
}

impl S3Service {
    /// Creates the service over `store`.
    pub fn new(store: Store, config: S3Config) -> S3Service {
        S3Service {
            inner: Arc::new(Inner {
                store,
                config,
                metrics: S3Metrics::default(),
            }),
        }
    }

    /// Returns the request metrics, for the admin endpoint to encode.
    pub fn metrics(&self) -> &S3Metrics {
        &self.inner.metrics
    }

    /// Handles one request and always returns a response: failures become S3 error documents.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let request = request.map(body::RequestBody::new);
        let (mut context, request_body) = context::RequestContext::new(request, &self.inner.config);
        let received = request_body.received();
        let request_id = context.request_id.clone();

        let result = match context.route_error.take() {
            Some(error) => Err(error),
            None => {
                handlers::dispatch(
                    &self.inner.store,
                    &self.inner.config,
                    &mut context,
                    request_body,
                )
                .await
            }
        };
        let failed = result.is_err();
        let mut response = match result {
            Ok(response) => response,
            Err(error) => error::error_response(&context, error),
        };
        if context.operation != Operation::CorsPreflight {
            handlers::cors::add_response_headers(&self.inner.store, &context, &mut response).await;
        }

        let headers = response.headers_mut();
        if must_close(&context, failed) {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert("x-amz-request-id", value);
        }
        headers.insert(http::header::SERVER, HeaderValue::from_static("oss"));
        self.inner
            .metrics
            .record(&context, &response, started.elapsed());
        self.meter(&context, &mut response, received);
        tracing::debug!(
            request_id = %request_id,
            operation = context.operation.name(),
            method = %context.method,
            bucket = context.bucket.as_deref().unwrap_or(""),
            key = context.key.as_deref().unwrap_or(""),
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request"
        );
        response
    }
}

impl S3Service {
    /// Counts an authenticated request in its account's usage meter once its response body
    /// is done, with the request body bytes read and the response body bytes sent.
    fn meter(
        &self,
        context: &context::RequestContext,
        response: &mut Response<ResponseBody>,
        received: Arc<AtomicU64>,
    ) {
        let Some(principal) = &context.principal else {
            return;
        };
        let store = self.inner.store.clone();
        let account_id = principal.account.id.clone();
        let class = context.operation.request_class();
        let hook: body::MeterHook = Box::new(move |bytes_in, bytes_out| {
            store.record_request(&account_id, class, bytes_in, bytes_out);
        });
        let inner = std::mem::replace(response.body_mut(), body::empty());
        *response.body_mut() = body::metered(inner, received, hook);
    }
}

/// Whether the connection must close after this response, because its state is unclear.
///
/// An error may be sent before the request body was read. The client may then still send
/// that body (for example after waiting for `100 Continue`), and the bytes would be taken as
/// the next request. An empty body with `Expect: 100-continue` gets no `100 Continue` from
/// hyper, and botocore then stalls on the next request of that connection.
fn must_close(context: &context::RequestContext, failed: bool) -> bool {
    let declares_body = context
        .headers
        .contains_key(http::header::TRANSFER_ENCODING)
        || context
            .header("content-length")
            .is_some_and(|length| length.trim() != "0");
    let expects_continue = context
        .header("expect")
        .is_some_and(|value| value.eq_ignore_ascii_case("100-continue"));
    (failed && declares_body) || (expects_continue && !declares_body)
}
