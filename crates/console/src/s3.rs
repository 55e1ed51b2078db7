//! Object operations of the bucket browser, run by the S3 endpoint's own service in process.
//!
//! Each request is signed with the access key of the signed-in user, whose secret never
//! leaves the server. A request from the console therefore passes the same authentication,
//! authorization, capacity reservation, checksum checks and usage metering as the same
//! request from an S3 client, because it runs the same code.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full, Limited};
use oss_s3::{ResponseBody, S3Service};
use oss_sigv4::{RequestParts, SecretKey, SigningParams};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// `Host` of the requests made in process. It has no dot, so it never matches a
/// virtual-host suffix and the bucket always comes from the path.
const INTERNAL_HOST: &str = "console";

/// Largest XML response read into memory: a listing of 1000 keys of 1024 bytes fits.
const MAX_XML_BYTES: usize = 8 << 20;

/// Characters left unencoded in a path segment or query value: RFC 3986 unreserved.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The same, with `/` kept, for object keys in paths.
const KEY_PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// The key pair and region that sign the console's requests for one user.
pub(crate) struct Signer {
    pub(crate) access_key_id: String,
    pub(crate) secret: SecretKey,
    pub(crate) region: String,
}

/// A failed S3 request: its status, S3 error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Failure {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl std::fmt::Display for S3Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl S3Failure {
    fn internal(message: impl Into<String>) -> S3Failure {
        S3Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalError".to_owned(),
            message: message.into(),
        }
    }
}

/// One page of a listing by `/` folders.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListPage {
    #[serde(rename = "Contents", default)]
    pub(crate) objects: Vec<ListedObject>,
    #[serde(rename = "CommonPrefixes", default)]
    pub(crate) folders: Vec<ListedFolder>,
    #[serde(rename = "NextContinuationToken", default)]
    pub(crate) next_token: Option<String>,
}

/// An object in a listing.
#[derive(Debug, Deserialize)]
pub(crate) struct ListedObject {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "Size")]
    pub(crate) size: u64,
    #[serde(rename = "LastModified")]
    pub(crate) last_modified: String,
}

/// A folder (common prefix) in a listing.
#[derive(Debug, Deserialize)]
pub(crate) struct ListedFolder {
    #[serde(rename = "Prefix")]
    pub(crate) prefix: String,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorDocument {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

#[derive(Debug, Default, Deserialize)]
struct TaggingDocument {
    #[serde(rename = "TagSet", default)]
    tag_set: TagSet,
}

#[derive(Debug, Default, Deserialize)]
struct TagSet {
    #[serde(rename = "Tag", default)]
    tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
struct Tag {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value", default)]
    value: String,
}

#[derive(Debug, Deserialize)]
struct InitiateResult {
    #[serde(rename = "UploadId")]
    upload_id: String,
}

#[derive(Debug, Deserialize)]
struct CompleteResult {
    #[serde(rename = "ETag")]
    etag: String,
}

/// What HeadObject returns about an object.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectDetails {
    pub(crate) size: u64,
    pub(crate) content_type: String,
    pub(crate) etag: String,
    pub(crate) last_modified: String,
    /// `x-amz-meta-*` pairs, names without the prefix.
    pub(crate) metadata: Vec<(String, String)>,
    /// Other stored headers, such as Cache-Control.
    pub(crate) headers: Vec<(String, String)>,
}

/// A request body handed to the S3 service.
pub(crate) enum Payload<B> {
    /// No body.
    Empty,
    /// A small body, signed with its SHA-256.
    Bytes(Bytes),
    /// A streamed body, sent as `UNSIGNED-PAYLOAD` with the `Content-Length` given in the
    /// headers; the S3 layer still checks its length and any checksum header.
    Stream(B),
}

/// The S3 service, called in process.
#[derive(Clone)]
pub(crate) struct S3Client {
    service: S3Service,
}

impl S3Client {
    pub(crate) fn new(service: S3Service) -> S3Client {
        S3Client { service }
    }

    /// Signs and runs one request. `key` is None for bucket requests.
    #[allow(
        clippy::too_many_arguments,
        reason = "the arguments are the parts of one S3 request, and every caller sets each"
    )]
    pub(crate) async fn send<B>(
        &self,
        signer: &Signer,
        method: Method,
        bucket: &str,
        key: Option<&str>,
        query: &[(&str, &str)],
        mut headers: HeaderMap,
        payload: Payload<B>,
    ) -> Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = match key {
            Some(key) => format!(
                "/{}/{}",
                utf8_percent_encode(bucket, UNRESERVED),
                utf8_percent_encode(key, KEY_PATH)
            ),
            None => format!("/{}", utf8_percent_encode(bucket, UNRESERVED)),
        };
        let raw_query = query
            .iter()
            .map(|(name, value)| match value.is_empty() {
                true => (*name).to_owned(),
                false => format!("{name}={}", utf8_percent_encode(value, UNRESERVED)),
            })
            .collect::<Vec<_>>()
            .join("&");
        let payload_hash = match &payload {
            Payload::Empty => hex::encode(Sha256::digest(b"")),
            Payload::Bytes(bytes) => hex::encode(Sha256::digest(bytes)),
            Payload::Stream(_) => "UNSIGNED-PAYLOAD".to_owned(),
        };
        headers.insert(header::HOST, HeaderValue::from_static(INTERNAL_HOST));
        let length = match &payload {
            Payload::Empty => Some(0),
            Payload::Bytes(bytes) => Some(bytes.len()),
            Payload::Stream(_) => None,
        };
        if let Some(length) = length {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        }

