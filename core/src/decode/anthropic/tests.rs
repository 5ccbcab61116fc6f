//! Unit tests of the Anthropic decoder: one test per rule and per error kind.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::AnthropicDecoder;
use crate::chunk::{Finish, FinishReason, StreamChunk, StreamError, StreamErrorKind, Usage};
use crate::decode::Decode;
use crate::decode::test_support::{drain, piece, run_events, terminal};
use crate::sse::Event;

const START: (&str, &str) = (
    "message_start",
    r#"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
);
const STOP: (&str, &str) = ("message_stop", r#"{"type":"message_stop"}"#);

fn text_start(index: u32) -> (&'static str, String) {
    (
        "content_block_start",
        format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"text","text":""}}}}"#
        ),
    )
}

fn block_stop(index: u32) -> (&'static str, String) {
    (
        "content_block_stop",
        format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
    )
}

fn delta(index: u32, delta_json: &str) -> (&'static str, String) {
    (
        "content_block_delta",
        format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta_json}}}"#),
    )
}

fn text_delta(index: u32, text: &str) -> (&'static str, String) {
    delta(
        index,
        &format!(
            r#"{{"type":"text_delta","text":{}}}"#,
            serde_json::to_string(text).unwrap()
        ),
    )
}

fn message_delta(stop_reason: &str, usage: &str) -> (&'static str, String) {
    (
        "message_delta",
        format!(
            r#"{{"type":"message_delta","delta":{{"stop_reason":"{stop_reason}","stop_sequence":null}},"usage":{usage}}}"#
        ),
    )
}

/// Decodes the events, then calls `finish`, and returns every chunk.
fn run<E: AsRef<str>, D: AsRef<str>>(events: &[(E, D)]) -> Vec<StreamChunk> {
    run_events(AnthropicDecoder::new(), events)
}

fn owned(events: &[(&str, &str)]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect()
}

fn error_of(chunks: &[StreamChunk]) -> &StreamError {
    let fin = terminal(chunks);
    assert_eq!(fin.finish_reason, FinishReason::Error);
    fin.error.as_ref().expect("error terminal carries an error")
}

fn assert_invalid(chunks: &[StreamChunk], message_prefix: &str) {
    let err = error_of(chunks);
    assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{err:?}");
    assert!(
        err.message.starts_with(message_prefix),
        "message {:?} does not start with {message_prefix:?}",
        err.message
    );
}

fn token(t: &str) -> StreamChunk {
    StreamChunk::Token(t.into())
}

fn content(chunks: &[StreamChunk]) -> &[StreamChunk] {
    &chunks[..chunks.len() - 1]
}

/// A complete text stream with the given middle events.
fn stream(middle: Vec<(&'static str, String)>, stop_reason: &str) -> Vec<(String, String)> {
    let mut events = owned(&[START]);
    events.extend(middle.into_iter().map(|(n, d)| (n.to_string(), d)));
    let (n, d) = message_delta(stop_reason, r#"{"output_tokens":12}"#);
    events.push((n.to_string(), d));
    events.push((STOP.0.to_string(), STOP.1.to_string()));
    events
}

#[test]
fn text_stream_tokens_and_terminal() {
    let chunks = run(&stream(
        vec![
            text_start(0),
            text_delta(0, "Hel"),
            text_delta(0, "lo"),
            block_stop(0),
        ],
        "end_turn",
    ));
    assert_eq!(content(&chunks), &[token("Hel"), token("lo")]);
    let fin = terminal(&chunks);
    assert_eq!(
        *fin,
        Finish {
            provider: crate::Provider::Anthropic,
            id: Some("msg_01".into()),
            model: Some("claude-sonnet-4-5".into()),
            finish_reason: FinishReason::Stop,
            provider_finish_reason: Some("end_turn".into()),
            usage: Some(Usage {
                input_tokens: 25,
                output_tokens: 12,
                ..Usage::default()
            }),
            error: None,
        }
    );
}

#[test]
fn text_escapes_and_unicode_are_unescaped() {
    let chunks = run(&stream(
        vec![
            text_start(0),
            delta(
                0,
                r#"{"type":"text_delta","text":"a \"q\" \\ \n \u00e9 \ud83d\ude00 ü"}"#,
            ),
            block_stop(0),
        ],
        "end_turn",
    ));
    assert_eq!(content(&chunks), &[token("a \"q\" \\ \n é 😀 ü")]);
}

#[test]
fn initial_block_text_is_a_token_and_empty_text_is_not() {
    let chunks = run(&stream(
        vec![
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}}"#
                    .into(),
            ),
            text_delta(0, ""),
            text_delta(0, "!"),
            block_stop(0),
        ],
        "end_turn",
    ));
    assert_eq!(content(&chunks), &[token("Hi"), token("!")]);
}

