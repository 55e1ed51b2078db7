//! Header names, date formats and the system and user metadata carried in request headers.

use std::time::SystemTime;

use http::{HeaderMap, HeaderName, header};
use time::format_description::{BorrowedFormatItem, StaticFormatDescription};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::error::{S3Error, S3ErrorCode, S3Result};

/// The prefix of user metadata headers.
pub const USER_METADATA_PREFIX: &str = "x-amz-meta-";

/// The maximum size of user metadata in bytes: the names (without the prefix) and values of
/// all `x-amz-meta-*` headers, as UTF-8, added up. AWS uses the same limit.
pub const MAX_USER_METADATA_SIZE: usize = 2048;

/// `x-amz-request-id`, the request id sent with every response.
pub const X_AMZ_REQUEST_ID: HeaderName = HeaderName::from_static("x-amz-request-id");
/// `x-amz-id-2`, the extended request id.
pub const X_AMZ_ID_2: HeaderName = HeaderName::from_static("x-amz-id-2");
/// `x-amz-date`, the signing time.
pub const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
/// `x-amz-content-sha256`, the payload hash or streaming mode of a signed request.
pub const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");
/// `x-amz-decoded-content-length`, the payload size of an aws-chunked body.
pub const X_AMZ_DECODED_CONTENT_LENGTH: HeaderName =
    HeaderName::from_static("x-amz-decoded-content-length");
/// `x-amz-trailer`, the names of trailing headers in an aws-chunked body.
pub const X_AMZ_TRAILER: HeaderName = HeaderName::from_static("x-amz-trailer");
/// `x-amz-version-id`, the version of the object read or written.
pub const X_AMZ_VERSION_ID: HeaderName = HeaderName::from_static("x-amz-version-id");
/// `x-amz-delete-marker`, set to `true` when the version is a delete marker.
pub const X_AMZ_DELETE_MARKER: HeaderName = HeaderName::from_static("x-amz-delete-marker");
/// `x-amz-storage-class`, the storage class of an object.
pub const X_AMZ_STORAGE_CLASS: HeaderName = HeaderName::from_static("x-amz-storage-class");
/// `x-amz-bucket-region`, the region of a bucket, sent by HeadBucket.
pub const X_AMZ_BUCKET_REGION: HeaderName = HeaderName::from_static("x-amz-bucket-region");
/// `x-amz-expected-bucket-owner`, the account a request expects to own the bucket.
pub const X_AMZ_EXPECTED_BUCKET_OWNER: HeaderName =
    HeaderName::from_static("x-amz-expected-bucket-owner");
/// `x-amz-mp-parts-count`, the number of parts of a multipart object.
pub const X_AMZ_MP_PARTS_COUNT: HeaderName = HeaderName::from_static("x-amz-mp-parts-count");
/// `x-amz-missing-meta`, the number of metadata entries that headers could not carry.
pub const X_AMZ_MISSING_META: HeaderName = HeaderName::from_static("x-amz-missing-meta");
/// `x-amz-copy-source`, the `bucket/key` source of a copy.
pub const X_AMZ_COPY_SOURCE: HeaderName = HeaderName::from_static("x-amz-copy-source");
/// `x-amz-copy-source-range`, the byte range of an UploadPartCopy source.
pub const X_AMZ_COPY_SOURCE_RANGE: HeaderName = HeaderName::from_static("x-amz-copy-source-range");
/// `x-amz-copy-source-version-id`, the source version actually copied.
pub const X_AMZ_COPY_SOURCE_VERSION_ID: HeaderName =
    HeaderName::from_static("x-amz-copy-source-version-id");
/// `x-amz-copy-source-if-match`.
pub const X_AMZ_COPY_SOURCE_IF_MATCH: HeaderName =
    HeaderName::from_static("x-amz-copy-source-if-match");
/// `x-amz-copy-source-if-none-match`.
pub const X_AMZ_COPY_SOURCE_IF_NONE_MATCH: HeaderName =
    HeaderName::from_static("x-amz-copy-source-if-none-match");
