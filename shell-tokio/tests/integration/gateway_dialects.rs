//! The dialect endpoints, `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages`
//! (Anthropic), over the wire: every fixture of every provider through both, streamed and not,
//! against the core's golden files (the gateway's response id, `created` and model normalized);
//! a tool loop's second turn reaching each provider in its form; model names and aliases; `GET /v1/models`; the token in either SDK's header; each error in
//! each dialect's shape and status; `include_usage`; mid-stream errors from the real client in
//! front of the mock provider; keep-alive in each dialect's form; the client going away (the
//! upstream closes at once, streamed or not); the shutdown ending an open dialect stream.

use crate::gateway_support;
use crate::mock_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gateway_support::*;
use llm_sse_tokio::core::client::ProviderError;
use llm_sse_tokio::core::request::ChatRequest;
use llm_sse_tokio::core::{ApiError, Provider};
use llm_sse_tokio::gateway::{
    Gateway, GatewayServer, OpenFuture, Recordings, ReplayUpstream, Upstream, Upstreamed,
};
use llm_sse_tokio::mock::{MockProvider, Pacing};
use mock_support::*;
use tokio::time::Instant;

const COMPLETIONS: &str = "/v1/chat/completions";
const MESSAGES: &str = "/v1/messages";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A minimal request body in `path`'s dialect for `model`, plus `extra` top-level fields
/// (`,"stream":true`).
fn body(path: &str, model: &str, extra: &str) -> String {
    let messages = r#"[{"role":"user","content":"Hi"}]"#;
    if path == MESSAGES {
        format!(r#"{{"model":"{model}","max_tokens":256,"messages":{messages}{extra}}}"#)
    } else {
        format!(r#"{{"model":"{model}","messages":{messages}{extra}}}"#)
    }
}

/// POSTs `body` to `path` and returns the status, headers and body.
async fn call(
    server: &GatewayServer,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, http::HeaderMap, String) {
    whole(send(server.addr(), post(server.addr(), path, headers, body)).await).await
}

async fn get(
    server: &GatewayServer,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, String) {
    let mut builder = http::Request::get(format!("http://{}{path}", server.addr()))
        .header("host", server.addr().to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    whole(send(server.addr(), builder.body(Default::default()).unwrap()).await).await
}

/// Replaces `prefix` followed by 32 hex digits (a generated id) with `prefix` + `with`.
fn replace_ids(text: &str, prefix: &str, with: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let hex = after.len() >= 32 && after.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit);
        out.push_str(&rest[..at + prefix.len()]);
        if hex {
            out.push_str(with);
            rest = &after[32..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The gateway's output with its response meta as the golden files have it (see
/// `tests/tests/dialects.rs`): ids `chatcmpl-replay` / `msg_replay`, `created` 0 (after
/// checking that it is the time of the call), the provider's name as the model.
fn normalized(text: &str, model: &str, provider: Provider, called: (u64, u64)) -> String {
    let mut text = replace_ids(text, "chatcmpl-", "replay");
    text = replace_ids(&text, "msg_", "replay");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\"created\":") {
        let after = &rest[at + 10..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let created: u64 = after[..digits].parse().unwrap();
        assert!(
            (called.0..=called.1).contains(&created),
            "created {created} is not the time of the call {called:?}"
        );
        out.push_str(&rest[..at]);
        out.push_str("\"created\":0");
        rest = &after[digits..];
    }
    out.push_str(rest);
    out.replace(
        &format!("\"model\":\"{model}\""),
        &format!("\"model\":\"{provider}\""),
    )
}

fn golden_file(provider: Provider, name: &str, suffix: &str) -> String {
    let path = fixtures_root()
        .join(provider.as_str())
        .join("dialects")
        .join(format!("{name}.{suffix}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn every_fixture_in_both_dialects_streamed_and_whole() {
    let recordings = Recordings::load(&fixtures_root()).unwrap();
    let upstream = ReplayUpstream::new(recordings.clone()).pacing(Pacing::events());
    let server = start(Gateway::new(upstream)).await;
    let mut failures = Vec::new();
    let mut count = 0;
    for provider in Provider::ALL {
        for name in recordings.names(provider) {
            let model = format!("{provider}/{name}");
            for (path, dialect) in [(COMPLETIONS, "openai"), (MESSAGES, "anthropic")] {
                // Streamed (the OpenAI goldens were made with include_usage).
                let extra = if path == COMPLETIONS {
                    r#","stream":true,"stream_options":{"include_usage":true}"#
                } else {
                    r#","stream":true"#
                };
                let before = unix_now();
                let (status, headers, streamed) =
                    call(&server, path, &[], &body(path, &model, extra)).await;
                let called = (before, unix_now());
                assert_eq!(status, 200, "{model} {path}: {streamed}");
                assert_eq!(headers["content-type"], "text/event-stream");
                assert_eq!(headers["cache-control"], "no-cache");
                assert_eq!(headers["x-accel-buffering"], "no");
                let expected = golden_file(provider, name, &format!("{dialect}.sse"));
                let got = normalized(&streamed, &model, provider, called);
                if got != expected {
                    failures.push(format!(
                        "{model} {path} streamed:\n{got}\n--- expected\n{expected}"
                    ));
                }

                // Whole: `HTTP <status>`, a blank line, the body, as the golden files have it.
                let before = unix_now();
                let (status, headers, answer) =
                    call(&server, path, &[], &body(path, &model, "")).await;
                let called = (before, unix_now());
                assert_eq!(headers["content-type"], "application/json");
                let got = format!(
                    "HTTP {status}\n\n{}\n",
                    normalized(&answer, &model, provider, called)
                );
                let expected = golden_file(provider, name, &format!("{dialect}.http"));
                if got != expected {
                    failures.push(format!(
                        "{model} {path} whole:\n{got}\n--- expected\n{expected}"
                    ));
                }
                count += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let on_disk: usize = Provider::ALL.iter().map(|&p| all_fixtures(p).len()).sum();
    assert_eq!(count, 2 * on_disk);
}

#[tokio::test]
async fn response_ids_are_new_for_each_response_and_name_the_requested_model() {
    let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(Pacing::events());
    let server = start(Gateway::new(upstream)).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, _, answer) = call(
            &server,
            COMPLETIONS,
            &[],
            &body(COMPLETIONS, "gemini/gemini-2.5-pro", ""),
        )
        .await;
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(json["model"], "gemini/gemini-2.5-pro");
        let id = json["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), "chatcmpl-".len() + 32, "{id}");
        ids.push(id);
        let (_, _, answer) =
            call(&server, MESSAGES, &[], &body(MESSAGES, "openai/gpt-4o", "")).await;
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(json["model"], "openai/gpt-4o");
        let id = json["id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("msg_") && id.len() == 4 + 32, "{id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

/// An upstream that records which provider and request it was opened with, and answers with
/// one token and a normal end.
#[derive(Default, Clone)]
struct Recorder {
    calls: Arc<Mutex<Vec<(Provider, ChatRequest)>>>,
}

impl Upstream for Recorder {
    fn open(&self, request: llm_sse_tokio::core::request::ValidRequest) -> OpenFuture<'_> {
        let provider = request.provider();
        self.calls
            .lock()
            .unwrap()
            .push((provider, request.into_request()));
        Box::pin(async move {
            let chunks = vec![
                llm_sse_tokio::core::StreamChunk::Token("ok".into()),
                done(provider, Ok(llm_sse_tokio::core::FinishReason::Stop)),
            ];
            Ok(Upstreamed::new(Chunks(chunks.into())))
        })
    }
}

struct Chunks(std::collections::VecDeque<llm_sse_tokio::core::StreamChunk>);

impl futures_core::Stream for Chunks {
    type Item = llm_sse_tokio::core::StreamChunk;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.pop_front())
    }
}

impl llm_sse_tokio::gateway::UpstreamStream for Chunks {
    fn abort(mut self: std::pin::Pin<&mut Self>, error: llm_sse_tokio::core::StreamError) {
        // Everything is here: the terminal chunk ends with the error.
        if let Some(llm_sse_tokio::core::StreamChunk::Done(finish)) = self.0.back_mut() {
            finish.outcome = Err(error);
        }
    }
}

fn models(aliases: &[&str]) -> llm_sse_tokio::core::gateway::Models {
    let mut models = llm_sse_tokio::core::gateway::Models::new();
    for alias in aliases {
        models.add(alias.parse().unwrap()).unwrap();
    }
    models
}

#[tokio::test]
async fn models_are_named_provider_slash_model_by_an_alias_or_as_users_type_them() {
    let recorder = Recorder::default();
    let gateway = Gateway::new(recorder.clone()).models(models(&[
        "fast=gemini/gemini-2.5-flash",
        "openai/gpt-4o=anthropic/claude-opus-4-1",
    ]));
    let server = start(gateway).await;
    let cases = [
        ("fast", Provider::Gemini, "gemini-2.5-flash"),
        // An alias is looked up first, so it redirects even a provider/model name.
        ("openai/gpt-4o", Provider::Anthropic, "claude-opus-4-1"),
        ("openai/gpt-4.1-mini", Provider::OpenAi, "gpt-4.1-mini"),
        // An OpenAI-compatible server's model with a slash of its own.
        (
            "openai/meta-llama/Llama-3.3-70B",
            Provider::OpenAi,
            "meta-llama/Llama-3.3-70B",
        ),
        (
            "anthropic/claude-sonnet-4-5",
            Provider::Anthropic,
            "claude-sonnet-4-5",
        ),
        // Model names as users type them: the provider told by the prefix.
        (
            "claude-sonnet-4-5",
            Provider::Anthropic,
            "claude-sonnet-4-5",
        ),
        ("gpt-4o-mini", Provider::OpenAi, "gpt-4o-mini"),
        ("o3-mini", Provider::OpenAi, "o3-mini"),
        ("gemini-2.5-flash", Provider::Gemini, "gemini-2.5-flash"),
    ];
    for path in [COMPLETIONS, MESSAGES] {
        for (model, provider, provider_model) in cases {
            recorder.calls.lock().unwrap().clear();
            let (status, _, answer) = call(&server, path, &[], &body(path, model, "")).await;
            assert_eq!(status, 200, "{model}: {answer}");
            let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
            // The client sees the name it asked for.
            assert_eq!(json["model"], model);
            let calls = recorder.calls.lock().unwrap();
            assert_eq!(calls.len(), 1);
            assert_eq!(calls[0].0, provider, "{model}");
            assert_eq!(calls[0].1.model, provider_model, "{model}");
        }
    }

    // Names that resolve to nothing: 404 in each dialect's shape, and no upstream call.
    recorder.calls.lock().unwrap().clear();
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "mistral-large-latest", ""),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        answer,
        r#"{"error":{"message":"model: \"mistral-large-latest\" names no provider: name a model as provider/model (such as anthropic/claude-sonnet-4-5, openai/gpt-4.1-mini or gemini/gemini-2.5-flash), by its own name when that starts with claude-, gpt-, o1, o3, o4, chatgpt- or gemini-, or by an alias (the aliases are fast, openai/gpt-4o)","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#
    );
    let (status, _, answer) =
        call(&server, MESSAGES, &[], &body(MESSAGES, "mistral/large", "")).await;
    assert_eq!(status, 404);
    assert!(
        answer.starts_with(
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: \"mistral/large\" names the provider \"mistral\""#
        ),
        "{answer}"
    );
    let (status, _, _) = call(&server, MESSAGES, &[], &body(MESSAGES, "gemini/", "")).await;
    assert_eq!(status, 404);
    assert!(recorder.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_model_list() {
    let recorder = Recorder::default();
    let before = unix_now();
    let server = start(Gateway::new(recorder.clone())).await;
    let after = unix_now();
    let (status, headers, list) = get(&server, "/v1/models", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    let json: serde_json::Value = serde_json::from_str(&list).unwrap();
    let created = json["data"][0]["created"].as_u64().unwrap();
    assert!((before..=after).contains(&created), "{created}");
    // Without aliases: each provider's default model.
    assert_eq!(
        list,
        format!(
            concat!(
                r#"{{"object":"list","data":["#,
                r#"{{"id":"anthropic/claude-sonnet-4-5","object":"model","created":{c},"owned_by":"anthropic"}},"#,
                r#"{{"id":"openai/gpt-4.1-mini","object":"model","created":{c},"owned_by":"openai"}},"#,
                r#"{{"id":"gemini/gemini-2.5-flash","object":"model","created":{c},"owned_by":"gemini"}},"#,
                r#"{{"id":"bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0","object":"model","created":{c},"owned_by":"bedrock"}},"#,
                r#"{{"id":"vertex/claude-sonnet-4-5@20250929","object":"model","created":{c},"owned_by":"vertex"}}]}}"#
            ),
            c = created
        )
    );
    // With aliases: the aliases, in order; and the token is needed when set.
    let server = start(
        Gateway::new(recorder.clone())
            .models(models(&[
                "smart=anthropic/claude-opus-4-1",
                "fast=gemini/gemini-2.5-flash",
            ]))
            .token("tok"),
    )
    .await;
    let (status, _, _) = get(&server, "/v1/models", &[]).await;
    assert_eq!(status, 401);
    let (status, _, list) = get(&server, "/v1/models", &[("x-api-key", "tok")]).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<(&str, &str)> = json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap(), m["owned_by"].as_str().unwrap()))
        .collect();
    assert_eq!(ids, [("smart", "anthropic"), ("fast", "gemini")]);
    let (status, _, _) = call(&server, "/v1/models", &[("x-api-key", "tok")], "").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn the_token_in_either_sdks_header() {
    let recorder = Recorder::default();
    let server = start(Gateway::new(recorder.clone()).token("s3cret")).await;
    let model = "openai/gpt-4.1-mini";
    for path in [COMPLETIONS, MESSAGES] {
        for headers in [
            vec![],
            vec![("authorization", "Bearer wrong")],
            vec![("x-api-key", "wrong")],
            vec![("x-api-key", "Bearer s3cret")],
            vec![("authorization", "s3cret")],
        ] {
            let (status, response_headers, answer) =
                call(&server, path, &headers, &body(path, model, "")).await;
            assert_eq!(status, 401, "{path} {headers:?}");
            assert_eq!(response_headers["www-authenticate"], "Bearer");
            assert!(!answer.contains("s3cret"), "{answer}");
            let expected = if path == COMPLETIONS {
                r#"{"error":{"message":"this gateway requires its token, as Authorization: Bearer <token> or x-api-key: <token>","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
            } else {
                r#"{"type":"error","error":{"type":"authentication_error","message":"this gateway requires its token, as Authorization: Bearer <token> or x-api-key: <token>"}}"#
            };
            assert_eq!(answer, expected);
        }
        for headers in [
            [("authorization", "Bearer s3cret")],
            [("x-api-key", "s3cret")],
        ] {
            let (status, _, answer) = call(&server, path, &headers, &body(path, model, "")).await;
            assert_eq!(status, 200, "{path} {headers:?}: {answer}");
        }
    }
    assert_eq!(recorder.calls.lock().unwrap().len(), 4);
    // The stream route takes x-api-key too.
    let (status, _, _) = call(
        &server,
        &stream_path(Provider::OpenAi),
        &[("x-api-key", "s3cret")],
        &chat("m"),
    )
    .await;
    assert_eq!(status, 200);
}

/// The status and body a `Scripted` upstream failing with `error` gets on `path`.
async fn upstream_failure(path: &str, model: &str, error: ProviderError) -> (u16, String, String) {
    let (upstream, probe) = Scripted::new(Plan::Fail(error));
    let server = start(Gateway::new(upstream)).await;
    let (status, headers, answer) = call(&server, path, &[], &body(path, model, "")).await;
    assert_eq!(probe.opened(), 1);
    let retry_after = headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, retry_after, answer)
}

#[tokio::test]
async fn errors_before_the_stream_in_each_dialects_shape() {
    let recorder = Recorder::default();
    let server = start(Gateway::new(recorder.clone())).await;
    // Not JSON.
    let (status, _, answer) = call(&server, COMPLETIONS, &[], "{not json").await;
    assert_eq!(status, 400);
    assert!(
        answer.starts_with(r#"{"error":{"message":""#)
            && answer.ends_with(r#"","type":"invalid_request_error","param":null,"code":null}}"#),
        "{answer}"
    );
    let (status, _, answer) = call(&server, MESSAGES, &[], "[]").await;
    assert_eq!(status, 400);
    assert!(
        answer
            .starts_with(r#"{"type":"error","error":{"type":"invalid_request_error","message":""#),
        "{answer}"
    );
    // An unknown field, named.
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "openai/gpt-4o", r#","top_j":1"#),
    )
    .await;
    assert_eq!(status, 400);
    let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(json["error"]["param"], "top_j");
    // A field passed through only to the dialect's own provider.
    let (status, _, answer) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "gemini/gemini-2.5-flash", r#","top_k":5"#),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"top_k: is passed only to Anthropic models, not to Gemini (model gemini-2.5-flash)"}}"#
    );
    // What the provider does not accept, named as the client wrote it.
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(
            COMPLETIONS,
            "anthropic/claude-sonnet-4-5",
            r#","temperature":1.5"#,
        ),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        answer,
        r#"{"error":{"message":"temperature: 1.5 is outside the range anthropic accepts (0 to 1)","type":"invalid_request_error","param":"temperature","code":null}}"#
    );
    // Another method.
    let (status, headers, answer) = get(&server, MESSAGES, &[]).await;
    assert_eq!(status, 405);
    assert_eq!(headers["allow"], "POST");
    assert_eq!(
        answer,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"method GET is not allowed here (allowed: POST)"}}"#
    );
    // A body over the limit.
    let large = body(
        MESSAGES,
        &"m".repeat(llm_sse_tokio::gateway::MAX_REQUEST_BODY),
        "",
    );
    let (status, _, answer) = call(&server, MESSAGES, &[], &large).await;
    assert_eq!(status, 413);
    assert_eq!(
        answer,
        r#"{"type":"error","error":{"type":"request_too_large","message":"the request body is larger than 1048576 bytes"}}"#
    );
    assert!(recorder.calls.lock().unwrap().is_empty());

    // The provider's refusals: its own shape passed on to a client of the same API, the
    // dialect's type for the status otherwise; Retry-After kept.
    let limited = || ProviderError::RateLimited {
        error: ApiError::new(Provider::OpenAi, 429, "Rate limit reached"),
        retry_after: Some(Duration::from_millis(2500)),
    };
    let (status, retry_after, answer) =
        upstream_failure(COMPLETIONS, "openai/gpt-4o", limited()).await;
    assert_eq!((status, retry_after.as_str()), (429, "3"));
    assert_eq!(
        answer,
        r#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
    );
    let (status, retry_after, answer) =
        upstream_failure(MESSAGES, "openai/gpt-4o", limited()).await;
    assert_eq!((status, retry_after.as_str()), (429, "3"));
    assert_eq!(
        answer,
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"OpenAI requests: Rate limit reached"}}"#
    );
    // An overloaded provider: 503, as on the native route (the table in
    // `llm_sse_core::gateway`), with the provider's own error for a client of its API.
    let overloaded =
        || ProviderError::Unavailable(ApiError::new(Provider::Anthropic, 529, "Overloaded"));
    let (status, _, answer) =
        upstream_failure(MESSAGES, "anthropic/claude-sonnet-4-5", overloaded()).await;
    assert_eq!(status, 503);
    assert_eq!(
        answer,
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
    );
    let (status, _, answer) =
        upstream_failure(COMPLETIONS, "anthropic/claude-sonnet-4-5", overloaded()).await;
    assert_eq!(status, 503);
    assert_eq!(
        answer,
        r#"{"error":{"message":"Anthropic overloaded_error: Overloaded","type":"server_error","param":null,"code":null}}"#
    );
}

#[tokio::test]
async fn errors_from_the_real_client_in_front_of_the_mock() {
    // No key for the provider: the gateway cannot serve that provider, 503 as on the native
    // route (in OpenAI's shape).
    let mock = MockProvider::new(Provider::Gemini, fixture(Provider::Gemini, "text"))
        .require_api_key("sk-right")
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, None))).await;
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "gemini/gemini-2.5-flash", ""),
    )
    .await;
    assert_eq!(status, 503);
    assert!(answer.contains("GEMINI_API_KEY"), "{answer}");
    // A key the provider refuses: 502, the client's own credentials are not in question.
    let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-wrong")))).await;
    let (status, _, answer) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "gemini/gemini-2.5-flash", ""),
    )
    .await;
    assert_eq!(status, 502);
    assert!(
        answer.starts_with(r#"{"type":"error","error":{"type":"api_error","#),
        "{answer}"
    );
    assert!(!answer.contains("sk-wrong"), "{answer}");

    // A rate limit with retry-after, through the client's error handling.
    let mock = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(1, 429)
        .retry_after(7)
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    let (status, headers, answer) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "anthropic/claude-sonnet-4-5", r#","stream":true"#),
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "7");
    assert!(
        answer.starts_with(r#"{"type":"error","error":{"type":"rate_limit_error","#),
        "{answer}"
    );
    // The next call goes through, and the provider got the request it should.
    let (status, _, streamed) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "anthropic/claude-sonnet-4-5", r#","stream":true"#),
    )
    .await;
    assert_eq!(status, 200);
    assert!(streamed.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
    let sent = mock.requests()[1].json().unwrap();
    assert_eq!(sent["model"], "claude-sonnet-4-5");
    assert_eq!(sent["max_tokens"], 256);
    assert_eq!(sent["messages"][0]["content"][0]["text"], "Hi");
}

