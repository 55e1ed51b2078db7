//! A small HTTP client that signs with AWS's `aws-sigv4` crate instead of our own signer, and
//! can also send what SDKs will not: wrong keys, skewed clocks, tampered bodies, other schemes.

mod auth;
mod conditional;
mod protocol;
pub mod streaming;

use std::convert::Infallible;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningParams, SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use quick_xml::Reader;
use quick_xml::events::Event;
use sha2::{Digest, Sha256};

use crate::server::{Credentials, Server};

/// Upper bound for one request, so that a hung server fails the test instead of stalling it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Characters left alone when a key becomes a URI path: RFC 3986 unreserved, plus `/`.
const KEY_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The request body type of the raw client.
pub type Body = BoxBody<Bytes, Infallible>;

/// Percent-encodes an object key for a path-style URI, keeping `/` as the separator.
pub fn encode_key(key: &str) -> String {
    key.split('/')
        .map(|part| utf8_percent_encode(part, KEY_PATH).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Percent-encodes a query parameter value.
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, KEY_PATH).to_string()
}

/// Returns the lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Returns the text of every element matching `path`, in document order, with entities decoded.
///
/// `path` is an element name such as `Key`, or a chain such as `CommonPrefixes/Prefix` that
/// must match the innermost elements of the element stack.
pub fn xml_values(xml: &str, path: &str) -> Vec<String> {
    let wanted: Vec<&[u8]> = path.split('/').map(str::as_bytes).collect();
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut values = Vec::new();
    let mut current: Option<String> = None;
    let matches = |stack: &[Vec<u8>]| {
        stack.len() >= wanted.len()
            && stack[stack.len() - wanted.len()..]
                .iter()
                .zip(&wanted)
                .all(|(a, b)| a == b)
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                stack.push(start.local_name().as_ref().to_vec());
                if matches(&stack) {
                    current = Some(String::new());
                }
            }
            Ok(Event::Empty(empty)) => {
                stack.push(empty.local_name().as_ref().to_vec());
                if matches(&stack) {
                    values.push(String::new());
                }
                stack.pop();
            }
            Ok(Event::Text(text)) => {
                if let Some(value) = current.as_mut() {
                    value.push_str(&text.unescape().expect("valid XML entity"));
                }
            }
            Ok(Event::End(_)) => {
                if matches(&stack) {
                    values.extend(current.take());
                }
                stack.pop();
            }
            Ok(Event::Eof) => return values,
            Ok(_) => {}
            Err(error) => panic!("invalid XML ({error}): {xml}"),
        }
    }
}

/// A response with its body read in full.
#[derive(Debug)]
pub struct RawResponse {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl RawResponse {
    /// Returns the body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }

    /// Returns the text of the first element matching `path` in the XML body, as [`xml_values`].
    pub fn xml(&self, path: &str) -> Option<String> {
        xml_values(&self.text(), path).into_iter().next()
    }

    /// Returns a header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("ASCII header"))
    }

    /// Asserts the status and the S3 error `Code`, and that the request id header is present.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "status of {self:?}");
        assert_eq!(
            self.xml("Code").as_deref(),
            Some(code),
            "error code in {:?}",
            self.text()
        );
        assert!(
            self.header("x-amz-request-id").is_some(),
            "no x-amz-request-id in {self:?}"
        );
    }

    /// Asserts a 2xx status.
    #[track_caller]
    pub fn assert_success(&self) {
        assert!(self.status.is_success(), "expected success, got {self:?}");
    }
}

/// How the request body is sent.
enum Transfer {
    /// With `Content-Length`.
    Sized,
    /// With `Transfer-Encoding: chunked` and no length.
    Chunked,
}

/// How the payload hash in the signature is formed.
enum Payload {
    /// SHA-256 of the body actually sent.
    Body,
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// SHA-256 of other bytes, to tamper with the body after signing.
    Of(Vec<u8>),
    /// This `x-amz-content-sha256` value, such as `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`.
    Declared(String),
}

/// How the request is authenticated.
enum Auth {
    /// No credentials at all.
    Anonymous,
    /// A SigV4 `Authorization` header.
    Header,
    /// SigV4 query parameters valid for the given time.
    Presigned(Duration),
}

