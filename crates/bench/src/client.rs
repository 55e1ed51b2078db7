//! A minimal S3 client over one keep-alive HTTP/1.1 connection, signing with SigV4.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use oss_sigv4::{RequestParts, SigningParams, sign_request};
use time::OffsetDateTime;
use tokio::net::TcpStream;

use crate::body::{Pattern, PatternBody};
use crate::credentials::Credentials;

/// How much of an error response body is kept for the report.
const ERROR_BODY_LIMIT: usize = 1024;

/// An `http://` endpoint on the loopback interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    authority: String,
}

impl Endpoint {
    /// Parses `http://HOST:PORT`, where HOST is a loopback address or `localhost`.
    ///
    /// Other hosts are rejected, so that a load run cannot reach a machine by mistake.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let uri: Uri = url
            .parse()
            .with_context(|| format!("invalid endpoint URL {url:?}"))?;
        if uri.scheme_str() != Some("http") {
            bail!("endpoint {url:?} must start with http://");
        }
        if uri
            .path_and_query()
            .is_some_and(|path| path.as_str() != "/")
        {
            bail!("endpoint {url:?} must not have a path, because requests are path-style");
        }
        let authority = uri.authority().context("the endpoint has no host")?;
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let is_loopback =
            host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !is_loopback {
            bail!("endpoint host {host:?} is not a loopback address such as 127.0.0.1");
        }
        Ok(Self {
            authority: authority.as_str().to_owned(),
        })
    }

    /// Returns `host:port`, the value of the `Host` header.
    pub fn authority(&self) -> &str {
        &self.authority
    }
}

/// The endpoint of a run and the keys that sign its requests.
#[derive(Debug, Clone)]
pub struct Target {
    /// The S3 endpoint.
    pub endpoint: Endpoint,
    /// The keys that sign every request.
    pub credentials: Credentials,
    /// The region in the credential scope.
    pub region: String,
}

/// The response to one request. The body is counted, and only an error body is partly kept.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// How many body bytes arrived; the body itself is not kept.
    pub body_len: u64,
    /// The start of the body of an unsuccessful response, for its S3 error code.
    pub error_body: String,
    /// The local address of the connection used, which identifies the connection.
    pub local_addr: SocketAddr,
}

impl Reply {
    /// Returns the `Content-Length` header as a number.
    pub fn content_length(&self) -> Option<u64> {
        let value = self.headers.get(http::header::CONTENT_LENGTH)?;
        value.to_str().ok()?.parse().ok()
    }

    /// Describes an unsuccessful reply: the status and the start of its body.
    pub fn describe(&self) -> String {
        let body = self.error_body.trim();
        if body.is_empty() {
            return format!("HTTP {}", self.status);
        }
        format!("HTTP {}: {body}", self.status)
    }
}

/// An open HTTP/1.1 connection and its local address.
struct Connection {
    sender: SendRequest<PatternBody>,
    local_addr: SocketAddr,
}

/// An S3 client with a single keep-alive connection, so that one worker sends all its
/// requests over one connection.
///
/// It drives hyper's connection-level HTTP/1 API rather than a pooled client, because a pool
/// takes a connection back only once a spawned task finds it idle. A request sent straight
/// after the previous response can lose that race and open a new connection, and did so for
/// about one GET in ten on loopback with hyper-util 0.1's legacy client.
pub struct S3Client {
    target: Arc<Target>,
    pattern: Pattern,
    tcp_nodelay: bool,
    connection: Option<Connection>,
}

impl S3Client {
    /// Creates a client that connects on its first request. `tcp_nodelay` sets TCP_NODELAY.
    pub fn new(target: Arc<Target>, pattern: Pattern, tcp_nodelay: bool) -> Self {
        Self {
            target,
            pattern,
            tcp_nodelay,
            connection: None,
        }
    }

    /// Drops the connection, so that the next request opens a new one. Call it after a
    /// request was abandoned midway, such as on a timeout, because the connection may still
    /// be busy with it.
    pub fn disconnect(&mut self) {
        self.connection = None;
    }

    /// Sends CreateBucket without a location constraint, so the bucket gets the region of
    /// the account.
    pub async fn create_bucket(&mut self, bucket: &str) -> anyhow::Result<Reply> {
        self.send(Method::PUT, &format!("/{bucket}"), 0).await
    }

    /// Sends HeadBucket.
    pub async fn head_bucket(&mut self, bucket: &str) -> anyhow::Result<Reply> {
        self.send(Method::HEAD, &format!("/{bucket}"), 0).await
    }

    /// Sends HeadObject.
    pub async fn head_object(&mut self, bucket: &str, key: &str) -> anyhow::Result<Reply> {
        self.send(Method::HEAD, &format!("/{bucket}/{key}"), 0)
            .await
    }

    /// Sends PutObject with a generated body of `len` bytes.
    pub async fn put_object(&mut self, bucket: &str, key: &str, len: u64) -> anyhow::Result<Reply> {
        self.send(Method::PUT, &format!("/{bucket}/{key}"), len)
            .await
    }

    /// Sends GetObject and counts the body as it streams in.
    pub async fn get_object(&mut self, bucket: &str, key: &str) -> anyhow::Result<Reply> {
        self.send(Method::GET, &format!("/{bucket}/{key}"), 0).await
    }

