//! Object data through the console: the upload script's routes (one request for small files,
//! multipart for large ones) and downloads. Bodies stream straight into the S3 service in
//! process, which reserves capacity before storing anything and verifies the length and any
//! checksum header, exactly as for an S3 client.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body::Frame;
use http_body_util::BodyExt;
use oss_s3::ResponseBody;
use serde::Deserialize;
use serde_json::json;

use crate::Inner;
use crate::context::{self, Ctx, Failure};
use crate::s3::{S3Failure, UploadTarget};
use crate::web::{self, Form};

/// Header in which the upload script names the content type of a multipart upload.
const OBJECT_TYPE_HEADER: &str = "x-object-content-type";
/// Largest CompleteMultipartUpload request the script sends: 10 000 parts.
const MAX_COMPLETE_BYTES: usize = 2 << 20;
/// A body the S3 service left unread is read to its end, up to this many bytes, so that the
/// browser receives the error instead of a reset connection.
const MAX_DRAIN_BYTES: u64 = 64 << 20;

/// Returns whether the route belongs to the upload script, which sends its CSRF token in a
/// header and reads JSON replies.
pub(crate) fn is_transfer_route(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["accounts", _, "buckets", _, "upload" | "multipart"]
            | [
                "accounts",
                _,
                "buckets",
                _,
                "multipart",
                "part" | "complete" | "abort"
            ]
    )
}

/// Runs an upload route and replies with JSON.
pub(crate) async fn handle<B>(
    inner: &Inner,
    ctx: &Ctx,
    method: &Method,
    segments: &[&str],
    query: &Form,
    request: Request<B>,
) -> Response<ResponseBody>
where
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (account_id, bucket, action) = match segments {
        ["accounts", account, "buckets", bucket, rest @ ..] => (*account, *bucket, rest),
        _ => return reply::<Failure>(Err(Failure::not_found("no upload route at this address"))),
    };
    let key = query.get("key").unwrap_or_default();
    if key.is_empty() {
        return reply::<Failure>(Err(Failure::bad_request("the key parameter is missing")));
    }
    let signer = match context::signer(inner, ctx, account_id).await {
        Ok(signer) => signer,
        Err(failure) => return reply::<Failure>(Err(failure)),
    };
    let s3 = &inner.s3;
    let (parts, body) = request.into_parts();
    let result = match (method, action) {
        (&Method::PUT, ["upload"]) => {
            let headers = forwarded_headers(&parts.headers);
            let (body, rest) = shared(body);
            let result = s3.put_object(&signer, bucket, key, headers, body).await;
            drain(rest).await;
            result.map(|etag| json!({ "etag": etag }))
        }
        (&Method::POST, ["multipart"]) => {
            let mut headers = HeaderMap::new();
            if let Some(value) = parts.headers.get(OBJECT_TYPE_HEADER) {
                headers.insert(header::CONTENT_TYPE, value.clone());
            }
            s3.create_multipart_upload(&signer, bucket, key, headers)
                .await
                .map(|upload_id| json!({ "upload_id": upload_id }))
        }
        (_, ["multipart", action]) => {
            let Some(upload_id) = query.get("upload_id").filter(|id| !id.is_empty()) else {
                return reply::<Failure>(Err(Failure::bad_request(
                    "the upload_id parameter is missing",
                )));
            };
            let target = UploadTarget {
                bucket,
                key,
                upload_id,
            };
            match (method, *action) {
                (&Method::PUT, "part") => {
                    let Some(number) = query.get("part").and_then(|n| n.parse::<u32>().ok()) else {
                        return reply::<Failure>(Err(Failure::bad_request(
                            "the part parameter is not a part number",
                        )));
                    };
                    let headers = forwarded_headers(&parts.headers);
                    let (body, rest) = shared(body);
                    let result = s3
                        .upload_part(&signer, &target, number, headers, body)
                        .await;
                    drain(rest).await;
                    result.map(|etag| json!({ "etag": etag }))
                }
                (&Method::POST, "complete") => {
                    let parts = match read_parts(body).await {
                        Ok(parts) => parts,
                        Err(failure) => return reply::<Failure>(Err(failure)),
                    };
                    s3.complete_multipart_upload(&signer, &target, &parts)
                        .await
                        .map(|etag| json!({ "etag": etag }))
                }
                (&Method::POST, "abort") => s3
                    .abort_multipart_upload(&signer, &target)
                    .await
                    .map(|()| json!({})),
                _ => {
                    return reply::<Failure>(Err(Failure::not_found(
                        "no upload route at this address",
                    )));
                }
            }
        }
        _ => return reply::<Failure>(Err(Failure::not_found("no upload route at this address"))),
    };
    if let Err(failure) = &result {
        tracing::debug!(%failure, bucket, "console upload step failed");
    }
    reply(result)
}

/// A failed upload step as the script reads it: `{"error": {"code", "message"}}`.
struct JsonError {
    status: StatusCode,
    code: String,
    message: String,
}

impl From<Failure> for JsonError {
    fn from(failure: Failure) -> JsonError {
        let code = match failure.status {
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::FORBIDDEN => "AccessDenied",
            StatusCode::BAD_REQUEST => "InvalidRequest",
            _ => "Error",
        };
        JsonError {
            status: failure.status,
            code: code.to_owned(),
            message: failure.message,
        }
    }
}

