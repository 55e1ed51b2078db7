//! The JSON front end of the admin operations: routing, body limits, authentication, and the
//! rendering of replies and errors.

mod handlers;
pub(crate) mod openapi;
pub(crate) mod routes;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use percent_encoding::percent_decode_str;

use crate::error::{AdminError, ErrorCode};
use crate::metrics::{METRICS_CONTENT_TYPE, Metrics};
use crate::ops::Admin;
use crate::principal::{Authenticator, Principal, RequestCredentials};
use handlers::{Call, Reply};
use routes::{Matched, RouteId};

/// Largest request body the admin API reads; its bodies are small JSON objects.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Header that names the region to sign for, sent with a 401 for a request signed for
/// another region.
pub const REGION_HINT_HEADER: &str = "x-oss-region";

/// The admin endpoint's service: the JSON API, `/health`, `/metrics` and the OpenAPI document.
#[derive(Clone)]
pub struct AdminService {
    admin: Admin,
    auth: Authenticator,
    metrics: Metrics,
}

impl AdminService {
    /// Creates the service over the operations, an authenticator and the metrics.
    pub fn new(admin: Admin, auth: Authenticator, metrics: Metrics) -> AdminService {
        AdminService {
            admin,
            auth,
            metrics,
        }
    }

    /// Returns the operations, for other front ends on the same endpoint.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Returns the authenticator, for other front ends on the same endpoint.
    pub fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// Handles one request and always returns a response: failures become JSON errors.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let (route, response) = match routes::find(&method, &path) {
            Matched::Route(route, params) => {
                let result = self.serve(route, &params, request).await;
                (
                    route.name(),
                    result.unwrap_or_else(|error| error_response(&error)),
                )
            }
            Matched::WrongMethod(allowed) => {
                let allowed: Vec<&str> = allowed.iter().map(Method::as_str).collect();
                let error = AdminError::new(
                    ErrorCode::MethodNotAllowed,
                    format!(
                        "{path} does not take {method}; it takes {}",
                        allowed.join(", ")
                    ),
                );
                let mut response = error_response(&error);
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
                ("unknown", response)
            }
            Matched::NoPath => {
                let error =
                    AdminError::new(ErrorCode::NotFound, format!("no admin endpoint at {path}"));
                ("unknown", error_response(&error))
            }
        };
        let status = response.status().as_u16();
        self.metrics.record_admin_request(route, status);
        tracing::debug!(%method, %path, route, status, "admin request");
        response
    }

    async fn serve<B>(
        &self,
        route: RouteId,
        params: &[String],
        request: Request<B>,
    ) -> Result<Response<Full<Bytes>>, AdminError>
    where
        B: http_body::Body<Data = Bytes>,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if route.is_public() {
            let reply = match route {
                RouteId::OpenApi => handlers::openapi(),
                _ => handlers::health(),
            };
            return Ok(reply_response(reply));
        }

        // Read the whole body first: SigV4 signs its hash.
        let (parts, body) = request.into_parts();
        let body = Limited::new(body, MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|error| {
                AdminError::invalid(format!(
                    "failed to read the request body (at most {MAX_BODY_BYTES} bytes): {error}"
                ))
            })?
            .to_bytes();

        let credentials = RequestCredentials {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: &body,
        };
        let who = self.auth.authenticate(&credentials).await?;
        if route == RouteId::Metrics {
            return self.metrics_response(&who).await;
        }

        let query = decode_query(parts.uri.query().unwrap_or(""));
        let call = Call {
            admin: &self.admin,
            who: &who,
            params,
            query: &query,
            body: &body,
        };
        let reply = dispatch(route, &call).await?;
        Ok(reply_response(reply))
    }

    async fn metrics_response(&self, who: &Principal) -> Result<Response<Full<Bytes>>, AdminError> {
        if !matches!(who, Principal::Operator) {
            return Err(AdminError::denied(format!(
                "{} may not read /metrics; only the operator may",
                who.describe()
            )));
        }
        let metrics = self.metrics.clone();
        let store = self.admin.store().clone();
        let text = tokio::task::spawn_blocking(move || metrics.encode(&store))
            .await
            .map_err(|error| AdminError::new(ErrorCode::InternalError, error.to_string()))??;
        let mut response = Response::new(Full::new(Bytes::from(text)));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(METRICS_CONTENT_TYPE),
        );
        Ok(response)
    }
}

