//! Opening connections: TCP (directly, or through an HTTP `CONNECT` proxy), then TLS for
//! `https` URLs, all within the connect timeout.
//!
//! The layers, outermost first, each a `tower_service::Service<Uri>` as hyper-util's pooled
//! client wants:
//!
//! ```text
//! Connector   the connect timeout over everything below
//!  └ HttpsConnector (hyper-rustls)   TLS for https (ring, webpki roots, ALPN h2 + http/1.1);
//!     │                              plain for http
//!     └ Route   direct TCP, or a CONNECT tunnel through the proxy the matcher names
//!        └ HttpConnector (hyper-util)   DNS, TCP, TCP_NODELAY
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// A connection as the pooled client gets it.
pub(super) type Conn = MaybeHttpsStream<TokioIo<TcpStream>>;

/// Which proxy a connection goes through.
pub(super) enum Proxies {
    /// Whatever `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lower-case
    /// forms) say, read once when the client is built; loopback destinations are never
    /// proxied.
    Env(Matcher),
    /// One proxy for every destination, loopback included.
    Explicit(Matcher),
    /// Never a proxy.
    None,
}

impl fmt::Debug for Proxies {
    // The matcher's own `Debug` leaves credentials out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proxies::Env(m) => f.debug_tuple("Env").field(m).finish(),
            Proxies::Explicit(m) => f.debug_tuple("Explicit").field(m).finish(),
            Proxies::None => f.write_str("None"),
        }
    }
}

impl Proxies {
    /// The proxy for `dst`, if any.
    fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        match self {
            Proxies::Env(matcher) if !is_loopback(dst) => matcher.intercept(dst),
            Proxies::Explicit(matcher) => matcher.intercept(dst),
            _ => None,
        }
    }
}

/// True for `localhost` (and its subdomains), `127.0.0.0/8` and `::1`: addresses a proxy
/// elsewhere cannot reach on our behalf (its loopback is its own).
pub(super) fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .len()
                    .checked_sub(".localhost".len())
                    .and_then(|at| host.get(at..))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
        }
    }
}

/// Direct TCP, or a `CONNECT` tunnel through the proxy for the destination.
#[derive(Clone, Debug)]
pub(super) struct Route {
    tcp: HttpConnector,
    proxies: Arc<Proxies>,
}

impl Service<Uri> for Route {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<TokioIo<TcpStream>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // `HttpConnector` is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let Some(intercept) = self.proxies.intercept(&dst) else {
            let connecting = self.tcp.call(dst);
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        };
        if !matches!(intercept.uri().scheme_str(), Some("http")) {
            let message = format!(
                "the proxy {} is not supported: only http:// proxies (HTTP CONNECT) are",
                intercept.uri()
            );
            return Box::pin(async move { Err(io::Error::other(message).into()) });
        }
        // hyper-util's tunnel assumes port 443 when the destination names none.
        let dst = match with_port(&dst) {
            Ok(dst) => dst,
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        let mut tunnel = Tunnel::new(intercept.uri().clone(), self.tcp.clone());
        if let Some(auth) = intercept.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        let proxy = intercept.uri().clone();
        let tunneling = tunnel.call(dst);
        Box::pin(async move {
            tunneling
                .await
                .map_err(|e| format!("through the proxy {proxy}: {}", describe(&e)).into())
        })
    }
}

/// `dst` with its port spelled out (80 for http, 443 for https).
fn with_port(dst: &Uri) -> Result<Uri, BoxError> {
    if dst.port().is_some() {
        return Ok(dst.clone());
    }
    let host = dst.host().ok_or("the URL has no host")?;
    let port = if dst.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    let mut parts = dst.clone().into_parts();
    parts.authority = Some(format!("{host}:{port}").parse()?);
    Ok(Uri::from_parts(parts)?)
}

/// The connector the pooled client uses: [`Route`], then TLS, within the connect timeout.
#[derive(Clone, Debug)]
pub(super) struct Connector {
    https: HttpsConnector<Route>,
    timeout: Duration,
}

impl Connector {
    pub(super) fn new(proxies: Proxies, timeout: Duration) -> Connector {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(timeout));
        let route = Route {
            tcp,
            proxies: Arc::new(proxies),
        };
        let provider = rustls::crypto::ring::default_provider();
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            // ring supports every protocol version rustls enables by default, so this cannot
            // fail; a failure would be a bug in this crate's dependencies, not an input.
            .expect("the ring provider supports rustls' default protocol versions")
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(route);
        Connector { https, timeout }
    }
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = BoxFuture<Conn>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.https.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let timeout = self.timeout;
        let connecting = self.https.call(dst);
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result,
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connecting took longer than {}", seconds(timeout)),
                )
                .into()),
            }
        })
    }
}

/// An error with its sources, as one line: `a: b: c` (a source whose text its parent already
/// ends with is skipped).
pub(super) fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let part = e.to_string();
        if !part.is_empty() && !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

/// A duration in seconds as a person writes it: `10 s`, `0.5 s`.
pub(super) fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_destinations() {
        for u in [
            "http://127.0.0.1:8080/v1",
            "http://127.1.2.3/",
            "http://[::1]:11434/",
            "http://localhost:11434/v1",
            "http://LocalHost/",
            "http://api.localhost/",
        ] {
            assert!(is_loopback(&uri(u)), "{u}");
        }
        for u in [
            "https://api.anthropic.com/",
            "http://10.0.0.1/",
            "http://notlocalhost/",
            "http://localhost.example.com/",
            "http://[::2]/",
        ] {
            assert!(!is_loopback(&uri(u)), "{u}");
        }
    }

    #[test]
    fn environment_proxies_skip_loopback_explicit_ones_do_not() {
        let matcher = || Matcher::builder().all("http://proxy.example:3128").build();
        let env = Proxies::Env(matcher());
        let explicit = Proxies::Explicit(matcher());
        let local = uri("http://127.0.0.1:9/v1/messages");
        let remote = uri("https://api.openai.com/v1/chat/completions");
        assert!(env.intercept(&local).is_none());
        assert!(env.intercept(&remote).is_some());
        assert!(explicit.intercept(&local).is_some());
        assert!(Proxies::None.intercept(&remote).is_none());
        // NO_PROXY still applies to the environment's proxies.
        let env = Proxies::Env(
            Matcher::builder()
                .all("http://proxy.example:3128")
                .no("openai.com")
                .build(),
        );
        assert!(env.intercept(&remote).is_none());
    }

    #[test]
    fn tunnel_destinations_name_their_port() {
        assert_eq!(
            with_port(&uri("http://example.com/a?b")).unwrap(),
            uri("http://example.com:80/a?b")
        );
        assert_eq!(
            with_port(&uri("https://example.com/")).unwrap(),
            uri("https://example.com:443/")
        );
        assert_eq!(
            with_port(&uri("http://[::1]:8/")).unwrap(),
            uri("http://[::1]:8/")
        );
    }

    #[test]
    fn errors_read_as_one_line() {
        let inner = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        let outer = io::Error::other(inner);
        // io::Error::other wraps: its Display is the inner's, which is not repeated.
        assert_eq!(describe(&outer), "refused");
        #[derive(Debug)]
        struct Outer(io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(io::Error::new(io::ErrorKind::ConnectionRefused, "refused"));
        assert_eq!(describe(&e), "client error (Connect): refused");
    }
}
