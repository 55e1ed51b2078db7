//! DeleteObjects through aws-cli and the raw client: quiet mode, per-key results, the
//! 1000-key limit and the required body digest.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::awscli::AwsCli;
use crate::raw::RawClient;
use crate::server::Server;

fn objects(keys: &[String]) -> String {
    let objects: Vec<Value> = keys.iter().map(|key| json!({"Key": key})).collect();
    json!({ "Objects": objects }).to_string()
}

fn put(aws: &AwsCli, key: &str) {
    aws.ok(&["s3api", "put-object", "--bucket", "del", "--key", key]);
}

#[test]
fn delete_objects_reports_each_key() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "del"]);
    let present = ["a", "b c", "ü/+"];
    for key in present {
        put(&aws, key);
    }
    let too_long = "k".repeat(1025);
    let mut keys: Vec<String> = present.iter().map(|key| (*key).to_owned()).collect();
    keys.push("never-existed".to_owned());
    keys.push(too_long.clone());

    let result = aws.json(&[
        "s3api",
        "delete-objects",
        "--bucket",
        "del",
        "--delete",
        &objects(&keys),
    ]);
    let mut deleted: Vec<&str> = result["Deleted"]
        .as_array()
        .expect("Deleted")
        .iter()
        .filter_map(|entry| entry["Key"].as_str())
        .collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["a", "b c", "never-existed", "ü/+"]);
    let errors = result["Errors"].as_array().expect("Errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["Key"], too_long.as_str());
    assert_eq!(errors[0]["Code"], "KeyTooLongError");
    for key in present {
        let head = aws.run(&["s3api", "head-object", "--bucket", "del", "--key", key]);
        assert!(!head.status.success(), "{key} still exists");
    }

    // Quiet mode lists only the errors.
    put(&aws, "q");
    let quiet = json!({"Objects": [{"Key": "q"}, {"Key": too_long}], "Quiet": true});
    let result = aws.json(&[
        "s3api",
        "delete-objects",
        "--bucket",
        "del",
        "--delete",
        &quiet.to_string(),
    ]);
    assert_eq!(result.get("Deleted"), None, "quiet result: {result}");
    assert_eq!(result["Errors"].as_array().map(Vec::len), Some(1));
    let head = aws.run(&["s3api", "head-object", "--bucket", "del", "--key", "q"]);
    assert!(
        !head.status.success(),
        "quietly deleted object still exists"
    );
}

#[test]
fn delete_objects_key_limit() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "del"]);
    let thousand: Vec<String> = (0..1000).map(|i| format!("k{i}")).collect();
    let result = aws.json(&[
        "s3api",
        "delete-objects",
        "--bucket",
        "del",
        "--delete",
        &objects(&thousand),
    ]);
    assert_eq!(result["Deleted"].as_array().map(Vec::len), Some(1000));

    let thousand_and_one: Vec<String> = (0..1001).map(|i| format!("k{i}")).collect();
    let args = [
        "s3api",
        "delete-objects",
        "--bucket",
        "del",
        "--delete",
        &objects(&thousand_and_one),
    ];
    assert_eq!(aws.error_code(&args), "MalformedXML");
}

#[tokio::test]
async fn delete_objects_digest() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("raw-del").await;
    client.put("/raw-del/k", "x").send().await.assert_success();
    let document = "<Delete><Object><Key>k</Key></Object></Delete>";
    let post = || {
        client
            .request(http::Method::POST, "/raw-del?delete")
            .body(document)
    };

    post().send().await.assert_error(400, "InvalidRequest");
    let wrong_md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest("other"));
    post()
        .header("content-md5", &wrong_md5)
        .send()
        .await
        .assert_error(400, "BadDigest");
    let wrong_crc =
        base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(b"other").to_be_bytes());
    post()
        .header("x-amz-checksum-crc32", &wrong_crc)
        .send()
        .await
        .assert_error(400, "BadDigest");
    let head = client
        .request(http::Method::HEAD, "/raw-del/k")
        .send()
        .await;
    assert_eq!(
        head.status.as_u16(),
        200,
        "rejected requests deleted the object"
    );

    let crc = base64::engine::general_purpose::STANDARD
        .encode(crc32fast::hash(document.as_bytes()).to_be_bytes());
    let response = post().header("x-amz-checksum-crc32", &crc).send().await;
    response.assert_success();
    assert_eq!(response.xml("Deleted/Key").as_deref(), Some("k"));
    let head = client
        .request(http::Method::HEAD, "/raw-del/k")
        .send()
        .await;
    assert_eq!(head.status.as_u16(), 404);
}
