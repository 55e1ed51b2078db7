//! CopyObject through aws-cli: metadata directives, copies onto the object itself, copy
//! sources with special characters, and the `x-amz-copy-source-if-*` conditions.

use serde_json::Value;

use crate::awscli::AwsCli;
use crate::raw::{RawClient, encode_key};
use crate::server::Server;

fn start() -> (Server, AwsCli) {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "src"]);
    aws.ok(&["s3api", "create-bucket", "--bucket", "dst"]);
    (server, aws)
}

fn head(aws: &AwsCli, bucket: &str, key: &str) -> Value {
    aws.json(&["s3api", "head-object", "--bucket", bucket, "--key", key])
}

fn put_with_headers(aws: &AwsCli, bucket: &str, key: &str) {
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        bucket,
        "--key",
        key,
        "--content-type",
        "text/x-original",
        "--cache-control",
        "max-age=60",
        "--content-disposition",
        "attachment; filename=\"o.txt\"",
        "--content-language",
        "nl",
        "--expires",
        "2100-01-01T00:00:00Z",
        "--metadata",
        "mtime=1000,owner=alice",
    ]);
}

#[test]
fn copy_keeps_headers_across_buckets() {
    let (_server, aws) = start();
    put_with_headers(&aws, "src", "orig");
    aws.ok(&[
        "s3api",
        "copy-object",
        "--bucket",
        "dst",
        "--key",
        "copy",
        "--copy-source",
        "src/orig",
    ]);
    let source = head(&aws, "src", "orig");
    let copy = head(&aws, "dst", "copy");
    for field in [
        "ContentType",
        "CacheControl",
        "ContentDisposition",
        "ContentLanguage",
        "Expires",
        "Metadata",
        "ETag",
        "ContentLength",
    ] {
        assert_eq!(copy[field], source[field], "{field}");
    }
}

#[test]
fn copy_onto_itself_replaces_system_headers() {
    let (_server, aws) = start();
    put_with_headers(&aws, "src", "self");
    let before = head(&aws, "src", "self");

    let unchanged = [
        "s3api",
        "copy-object",
        "--bucket",
        "src",
        "--key",
        "self",
        "--copy-source",
        "src/self",
    ];
    assert_eq!(aws.error_code(&unchanged), "InvalidRequest");

    // Mount tools set times this way: a self-copy with REPLACE and new metadata.
    aws.ok(&[
        "s3api",
        "copy-object",
        "--bucket",
        "src",
        "--key",
        "self",
        "--copy-source",
        "src/self",
        "--metadata-directive",
        "REPLACE",
        "--content-type",
        "text/x-replaced",
        "--cache-control",
        "no-cache",
        "--content-disposition",
        "inline",
        "--expires",
        "2200-01-01T00:00:00Z",
        "--metadata",
        "mtime=2000",
    ]);
    let after = head(&aws, "src", "self");
    assert_eq!(after["ContentType"], "text/x-replaced");
    assert_eq!(after["CacheControl"], "no-cache");
    assert_eq!(after["ContentDisposition"], "inline");
    assert_ne!(after["Expires"], before["Expires"]);
    assert_eq!(after["Metadata"], serde_json::json!({"mtime": "2000"}));
    assert_eq!(after["ContentLanguage"], Value::Null);
    assert_eq!(after["ETag"], before["ETag"]);

    // A storage class change alone is a change too.
    aws.ok(&[
        "s3api",
        "copy-object",
        "--bucket",
        "src",
        "--key",
        "self",
        "--copy-source",
        "src/self",
        "--storage-class",
        "STANDARD_IA",
    ]);
    let reclassed = head(&aws, "src", "self");
    assert_eq!(reclassed["StorageClass"], "STANDARD_IA");
    assert_eq!(reclassed["ContentType"], "text/x-replaced");
}

