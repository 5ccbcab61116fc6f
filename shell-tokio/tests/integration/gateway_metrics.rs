//! `/metrics`: the text parses, and counts what happened.

use crate::gateway_support;
use crate::mock_support;

use std::collections::BTreeMap;
use std::time::Duration;

use gateway_support::*;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::gateway::{Gateway, GatewayServer, Recordings, ReplayUpstream};
use llm_sse_tokio::mock::Pacing;
use mock_support::*;

/// One sample of the metrics text: name, labels (sorted), value.
type Samples = BTreeMap<(String, String), f64>;

/// Parses the text format strictly enough to fail on anything malformed: `# HELP`/`# TYPE`
/// comments, `name{k="v",...} value` samples, and `# EOF` last.
fn parse_metrics(text: &str) -> Samples {
    let mut samples = Samples::new();
    let lines = text.lines();
    let mut saw_eof = false;
    for line in lines {
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
                    assert!(
                        k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                        "{line}"
                    );
                    assert!(v.starts_with('"') && v.ends_with('"'), "{line}");
                }
                pairs.sort();
                (name, pairs.join(","))
            }
            None => (series, String::new()),
        };
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{line}"
        );
        assert!(
            samples.insert((name.to_owned(), labels), value).is_none(),
            "duplicate {line}"
        );
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
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
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
    assert_eq!(
        post_chat(&server, Provider::OpenAi, "truncated").await.0,
        200
    );
    let request = post(server.addr(), &stream_path(Provider::Gemini), &[], "{}");
    assert_eq!(whole(send(server.addr(), request).await).await.0, 400);
    let request = post(server.addr(), "/v2/nothing", &[], "");
    assert_eq!(whole(send(server.addr(), request).await).await.0, 404);

    let after = metrics(&server).await;
    let s = |name: &str, labels: &str| sample(&after, name, labels);
    assert_eq!(
        s(
            "llm_sse_requests_total",
            "provider=\"anthropic\",status=\"200\""
        ),
        2.0
    );
    assert_eq!(
        s(
            "llm_sse_requests_total",
            "provider=\"openai\",status=\"200\""
        ),
        1.0
    );
    assert_eq!(
        s(
            "llm_sse_requests_total",
            "provider=\"gemini\",status=\"400\""
        ),
        1.0
    );
    assert_eq!(
        s("llm_sse_requests_total", "provider=\"none\",status=\"404\""),
        1.0
    );
    // The first /metrics request is counted too.
    assert_eq!(
        s("llm_sse_requests_total", "provider=\"none\",status=\"200\""),
        1.0
    );
    assert_eq!(
        s(
            "llm_sse_tokens_total",
            "kind=\"input\",provider=\"anthropic\""
        ),
        50.0
    );
    assert_eq!(
        s(
            "llm_sse_tokens_total",
            "kind=\"output\",provider=\"anthropic\""
        ),
        116.0
    );
    assert_eq!(
        s(
            "llm_sse_finish_reasons_total",
            "finish_reason=\"stop\",provider=\"anthropic\""
        ),
        2.0
    );
    assert_eq!(
        s(
            "llm_sse_finish_reasons_total",
            "finish_reason=\"error\",provider=\"openai\""
        ),
        1.0
    );
    assert_eq!(
        s(
            "llm_sse_errors_total",
            "provider=\"openai\",type=\"incomplete_stream\""
        ),
        1.0
    );
    assert_eq!(
        s(
            "llm_sse_errors_total",
            "provider=\"gemini\",type=\"invalid_request\""
        ),
        1.0
    );
    assert_eq!(
        s(
            "llm_sse_errors_total",
            "provider=\"none\",type=\"not_found\""
        ),
        1.0
    );
    assert_eq!(s("llm_sse_streams_open", ""), 0.0);
    assert_eq!(
        s(
            "llm_sse_time_to_first_token_seconds_count",
            "provider=\"anthropic\""
        ),
        2.0
    );
    assert_eq!(
        s(
            "llm_sse_stream_duration_seconds_count",
            "provider=\"anthropic\""
        ),
        2.0
    );
    assert_eq!(
        s(
            "llm_sse_stream_duration_seconds_count",
            "provider=\"openai\""
        ),
        1.0
    );
    let ttft = s(
        "llm_sse_time_to_first_token_seconds_sum",
        "provider=\"anthropic\"",
    );
    let duration = s(
        "llm_sse_stream_duration_seconds_sum",
        "provider=\"anthropic\"",
    );
    assert!(ttft > 0.0 && ttft < duration, "{ttft} {duration}");
    assert_eq!(
        s(
            "llm_sse_stream_duration_seconds_bucket",
            "le=\"+Inf\",provider=\"anthropic\""
        ),
        2.0
    );
}

#[tokio::test]
async fn open_cancelled_and_retried_streams_are_counted() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("a"), Step::Stall]));
    let server = start(Gateway::new(upstream)).await;
    let mut raw = Raw::post(
        server.addr(),
        &stream_path(Provider::Gemini),
        &[],
        &chat("m"),
    )
    .await;
    assert_eq!(raw.head().await.status, 200);
    assert!(matches!(raw.chunk().await, Chunk::Data(_)));
    assert_eq!(
        sample(&metrics(&server).await, "llm_sse_streams_open", ""),
        1.0
    );
    drop(raw);
    probe.wait_dropped().await;
    let after = metrics(&server).await;
    assert_eq!(sample(&after, "llm_sse_streams_open", ""), 0.0);
    assert_eq!(
        sample(
            &after,
            "llm_sse_streams_cancelled_total",
            "provider=\"gemini\""
        ),
        1.0
    );

    // Retries are what the upstream reports.
    struct Retried(Scripted);
    impl llm_sse_tokio::gateway::Upstream for Retried {
        fn open(
            &self,
            request: llm_sse_tokio::core::request::ValidRequest,
        ) -> llm_sse_tokio::gateway::OpenFuture<'_> {
            Box::pin(async move { Ok(self.0.open(request).await?.with_retries(2)) })
        }
    }
    let (upstream, _) = Scripted::new(Plan::Steps(vec![token("a"), stop(Provider::OpenAi)]));
    let server = start(Gateway::new(Retried(upstream))).await;
    assert_eq!(post_chat(&server, Provider::OpenAi, "m").await.0, 200);
    assert_eq!(
        sample(
            &metrics(&server).await,
            "llm_sse_upstream_retries_total",
            "provider=\"openai\""
        ),
        2.0
    );
}
