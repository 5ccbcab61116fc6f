//! What the gateway tells its operator: `/metrics` parses and counts what happened, and each
//! request ends with exactly one structured log line with its fields, never a key or message
//! contents.

mod gateway_support;
mod mock_support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::{Provider, StreamError, StreamErrorKind};
use llm_sse_tokio::gateway::{Gateway, GatewayServer, Recordings, ReplayUpstream};
use llm_sse_tokio::mock::{MockProvider, Pacing};
use mock_support::*;

/// One sample of the metrics text: name, labels (sorted), value.
type Samples = BTreeMap<(String, String), f64>;

/// Parses the text format strictly enough to fail on anything malformed: `# HELP`/`# TYPE`
/// comments, `name{k="v",...} value` samples, and `# EOF` last.
fn parse_metrics(text: &str) -> Samples {
    let mut samples = Samples::new();
    let mut lines = text.lines().peekable();
    let mut saw_eof = false;
    while let Some(line) = lines.next() {
        assert!(!saw_eof, "a line after # EOF: {line}");
        if line == "# EOF" {
            saw_eof = true;
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let kind = comment.split(' ').next().unwrap();
            assert!(["HELP", "TYPE", "UNIT"].contains(&kind), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value of {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let labels = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}"));
                let mut pairs: Vec<&str> = labels.split(',').collect();
                for pair in &pairs {
                    let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("{line}"));
                    assert!(k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{line}");
                    assert!(v.starts_with('"') && v.ends_with('"'), "{line}");
                }
                pairs.sort();
                (name, pairs.join(","))
            }
            None => (series, String::new()),
        };
        assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{line}");
        assert!(samples.insert((name.to_owned(), labels), value).is_none(), "duplicate {line}");
    }
    assert!(saw_eof, "no # EOF");
    samples
}

fn sample(samples: &Samples, name: &str, labels: &str) -> f64 {
    samples
        .get(&(name.to_owned(), labels.to_owned()))
        .copied()
        .unwrap_or_else(|| panic!("no {name}{{{labels}}} in {samples:#?}"))
}

