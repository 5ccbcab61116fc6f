//! The harness the request tests share: golden files, recorded streams folded into final
//! messages, and checkers of the structural rules each provider's API states for a request body.
//!
//! The checkers are deliberately written from the APIs' documented rules, not from the builders:
//! a body a builder produces must pass them (the proptests check this for any request that
//! validation accepts).

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use llm_sse_core::request::{CacheControl, CacheTtl, ChatRequest, Content, HttpRequest, Part};
use llm_sse_core::{Accumulator, Message, Normalizer, Provider};
use serde_json::{Map, Value};

/// The API key used in tests (it appears in golden files: it is not a secret).
pub const TEST_KEY: &str = "test-key";

/// The text form of a request: `METHOD path`, the headers, a blank line, the body as pretty
/// JSON.
pub fn render(http: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", http.method, http.path);
    for (name, value) in &http.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&serde_json::to_string_pretty(&http.body).unwrap());
    out.push('\n');
    out
}

/// Compares `http` with `core/tests/golden/requests/<provider>/<name>.http`. With `BLESS=1`,
/// writes the file when it is missing or differs (then review every changed byte against the
/// provider's API reference: a bless records what the code does, right or wrong).
pub fn golden(provider: Provider, name: &str, http: &HttpRequest) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/requests")
        .join(provider.as_str())
        .join(format!("{name}.http"));
    let actual = render(http);
    if std::env::var_os("BLESS").is_some()
        && std::fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str())
    {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        eprintln!("blessed {}", path.display());
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    assert!(
        expected == actual,
        "{} differs\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// A recorded stream `tests/fixtures/<provider>/<name>.sse`, normalized and accumulated into its
/// final message.
pub fn final_message(provider: Provider, name: &str) -> Message {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(provider.as_str())
        .join(format!("{name}.sse"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(&bytes);
    normalizer.finish();
    let mut accumulator = Accumulator::new();
    while let Some(chunk) = normalizer.next_chunk() {
        accumulator.push_owned(chunk);
    }
    accumulator
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `message` with every tool call's id removed: a history whose calls have no id (a call that
/// started before the stream named its response, or a turn a client wrote itself), which the
/// builders answer by name and give `call_{m}_{p}` where the provider requires ids.
pub fn without_tool_call_ids(mut message: Message) -> Message {
    for block in &mut message.content {
        if let llm_sse_core::ContentBlock::ToolCall(call) = block {
            call.id = None;
        }
    }
    message
}

/// `request` with a cache breakpoint on everything that takes one: every tool, every part (the
/// parts inside tool results too; string contents become a text part), and the request itself.
/// Far more than Anthropic's 4: for the providers that ignore breakpoints.
pub fn with_breakpoints_everywhere(mut request: ChatRequest) -> ChatRequest {
    let hour = CacheControl::new().with_ttl(CacheTtl::OneHour);
    fn mark(part: Part, cache: CacheControl) -> Part {
        match part {
            Part::ToolResult {
                call_id,
                name,
                content: Content::Parts(inner),
                is_error,
                ..
            } => Part::ToolResult {
                call_id,
                name,
                content: inner
                    .into_iter()
                    .map(|p| p.with_cache(cache))
                    .collect::<Vec<_>>()
                    .into(),
                is_error,
                cache: Some(cache),
            },
            part => part.with_cache(cache),
        }
    }
    for message in &mut request.messages {
        let parts = message.content.parts().into_owned();
        message.content = parts
            .into_iter()
            .map(|p| mark(p, hour))
            .collect::<Vec<_>>()
            .into();
    }
    for tool in &mut request.tools {
        tool.cache = Some(hour);
    }
    request.with_cache(CacheControl::new())
}

/// Checks `http` against the rules of `provider`'s API.
pub fn check(provider: Provider, http: &HttpRequest) -> Result<(), String> {
    let body = &http.body;
    match provider {
        Provider::Anthropic => {
            expect(http.path == "/v1/messages", "path")?;
            expect(
                http.headers.get("anthropic-version") == Some("2023-06-01"),
                "anthropic-version",
            )?;
            check_anthropic(body)
        }
        Provider::OpenAi => {
            expect(http.path == "/chat/completions", "path")?;
            check_openai(body)
        }
        Provider::Gemini => {
            expect(
                http.path.starts_with("/v1beta/models/")
                    && http.path.ends_with(":streamGenerateContent?alt=sse"),
                "path",
            )?;
            check_gemini(body)
        }
        // Anthropic's body on the platforms: the model is in the path; Bedrock streams by its
        // endpoint, Vertex by `"stream": true`; each names its `anthropic_version`.
        Provider::Bedrock => {
            expect(
                http.path.starts_with("/model/")
                    && http.path.ends_with("/invoke-with-response-stream"),
                "path",
            )?;
            expect(
                body.get("model").is_none() && body.get("stream").is_none(),
                "model, stream",
            )?;
            expect(
                body["anthropic_version"] == "bedrock-2023-05-31",
                "anthropic_version",
            )?;
            check_anthropic(&as_anthropic(body))
        }
        Provider::Vertex => {
            expect(
                http.path.starts_with("/publishers/anthropic/models/")
                    && http.path.ends_with(":streamRawPredict"),
                "path",
            )?;
            expect(
                body.get("model").is_none() && body["stream"] == true,
                "model, stream",
            )?;
            expect(
                body["anthropic_version"] == "vertex-2023-10-16",
                "anthropic_version",
            )?;
            check_anthropic(&as_anthropic(body))
        }
        _ => Err("unknown provider".into()),
    }?;
    expect(
        http.headers.get("content-type") == Some("application/json"),
        "content-type",
    )
}

/// A platform's body as Anthropic's own (its model and streaming back, its version out), for
/// the checks of Anthropic's rules.
fn as_anthropic(body: &serde_json::Value) -> serde_json::Value {
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        object.remove("anthropic_version");
        object.insert("model".into(), "model-1".into());
        object.insert("stream".into(), true.into());
    }
    body
}

fn expect(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what.into()) }
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what}: not an object: {v}"))
}

fn arr<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, String> {
    v.as_array()
        .ok_or_else(|| format!("{what}: not an array: {v}"))
}

fn non_empty_str<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    match v.as_str() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(format!("{what}: not a non-empty string: {v}")),
    }
}

