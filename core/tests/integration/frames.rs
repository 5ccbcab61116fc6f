//! The frame encoder writes exactly the bytes of the wire contract (DESIGN.md, "The normalized
//! wire contract"): one `data:` line of compact JSON per frame, keys in the documented order,
//! fields that do not apply omitted, `data: [DONE]` after the terminal frame.

use llm_sse_core::frame::{self, DONE_FRAME};
use llm_sse_core::{
    Finish, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments,
    ToolCallStart, Usage,
};

fn encode(chunk: &StreamChunk) -> String {
    let mut out = Vec::new();
    let n = frame::encode(chunk, &mut out);
    assert_eq!(n, out.len());
    String::from_utf8(out).unwrap()
}

fn done(fin: Finish) -> StreamChunk {
    StreamChunk::Done(Box::new(fin))
}

#[test]
fn text_token() {
    assert_eq!(
        encode(&StreamChunk::Token("Hel".into())),
        "data: {\"token\":\"Hel\",\"done\":false}\n\n"
    );
}

#[test]
fn unicode_is_kept_raw_and_controls_escaped_as_serde_json_does() {
    let text = "é😀 \"q\" \\ \n\t\r\u{1}\u{7f}</script>";
    let chunk = StreamChunk::Token(text.into());
    assert_eq!(
        encode(&chunk),
        "data: {\"token\":\"é😀 \\\"q\\\" \\\\ \\n\\t\\r\\u0001\u{7f}</script>\",\"done\":false}\n\n"
    );
    // The frame carries the text on one line however many line ends it contains.
    assert_eq!(encode(&chunk).matches('\n').count(), 2);
}

#[test]
fn reasoning() {
    assert_eq!(
        encode(&StreamChunk::Reasoning("Let me".into())),
        "data: {\"token\":\"\",\"done\":false,\"reasoning\":\"Let me\"}\n\n"
    );
}

#[test]
fn tool_call_first_and_later_pieces() {
    let first = StreamChunk::ToolCallStart(ToolCallStart {
        index: 0,
        id: Some("toolu_1".into()),
        name: "get_weather".into(),
        arguments: String::new(),
    });
    assert_eq!(
        encode(&first),
        "data: {\"token\":\"\",\"done\":false,\"tool_call\":{\"index\":0,\"id\":\"toolu_1\",\"name\":\"get_weather\",\"arguments\":\"\"}}\n\n"
    );
    let later = StreamChunk::ToolCallArguments(ToolCallArguments {
        index: 1,
        fragment: "{\"city\":".into(),
    });
    assert_eq!(
        encode(&later),
        "data: {\"token\":\"\",\"done\":false,\"tool_call\":{\"index\":1,\"arguments\":\"{\\\"city\\\":\"}}\n\n"
    );
}

