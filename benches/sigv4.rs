//! Cost of checking a SigV4 `Authorization` header, as the server does for every request:
//! parsing the header, deriving the signing key, rebuilding the canonical request and
//! comparing the signature.

#![allow(
    missing_docs,
    reason = "criterion_group! defines an undocumented pub fn"
)]

use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderName, HeaderValue};
use oss_sigv4::{
    RequestParts, SecretKey, SigningParams, parse_authorization, sign_request, verify_header,
};

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const PATH: &str = "/bench-bucket/photos/2024/holiday%20snap.jpg";

/// Returns the headers an AWS SDK typically signs on a GetObject, less those the signer adds.
fn sdk_headers() -> HeaderMap {
    let pairs = [
        ("host", "127.0.0.1:9000"),
        (
            "amz-sdk-invocation-id",
            "0b6f2a63-9a6e-4d07-a2a2-3c5d8f0e1a7b",
        ),
        ("amz-sdk-request", "attempt=1; max=3"),
        ("range", "bytes=0-1048575"),
        (
            "x-amz-user-agent",
            "aws-sdk-rust/1.0 api/s3/1.0 os/linux lang/rust",
        ),
    ];
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    headers
}

fn verify(c: &mut Criterion) {
    let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned());
    let now = SystemTime::now().into();
    let params = SigningParams {
        access_key_id: ACCESS_KEY_ID,
        secret: &secret,
        region: "beijing-1",
        service: "s3",
        now,
    };
    let mut headers = sdk_headers();
    let unsigned_parts = RequestParts {
        method: "GET",
        raw_path: PATH,
        raw_query: "",
        headers: &headers,
    };
    for (name, value) in sign_request(&unsigned_parts, "UNSIGNED-PAYLOAD", &params) {
        let name = HeaderName::try_from(name).unwrap();
        headers.insert(name, HeaderValue::try_from(value).unwrap());
    }
    let authorization = headers["authorization"].to_str().unwrap().to_owned();
    let parts = RequestParts {
        method: "GET",
        raw_path: PATH,
        raw_query: "",
        headers: &headers,
    };

    c.bench_function("sigv4/verify_header", |b| {
        b.iter(|| {
            let auth = parse_authorization(&authorization).unwrap();
            verify_header(&parts, &auth, &secret, "UNSIGNED-PAYLOAD", now).unwrap()
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = verify
}
criterion_main!(benches);