impl From<S3Failure> for JsonError {
    fn from(failure: S3Failure) -> JsonError {
        JsonError {
            status: failure.status,
            code: failure.code,
            message: failure.message,
        }
    }
}

fn reply<E: Into<JsonError>>(result: Result<serde_json::Value, E>) -> Response<ResponseBody> {
    match result {
        Ok(value) => web::json(StatusCode::OK, &value),
        Err(error) => {
            let error = error.into();
            web::json_error(error.status, &error.code, &error.message)
        }
    }
}

/// The headers of an upload request that the S3 service reads: length, type, and the
/// client's digests, which it verifies.
fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let mut forwarded = HeaderMap::new();
    for (name, value) in headers {
        let name_text = name.as_str();
        let keep = name == header::CONTENT_LENGTH
            || name == header::CONTENT_TYPE
            || name_text == "content-md5"
            || name_text.starts_with("x-amz-checksum-");
        if keep {
            forwarded.insert(name.clone(), value.clone());
        }
    }
    forwarded
}

#[derive(Deserialize)]
struct CompleteRequest {
    parts: Vec<CompletePart>,
}

#[derive(Deserialize)]
struct CompletePart {
    part_number: u32,
    etag: String,
}

async fn read_parts<B>(body: B) -> Result<Vec<(u32, String)>, Failure>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let bytes = web::read_body(body, MAX_COMPLETE_BYTES)
        .await
        .map_err(|_| {
            Failure::bad_request(format!(
                "the part list is larger than {MAX_COMPLETE_BYTES} bytes"
            ))
        })?;
    let request: CompleteRequest = serde_json::from_slice(&bytes).map_err(|error| {
        Failure::bad_request(format!("the part list is not valid JSON: {error}"))
    })?;
    Ok(request
        .parts
        .into_iter()
        .map(|part| (part.part_number, part.etag))
        .collect())
}

/// `GET …/buckets/{bucket}/download?key=`: the object's bytes as an attachment.
pub(crate) async fn download(
    inner: &Inner,
    ctx: &Ctx,
    account_id: &str,
    bucket: &str,
    query: &Form,
) -> Result<Response<ResponseBody>, Failure> {
    let key = query
        .get("key")
        .filter(|key| !key.is_empty())
        .ok_or_else(|| Failure::bad_request("the key parameter is missing"))?;
    let signer = context::signer(inner, ctx, account_id).await?;
    let object = inner.s3.get_object(&signer, bucket, key).await?;
    let (parts, body) = object.into_parts();

    let mut response = Response::new(body);
    let headers = response.headers_mut();
    for name in [
        header::CONTENT_LENGTH,
        header::CONTENT_TYPE,
        header::ETAG,
        header::LAST_MODIFIED,
    ] {
        if let Some(value) = parts.headers.get(&name) {
            headers.insert(name, value.clone());
        }
    }
    let file_name = key
        .rsplit('/')
        .find(|part| !part.is_empty())
        .unwrap_or(bucket);
    web::add_download_headers(headers, file_name);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    web::add_security_headers(headers);
    Ok(response)
}

/// A request body that the S3 service reads while the console keeps a handle to it, so the
/// console can read what the service left unread.
struct SharedBody<B> {
    inner: Arc<Mutex<Option<B>>>,
}

fn shared<B>(body: B) -> (SharedBody<B>, Arc<Mutex<Option<B>>>) {
    let inner = Arc::new(Mutex::new(Some(body)));
    (
        SharedBody {
            inner: Arc::clone(&inner),
        },
        inner,
    )
}

impl<B> http_body::Body for SharedBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }
}

/// Reads what is left of a request body, up to [`MAX_DRAIN_BYTES`].
async fn drain<B>(body: Arc<Mutex<Option<B>>>)
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    let Some(mut body) = body.lock().unwrap_or_else(PoisonError::into_inner).take() else {
        return;
    };
    let mut drained = 0u64;
    while drained <= MAX_DRAIN_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => {
                drained += frame.data_ref().map_or(0, |data| data.len() as u64);
            }
            Some(Err(_)) | None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_routes() {
        assert!(is_transfer_route(&[
            "accounts", "a", "buckets", "b", "upload"
        ]));
        assert!(is_transfer_route(&[
            "accounts",
            "a",
            "buckets",
            "b",
            "multipart"
        ]));
        assert!(is_transfer_route(&[
            "accounts",
            "a",
            "buckets",
            "b",
            "multipart",
            "part"
        ]));
        assert!(!is_transfer_route(&[
            "accounts", "a", "buckets", "b", "delete"
        ]));
        assert!(!is_transfer_route(&[
            "accounts", "a", "buckets", "b", "object", "delete"
        ]));
    }

    #[test]
    fn upload_headers_filtered() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("5"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        headers.insert("x-amz-checksum-crc32", HeaderValue::from_static("AAAAAA=="));
        headers.insert(header::COOKIE, HeaderValue::from_static("oss_session=x"));
        headers.insert("x-csrf-token", HeaderValue::from_static("t"));
        let forwarded = forwarded_headers(&headers);
        assert_eq!(forwarded.len(), 3);
        assert!(!forwarded.contains_key(header::COOKIE));
        assert!(!forwarded.contains_key("x-csrf-token"));
    }
}
