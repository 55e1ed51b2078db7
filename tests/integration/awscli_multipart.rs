//! aws-cli v2 against the multipart and checksum operations: `s3 cp` of 100 MiB and of a
//! multipart copy between buckets, and `s3api` calls for every multipart operation with its
//! error cases, UploadPartCopy, checksums, GetObjectAttributes and quota accounting of parts.
//!
//! aws-cli 2.9.19 has no flags for `If-None-Match`, `If-Match` on writes, CRC64NVME or the
//! checksum type; the SDK and raw-client tests cover those.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::awscli::AwsCli;
use crate::raw::streaming::checksum;
use crate::sdk::pattern;
use crate::server::{Options, Server};

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Writes `data` to a file in the server's temporary directory.
fn write_file(server: &Server, name: &str, data: &[u8]) -> PathBuf {
    let path = server.dir().join(name);
    fs::write(&path, data).expect("write test file");
    path
}

fn str_field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {value}"))
}

/// Starts an upload and returns its id.
fn create_upload(aws: &AwsCli, bucket: &str, key: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "s3api",
        "create-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        key,
    ];
    args.extend_from_slice(extra);
    str_field(&aws.json(&args), "UploadId").to_owned()
}

/// Returns the arguments of an upload-part call.
fn upload_part_args<'a>(
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    number: &'a str,
    body: &'a Path,
) -> Vec<&'a str> {
    vec![
        "s3api",
        "upload-part",
        "--bucket",
        bucket,
        "--key",
        key,
        "--upload-id",
        upload_id,
        "--part-number",
        number,
        "--body",
        path_str(body),
    ]
}

/// Uploads part `number` from `body`; returns the JSON output.
fn upload_part(
    aws: &AwsCli,
    (bucket, key, upload_id): (&str, &str, &str),
    number: u32,
    body: &Path,
    extra: &[&str],
) -> Value {
    let number = number.to_string();
    let mut args = upload_part_args(bucket, key, upload_id, &number, body);
    args.extend_from_slice(extra);
    aws.json(&args)
}

/// Returns the `--multipart-upload` document listing `(part number, ETag)` pairs.
fn part_list(parts: &[(u32, &str)]) -> String {
    let parts: Vec<Value> = parts
        .iter()
        .map(|(number, etag)| json!({"PartNumber": number, "ETag": etag}))
        .collect();
    json!({ "Parts": parts }).to_string()
}

/// Returns the arguments of complete-multipart-upload with the part list `document`.
fn complete_args<'a>(
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    document: &'a str,
) -> Vec<&'a str> {
    vec![
        "s3api",
        "complete-multipart-upload",
        "--bucket",
        bucket,
        "--key",
        key,
        "--upload-id",
        upload_id,
        "--multipart-upload",
        document,
    ]
}

#[test]
fn s3_cp_100_mib_round_trip() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://large"]);
    let data = pattern(100 << 20, 9);
    let source = write_file(&server, "hundred-mib", &data);

    aws.ok(&["s3", "cp", path_str(&source), "s3://large/blob"]);
    // aws-cli sends 8 MiB parts, so 100 MiB takes 13.
    let head = aws.json(&["s3api", "head-object", "--bucket", "large", "--key", "blob"]);
    assert_eq!(head["ContentLength"], 100 << 20);
    let etag = str_field(&head, "ETag");
    assert!(etag.ends_with("-13\""), "multipart ETag {etag}");

    let target = server.dir().join("downloaded");
    aws.ok(&["s3", "cp", "s3://large/blob", path_str(&target)]);
    let downloaded = fs::read(&target).expect("read download");
    assert_eq!(downloaded.len(), data.len());
    assert!(
        downloaded == data,
        "downloaded bytes differ from the upload"
    );
}

#[test]
fn s3_cp_multipart_copy_between_buckets() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://from"]);
    aws.ok(&["s3", "mb", "s3://dest"]);
    let data = pattern(20 << 20, 4);
    let source = write_file(&server, "twenty-mib", &data);
    aws.ok(&["s3", "cp", path_str(&source), "s3://from/a b+c"]);

    // Above aws-cli's 8 MiB threshold a copy is CreateMultipartUpload, UploadPartCopy of each
    // 8 MiB range, then CompleteMultipartUpload, so the copy has a three-part ETag.
    aws.ok(&["s3", "cp", "s3://from/a b+c", "s3://dest/copied"]);
    let head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "dest",
        "--key",
        "copied",
    ]);
    assert_eq!(head["ContentLength"], 20 << 20);
    let etag = str_field(&head, "ETag");
    assert!(etag.ends_with("-3\""), "multipart copy ETag {etag}");

    let target = server.dir().join("copied");
    aws.ok(&["s3", "cp", "s3://dest/copied", path_str(&target)]);
    let copied = fs::read(&target).expect("read copy");
    assert!(copied == data, "copied bytes differ from the source");
}

