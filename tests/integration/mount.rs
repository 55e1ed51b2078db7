//! FUSE mounts of a bucket (rclone mount, s3fs). A guard waits for the mount in the mount table
//! and always unmounts. The file operations both clients must support are checked through the
//! mount and, independently, through aws-cli on the server side.

use std::collections::BTreeSet;
use std::fs::{self, File, FileTimes};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use crate::awscli::AwsCli;
use crate::command::poll_until;
use crate::server::Server;

/// How long a client may take to mount, and to exit after its unmount.
const MOUNT_TIMEOUT: Duration = Duration::from_secs(30);
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of a client's log printed when a test fails.
const LOG_TAIL_LINES: usize = 100;

/// Returns whether this machine offers FUSE. Without it, mount tests print that they skip.
pub fn fuse_available() -> bool {
    Path::new("/dev/fuse").exists()
}

/// A FUSE client running in the foreground with a bucket mounted at `path`. Dropping it
/// unmounts (lazily if the mount is busy) and stops the client, also when a test panics.
pub struct Mount {
    name: String,
    child: Option<Child>,
    path: PathBuf,
    log: PathBuf,
}

impl Mount {
    /// Spawns `command`, which must mount at `path` and stay in the foreground, with its
    /// output in `log`, and waits until `path` is in the mount table.
    pub fn start(name: &str, mut command: Command, path: &Path, log: &Path) -> Mount {
        fs::create_dir_all(path).expect("create mount point");
        let path = fs::canonicalize(path).expect("canonical mount point");
        let log_file = File::create(log).expect("create mount log");
        let child = command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone log handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|error| panic!("spawn {name}: {error}"));
        let mut mount = Mount {
            name: name.to_owned(),
            child: Some(child),
            path,
            log: log.to_owned(),
        };
        mount.wait_until_mounted();
        mount
    }

    /// Returns the mount point.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn wait_until_mounted(&mut self) {
        let path = self.path.clone();
        let child = self.child.as_mut().expect("client running");
        let mut exited = None;
        let mounted = poll_until(MOUNT_TIMEOUT, || {
            exited = child.try_wait().expect("poll client");
            exited.is_some() || is_mounted(&path)
        });
        if let Some(status) = exited {
            panic!("{} exited with {status} before mounting", self.name);
        }
        assert!(
            mounted,
            "{} did not mount {} within {MOUNT_TIMEOUT:?}",
            self.name,
            self.path.display()
        );
    }

    /// Unmounts with `fusermount -u` and asserts that the client then exits cleanly.
    pub fn unmount(mut self) {
        let output = Command::new(fusermount())
            .arg("-u")
            .arg(&self.path)
            .output()
            .expect("run fusermount");
        assert!(
            output.status.success(),
            "fusermount -u {} failed: {}",
            self.path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!is_mounted(&self.path), "still mounted after fusermount -u");

        let mut child = self.child.take().expect("client running");
        let mut status = None;
        let exited = poll_until(EXIT_TIMEOUT, || {
            status = child.try_wait().expect("poll client");
            status.is_some()
        });
        if !exited {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            exited,
            "{} still running {EXIT_TIMEOUT:?} after unmount",
            self.name
        );
        let status = status.expect("exit status");
        assert!(
            status.success(),
            "{} exited with {status} after unmount",
            self.name
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if is_mounted(&self.path) {
            let unmounted = Command::new(fusermount())
                .arg("-u")
                .arg(&self.path)
                .status()
                .is_ok_and(|status| status.success());
            // A mount still in use by a stuck reader is detached lazily instead.
            if !unmounted {
                let _ = Command::new(fusermount())
                    .arg("-u")
                    .arg("-z")
                    .arg(&self.path)
                    .status();
            }
        }
        if let Some(mut child) = self.child.take() {
            let exited = poll_until(EXIT_TIMEOUT, || child.try_wait().ok().flatten().is_some());
            if !exited {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if thread::panicking() {
            print_log_tail(&self.name, &self.log);
        }
    }
}

fn print_log_tail(name: &str, log: &Path) {
    let text = fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    eprintln!("---- {name} log (last {} lines) ----", lines.len() - start);
    for line in &lines[start..] {
        eprintln!("{line}");
    }
    eprintln!("---- end of {name} log ----");
}

/// Returns `fusermount3` where it is installed, else `fusermount` (FUSE 2).
fn fusermount() -> &'static str {
    let fuse3 = Command::new("fusermount3")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if fuse3.is_ok_and(|status| status.success()) {
        "fusermount3"
    } else {
        "fusermount"
    }
}

/// Returns whether `path` (canonical) is a mount point in `/proc/self/mountinfo`.
fn is_mounted(path: &Path) -> bool {
    let table = fs::read_to_string("/proc/self/mountinfo").expect("read /proc/self/mountinfo");
    let expected = path.to_str().expect("UTF-8 mount point");
    table
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .any(|mount_point| unescape_mount_point(mount_point) == expected)
}

/// Decodes the octal escapes (`\040` for a space) that the kernel writes in mount points.
fn unescape_mount_point(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let octal = bytes
            .get(index + 1..index + 4)
            .filter(|digits| digits.iter().all(|digit| (b'0'..=b'7').contains(digit)))
            .and_then(|digits| u8::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok());
        match octal {
            Some(byte) if bytes[index] == b'\\' => {
                decoded.push(byte);
                index += 4;
            }
            _ => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Returns the object keys of `bucket` as the server lists them, leaving out the zero-byte
/// `dir/` markers that some clients create for directories.
fn server_keys(aws: &AwsCli, bucket: &str) -> BTreeSet<String> {
    all_server_keys(aws, bucket)
        .into_iter()
        .filter(|key| !key.ends_with('/'))
        .collect()
}

fn all_server_keys(aws: &AwsCli, bucket: &str) -> BTreeSet<String> {
    let stdout = aws.ok(&["s3api", "list-objects-v2", "--bucket", bucket]);
    // aws-cli prints nothing at all for an empty listing.
    if stdout.trim().is_empty() {
        return BTreeSet::new();
    }
    let listing: serde_json::Value = serde_json::from_str(&stdout).expect("listing is JSON");
    let contents = listing["Contents"].as_array().cloned().unwrap_or_default();
    contents
        .iter()
        .map(|object| object["Key"].as_str().expect("Key").to_owned())
        .collect()
}

/// Returns the `mtime` user metadata of an object, in seconds since the epoch.
fn server_mtime(aws: &AwsCli, bucket: &str, key: &str) -> f64 {
    let head = aws.json(&["s3api", "head-object", "--bucket", bucket, "--key", key]);
    let mtime = head["Metadata"]["mtime"].as_str();
    let mtime = mtime.unwrap_or_else(|| panic!("no mtime metadata on {key}: {head}"));
    mtime
        .parse()
        .unwrap_or_else(|error| panic!("mtime {mtime:?} of {key}: {error}"))
}

fn names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("list {}: {error}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("directory entry");
            entry.file_name().into_string().expect("UTF-8 name")
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|&item| item.to_owned()).collect()
}

/// Writes `bytes` to a new file with one sequential pass, as a mount without a write cache
/// requires, and closes it, which makes the client upload it.
fn write_sequentially(path: &Path, bytes: &[u8]) {
    let mut file =
        File::create(path).unwrap_or_else(|error| panic!("create {}: {error}", path.display()));
    for piece in bytes.chunks(64 * 1024) {
        file.write_all(piece)
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    }
    drop(file);
}

fn read(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    bytes
}

/// Reads `len` bytes at `offset` after a seek, which the clients serve with a ranged GET.
fn read_range(path: &Path, offset: u64, len: usize) -> Vec<u8> {
    let mut file =
        File::open(path).unwrap_or_else(|error| panic!("open {}: {error}", path.display()));
    file.seek(SeekFrom::Start(offset)).expect("seek");
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
    bytes
}

/// Modification time set through the mount: 2020-01-02T03:04:05Z.
const MTIME_SECONDS: u64 = 1_577_934_245;

/// Objects that [`exercise_file_operations`] expects in the bucket before the mount: one at the
/// root, and one in a directory that exists only as a key prefix.
const EXISTING_KEY: &str = "existing object.txt";
const EXISTING_DIR: &str = "existing dir";
const EXISTING_INNER: &str = "inner+1.txt";
const EXISTING_BODY: &[u8] = b"uploaded by aws-cli before the mount\n";

/// Creates `bucket` and uploads the objects that [`exercise_file_operations`] expects.
pub fn create_bucket_with_existing_objects(server: &Server, aws: &AwsCli, bucket: &str) {
    aws.ok(&["s3", "mb", &format!("s3://{bucket}")]);
    let file = server.dir().join("existing");
    fs::write(&file, EXISTING_BODY).expect("write existing object");
    let file = file.to_str().expect("UTF-8 path");
    let inner = format!("s3://{bucket}/{EXISTING_DIR}/{EXISTING_INNER}");
    for target in [format!("s3://{bucket}/{EXISTING_KEY}"), inner] {
        aws.ok(&["s3", "cp", file, &target]);
    }
}

/// Drives the mounted `bucket` through `mount`: reads an object that another client uploaded,
/// writes files (one of several MiB), reads them back whole and from an offset, lists, sets a
/// modification time, renames a file and a directory, and deletes everything. After each
/// change the server's own listing must agree.
pub fn exercise_file_operations(mount: &Path, aws: &AwsCli, bucket: &str) {
    // Read what another client uploaded before the mount, then delete the file that sits in a
    // directory without a marker object, and the directory.
    assert_eq!(
        names(mount),
        set(&[EXISTING_DIR, EXISTING_KEY]),
        "listing at mount time"
    );
    assert_eq!(read(&mount.join(EXISTING_KEY)), EXISTING_BODY);
    let existing_dir = mount.join(EXISTING_DIR);
    assert_eq!(
        names(&existing_dir),
        set(&[EXISTING_INNER]),
        "prefix listing"
    );
    assert_eq!(read(&existing_dir.join(EXISTING_INNER)), EXISTING_BODY);
    fs::remove_file(existing_dir.join(EXISTING_INNER)).expect("delete the inner object");
    fs::remove_dir(&existing_dir).expect("rmdir the prefix directory");
    assert_eq!(names(mount), set(&[EXISTING_KEY]), "listing after rmdir");
    assert_eq!(
        all_server_keys(aws, bucket),
        set(&[EXISTING_KEY]),
        "objects on the server after rmdir"
    );

    // Write a small file with an odd name and a large one into a new directory.
    let docs = mount.join("docs");
    fs::create_dir(&docs).expect("mkdir docs");
    let small = b"written through the mount\n".to_vec();
    let mut large = vec![0; (3 << 20) + 5];
    StdRng::seed_from_u64(7).fill_bytes(&mut large);
    write_sequentially(&docs.join("note one+ü.txt"), &small);
    write_sequentially(&docs.join("large.bin"), &large);
    assert_eq!(
        server_keys(aws, bucket),
        set(&[EXISTING_KEY, "docs/large.bin", "docs/note one+ü.txt"]),
        "objects on the server after the writes"
    );

    // Read back and list.
    assert_eq!(read(&docs.join("note one+ü.txt")), small);
    assert_eq!(read(&docs.join("large.bin")), large);
    let size = fs::metadata(docs.join("large.bin"))
        .expect("stat large.bin")
        .len();
    assert_eq!(size, large.len() as u64, "size of large.bin");
    let middle = read_range(&docs.join("large.bin"), 2_000_003, 70_000);
    assert!(
        middle == large[2_000_003..2_070_003],
        "bytes 2000003..2070003 of large.bin read after a seek differ"
    );
    assert_eq!(names(mount), set(&[EXISTING_KEY, "docs"]), "root listing");
    assert_eq!(
        names(&docs),
        set(&["large.bin", "note one+ü.txt"]),
        "docs listing"
    );

    // Set a file's times, which both clients store as `x-amz-meta-mtime` in seconds since the
    // epoch by copying the object onto itself with new metadata. Access and modification time
    // are set together, as `touch -d` does, because s3fs 1.90 ignores a change of the
    // modification time alone (`touch -m`).
    let note = docs.join("note one+ü.txt");
    let mtime = UNIX_EPOCH + Duration::from_secs(MTIME_SECONDS);
    let times = FileTimes::new().set_accessed(mtime).set_modified(mtime);
    File::open(&note)
        .and_then(|file| file.set_times(times))
        .unwrap_or_else(|error| panic!("set mtime of {}: {error}", note.display()));
    let modified = fs::metadata(&note).and_then(|metadata| metadata.modified());
    assert_eq!(modified.expect("mtime"), mtime, "mtime through the mount");
    assert_eq!(
        server_mtime(aws, bucket, "docs/note one+ü.txt"),
        MTIME_SECONDS as f64,
        "x-amz-meta-mtime on the server"
    );
    assert_eq!(read(&note), small, "contents after the metadata copy");

    // Rename a file.
    fs::rename(docs.join("note one+ü.txt"), docs.join("renamed note.txt")).expect("rename file");
    assert!(
        !docs.join("note one+ü.txt").exists(),
        "old name still there"
    );
    assert_eq!(read(&docs.join("renamed note.txt")), small);
    assert_eq!(
        server_keys(aws, bucket),
        set(&[EXISTING_KEY, "docs/large.bin", "docs/renamed note.txt"]),
        "objects on the server after the file rename"
    );

    // Rename the directory.
    let papers = mount.join("papers");
    fs::rename(&docs, &papers).expect("rename directory");
    assert!(!docs.exists(), "old directory still there");
    assert_eq!(names(mount), set(&[EXISTING_KEY, "papers"]), "root listing");
    assert_eq!(read(&papers.join("large.bin")), large);
    assert_eq!(read(&papers.join("renamed note.txt")), small);
    assert_eq!(
        server_keys(aws, bucket),
        set(&[EXISTING_KEY, "papers/large.bin", "papers/renamed note.txt"]),
        "objects on the server after the directory rename"
    );

    // Delete everything, the directory included.
    fs::remove_file(papers.join("large.bin")).expect("delete large.bin");
    fs::remove_file(papers.join("renamed note.txt")).expect("delete renamed note.txt");
    fs::remove_dir(&papers).expect("rmdir papers");
    fs::remove_file(mount.join(EXISTING_KEY)).expect("delete the existing object");
    assert_eq!(names(mount), BTreeSet::new(), "root listing after deletes");
    assert_eq!(
        all_server_keys(aws, bucket),
        BTreeSet::new(),
        "objects on the server after deletes"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_point_escapes_decoded() {
        assert_eq!(unescape_mount_point(r"/tmp/a\040b\134c"), r"/tmp/a b\c");
        assert_eq!(unescape_mount_point("/tmp/plain"), "/tmp/plain");
        assert_eq!(unescape_mount_point(r"/tmp/trailing\"), r"/tmp/trailing\");
    }
}