#[test]
fn tool_use_streams_arguments_never_tokens() {
    let chunks = run(&stream(
        vec![
            text_start(0),
            text_delta(0, "Let me check."),
            block_stop(0),
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#.into(),
            ),
            delta(1, r#"{"type":"input_json_delta","partial_json":""}"#),
            delta(1, r#"{"type":"input_json_delta","partial_json":"{\"loc"}"#),
            delta(1, r#"{"type":"input_json_delta","partial_json":"ation\": \"Paris\"}"}"#),
            block_stop(1),
        ],
        "tool_use",
    ));
    assert_eq!(
        content(&chunks),
        &[
            token("Let me check."),
            piece(0, Some("toolu_01"), Some("get_weather"), ""),
            piece(0, None, None, "{\"loc"),
            piece(0, None, None, "ation\": \"Paris\"}"),
        ]
    );
    assert_eq!(terminal(&chunks).finish_reason, FinishReason::ToolCalls);
}

fn tool_start(index: u32, id: &str, input: &str) -> (&'static str, String) {
    (
        "content_block_start",
        format!(
            r#"{{"type":"content_block_start","index":{index},"content_block":{{"type":"tool_use","id":"{id}","name":"f","input":{input}}}}}"#
        ),
    )
}

#[test]
fn parallel_tools_are_numbered_by_appearance() {
    let chunks = run(&stream(
        vec![
            text_start(0),
            block_stop(0),
            tool_start(1, "toolu_a", "{}"),
            delta(
                1,
                r#"{"type":"input_json_delta","partial_json":"{\"a\":1}"}"#,
            ),
            block_stop(1),
            tool_start(2, "toolu_b", "{}"),
            delta(
                2,
                r#"{"type":"input_json_delta","partial_json":"{\"b\":2}"}"#,
            ),
            block_stop(2),
        ],
        "tool_use",
    ));
    assert_eq!(
        content(&chunks),
        &[
            piece(0, Some("toolu_a"), Some("f"), ""),
            piece(0, None, None, "{\"a\":1}"),
            piece(1, Some("toolu_b"), Some("f"), ""),
            piece(1, None, None, "{\"b\":2}"),
        ]
    );
}

#[test]
fn tool_without_streamed_json_gets_empty_object_at_stop() {
    let chunks = run(&stream(
        vec![
            tool_start(0, "toolu_a", "{}"),
            delta(0, r#"{"type":"input_json_delta","partial_json":""}"#),
            block_stop(0),
        ],
        "tool_use",
    ));
    assert_eq!(
        content(&chunks),
        &[
            piece(0, Some("toolu_a"), Some("f"), ""),
            piece(0, None, None, "{}"),
        ]
    );
}

#[test]
fn tool_with_initial_input_object_emits_its_compact_json_in_key_order() {
    let chunks = run(&stream(
        vec![
            tool_start(
                0,
                "toolu_a",
                r#"{ "z": 1, "a": [true, null, -2, 1.5, "x\"y"], "m": {"k": "é"} }"#,
            ),
            block_stop(0),
        ],
        "tool_use",
    ));
    assert_eq!(
        content(&chunks),
        &[
            piece(0, Some("toolu_a"), Some("f"), ""),
            piece(
                0,
                None,
                None,
                r#"{"z":1,"a":[true,null,-2,1.5,"x\"y"],"m":{"k":"é"}}"#
            ),
        ]
    );
}

#[test]
fn tool_input_that_is_not_an_object_is_invalid() {
    let chunks = run(&stream(vec![tool_start(0, "toolu_a", "[1]")], "tool_use"));
    assert_invalid(&chunks, "invalid content_block_start event: tool_use input");
}

#[test]
fn tool_open_at_message_stop_gets_empty_object_before_terminal() {
    let chunks = run(&stream(vec![tool_start(0, "toolu_a", "{}")], "tool_use"));
    assert_eq!(
        content(&chunks),
        &[
            piece(0, Some("toolu_a"), Some("f"), ""),
            piece(0, None, None, "{}"),
        ]
    );
    assert_eq!(terminal(&chunks).finish_reason, FinishReason::ToolCalls);
}

#[test]
fn tool_in_truncated_stream_gets_no_made_up_arguments() {
    let mut events = owned(&[START]);
    let (n, d) = tool_start(0, "toolu_a", "{}");
    events.push((n.into(), d));
    let chunks = run(&events);
    assert_eq!(
        content(&chunks),
        &[piece(0, Some("toolu_a"), Some("f"), "")]
    );
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IncompleteStream);
}

#[test]
fn thinking_reasoning_and_signature() {
    let chunks = run(&stream(
        vec![
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#.into(),
            ),
            delta(0, r#"{"type":"thinking_delta","thinking":"Let me"}"#),
            delta(0, r#"{"type":"thinking_delta","thinking":" think."}"#),
            delta(0, r#"{"type":"signature_delta","signature":"EqQBCgIYAhIM"}"#),
            block_stop(0),
            text_start(1),
            text_delta(1, "42"),
            block_stop(1),
        ],
        "end_turn",
    ));
    assert_eq!(
        content(&chunks),
        &[
            StreamChunk::Reasoning("Let me".into()),
            StreamChunk::Reasoning(" think.".into()),
            StreamChunk::ReasoningSignature("EqQBCgIYAhIM".into()),
            token("42"),
        ]
    );
}

#[test]
fn redacted_thinking_data_is_kept() {
    let chunks = run(&stream(
        vec![
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"EmwKAhgB"}}"#.into(),
            ),
            block_stop(0),
        ],
        "end_turn",
    ));
    assert_eq!(
        content(&chunks),
        &[StreamChunk::RedactedReasoning("EmwKAhgB".into())]
    );
}

#[test]
fn redacted_thinking_without_data_is_invalid() {
    let chunks = run(&stream(
        vec![(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking"}}"#.into(),
        )],
        "end_turn",
    ));
    assert_invalid(
        &chunks,
        "invalid content_block_start event: missing field `data`",
    );
}

#[test]
fn server_tool_blocks_and_citations_produce_nothing() {
    let chunks = run(&stream(
        vec![
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}}"#.into(),
            ),
            delta(0, r#"{"type":"input_json_delta","partial_json":"{\"query\":\"x\"}"}"#),
            block_stop(0),
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","title":"T","url":"https://example.com"}]}}"#.into(),
            ),
            block_stop(1),
            text_start(2),
            delta(2, r#"{"type":"citations_delta","citation":{"type":"web_search_result_location","url":"https://example.com","title":"T","cited_text":"x"}}"#),
            text_delta(2, "Answer"),
            block_stop(2),
        ],
        "end_turn",
    ));
    assert_eq!(content(&chunks), &[token("Answer")]);
    assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
}

