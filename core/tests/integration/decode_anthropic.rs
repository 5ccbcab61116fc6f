//! The Anthropic Messages rules of [`Decoder`], through the public API: one test per rule and
//! per error kind.

use crate::common;

use common::{
    AnthropicStream, assert_invalid, assert_one_terminal_after_each, call_args, call_start,
    content, drain, error_of, frames, reasoning, run, run_recording, signature, terminal, token,
};
use llm_sse_core::sse::{EndOfInput, Event};
use llm_sse_core::{
    Decoder, Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, Usage,
};

/// The usage every complete test stream's `message_delta` reports.
const OUT_12: &str = r#"{"output_tokens":12}"#;

fn start() -> AnthropicStream {
    AnthropicStream::new().message_start()
}

#[test]
fn text_stream_tokens_and_terminal() {
    let chunks = start()
        .text_block(0, ["Hel", "lo"])
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("Hel"), token("lo")]);
    assert_eq!(
        *terminal(&chunks),
        Finish {
            provider: Provider::Anthropic,
            id: Some("msg_01".into()),
            model: Some("claude-sonnet-4-5".into()),
            outcome: Ok(FinishReason::Stop),
            provider_finish_reason: Some("end_turn".into()),
            usage: Some(Usage {
                input_tokens: 25,
                output_tokens: 12,
                ..Usage::default()
            }),
        }
    );
}

#[test]
fn text_escapes_and_unicode_are_unescaped() {
    let chunks = start()
        .text_start(0)
        .delta(
            0,
            r#"{"type":"text_delta","text":"a \"q\" \\ \n \u00e9 \ud83d\ude00 ü"}"#,
        )
        .block_stop(0)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("a \"q\" \\ \n é 😀 ü")]);
}

#[test]
fn initial_block_text_is_a_token_and_empty_text_is_not() {
    let chunks = start()
        .block_start(0, r#"{"type":"text","text":"Hi"}"#)
        .text_delta(0, "")
        .text_delta(0, "!")
        .block_stop(0)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("Hi"), token("!")]);
}

#[test]
fn tool_use_streams_arguments_never_tokens() {
    let chunks = start()
        .text_block(0, ["Let me check."])
        .tool_block(
            1,
            "toolu_01",
            "get_weather",
            ["", "{\"loc", "ation\": \"Paris\"}"],
        )
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[
            token("Let me check."),
            call_start(0, Some("toolu_01"), "get_weather", ""),
            call_args(0, "{\"loc"),
            call_args(0, "ation\": \"Paris\"}"),
        ]
    );
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::ToolCalls));
}

#[test]
fn parallel_tools_are_numbered_by_appearance() {
    let chunks = start()
        .text_start(0)
        .block_stop(0)
        .tool_block(1, "toolu_a", "f", ["{\"a\":1}"])
        .tool_block(2, "toolu_b", "f", ["{\"b\":2}"])
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[
            call_start(0, Some("toolu_a"), "f", ""),
            call_args(0, "{\"a\":1}"),
            call_start(1, Some("toolu_b"), "f", ""),
            call_args(1, "{\"b\":2}"),
        ]
    );
}

#[test]
fn tool_without_streamed_json_gets_empty_object_at_stop() {
    let chunks = start()
        .tool_block(0, "toolu_a", "f", [""])
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[call_start(0, Some("toolu_a"), "f", ""), call_args(0, "{}"),]
    );
}

#[test]
fn tool_with_initial_input_object_emits_its_compact_json_in_key_order() {
    let chunks = start()
        .tool_start(
            0,
            "toolu_a",
            "f",
            r#"{ "z": 1, "a": [true, null, -2, 1.5, "x\"y"], "m": {"k": "é"} }"#,
        )
        .block_stop(0)
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[
            call_start(0, Some("toolu_a"), "f", ""),
            call_args(0, r#"{"z":1,"a":[true,null,-2,1.5,"x\"y"],"m":{"k":"é"}}"#),
        ]
    );
}

#[test]
fn tool_input_that_is_not_an_object_is_invalid() {
    let chunks = start()
        .tool_start(0, "toolu_a", "f", "[1]")
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_invalid(&chunks, "invalid content_block_start event: tool_use input");
}