async fn dispatch(route: RouteId, call: &Call<'_>) -> Result<Reply, AdminError> {
    match route {
        RouteId::CreateAccount => handlers::create_account(call).await,
        RouteId::ListAccounts => handlers::list_accounts(call).await,
        RouteId::GetAccount => handlers::get_account(call).await,
        RouteId::ReleaseAccount => handlers::release_account(call).await,
        RouteId::GetAccess => handlers::get_access(call).await,
        RouteId::ExpandCapacity => handlers::expand_capacity(call).await,
        RouteId::ShrinkCapacity => handlers::shrink_capacity(call).await,
        RouteId::ListUsers => handlers::list_users(call).await,
        RouteId::CreateUser => handlers::create_user(call).await,
        RouteId::DeleteUser => handlers::delete_user(call).await,
        RouteId::ListKeys => handlers::list_keys(call).await,
        RouteId::CreateKey => handlers::create_key(call).await,
        RouteId::DeleteKey => handlers::delete_key(call).await,
        RouteId::ListBuckets => handlers::list_buckets(call).await,
        RouteId::CreateBucket => handlers::create_bucket(call).await,
        RouteId::DeleteBucket => handlers::delete_bucket(call).await,
        RouteId::ListGrants => handlers::list_grants(call).await,
        RouteId::PutGrant => handlers::put_grant(call).await,
        RouteId::DeleteGrant => handlers::delete_grant(call).await,
        RouteId::GetUsage => handlers::get_usage(call).await,
        RouteId::OpenApi => Ok(handlers::openapi()),
        RouteId::Health => Ok(handlers::health()),
        // Served before dispatch, because its body is not JSON.
        RouteId::Metrics => Err(AdminError::new(
            ErrorCode::InternalError,
            "metrics route reached the JSON dispatcher",
        )),
    }
}

/// Splits a raw query into percent-decoded pairs. A `+` stays a `+`, so RFC 3339 offsets
/// such as `+08:00` survive unencoded.
fn decode_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
            (decode(name), decode(value))
        })
        .collect()
}

fn json_response(status: StatusCode, body: Option<String>) -> Response<Full<Bytes>> {
    let has_body = body.is_some();
    let mut response = Response::new(Full::new(Bytes::from(body.unwrap_or_default())));
    *response.status_mut() = status;
    if has_body {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    response
}

fn reply_response(reply: Reply) -> Response<Full<Bytes>> {
    json_response(reply.status, reply.body)
}

/// Renders an error as `{"error": {"code", "message"}}` with the code's status.
pub(crate) fn error_response(error: &AdminError) -> Response<Full<Bytes>> {
    let status = error.code().status();
    if status.is_server_error() {
        tracing::error!(
            code = error.code().as_str(),
            message = error.message(),
            "admin request failed"
        );
    }
    let body = serde_json::to_string(&error.body()).unwrap_or_default();
    let mut response = json_response(status, Some(body));
    if let Some(region) = error.region_hint()
        && let Ok(value) = HeaderValue::from_str(region)
    {
        response.headers_mut().insert(REGION_HINT_HEADER, value);
    }
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"oss-admin\""),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keeps_plus_and_decodes_percent() {
        let pairs = decode_query("from=2025-01-01T00:00:00+08:00&x=a%20b&flag");
        assert_eq!(pairs[0].1, "2025-01-01T00:00:00+08:00");
        assert_eq!(pairs[1], ("x".to_owned(), "a b".to_owned()));
        assert_eq!(pairs[2], ("flag".to_owned(), String::new()));
    }

    #[test]
    fn error_body_shape() {
        let error = AdminError::new(ErrorCode::NoSuchUser, "account \"a\" has no user \"b\"");
        let response = error_response(&error);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = serde_json::to_value(error.body()).unwrap();
        assert_eq!(body["error"]["code"], "NoSuchUser");
        assert_eq!(body["error"]["message"], "account \"a\" has no user \"b\"");
    }
}
