//! S3 protocol details checked byte for byte through the raw client: error bodies, HEAD errors,
//! ranges, conditional requests, digests and unimplemented operations.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::Method;
use md5::{Digest, Md5};

use super::RawClient;
use crate::server::Server;

/// 26 bytes, so that range arithmetic is easy to read.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

async fn server_with_alphabet() -> (Server, RawClient, String) {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("proto").await;
    let response = client.put("/proto/alphabet", ALPHABET).send().await;
    response.assert_success();
    let etag = response
        .header("etag")
        .expect("PutObject returns an ETag")
        .to_owned();
    (server, client, etag)
}

#[tokio::test]
async fn error_body_is_s3_xml() {
    let (_server, client, _) = server_with_alphabet().await;
    let response = client.get("/no-such-bucket/key").send().await;
    response.assert_error(404, "NoSuchBucket");
    assert!(
        response.xml("Message").is_some_and(|m| !m.is_empty()),
        "{}",
        response.text()
    );
    assert!(
        response.xml("Resource").is_some(),
        "no Resource in {}",
        response.text()
    );
    let request_id = response
        .header("x-amz-request-id")
        .expect("request id header");
    assert_eq!(response.xml("RequestId").as_deref(), Some(request_id));
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.contains("xml"),
        "error Content-Type {content_type:?}"
    );
}

#[tokio::test]
async fn head_error_has_no_body() {
    let (_server, client, _) = server_with_alphabet().await;
    let response = client.request(Method::HEAD, "/proto/missing").send().await;
    assert_eq!(response.status.as_u16(), 404);
    assert!(
        response.body.is_empty(),
        "HEAD error body {:?}",
        response.body
    );
    assert!(
        response.header("x-amz-request-id").is_some(),
        "no x-amz-request-id"
    );
}

#[tokio::test]
async fn head_object_reports_length_and_etag() {
    let (_server, client, etag) = server_with_alphabet().await;
    let response = client.request(Method::HEAD, "/proto/alphabet").send().await;
    response.assert_success();
    assert_eq!(response.header("content-length"), Some("26"));
    assert_eq!(response.header("etag"), Some(etag.as_str()));
    assert!(response.body.is_empty(), "HEAD body {:?}", response.body);
}

#[tokio::test]
async fn etag_is_quoted_md5() {
    let (_server, _client, etag) = server_with_alphabet().await;
    assert_eq!(etag, format!("\"{}\"", hex::encode(Md5::digest(ALPHABET))));
}

#[tokio::test]
async fn range_requests() {
    let (_server, client, _) = server_with_alphabet().await;
    let cases = [
        ("bytes=0-0", "a", "bytes 0-0/26"),
        ("bytes=2-4", "cde", "bytes 2-4/26"),
        ("bytes=20-", "uvwxyz", "bytes 20-25/26"),
        ("bytes=-3", "xyz", "bytes 23-25/26"),
        ("bytes=24-100", "yz", "bytes 24-25/26"),
        ("bytes=-100", "abcdefghijklmnopqrstuvwxyz", "bytes 0-25/26"),
    ];
    for (range, body, content_range) in cases {
        let response = client
            .get("/proto/alphabet")
            .header("range", range)
            .send()
            .await;
        assert_eq!(response.status.as_u16(), 206, "{range}: {response:?}");
        assert_eq!(response.body.as_ref(), body.as_bytes(), "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(content_range),
            "{range}"
        );
        let length = body.len().to_string();
        assert_eq!(
            response.header("content-length"),
            Some(length.as_str()),
            "{range}"
        );
    }
}

#[tokio::test]
async fn unsatisfiable_range_is_416() {
    let (_server, client, _) = server_with_alphabet().await;
    for range in ["bytes=26-", "bytes=100-200"] {
        let response = client
            .get("/proto/alphabet")
            .header("range", range)
            .send()
            .await;
        response.assert_error(416, "InvalidRange");
        assert_eq!(
            response.header("content-range"),
            Some("bytes */26"),
            "{range}"
        );
    }
}