#[test]
fn unknown_block_and_delta_types_are_ignored() {
    let chunks = run(&stream(
        vec![
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"hologram","text":{"not":"a string"}}}"#.into(),
            ),
            delta(0, r#"{"type":"text_delta","text":"hidden"}"#),
            delta(0, r#"{"type":"hologram_delta","text":7}"#),
            block_stop(0),
            text_start(1),
            delta(1, r#"{"type":"sparkle_delta","text":{"x":1}}"#),
            delta(1, r#"{"type":"sparkle_delta","sparkle":"*"}"#),
            text_delta(1, "ok"),
            block_stop(1),
        ],
        "end_turn",
    ));
    assert_eq!(content(&chunks), &[token("ok")]);
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
        let chunks = run(&stream(vec![], raw));
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, unified, "{raw}");
        assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
        assert!(fin.error.is_none());
    }
}

#[test]
fn message_stop_without_stop_reason_is_other() {
    let chunks = run(&owned(&[START, STOP]));
    let fin = terminal(&chunks);
    assert_eq!(fin.finish_reason, FinishReason::Other);
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
    let chunks = run(&owned(&[
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_01","model":"m","usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":5}}}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":7}}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":3,"cache_read_input_tokens":null,"output_tokens":9,"server_tool_use":{"web_search_requests":1}}}"#,
        ),
        STOP,
    ]));
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
    assert_eq!(fin.finish_reason, FinishReason::Stop);
}

