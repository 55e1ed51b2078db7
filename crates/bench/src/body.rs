//! Request bodies of any length that are generated as they are sent.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use rand::RngCore;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Size of the random block that every body repeats, and of its largest frame.
pub const PATTERN_LEN: usize = 1 << 20;

/// A block of random bytes shared by all bodies, so that no body is held in memory whole.
///
/// The bytes are random rather than zero so that no layer below can make the data smaller
/// by compressing it.
#[derive(Debug, Clone)]
pub struct Pattern(Bytes);

impl Pattern {
    /// Generates the block from a fixed seed, so that runs send the same bytes.
    pub fn new() -> Self {
        let mut block = vec![0u8; PATTERN_LEN];
        StdRng::seed_from_u64(0x6f73_735f_6c6f_6164).fill_bytes(&mut block);
        Self(Bytes::from(block))
    }

    /// Returns a body of `len` bytes that repeats the block.
    pub fn body(&self, len: u64) -> PatternBody {
        PatternBody {
            pattern: self.0.clone(),
            remaining: len,
        }
    }

    /// Returns an empty body, for requests that send none.
    pub fn empty(&self) -> PatternBody {
        self.body(0)
    }
}

impl Default for Pattern {
    fn default() -> Self {
        Self::new()
    }
}

/// A request body that yields slices of a shared [`Pattern`] until `len` bytes are sent.
///
/// Each frame is a reference-counted slice, so a 1 GiB body costs no more memory than a
/// 4 KiB one.
#[derive(Debug)]
pub struct PatternBody {
    pattern: Bytes,
    remaining: u64,
}

impl Body for PatternBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let len = self.remaining.min(self.pattern.len() as u64) as usize;
        self.remaining -= len as u64;
        Poll::Ready(Some(Ok(Frame::data(self.pattern.slice(..len)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn collect_len(body: PatternBody) -> (usize, usize) {
        let mut body = body;
        let (mut frames, mut bytes) = (0, 0);
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            frames += 1;
            bytes += data.len();
        }
        (frames, bytes)
    }

    #[tokio::test]
    async fn body_yields_exact_length() {
        let len = 3 * PATTERN_LEN as u64 + 17;
        let (frames, bytes) = collect_len(Pattern::new().body(len)).await;
        assert_eq!(bytes as u64, len);
        assert_eq!(frames, 4);
    }

    #[tokio::test]
    async fn body_small() {
        let (frames, bytes) = collect_len(Pattern::new().body(4096)).await;
        assert_eq!((frames, bytes), (1, 4096));
    }

    #[tokio::test]
    async fn body_empty() {
        let body = Pattern::new().empty();
        assert!(body.is_end_stream());
        assert_eq!(collect_len(body).await, (0, 0));
    }

    #[test]
    fn size_hint_exact() {
        let body = Pattern::new().body(5000);
        assert_eq!(body.size_hint().exact(), Some(5000));
    }

    #[test]
    fn pattern_is_not_constant() {
        let pattern = Pattern::new();
        let first = pattern.0[0];
        assert!(pattern.0.iter().any(|&byte| byte != first));
    }

    #[test]
    fn pattern_is_reproducible() {
        assert_eq!(Pattern::new().0, Pattern::new().0);
    }
}
