//! The normalized wire contract of DESIGN.md ("The normalized wire contract", "Unified finish
//! reasons", "Usage"), one focused test per sentence or table cell, for each provider where it
//! applies.
//!
//! Every input is a small hand-written stream in the provider's documented format (Anthropic
//! Messages streaming events, OpenAI `chat.completion.chunk`s, Gemini `GenerateContentResponse`s
//! with `alt=sse`), run through `llm_sse_core::Normalizer`; the assertions are on the exact frame
//! bytes, or on exact fields of the terminal chunk where DESIGN.md leaves the rest open (such as
//! the wording of our own error messages).
//!
//! No test here is ignored: when the implementation and DESIGN.md disagree, the implementation
//! is fixed, never the assertion.
//!
//! One file per section of the contract: `frames.rs` (the frames, and no frame for lifecycle
//! events), `tool_calls.rs` (the tool-call piece and `tool_call.index`), `terminal_and_errors.rs`
//! (exactly one terminal frame, then `[DONE]`; failed streams, which keep what was known),
//! `details.rs` (compact JSON with raw UTF-8, no empty frames, where `id` and `model` come from),
//! `finish_reasons.rs` ("Unified finish reasons") and `usage.rs` ("Usage"). This file holds what
//! they share: the harness and each provider's stream builders.

use llm_sse_core::{Finish, FinishReason, Provider, StreamChunk, StreamErrorKind, Usage};
use llm_sse_tests::{Split, frames, normalize};

mod details;
mod finish_reasons;
mod frames;
mod terminal_and_errors;
mod tool_calls;
mod usage;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

const DONE: &str = "data: [DONE]\n\n";

/// The frames of `input` as a string. The same bytes fed byte by byte and in random chunks must
/// give the same frames (DESIGN: any split yields the same events).
fn run(provider: Provider, input: &str) -> String {
    let whole = frames(provider, input.as_bytes(), Split::Whole);
    for split in [Split::Bytewise, Split::Random(7)] {
        assert_eq!(
            String::from_utf8_lossy(&frames(provider, input.as_bytes(), split)),
            String::from_utf8_lossy(&whole),
            "frames differ under {split:?}"
        );
    }
    let out = String::from_utf8(whole).expect("frames are UTF-8");
    // Framing, one terminal frame right before [DONE], and no `null` anywhere (fields that do
    // not apply are omitted).
    for json in split_frames(&out).iter().filter(|f| **f != "[DONE]") {
        let value: serde_json::Value =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(
            serde_json::to_string(&value).unwrap().len(),
            json.len(),
            "compact JSON: {json}"
        );
        assert_no_null(&value, json);
    }
    out
}

fn assert_no_null(value: &serde_json::Value, frame: &str) {
    match value {
        serde_json::Value::Null => panic!("null in frame {frame}"),
        serde_json::Value::Array(items) => items.iter().for_each(|v| assert_no_null(v, frame)),
        serde_json::Value::Object(map) => map.values().for_each(|v| assert_no_null(v, frame)),
        _ => {}
    }
}

/// One frame: `data: <json>\n\n`.
fn frame(json: &str) -> String {
    format!("data: {json}\n\n")
}

/// A text-token frame.
fn tok(text: &str) -> String {
    frame(&format!(
        r#"{{"token":{},"done":false}}"#,
        serde_json::to_string(text).unwrap()
    ))
}

/// A reasoning frame.
fn reasoning(text: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":false,"reasoning":{}}}"#,
        serde_json::to_string(text).unwrap()
    ))
}

/// A reasoning-signature frame (contract revision of 2026-12-06).
fn signature(sig: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":false,"reasoning_signature":{}}}"#,
        serde_json::to_string(sig).unwrap()
    ))
}

/// A redacted-reasoning frame (contract revision of 2026-12-06).
fn redacted(data: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":false,"redacted_reasoning":{}}}"#,
        serde_json::to_string(data).unwrap()
    ))
}

/// The first piece of a tool call (index, id, name, arguments).
fn tool_first(index: u32, id: &str, name: &str, arguments: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":false,"tool_call":{{"index":{index},"id":"{id}","name":"{name}","arguments":{}}}}}"#,
        serde_json::to_string(arguments).unwrap()
    ))
}

/// A later piece of a tool call (index, arguments fragment).
fn tool_more(index: u32, arguments: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":false,"tool_call":{{"index":{index},"arguments":{}}}}}"#,
        serde_json::to_string(arguments).unwrap()
    ))
}

