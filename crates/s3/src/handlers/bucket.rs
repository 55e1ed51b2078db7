//! Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
//! GetBucketLocation and GetBucketVersioning.

use http::StatusCode;
use oss_proto::xml::{
    BucketEntry, ListAllMyBucketsResult, LocationConstraint, Owner, VersioningConfiguration,
};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{Bucket, ListQuery, ListUploadEntry, StoreError};

use super::{Call, HandlerResult, read_small_body};
use crate::auth::Payload;
use crate::body::{self, RequestBody};
use crate::error;

/// Buckets on one ListBuckets page unless `max-buckets` asks for fewer.
const MAX_BUCKETS_PER_PAGE: usize = 10_000;

/// Largest CreateBucketConfiguration document we read.
const MAX_CONFIGURATION_BYTES: u64 = 64 << 10;

/// Lists the caller's buckets in name order, a page at a time: `prefix` and `bucket-region`
/// filter the names, `max-buckets` (1 to 10000) sizes the page, and `continuation-token`
/// resumes after the last bucket of the previous page.
pub(crate) async fn list_buckets(call: &Call<'_>) -> HandlerResult {
    let account = &call.principal.account;
    let query = &call.context.query;
    let prefix = query.get("prefix").unwrap_or("");
    let region = query.get("bucket-region");
    let max_buckets = match query.get("max-buckets") {
        Some(value) => match value.parse::<usize>() {
            Ok(n) if (1..=MAX_BUCKETS_PER_PAGE).contains(&n) => n,
            _ => {
                return Err(S3Error::new(S3ErrorCode::InvalidArgument)
                    .with_message("max-buckets must be an integer from 1 to 10000.")
                    .with_element("ArgumentName", "max-buckets".to_owned())
                    .with_element("ArgumentValue", value.to_owned()));
            }
        },
        None => MAX_BUCKETS_PER_PAGE,
    };
    let after = match query.get("continuation-token") {
        Some(token) => Some(oss_proto::pagination::decode_continuation_token(token)?),
        None => None,
    };

    let mut selected: Vec<Bucket> = visible_buckets(call)
        .await?
        .into_iter()
        .filter(|b| b.name.starts_with(prefix))
        .filter(|b| region.is_none_or(|region| b.region == region))
        .filter(|b| after.as_deref().is_none_or(|after| b.name.as_str() > after))
        .collect();
    let truncated = selected.len() > max_buckets;
    selected.truncate(max_buckets);
    let continuation_token = if truncated {
        selected
            .last()
            .map(|b| oss_proto::pagination::encode_continuation_token(&b.name))
    } else {
        None
    };

    let result = ListAllMyBucketsResult {
        owner: Owner {
            id: account.id.clone(),
            display_name: account.name.clone(),
        },
        buckets: selected
            .into_iter()
            .map(|b| BucketEntry {
                name: b.name,
                creation_date: b.created_at,
                region: Some(b.region),
            })
            .collect(),
        continuation_token,
        prefix: query.get("prefix").map(str::to_owned),
    };
    Ok(body::xml(result.to_xml()))
}

/// Returns the buckets ListBuckets may show the caller, in name order.
async fn visible_buckets(call: &Call<'_>) -> Result<Vec<Bucket>, S3Error> {
    let store = call.store.clone();
    let account_id = call.principal.account.id.clone();
    if call.principal.is_master() {
        return error::blocking(move || store.list_buckets(&account_id)).await;
    }
    let user = call.principal.user.clone();
    error::blocking(move || {
        let mut buckets = Vec::new();
        for grant in store.list_user_grants(&account_id, &user)? {
            // A grant outlives nothing: one left on a deleted and recreated name is skipped.
            if let Some(bucket) = store.bucket(&grant.bucket)?
                && bucket.id == grant.bucket_id
            {
                buckets.push(bucket);
            }
        }
        buckets.sort_by(|left, right| left.name.cmp(&right.name));
        Ok(buckets)
    })
    .await
}

pub(crate) async fn create_bucket(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let name = call.context.bucket_name().to_owned();
    oss_proto::names::validate_bucket_name(&name)?;

    // The location constraint, if given, must be the account's region.
    let document =
        read_small_body(call.context, request_body, payload, MAX_CONFIGURATION_BYTES).await?;
    let account = &call.principal.account;
    if let Some(location) = oss_proto::xml::parse_create_bucket_configuration(&document)?
        && location != account.region
    {
        return Err(S3Error::new(S3ErrorCode::InvalidLocationConstraint)
            .with_message(format!(
                "The location constraint {location:?} is not valid: buckets of this \
                 account must be created in its region {:?}.",
                account.region
            ))
            .with_element("LocationConstraint", location));
    }

    let store = call.store.clone();
    let account_id = account.id.clone();
    let region = account.region.clone();
    let created =
        tokio::task::spawn_blocking(move || store.create_bucket(&account_id, &name, &region))
            .await
            .map_err(|e| S3Error::new(S3ErrorCode::InternalError).with_source(e))?;
    match created {
        Ok(_) => {}
        Err(StoreError::BucketAlreadyExists { owner_account_id }) => {
            let code = if owner_account_id == account.id {
                S3ErrorCode::BucketAlreadyOwnedByYou
            } else {
                S3ErrorCode::BucketAlreadyExists
            };
            return Err(S3Error::new(code)
                .with_element("BucketName", call.context.bucket_name().to_owned()));
        }
        Err(other) => return Err(error::from_store(other)),
    }

    let mut response = body::status(StatusCode::OK);
    let location = format!("/{}", call.context.bucket_name());
    if let Ok(value) = http::HeaderValue::from_str(&location) {
        response.headers_mut().insert(http::header::LOCATION, value);
    }
    Ok(response)
}

pub(crate) fn head_bucket(call: &Call<'_>) -> HandlerResult {
    let mut response = body::status(StatusCode::OK);
    if let Ok(region) = http::HeaderValue::from_str(&call.bucket().region) {
        response.headers_mut().insert("x-amz-bucket-region", region);
    }
    Ok(response)
}

/// Deletes an empty bucket. Unfinished multipart uploads do not keep a bucket alive: once no
/// object is left they are aborted, as `aws s3 rb --force` after an interrupted upload expects.
pub(crate) async fn delete_bucket(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    error::blocking(move || {
        let query = ListQuery {
            prefix: "",
            delimiter: None,
            start_after: None,
            max_keys: 1,
        };
        if !store.list_objects(&bucket, &query)?.entries.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        loop {
            let (uploads, truncated) =
                store.list_multipart_uploads(&bucket, "", None, None, None, 1000)?;
            for entry in uploads {
                if let ListUploadEntry::Upload(upload) = entry {
                    store.abort_multipart_upload(&bucket, &upload.key, &upload.upload_id)?;
                }
            }
            if !truncated {
                break;
            }
        }
        store.delete_bucket(&bucket.name)
    })
    .await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

pub(crate) fn get_bucket_location(call: &Call<'_>) -> HandlerResult {
    let document = LocationConstraint {
        region: Some(call.bucket().region.clone()),
    };
    Ok(body::xml(document.to_xml()))
}

/// Buckets are never versioned, so the status is empty, as for a bucket on which
/// versioning was never enabled.
pub(crate) fn get_bucket_versioning(_call: &Call<'_>) -> HandlerResult {
    Ok(body::xml(VersioningConfiguration { status: None }.to_xml()))
}