#[test]
fn s3api_multipart_lifecycle() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "mpu"]);
    let big = [pattern(5 << 20, 1), pattern(5 << 20, 2)];
    let files = [
        write_file(&server, "p1", &big[0]),
        write_file(&server, "p2", &big[1]),
        write_file(&server, "p3", b"tail"),
    ];
    let upload_id = create_upload(&aws, "mpu", "dir/obj", &["--content-type", "text/x-test"]);
    let upload = ("mpu", "dir/obj", upload_id.as_str());
    // Parts may arrive in any order.
    let mut etags = [String::new(), String::new(), String::new()];
    for index in [2usize, 0, 1] {
        let number = u32::try_from(index + 1).expect("part number");
        let output = upload_part(&aws, upload, number, &files[index], &[]);
        etags[index] = str_field(&output, "ETag").to_owned();
    }

    // ListParts pages by part number.
    let list = |marker: &str| {
        aws.json(&[
            "s3api",
            "list-parts",
            "--bucket",
            "mpu",
            "--key",
            "dir/obj",
            "--upload-id",
            &upload_id,
            "--max-parts",
            "2",
            "--part-number-marker",
            marker,
            "--no-paginate",
        ])
    };
    let first = list("0");
    assert_eq!(first["IsTruncated"], true);
    assert_eq!(first["NextPartNumberMarker"], 2);
    assert_eq!(first["Parts"][0]["PartNumber"], 1);
    assert_eq!(first["Parts"][1]["Size"], 5 << 20);
    let second = list("2");
    assert_eq!(second["IsTruncated"], false);
    assert_eq!(second["Parts"][0]["PartNumber"], 3);
    assert_eq!(second["Parts"][0]["ETag"], etags[2].as_str());

    // ListMultipartUploads with a prefix and a delimiter.
    create_upload(&aws, "mpu", "other", &[]);
    let rolled = aws.json(&[
        "s3api",
        "list-multipart-uploads",
        "--bucket",
        "mpu",
        "--delimiter",
        "/",
    ]);
    assert_eq!(rolled["CommonPrefixes"][0]["Prefix"], "dir/");
    assert_eq!(rolled["Uploads"][0]["Key"], "other");
    let under = aws.json(&[
        "s3api",
        "list-multipart-uploads",
        "--bucket",
        "mpu",
        "--prefix",
        "dir/",
    ]);
    assert_eq!(under["Uploads"][0]["UploadId"], upload_id.as_str());
    assert_eq!(under["Uploads"].as_array().map(Vec::len), Some(1));

    // ListMultipartUploads pages by key and upload id.
    let page = |markers: &[&str]| {
        let mut args = vec![
            "s3api",
            "list-multipart-uploads",
            "--bucket",
            "mpu",
            "--max-uploads",
            "1",
            "--no-paginate",
        ];
        args.extend_from_slice(markers);
        aws.json(&args)
    };
    let first_page = page(&[]);
    assert_eq!(first_page["IsTruncated"], true);
    assert_eq!(first_page["NextKeyMarker"], "dir/obj");
    assert_eq!(first_page["NextUploadIdMarker"], upload_id.as_str());
    let second_page = page(&["--key-marker", "dir/obj", "--upload-id-marker", &upload_id]);
    assert_eq!(second_page["Uploads"][0]["Key"], "other");
    assert_eq!(second_page["IsTruncated"], false);

    // Completion errors leave the upload in place.
    let complete_with = |parts: &[(u32, &str)]| {
        let document = part_list(parts);
        aws.error_code(&complete_args("mpu", "dir/obj", &upload_id, &document))
    };
    let descending = complete_with(&[(2, &etags[1]), (1, &etags[0])]);
    assert_eq!(descending, "InvalidPartOrder");
    let unknown = complete_with(&[(1, &etags[0]), (4, &etags[2])]);
    assert_eq!(unknown, "InvalidPart");
    let wrong_etag = complete_with(&[(1, &etags[1])]);
    assert_eq!(wrong_etag, "InvalidPart");
    let out_of_range = complete_with(&[(1, &etags[0]), (10_001, &etags[2])]);
    assert_eq!(out_of_range, "InvalidArgument");
    let part_10001 = aws.error_code(&upload_part_args(
        "mpu", "dir/obj", &upload_id, "10001", &files[2],
    ));
    assert_eq!(part_10001, "InvalidArgument");

    let document = part_list(&[(1, &etags[0]), (2, &etags[1]), (3, &etags[2])]);
    let done = aws.json(&complete_args("mpu", "dir/obj", &upload_id, &document));
    let etag = str_field(&done, "ETag").to_owned();
    assert!(etag.ends_with("-3\""), "multipart ETag {etag}");
    let again = aws.json(&complete_args("mpu", "dir/obj", &upload_id, &document));
    assert_eq!(again["ETag"], etag.as_str(), "repeated Complete");
    let head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "mpu",
        "--key",
        "dir/obj",
    ]);
    assert_eq!(head["ContentType"], "text/x-test");
    assert_eq!(head["ContentLength"], (10 << 20) + 4);

    // Once the object is replaced, the upload is gone for good.
    aws.ok(&["s3api", "put-object", "--bucket", "mpu", "--key", "dir/obj"]);
    let replaced = aws.error_code(&complete_args("mpu", "dir/obj", &upload_id, &document));
    assert_eq!(replaced, "NoSuchUpload");
}

