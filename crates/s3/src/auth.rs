//! Authentication: who signed the request, and how its body is protected.

use oss_proto::{S3Error, S3ErrorCode};
use oss_sigv4::chunked::ChunkedMode;
use oss_sigv4::{
    HeaderAuth, PayloadHash, QueryAuth, RequestParts, SecretKey, SigV4Error, SigningContext,
};
use oss_store::{Account, AccountStatus, Store};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::context::RequestContext;
use crate::error;

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub account: Account,
    pub user: String,
    /// The access key that signed the request.
    #[allow(dead_code, reason = "usage metering and audit logs will record it")]
    pub access_key_id: String,
}

impl Principal {
    /// Returns whether the caller is its account's master user.
    pub(crate) fn is_master(&self) -> bool {
        self.user == "master"
    }
}

/// Body protection, as declared by `x-amz-content-sha256`.
#[derive(Debug)]
pub(crate) enum Payload {
    /// Nothing to verify beyond the length (`UNSIGNED-PAYLOAD`, or a presigned URL).
    Unsigned,
    /// The body must hash to this SHA-256.
    Sha256([u8; 32]),
    /// An aws-chunked body, decoded and (for signed modes) verified chunk by chunk.
    Chunked(ChunkedMode, Option<SigningContext>),
}

/// The result of authentication.
pub(crate) struct Authenticated {
    pub principal: Principal,
    pub payload: Payload,
}

/// The header from which botocore-based clients learn the region to sign for.
const BUCKET_REGION: http::HeaderName = http::HeaderName::from_static("x-amz-bucket-region");

/// Converts text the server produced, which is always visible ASCII, to a header value.
pub(crate) fn header_value(text: &str) -> http::HeaderValue {
    http::HeaderValue::from_str(text).unwrap_or_else(|_| http::HeaderValue::from_static(""))
}

/// SHA-256 of the empty string, the payload hash of a request without a body.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Authenticates the request by its `Authorization` header or presigned query.
pub(crate) async fn authenticate(
    store: &Store,
    context: &RequestContext,
) -> Result<Authenticated, S3Error> {
    let now = OffsetDateTime::now_utc();
    if let Some(value) = context.headers.get(http::header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| malformed_header("The header is not ASCII."))?;
        let auth = oss_sigv4::parse_authorization(value).map_err(header_error)?;
        return authenticate_header(store, context, &auth, now).await;
    }
    match oss_sigv4::parse_presigned(&context.raw_query) {
        Ok(Some(auth)) => authenticate_presigned(store, context, &auth, now).await,
        // A SigV2 presigned URL, as s3cmd's `signurl` makes, gets the error AWS returns in
        // regions that accept only SigV4, so the user learns why the link fails.
        Ok(None) if context.query.has("AWSAccessKeyId") && context.query.has("Signature") => {
            Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
                "The authorization mechanism you have provided is not supported. \
                 Please use AWS4-HMAC-SHA256.",
            ))
        }
        Ok(None) => Err(S3Error::new(S3ErrorCode::AccessDenied)
            .with_message("Anonymous access is not allowed; sign the request with SigV4.")),
        Err(error) => Err(query_error(error)),
    }
}

async fn authenticate_header(
    store: &Store,
    context: &RequestContext,
    auth: &HeaderAuth,
    now: OffsetDateTime,
) -> Result<Authenticated, S3Error> {
    if auth.scope.service != "s3" {
        return Err(malformed_header(&format!(
            "incorrect service {:?}; this endpoint belongs to \"s3\"",
            auth.scope.service
        )));
    }
    let (account, user, secret) = lookup_key(store, &auth.scope.access_key_id).await?;
    if auth.scope.region != account.region {
        return Err(malformed_header(&format!(
            "the region '{}' is wrong; expecting '{}'",
            auth.scope.region, account.region
        ))
        .with_element("Region", account.region.clone())
        .with_header(BUCKET_REGION, header_value(&account.region)));
    }

    let declared = match context.header("x-amz-content-sha256") {
        Some(value) => value.to_owned(),
        None if has_body(context) => {
            return Err(S3Error::new(S3ErrorCode::InvalidRequest)
                .with_message("Missing required header for this request: x-amz-content-sha256"));
        }
        None => EMPTY_SHA256.to_owned(),
    };
    let payload_hash = PayloadHash::parse(&declared).map_err(|_| {
        S3Error::new(S3ErrorCode::InvalidArgument).with_message(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value or a \
             hex SHA-256 digest.",
        )
    })?;

    let parts = request_parts(context);
    let signing = oss_sigv4::verify_header(&parts, auth, &secret, &declared, now)
        .map_err(|e| signature_error(e, &auth.scope.access_key_id))?;
    reject_unsigned_amz_headers(context, &auth.signed_headers)?;

    let payload = match payload_hash {
        PayloadHash::Unsigned => Payload::Unsigned,
        PayloadHash::Sha256(digest) => Payload::Sha256(digest),
        PayloadHash::StreamingSigned => Payload::Chunked(ChunkedMode::Signed, Some(signing)),
        PayloadHash::StreamingSignedTrailer => {
            Payload::Chunked(ChunkedMode::SignedTrailer, Some(signing))
        }
        PayloadHash::StreamingUnsignedTrailer => {
            Payload::Chunked(ChunkedMode::UnsignedTrailer, None)
        }
    };
    let principal = Principal {
        account,
        user,
        access_key_id: auth.scope.access_key_id.clone(),
    };
    Ok(Authenticated { principal, payload })
}

