//! Server-side verification of header-signed requests and presigned URLs.

use http::HeaderMap;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use crate::auth::MAX_PRESIGNED_EXPIRES_SECS;
use crate::canonical::{RequestParts, canonical_request};
use crate::date::parse_http_date;
use crate::date::{MAX_SKEW, check_skew, format_amz_date, format_scope_date, parse_amz_date};
use crate::key::{SecretKey, SigningContext};
use crate::sign::sign_canonical_request;
use crate::{CredentialScope, HeaderAuth, PayloadHash, QueryAuth, SigV4Error};

/// The query parameter that carries a presigned URL's signature and so is not signed itself.
const SIGNATURE_PARAM: &str = "X-Amz-Signature";

/// Verifies a request signed in the `Authorization` header.
///
/// `payload_hash` is the `x-amz-content-sha256` value as sent, or the hex SHA-256 of the
/// body that the caller computed when the header is absent. A digest is only signed here:
/// the caller must still compare it with the body it reads.
///
/// The request date comes from `x-amz-date`, or else from `Date`. It must lie within
/// 15 minutes of `now` and on the day of the credential scope. Every signed header must be
/// present, and `host` must be one of them. On success, the returned context checks the
/// chunk signatures of an `aws-chunked` body.
///
/// NOTE: S3 also rejects requests that carry `x-amz-*` headers left out of `SignedHeaders`.
/// We accept them, so the caller must not trust such a header as signed.
pub fn verify_header(
    parts: &RequestParts<'_>,
    auth: &HeaderAuth,
    secret: &SecretKey,
    payload_hash: &str,
    now: OffsetDateTime,
) -> Result<SigningContext, SigV4Error> {
    let (amz_date, date) = request_date(parts.headers)?;
    check_scope_date(&auth.scope, date).map_err(SigV4Error::MalformedHeader)?;
    check_skew(date, now)?;
    check_host_signed(&auth.signed_headers).map_err(SigV4Error::MalformedHeader)?;

    let canonical = canonical_request(parts, &auth.signed_headers, None, payload_hash)?;
    check_signature(secret, &auth.scope, amz_date, &canonical, &auth.signature)
}

/// Verifies a presigned URL.
///
/// The canonical query leaves out `X-Amz-Signature`. The payload is `UNSIGNED-PAYLOAD`
/// unless the request carries `x-amz-content-sha256`, whose value the caller must then check
/// against the body. A URL past `X-Amz-Date` plus `X-Amz-Expires` gives
/// [`SigV4Error::Expired`], and one dated more than 15 minutes after `now` gives
/// [`SigV4Error::NotYetValid`].
pub fn verify_presigned(
    parts: &RequestParts<'_>,
    auth: &QueryAuth,
    secret: &SecretKey,
    now: OffsetDateTime,
) -> Result<SigningContext, SigV4Error> {
    check_scope_date(&auth.scope, auth.date).map_err(SigV4Error::MalformedQuery)?;
    check_lifetime(auth, now)?;
    check_host_signed(&auth.signed_headers).map_err(SigV4Error::MalformedQuery)?;

    let payload_hash = match parts.headers.get("x-amz-content-sha256") {
        Some(value) => value
            .to_str()
            .map_err(|_| SigV4Error::InvalidPayloadHash(format!("{value:?}")))?
            .to_owned(),
        None => PayloadHash::Unsigned.canonical_value(),
    };
    let canonical = canonical_request(
        parts,
        &auth.signed_headers,
        Some(SIGNATURE_PARAM),
        &payload_hash,
    )?;
    check_signature(
        secret,
        &auth.scope,
        auth.amz_date.clone(),
        &canonical,
        &auth.signature,
    )
}

