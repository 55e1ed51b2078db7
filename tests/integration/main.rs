//! Integration tests: each test starts the real `oss` binary on port 0 in its own temporary
//! directory and drives it over HTTP with real S3 clients.

#![allow(
    unreachable_pub,
    reason = "a test binary has no public API; modules share helpers with `pub`"
)]

/// The account model through both endpoints: authorization matrix, capacity races, release.
mod accounts;
/// The admin API and `oss admin`: accounts, users, keys, buckets, grants, metrics, OpenAPI.
mod admin;
/// aws-cli v2 (`/usr/bin/aws`): s3api calls, `s3 cp` multipart and `s3 ls`.
mod awscli;
/// The web console over HTTP, and once end to end in headless Chromium.
mod console;
/// boto3 scripts under `tests/python/`, run with the python3 on PATH.
mod boto3;
/// SIGKILL during concurrent writes, then restart, read-back and fsck.
mod crash;
/// The tricky-key table through ListObjects v1 and v2, with every pagination style.
mod listing;
/// Requests signed with the `aws-sigv4` crate, and hand-built bad requests.
mod raw;
/// AWS's Rust SDK (`aws-sdk-s3`): buckets, objects, ranges, conditions and multipart.
mod sdk;
/// Harness: config file, process start with address discovery, SIGTERM, SIGKILL, fsck.
mod server;
/// `aws s3 sync` of thousands of real files there and back.
mod sync;