/// The chunks of `input` (whole), checking that exactly one terminal chunk ends them.
fn chunks(provider: Provider, input: &str) -> (Vec<StreamChunk>, Finish) {
    let mut chunks = normalize(provider, input.as_bytes(), Split::Whole);
    let dones = chunks.iter().filter(|c| c.is_done()).count();
    assert_eq!(dones, 1, "exactly one terminal chunk in {chunks:?}");
    match chunks.pop() {
        Some(StreamChunk::Done(fin)) => (chunks, *fin),
        other => panic!("the last chunk is not the terminal one: {other:?}"),
    }
}

/// The terminal chunk of `input`.
fn finish(provider: Provider, input: &str) -> Finish {
    chunks(provider, input).1
}

/// The frames of `out` (each without its `data: ` prefix and blank line), checking the framing:
/// every frame is exactly `data: <json>\n\n`, the last is `[DONE]` and the one before it the only
/// terminal frame.
fn split_frames(out: &str) -> Vec<&str> {
    assert!(
        out.ends_with("\n\n"),
        "frames end with a blank line: {out:?}"
    );
    let frames: Vec<&str> = out[..out.len() - 2]
        .split("\n\n")
        .map(|f| {
            let json = f
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("frame without `data: `: {f:?}"));
            assert!(!json.contains('\n'), "one data line per frame: {f:?}");
            json
        })
        .collect();
    assert_eq!(frames.last(), Some(&"[DONE]"), "ends with [DONE]: {out:?}");
    let terminals = frames
        .iter()
        .filter(|f| f.contains(r#""done":true"#))
        .count();
    assert_eq!(terminals, 1, "exactly one terminal frame: {out:?}");
    assert!(
        frames[frames.len() - 2].contains(r#""done":true"#),
        "the terminal frame comes right before [DONE]: {out:?}"
    );
    frames
}

/// The terminal frame's JSON (the frame right before `[DONE]`).
fn terminal_json(out: &str) -> String {
    let frames = split_frames(out);
    frames[frames.len() - 2].to_owned()
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Anthropic stream builders (Messages API streaming events)
// ---------------------------------------------------------------------------------------------

fn ev(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// `message_start` for `msg_01` / `claude-sonnet-4-5`; `usage` is the usage object's JSON, or
/// empty for none.
fn a_start(usage: &str) -> String {
    let usage = if usage.is_empty() {
        String::new()
    } else {
        format!(r#","usage":{usage}"#)
    };
    ev(
        "message_start",
        &format!(
            r#"{{"type":"message_start","message":{{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null{usage}}}}}"#
        ),
    )
}

const A_USAGE_START: &str = r#"{"input_tokens":25,"output_tokens":1}"#;

fn a_text_start(index: u32) -> String {
    ev(
        "content_block_start",
        &format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"text","text":""}}}}"#
        ),
    )
}

fn a_delta(index: u32, delta: &str) -> String {
    ev(
        "content_block_delta",
        &format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#),
    )
}

fn a_text(index: u32, text: &str) -> String {
    a_delta(
        index,
        &format!(
            r#"{{"type":"text_delta","text":{}}}"#,
            serde_json::to_string(text).unwrap()
        ),
    )
}

fn a_json(index: u32, partial: &str) -> String {
    a_delta(
        index,
        &format!(
            r#"{{"type":"input_json_delta","partial_json":{}}}"#,
            serde_json::to_string(partial).unwrap()
        ),
    )
}

fn a_block_stop(index: u32) -> String {
    ev(
        "content_block_stop",
        &format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
    )
}

fn a_tool_start(index: u32, id: &str, name: &str) -> String {
    ev(
        "content_block_start",
        &format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"tool_use","id":"{id}","name":"{name}","input":{{}}}}}}"#
        ),
    )
}

