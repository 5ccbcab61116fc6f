//! Resumable streams with the in-memory store: a client cut after some events resumes
//! (`Last-Event-ID` or `?after=`) and gets exactly the rest, byte for byte, while the provider
//! saw one request; resume after the end; expiry; eviction (finished streams first; a live
//! stream dropped ends its readers with an error frame, never a gap); two readers at once;
//! unknown streams; the upstream read to its end after the last reader left; plain streams
//! still dropped at once; the shutdown.

use crate::gateway_support;
use crate::mock_support;

use std::time::Duration;

use gateway_support::*;
use http::{HeaderMap, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, GatewayServer, ResumeStore, Shutdown};
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::*;
use tokio::time::Instant;

const RESUMABLE: (&str, &str) = ("llm-sse-resumable", "true");

/// The golden frames of `anthropic/text`, each with its `id:` line for stream `id`.
fn expected(id: &str) -> String {
    with_ids(&golden(Provider::Anthropic, "text"), id)
}

fn with_ids(frames: &str, id: &str) -> String {
    frames
        .split_inclusive("\n\n")
        .enumerate()
        .map(|(i, event)| format!("id: {id}:{}\n{event}", i + 1))
        .collect()
}

/// A mock provider serving `anthropic/text` one event every `delay`, behind a gateway.
async fn paced(
    delay: Duration,
    gateway: impl FnOnce(Gateway) -> Gateway,
) -> (MockServer, GatewayServer) {
    let mock = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .delay(delay)
        .start()
        .await
        .unwrap();
    let server = start(gateway(Gateway::new(ViaMock::new(&mock, Some("sk-test"))))).await;
    (mock, server)
}

/// Posts a stream request with `headers`.
async fn open(gateway: &GatewayServer, headers: &[(&str, &str)]) -> Response<Incoming> {
    let request = post(
        gateway.addr(),
        &stream_path(Provider::Anthropic),
        headers,
        &chat("claude-sonnet-4-5"),
    );
    let response = send(gateway.addr(), request).await;
    assert_eq!(response.status(), 200);
    response
}

fn stream_id(headers: &HeaderMap) -> String {
    headers["llm-sse-stream-id"].to_str().unwrap().to_owned()
}

