//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts and ListMultipartUploads.

use http::{HeaderMap, StatusCode};
use oss_proto::checksum::ChecksumType;
use oss_proto::xml::{
    CompleteMultipartUploadResult, InitiateMultipartUploadResult, ListMultipartUploadsResult,
    ListPartsResult, Owner, PartEntry, UploadEntry,
};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{CompletePart, ListUploadEntry, ObjectRecord, PartChecksum, StoreError, Upload};

use super::checksums::{self, CompletionRequest, UploadChoice};
use super::object::{object_meta, write_condition};
use super::{Call, HandlerResult, read_small_body};
use crate::auth::Payload;
use crate::body::{self, RequestBody};
use crate::error;
use crate::ingest::{self, BodySpec};

/// Largest CompleteMultipartUpload document we read: 10000 parts with checksums.
const MAX_COMPLETE_DOCUMENT_BYTES: u64 = 4 << 20;
/// Part numbers run from 1 to this.
const MAX_PART_NUMBER: u32 = 10_000;
/// Largest part, as on AWS: 5 GiB.
pub(crate) const MAX_PART_SIZE: u64 = 5 << 30;
/// Entries per page of ListParts and ListMultipartUploads unless fewer are requested.
const MAX_ENTRIES: usize = 1000;

pub(crate) async fn create_multipart_upload(call: &Call<'_>) -> HandlerResult {
    let headers = &call.context.headers;
    let meta = object_meta(headers)?;
    let choice = oss_proto::checksum::multipart_checksum_headers(headers)?;
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let checksum = choice.map(checksums::to_upload_checksum);
    let upload =
        error::blocking(move || store.create_multipart_upload_with(&bucket, &key, meta, checksum))
            .await?;

    let result = InitiateMultipartUploadResult {
        bucket: call.bucket().name.clone(),
        key: upload.key,
        upload_id: upload.upload_id,
    };
    let mut response = body::xml(result.to_xml());
    if let Some(choice) = choice {
        insert_choice(response.headers_mut(), choice);
    }
    Ok(response)
}

/// Adds `x-amz-checksum-algorithm` and `x-amz-checksum-type` of an upload to a response.
fn insert_choice(headers: &mut HeaderMap, (algorithm, kind): UploadChoice) {
    let pairs = [
        ("x-amz-checksum-algorithm", algorithm.as_str()),
        ("x-amz-checksum-type", kind.as_str()),
    ];
    for (name, value) in pairs {
        headers.insert(name, http::HeaderValue::from_static(value));
    }
}

/// Loads the upload named by `uploadId`, which must belong to the addressed key.
pub(crate) async fn load_upload(call: &Call<'_>) -> Result<Upload, S3Error> {
    let upload_id = upload_id(call);
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let requested_id = upload_id.clone();
    let upload = error::blocking(move || store.upload(&bucket, &key, &requested_id)).await?;
    upload
        .ok_or_else(|| S3Error::new(S3ErrorCode::NoSuchUpload).with_element("UploadId", upload_id))
}

/// Reads the `partNumber` of UploadPart and UploadPartCopy.
pub(crate) fn part_number(call: &Call<'_>) -> Result<u32, S3Error> {
    let value = call.context.query.get("partNumber").unwrap_or_default();
    value
        .parse()
        .ok()
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message("Part number must be an integer between 1 and 10000, inclusive")
                .with_element("ArgumentName", "partNumber".to_owned())
                .with_element("ArgumentValue", value.to_owned())
        })
}