async fn authenticate_presigned(
    store: &Store,
    context: &RequestContext,
    auth: &QueryAuth,
    now: OffsetDateTime,
) -> Result<Authenticated, S3Error> {
    if auth.scope.service != "s3" {
        return Err(S3Error::new(S3ErrorCode::AuthorizationQueryParametersError).with_message(
            format!("Error parsing the X-Amz-Credential parameter; incorrect service {:?}; this endpoint belongs to \"s3\"", auth.scope.service),
        ));
    }
    let (account, user, secret) = lookup_key(store, &auth.scope.access_key_id).await?;
    if auth.scope.region != account.region {
        return Err(S3Error::new(S3ErrorCode::AuthorizationQueryParametersError)
            .with_message(format!(
                "Error parsing the X-Amz-Credential parameter; the region '{}' is wrong; \
                 expecting '{}'",
                auth.scope.region, account.region
            ))
            .with_element("Region", account.region.clone())
            .with_header(BUCKET_REGION, header_value(&account.region)));
    }
    let parts = request_parts(context);
    oss_sigv4::verify_presigned(&parts, auth, &secret, now)
        .map_err(|e| signature_error(e, &auth.scope.access_key_id))?;
    reject_unsigned_amz_headers(context, &auth.signed_headers)?;

    // A presigned request may still declare a body digest; honour it if it does.
    let payload = match context
        .header("x-amz-content-sha256")
        .map(PayloadHash::parse)
    {
        Some(Ok(PayloadHash::Sha256(digest))) => Payload::Sha256(digest),
        _ => Payload::Unsigned,
    };
    let principal = Principal {
        account,
        user,
        access_key_id: auth.scope.access_key_id.clone(),
    };
    Ok(Authenticated { principal, payload })
}

/// Finds the account, user and secret of an access key. Keys of a released account are
/// treated as unknown.
async fn lookup_key(
    store: &Store,
    access_key_id: &str,
) -> Result<(Account, String, SecretKey), S3Error> {
    let store = store.clone();
    let id = access_key_id.to_owned();
    let found = error::blocking(move || {
        let Some((key, secret)) = store.access_key(&id)? else {
            return Ok(None);
        };
        let account = store.account(&key.account_id)?;
        Ok(account.map(|account| (account, key.user, SecretKey::new(secret.to_string()))))
    })
    .await?;
    match found {
        Some((account, user, secret)) if account.status == AccountStatus::Active => {
            Ok((account, user, secret))
        }
        _ => Err(S3Error::new(S3ErrorCode::InvalidAccessKeyId)
            .with_element("AWSAccessKeyId", access_key_id.to_owned())),
    }
}

/// Rejects `x-amz-*` headers outside the signature, as AWS does, because they change what
/// the request does (metadata, storage class, checksums) and could be added in transit.
fn reject_unsigned_amz_headers(
    context: &RequestContext,
    signed_headers: &[String],
) -> Result<(), S3Error> {
    let unsigned: Vec<&str> = context
        .headers
        .keys()
        .map(http::HeaderName::as_str)
        .filter(|name| name.starts_with("x-amz-"))
        .filter(|name| !signed_headers.iter().any(|signed| signed == name))
        .collect();
    if unsigned.is_empty() {
        return Ok(());
    }
    Err(S3Error::new(S3ErrorCode::AccessDenied)
        .with_message("There were headers present in the request which were not signed")
        .with_element("HeadersNotSigned", unsigned.join(", ")))
}

fn request_parts(context: &RequestContext) -> RequestParts<'_> {
    RequestParts {
        method: context.method.as_str(),
        raw_path: &context.raw_path,
        raw_query: &context.raw_query,
        headers: &context.headers,
    }
}

fn has_body(context: &RequestContext) -> bool {
    let length = context
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    length.is_some_and(|n| n > 0)
        || context
            .headers
            .contains_key(http::header::TRANSFER_ENCODING)
}

/// Hex SHA-256, for callers that hash a body they hold in memory.
#[allow(dead_code, reason = "kept for handlers that buffer small bodies")]
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn malformed_header(reason: &str) -> S3Error {
    S3Error::new(S3ErrorCode::AuthorizationHeaderMalformed)
        .with_message(format!("The authorization header is malformed; {reason}"))
}

fn header_error(error: SigV4Error) -> S3Error {
    match error {
        SigV4Error::UnsupportedScheme => S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message("Unsupported Authorization Type; use AWS4-HMAC-SHA256.")
            .with_element("ArgumentName", "Authorization".to_owned()),
        other => malformed_header(&other.to_string()),
    }
}

fn query_error(error: SigV4Error) -> S3Error {
    S3Error::new(S3ErrorCode::AuthorizationQueryParametersError).with_message(error.to_string())
}

/// Maps a failed verification. The message never contains the signature we computed.
fn signature_error(error: SigV4Error, access_key_id: &str) -> S3Error {
    match error {
        SigV4Error::SignatureDoesNotMatch => S3Error::new(S3ErrorCode::SignatureDoesNotMatch)
            .with_element("AWSAccessKeyId", access_key_id.to_owned()),
        SigV4Error::RequestTimeTooSkewed => S3Error::new(S3ErrorCode::RequestTimeTooSkewed)
            .with_element("MaxAllowedSkewMilliseconds", "900000".to_owned()),
        SigV4Error::Expired => {
            S3Error::new(S3ErrorCode::AccessDenied).with_message("Request has expired")
        }
        SigV4Error::NotYetValid => {
            S3Error::new(S3ErrorCode::AccessDenied).with_message("Request is not valid yet")
        }
        SigV4Error::InvalidDate(reason) => S3Error::new(S3ErrorCode::AccessDenied).with_message(
            format!("AWS authentication requires a valid Date or x-amz-date header: {reason}"),
        ),
        SigV4Error::MalformedQuery(reason) => {
            S3Error::new(S3ErrorCode::AuthorizationQueryParametersError).with_message(reason)
        }
        other => malformed_header(&other.to_string()),
    }
}
