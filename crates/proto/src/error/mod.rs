//! The one error type of the S3 API: a code with its HTTP status, plus what the response needs.

mod code;

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

pub use code::S3ErrorCode;

use crate::xml::XmlWriter;

/// A result whose error is an [`S3Error`].
pub type S3Result<T> = Result<T, S3Error>;

/// A boxed cause attached to an error for logs, which never reaches the client.
type BoxedSource = Box<dyn StdError + Send + Sync + 'static>;

/// An S3 error response: the code, an optional message, the resource, extra XML elements and
/// headers, and the internal cause.
///
/// The struct is boxed so that `S3Result` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct S3Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    code: S3ErrorCode,
    message: Option<Cow<'static, str>>,
    resource: Option<String>,
    elements: Vec<(&'static str, String)>,
    headers: HeaderMap,
    source: Option<BoxedSource>,
}

impl S3Error {
    /// Creates an error with the code's default message.
    pub fn new(code: S3ErrorCode) -> Self {
        S3Error(Box::new(Inner {
            code,
            message: None,
            resource: None,
            elements: Vec::new(),
            headers: HeaderMap::new(),
            source: None,
        }))
    }

    /// Creates an `InternalError` caused by `source`, whose text stays out of the response.
    pub fn internal(source: impl Into<BoxedSource>) -> Self {
        S3Error::new(S3ErrorCode::InternalError).with_source(source)
    }

    /// Replaces the default message.
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    /// Sets the `<Resource>` element, usually the request path.
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.0.resource = Some(resource.into());
        self
    }

    /// Appends an extra XML element such as `<BucketName>` or `<ActualObjectSize>`.
    pub fn with_element(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.0.elements.push((name, value.into()));
        self
    }

    /// Adds a response header, such as `Content-Range` on `InvalidRange`.
    ///
    /// Takes typed headers or strings. An invalid name or value marks a bug in the caller.
    /// It is dropped, so that the error response still goes out.
    pub fn with_header<N, V>(mut self, name: N, value: V) -> Self
    where
        HeaderName: TryFrom<N>,
        HeaderValue: TryFrom<V>,
    {
        let name = HeaderName::try_from(name).ok();
        let value = HeaderValue::try_from(value).ok();
        if let (Some(name), Some(value)) = (name, value) {
            self.0.headers.append(name, value);
        }
        self
    }

    /// Attaches the internal cause, which logs may show but the response never does.
    pub fn with_source(mut self, source: impl Into<BoxedSource>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Returns the error code.
    pub fn code(&self) -> S3ErrorCode {
        self.0.code
    }

    /// Returns the HTTP status of the error code.
    pub fn status(&self) -> StatusCode {
        self.0.code.status()
    }

    /// Returns the message sent to the client: the custom one if set, else the code's default.
    pub fn message(&self) -> &str {
        match &self.0.message {
            Some(message) => message,
            None => self.0.code.default_message(),
        }
    }

    /// Returns the `<Resource>` value, if set.
    pub fn resource(&self) -> Option<&str> {
        self.0.resource.as_deref()
    }

    /// Returns the extra XML elements in the order they were added.
    pub fn elements(&self) -> &[(&'static str, String)] {
        &self.0.elements
    }

    /// Returns the extra response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// Renders the XML error document sent as the response body.
    pub fn to_xml(&self, request_id: &str) -> String {
        XmlWriter::document("Error", None, |w| {
            w.text("Code", self.0.code.as_str());
            w.text("Message", self.message());
            for (name, value) in &self.0.elements {
                w.text(name, value);
            }
            w.opt_text("Resource", self.resource());
            w.text("RequestId", request_id);
        })
    }
}

impl From<S3ErrorCode> for S3Error {
    fn from(code: S3ErrorCode) -> Self {
        S3Error::new(code)
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.message())
    }
}

impl StdError for S3Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// Builds an [`S3Error`] from a code name and an optional message in `format!` syntax.
///
/// ```
/// use oss_proto::{s3_error, S3ErrorCode};
///
/// let key = "photos/cat.jpg";
/// let err = s3_error!(NoSuchKey, "The key {key} does not exist.");
/// assert_eq!(err.code(), S3ErrorCode::NoSuchKey);
/// assert_eq!(s3_error!(NoSuchKey).message(), "The specified key does not exist.");
/// ```
#[macro_export]
macro_rules! s3_error {
    ($code:ident) => {
        $crate::S3Error::new($crate::S3ErrorCode::$code)
    };
    ($code:ident, $($message:tt)+) => {{
        // A message without arguments still goes through format! so that inline arguments
        // such as "{key}" are expanded.
        #[allow(clippy::useless_format)]
        let message = ::std::format!($($message)+);
        $crate::S3Error::new($crate::S3ErrorCode::$code).with_message(message)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_xml_layout() {
        let err = s3_error!(NoSuchKey)
            .with_resource("/bucket/a&b")
            .with_element("Key", "a&b");
        let expected = concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<Error><Code>NoSuchKey</Code>",
            "<Message>The specified key does not exist.</Message>",
            "<Key>a&amp;b</Key><Resource>/bucket/a&amp;b</Resource>",
            "<RequestId>req-1</RequestId></Error>",
        );
        assert_eq!(err.to_xml("req-1"), expected);
    }

    #[test]
    fn to_xml_without_resource() {
        let xml = S3Error::new(S3ErrorCode::SlowDown).to_xml("r");
        assert!(!xml.contains("<Resource>"), "{xml}");
    }

    #[test]
    fn custom_message() {
        let err = s3_error!(InvalidArgument, "max-keys {} is negative", -1);
        assert_eq!(err.message(), "max-keys -1 is negative");
    }

    #[test]
    fn status_follows_code() {
        assert_eq!(
            s3_error!(InvalidRange).status(),
            StatusCode::RANGE_NOT_SATISFIABLE
        );
    }

    #[test]
    fn display_code_and_message() {
        assert_eq!(
            s3_error!(NoSuchBucket).to_string(),
            "NoSuchBucket: The specified bucket does not exist"
        );
    }

    #[test]
    fn source_kept() {
        let io = std::io::Error::other("disk on fire");
        let err = S3Error::internal(io);
        let source = err.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire"));
    }

    #[test]
    fn source_not_rendered() {
        let err = S3Error::internal(std::io::Error::other("disk on fire"));
        assert!(!err.to_xml("r").contains("disk"));
    }

    #[test]
    fn headers_from_strings() {
        let err = s3_error!(InvalidRange).with_header("content-range", format!("bytes */{}", 10));
        assert_eq!(
            err.headers().get(http::header::CONTENT_RANGE).unwrap(),
            "bytes */10"
        );
    }

    #[test]
    fn headers_kept() {
        let err = s3_error!(InvalidRange).with_header(
            http::header::CONTENT_RANGE,
            HeaderValue::from_static("bytes */10"),
        );
        assert_eq!(
            err.headers().get(http::header::CONTENT_RANGE).unwrap(),
            "bytes */10"
        );
    }

    #[test]
    fn result_stays_small() {
        assert_eq!(size_of::<S3Result<()>>(), size_of::<usize>());
    }
}