#[test]
fn s3api_small_part_and_abort() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "mpu"]);
    let small = write_file(&server, "small", &pattern(1 << 20, 3));
    let upload_id = create_upload(&aws, "mpu", "k", &[]);
    let upload = ("mpu", "k", upload_id.as_str());
    let first = upload_part(&aws, upload, 1, &small, &[]);
    let second = upload_part(&aws, upload, 2, &small, &[]);
    let document = part_list(&[
        (1, str_field(&first, "ETag")),
        (2, str_field(&second, "ETag")),
    ]);
    let too_small = aws.error_code(&complete_args("mpu", "k", &upload_id, &document));
    assert_eq!(too_small, "EntityTooSmall");

    let abort = [
        "s3api",
        "abort-multipart-upload",
        "--bucket",
        "mpu",
        "--key",
        "k",
        "--upload-id",
        &upload_id,
    ];
    aws.ok(&abort);
    assert_eq!(aws.error_code(&abort), "NoSuchUpload");
    let late = aws.error_code(&upload_part_args("mpu", "k", &upload_id, "3", &small));
    assert_eq!(late, "NoSuchUpload");
    // aws-cli prints nothing for a listing without uploads.
    let listed = aws.ok(&["s3api", "list-multipart-uploads", "--bucket", "mpu"]);
    assert!(!listed.contains("UploadId"), "uploads left: {listed}");
    let done = aws.error_code(&complete_args("mpu", "k", &upload_id, &document));
    assert_eq!(done, "NoSuchUpload");
    aws.ok(&["s3api", "delete-bucket", "--bucket", "mpu"]);
}

