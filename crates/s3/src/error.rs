//! Turning failures into S3 error responses.

use http::{Method, Response, StatusCode};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::StoreError;

use crate::body::{self, ResponseBody};
use crate::context::RequestContext;

/// Renders `error` for the request: S3 XML with the code's status, and no body for HEAD.
pub(crate) fn error_response(context: &RequestContext, error: S3Error) -> Response<ResponseBody> {
    let status = error.status();
    if status.is_server_error() {
        tracing::error!(
            request_id = %context.request_id,
            operation = context.operation.name(),
            bucket = context.bucket.as_deref().unwrap_or(""),
            key = context.key.as_deref().unwrap_or(""),
            code = error.code().as_str(),
            error = %error,
            "request failed"
        );
    } else {
        tracing::debug!(
            request_id = %context.request_id,
            operation = context.operation.name(),
            bucket = context.bucket.as_deref().unwrap_or(""),
            key = context.key.as_deref().unwrap_or(""),
            code = error.code().as_str(),
            message = error.message(),
            "request rejected"
        );
    }

    let error = if error.resource().is_none() {
        error.with_resource(context.resource())
    } else {
        error
    };
    let mut response = if context.method == Method::HEAD || status == StatusCode::NOT_MODIFIED {
        body::status(status)
    } else {
        body::xml_with_status(status, error.to_xml(&context.request_id))
    };
    for (name, value) in error.headers() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// Maps a storage error to the S3 error a client expects.
pub(crate) fn from_store(error: StoreError) -> S3Error {
    match error {
        StoreError::NoSuchBucket => S3Error::new(S3ErrorCode::NoSuchBucket),
        StoreError::BucketAlreadyExists { .. } => S3Error::new(S3ErrorCode::BucketAlreadyExists),
        StoreError::BucketNotEmpty => S3Error::new(S3ErrorCode::BucketNotEmpty),
        StoreError::NoSuchKey => S3Error::new(S3ErrorCode::NoSuchKey),
        StoreError::NoSuchUpload => S3Error::new(S3ErrorCode::NoSuchUpload),
        StoreError::InvalidPart { part_number } => S3Error::new(S3ErrorCode::InvalidPart)
            .with_message(format!(
                "Part {part_number} could not be found, or its ETag does not match the one given."
            ))
            .with_element("PartNumber", part_number.to_string()),
        StoreError::InvalidPartOrder => S3Error::new(S3ErrorCode::InvalidPartOrder),
        StoreError::EntityTooSmall {
            part_number,
            size,
            min,
        } => S3Error::new(S3ErrorCode::EntityTooSmall)
            .with_message(format!(
                "Part {part_number} is {size} bytes, below the minimum of {min} bytes \
                     allowed for every part but the last."
            ))
            .with_element("ProposedSize", size.to_string())
            .with_element("MinSizeAllowed", min.to_string())
            .with_element("PartNumber", part_number.to_string()),
        StoreError::QuotaExceeded {
            capacity,
            used,
            reserved,
            requested,
        } => S3Error::new(S3ErrorCode::QuotaExceeded).with_message(format!(
            "The write of {requested} bytes would exceed the account's capacity of \
                 {capacity} bytes ({used} bytes used, {reserved} bytes reserved by writes \
                 in progress)."
        )),
        StoreError::PreconditionFailed { condition } => {
            S3Error::new(S3ErrorCode::PreconditionFailed).with_element("Condition", condition)
        }
        StoreError::ConditionalRequestConflict => {
            S3Error::new(S3ErrorCode::ConditionalRequestConflict)
        }
        // A write admitted before its account's release began, reaching the store after it.
        StoreError::AccountReleasing => S3Error::new(S3ErrorCode::AccessDenied)
            .with_message("The account is being released and accepts no more writes."),
        StoreError::AccessDenied(reason) => {
            S3Error::new(S3ErrorCode::AccessDenied).with_message(reason)
        }
        other => S3Error::new(S3ErrorCode::InternalError).with_source(other),
    }
}

/// Runs blocking storage work off the async workers and maps its error.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, S3Error>
where
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(from_store),
        Err(join_error) => Err(S3Error::new(S3ErrorCode::InternalError)
            .with_message("The storage task failed.")
            .with_source(join_error)),
    }
}
