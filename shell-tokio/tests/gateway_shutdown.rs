//! Graceful shutdown: open streams finish within the grace period; past it they end with an
//! error terminal frame and `[DONE]`; no new connections are taken meanwhile.

mod gateway_support;
mod mock_support;

use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, Shutdown};
use mock_support::*;
use tokio::time::Instant;

#[tokio::test]
async fn open_streams_finish_within_the_grace_period() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![
        token("first"),
        Step::Gate,
        token("second"),
        stop(Provider::Anthropic),
    ]));
    let server = start(Gateway::new(upstream).shutdown_grace(Duration::from_secs(10))).await;
    let addr = server.addr();
    let mut client = h1(addr).await;
    let request = post(addr, &stream_path(Provider::Anthropic), &[], &chat("m"));
    let mut body = within(client.send_request(request))
        .await
        .unwrap()
        .into_body();
    assert!(next_data(&mut body).await.unwrap().contains("first"));

    let shutdown = tokio::spawn(server.shutdown());
    // No new connections are served once shutdown has begun.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = async {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        let request = post(addr, "/healthz", &[], "");
        sender
            .send_request(request)
            .await
            .map_err(std::io::Error::other)
    };
    assert!(within(refused).await.is_err());
    assert!(!shutdown.is_finished());

    // The open stream goes on to its normal end.
    probe.release();
    let mut rest = String::new();
    while let Some(data) = next_data(&mut body).await {
        rest.push_str(&data);
    }
    assert!(rest.starts_with("data: {\"token\":\"second\""), "{rest}");
    assert!(rest.contains("\"finish_reason\":\"stop\""), "{rest}");
    assert!(rest.ends_with("data: [DONE]\n\n"));
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Graceful);
}

#[tokio::test]
async fn streams_past_the_grace_period_end_with_an_error_frame() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("first"), Step::Stall]));
    let grace = Duration::from_millis(300);
    let server = start(Gateway::new(upstream).shutdown_grace(grace)).await;
    let addr = server.addr();

    // One stream over HTTP/1.1, one over HTTP/2.
    let mut c1 = h1(addr).await;
    let request = post(addr, &stream_path(Provider::OpenAi), &[], &chat("m"));
    let mut b1 = within(c1.send_request(request)).await.unwrap().into_body();
    let mut c2 = h2(addr).await;
    let request = post(addr, &stream_path(Provider::OpenAi), &[], &chat("m"));
    let mut b2 = within(c2.send_request(request)).await.unwrap().into_body();
    for body in [&mut b1, &mut b2] {
        assert!(next_data(body).await.unwrap().contains("first"));
    }

    let started = Instant::now();
    let shutdown = tokio::spawn(server.shutdown());
    for body in [&mut b1, &mut b2] {
        let mut rest = String::new();
        while let Some(data) = next_data(body).await {
            rest.push_str(&data);
        }
        assert_eq!(
            rest,
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"finish_reason\":\"error\",",
                "\"error\":{\"type\":\"connection_error\",\"message\":\"the gateway shut down before the stream ended\"}}\n\n",
                "data: [DONE]\n\n",
            )
        );
    }
    assert!(started.elapsed() >= grace, "ended before the grace period");
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Aborted);
    // The upstream was dropped.
    probe.wait_dropped().await;
}

#[tokio::test]
async fn idle_connections_close_and_http2_clients_are_told_to_go_away() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("x"), Step::Stall]));
    let server = start(Gateway::new(upstream).shutdown_grace(Duration::from_secs(5))).await;
    let addr = server.addr();
    // An idle keep-alive connection, and an HTTP/2 connection with an open stream.
    let mut idle = h1(addr).await;
    let request = post(addr, "/healthz", &[], "");
    let request = http::Request::get(request.uri().clone())
        .body(Default::default())
        .unwrap();
    assert_eq!(
        within(idle.send_request(request)).await.unwrap().status(),
        200
    );
    let mut c2 = h2(addr).await;
    let request = post(addr, &stream_path(Provider::Gemini), &[], &chat("m"));
    let mut body = within(c2.send_request(request)).await.unwrap().into_body();
    assert!(next_data(&mut body).await.is_some());

    let shutdown = tokio::spawn(server.shutdown());
    // The idle connection is closed.
    within(async {
        while !idle.is_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // The HTTP/2 connection is told to go away: new streams are refused, the open one goes on.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let request = post(addr, "/healthz", &[], "");
    let request = http::Request::get(request.uri().clone())
        .body(Default::default())
        .unwrap();
    assert!(within(c2.send_request(request)).await.is_err());
    assert!(!shutdown.is_finished());
    drop(body);
    probe.wait_dropped().await;
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Graceful);
}
