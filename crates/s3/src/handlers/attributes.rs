//! GetObjectAttributes: an object's ETag, checksum, parts, storage class and size without
//! its data.

use http::header;
use oss_proto::xml::{GetObjectAttributesResponse, ObjectPart, ObjectParts};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::PartSummary;

use super::{Call, HandlerResult, checksums, object};
use crate::body;
use crate::context::RequestContext;

/// Parts per page of `ObjectParts` unless fewer are requested.
const MAX_PARTS: usize = 1000;

/// The attributes a request may name in `x-amz-object-attributes`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Requested {
    etag: bool,
    checksum: bool,
    object_parts: bool,
    storage_class: bool,
    object_size: bool,
}

pub(crate) async fn get_object_attributes(call: &Call<'_>) -> HandlerResult {
    let context = call.context;
    let requested = requested_attributes(context)?;
    let max_parts = header_number(context, "x-amz-max-parts")?.map_or(MAX_PARTS, |max| {
        usize::try_from(max).unwrap_or(MAX_PARTS).min(MAX_PARTS)
    });
    let marker = header_number(context, "x-amz-part-number-marker")?.unwrap_or(0);
    let record = object::head(call).await?;

    let checksum = record.meta.checksum.as_ref().and_then(checksums::to_wire);
    let attributes = GetObjectAttributesResponse {
        etag: requested.etag.then(|| record.etag.clone()),
        checksum_type: checksum
            .as_ref()
            .and_then(|(_, kind)| *kind)
            .filter(|_| requested.checksum),
        checksum: checksum
            .map(|(checksum, _)| checksum)
            .filter(|_| requested.checksum),
        object_parts: (requested.object_parts && !record.parts.is_empty())
            .then(|| object_parts(&record.parts, marker, max_parts)),
        storage_class: requested
            .storage_class
            .then(|| record.storage_class().unwrap_or("STANDARD").to_owned()),
        object_size: requested.object_size.then_some(record.size),
    };
    let mut response = body::xml(attributes.to_xml());
    let last_modified = oss_proto::headers::format_http_date(record.last_modified);
    if let Ok(value) = http::HeaderValue::from_str(&last_modified) {
        response.headers_mut().insert(header::LAST_MODIFIED, value);
    }
    Ok(response)
}

/// Reads `x-amz-object-attributes`: one or more comma-separated names, in one header or
/// several.
fn requested_attributes(context: &RequestContext) -> Result<Requested, S3Error> {
    let mut requested = Requested::default();
    let names = context
        .headers
        .get_all("x-amz-object-attributes")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("\u{0}").split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty());
    for name in names {
        let flag = match name {
            "ETag" => &mut requested.etag,
            "Checksum" => &mut requested.checksum,
            "ObjectParts" => &mut requested.object_parts,
            "StorageClass" => &mut requested.storage_class,
            "ObjectSize" => &mut requested.object_size,
            _ => {
                return Err(S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message("Invalid attribute name specified.")
                    .with_element("ArgumentName", "x-amz-object-attributes")
                    .with_element("ArgumentValue", name.to_owned()));
            }
        };
        *flag = true;
    }
    if requested == Requested::default() {
        return Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(
                "The x-amz-object-attributes header specifying the attributes to be retrieved \
                 is either missing or empty",
            )
            .with_element("ArgumentName", "x-amz-object-attributes"));
    }
    Ok(requested)
}

/// Reads a header holding a non-negative integer.
fn header_number(context: &RequestContext, name: &'static str) -> Result<Option<u32>, S3Error> {
    match context.header(name) {
        None => Ok(None),
        Some(value) => value.trim().parse().map(Some).map_err(|_| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message(format!("{name} must be a non-negative integer."))
                .with_element("ArgumentName", name)
                .with_element("ArgumentValue", value.to_owned())
        }),
    }
}

/// Returns the page of a multipart object's parts after part `marker`.
fn object_parts(parts: &[PartSummary], marker: u32, max_parts: usize) -> ObjectParts {
    let after: Vec<&PartSummary> = parts
        .iter()
        .filter(|part| part.part_number > marker)
        .collect();
    let page = &after[..after.len().min(max_parts)];
    let is_truncated = after.len() > page.len();
    ObjectParts {
        parts_count: u32::try_from(parts.len()).unwrap_or(u32::MAX),
        part_number_marker: marker,
        next_part_number_marker: page
            .last()
            .map(|part| part.part_number)
            .filter(|_| is_truncated),
        max_parts,
        is_truncated,
        parts: page
            .iter()
            .map(|part| ObjectPart {
                part_number: part.part_number,
                size: part.size,
                checksum: part
                    .checksum
                    .as_ref()
                    .and_then(checksums::to_wire)
                    .map(|(checksum, _)| checksum),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(count: u32) -> Vec<PartSummary> {
        (1..=count)
            .map(|part_number| PartSummary {
                part_number,
                size: 10,
                checksum: None,
            })
            .collect()
    }

    #[test]
    fn parts_page_after_marker() {
        let page = object_parts(&parts(5), 1, 2);
        let numbers: Vec<u32> = page.parts.iter().map(|part| part.part_number).collect();
        assert_eq!(numbers, [2, 3]);
        assert!(page.is_truncated);
        assert_eq!(page.next_part_number_marker, Some(3));
        assert_eq!(page.parts_count, 5);
    }

    #[test]
    fn parts_last_page() {
        let page = object_parts(&parts(5), 3, 2);
        let numbers: Vec<u32> = page.parts.iter().map(|part| part.part_number).collect();
        assert_eq!(numbers, [4, 5]);
        assert!(!page.is_truncated);
        assert_eq!(page.next_part_number_marker, None);
    }
}
