//! Object and bucket tagging through aws-cli, with AWS's limits and error codes, and the
//! Content-MD5 requirement through the raw client.

use base64::Engine;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::awscli::AwsCli;
use crate::raw::RawClient;
use crate::server::Server;

/// Builds an aws-cli `--tagging` JSON argument from `(key, value)` pairs.
fn tag_set(tags: &[(&str, &str)]) -> String {
    let set: Vec<Value> = tags
        .iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect();
    json!({ "TagSet": set }).to_string()
}

fn numbered_tags(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| (format!("k{i}"), format!("v{i}")))
        .collect()
}

fn borrowed(tags: &[(String, String)]) -> Vec<(&str, &str)> {
    tags.iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect()
}

fn start() -> (Server, AwsCli) {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "tags"]);
    (server, aws)
}

fn get_object_tags(aws: &AwsCli, key: &str) -> Value {
    aws.json(&[
        "s3api",
        "get-object-tagging",
        "--bucket",
        "tags",
        "--key",
        key,
    ])["TagSet"]
        .clone()
}

#[test]
fn object_tagging_put_get_delete() {
    let (_server, aws) = start();
    aws.ok(&["s3api", "put-object", "--bucket", "tags", "--key", "k"]);
    let before = aws.json(&["s3api", "head-object", "--bucket", "tags", "--key", "k"]);

    let tags = tag_set(&[("project", "oss"), ("empty", ""), ("ünï cödé", "a b+c")]);
    aws.ok(&[
        "s3api",
        "put-object-tagging",
        "--bucket",
        "tags",
        "--key",
        "k",
        "--tagging",
        &tags,
    ]);
    let expected = json!([
        {"Key": "project", "Value": "oss"},
        {"Key": "empty", "Value": ""},
        {"Key": "ünï cödé", "Value": "a b+c"},
    ]);
    assert_eq!(get_object_tags(&aws, "k"), expected);

    // Tagging changes neither the ETag nor the last-modified time.
    let after = aws.json(&["s3api", "head-object", "--bucket", "tags", "--key", "k"]);
    assert_eq!(after["ETag"], before["ETag"]);
    assert_eq!(after["LastModified"], before["LastModified"]);

    aws.ok(&[
        "s3api",
        "delete-object-tagging",
        "--bucket",
        "tags",
        "--key",
        "k",
    ]);
    assert_eq!(get_object_tags(&aws, "k"), json!([]));
}

#[test]
fn object_tagging_limits() {
    let (_server, aws) = start();
    aws.ok(&["s3api", "put-object", "--bucket", "tags", "--key", "k"]);
    let ten = numbered_tags(10);
    let eleven = numbered_tags(11);
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let max_key = "ü".repeat(128);
    let max_value = "ü".repeat(256);
    let cases: Vec<(String, Option<&str>)> = vec![
        (tag_set(&borrowed(&ten)), None),
        (tag_set(&[(&max_key, &max_value)]), None),
        (tag_set(&borrowed(&eleven)), Some("BadRequest")),
        (tag_set(&[("aws:reserved", "x")]), Some("InvalidTag")),
        (tag_set(&[("a", "1"), ("a", "2")]), Some("InvalidTag")),
        (tag_set(&[(&long_key, "v")]), Some("InvalidTag")),
        (tag_set(&[("k", &long_value)]), Some("InvalidTag")),
    ];
    for (tagging, expected) in cases {
        let args = [
            "s3api",
            "put-object-tagging",
            "--bucket",
            "tags",
            "--key",
            "k",
            "--tagging",
            &tagging,
        ];
        match expected {
            None => {
                aws.ok(&args);
            }
            Some(code) => assert_eq!(aws.error_code(&args), code, "{tagging}"),
        }
    }
    // The rejected sets left the last accepted one in place.
    let stored = get_object_tags(&aws, "k");
    assert_eq!(stored[0]["Key"], max_key);

    let missing = [
        "s3api",
        "put-object-tagging",
        "--bucket",
        "tags",
        "--key",
        "none",
        "--tagging",
        &tag_set(&[("a", "1")]),
    ];
    assert_eq!(aws.error_code(&missing), "NoSuchKey");
    let missing_get = [
        "s3api",
        "get-object-tagging",
        "--bucket",
        "tags",
        "--key",
        "none",
    ];
    assert_eq!(aws.error_code(&missing_get), "NoSuchKey");
}

