//! s3fs-fuse (Debian's package) mounting a bucket with SigV4 signing for the account's region:
//! the same file operations as `rclone mount`, through s3fs's defaults.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::awscli::AwsCli;
use crate::command::{clean_env, version_line};
use crate::mount::{self, Mount};
use crate::server::Server;

#[test]
fn s3fs_mount_file_operations() {
    if !mount::fuse_available() {
        println!("skipped: /dev/fuse is missing, so no FUSE mount can be made");
        return;
    }
    println!("{}", version_line("s3fs", &["--version"]));
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://mounted"]);
    let existing = server.dir().join("existing");
    fs::write(&existing, mount::EXISTING_BODY).expect("write existing object");
    let existing = existing.to_str().expect("UTF-8 path");
    aws.ok(&[
        "s3",
        "cp",
        existing,
        &format!("s3://mounted/{}", mount::EXISTING_KEY),
    ]);

    // s3fs reads `ACCESS_KEY:SECRET_KEY` and rejects a file that others may read.
    let credentials = server.credentials();
    let passwd_file = server.dir().join("passwd-s3fs");
    let line = format!("{}:{}\n", credentials.access_key, credentials.secret_key);
    fs::write(&passwd_file, line).expect("write passwd file");
    fs::set_permissions(&passwd_file, fs::Permissions::from_mode(0o600)).expect("chmod 600");

    // `endpoint` is the region s3fs signs for. `-f` keeps s3fs in the foreground, so the test
    // owns its process.
    let options = format!(
        "url={},use_path_request_style,passwd_file={},endpoint={}",
        server.endpoint(),
        passwd_file.display(),
        credentials.region
    );
    let mount_point = server.dir().join("mnt");
    let mut command = Command::new("s3fs");
    clean_env(&mut command)
        .arg("mounted")
        .arg(&mount_point)
        .arg("-f")
        .args(["-o", &options]);
    let mount = Mount::start(
        "s3fs",
        command,
        &mount_point,
        &server.dir().join("s3fs.log"),
    );

    mount::exercise_file_operations(mount.path(), &aws, "mounted");
    mount.unmount();
}
