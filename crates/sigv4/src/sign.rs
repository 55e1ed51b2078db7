//! Client-side signing, for our CLI and tests, and the signature step shared with verification.

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::canonical::{ALGORITHM, RequestParts, canonical_request, encode_strict, string_to_sign};
use crate::date::{format_amz_date, format_scope_date};
use crate::key::{SecretKey, SigningContext, derive_signing_key, hmac_sha256};
use crate::{CredentialScope, PayloadHash};

/// The credentials, scope and time used to sign a request.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// The access key id that names `secret` on the server.
    pub access_key_id: &'a str,
    /// The secret access key.
    pub secret: &'a SecretKey,
    /// The region to sign for, e.g. `us-east-1`.
    pub region: &'a str,
    /// The service to sign for, `s3` for this API.
    pub service: &'a str,
    /// The signing time, which becomes `x-amz-date` or `X-Amz-Date`.
    pub now: OffsetDateTime,
}

impl SigningParams<'_> {
    fn scope(&self) -> CredentialScope {
        CredentialScope {
            access_key_id: self.access_key_id.to_owned(),
            date: format_scope_date(self.now),
            region: self.region.to_owned(),
            service: self.service.to_owned(),
        }
    }
}

/// A signature and the key that made it.
pub(crate) struct Signature {
    pub(crate) signing_key: Zeroizing<[u8; 32]>,
    pub(crate) bytes: [u8; 32],
}

/// Derives the signing key for `scope` and signs a canonical request with it.
pub(crate) fn sign_canonical_request(
    secret: &SecretKey,
    scope: &CredentialScope,
    amz_date: &str,
    canonical_request: &[u8],
) -> Signature {
    let signing_key = derive_signing_key(secret, &scope.date, &scope.region, &scope.service);
    let string_to_sign = string_to_sign(amz_date, &scope.scope_string(), canonical_request);
    let bytes = hmac_sha256(&*signing_key, string_to_sign.as_bytes());
    Signature { signing_key, bytes }
}

/// Returns the sorted names of `headers` to sign, leaving out `authorization`.
fn header_names_to_sign(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .filter(|name| *name != http::header::AUTHORIZATION)
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Signs a request and returns the headers to add to it: `authorization`, `x-amz-date` and
/// `x-amz-content-sha256`.
///
/// Every header in `parts.headers` is signed except `authorization`, so pass only headers
/// that reach the server unchanged. They must include `host`, which the server requires to
/// be signed. `payload_hash` is the `x-amz-content-sha256` value to send, such as the hex
/// SHA-256 of the body or `UNSIGNED-PAYLOAD`.
///
/// # Panics
///
/// Panics if `payload_hash` is not a valid header value.
pub fn sign_request(
    parts: &RequestParts<'_>,
    payload_hash: &str,
    params: &SigningParams<'_>,
) -> Vec<(String, String)> {
    sign_request_with_context(parts, payload_hash, params).0
}

/// Signs a request like [`sign_request`] and also returns the context for signing the
/// chunks of an `aws-chunked` body with [`crate::chunked::ChunkedEncoder`].
pub fn sign_request_with_context(
    parts: &RequestParts<'_>,
    payload_hash: &str,
    params: &SigningParams<'_>,
) -> (Vec<(String, String)>, SigningContext) {
    let amz_date = format_amz_date(params.now);
    let headers = with_signing_headers(parts.headers, &amz_date, payload_hash);
    let signed_headers = header_names_to_sign(&headers);
    let signed_parts = RequestParts {
        headers: &headers,
        ..*parts
    };
    let canonical = canonical_request(&signed_parts, &signed_headers, None, payload_hash)
        .expect("every signed header name comes from the header map");

    let scope = params.scope();
    let signature = sign_canonical_request(params.secret, &scope, &amz_date, &canonical);
    let signature_hex = hex::encode(signature.bytes);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={signature_hex}",
        scope.access_key_id,
        scope.scope_string(),
        signed_headers.join(";"),
    );
    let context = SigningContext::new(
        signature.signing_key,
        amz_date.clone(),
        scope.scope_string(),
        signature_hex,
    );
    let added = vec![
        ("authorization".to_owned(), authorization),
        ("x-amz-date".to_owned(), amz_date),
        ("x-amz-content-sha256".to_owned(), payload_hash.to_owned()),
    ];
    (added, context)
}