        let parts = RequestParts {
            method: method.as_str(),
            raw_path: &path,
            raw_query: &raw_query,
            headers: &headers,
        };
        let params = SigningParams {
            access_key_id: &signer.access_key_id,
            secret: &signer.secret,
            region: &signer.region,
            service: "s3",
            now: OffsetDateTime::now_utc(),
        };
        for (name, value) in oss_sigv4::sign_request(&parts, &payload_hash, &params) {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.insert(name, value);
            }
        }

        let uri = match raw_query.is_empty() {
            true => path,
            false => format!("{path}?{raw_query}"),
        };
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(request_headers) = builder.headers_mut() {
            *request_headers = headers;
        }
        let body = match payload {
            Payload::Empty => Empty::new().map_err(Into::into).boxed_unsync(),
            Payload::Bytes(bytes) => Full::new(bytes).map_err(Into::into).boxed_unsync(),
            Payload::Stream(body) => body.map_err(Into::into).boxed_unsync(),
        };
        let request: Request<http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>> =
            match builder.body(body) {
                Ok(request) => request,
                Err(error) => {
                    let failure =
                        S3Failure::internal(format!("failed to build a request: {error}"));
                    return failure_response(&failure);
                }
            };
        self.service.handle(request).await
    }

    /// Lists one page of a bucket by `/` folders under `prefix`.
    pub(crate) async fn list_objects(
        &self,
        signer: &Signer,
        bucket: &str,
        prefix: &str,
        token: Option<&str>,
        max_keys: usize,
    ) -> Result<ListPage, S3Failure> {
        let max_keys = max_keys.to_string();
        let mut query = vec![
            ("delimiter", "/"),
            ("list-type", "2"),
            ("max-keys", max_keys.as_str()),
            ("prefix", prefix),
        ];
        if let Some(token) = token {
            query.push(("continuation-token", token));
        }
        let response = self
            .send(
                signer,
                Method::GET,
                bucket,
                None,
                &query,
                HeaderMap::new(),
                no_body(),
            )
            .await;
        let xml = read_xml(response).await?;
        parse_xml(&xml)
    }

    /// Reads an object's size, type, ETag and metadata.
    pub(crate) async fn head_object(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectDetails, S3Failure> {
        let response = self
            .send(
                signer,
                Method::HEAD,
                bucket,
                Some(key),
                &[],
                HeaderMap::new(),
                no_body(),
            )
            .await;
        if !response.status().is_success() {
            return Err(head_failure(response.status()));
        }
        Ok(object_details(response.headers()))
    }

    /// Reads an object's tags.
    pub(crate) async fn object_tags(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
    ) -> Result<Vec<(String, String)>, S3Failure> {
        let query = [("tagging", "")];
        let response = self
            .send(
                signer,
                Method::GET,
                bucket,
                Some(key),
                &query,
                HeaderMap::new(),
                no_body(),
            )
            .await;
        let xml = read_xml(response).await?;
        let document: TaggingDocument = parse_xml(&xml)?;
        Ok(document
            .tag_set
            .tags
            .into_iter()
            .map(|tag| (tag.key, tag.value))
            .collect())
    }

    /// Starts reading an object; the response streams its body.
    pub(crate) async fn get_object(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
    ) -> Result<Response<ResponseBody>, S3Failure> {
        let response = self
            .send(
                signer,
                Method::GET,
                bucket,
                Some(key),
                &[],
                HeaderMap::new(),
                no_body(),
            )
            .await;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(read_failure(response).await)
    }

    /// Deletes an object.
    pub(crate) async fn delete_object(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
    ) -> Result<(), S3Failure> {
        let response = self
            .send(
                signer,
                Method::DELETE,
                bucket,
                Some(key),
                &[],
                HeaderMap::new(),
                no_body(),
            )
            .await;
        if response.status().is_success() {
            return Ok(());
        }
        Err(read_failure(response).await)
    }

    /// Stores a streamed body as an object; returns its ETag. `headers` carries
    /// `Content-Length` and may carry `Content-Type` and an `x-amz-checksum-*` value.
    pub(crate) async fn put_object<B>(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
        headers: HeaderMap,
        body: B,
    ) -> Result<String, S3Failure>
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let response = self
            .send(
                signer,
                Method::PUT,
                bucket,
                Some(key),
                &[],
                headers,
                Payload::Stream(body),
            )
            .await;
        etag_of(response).await
    }

    /// Starts a multipart upload; returns its id.
    pub(crate) async fn create_multipart_upload(
        &self,
        signer: &Signer,
        bucket: &str,
        key: &str,
        headers: HeaderMap,
    ) -> Result<String, S3Failure> {
        let query = [("uploads", "")];
        let response = self
            .send(
                signer,
                Method::POST,
                bucket,
                Some(key),
                &query,
                headers,
                no_body(),
            )
            .await;
        let xml = read_xml(response).await?;
        let result: InitiateResult = parse_xml(&xml)?;
        Ok(result.upload_id)
    }

    /// Stores one part of a multipart upload from a streamed body; returns its ETag.
    pub(crate) async fn upload_part<B>(
        &self,
        signer: &Signer,
        target: &UploadTarget<'_>,
        part_number: u32,
        headers: HeaderMap,
        body: B,
    ) -> Result<String, S3Failure>
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let number = part_number.to_string();
        let query = [
            ("partNumber", number.as_str()),
            ("uploadId", target.upload_id),
        ];
        let response = self
            .send(
                signer,
                Method::PUT,
                target.bucket,
                Some(target.key),
                &query,
                headers,
                Payload::Stream(body),
            )
            .await;
        etag_of(response).await
    }

    /// Completes a multipart upload from its parts' numbers and ETags; returns the ETag.
    pub(crate) async fn complete_multipart_upload(
        &self,
        signer: &Signer,
        target: &UploadTarget<'_>,
        parts: &[(u32, String)],
    ) -> Result<String, S3Failure> {
        let document = complete_document(parts);
        let query = [("uploadId", target.upload_id)];
        let response = self
            .send(
                signer,
                Method::POST,
                target.bucket,
                Some(target.key),
                &query,
                HeaderMap::new(),
                Payload::<Empty<Bytes>>::Bytes(Bytes::from(document)),
            )
            .await;
        let xml = read_xml(response).await?;
        let result: CompleteResult = parse_xml(&xml)?;
        Ok(result.etag)
    }

    /// Aborts a multipart upload and frees its parts.
    pub(crate) async fn abort_multipart_upload(
        &self,
        signer: &Signer,
        target: &UploadTarget<'_>,
    ) -> Result<(), S3Failure> {
        let query = [("uploadId", target.upload_id)];
        let response = self
            .send(
                signer,
                Method::DELETE,
                target.bucket,
                Some(target.key),
                &query,
                HeaderMap::new(),
                no_body(),
            )
            .await;
        if response.status().is_success() {
            return Ok(());
        }
        Err(read_failure(response).await)
    }
}