/// Returns the request date as signed (ISO 8601 basic) and parsed, from `x-amz-date` or,
/// when that is absent, from `Date`.
fn request_date(headers: &HeaderMap) -> Result<(String, OffsetDateTime), SigV4Error> {
    if let Some(value) = headers.get("x-amz-date") {
        let value = value
            .to_str()
            .map_err(|_| SigV4Error::InvalidDate(format!("x-amz-date {value:?}")))?;
        return Ok((value.to_owned(), parse_amz_date(value)?));
    }
    if let Some(value) = headers.get(http::header::DATE) {
        let value = value
            .to_str()
            .map_err(|_| SigV4Error::InvalidDate(format!("Date {value:?}")))?;
        let date = parse_http_date(value)?;
        return Ok((format_amz_date(date), date));
    }
    Err(SigV4Error::InvalidDate(
        "the request has neither an x-amz-date nor a Date header".to_owned(),
    ))
}

/// Checks that the credential scope names the day of the request date.
fn check_scope_date(scope: &CredentialScope, date: OffsetDateTime) -> Result<(), String> {
    let request_day = format_scope_date(date);
    if scope.date != request_day {
        return Err(format!(
            "credential date {} does not match the request date {request_day}",
            scope.date
        ));
    }
    Ok(())
}

fn check_host_signed(signed_headers: &[String]) -> Result<(), String> {
    if !signed_headers.iter().any(|name| name == "host") {
        return Err("the signed headers must include host".to_owned());
    }
    Ok(())
}

/// Checks that `now` lies in the validity window of a presigned URL.
fn check_lifetime(auth: &QueryAuth, now: OffsetDateTime) -> Result<(), SigV4Error> {
    // The fields are public, so a hand-built value may hold what the parser rejects.
    if !(1..=MAX_PRESIGNED_EXPIRES_SECS).contains(&auth.expires_secs) {
        return Err(SigV4Error::MalformedQuery(format!(
            "X-Amz-Expires {} is outside 1 to {MAX_PRESIGNED_EXPIRES_SECS}",
            auth.expires_secs
        )));
    }
    if auth.date - now > MAX_SKEW {
        return Err(SigV4Error::NotYetValid);
    }
    let lifetime = Duration::seconds(auth.expires_secs.cast_signed());
    if now - auth.date > lifetime {
        return Err(SigV4Error::Expired);
    }
    Ok(())
}

