//! s3fs-fuse (Debian's package) mounting a bucket with SigV4 signing for the account's region:
//! the same file operations as `rclone mount`, through s3fs's defaults, and the edits of a
//! large file that s3fs makes with UploadPartCopy.

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use crate::awscli::AwsCli;
use crate::command::{clean_env, version_line};
use crate::mount::{self, Mount};
use crate::server::Server;

/// s3fs 1.90 uploads files of 20 MiB and more (twice its default 10 MiB `multipart_size`) in
/// parts. It then edits or renames such a file by copying the unchanged ranges on the server
/// with UploadPartCopy instead of uploading the whole file again.
const LARGE_SIZE: usize = (40 << 20) + 11;

/// Mounts `bucket` of `server` with s3fs at `<temp dir>/mnt`, telling it the account's region
/// when `with_region` is true.
fn mount_s3fs(server: &Server, bucket: &str, with_region: bool) -> Mount {
    println!("{}", version_line("s3fs", &["--version"]));

    // s3fs reads `ACCESS_KEY:SECRET_KEY` and rejects a file that others may read.
    let credentials = server.credentials();
    let passwd_file = server.dir().join("passwd-s3fs");
    let line = format!("{}:{}\n", credentials.access_key, credentials.secret_key);
    fs::write(&passwd_file, line).expect("write passwd file");
    fs::set_permissions(&passwd_file, fs::Permissions::from_mode(0o600)).expect("chmod 600");

    // `endpoint` is the region s3fs signs for. `-f` keeps s3fs in the foreground, so the test
    // owns its process.
    let mut options = format!(
        "url={},use_path_request_style,passwd_file={}",
        server.endpoint(),
        passwd_file.display(),
    );
    if with_region {
        options.push_str(&format!(",endpoint={}", credentials.region));
    }
    let mount_point = server.dir().join("mnt");
    let mut command = Command::new("s3fs");
    clean_env(&mut command)
        .arg(bucket)
        .arg(&mount_point)
        .arg("-f")
        .args(["-o", &options]);
    Mount::start(
        "s3fs",
        command,
        &mount_point,
        &server.dir().join("s3fs.log"),
    )
}

/// Downloads `key` with aws-cli, past any cache of the mount, and returns its bytes.
fn download(server: &Server, aws: &AwsCli, bucket: &str, key: &str) -> Vec<u8> {
    let target = server.dir().join("download");
    let target_str = target.to_str().expect("UTF-8 path");
    aws.ok(&["s3", "cp", &format!("s3://{bucket}/{key}"), target_str]);
    let bytes = fs::read(&target).expect("read download");
    fs::remove_file(&target).expect("remove download");
    bytes
}

/// Overwrites `patch.len()` bytes at `offset` of an existing file, keeping the rest.
fn overwrite_in_place(path: &Path, offset: u64, patch: &[u8]) {
    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap_or_else(|error| panic!("open {} for writing: {error}", path.display()));
    file.seek(SeekFrom::Start(offset)).expect("seek");
    file.write_all(patch).expect("write patch");
    // s3fs uploads on flush and reports a failed upload there, so the error must be seen.
    file.sync_all().expect("flush the edited file");
}

#[test]
fn s3fs_mount_file_operations() {
    if !mount::fuse_available() {
        println!("skipped: /dev/fuse is missing, so no FUSE mount can be made");
        return;
    }
    let server = Server::start();
    let aws = AwsCli::new(&server);
    mount::create_bucket_with_existing_objects(&server, &aws, "mounted");
    let mount = mount_s3fs(&server, "mounted", true);
    mount::exercise_file_operations(mount.path(), &aws, "mounted");
    mount.unmount();
}

#[test]
fn s3fs_large_file_edit_and_rename() {
    if !mount::fuse_available() {
        println!("skipped: /dev/fuse is missing, so no FUSE mount can be made");
        return;
    }
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://mounted"]);
    let mount = mount_s3fs(&server, "mounted", true);
    let large_path = mount.path().join("large.bin");
    let renamed_path = mount.path().join("renamed large.bin");

    // Upload in parts.
    let mut large = vec![0; LARGE_SIZE];
    StdRng::seed_from_u64(11).fill_bytes(&mut large);
    fs::write(&large_path, &large).expect("write large.bin");
    assert!(
        download(&server, &aws, "mounted", "large.bin") == large,
        "large.bin on the server differs from what was written"
    );

    // Overwrite a few bytes in the middle: s3fs copies the untouched parts on the server.
    let offset = 25 << 20;
    let patch = b"edited in the middle";
    overwrite_in_place(&large_path, offset as u64, patch);
    large[offset..offset + patch.len()].copy_from_slice(patch);
    assert!(
        download(&server, &aws, "mounted", "large.bin") == large,
        "large.bin on the server lacks the edit"
    );

    // Rename: s3fs copies the object in parts, then deletes the old one.
    fs::rename(&large_path, &renamed_path).expect("rename large.bin");
    assert!(!large_path.exists(), "old name still there");
    assert!(
        download(&server, &aws, "mounted", "renamed large.bin") == large,
        "renamed large.bin on the server differs"
    );
    assert!(
        fs::read(&renamed_path).expect("read renamed file") == large,
        "renamed large.bin read through the mount differs"
    );

    fs::remove_file(&renamed_path).expect("delete renamed large.bin");
    assert_eq!(
        aws.ok(&["s3", "ls", "--recursive", "s3://mounted/"]),
        "",
        "objects left after the delete"
    );
    mount.unmount();
}

#[test]
fn s3fs_learns_region_from_error() {
    if !mount::fuse_available() {
        println!("skipped: /dev/fuse is missing, so no FUSE mount can be made");
        return;
    }
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3", "mb", "s3://mounted"]);

    // Without `endpoint`, s3fs signs for us-east-1 first. It takes the region to retry with
    // from the quoted name after "expecting" in the AuthorizationHeaderMalformed message, so
    // the mount works only if that message is right.
    let mount = mount_s3fs(&server, "mounted", false);
    let file = mount.path().join("region.txt");
    fs::write(&file, b"signed for beijing-1\n").expect("write through the mount");
    assert_eq!(
        aws.ok(&["s3", "cp", "s3://mounted/region.txt", "-"]),
        "signed for beijing-1\n"
    );
    fs::remove_file(&file).expect("delete through the mount");
    mount.unmount();
}
