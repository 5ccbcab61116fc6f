//! Each request ends with exactly one structured (JSON) log line with its fields, never a
//! key, the gateway's token or message contents.
//!
//! One test in this file, on a current-thread runtime: the subscriber is the thread's default
//! (no process-wide state), every task of the server runs on this thread, and no other test
//! thread of this process can race tracing's per-callsite interest cache.

use crate::gateway_support;
use crate::mock_support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::{Provider, StreamError, StreamErrorKind};
use llm_sse_tokio::gateway::Gateway;
use llm_sse_tokio::mock::MockProvider;
use mock_support::*;

/// A `MakeWriter` collecting every log line.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn json(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn one_json_log_line_per_request_without_secrets() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    streams_and_errors(&lines).await;
    lines.clear();
    a_failed_stream(&lines).await;
    lines.clear();
    a_non_streaming_answer_ended_by_the_shutdown(&lines).await;
}

async fn streams_and_errors(lines: &Lines) {
    const KEY: &str = "sk-ant-SECRET-KEY-1234";
    const TOKEN: &str = "gateway-TOKEN-5678";
    let mock = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .require_api_key(KEY)
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, Some(KEY))).token(TOKEN)).await;
    let auth = ("authorization", "Bearer gateway-TOKEN-5678");
    let path = stream_path(Provider::Anthropic);

    // A stream, an invalid request (its message must not be logged), and a 401.
    let request = post(
        server.addr(),
        &path,
        &[auth, ("x-request-id", "req-1")],
        &chat("claude-sonnet-4-5"),
    );
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert!(body.ends_with("data: [DONE]\n\n"));
    let request_body = r#"{"model":"m","messages":[{"role":"user","content":"PRIVATE-CONTENT-7f3a"}],"temperature":9}"#;
    let request = post(
        server.addr(),
        &path,
        &[auth, ("x-request-id", "req-2")],
        request_body,
    );
    assert_eq!(whole(send(server.addr(), request).await).await.0, 400);
    let request = post(
        server.addr(),
        &path,
        &[("x-request-id", "req-3")],
        &chat("m"),
    );
    assert_eq!(whole(send(server.addr(), request).await).await.0, 401);
    drop(server);
    // The stream bodies were dropped when their responses ended; let the last line land.
    tokio::time::sleep(Duration::from_millis(20)).await;

    let all = lines.text();
    for secret in [KEY, TOKEN, MESSAGE, "PRIVATE-CONTENT-7f3a", "Be brief."] {
        assert!(!all.contains(secret), "{secret:?} in the logs:\n{all}");
    }
    let requests: Vec<serde_json::Value> = lines
        .json()
        .into_iter()
        .filter(|line| line["message"] == "request")
        .collect();
    let ids: Vec<&str> = requests
        .iter()
        .map(|l| l["request_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["req-1", "req-2", "req-3"], "{all}");

    let first = &requests[0];
    assert_eq!(first["target"], "llm_sse::gateway");
    assert_eq!(first["level"], "INFO");
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/v1/chat/stream/anthropic");
    assert_eq!(first["provider"], "anthropic");
    assert_eq!(first["model"], "claude-sonnet-4-5");
    assert_eq!(first["status"], 200);
    assert_eq!(first["finish_reason"], "stop");
    assert_eq!(first["input_tokens"], 25);
    assert_eq!(first["output_tokens"], 58);
    assert_eq!(first["client_went_away"], false);
    assert!(first["duration_ms"].is_u64());
    assert!(first["ttft_ms"].as_u64().unwrap() <= first["duration_ms"].as_u64().unwrap());
    assert!(first.get("error_type").is_none());

    let invalid = &requests[1];
    assert_eq!(invalid["status"], 400);
    assert_eq!(invalid["error_type"], "invalid_request");
    assert_eq!(invalid["model"], "m");
    assert!(invalid.get("ttft_ms").is_none() && invalid.get("finish_reason").is_none());
    let unauthorized = &requests[2];
    assert_eq!(unauthorized["status"], 401);
    assert_eq!(unauthorized["error_type"], "unauthorized");
    assert!(unauthorized.get("model").is_none());
}

/// A stream that ends with a provider error logs its error type.
async fn a_failed_stream(lines: &Lines) {
    let error = StreamError::new(
        StreamErrorKind::Provider("overloaded_error".into()),
        "Overloaded",
    );
    let (upstream, _) = Scripted::new(Plan::Steps(vec![
        token("a"),
        Step::Chunk(done(Provider::Anthropic, Err(error))),
    ]));
    let server = start(Gateway::new(upstream)).await;
    let request = post(
        server.addr(),
        &stream_path(Provider::Anthropic),
        &[],
        &chat("m"),
    );
    assert_eq!(whole(send(server.addr(), request).await).await.0, 200);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let line = lines
        .json()
        .into_iter()
        .find(|line| line["message"] == "request")
        .unwrap();
    assert_eq!(line["finish_reason"], "error");
    assert_eq!(line["error_type"], "overloaded_error");
    assert_eq!(line["output_tokens"], 7);
}

/// A non-streaming dialect request still folding its stream when the shutdown's grace runs out
/// is ended through its upstream: the log has the usage that arrived.
async fn a_non_streaming_answer_ended_by_the_shutdown(lines: &Lines) {
    let recording = fixture(Provider::Anthropic, "text");
    let marker = b"\"text\":\"Server-sent events\"}}\n\n";
    let cut = recording
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    let mock = MockProvider::new(Provider::Anthropic, recording)
        .stall_after(cut)
        .start()
        .await
        .unwrap();
    let server = start(
        Gateway::new(ViaMock::new(&mock, Some("sk-test")))
            .shutdown_grace(Duration::from_millis(200)),
    )
    .await;
    let body = r#"{"model":"anthropic/claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}"#;
    let request = post(server.addr(), "/v1/messages", &[], body);
    let answer = tokio::spawn(send(server.addr(), request));
    mock.wait_for_requests(1).await;
    // Let the first bytes reach the gateway, so that its upstream stream has started.
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.shutdown().await;
    let (status, _, body) = whole(within(answer).await.unwrap()).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("the gateway shut down before the stream ended"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let line = lines
        .json()
        .into_iter()
        .find(|line| line["message"] == "request")
        .unwrap();
    assert_eq!(line["path"], "/v1/messages");
    assert_eq!(line["finish_reason"], "error");
    assert_eq!(line["error_type"], "connection_error");
    assert_eq!(line["input_tokens"], 25);
    assert_eq!(line["output_tokens"], 1);
}
