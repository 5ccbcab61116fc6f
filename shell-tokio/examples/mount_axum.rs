//! The gateway mounted in an axum application under `/llm`, beside the application's own
//! routes: `cargo run -p llm-sse-tokio --example mount_axum`.
//!
//! It serves the bundled recordings (no key needed), asks itself for a resumable stream and
//! resumes it, prints what it got and exits. With `--serve` it keeps serving on
//! 127.0.0.1:3000 instead: `curl -N localhost:3000/llm/v1/chat/stream/anthropic -d
//! '{"model":"text","messages":[{"role":"user","content":"Hi"}]}'`.

use axum::Router;
use axum::routing::get;
use llm_sse_tokio::gateway::{Gateway, Recordings, ReplayUpstream};
use llm_sse_tokio::mock::Pacing;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(Pacing::events());
    let gateway = Gateway::new(upstream).into_service()?;

    // The gateway sees paths without the prefix: `nest_service` strips `/llm`.
    let app = Router::new()
        .route("/", get(|| async { "the application's own page" }))
        .nest_service("/llm", gateway.clone());

    let serve = std::env::args().any(|a| a == "--serve");
    let listener = tokio::net::TcpListener::bind(if serve {
        "127.0.0.1:3000"
    } else {
        "127.0.0.1:0"
    })
    .await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    if serve {
        println!("serving on http://{addr}/llm/");
        server.await??;
        return Ok(());
    }

    let body = r#"{"model":"text","messages":[{"role":"user","content":"Hi"}]}"#;
    let stream = fetch(
        addr,
        &format!(
            "POST /llm/v1/chat/stream/anthropic HTTP/1.1\r\nhost: app\r\nllm-sse-resumable: true\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await?;
    assert!(stream.starts_with("HTTP/1.1 200 OK"), "{stream}");
    let id = stream
        .lines()
        .find_map(|line| line.strip_prefix("llm-sse-stream-id: "))
        .ok_or("no stream id")?;
    assert!(stream.contains(&format!(
        "id: {id}:1\ndata: {{\"token\":\"Server-sent events\""
    )));

    // The same stream again, after its first event, from `/llm/v1/streams/{id}`.
    let resumed = fetch(
        addr,
        &format!(
            "GET /llm/v1/streams/{id} HTTP/1.1\r\nhost: app\r\nlast-event-id: {id}:1\r\n\
             connection: close\r\n\r\n"
        ),
    )
    .await?;
    assert!(resumed.starts_with("HTTP/1.1 200 OK"), "{resumed}");
    assert!(!resumed.contains(&format!("id: {id}:1\n")));
    assert!(resumed.contains(&format!("id: {id}:2\n")));
    assert!(resumed.contains("data: [DONE]"));

    let page = fetch(
        addr,
        "GET / HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n",
    )
    .await?;
    assert!(page.ends_with("the application's own page"));
    println!("stream {id}: served under /llm and resumed");

    gateway.shutdown().await;
    server.abort();
    Ok(())
}

/// Sends one raw HTTP/1.1 request and reads the whole answer.
async fn fetch(addr: std::net::SocketAddr, request: &str) -> std::io::Result<String> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    tcp.read_to_string(&mut response).await?;
    Ok(response)
}
