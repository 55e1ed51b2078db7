//! A JSON client for the admin endpoint that authenticates with the operator token or signs
//! with AWS's `aws-sigv4` crate, so that a bug in our signer cannot hide behind the same bug
//! in the client.

mod api;
mod cli;
mod grants;
mod metrics;

use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningParams,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::server::Server;

/// Upper bound for one request, so that a hung server fails the test instead of stalling it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// SigV4 by a key pair, for a region and service.
    SigV4 {
        access_key: String,
        secret_key: String,
        region: String,
        service: String,
        /// Whether to send `x-amz-content-sha256`; without it the server hashes the body.
        payload_header: bool,
    },
}

impl Auth {
    /// SigV4 with service name `admin`.
    pub fn sigv4(access_key: &str, secret_key: &str, region: &str) -> Auth {
        Auth::SigV4 {
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            region: region.to_owned(),
            service: "admin".to_owned(),
            payload_header: true,
        }
    }
}

/// A response with its body read in full.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl Reply {
    /// Returns the body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("invalid JSON ({error}) in {self:?}"))
    }

    /// Returns the body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts the status and returns the JSON body, if any.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text());
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an error's status and code, and that its message names `named`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str, named: &str) {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text());
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "code in {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(named),
            "message {message:?} does not name {named:?}"
        );
    }
}

/// A client of one server's admin endpoint.
#[derive(Clone)]
pub struct AdminClient {
    http: Client<HttpConnector, Full<Bytes>>,
    base: String,
    auth: Auth,
}

impl AdminClient {
    /// Creates a client of `server` authenticated as the operator.
    pub fn operator(server: &Server) -> AdminClient {
        let token = std::fs::read_to_string(server.data_dir().join("admin.token"))
            .expect("read admin.token");
        AdminClient::with_auth(server, Auth::Bearer(token.trim().to_owned()))
    }

    /// Creates a client of `server` with `auth`.
    pub fn with_auth(server: &Server, auth: Auth) -> AdminClient {
        AdminClient {
            http: Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{}", server.admin_addr()),
            auth,
        }
    }

    /// Returns a client of the same server with other credentials.
    pub fn as_auth(&self, auth: Auth) -> AdminClient {
        AdminClient {
            auth,
            ..self.clone()
        }
    }

    /// Returns a client signing with a key pair for `region`.
    pub fn as_key(&self, access_key: &str, secret_key: &str, region: &str) -> AdminClient {
        self.as_auth(Auth::sigv4(access_key, secret_key, region))
    }

    /// Sends a request with a JSON body or none; `path_and_query` is already encoded.
    pub async fn send(&self, method: Method, path_and_query: &str, body: Option<Value>) -> Reply {
        let body = body.map_or_else(Vec::new, |value| value.to_string().into_bytes());
        self.send_raw(method, path_and_query, body, &[]).await
    }

    /// Sends a request with raw body bytes and extra headers, signed as configured.
    pub async fn send_raw(
        &self,
        method: Method,
        path_and_query: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path_and_query}", self.base);
        let mut builder = Request::builder().method(method.clone()).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if !body.is_empty() {
            builder = builder.header("content-type", "application/json");
        }
        let mut request = builder
            .body(Full::new(Bytes::from(body.clone())))
            .expect("valid request");
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(token) => {
                request.headers_mut().insert(
                    "authorization",
                    format!("Bearer {token}").parse().expect("header value"),
                );
            }
            Auth::SigV4 {
                access_key,
                secret_key,
                region,
                service,
                payload_header,
            } => sign_request(
                &mut request,
                &body,
                (access_key, secret_key),
                (region, service),
                *payload_header,
            ),
        }
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .unwrap_or_else(|_| panic!("{method} {url} timed out"))
            .unwrap_or_else(|error| panic!("{method} {url} failed: {error}"));
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("read body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates an account and returns its creation reply (id, region and master key pair).
    pub async fn create_account(&self, name: &str, region: &str, capacity_gb: u64) -> Value {
        let body = json!({
            "name": name, "region": region, "capacity_gb": capacity_gb,
            "billing": "pay-as-you-go",
        });
        self.post("/admin/v1/accounts", body).await.expect(201)
    }

    /// Returns the id of the account named `name`.
    pub async fn account_id(&self, name: &str) -> String {
        let list = self.get("/admin/v1/accounts").await.expect(200);
        list["accounts"]
            .as_array()
            .expect("accounts array")
            .iter()
            .find(|account| account["name"] == name)
            .and_then(|account| account["id"].as_str())
            .unwrap_or_else(|| panic!("no account named {name} in {list}"))
            .to_owned()
    }

    /// Polls GET `path` until it returns `status`, for background work; panics after 60 s.
    pub async fn wait_for_status(&self, path: &str, status: u16) -> Reply {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let reply = self.get(path).await;
            if reply.status.as_u16() == status {
                return reply;
            }
            assert!(
                Instant::now() < deadline,
                "GET {path} still answers {} after 60 s: {}",
                reply.status,
                reply.text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Signs `request` in place with `aws-sigv4`, hashing `body`.
fn sign_request(
    request: &mut Request<Full<Bytes>>,
    body: &[u8],
    (access_key, secret_key): (&str, &str),
    (region, service): (&str, &str),
    payload_header: bool,
) {
    // Sign as S3 clients do: the path as sent, encoded once and never normalised.
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.payload_checksum_kind = match payload_header {
        true => PayloadChecksumKind::XAmzSha256,
        false => PayloadChecksumKind::NoHeader,
    };
    let identity: Identity =
        AwsCredentials::new(access_key, secret_key, None, None, "admin-tests").into();
    let params: SigningParams<'_> = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .expect("signing params")
        .into();

    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().expect("ASCII header").to_owned(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        &uri,
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .expect("signable request");

    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    instructions.apply_to_request_http1x(request);
}