/// A client for one server's S3 endpoint.
pub struct RawClient {
    http: Client<HttpConnector, Body>,
    endpoint: String,
    credentials: Credentials,
}

impl RawClient {
    /// Creates a client for `server`'s S3 endpoint with its `default` account.
    pub fn new(server: &Server) -> RawClient {
        RawClient {
            http: Client::builder(TokioExecutor::new()).build_http(),
            endpoint: server.endpoint(),
            credentials: server.credentials().clone(),
        }
    }

    /// Starts a request. `path_and_query` must be percent-encoded already, like `/b/k?x=1`.
    pub fn request(&self, method: Method, path_and_query: &str) -> RawRequest<'_> {
        RawRequest {
            client: self,
            method,
            url: format!("{}{path_and_query}", self.endpoint),
            headers: Vec::new(),
            body: Bytes::new(),
            transfer: Transfer::Sized,
            payload: Payload::Body,
            auth: Auth::Header,
            time: SystemTime::now(),
            region: self.credentials.region.clone(),
            access_key: self.credentials.access_key.clone(),
            secret_key: self.credentials.secret_key.clone(),
        }
    }

    /// Starts a signed GET.
    pub fn get(&self, path_and_query: &str) -> RawRequest<'_> {
        self.request(Method::GET, path_and_query)
    }

    /// Starts a signed PUT with `body`.
    pub fn put(&self, path_and_query: &str, body: impl Into<Bytes>) -> RawRequest<'_> {
        self.request(Method::PUT, path_and_query).body(body)
    }

    /// Sends a request built by [`RawRequest::build`], and panics on a transport error or time-out.
    pub async fn send_built(&self, request: Request<Body>) -> RawResponse {
        let description = format!("{} {}", request.method(), request.uri());
        let response = self.try_send_built(request).await;
        response.unwrap_or_else(|error| panic!("{description} failed: {error:#}"))
    }

    async fn try_send_built(&self, request: Request<Body>) -> anyhow::Result<RawResponse> {
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request)).await??;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(RawResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Creates `bucket` and asserts success.
    pub async fn create_bucket(&self, bucket: &str) {
        self.put(&format!("/{bucket}"), Bytes::new())
            .send()
            .await
            .assert_success();
    }
}

/// A request being built; [`send`](Self::send) signs it as configured.
pub struct RawRequest<'a> {
    client: &'a RawClient,
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    transfer: Transfer,
    payload: Payload,
    auth: Auth,
    time: SystemTime,
    region: String,
    access_key: String,
    secret_key: String,
}

