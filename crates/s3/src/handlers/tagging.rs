//! Object and bucket tagging: GetObjectTagging, PutObjectTagging, DeleteObjectTagging,
//! GetBucketTagging, PutBucketTagging and DeleteBucketTagging.

use http::StatusCode;
use oss_proto::tagging::TagTarget;
use oss_proto::xml::{Tagging, parse_tagging};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::StoreError;

use super::{Call, HandlerResult, digest, read_small_body};
use crate::auth::Payload;
use crate::body::{self, RequestBody};
use crate::error;

/// Largest Tagging document read: 50 tags of 128-character keys and 256-character values,
/// four bytes per character, with room for markup and escaping.
const MAX_TAGGING_DOCUMENT_BYTES: u64 = 256 << 10;

/// Returns the object's tag set, empty unless tags were stored with it.
pub(crate) async fn get_object_tagging(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let record = error::blocking(move || store.head_object(&bucket, &key)).await?;
    let record = record.ok_or_else(|| no_such_key(call))?;
    let tagging = Tagging {
        tags: record.meta.tags,
    };
    Ok(body::xml(tagging.to_xml()))
}

/// Replaces the object's tag set. The object's data, ETag and last-modified time stay.
pub(crate) async fn put_object_tagging(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let tags = read_tagging(call, request_body, payload, TagTarget::Object).await?;
    set_object_tags(call, tags).await?;
    Ok(body::status(StatusCode::OK))
}

/// Removes every tag of the object.
pub(crate) async fn delete_object_tagging(call: &Call<'_>) -> HandlerResult {
    set_object_tags(call, Vec::new()).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

/// Returns the bucket's tag set, or 404 `NoSuchTagSet` if it has none.
pub(crate) async fn get_bucket_tagging(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let tags = error::blocking(move || store.bucket_tags(&bucket)).await?;
    match tags.filter(|tags| !tags.is_empty()) {
        Some(tags) => Ok(body::xml(Tagging { tags }.to_xml())),
        None => Err(S3Error::new(S3ErrorCode::NoSuchTagSet)
            .with_element("BucketName", call.bucket().name.clone())),
    }
}

/// Replaces the bucket's tag set.
pub(crate) async fn put_bucket_tagging(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let tags = read_tagging(call, request_body, payload, TagTarget::Bucket).await?;
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    error::blocking(move || store.put_bucket_tags(&bucket, &tags)).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

/// Removes the bucket's tag set. A bucket without tags gets the same response.
pub(crate) async fn delete_bucket_tagging(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    error::blocking(move || store.delete_bucket_tags(&bucket)).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

/// Reads, verifies and parses a Tagging document.
async fn read_tagging(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
    target: TagTarget,
) -> Result<Vec<(String, String)>, S3Error> {
    let document = read_small_body(
        call.context,
        request_body,
        payload,
        MAX_TAGGING_DOCUMENT_BYTES,
    )
    .await?;
    digest::verify_document(call.context, &document, true)?;
    parse_tagging(&document, target)
}

async fn set_object_tags(call: &Call<'_>, tags: Vec<(String, String)>) -> Result<(), S3Error> {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let stored = tokio::task::spawn_blocking(move || store.put_object_tags(&bucket, &key, tags))
        .await
        .map_err(S3Error::internal)?;
    match stored {
        Ok(_) => Ok(()),
        Err(StoreError::NoSuchKey) => Err(no_such_key(call)),
        Err(other) => Err(error::from_store(other)),
    }
}

fn no_such_key(call: &Call<'_>) -> S3Error {
    S3Error::new(S3ErrorCode::NoSuchKey).with_element("Key", call.context.object_key().to_owned())
}
