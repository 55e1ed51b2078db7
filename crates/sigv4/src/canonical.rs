//! The canonical request and string to sign, in the S3 flavour of SigV4.
//!
//! S3 differs from other AWS services in two ways that matter here: the path is encoded only
//! once, and it is never normalised, so `//` and `..` are signed as they are.

use std::borrow::Cow;

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use crate::SigV4Error;
use crate::key::sha256_hex;

/// The algorithm name that opens every string to sign.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Every byte except the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~`.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Like [`STRICT`] but keeps `/`, for paths.
const PATH: &AsciiSet = &STRICT.remove(b'/');

/// The parts of an HTTP request that SigV4 covers, as received on the wire.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// The request method, e.g. `GET`.
    pub method: &'a str,
    /// The path exactly as sent, still percent-encoded, without the query.
    pub raw_path: &'a str,
    /// The query exactly as sent, still percent-encoded, without the leading `?`.
    pub raw_query: &'a str,
    /// The request headers. Over HTTP/2 the caller must add `host` from `:authority`.
    pub headers: &'a HeaderMap,
}

/// Percent-encodes `bytes` leaving only unreserved characters as they are.
pub(crate) fn encode_strict(bytes: &[u8]) -> String {
    percent_encode(bytes, STRICT).to_string()
}

/// Builds the canonical URI: the raw path decoded once, then re-encoded with `/` kept.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    let decoded: Cow<'_, [u8]> = percent_decode_str(raw_path).into();
    percent_encode(&decoded, PATH).to_string()
}

/// Splits a raw query into percent-decoded `(name, value)` pairs.
///
/// A `+` stays a literal `+`, because AWS SDKs encode spaces as `%20`. A parameter without
/// `=` has an empty value, and empty segments such as a trailing `&` are skipped.
pub(crate) fn query_pairs(raw_query: &str) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> {
    raw_query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            (
                percent_decode_str(name).into(),
                percent_decode_str(value).into(),
            )
        })
}

/// Builds the canonical query string, leaving out the parameter named `exclude`.
pub(crate) fn canonical_query(raw_query: &str, exclude: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(raw_query)
        .filter(|(name, _)| exclude.is_none_or(|excluded| &name[..] != excluded.as_bytes()))
        .map(|(name, value)| (encode_strict(&name), encode_strict(&value)))
        .collect();
    pairs.sort();
    let encoded: Vec<String> = pairs
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    encoded.join("&")
}

/// Trims a header value and collapses inner runs of whitespace into one space.
fn normalize_header_value(value: &[u8], out: &mut Vec<u8>) {
    let mut words = value
        .split(|byte| *byte == b' ' || *byte == b'\t')
        .filter(|word| !word.is_empty());
    if let Some(first) = words.next() {
        out.extend_from_slice(first);
    }
    for word in words {
        out.push(b' ');
        out.extend_from_slice(word);
    }
}

/// Appends the canonical header lines (`name:value\n`) for the signed headers, in the order
/// the client listed them. Several values of one header are joined by `,`.
fn write_canonical_headers(
    headers: &HeaderMap,
    signed_headers: &[String],
    out: &mut Vec<u8>,
) -> Result<(), SigV4Error> {
    for name in signed_headers {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        if values.peek().is_none() {
            return Err(SigV4Error::MissingSignedHeader(name.clone()));
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (index, value) in values.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            normalize_header_value(value.as_bytes(), out);
        }
        out.push(b'\n');
    }
    Ok(())
}