#[test]
fn reported_zero_cache_counts_are_kept() {
    let chunks = run(&owned(&[
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_01","model":"m","usage":{"input_tokens":10,"output_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}"#,
        ),
        STOP,
    ]));
    let usage = terminal(&chunks).usage.unwrap();
    assert_eq!(usage.cache_creation_input_tokens, Some(0));
    assert_eq!(usage.cache_read_input_tokens, Some(0));
}

#[test]
fn absent_usage_is_omitted() {
    let chunks = run(&owned(&[
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_01","model":"m"}}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"}}"#,
        ),
        STOP,
    ]));
    assert_eq!(terminal(&chunks).usage, None);
}

#[test]
fn ping_and_unknown_events_are_ignored() {
    let chunks = run(&owned(&[
        ("ping", r#"{"type": "ping"}"#),
        START,
        ("ping", r#"{"type": "ping"}"#),
        ("future_event", r#"{"type":"future_event","x":[1]}"#),
        ("future_event", "not json at all"),
        ("message", r#"{"type":"future_event"}"#),
        STOP,
    ]));
    assert_eq!(chunks.len(), 1);
    assert!(terminal(&chunks).is_success());
}

#[test]
fn json_type_is_authoritative_over_the_event_name() {
    let (_, text) = text_start(0);
    let (_, d) = text_delta(0, "via type");
    let chunks = run(&[
        ("message", START.1.to_string()),
        ("ping", text),
        ("message", d),
        ("content_block_stop", r#"{"type":"ping"}"#.into()),
        ("bogus", STOP.1.into()),
    ]);
    assert_eq!(content(&chunks), &[token("via type")]);
    assert_eq!(terminal(&chunks).finish_reason, FinishReason::Other);
}

#[test]
fn provider_error_event_is_an_error_terminal_with_what_was_known() {
    let (n, d) = message_delta("max_tokens", r#"{"output_tokens":30}"#);
    let (tn, td) = text_start(0);
    let (dn, dd) = text_delta(0, "partial");
    let chunks = run(&[
        (START.0, START.1.to_string()),
        (tn, td),
        (dn, dd),
        (n, d),
        (
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.into(),
        ),
        (STOP.0, STOP.1.into()),
    ]);
    assert_eq!(content(&chunks), &[token("partial")]);
    let fin = terminal(&chunks);
    assert_eq!(fin.finish_reason, FinishReason::Error);
    assert_eq!(
        fin.error,
        Some(StreamError::new(
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
    let chunks = run(&owned(&[(
        "error",
        r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
    )]));
    let err = error_of(&chunks);
    assert_eq!(err.error_type(), "api_error");
    assert_eq!(err.message, "Internal server error");
    assert_eq!(terminal(&chunks).id, None);
}

#[test]
fn malformed_error_event_is_invalid() {
    let chunks = run(&owned(&[("error", r#"{"type":"error"}"#)]));
    assert_invalid(&chunks, "invalid error event: missing field `error`");
}

#[test]
fn content_before_message_start_is_invalid() {
    let cases: Vec<(&str, String)> = vec![
        text_start(0),
        text_delta(0, "x"),
        block_stop(0),
        message_delta("end_turn", "{}"),
        (STOP.0, STOP.1.into()),
    ];
    for (name, data) in cases {
        let chunks = run(&[(name, data.clone())]);
        assert_invalid(
            &chunks,
            &format!("invalid {name} event: received before message_start"),
        );
        // Also when only the JSON type says so.
        let chunks = run(&[("message", data)]);
        assert_invalid(&chunks, &format!("invalid {name} event: received before"));
        assert_eq!(chunks.len(), 1);
    }
}

#[test]
fn identical_repeated_message_start_before_content_is_ignored() {
    let (tn, td) = text_start(0);
    let chunks = run(&[
        (START.0, START.1.to_string()),
        (START.0, START.1.to_string()),
        (tn, td),
        (STOP.0, STOP.1.into()),
    ]);
    assert!(terminal(&chunks).is_success());
}

#[test]
fn second_message_start_with_another_id_is_invalid() {
    let other = START.1.replace("msg_01", "msg_02");
    let chunks = run(&[(START.0, START.1.to_string()), (START.0, other)]);
    assert_invalid(
        &chunks,
        "invalid message_start event: a second message_start with another id",
    );
    assert_eq!(terminal(&chunks).id.as_deref(), Some("msg_01"));
}

#[test]
fn second_message_start_after_content_is_invalid() {
    let (tn, td) = text_start(0);
    let chunks = run(&[
        (START.0, START.1.to_string()),
        (tn, td),
        (START.0, START.1.to_string()),
    ]);
    assert_invalid(
        &chunks,
        "invalid message_start event: a second message_start after content",
    );
}

#[test]
fn end_without_message_stop_is_incomplete() {
    let (dn, dd) = text_delta(0, "trunc");
    let (tn, td) = text_start(0);
    let chunks = run(&[(START.0, START.1.to_string()), (tn, td), (dn, dd)]);
    assert_eq!(content(&chunks), &[token("trunc")]);
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::IncompleteStream);
    assert_eq!(err.message, "stream ended before message_stop");
    let fin = terminal(&chunks);
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(fin.usage.map(|u| u.input_tokens), Some(25));
}

#[test]
fn empty_input_is_incomplete() {
    let chunks = run::<&str, &str>(&[]);
    let err = error_of(&chunks);
    assert_eq!(err.kind, StreamErrorKind::IncompleteStream);
    assert_eq!(err.message, "stream ended before message_start");
}

#[test]
fn undecodable_json_is_invalid_and_names_the_event() {
    let chunks = run(&owned(&[
        START,
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"#,
        ),
    ]));
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: EOF while parsing",
    );
    let chunks = run(&owned(&[("message_start", "{nope")]));
    assert_invalid(&chunks, "invalid message_start event: ");
    let chunks = run(&owned(&[START, ("message", "[1,2]")]));
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
        let (tn, td) = text_start(0);
        let chunks = run(&[
            (START.0, START.1.to_string()),
            (tn, td),
            (name, data.into()),
        ]);
        assert_invalid(&chunks, expect);
    }
}

#[test]
fn delta_for_a_never_started_block_is_invalid() {
    let chunks = run(&[(START.0, START.1.to_string()), text_delta(3, "x")]);
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
        let chunks = run(&[(START.0, START.1.to_string()), delta(5, d)]);
        assert_invalid(
            &chunks,
            "invalid content_block_delta event: block index 5 was never started",
        );
    }
}

#[test]
fn block_lifecycle_violations_are_invalid() {
    let s = || (START.0, START.1.to_string());
    let chunks = run(&[s(), text_start(0), block_stop(0), text_delta(0, "late")]);
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: block index 0 has already stopped",
    );
    let chunks = run(&[s(), text_start(0), text_start(0)]);
    assert_invalid(
        &chunks,
        "invalid content_block_start event: block index 0 was already started",
    );
    let chunks = run(&[s(), block_stop(0)]);
    assert_invalid(
        &chunks,
        "invalid content_block_stop event: block index 0 was never started",
    );
    let chunks = run(&[s(), text_start(0), block_stop(0), block_stop(0)]);
    assert_invalid(
        &chunks,
        "invalid content_block_stop event: block index 0 has already stopped",
    );
}

#[test]
fn delta_of_the_wrong_kind_for_its_block_is_invalid() {
    let chunks = run(&[
        (START.0, START.1.to_string()),
        tool_start(0, "toolu_a", "{}"),
        text_delta(0, "{\"x\":1}"),
    ]);
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: text_delta on tool_use block index 0",
    );
    let chunks = run(&[
        (START.0, START.1.to_string()),
        text_start(0),
        delta(0, r#"{"type":"input_json_delta","partial_json":"{}"}"#),
    ]);
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: input_json_delta on text block index 0",
    );
}

#[test]
fn nothing_after_the_terminal_chunk() {
    let mut decoder = AnthropicDecoder::new();
    for (n, d) in [START, STOP] {
        decoder.decode(&Event::new(n, d));
    }
    let (n, d) = text_start(0);
    decoder.decode(&Event::new(n, &d));
    decoder.decode(&Event::new(
        "error",
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
    ));
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "reset"));
    decoder.finish();
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 1);
    assert!(terminal(&chunks).is_success());
    assert!(decoder.is_done());
}

#[test]
fn transport_failure_keeps_what_was_known() {
    let mut decoder = AnthropicDecoder::new();
    decoder.decode(&Event::new(START.0, START.1));
    decoder.fail(StreamError::new(
        StreamErrorKind::IdleTimeout,
        "no bytes for 30s",
    ));
    decoder.finish();
    let chunks = drain(&mut decoder);
    let fin = terminal(&chunks);
    assert_eq!(fin.id.as_deref(), Some("msg_01"));
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IdleTimeout);
}

#[test]
fn hostile_inputs_never_panic_and_end_with_one_terminal() {
    let (_, tool) = tool_start(0, "toolu_a", r#"{"a":[1,{"b":null}]}"#);
    let (_, text) = text_delta(0, "é😀\"\\");
    let samples = [
        START.1,
        &tool,
        &text,
        r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":18446744073709551615}}"#,
        r#"{"type":"content_block_delta","index":4294967295,"delta":{"type":"text_delta","text":"x"}}"#,
        r#"{"type":"content_block_delta","index":-1,"delta":null}"#,
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"b","input":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]}}"#,
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
    for sample in samples {
        for cut in (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)) {
            for name in names {
                let data = &sample[..cut];
                let chunks = run(&[(START.0, START.1), (name, data), (name, data)]);
                terminal(&chunks);
                let chunks = run(&[(name, data), (START.0, START.1), (name, data), STOP]);
                terminal(&chunks);
            }
        }
    }
}