#[test]
fn s3api_upload_part_copy() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "src"]);
    aws.ok(&["s3api", "create-bucket", "--bucket", "dst"]);
    let data = pattern((6 << 20) + 100, 8);
    let file = write_file(&server, "source", &data);
    let put = aws.json(&[
        "s3api",
        "put-object",
        "--bucket",
        "src",
        "--key",
        "dir/a b+c",
        "--body",
        path_str(&file),
    ]);
    let source_etag = str_field(&put, "ETag").to_owned();
    let upload_id = create_upload(&aws, "dst", "joined", &[]);
    let copy = |number: &str, range: &str, extra: &[&str]| {
        let mut args = vec![
            "s3api",
            "upload-part-copy",
            "--bucket",
            "dst",
            "--key",
            "joined",
            "--upload-id",
            &upload_id,
            "--part-number",
            number,
            "--copy-source",
            // aws-cli URL-encodes the source key; the server decodes it.
            "src/dir/a b+c",
            "--copy-source-range",
            range,
        ];
        args.extend_from_slice(extra);
        args.iter()
            .map(|arg| (*arg).to_owned())
            .collect::<Vec<String>>()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        aws.json(&args)
    };
    let fail = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        aws.error_code(&args)
    };

    let stale = fail(copy(
        "1",
        "bytes=0-10",
        &["--copy-source-if-match", "\"0123\""],
    ));
    assert_eq!(stale, "PreconditionFailed");
    let beyond = fail(copy("1", &format!("bytes=0-{}", data.len()), &[]));
    assert_eq!(beyond, "InvalidArgument");
    let malformed = fail(copy("1", "bytes=5-", &[]));
    assert_eq!(malformed, "InvalidArgument");

    let split = 5 << 20;
    let first = run(copy(
        "1",
        &format!("bytes=0-{}", split - 1),
        &["--copy-source-if-match", &source_etag],
    ));
    let second = run(copy("2", &format!("bytes={split}-{}", data.len() - 1), &[]));
    let first_etag = str_field(&first["CopyPartResult"], "ETag").to_owned();
    let second_etag = str_field(&second["CopyPartResult"], "ETag").to_owned();
    let document = part_list(&[(1, &first_etag), (2, &second_etag)]);
    aws.ok(&complete_args("dst", "joined", &upload_id, &document));

    let target = server.dir().join("joined");
    aws.ok(&["s3", "cp", "s3://dst/joined", path_str(&target)]);
    let joined = fs::read(&target).expect("read joined object");
    assert!(joined == data, "joined bytes differ from the source");
}

#[test]
fn s3api_checksums_of_put_object() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "sums"]);
    let data = pattern(300_000, 5);
    let file = write_file(&server, "payload", &data);
    let algorithms = [
        ("CRC32", "crc32", "ChecksumCRC32"),
        ("CRC32C", "crc32c", "ChecksumCRC32C"),
        ("SHA1", "sha1", "ChecksumSHA1"),
        ("SHA256", "sha256", "ChecksumSHA256"),
    ];
    for (name, lower, field) in algorithms {
        let key = format!("with-{lower}");
        let put = aws.json(&[
            "s3api",
            "put-object",
            "--bucket",
            "sums",
            "--key",
            &key,
            "--body",
            path_str(&file),
            "--checksum-algorithm",
            name,
        ]);
        let expected = checksum(lower, &data);
        assert_eq!(put[field], expected.as_str(), "PutObject {name}");
        let head = aws.json(&[
            "s3api",
            "head-object",
            "--bucket",
            "sums",
            "--key",
            &key,
            "--checksum-mode",
            "ENABLED",
        ]);
        assert_eq!(head[field], expected.as_str(), "HeadObject {name}");
    }

    let wrong = aws.error_code(&[
        "s3api",
        "put-object",
        "--bucket",
        "sums",
        "--key",
        "bad",
        "--body",
        path_str(&file),
        "--checksum-crc32",
        &checksum("crc32", b"other"),
    ]);
    assert_eq!(wrong, "BadDigest");
    let missing = aws.error_code(&["s3api", "head-object", "--bucket", "sums", "--key", "bad"]);
    assert_eq!(missing, "404");
}

