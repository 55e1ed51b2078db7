//! Integration tests: each test starts the real `oss` binary on port 0 in its own temporary
//! directory and drives it over HTTP with real S3 clients.

#![allow(
    unreachable_pub,
    reason = "a test binary has no public API; modules share helpers with `pub`"
)]

/// Virtual-hosted style, `Expect: 100-continue`, `x-id`, ListBuckets pages and 501s.
mod addressing;
/// aws-cli v2 (`/usr/bin/aws`): s3api calls, `s3 cp` multipart and `s3 ls`.
mod awscli;
/// aws-cli v2 on multipart uploads, UploadPartCopy, checksums and GetObjectAttributes.
mod awscli_multipart;
/// boto3 scripts under `tests/python/`, run with the python3 on PATH.
mod boto3;
/// CopyObject: directives, copies onto the object itself, special keys, source conditions.
mod copy;
/// Bucket CORS configuration, preflight requests and CORS headers on actual requests.
mod cors;
/// SIGKILL during concurrent writes, then restart, read-back and fsck.
mod crash;
/// DeleteObjects: quiet mode, per-key results, the key limit and the body digest.
mod delete_objects;
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
/// Object and bucket tagging: limits, error codes and the `x-amz-tagging` header.
mod tagging;
/// TLS with a certificate made at test time: boto3 with aws-chunked trailers, and aws-cli.
mod tls;
