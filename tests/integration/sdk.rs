//! AWS's Rust SDK (`aws-sdk-s3`) against the server: the client set-up shared by other modules,
//! and bucket calls including the versioning calls of an unversioned bucket.

mod checksums;
mod conditional;
mod multipart;
mod objects;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use md5::{Digest, Md5};

use crate::server::Server;

/// Builds an SDK client for `server`: path-style, static credentials, region `beijing-1`.
pub fn client(server: &Server) -> Client {
    let credentials = server.credentials();
    let credentials = Credentials::new(
        &credentials.access_key,
        &credentials.secret_key,
        None,
        None,
        "integration-tests",
    );
    // NOTE: `build_http` is the SDK's plain-HTTP client. It is marked hidden in
    // aws-smithy-http-client 1.x docs, but it spares compiling a TLS stack we never use.
    let http_client = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(Region::new("beijing-1"))
        .endpoint_url(server.endpoint())
        .force_path_style(true)
        .credentials_provider(credentials)
        .http_client(http_client)
        .build();
    Client::from_conf(config)
}

/// Returns the S3 error code of a failed SDK call, or panics on success.
#[track_caller]
pub fn error_code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    match result {
        Ok(value) => panic!("expected an S3 error, got {value:?}"),
        Err(error) => error
            .code()
            .unwrap_or_else(|| panic!("no error code in {error:?}"))
            .to_owned(),
    }
}

/// Deterministic bytes of `len`, different per `seed`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8))
        .collect()
}

fn quoted_md5(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

async fn read_all(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let output = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("GetObject");
    output
        .body
        .collect()
        .await
        .expect("read body")
        .into_bytes()
        .to_vec()
}

#[tokio::test]
async fn bucket_lifecycle() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("plain")
        .send()
        .await
        .expect("CreateBucket without location");
    let in_region = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::from("beijing-1"))
        .build();
    let request = s3
        .create_bucket()
        .bucket("placed")
        .create_bucket_configuration(in_region);
    request
        .send()
        .await
        .expect("CreateBucket in the account's region");

    let names: Vec<String> = s3
        .list_buckets()
        .send()
        .await
        .expect("ListBuckets")
        .buckets()
        .iter()
        .filter_map(|bucket| bucket.name().map(str::to_owned))
        .collect();
    assert_eq!(names, ["placed", "plain"]);

    s3.head_bucket()
        .bucket("plain")
        .send()
        .await
        .expect("HeadBucket");
    let location = s3
        .get_bucket_location()
        .bucket("placed")
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("beijing-1")
    );

    s3.delete_bucket()
        .bucket("plain")
        .send()
        .await
        .expect("DeleteBucket");
    let head = s3.head_bucket().bucket("plain").send().await;
    let status = head
        .expect_err("HeadBucket after delete")
        .raw_response()
        .map(|r| r.status().as_u16());
    assert_eq!(status, Some(404));
}

#[tokio::test]
async fn create_bucket_errors() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("mine")
        .send()
        .await
        .expect("CreateBucket");
    let again = s3.create_bucket().bucket("mine").send().await;
    assert_eq!(error_code(again), "BucketAlreadyOwnedByYou");

    let elsewhere = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::from("beijing-3"))
        .build();
    let request = s3
        .create_bucket()
        .bucket("far")
        .create_bucket_configuration(elsewhere);
    assert_eq!(
        error_code(request.send().await),
        "InvalidLocationConstraint"
    );

    let invalid = s3.create_bucket().bucket("Not_A_Valid_Name").send().await;
    assert_eq!(error_code(invalid), "InvalidBucketName");
}

#[tokio::test]
async fn delete_bucket_not_empty() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("full")
        .send()
        .await
        .expect("CreateBucket");
    let body = ByteStream::from_static(b"x");
    s3.put_object()
        .bucket("full")
        .key("k")
        .body(body)
        .send()
        .await
        .expect("PutObject");
    let delete = s3.delete_bucket().bucket("full").send().await;
    assert_eq!(error_code(delete), "BucketNotEmpty");
    s3.delete_object()
        .bucket("full")
        .key("k")
        .send()
        .await
        .expect("DeleteObject");
    s3.delete_bucket()
        .bucket("full")
        .send()
        .await
        .expect("DeleteBucket when empty");
}
#[tokio::test]
async fn versions_of_unversioned_bucket() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("ver")
        .send()
        .await
        .expect("CreateBucket");
    for key in ["a", "b", "a"] {
        let body = ByteStream::from(key.as_bytes().to_vec());
        s3.put_object()
            .bucket("ver")
            .key(key)
            .body(body)
            .send()
            .await
            .expect("PutObject");
    }
    let versioning = s3
        .get_bucket_versioning()
        .bucket("ver")
        .send()
        .await
        .expect("versioning");
    assert_eq!(versioning.status(), None);

    let versions = s3
        .list_object_versions()
        .bucket("ver")
        .send()
        .await
        .expect("versions");
    let listed: Vec<(&str, &str, bool)> = versions
        .versions()
        .iter()
        .map(|v| {
            (
                v.key().unwrap_or(""),
                v.version_id().unwrap_or(""),
                v.is_latest() == Some(true),
            )
        })
        .collect();
    assert_eq!(listed, [("a", "null", true), ("b", "null", true)]);
    assert!(
        versions.delete_markers().is_empty(),
        "delete markers in an unversioned bucket"
    );
}