#[test]
fn tagging_header_on_writes() {
    let (server, aws) = start();
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "tags",
        "--key",
        "put",
        "--tagging",
        "a=1&b=two%20words",
    ]);
    let expected = json!([{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}]);
    assert_eq!(get_object_tags(&aws, "put"), expected);
    let out = server.dir().join("out");
    let got = aws.json(&[
        "s3api",
        "get-object",
        "--bucket",
        "tags",
        "--key",
        "put",
        out.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(got["TagCount"], 2);

    let eleven: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
    let too_many = [
        "s3api",
        "put-object",
        "--bucket",
        "tags",
        "--key",
        "many",
        "--tagging",
        &eleven.join("&"),
    ];
    assert_eq!(aws.error_code(&too_many), "BadRequest");
    let reserved = [
        "s3api",
        "put-object",
        "--bucket",
        "tags",
        "--key",
        "reserved",
        "--tagging",
        "aws%3Ax=1",
    ];
    assert_eq!(aws.error_code(&reserved), "InvalidTag");

    // CreateMultipartUpload keeps the tags for the completed object.
    let upload = aws.json(&[
        "s3api",
        "create-multipart-upload",
        "--bucket",
        "tags",
        "--key",
        "mpu",
        "--tagging",
        "stage=upload",
    ]);
    let upload_id = upload["UploadId"].as_str().expect("UploadId");
    let part = server.dir().join("part");
    std::fs::write(&part, b"one small part").expect("write part");
    let uploaded = aws.json(&[
        "s3api",
        "upload-part",
        "--bucket",
        "tags",
        "--key",
        "mpu",
        "--upload-id",
        upload_id,
        "--part-number",
        "1",
        "--body",
        part.to_str().expect("UTF-8 path"),
    ]);
    let parts = json!({"Parts": [{"PartNumber": 1, "ETag": uploaded["ETag"]}]}).to_string();
    aws.ok(&[
        "s3api",
        "complete-multipart-upload",
        "--bucket",
        "tags",
        "--key",
        "mpu",
        "--upload-id",
        upload_id,
        "--multipart-upload",
        &parts,
    ]);
    assert_eq!(
        get_object_tags(&aws, "mpu"),
        json!([{"Key": "stage", "Value": "upload"}])
    );
}

#[test]
fn copy_tagging_directive() {
    let (_server, aws) = start();
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "tags",
        "--key",
        "src",
        "--tagging",
        "from=source",
    ]);
    let copy = |key: &str, extra: &[&str]| {
        let mut args = vec![
            "s3api",
            "copy-object",
            "--bucket",
            "tags",
            "--key",
            key,
            "--copy-source",
            "tags/src",
        ];
        args.extend_from_slice(extra);
        aws.ok(&args);
    };
    copy("default", &[]);
    copy(
        "copied",
        &["--tagging-directive", "COPY", "--tagging", "x=1"],
    );
    copy(
        "replaced",
        &["--tagging-directive", "REPLACE", "--tagging", "x=1"],
    );
    copy("cleared", &["--tagging-directive", "REPLACE"]);
    copy(
        "meta-replaced",
        &["--metadata-directive", "REPLACE", "--content-type", "a/b"],
    );
    let source_tags = json!([{"Key": "from", "Value": "source"}]);
    assert_eq!(get_object_tags(&aws, "default"), source_tags);
    assert_eq!(get_object_tags(&aws, "copied"), source_tags);
    assert_eq!(
        get_object_tags(&aws, "replaced"),
        json!([{"Key": "x", "Value": "1"}])
    );
    assert_eq!(get_object_tags(&aws, "cleared"), json!([]));
    assert_eq!(get_object_tags(&aws, "meta-replaced"), source_tags);

    let bad = [
        "s3api",
        "copy-object",
        "--bucket",
        "tags",
        "--key",
        "bad",
        "--copy-source",
        "tags/src",
        "--tagging-directive",
        "MERGE",
    ];
    assert_eq!(aws.error_code(&bad), "InvalidArgument");
}

