//! Dispatch to the handler of each operation, after authentication and authorization.

mod attributes;
mod bucket;
mod checksums;
mod copy;
pub(crate) mod cors;
mod digest;
mod list;
mod multipart;
mod object;
mod tagging;

use http::Response;
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{Access, Bucket, Store};

use crate::S3Config;
use crate::auth::{self, Payload, Principal};
use crate::body::{RequestBody, ResponseBody};
use crate::context::RequestContext;
use crate::error;
use crate::router::{Operation, Permission};

/// Everything a handler needs about one authenticated, authorized call.
pub(crate) struct Call<'a> {
    pub store: &'a Store,
    pub config: &'a S3Config,
    pub context: &'a RequestContext,
    pub principal: &'a Principal,
    /// The addressed bucket, loaded and checked for every bucket and object operation
    /// except CreateBucket.
    pub bucket: Option<Bucket>,
}

impl Call<'_> {
    /// Returns the addressed bucket, which is loaded for every operation that needs one.
    pub(crate) fn bucket(&self) -> &Bucket {
        self.bucket
            .as_ref()
            .expect("bucket is loaded for bucket and object operations")
    }
}

type HandlerResult = Result<Response<ResponseBody>, S3Error>;

/// Authenticates, authorizes and runs the request.
pub(crate) async fn dispatch(
    store: &Store,
    config: &S3Config,
    context: &mut RequestContext,
    mut body: RequestBody,
) -> HandlerResult {
    if context.operation == Operation::CorsPreflight {
        return cors::preflight(store, context).await;
    }
    let authenticated = auth::authenticate(store, context).await?;
    context.principal = Some(authenticated.principal.clone());
    let principal = &authenticated.principal;
    let operation = context.operation;

    if let Operation::NotImplemented(name) = operation {
        return Err(S3Error::new(S3ErrorCode::NotImplemented)
            .with_message(format!("{name} is not implemented by this server.")));
    }
    if let Some(key) = &context.key {
        oss_proto::names::validate_object_key(key)?;
    }

    // Authorize before anything changes: a denied request changes nothing.
    let permission = operation.required_permission();
    let bucket = match operation {
        Operation::ListBuckets | Operation::CreateBucket => None,
        _ => Some(load_bucket(store, context.bucket_name()).await?),
    };
    authorize(store, principal, operation, permission, bucket.as_ref()).await?;
    let call = Call {
        store,
        config,
        context,
        principal,
        bucket,
    };
    let payload = authenticated.payload;

    match operation {
        Operation::ListBuckets => bucket::list_buckets(&call).await,
        Operation::CreateBucket => bucket::create_bucket(&call, &mut body, payload).await,
        Operation::HeadBucket => bucket::head_bucket(&call),
        Operation::DeleteBucket => bucket::delete_bucket(&call).await,
        Operation::GetBucketLocation => bucket::get_bucket_location(&call),
        Operation::GetBucketVersioning => bucket::get_bucket_versioning(&call),
        Operation::ListObjects => list::list_objects(&call).await,
        Operation::ListObjectsV2 => list::list_objects_v2(&call).await,
        Operation::ListObjectVersions => list::list_object_versions(&call).await,
        Operation::ListMultipartUploads => multipart::list_multipart_uploads(&call).await,
        Operation::DeleteObjects => object::delete_objects(&call, &mut body, payload).await,
        Operation::PutObject => object::put_object(&call, &mut body, payload).await,
        Operation::CopyObject => copy::copy_object(&call).await,
        Operation::GetObjectTagging => tagging::get_object_tagging(&call).await,
        Operation::PutObjectTagging => tagging::put_object_tagging(&call, &mut body, payload).await,
        Operation::DeleteObjectTagging => tagging::delete_object_tagging(&call).await,
        Operation::GetBucketTagging => tagging::get_bucket_tagging(&call).await,
        Operation::PutBucketTagging => tagging::put_bucket_tagging(&call, &mut body, payload).await,
        Operation::DeleteBucketTagging => tagging::delete_bucket_tagging(&call).await,
        Operation::GetBucketCors => cors::get_bucket_cors(&call).await,
        Operation::PutBucketCors => cors::put_bucket_cors(&call, &mut body, payload).await,
        Operation::DeleteBucketCors => cors::delete_bucket_cors(&call).await,
        Operation::GetObject => object::get_object(&call).await,
        Operation::HeadObject => object::head_object(&call).await,
        Operation::DeleteObject => object::delete_object(&call).await,
        Operation::CreateMultipartUpload => multipart::create_multipart_upload(&call).await,
        Operation::UploadPart => multipart::upload_part(&call, &mut body, payload).await,
        Operation::UploadPartCopy => copy::upload_part_copy(&call).await,
        Operation::GetObjectAttributes => attributes::get_object_attributes(&call).await,
        Operation::CompleteMultipartUpload => {
            multipart::complete_multipart_upload(&call, &mut body, payload).await
        }
        Operation::AbortMultipartUpload => multipart::abort_multipart_upload(&call).await,
        Operation::ListParts => multipart::list_parts(&call).await,
        Operation::NotImplemented(_) | Operation::CorsPreflight => {
            unreachable!("answered above")
        }
    }
}