fn only_keys(o: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    for key in o.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(format!("{what}: unexpected key {key:?}"));
        }
    }
    Ok(())
}

fn number_in(v: Option<&Value>, lo: f64, hi: f64, what: &str) -> Result<(), String> {
    match v {
        None => Ok(()),
        Some(v) => match v.as_f64() {
            Some(x) if (lo..=hi).contains(&x) => Ok(()),
            _ => Err(format!("{what}: {v} outside {lo}..={hi}")),
        },
    }
}

fn is_anthropic_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// The Messages API: a model, `max_tokens`, `stream: true`; `system` as text blocks; messages
/// alternating user / assistant starting with user, no system role; each content a non-empty
/// array of known blocks (text non-empty; images base64; `tool_use` only in assistant turns,
/// ids unique and `^[a-zA-Z0-9_-]+$`; `tool_result` only in user turns, before any other block,
/// answering a `tool_use` of the assistant turn just before, and every `tool_use` answered in
/// the next turn; thinking blocks signed); the sampling ranges; tools, tool choice and the
/// thinking configuration; `cache_control` (`{"type": "ephemeral", "ttl"?: "5m" | "1h"}`) only
/// on tools, system blocks and text, image, `tool_use` and `tool_result` blocks (also inside a
/// tool result), at most 4 of them, and no `1h` one after a `5m` one in the order tools, system,
/// messages.
pub fn check_anthropic(body: &Value) -> Result<(), String> {
    // The lifetimes of the cache breakpoints: of the tools, the system blocks, the messages.
    let mut caches: [Vec<String>; 3] = Default::default();
    let o = obj(body, "body")?;
    only_keys(
        o,
        &[
            "model",
            "max_tokens",
            "messages",
            "system",
            "temperature",
            "top_p",
            "top_k",
            "stop_sequences",
            "tools",
            "tool_choice",
            "thinking",
            "output_config",
            "metadata",
            "stream",
        ],
        "body",
    )?;
    non_empty_str(&o["model"], "model")?;
    let max_tokens = o
        .get("max_tokens")
        .and_then(Value::as_u64)
        .filter(|&m| m >= 1)
        .ok_or("max_tokens: required, at least 1")?;
    expect(o.get("stream") == Some(&Value::Bool(true)), "stream: true")?;
    number_in(o.get("temperature"), 0.0, 1.0, "temperature")?;
    number_in(o.get("top_p"), 0.0, 1.0, "top_p")?;
    if let Some(stop) = o.get("stop_sequences") {
        for s in arr(stop, "stop_sequences")? {
            non_empty_str(s, "stop_sequences[]")?;
        }
    }
    if let Some(system) = o.get("system") {
        let blocks = arr(system, "system")?;
        expect(!blocks.is_empty(), "system: empty")?;
        for b in blocks {
            let b = obj(b, "system[]")?;
            only_keys(b, &["type", "text", "cache_control"], "system[]")?;
            cache_control(b, &mut caches[1])?;
            expect(b["type"] == "text", "system[]: text blocks only")?;
            non_empty_str(&b["text"], "system[].text")?;
        }
    }

    let messages = arr(o.get("messages").ok_or("messages: required")?, "messages")?;
    expect(!messages.is_empty(), "messages: empty")?;
    let mut ids = BTreeSet::new();
    // The tool_use ids of the previous assistant turn, to be answered by this user turn.
    let mut to_answer: BTreeSet<String> = BTreeSet::new();
    for (i, m) in messages.iter().enumerate() {
        let m = obj(m, "message")?;
        only_keys(m, &["role", "content"], "message")?;
        let role = m["role"].as_str().unwrap_or_default();
        let expected = if i % 2 == 0 { "user" } else { "assistant" };
        expect(
            role == expected,
            &format!("messages[{i}].role: {role:?}, expected {expected} (alternating from user)"),
        )?;
        let content = arr(&m["content"], "content")?;
        expect(
            !content.is_empty(),
            &format!("messages[{i}].content: empty"),
        )?;
        let mut answered = BTreeSet::new();
        let mut other_seen = false;
        let mut calls = BTreeSet::new();
        for b in content {
            let b = obj(b, "block")?;
            let ty = b["type"].as_str().unwrap_or_default();
            match (role, ty) {
                (_, "text") => {
                    only_keys(b, &["type", "text", "cache_control"], "text")?;
                    non_empty_str(&b["text"], "text")?;
                }
                ("user", "image") => check_anthropic_image(b)?,
                ("assistant", "tool_use") => {
                    only_keys(
                        b,
                        &["type", "id", "name", "input", "cache_control"],
                        "tool_use",
                    )?;
                    let id = non_empty_str(&b["id"], "tool_use.id")?;
                    expect(is_anthropic_id(id), &format!("tool_use.id {id:?}"))?;
                    expect(ids.insert(id.to_owned()), &format!("duplicate id {id:?}"))?;
                    calls.insert(id.to_owned());
                    non_empty_str(&b["name"], "tool_use.name")?;
                    expect(b["input"].is_object(), "tool_use.input: object")?;
                }
                ("user", "tool_result") => {
                    only_keys(
                        b,
                        &[
                            "type",
                            "tool_use_id",
                            "content",
                            "is_error",
                            "cache_control",
                        ],
                        "tool_result",
                    )?;
                    expect(!other_seen, "tool_result blocks must come first")?;
                    let id = non_empty_str(&b["tool_use_id"], "tool_use_id")?;
                    expect(
                        to_answer.contains(id),
                        &format!("tool_result {id:?}: no tool_use in the previous turn"),
                    )?;
                    expect(answered.insert(id.to_owned()), "tool_result answered twice")?;
                    match &b["content"] {
                        Value::String(_) => {}
                        Value::Array(blocks) => {
                            for c in blocks {
                                let c = obj(c, "tool_result.content[]")?;
                                match c["type"].as_str() {
                                    Some("text") => {
                                        only_keys(c, &["type", "text", "cache_control"], "text")?;
                                        non_empty_str(&c["text"], "text")?;
                                    }
                                    Some("image") => check_anthropic_image(c)?,
                                    _ => return Err("tool_result.content: text or image".into()),
                                }
                                cache_control(c, &mut caches[2])?;
                            }
                        }
                        other => return Err(format!("tool_result.content: {other}")),
                    }
                    if let Some(e) = b.get("is_error") {
                        expect(e.is_boolean(), "is_error: boolean")?;
                    }
                }
                ("assistant", "thinking") => {
                    only_keys(b, &["type", "thinking", "signature"], "thinking")?;
                    expect(b["thinking"].is_string(), "thinking.thinking")?;
                    non_empty_str(&b["signature"], "thinking.signature")?;
                }
                ("assistant", "redacted_thinking") => {
                    only_keys(b, &["type", "data"], "redacted_thinking")?;
                    non_empty_str(&b["data"], "redacted_thinking.data")?;
                }
                _ => return Err(format!("a {ty:?} block in a {role} turn")),
            }
            // Thinking blocks refused it above; a tool result's comes after its content's.
            cache_control(b, &mut caches[2])?;
            if ty != "tool_result" {
                other_seen = true;
            }
        }
        if role == "user" {
            expect(
                answered == to_answer,
                &format!("messages[{i}]: unanswered tool_use ids {to_answer:?}"),
            )?;
            to_answer.clear();
        } else {
            to_answer = calls;
        }
    }
    expect(
        to_answer.is_empty(),
        "the last assistant turn has unanswered tool_use",
    )?;

    expect(
        ids.is_empty() || o.contains_key("tools"),
        "tool_use blocks without tools",
    )?;
    let mut names = BTreeSet::new();
    if let Some(tools) = o.get("tools") {
        for t in arr(tools, "tools")? {
            let t = obj(t, "tool")?;
            only_keys(
                t,
                &["name", "description", "input_schema", "cache_control"],
                "tool",
            )?;
            cache_control(t, &mut caches[0])?;
            let name = non_empty_str(&t["name"], "tool.name")?;
            expect(names.insert(name.to_owned()), "duplicate tool name")?;
            expect(t["input_schema"].is_object(), "input_schema: object")?;
        }
    }
    let mut forced = false;
    if let Some(choice) = o.get("tool_choice") {
        expect(!names.is_empty(), "tool_choice without tools")?;
        let c = obj(choice, "tool_choice")?;
        match c["type"].as_str() {
            Some("auto" | "none") => only_keys(c, &["type"], "tool_choice")?,
            Some("any") => {
                forced = true;
                only_keys(c, &["type"], "tool_choice")?;
            }
            Some("tool") => {
                forced = true;
                expect(
                    names.contains(c["name"].as_str().unwrap_or_default()),
                    "tool_choice.name: a defined tool",
                )?;
            }
            _ => return Err(format!("tool_choice: {choice}")),
        }
    }
    if let Some(thinking) = o.get("thinking") {
        let t = obj(thinking, "thinking")?;
        if t["type"] != "disabled" {
            number_in(o.get("temperature"), 1.0, 1.0, "temperature while thinking")?;
            number_in(o.get("top_p"), 0.95, 1.0, "top_p while thinking")?;
        }
        match t["type"].as_str() {
            Some("enabled") => {
                let budget = t["budget_tokens"].as_u64().ok_or("budget_tokens")?;
                expect(budget >= 1024, "budget_tokens >= 1024")?;
                expect(budget < max_tokens, "budget_tokens < max_tokens")?;
                expect(!forced, "forced tool_choice while thinking")?;
            }
            Some("adaptive") => expect(!forced, "forced tool_choice while thinking")?,
            Some("disabled") => {}
            _ => return Err(format!("thinking: {thinking}")),
        }
    }
    if let Some(config) = o.get("output_config") {
        let effort = config["effort"].as_str().unwrap_or_default();
        expect(
            ["low", "medium", "high", "max"].contains(&effort),
            "output_config.effort",
        )?;
    }
    let caches = caches.concat();
    expect(
        caches.len() <= 4,
        &format!("{} cache breakpoints, at most 4", caches.len()),
    )?;
    // "Cache entries with longer TTL must appear before shorter TTLs."
    if let Some(i) = caches.iter().position(|ttl| ttl == "5m") {
        expect(
            caches[i..].iter().all(|ttl| ttl == "5m"),
            &format!("a 1h cache breakpoint after a 5m one: {caches:?}"),
        )?;
    }
    Ok(())
}