#[tokio::test]
async fn include_usage_adds_the_usage_chunk() {
    let recordings = Recordings::load(&fixtures_root()).unwrap();
    let upstream = ReplayUpstream::new(recordings).pacing(Pacing::events());
    let server = start(Gateway::new(upstream)).await;
    let chunks = |text: &str| -> Vec<serde_json::Value> {
        text.split("\n\n")
            .filter_map(|event| event.strip_prefix("data: "))
            .filter(|data| *data != "[DONE]")
            .map(|data| serde_json::from_str(data).unwrap())
            .collect()
    };
    // Recordings that report usage.
    for (provider, name) in [
        (Provider::Anthropic, "text"),
        (Provider::OpenAi, "include_usage"),
        (Provider::Gemini, "text"),
    ] {
        let model = format!("{provider}/{name}");
        let (_, _, without) = call(
            &server,
            COMPLETIONS,
            &[],
            &body(COMPLETIONS, &model, r#","stream":true"#),
        )
        .await;
        assert!(without.ends_with("data: [DONE]\n\n"));
        assert!(
            chunks(&without).iter().all(|c| c.get("usage").is_none()),
            "{without}"
        );
        let (_, _, with) = call(
            &server,
            COMPLETIONS,
            &[],
            &body(
                COMPLETIONS,
                &model,
                r#","stream":true,"stream_options":{"include_usage":true}"#,
            ),
        )
        .await;
        let with = chunks(&with);
        let last = with.last().unwrap();
        assert_eq!(last["choices"], serde_json::json!([]), "{provider}");
        let usage = &last["usage"];
        assert!(usage["prompt_tokens"].as_u64().unwrap() > 0, "{provider}");
        assert_eq!(
            usage["total_tokens"].as_u64().unwrap(),
            usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap()
        );
        // The usage chunk is the only difference.
        assert_eq!(with.len(), chunks(&without).len() + 1);
    }
    // A provider that reported no usage: no usage chunk to send.
    let (_, _, with) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(
            COMPLETIONS,
            "openai/text",
            r#","stream":true,"stream_options":{"include_usage":true}"#,
        ),
    )
    .await;
    assert!(
        chunks(&with).iter().all(|c| c.get("usage").is_none()),
        "{with}"
    );
}

