//! Multipart uploads with CRC32C checksums through the SDK: parts sent in parallel, composite
//! and full-object checksums, then a GET that verifies them.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{client, error_code, pattern};
use crate::raw::streaming::checksum;
use crate::server::Server;

/// Four parts: three of the 5 MiB minimum and a short last one.
fn parts_data() -> Vec<Vec<u8>> {
    vec![
        pattern(5 << 20, 11),
        pattern(5 << 20, 12),
        pattern(5 << 20, 13),
        pattern(777_777, 14),
    ]
}

/// Uploads `parts` of `key` all at once with CRC32C checksums; returns the completed parts
/// in order, each with its ETag and checksum.
async fn upload_parts_in_parallel(
    s3: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: &[Vec<u8>],
) -> Vec<CompletedPart> {
    let uploads = parts.iter().enumerate().map(|(index, data)| {
        let number = i32::try_from(index + 1).expect("part number");
        let request = s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32C)
            .body(ByteStream::from(data.clone()));
        async move {
            let output = request.send().await.expect("UploadPart");
            (number, output)
        }
    });
    let outputs = futures::future::join_all(uploads).await;
    outputs
        .into_iter()
        .zip(parts)
        .map(|((number, output), data)| {
            let sent = output.checksum_crc32_c().expect("part CRC32C");
            assert_eq!(sent, checksum("crc32c", data), "CRC32C of part {number}");
            CompletedPart::builder()
                .part_number(number)
                .e_tag(output.e_tag().expect("part ETag"))
                .checksum_crc32_c(sent)
                .build()
        })
        .collect()
}

/// Reads `key` with checksum mode on; returns the body and the CRC32C and type headers.
async fn get_with_checksum(
    s3: &Client,
    bucket: &str,
    key: &str,
) -> (Vec<u8>, Option<String>, Option<ChecksumType>) {
    let output = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("GetObject");
    let crc32c = output.checksum_crc32_c().map(str::to_owned);
    let kind = output.checksum_type().cloned();
    // The SDK checks a full-object checksum while it reads the body and fails the read on a
    // mismatch; it skips composite (`-N`) values.
    let body = output
        .body
        .collect()
        .await
        .expect("read body with its checksum verified")
        .into_bytes()
        .to_vec();
    (body, crc32c, kind)
}

#[tokio::test]
async fn parallel_parts_composite_crc32c() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("sums")
        .send()
        .await
        .expect("CreateBucket");
    let created = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("composite")
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .expect("CreateMultipartUpload");
    assert_eq!(created.checksum_type(), Some(&ChecksumType::Composite));
    let upload_id = created.upload_id().expect("UploadId");
    let parts = parts_data();
    let completed = upload_parts_in_parallel(&s3, "sums", "composite", upload_id, &parts).await;

    let output = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("composite")
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .expect("CompleteMultipartUpload");
    let mut digests = Vec::new();
    for data in &parts {
        digests.extend(BASE64.decode(checksum("crc32c", data)).expect("base64"));
    }
    let expected = format!("{}-4", checksum("crc32c", &digests));
    assert_eq!(output.checksum_crc32_c(), Some(expected.as_str()));
    assert_eq!(output.checksum_type(), Some(&ChecksumType::Composite));

    let (body, crc32c, kind) = get_with_checksum(&s3, "sums", "composite").await;
    assert!(
        body == parts.concat(),
        "downloaded bytes differ from the parts"
    );
    assert_eq!(crc32c.as_deref(), Some(expected.as_str()));
    assert_eq!(kind, Some(ChecksumType::Composite));

    // A part read by number carries that part's own checksum, which the SDK verifies.
    let second = s3
        .get_object()
        .bucket("sums")
        .key("composite")
        .part_number(2)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("GetObject part 2");
    let second_crc = second.checksum_crc32_c().map(str::to_owned);
    let second_body = second.body.collect().await.expect("part 2 body");
    assert_eq!(second_crc, Some(checksum("crc32c", &parts[1])));
    assert!(second_body.into_bytes() == parts[1], "part 2 differs");
}

#[tokio::test]
async fn parallel_parts_full_object_crc32c() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("sums")
        .send()
        .await
        .expect("CreateBucket");
    let created = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("full")
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .checksum_type(ChecksumType::FullObject)
        .send()
        .await
        .expect("CreateMultipartUpload");
    assert_eq!(created.checksum_type(), Some(&ChecksumType::FullObject));
    let upload_id = created.upload_id().expect("UploadId");
    let parts = parts_data();
    let whole = parts.concat();
    let expected = checksum("crc32c", &whole);
    let completed = upload_parts_in_parallel(&s3, "sums", "full", upload_id, &parts).await;

    let complete = |value: &str| {
        s3.complete_multipart_upload()
            .bucket("sums")
            .key("full")
            .upload_id(upload_id)
            .checksum_type(ChecksumType::FullObject)
            .checksum_crc32_c(value)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed.clone()))
                    .build(),
            )
            .send()
    };
    let wrong = complete(&checksum("crc32c", b"not the object")).await;
    assert_eq!(error_code(wrong), "BadDigest");
    let output = complete(&expected).await.expect("CompleteMultipartUpload");
    assert_eq!(output.checksum_crc32_c(), Some(expected.as_str()));
    assert_eq!(output.checksum_type(), Some(&ChecksumType::FullObject));

    let (body, crc32c, kind) = get_with_checksum(&s3, "sums", "full").await;
    assert!(body == whole, "downloaded bytes differ from the parts");
    assert_eq!(crc32c.as_deref(), Some(expected.as_str()));
    assert_eq!(kind, Some(ChecksumType::FullObject));
}

#[tokio::test]
async fn part_of_other_algorithm_rejected() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("sums")
        .send()
        .await
        .expect("CreateBucket");
    let created = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Crc32C)
        .send()
        .await
        .expect("CreateMultipartUpload");
    let upload_id = created.upload_id().expect("UploadId");
    let sha = s3
        .upload_part()
        .bucket("sums")
        .key("k")
        .upload_id(upload_id)
        .part_number(1)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from(pattern(1000, 1)))
        .send()
        .await;
    assert_eq!(error_code(sha), "InvalidRequest");

    let sha_full_object = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .checksum_type(ChecksumType::FullObject)
        .send()
        .await;
    assert_eq!(error_code(sha_full_object), "InvalidRequest");
    let crc64_composite = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("k")
        .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
        .checksum_type(ChecksumType::Composite)
        .send()
        .await;
    assert_eq!(error_code(crc64_composite), "InvalidRequest");
}