/// The `cache_control` of block `b`, if any: `{"type": "ephemeral"}` with an optional `ttl` of
/// `5m` (the default) or `1h`; its lifetime is added to `ttls`.
fn cache_control(b: &Map<String, Value>, ttls: &mut Vec<String>) -> Result<(), String> {
    let Some(control) = b.get("cache_control") else {
        return Ok(());
    };
    let c = obj(control, "cache_control")?;
    only_keys(c, &["type", "ttl"], "cache_control")?;
    expect(c["type"] == "ephemeral", "cache_control.type: ephemeral")?;
    let ttl = match c.get("ttl") {
        None => "5m",
        Some(ttl) => ttl.as_str().unwrap_or_default(),
    };
    expect(ttl == "5m" || ttl == "1h", "cache_control.ttl: 5m or 1h")?;
    ttls.push(ttl.to_owned());
    Ok(())
}

fn check_anthropic_image(b: &Map<String, Value>) -> Result<(), String> {
    only_keys(b, &["type", "source", "cache_control"], "image")?;
    let s = obj(&b["source"], "image.source")?;
    only_keys(s, &["type", "media_type", "data"], "image.source")?;
    expect(s["type"] == "base64", "image.source.type: base64")?;
    expect(
        non_empty_str(&s["media_type"], "media_type")?.starts_with("image/"),
        "media_type: image/*",
    )?;
    expect(
        is_base64(non_empty_str(&s["data"], "data")?),
        "data: base64",
    )
}