#[tokio::test]
async fn a_provider_error_mid_stream_through_the_real_client() {
    let cases = [
        (
            Provider::Anthropic,
            "error_mid_stream",
            "overloaded_error",
            503,
        ),
        (Provider::OpenAi, "error_event", "rate_limit_exceeded", 429),
        (Provider::Gemini, "error", "UNAVAILABLE", 503),
    ];
    for (provider, name, error_type, status) in cases {
        let mock = MockProvider::new(provider, fixture(provider, name))
            .start()
            .await
            .unwrap();
        let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
        let model = format!("{provider}/{}", provider.default_model());
        // OpenAI: text chunks, then a chunk with `error`, then [DONE].
        let (status_code, _, streamed) = call(
            &server,
            COMPLETIONS,
            &[],
            &body(COMPLETIONS, &model, r#","stream":true"#),
        )
        .await;
        assert_eq!(status_code, 200);
        assert!(
            streamed.contains("\"delta\":{\"content\":"),
            "{name}: {streamed}"
        );
        let events: Vec<&str> = streamed.split_terminator("\n\n").collect();
        assert_eq!(events.last(), Some(&"data: [DONE]"), "{name}");
        let error: serde_json::Value =
            serde_json::from_str(events[events.len() - 2].strip_prefix("data: ").unwrap()).unwrap();
        assert_eq!(error["choices"], serde_json::json!([]), "{name}");
        assert_eq!(error["error"]["type"], error_type, "{name}");
        // Anthropic: the text, then `event: error` and nothing after it.
        let (_, _, streamed) = call(
            &server,
            MESSAGES,
            &[],
            &body(MESSAGES, &model, r#","stream":true"#),
        )
        .await;
        assert!(
            streamed.contains("\"type\":\"text_delta\""),
            "{name}: {streamed}"
        );
        let last = streamed.split_terminator("\n\n").last().unwrap();
        assert!(
            last.starts_with("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\""),
            "{name}: {last}"
        );
        assert!(last.contains(error_type), "{name}: {last}");
        // Not streamed: the gateway's answer to the status the error stands for (a 429 with
        // `Retry-After`).
        let (status_code, headers, _) =
            call(&server, MESSAGES, &[], &body(MESSAGES, &model, "")).await;
        assert_eq!(status_code, status, "{name}");
        let retry_after = headers.get("retry-after").map(|v| v.to_str().unwrap());
        assert_eq!(retry_after, (status == 429).then_some("1"), "{name}");
    }

    // A connection cut in the middle: the client's connection_error, in the dialect's form.
    let recording = fixture(Provider::OpenAi, "text");
    let mock = MockProvider::new(Provider::OpenAi, recording.clone())
        .cut_after(recording.len() / 2)
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    let (_, _, streamed) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "openai/gpt-4o", r#","stream":true"#),
    )
    .await;
    assert!(streamed.contains("\"type\":\"text_delta\""), "{streamed}");
    let last = streamed.split_terminator("\n\n").last().unwrap();
    assert!(
        last.starts_with(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"connection_error\",\"message\":\"the connection to the provider failed"
        ),
        "{last}"
    );
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "openai/gpt-4o", ""),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
}