/// Behaviour change of the decoder refactor: a `tool_use` block without a name is a call no
/// client can run.
#[test]
fn tool_use_with_an_empty_name_is_invalid() {
    let chunks = start()
        .tool_block(0, "toolu_a", "", ["{\"a\":1}"])
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::InvalidEvent,
            "invalid content_block_start event: tool_use without a name"
        )
    );
    assert_eq!(terminal(&chunks).id.as_deref(), Some("msg_01"));
}

#[test]
fn tool_open_at_message_stop_gets_empty_object_before_terminal() {
    let chunks = start()
        .tool_start(0, "toolu_a", "f", "{}")
        .message_delta("tool_use", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[call_start(0, Some("toolu_a"), "f", ""), call_args(0, "{}"),]
    );
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::ToolCalls));
}

#[test]
fn tool_in_truncated_stream_gets_no_made_up_arguments() {
    let chunks = start().tool_start(0, "toolu_a", "f", "{}").run();
    assert_eq!(content(&chunks), &[call_start(0, Some("toolu_a"), "f", "")]);
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IncompleteStream);
}

#[test]
fn thinking_reasoning_and_signature() {
    let chunks = start()
        .block_start(0, r#"{"type":"thinking","thinking":""}"#)
        .thinking_delta(0, "Let me")
        .thinking_delta(0, " think.")
        .signature_delta(0, "EqQBCgIYAhIM")
        .block_stop(0)
        .text_block(1, ["42"])
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[
            reasoning("Let me"),
            reasoning(" think."),
            signature("EqQBCgIYAhIM"),
            token("42"),
        ]
    );
}

#[test]
fn redacted_thinking_data_is_kept() {
    let chunks = start()
        .block_start(0, r#"{"type":"redacted_thinking","data":"EmwKAhgB"}"#)
        .block_stop(0)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[StreamChunk::RedactedReasoning("EmwKAhgB".into())]
    );
}

#[test]
fn redacted_thinking_without_data_is_invalid() {
    let chunks = start()
        .block_start(0, r#"{"type":"redacted_thinking"}"#)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_invalid(
        &chunks,
        "invalid content_block_start event: missing field `data`",
    );
}

/// A web search the provider ran itself: a `server_tool_use` block, its input, its result.
fn web_search(s: AnthropicStream, first: u32) -> AnthropicStream {
    s.block_start(
        first,
        r#"{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}"#,
    )
    .delta(
        first,
        r#"{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}"#,
    )
    .block_stop(first)
    .block_start(
        first + 1,
        r#"{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","title":"T","url":"https://example.com"}]}"#,
    )
    .block_stop(first + 1)
}

#[test]
fn server_tool_blocks_and_citations_produce_nothing() {
    let chunks = web_search(start(), 0)
        .text_start(2)
        .delta(2, r#"{"type":"citations_delta","citation":{"type":"web_search_result_location","url":"https://example.com","title":"T","cited_text":"x"}}"#)
        .text_delta(2, "Answer")
        .block_stop(2)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("Answer")]);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

/// Behaviour change of the decoder refactor: server-run blocks after content separate it from
/// what follows with one block break (no frame).
#[test]
fn server_tool_blocks_after_content_are_one_block_break() {
    let chunks = web_search(start().text_block(0, ["Let me search."]), 1)
        .text_block(3, ["Found it."])
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[
            token("Let me search."),
            StreamChunk::BlockBreak,
            token("Found it."),
        ]
    );
    // The break has no frame.
    assert_eq!(
        frames(&chunks[..3]),
        concat!(
            "data: {\"token\":\"Let me search.\",\"done\":false}\n\n",
            "data: {\"token\":\"Found it.\",\"done\":false}\n\n",
        )
    );
    // A server-run block at the end still ends what came before.
    let chunks = web_search(start().text_block(0, ["a"]), 1)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("a"), StreamChunk::BlockBreak]);
}

