//! [`ResponseBody`]: a provider's response body, and the connection it arrives on when the call
//! has one of its own.

use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::direct::Leased;

/// How many times one poll of a body drives its connection again because something woke it
/// meanwhile, before it leaves that to another poll (a connection that keeps waking itself, as
/// one that yields to others does, must not hold the task).
const MAX_ROUNDS: usize = 4;

/// A response body. On a connection of the pooled client, hyper's body, fed by the
/// connection's own task; on a plain-HTTP/1.1 connection of its own (see `direct`), hyper's
/// body together with that connection, which reading the body drives.
pub(crate) struct ResponseBody {
    body: Incoming,
    /// The connection the body arrives on, when it is this body's to drive (boxed: hyper's
    /// connection state is large, and a body is moved around).
    conn: Option<Box<Driven>>,
    /// The body has been read to its end.
    ended: bool,
}

/// A connection driven by the body's reader, and the waker it is driven with.
struct Driven {
    leased: Leased,
    inline: Arc<Inline>,
    /// `inline` as a waker (made once).
    waker: Waker,
}

/// The waker a connection and its body are polled with. The connection hands the body over
/// through a channel whose two ends wake each other, both in the reader's task: woken while the
/// reader polls them, the reader just polls them again before it returns, instead of its task
/// being scheduled once more for nothing. Woken at any other time (the socket is readable), it
/// wakes the reader's task.
struct Inline {
    state: AtomicU8,
    /// The reader's waker, as of its last poll.
    task: Mutex<Option<Waker>>,
}

/// Nobody is polling: a wake goes to the reader's task.
const IDLE: u8 = 0;
/// The reader is polling the connection and the body.
const POLLING: u8 = 1;
/// Woken while the reader polls: it polls again before it returns `Pending`.
const WOKEN: u8 = 2;

impl Wake for Inline {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self
            .state
            .compare_exchange(POLLING, WOKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_err_and(|state| state == IDLE)
        {
            let task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(task) = task.as_ref() {
                task.wake_by_ref();
            }
        }
    }
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
        let inline = Arc::new(Inline {
            state: AtomicU8::new(IDLE),
            task: Mutex::new(None),
        });
        ResponseBody {
            body,
            conn: Some(Box::new(Driven {
                leased: conn,
                waker: Waker::from(Arc::clone(&inline)),
                inline,
            })),
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
        let polled = match this.conn.as_mut() {
            None => Pin::new(&mut this.body).poll_frame(cx),
            Some(driven) => driven.poll(&mut this.body, cx),
        };
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

impl Driven {
    /// Drives the connection (it reads the socket and hands the next piece of the body over),
    /// then polls the body; again while either woke the other meanwhile.
    fn poll(
        &mut self,
        body: &mut Incoming,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        {
            let mut task = self
                .inline
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        let mut inner = Context::from_waker(&self.waker);
        for _ in 0..MAX_ROUNDS {
            self.inline.state.store(POLLING, Ordering::Release);
            self.leased.conn.drive(&mut inner);
            if let Poll::Ready(frame) = Pin::new(&mut *body).poll_frame(&mut inner) {
                // The reader polls again for more: what woke meanwhile is looked at then.
                self.inline.state.store(IDLE, Ordering::Release);
                return Poll::Ready(frame);
            }
            if self
                .inline
                .state
                .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Poll::Pending;
            }
        }
        // Still woken after as many rounds: the task polls again later.
        self.inline.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        // A connection whose response was read to its end can take the next request; any other
        // is closed (dropping it), as the provider may still be sending.
        if let Some(driven) = self.conn.take() {
            if self.ended || self.body.is_end_stream() {
                driven.leased.release();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A task waker that counts its wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_wake_while_polling_is_noted_and_any_other_wakes_the_task() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let inline = Arc::new(Inline {
            state: AtomicU8::new(IDLE),
            task: Mutex::new(Some(Waker::from(Arc::clone(&count)))),
        });
        let waker = Waker::from(Arc::clone(&inline));

        waker.wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(inline.state.load(Ordering::SeqCst), IDLE);

        inline.state.store(POLLING, Ordering::SeqCst);
        waker.wake_by_ref();
        waker.wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(inline.state.load(Ordering::SeqCst), WOKEN);

        inline.state.store(IDLE, Ordering::SeqCst);
        waker.wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }
}
