//! Request and response body types.

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use http::{Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::UnsyncBoxBody};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a request body may send nothing before the request is given up.
const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A failure to read a request body to its end.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// The client sent nothing for [`BODY_IDLE_TIMEOUT`].
    #[error("the client sent no data for {} seconds", BODY_IDLE_TIMEOUT.as_secs())]
    TimedOut,
    /// The connection failed or the client stopped sending.
    #[error("the request body could not be read: {0}")]
    Failed(BoxError),
}

/// The body of every response the service sends.
pub type ResponseBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// A request body of any type, boxed once at the service boundary.
pub(crate) struct RequestBody {
    inner: UnsyncBoxBody<Bytes, BoxError>,
}

impl RequestBody {
    pub(crate) fn new<B>(body: B) -> RequestBody
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        RequestBody {
            inner: body.map_err(Into::into).boxed_unsync(),
        }
    }

    /// Returns the next piece of data, skipping trailers and empty frames.
    pub(crate) async fn next_data(&mut self) -> Option<Result<Bytes, BodyError>> {
        loop {
            let frame = match tokio::time::timeout(BODY_IDLE_TIMEOUT, self.inner.frame()).await {
                Ok(frame) => frame?,
                Err(_) => return Some(Err(BodyError::TimedOut)),
            };
            match frame {
                Ok(frame) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Some(Ok(data)),
                    Err(_trailers) => continue,
                },
                Err(error) => return Some(Err(BodyError::Failed(error))),
            }
        }
    }
}

/// Returns an empty body.
pub(crate) fn empty() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Returns a body of known bytes.
pub(crate) fn full(data: impl Into<Bytes>) -> ResponseBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Wraps a stream from storage as a body.
pub(crate) fn stream<S>(data: S) -> ResponseBody
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    StreamBody::new(data.map_ok(Frame::data)).boxed_unsync()
}

/// Builds a 200 response carrying an XML document.
pub(crate) fn xml(document: String) -> Response<ResponseBody> {
    xml_with_status(StatusCode::OK, document)
}

/// Builds a response with `status` carrying an XML document.
pub(crate) fn xml_with_status(status: StatusCode, document: String) -> Response<ResponseBody> {
    let mut response = Response::new(full(document));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml"),
    );
    response
}

/// Builds an empty response with `status`.
pub(crate) fn status(status: StatusCode) -> Response<ResponseBody> {
    let mut response = Response::new(empty());
    *response.status_mut() = status;
    response
}
