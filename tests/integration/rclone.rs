//! rclone (Debian's package) against the server, configured as provider `Other` with no
//! tuning: `copy`, `sync` with deletions and `check` of a generated tree whose largest file
//! passes rclone's 200 MiB multipart cutoff and whose listing takes two pages, download and
//! `diff -r`, then `rclone mount`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::awscli::AwsCli;
use crate::command::{clean_env, describe, version_line};
use crate::mount::{self, Mount};
use crate::server::Server;
use crate::tree;

/// Files of a few bytes added to the generated tree.
const SMALL_FILES: usize = 1100;

/// Name of the remote in the generated rclone.conf.
const REMOTE: &str = "oss";

/// rclone uploads files larger than its `upload_cutoff` (default 200 MiB) in parts of its
/// `chunk_size` (default 5 MiB); this file takes 41 parts.
const LARGE_SIZE: u64 = (201 << 20) + 7;
const LARGE_PARTS: u64 = 41;

/// Runs rclone with a config file that names the server as remote `oss`.
struct Rclone {
    config: PathBuf,
}

impl Rclone {
    /// Writes `rclone.conf` for `server` into its temp dir.
    fn new(server: &Server) -> Rclone {
        let credentials = server.credentials();
        let config = server.dir().join("rclone.conf");
        let text = format!(
            "[{REMOTE}]\ntype = s3\nprovider = Other\naccess_key_id = {}\n\
             secret_access_key = {}\nregion = {}\nendpoint = {}\n",
            credentials.access_key,
            credentials.secret_key,
            credentials.region,
            server.endpoint()
        );
        fs::write(&config, text).expect("write rclone.conf");
        println!("{}", version_line("rclone", &["version"]));
        Rclone { config }
    }

    fn command(&self) -> Command {
        let mut command = Command::new("rclone");
        clean_env(&mut command).arg("--config").arg(&self.config);
        command
    }

    /// Runs `rclone ARGS` and returns its stdout. Asserts that it exits 0 and logged no error,
    /// so a request that only succeeded on one of rclone's retries still fails the test.
    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.ok_output(args).stdout).expect("UTF-8 output")
    }

    #[track_caller]
    fn ok_output(&self, args: &[&str]) -> Output {
        let output = self.command().args(args).output().expect("run rclone");
        assert!(
            output.status.success(),
            "rclone {args:?} failed: {}",
            describe(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("ERROR"),
            "rclone {args:?} logged errors: {}",
            describe(&output)
        );
        output
    }

    /// Runs `rclone check` and asserts that it compared sizes and MD5 hashes of `files`
    /// files, finding no difference.
    #[track_caller]
    fn check(&self, local: &Path, remote: &str, files: usize) {
        let output = self.ok_output(&["check", path_str(local), remote]);
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(
            log.contains(": 0 differences found"),
            "rclone check found differences:\n{log}"
        );
        assert!(
            log.contains(&format!(": {files} matching files")),
            "rclone check did not match {files} files:\n{log}"
        );
        assert!(
            !log.contains("hashes could not be checked"),
            "rclone check compared sizes only:\n{log}"
        );
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// Returns the paths `rclone lsf -R --files-only` prints for `remote`.
fn remote_files(rclone: &Rclone, remote: &str) -> Vec<String> {
    let listing = rclone.ok(&["lsf", "-R", "--files-only", remote]);
    listing.lines().map(str::to_owned).collect()
}

/// Changes the source tree for `sync`: deletes a directory and single files, adds files,
/// and rewrites one file with new contents of another size. Returns the paths deleted.
fn change_tree(source: &Path) -> Vec<&'static str> {
    fs::remove_dir_all(source.join("a/b/c/d e/f")).expect("delete a directory");
    let deleted_files = [
        "with space.txt",
        "a+b=c.txt",
        "unicode ü/日本語のファイル.txt",
    ];
    for path in deleted_files {
        fs::remove_file(source.join(path)).expect("delete a file");
    }
    tree::write_random_file(&source.join("new/added one.txt"), 1234, 1001);
    tree::write_random_file(&source.join("plus+dir/added+two.bin"), 70_000, 1002);
    tree::write_random_file(&source.join("a/b/file 000.dat"), 5000, 1003);
    let mut deleted = vec!["a/b/c/d e/f/"];
    deleted.extend(deleted_files);
    deleted
}

#[test]
fn rclone_copy_sync_check_tree() {
    let server = Server::start();
    let rclone = Rclone::new(&server);
    let source = server.dir().join("source");
    let mut files = tree::write_tree(&source, 25, LARGE_SIZE);
    // More keys than rclone's page of 1000, so that listings continue from an encoded marker.
    tree::write_small_files(&source.join("many small"), SMALL_FILES);
    files += SMALL_FILES;
    let remote = format!("{REMOTE}:tree/copy");

    // Upload the tree into a new bucket, then compare sizes and hashes.
    rclone.ok(&["mkdir", &format!("{REMOTE}:tree")]);
    rclone.ok(&["copy", path_str(&source), &remote]);
    assert_eq!(
        remote_files(&rclone, &remote).len(),
        files,
        "objects after copy"
    );
    rclone.check(&source, &remote, files);

    // The large file went up in parts, which its ETag shows.
    let aws = AwsCli::new(&server);
    let head = aws.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "tree",
        "--key",
        "copy/large/large.bin",
    ]);
    assert_eq!(head["ContentLength"], LARGE_SIZE);
    let etag = head["ETag"].as_str().expect("ETag");
    assert!(
        etag.ends_with(&format!("-{LARGE_PARTS}\"")),
        "ETag of a {LARGE_PARTS}-part upload: {etag}"
    );

    // Sync the changed tree: rclone uploads what is new or changed and deletes the rest.
    let deleted = change_tree(&source);
    rclone.ok(&["sync", path_str(&source), &remote]);
    let files = tree::count_files(&source);
    let listed = remote_files(&rclone, &remote);
    assert_eq!(listed.len(), files, "objects after sync");
    for path in deleted {
        assert!(
            !listed.iter().any(|listed| listed.starts_with(path)),
            "{path} still listed after sync"
        );
    }
    rclone.check(&source, &remote, files);

    // Download into an empty directory and compare byte for byte.
    let restored = server.dir().join("restored");
    rclone.ok(&["copy", &remote, path_str(&restored)]);
    tree::assert_same_tree(&source, &restored);

    // Purge removes every object and the bucket.
    rclone.ok(&["purge", &format!("{REMOTE}:tree")]);
    let buckets = rclone.ok(&["lsd", &format!("{REMOTE}:")]);
    assert!(
        !buckets.contains("tree"),
        "bucket left after purge: {buckets}"
    );
}

#[test]
fn rclone_mount_file_operations() {
    if !mount::fuse_available() {
        println!("skipped: /dev/fuse is missing, so no FUSE mount can be made");
        return;
    }
    let server = Server::start();
    let rclone = Rclone::new(&server);
    let aws = AwsCli::new(&server);
    mount::create_bucket_with_existing_objects(&server, &aws, "mounted");

    // rclone's defaults: no VFS cache, so files are written in one sequential pass.
    let mut command = rclone.command();
    command.args(["mount", &format!("{REMOTE}:mounted")]);
    let mount_point = server.dir().join("mnt");
    command.arg(&mount_point);
    let mount = Mount::start(
        "rclone mount",
        command,
        &mount_point,
        &server.dir().join("rclone-mount.log"),
    );

    mount::exercise_file_operations(mount.path(), &aws, "mounted");
    mount.unmount();
}
