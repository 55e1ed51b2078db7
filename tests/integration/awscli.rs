//! aws-cli v2 against the server: s3api calls with their JSON output and error codes, and the
//! high-level `s3` commands, including a multipart `cp` of 20 MiB.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::raw::RawClient;
use crate::sdk::pattern;
use crate::server::Server;

/// Debian's aws-cli v2. The `aws` on PATH may be v1 from pip, which behaves differently.
const AWS: &str = "/usr/bin/aws";

/// Runs `/usr/bin/aws` against one server with credentials and config in its temp dir.
pub struct AwsCli {
    endpoint: String,
    credentials_file: PathBuf,
    config_file: PathBuf,
    env: Vec<(String, String)>,
}

impl AwsCli {
    /// Writes an aws-cli config for `server` (region `beijing-1`, path-style addressing).
    pub fn new(server: &Server) -> AwsCli {
        let config_file = server.dir().join("aws-config");
        let config = "[default]\nregion = beijing-1\ns3 =\n    addressing_style = path\n";
        fs::write(&config_file, config).expect("write aws-cli config");
        AwsCli {
            endpoint: server.endpoint(),
            credentials_file: server.credentials_path(),
            config_file,
            env: Vec::new(),
        }
    }

    /// Uses `config` as the aws-cli config file, `endpoint` as the endpoint URL and `env` as
    /// extra environment variables, such as a proxy.
    pub fn customized(
        server: &Server,
        config: &str,
        endpoint: String,
        env: &[(&str, &str)],
    ) -> AwsCli {
        let config_file = server.dir().join("aws-config-custom");
        fs::write(&config_file, config).expect("write aws-cli config");
        AwsCli {
            endpoint,
            credentials_file: server.credentials_path(),
            config_file,
            env: env
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    /// Runs `aws ARGS --endpoint-url ENDPOINT` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(AWS);
        command.args(args).arg("--endpoint-url").arg(&self.endpoint);
        // Credentials, profiles or endpoints from the developer's shell must not leak in.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("AWS_") {
                command.env_remove(name);
            }
        }
        command
            .env("AWS_SHARED_CREDENTIALS_FILE", &self.credentials_file)
            .env("AWS_CONFIG_FILE", &self.config_file)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .output()
            .unwrap_or_else(|error| panic!("run {AWS}: {error}"))
    }

    /// Runs a command that must succeed; returns its stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "aws {args:?} failed: {}",
            describe(&output)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Runs a command that must succeed and print JSON.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("aws {args:?}: {error}: {stdout}"))
    }

    /// Runs a command that must fail with an S3 error; returns the error code it printed.
    #[track_caller]
    pub fn error_code(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            !output.status.success(),
            "aws {args:?} succeeded: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = stderr
            .split_once("An error occurred (")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(code, _)| code.to_owned());
        code.unwrap_or_else(|| panic!("aws {args:?}: no error code in {stderr}"))
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Returns the `Key`s of a list-objects or list-objects-v2 JSON output.
fn listed_keys(listing: &Value) -> Vec<String> {
    let contents = listing["Contents"].as_array().cloned().unwrap_or_default();
    contents
        .iter()
        .map(|o| o["Key"].as_str().expect("Key").to_owned())
        .collect()
}

#[test]
fn s3api_bucket_calls() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "first"]);
    let placed = "LocationConstraint=beijing-1";
    aws.ok(&[
        "s3api",
        "create-bucket",
        "--bucket",
        "second",
        "--create-bucket-configuration",
        placed,
    ]);

    let buckets = aws.json(&["s3api", "list-buckets"]);
    let names: Vec<&str> = buckets["Buckets"]
        .as_array()
        .expect("Buckets")
        .iter()
        .filter_map(|b| b["Name"].as_str())
        .collect();
    assert_eq!(names, ["first", "second"]);
    assert!(
        buckets["Owner"]["ID"].as_str().is_some(),
        "ListBuckets without Owner: {buckets}"
    );

    aws.ok(&["s3api", "head-bucket", "--bucket", "first"]);
    let location = aws.json(&["s3api", "get-bucket-location", "--bucket", "second"]);
    assert_eq!(location["LocationConstraint"], "beijing-1");

    let elsewhere = "LocationConstraint=beijing-2";
    let code = aws.error_code(&[
        "s3api",
        "create-bucket",
        "--bucket",
        "third",
        "--create-bucket-configuration",
        elsewhere,
    ]);
    assert_eq!(code, "InvalidLocationConstraint");
    let code = aws.error_code(&["s3api", "create-bucket", "--bucket", "first"]);
    assert_eq!(code, "BucketAlreadyOwnedByYou");

    aws.ok(&["s3api", "delete-bucket", "--bucket", "first"]);
    let code = aws.error_code(&["s3api", "head-bucket", "--bucket", "first"]);
    assert_eq!(code, "404");
}

