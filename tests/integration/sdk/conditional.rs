//! Conditional writes through the SDK: `If-None-Match: *` and `If-Match` on PutObject and
//! CompleteMultipartUpload, with 412, 404, 501 and 409 as AWS returns them.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::{client, error_code, pattern, read_all};
use crate::server::Server;

async fn put(s3: &Client, key: &str, data: &[u8]) -> String {
    let output = s3
        .put_object()
        .bucket("cas")
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .expect("PutObject");
    output.e_tag().expect("ETag").to_owned()
}

/// Creates an upload of `key` with one part; returns its id and the part list.
async fn upload_with_one_part(s3: &Client, key: &str) -> (String, CompletedMultipartUpload) {
    let created = s3
        .create_multipart_upload()
        .bucket("cas")
        .key(key)
        .send()
        .await
        .expect("CreateMultipartUpload");
    let upload_id = created.upload_id().expect("UploadId").to_owned();
    let part = s3
        .upload_part()
        .bucket("cas")
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(ByteStream::from(pattern(1000, 3)))
        .send()
        .await
        .expect("UploadPart");
    let parts = CompletedMultipartUpload::builder()
        .parts(
            CompletedPart::builder()
                .part_number(1)
                .e_tag(part.e_tag().expect("ETag"))
                .build(),
        )
        .build();
    (upload_id, parts)
}

#[tokio::test]
async fn conditional_put_object() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("cas")
        .send()
        .await
        .expect("CreateBucket");
    let put_if = |if_match: Option<&str>, if_none_match: Option<&str>, seed: u8| {
        s3.put_object()
            .bucket("cas")
            .key("table")
            .set_if_match(if_match.map(str::to_owned))
            .set_if_none_match(if_none_match.map(str::to_owned))
            .body(ByteStream::from(pattern(100, seed)))
            .send()
    };

    let missing = put_if(Some("\"0123\""), None, 1).await;
    assert_eq!(error_code(missing), "NoSuchKey");
    let created = put_if(None, Some("*"), 1).await.expect("create if absent");
    let first_etag = created.e_tag().expect("ETag").to_owned();
    let again = put_if(None, Some("*"), 2).await;
    assert_eq!(error_code(again), "PreconditionFailed");
    let stale = put_if(Some("\"0123\""), None, 2).await;
    assert_eq!(error_code(stale), "PreconditionFailed");
    let by_etag = put_if(None, Some(&first_etag), 2).await;
    assert_eq!(error_code(by_etag), "NotImplemented");
    assert_eq!(read_all(&s3, "cas", "table").await, pattern(100, 1));

    let swapped = put_if(Some(&first_etag), None, 3)
        .await
        .expect("swap on match");
    assert_ne!(swapped.e_tag(), Some(first_etag.as_str()));
    assert_eq!(read_all(&s3, "cas", "table").await, pattern(100, 3));
    let lost_race = put_if(Some(&first_etag), None, 4).await;
    assert_eq!(error_code(lost_race), "PreconditionFailed");
}

#[tokio::test]
async fn conditional_complete_multipart_upload() {
    let server = Server::start();
    let s3 = client(&server);
    s3.create_bucket()
        .bucket("cas")
        .send()
        .await
        .expect("CreateBucket");
    let complete = |key: &str, upload_id: &str, parts: &CompletedMultipartUpload| {
        s3.complete_multipart_upload()
            .bucket("cas")
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(parts.clone())
    };

    // The key existed before the upload began: the precondition simply fails.
    let old_etag = put(&s3, "existing", b"old").await;
    let (upload_id, parts) = upload_with_one_part(&s3, "existing").await;
    let failed = complete("existing", &upload_id, &parts)
        .if_none_match("*")
        .send()
        .await;
    assert_eq!(error_code(failed), "PreconditionFailed");
    let missing = complete("absent", "no-such-upload", &parts)
        .if_match(&old_etag)
        .send()
        .await;
    assert_eq!(error_code(missing), "NoSuchUpload");
    let swapped = complete("existing", &upload_id, &parts)
        .if_match(&old_etag)
        .send()
        .await
        .expect("complete if the object is unchanged");
    assert!(swapped.e_tag().is_some_and(|etag| etag.ends_with("-1\"")));

    // The key was created while the upload was open: a concurrent write decided the outcome.
    let (upload_id, parts) = upload_with_one_part(&s3, "raced").await;
    put(&s3, "raced", b"winner").await;
    let conflict = complete("raced", &upload_id, &parts)
        .if_none_match("*")
        .send()
        .await;
    assert_eq!(error_code(conflict), "ConditionalRequestConflict");
    assert_eq!(read_all(&s3, "cas", "raced").await, b"winner");

    // If-Match on a key that has no object.
    let (upload_id, parts) = upload_with_one_part(&s3, "nothing").await;
    let no_key = complete("nothing", &upload_id, &parts)
        .if_match("\"0123\"")
        .send()
        .await;
    assert_eq!(error_code(no_key), "NoSuchKey");
    let by_etag = complete("nothing", &upload_id, &parts)
        .if_none_match("\"0123\"")
        .send()
        .await;
    assert_eq!(error_code(by_etag), "NotImplemented");
    complete("nothing", &upload_id, &parts)
        .if_none_match("*")
        .send()
        .await
        .expect("complete if absent");
}