/// Builds the canonical request. Header values are bytes, so the result is too.
pub(crate) fn canonical_request(
    parts: &RequestParts<'_>,
    signed_headers: &[String],
    exclude_param: Option<&str>,
    payload_hash: &str,
) -> Result<Vec<u8>, SigV4Error> {
    let mut out = Vec::with_capacity(512);
    // HTTPMethod
    out.extend_from_slice(parts.method.as_bytes());
    out.push(b'\n');
    // CanonicalURI
    out.extend_from_slice(canonical_uri(parts.raw_path).as_bytes());
    out.push(b'\n');
    // CanonicalQueryString
    out.extend_from_slice(canonical_query(parts.raw_query, exclude_param).as_bytes());
    out.push(b'\n');
    // CanonicalHeaders, each line ending in a newline
    write_canonical_headers(parts.headers, signed_headers, &mut out)?;
    out.push(b'\n');
    // SignedHeaders
    out.extend_from_slice(signed_headers.join(";").as_bytes());
    out.push(b'\n');
    // HashedPayload
    out.extend_from_slice(payload_hash.as_bytes());
    Ok(out)
}

/// Builds the string to sign for a canonical request.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    let hash = sha256_hex(canonical_request);
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{hash}")
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn uri_encodes_reserved() {
        assert_eq!(canonical_uri("/test$file.text"), "/test%24file.text");
    }

    #[test]
    fn uri_decodes_once() {
        assert_eq!(canonical_uri("/a%20b%2Fc"), "/a%20b/c");
    }

    #[test]
    fn uri_keeps_unreserved() {
        assert_eq!(canonical_uri("/A-z_0.9~"), "/A-z_0.9~");
    }

    #[test]
    fn uri_not_normalised() {
        assert_eq!(canonical_uri("/bucket//a/../b/./c"), "/bucket//a/../b/./c");
    }

    #[test]
    fn uri_uppercases_escapes() {
        assert_eq!(canonical_uri("/%e2%82%ac"), "/%E2%82%AC");
    }

    #[test]
    fn uri_encodes_plus_and_utf8() {
        assert_eq!(canonical_uri("/a+b/€"), "/a%2Bb/%E2%82%AC");
    }

    #[test]
    fn uri_empty_is_root() {
        assert_eq!(canonical_uri(""), "/");
    }

    #[test]
    fn query_sorted_and_encoded() {
        let query = canonical_query("prefix=J&max-keys=2", None);
        assert_eq!(query, "max-keys=2&prefix=J");
    }

    #[test]
    fn query_bare_name_gets_empty_value() {
        assert_eq!(canonical_query("lifecycle", None), "lifecycle=");
    }

    #[test]
    fn query_plus_is_literal() {
        assert_eq!(canonical_query("a=b+c", None), "a=b%2Bc");
    }

    #[test]
    fn query_encodes_slash() {
        assert_eq!(canonical_query("prefix=a/b%2Fc", None), "prefix=a%2Fb%2Fc");
    }

    #[test]
    fn query_sorts_by_value_after_name() {
        assert_eq!(canonical_query("a=2&b=1&a=1", None), "a=1&a=2&b=1");
    }

    #[test]
    fn query_skips_empty_segments() {
        assert_eq!(canonical_query("&a=1&&b=2&", None), "a=1&b=2");
    }

    #[test]
    fn query_excludes_parameter() {
        let query = canonical_query("X-Amz-Signature=abc&X-Amz-Date=1", Some("X-Amz-Signature"));
        assert_eq!(query, "X-Amz-Date=1");
    }

    #[test]
    fn header_values_normalised() {
        let mut out = Vec::new();
        normalize_header_value(b"  a   b \t c  ", &mut out);
        assert_eq!(out, b"a b c");
    }

    #[test]
    fn headers_joined_with_comma() {
        let mut headers = HeaderMap::new();
        headers.append("x-amz-meta-a", HeaderValue::from_static("one"));
        headers.append("x-amz-meta-a", HeaderValue::from_static(" two "));
        let mut out = Vec::new();
        write_canonical_headers(&headers, &["x-amz-meta-a".to_owned()], &mut out).unwrap();
        assert_eq!(out, b"x-amz-meta-a:one,two\n");
    }

    #[test]
    fn headers_missing_signed_header() {
        let headers = HeaderMap::new();
        let mut out = Vec::new();
        let result = write_canonical_headers(&headers, &["range".to_owned()], &mut out);
        assert_eq!(
            result,
            Err(SigV4Error::MissingSignedHeader("range".to_owned()))
        );
    }
}
