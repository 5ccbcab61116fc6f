//! The proxy path: a client with an explicit proxy reaches the provider through an HTTP
//! `CONNECT` tunnel (a small proxy written here), sends the proxy's credentials to the proxy
//! only, and reports a proxy's refusal as a connection error that never shows the password.

use crate::client_support;
use crate::mock_support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use client_support::*;
use llm_sse_tokio::mock::MockProvider;
use llm_sse_tokio::{Client, Provider, ProviderError};
use mock_support::{fixture, fixtures_dir, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy saw of one tunnel.
#[derive(Debug, Clone)]
struct Tunnel {
    /// The request head, as sent.
    head: String,
    /// The local address of the proxy's connection to the destination.
    upstream: Option<SocketAddr>,
}

/// A CONNECT proxy on 127.0.0.1 that tunnels to 127.0.0.1 destinations only; with `auth`, it
/// answers 407 to a CONNECT without exactly that `Proxy-Authorization` value.
struct Proxy {
    addr: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl Proxy {
    async fn start(auth: Option<&'static str>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&tunnels);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, auth, Arc::clone(&log)));
            }
        });
        Proxy { addr, tunnels }
    }

    fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().unwrap().clone()
    }
}

async fn serve(mut client: TcpStream, auth: Option<&str>, log: Arc<Mutex<Vec<Tunnel>>>) {
    // The request head, up to its blank line (at most 8 KiB).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || !matches!(client.read(&mut byte).await, Ok(1)) {
            return;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut tunnel = Tunnel {
        head: head.clone(),
        upstream: None,
    };
    let target = head
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split(' ').next())
        .filter(|target| target.starts_with("127.0.0.1:"))
        .map(str::to_owned);
    let authorized = auth.is_none_or(|value| {
        head.lines()
            .filter_map(|line| line.split_once(": "))
            .any(|(name, v)| name.eq_ignore_ascii_case("proxy-authorization") && v == value)
    });
    let answer: &[u8] = match (&target, authorized) {
        (None, _) => b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
        (Some(_), false) => b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\n\r\n",
        (Some(_), true) => b"",
    };
    if !answer.is_empty() {
        log.lock().unwrap().push(tunnel);
        let _ = client.write_all(answer).await;
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(target.unwrap()).await else {
        log.lock().unwrap().push(tunnel);
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    };
    tunnel.upstream = upstream.local_addr().ok();
    log.lock().unwrap().push(tunnel);
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await
        .is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

#[tokio::test]
async fn a_client_with_a_proxy_streams_through_a_connect_tunnel() {
    for provider in Provider::ALL {
        let server = MockProvider::new(provider, fixture(provider, "text"))
            .start()
            .await
            .unwrap();
        let proxy = Proxy::start(None).await;
        let client = Client::builder(settings(&server))
            .proxy(&format!("http://{}", proxy.addr))
            .unwrap()
            .build();
        let mut stream = within(client.stream(provider, hello(provider)))
            .await
            .unwrap();
        let chunks = collect(&mut stream).await;
        let golden = std::fs::read(fixtures_dir(provider).join("text.frames")).unwrap();
        assert_eq!(frames(&chunks), golden, "{provider}");

        let tunnels = proxy.tunnels();
        assert_eq!(tunnels.len(), 1, "{provider}");
        let target = server.addr();
        assert!(
            tunnels[0]
                .head
                .starts_with(&format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n")),
            "{}",
            tunnels[0].head
        );
        // The provider's connection came from the proxy, not from the client.
        assert_eq!(server.connections()[0].peer, tunnels[0].upstream.unwrap());
        // The request inside the tunnel is an ordinary one, in origin form.
        assert!(server.requests()[0].uri.starts_with('/'));
    }
}

#[tokio::test]
async fn proxy_credentials_go_to_the_proxy_only() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .start()
        .await
        .unwrap();
    // "user:p@ss" in base64.
    let proxy = Proxy::start(Some("Basic dXNlcjpwQHNz")).await;
    let client = Client::builder(settings(&server))
        .proxy(&format!("http://user:p%40ss@{}", proxy.addr))
        .unwrap()
        .build();
    let mut stream = within(client.stream(Provider::Anthropic, hello(Provider::Anthropic)))
        .await
        .unwrap();
    assert!(terminal_error(&collect(&mut stream).await).is_none());
    assert!(server.requests()[0].header("proxy-authorization").is_none());
    // The builder's Debug shows neither the user nor the password.
    let debug = format!(
        "{:?}",
        Client::builder(settings(&server))
            .proxy(&format!("http://user:p%40ss@{}", proxy.addr))
            .unwrap()
    );
    assert!(
        !debug.contains("p%40ss") && !debug.contains("dXNlcjpwQHNz"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_proxy_refusing_the_tunnel_is_a_connection_error_without_the_password() {
    let server = MockProvider::new(Provider::OpenAi, fixture(Provider::OpenAi, "text"))
        .start()
        .await
        .unwrap();
    let proxy = Proxy::start(Some("Basic c29tZW9uZTplbHNl")).await;
    let client = Client::builder(settings(&server))
        .proxy(&format!("http://user:hunter2@{}", proxy.addr))
        .unwrap()
        .build();
    let error = within(client.stream(Provider::OpenAi, hello(Provider::OpenAi)))
        .await
        .unwrap_err();
    let ProviderError::Connection { message } = &error else {
        panic!("{error:?}");
    };
    assert!(
        message.contains("proxy authorization required"),
        "{message}"
    );
    assert!(!message.contains("hunter2") && !format!("{error:?}").contains("hunter2"));
    // Connection failures are retried: three tunnels were asked for, none reached the mock.
    assert_eq!(proxy.tunnels().len(), 3);
    assert!(server.connections().is_empty());
}
