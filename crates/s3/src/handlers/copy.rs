//! CopyObject and UploadPartCopy, which share the copy step.

use http::HeaderMap;
use md5::{Digest, Md5};
use oss_proto::checksum::{Checksum, ChecksumAlgorithm, ChecksumType, Checksummer};
use oss_proto::conditional::ReadCondition;
use oss_proto::range::ByteRange;
use oss_proto::xml::{CopyObjectResult, CopyPartResult};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{Blob, Bucket, ChecksumOrigin, ObjectRecord, PartChecksum, StoreError};
use percent_encoding::percent_decode_str;

use super::object::{object_meta, tagging_header, write_condition};
use super::{Call, HandlerResult, checksums, load_named_bucket, multipart};
use crate::body;
use crate::context::RequestContext;
use crate::error;

/// Largest object CopyObject copies, as on AWS; larger ones need UploadPartCopy.
const MAX_COPY_SIZE: u64 = 5 << 30;
/// Attempts at copying a source that keeps being replaced while it is read.
const COPY_ATTEMPTS: usize = 3;

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

/// The object a copy reads, with the `x-amz-copy-source-if-*` conditions checked.
struct CopySource {
    bucket: Bucket,
    key: String,
    record: ObjectRecord,
}

/// Loads the object named by `x-amz-copy-source` and checks the copy-source conditions.
async fn load_copy_source(call: &Call<'_>) -> Result<CopySource, S3Error> {
    let context = call.context;
    let source = context.header("x-amz-copy-source").unwrap_or_default();
    let (bucket_name, key) = parse_copy_source(source)?;
    oss_proto::names::validate_object_key(&key)?;
    let bucket = load_named_bucket(call.store, &bucket_name, call.principal).await?;

    let store = call.store.clone();
    let (source_bucket, source_key) = (bucket.clone(), key.clone());
    let record = error::blocking(move || store.head_object(&source_bucket, &source_key)).await?;
    let record = record
        .ok_or_else(|| S3Error::new(S3ErrorCode::NoSuchKey).with_element("Key", key.clone()))?;
    if oss_proto::conditional::evaluate_copy_source(
        &context.headers,
        &record.etag,
        record.last_modified,
    ) != ReadCondition::Proceed
    {
        return Err(S3Error::new(S3ErrorCode::PreconditionFailed)
            .with_element("Condition", "x-amz-copy-source-If-*"));
    }
    Ok(CopySource {
        bucket,
        key,
        record,
    })
}

/// Bytes copied into a new blob, with the hashes a new object or part needs.
struct Copied {
    blob: Blob,
    md5: [u8; 16],
    checksum: Option<Checksum>,
}

/// Copies bytes `first..=last` of `source` into a new blob charged to the caller's account,
/// hashing them for the ETag and, given `algorithm`, for a checksum. An empty source copies
/// nothing.
///
/// Returns None if the source was replaced or deleted before its data was read; the caller
/// may then load it again.
async fn copy_range(
    call: &Call<'_>,
    source: &ObjectRecord,
    (first, last): (u64, u64),
    algorithm: Option<ChecksumAlgorithm>,
) -> Result<Option<Copied>, S3Error> {
    let length = if source.size == 0 {
        0
    } else {
        last - first + 1
    };
    let reservation = call
        .store
        .reserve(&call.principal.account.id, length)
        .map_err(error::from_store)?;
    let mut md5 = Md5::new();
    let mut checksummer = algorithm.map(Checksummer::new);
    let copied = call
        .store
        .copy_blob(source, first, last, reservation, |piece| {
            md5.update(piece);
            if let Some(checksummer) = checksummer.as_mut() {
                checksummer.update(piece);
            }
        })
        .await;
    let blob = match copied {
        Ok(blob) if blob.size() == length => blob,
        Ok(_) => return Ok(None),
        Err(StoreError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(None);
        }
        Err(error) => return Err(error::from_store(error)),
    };
    Ok(Some(Copied {
        blob,
        md5: md5.finalize().into(),
        checksum: checksummer.map(|checksummer| Checksum {
            algorithm: checksummer.algorithm(),
            value: checksummer.finish(),
        }),
    }))
}

fn replaced_repeatedly() -> S3Error {
    S3Error::new(S3ErrorCode::ServiceUnavailable)
        .with_message("The source object was replaced repeatedly while it was being copied; retry.")
}