/// Chat Completions: a model, `stream: true` with `stream_options.include_usage`; messages of
/// the four roles; user content text or `text`/`image_url` parts (`data:` URLs); assistant
/// messages with content or tool calls (JSON-object arguments as strings, unique ids); after an
/// assistant message with tool calls, `tool` messages answering each id exactly once before any
/// other message; the sampling ranges; at most 4 stop sequences; tools and tool choice.
pub fn check_openai(body: &Value) -> Result<(), String> {
    let o = obj(body, "body")?;
    only_keys(
        o,
        &[
            "model",
            "messages",
            "max_completion_tokens",
            "max_tokens",
            "temperature",
            "top_p",
            "stop",
            "tools",
            "tool_choice",
            "reasoning_effort",
            "seed",
            "user",
            "stream",
            "stream_options",
        ],
        "body",
    )?;
    non_empty_str(&o["model"], "model")?;
    expect(o.get("stream") == Some(&Value::Bool(true)), "stream: true")?;
    expect(
        o.get("stream_options").and_then(|s| s.get("include_usage")) == Some(&Value::Bool(true)),
        "stream_options.include_usage: true",
    )?;
    number_in(o.get("temperature"), 0.0, 2.0, "temperature")?;
    number_in(o.get("top_p"), 0.0, 1.0, "top_p")?;
    if let Some(max) = o.get("max_completion_tokens") {
        expect(
            max.as_u64().is_some_and(|m| m >= 1),
            "max_completion_tokens",
        )?;
    }
    if let Some(stop) = o.get("stop") {
        let stop = arr(stop, "stop")?;
        expect(stop.len() <= 4, "stop: at most 4")?;
    }
    if let Some(effort) = o.get("reasoning_effort") {
        expect(
            ["none", "minimal", "low", "medium", "high"].contains(&effort.as_str().unwrap_or("")),
            "reasoning_effort",
        )?;
    }

    let messages = arr(o.get("messages").ok_or("messages: required")?, "messages")?;
    expect(!messages.is_empty(), "messages: empty")?;
    let mut ids = BTreeSet::new();
    let mut to_answer: BTreeSet<String> = BTreeSet::new();
    for (i, m) in messages.iter().enumerate() {
        let m = obj(m, "message")?;
        let role = m["role"].as_str().unwrap_or_default();
        if role != "tool" {
            expect(
                to_answer.is_empty(),
                &format!("messages[{i}]: tool calls {to_answer:?} not answered before it"),
            )?;
        }
        match role {
            "system" | "user" => {
                only_keys(m, &["role", "content"], role)?;
                check_openai_content(&m["content"], role == "user")?;
            }
            "assistant" => {
                only_keys(m, &["role", "content", "tool_calls"], "assistant")?;
                let has_text = match &m["content"] {
                    Value::Null => false,
                    Value::String(s) => !s.is_empty(),
                    other => return Err(format!("assistant content: {other}")),
                };
                let calls = match m.get("tool_calls") {
                    None => &[][..],
                    Some(c) => arr(c, "tool_calls")?.as_slice(),
                };
                expect(
                    has_text || !calls.is_empty(),
                    "assistant: content or tool_calls",
                )?;
                for c in calls {
                    let c = obj(c, "tool_call")?;
                    only_keys(c, &["id", "type", "function"], "tool_call")?;
                    let id = non_empty_str(&c["id"], "tool_call.id")?;
                    expect(ids.insert(id.to_owned()), "duplicate tool call id")?;
                    to_answer.insert(id.to_owned());
                    expect(c["type"] == "function", "tool_call.type")?;
                    let f = obj(&c["function"], "function")?;
                    non_empty_str(&f["name"], "function.name")?;
                    let args = f["arguments"].as_str().ok_or("arguments: a string")?;
                    let args: Value =
                        serde_json::from_str(args).map_err(|e| format!("arguments: {e}"))?;
                    expect(args.is_object(), "arguments: a JSON object")?;
                }
            }
            "tool" => {
                only_keys(m, &["role", "tool_call_id", "content"], "tool")?;
                let id = non_empty_str(&m["tool_call_id"], "tool_call_id")?;
                expect(
                    to_answer.remove(id),
                    &format!("tool message {id:?} answers no pending call"),
                )?;
                match &m["content"] {
                    Value::String(_) => {}
                    Value::Array(parts) => {
                        for p in parts {
                            expect(p["type"] == "text", "tool content: text parts")?;
                        }
                    }
                    other => return Err(format!("tool content: {other}")),
                }
            }
            other => return Err(format!("role {other:?}")),
        }
    }
    expect(to_answer.is_empty(), "unanswered tool calls at the end")?;

    let mut names = BTreeSet::new();
    if let Some(tools) = o.get("tools") {
        for t in arr(tools, "tools")? {
            let t = obj(t, "tool")?;
            only_keys(t, &["type", "function"], "tool")?;
            expect(t["type"] == "function", "tool.type")?;
            let f = obj(&t["function"], "tool.function")?;
            only_keys(f, &["name", "description", "parameters"], "tool.function")?;
            let name = non_empty_str(&f["name"], "name")?;
            expect(names.insert(name.to_owned()), "duplicate tool")?;
            expect(f["parameters"].is_object(), "parameters")?;
        }
    }
    if let Some(choice) = o.get("tool_choice") {
        expect(!names.is_empty(), "tool_choice without tools")?;
        match choice {
            Value::String(s) => expect(
                ["auto", "none", "required"].contains(&s.as_str()),
                "tool_choice",
            )?,
            Value::Object(c) => {
                expect(c["type"] == "function", "tool_choice.type")?;
                expect(
                    names.contains(c["function"]["name"].as_str().unwrap_or_default()),
                    "tool_choice names a tool",
                )?;
            }
            other => return Err(format!("tool_choice: {other}")),
        }
    }
    Ok(())
}

