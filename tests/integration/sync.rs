//! `aws s3 sync` of `/usr/share/doc` (thousands of real files of every size) up and back down,
//! compared with `diff -r`, then `aws s3 rm --recursive` down to an empty listing.

use std::path::Path;
use std::process::Command;

use crate::awscli::AwsCli;
use crate::server::Server;

const SOURCE: &str = "/usr/share/doc";

/// Counts regular files under `dir`, following symbolic links as `aws s3 sync` does.
fn count_files(dir: &Path) -> usize {
    let output = Command::new("find")
        .arg("-L")
        .arg(dir)
        .args(["-type", "f"])
        .output();
    let output = output.expect("run find");
    assert!(
        output.status.success(),
        "find -L {} failed: {output:?}",
        dir.display()
    );
    output
        .stdout
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .count()
}

#[test]
fn sync_usr_share_doc_there_and_back() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    let expected_files = count_files(Path::new(SOURCE));
    assert!(
        expected_files > 1000,
        "only {expected_files} files under {SOURCE}"
    );

    aws.ok(&["s3", "mb", "s3://mirror"]);
    aws.ok(&[
        "s3",
        "sync",
        "--only-show-errors",
        SOURCE,
        "s3://mirror/doc",
    ]);

    let listing = aws.ok(&["s3", "ls", "--recursive", "s3://mirror/doc/"]);
    assert_eq!(
        listing.lines().count(),
        expected_files,
        "objects listed after upload"
    );

    // A second sync must find nothing to do: sizes and times match what was uploaded.
    let again = aws.ok(&["s3", "sync", "--dryrun", SOURCE, "s3://mirror/doc"]);
    assert_eq!(
        again.lines().count(),
        0,
        "second sync wants to upload:\n{again}"
    );

    let target = server.dir().join("restored");
    let target_str = target.to_str().expect("UTF-8 path");
    aws.ok(&[
        "s3",
        "sync",
        "--only-show-errors",
        "s3://mirror/doc",
        target_str,
    ]);
    assert_eq!(count_files(&target), expected_files, "files after download");

    let diff = Command::new("diff")
        .args(["-r", "-q", SOURCE, target_str])
        .output();
    let diff = diff.expect("run diff");
    assert!(
        diff.status.success(),
        "restored tree differs from {SOURCE}:\n{}{}",
        String::from_utf8_lossy(&diff.stdout),
        String::from_utf8_lossy(&diff.stderr)
    );

    aws.ok(&[
        "s3",
        "rm",
        "--recursive",
        "--only-show-errors",
        "s3://mirror/doc",
    ]);
    assert_eq!(aws.ok(&["s3", "ls", "--recursive", "s3://mirror/"]), "");
    aws.ok(&["s3", "rb", "s3://mirror"]);
}