#[test]
fn unknown_block_and_delta_types_are_ignored() {
    let chunks = start()
        .block_start(0, r#"{"type":"hologram","text":{"not":"a string"}}"#)
        .delta(0, r#"{"type":"text_delta","text":"hidden"}"#)
        .delta(0, r#"{"type":"hologram_delta","text":7}"#)
        .block_stop(0)
        .text_start(1)
        .delta(1, r#"{"type":"sparkle_delta","text":{"x":1}}"#)
        .delta(1, r#"{"type":"sparkle_delta","sparkle":"*"}"#)
        .text_delta(1, "ok")
        .block_stop(1)
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("ok")]);
}

/// Behaviour change of the decoder refactor: an unknown block type after content is a block
/// break too.
#[test]
fn unknown_block_after_content_is_a_block_break() {
    let chunks = start()
        .text_block(0, ["before"])
        .block_start(1, r#"{"type":"hologram","text":{"not":"a string"}}"#)
        .delta(1, r#"{"type":"text_delta","text":"hidden"}"#)
        .block_stop(1)
        .text_block(2, ["after"])
        .message_delta("end_turn", OUT_12)
        .message_stop()
        .run();
    assert_eq!(
        content(&chunks),
        &[token("before"), StreamChunk::BlockBreak, token("after")]
    );
}

#[test]
fn finish_reason_mapping() {
    for (raw, unified) in [
        ("end_turn", FinishReason::Stop),
        ("max_tokens", FinishReason::Length),
        ("model_context_window_exceeded", FinishReason::Length),
        ("stop_sequence", FinishReason::StopSequence),
        ("tool_use", FinishReason::ToolCalls),
        ("refusal", FinishReason::ContentFilter),
        ("pause_turn", FinishReason::PauseTurn),
        ("something_new", FinishReason::Other),
    ] {
        let chunks = start().message_delta(raw, OUT_12).message_stop().run();
        let fin = terminal(&chunks);
        assert_eq!(fin.outcome, Ok(unified), "{raw}");
        assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
        assert!(fin.error().is_none());
    }
}

#[test]
fn message_stop_without_stop_reason_is_other() {
    let chunks = start().message_stop().run();
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::Other));
    assert_eq!(fin.provider_finish_reason, None);
    // message_start's output_tokens stands when no message_delta reports any.
    assert_eq!(
        fin.usage,
        Some(Usage {
            input_tokens: 25,
            output_tokens: 1,
            ..Usage::default()
        })
    );
}

#[test]
fn usage_counts_replace_earlier_ones_never_summed() {
    let chunks = AnthropicStream::new()
        .message_start_with(
            r#"{"id":"msg_01","model":"m","usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":5}}"#,
        )
        .event(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":7}}"#,
        )
        .event(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":3,"cache_read_input_tokens":null,"output_tokens":9,"server_tool_use":{"web_search_requests":1}}}"#,
        )
        .message_stop()
        .run();
    let fin = terminal(&chunks);
    assert_eq!(
        fin.usage,
        Some(Usage {
            input_tokens: 12,
            output_tokens: 9,
            cache_read_input_tokens: Some(5),
            cache_creation_input_tokens: Some(3),
            reasoning_tokens: None,
        })
    );
    assert_eq!(fin.outcome, Ok(FinishReason::Stop));
}

#[test]
fn reported_zero_cache_counts_are_kept() {
    let chunks = AnthropicStream::new()
        .message_start_with(
            r#"{"id":"msg_01","model":"m","usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}"#,
        )
        .message_stop()
        .run();
    let usage = terminal(&chunks).usage.unwrap();
    assert_eq!(usage.cache_creation_input_tokens, Some(0));
    assert_eq!(usage.cache_read_input_tokens, Some(0));
}

#[test]
fn absent_usage_is_omitted() {
    let chunks = AnthropicStream::new()
        .message_start_with(r#"{"id":"msg_01","model":"m"}"#)
        .event(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"}}"#,
        )
        .message_stop()
        .run();
    assert_eq!(terminal(&chunks).usage, None);
}

#[test]
fn ping_and_unknown_events_are_ignored() {
    let chunks = AnthropicStream::new()
        .event("ping", r#"{"type": "ping"}"#)
        .message_start()
        .event("ping", r#"{"type": "ping"}"#)
        .event("future_event", r#"{"type":"future_event","x":[1]}"#)
        .event("future_event", "not json at all")
        .event("message", r#"{"type":"future_event"}"#)
        .message_stop()
        .run();
    assert_eq!(chunks.len(), 1);
    assert!(terminal(&chunks).is_success());
}

#[test]
fn json_type_is_authoritative_over_the_event_name() {
    let chunks = start()
        .renamed("message")
        .text_start(0)
        .renamed("ping")
        .text_delta(0, "via type")
        .renamed("message")
        .event("content_block_stop", r#"{"type":"ping"}"#)
        .message_stop()
        .renamed("bogus")
        .run();
    assert_eq!(content(&chunks), &[token("via type")]);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Other));
}

#[test]
fn provider_error_event_is_an_error_terminal_with_what_was_known() {
    let chunks = start()
        .text_start(0)
        .text_delta(0, "partial")
        .message_delta("max_tokens", r#"{"output_tokens":30}"#)
        .error("overloaded_error", "Overloaded")
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("partial")]);
    let fin = terminal(&chunks);
    assert_eq!(
        fin.outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("overloaded_error".into()),
            "Overloaded"
        ))
    );
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(fin.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("max_tokens"));
    assert_eq!(fin.usage.map(|u| u.output_tokens), Some(30));
}

#[test]
fn error_event_before_message_start() {
    let chunks = AnthropicStream::new()
        .error("api_error", "Internal server error")
        .run();
    let err = error_of(&chunks);
    assert_eq!(err.error_type(), "api_error");
    assert_eq!(err.message, "Internal server error");
    assert_eq!(terminal(&chunks).id, None);
}

#[test]
fn malformed_error_event_is_invalid() {
    let chunks = AnthropicStream::new()
        .event("error", r#"{"type":"error"}"#)
        .run();
    assert_invalid(&chunks, "invalid error event: missing field `error`");
}

#[test]
fn content_before_message_start_is_invalid() {
    let cases = AnthropicStream::new()
        .text_start(0)
        .text_delta(0, "x")
        .block_stop(0)
        .message_delta("end_turn", "{}")
        .message_stop()
        .events();
    for (name, data) in cases {
        let chunks = run(Provider::Anthropic, &[(name.as_str(), data.as_str())]);
        assert_invalid(
            &chunks,
            &format!("invalid {name} event: received before message_start"),
        );
        // Also when only the JSON type says so.
        let chunks = run(Provider::Anthropic, &[("message", data.as_str())]);
        assert_invalid(&chunks, &format!("invalid {name} event: received before"));
        assert_eq!(chunks.len(), 1);
    }
}

#[test]
fn identical_repeated_message_start_before_content_is_ignored() {
    let chunks = start().message_start().text_start(0).message_stop().run();
    assert!(terminal(&chunks).is_success());
}

#[test]
fn second_message_start_with_another_id_is_invalid() {
    let chunks = start()
        .event(
            "message_start",
            AnthropicStream::MESSAGE_START.replace("msg_01", "msg_02"),
        )
        .run();
    assert_invalid(
        &chunks,
        "invalid message_start event: a second message_start with another id",
    );
    assert_eq!(terminal(&chunks).id.as_deref(), Some("msg_01"));
}

#[test]
fn second_message_start_after_content_is_invalid() {
    let chunks = start().text_start(0).message_start().run();
    assert_invalid(
        &chunks,
        "invalid message_start event: a second message_start after content",
    );
}

#[test]
fn end_without_message_stop_is_incomplete() {
    let chunks = start().text_start(0).text_delta(0, "trunc").run();
    assert_eq!(content(&chunks), &[token("trunc")]);
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::IncompleteStream);
    assert_eq!(err.message, "stream ended before message_stop");
    let fin = terminal(&chunks);
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(fin.usage.map(|u| u.input_tokens), Some(25));
}

/// Behaviour change of the decoder refactor: `data: [DONE]` (which some proxies add) ends the
/// stream for every provider; before `message_stop` that is an incomplete stream.
#[test]
fn done_sentinel_before_message_stop_is_incomplete() {
    let chunks = start()
        .text_start(0)
        .text_delta(0, "trunc")
        .event("message", "[DONE]")
        .text_delta(0, "late")
        .message_stop()
        .run();
    assert_eq!(content(&chunks), &[token("trunc")]);
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "data: [DONE] arrived before message_stop"
        )
    );
    assert_eq!(terminal(&chunks).id.as_deref(), Some("msg_01"));
    // Before message_start (after an Anthropic ping, so the stream was recognized).
    let chunks = AnthropicStream::new()
        .event("ping", r#"{"type": "ping"}"#)
        .event("message", "[DONE]")
        .run();
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "data: [DONE] arrived before message_start"
        )
    );
    // After message_stop it changes nothing.
    let chunks = start().message_stop().event("message", "[DONE]").run();
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Other));
}