/// Signs the canonical request and compares the result with `provided` in constant time.
fn check_signature(
    secret: &SecretKey,
    scope: &CredentialScope,
    amz_date: String,
    canonical_request: &[u8],
    provided: &str,
) -> Result<SigningContext, SigV4Error> {
    let signature = sign_canonical_request(secret, scope, &amz_date, canonical_request);
    let mut provided_bytes = [0u8; 32];
    // A value that is not 64 hex digits cannot match, whatever we computed.
    let decoded = hex::decode_to_slice(provided, &mut provided_bytes).is_ok();
    if !decoded || !bool::from(signature.bytes[..].ct_eq(&provided_bytes[..])) {
        return Err(SigV4Error::SignatureDoesNotMatch);
    }
    Ok(SigningContext::new(
        signature.signing_key,
        amz_date,
        scope.scope_string(),
        hex::encode(signature.bytes),
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::test_vectors::{self, EMPTY_SHA256, EXAMPLE_TIME, header_map, secret};
    use crate::{parse_authorization, parse_presigned, sign_request};

    const GET_OBJECT_SIGNATURE: &str =
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

    fn get_object_headers() -> HeaderMap {
        header_map(&[
            ("host", "examplebucket.s3.amazonaws.com"),
            ("range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY_SHA256),
            ("x-amz-date", "20130524T000000Z"),
        ])
    }

    fn get_object_auth() -> HeaderAuth {
        parse_authorization(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature={GET_OBJECT_SIGNATURE}"
        ))
        .unwrap()
    }

    fn verify_get_object(headers: &HeaderMap, now: OffsetDateTime) -> Result<(), SigV4Error> {
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers,
        };
        verify_header(&parts, &get_object_auth(), &secret(), EMPTY_SHA256, now).map(drop)
    }

    /// Verifies an AWS example that signs host, x-amz-content-sha256 and x-amz-date.
    fn verify_example(
        method: &str,
        raw_path: &str,
        raw_query: &str,
        extra_headers: &[(&str, &str)],
        payload_hash: &str,
        signature: &str,
    ) -> Result<SigningContext, SigV4Error> {
        let mut pairs = vec![
            ("host", "examplebucket.s3.amazonaws.com"),
            ("x-amz-content-sha256", payload_hash),
            ("x-amz-date", "20130524T000000Z"),
        ];
        pairs.extend_from_slice(extra_headers);
        let headers = header_map(&pairs);
        let mut names: Vec<&str> = pairs.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let auth = parse_authorization(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders={}, Signature={signature}",
            names.join(";")
        ))?;
        let parts = RequestParts {
            method,
            raw_path,
            raw_query,
            headers: &headers,
        };
        verify_header(&parts, &auth, &secret(), payload_hash, EXAMPLE_TIME)
    }

    #[test]
    fn aws_get_object_example() {
        assert_eq!(
            verify_get_object(&get_object_headers(), EXAMPLE_TIME),
            Ok(())
        );
    }

    #[test]
    fn aws_get_object_context() {
        let headers = get_object_headers();
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let context = verify_header(
            &parts,
            &get_object_auth(),
            &secret(),
            EMPTY_SHA256,
            EXAMPLE_TIME,
        )
        .unwrap();
        assert_eq!(context.seed_signature(), GET_OBJECT_SIGNATURE);
        assert_eq!(context.amz_date(), "20130524T000000Z");
        assert_eq!(context.scope(), "20130524/us-east-1/s3/aws4_request");
    }

    #[test]
    fn aws_put_object_example() {
        // The path is sent with a raw `$`, which the canonical URI encodes as %24.
        let result = verify_example(
            "PUT",
            "/test$file.text",
            "",
            &[
                ("date", "Fri, 24 May 2013 00:00:00 GMT"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ],
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        );
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn aws_get_lifecycle_example() {
        let result = verify_example(
            "GET",
            "/",
            "lifecycle",
            &[],
            EMPTY_SHA256,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        );
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn aws_list_objects_example() {
        let result = verify_example(
            "GET",
            "/",
            "max-keys=2&prefix=J",
            &[],
            EMPTY_SHA256,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        );
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn aws_chunked_seed_example() {
        let headers = test_vectors::chunked_example_headers();
        let auth = parse_authorization(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
             x-amz-decoded-content-length;x-amz-storage-class,Signature={}",
            test_vectors::CHUNKED_SEED_SIGNATURE
        ))
        .unwrap();
        let parts = RequestParts {
            method: "PUT",
            raw_path: test_vectors::CHUNKED_EXAMPLE_PATH,
            raw_query: "",
            headers: &headers,
        };
        let payload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        let context = verify_header(&parts, &auth, &secret(), payload, EXAMPLE_TIME).unwrap();
        assert_eq!(
            context.seed_signature(),
            test_vectors::CHUNKED_SEED_SIGNATURE
        );
    }

    #[test]
    fn header_skew_within_limit() {
        let now = EXAMPLE_TIME + Duration::minutes(14);
        assert_eq!(verify_get_object(&get_object_headers(), now), Ok(()));
    }

    #[test]
    fn header_skew_too_late() {
        let now = EXAMPLE_TIME + Duration::minutes(16);
        let result = verify_get_object(&get_object_headers(), now);
        assert_eq!(result, Err(SigV4Error::RequestTimeTooSkewed));
    }

    #[test]
    fn header_skew_too_early() {
        let now = EXAMPLE_TIME - Duration::minutes(16);
        let result = verify_get_object(&get_object_headers(), now);
        assert_eq!(result, Err(SigV4Error::RequestTimeTooSkewed));
    }

    #[test]
    fn header_wrong_secret() {
        let headers = get_object_headers();
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let wrong = SecretKey::new("not-the-secret".to_owned());
        let error = verify_header(
            &parts,
            &get_object_auth(),
            &wrong,
            EMPTY_SHA256,
            EXAMPLE_TIME,
        )
        .unwrap_err();
        assert_eq!(error, SigV4Error::SignatureDoesNotMatch);
        let message = error.to_string();
        assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
    }

    #[test]
    fn header_tampered_value() {
        let mut headers = get_object_headers();
        headers.insert("range", "bytes=0-99".parse().unwrap());
        let result = verify_get_object(&headers, EXAMPLE_TIME);
        assert_eq!(result, Err(SigV4Error::SignatureDoesNotMatch));
    }

    #[test]
    fn header_tampered_path() {
        let headers = get_object_headers();
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt2",
            raw_query: "",
            headers: &headers,
        };
        let result = verify_header(
            &parts,
            &get_object_auth(),
            &secret(),
            EMPTY_SHA256,
            EXAMPLE_TIME,
        );
        assert_eq!(result.unwrap_err(), SigV4Error::SignatureDoesNotMatch);
    }

    #[test]
    fn header_missing_signed_header() {
        let mut headers = get_object_headers();
        headers.remove("range");
        let result = verify_get_object(&headers, EXAMPLE_TIME);
        assert_eq!(
            result,
            Err(SigV4Error::MissingSignedHeader("range".to_owned()))
        );
    }

    #[test]
    fn header_host_must_be_signed() {
        let headers = get_object_headers();
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let mut auth = get_object_auth();
        auth.signed_headers.retain(|name| name != "host");
        let result = verify_header(&parts, &auth, &secret(), EMPTY_SHA256, EXAMPLE_TIME);
        assert!(
            matches!(result, Err(SigV4Error::MalformedHeader(_))),
            "{result:?}"
        );
    }

    #[test]
    fn header_scope_date_mismatch() {
        let headers = get_object_headers();
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query: "",
            headers: &headers,
        };
        let mut auth = get_object_auth();
        auth.scope.date = "20130525".to_owned();
        let error =
            verify_header(&parts, &auth, &secret(), EMPTY_SHA256, EXAMPLE_TIME).unwrap_err();
        let SigV4Error::MalformedHeader(reason) = error else {
            panic!("expected MalformedHeader, got {error:?}");
        };
        assert!(reason.contains("20130525"), "{reason}");
    }

    #[test]
    fn request_date_falls_back_to_date_header() {
        let headers = header_map(&[("date", "Fri, 24 May 2013 00:00:00 GMT")]);
        let (amz_date, date) = request_date(&headers).unwrap();
        assert_eq!(amz_date, "20130524T000000Z");
        assert_eq!(date, EXAMPLE_TIME);
    }

    #[test]
    fn request_date_prefers_amz_date() {
        let headers = header_map(&[
            ("date", "Sat, 25 May 2013 00:00:00 GMT"),
            ("x-amz-date", "20130524T000000Z"),
        ]);
        assert_eq!(request_date(&headers).unwrap().1, EXAMPLE_TIME);
    }

    #[test]
    fn request_date_missing() {
        let result = request_date(&HeaderMap::new());
        assert!(
            matches!(result, Err(SigV4Error::InvalidDate(_))),
            "{result:?}"
        );
    }

    const PRESIGNED_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
        &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    fn verify_presigned_example(
        raw_query: &str,
        headers: &HeaderMap,
        now: OffsetDateTime,
    ) -> Result<SigningContext, SigV4Error> {
        let auth = parse_presigned(raw_query)?.expect("query is presigned");
        let parts = RequestParts {
            method: "GET",
            raw_path: "/test.txt",
            raw_query,
            headers,
        };
        verify_presigned(&parts, &auth, &secret(), now)
    }

    fn presigned_headers() -> HeaderMap {
        header_map(&[("host", "examplebucket.s3.amazonaws.com")])
    }

    #[test]
    fn aws_presigned_example() {
        let result = verify_presigned_example(PRESIGNED_QUERY, &presigned_headers(), EXAMPLE_TIME);
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn presigned_valid_until_expiry() {
        let now = EXAMPLE_TIME + Duration::seconds(86400);
        let result = verify_presigned_example(PRESIGNED_QUERY, &presigned_headers(), now);
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn presigned_expired() {
        let now = datetime!(2013-05-25 0:00:01 UTC);
        let result = verify_presigned_example(PRESIGNED_QUERY, &presigned_headers(), now);
        assert_eq!(result.unwrap_err(), SigV4Error::Expired);
    }

    #[test]
    fn presigned_slightly_early() {
        let now = EXAMPLE_TIME - Duration::minutes(14);
        let result = verify_presigned_example(PRESIGNED_QUERY, &presigned_headers(), now);
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn presigned_not_yet_valid() {
        let now = EXAMPLE_TIME - Duration::minutes(16);
        let result = verify_presigned_example(PRESIGNED_QUERY, &presigned_headers(), now);
        assert_eq!(result.unwrap_err(), SigV4Error::NotYetValid);
    }

    #[test]
    fn presigned_added_parameter() {
        let query = format!("{PRESIGNED_QUERY}&response-content-type=text%2Fhtml");
        let result = verify_presigned_example(&query, &presigned_headers(), EXAMPLE_TIME);
        assert_eq!(result.unwrap_err(), SigV4Error::SignatureDoesNotMatch);
    }

    #[test]
    fn presigned_wrong_host() {
        let headers = header_map(&[("host", "otherbucket.s3.amazonaws.com")]);
        let result = verify_presigned_example(PRESIGNED_QUERY, &headers, EXAMPLE_TIME);
        assert_eq!(result.unwrap_err(), SigV4Error::SignatureDoesNotMatch);
    }

    #[test]
    fn presigned_uses_content_sha256_header() {
        // The example was signed with UNSIGNED-PAYLOAD, so a declared digest changes the
        // canonical request.
        let mut headers = presigned_headers();
        headers.insert("x-amz-content-sha256", EMPTY_SHA256.parse().unwrap());
        let result = verify_presigned_example(PRESIGNED_QUERY, &headers, EXAMPLE_TIME);
        assert_eq!(result.unwrap_err(), SigV4Error::SignatureDoesNotMatch);
    }

    #[test]
    fn presigned_host_must_be_signed() {
        let query = PRESIGNED_QUERY.replace("SignedHeaders=host", "SignedHeaders=range");
        let result = verify_presigned_example(&query, &presigned_headers(), EXAMPLE_TIME);
        assert!(
            matches!(result, Err(SigV4Error::MalformedQuery(_))),
            "{result:?}"
        );
    }

    #[test]
    fn presigned_scope_date_mismatch() {
        let query = PRESIGNED_QUERY.replace("%2F20130524%2F", "%2F20130523%2F");
        let result = verify_presigned_example(&query, &presigned_headers(), EXAMPLE_TIME);
        assert!(
            matches!(result, Err(SigV4Error::MalformedQuery(_))),
            "{result:?}"
        );
    }

    /// Signs a request with [`sign_request`] and verifies it.
    fn round_trip(
        raw_path: &str,
        raw_query: &str,
        headers: &[(&str, &str)],
    ) -> Result<SigningContext, SigV4Error> {
        let secret = secret();
        let mut headers = header_map(headers);
        let unsigned = RequestParts {
            method: "PUT",
            raw_path,
            raw_query,
            headers: &headers,
        };
        let added = sign_request(
            &unsigned,
            "UNSIGNED-PAYLOAD",
            &test_vectors::params(&secret),
        );
        for (name, value) in &added {
            let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            headers.insert(name, value.parse().unwrap());
        }
        let auth = parse_authorization(headers["authorization"].to_str().unwrap())?;
        let parts = RequestParts {
            method: "PUT",
            raw_path,
            raw_query,
            headers: &headers,
        };
        verify_header(&parts, &auth, &secret, "UNSIGNED-PAYLOAD", EXAMPLE_TIME)
    }

    #[test]
    fn round_trip_encoded_path_and_query() {
        let result = round_trip(
            "/bucket/a%20b/%E2%82%AC/c+d//e/../f",
            "prefix=a%2Fb&marker=x+y&empty=&bare&list-type=2",
            &[("host", "127.0.0.1:9000")],
        );
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn round_trip_repeated_header() {
        let result = round_trip(
            "/bucket/key",
            "",
            &[
                ("host", "127.0.0.1:9000"),
                ("x-amz-meta-tag", "  one   two "),
                ("x-amz-meta-tag", "three"),
            ],
        );
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn round_trip_ignores_existing_authorization() {
        let result = round_trip(
            "/bucket/key",
            "",
            &[
                ("host", "127.0.0.1:9000"),
                ("authorization", "Bearer stale"),
            ],
        );
        assert!(result.is_ok(), "{result:?}");
    }
}
