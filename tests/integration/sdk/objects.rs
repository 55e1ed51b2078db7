//! Objects through the SDK: stored headers, response overrides, ranges, conditions, overwrites.

use aws_sdk_s3::primitives::{ByteStream, DateTime};

use super::{client, error_code, pattern, quoted_md5, read_all};
use crate::server::Server;

#[tokio::test]
async fn object_headers_round_trip() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("meta")
        .send()
        .await
        .expect("CreateBucket");
    let expires = DateTime::from_secs(4_102_444_800);
    s3.put_object()
        .bucket("meta")
        .key("doc.txt")
        .body(ByteStream::from_static(b"hello metadata"))
        .content_type("text/x-test")
        .cache_control("max-age=60")
        .content_disposition("attachment; filename=\"doc.txt\"")
        .content_encoding("identity")
        .content_language("fr")
        .expires(expires)
        .metadata("color", "blue")
        .metadata("shape", "round square")
        .send()
        .await
        .expect("PutObject with headers");

    let head = s3
        .head_object()
        .bucket("meta")
        .key("doc.txt")
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(head.content_type(), Some("text/x-test"));
    assert_eq!(head.cache_control(), Some("max-age=60"));
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"doc.txt\"")
    );
    assert_eq!(head.content_encoding(), Some("identity"));
    assert_eq!(head.content_language(), Some("fr"));
    assert_eq!(head.expires_string(), Some("Fri, 01 Jan 2100 00:00:00 GMT"));
    assert_eq!(head.content_length(), Some(14));
    assert_eq!(head.e_tag(), Some(quoted_md5(b"hello metadata").as_str()));
    let metadata = head.metadata().expect("user metadata");
    assert_eq!(metadata.get("color").map(String::as_str), Some("blue"));
    assert_eq!(
        metadata.get("shape").map(String::as_str),
        Some("round square")
    );
}

#[tokio::test]
async fn response_header_overrides() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("over")
        .send()
        .await
        .expect("CreateBucket");
    let body = ByteStream::from_static(b"data");
    s3.put_object()
        .bucket("over")
        .key("k")
        .body(body)
        .send()
        .await
        .expect("PutObject");
    let output = s3
        .get_object()
        .bucket("over")
        .key("k")
        .response_content_type("application/x-override")
        .response_content_disposition("inline")
        .response_cache_control("no-cache")
        .response_content_language("de")
        .response_content_encoding("gzip")
        .response_expires(DateTime::from_secs(4_102_444_800))
        .send()
        .await
        .expect("GetObject with overrides");
    assert_eq!(output.content_type(), Some("application/x-override"));
    assert_eq!(output.content_disposition(), Some("inline"));
    assert_eq!(output.cache_control(), Some("no-cache"));
    assert_eq!(output.content_language(), Some("de"));
    assert_eq!(output.content_encoding(), Some("gzip"));
    assert_eq!(
        output.expires_string(),
        Some("Fri, 01 Jan 2100 00:00:00 GMT")
    );
}

#[tokio::test]
async fn ranged_and_conditional_get() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("rng")
        .send()
        .await
        .expect("CreateBucket");
    let data = pattern(1000, 7);
    let body = ByteStream::from(data.clone());
    let put = s3
        .put_object()
        .bucket("rng")
        .key("k")
        .body(body)
        .send()
        .await
        .expect("PutObject");
    let etag = put.e_tag().expect("ETag").to_owned();

    let output = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=-10")
        .send()
        .await;
    let output = output.expect("suffix range");
    assert_eq!(output.content_range(), Some("bytes 990-999/1000"));
    let bytes = output.body.collect().await.expect("body").into_bytes();
    assert_eq!(bytes.as_ref(), &data[990..]);

    let beyond = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .range("bytes=1000-")
        .send()
        .await;
    assert_eq!(error_code(beyond), "InvalidRange");

    let stale = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_match("\"0000\"")
        .send()
        .await;
    assert_eq!(error_code(stale), "PreconditionFailed");
    let fresh = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_match(&etag)
        .send()
        .await;
    fresh.expect("If-Match with the current ETag");
    let unchanged = s3
        .get_object()
        .bucket("rng")
        .key("k")
        .if_none_match(&etag)
        .send()
        .await;
    let status = unchanged
        .expect_err("If-None-Match")
        .raw_response()
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(304));
}

#[tokio::test]
async fn missing_objects() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("gone")
        .send()
        .await
        .expect("CreateBucket");
    let get = s3.get_object().bucket("gone").key("never").send().await;
    assert_eq!(error_code(get), "NoSuchKey");
    let other = s3
        .get_object()
        .bucket("no-such-bucket")
        .key("k")
        .send()
        .await;
    assert_eq!(error_code(other), "NoSuchBucket");
    s3.delete_object()
        .bucket("gone")
        .key("never")
        .send()
        .await
        .expect("DeleteObject of missing");
}

#[tokio::test]
async fn overwrite_replaces_content() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("overwrite")
        .send()
        .await
        .expect("CreateBucket");
    for (seed, len) in [(1, 3_000_000), (2, 10), (3, 0), (4, 200_000)] {
        let data = pattern(len, seed);
        let body = ByteStream::from(data.clone());
        s3.put_object()
            .bucket("overwrite")
            .key("k")
            .body(body)
            .send()
            .await
            .expect("PutObject");
        assert_eq!(
            read_all(&s3, "overwrite", "k").await,
            data,
            "content after write of {len} bytes"
        );
    }
}
