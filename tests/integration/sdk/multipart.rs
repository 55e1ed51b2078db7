//! Multipart uploads through the SDK: create, upload parts, complete and abort.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use md5::{Digest, Md5};

use super::{client, error_code, pattern, quoted_md5, read_all};
use crate::server::Server;

#[tokio::test]
async fn multipart_upload() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("multipart")
        .send()
        .await
        .expect("CreateBucket");
    let create = s3
        .create_multipart_upload()
        .bucket("multipart")
        .key("big")
        .content_type("video/x-test");
    let upload = create.send().await.expect("CreateMultipartUpload");
    let upload_id = upload.upload_id().expect("UploadId");

    let parts = [
        pattern(5 << 20, 1),
        pattern(5 << 20, 2),
        pattern(123_457, 3),
    ];
    let mut completed = Vec::new();
    let mut part_digests = Vec::new();
    for (index, data) in parts.iter().enumerate() {
        let number = i32::try_from(index + 1).expect("part number");
        let output = s3
            .upload_part()
            .bucket("multipart")
            .key("big")
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .expect("UploadPart");
        let etag = output.e_tag().expect("part ETag").to_owned();
        assert_eq!(etag, quoted_md5(data), "ETag of part {number}");
        part_digests.extend_from_slice(&Md5::digest(data));
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(etag)
                .build(),
        );
    }
    let completion = CompletedMultipartUpload::builder()
        .set_parts(Some(completed))
        .build();
    let output = s3
        .complete_multipart_upload()
        .bucket("multipart")
        .key("big")
        .upload_id(upload_id)
        .multipart_upload(completion)
        .send()
        .await
        .expect("CompleteMultipartUpload");
    let expected_etag = format!("\"{}-3\"", hex::encode(Md5::digest(&part_digests)));
    assert_eq!(output.e_tag(), Some(expected_etag.as_str()));

    let whole: Vec<u8> = parts.concat();
    assert_eq!(read_all(&s3, "multipart", "big").await, whole);
    let head = s3
        .head_object()
        .bucket("multipart")
        .key("big")
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(head.content_type(), Some("video/x-test"));
    assert_eq!(head.e_tag(), Some(expected_etag.as_str()));
}

#[tokio::test]
async fn multipart_abort() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("aborted")
        .send()
        .await
        .expect("CreateBucket");
    let upload = s3
        .create_multipart_upload()
        .bucket("aborted")
        .key("k")
        .send()
        .await;
    let upload = upload.expect("CreateMultipartUpload");
    let upload_id = upload.upload_id().expect("UploadId");
    let body = ByteStream::from(pattern(1000, 9));
    let part = s3
        .upload_part()
        .bucket("aborted")
        .key("k")
        .upload_id(upload_id)
        .part_number(1)
        .body(body);
    part.send().await.expect("UploadPart");
    let abort = s3
        .abort_multipart_upload()
        .bucket("aborted")
        .key("k")
        .upload_id(upload_id);
    abort.send().await.expect("AbortMultipartUpload");

    let get = s3.get_object().bucket("aborted").key("k").send().await;
    assert_eq!(error_code(get), "NoSuchKey");
    let body = ByteStream::from(pattern(10, 1));
    let late = s3
        .upload_part()
        .bucket("aborted")
        .key("k")
        .upload_id(upload_id)
        .part_number(2)
        .body(body);
    assert_eq!(error_code(late.send().await), "NoSuchUpload");
    // The bucket must be empty again: an aborted upload leaves nothing behind.
    s3.delete_bucket()
        .bucket("aborted")
        .send()
        .await
        .expect("DeleteBucket after abort");
}