#[test]
fn empty_input_is_incomplete() {
    let chunks = AnthropicStream::new().run();
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::IncompleteStream);
    assert_eq!(err.message, "stream ended before message_start");
}

#[test]
fn undecodable_json_is_invalid_and_names_the_event() {
    let chunks = start()
        .event(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"#,
        )
        .run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: EOF while parsing",
    );
    let chunks = AnthropicStream::new().event("message_start", "{nope").run();
    assert_invalid(&chunks, "invalid message_start event: ");
    let chunks = start().event("message", "[1,2]").run();
    assert_invalid(&chunks, "invalid message event: ");
}

#[test]
fn missing_required_fields_are_invalid() {
    for (name, data, expect) in [
        (
            "message_start",
            r#"{"type":"message_start","message":{"model":"m"}}"#,
            "invalid message_start event: missing field `id`",
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}"#,
            "invalid content_block_delta event: missing field `index`",
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}"#,
            "invalid content_block_delta event: text_delta without `text`",
        ),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","name":"f"}}"#,
            "invalid content_block_start event: missing field `id`",
        ),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop"}"#,
            "invalid content_block_stop event: missing field `index`",
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","usage":{"output_tokens":1}}"#,
            "invalid message_delta event: missing field `delta`",
        ),
        (
            "content_block_delta",
            r#"{"index":0,"delta":{"type":"text_delta","text":"x"}}"#,
            "invalid content_block_delta event: missing field `type`",
        ),
    ] {
        let chunks = start().text_start(0).event(name, data).run();
        assert_invalid(&chunks, expect);
    }
}