fn check_openai_content(content: &Value, images: bool) -> Result<(), String> {
    match content {
        Value::String(s) => expect(!s.is_empty(), "content: empty"),
        Value::Array(parts) => {
            expect(!parts.is_empty(), "content: no parts")?;
            for p in parts {
                let p = obj(p, "part")?;
                match p["type"].as_str() {
                    Some("text") => {
                        only_keys(p, &["type", "text"], "text part")?;
                        non_empty_str(&p["text"], "text")?;
                    }
                    Some("image_url") if images => {
                        only_keys(p, &["type", "image_url"], "image_url part")?;
                        let url = non_empty_str(&p["image_url"]["url"], "url")?;
                        let (head, data) = url.split_once(";base64,").ok_or("data URL")?;
                        expect(head.starts_with("data:image/"), "data:image/ URL")?;
                        expect(is_base64(data), "data URL: base64")?;
                    }
                    _ => return Err(format!("content part {p:?}")),
                }
            }
            Ok(())
        }
        other => Err(format!("content: {other}")),
    }
}

/// `generateContent`: `contents` of roles user / model, alternating, each with parts holding
/// exactly one kind of data (`text`, `inlineData`, `functionCall`, `functionResponse`; `thought`
/// only on text); function calls only in model turns, and the turn after a model turn with
/// calls is a user turn answering each of them (same count, same names, ids where the call had
/// one); `systemInstruction` text parts; `generationConfig` ranges; tools and tool config.
pub fn check_gemini(body: &Value) -> Result<(), String> {
    let o = obj(body, "body")?;
    only_keys(
        o,
        &[
            "contents",
            "systemInstruction",
            "generationConfig",
            "tools",
            "toolConfig",
            "safetySettings",
            "cachedContent",
        ],
        "body",
    )?;
    if let Some(system) = o.get("systemInstruction") {
        let s = obj(system, "systemInstruction")?;
        only_keys(s, &["parts"], "systemInstruction")?;
        let parts = arr(&s["parts"], "systemInstruction.parts")?;
        expect(!parts.is_empty(), "systemInstruction.parts: empty")?;
        for p in parts {
            only_keys(obj(p, "part")?, &["text"], "systemInstruction part")?;
            non_empty_str(&p["text"], "systemInstruction text")?;
        }
    }
    let contents = arr(o.get("contents").ok_or("contents: required")?, "contents")?;
    expect(!contents.is_empty(), "contents: empty")?;
    let mut last_role = "";
    // The calls of the previous model turn: (name, id).
    let mut to_answer: Vec<(String, Option<String>)> = Vec::new();
    for (i, c) in contents.iter().enumerate() {
        let c = obj(c, "content")?;
        only_keys(c, &["role", "parts"], "content")?;
        let role = c["role"].as_str().unwrap_or_default();
        expect(role == "user" || role == "model", "role: user or model")?;
        expect(
            role != last_role,
            &format!("contents[{i}]: same role twice"),
        )?;
        last_role = role;
        let parts = arr(&c["parts"], "parts")?;
        expect(!parts.is_empty(), "parts: empty")?;
        let mut calls = Vec::new();
        let mut responses: Vec<(String, Option<String>)> = Vec::new();
        for p in parts {
            let p = obj(p, "part")?;
            only_keys(
                p,
                &[
                    "text",
                    "inlineData",
                    "functionCall",
                    "functionResponse",
                    "thought",
                    "thoughtSignature",
                ],
                "part",
            )?;
            let data: Vec<&str> = ["text", "inlineData", "functionCall", "functionResponse"]
                .into_iter()
                .filter(|k| p.contains_key(*k))
                .collect();
            expect(data.len() == 1, &format!("part with data {data:?}"))?;
            if let Some(t) = p.get("thought") {
                expect(t == true && data[0] == "text", "thought: on text parts")?;
                expect(role == "model", "thought parts in model turns")?;
            }
            if let Some(s) = p.get("thoughtSignature") {
                non_empty_str(s, "thoughtSignature")?;
                expect(role == "model", "signatures in model turns")?;
            }
            match data[0] {
                "text" => {
                    expect(p["text"].is_string(), "text: a string")?;
                    expect(
                        p["text"] != "" || p.contains_key("thoughtSignature"),
                        "empty text part",
                    )?;
                }
                "inlineData" => {
                    expect(role == "user", "inlineData in user turns")?;
                    let d = obj(&p["inlineData"], "inlineData")?;
                    only_keys(d, &["mimeType", "data"], "inlineData")?;
                    non_empty_str(&d["mimeType"], "mimeType")?;
                    expect(is_base64(non_empty_str(&d["data"], "data")?), "base64")?;
                }
                "functionCall" => {
                    expect(role == "model", "functionCall in model turns")?;
                    let f = obj(&p["functionCall"], "functionCall")?;
                    only_keys(f, &["name", "args", "id"], "functionCall")?;
                    let name = non_empty_str(&f["name"], "functionCall.name")?;
                    expect(f["args"].is_object(), "functionCall.args: object")?;
                    let id = f.get("id").map(|id| id.as_str().unwrap_or("").to_owned());
                    calls.push((name.to_owned(), id));
                }
                _ => {
                    expect(role == "user", "functionResponse in user turns")?;
                    let f = obj(&p["functionResponse"], "functionResponse")?;
                    only_keys(f, &["name", "response", "id"], "functionResponse")?;
                    let name = non_empty_str(&f["name"], "functionResponse.name")?;
                    expect(f["response"].is_object(), "functionResponse.response")?;
                    let id = f.get("id").map(|id| id.as_str().unwrap_or("").to_owned());
                    responses.push((name.to_owned(), id));
                }
            }
        }
        if role == "user" {
            let mut expected = to_answer.clone();
            expected.sort();
            responses.sort();
            expect(
                expected == responses,
                &format!("contents[{i}]: responses {responses:?} for calls {expected:?}"),
            )?;
            to_answer.clear();
        } else {
            expect(responses.is_empty(), "functionResponse in a model turn")?;
            to_answer = calls;
        }
    }
    expect(to_answer.is_empty(), "unanswered function calls at the end")?;

    if let Some(config) = o.get("generationConfig") {
        let g = obj(config, "generationConfig")?;
        only_keys(
            g,
            &[
                "temperature",
                "topP",
                "topK",
                "maxOutputTokens",
                "stopSequences",
                "thinkingConfig",
            ],
            "generationConfig",
        )?;
        number_in(g.get("temperature"), 0.0, 2.0, "temperature")?;
        number_in(g.get("topP"), 0.0, 1.0, "topP")?;
        if let Some(max) = g.get("maxOutputTokens") {
            expect(max.as_u64().is_some_and(|m| m >= 1), "maxOutputTokens")?;
        }
        if let Some(stop) = g.get("stopSequences") {
            expect(
                arr(stop, "stopSequences")?.len() <= 5,
                "stopSequences: <= 5",
            )?;
        }
        if let Some(t) = g.get("thinkingConfig") {
            let t = obj(t, "thinkingConfig")?;
            only_keys(t, &["thinkingBudget", "includeThoughts"], "thinkingConfig")?;
            expect(t["thinkingBudget"].is_u64(), "thinkingBudget")?;
            expect(t["includeThoughts"].is_boolean(), "includeThoughts")?;
        }
    }
    let mut names = BTreeSet::new();
    if let Some(tools) = o.get("tools") {
        for t in arr(tools, "tools")? {
            let t = obj(t, "tool")?;
            only_keys(t, &["functionDeclarations"], "tool")?;
            for f in arr(&t["functionDeclarations"], "functionDeclarations")? {
                let f = obj(f, "functionDeclaration")?;
                only_keys(
                    f,
                    &["name", "description", "parametersJsonSchema"],
                    "functionDeclaration",
                )?;
                let name = non_empty_str(&f["name"], "name")?;
                expect(
                    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'),
                    "name starts with a letter or _",
                )?;
                expect(names.insert(name.to_owned()), "duplicate function")?;
                expect(
                    f["parametersJsonSchema"].is_object(),
                    "parametersJsonSchema",
                )?;
            }
        }
    }
    if let Some(config) = o.get("toolConfig") {
        expect(!names.is_empty(), "toolConfig without tools")?;
        let f = obj(&config["functionCallingConfig"], "functionCallingConfig")?;
        let mode = f["mode"].as_str().unwrap_or_default();
        expect(["AUTO", "NONE", "ANY"].contains(&mode), "mode")?;
        if let Some(allowed) = f.get("allowedFunctionNames") {
            expect(mode == "ANY", "allowedFunctionNames only with ANY")?;
            for n in arr(allowed, "allowedFunctionNames")? {
                expect(
                    names.contains(n.as_str().unwrap_or_default()),
                    "allowedFunctionNames: defined",
                )?;
            }
        }
    }
    Ok(())
}

/// Counts of each value, for comparing multisets.
pub fn counts<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeMap<T, usize> {
    let mut m = BTreeMap::new();
    for item in items {
        *m.entry(item).or_insert(0) += 1;
    }
    m
}