/// The bucket, key and id of a multipart upload.
pub(crate) struct UploadTarget<'a> {
    pub(crate) bucket: &'a str,
    pub(crate) key: &'a str,
    pub(crate) upload_id: &'a str,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn no_body() -> Payload<Empty<Bytes>> {
    Payload::Empty
}

/// Renders a failure as an S3 error document, so that callers read it like any other.
fn failure_response(failure: &S3Failure) -> Response<ResponseBody> {
    let xml = format!(
        "<Error><Code>{}</Code><Message>{}</Message></Error>",
        quick_xml::escape::escape(failure.code.as_str()),
        quick_xml::escape::escape(failure.message.as_str())
    );
    let mut response = Response::new(crate::web::full(xml));
    *response.status_mut() = failure.status;
    response
}

/// Reads a successful XML response, or the failure an error response describes.
async fn read_xml(response: Response<ResponseBody>) -> Result<Bytes, S3Failure> {
    if !response.status().is_success() {
        return Err(read_failure(response).await);
    }
    Limited::new(response.into_body(), MAX_XML_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|error| S3Failure::internal(format!("failed to read an S3 response: {error}")))
}

/// Reads the failure of an error response from its XML body.
async fn read_failure(response: Response<ResponseBody>) -> S3Failure {
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_XML_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let document: ErrorDocument = quick_xml::de::from_reader(body.as_ref()).unwrap_or_default();
    S3Failure {
        status,
        code: match document.code.is_empty() {
            true => status.canonical_reason().unwrap_or("Error").to_owned(),
            false => document.code,
        },
        message: document.message,
    }
}

