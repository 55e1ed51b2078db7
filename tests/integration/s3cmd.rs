//! s3cmd (Debian's package) with a config that sets only the endpoint, plain HTTP, SigV4, the
//! region and the key pair: `mb`, `put` (one upload in parts), `ls`, `get`, `del` and `rb`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::command::{clean_env, describe, version_line};
use crate::raw::RawClient;
use crate::server::Server;
use crate::tree;

/// s3cmd uploads files larger than its `multipart_chunk_size_mb` (default 15 MiB) in parts.
const LARGE_SIZE: u64 = (20 << 20) + 3;

const SMALL_NAME: &str = "name with space+plus ü.txt";

/// Runs s3cmd with a config file in the server's temp dir.
struct S3cmd {
    config: PathBuf,
}

impl S3cmd {
    fn new(server: &Server) -> S3cmd {
        let credentials = server.credentials();
        let endpoint = server.endpoint();
        let host = endpoint.trim_start_matches("http://");
        // A host_bucket without `%(bucket)s` makes s3cmd address buckets by path.
        let text = format!(
            "[default]\naccess_key = {}\nsecret_key = {}\nhost_base = {host}\n\
             host_bucket = {host}\nuse_https = False\nsignature_v2 = False\n\
             bucket_location = {}\n",
            credentials.access_key, credentials.secret_key, credentials.region
        );
        let config = server.dir().join("s3cmd.cfg");
        fs::write(&config, text).expect("write s3cmd config");
        println!("{}", version_line("s3cmd", &["--version"]));
        S3cmd { config }
    }

    /// Runs `s3cmd ARGS` and returns its stdout. Asserts that it exits 0 and printed no warning
    /// or error, because s3cmd only warns when a downloaded file's MD5 does not match.
    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let mut command = Command::new("s3cmd");
        clean_env(&mut command)
            .arg("-c")
            .arg(&self.config)
            .args(args);
        let output = command.output().expect("run s3cmd");
        assert!(
            output.status.success(),
            "s3cmd {args:?} failed: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("WARNING") && !stderr.contains("ERROR"),
            "s3cmd {args:?} warned: {}",
            describe(&output)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Returns the `s3://` URLs that `s3cmd ls` printed, one per line, spaces in names kept.
fn listed_urls(listing: &str) -> Vec<String> {
    listing
        .lines()
        .filter_map(|line| line.find("s3://").map(|start| line[start..].to_owned()))
        .collect()
}

#[test]
fn s3cmd_put_get_ls_del() {
    let server = Server::start();
    let s3cmd = S3cmd::new(&server);
    let upload = server.dir().join("upload");
    let small = upload.join(SMALL_NAME);
    let large = upload.join("large.bin");
    tree::write_random_file(&small, 1000, 1);
    tree::write_random_file(&large, LARGE_SIZE, 2);

    s3cmd.ok(&["mb", "s3://s3cmd-bucket"]);
    let buckets = s3cmd.ok(&["ls"]);
    assert_eq!(listed_urls(&buckets), ["s3://s3cmd-bucket"], "buckets");

    s3cmd.ok(&["put", path_str(&small), "s3://s3cmd-bucket/dir/"]);
    s3cmd.ok(&["put", path_str(&large), "s3://s3cmd-bucket/dir/"]);
    let listing = s3cmd.ok(&["ls", "s3://s3cmd-bucket/dir/"]);
    let small_url = format!("s3://s3cmd-bucket/dir/{SMALL_NAME}");
    assert_eq!(
        listed_urls(&listing),
        ["s3://s3cmd-bucket/dir/large.bin", small_url.as_str()],
        "objects"
    );
    let large_line = listing
        .lines()
        .find(|line| line.ends_with("large.bin"))
        .expect("large.bin listed");
    assert!(
        large_line.contains(&LARGE_SIZE.to_string()),
        "size of large.bin in {large_line:?}"
    );

    // Download both and compare byte for byte.
    let download = server.dir().join("download");
    fs::create_dir(&download).expect("create download dir");
    let target = format!("{}/", path_str(&download));
    s3cmd.ok(&["get", &small_url, &target]);
    s3cmd.ok(&["get", "s3://s3cmd-bucket/dir/large.bin", &target]);
    tree::assert_same_tree(&upload, &download);

    s3cmd.ok(&["del", &small_url, "s3://s3cmd-bucket/dir/large.bin"]);
    let listing = s3cmd.ok(&["ls", "s3://s3cmd-bucket/dir/"]);
    assert_eq!(listed_urls(&listing), Vec::<String>::new(), "after del");
    s3cmd.ok(&["rb", "s3://s3cmd-bucket"]);
    assert_eq!(
        listed_urls(&s3cmd.ok(&["ls"])),
        Vec::<String>::new(),
        "after rb"
    );
}

#[tokio::test]
async fn s3cmd_signurl_gets_sigv4_hint() {
    let server = Server::start();
    let s3cmd = S3cmd::new(&server);
    let file = server.dir().join("signed.txt");
    tree::write_random_file(&file, 10, 3);
    s3cmd.ok(&["mb", "s3://signed"]);
    s3cmd.ok(&["put", path_str(&file), "s3://signed/signed.txt"]);

    // s3cmd 2.3 signs URLs with SigV2 only, which the server does not accept.
    let url = s3cmd.ok(&["signurl", "s3://signed/signed.txt", "+600"]);
    let path_and_query = url
        .trim()
        .strip_prefix(&server.endpoint())
        .unwrap_or_else(|| panic!("signed URL {url:?} is not on the server"));
    assert!(
        path_and_query.contains("Signature="),
        "not a SigV2 URL: {url}"
    );
    let response = RawClient::new(&server)
        .get(path_and_query)
        .anonymous()
        .send()
        .await;
    response.assert_error(400, "InvalidRequest");
    let message = response.xml("Message").unwrap_or_default();
    assert!(
        message.contains("AWS4-HMAC-SHA256"),
        "message does not name SigV4: {message}"
    );
}