#[test]
fn delta_for_a_never_started_block_is_invalid() {
    let chunks = start().text_delta(3, "x").run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: block index 3 was never started",
    );
}

#[test]
fn unknown_delta_type_for_a_never_started_block_is_invalid_too() {
    for d in [
        r#"{"type":"sparkle_delta","sparkle":"*"}"#,
        r#"{"type":"sparkle_delta","text":{"x":1}}"#,
    ] {
        let chunks = start().delta(5, d).run();
        assert_invalid(
            &chunks,
            "invalid content_block_delta event: block index 5 was never started",
        );
    }
}

#[test]
fn block_lifecycle_violations_are_invalid() {
    let chunks = start()
        .text_start(0)
        .block_stop(0)
        .text_delta(0, "late")
        .run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: block index 0 has already stopped",
    );
    let chunks = start().text_start(0).text_start(0).run();
    assert_invalid(
        &chunks,
        "invalid content_block_start event: block index 0 was already started",
    );
    let chunks = start().block_stop(0).run();
    assert_invalid(
        &chunks,
        "invalid content_block_stop event: block index 0 was never started",
    );
    let chunks = start().text_start(0).block_stop(0).block_stop(0).run();
    assert_invalid(
        &chunks,
        "invalid content_block_stop event: block index 0 has already stopped",
    );
}

#[test]
fn delta_of_the_wrong_kind_for_its_block_is_invalid() {
    let chunks = start()
        .tool_start(0, "toolu_a", "f", "{}")
        .text_delta(0, "{\"x\":1}")
        .run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: text_delta on tool_use block index 0",
    );
    let chunks = start().text_start(0).json_delta(0, "{}").run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: input_json_delta on text block index 0",
    );
}

#[test]
fn nothing_after_the_terminal_chunk() {
    let mut decoder = Decoder::new(Provider::Anthropic);
    for (n, d) in start()
        .message_stop()
        .text_start(0)
        .error("overloaded_error", "Overloaded")
        .events()
    {
        decoder.decode(&Event::new(&n, &d));
    }
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "reset"));
    decoder.finish(EndOfInput::default());
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 1);
    assert!(terminal(&chunks).is_success());
    assert!(decoder.is_closed());
    assert!(decoder.is_drained());
}