#[test]
fn s3api_composite_sha256_and_attributes() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "sums"]);
    let parts = [pattern(5 << 20, 6), pattern(1000, 7)];
    let files = [
        write_file(&server, "first", &parts[0]),
        write_file(&server, "second", &parts[1]),
    ];
    let upload_id = create_upload(&aws, "sums", "mp", &["--checksum-algorithm", "SHA256"]);
    let upload = ("sums", "mp", upload_id.as_str());

    // A composite upload rejects a part that brings no checksum of its algorithm.
    let bare = aws.error_code(&upload_part_args("sums", "mp", &upload_id, "1", &files[0]));
    assert_eq!(bare, "InvalidRequest");
    let mut listed = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let number = u32::try_from(index + 1).expect("part number");
        let output = upload_part(
            &aws,
            upload,
            number,
            file,
            &["--checksum-algorithm", "SHA256"],
        );
        let sent = str_field(&output, "ChecksumSHA256").to_owned();
        assert_eq!(sent, checksum("sha256", &parts[index]), "part {number}");
        listed.push(json!({
            "PartNumber": number,
            "ETag": str_field(&output, "ETag"),
            "ChecksumSHA256": sent,
        }));
    }

    // The part checksums must be listed, and must match.
    let without = json!({ "Parts": [
        {"PartNumber": 1, "ETag": listed[0]["ETag"]},
        {"PartNumber": 2, "ETag": listed[1]["ETag"]},
    ]})
    .to_string();
    let missing = aws.error_code(&complete_args("sums", "mp", &upload_id, &without));
    assert_eq!(missing, "InvalidRequest");
    let mut mismatched = listed.clone();
    mismatched[1]["ChecksumSHA256"] = json!(checksum("sha256", b"other"));
    let document = json!({ "Parts": mismatched }).to_string();
    let wrong = aws.error_code(&complete_args("sums", "mp", &upload_id, &document));
    assert_eq!(wrong, "InvalidPart");

    let document = json!({ "Parts": listed }).to_string();
    let done = aws.json(&complete_args("sums", "mp", &upload_id, &document));
    let mut digests = Vec::new();
    for data in &parts {
        let raw = BASE64.decode(checksum("sha256", data)).expect("base64");
        digests.extend(raw);
    }
    let composite = format!("{}-2", checksum("sha256", &digests));
    assert_eq!(done["ChecksumSHA256"], composite.as_str());

    let attributes = aws.json(&[
        "s3api",
        "get-object-attributes",
        "--bucket",
        "sums",
        "--key",
        "mp",
        "--object-attributes",
        "ETag",
        "Checksum",
        "ObjectParts",
        "StorageClass",
        "ObjectSize",
        "--max-parts",
        "1",
    ]);
    let etag = str_field(&done, "ETag").trim_matches('"');
    assert_eq!(attributes["ETag"], etag);
    assert_eq!(attributes["Checksum"]["ChecksumSHA256"], composite.as_str());
    assert_eq!(attributes["ObjectSize"], (5 << 20) + 1000);
    assert_eq!(attributes["StorageClass"], "STANDARD");
    let object_parts = &attributes["ObjectParts"];
    assert_eq!(object_parts["TotalPartsCount"], 2);
    assert_eq!(object_parts["IsTruncated"], true);
    assert_eq!(object_parts["NextPartNumberMarker"], 1);
    assert_eq!(object_parts["Parts"][0]["Size"], 5 << 20);
    assert_eq!(
        object_parts["Parts"][0]["ChecksumSHA256"],
        checksum("sha256", &parts[0]).as_str()
    );
    let rest = aws.json(&[
        "s3api",
        "get-object-attributes",
        "--bucket",
        "sums",
        "--key",
        "mp",
        "--object-attributes",
        "ObjectParts",
        "--part-number-marker",
        "1",
    ]);
    assert_eq!(rest["ObjectParts"]["Parts"][0]["PartNumber"], 2);
    assert_eq!(rest["ObjectParts"]["IsTruncated"], false);
    assert!(rest.get("ETag").is_none(), "unrequested ETag in {rest}");

    let missing = aws.error_code(&[
        "s3api",
        "get-object-attributes",
        "--bucket",
        "sums",
        "--key",
        "nothing",
        "--object-attributes",
        "ETag",
    ]);
    assert_eq!(missing, "NoSuchKey");
}

#[test]
fn parts_count_towards_quota() {
    // 1 MiB capacity units make the default account's 50 GB a 50 MiB quota.
    let server = Server::start_with(Options {
        env: vec![(
            "OSS_ACCOUNTS_CAPACITY_UNIT_BYTES".to_owned(),
            (1u64 << 20).to_string(),
        )],
        ..Options::default()
    });
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "quota"]);
    let part = write_file(&server, "twenty", &pattern(20 << 20, 1));
    let upload_id = create_upload(&aws, "quota", "k", &[]);
    let upload = ("quota", "k", upload_id.as_str());
    upload_part(&aws, upload, 1, &part, &[]);
    upload_part(&aws, upload, 2, &part, &[]);

    // 40 MiB of parts are stored, so 20 MiB more would pass 50 MiB.
    let third = aws.error_code(&upload_part_args("quota", "k", &upload_id, "3", &part));
    assert_eq!(third, "QuotaExceeded");
    let put = [
        "s3api",
        "put-object",
        "--bucket",
        "quota",
        "--key",
        "other",
        "--body",
        path_str(&part),
    ];
    assert_eq!(aws.error_code(&put), "QuotaExceeded");

    // Aborting frees the parts' bytes.
    aws.ok(&[
        "s3api",
        "abort-multipart-upload",
        "--bucket",
        "quota",
        "--key",
        "k",
        "--upload-id",
        &upload_id,
    ]);
    aws.ok(&put);
}