/// `x-amz-copy-source-if-modified-since`.
pub const X_AMZ_COPY_SOURCE_IF_MODIFIED_SINCE: HeaderName =
    HeaderName::from_static("x-amz-copy-source-if-modified-since");
/// `x-amz-copy-source-if-unmodified-since`.
pub const X_AMZ_COPY_SOURCE_IF_UNMODIFIED_SINCE: HeaderName =
    HeaderName::from_static("x-amz-copy-source-if-unmodified-since");
/// `x-amz-metadata-directive`, `COPY` or `REPLACE` for a copy's metadata.
pub const X_AMZ_METADATA_DIRECTIVE: HeaderName =
    HeaderName::from_static("x-amz-metadata-directive");
/// `x-amz-tagging`, tags as a URL query string on PutObject and friends.
pub const X_AMZ_TAGGING: HeaderName = HeaderName::from_static("x-amz-tagging");
/// `x-amz-tagging-directive`, `COPY` or `REPLACE` for a copy's tags.
pub const X_AMZ_TAGGING_DIRECTIVE: HeaderName = HeaderName::from_static("x-amz-tagging-directive");
/// `x-amz-tagging-count`, the number of tags on an object.
pub const X_AMZ_TAGGING_COUNT: HeaderName = HeaderName::from_static("x-amz-tagging-count");
/// `x-amz-checksum-algorithm`, the checksum algorithm a client chose.
pub const X_AMZ_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static("x-amz-checksum-algorithm");
/// `x-amz-sdk-checksum-algorithm`, the checksum algorithm an SDK chose.
pub const X_AMZ_SDK_CHECKSUM_ALGORITHM: HeaderName =
    HeaderName::from_static("x-amz-sdk-checksum-algorithm");
/// `x-amz-checksum-type`, `COMPOSITE` or `FULL_OBJECT`.
pub const X_AMZ_CHECKSUM_TYPE: HeaderName = HeaderName::from_static("x-amz-checksum-type");
/// `x-amz-checksum-mode`, set to `ENABLED` to request checksums on GetObject and HeadObject.
pub const X_AMZ_CHECKSUM_MODE: HeaderName = HeaderName::from_static("x-amz-checksum-mode");
/// `x-amz-object-attributes`, the attributes GetObjectAttributes should return.
pub const X_AMZ_OBJECT_ATTRIBUTES: HeaderName = HeaderName::from_static("x-amz-object-attributes");
/// `x-amz-max-parts`, the page size of GetObjectAttributes parts.
pub const X_AMZ_MAX_PARTS: HeaderName = HeaderName::from_static("x-amz-max-parts");
/// `x-amz-part-number-marker`, the part after which GetObjectAttributes lists parts.
pub const X_AMZ_PART_NUMBER_MARKER: HeaderName =
    HeaderName::from_static("x-amz-part-number-marker");
/// `x-amz-server-side-encryption`, the server-side encryption of an object.
pub const X_AMZ_SERVER_SIDE_ENCRYPTION: HeaderName =
    HeaderName::from_static("x-amz-server-side-encryption");

const HTTP_DATE: StaticFormatDescription = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

const ISO8601_MS: StaticFormatDescription =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Formats a date as an HTTP date (IMF-fixdate), such as `Mon, 12 Oct 2009 17:50:30 GMT`.
pub fn format_http_date(date: OffsetDateTime) -> String {
    format_utc(date, HTTP_DATE)
}

/// Formats a date in ISO 8601 with milliseconds, such as `2009-10-12T17:50:30.000Z`.
pub fn format_iso8601_ms(date: OffsetDateTime) -> String {
    format_utc(date, ISO8601_MS)
}

fn format_utc(date: OffsetDateTime, format: &[BorrowedFormatItem<'_>]) -> String {
    date.to_offset(UtcOffset::UTC)
        .format(format)
        .expect("date formats use only components every OffsetDateTime has")
}

/// Parses an HTTP date in any of the three forms RFC 9110 accepts. Returns `None` when the
/// text matches none of them.
pub fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let time: SystemTime = httpdate::parse_http_date(text.trim()).ok()?;
    Some(OffsetDateTime::from(time))
}

