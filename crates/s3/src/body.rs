//! Request and response body types.

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use http::{Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::UnsyncBoxBody};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

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

    /// The next piece of data; trailers and empty frames are skipped. An error means the
    /// connection failed or the client stopped sending.
    pub(crate) async fn next_data(&mut self) -> Option<Result<Bytes, BoxError>> {
        loop {
            match self.inner.frame().await? {
                Ok(frame) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Some(Ok(data)),
                    Err(_trailers) => continue,
                },
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// An empty body.
pub(crate) fn empty() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// A body of known bytes.
pub(crate) fn full(data: impl Into<Bytes>) -> ResponseBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// A body streamed from storage.
pub(crate) fn stream<S>(data: S) -> ResponseBody
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    StreamBody::new(data.map_ok(Frame::data)).boxed_unsync()
}

/// A 200 response carrying an XML document.
pub(crate) fn xml(document: String) -> Response<ResponseBody> {
    xml_with_status(StatusCode::OK, document)
}

/// A response with `status` carrying an XML document.
pub(crate) fn xml_with_status(status: StatusCode, document: String) -> Response<ResponseBody> {
    let mut response = Response::new(full(document));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml"),
    );
    response
}

/// An empty response with `status`.
pub(crate) fn status(status: StatusCode) -> Response<ResponseBody> {
    let mut response = Response::new(empty());
    *response.status_mut() = status;
    response
}