#[test]
fn closed_but_not_drained_while_the_terminal_is_queued() {
    let mut decoder = Decoder::new(Provider::Anthropic);
    let events = start().text_block(0, ["Hi"]).events();
    for (n, d) in &events {
        decoder.decode(&Event::new(n, d));
    }
    assert_eq!(drain(&mut decoder), [token("Hi")]);
    assert!(!decoder.is_closed() && !decoder.is_drained());
    decoder.decode(&Event::new("message_stop", AnthropicStream::MESSAGE_STOP));
    // message_stop decided the terminal chunk; it waits in the queue.
    assert!(decoder.is_closed());
    assert!(!decoder.is_drained());
    let Some(StreamChunk::Done(fin)) = decoder.next_chunk() else {
        panic!("expected the terminal chunk")
    };
    assert_eq!(fin.outcome, Ok(FinishReason::Other));
    assert!(decoder.is_closed() && decoder.is_drained());
    assert_eq!(decoder.next_chunk(), None);
    // Nothing reopens it.
    decoder.decode(&Event::new("message_start", AnthropicStream::MESSAGE_START));
    decoder.finish(EndOfInput::default());
    assert_eq!(decoder.next_chunk(), None);
    assert!(decoder.is_closed() && decoder.is_drained());

    // The same when `finish` decides the terminal chunk, with content still queued before it.
    let mut decoder = Decoder::new(Provider::Anthropic);
    for (n, d) in &events {
        decoder.decode(&Event::new(n, d));
    }
    decoder.finish(EndOfInput::default());
    assert!(decoder.is_closed() && !decoder.is_drained());
    assert_eq!(decoder.next_chunk(), Some(token("Hi")));
    assert!(!decoder.is_drained());
    assert!(decoder.next_chunk().is_some_and(|c| c.is_done()));
    assert!(decoder.is_drained());
}

#[test]
fn transport_failure_keeps_what_was_known() {
    let mut decoder = Decoder::new(Provider::Anthropic);
    decoder.decode(&Event::new("message_start", AnthropicStream::MESSAGE_START));
    decoder.fail(StreamError::new(
        StreamErrorKind::IdleTimeout,
        "no bytes for 30s",
    ));
    decoder.finish(EndOfInput::default());
    let chunks = drain(&mut decoder);
    let fin = terminal(&chunks);
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IdleTimeout);
}

#[test]
fn hostile_inputs_never_panic_and_end_with_one_terminal() {
    let valid = start()
        .tool_start(0, "toolu_a", "f", r#"{"a":[1,{"b":null}]}"#)
        .text_delta(0, "é😀\"\\")
        .data();
    let samples = [
        valid[0].as_str(),
        &valid[1],
        &valid[2],
        r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":18446744073709551615}}"#,
        r#"{"type":"content_block_delta","index":4294967295,"delta":{"type":"text_delta","text":"x"}}"#,
        r#"{"type":"content_block_delta","index":-1,"delta":null}"#,
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"b","input":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]}}"#,
        r#"{"type":"error","error":{"type":7}}"#,
        "",
        "\u{0}",
    ];
    let names = [
        "message",
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
        "other",
    ];
    let start = ("message_start", AnthropicStream::MESSAGE_START);
    let stop = ("message_stop", AnthropicStream::MESSAGE_STOP);
    for sample in samples {
        for cut in (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)) {
            for name in names {
                let data = &sample[..cut];
                let chunks = run(Provider::Anthropic, &[start, (name, data), (name, data)]);
                terminal(&chunks);
                let chunks = run(
                    Provider::Anthropic,
                    &[(name, data), start, (name, data), stop],
                );
                terminal(&chunks);
            }
        }
    }
}

#[test]
fn hostile_single_events_end_with_one_terminal() {
    // The shared sweep: each input alone as `message` and as `error`, then a valid delta.
    let inputs = [
        "",
        "null",
        "[]",
        "{}",
        "1",
        "[DONE]",
        r#"{"type":null}"#,
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\ud800"}}"#,
        r#"{"type":"error","error":null}"#,
    ];
    assert_one_terminal_after_each(
        Provider::Anthropic,
        &inputs,
        &start().text_delta(0, "a").data()[1],
    );
}

