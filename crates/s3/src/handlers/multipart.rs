//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts and ListMultipartUploads.

use http::StatusCode;
use oss_proto::xml::{
    CompleteMultipartUploadResult, InitiateMultipartUploadResult, ListMultipartUploadsResult,
    ListPartsResult, Owner, PartEntry, UploadEntry,
};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{CompletePart, StoredChecksum, Upload};

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
/// Entries per page of ListParts and ListMultipartUploads unless fewer are requested.
const MAX_ENTRIES: usize = 1000;

pub(crate) async fn create_multipart_upload(call: &Call<'_>) -> HandlerResult {
    let meta = object_meta(&call.context.headers)?;
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload =
        error::blocking(move || store.create_multipart_upload(&bucket, &key, meta)).await?;
    let result = InitiateMultipartUploadResult {
        bucket: call.bucket().name.clone(),
        key: upload.key,
        upload_id: upload.upload_id,
    };
    Ok(body::xml(result.to_xml()))
}

/// Loads the upload named by `uploadId`, which must belong to the addressed key.
async fn load_upload(call: &Call<'_>) -> Result<Upload, S3Error> {
    let upload_id = call
        .context
        .query
        .get("uploadId")
        .unwrap_or_default()
        .to_owned();
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload = error::blocking(move || store.upload(&bucket, &key, &upload_id)).await?;
    upload.ok_or_else(|| {
        S3Error::new(S3ErrorCode::NoSuchUpload).with_element(
            "UploadId",
            call.context
                .query
                .get("uploadId")
                .unwrap_or_default()
                .to_owned(),
        )
    })
}

fn part_number(call: &Call<'_>) -> Result<u32, S3Error> {
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
    let spec = BodySpec::from_request(call.context, &payload)?;
    if spec.length > call.config.max_object_size {
        return Err(S3Error::new(S3ErrorCode::EntityTooLarge)
            .with_element("ProposedSize", spec.length.to_string())
            .with_element("MaxSizeAllowed", call.config.max_object_size.to_string()));
    }
    let upload = load_upload(call).await?;

    // Parts count towards the account's capacity from the moment they are stored.
    let reservation = call
        .store
        .reserve(&call.principal.account.id, spec.length)
        .map_err(error::from_store)?;
    let writer = call.store.blob_writer(reservation);
    let ingested = ingest::ingest(request_body, writer, &spec, payload).await?;

    let etag = oss_proto::checksum::etag_from_md5(&ingested.md5);
    let checksum = ingested.checksum.as_ref().map(|checksum| StoredChecksum {
        algorithm: checksum.algorithm.as_str().to_owned(),
        value: checksum.value.clone(),
        kind: "COMPOSITE".to_owned(),
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
    if let Some(checksum) = &ingested.checksum
        && let Ok(value) = http::HeaderValue::from_str(&checksum.value)
    {
        response
            .headers_mut()
            .insert(checksum.algorithm.header_name(), value);
    }
    Ok(response)
}

pub(crate) async fn complete_multipart_upload(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let condition = write_condition(&call.context.headers)?;
    let document = read_small_body(
        call.context,
        request_body,
        payload,
        MAX_COMPLETE_DOCUMENT_BYTES,
    )
    .await?;
    let parts = oss_proto::xml::parse_complete_multipart_upload(&document)?;
    if parts.is_empty() {
        return Err(S3Error::new(S3ErrorCode::MalformedXML)
            .with_message("The CompleteMultipartUpload document lists no parts."));
    }
    let parts: Vec<CompletePart> = parts
        .into_iter()
        .map(|part| CompletePart {
            part_number: part.part_number,
            etag: part.etag,
        })
        .collect();

    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload_id = call
        .context
        .query
        .get("uploadId")
        .unwrap_or_default()
        .to_owned();
    let record = error::blocking(move || {
        store.complete_multipart_upload(&bucket, &key, &upload_id, &parts, &condition)
    })
    .await?;

    let result = CompleteMultipartUploadResult {
        location: format!(
            "/{}/{}",
            call.bucket().name,
            oss_proto::xml::url_encode_key(&record.key)
        ),
        bucket: call.bucket().name.clone(),
        key: record.key.clone(),
        etag: record.etag,
        checksum: None,
        checksum_type: None,
    };
    Ok(body::xml(result.to_xml()))
}

pub(crate) async fn abort_multipart_upload(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let key = call.context.object_key().to_owned();
    let upload_id = call
        .context
        .query
        .get("uploadId")
        .unwrap_or_default()
        .to_owned();
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
        checksum_algorithm: None,
        checksum_type: None,
        parts: parts
            .into_iter()
            .map(|part| PartEntry {
                part_number: part.part_number,
                last_modified: part.last_modified,
                etag: part.etag,
                size: part.size,
                checksum: None,
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

    let owner = owner(call);
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in entries {
        match entry {
            oss_store::ListUploadEntry::Upload(upload) => uploads.push(UploadEntry {
                key: upload.key,
                upload_id: upload.upload_id,
                initiated: upload.initiated,
                storage_class: upload
                    .meta
                    .storage_class
                    .unwrap_or_else(|| "STANDARD".to_owned()),
                initiator: owner.clone(),
                owner: owner.clone(),
                checksum_algorithm: None,
                checksum_type: None,
            }),
            oss_store::ListUploadEntry::CommonPrefix(prefix) => common_prefixes.push(prefix),
        }
    }
    let (next_key_marker, next_upload_id_marker) = match (truncated, uploads.last()) {
        (true, Some(last)) => (Some(last.key.clone()), Some(last.upload_id.clone())),
        _ => (None, None),
    };
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
