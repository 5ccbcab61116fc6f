//! Listening sockets that take a burst of connections: the gateway's and the mock's.
//!
//! A listening socket holds the connections the kernel completed but nobody accepted yet in
//! its accept queue, whose length is the `backlog` given to `listen(2)`. When the queue is
//! full, Linux drops the next handshake (counted by `TcpExtListenOverflows` in `nstat`), and
//! the client tries again only after its SYN timeout: one second, then two, then four. A
//! thousand clients connecting at once thus meet a one-second stall behind the backlog of 128
//! that `TcpListener::bind` uses. [`bind`] listens with a backlog chosen by the caller
//! ([`DEFAULT_BACKLOG`] by default); Linux silently caps it at `net.core.somaxconn`, which
//! [`bind`] reads so that the caller can say so.
//!
//! The accept loops then take every connection that is ready on each wakeup
//! ([`accept_ready`]), so a burst leaves the queue in one pass.

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::Poll;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// The listen backlog the gateway and the mock ask for unless told otherwise: a burst of a few
/// thousand connections fits in the accept queue. The kernel may allow less
/// ([`GatewayServer::backlog`](crate::gateway::GatewayServer::backlog),
/// [`MockServer::backlog`](crate::mock::MockServer::backlog) say what they got).
pub const DEFAULT_BACKLOG: u32 = 4096;

/// Where the kernel keeps its cap on listen backlogs (Linux).
const SOMAXCONN: &str = "/proc/sys/net/core/somaxconn";

/// A bound, listening socket and the backlog it got.
#[derive(Debug)]
pub(crate) struct Listening {
    pub(crate) listener: TcpListener,
    /// The backlog asked for.
    pub(crate) requested: u32,
    /// The backlog in effect: `requested`, capped by `net.core.somaxconn` where the kernel says.
    pub(crate) backlog: u32,
}

impl Listening {
    /// Whether the kernel allows less than was asked for.
    pub(crate) fn capped(&self) -> bool {
        self.backlog < self.requested
    }
}

/// The kernel's cap on listen backlogs (`net.core.somaxconn`), where it can be read.
pub(crate) fn somaxconn() -> Option<u32> {
    std::fs::read_to_string(SOMAXCONN).ok()?.trim().parse().ok()
}

/// Binds `addr` and listens with `backlog` (at least 1). Must run inside a Tokio runtime with
/// its I/O driver.
pub(crate) fn bind(addr: SocketAddr, backlog: u32) -> io::Result<Listening> {
    let requested = backlog.max(1);
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted server can bind its port again at once, while
    // connections of the previous one are in TIME_WAIT. (On Windows this would let another
    // socket take the port, so not there.)
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(requested)?;
    let backlog = somaxconn().map_or(requested, |cap| requested.min(cap.max(1)));
    Ok(Listening {
        listener,
        requested,
        backlog,
    })
}

/// The next connection that is ready to be accepted, without waiting: `None` when there is
/// none (the listener then wakes the task when one arrives).
///
/// The accept loops call this after each accept until it says `None`, so a burst is drained
/// in one wakeup instead of one connection per trip through the scheduler.
pub(crate) async fn accept_ready(
    listener: &TcpListener,
) -> Option<io::Result<(TcpStream, SocketAddr)>> {
    poll_fn(|cx| match listener.poll_accept(cx) {
        Poll::Ready(accepted) => Poll::Ready(Some(accepted)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn the_backlog_is_what_was_asked_for_capped_by_the_kernel() {
        let cap = somaxconn();
        for asked in [1, 128, DEFAULT_BACKLOG, u32::MAX] {
            let listening = bind(SocketAddr::from(([127, 0, 0, 1], 0)), asked).unwrap();
            assert_eq!(listening.requested, asked);
            let expected = cap.map_or(asked, |cap| asked.min(cap));
            assert_eq!(listening.backlog, expected, "asked for {asked}");
            assert_eq!(listening.capped(), expected < asked);
        }
        // 0 means 1, not the kernel's default.
        let listening = bind(SocketAddr::from(([127, 0, 0, 1], 0)), 0).unwrap();
        assert_eq!((listening.requested, listening.backlog), (1, 1));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accept_ready_takes_every_waiting_connection_then_says_none() {
        let listening = bind(SocketAddr::from(([127, 0, 0, 1], 0)), 64).unwrap();
        let addr = listening.listener.local_addr().unwrap();
        assert!(accept_ready(&listening.listener).await.is_none());
        // The kernel completes these handshakes on its own; they wait in the accept queue.
        let mut clients = Vec::new();
        for _ in 0..10 {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        let mut peers = Vec::new();
        // The first one may need the I/O driver to notice the listener is readable.
        let (first, peer) = listening.listener.accept().await.unwrap();
        drop(first);
        peers.push(peer);
        while let Some(accepted) = accept_ready(&listening.listener).await {
            peers.push(accepted.unwrap().1);
        }
        let mut expected: Vec<SocketAddr> =
            clients.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        expected.sort();
        assert_eq!(peers, expected);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_address_in_use_is_an_error() {
        let first = bind(SocketAddr::from(([127, 0, 0, 1], 0)), 16).unwrap();
        let addr = first.listener.local_addr().unwrap();
        let second = bind(addr, 16).unwrap_err();
        assert_eq!(second.kind(), io::ErrorKind::AddrInUse);
    }
}
