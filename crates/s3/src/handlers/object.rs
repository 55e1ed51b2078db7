//! Object operations: PutObject, GetObject, HeadObject, DeleteObject and DeleteObjects.

use futures::StreamExt;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use oss_proto::checksum::ChecksumType;
use oss_proto::conditional::ReadCondition;
use oss_proto::range::ByteRange;
use oss_proto::xml::{DeleteErrorEntry, DeleteResult, DeletedEntry};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{KeyState, ObjectMeta, ObjectRecord, StoredChecksum, WriteCondition};

use super::{Call, HandlerResult, checksums, read_small_body};
use crate::auth::Payload;
use crate::body::{self, RequestBody, ResponseBody};
use crate::error;
use crate::ingest::{self, BodySpec};

/// Largest DeleteObjects request document we read: 1000 keys of up to 1024 bytes, escaped.
const MAX_DELETE_DOCUMENT_BYTES: u64 = 8 << 20;
/// Keys one DeleteObjects request may name.
const MAX_DELETE_KEYS: usize = 1000;

pub(crate) async fn put_object(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let context = call.context;
    let spec = BodySpec::from_request(context, &payload)?;
    if spec.length > call.config.max_object_size {
        return Err(S3Error::new(S3ErrorCode::EntityTooLarge)
            .with_element("ProposedSize", spec.length.to_string())
            .with_element("MaxSizeAllowed", call.config.max_object_size.to_string()));
    }
    let meta = object_meta(&context.headers)?;
    let mut condition = write_condition(&context.headers)?;

    // A conditional write that already fails is rejected before its body is read. The state
    // seen now lets the commit report a failure caused by a concurrent write as 409.
    if !condition.is_unconditional() {
        let current = current_object(call).await?;
        condition
            .check(current.as_ref())
            .map_err(error::from_store)?;
        condition.key_at_start = Some(KeyState::of(current.as_ref()));
    }

    // Admit the write against the account's capacity before reading any of the body.
    let reservation = call
        .store
        .reserve(&call.principal.account.id, spec.length)
        .map_err(error::from_store)?;
    let writer = call.store.blob_writer(reservation);
    let ingested = ingest::ingest(request_body, writer, &spec, payload).await?;

    let mut meta = meta;
    meta.checksum = ingested
        .checksum
        .as_ref()
        .map(|sent| checksums::to_stored(&sent.checksum, ChecksumType::FullObject));
    let etag = oss_proto::checksum::etag_from_md5(&ingested.md5);
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = context.object_key().to_owned();
    let record = error::blocking(move || {
        store.put_object(&bucket, &key, ingested.blob, etag, meta, &condition)
    })
    .await?;

    let mut response = body::status(StatusCode::OK);
    insert(response.headers_mut(), header::ETAG, &record.etag);
    if let Some(checksum) = &record.meta.checksum {
        insert_checksum(response.headers_mut(), checksum, true);
    }
    Ok(response)
}

pub(crate) async fn get_object(call: &Call<'_>) -> HandlerResult {
    read_object(call, true).await
}

pub(crate) async fn head_object(call: &Call<'_>) -> HandlerResult {
    read_object(call, false).await
}

/// Attempts at reading an object that keeps being replaced under the reader.
const READ_ATTEMPTS: usize = 3;

/// Serves GetObject and HeadObject. An overwrite can replace the object between the metadata
/// read and the data read. The reader then fails before any byte is sent, so the read starts
/// over.
async fn read_object(call: &Call<'_>, with_body: bool) -> HandlerResult {
    for _ in 0..READ_ATTEMPTS {
        if let Some(response) = try_read_object(call, with_body).await? {
            return Ok(response);
        }
    }
    Err(S3Error::new(S3ErrorCode::ServiceUnavailable)
        .with_message("The object was replaced repeatedly while it was being read; retry."))
}