#[test]
fn double_finish_gives_one_terminal() {
    let mut decoder = AnthropicDecoder::new();
    decoder.finish();
    decoder.finish();
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 1);
    assert_eq!(error_of(&chunks).kind, StreamErrorKind::IncompleteStream);
}

#[test]
fn delta_with_whitespace_and_non_string_text() {
    let chunks = run(&[
        (START.0, START.1.to_string()),
        text_start(0),
        (
            "content_block_delta",
            "{ \"type\" : \"content_block_delta\" , \"index\" : 0 , \"delta\" : { \"text\" : \"a\\nb\" , \"type\" : \"text_delta\" } }".into(),
        ),
        delta(0, r#"{"type":"text_delta","text":42}"#),
    ]);
    assert_eq!(content(&chunks), &[token("a\nb")]);
    assert_invalid(
        &chunks,
        "invalid content_block_delta event: expected a JSON string",
    );
}

#[test]
fn lone_surrogate_in_a_delta_is_invalid() {
    let chunks = run(&[
        (START.0, START.1.to_string()),
        text_start(0),
        delta(0, r#"{"type":"text_delta","text":"\ud83d"}"#),
    ]);
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
            START.1,
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
        let chunks = run(&events);
        proptest::prop_assert_eq!(chunks.iter().filter(|c| c.is_done()).count(), 1);
        proptest::prop_assert!(chunks.last().is_some_and(StreamChunk::is_done));
    }
}

#[test]
fn error_event_without_message_has_an_empty_message() {
    let chunks = run(&owned(&[
        START,
        ("error", r#"{"type":"error","error":{"type":"api_error"}}"#),
    ]));
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(StreamErrorKind::Provider("api_error".into()), "")
    );
}