pub(crate) async fn upload_part(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let number = part_number(call)?;
    let mut spec = BodySpec::from_request(call.context, &payload)?;
    let max = MAX_PART_SIZE.min(call.config.max_object_size);
    if spec.length > max {
        return Err(S3Error::new(S3ErrorCode::EntityTooLarge)
            .with_element("ProposedSize", spec.length.to_string())
            .with_element("MaxSizeAllowed", max.to_string()));
    }
    let upload = load_upload(call).await?;
    let choice = checksums::upload_choice(&upload);
    spec.computed_checksum = checksums::part_checksum_plan(spec.client_algorithm(), choice)?;

    // Parts count towards the account's capacity from the moment they are stored.
    let reservation = call
        .store
        .reserve(&call.principal.account.id, spec.length)
        .map_err(error::from_store)?;
    let writer = call.store.blob_writer(reservation);
    let ingested = ingest::ingest(request_body, writer, &spec, payload).await?;

    let etag = oss_proto::checksum::etag_from_md5(&ingested.md5);
    let kind = choice.map_or(ChecksumType::FullObject, |(_, kind)| kind);
    let checksum = ingested.checksum.as_ref().map(|sent| PartChecksum {
        checksum: checksums::to_stored(&sent.checksum, kind),
        origin: sent.origin,
    });
    let store = call.store.clone();
    let md5 = ingested.md5;
    let part_etag = etag.clone();
    error::blocking(move || {
        store.put_part(&upload, number, ingested.blob, part_etag, md5, checksum)
    })
    .await?;

    let mut response = body::status(StatusCode::OK);
    if let Ok(value) = http::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(http::header::ETAG, value);
    }
    if let Some(sent) = &ingested.checksum
        && let Ok(value) = http::HeaderValue::from_str(&sent.checksum.value)
    {
        response
            .headers_mut()
            .insert(sent.checksum.algorithm.header_name(), value);
    }
    Ok(response)
}

/// Why a completion failed: in the store, or in the checks of the request's checksums.
enum CompletionFailure {
    Store(StoreError),
    Rejected(S3Error),
}

impl From<StoreError> for CompletionFailure {
    fn from(error: StoreError) -> Self {
        CompletionFailure::Store(error)
    }
}

pub(crate) async fn complete_multipart_upload(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let headers = &call.context.headers;
    let condition = write_condition(headers)?;
    let document = read_small_body(
        call.context,
        request_body,
        payload,
        MAX_COMPLETE_DOCUMENT_BYTES,
    )
    .await?;
    let listed = oss_proto::xml::parse_complete_multipart_upload(&document)?;
    let parts: Vec<CompletePart> = listed
        .iter()
        .map(|part| CompletePart {
            part_number: part.part_number,
            etag: part.etag.clone(),
        })
        .collect();
    let request = CompletionRequest::from_headers(headers, listed)?;

    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload_id = upload_id(call);
    let record = error::blocking(move || {
        let finish = |upload: &Upload, stored: &[oss_store::PartRecord]| {
            request
                .finish(upload, stored)
                .map_err(CompletionFailure::Rejected)
        };
        match store
            .complete_multipart_upload_with(&bucket, &key, &upload_id, &parts, &condition, finish)
        {
            Ok(record) => Ok(Ok(record)),
            Err(CompletionFailure::Rejected(error)) => Ok(Err(error)),
            Err(CompletionFailure::Store(error)) => Err(error),
        }
    })
    .await??;
    Ok(body::xml(completion_result(call, &record).to_xml()))
}

fn completion_result(call: &Call<'_>, record: &ObjectRecord) -> CompleteMultipartUploadResult {
    let wire = record.meta.checksum.as_ref().and_then(checksums::to_wire);
    let (checksum, checksum_type) = match wire {
        Some((checksum, kind)) => (Some(checksum), kind),
        None => (None, None),
    };
    CompleteMultipartUploadResult {
        location: format!(
            "/{}/{}",
            call.bucket().name,
            oss_proto::xml::url_encode_key(&record.key)
        ),
        bucket: call.bucket().name.clone(),
        key: record.key.clone(),
        etag: record.etag.clone(),
        checksum,
        checksum_type,
    }
}

fn upload_id(call: &Call<'_>) -> String {
    call.context
        .query
        .get("uploadId")
        .unwrap_or_default()
        .to_owned()
}

