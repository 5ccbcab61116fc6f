//! DESIGN.md, "Details that frontends and tests rely on": frames exactly as `serde_json` writes
//! them compactly, UTF-8 kept raw; every non-terminal frame carries content; where `id` and
//! `model` come from. (The harness in `main.rs` checks the framing, compact JSON and no `null` on
//! every frame of every test, and the tests compare exact bytes, so key order is checked
//! throughout; `tool_call.index` and what an error terminal frame keeps are in `tool_calls.rs`
//! and `terminal_and_errors.rs`.)

use super::*;

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