/// `message_delta` with `delta` (its JSON) and `usage` (its JSON, or empty for none).
fn a_message_delta(delta: &str, usage: &str) -> String {
    let usage = if usage.is_empty() {
        String::new()
    } else {
        format!(r#","usage":{usage}"#)
    };
    ev(
        "message_delta",
        &format!(r#"{{"type":"message_delta","delta":{delta}{usage}}}"#),
    )
}

fn a_stop_reason(reason: &str) -> String {
    a_message_delta(
        &format!(r#"{{"stop_reason":"{reason}","stop_sequence":null}}"#),
        r#"{"output_tokens":12}"#,
    )
}

fn a_message_stop() -> String {
    ev("message_stop", r#"{"type":"message_stop"}"#)
}

fn a_ping() -> String {
    ev("ping", r#"{"type": "ping"}"#)
}

/// A whole text answer "Hi" ending with `stop_reason` (output 12 tokens).
fn a_text_stream(stop_reason: &str) -> String {
    [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason(stop_reason),
        a_message_stop(),
    ]
    .concat()
}

fn a_terminal(unified: &str, raw: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"{unified}","provider_finish_reason":"{raw}","usage":{{"input_tokens":25,"output_tokens":12}}}}"#
    ))
}

// ---------------------------------------------------------------------------------------------
// OpenAI stream builders (chat.completion.chunk)
// ---------------------------------------------------------------------------------------------

const O_ID: &str = "chatcmpl-CXt3pL0sWq5eR8tYu2iOa6sD";
const O_MODEL: &str = "gpt-4o-2024-08-06";

/// One chunk for choice 0 with `delta` (its JSON) and `finish_reason` (its JSON: `null` or a
/// string).
fn o_chunk(delta: &str, finish_reason: &str) -> String {
    frame(&format!(
        r#"{{"id":"{O_ID}","object":"chat.completion.chunk","created":1764086400,"model":"{O_MODEL}","service_tier":"default","system_fingerprint":"fp_cbf1785567","choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish_reason}}}]}}"#
    ))
}

/// The final usage chunk (`stream_options.include_usage`): empty `choices`, `usage` (its JSON).
fn o_usage(usage: &str) -> String {
    frame(&format!(
        r#"{{"id":"{O_ID}","object":"chat.completion.chunk","created":1764086400,"model":"{O_MODEL}","service_tier":"default","system_fingerprint":"fp_cbf1785567","choices":[],"usage":{usage}}}"#
    ))
}

fn o_role() -> String {
    o_chunk(
        r#"{"role":"assistant","content":"","refusal":null}"#,
        "null",
    )
}

fn o_content(text: &str) -> String {
    o_chunk(
        &format!(r#"{{"content":{}}}"#, serde_json::to_string(text).unwrap()),
        "null",
    )
}

fn o_finish(reason: &str) -> String {
    o_chunk("{}", &format!("\"{reason}\""))
}

/// A text answer "Hi" ending with `finish_reason`, without usage.
fn o_text_stream(finish_reason: &str) -> String {
    [
        o_role(),
        o_content("Hi"),
        o_finish(finish_reason),
        DONE.into(),
    ]
    .concat()
}

/// The terminal frame of an OpenAI stream without usage.
fn o_terminal(unified: &str, raw: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"{unified}","provider_finish_reason":"{raw}"}}"#
    ))
}

fn o_terminal_with_usage(usage: &str) -> String {
    format!(
        r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"stop","provider_finish_reason":"stop","usage":{usage}}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// Gemini stream builders (GenerateContentResponse, alt=sse)
// ---------------------------------------------------------------------------------------------

const G_ID: &str = "Ze3AcR4mJb5Yb9KRmr-w4SO";
const G_MODEL: &str = "gemini-2.5-flash";

/// One response whose candidate 0 has `candidate` (the candidate object's members after
/// `content`, e.g. `,"finishReason":"STOP"`), `parts` (the parts array's members, or `None` for
/// no `content`), and `usage` (the `usageMetadata` object's JSON, or empty for none).
fn g_chunk(parts: Option<&str>, candidate: &str, usage: &str) -> String {
    let content = match parts {
        Some(parts) => format!(r#""content": {{"parts": [{parts}],"role": "model"}},"#),
        None => String::new(),
    };
    let usage = if usage.is_empty() {
        String::new()
    } else {
        format!(r#","usageMetadata": {usage}"#)
    };
    frame(&format!(
        r#"{{"candidates": [{{{content}"index": 0{candidate}}}]{usage},"modelVersion": "{G_MODEL}","responseId": "{G_ID}"}}"#
    ))
}

fn g_text(text: &str) -> String {
    format!(r#"{{"text": {}}}"#, serde_json::to_string(text).unwrap())
}

const G_USAGE_1: &str = r#"{"promptTokenCount": 8,"totalTokenCount": 8,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]}"#;
const G_USAGE_2: &str = r#"{"promptTokenCount": 8,"candidatesTokenCount": 3,"totalTokenCount": 11,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 8}]}"#;

/// "Hi" then a final response with `finishReason` `reason`; `final_text` puts a text part on the
/// final response (filtered finishes usually come without content).
fn g_text_stream(reason: &str, final_text: bool) -> String {
    let parts = g_text(".");
    [
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_1),
        g_chunk(
            final_text.then_some(parts.as_str()),
            &format!(r#","finishReason": "{reason}""#),
            G_USAGE_2,
        ),
    ]
    .concat()
}

fn g_terminal(unified: &str, raw: &str) -> String {
    frame(&format!(
        r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"{unified}","provider_finish_reason":"{raw}","usage":{{"input_tokens":8,"output_tokens":3}}}}"#
    ))
}
