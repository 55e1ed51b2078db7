//! The admin endpoint. It serves `/health` for liveness checks.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode, header};
use oss_store::Store;

/// The admin endpoint's service.
#[derive(Clone)]
pub(crate) struct AdminService {
    #[allow(
        dead_code,
        reason = "the admin API handlers will read accounts from it"
    )]
    store: Store,
}

impl AdminService {
    /// Creates the service over `store`.
    pub(crate) fn new(store: Store) -> AdminService {
        AdminService { store }
    }

    /// Handles one admin request.
    pub(crate) async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>> {
        match (request.method(), request.uri().path()) {
            (&Method::GET, "/health") => json(StatusCode::OK, r#"{"status":"ok"}"#.to_owned()),
            // TODO: the JSON admin API under /admin/v1, /metrics and the web console.
            _ => json(
                StatusCode::NOT_FOUND,
                r#"{"error":{"code":"NotFound","message":"No such admin endpoint."}}"#.to_owned(),
            ),
        }
    }
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