#[test]
fn double_finish_gives_one_terminal() {
    let mut decoder = Decoder::new(Provider::Anthropic);
    decoder.finish(EndOfInput::default());
    decoder.finish(EndOfInput::default());
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 1);
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IncompleteStream);
}

#[test]
fn delta_with_whitespace_and_non_string_text() {
    let chunks = start()
        .text_start(0)
        .event(
            "content_block_delta",
            "{ \"type\" : \"content_block_delta\" , \"index\" : 0 , \"delta\" : { \"text\" : \"a\\nb\" , \"type\" : \"text_delta\" } }",
        )
        .delta(0, r#"{"type":"text_delta","text":42}"#)
        .run();
    assert_eq!(content(&chunks), &[token("a\nb")]);
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: expected a JSON string",
    );
}

#[test]
fn lone_surrogate_in_a_delta_is_invalid() {
    let chunks = start()
        .text_start(0)
        .delta(0, r#"{"type":"text_delta","text":"\ud83d"}"#)
        .run();
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: lone leading surrogate",
    );
}

proptest::proptest! {
    /// Mutated valid events (a random char replaced or inserted) under any event name: no panic,
    /// and exactly one terminal chunk, last.
    #[test]
    fn mutated_events_never_panic(
        picks in proptest::collection::vec((0usize..8, 0usize..10, proptest::num::usize::ANY, proptest::char::any(), proptest::bool::ANY), 0..12),
    ) {
        let samples: [&str; 8] = [
            AnthropicStream::MESSAGE_START,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{"a":[1,2.5,"x"]}}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\"b\\c\u00e9"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
            r#"{"type":"content_block_stop","index":1}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}"#,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ];
        let names = ["message", "message_start", "content_block_start", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop", "ping", "error", "x"];
        let mut events = Vec::new();
        for (sample, name, at, ch, replace) in picks {
            let mut data: Vec<char> = samples[sample].chars().collect();
            let at = at % (data.len() + 1);
            if replace && at < data.len() {
                data[at] = ch;
            } else {
                data.insert(at, ch);
            }
            events.push((names[name], data.into_iter().collect::<String>()));
        }
        let chunks = run(Provider::Anthropic, &events);
        proptest::prop_assert_eq!(chunks.iter().filter(|c| c.is_done()).count(), 1);
        proptest::prop_assert!(chunks.last().is_some_and(StreamChunk::is_done));
    }
}

#[test]
fn error_event_without_message_has_an_empty_message() {
    let chunks = start()
        .event("error", r#"{"type":"error","error":{"type":"api_error"}}"#)
        .run();
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(StreamErrorKind::Provider("api_error".into()), "")
    );
}

// ---- Another provider's recording decoded as Anthropic (behaviour change of the refactor) ----

#[test]
fn an_openai_recording_decoded_as_anthropic_says_what_it_looks_like() {
    let chunks = run_recording(
        Provider::Anthropic,
        include_str!("../../../tests/fixtures/openai/text.sse"),
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::InvalidEvent);
    assert!(
        err.message
            .starts_with("invalid message event: missing field `type`"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .ends_with(" (not one Anthropic event was recognized; they look like OpenAI events)"),
        "{}",
        err.message
    );
}

#[test]
fn a_gemini_recording_decoded_as_anthropic_says_what_it_looks_like() {
    let chunks = run_recording(
        Provider::Anthropic,
        include_str!("../../../tests/fixtures/gemini/text.sse"),
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::InvalidEvent);
    assert!(
        err.message
            .starts_with("invalid message event: missing field `type`"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .ends_with(" (not one Anthropic event was recognized; they look like Gemini events)"),
        "{}",
        err.message
    );
}

#[test]
fn unrecognized_events_without_a_likely_provider_get_no_guess() {
    // Named events that are nobody's: ignored, so the stream is incomplete, and no provider is
    // suggested.
    let chunks = run(
        Provider::Anthropic,
        &[("status", r#"{"ok":true}"#), ("status", "x")],
    );
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "none of the 2 events looked like Anthropic stream events"
        )
    );
    // One recognized event is enough for the usual message.
    let chunks = run(
        Provider::Anthropic,
        &[("ping", r#"{"type":"ping"}"#), ("status", "x")],
    );
    assert_eq!(
        error_of(&chunks).message,
        "stream ended before message_start"
    );
}