#[tokio::test]
async fn conditional_get() {
    let (_server, client, etag) = server_with_alphabet().await;
    let head = client.request(Method::HEAD, "/proto/alphabet").send().await;
    let modified = head
        .header("last-modified")
        .expect("Last-Modified")
        .to_owned();
    // NOTE: dates after the current time are left out on purpose. RFC 9110 compares them like
    // any other date, while RFC 2616 called them invalid, and servers differ in which they follow.
    let past = "Mon, 01 Jan 2001 00:00:00 GMT";
    let cases = [
        ("if-match", etag.as_str(), 200),
        ("if-match", "\"0123456789abcdef0123456789abcdef\"", 412),
        ("if-none-match", etag.as_str(), 304),
        ("if-none-match", "\"0123456789abcdef0123456789abcdef\"", 200),
        ("if-modified-since", past, 200),
        ("if-modified-since", modified.as_str(), 304),
        ("if-unmodified-since", modified.as_str(), 200),
        ("if-unmodified-since", past, 412),
    ];
    for (name, value, status) in cases {
        let response = client
            .get("/proto/alphabet")
            .header(name, value)
            .send()
            .await;
        assert_eq!(
            response.status.as_u16(),
            status,
            "{name}: {value}: {response:?}"
        );
        if status == 412 {
            assert_eq!(
                response.xml("Code").as_deref(),
                Some("PreconditionFailed"),
                "{name}"
            );
        }
        if status == 304 {
            assert!(response.body.is_empty(), "304 with a body for {name}");
        }
    }
}

#[tokio::test]
async fn content_md5_mismatch_is_bad_digest() {
    let (_server, client, _) = server_with_alphabet().await;
    let wrong = BASE64.encode(Md5::digest(b"something else"));
    let request = client
        .put("/proto/digest", "payload")
        .header("content-md5", &wrong);
    request.send().await.assert_error(400, "BadDigest");
    client
        .get("/proto/digest")
        .send()
        .await
        .assert_error(404, "NoSuchKey");
}

#[tokio::test]
async fn content_md5_match_accepted() {
    let (_server, client, _) = server_with_alphabet().await;
    let right = BASE64.encode(Md5::digest(b"payload"));
    let request = client
        .put("/proto/digest", "payload")
        .header("content-md5", &right);
    request.send().await.assert_success();
}

#[tokio::test]
async fn bucket_location_is_account_region() {
    let (_server, client, _) = server_with_alphabet().await;
    let response = client.get("/proto?location").send().await;
    response.assert_success();
    assert_eq!(
        response.xml("LocationConstraint").as_deref(),
        Some("beijing-1")
    );
}

#[tokio::test]
async fn create_bucket_in_other_region_rejected() {
    let (_server, client, _) = server_with_alphabet().await;
    let body = "<CreateBucketConfiguration><LocationConstraint>beijing-2</LocationConstraint>\
                </CreateBucketConfiguration>";
    let response = client.put("/elsewhere", body).send().await;
    response.assert_error(400, "InvalidLocationConstraint");
}

#[tokio::test]
async fn unimplemented_operation_is_501() {
    let (_server, client, _) = server_with_alphabet().await;
    let response = client.get("/proto?analytics&id=report").send().await;
    response.assert_error(501, "NotImplemented");
}

#[tokio::test]
async fn success_responses_carry_request_id() {
    let (_server, client, _) = server_with_alphabet().await;
    for path in ["/", "/proto", "/proto/alphabet", "/proto?list-type=2"] {
        let response = client.get(path).send().await;
        response.assert_success();
        assert!(
            response.header("x-amz-request-id").is_some(),
            "no x-amz-request-id on {path}"
        );
    }
}

#[tokio::test]
async fn ranged_get_omits_whole_object_checksum() {
    let (_server, client, _) = server_with_alphabet().await;
    let crc32 = BASE64.encode(crc32fast::hash(ALPHABET).to_be_bytes());
    let put = client
        .put("/proto/summed", ALPHABET)
        .header("x-amz-checksum-crc32", &crc32);
    put.send().await.assert_success();

    let whole = client
        .get("/proto/summed")
        .header("x-amz-checksum-mode", "ENABLED");
    let whole = whole.send().await;
    assert_eq!(whole.header("x-amz-checksum-crc32"), Some(crc32.as_str()));

    // A checksum of the whole object next to a partial body makes SDKs reject the download.
    let ranged = client
        .get("/proto/summed")
        .header("x-amz-checksum-mode", "ENABLED");
    let ranged = ranged.header("range", "bytes=0-2").send().await;
    assert_eq!(ranged.status.as_u16(), 206, "{ranged:?}");
    assert_eq!(ranged.header("x-amz-checksum-crc32"), None, "{ranged:?}");
}