/// Conditions, then range or part, then headers and body. Returns None if the object was
/// replaced before its data could be opened.
async fn try_read_object(
    call: &Call<'_>,
    with_body: bool,
) -> Result<Option<Response<ResponseBody>>, S3Error> {
    let context = call.context;
    let record = head(call).await?;

    match oss_proto::conditional::evaluate_read(
        &context.headers,
        &record.etag,
        record.last_modified,
    ) {
        ReadCondition::Proceed => {}
        ReadCondition::NotModified => {
            let mut response = body::status(StatusCode::NOT_MODIFIED);
            insert(response.headers_mut(), header::ETAG, &record.etag);
            insert(
                response.headers_mut(),
                header::LAST_MODIFIED,
                &oss_proto::headers::format_http_date(record.last_modified),
            );
            return Ok(Some(response));
        }
        ReadCondition::PreconditionFailed => {
            return Err(S3Error::new(S3ErrorCode::PreconditionFailed)
                .with_element("Condition", "If-Match or If-Unmodified-Since".to_owned()));
        }
    }

    let range = requested_range(context, &record)?;
    let mut response = Response::new(body::empty());
    let headers = response.headers_mut();
    object_headers(headers, &record);
    if context.header("x-amz-checksum-mode") == Some("ENABLED") {
        insert_response_checksum(headers, context, &record, range.is_some());
    }
    response_overrides(headers, context);

    let (start, end) = match range {
        Some((start, end)) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            insert(
                response.headers_mut(),
                header::CONTENT_RANGE,
                &format!("bytes {start}-{end}/{}", record.size),
            );
            (start, end)
        }
        None => (0, record.size.saturating_sub(1)),
    };
    let length = if record.size == 0 { 0 } else { end - start + 1 };
    insert(
        response.headers_mut(),
        header::CONTENT_LENGTH,
        &length.to_string(),
    );
    if let Some(parts) = part_count(context, &record) {
        insert(
            response.headers_mut(),
            "x-amz-mp-parts-count",
            &parts.to_string(),
        );
    }

    if with_body && length > 0 {
        let mut reader = Box::pin(call.store.read_object(&record, start, end));
        let first = match reader.next().await {
            Some(Ok(data)) => data,
            Some(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Some(Err(error)) => return Err(S3Error::internal(error)),
            None => bytes::Bytes::new(),
        };
        *response.body_mut() =
            body::stream(futures::stream::once(async { Ok(first) }).chain(reader));
    }
    Ok(Some(response))
}

/// Returns the addressed object, or NoSuchKey.
pub(crate) async fn head(call: &Call<'_>) -> Result<ObjectRecord, S3Error> {
    current_object(call).await?.ok_or_else(|| {
        S3Error::new(S3ErrorCode::NoSuchKey)
            .with_element("Key", call.context.object_key().to_owned())
    })
}

/// Returns the addressed object, if there is one.
async fn current_object(call: &Call<'_>) -> Result<Option<ObjectRecord>, S3Error> {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    error::blocking(move || store.head_object(&bucket, &key)).await
}

/// Returns the inclusive byte range to send, from `partNumber` or a `Range` header, or None
/// for the whole object. A Range header we do not understand is ignored, as AWS does.
fn requested_range(
    context: &crate::context::RequestContext,
    record: &ObjectRecord,
) -> Result<Option<(u64, u64)>, S3Error> {
    if let Some(value) = context.query.get("partNumber") {
        let number: u32 = value
            .parse()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message("Part number must be an integer between 1 and 10000, inclusive.")
                    .with_element("ArgumentName", "partNumber".to_owned())
            })?;
        return part_range(record, number).map(Some);
    }
    let Some(range) = context
        .header("range")
        .and_then(oss_proto::range::parse_range)
    else {
        return Ok(None);
    };
    resolve_range(
        &range,
        record.size,
        context.header("range").unwrap_or_default(),
    )
    .map(Some)
}

fn resolve_range(range: &ByteRange, size: u64, requested: &str) -> Result<(u64, u64), S3Error> {
    range.resolve(size).map_err(|_| {
        S3Error::new(S3ErrorCode::InvalidRange)
            .with_element("RangeRequested", requested.to_owned())
            .with_element("ActualObjectSize", size.to_string())
            .with_header(
                header::CONTENT_RANGE,
                crate::auth::header_value(&format!("bytes */{size}")),
            )
    })
}