/// HEAD responses have no body, so the status alone names the failure.
fn head_failure(status: StatusCode) -> S3Failure {
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("NoSuchKey", "The object does not exist."),
        StatusCode::FORBIDDEN => ("AccessDenied", "Access to the object is denied."),
        _ => ("Error", "Reading the object's details failed."),
    };
    S3Failure {
        status,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

fn parse_xml<T: for<'de> Deserialize<'de>>(xml: &[u8]) -> Result<T, S3Failure> {
    quick_xml::de::from_reader(xml)
        .map_err(|error| S3Failure::internal(format!("failed to parse an S3 response: {error}")))
}

async fn etag_of(response: Response<ResponseBody>) -> Result<String, S3Failure> {
    if !response.status().is_success() {
        return Err(read_failure(response).await);
    }
    Ok(crate::web::header_text(response.headers(), &header::ETAG)
        .unwrap_or_default()
        .to_owned())
}

fn object_details(headers: &HeaderMap) -> ObjectDetails {
    let text = |name: &HeaderName| {
        crate::web::header_text(headers, name)
            .unwrap_or_default()
            .to_owned()
    };
    let mut details = ObjectDetails {
        size: text(&header::CONTENT_LENGTH).parse().unwrap_or(0),
        content_type: text(&header::CONTENT_TYPE),
        etag: text(&header::ETAG),
        last_modified: text(&header::LAST_MODIFIED),
        ..ObjectDetails::default()
    };
    for (name, value) in headers {
        let Ok(value) = value.to_str() else { continue };
        if let Some(meta) = name.as_str().strip_prefix("x-amz-meta-") {
            details.metadata.push((meta.to_owned(), value.to_owned()));
        } else if STORED_HEADERS.contains(name) {
            details
                .headers
                .push((name.as_str().to_owned(), value.to_owned()));
        }
    }
    details
}

/// Headers stored with an object besides its type, shown on its details page.
const STORED_HEADERS: [HeaderName; 5] = [
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::EXPIRES,
];

/// Builds the CompleteMultipartUpload document.
fn complete_document(parts: &[(u32, String)]) -> String {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag></Part>",
            quick_xml::escape::escape(etag.as_str())
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_with_interleaved_folders() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
<Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter>
<IsTruncated>true</IsTruncated>
<Contents><Key>a.txt</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified>
<ETag>&quot;x&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>
<Contents><Key>z &amp; y</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified>
<ETag>&quot;y&quot;</ETag><Size>7</Size></Contents>
<NextContinuationToken>tok</NextContinuationToken></ListBucketResult>"#;
        let page: ListPage = parse_xml(xml).unwrap();
        assert_eq!(page.objects.len(), 2);
        assert_eq!(page.objects[1].key, "z & y");
        assert_eq!(page.objects[1].size, 7);
        assert_eq!(page.folders[0].prefix, "dir/");
        assert_eq!(page.next_token.as_deref(), Some("tok"));
    }

    #[test]
    fn empty_listing() {
        let xml = b"<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>";
        let page: ListPage = parse_xml(xml).unwrap();
        assert!(page.objects.is_empty());
        assert!(page.folders.is_empty());
        assert_eq!(page.next_token, None);
    }

    #[test]
    fn error_document_read() {
        let xml = b"<Error><Code>QuotaExceeded</Code><Message>Over by 5 bytes.</Message>\
            <RequestId>1</RequestId></Error>";
        let document: ErrorDocument = parse_xml(xml).unwrap();
        assert_eq!(document.code, "QuotaExceeded");
        assert_eq!(document.message, "Over by 5 bytes.");
    }

    #[test]
    fn tags_read() {
        let xml = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>\
            <Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>";
        let document: TaggingDocument = parse_xml(xml).unwrap();
        assert_eq!(document.tag_set.tags.len(), 2);
        assert_eq!(document.tag_set.tags[1].value, "");
    }

    #[test]
    fn complete_document_escapes_etags() {
        let xml = complete_document(&[(1, "\"abc\"".to_owned())]);
        assert_eq!(
            xml,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
             <ETag>&quot;abc&quot;</ETag></Part></CompleteMultipartUpload>"
        );
    }
}
