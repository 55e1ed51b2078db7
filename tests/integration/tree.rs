//! A generated directory tree for client round trips, and counting and comparing trees. The
//! tree has a few hundred files of mixed sizes in nested directories, one large file, and names
//! with spaces, unicode, `+` and other characters that need URL-encoding.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use crate::command::describe;

/// Sizes cycled through by the generated files: empty, tiny, around the server's 4 KiB inline
/// limit, around 64 KiB, and up to just over its 8 MiB chunk size.
const SIZES: &[u64] = &[
    0, 1, 100, 4095, 4096, 4097, 10_000, 65_537, 333_333, 1_048_577,
];

/// The largest file is written in pieces of this size.
const WRITE_BLOCK: usize = 1 << 20;

/// Directories of the generated tree, relative to its root ("" is the root itself).
const DIRECTORIES: &[&str] = &[
    "",
    "a",
    "a/b",
    "a/b/c",
    "a/b/c/d e",
    "a/b/c/d e/f",
    "deep/1/2/3/4/5/6",
    "plus+dir/c++",
    "unicode ü/日本語 ディレクトリ",
    "with spaces/ and leading",
];

/// File names with characters that clients must encode: spaces, `+`, `%`, `&`, `=`, `#`,
/// quotes, brackets, unicode in several scripts and an emoji.
const ODD_NAMES: &[&str] = &[
    "with space.txt",
    " leading space.txt",
    "trailing space .txt",
    "a+b=c.txt",
    "1+1.bin",
    "100% done.txt",
    "hash#tag.txt",
    "and&and.txt",
    "semi;colon,comma.txt",
    "quote'single.txt",
    "brackets [1] (2) {3}.txt",
    "tilde~dollar$at@.txt",
    "question?.txt",
    "star*.txt",
    "caret^pipe|.txt",
    "ünïcödé.txt",
    "日本語のファイル.txt",
    "Ελληνικά.txt",
    "emoji 🚀 rocket.bin",
    "dots...in...name",
    ".hidden",
];

/// Writes `len` pseudo-random bytes to `path`, the same bytes for the same `seed`.
pub fn write_random_file(path: &Path, len: u64, seed: u64) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent directory");
    }
    let file =
        File::create(path).unwrap_or_else(|error| panic!("create {}: {error}", path.display()));
    let mut writer = BufWriter::new(file);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut block = vec![0; WRITE_BLOCK];
    let mut left = len;
    while left > 0 {
        let piece = usize::try_from(left.min(WRITE_BLOCK as u64)).expect("block fits usize");
        rng.fill_bytes(&mut block[..piece]);
        writer.write_all(&block[..piece]).expect("write file");
        left -= piece as u64;
    }
    writer.flush().expect("flush file");
}

/// Writes the tree under `root`: `per_directory` files in each directory, the odd names at
/// the root and in `unicode ü`, and, when `large_size` is not 0, `large/large.bin` of that size.
/// Returns the number of files written.
pub fn write_tree(root: &Path, per_directory: usize, large_size: u64) -> usize {
    let mut count = 0;
    let mut seed = 0;
    for directory in DIRECTORIES {
        for index in 0..per_directory {
            let size = SIZES[(index + count) % SIZES.len()];
            let name = format!("file {index:03}.dat");
            write_random_file(&root.join(directory).join(name), size, seed);
            seed += 1;
            count += 1;
        }
    }
    for directory in ["", "unicode ü"] {
        for (index, name) in ODD_NAMES.iter().enumerate() {
            let size = SIZES[index % SIZES.len()];
            write_random_file(&root.join(directory).join(name), size, seed);
            seed += 1;
            count += 1;
        }
    }
    if large_size > 0 {
        write_random_file(&root.join("large/large.bin"), large_size, seed);
        count += 1;
    }
    count
}

/// Writes `count` files of a few bytes into `dir`, each name with a space, `+` and unicode.
pub fn write_small_files(dir: &Path, count: usize) {
    fs::create_dir_all(dir).expect("create directory");
    for index in 0..count {
        let path = dir.join(format!("small {index:04}+ü.txt"));
        fs::write(&path, format!("{index}\n"))
            .unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
    }
}

/// Counts the regular files under `dir`.
pub fn count_files(dir: &Path) -> usize {
    let mut count = 0;
    for entry in fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let entry = entry.expect("directory entry");
        let file_type = entry.file_type().expect("file type");
        if file_type.is_dir() {
            count += count_files(&entry.path());
        } else if file_type.is_file() {
            count += 1;
        }
    }
    count
}

/// Asserts with `diff -r` that two trees hold the same files with the same contents.
#[track_caller]
pub fn assert_same_tree(expected: &Path, actual: &Path) {
    let output = Command::new("diff")
        .arg("-r")
        .arg("-q")
        .arg(expected)
        .arg(actual)
        .output()
        .expect("run diff");
    assert!(
        output.status.success(),
        "{} differs from {}: {}",
        actual.display(),
        expected.display(),
        describe(&output)
    );
}
