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

use llm_sse_core::{Finish, FinishReason, Provider, StreamChunk, StreamErrorKind, Usage};
use llm_sse_tests::{Split, frames, normalize};

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

// ---------------------------------------------------------------------------------------------
// Frames: `data: <json>\n\n`, the terminal frame, `[DONE]`, lifecycle events
// ---------------------------------------------------------------------------------------------

#[test]
fn anthropic_whole_stream_is_exact_frames_lifecycle_events_make_no_frame() {
    // message_start, content_block_start, ping, content_block_stop, message_delta and
    // message_stop produce no frames; their information lands on the terminal frame.
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_ping(),
        a_text(0, "Hel"),
        a_text(0, "lo"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_ping(),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        concat!(
            "data: {\"token\":\"Hel\",\"done\":false}\n\n",
            "data: {\"token\":\"lo\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"end_turn\",\"usage\":{\"input_tokens\":25,\"output_tokens\":12}}\n\n",
            "data: [DONE]\n\n",
        )
    );
}

#[test]
fn anthropic_lifecycle_only_stream_makes_only_the_terminal_frame() {
    let input = [
        a_start(A_USAGE_START),
        a_ping(),
        a_text_start(0),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn openai_whole_stream_is_exact_frames() {
    let input = [
        o_role(),
        o_content("Hel"),
        o_content("lo"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hel"),
            tok("lo"),
            o_terminal("stop", "stop"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn gemini_whole_stream_is_exact_frames() {
    let input = g_text_stream("STOP", true);
    assert_eq!(
        run(Provider::Gemini, &input),
        [tok("Hi"), tok("."), g_terminal("stop", "STOP"), DONE.into()].concat()
    );
}

#[test]
fn reasoning_frames_anthropic_thinking() {
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        a_delta(0, r#"{"type":"thinking_delta","thinking":"Let me"}"#),
        a_delta(0, r#"{"type":"thinking_delta","thinking":" think."}"#),
        a_delta(
            0,
            r#"{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}"#,
        ),
        a_block_stop(0),
        a_text_start(1),
        a_text(1, "Hi"),
        a_block_stop(1),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            frame(r#"{"token":"","done":false,"reasoning":"Let me"}"#),
            reasoning(" think."),
            frame(
                r#"{"token":"","done":false,"reasoning_signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}"#
            ),
            tok("Hi"),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn reasoning_frames_openai_reasoning_content() {
    let input = [
        o_chunk(r#"{"role":"assistant","content":""}"#, "null"),
        o_chunk(r#"{"reasoning_content":"Let me"}"#, "null"),
        o_chunk(r#"{"reasoning_content":" think."}"#, "null"),
        o_content("Hi"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            reasoning("Let me"),
            reasoning(" think."),
            tok("Hi"),
            o_terminal("stop", "stop"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn reasoning_frames_gemini_thought_parts() {
    let input = [
        g_chunk(Some(r#"{"text": "Let me","thought": true}"#), "", ""),
        g_chunk(Some(&g_text("Hi")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            reasoning("Let me"),
            tok("Hi"),
            g_terminal("stop", "STOP"),
            DONE.into()
        ]
        .concat()
    );
}

// UTF-8 stays raw (no \u escapes); JSON escapes are serde_json's compact ones.

const UNICODE: &str = "café ✓ 日本語 😀 \"q\" \\ \n\t";
const UNICODE_FRAME: &str =
    "data: {\"token\":\"café ✓ 日本語 😀 \\\"q\\\" \\\\ \\n\\t\",\"done\":false}\n\n";

#[test]
fn utf8_is_raw_in_frames_anthropic() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        // As Anthropic sends it: non-ASCII raw in the event.
        a_text(0, UNICODE),
        // And \u-escaped in the provider JSON: still raw on our wire.
        a_delta(0, r#"{"type":"text_delta","text":"\u00e9\ud83d\ude00"}"#),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let out = run(Provider::Anthropic, &input);
    assert_eq!(
        out,
        [
            UNICODE_FRAME.into(),
            "data: {\"token\":\"é😀\",\"done\":false}\n\n".into(),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
    assert!(!out.contains("\\u"), "no \\u escapes: {out}");
}

#[test]
fn utf8_is_raw_in_frames_openai() {
    let input = [
        o_role(),
        o_content(UNICODE),
        o_chunk(r#"{"content":"\u00e9\ud83d\ude00"}"#, "null"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    assert_eq!(
        out,
        [
            UNICODE_FRAME.into(),
            "data: {\"token\":\"é😀\",\"done\":false}\n\n".into(),
            o_terminal("stop", "stop"),
            DONE.into()
        ]
        .concat()
    );
    assert!(!out.contains("\\u"), "no \\u escapes: {out}");
}

#[test]
fn utf8_is_raw_in_frames_gemini() {
    let input = [
        g_chunk(Some(&g_text(UNICODE)), "", G_USAGE_1),
        g_chunk(
            Some(r#"{"text": "\u00e9\ud83d\ude00"}"#),
            r#","finishReason": "STOP""#,
            G_USAGE_2,
        ),
    ]
    .concat();
    let out = run(Provider::Gemini, &input);
    assert_eq!(
        out,
        [
            UNICODE_FRAME.into(),
            "data: {\"token\":\"é😀\",\"done\":false}\n\n".into(),
            g_terminal("stop", "STOP"),
            DONE.into()
        ]
        .concat()
    );
    assert!(!out.contains("\\u"), "no \\u escapes: {out}");
}

// ---------------------------------------------------------------------------------------------
// Unified finish reasons: Anthropic `stop_reason`
// ---------------------------------------------------------------------------------------------

fn anthropic_finish_case(stop_reason: &str, unified: &str) {
    assert_eq!(
        run(Provider::Anthropic, &a_text_stream(stop_reason)),
        [tok("Hi"), a_terminal(unified, stop_reason), DONE.into()].concat()
    );
}

#[test]
fn finish_anthropic_end_turn_is_stop() {
    anthropic_finish_case("end_turn", "stop");
}

#[test]
fn finish_anthropic_max_tokens_is_length() {
    anthropic_finish_case("max_tokens", "length");
}

#[test]
fn finish_anthropic_model_context_window_exceeded_is_length() {
    anthropic_finish_case("model_context_window_exceeded", "length");
}

#[test]
fn finish_anthropic_stop_sequence_is_stop_sequence() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":"stop_sequence","stop_sequence":"\n\nHuman:"}"#,
            r#"{"output_tokens":12}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            a_terminal("stop_sequence", "stop_sequence"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn finish_anthropic_tool_use_is_tool_calls() {
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01", "get_weather"),
        a_json(0, r#"{"city":"Paris"}"#),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "get_weather", ""),
            tool_more(0, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn finish_anthropic_refusal_is_content_filter() {
    anthropic_finish_case("refusal", "content_filter");
}

#[test]
fn finish_anthropic_pause_turn_is_pause_turn() {
    anthropic_finish_case("pause_turn", "pause_turn");
}

#[test]
fn finish_anthropic_unknown_is_other_with_raw_value() {
    anthropic_finish_case("some_future_reason", "other");
}

// ---------------------------------------------------------------------------------------------
// Unified finish reasons: OpenAI `finish_reason`
// ---------------------------------------------------------------------------------------------

fn openai_finish_case(reason: &str, unified: &str) {
    assert_eq!(
        run(Provider::OpenAi, &o_text_stream(reason)),
        [tok("Hi"), o_terminal(unified, reason), DONE.into()].concat()
    );
}

#[test]
fn finish_openai_stop_is_stop() {
    openai_finish_case("stop", "stop");
}

#[test]
fn finish_openai_length_is_length() {
    openai_finish_case("length", "length");
}

#[test]
fn finish_openai_tool_calls_is_tool_calls() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Paris\"}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_1", "get_weather", ""),
            tool_more(0, r#"{"city":"Paris"}"#),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn finish_openai_function_call_is_tool_calls() {
    // The legacy `functions` API: a `function_call` delta (no id) and finish `function_call`.
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":""}}"#,
            "null",
        ),
        o_chunk(
            r#"{"function_call":{"arguments":"{\"city\":\"Paris\"}"}}"#,
            "null",
        ),
        o_finish("function_call"),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    assert_eq!(
        terminal_json(&out),
        format!(
            r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"tool_calls","provider_finish_reason":"function_call"}}"#
        )
    );
}

#[test]
fn finish_openai_content_filter_is_content_filter() {
    openai_finish_case("content_filter", "content_filter");
}

fn openai_refusal_case(reason: &str) {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"refusal":""}"#,
            "null",
        ),
        o_chunk(r#"{"refusal":"I can't"}"#, "null"),
        o_chunk(r#"{"refusal":" help."}"#, "null"),
        o_finish(reason),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("I can't"),
            tok(" help."),
            o_terminal("content_filter", reason),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn finish_openai_stop_after_refusal_is_content_filter() {
    openai_refusal_case("stop");
}

#[test]
fn finish_openai_length_after_refusal_is_content_filter() {
    openai_refusal_case("length");
}

#[test]
fn finish_openai_unknown_is_other_with_raw_value() {
    // The table's OpenAI cell of the `other` row is empty; its Anthropic cell says "anything
    // else (the raw value stays in provider_finish_reason)", which FinishReason::Other documents
    // for every provider.
    openai_finish_case("eos_token", "other");
}

// ---------------------------------------------------------------------------------------------
// Unified finish reasons: Gemini `finishReason`
// ---------------------------------------------------------------------------------------------

fn gemini_finish_case(reason: &str, unified: &str, final_text: bool) {
    let mut expected = vec![tok("Hi")];
    if final_text {
        expected.push(tok("."));
    }
    expected.push(g_terminal(unified, reason));
    expected.push(DONE.into());
    assert_eq!(
        run(Provider::Gemini, &g_text_stream(reason, final_text)),
        expected.concat()
    );
}

#[test]
fn finish_gemini_stop_without_function_call_is_stop() {
    gemini_finish_case("STOP", "stop", true);
}

#[test]
fn finish_gemini_stop_with_function_call_is_tool_calls() {
    let input = [
        g_chunk(Some(&g_text("Checking.")), "", G_USAGE_1),
        g_chunk(
            Some(r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris"}}}"#),
            r#","finishReason": "STOP""#,
            G_USAGE_2,
        ),
    ]
    .concat();
    let out = run(Provider::Gemini, &input);
    assert_eq!(terminal_json(&out), {
        let t = g_terminal("tool_calls", "STOP");
        t["data: ".len()..t.len() - 2].to_owned()
    });
}

#[test]
fn finish_gemini_max_tokens_is_length() {
    gemini_finish_case("MAX_TOKENS", "length", true);
}

#[test]
fn finish_gemini_safety_is_content_filter() {
    gemini_finish_case("SAFETY", "content_filter", false);
}

#[test]
fn finish_gemini_recitation_is_content_filter() {
    gemini_finish_case("RECITATION", "content_filter", false);
}

#[test]
fn finish_gemini_blocklist_is_content_filter() {
    gemini_finish_case("BLOCKLIST", "content_filter", false);
}

#[test]
fn finish_gemini_prohibited_content_is_content_filter() {
    gemini_finish_case("PROHIBITED_CONTENT", "content_filter", false);
}

#[test]
fn finish_gemini_spii_is_content_filter() {
    gemini_finish_case("SPII", "content_filter", false);
}

#[test]
fn finish_gemini_image_safety_is_content_filter() {
    gemini_finish_case("IMAGE_SAFETY", "content_filter", false);
}

#[test]
fn finish_gemini_image_prohibited_content_is_content_filter() {
    gemini_finish_case("IMAGE_PROHIBITED_CONTENT", "content_filter", false);
}

#[test]
fn finish_gemini_image_recitation_is_content_filter() {
    gemini_finish_case("IMAGE_RECITATION", "content_filter", false);
}

#[test]
fn finish_gemini_other_is_other() {
    gemini_finish_case("OTHER", "other", true);
}

#[test]
fn finish_gemini_malformed_function_call_is_other() {
    gemini_finish_case("MALFORMED_FUNCTION_CALL", "other", false);
}

#[test]
fn finish_gemini_unknown_is_other_with_raw_value() {
    gemini_finish_case("SOME_FUTURE_REASON", "other", true);
}

// ---------------------------------------------------------------------------------------------
// Usage: Anthropic
// ---------------------------------------------------------------------------------------------

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    }
}

#[test]
fn usage_anthropic_input_from_message_start_output_from_message_delta() {
    let fin = finish(Provider::Anthropic, &a_text_stream("end_turn"));
    assert_eq!(fin.usage, Some(usage(25, 12)));
}

#[test]
fn usage_anthropic_last_message_delta_replaces_never_sums() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":null,"stop_sequence":null}"#,
            r#"{"output_tokens":5}"#,
        ),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"output_tokens":12}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    // Not 1 + 5 + 12, not 5 + 12: the last cumulative count.
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":25,"output_tokens":12}}"#
    );
}

#[test]
fn usage_anthropic_message_delta_input_and_cache_counts_win() {
    let input = [
        a_start(
            r#"{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"input_tokens":500,"cache_creation_input_tokens":1200,"cache_read_input_tokens":2048,"output_tokens":89}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    // Key order: cache_read before cache_creation, whatever the provider's order.
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":500,"output_tokens":89,"cache_read_input_tokens":2048,"cache_creation_input_tokens":1200}}"#
    );
}

#[test]
fn usage_anthropic_cache_counts_from_message_start_zeros_included() {
    let input = [
        a_start(
            r#"{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":12,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}"#
    );
}

#[test]
fn usage_anthropic_omitted_when_never_reported() {
    let input = [
        a_start(""),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(r#"{"stop_reason":"end_turn","stop_sequence":null}"#, ""),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn"}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

// ---------------------------------------------------------------------------------------------
// Usage: OpenAI
// ---------------------------------------------------------------------------------------------

fn o_usage_stream(usage: &str) -> String {
    [
        o_role(),
        o_content("Hi"),
        o_finish("stop"),
        o_usage(usage),
        DONE.into(),
    ]
    .concat()
}

fn o_terminal_with_usage(usage: &str) -> String {
    format!(
        r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"stop","provider_finish_reason":"stop","usage":{usage}}}"#
    )
}

#[test]
fn usage_openai_from_final_usage_chunk_cached_and_reasoning_tokens() {
    let input = o_usage_stream(
        r#"{"prompt_tokens":1250,"completion_tokens":300,"total_tokens":1550,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
    );
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hi"),
            frame(&o_terminal_with_usage(
                r#"{"input_tokens":1250,"output_tokens":300,"cache_read_input_tokens":1024,"reasoning_tokens":192}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_openai_reported_zeros_are_included() {
    let input = o_usage_stream(
        r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(
            r#"{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0,"reasoning_tokens":0}"#
        )
    );
}

#[test]
fn usage_openai_without_details_has_only_input_and_output() {
    let input = o_usage_stream(r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}"#);
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(r#"{"input_tokens":12,"output_tokens":2}"#)
    );
}

#[test]
fn usage_openai_omitted_when_never_reported() {
    let fin = finish(Provider::OpenAi, &o_text_stream("stop"));
    assert_eq!(fin.usage, None);
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &o_text_stream("stop"))),
        {
            let t = o_terminal("stop", "stop");
            t["data: ".len()..t.len() - 2].to_owned()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Usage: Gemini
// ---------------------------------------------------------------------------------------------

fn g_terminal_with_usage(usage: &str) -> String {
    format!(
        r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"stop","provider_finish_reason":"STOP","usage":{usage}}}"#
    )
}

#[test]
fn usage_gemini_output_is_candidates_plus_thoughts_reasoning_and_cache() {
    let input = [
        g_chunk(
            Some(r#"{"text": "Hmm.","thought": true}"#),
            "",
            r#"{"promptTokenCount": 4200,"cachedContentTokenCount": 4096,"totalTokenCount": 4300,"thoughtsTokenCount": 100}"#,
        ),
        g_chunk(
            Some(&g_text("Hi")),
            r#","finishReason": "STOP""#,
            r#"{"promptTokenCount": 4200,"candidatesTokenCount": 9,"cachedContentTokenCount": 4096,"totalTokenCount": 4489,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4200}],"cacheTokensDetails": [{"modality": "TEXT","tokenCount": 4096}],"thoughtsTokenCount": 180}"#,
        ),
    ]
    .concat();
    // Key order: cache_read_input_tokens before reasoning_tokens.
    assert_eq!(
        terminal_json(&run(Provider::Gemini, &input)),
        g_terminal_with_usage(
            r#"{"input_tokens":4200,"output_tokens":189,"cache_read_input_tokens":4096,"reasoning_tokens":180}"#
        )
    );
}

#[test]
fn usage_gemini_last_report_wins() {
    let input = [
        g_chunk(
            Some(&g_text("Hel")),
            "",
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 5,"totalTokenCount": 13}"#,
        ),
        g_chunk(
            Some(&g_text("lo")),
            "",
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 9,"totalTokenCount": 17}"#,
        ),
        g_chunk(
            Some(&g_text("!")),
            r#","finishReason": "STOP""#,
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 20}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Hel"),
            tok("lo"),
            tok("!"),
            frame(&g_terminal_with_usage(
                r#"{"input_tokens":8,"output_tokens":12}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_gemini_reported_zero_thoughts_are_included() {
    let input = g_chunk(
        Some(&g_text("Hi")),
        r#","finishReason": "STOP""#,
        r#"{"promptTokenCount": 8,"candidatesTokenCount": 3,"cachedContentTokenCount": 0,"totalTokenCount": 11,"thoughtsTokenCount": 0}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::Gemini, &input)),
        g_terminal_with_usage(
            r#"{"input_tokens":8,"output_tokens":3,"cache_read_input_tokens":0,"reasoning_tokens":0}"#
        )
    );
}

#[test]
fn usage_gemini_omitted_when_never_reported() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", ""),
        g_chunk(Some(&g_text(".")), r#","finishReason": "STOP""#, ""),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Hi"),
            tok("."),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"stop","provider_finish_reason":"STOP"}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

// ---------------------------------------------------------------------------------------------
// Tool calls
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_anthropic_index_counts_calls_not_content_blocks() {
    // tool_use blocks at content-block index 1 and 3 are the stream's tool calls 0 and 1; id and
    // name only on the first piece; empty partial_json makes no frame; fragments concatenate.
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Checking both."),
        a_block_stop(0),
        a_tool_start(1, "toolu_01A", "get_weather"),
        a_json(1, ""),
        a_json(1, r#"{"city": "Pa"#),
        a_json(1, r#"ris"}"#),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "And"),
        a_block_stop(2),
        a_tool_start(3, "toolu_01B", "get_time"),
        a_json(3, r#"{"tz":"#),
        a_json(3, r#" "CET"}"#),
        a_block_stop(3),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Checking both."),
            frame(
                r#"{"token":"","done":false,"tool_call":{"index":0,"id":"toolu_01A","name":"get_weather","arguments":""}}"#
            ),
            frame(r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":"{\"city\": \"Pa"}}"#),
            tool_more(0, r#"ris"}"#),
            tok("And"),
            tool_first(1, "toolu_01B", "get_time", ""),
            tool_more(1, r#"{"tz":"#),
            tool_more(1, r#" "CET"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_call_without_json_gets_one_empty_object_at_block_stop() {
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01", "get_time"),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "get_time", ""),
            tool_more(0, "{}"),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_call_with_only_empty_partial_json_gets_one_empty_object() {
    // An empty partial_json is no JSON: the call still streamed none.
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01", "get_time"),
        a_json(0, ""),
        a_json(0, ""),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "get_time", ""),
            tool_more(0, "{}"),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_server_tool_use_makes_no_tool_call_frames() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Searching."),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}}"#,
        ),
        a_json(1, ""),
        a_json(1, r#"{"query": "weather"#),
        a_json(1, r#" Paris"}"#),
        a_block_stop(1),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","title":"Paris weather","url":"https://weather.example.com/paris","encrypted_content":"Ev0DCioIAhgCIiQ3","page_age":"2 hours ago"}]}}"#,
        ),
        a_block_stop(2),
        a_text_start(3),
        a_text(3, "Sunny."),
        a_block_stop(3),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Searching."),
            tok("Sunny."),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_parallel_calls_by_index() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": "}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"function":{"arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":\"CET\"}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", ""),
            tool_more(0, r#"{"city": "#),
            tool_more(0, r#""Paris"}"#),
            tool_first(1, "call_B", "get_time", ""),
            tool_more(1, r#"{"tz":"CET"}"#),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_call_without_arguments_gets_one_empty_object() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_time","arguments":""}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_time", ""),
            tool_more(0, "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_function_calls_are_complete_pieces_counted_from_zero() {
    let input = [
        g_chunk(Some(&g_text("Checking.")), "", G_USAGE_1),
        g_chunk(
            Some(
                r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris","unit": "celsius"}}},{"functionCall": {"name": "get_weather","args": {"city": "Tokyo"}}}"#,
            ),
            r#","finishReason": "STOP""#,
            G_USAGE_2,
        ),
    ]
    .concat();
    // Calls without a provider id get `call_<response id>_<index>` (see the tests on ids below).
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Checking."),
            tool_first(
                0,
                &format!("call_{G_ID}_0"),
                "get_weather",
                r#"{"city":"Paris","unit":"celsius"}"#
            ),
            tool_first(
                1,
                &format!("call_{G_ID}_1"),
                "get_weather",
                r#"{"city":"Tokyo"}"#
            ),
            g_terminal("tool_calls", "STOP"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_call_without_args_concatenates_to_empty_object() {
    let input = g_chunk(
        Some(r#"{"functionCall": {"name": "get_time"}}"#),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    let args: String = chunks
        .iter()
        .map(|c| match c {
            StreamChunk::ToolCallStart(p) => {
                assert_eq!(p.index, 0);
                p.arguments.as_str()
            }
            other => panic!("unexpected chunk {other:?}"),
        })
        .collect();
    assert_eq!(args, "{}");
    assert_eq!(fin.finish_reason(), Some(FinishReason::ToolCalls));
}

// ---------------------------------------------------------------------------------------------
// Every non-terminal frame carries content
// ---------------------------------------------------------------------------------------------

#[test]
fn no_empty_frames_anthropic() {
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        a_delta(0, r#"{"type":"thinking_delta","thinking":""}"#),
        a_delta(0, r#"{"type":"signature_delta","signature":""}"#),
        a_block_stop(0),
        a_text_start(1),
        a_text(1, ""),
        a_text(1, "Hi"),
        a_text(1, ""),
        a_block_stop(1),
        a_tool_start(2, "toolu_01", "get_weather"),
        a_json(2, ""),
        a_json(2, r#"{"city":"Paris"}"#),
        a_json(2, ""),
        a_block_stop(2),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":3,"content_block":{"type":"redacted_thinking","data":""}}"#,
        ),
        a_block_stop(3),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            tool_first(0, "toolu_01", "get_weather", ""),
            tool_more(0, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn no_empty_frames_openai() {
    let input = [
        o_role(),
        o_chunk(r#"{"content":""}"#, "null"),
        o_chunk(r#"{"content":null}"#, "null"),
        o_chunk(r#"{"reasoning_content":""}"#, "null"),
        o_chunk(r#"{"refusal":null}"#, "null"),
        o_content("Hi"),
        o_chunk(r#"{"content":""}"#, "null"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [tok("Hi"), o_terminal("stop", "stop"), DONE.into()].concat()
    );
}

#[test]
fn no_empty_frames_gemini() {
    let input = [
        g_chunk(Some(&g_text("")), "", G_USAGE_1),
        g_chunk(Some(r#"{"text": "","thought": true}"#), "", G_USAGE_1),
        g_chunk(
            Some(r#"{"text": "","thoughtSignature": ""}"#),
            "",
            G_USAGE_1,
        ),
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_1),
        g_chunk(Some(&g_text("")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [tok("Hi"), g_terminal("stop", "STOP"), DONE.into()].concat()
    );
}

// ---------------------------------------------------------------------------------------------
// Exactly one terminal frame, then [DONE], then nothing
// ---------------------------------------------------------------------------------------------

#[test]
fn nothing_after_terminal_anthropic() {
    let input = [
        a_text_stream("end_turn"),
        a_text_start(1),
        a_text(1, "late"),
        a_message_stop(),
        ev(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Hi"), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn nothing_after_terminal_anthropic_error_event() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        ev(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
        a_text(0, "late"),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let out = run(Provider::Anthropic, &input);
    assert_eq!(split_frames(&out).len(), 2, "{out}");
    assert!(!out.contains(r#""late""#), "{out}");
}

#[test]
fn nothing_after_terminal_openai() {
    let input = [
        o_text_stream("stop"),
        o_content("late"),
        o_finish("length"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [tok("Hi"), o_terminal("stop", "stop"), DONE.into()].concat()
    );
}

#[test]
fn nothing_after_terminal_openai_error_object() {
    let input = [
        o_role(),
        o_content("Hi"),
        frame(
            r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#,
        ),
        o_content("late"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    assert_eq!(split_frames(&out).len(), 3, "{out}");
    assert!(!out.contains(r#""late""#), "{out}");
}

#[test]
fn nothing_after_terminal_gemini_error_object() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_1),
        frame(
            r#"{"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}"#,
        ),
        g_chunk(Some(&g_text("late")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    let out = run(Provider::Gemini, &input);
    assert_eq!(split_frames(&out).len(), 3, "{out}");
    assert!(!out.contains(r#""late""#), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Error terminal frames keep what was known before the failure
// ---------------------------------------------------------------------------------------------

#[test]
fn error_anthropic_error_event_exact_frame() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        ev(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","usage":{"input_tokens":25,"output_tokens":1},"error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn error_anthropic_error_event_after_message_delta_keeps_stop_reason_and_usage() {
    // Every terminal key at once, in order: provider, id, model, finish_reason,
    // provider_finish_reason, usage, error.
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        ev(
            "error",
            r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","provider_finish_reason":"end_turn","usage":{"input_tokens":25,"output_tokens":12},"error":{"type":"api_error","message":"Internal server error"}}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

/// Checks an error terminal chunk: `kind`, and exactly the id, model, raw finish reason and usage
/// known before the failure. The message wording is ours and not part of the contract, but it
/// must say something.
fn assert_error_terminal(
    fin: &Finish,
    provider: Provider,
    kind: StreamErrorKind,
    id: Option<&str>,
    model: Option<&str>,
    provider_finish_reason: Option<&str>,
    usage: Option<Usage>,
) {
    assert_eq!(fin.provider, provider);
    assert_eq!(fin.finish_reason_str(), "error");
    let error = fin.error().expect("an error terminal carries error");
    assert_eq!(error.kind, kind, "{fin:?}");
    assert!(!error.message.is_empty(), "{fin:?}");
    assert_eq!(fin.id.as_deref(), id, "{fin:?}");
    assert_eq!(fin.model.as_deref(), model, "{fin:?}");
    assert_eq!(
        fin.provider_finish_reason.as_deref(),
        provider_finish_reason,
        "{fin:?}"
    );
    assert_eq!(fin.usage, usage, "{fin:?}");
}

#[test]
fn error_anthropic_truncated_after_message_delta_keeps_stop_reason_and_usage() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("max_tokens"),
        // The stream breaks before message_stop.
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Anthropic, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::Anthropic,
        StreamErrorKind::IncompleteStream,
        Some("msg_01"),
        Some("claude-sonnet-4-5"),
        Some("max_tokens"),
        Some(usage(25, 12)),
    );
    let out = run(Provider::Anthropic, &input);
    let t = terminal_json(&out);
    assert!(
        t.starts_with(
            r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","provider_finish_reason":"max_tokens","usage":{"input_tokens":25,"output_tokens":12},"error":{"type":"incomplete_stream","message":""#
        ),
        "{t}"
    );
}

#[test]
fn error_anthropic_truncated_mid_event_is_incomplete_stream() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        // Half an event, no blank line: never dispatched.
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" th".into(),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Anthropic, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::Anthropic,
        StreamErrorKind::IncompleteStream,
        Some("msg_01"),
        Some("claude-sonnet-4-5"),
        None,
        Some(usage(25, 1)),
    );
}

#[test]
fn error_anthropic_undecodable_event_is_invalid_event() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        ev(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"unterminated}"#,
        ),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Anthropic, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::Anthropic,
        StreamErrorKind::InvalidEvent,
        Some("msg_01"),
        Some("claude-sonnet-4-5"),
        None,
        Some(usage(25, 1)),
    );
    let t = terminal_json(&run(Provider::Anthropic, &input));
    assert!(
        t.contains(r#""error":{"type":"invalid_event","message":""#),
        "{t}"
    );
}

#[test]
fn error_openai_error_object_exact_frame() {
    let input = [
        o_role(),
        o_content("Hi"),
        frame(
            r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hi"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"error","error":{{"type":"server_error","message":"The server had an error while processing your request. Sorry about that!"}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn error_openai_error_after_finish_keeps_provider_finish_reason() {
    // finish_reason arrived, then the server errors before the usage chunk.
    let input = [
        o_role(),
        o_content("Hi"),
        o_finish("length"),
        frame(
            r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#,
        ),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hi"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"error","provider_finish_reason":"length","error":{{"type":"server_error","message":"The server had an error while processing your request. Sorry about that!"}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn error_openai_truncated_before_finish_is_incomplete_stream() {
    let input = [o_role(), o_content("Hi")].concat();
    let (chunks, fin) = chunks(Provider::OpenAi, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::OpenAi,
        StreamErrorKind::IncompleteStream,
        Some(O_ID),
        Some(O_MODEL),
        None,
        None,
    );
}

#[test]
fn error_openai_undecodable_event_is_invalid_event() {
    let input = [
        o_role(),
        o_content("Hi"),
        frame(r#"{"id":"chatcmpl-CXt3pL0sWq5eR8tYu2iOa6sD","choices":[{"index":0,"delta":{"content":"x"#),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::OpenAi, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::OpenAi,
        StreamErrorKind::InvalidEvent,
        Some(O_ID),
        Some(O_MODEL),
        None,
        None,
    );
}

#[test]
fn error_gemini_error_object_keeps_id_model_usage() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_2),
        frame(
            r#"{"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}"#,
        ),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_eq!(fin.finish_reason_str(), "error");
    assert_eq!(fin.id.as_deref(), Some(G_ID));
    assert_eq!(fin.model.as_deref(), Some(G_MODEL));
    assert_eq!(fin.provider_finish_reason, None);
    assert_eq!(fin.usage, Some(usage(8, 3)));
    let error = fin.error().cloned().expect("error");
    // DESIGN.md does not say which Gemini field is the error `type` (status or code), so only
    // the message is checked.
    assert_eq!(
        error.message,
        "The model is overloaded. Please try again later."
    );
    assert!(
        matches!(error.kind, StreamErrorKind::Provider(_)),
        "{error:?}"
    );
}

#[test]
fn error_gemini_truncated_before_finish_reason_is_incomplete_stream() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_2),
        g_chunk(Some(&g_text(" there")), "", G_USAGE_2),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    assert_eq!(
        chunks,
        vec![
            StreamChunk::Token("Hi".into()),
            StreamChunk::Token(" there".into())
        ]
    );
    assert_error_terminal(
        &fin,
        Provider::Gemini,
        StreamErrorKind::IncompleteStream,
        Some(G_ID),
        Some(G_MODEL),
        None,
        Some(usage(8, 3)),
    );
}

#[test]
fn error_gemini_undecodable_event_is_invalid_event() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", G_USAGE_2),
        frame(r#"{"candidates": [{"content": {"parts": [{"text": "x"#),
        g_chunk(Some(&g_text(".")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::Gemini,
        StreamErrorKind::InvalidEvent,
        Some(G_ID),
        Some(G_MODEL),
        None,
        Some(usage(8, 3)),
    );
}

// ---------------------------------------------------------------------------------------------
// id and model sources
// ---------------------------------------------------------------------------------------------

#[test]
fn id_model_anthropic_from_message_start() {
    let fin = finish(Provider::Anthropic, &a_text_stream("end_turn"));
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(fin.model.as_deref(), Some("claude-sonnet-4-5"));
}

#[test]
fn id_model_openai_from_chunks() {
    let fin = finish(Provider::OpenAi, &o_text_stream("stop"));
    assert_eq!(fin.id.as_deref(), Some(O_ID));
    assert_eq!(fin.model.as_deref(), Some(O_MODEL));
}

#[test]
fn id_model_gemini_from_response_id_and_model_version() {
    let fin = finish(Provider::Gemini, &g_text_stream("STOP", true));
    assert_eq!(fin.id.as_deref(), Some(G_ID));
    assert_eq!(fin.model.as_deref(), Some(G_MODEL));
}

// ---------------------------------------------------------------------------------------------
// More of the contract's details, and issue 3's decoder rules that shape the wire
// ---------------------------------------------------------------------------------------------

#[test]
fn error_anthropic_error_event_before_message_start_omits_unknown_fields() {
    // Nothing known yet: id, model, provider_finish_reason and usage are omitted, never null.
    let input = ev(
        "error",
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    );
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","finish_reason":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn error_openai_error_object_first_omits_unknown_fields() {
    let input = frame(
        r#"{"error":{"message":"Rate limit reached for gpt-4o","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"}}"#,
    );
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            frame(
                r#"{"token":"","done":true,"provider":"openai","finish_reason":"error","error":{"type":"rate_limit_exceeded","message":"Rate limit reached for gpt-4o"}}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_anthropic_later_report_replaces_even_when_smaller() {
    // DESIGN.md: "a later report of a count replaces an earlier one".
    let input = [
        a_start(
            r#"{"input_tokens":472,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":2}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"input_tokens":470,"cache_creation_input_tokens":0,"cache_read_input_tokens":40,"output_tokens":9}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        finish(Provider::Anthropic, &input).usage,
        Some(Usage {
            input_tokens: 470,
            output_tokens: 9,
            cache_read_input_tokens: Some(40),
            cache_creation_input_tokens: Some(0),
            reasoning_tokens: None,
        })
    );
}

#[test]
fn usage_anthropic_counts_not_reported_again_are_kept() {
    // message_delta reports only output_tokens: input and cache counts stay from message_start.
    let input = [
        a_start(
            r#"{"input_tokens":30,"cache_creation_input_tokens":1200,"cache_read_input_tokens":2048,"output_tokens":1}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":30,"output_tokens":12,"cache_read_input_tokens":2048,"cache_creation_input_tokens":1200}}"#
    );
}

#[test]
fn usage_openai_null_details_are_not_reports() {
    // vLLM and other compatible servers send `null` details.
    let input = o_usage_stream(
        r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":null,"completion_tokens_details":null}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(r#"{"input_tokens":12,"output_tokens":2}"#)
    );
}

#[test]
fn usage_openai_on_the_finish_chunk_itself() {
    // Groq, DeepSeek: usage on the chunk that carries finish_reason.
    let input = [
        o_role(),
        o_content("Hi"),
        frame(&format!(
            r#"{{"id":"{O_ID}","object":"chat.completion.chunk","created":1764086400,"model":"{O_MODEL}","choices":[{{"index":0,"delta":{{}},"logprobs":null,"finish_reason":"stop"}}],"usage":{{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{{"cached_tokens":0}}}}}}"#
        )),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(
            r#"{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0}"#
        )
    );
}

#[test]
fn openai_empty_string_finish_reason_means_none() {
    let input = [
        o_role(),
        o_chunk(r#"{"content":"Hel"}"#, r#""""#),
        o_chunk(r#"{"content":"lo"}"#, r#""""#),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hel"),
            tok("lo"),
            o_terminal("stop", "stop"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn openai_only_choice_zero_is_normalized() {
    let c1 = |delta: &str, fr: &str| {
        frame(&format!(
            r#"{{"id":"{O_ID}","object":"chat.completion.chunk","created":1764086400,"model":"{O_MODEL}","choices":[{{"index":1,"delta":{delta},"logprobs":null,"finish_reason":{fr}}}]}}"#
        ))
    };
    let input = [
        o_role(),
        c1(r#"{"role":"assistant","content":""}"#, "null"),
        o_content("Hi"),
        c1(r#"{"content":"Other"}"#, "null"),
        c1("{}", r#""length""#),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [tok("Hi"), o_terminal("stop", "stop"), DONE.into()].concat()
    );
}

#[test]
fn openai_missing_done_after_finish_ends_normally() {
    let input = [
        o_role(),
        o_content("Hi"),
        o_finish("stop"),
        o_usage(r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}"#),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hi"),
            frame(&o_terminal_with_usage(
                r#"{"input_tokens":12,"output_tokens":2}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn openai_reasoning_field_is_reasoning() {
    // OpenRouter and others name it `reasoning`.
    let input = [
        o_role(),
        o_chunk(r#"{"reasoning":"Let me"}"#, "null"),
        o_content("Hi"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            reasoning("Let me"),
            tok("Hi"),
            o_terminal("stop", "stop"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_index_counts_calls_not_provider_index() {
    // A compatible server numbering its calls from 1: the stream's calls are still 0 and 1.
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":1,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":2,"id":"call_B","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", r#"{"city":"Paris"}"#),
            tool_first(1, "call_B", "get_time", "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_empty_object_comes_when_its_block_ends() {
    // The `{}` piece belongs at the call's content_block_stop: before later blocks' frames.
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01A", "get_time"),
        a_block_stop(0),
        a_tool_start(1, "toolu_01B", "get_weather"),
        a_json(1, r#"{"city":"Paris"}"#),
        a_block_stop(1),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01A", "get_time", ""),
            tool_more(0, "{}"),
            tool_first(1, "toolu_01B", "get_weather", ""),
            tool_more(1, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_client_call_after_server_tool_is_call_zero() {
    // The server tool is not one of the stream's tool calls: the client tool after it is call 0.
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}}"#,
        ),
        a_json(0, r#"{"query": "weather Paris"}"#),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[]}}"#,
        ),
        a_block_stop(1),
        a_tool_start(2, "toolu_01", "book_table"),
        a_json(2, r#"{"city":"Paris"}"#),
        a_block_stop(2),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "book_table", ""),
            tool_more(0, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn finish_gemini_stop_after_function_call_in_an_earlier_chunk_is_tool_calls() {
    // "STOP with a functionCall part" in the turn: the call came in an earlier response.
    let input = [
        g_chunk(
            Some(r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris"}}}"#),
            "",
            G_USAGE_1,
        ),
        g_chunk(Some(&g_text("")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    let fin = finish(Provider::Gemini, &input);
    assert_eq!(fin.finish_reason(), Some(FinishReason::ToolCalls));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("STOP"));
}

#[test]
fn gemini_prompt_block_is_content_filter() {
    let input = frame(&format!(
        r#"{{"promptFeedback": {{"blockReason": "SAFETY","safetyRatings": [{{"category": "HARM_CATEGORY_DANGEROUS_CONTENT","probability": "HIGH","blocked": true}}]}},"usageMetadata": {{"promptTokenCount": 8,"totalTokenCount": 8}},"modelVersion": "{G_MODEL}","responseId": "{G_ID}"}}"#
    ));
    let fin = finish(Provider::Gemini, &input);
    assert_eq!(fin.finish_reason(), Some(FinishReason::ContentFilter));
    // The block reason is the provider's finish reason (DESIGN.md's amendment).
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("SAFETY"));
    assert_eq!(fin.id.as_deref(), Some(G_ID));
    assert_eq!(fin.usage, Some(usage(8, 0)));
}

#[test]
fn anthropic_unknown_event_block_and_delta_types_are_ignored() {
    let input = [
        a_start(A_USAGE_START),
        ev("future_event", r#"{"type":"future_event","x":1}"#),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"future_block","data":"x"}}"#,
        ),
        a_delta(0, r#"{"type":"future_delta","data":"x"}"#),
        a_block_stop(0),
        a_text_start(1),
        a_delta(
            1,
            r#"{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x","document_index":0,"start_char_index":0,"end_char_index":1}}"#,
        ),
        a_delta(1, r#"{"type":"future_delta","data":"x"}"#),
        a_text(1, "Hi"),
        a_block_stop(1),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Hi"), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn anthropic_content_before_message_start_is_invalid_event() {
    let input = [a_text_start(0), a_text(0, "Hi"), a_text_stream("end_turn")].concat();
    let (chunks, fin) = chunks(Provider::Anthropic, &input);
    assert_eq!(chunks, vec![]);
    assert_error_terminal(
        &fin,
        Provider::Anthropic,
        StreamErrorKind::InvalidEvent,
        None,
        None,
        None,
        None,
    );
}

#[test]
fn anthropic_second_message_start_after_content_is_invalid_event() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_start(A_USAGE_START),
        a_text(0, "again"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Anthropic, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_eq!(fin.finish_reason_str(), "error");
    assert_eq!(
        fin.error().map(|e| e.kind.clone()),
        Some(StreamErrorKind::InvalidEvent)
    );
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
}

#[test]
fn anthropic_identical_message_start_repeat_before_content_is_ignored() {
    let input = [a_start(A_USAGE_START), a_text_stream("end_turn")].concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Hi"), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn anthropic_missing_required_field_is_invalid_event_naming_the_event() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_delta(0, r#"{"type":"text_delta"}"#),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let fin = finish(Provider::Anthropic, &input);
    let error = fin.error().cloned().expect("error");
    assert_eq!(error.kind, StreamErrorKind::InvalidEvent);
    assert!(
        error.message.contains("content_block_delta"),
        "names the event: {}",
        error.message
    );
}

#[test]
fn connection_error_keeps_what_was_known_openai_and_gemini() {
    use llm_sse_core::{Normalizer, StreamError};
    for (provider, input, usage_known) in [
        (Provider::OpenAi, [o_role(), o_content("Hi")].concat(), None),
        (
            Provider::Gemini,
            g_chunk(Some(&g_text("Hi")), "", G_USAGE_2),
            Some(usage(8, 3)),
        ),
    ] {
        let mut n = Normalizer::new(provider);
        n.feed(input.as_bytes());
        n.fail(StreamError::new(
            StreamErrorKind::ConnectionError,
            "connection reset",
        ));
        let mut out = Vec::new();
        n.write_frames(&mut out);
        let out = String::from_utf8(out).unwrap();
        let (id, model) = match provider {
            Provider::OpenAi => (O_ID, O_MODEL),
            _ => (G_ID, G_MODEL),
        };
        let usage_json = match usage_known {
            Some(_) => r#","usage":{"input_tokens":8,"output_tokens":3}"#,
            None => "",
        };
        assert_eq!(
            out,
            [
                tok("Hi"),
                frame(&format!(
                    r#"{{"token":"","done":true,"provider":"{provider}","id":"{id}","model":"{model}","finish_reason":"error"{usage_json},"error":{{"type":"connection_error","message":"connection reset"}}}}"#
                )),
                DONE.into()
            ]
            .concat()
        );
    }
}

#[test]
fn tools_openai_server_repeating_id_and_name_later_pieces_carry_only_arguments() {
    // Some compatible servers repeat id, type and name on every piece of a call.
    let piece = |args: &str| {
        o_chunk(
            &format!(
                r#"{{"tool_calls":[{{"index":0,"id":"call_A","type":"function","function":{{"name":"get_weather","arguments":{}}}}}]}}"#,
                serde_json::to_string(args).unwrap()
            ),
            "null",
        )
    };
    let input = [
        o_chunk(r#"{"role":"assistant","content":null}"#, "null"),
        piece(""),
        piece(r#"{"city":"#),
        piece(""),
        piece(r#""Paris"}"#),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", ""),
            tool_more(0, r#"{"city":"#),
            tool_more(0, r#""Paris"}"#),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_arguments_are_compact_json_with_raw_utf8() {
    let input = g_chunk(
        Some(
            r#"{"functionCall": {"name": "get_weather","args": {"city": "Zürich", "note": "caf\u00e9 \"x\""}}}"#,
        ),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let (chunks, _) = chunks(Provider::Gemini, &input);
    let args: String = chunks
        .iter()
        .filter_map(|c| match c {
            StreamChunk::ToolCallStart(p) => Some(p.arguments.as_str()),
            StreamChunk::ToolCallArguments(p) => Some(p.fragment.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(args, r#"{"city":"Zürich","note":"café \"x\""}"#);
}

#[test]
fn empty_input_is_one_incomplete_stream_terminal_each_provider() {
    for provider in Provider::ALL {
        let out = run(provider, "");
        let t = terminal_json(&out);
        assert_eq!(split_frames(&out).len(), 2, "{out}");
        assert!(
            t.starts_with(&format!(
                r#"{{"token":"","done":true,"provider":"{provider}","finish_reason":"error","error":{{"type":"incomplete_stream","message":""#
            )),
            "{t}"
        );
    }
}

#[test]
fn error_openai_done_before_any_finish_reason_is_incomplete_stream() {
    let input = [o_role(), o_content("Hi"), DONE.into()].concat();
    let (chunks, fin) = chunks(Provider::OpenAi, &input);
    assert_eq!(chunks, vec![StreamChunk::Token("Hi".into())]);
    assert_error_terminal(
        &fin,
        Provider::OpenAi,
        StreamErrorKind::IncompleteStream,
        Some(O_ID),
        Some(O_MODEL),
        None,
        None,
    );
}

#[test]
fn invalid_utf8_is_replaced_and_kept_raw() {
    let mut input = [a_start(A_USAGE_START), a_text_start(0)]
        .concat()
        .into_bytes();
    input.extend_from_slice(
        b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\xffb\"}}\n\n",
    );
    input.extend_from_slice(
        [a_block_stop(0), a_stop_reason("end_turn"), a_message_stop()]
            .concat()
            .as_bytes(),
    );
    let out = frames(Provider::Anthropic, &input, Split::Whole);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        [
            "data: {\"token\":\"a\u{FFFD}b\",\"done\":false}\n\n".to_owned(),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_gemini_thoughts_without_candidates_count_as_output() {
    // The budget ran out while thinking: no candidatesTokenCount at all.
    let input = [
        g_chunk(
            Some(r#"{"text": "Let me","thought": true}"#),
            "",
            r#"{"promptTokenCount": 8,"totalTokenCount": 520,"thoughtsTokenCount": 512}"#,
        ),
        g_chunk(
            None,
            r#","finishReason": "MAX_TOKENS""#,
            r#"{"promptTokenCount": 8,"totalTokenCount": 1032,"thoughtsTokenCount": 1024}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            reasoning("Let me"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"length","provider_finish_reason":"MAX_TOKENS","usage":{{"input_tokens":8,"output_tokens":1024,"reasoning_tokens":1024}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn anthropic_redacted_thinking_and_signatures_have_frames_in_place() {
    // Since the revision of 2026-12-06: redacted reasoning and the signature each have their
    // frame, where the stream has them.
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN0kF8"}}"#,
        ),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        a_delta(1, r#"{"type":"thinking_delta","thinking":"Hmm."}"#),
        a_delta(1, r#"{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}"#),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "Hi"),
        a_block_stop(2),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            redacted(
                "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN0kF8"
            ),
            reasoning("Hmm."),
            signature("EqQBCgIYAhIM1gbcDa9GJwZA2b3h"),
            tok("Hi"),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn gemini_thought_signature_has_a_frame_after_its_part() {
    let input = [
        g_chunk(
            Some(
                r#"{"text": "Hi","thoughtSignature": "CiQB0e2Kb7pX3m9vQ1sT8uY4wZ6aC2eG5iK7mO9q"}"#,
            ),
            "",
            G_USAGE_1,
        ),
        g_chunk(Some(&g_text(".")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Hi"),
            signature("CiQB0e2Kb7pX3m9vQ1sT8uY4wZ6aC2eG5iK7mO9q"),
            tok("."),
            g_terminal("stop", "STOP"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn anthropic_error_message_keeps_utf8_raw() {
    let input = [
        a_start(A_USAGE_START),
        ev(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Überlastet \u2014 bitte später ✓"}}"#,
        ),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","usage":{"input_tokens":25,"output_tokens":1},"error":{"type":"overloaded_error","message":"Überlastet — bitte später ✓"}}"#
    );
}

#[test]
fn tools_anthropic_mcp_tool_use_makes_no_tool_call_frames() {
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"mcp_tool_use","id":"mcptoolu_01","name":"echo","server_name":"example","input":{}}}"#,
        ),
        a_json(0, r#"{"text":"x"}"#),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01","is_error":false,"content":[{"type":"text","text":"x"}]}}"#,
        ),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "Done."),
        a_block_stop(2),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Done."), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn gemini_code_execution_parts_make_no_frames_and_stop_stays_stop() {
    // Code execution is a tool Gemini runs itself: no tool-call frames, and STOP is not a
    // function-call turn.
    let input = [
        g_chunk(
            Some(
                r#"{"executableCode": {"language": "PYTHON","code": "print(2 + 2)"}},{"codeExecutionResult": {"outcome": "OUTCOME_OK","output": "4\n"}}"#,
            ),
            "",
            G_USAGE_1,
        ),
        g_chunk(Some(&g_text("It is 4.")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [tok("It is 4."), g_terminal("stop", "STOP"), DONE.into()].concat()
    );
}

#[test]
fn error_gemini_error_after_finish_reason_keeps_provider_finish_reason_and_usage() {
    let input = [
        g_text_stream("STOP", true),
        frame(
            r#"{"error": {"code": 500,"message": "An internal error has occurred.","status": "INTERNAL"}}"#,
        ),
    ]
    .concat();
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    assert_eq!(
        chunks,
        vec![
            StreamChunk::Token("Hi".into()),
            StreamChunk::Token(".".into())
        ]
    );
    assert_eq!(fin.finish_reason_str(), "error");
    assert_eq!(fin.id.as_deref(), Some(G_ID));
    assert_eq!(fin.model.as_deref(), Some(G_MODEL));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("STOP"));
    assert_eq!(fin.usage, Some(usage(8, 3)));
    assert_eq!(
        fin.error().map(|e| e.message.clone()),
        Some("An internal error has occurred.".to_owned())
    );
}

#[test]
fn error_gemini_undecodable_event_after_finish_reason_keeps_provider_finish_reason() {
    let input = [
        g_text_stream("MAX_TOKENS", true),
        frame("{\"candidates\": ["),
    ]
    .concat();
    let (_, fin) = chunks(Provider::Gemini, &input);
    assert_error_terminal(
        &fin,
        Provider::Gemini,
        StreamErrorKind::InvalidEvent,
        Some(G_ID),
        Some(G_MODEL),
        Some("MAX_TOKENS"),
        Some(usage(8, 3)),
    );
}

#[test]
fn error_openai_undecodable_event_after_finish_keeps_provider_finish_reason() {
    let input = [
        o_role(),
        o_content("Hi"),
        o_finish("stop"),
        frame(
            r#"{"id":"chatcmpl-CXt3pL0sWq5eR8tYu2iOa6sD","choices":[],"usage":{"prompt_tokens":"#,
        ),
        DONE.into(),
    ]
    .concat();
    let (_, fin) = chunks(Provider::OpenAi, &input);
    assert_error_terminal(
        &fin,
        Provider::OpenAi,
        StreamErrorKind::InvalidEvent,
        Some(O_ID),
        Some(O_MODEL),
        Some("stop"),
        None,
    );
}

#[test]
fn error_anthropic_error_event_with_request_id() {
    // The current error event shape also carries `request_id`.
    let input = [
        a_start(A_USAGE_START),
        ev(
            "error",
            r#"{"type":"error","error":{"details":null,"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#,
        ),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","usage":{"input_tokens":25,"output_tokens":1},"error":{"type":"overloaded_error","message":"Overloaded"}}"#
    );
}

#[test]
fn error_openai_truncated_mid_usage_chunk_after_finish() {
    // The finish chunk arrived, then the connection broke in the middle of the usage chunk: the
    // stream is truncated (bytes of an event were lost), not complete.
    let usage_chunk = o_usage(r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}"#);
    let cut = &usage_chunk[..usage_chunk.len() / 2];
    let input = [o_role(), o_content("Hi"), o_finish("stop"), cut.to_owned()].concat();
    let (_, fin) = chunks(Provider::OpenAi, &input);
    assert_error_terminal(
        &fin,
        Provider::OpenAi,
        StreamErrorKind::IncompleteStream,
        Some(O_ID),
        Some(O_MODEL),
        Some("stop"),
        None,
    );
}

#[test]
fn error_gemini_truncated_mid_event_after_finish_reason() {
    // A finishReason arrived, then the stream broke in the middle of the next response (which
    // could carry the final usage): truncated, not a normal end.
    let last = g_chunk(None, "", G_USAGE_2);
    let cut = &last[..last.len() / 2];
    let input = [
        g_chunk(Some(&g_text("Hi")), r#","finishReason": "STOP""#, G_USAGE_1),
        cut.to_owned(),
    ]
    .concat();
    let (_, fin) = chunks(Provider::Gemini, &input);
    assert_error_terminal(
        &fin,
        Provider::Gemini,
        StreamErrorKind::IncompleteStream,
        Some(G_ID),
        Some(G_MODEL),
        Some("STOP"),
        Some(usage(8, 0)),
    );
}

/// Feeds `input`, then fails the stream with `error` (a transport failure the shell saw), and
/// returns the frames.
fn run_then_fail(provider: Provider, input: &str, error: llm_sse_core::StreamError) -> String {
    let mut n = llm_sse_core::Normalizer::new(provider);
    n.feed(input.as_bytes());
    let mut out = Vec::new();
    n.write_frames(&mut out);
    n.fail(error);
    n.write_frames(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn idle_timeout_after_message_delta_keeps_stop_reason_and_usage_anthropic() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
    ]
    .concat();
    let out = run_then_fail(
        Provider::Anthropic,
        &input,
        llm_sse_core::StreamError::new(StreamErrorKind::IdleTimeout, "no data for 60 s"),
    );
    assert_eq!(
        out,
        [
            tok("Hi"),
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"error","provider_finish_reason":"end_turn","usage":{"input_tokens":25,"output_tokens":12},"error":{"type":"idle_timeout","message":"no data for 60 s"}}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn connection_lost_after_finish_reason_is_an_error_keeping_it_openai() {
    // The finish chunk arrived, the usage chunk and [DONE] did not: a lost connection.
    let input = [o_role(), o_content("Hi"), o_finish("stop")].concat();
    let out = run_then_fail(
        Provider::OpenAi,
        &input,
        llm_sse_core::StreamError::new(StreamErrorKind::ConnectionError, "connection reset"),
    );
    assert_eq!(
        out,
        [
            tok("Hi"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"error","provider_finish_reason":"stop","error":{{"type":"connection_error","message":"connection reset"}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn connection_lost_after_finish_reason_is_an_error_keeping_it_gemini() {
    let input = g_chunk(Some(&g_text("Hi")), r#","finishReason": "STOP""#, G_USAGE_2);
    let out = run_then_fail(
        Provider::Gemini,
        &input,
        llm_sse_core::StreamError::new(StreamErrorKind::ConnectionError, "connection reset"),
    );
    assert_eq!(
        out,
        [
            tok("Hi"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"error","provider_finish_reason":"STOP","usage":{{"input_tokens":8,"output_tokens":3}},"error":{{"type":"connection_error","message":"connection reset"}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn undecodable_json_of_the_wrong_shape_is_invalid_event_each_provider() {
    let cases = [
        (
            Provider::Anthropic,
            [
                a_start(A_USAGE_START),
                a_text_start(0),
                a_delta_raw(r#"{"type":"content_block_delta","index":"zero","delta":{"type":"text_delta","text":"x"}}"#),
            ]
            .concat(),
        ),
        (Provider::OpenAi, [o_role(), frame("42")].concat()),
        (
            Provider::Gemini,
            [g_chunk(Some(&g_text("Hi")), "", G_USAGE_1), frame(r#"{"candidates": "none"}"#)]
                .concat(),
        ),
    ];
    for (provider, input) in cases {
        let fin = finish(provider, &input);
        assert_eq!(fin.finish_reason_str(), "error", "{provider}: {fin:?}");
        assert_eq!(
            fin.error().map(|e| e.kind.clone()),
            Some(StreamErrorKind::InvalidEvent),
            "{provider}"
        );
        assert!(
            fin.id.is_some() && fin.model.is_some(),
            "{provider}: keeps id and model"
        );
    }
}

fn a_delta_raw(data: &str) -> String {
    ev("content_block_delta", data)
}

#[test]
fn comments_and_retry_fields_make_no_frames() {
    // OpenRouter sends `: OPENROUTER PROCESSING` comments; any stream may carry `retry:`.
    let input = [
        ": OPENROUTER PROCESSING\n\n".to_owned(),
        "retry: 3000\n\n".to_owned(),
        o_role(),
        ": OPENROUTER PROCESSING\n\n".to_owned(),
        o_content("Hi"),
        o_finish("stop"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [tok("Hi"), o_terminal("stop", "stop"), DONE.into()].concat()
    );
}

#[test]
fn anthropic_ping_before_message_start_makes_no_frame() {
    let input = [a_ping(), a_text_stream("end_turn")].concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Hi"), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}

#[test]
fn error_openai_error_after_usage_chunk_keeps_usage_and_provider_finish_reason() {
    let input = [
        o_role(),
        o_content("Hi"),
        o_finish("stop"),
        o_usage(r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0}}"#),
        frame(r#"{"error":{"message":"Internal error","type":"server_error","param":null,"code":null}}"#),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        format!(
            r#"{{"token":"","done":true,"provider":"openai","id":"{O_ID}","model":"{O_MODEL}","finish_reason":"error","provider_finish_reason":"stop","usage":{{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0}},"error":{{"type":"server_error","message":"Internal error"}}}}"#
        )
    );
}

#[test]
fn normalizer_write_frames_gives_the_same_wire_bytes() {
    // The gateway's path (Normalizer::write_frames) and chunk-by-chunk encoding agree, including
    // the signature and redacted-reasoning frames.
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"}}"#,
        ),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        a_delta(1, r#"{"type":"thinking_delta","thinking":"Hmm."}"#),
        a_delta(1, r#"{"type":"signature_delta","signature":"EqQBCgIYAhIM"}"#),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "Hi"),
        a_block_stop(2),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    let mut n = llm_sse_core::Normalizer::new(Provider::Anthropic);
    let mut out = Vec::new();
    for piece in input.as_bytes().chunks(7) {
        n.feed(piece);
        n.write_frames(&mut out);
    }
    n.finish();
    n.write_frames(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        [
            redacted("EmwKAhgBEgy3va3pzix"),
            reasoning("Hmm."),
            signature("EqQBCgIYAhIM"),
            tok("Hi"),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

// ---------------------------------------------------------------------------------------------
// Contract revision of 2026-12-06: reasoning signatures and redacted reasoning have frames
// ---------------------------------------------------------------------------------------------

/// An Anthropic answer that thought (signed), had a redacted block, then answered "Hi".
fn a_signed_thinking_stream(signature: &str, redacted_data: &str) -> String {
    [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ),
        a_delta(0, r#"{"type":"thinking_delta","thinking":"Let me think."}"#),
        a_delta(
            0,
            &format!(
                r#"{{"type":"signature_delta","signature":{}}}"#,
                serde_json::to_string(signature).unwrap()
            ),
        ),
        a_block_stop(0),
        ev(
            "content_block_start",
            &format!(
                r#"{{"type":"content_block_start","index":1,"content_block":{{"type":"redacted_thinking","data":{}}}}}"#,
                serde_json::to_string(redacted_data).unwrap()
            ),
        ),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "Hi"),
        a_block_stop(2),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat()
}

#[test]
fn signature_frame_anthropic_signature_delta() {
    // `data: {"token":"","done":false,"reasoning_signature":"EqQB..."}` (Anthropic
    // `signature_delta`), after the reasoning it signs and before what follows.
    let input = a_signed_thinking_stream("EqQBCgIYAhIMexample", "EmwKAhgBopaque");
    let out = run(Provider::Anthropic, &input);
    let frames = split_frames(&out);
    assert_eq!(
        frames[..4],
        [
            r#"{"token":"","done":false,"reasoning":"Let me think."}"#,
            r#"{"token":"","done":false,"reasoning_signature":"EqQBCgIYAhIMexample"}"#,
            r#"{"token":"","done":false,"redacted_reasoning":"EmwKAhgBopaque"}"#,
            r#"{"token":"Hi","done":false}"#,
        ],
        "{out}"
    );
}

#[test]
fn signature_frame_gemini_thought_signature() {
    // `thoughtSignature` (on a thought part, a text part or a functionCall part) is a
    // `reasoning_signature` frame right after that part's own frame.
    let input = [
        g_chunk(
            Some(r#"{"text": "Plan.","thought": true,"thoughtSignature": "Q2lRQjBlMkt"}"#),
            "",
            G_USAGE_1,
        ),
        g_chunk(
            Some(
                r#"{"functionCall": {"name": "get_time","args": {}},"thoughtSignature": "c2lnLWNhbGw="}"#,
            ),
            r#","finishReason": "STOP""#,
            G_USAGE_2,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            reasoning("Plan."),
            signature("Q2lRQjBlMkt"),
            tool_first(0, &format!("call_{G_ID}_0"), "get_time", "{}"),
            signature("c2lnLWNhbGw="),
            g_terminal("tool_calls", "STOP"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn redacted_frame_anthropic_redacted_thinking() {
    // `data: {"token":"","done":false,"redacted_reasoning":"<opaque>"}` (Anthropic
    // `redacted_thinking`): the block's data unchanged, where the block is.
    let data = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmK+==";
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            &format!(
                r#"{{"type":"content_block_start","index":0,"content_block":{{"type":"redacted_thinking","data":"{data}"}}}}"#
            ),
        ),
        a_block_stop(0),
        a_text_start(1),
        a_text(1, "Hi"),
        a_block_stop(1),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            frame(&format!(
                r#"{{"token":"","done":false,"redacted_reasoning":"{data}"}}"#
            )),
            tok("Hi"),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn signature_and_redacted_frames_key_order_token_done_then_the_content_key() {
    // Keys in the order `token, done`, then `reasoning_signature` or `redacted_reasoning`: read
    // the keys back in the order they were written, with no other key.
    let input = a_signed_thinking_stream("EqQBsig", "EmwKdata");
    let out = run(Provider::Anthropic, &input);
    // The top-level keys in the order written (these frames hold no nested object, and their
    // values no comma or colon).
    let keys_of = |json: &str| -> Vec<String> {
        json.strip_prefix('{')
            .and_then(|j| j.strip_suffix('}'))
            .unwrap()
            .split(',')
            .map(|pair| {
                pair.split_once(':')
                    .unwrap()
                    .0
                    .trim_matches('"')
                    .to_string()
            })
            .collect()
    };
    let frames = split_frames(&out);
    assert_eq!(
        keys_of(frames[1]),
        ["token", "done", "reasoning_signature"],
        "{}",
        frames[1]
    );
    assert_eq!(
        keys_of(frames[2]),
        ["token", "done", "redacted_reasoning"],
        "{}",
        frames[2]
    );
    // And byte for byte.
    assert_eq!(
        frames[1],
        r#"{"token":"","done":false,"reasoning_signature":"EqQBsig"}"#
    );
    assert_eq!(
        frames[2],
        r#"{"token":"","done":false,"redacted_reasoning":"EmwKdata"}"#
    );
}

#[test]
fn empty_signature_and_empty_redacted_reasoning_make_no_frame() {
    // Every non-terminal frame carries content: an empty signature or redacted block has none.
    let input = a_signed_thinking_stream("", "");
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            reasoning("Let me think."),
            tok("Hi"),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
    let input = [
        g_chunk(
            Some(r#"{"text": "Hi","thoughtSignature": ""}"#),
            "",
            G_USAGE_1,
        ),
        g_chunk(Some(&g_text(".")), r#","finishReason": "STOP""#, G_USAGE_2),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [tok("Hi"), tok("."), g_terminal("stop", "STOP"), DONE.into()].concat()
    );
}

#[test]
fn signature_and_redacted_frames_are_the_jsonl_chunks_at_the_same_place() {
    // They are the same chunks `replay --format jsonl` prints (one chunk's JSON per line, from
    // `frame::write_json`), at the same place in the stream: the frames are exactly the chunks
    // that have one, in order.
    let input = a_signed_thinking_stream("EqQBsig", "EmwKdata");
    let out = run(Provider::Anthropic, &input);
    let chunks = llm_sse_tests::normalize(Provider::Anthropic, input.as_bytes(), Split::Whole);
    let jsonl: Vec<String> = chunks
        .iter()
        .filter(|c| c.has_frame())
        .map(|c| {
            let mut json = Vec::new();
            llm_sse_core::frame::write_json(c, &mut json);
            String::from_utf8(json).unwrap()
        })
        .collect();
    let frames: Vec<&str> = split_frames(&out);
    assert_eq!(frames[..frames.len() - 1], jsonl[..]);
    assert!(matches!(chunks[1], StreamChunk::ReasoningSignature(_)));
    assert!(matches!(chunks[2], StreamChunk::RedactedReasoning(_)));
}

// ---------------------------------------------------------------------------------------------
// Contract revision of 2026-12-06: a call without a provider id gets `call_<response id>_<index>`
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_gemini_call_without_id_gets_call_response_id_index() {
    // Most Gemini calls carry no id: the first (and only) piece of each gets
    // `call_<responseId>_<index>`, the id the dialect endpoints use.
    let input = g_chunk(
        Some(
            r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris"}}},{"functionCall": {"name": "get_time"}}"#,
        ),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let out = run(Provider::Gemini, &input);
    assert_eq!(
        out,
        [
            tool_first(
                0,
                "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0",
                "get_weather",
                r#"{"city":"Paris"}"#
            ),
            tool_first(1, "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1", "get_time", "{}"),
            g_terminal("tool_calls", "STOP"),
            DONE.into()
        ]
        .concat()
    );
    assert_eq!(
        llm_sse_core::dialect::tool_call_id(G_ID, 1),
        "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1"
    );
}

#[test]
fn tools_synthesized_id_is_on_the_first_piece_only() {
    // An OpenAI-compatible server that sends calls without ids: the first piece of each call
    // gets `call_<chunk id>_<index>`, later pieces carry `index` and `arguments` only.
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"id":"","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, &format!("call_{O_ID}_0"), "get_weather", ""),
            tool_more(0, r#"{"city":"#),
            tool_more(0, r#""Paris"}"#),
            // An empty provider id counts as none.
            tool_first(1, &format!("call_{O_ID}_1"), "get_time", "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_legacy_function_call_gets_call_response_id_index() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":""}}"#,
            "null",
        ),
        o_chunk(
            r#"{"function_call":{"arguments":"{\"city\":\"Paris\"}"}}"#,
            "null",
        ),
        o_finish("function_call"),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    let frames = split_frames(&out);
    assert_eq!(
        frames[..2],
        [
            format!(
                r#"{{"token":"","done":false,"tool_call":{{"index":0,"id":"call_{O_ID}_0","name":"get_weather","arguments":""}}}}"#
            ),
            r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":"{\"city\":\"Paris\"}"}}"#
                .to_string(),
        ]
    );
}

#[test]
fn tools_synthesized_id_is_the_dialect_id_with_unsafe_characters_replaced() {
    // `call_<response id>_<index>` is `dialect::tool_call_id`: characters other than
    // `A-Z a-z 0-9 _ -` in the response id become `_`.
    let input = [
        frame(
            r#"{"id":"resp.7/é","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
        ),
        DONE.into(),
    ]
    .concat();
    let (chunks, _) = chunks(Provider::OpenAi, &input);
    let StreamChunk::ToolCallStart(start) = &chunks[0] else {
        panic!("{chunks:?}");
    };
    assert_eq!(start.id.as_deref(), Some("call_resp_7___0"));
    assert_eq!(
        start.id.as_deref(),
        Some(llm_sse_core::dialect::tool_call_id("resp.7/é", 0).as_str())
    );
}

#[test]
fn tools_provider_ids_are_kept_as_they_are() {
    // A provider id is never replaced, whatever it looks like.
    let gemini = g_chunk(
        Some(r#"{"functionCall": {"id": "fc 1/é","name": "get_time","args": {}}}"#),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    assert_eq!(
        split_frames(&run(Provider::Gemini, &gemini))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"fc 1/é","name":"get_time","arguments":"{}"}}"#
    );
    let openai = [
        o_chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_Qm3X","type":"function","function":{"name":"f","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        split_frames(&run(Provider::OpenAi, &openai))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"call_Qm3X","name":"f","arguments":"{}"}}"#
    );
    let anthropic = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01A09q90qw90lq917835lq9", "get_time"),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        split_frames(&run(Provider::Anthropic, &anthropic))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"toolu_01A09q90qw90lq917835lq9","name":"get_time","arguments":""}}"#
    );
}

#[test]
fn tools_call_before_any_response_id_has_no_id() {
    // DESIGN.md derives the id from the response id; a call that starts before the stream
    // named any response id (an OpenAI-compatible server whose first chunks have no `id`) has
    // none to carry, and its first piece omits `id` (fields that do not apply are omitted).
    let input = [
        frame(
            r#"{"object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}"#,
        ),
        frame(
            r#"{"id":"late","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    assert_eq!(
        split_frames(&out)[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"name":"f","arguments":"{}"}}"#
    );
}