async fn metrics(server: &GatewayServer) -> Samples {
    let request = http::Request::get(format!("http://{}/metrics", server.addr()))
        .header("host", "gw")
        .body(Default::default())
        .unwrap();
    let (status, headers, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    parse_metrics(&body)
}

async fn post_chat(server: &GatewayServer, provider: Provider, model: &str) -> (u16, String) {
    let request = post(server.addr(), &stream_path(provider), &[], &chat(model));
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    (status, body)
}

#[tokio::test]
async fn metrics_parse_and_count() {
    let upstream = ReplayUpstream::new(Recordings::load(&fixtures_root()).unwrap())
        .pacing(Pacing::events().delay(Duration::from_millis(1)));
    let server = start(Gateway::new(upstream)).await;
    let before = metrics(&server).await;
    assert_eq!(sample(&before, "llm_sse_streams_open", ""), 0.0);

    // anthropic/text twice (25 in, 58 out each), openai/truncated (an error frame), a 400, a 404.
    assert_eq!(post_chat(&server, Provider::Anthropic, "text").await.0, 200);
    assert_eq!(post_chat(&server, Provider::Anthropic, "text").await.0, 200);
    assert_eq!(post_chat(&server, Provider::OpenAi, "truncated").await.0, 200);
    let request = post(server.addr(), &stream_path(Provider::Gemini), &[], "{}");
    assert_eq!(whole(send(server.addr(), request).await).await.0, 400);
    let request = post(server.addr(), "/v2/nothing", &[], "");
    assert_eq!(whole(send(server.addr(), request).await).await.0, 404);

    let after = metrics(&server).await;
    let s = |name: &str, labels: &str| sample(&after, name, labels);
    assert_eq!(s("llm_sse_requests_total", "provider=\"anthropic\",status=\"200\""), 2.0);
    assert_eq!(s("llm_sse_requests_total", "provider=\"openai\",status=\"200\""), 1.0);
    assert_eq!(s("llm_sse_requests_total", "provider=\"gemini\",status=\"400\""), 1.0);
    assert_eq!(s("llm_sse_requests_total", "provider=\"none\",status=\"404\""), 1.0);
    // The first /metrics request is counted too.
    assert_eq!(s("llm_sse_requests_total", "provider=\"none\",status=\"200\""), 1.0);
    assert_eq!(s("llm_sse_tokens_total", "kind=\"input\",provider=\"anthropic\""), 50.0);
    assert_eq!(s("llm_sse_tokens_total", "kind=\"output\",provider=\"anthropic\""), 116.0);
    assert_eq!(s("llm_sse_finish_reasons_total", "finish_reason=\"stop\",provider=\"anthropic\""), 2.0);
    assert_eq!(s("llm_sse_finish_reasons_total", "finish_reason=\"error\",provider=\"openai\""), 1.0);
    assert_eq!(s("llm_sse_errors_total", "provider=\"openai\",type=\"incomplete_stream\""), 1.0);
    assert_eq!(s("llm_sse_errors_total", "provider=\"gemini\",type=\"invalid_request\""), 1.0);
    assert_eq!(s("llm_sse_errors_total", "provider=\"none\",type=\"not_found\""), 1.0);
    assert_eq!(s("llm_sse_streams_open", ""), 0.0);
    assert_eq!(s("llm_sse_time_to_first_token_seconds_count", "provider=\"anthropic\""), 2.0);
    assert_eq!(s("llm_sse_stream_duration_seconds_count", "provider=\"anthropic\""), 2.0);
    assert_eq!(s("llm_sse_stream_duration_seconds_count", "provider=\"openai\""), 1.0);
    let ttft = s("llm_sse_time_to_first_token_seconds_sum", "provider=\"anthropic\"");
    let duration = s("llm_sse_stream_duration_seconds_sum", "provider=\"anthropic\"");
    assert!(ttft > 0.0 && ttft < duration, "{ttft} {duration}");
    assert_eq!(
        s("llm_sse_stream_duration_seconds_bucket", "le=\"+Inf\",provider=\"anthropic\""),
        2.0
    );
}

#[tokio::test]
async fn open_cancelled_and_retried_streams_are_counted() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("a"), Step::Stall]));
    let server = start(Gateway::new(upstream)).await;
    let mut raw = Raw::post(server.addr(), &stream_path(Provider::Gemini), &[], &chat("m")).await;
    assert_eq!(raw.head().await.status, 200);
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));
    assert_eq!(sample(&metrics(&server).await, "llm_sse_streams_open", ""), 1.0);
    drop(raw);
    probe.wait_dropped().await;
    let after = metrics(&server).await;
    assert_eq!(sample(&after, "llm_sse_streams_open", ""), 0.0);
    assert_eq!(sample(&after, "llm_sse_streams_cancelled_total", "provider=\"gemini\""), 1.0);

    // Retries are what the upstream reports.
    struct Retried(Scripted);
    impl llm_sse_tokio::gateway::Upstream for Retried {
        fn open(
            &self,
            provider: Provider,
            request: llm_sse_tokio::core::request::ChatRequest,
        ) -> llm_sse_tokio::gateway::OpenFuture<'_> {
            Box::pin(async move { Ok(self.0.open(provider, request).await?.with_retries(2)) })
        }
    }
    let (upstream, _) = Scripted::new(Plan::Steps(vec![token("a"), stop(Provider::OpenAi)]));
    let server = start(Gateway::new(Retried(upstream))).await;
    assert_eq!(post_chat(&server, Provider::OpenAi, "m").await.0, 200);
    assert_eq!(
        sample(&metrics(&server).await, "llm_sse_upstream_retries_total", "provider=\"openai\""),
        2.0
    );
}

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

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

// A current-thread runtime: every task of the server runs on this thread, where the
// subscriber below is the default, so parallel tests do not see each other's lines.
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
    let request = post(server.addr(), &path, &[auth, ("x-request-id", "req-1")], &chat("claude-sonnet-4-5"));
    let (status, _, body) = whole(send(server.addr(), request).await).await;
    assert_eq!(status, 200);
    assert!(body.ends_with("data: [DONE]\n\n"));
    let request_body = r#"{"model":"m","messages":[{"role":"user","content":"PRIVATE-CONTENT-7f3a"}],"temperature":9}"#;
    let request = post(server.addr(), &path, &[auth, ("x-request-id", "req-2")], request_body);
    assert_eq!(whole(send(server.addr(), request).await).await.0, 400);
    let request = post(server.addr(), &path, &[("x-request-id", "req-3")], &chat("m"));
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
    let ids: Vec<&str> = requests.iter().map(|l| l["request_id"].as_str().unwrap()).collect();
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

#[tokio::test(flavor = "current_thread")]
async fn a_failed_stream_logs_its_error_type() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let error = StreamError::new(StreamErrorKind::Provider("overloaded_error".into()), "Overloaded");
    let (upstream, _) = Scripted::new(Plan::Steps(vec![
        token("a"),
        Step::Chunk(done(Provider::Anthropic, Err(error))),
    ]));
    let server = start(Gateway::new(upstream)).await;
    assert_eq!(post_chat(&server, Provider::Anthropic, "m").await.0, 200);
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
