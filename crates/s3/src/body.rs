//! Request and response body types.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures::{Stream, TryStreamExt};
use http::{Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
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
    /// Bytes of body data read so far, framing of aws-chunked bodies included.
    received: Arc<AtomicU64>,
}

impl RequestBody {
    pub(crate) fn new<B>(body: B) -> RequestBody
    where
        B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: Into<BoxError>,
    {
        RequestBody {
            inner: body.map_err(Into::into).boxed_unsync(),
            received: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Returns the counter of body bytes read, which keeps counting after the body moves
    /// into a handler.
    pub(crate) fn received(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.received)
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
                    Ok(data) => {
                        self.received
                            .fetch_add(data.len() as u64, Ordering::Relaxed);
                        return Some(Ok(data));
                    }
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

/// Called once when a metered response body is dropped, with the request body bytes read
/// and the response body bytes sent.
pub(crate) type MeterHook = Box<dyn FnOnce(u64, u64) + Send>;

/// A response body that counts the data bytes it sends and reports them, with the request
/// body bytes read, when it is dropped: after the last byte, or when the connection closes
/// early.
struct MeteredBody {
    inner: ResponseBody,
    sent: u64,
    received: Arc<AtomicU64>,
    hook: Option<MeterHook>,
}

/// Wraps `inner` so that `hook` learns the bytes in and out of the request once the response
/// is done.
pub(crate) fn metered(
    inner: ResponseBody,
    received: Arc<AtomicU64>,
    hook: MeterHook,
) -> ResponseBody {
    MeteredBody {
        inner,
        sent: 0,
        received,
        hook: Some(hook),
    }
    .boxed_unsync()
}

impl Body for MeteredBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.sent += data.remaining() as u64;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for MeteredBody {
    fn drop(&mut self) {
        if let Some(hook) = self.hook.take() {
            hook(self.received.load(Ordering::Relaxed), self.sent);
        }
    }
}