/// Returns the byte range of one part. A single-part object has only part 1.
fn part_range(record: &ObjectRecord, number: u32) -> Result<(u64, u64), S3Error> {
    let invalid = || {
        S3Error::new(S3ErrorCode::InvalidRange)
            .with_message("The requested part number is not satisfiable.")
            .with_header(
                header::CONTENT_RANGE,
                crate::auth::header_value(&format!("bytes */{}", record.size)),
            )
    };
    if record.parts.is_empty() {
        return if number == 1 && record.size > 0 {
            Ok((0, record.size - 1))
        } else {
            Err(invalid())
        };
    }
    let mut start = 0u64;
    for part in &record.parts {
        if part.part_number == number {
            if part.size == 0 {
                return Err(invalid());
            }
            return Ok((start, start + part.size - 1));
        }
        start += part.size;
    }
    Err(invalid())
}

fn part_count(context: &crate::context::RequestContext, record: &ObjectRecord) -> Option<usize> {
    (context.query.has("partNumber") && !record.parts.is_empty()).then_some(record.parts.len())
}

pub(crate) async fn delete_object(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    error::blocking(move || store.delete_object(&bucket, &key)).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

pub(crate) async fn delete_objects(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let document = read_small_body(
        call.context,
        request_body,
        payload,
        MAX_DELETE_DOCUMENT_BYTES,
    )
    .await?;
    super::digest::verify_document(call.context, &document, true)?;
    let request = oss_proto::xml::parse_delete(&document)?;
    if request.objects.len() > MAX_DELETE_KEYS {
        return Err(
            S3Error::new(S3ErrorCode::MalformedXML).with_message(format!(
                "The request names {} keys; at most {MAX_DELETE_KEYS} are allowed.",
                request.objects.len()
            )),
        );
    }

    let mut result = DeleteResult::default();
    for object in request.objects {
        if let Err(error) = oss_proto::names::validate_object_key(&object.key) {
            result.errors.push(DeleteErrorEntry {
                key: object.key,
                version_id: object.version_id,
                code: error.code(),
                message: error.message().to_owned(),
            });
            continue;
        }
        let store = call.store.clone();
        let bucket = call.bucket().clone();
        let key = object.key.clone();
        match error::blocking(move || store.delete_object(&bucket, &key)).await {
            Ok(_) => {
                if !request.quiet {
                    result.deleted.push(DeletedEntry {
                        key: object.key,
                        version_id: object.version_id,
                        delete_marker: false,
                        delete_marker_version_id: None,
                    });
                }
            }
            Err(error) => result.errors.push(DeleteErrorEntry {
                key: object.key,
                version_id: object.version_id,
                code: error.code(),
                message: error.message().to_owned(),
            }),
        }
    }
    Ok(body::xml(result.to_xml()))
}

/// System and user metadata, and tags, sent with PutObject or CreateMultipartUpload.
pub(crate) fn object_meta(headers: &HeaderMap) -> Result<ObjectMeta, S3Error> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Ok(ObjectMeta {
        content_type: text("content-type"),
        cache_control: text("cache-control"),
        content_disposition: text("content-disposition"),
        content_encoding: text("content-encoding").and_then(strip_aws_chunked),
        content_language: text("content-language"),
        expires: text("expires"),
        user_metadata: oss_proto::headers::user_metadata(headers)?,
        storage_class: text("x-amz-storage-class"),
        tags: tagging_header(headers)?,
        ..ObjectMeta::default()
    })
}

/// Reads the tags of the `x-amz-tagging` header, which PutObject, CreateMultipartUpload and
/// CopyObject accept.
pub(crate) fn tagging_header(headers: &HeaderMap) -> Result<Vec<(String, String)>, S3Error> {
    match headers.get("x-amz-tagging") {
        None => Ok(Vec::new()),
        Some(value) => {
            let value = value.to_str().map_err(|_| {
                S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message("The header 'x-amz-tagging' must be URL-encoded ASCII.")
                    .with_element("ArgumentName", "x-amz-tagging")
            })?;
            oss_proto::tagging::parse_tagging_header(value)
        }
    }
}