#[tokio::test]
async fn keep_alive_in_each_dialects_form() {
    for (path, expected) in [
        (COMPLETIONS, ": ping\n\n"),
        (MESSAGES, "event: ping\ndata: {\"type\":\"ping\"}\n\n"),
    ] {
        let (upstream, probe) = Scripted::new(Plan::Steps(vec![
            token("before"),
            Step::Gate,
            token("after"),
            stop(Provider::Gemini),
        ]));
        let server = start(Gateway::new(upstream).keep_alive(Duration::from_millis(200))).await;
        // The quiet spell starts when the gateway writes the first frame, at some moment after
        // the request was sent (the client reads that frame later still): two keep-alives take
        // at least 400 ms from here.
        let sent = Instant::now();
        let mut raw = Raw::post(
            server.addr(),
            path,
            &[],
            &body(path, "gemini/gemini-2.5-flash", r#","stream":true"#),
        )
        .await;
        assert_eq!(raw.head().await.status, 200);
        let Chunk::Data(first) = raw.chunk().await else {
            panic!("no first chunk")
        };
        let first = String::from_utf8(first).unwrap();
        assert!(first.contains("before"), "{first}");
        // Then the keep-alive, once per quiet spell.
        for _ in 0..2 {
            let Chunk::Data(data) = raw.chunk().await else {
                panic!("no keep-alive")
            };
            assert_eq!(String::from_utf8(data).unwrap(), expected, "{path}");
        }
        assert!(sent.elapsed() >= Duration::from_millis(400), "{path}");
        probe.release();
        let (rest, end) = raw.chunks().await;
        assert_eq!(end, Chunk::End);
        let rest: Vec<u8> = rest.into_iter().flat_map(|(_, d)| d).collect();
        assert!(String::from_utf8(rest).unwrap().contains("after"));
    }
}

/// The spec: the upstream sees its connection close within 100 ms of the client leaving.
const NOTICE: Duration = Duration::from_millis(100);

#[tokio::test]
async fn a_client_going_away_closes_the_upstream_at_once() {
    // A provider that sends its first text, then nothing (its connection stays open).
    let recording = fixture(Provider::Anthropic, "text");
    let text = String::from_utf8(recording.to_vec()).unwrap();
    let delta = text.find("text_delta").unwrap();
    let first_token_end = delta + text[delta..].find("\n\n").unwrap() + 2;
    for (path, stream) in [
        (COMPLETIONS, true),
        (MESSAGES, true),
        (COMPLETIONS, false),
        (MESSAGES, false),
    ] {
        let mock = MockProvider::new(Provider::Anthropic, recording.clone())
            .stall_after(first_token_end)
            .start()
            .await
            .unwrap();
        let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
        let extra = if stream { r#","stream":true"# } else { "" };
        let mut raw = Raw::post(
            server.addr(),
            path,
            &[],
            &body(path, "anthropic/claude-sonnet-4-5", extra),
        )
        .await;
        if stream {
            assert_eq!(raw.head().await.status, 200);
            assert!(matches!(raw.chunk().await, Chunk::Data(_)));
        } else {
            // The gateway is folding the answer: the provider has sent its first text.
            let requests = within(mock.wait_for_requests(1)).await;
            assert_eq!(requests[0].status, 200);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let left = Instant::now();
        drop(raw);
        let connection = mock.requests()[0].connection;
        let closed = within(mock.wait_for_connection_close(connection))
            .await
            .unwrap();
        let took = closed.saturating_duration_since(left);
        eprintln!("{path} stream={stream}: the upstream closed {took:?} after the client left");
        assert!(took < NOTICE, "{path} stream={stream}: {took:?}");
    }
}

#[tokio::test]
async fn the_shutdown_ends_an_open_dialect_stream_in_its_form() {
    let (upstream, probe) = Scripted::new(Plan::Steps(vec![token("first"), Step::Stall]));
    let server = start(Gateway::new(upstream).shutdown_grace(Duration::from_millis(200))).await;
    let addr = server.addr();
    let mut client = h1(addr).await;
    let request = post(
        addr,
        MESSAGES,
        &[],
        &body(MESSAGES, "anthropic/claude-sonnet-4-5", r#","stream":true"#),
    );
    let mut b1 = within(client.send_request(request))
        .await
        .unwrap()
        .into_body();
    assert!(next_data(&mut b1).await.unwrap().contains("first"));
    let mut client = h1(addr).await;
    let request = post(
        addr,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "anthropic/claude-sonnet-4-5", ""),
    );
    let pending =
        tokio::spawn(
            async move { whole(within(client.send_request(request)).await.unwrap()).await },
        );
    // Let the non-streaming request reach its upstream.
    within(async {
        while probe.opened() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    within(server.shutdown()).await;
    let mut rest = String::new();
    while let Some(data) = next_data(&mut b1).await {
        rest.push_str(&data);
    }
    assert!(
        rest.ends_with("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"connection_error\",\"message\":\"the gateway shut down before the stream ended\"}}\n\n"),
        "{rest}"
    );
    let (status, _, answer) = within(pending).await.unwrap();
    assert_eq!(status, 502);
    assert_eq!(
        answer,
        r#"{"error":{"message":"connection_error: the gateway shut down before the stream ended","type":"server_error","param":null,"code":null}}"#
    );
}

#[tokio::test]
async fn a_non_streaming_answer_is_bounded() {
    let (upstream, probe) = Scripted::new(Plan::Endless(64 << 10));
    let server = start(Gateway::new(upstream)).await;
    let (status, _, answer) = call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "openai/gpt-4o", ""),
    )
    .await;
    assert_eq!(status, 502);
    assert!(
        answer.contains("ask for it with \\\"stream\\\": true"),
        "{answer}"
    );
    let limit = llm_sse_tokio::gateway::MAX_NON_STREAMING_ANSWER;
    assert!(probe.pulled() > limit && probe.pulled() <= limit + (64 << 10));
}

#[tokio::test]
async fn dialect_requests_in_the_metrics() {
    let upstream = ReplayUpstream::new(Recordings::bundled()).pacing(Pacing::events());
    let server = start(Gateway::new(upstream)).await;
    call(
        &server,
        COMPLETIONS,
        &[],
        &body(COMPLETIONS, "gemini/text", ""),
    )
    .await;
    call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "anthropic/text", r#","stream":true"#),
    )
    .await;
    call(&server, MESSAGES, &[], &body(MESSAGES, "nobody", "")).await;
    let (_, _, metrics) = get(&server, "/metrics", &[]).await;
    for line in [
        r#"llm_sse_requests_total{provider="gemini",status="200"} 1"#,
        r#"llm_sse_requests_total{provider="anthropic",status="200"} 1"#,
        r#"llm_sse_requests_total{provider="none",status="404"} 1"#,
        r#"llm_sse_errors_total{provider="none",type="unknown_model"} 1"#,
        r#"llm_sse_finish_reasons_total{provider="gemini",finish_reason="stop"} 1"#,
        r#"llm_sse_finish_reasons_total{provider="anthropic",finish_reason="stop"} 1"#,
        "llm_sse_streams_open 0",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
}

/// A tool loop's second turn in each dialect: the provider gets the call and its result in its
/// own form.
#[tokio::test]
async fn a_tool_result_reaches_each_provider_in_its_form() {
    let openai_turn = r#"{"model":"MODEL","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"messages":[
        {"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},
        {"role":"tool","tool_call_id":"call_1","content":"18 C in Paris"}]}"#;
    let anthropic_turn = r#"{"model":"MODEL","max_tokens":256,"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"messages":[
        {"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"location":"Paris"}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18 C in Paris"}]}]}"#;
    for provider in Provider::ALL {
        for (path, turn) in [(COMPLETIONS, openai_turn), (MESSAGES, anthropic_turn)] {
            let mock = MockProvider::new(provider, fixture(provider, "text"))
                .start()
                .await
                .unwrap();
            let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
            let model = format!("{provider}/{}", provider.default_model());
            let (status, _, answer) =
                call(&server, path, &[], &turn.replace("MODEL", &model)).await;
            assert_eq!(status, 200, "{provider} {path}: {answer}");
            let sent = mock.requests()[0].json().unwrap();
            let args = serde_json::json!({"location": "Paris"});
            match provider {
                // Anthropic's form, on Anthropic and on the cloud platforms.
                Provider::Anthropic | Provider::Bedrock | Provider::Vertex => {
                    let messages = &sent["messages"];
                    assert_eq!(
                        messages[1]["content"][0],
                        serde_json::json!({"type":"tool_use","id":"call_1","name":"get_weather","input":args}),
                        "{path}: {sent}"
                    );
                    let result = &messages[2]["content"][0];
                    assert_eq!(result["type"], "tool_result", "{path}: {sent}");
                    assert_eq!(result["tool_use_id"], "call_1", "{path}: {sent}");
                    assert!(
                        result["content"].to_string().contains("18 C in Paris"),
                        "{sent}"
                    );
                }
                Provider::OpenAi => {
                    let messages = &sent["messages"];
                    let call = &messages[1]["tool_calls"][0];
                    assert_eq!(call["id"], "call_1", "{path}: {sent}");
                    assert_eq!(call["function"]["name"], "get_weather");
                    let sent_args: serde_json::Value =
                        serde_json::from_str(call["function"]["arguments"].as_str().unwrap())
                            .unwrap();
                    assert_eq!(sent_args, args);
                    assert_eq!(messages[2]["role"], "tool", "{path}: {sent}");
                    assert_eq!(messages[2]["tool_call_id"], "call_1");
                    assert!(messages[2]["content"].to_string().contains("18 C in Paris"));
                }
                Provider::Gemini => {
                    let contents = &sent["contents"];
                    let call = &contents[1]["parts"][0]["functionCall"];
                    assert_eq!(call["name"], "get_weather", "{path}: {sent}");
                    assert_eq!(call["args"], args, "{path}: {sent}");
                    let response = &contents[2]["parts"][0]["functionResponse"];
                    assert_eq!(response["name"], "get_weather", "{path}: {sent}");
                    assert_eq!(
                        response["response"],
                        serde_json::json!({"output": "18 C in Paris"}),
                        "{path}: {sent}"
                    );
                }
                _ => unreachable!("a provider the tests do not know"),
            }
        }
    }
}