#[test]
fn s3api_object_calls() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "obj"]);
    let file = server.dir().join("upload.txt");
    fs::write(&file, "0123456789 object body\n").expect("write upload file");

    let put = aws.json(&[
        "s3api",
        "put-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        "--body",
        path_str(&file),
        "--content-type",
        "text/x-cli",
        "--cache-control",
        "no-store",
        "--content-disposition",
        "inline",
        "--content-language",
        "en",
        "--metadata",
        "origin=cli,step=1",
    ]);
    let etag = put["ETag"].as_str().expect("ETag").to_owned();

    let head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
    ]);
    assert_eq!(head["ContentLength"], 23);
    assert_eq!(head["ContentType"], "text/x-cli");
    assert_eq!(head["CacheControl"], "no-store");
    assert_eq!(head["ContentDisposition"], "inline");
    assert_eq!(head["ContentLanguage"], "en");
    assert_eq!(head["ETag"], etag.as_str());
    assert_eq!(head["Metadata"]["origin"], "cli");
    assert_eq!(head["Metadata"]["step"], "1");

    let part = server.dir().join("part.txt");
    let ranged = aws.json(&[
        "s3api",
        "get-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        "--range",
        "bytes=2-5",
        path_str(&part),
    ]);
    assert_eq!(ranged["ContentRange"], "bytes 2-5/23");
    assert_eq!(fs::read(&part).expect("read range"), b"2345");

    let code = aws.error_code(&[
        "s3api",
        "get-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        "--if-match",
        "\"00000000000000000000000000000000\"",
        path_str(&part),
    ]);
    assert_eq!(code, "PreconditionFailed");
    let code = aws.error_code(&[
        "s3api",
        "get-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        "--if-none-match",
        &etag,
        path_str(&part),
    ]);
    assert_eq!(code, "304");
    let code = aws.error_code(&[
        "s3api",
        "get-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        "--range",
        "bytes=100-",
        path_str(&part),
    ]);
    assert_eq!(code, "InvalidRange");

    aws.ok(&[
        "s3api",
        "delete-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
    ]);
    aws.ok(&[
        "s3api",
        "delete-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
    ]);
    let code = aws.error_code(&[
        "s3api",
        "get-object",
        "--bucket",
        "obj",
        "--key",
        "dir/file.txt",
        path_str(&part),
    ]);
    assert_eq!(code, "NoSuchKey");
}

#[test]
fn s3api_bad_content_md5() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "md5"]);
    let file = server.dir().join("body");
    fs::write(&file, "checked body").expect("write body");
    // The base64 MD5 of the empty string, which cannot match a non-empty body.
    let code = aws.error_code(&[
        "s3api",
        "put-object",
        "--bucket",
        "md5",
        "--key",
        "k",
        "--body",
        path_str(&file),
        "--content-md5",
        "1B2M2Y8AsgTpgAmY7PhCfg==",
    ]);
    assert_eq!(code, "BadDigest");
}

#[test]
fn s3api_delete_bucket_not_empty() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "full"]);
    aws.ok(&["s3api", "put-object", "--bucket", "full", "--key", "k"]);
    let code = aws.error_code(&["s3api", "delete-bucket", "--bucket", "full"]);
    assert_eq!(code, "BucketNotEmpty");
}