/// Loads a bucket by name; `NoSuchBucket` if there is none, also for a bucket hidden by a
/// forced delete.
async fn load_bucket(store: &Store, name: &str) -> Result<Bucket, S3Error> {
    let bucket = {
        let store = store.clone();
        let name = name.to_owned();
        error::blocking(move || store.bucket(&name)).await?
    };
    bucket.ok_or_else(|| {
        S3Error::new(S3ErrorCode::NoSuchBucket).with_element("BucketName", name.to_owned())
    })
}

/// Checks that the caller may run `operation` on `bucket` (None for operations that name
/// no bucket). Callers reach only buckets of their own account: the master all of them, a
/// user only through a grant that gives at least the access the operation needs.
async fn authorize(
    store: &Store,
    principal: &Principal,
    operation: Operation,
    permission: Permission,
    bucket: Option<&Bucket>,
) -> Result<(), S3Error> {
    if let Some(bucket) = bucket
        && bucket.account_id != principal.account.id
    {
        return Err(S3Error::new(S3ErrorCode::AccessDenied));
    }
    let needed = match permission {
        Permission::Caller => return Ok(()),
        _ if principal.is_master() => return Ok(()),
        Permission::Master => {
            return Err(
                S3Error::new(S3ErrorCode::AccessDenied).with_message(format!(
                    "{} is reserved to the account's master user.",
                    operation.name()
                )),
            );
        }
        Permission::Grant(needed) => needed,
    };
    let Some(bucket) = bucket else {
        return Err(S3Error::new(S3ErrorCode::AccessDenied));
    };
    let held = {
        let store = store.clone();
        let (bucket_id, user) = (bucket.id, principal.user.clone());
        error::blocking(move || store.grant(bucket_id, &user)).await?
    };
    match held {
        Some(grant) if grant.access >= needed => Ok(()),
        Some(grant) => Err(
            S3Error::new(S3ErrorCode::AccessDenied).with_message(format!(
                "{} needs {} access to bucket {}; user {} holds {}.",
                operation.name(),
                needed.as_str(),
                bucket.name,
                principal.user,
                grant.access.as_str()
            )),
        ),
        None => Err(
            S3Error::new(S3ErrorCode::AccessDenied).with_message(format!(
                "User {} holds no grant on bucket {}.",
                principal.user, bucket.name
            )),
        ),
    }
}

/// Loads a bucket by name that the caller may read, such as the source of a copy.
pub(crate) async fn load_named_bucket(
    store: &Store,
    name: &str,
    principal: &Principal,
) -> Result<Bucket, S3Error> {
    let bucket = load_bucket(store, name).await?;
    let operation = Operation::GetObject;
    let permission = Permission::Grant(Access::Read);
    authorize(store, principal, operation, permission, Some(&bucket)).await?;
    Ok(bucket)
}

/// Reads a small request body (an XML document) into memory, verifying it as `payload`
/// declares. Bodies over `limit` bytes are rejected before they are read.
pub(crate) async fn read_small_body(
    context: &RequestContext,
    body: &mut RequestBody,
    payload: Payload,
    limit: u64,
) -> Result<bytes::Bytes, S3Error> {
    use sha2::{Digest, Sha256};

    let too_large = || {
        S3Error::new(S3ErrorCode::MalformedXML)
            .with_message(format!("The request body is larger than {limit} bytes."))
    };
    let declared = context
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut data = bytes::BytesMut::new();
    let mut decoded = crate::ingest::DecodedBody::new(body, &payload);
    while let Some(piece) = decoded.next_piece().await? {
        data.extend_from_slice(&piece);
        if data.len() as u64 > limit {
            return Err(too_large());
        }
    }
    let trailers = decoded.finish()?;
    verify_trailer_checksum(context, trailers, &data)?;
    if let Payload::Sha256(expected) = &payload {
        crate::ingest::check_sha256(expected, Sha256::digest(&data).into())?;
    }
    Ok(data.freeze())
}

/// Checks `data` against the checksum trailer that `x-amz-trailer` announced, if any. An
/// announced trailer that did not arrive is `InvalidRequest`, a wrong value `BadDigest`.
fn verify_trailer_checksum(
    context: &RequestContext,
    trailers: &[(String, String)],
    data: &[u8],
) -> Result<(), S3Error> {
    let Some(algorithm) = crate::ingest::trailer_algorithm(context)? else {
        return Ok(());
    };
    let header_name = algorithm.header_name();
    let Some((_, expected)) = trailers
        .iter()
        .find(|(trailer, _)| trailer.eq_ignore_ascii_case(header_name.as_str()))
    else {
        return Err(
            S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                "The body announced the trailer {header_name} in x-amz-trailer but did not send it."
            )),
        );
    };
    let mut checksummer = oss_proto::checksum::Checksummer::new(algorithm);
    checksummer.update(data);
    if checksummer.finish() != expected.trim() {
        return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
            "The {header_name} you specified did not match the calculated checksum."
        )));
    }
    Ok(())
}