#[test]
fn bucket_tagging_put_get_delete() {
    let (_server, aws) = start();
    let get = ["s3api", "get-bucket-tagging", "--bucket", "tags"];
    assert_eq!(aws.error_code(&get), "NoSuchTagSet");

    let fifty = numbered_tags(50);
    aws.ok(&[
        "s3api",
        "put-bucket-tagging",
        "--bucket",
        "tags",
        "--tagging",
        &tag_set(&borrowed(&fifty)),
    ]);
    let stored = aws.json(&get)["TagSet"].clone();
    assert_eq!(stored.as_array().map(Vec::len), Some(50));
    assert_eq!(stored[49], json!({"Key": "k49", "Value": "v49"}));

    let fifty_one = numbered_tags(51);
    let cases = [
        (tag_set(&borrowed(&fifty_one)), "BadRequest"),
        (tag_set(&[("aws:x", "1")]), "InvalidTag"),
        (tag_set(&[("d", "1"), ("d", "1")]), "InvalidTag"),
    ];
    for (tagging, code) in cases {
        let args = [
            "s3api",
            "put-bucket-tagging",
            "--bucket",
            "tags",
            "--tagging",
            &tagging,
        ];
        assert_eq!(aws.error_code(&args), code, "{tagging}");
    }
    assert_eq!(aws.json(&get)["TagSet"], stored);

    aws.ok(&["s3api", "delete-bucket-tagging", "--bucket", "tags"]);
    assert_eq!(aws.error_code(&get), "NoSuchTagSet");
    let missing = ["s3api", "get-bucket-tagging", "--bucket", "no-such-bucket"];
    assert_eq!(aws.error_code(&missing), "NoSuchBucket");
}

#[tokio::test]
async fn tagging_documents_need_digest_and_schema() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("raw-tags").await;
    client
        .put("/raw-tags/k", "data")
        .send()
        .await
        .assert_success();
    let document = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>";
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(document));

    let no_digest = client.put("/raw-tags/k?tagging", document).send().await;
    no_digest.assert_error(400, "InvalidRequest");
    let no_digest = client.put("/raw-tags?tagging", document).send().await;
    no_digest.assert_error(400, "InvalidRequest");

    let wrong = base64::engine::general_purpose::STANDARD.encode(Md5::digest("other"));
    let bad_digest = client
        .put("/raw-tags/k?tagging", document)
        .header("content-md5", &wrong)
        .send()
        .await;
    bad_digest.assert_error(400, "BadDigest");

    // aws-cli refuses an empty key before sending, so it is sent by hand.
    let empty_key = "<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>";
    let empty_key_md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(empty_key));
    let response = client
        .put("/raw-tags/k?tagging", empty_key)
        .header("content-md5", &empty_key_md5)
        .send()
        .await;
    response.assert_error(400, "InvalidTag");

    let malformed = "<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>";
    let malformed_md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(malformed));
    let response = client
        .put("/raw-tags/k?tagging", malformed)
        .header("content-md5", &malformed_md5)
        .send()
        .await;
    response.assert_error(400, "MalformedXML");

    let response = client
        .put("/raw-tags/k?tagging", document)
        .header("content-md5", &md5)
        .send()
        .await;
    response.assert_success();
    let tags = client.get("/raw-tags/k?tagging").send().await;
    assert_eq!(tags.xml("Tag/Key").as_deref(), Some("a"));
    let head = client
        .request(http::Method::HEAD, "/raw-tags/k")
        .send()
        .await;
    assert_eq!(head.header("x-amz-tagging-count"), Some("1"));
}
