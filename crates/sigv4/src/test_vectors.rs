//! Fixtures from the AWS Signature Version 4 examples in the Amazon S3 API Reference
//! ("Examples: Signature Calculations" and "Transferring Payload in Multiple Chunks").

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::{SecretKey, SigningParams};

pub(crate) const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub(crate) const EMPTY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The time every example is signed at, 2013-05-24 00:00:00 UTC.
pub(crate) const EXAMPLE_TIME: OffsetDateTime = datetime!(2013-05-24 0:00 UTC);

pub(crate) fn secret() -> SecretKey {
    SecretKey::new(SECRET.to_owned())
}

pub(crate) fn params(secret: &SecretKey) -> SigningParams<'_> {
    SigningParams {
        access_key_id: ACCESS_KEY_ID,
        secret,
        region: "us-east-1",
        service: "s3",
        now: EXAMPLE_TIME,
    }
}

pub(crate) fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
        headers.append(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

/// Returns the headers of the `aws-chunked` PUT example, whose seed signature is
/// `4f232c43...` and whose 66560-byte body is sent as chunks of 65536 and 1024 bytes.
pub(crate) fn chunked_example_headers() -> HeaderMap {
    header_map(&[
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("content-length", "66824"),
    ])
}

pub(crate) const CHUNKED_EXAMPLE_PATH: &str = "/examplebucket/chunkObject.txt";
pub(crate) const CHUNKED_SEED_SIGNATURE: &str =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

/// Verifies the `aws-chunked` example request and returns its signing context.
pub(crate) fn chunked_example_context() -> crate::SigningContext {
    let headers = chunked_example_headers();
    let auth = crate::parse_authorization(&format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20130524/us-east-1/s3/aws4_request, \
         SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
         x-amz-decoded-content-length;x-amz-storage-class, Signature={CHUNKED_SEED_SIGNATURE}"
    ))
    .unwrap();
    let parts = crate::RequestParts {
        method: "PUT",
        raw_path: CHUNKED_EXAMPLE_PATH,
        raw_query: "",
        headers: &headers,
    };
    let payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    crate::verify_header(&parts, &auth, &secret(), payload_hash, EXAMPLE_TIME).unwrap()
}
