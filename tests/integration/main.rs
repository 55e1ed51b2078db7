//! Integration tests: each test starts the real `oss` binary on port 0 in its own temporary
//! directory and drives it over HTTP with real S3 clients.

#![allow(
    unreachable_pub,
    reason = "a test binary has no public API; modules share helpers with `pub`"
)]

/// The account model through both endpoints: authorization matrix, capacity races, release.
mod accounts;
/// Virtual-hosted style, `Expect: 100-continue`, `x-id`, ListBuckets pages and 501s.
mod addressing;
/// The admin API and `oss admin`: accounts, users, keys, buckets, grants, metrics, OpenAPI.
mod admin;
/// aws-cli v2 (`/usr/bin/aws`): s3api calls, `s3 cp` multipart and `s3 ls`.
mod awscli;
/// aws-cli v2 on multipart uploads, UploadPartCopy, checksums and GetObjectAttributes.
mod awscli_multipart;
/// boto3 scripts under `tests/python/`, run with the python3 on PATH.
mod boto3;
/// Running client programs: clean environment, success checks, versions, polling.
mod command;
/// The web console over HTTP, and once end to end in headless Chromium.
mod console;
/// CopyObject: directives, copies onto the object itself, special keys, source conditions.
mod copy;
/// Bucket CORS configuration, preflight requests and CORS headers on actual requests.
mod cors;
/// SIGKILL during concurrent writes, then restart, read-back and fsck.
mod crash;
/// DeleteObjects: quiet mode, per-key results, the key limit and the body digest.
mod delete_objects;
/// AWS's JavaScript SDK v3 through the `node --test` script in `tests/js/`.
mod js;
/// The tricky-key table through ListObjects v1 and v2, with every pagination style.
mod listing;
/// FUSE mounts: a guard that always unmounts, and the file operations every mount must pass.
mod mount;
/// Requests signed with the `aws-sigv4` crate, and hand-built bad requests.
mod raw;
/// rclone: copy, sync and check of a generated tree, and `rclone mount`.
mod rclone;
/// s3cmd: put, get, ls and del, one upload in parts.
mod s3cmd;
/// s3fs-fuse: the mount file operations with SigV4 for the account's region.
mod s3fs;
/// AWS's Rust SDK (`aws-sdk-s3`): buckets, objects, ranges, conditions and multipart.
mod sdk;
/// Harness: config file, process start with address discovery, SIGTERM, SIGKILL, fsck.
mod server;
/// `aws s3 sync` of thousands of real files there and back.
mod sync;
/// Object and bucket tagging: limits, error codes and the `x-amz-tagging` header.
mod tagging;
/// TLS with a certificate made at test time: boto3 with aws-chunked trailers, and aws-cli.
mod tls;
/// A generated tree of mixed sizes and odd names, and tree comparison.
mod tree;