/// The standard HTTP headers stored with an object and sent back on GetObject and HeadObject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemMetadata {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`, without the transfer-only `aws-chunked` coding.
    pub content_encoding: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Expires`, kept as the client sent it.
    pub expires: Option<String>,
}

impl SystemMetadata {
    /// Reads the system metadata from request headers.
    ///
    /// `aws-chunked` is dropped from `Content-Encoding` because it describes only how this
    /// request's body was framed, as AWS does. A header that is not UTF-8 is rejected with
    /// `InvalidArgument`.
    pub fn from_headers(headers: &HeaderMap) -> S3Result<SystemMetadata> {
        let content_encoding = header_text(headers, &header::CONTENT_ENCODING)?
            .map(|value| strip_aws_chunked(&value))
            .filter(|value| !value.is_empty());
        Ok(SystemMetadata {
            content_type: header_text(headers, &header::CONTENT_TYPE)?,
            cache_control: header_text(headers, &header::CACHE_CONTROL)?,
            content_disposition: header_text(headers, &header::CONTENT_DISPOSITION)?,
            content_encoding,
            content_language: header_text(headers, &header::CONTENT_LANGUAGE)?,
            expires: header_text(headers, &header::EXPIRES)?,
        })
    }

    /// Lists the headers that are set, for writing them onto a response.
    pub fn to_headers(&self) -> Vec<(HeaderName, &str)> {
        let fields = [
            (header::CONTENT_TYPE, &self.content_type),
            (header::CACHE_CONTROL, &self.cache_control),
            (header::CONTENT_DISPOSITION, &self.content_disposition),
            (header::CONTENT_ENCODING, &self.content_encoding),
            (header::CONTENT_LANGUAGE, &self.content_language),
            (header::EXPIRES, &self.expires),
        ];
        fields
            .into_iter()
            .filter_map(|(name, value)| Some((name, value.as_deref()?)))
            .collect()
    }
}

fn strip_aws_chunked(encoding: &str) -> String {
    let codings: Vec<&str> = encoding
        .split(',')
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    codings.join(", ")
}

/// Returns all values of a header joined by `,`, or `None` when it is absent.
fn header_text(headers: &HeaderMap, name: &HeaderName) -> S3Result<Option<String>> {
    let mut joined: Option<String> = None;
    for value in headers.get_all(name) {
        let text = std::str::from_utf8(value.as_bytes()).map_err(|_| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message(format!("The value of header {name} is not valid UTF-8."))
        })?;
        match &mut joined {
            Some(joined) => {
                joined.push(',');
                joined.push_str(text);
            }
            None => joined = Some(text.to_owned()),
        }
    }
    Ok(joined)
}

/// Collects user metadata from `x-amz-meta-*` headers as `(name, value)` pairs sorted by name.
///
/// Names are returned lower-cased and without the prefix. Repeated headers are joined by `,`,
/// as AWS does. More than [`MAX_USER_METADATA_SIZE`] bytes in total is `MetadataTooLarge`, and
/// an empty name or a value that is not UTF-8 is `InvalidArgument`.
pub fn user_metadata(headers: &HeaderMap) -> S3Result<Vec<(String, String)>> {
    let mut entries = Vec::new();
    let mut size = 0;
    // HeaderMap::keys yields each name once, so repeated headers are joined below.
    for name in headers.keys() {
        let Some(meta_name) = name.as_str().strip_prefix(USER_METADATA_PREFIX) else {
            continue;
        };
        if meta_name.is_empty() {
            return Err(S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message("A user metadata header must have a name after x-amz-meta-."));
        }
        let value = header_text(headers, name)?.unwrap_or_default();
        size += meta_name.len() + value.len();
        entries.push((meta_name.to_owned(), value));
    }
    if size > MAX_USER_METADATA_SIZE {
        return Err(S3Error::new(S3ErrorCode::MetadataTooLarge)
            .with_element("Size", size.to_string())
            .with_element("MaxSizeAllowed", MAX_USER_METADATA_SIZE.to_string()));
    }
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use time::macros::datetime;

    use super::*;

    #[test]
    fn http_date_format() {
        let date = datetime!(2009-10-12 17:50:30.123 UTC);
        assert_eq!(format_http_date(date), "Mon, 12 Oct 2009 17:50:30 GMT");
    }

    #[test]
    fn http_date_converts_offset() {
        let date = datetime!(2009-10-12 19:50:30 +02:00);
        assert_eq!(format_http_date(date), "Mon, 12 Oct 2009 17:50:30 GMT");
    }

    #[test]
    fn iso8601_format() {
        let date = datetime!(2009-10-12 17:50:30.5 UTC);
        assert_eq!(format_iso8601_ms(date), "2009-10-12T17:50:30.500Z");
    }

    #[test]
    fn http_date_parse_forms() {
        let expected = datetime!(1994-11-06 08:49:37 UTC);
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn http_date_parse_garbage() {
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn http_date_round_trip() {
        let date = datetime!(2024-02-29 23:59:59 UTC);
        assert_eq!(parse_http_date(&format_http_date(date)), Some(date));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn system_metadata_read() {
        let map = headers(&[
            ("content-type", "text/plain"),
            ("cache-control", "no-cache"),
        ]);
        let meta = SystemMetadata::from_headers(&map).unwrap();
        assert_eq!(meta.content_type.as_deref(), Some("text/plain"));
        assert_eq!(meta.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(meta.expires, None);
    }

    #[test]
    fn system_metadata_drops_aws_chunked() {
        let map = headers(&[("content-encoding", "aws-chunked,gzip")]);
        let meta = SystemMetadata::from_headers(&map).unwrap();
        assert_eq!(meta.content_encoding.as_deref(), Some("gzip"));
    }

    #[test]
    fn system_metadata_only_aws_chunked() {
        let map = headers(&[("content-encoding", "aws-chunked")]);
        let meta = SystemMetadata::from_headers(&map).unwrap();
        assert_eq!(meta.content_encoding, None);
    }

    #[test]
    fn system_metadata_to_headers() {
        let meta = SystemMetadata {
            content_language: Some("de".to_owned()),
            ..SystemMetadata::default()
        };
        assert_eq!(meta.to_headers(), vec![(header::CONTENT_LANGUAGE, "de")]);
    }

    #[test]
    fn system_metadata_rejects_non_utf8() {
        let mut map = HeaderMap::new();
        map.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_bytes(b"text/\xff").unwrap(),
        );
        let err = SystemMetadata::from_headers(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }

    #[test]
    fn user_metadata_collects() {
        let map = headers(&[
            ("x-amz-meta-b", "2"),
            ("x-amz-meta-a", "1"),
            ("x-amz-meta-a", "3"),
            ("content-type", "text/plain"),
        ]);
        let expected = vec![
            ("a".to_owned(), "1,3".to_owned()),
            ("b".to_owned(), "2".to_owned()),
        ];
        assert_eq!(user_metadata(&map).unwrap(), expected);
    }

    #[test]
    fn user_metadata_at_limit() {
        let value = "v".repeat(MAX_USER_METADATA_SIZE - 1);
        let map = headers(&[("x-amz-meta-k", &value)]);
        assert!(user_metadata(&map).is_ok());
    }

    #[test]
    fn user_metadata_over_limit() {
        let value = "v".repeat(MAX_USER_METADATA_SIZE);
        let map = headers(&[("x-amz-meta-k", &value)]);
        let err = user_metadata(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::MetadataTooLarge);
    }

    #[test]
    fn user_metadata_empty_name() {
        let map = headers(&[("x-amz-meta-", "v")]);
        let err = user_metadata(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }
}