#[test]
fn terminal_frame_with_every_field_in_order_then_done_sentinel() {
    let chunk = done(Finish {
        provider: Provider::Anthropic,
        id: Some("msg_01".into()),
        model: Some("claude-sonnet-4-5".into()),
        outcome: Ok(FinishReason::Stop),
        provider_finish_reason: Some("end_turn".into()),
        usage: Some(Usage {
            input_tokens: 25,
            output_tokens: 12,
            cache_read_input_tokens: Some(0),
            cache_creation_input_tokens: Some(7),
            reasoning_tokens: Some(3),
        }),
    });
    assert_eq!(
        encode(&chunk),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_01\",",
            "\"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"end_turn\",",
            "\"usage\":{\"input_tokens\":25,\"output_tokens\":12,\"cache_read_input_tokens\":0,",
            "\"cache_creation_input_tokens\":7,\"reasoning_tokens\":3}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn terminal_frame_omits_what_is_unknown() {
    let chunk = done(Finish {
        provider: Provider::OpenAi,
        id: None,
        model: None,
        outcome: Ok(FinishReason::Length),
        provider_finish_reason: None,
        usage: None,
    });
    assert_eq!(
        encode(&chunk),
        "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"finish_reason\":\"length\"}\n\ndata: [DONE]\n\n"
    );
}

#[test]
fn error_terminal_frame() {
    let chunk = done(Finish {
        provider: Provider::Gemini,
        id: Some("r1".into()),
        model: Some("gemini-2.5-flash".into()),
        outcome: Err(StreamError::new(
            StreamErrorKind::Provider("overloaded_error".into()),
            "Overloaded",
        )),
        provider_finish_reason: None,
        usage: Some(Usage {
            input_tokens: 4,
            output_tokens: 0,
            ..Usage::default()
        }),
    });
    assert_eq!(
        encode(&chunk),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"r1\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":4,\"output_tokens\":0},",
            "\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn our_own_error_types() {
    let cases = [
        (StreamErrorKind::IncompleteStream, "incomplete_stream"),
        (StreamErrorKind::InvalidEvent, "invalid_event"),
        (StreamErrorKind::ConnectionError, "connection_error"),
        (StreamErrorKind::IdleTimeout, "idle_timeout"),
    ];
    for (kind, name) in cases {
        let err = StreamError::new(kind, "m");
        assert_eq!(err.error_type(), name);
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            format!("{{\"type\":\"{name}\",\"message\":\"m\"}}")
        );
    }
}

#[test]
fn every_finish_reason_has_its_wire_name() {
    let names = [
        (FinishReason::Stop, "stop"),
        (FinishReason::Length, "length"),
        (FinishReason::StopSequence, "stop_sequence"),
        (FinishReason::ToolCalls, "tool_calls"),
        (FinishReason::ContentFilter, "content_filter"),
        (FinishReason::PauseTurn, "pause_turn"),
        (FinishReason::Other, "other"),
    ];
    for (reason, name) in names {
        assert_eq!(reason.as_str(), name);
        assert_eq!(
            serde_json::to_string(&reason).unwrap(),
            format!("\"{name}\"")
        );
    }
}

#[test]
fn signatures_and_redacted_reasoning_have_frames() {
    // Wire-contract revision of 2026-12-06: keys `token, done`, then the content key.
    let mut out = Vec::new();
    let sig = StreamChunk::ReasoningSignature("EqQB+/=".into());
    let written = frame::encode(&sig, &mut out);
    assert_eq!(
        out,
        b"data: {\"token\":\"\",\"done\":false,\"reasoning_signature\":\"EqQB+/=\"}\n\n"
    );
    assert_eq!(written, out.len());
    assert!(sig.has_frame());
    out.clear();
    let redacted = StreamChunk::RedactedReasoning("opaque".into());
    frame::encode(&redacted, &mut out);
    assert_eq!(
        out,
        b"data: {\"token\":\"\",\"done\":false,\"redacted_reasoning\":\"opaque\"}\n\n"
    );
    assert!(redacted.has_frame());
}

#[test]
fn chunks_without_wire_content_produce_no_bytes() {
    let mut out = b"prefix".to_vec();
    assert_eq!(frame::encode(&StreamChunk::BlockBreak, &mut out), 0);
    assert!(!StreamChunk::BlockBreak.has_frame());
    // Every non-terminal frame carries content: empty content makes no frame.
    assert_eq!(
        frame::encode(&StreamChunk::Token(String::new()), &mut out),
        0
    );
    assert_eq!(
        frame::encode(&StreamChunk::Reasoning(String::new()), &mut out),
        0
    );
    assert_eq!(
        frame::encode(&StreamChunk::ReasoningSignature(String::new()), &mut out),
        0
    );
    assert_eq!(
        frame::encode(&StreamChunk::RedactedReasoning(String::new()), &mut out),
        0
    );
    let empty = StreamChunk::ToolCallArguments(ToolCallArguments {
        index: 0,
        fragment: String::new(),
    });
    assert_eq!(frame::encode(&empty, &mut out), 0);
    assert_eq!(out, b"prefix");
}

/// `write_json` writes every chunk, the block break (which has no frame) included, for logs and
/// `replay --format jsonl`: a chunk's frame is exactly its JSON.
#[test]
fn chunks_without_a_frame_have_json() {
    let json = |chunk: &StreamChunk| {
        let mut out = Vec::new();
        frame::write_json(chunk, &mut out);
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        json(&StreamChunk::ReasoningSignature("sig".into())),
        r#"{"token":"","done":false,"reasoning_signature":"sig"}"#
    );
    assert_eq!(
        json(&StreamChunk::RedactedReasoning("opaque".into())),
        r#"{"token":"","done":false,"redacted_reasoning":"opaque"}"#
    );
    assert_eq!(
        json(&StreamChunk::BlockBreak),
        r#"{"token":"","done":false,"block_break":true}"#
    );
}

#[test]
fn a_tool_call_start_without_an_id_omits_it() {
    let start = StreamChunk::ToolCallStart(ToolCallStart {
        index: 2,
        id: None,
        name: "get_weather".into(),
        arguments: "{\"city\":\"Paris\"}".into(),
    });
    assert_eq!(
        encode(&start),
        "data: {\"token\":\"\",\"done\":false,\"tool_call\":{\"index\":2,\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}\n\n"
    );
}

#[test]
fn frames_append_to_existing_output() {
    let mut out = Vec::new();
    frame::encode(&StreamChunk::Token("a".into()), &mut out);
    frame::encode(&StreamChunk::Token("b".into()), &mut out);
    assert_eq!(
        out,
        b"data: {\"token\":\"a\",\"done\":false}\n\ndata: {\"token\":\"b\",\"done\":false}\n\n"
    );
    assert_eq!(DONE_FRAME, b"data: [DONE]\n\n");
}