impl RawRequest<'_> {
    /// Adds a header, which is also signed.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the body chunked, without `Content-Length`.
    pub fn chunked(mut self) -> Self {
        self.transfer = Transfer::Chunked;
        self
    }

    /// Signs `UNSIGNED-PAYLOAD` instead of the body hash.
    pub fn unsigned_payload(mut self) -> Self {
        self.payload = Payload::Unsigned;
        self
    }

    /// Signs the hash of `other` while sending the real body.
    pub fn payload_hash_of(mut self, other: &[u8]) -> Self {
        self.payload = Payload::Of(other.to_vec());
        self
    }

    /// Signs `value` as `x-amz-content-sha256`, as streaming uploads do.
    pub fn content_sha256(mut self, value: &str) -> Self {
        self.payload = Payload::Declared(value.to_owned());
        self
    }

    /// Sends no credentials.
    pub fn anonymous(mut self) -> Self {
        self.auth = Auth::Anonymous;
        self
    }

    /// Signs in the query string, valid for `expires_in` from the signing time.
    pub fn presigned(mut self, expires_in: Duration) -> Self {
        self.auth = Auth::Presigned(expires_in);
        self
    }

    /// Signs as of `time` instead of now.
    pub fn time(mut self, time: SystemTime) -> Self {
        self.time = time;
        self
    }

    /// Signs for `region` instead of the account's region.
    pub fn region(mut self, region: &str) -> Self {
        self.region = region.to_owned();
        self
    }

    /// Signs with another access key id.
    pub fn access_key(mut self, access_key: &str) -> Self {
        self.access_key = access_key.to_owned();
        self
    }

    /// Signs with another secret key.
    pub fn secret_key(mut self, secret_key: &str) -> Self {
        self.secret_key = secret_key.to_owned();
        self
    }

    /// Signs, sends and reads the whole response, and panics on a transport error or time-out.
    pub async fn send(self) -> RawResponse {
        let description = format!("{} {}", self.method, self.url);
        self.try_send()
            .await
            .unwrap_or_else(|error| panic!("{description} failed: {error:#}"))
    }

    /// Signs and sends, and returns a transport error instead of panicking on it.
    pub async fn try_send(self) -> anyhow::Result<RawResponse> {
        let client = self.client;
        client.try_send_built(self.build()).await
    }

    /// Builds and signs the request without sending it, so that a test can alter it.
    pub fn build(self) -> Request<Body> {
        self.build_signed().0
    }

    /// Builds and signs the request; returns it with the signature, which seeds the chunk
    /// signatures of a streaming body.
    pub fn build_signed(self) -> (Request<Body>, Signing) {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        // hyper sends no Content-Length for an empty body, but S3 clients send
        // `Content-Length: 0` on an empty PUT or POST, and S3 rejects such a request without one.
        let sends_empty_body = matches!(self.method, Method::PUT | Method::POST);
        if matches!(self.transfer, Transfer::Sized) && (sends_empty_body || !self.body.is_empty()) {
            request = request.header("content-length", self.body.len());
        }
        let body = match self.transfer {
            Transfer::Sized => Full::new(self.body.clone()).boxed(),
            Transfer::Chunked => {
                let frames = vec![Ok::<_, Infallible>(Frame::data(self.body.clone()))];
                StreamBody::new(futures::stream::iter(frames)).boxed()
            }
        };
        let mut request = request.body(body).expect("valid request");
        let signature = self.sign_into(&mut request);
        let signing = Signing {
            signature,
            time: self.time,
            region: self.region.clone(),
            secret_key: self.secret_key.clone(),
        };
        (request, signing)
    }

    fn sign_into(&self, request: &mut Request<Body>) -> String {
        let expires_in = match self.auth {
            Auth::Anonymous => return String::new(),
            Auth::Header => None,
            Auth::Presigned(expires_in) => Some(expires_in),
        };
        let payload_hash = match &self.payload {
            Payload::Body => sha256_hex(&self.body),
            Payload::Of(other) => sha256_hex(other),
            Payload::Declared(value) => value.clone(),
            Payload::Unsigned => String::new(),
        };
        let signable_body = match (&self.payload, expires_in) {
            (Payload::Unsigned, _) | (_, Some(_)) => SignableBody::UnsignedPayload,
            _ => SignableBody::Precomputed(payload_hash),
        };

        // S3 signs the path as sent: single percent-encoding and no dot-segment removal.
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        if let Some(expires_in) = expires_in {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires_in);
            settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        }

        let identity: Identity =
            AwsCredentials::new(&self.access_key, &self.secret_key, None, None, "raw-client")
                .into();
        let params: SigningParams<'_> = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(self.time)
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let signable =
            SignableRequest::new(self.method.as_str(), &self.url, headers, signable_body)
                .expect("signable request");
        let (instructions, signature) = sign(signable, &params).expect("sign").into_parts();
        instructions.apply_to_request_http1x(request);
        signature
    }
}

/// What a signed request was signed with, for signing the chunks of its body.
pub struct Signing {
    /// The request's signature, the seed of the chunk signatures.
    pub signature: String,
    /// The signing time.
    pub time: SystemTime,
    /// The signing region.
    pub region: String,
    /// The secret key.
    pub secret_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_key_keeps_slashes() {
        assert_eq!(encode_key("a b/c+d/é"), "a%20b/c%2Bd/%C3%A9");
    }

    #[test]
    fn xml_values_decode_entities() {
        let xml = "<R><Key>a&amp;b</Key><Key>c</Key><Key/></R>";
        assert_eq!(xml_values(xml, "Key"), vec!["a&b", "c", ""]);
    }

    #[test]
    fn xml_values_match_parent() {
        let xml =
            "<R><Prefix>p/</Prefix><CommonPrefixes><Prefix>p/a/</Prefix></CommonPrefixes></R>";
        assert_eq!(xml_values(xml, "CommonPrefixes/Prefix"), vec!["p/a/"]);
        assert_eq!(xml_values(xml, "R/Prefix"), vec!["p/"]);
    }
}
