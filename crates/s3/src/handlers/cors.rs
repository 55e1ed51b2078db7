//! Bucket CORS: GetBucketCors, PutBucketCors and DeleteBucketCors, the preflight `OPTIONS`
//! request, and the CORS headers of actual requests that carry `Origin`.

use http::{HeaderValue, Response, StatusCode};
use oss_proto::cors::{
    CORS_METHODS, CorsConfiguration, CorsRule, MAX_CORS_DOCUMENT_BYTES, parse_cors_configuration,
    parse_requested_headers, response_headers,
};
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{CorsRuleRecord, Store};

use super::{Call, HandlerResult, digest, read_small_body};
use crate::auth::Payload;
use crate::body::{self, RequestBody, ResponseBody};
use crate::context::RequestContext;
use crate::error;

/// Returns the bucket's CORS rules, or 404 `NoSuchCORSConfiguration` if it has none.
pub(crate) async fn get_bucket_cors(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    let rules = error::blocking(move || store.bucket_cors(&bucket)).await?;
    match rules.filter(|rules| !rules.is_empty()) {
        Some(rules) => Ok(body::xml(to_configuration(rules).to_xml())),
        None => Err(S3Error::new(S3ErrorCode::NoSuchCORSConfiguration)
            .with_element("BucketName", call.bucket().name.clone())),
    }
}

/// Replaces the bucket's CORS rules with a validated CORSConfiguration.
pub(crate) async fn put_bucket_cors(
    call: &Call<'_>,
    request_body: &mut RequestBody,
    payload: Payload,
) -> HandlerResult {
    let document =
        read_small_body(call.context, request_body, payload, MAX_CORS_DOCUMENT_BYTES).await?;
    digest::verify_document(call.context, &document, true)?;
    let configuration = parse_cors_configuration(&document)?;
    let rules: Vec<CorsRuleRecord> = configuration.rules.into_iter().map(to_record).collect();

    let store = call.store.clone();
    let bucket = call.bucket().clone();
    error::blocking(move || store.put_bucket_cors(&bucket, &rules)).await?;
    Ok(body::status(StatusCode::OK))
}

/// Removes the bucket's CORS rules. A bucket without rules gets the same response.
pub(crate) async fn delete_bucket_cors(call: &Call<'_>) -> HandlerResult {
    let store = call.store.clone();
    let bucket = call.bucket().clone();
    error::blocking(move || store.delete_bucket_cors(&bucket)).await?;
    Ok(body::status(StatusCode::NO_CONTENT))
}

/// Evaluates a preflight request against the bucket's rules.
///
/// Browsers send preflights without credentials, so this runs before authentication and
/// reveals only what the rules allow. A missing `Origin` or `Access-Control-Request-Method` is
/// 400 `BadRequest`. A bucket without rules (or no bucket at all), or no rule that allows the
/// origin, the method and every requested header, is 403 `AccessForbidden`, as AWS sends.
pub(crate) async fn preflight(store: &Store, context: &RequestContext) -> HandlerResult {
    let resource_type = if context.key.is_some() {
        "OBJECT"
    } else {
        "BUCKET"
    };
    let Some(origin) = context.header("origin") else {
        return Err(S3Error::new(S3ErrorCode::BadRequest)
            .with_message("Insufficient information. Origin request header needed."));
    };
    let method = match context.header("access-control-request-method") {
        None => {
            return Err(S3Error::new(S3ErrorCode::BadRequest).with_message(
                "Insufficient information. Access-Control-Request-Method request header needed.",
            ));
        }
        Some(method) if !CORS_METHODS.contains(&method) => {
            return Err(S3Error::new(S3ErrorCode::BadRequest)
                .with_message(format!("Invalid Access-Control-Request-Method: {method}")));
        }
        Some(method) => method,
    };
    let forbidden = |message: &'static str| {
        S3Error::new(S3ErrorCode::AccessForbidden)
            .with_message(message)
            .with_element("Method", method.to_owned())
            .with_element("ResourceType", resource_type)
    };

    let Some(configuration) = load_configuration(store, context.bucket_name()).await? else {
        return Err(forbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
        ));
    };
    let requested = parse_requested_headers(
        context
            .header("access-control-request-headers")
            .unwrap_or_default(),
    );
    let Some(rule) = configuration.preflight_rule(origin, method, &requested) else {
        return Err(forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the \
             evaluation of Origin, request method / Access-Control-Request-Method or \
             Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        ));
    };
    let mut response = body::status(StatusCode::OK);
    insert_headers(
        &mut response,
        response_headers(rule, origin, Some(&requested)),
    );
    Ok(response)
}

/// Adds the CORS headers of the first rule that allows the request's origin and method to
/// the response of an actual (not preflight) request on a bucket or object.
///
/// Requests without `Origin` are left alone and cost nothing. The rules are read again for
/// each request that carries one.
pub(crate) async fn add_response_headers(
    store: &Store,
    context: &RequestContext,
    response: &mut Response<ResponseBody>,
) {
    let (Some(origin), Some(bucket)) = (context.header("origin"), context.bucket.as_deref()) else {
        return;
    };
    let configuration = match load_configuration(store, bucket).await {
        Ok(Some(configuration)) => configuration,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(
                request_id = %context.request_id,
                bucket,
                error = %error,
                "reading CORS rules failed; response sent without CORS headers"
            );
            return;
        }
    };
    if let Ok(value) = HeaderValue::from_str(oss_proto::cors::VARY) {
        response.headers_mut().insert(http::header::VARY, value);
    }
    if let Some(rule) = configuration.request_rule(origin, context.method.as_str()) {
        insert_headers(response, response_headers(rule, origin, None));
    }
}

/// Loads the CORS rules of the bucket named `name`, or None when the bucket does not exist or
/// has no rules.
async fn load_configuration(
    store: &Store,
    name: &str,
) -> Result<Option<CorsConfiguration>, S3Error> {
    let store = store.clone();
    let name = name.to_owned();
    let rules = error::blocking(move || {
        let Some(bucket) = store.bucket(&name)? else {
            return Err(oss_store::StoreError::NoSuchBucket);
        };
        store.bucket_cors(&bucket)
    })
    .await;
    match rules {
        Ok(rules) => Ok(rules
            .filter(|rules| !rules.is_empty())
            .map(to_configuration)),
        Err(error) if error.code() == S3ErrorCode::NoSuchBucket => Ok(None),
        Err(error) => Err(error),
    }
}

fn insert_headers(response: &mut Response<ResponseBody>, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

fn to_record(rule: CorsRule) -> CorsRuleRecord {
    CorsRuleRecord {
        id: rule.id,
        allowed_origins: rule.allowed_origins,
        allowed_methods: rule.allowed_methods,
        allowed_headers: rule.allowed_headers,
        expose_headers: rule.expose_headers,
        max_age_seconds: rule.max_age_seconds,
    }
}

fn to_configuration(records: Vec<CorsRuleRecord>) -> CorsConfiguration {
    let rules = records
        .into_iter()
        .map(|record| CorsRule {
            id: record.id,
            allowed_origins: record.allowed_origins,
            allowed_methods: record.allowed_methods,
            allowed_headers: record.allowed_headers,
            expose_headers: record.expose_headers,
            max_age_seconds: record.max_age_seconds,
        })
        .collect();
    CorsConfiguration { rules }
}