    /// Signs and sends one request, then reads the whole response body.
    ///
    /// `path` must already be in its percent-encoded wire form. After a failure the
    /// connection is dropped, and the next request opens a new one.
    async fn send(&mut self, method: Method, path: &str, body_len: u64) -> anyhow::Result<Reply> {
        let request = self.signed_request(method, path, body_len)?;
        let connection = self.ready_connection().await?;
        let local_addr = connection.local_addr;
        let result = async {
            let response = connection.sender.send_request(request).await?;
            read_reply(response, local_addr).await
        }
        .await;
        if result.is_err() {
            self.connection = None;
        }
        result
    }

    /// Returns the open connection once it can take a request, first opening one if there is
    /// none or the server has closed it.
    async fn ready_connection(&mut self) -> anyhow::Result<&mut Connection> {
        if let Some(connection) = &mut self.connection
            && connection.sender.ready().await.is_err()
        {
            self.connection = None;
        }
        if self.connection.is_none() {
            self.connection = Some(self.connect().await?);
        }
        Ok(self
            .connection
            .as_mut()
            .expect("a connection was just stored"))
    }

    async fn connect(&self) -> anyhow::Result<Connection> {
        let authority = self.target.endpoint.authority();
        let stream = TcpStream::connect(authority)
            .await
            .with_context(|| format!("failed to connect to {authority}"))?;
        stream.set_nodelay(self.tcp_nodelay)?;
        let local_addr = stream.local_addr()?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        // The connection task ends when the server closes the connection or the sender is
        // dropped, so it needs no handle.
        tokio::spawn(connection);
        Ok(Connection { sender, local_addr })
    }

    fn signed_request(
        &self,
        method: Method,
        path: &str,
        body_len: u64,
    ) -> anyhow::Result<Request<PatternBody>> {
        let target = &*self.target;
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::HOST,
            HeaderValue::from_str(target.endpoint.authority())?,
        );

        let parts = RequestParts {
            method: method.as_str(),
            raw_path: path,
            raw_query: "",
            headers: &headers,
        };
        let params = SigningParams {
            access_key_id: &target.credentials.access_key_id,
            secret: &target.credentials.secret,
            region: &target.region,
            service: "s3",
            now: OffsetDateTime::now_utc(),
        };

        // The body is left out of the signature, so that a 1 GiB body need not be hashed
        // before it is sent.
        for (name, value) in sign_request(&parts, "UNSIGNED-PAYLOAD", &params) {
            headers.insert(
                http::HeaderName::try_from(name)?,
                HeaderValue::try_from(value)?,
            );
        }
        if method == Method::PUT {
            headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(body_len));
        }

        // Over a connection of our own, the request target is the path alone (origin form).
        let uri = path;
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .body(self.pattern.body(body_len))?;
        *request.headers_mut() = headers;
        Ok(request)
    }
}

/// Reads a response to its end, counting the body and keeping the start of an error body.
async fn read_reply(response: Response<Incoming>, local_addr: SocketAddr) -> anyhow::Result<Reply> {
    let (parts, mut body) = response.into_parts();
    let keep_error = !parts.status.is_success();
    let (mut received, mut error_body) = (0u64, Vec::new());
    while let Some(frame) = body.frame().await {
        let frame = frame.context("failed to read the response body")?;
        if let Some(data) = frame.data_ref() {
            received += data.len() as u64;
            if keep_error && error_body.len() < ERROR_BODY_LIMIT {
                keep_prefix(&mut error_body, data);
            }
        }
    }
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body_len: received,
        error_body: String::from_utf8_lossy(&error_body).into_owned(),
        local_addr,
    })
}

/// Appends the start of `data` to `prefix`, up to [`ERROR_BODY_LIMIT`] bytes in all.
fn keep_prefix(prefix: &mut Vec<u8>, data: &Bytes) {
    let room = ERROR_BODY_LIMIT - prefix.len();
    prefix.extend_from_slice(&data[..data.len().min(room)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_ipv4_loopback() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!(endpoint.authority(), "127.0.0.1:9000");
    }

    #[test]
    fn endpoint_trailing_slash() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000/").unwrap();
        assert_eq!(endpoint.authority(), "127.0.0.1:9000");
    }

    #[test]
    fn endpoint_ipv6_and_localhost() {
        assert!(Endpoint::parse("http://[::1]:9000").is_ok());
        assert!(Endpoint::parse("http://localhost:9000").is_ok());
        assert!(Endpoint::parse("http://127.1.2.3:80").is_ok());
    }

    #[test]
    fn endpoint_remote_host_rejected() {
        for url in [
            "http://10.0.0.1:9000",
            "http://example.com",
            "http://0.0.0.0:9000",
        ] {
            let error = Endpoint::parse(url).unwrap_err();
            assert!(error.to_string().contains("loopback"), "{url}: {error}");
        }
    }

    #[test]
    fn endpoint_https_rejected() {
        let error = Endpoint::parse("https://127.0.0.1:9000").unwrap_err();
        assert!(error.to_string().contains("http://"), "{error}");
    }

    #[test]
    fn endpoint_path_rejected() {
        let error = Endpoint::parse("http://127.0.0.1:9000/bucket").unwrap_err();
        assert!(error.to_string().contains("path"), "{error}");
    }

    #[test]
    fn keep_prefix_stops_at_limit() {
        let mut kept = vec![b'a'; ERROR_BODY_LIMIT - 3];
        keep_prefix(&mut kept, &Bytes::from_static(b"0123456789"));
        assert_eq!(kept.len(), ERROR_BODY_LIMIT);
        assert!(kept.ends_with(b"012"));
    }
}