pub(crate) async fn copy_object(call: &Call<'_>) -> HandlerResult {
    let headers = &call.context.headers;
    // COPY keeps the source's metadata and tags; REPLACE takes them from this request.
    let replace = replaces(headers, "x-amz-metadata-directive")?;
    let replace_tags = replaces(headers, "x-amz-tagging-directive")?;
    let condition = write_condition(headers)?;
    let requested_algorithm = oss_proto::checksum::checksum_algorithm_header(headers)?;

    for _ in 0..COPY_ATTEMPTS {
        let source = load_copy_source(call).await?;
        check_copy_object(call, &source, replace)?;
        let record = &source.record;
        // The copy gets a checksum of the whole object in the requested algorithm, or else
        // in the source's.
        let algorithm = requested_algorithm.or_else(|| {
            let stored = record.meta.checksum.as_ref()?;
            checksums::to_wire(stored).map(|(checksum, _)| checksum.algorithm)
        });
        let range = (0, record.size.saturating_sub(1));
        let Some(copied) = copy_range(call, record, range, algorithm).await? else {
            continue;
        };
        let mut meta = if replace {
            object_meta(headers)?
        } else {
            record.meta.clone()
        };
        meta.tags = if replace_tags {
            tagging_header(headers)?
        } else {
            record.meta.tags.clone()
        };
        if let Some(class) = call.context.header("x-amz-storage-class") {
            meta.storage_class = Some(class.to_owned());
        }
        meta.checksum = copied
            .checksum
            .as_ref()
            .map(|checksum| checksums::to_stored(checksum, ChecksumType::FullObject));

        let etag = oss_proto::checksum::etag_from_md5(&copied.md5);
        let store = call.store.clone();
        let bucket = call.bucket().clone();
        let key = call.context.object_key().to_owned();
        let condition = condition.clone();
        let blob = copied.blob;
        let written =
            error::blocking(move || store.put_object(&bucket, &key, blob, etag, meta, &condition))
                .await?;
        let result = CopyObjectResult {
            etag: written.etag,
            last_modified: written.last_modified,
            checksum_type: copied.checksum.as_ref().map(|_| ChecksumType::FullObject),
            checksum: copied.checksum,
        };
        return Ok(body::xml(result.to_xml()));
    }
    Err(replaced_repeatedly())
}

/// Reads a COPY or REPLACE directive header: COPY (the default) keeps what the source has,
/// REPLACE takes it from the request.
fn replaces(headers: &HeaderMap, header: &'static str) -> Result<bool, S3Error> {
    match headers
        .get(header)
        .map(|value| value.to_str().unwrap_or(""))
    {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(value) => Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(format!("Unknown directive {value:?} in {header}."))
            .with_element("ArgumentName", header)),
    }
}

/// Rejects what CopyObject cannot do: sources over 5 GiB, and copying an object onto itself
/// without changing anything.
fn check_copy_object(call: &Call<'_>, source: &CopySource, replace: bool) -> Result<(), S3Error> {
    if source.record.size > MAX_COPY_SIZE {
        return Err(
            S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                "The source object is {} bytes; CopyObject copies at most {MAX_COPY_SIZE} bytes.",
                source.record.size
            )),
        );
    }
    let context = call.context;
    let same_object = source.bucket.id == call.bucket().id && source.key == context.object_key();
    if same_object && !replace && !context.headers.contains_key("x-amz-storage-class") {
        return Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class, website redirect location \
             or encryption attributes.",
        ));
    }
    Ok(())
}

pub(crate) async fn upload_part_copy(call: &Call<'_>) -> HandlerResult {
    let number = multipart::part_number(call)?;
    let upload = multipart::load_upload(call).await?;
    let choice = checksums::upload_choice(&upload);

    for _ in 0..COPY_ATTEMPTS {
        let source = load_copy_source(call).await?;
        let range = copy_source_range(call.context, source.record.size)?;
        let Some(copied) = copy_range(
            call,
            &source.record,
            range,
            choice.map(|(algorithm, _)| algorithm),
        )
        .await?
        else {
            continue;
        };
        let etag = oss_proto::checksum::etag_from_md5(&copied.md5);
        let checksum = copied.checksum.as_ref().map(|checksum| PartChecksum {
            checksum: checksums::to_stored(
                checksum,
                choice.map_or(ChecksumType::FullObject, |(_, kind)| kind),
            ),
            origin: ChecksumOrigin::Computed,
        });
        let store = call.store.clone();
        let (upload, md5, blob) = (upload.clone(), copied.md5, copied.blob);
        let part =
            error::blocking(move || store.put_part(&upload, number, blob, etag, md5, checksum))
                .await?;
        let result = CopyPartResult {
            etag: part.etag,
            last_modified: part.last_modified,
            checksum: copied.checksum,
        };
        return Ok(body::xml(result.to_xml()));
    }
    Err(replaced_repeatedly())
}

/// Reads `x-amz-copy-source-range: bytes=first-last`, which must lie inside the source of
/// `size` bytes and hold at most 5 GiB; without it, the whole source is copied.
fn copy_source_range(context: &RequestContext, size: u64) -> Result<(u64, u64), S3Error> {
    let Some(value) = context.header("x-amz-copy-source-range") else {
        if size > multipart::MAX_PART_SIZE {
            return Err(part_too_large(size));
        }
        return Ok((0, size.saturating_sub(1)));
    };
    let Some(ByteRange::FromTo(first, last)) = oss_proto::range::parse_range(value) else {
        return Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(
                "The x-amz-copy-source-range value must be of the form bytes=first-last where \
                 first and last are the zero-based offsets of the first and last bytes to copy",
            )
            .with_element("ArgumentName", "x-amz-copy-source-range")
            .with_element("ArgumentValue", value.to_owned()));
    };
    if last >= size {
        return Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(format!(
                "Range specified is not valid for source object of size: {size}"
            ))
            .with_element("ArgumentName", "x-amz-copy-source-range")
            .with_element("ArgumentValue", value.to_owned()));
    }
    if last - first + 1 > multipart::MAX_PART_SIZE {
        return Err(part_too_large(last - first + 1));
    }
    Ok((first, last))
}

fn part_too_large(size: u64) -> S3Error {
    S3Error::new(S3ErrorCode::EntityTooLarge)
        .with_element("ProposedSize", size.to_string())
        .with_element("MaxSizeAllowed", multipart::MAX_PART_SIZE.to_string())
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
