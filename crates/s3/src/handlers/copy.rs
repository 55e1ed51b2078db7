//! CopyObject.

use futures::StreamExt;
use md5::{Digest, Md5};
use oss_proto::conditional::ReadCondition;
use oss_proto::xml::CopyObjectResult;
use oss_proto::{S3Error, S3ErrorCode};
use percent_encoding::percent_decode_str;

use super::object::{object_meta, tagging_header};
use super::{Call, HandlerResult, load_named_bucket};
use crate::body;
use crate::context::RequestContext;
use crate::error;

/// Largest object CopyObject copies, as on AWS; larger ones need UploadPartCopy.
const MAX_COPY_SIZE: u64 = 5 << 30;

/// Splits `x-amz-copy-source` (`bucket/key` or `/bucket/key`, URL-encoded, optionally with
/// `?versionId=`) into bucket and key.
fn parse_copy_source(value: &str) -> Result<(String, String), S3Error> {
    let invalid = || {
        S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message("Invalid copy source: expected bucket/key, URL-encoded.")
            .with_element("ArgumentName", "x-amz-copy-source")
    };
    let (path, version) = match value.split_once('?') {
        Some((path, query)) => (path, query.strip_prefix("versionId=")),
        None => (value, None),
    };
    if version.is_some_and(|v| v != "null") {
        return Err(S3Error::new(S3ErrorCode::NoSuchVersion)
            .with_message("Buckets here are unversioned; only versionId=null exists."));
    }
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| invalid())?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    match decoded.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok((bucket.to_owned(), key.to_owned()))
        }
        _ => Err(invalid()),
    }
}

/// Reads a COPY or REPLACE directive header; COPY when absent.
fn replaces(context: &RequestContext, header: &'static str) -> Result<bool, S3Error> {
    match context.header(header) {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(value) => Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(format!("Unknown directive {value:?} in {header}."))
            .with_element("ArgumentName", header)),
    }
}

pub(crate) async fn copy_object(call: &Call<'_>) -> HandlerResult {
    let context = call.context;
    let source = context.header("x-amz-copy-source").unwrap_or_default();
    let (source_bucket_name, source_key) = parse_copy_source(source)?;
    oss_proto::names::validate_object_key(&source_key)?;
    let source_bucket = load_named_bucket(call.store, &source_bucket_name, call.principal).await?;

    let store = call.store.clone();
    let (bucket, key) = (source_bucket.clone(), source_key.clone());
    let record = error::blocking(move || store.head_object(&bucket, &key)).await?;
    let record = record.ok_or_else(|| {
        S3Error::new(S3ErrorCode::NoSuchKey).with_element("Key", source_key.clone())
    })?;
    if oss_proto::conditional::evaluate_copy_source(
        &context.headers,
        &record.etag,
        record.last_modified,
    ) != ReadCondition::Proceed
    {
        return Err(S3Error::new(S3ErrorCode::PreconditionFailed)
            .with_element("Condition", "x-amz-copy-source-If-*"));
    }
    if record.size > MAX_COPY_SIZE {
        return Err(
            S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                "The source object is {} bytes; CopyObject copies at most {MAX_COPY_SIZE} bytes.",
                record.size
            )),
        );
    }

    // COPY keeps the source's metadata and tags; REPLACE takes them from this request.
    let replace = replaces(context, "x-amz-metadata-directive")?;
    let replace_tags = replaces(context, "x-amz-tagging-directive")?;
    let same_object = source_bucket.id == call.bucket().id && source_key == context.object_key();
    if same_object && !replace && !context.headers.contains_key("x-amz-storage-class") {
        return Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class, website redirect location \
             or encryption attributes.",
        ));
    }
    let mut meta = if replace {
        object_meta(&context.headers)?
    } else {
        record.meta.clone()
    };
    meta.tags = if replace_tags {
        tagging_header(&context.headers)?
    } else {
        record.meta.tags.clone()
    };
    if let Some(class) = context.header("x-amz-storage-class") {
        meta.storage_class = Some(class.to_owned());
    }

    // Stream the source into a new blob, hashing it for the new ETag.
    let reservation = call
        .store
        .reserve(&call.principal.account.id, record.size)
        .map_err(error::from_store)?;
    let mut writer = call.store.blob_writer(reservation);
    let mut md5 = Md5::new();
    if record.size > 0 {
        let mut reader = Box::pin(call.store.read_object(&record, 0, record.size - 1));
        while let Some(piece) = reader.next().await {
            let piece = piece.map_err(S3Error::internal)?;
            md5.update(&piece);
            writer.write(piece).await.map_err(error::from_store)?;
        }
    }
    let blob = writer.finish().await.map_err(error::from_store)?;
    if blob.size() != record.size {
        return Err(S3Error::new(S3ErrorCode::InternalError)
            .with_message("The source object changed while it was being copied; retry."));
    }
    let etag = oss_proto::checksum::etag_from_md5(&md5.finalize().into());

    let condition = super::object::write_condition(&context.headers)?;
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = context.object_key().to_owned();
    let copied =
        error::blocking(move || store.put_object(&bucket, &key, blob, etag, meta, &condition))
            .await?;

    let result = CopyObjectResult {
        etag: copied.etag,
        last_modified: copied.last_modified,
        checksum: None,
        checksum_type: None,
    };
    Ok(body::xml(result.to_xml()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_forms() {
        let parse = |v| parse_copy_source(v).unwrap();
        assert_eq!(parse("b/k"), ("b".into(), "k".into()));
        assert_eq!(parse("/b/a%2Fb%20c%2B"), ("b".into(), "a/b c+".into()));
        assert_eq!(parse("b/k?versionId=null"), ("b".into(), "k".into()));
        assert!(parse_copy_source("b").is_err());
        assert!(parse_copy_source("/b/").is_err());
        assert!(parse_copy_source("b/k?versionId=abc").is_err());
    }
}
