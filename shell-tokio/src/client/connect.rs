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
//!     └ Route   direct TCP, or a CONNECT tunnel through the proxy the settings name
//!               (`Proxies::proxy_for`: the rule both shells share)
//!        └ HttpConnector (hyper-util)   DNS, TCP, TCP_NODELAY
//! ```

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::HeaderValue;
use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use llm_sse_core::client::Proxies;
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

/// A connection as the pooled client gets it.
pub(super) type Conn = MaybeHttpsStream<TokioIo<TcpStream>>;

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
        let scheme = dst.scheme_str().unwrap_or("http");
        let proxy = dst
            .host()
            .and_then(|host| self.proxies.proxy_for(scheme, host));
        let Some(proxy) = proxy else {
            let connecting = self.tcp.call(dst);
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        };
        let proxy_url = proxy.url_without_credentials();
        let tunnel = tunnel_to(proxy, &proxy_url, self.tcp.clone())
            .and_then(|tunnel| Ok((tunnel, with_port(&dst)?)));
        let (mut tunnel, dst) = match tunnel {
            Ok(parts) => parts,
            Err(e) => return Box::pin(async move { Err(e) }),
        };
        let tunneling = tunnel.call(dst);
        Box::pin(async move {
            tunneling
                .await
                .map_err(|e| format!("through the proxy {proxy_url}: {}", describe(&e)).into())
        })
    }
}

/// A `CONNECT` tunnel through `proxy` (at `proxy_url`, its URL without credentials), sending
/// its credentials as `Proxy-Authorization: Basic`.
fn tunnel_to(
    proxy: &llm_sse_core::client::ProxyUrl,
    proxy_url: &str,
    tcp: HttpConnector,
) -> Result<Tunnel<HttpConnector>, BoxError> {
    let mut tunnel = Tunnel::new(proxy_url.parse()?, tcp);
    if let Some(authorization) = proxy.authorization() {
        let mut value = HeaderValue::from_str(&authorization)?;
        value.set_sensitive(true);
        tunnel = tunnel.with_auth(value);
    }
    Ok(tunnel)
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
    use std::fmt;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
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