pub(crate) async fn abort_multipart_upload(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload_id = upload_id(call);
    error::blocking(move || store.abort_multipart_upload(&bucket, &key, &upload_id)).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

fn owner(call: &Call<'_>) -> Owner {
    let account = &call.principal.account;
    Owner {
        id: account.id.clone(),
        display_name: account.name.clone(),
    }
}

fn max_entries(call: &Call<'_>, name: &str) -> Result<usize, S3Error> {
    match call.context.query.get(name) {
        None => Ok(MAX_ENTRIES),
        Some(value) => value
            .parse::<usize>()
            .map(|n| n.min(MAX_ENTRIES))
            .map_err(|_| {
                S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message(format!("{name} must be a non-negative integer."))
                    .with_element("ArgumentName", name.to_owned())
            }),
    }
}

pub(crate) async fn list_parts(call: &Call<'_>) -> HandlerResult {
    let upload = load_upload(call).await?;
    let max_parts = max_entries(call, "max-parts")?;
    let marker: u32 = match call.context.query.get("part-number-marker") {
        Some(value) if !value.is_empty() => value.parse().map_err(|_| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message("part-number-marker must be an integer.")
        })?,
        _ => 0,
    };
    let store = call.store.clone();
    let listed_upload = upload.clone();
    let (parts, truncated) =
        error::blocking(move || store.list_parts(&listed_upload, marker, max_parts)).await?;

    let next_marker = if truncated {
        parts.last().map(|p| p.part_number)
    } else {
        None
    };
    let owner = owner(call);
    let choice = checksums::upload_choice(&upload);
    let result = ListPartsResult {
        bucket: call.bucket().name.clone(),
        key: upload.key.clone(),
        upload_id: upload.upload_id.clone(),
        part_number_marker: marker,
        next_part_number_marker: next_marker,
        max_parts,
        is_truncated: truncated,
        initiator: owner.clone(),
        owner,
        storage_class: upload
            .meta
            .storage_class
            .clone()
            .unwrap_or_else(|| "STANDARD".to_owned()),
        checksum_algorithm: choice.map(|(algorithm, _)| algorithm),
        checksum_type: choice.map(|(_, kind)| kind),
        parts: parts
            .into_iter()
            .map(|part| PartEntry {
                part_number: part.part_number,
                last_modified: part.last_modified,
                checksum: part
                    .checksum
                    .as_ref()
                    .and_then(checksums::to_wire)
                    .map(|(checksum, _)| checksum),
                etag: part.etag,
                size: part.size,
            })
            .collect(),
    };
    Ok(body::xml(result.to_xml()))
}

pub(crate) async fn list_multipart_uploads(call: &Call<'_>) -> HandlerResult {
    let query = &call.context.query;
    let max_uploads = max_entries(call, "max-uploads")?;
    let prefix = query.get("prefix").unwrap_or("").to_owned();
    let delimiter = query
        .get("delimiter")
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    let key_marker = query
        .get("key-marker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    let upload_id_marker = query
        .get("upload-id-marker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned);

    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let (listed_prefix, listed_delimiter) = (prefix.clone(), delimiter.clone());
    let (listed_key_marker, listed_upload_id_marker) =
        (key_marker.clone(), upload_id_marker.clone());
    let (entries, truncated) = error::blocking(move || {
        store.list_multipart_uploads(
            &bucket,
            &listed_prefix,
            listed_delimiter.as_deref(),
            listed_key_marker.as_deref(),
            listed_upload_id_marker.as_deref(),
            max_uploads,
        )
    })
    .await?;

    // The next page starts after the last entry of this one, an upload or a common prefix.
    let (next_key_marker, next_upload_id_marker) = match (truncated, entries.last()) {
        (true, Some(ListUploadEntry::Upload(last))) => {
            (Some(last.key.clone()), Some(last.upload_id.clone()))
        }
        (true, Some(ListUploadEntry::CommonPrefix(prefix))) => (Some(prefix.clone()), None),
        _ => (None, None),
    };
    let owner = owner(call);
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in entries {
        match entry {
            ListUploadEntry::Upload(upload) => {
                let choice = checksums::upload_choice(&upload);
                uploads.push(UploadEntry {
                    key: upload.key,
                    upload_id: upload.upload_id,
                    initiated: upload.initiated,
                    storage_class: upload
                        .meta
                        .storage_class
                        .unwrap_or_else(|| "STANDARD".to_owned()),
                    initiator: owner.clone(),
                    owner: owner.clone(),
                    checksum_algorithm: choice.map(|(algorithm, _)| algorithm),
                    checksum_type: choice.map(|(_, kind)| kind),
                });
            }
            ListUploadEntry::CommonPrefix(prefix) => common_prefixes.push(prefix),
        }
    }
    let result = ListMultipartUploadsResult {
        bucket: call.bucket().name.clone(),
        prefix,
        delimiter,
        key_marker: key_marker.unwrap_or_default(),
        upload_id_marker: upload_id_marker.unwrap_or_default(),
        next_key_marker,
        next_upload_id_marker,
        max_uploads,
        is_truncated: truncated,
        uploads,
        common_prefixes,
        encoding_type: None,
    };
    Ok(body::xml(result.to_xml()))
}