/// `GET /v1/streams/{id}` (with `query`) and `headers`.
async fn resume(
    gateway: &GatewayServer,
    id: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Response<Incoming> {
    let mut request = Request::get(format!("http://{}/v1/streams/{id}{query}", gateway.addr()))
        .header("host", "gw");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(gateway.addr(), request.body(Full::default()).unwrap()).await
}

/// Reads until at least `n` events arrived.
async fn read_events(body: &mut Incoming, n: usize) -> String {
    let mut text = String::new();
    while text.matches("\n\n").count() < n {
        text.push_str(&next_data(body).await.expect("the stream ended early"));
    }
    text
}

async fn read_to_end(body: &mut Incoming) -> String {
    let mut text = String::new();
    while let Some(data) = next_data(body).await {
        text.push_str(&data);
    }
    text
}

/// The seq of the last `id:` line.
fn last_seq(text: &str) -> u64 {
    let line = text.lines().rev().find(|l| l.starts_with("id: ")).unwrap();
    line.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_cut_client_resumes_and_gets_exactly_the_rest() {
    let (mock, gateway) = paced(Duration::from_millis(15), |g| g).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    assert_eq!(id.len(), 32, "{id}");
    let mut body = response.into_body();
    let first = read_events(&mut body, 3).await;
    drop(body); // the client is cut
    let seq = last_seq(&first);
    assert!(first.starts_with(&format!("id: {id}:1\ndata: ")), "{first}");

    // With Last-Event-ID, as an EventSource sends it.
    let last_event_id = format!("{id}:{seq}");
    let response = resume(&gateway, &id, "", &[("last-event-id", &last_event_id)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(stream_id(response.headers()), id);
    let rest = read_to_end(&mut response.into_body()).await;
    assert!(
        rest.starts_with(&format!("id: {id}:{}\n", seq + 1)),
        "{rest}"
    );
    assert_eq!(
        format!("{first}{rest}"),
        expected(&id),
        "no gap, no duplicate"
    );

    // With ?after=, now that it ended: the same bytes. (Last-Event-ID wins over after.)
    let after = format!("?after={seq}");
    let again = read_to_end(&mut resume(&gateway, &id, &after, &[]).await.into_body()).await;
    assert_eq!(again, rest);
    let header_wins = resume(
        &gateway,
        &id,
        "?after=0",
        &[("last-event-id", &last_event_id)],
    )
    .await;
    assert_eq!(read_to_end(&mut header_wins.into_body()).await, rest);

    // The whole stream, and nothing after the last event.
    let whole = read_to_end(&mut resume(&gateway, &id, "", &[]).await.into_body()).await;
    assert_eq!(whole, expected(&id));
    let last = format!("?after={}", last_seq(&whole));
    let (status, _, nothing) =
        gateway_support::whole(resume(&gateway, &id, &last, &[]).await).await;
    assert_eq!((status, nothing.as_str()), (200, ""));

    assert_eq!(mock.requests().len(), 1, "the provider was called once");
}

#[tokio::test]
async fn the_upstream_is_read_to_its_end_after_the_last_reader_left() {
    let (mock, gateway) = paced(Duration::from_millis(10), |g| g).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    let mut body = response.into_body();
    read_events(&mut body, 1).await;
    let left = Instant::now();
    drop(body);
    // The mock's response ends when its last byte was handed over; its connection stays open
    // (a cancelled call would have closed it).
    let closed = within(mock.wait_for_response_close(0)).await.unwrap();
    assert!(closed.duration_since(left) > Duration::from_millis(50));
    let connection = &mock.connections()[0];
    assert!(connection.closed_at.is_none_or(|at| at >= closed));
    // Everything arrived, the terminal frame's usage included.
    let whole = read_to_end(&mut resume(&gateway, &id, "", &[]).await.into_body()).await;
    assert_eq!(whole, expected(&id));
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn a_plain_stream_still_drops_its_upstream_at_once() {
    // Every stream resumable, but this request says no.
    let recording = fixture(Provider::Anthropic, "text");
    let text = String::from_utf8(recording.to_vec()).unwrap();
    let delta = text.find("text_delta").unwrap();
    let first_token_end = delta + text[delta..].find("\n\n").unwrap() + 2;
    let mock = MockProvider::new(Provider::Anthropic, recording)
        .stall_after(first_token_end)
        .start()
        .await
        .unwrap();
    let gateway = start(Gateway::new(ViaMock::new(&mock, Some("sk-test"))).resumable(true)).await;
    let response = open(&gateway, &[("llm-sse-resumable", "false")]).await;
    assert!(!response.headers().contains_key("llm-sse-stream-id"));
    let mut body = response.into_body();
    let first = next_data(&mut body).await.unwrap();
    assert!(first.starts_with("data: "), "no id line: {first}");
    let left = Instant::now();
    drop(body);
    let closed = within(mock.wait_for_connection_close(mock.requests()[0].connection))
        .await
        .unwrap();
    let took = closed.saturating_duration_since(left);
    assert!(took < Duration::from_millis(100), "{took:?}");

    // And with --resumable, a request that says nothing is resumable.
    let response = open(&gateway, &[]).await;
    assert!(response.headers().contains_key("llm-sse-stream-id"));
}

#[tokio::test]
async fn two_readers_follow_one_stream_at_once() {
    let (mock, gateway) = paced(Duration::from_millis(10), |g| g).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    let mut first = response.into_body();
    let mut second = resume(&gateway, &id, "", &[]).await.into_body();
    let start = read_events(&mut first, 1).await;
    let mut third = resume(&gateway, &id, "?after=1", &[]).await.into_body();
    let (a, b, c) = tokio::join!(
        read_to_end(&mut first),
        read_to_end(&mut second),
        read_to_end(&mut third)
    );
    let whole = expected(&id);
    assert_eq!(format!("{start}{a}"), whole);
    assert_eq!(b, whole);
    assert_eq!(c, whole[whole.find("\n\n").unwrap() + 2..]);
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn finished_streams_expire_after_the_ttl() {
    let store = ResumeStore::memory(1 << 20, Duration::from_millis(300));
    let (_mock, gateway) = paced(Duration::ZERO, |g| g.resume_store(store)).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    read_to_end(&mut response.into_body()).await;
    assert_eq!(resume(&gateway, &id, "", &[]).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, _, body) = gateway_support::whole(resume(&gateway, &id, "", &[]).await).await;
    assert_eq!(status, 404);
    let (kind, message) = error_of(&body);
    assert_eq!(kind, "not_found");
    assert!(message.contains(&id), "{message}");
}

#[tokio::test]
async fn over_the_bound_the_oldest_finished_stream_goes_first() {
    // Room for two streams of `anthropic/text`, not three (the store keeps the events without
    // their id lines, 8 bytes per event and 256 per stream for its bookkeeping).
    let one = golden(Provider::Anthropic, "text").len() + 17 * 8 + 256;
    let store = ResumeStore::memory(one * 5 / 2, Duration::from_secs(600));
    let (_mock, gateway) = paced(Duration::ZERO, |g| g.resume_store(store)).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let response = open(&gateway, &[RESUMABLE]).await;
        ids.push(stream_id(response.headers()));
        read_to_end(&mut response.into_body()).await;
    }
    assert_eq!(resume(&gateway, &ids[0], "", &[]).await.status(), 404);
    for id in &ids[1..] {
        let whole = read_to_end(&mut resume(&gateway, id, "", &[]).await.into_body()).await;
        assert_eq!(whole, expected(id));
    }
}

#[tokio::test]
async fn a_live_stream_dropped_from_the_store_ends_its_readers_with_an_error() {
    // An upstream that never ends, in a store of 64 KiB.
    let (upstream, probe) = Scripted::new(Plan::Endless(100));
    let store = ResumeStore::memory(64 << 10, Duration::from_secs(600));
    let gateway = start(Gateway::new(upstream).resume_store(store)).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    let text = read_to_end(&mut response.into_body()).await;
    let events: Vec<&str> = text.split_inclusive("\n\n").collect();
    let numbered = &events[..events.len() - 2];
    // The ids follow each other from 1, ...
    for (i, event) in numbered.iter().enumerate() {
        let line = format!("id: {id}:{}\ndata: {{\"token\":\"", i + 1);
        assert!(event.starts_with(&line), "{event}");
    }
    // ... then an error frame and [DONE], without ids: the reader knows it lost the rest.
    assert!(
        numbered.len() > 100,
        "{} events before the drop",
        numbered.len()
    );
    let [terminal, done] = [events[events.len() - 2], events[events.len() - 1]];
    assert!(
        terminal.starts_with(r#"data: {"token":"","done":true,"provider":"anthropic","finish_reason":"error","error":{"type":"connection_error","message":"the resumable stream was dropped"#),
        "{terminal}"
    );
    assert_eq!(done, "data: [DONE]\n\n");
    // The upstream is dropped, and the stream is gone.
    probe.wait_dropped().await;
    assert_eq!(resume(&gateway, &id, "", &[]).await.status(), 404);
}

#[tokio::test]
async fn unknown_streams_and_bad_positions() {
    let (_mock, gateway) = paced(Duration::ZERO, |g| g).await;
    for id in ["0123456789abcdef0123456789abcdef", "a:b", "x%20y"] {
        let (status, _, body) = gateway_support::whole(resume(&gateway, id, "", &[]).await).await;
        assert_eq!(status, 404, "{id}");
        assert_eq!(error_of(&body).0, "not_found");
    }
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    read_to_end(&mut response.into_body()).await;
    let other = "ffff:1".to_owned();
    let bad: [(&str, &[(&str, &str)]); 4] = [
        ("", &[("last-event-id", &other)]),
        ("", &[("last-event-id", "1")]),
        ("?after=x", &[]),
        ("?after=99", &[]),
    ];
    for (query, headers) in bad {
        let (status, _, body) =
            gateway_support::whole(resume(&gateway, &id, query, headers).await).await;
        assert_eq!(status, 400, "{query} {headers:?}: {body}");
        assert_eq!(error_of(&body).0, "invalid_request");
    }
    // Only GET.
    let request = post(gateway.addr(), &format!("/v1/streams/{id}"), &[], "");
    let (status, headers, _) = gateway_support::whole(send(gateway.addr(), request).await).await;
    assert_eq!((status, &headers["allow"]), (405, &"GET".parse().unwrap()));
}

#[tokio::test]
async fn pages_of_allowed_origins_may_resume() {
    let (_mock, gateway) =
        paced(Duration::ZERO, |g| g.cors_origin("https://app.example.com")).await;
    let request = Request::options(format!("http://{}/v1/streams/abc", gateway.addr()))
        .header("host", "gw")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .body(Full::default())
        .unwrap();
    let (status, headers, _) = gateway_support::whole(send(gateway.addr(), request).await).await;
    assert_eq!(status, 204);
    assert_eq!(headers["access-control-allow-methods"], "GET");
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.contains("last-event-id") && allowed.contains("llm-sse-resumable"));
    let response = open(
        &gateway,
        &[RESUMABLE, ("origin", "https://app.example.com")],
    )
    .await;
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("llm-sse-stream-id"), "{exposed}");
}

#[tokio::test]
async fn the_shutdown_waits_for_streams_whose_readers_left() {
    let (upstream, _probe) = Scripted::new(Plan::Steps(vec![
        token("a"),
        Step::Sleep(Duration::from_millis(300)),
        token("b"),
        stop(Provider::Anthropic),
    ]));
    let gateway = start(Gateway::new(upstream)).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let mut body = response.into_body();
    read_events(&mut body, 1).await;
    drop(body);
    let started = Instant::now();
    assert_eq!(within(gateway.shutdown()).await, Shutdown::Graceful);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "it waited for the stream"
    );
}

#[tokio::test]
async fn at_the_end_of_the_grace_a_detached_stream_ends_with_an_error_frame() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("a"), Step::Stall]));
    let gateway = start(Gateway::new(upstream).shutdown_grace(Duration::from_millis(200))).await;
    let response = open(&gateway, &[RESUMABLE]).await;
    let id = stream_id(response.headers());
    drop(response);
    // A second reader, still there at the shutdown.
    let mut reader = resume(&gateway, &id, "", &[]).await.into_body();
    read_events(&mut reader, 1).await;
    let shutdown = tokio::spawn(gateway.shutdown());
    let rest = read_to_end(&mut reader).await;
    assert!(
        rest.starts_with(&format!("id: {id}:2\ndata: {{\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"finish_reason\":\"error\",\"error\":{{\"type\":\"connection_error\",\"message\":\"the gateway shut down")),
        "{rest}"
    );
    assert!(
        rest.ends_with(&format!("id: {id}:3\ndata: [DONE]\n\n")),
        "{rest}"
    );
    assert_eq!(within(shutdown).await.unwrap(), Shutdown::Aborted);
    probe.wait_dropped().await;
}
