//! The accept loop and one task per connection, which follows the shutdown phases.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::shared::{Phase, PhaseWatch, Shared};
use super::{h1, routes};
use crate::deadline::Deadline;
use crate::listen;

/// Accepts connections until the server leaves [`Phase::Running`]. Each connection task holds
/// a clone of `alive`, so the server knows when the last one has ended.
///
/// On each wakeup it takes every connection that is ready (up to [`ACCEPT_BATCH`], then it
/// lets other tasks run), so a burst leaves the kernel's queue in one pass; it runs outside
/// Tokio's cooperative budget, which would otherwise send it to the back of the run queue,
/// behind the streams, every 128 connections.
pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    alive: mpsc::Sender<()>,
) {
    tokio::task::unconstrained(accept_connections(listener, shared, alive)).await;
}

/// The most connections the accept loop takes in one go before it yields.
const ACCEPT_BATCH: usize = 1024;

async fn accept_connections(listener: TcpListener, shared: Arc<Shared>, alive: mpsc::Sender<()>) {
    // HTTP/1.x is served by the gateway's own connections (`h1`); hyper serves the
    // connections that start with the HTTP/2 preface.
    let mut builder = auto::Builder::new(TokioExecutor::new()).http2_only();
    let config = &shared.config;
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(config.max_header_size).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let builder = Arc::new(builder);
    let mut phase = shared.phase.clone();
    loop {
        let first = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = phase.wait_for(|p| *p != Phase::Running) => return,
        };
        let mut accepted = Some(first);
        let mut taken = 0;
        while let Some(result) = accepted {
            match result {
                Ok((stream, _peer)) => {
                    // Each frame should leave at once, not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve(
                        stream,
                        Arc::clone(&shared),
                        Arc::clone(&builder),
                        alive.clone(),
                    ));
                }
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(target: "llm_sse::gateway", error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    break;
                }
            }
            taken += 1;
            if taken == ACCEPT_BATCH {
                tokio::task::yield_now().await;
                break;
            }
            if *phase.borrow() != Phase::Running {
                return;
            }
            accepted = listen::accept_ready(&listener).await;
        }
    }
}

/// Serves one connection until it ends, the server stops, or no request head arrived in time:
/// HTTP/1.x on the gateway's own connection ([`h1`]), HTTP/2 through hyper.
async fn serve(
    stream: TcpStream,
    shared: Arc<Shared>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    _alive: mpsc::Sender<()>,
) {
    if let h1::Start::Http2(io) = h1::serve(stream, Arc::clone(&shared)).await {
        // Boxed: the connection task stays small for the HTTP/1.1 streams.
        Box::pin(serve_connection((*builder).clone(), io, shared)).await;
    }
}

/// Serves one HTTP/2 connection through hyper until it ends, the server stops, or no request
/// arrived in time.
async fn serve_connection(
    builder: auto::Builder<TokioExecutor>,
    stream: h1::Rewind,
    shared: Arc<Shared>,
) {
    let got_request = Arc::new(AtomicBool::new(false));
    let service = {
        let shared = Arc::clone(&shared);
        let got_request = Arc::clone(&got_request);
        service_fn(move |request| {
            got_request.store(true, Ordering::Relaxed);
            routes::handle(Arc::clone(&shared), request)
        })
    };
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
    // hyper's header read timeout does not cover HTTP/2; this one covers the
    // bytes before (a client that connects and sends nothing) and an HTTP/2 client that never
    // completes a request.
    let mut first_request = Some(Deadline::after(shared.config.header_read_timeout));
    let mut phase = PhaseWatch::new(&shared.phase);
    let mut draining = false;
    // Polled on every wakeup of the connection (each piece of a stream): the timer and the
    // phase are looked at without touching either while nothing changed.
    poll_fn(|cx| {
        if connection.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        if let Some(due) = first_request.as_mut() {
            if due.poll_due(cx).is_ready() {
                if !got_request.load(Ordering::Relaxed) {
                    return Poll::Ready(());
                }
                first_request = None;
            }
        }
        while let Poll::Ready(now) = phase.poll_change(cx) {
            match now {
                Phase::Running => {}
                Phase::Draining | Phase::Aborting => {
                    if !draining {
                        draining = true;
                        connection.as_mut().graceful_shutdown();
                        // The connection acts on it when polled next.
                        cx.waker().wake_by_ref();
                    }
                }
                Phase::Stopped => return Poll::Ready(()),
            }
        }
        Poll::Pending
    })
    .await;
}
