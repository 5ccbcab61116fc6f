//! [`ResponseBody`]: a provider's response body, and the connection it arrives on when the call
//! has one of its own.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::direct::Leased;

/// A response body. On a connection of the pooled client, hyper's body, fed by the
/// connection's own task; on a plain-HTTP/1.1 connection of its own (see `direct`), hyper's
/// body together with that connection, which reading the body drives.
pub(crate) struct ResponseBody {
    body: Incoming,
    /// The connection the body arrives on, when it is this body's to drive.
    conn: Option<Leased>,
    /// The body has been read to its end.
    ended: bool,
}

impl ResponseBody {
    /// The body of a response on a connection of the pooled client.
    pub(super) fn pooled(body: Incoming) -> ResponseBody {
        ResponseBody {
            body,
            conn: None,
            ended: false,
        }
    }

    /// The body of a response on `conn`, a connection of its own.
    pub(super) fn direct(body: Incoming, conn: Leased) -> ResponseBody {
        ResponseBody {
            body,
            conn: Some(conn),
            ended: false,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if let Some(leased) = this.conn.as_mut() {
            // The connection reads the socket and hands the next piece of the body over.
            leased.conn.drive(cx);
        }
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            this.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        // A connection whose response was read to its end can take the next request; any other
        // is closed (dropping it), as the provider may still be sending.
        if let Some(leased) = self.conn.take() {
            if self.ended || self.body.is_end_stream() {
                leased.release();
            }
        }
    }
}