#[test]
fn s3api_listings() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "list"]);
    let keys = ["a/1", "a/2", "b/1", "c", "d e", "f+g"];
    for key in keys {
        aws.ok(&["s3api", "put-object", "--bucket", "list", "--key", key]);
    }

    // aws-cli follows the continuation tokens itself; a page size of 1 makes it fetch 6 pages.
    let all = aws.json(&[
        "s3api",
        "list-objects-v2",
        "--bucket",
        "list",
        "--page-size",
        "1",
    ]);
    assert_eq!(listed_keys(&all), keys);
    let all_v1 = aws.json(&[
        "s3api",
        "list-objects",
        "--bucket",
        "list",
        "--page-size",
        "1",
    ]);
    assert_eq!(listed_keys(&all_v1), keys);

    let grouped = aws.json(&[
        "s3api",
        "list-objects-v2",
        "--bucket",
        "list",
        "--delimiter",
        "/",
    ]);
    assert_eq!(listed_keys(&grouped), ["c", "d e", "f+g"]);
    let prefixes: Vec<&str> = grouped["CommonPrefixes"]
        .as_array()
        .expect("CommonPrefixes")
        .iter()
        .filter_map(|p| p["Prefix"].as_str())
        .collect();
    assert_eq!(prefixes, ["a/", "b/"]);

    let under_a = aws.json(&[
        "s3api",
        "list-objects",
        "--bucket",
        "list",
        "--prefix",
        "a/",
    ]);
    assert_eq!(listed_keys(&under_a), ["a/1", "a/2"]);
    let after = aws.json(&[
        "s3api",
        "list-objects-v2",
        "--bucket",
        "list",
        "--start-after",
        "c",
    ]);
    assert_eq!(listed_keys(&after), ["d e", "f+g"]);
}

#[test]
fn s3api_versions_of_unversioned_bucket() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "ver"]);
    aws.ok(&["s3api", "put-object", "--bucket", "ver", "--key", "one"]);
    aws.ok(&["s3api", "put-object", "--bucket", "ver", "--key", "one"]);
    let versioning = aws.ok(&["s3api", "get-bucket-versioning", "--bucket", "ver"]);
    assert!(
        !versioning.contains("Status"),
        "unversioned bucket reports a status: {versioning}"
    );

    let versions = aws.json(&["s3api", "list-object-versions", "--bucket", "ver"]);
    let versions = versions["Versions"].as_array().expect("Versions");
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["Key"], "one");
    assert_eq!(versions[0]["VersionId"], "null");
    assert_eq!(versions[0]["IsLatest"], true);
}

#[test]
fn s3_cp_multipart_round_trip() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://big"]);
    let source = server.dir().join("twenty-mib");
    let data = pattern(20 << 20, 42);
    fs::write(&source, &data).expect("write 20 MiB file");

    aws.ok(&["s3", "cp", path_str(&source), "s3://big/blob"]);
    // aws-cli splits uploads above 8 MiB into 8 MiB parts, so 20 MiB takes three.
    let head = aws.json(&["s3api", "head-object", "--bucket", "big", "--key", "blob"]);
    assert_eq!(head["ContentLength"], 20 << 20);
    let etag = head["ETag"].as_str().expect("ETag");
    assert!(etag.ends_with("-3\""), "multipart ETag {etag}");

    let target = server.dir().join("downloaded");
    aws.ok(&["s3", "cp", "s3://big/blob", path_str(&target)]);
    let downloaded = fs::read(&target).expect("read download");
    assert_eq!(downloaded.len(), data.len());
    assert!(
        downloaded == data,
        "downloaded bytes differ from the upload"
    );
}