#[test]
fn copy_source_with_special_characters() {
    let (server, aws) = start();
    let body = server.dir().join("body");
    std::fs::write(&body, b"special").expect("write body");
    let keys = [
        "with space/and+plus",
        "ünïcödé/日本語.txt",
        "query?x=1&y=%41",
        "percent%20literal",
    ];
    for (index, key) in keys.iter().enumerate() {
        aws.ok(&[
            "s3api",
            "put-object",
            "--bucket",
            "src",
            "--key",
            key,
            "--body",
            body.to_str().expect("UTF-8 path"),
        ]);
        let target = format!("copy-{index}");
        let source = format!("src/{key}");
        aws.ok(&[
            "s3api",
            "copy-object",
            "--bucket",
            "dst",
            "--key",
            &target,
            "--copy-source",
            &source,
        ]);
        assert_eq!(head(&aws, "dst", &target)["ContentLength"], 7, "{key}");

        let versioned = format!("src/{key}?versionId=null");
        let target = format!("versioned-{index}");
        aws.ok(&[
            "s3api",
            "copy-object",
            "--bucket",
            "dst",
            "--key",
            &target,
            "--copy-source",
            &versioned,
        ]);
        assert_eq!(head(&aws, "dst", &target)["ContentLength"], 7, "{key}");
    }

    let other_version = [
        "s3api",
        "copy-object",
        "--bucket",
        "dst",
        "--key",
        "x",
        "--copy-source",
        "src/query?x=1&y=%41?versionId=abc",
    ];
    assert_eq!(aws.error_code(&other_version), "NoSuchVersion");
    let missing_bucket = [
        "s3api",
        "copy-object",
        "--bucket",
        "dst",
        "--key",
        "x",
        "--copy-source",
        "no-such-bucket/k",
    ];
    assert_eq!(aws.error_code(&missing_bucket), "NoSuchBucket");
}

#[tokio::test]
async fn copy_source_header_forms() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("raw-src").await;
    let key = "dir/ä b+c";
    client
        .put(&format!("/raw-src/{}", encode_key(key)), "raw copy")
        .send()
        .await
        .assert_success();
    let forms = [
        format!("raw-src/{}", encode_key(key)),
        format!("/raw-src/{}", encode_key(key)),
        format!("/raw-src/{}?versionId=null", encode_key(key)),
    ];
    for (index, source) in forms.iter().enumerate() {
        let response = client
            .put(&format!("/raw-src/copy-{index}"), "")
            .header("x-amz-copy-source", source)
            .send()
            .await;
        response.assert_success();
        assert!(
            response.xml("ETag").is_some(),
            "{source}: {}",
            response.text()
        );
        let copied = client.get(&format!("/raw-src/copy-{index}")).send().await;
        assert_eq!(copied.body.as_ref(), b"raw copy", "{source}");
    }
    let bad = client
        .put("/raw-src/bad", "")
        .header("x-amz-copy-source", "raw-src")
        .send()
        .await;
    bad.assert_error(400, "InvalidArgument");
}

#[test]
fn copy_source_conditions() {
    let (_server, aws) = start();
    aws.ok(&["s3api", "put-object", "--bucket", "src", "--key", "k"]);
    let source = head(&aws, "src", "k");
    let etag = source["ETag"].as_str().expect("ETag").to_owned();
    // A date in the future is invalid in a condition and ignored, as HTTP specifies, so the
    // not-modified case uses the object's own last-modified time.
    let modified = source["LastModified"]
        .as_str()
        .expect("LastModified")
        .to_owned();
    let past = "2000-01-01T00:00:00Z";
    let future = "2100-01-01T00:00:00Z";
    let cases: [(&str, &str, bool); 8] = [
        ("--copy-source-if-match", &etag, true),
        ("--copy-source-if-match", "\"0123\"", false),
        ("--copy-source-if-none-match", "\"0123\"", true),
        ("--copy-source-if-none-match", &etag, false),
        ("--copy-source-if-modified-since", past, true),
        ("--copy-source-if-modified-since", &modified, false),
        ("--copy-source-if-unmodified-since", future, true),
        ("--copy-source-if-unmodified-since", past, false),
    ];
    for (flag, value, proceeds) in cases {
        let args = [
            "s3api",
            "copy-object",
            "--bucket",
            "dst",
            "--key",
            "conditional",
            "--copy-source",
            "src/k",
            flag,
            value,
        ];
        if proceeds {
            aws.ok(&args);
        } else {
            assert_eq!(
                aws.error_code(&args),
                "PreconditionFailed",
                "{flag} {value}"
            );
        }
    }
    // If-Match that holds wins over If-Unmodified-Since that fails, as on AWS.
    aws.ok(&[
        "s3api",
        "copy-object",
        "--bucket",
        "dst",
        "--key",
        "conditional",
        "--copy-source",
        "src/k",
        "--copy-source-if-match",
        &etag,
        "--copy-source-if-unmodified-since",
        past,
    ]);
}