/// Prompt caching through `POST /v1/messages`: the client's `cache_control` reaches a Claude
/// model (on Anthropic, Bedrock or Vertex AI) where it was written (the top-level one on the
/// last block), the answer's usage reports the cache reads and writes; OpenAI and Gemini models
/// get the request without it (they cache by themselves); a malformed one is a 400 naming it.
#[tokio::test]
async fn cache_control_through_the_messages_endpoint() {
    let turn = r#"{"model":"MODEL","max_tokens":256,"stream":true,
        "system":[{"type":"text","text":"A long contract.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
        "messages":[{"role":"user","content":"Is a notice dated today in time?"}],
        "cache_control":{"type":"ephemeral"}}"#;
    for provider in Provider::ALL {
        let claude = matches!(
            provider,
            Provider::Anthropic | Provider::Bedrock | Provider::Vertex
        );
        let recording = if claude { "prompt_cache" } else { "text" };
        let mock = MockProvider::new(provider, fixture(provider, recording))
            .start()
            .await
            .unwrap();
        let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
        let model = format!("{provider}/{}", provider.default_model());
        let (status, _, answer) =
            call(&server, MESSAGES, &[], &turn.replace("MODEL", &model)).await;
        assert_eq!(status, 200, "{provider}: {answer}");
        let sent = mock.requests()[0].json().unwrap();
        if claude {
            assert_eq!(
                sent["system"],
                serde_json::json!([{"type": "text", "text": "A long contract.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}]),
                "{sent}"
            );
            assert_eq!(
                sent["messages"],
                serde_json::json!([{"role": "user", "content": [{"type": "text", "text": "Is a notice dated today in time?", "cache_control": {"type": "ephemeral"}}]}]),
                "{sent}"
            );
            assert!(
                answer.contains(r#""usage":{"input_tokens":3,"cache_creation_input_tokens":248,"cache_read_input_tokens":1800,"output_tokens":29}"#),
                "{answer}"
            );
        } else {
            assert!(!sent.to_string().contains("cache"), "{provider}: {sent}");
        }
    }

    let mock = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .start()
        .await
        .unwrap();
    let server = start(Gateway::new(ViaMock::new(&mock, Some("sk-test")))).await;
    let bad = r#","cache_control":{"type":"ephemeral","ttl":"1d"}"#;
    let (status, _, answer) = call(
        &server,
        MESSAGES,
        &[],
        &body(MESSAGES, "anthropic/claude-sonnet-4-5", bad),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.contains(r#""message":"cache_control.ttl: "#),
        "{answer}"
    );
    assert!(mock.requests().is_empty());
}
