//! [`ResponseBody`]: a provider's response body, fed to its reader as it arrives.

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::Body;
use hyper::body::Incoming;

use super::connect::describe;
use super::direct::DirectBody;

/// A response body: hyper's, on a connection of the pooled client (fed by the connection's
/// own task), or one read from a plain-HTTP/1.1 connection of its own by whoever reads it
/// (see `direct`).
pub(crate) enum ResponseBody {
    Pooled {
        body: Incoming,
        /// The body has been read to its end.
        ended: bool,
    },
    Direct(Box<DirectBody>),
}

impl ResponseBody {
    /// The body of a response on a connection of the pooled client.
    pub(super) fn pooled(body: Incoming) -> ResponseBody {
        ResponseBody::Pooled { body, ended: false }
    }

    /// Hands the body bytes that can be had now to `sink`. `Ready(Some(Ok(())))`: `sink` may
    /// have had bytes (an empty piece is possible); `Ready(None)`: the body has ended;
    /// `Ready(Some(Err(message)))`: the connection failed; the bytes that came before it were
    /// handed over by earlier calls, so a reader knows the body started before it fails.
    pub(super) fn poll_feed(
        &mut self,
        cx: &mut Context<'_>,
        sink: &mut dyn FnMut(&[u8]),
    ) -> Poll<Option<Result<(), String>>> {
        match self {
            ResponseBody::Direct(body) => body.poll_feed(cx, sink),
            ResponseBody::Pooled { body, ended } => {
                match Pin::new(body).poll_frame(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(None) => {
                        *ended = true;
                        Poll::Ready(None)
                    }
                    Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(describe(&e)))),
                    Poll::Ready(Some(Ok(frame))) => {
                        // Trailers carry nothing a stream reads.
                        if let Some(data) = frame.data_ref() {
                            sink(data);
                        }
                        Poll::Ready(Some(Ok(())))
                    }
                }
            }
        }
    }

    /// Whether the body has been read to its end.
    pub(super) fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Direct(body) => body.is_end_stream(),
            ResponseBody::Pooled { body, ended } => *ended || body.is_end_stream(),
        }
    }
}