/// Removes the `aws-chunked` transfer coding, which describes the request, not the object.
fn strip_aws_chunked(value: String) -> Option<String> {
    let kept: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// Reads the conditional-write headers of PutObject and CompleteMultipartUpload.
pub(crate) fn write_condition(headers: &HeaderMap) -> Result<WriteCondition, S3Error> {
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let if_none_match_any = match if_none_match.map(str::trim) {
        None => false,
        Some("*") => true,
        Some(_) => {
            return Err(S3Error::new(S3ErrorCode::NotImplemented)
                .with_message("If-None-Match on a write supports only '*'.")
                .with_element("Header", "If-None-Match"));
        }
    };
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(WriteCondition {
        if_match,
        if_none_match_any,
        key_at_start: None,
    })
}

/// Adds the checksum of what a GetObject or HeadObject returns: the object's, or with
/// `partNumber` the part's. A byte range gets none, because a checksum covers a whole object
/// or part, and clients that verify checksums would reject every ranged download.
fn insert_response_checksum(
    headers: &mut HeaderMap,
    context: &crate::context::RequestContext,
    record: &ObjectRecord,
    ranged: bool,
) {
    let part_number = context.query.get("partNumber");
    let whole = record
        .meta
        .checksum
        .as_ref()
        .map(|checksum| (checksum, true));
    let checksum = match part_number.and_then(|number| number.parse::<u32>().ok()) {
        // A part of a multipart object has its own checksum, of no object-wide type.
        Some(number) if !record.parts.is_empty() => record
            .parts
            .iter()
            .find(|part| part.part_number == number)
            .and_then(|part| part.checksum.as_ref())
            .map(|checksum| (checksum, false)),
        // Part 1 of a single-part object is the whole object.
        Some(_) => whole,
        None if ranged => None,
        None => whole,
    };
    if let Some((checksum, with_type)) = checksum {
        insert_checksum(headers, checksum, with_type);
    }
}

/// Headers describing a stored object, shared by GetObject and HeadObject.
fn object_headers(headers: &mut HeaderMap, record: &ObjectRecord) {
    let meta = &record.meta;
    insert(headers, header::ETAG, &record.etag);
    insert(
        headers,
        header::LAST_MODIFIED,
        &oss_proto::headers::format_http_date(record.last_modified),
    );
    insert(headers, header::ACCEPT_RANGES, "bytes");
    insert(
        headers,
        header::CONTENT_TYPE,
        meta.content_type
            .as_deref()
            .unwrap_or("binary/octet-stream"),
    );
    let optional = [
        (header::CACHE_CONTROL, &meta.cache_control),
        (header::CONTENT_DISPOSITION, &meta.content_disposition),
        (header::CONTENT_ENCODING, &meta.content_encoding),
        (header::CONTENT_LANGUAGE, &meta.content_language),
        (header::EXPIRES, &meta.expires),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            insert(headers, name, value);
        }
    }
    for (name, value) in &meta.user_metadata {
        if let Ok(name) = http::HeaderName::from_bytes(format!("x-amz-meta-{name}").as_bytes()) {
            insert(headers, name, value);
        }
    }
    if let Some(class) = meta.storage_class.as_deref().filter(|c| *c != "STANDARD") {
        insert(headers, "x-amz-storage-class", class);
    }
    if !meta.tags.is_empty() {
        insert(headers, "x-amz-tagging-count", &meta.tags.len().to_string());
    }
}

/// Adds `x-amz-checksum-<algorithm>` and, with `with_type`, `x-amz-checksum-type`.
fn insert_checksum(headers: &mut HeaderMap, checksum: &StoredChecksum, with_type: bool) {
    let name = format!("x-amz-checksum-{}", checksum.algorithm.to_ascii_lowercase());
    if let Ok(name) = http::HeaderName::from_bytes(name.as_bytes()) {
        insert(headers, name, &checksum.value);
    }
    if with_type {
        insert(headers, "x-amz-checksum-type", &checksum.kind);
    }
}

/// `response-*` query parameters replace the stored headers in the response.
fn response_overrides(headers: &mut HeaderMap, context: &crate::context::RequestContext) {
    let overrides = [
        ("response-content-type", header::CONTENT_TYPE),
        ("response-content-language", header::CONTENT_LANGUAGE),
        ("response-expires", header::EXPIRES),
        ("response-cache-control", header::CACHE_CONTROL),
        ("response-content-disposition", header::CONTENT_DISPOSITION),
        ("response-content-encoding", header::CONTENT_ENCODING),
    ];
    for (parameter, name) in overrides {
        if let Some(value) = context.query.get(parameter) {
            insert(headers, name, value);
        }
    }
}

/// Inserts a header, skipping values that are not valid header text.
fn insert<K: header::IntoHeaderName>(headers: &mut HeaderMap, name: K, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