/// Returns a copy of `headers` with `x-amz-date` and `x-amz-content-sha256` set, replacing
/// any values already there.
fn with_signing_headers(headers: &HeaderMap, amz_date: &str, payload_hash: &str) -> HeaderMap {
    let mut headers = headers.clone();
    let date = HeaderValue::from_str(amz_date).expect("an ISO 8601 date is a valid header value");
    headers.insert(HeaderName::from_static("x-amz-date"), date);
    let payload =
        HeaderValue::from_str(payload_hash).expect("payload hash is a valid header value");
    headers.insert(HeaderName::from_static("x-amz-content-sha256"), payload);
    headers
}

/// Builds the query string of a presigned URL: `parts.raw_query` (if any) followed by the
/// `X-Amz-*` parameters, ending with `X-Amz-Signature`.
///
/// The body is left unsigned (`UNSIGNED-PAYLOAD`). Every header in `parts.headers` is signed
/// except `authorization`, so the request that uses the URL must send the same values. They
/// must include `host`.
pub fn presign_query(
    parts: &RequestParts<'_>,
    expires_secs: u64,
    params: &SigningParams<'_>,
) -> String {
    let amz_date = format_amz_date(params.now);
    let scope = params.scope();
    let signed_headers = header_names_to_sign(parts.headers);
    let credential = format!("{}/{}", scope.access_key_id, scope.scope_string());
    let auth_params = [
        ("X-Amz-Algorithm", ALGORITHM.to_owned()),
        ("X-Amz-Credential", credential),
        ("X-Amz-Date", amz_date.clone()),
        ("X-Amz-Expires", expires_secs.to_string()),
        ("X-Amz-SignedHeaders", signed_headers.join(";")),
    ];
    let mut query = parts.raw_query.to_owned();
    for (name, value) in auth_params {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("{name}={}", encode_strict(value.as_bytes())));
    }

    let unsigned = PayloadHash::Unsigned.canonical_value();
    let presigned_parts = RequestParts {
        raw_query: &query,
        ..*parts
    };
    let canonical = canonical_request(&presigned_parts, &signed_headers, None, &unsigned)
        .expect("every signed header name comes from the header map");
    let signature = sign_canonical_request(params.secret, &scope, &amz_date, &canonical);
    format!("{query}&X-Amz-Signature={}", hex::encode(signature.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{self, EMPTY_SHA256, header_map, params, secret};

    fn added_header<'a>(added: &'a [(String, String)], name: &str) -> &'a str {
        let (_, value) = added.iter().find(|(added, _)| added == name).unwrap();
        value
    }

    #[test]
    fn aws_get_object_authorization() {
        let headers = header_map(&[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("range", "bytes=0-9"),
        ]);
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let secret = secret();
        let added = sign_request(&parts, EMPTY_SHA256, &params(&secret));
        assert_eq!(
            added_header(&added, "authorization"),
            "AWS4-HMAC-SHA256 \
             Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        assert_eq!(added_header(&added, "x-amz-date"), "20130524T000000Z");
        assert_eq!(added_header(&added, "x-amz-content-sha256"), EMPTY_SHA256);
    }

    #[test]
    fn aws_presigned_query() {
        let headers = header_map(&[("host", "examplebucket.s3.amazonaws.com")]);
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let secret = secret();
        let query = presign_query(&parts, 86400, &params(&secret));
        assert_eq!(
            query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
    }

    #[test]
    fn presigned_keeps_existing_query() {
        let headers = header_map(&[("host", "127.0.0.1")]);
        let parts = RequestParts {
            method: "GET",
            raw_path: "/bucket/key",
            raw_query: "versionId=3",
            headers: &headers,
        };
        let secret = secret();
        let query = presign_query(&parts, 60, &params(&secret));
        assert!(query.starts_with("versionId=3&X-Amz-Algorithm="), "{query}");
    }

    #[test]
    fn aws_chunked_seed_signature() {
        let mut headers = test_vectors::chunked_example_headers();
        headers.remove("x-amz-date");
        headers.remove("x-amz-content-sha256");
        let parts = RequestParts {
            method: "PUT",
            raw_path: test_vectors::CHUNKED_EXAMPLE_PATH,
            raw_query: "",
            headers: &headers,
        };
        let secret = secret();
        let payload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        let (_, context) = sign_request_with_context(&parts, payload, &params(&secret));
        assert_eq!(
            context.seed_signature(),
            test_vectors::CHUNKED_SEED_SIGNATURE
        );
    }
}
