//! Per-request state: request id, addressing (bucket and key), query, operation and caller.

use http::{HeaderMap, Method, Request};
use oss_proto::{S3Error, S3ErrorCode};
use percent_encoding::percent_decode_str;

use crate::S3Config;
use crate::auth::Principal;
use crate::body::RequestBody;
use crate::query::Query;
use crate::router::{self, Operation};

/// Request state shared by the handlers of one request.
pub(crate) struct RequestContext {
    pub request_id: String,
    pub method: Method,
    /// The path as sent, still percent-encoded; SigV4 signs this form.
    pub raw_path: String,
    pub raw_query: String,
    pub query: Query,
    pub headers: HeaderMap,
    pub bucket: Option<String>,
    pub key: Option<String>,
    pub operation: Operation,
    /// An addressing error found while parsing, returned before anything else runs.
    pub route_error: Option<S3Error>,
    /// The authenticated caller, set by the authentication step.
    pub principal: Option<Principal>,
}

impl RequestContext {
    /// Splits a request into its context and its body.
    pub(crate) fn new(
        request: Request<RequestBody>,
        config: &S3Config,
    ) -> (RequestContext, RequestBody) {
        let (parts, body) = request.into_parts();
        let raw_path = parts.uri.path().to_owned();
        let raw_query = parts.uri.query().unwrap_or("").to_owned();
        let query = Query::parse(&raw_query);
        let host = host_of(&parts.headers, &parts.uri);

        let mut route_error = None;
        let (bucket, key) = match split_address(&raw_path, host.as_deref(), config) {
            Ok(address) => address,
            Err(error) => {
                route_error = Some(error);
                (None, None)
            }
        };
        let has_copy_source = parts.headers.contains_key("x-amz-copy-source");
        let operation = router::resolve(
            &parts.method,
            bucket.as_deref(),
            key.as_deref(),
            &query,
            has_copy_source,
        );

        let context = RequestContext {
            request_id: new_request_id(),
            method: parts.method,
            raw_path,
            raw_query,
            query,
            headers: parts.headers,
            bucket,
            key,
            operation,
            route_error,
            principal: None,
        };
        (context, body)
    }

    /// Returns a request header as text, if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Returns the resource named in error documents: `/bucket/key` as the client addressed it.
    pub(crate) fn resource(&self) -> String {
        match (&self.bucket, &self.key) {
            (Some(bucket), Some(key)) => format!("/{bucket}/{key}"),
            (Some(bucket), None) => format!("/{bucket}"),
            _ => self.raw_path.clone(),
        }
    }

    /// Returns the bucket name, which routing guarantees for bucket and object operations.
    pub(crate) fn bucket_name(&self) -> &str {
        self.bucket.as_deref().unwrap_or_default()
    }

    /// Returns the object key, which routing guarantees for object operations.
    pub(crate) fn object_key(&self) -> &str {
        self.key.as_deref().unwrap_or_default()
    }
}

/// Generates a request id of 16 upper-case hex digits, shaped like AWS's.
fn new_request_id() -> String {
    format!("{:016X}", rand::random::<u64>())
}

fn host_of(headers: &HeaderMap, uri: &http::Uri) -> Option<String> {
    headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
}

/// Finds the bucket and key of a request, from the virtual host if it names one, else from
/// the first path segment. Keys are kept byte for byte: `//`, `..` and trailing `/` stay.
fn split_address(
    raw_path: &str,
    host: Option<&str>,
    config: &S3Config,
) -> Result<(Option<String>, Option<String>), S3Error> {
    let path = decode_path(raw_path)?;
    let path = path.strip_prefix('/').unwrap_or(&path);

    if let Some(bucket) = host.and_then(|h| virtual_host_bucket(h, config)) {
        let key = (!path.is_empty()).then(|| path.to_owned());
        return Ok((Some(bucket), key));
    }
    if path.is_empty() {
        return Ok((None, None));
    }
    match path.split_once('/') {
        Some((bucket, "")) => Ok((Some(bucket.to_owned()), None)),
        Some((bucket, key)) => Ok((Some(bucket.to_owned()), Some(key.to_owned()))),
        None => Ok((Some(path.to_owned()), None)),
    }
}

fn decode_path(raw_path: &str) -> Result<String, S3Error> {
    percent_decode_str(raw_path)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message("The request path is not valid UTF-8 after percent-decoding.")
        })
}

/// Extracts the bucket named by a `bucket.<suffix>` host, with or without a port.
fn virtual_host_bucket(host: &str, config: &S3Config) -> Option<String> {
    let suffix = config.virtual_host_suffix.as_deref()?;
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let host = host.to_ascii_lowercase();
    let bucket = host.strip_suffix(suffix)?.strip_suffix('.')?;
    (!bucket.is_empty()).then(|| bucket.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(suffix: Option<&str>) -> S3Config {
        S3Config {
            virtual_host_suffix: suffix.map(str::to_owned),
            ..S3Config::default()
        }
    }

    #[test]
    fn path_style_keeps_key_bytes() {
        let c = config(None);
        let split = |p| split_address(p, Some("127.0.0.1:9000"), &c).unwrap();
        assert_eq!(split("/"), (None, None));
        assert_eq!(split("/b"), (Some("b".into()), None));
        assert_eq!(split("/b/"), (Some("b".into()), None));
        assert_eq!(
            split("/b/a//c/../d/"),
            (Some("b".into()), Some("a//c/../d/".into()))
        );
        assert_eq!(
            split("/b/%C3%A9%20x%2By"),
            (Some("b".into()), Some("é x+y".into()))
        );
    }

    #[test]
    fn virtual_host_with_and_without_port() {
        let c = config(Some("s3.local"));
        let split = |p, h| split_address(p, Some(h), &c).unwrap();
        assert_eq!(
            split("/k/x", "bkt.s3.local:9000"),
            (Some("bkt".into()), Some("k/x".into()))
        );
        assert_eq!(split("/", "bkt.s3.local"), (Some("bkt".into()), None));
        assert_eq!(
            split("/bkt/k", "s3.local:9000"),
            (Some("bkt".into()), Some("k".into()))
        );
    }

    #[test]
    fn invalid_utf8_path_rejected() {
        assert!(split_address("/b/%FF", None, &config(None)).is_err());
    }
}