#[test]
fn s3_ls_rm_rb() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://tidy"]);
    let file = server.dir().join("small");
    fs::write(&file, "small file").expect("write file");
    aws.ok(&["s3", "cp", path_str(&file), "s3://tidy/x/small"]);
    aws.ok(&["s3", "cp", path_str(&file), "s3://tidy/top"]);

    let buckets = aws.ok(&["s3", "ls"]);
    assert!(buckets.contains("tidy"), "s3 ls: {buckets}");
    let root = aws.ok(&["s3", "ls", "s3://tidy/"]);
    assert!(root.contains("PRE x/"), "s3 ls root: {root}");
    assert!(root.contains("10 top"), "s3 ls root: {root}");

    let code = aws.run(&["s3", "rb", "s3://tidy"]);
    assert!(!code.status.success(), "rb of a non-empty bucket succeeded");
    aws.ok(&["s3", "rm", "--recursive", "s3://tidy/"]);
    assert_eq!(aws.ok(&["s3", "ls", "--recursive", "s3://tidy/"]), "");
    aws.ok(&["s3", "rb", "s3://tidy"]);
    assert!(
        !aws.ok(&["s3", "ls"]).contains("tidy"),
        "bucket still listed after rb"
    );
}

#[tokio::test]
async fn s3_presign_url_reads_object() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://pre"]);
    let file = server.dir().join("shared");
    fs::write(&file, "shared by url").expect("write file");
    aws.ok(&["s3", "cp", path_str(&file), "s3://pre/shared"]);

    let url = aws.ok(&["s3", "presign", "s3://pre/shared", "--expires-in", "120"]);
    let path = url
        .trim()
        .strip_prefix(&server.endpoint())
        .expect("URL on the endpoint");
    let response = RawClient::new(&server).get(path).anonymous().send().await;
    response.assert_success();
    assert_eq!(response.body.as_ref(), b"shared by url");
}

#[test]
fn s3_cp_and_mv_between_buckets() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://copy-src"]);
    aws.ok(&["s3", "mb", "s3://copy-dst"]);
    let source = server.dir().join("three-mib");
    let data = pattern(3 << 20, 7);
    fs::write(&source, &data).expect("write 3 MiB file");
    aws.ok(&["s3", "cp", path_str(&source), "s3://copy-src/a/f"]);

    // Below aws-cli's 8 MiB multipart threshold, `s3 cp` between buckets is one CopyObject;
    // the key's space and plus sign reach the server URL-encoded in x-amz-copy-source.
    aws.ok(&["s3", "cp", "s3://copy-src/a/f", "s3://copy-dst/b c+/f"]);
    aws.ok(&["s3", "mv", "s3://copy-src/a/f", "s3://copy-src/moved"]);
    let moved_source = aws.error_code(&[
        "s3api",
        "head-object",
        "--bucket",
        "copy-src",
        "--key",
        "a/f",
    ]);
    assert_eq!(moved_source, "404");

    let target = server.dir().join("copied");
    aws.ok(&["s3", "cp", "s3://copy-dst/b c+/f", path_str(&target)]);
    let copied = fs::read(&target).expect("read copy");
    assert!(copied == data, "copied bytes differ from the source");
    let head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "copy-dst",
        "--key",
        "b c+/f",
    ]);
    let source_head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "copy-src",
        "--key",
        "moved",
    ]);
    assert_eq!(head["ETag"], source_head["ETag"]);
}

#[test]
fn s3api_copy_object_onto_itself() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "self"]);
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "self",
        "--key",
        "k",
        "--content-type",
        "a/b",
    ]);

    let unchanged = [
        "s3api",
        "copy-object",
        "--bucket",
        "self",
        "--key",
        "k",
        "--copy-source",
        "self/k",
    ];
    assert_eq!(aws.error_code(&unchanged), "InvalidRequest");

    aws.ok(&[
        "s3api",
        "copy-object",
        "--bucket",
        "self",
        "--key",
        "k",
        "--copy-source",
        "self/k",
        "--metadata-directive",
        "REPLACE",
        "--content-type",
        "text/plain",
    ]);
    let head = aws.json(&["s3api", "head-object", "--bucket", "self", "--key", "k"]);
    assert_eq!(head["ContentType"], "text/plain");

    let missing = [
        "s3api",
        "copy-object",
        "--bucket",
        "self",
        "--key",
        "x",
        "--copy-source",
        "self/nope",
    ];
    assert_eq!(aws.error_code(&missing), "NoSuchKey");
    let tagging = aws.json(&[
        "s3api",
        "get-object-tagging",
        "--bucket",
        "self",
        "--key",
        "k",
    ]);
    assert_eq!(tagging["TagSet"], serde_json::json!([]));
}
