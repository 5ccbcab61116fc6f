//! The accumulator: chunk streams folded into the final message, and how failures are reported.
//!
//! Chunks are built directly (as the provider decoders emit them), so these tests do not depend
//! on any decoder.

use llm_sse_core::{
    AccumulateError, Accumulator, ContentBlock, Finish, FinishReason, Message, PartialBlock,
    PartialMessage, PartialToolCall, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCall,
    ToolCallArguments, ToolCallProblem, ToolCallStart, Usage,
};
use serde_json::json;

fn token(s: &str) -> StreamChunk {
    StreamChunk::Token(s.into())
}

fn reasoning(s: &str) -> StreamChunk {
    StreamChunk::Reasoning(s.into())
}

fn signature(s: &str) -> StreamChunk {
    StreamChunk::ReasoningSignature(s.into())
}

fn redacted(s: &str) -> StreamChunk {
    StreamChunk::RedactedReasoning(s.into())
}

/// The first piece of a tool call (id and name).
fn call_start(index: u32, id: &str, name: &str, args: &str) -> StreamChunk {
    StreamChunk::ToolCallStart(ToolCallStart {
        index,
        id: Some(id.into()),
        name: name.into(),
        arguments: args.into(),
    })
}

/// A later piece: an arguments fragment only.
fn call_args(index: u32, args: &str) -> StreamChunk {
    StreamChunk::ToolCallArguments(ToolCallArguments {
        index,
        fragment: args.into(),
    })
}

fn done(provider: Provider, reason: FinishReason, raw: Option<&str>) -> StreamChunk {
    StreamChunk::Done(Box::new(Finish {
        provider,
        id: Some("msg_01".into()),
        model: Some("model-x".into()),
        outcome: Ok(reason),
        provider_finish_reason: raw.map(Into::into),
        usage: Some(Usage {
            input_tokens: 25,
            output_tokens: 12,
            ..Usage::default()
        }),
    }))
}

fn failed(error_type: &str, message: &str) -> StreamChunk {
    StreamChunk::Done(Box::new(Finish {
        provider: Provider::Anthropic,
        id: Some("msg_01".into()),
        model: Some("claude-sonnet-4-5".into()),
        outcome: Err(StreamError::new(
            StreamErrorKind::Provider(error_type.into()),
            message,
        )),
        provider_finish_reason: None,
        usage: Some(Usage {
            input_tokens: 40,
            output_tokens: 3,
            ..Usage::default()
        }),
    }))
}

/// Folds `chunks` three ways (by reference, by value, via `extend`) and checks they agree.
fn fold(chunks: &[StreamChunk]) -> Result<Message, AccumulateError> {
    let mut by_ref = Accumulator::new();
    for chunk in chunks {
        by_ref.push(chunk);
    }
    let mut by_value = Accumulator::new();
    for chunk in chunks {
        by_value.push_owned(chunk.clone());
    }
    let mut extended = Accumulator::new();
    extended.extend(chunks.iter().cloned());
    let result = by_ref.finish();
    assert_eq!(result, by_value.finish(), "push_owned disagrees with push");
    assert_eq!(result, extended.finish(), "extend disagrees with push");
    result
}

fn text(s: &str) -> ContentBlock {
    ContentBlock::Text(s.into())
}

fn thinking(t: &str, sig: Option<&str>) -> ContentBlock {
    ContentBlock::Thinking {
        thinking: t.into(),
        signature: sig.map(Into::into),
    }
}

#[test]
fn text_only_stream_is_one_text_block_with_all_metadata() {
    let message = fold(&[
        token("Hel"),
        token("lo, "),
        token("wörld 👋"),
        done(Provider::Anthropic, FinishReason::Stop, Some("end_turn")),
    ])
    .unwrap();
    assert_eq!(
        message,
        Message {
            provider: Provider::Anthropic,
            id: Some("msg_01".into()),
            model: Some("model-x".into()),
            content: vec![text("Hello, wörld 👋")],
            finish_reason: FinishReason::Stop,
            provider_finish_reason: Some("end_turn".into()),
            usage: Some(Usage {
                input_tokens: 25,
                output_tokens: 12,
                cache_read_input_tokens: None,
                cache_creation_input_tokens: None,
                reasoning_tokens: None,
            }),
        }
    );
    assert_eq!(message.text(), "Hello, wörld 👋");
    assert_eq!(message.tool_calls().count(), 0);
}

#[test]
fn empty_stream_is_an_empty_message() {
    let message = fold(&[done(Provider::OpenAi, FinishReason::Stop, Some("stop"))]).unwrap();
    assert_eq!(message.content, vec![]);
    assert_eq!(message.text(), "");
}

#[test]
fn any_other_content_chunk_starts_a_new_text_block() {
    let message = fold(&[
        token("a1"),
        token("a2"),
        reasoning("r1"),
        token("b1"),
        call_start(0, "call_1", "f", "{}"),
        token("c1"),
        token("c2"),
        redacted("RED"),
        token("d1"),
        signature("SIG"),
        token("e1"),
        done(
            Provider::Anthropic,
            FinishReason::ToolCalls,
            Some("tool_use"),
        ),
    ])
    .unwrap();
    assert_eq!(
        message.content,
        vec![
            text("a1a2"),
            thinking("r1", None),
            text("b1"),
            ContentBlock::ToolCall(ToolCall {
                index: 0,
                id: Some("call_1".into()),
                name: "f".into(),
                arguments: json!({}),
                raw_arguments: "{}".into(),
            }),
            text("c1c2"),
            ContentBlock::RedactedThinking { data: "RED".into() },
            text("d1"),
            thinking("", Some("SIG")),
            text("e1"),
        ]
    );
    assert_eq!(message.text(), "a1a2b1c1c2d1e1");
}

#[test]
fn a_later_fragment_of_an_earlier_call_also_ends_the_text_block() {
    // OpenAI-style interleaving: the continuation of call 0 arrives between two tokens.
    let message = fold(&[
        call_start(0, "call_1", "f", "{\"a\":"),
        token("x"),
        call_args(0, "1}"),
        token("y"),
        done(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
        ),
    ])
    .unwrap();
    assert_eq!(message.content.len(), 3);
    assert_eq!(message.content[1], text("x"));
    assert_eq!(message.content[2], text("y"));
    assert_eq!(
        message.tool_calls().next().unwrap().arguments,
        json!({"a": 1})
    );
}

#[test]
fn empty_text_and_reasoning_chunks_are_ignored() {
    let message = fold(&[
        token("a"),
        token(""),
        reasoning(""),
        token("b"),
        done(Provider::Gemini, FinishReason::Stop, Some("STOP")),
    ])
    .unwrap();
    assert_eq!(message.content, vec![text("ab")]);
}

#[test]
fn thinking_blocks_keep_their_signatures_intact() {
    let sig1 = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDY+/=\\\"quoted\"\u{00e9}";
    let sig2 = "ErUBCkYIBxgCIkB/second+signature==";
    let message = fold(&[
        reasoning("Let me "),
        reasoning("think."),
        signature(sig1),
        reasoning("More "),
        reasoning("thought."),
        signature(sig2),
        token("Answer."),
        done(Provider::Anthropic, FinishReason::Stop, Some("end_turn")),
    ])
    .unwrap();
    assert_eq!(
        message.content,
        vec![
            thinking("Let me think.", Some(sig1)),
            thinking("More thought.", Some(sig2)),
            text("Answer."),
        ]
    );
}

#[test]
fn a_signature_without_reasoning_is_an_empty_signed_thinking_block() {
    let message = fold(&[
        signature("only-sig"),
        signature("second-sig"),
        token("Hi"),
        done(Provider::Anthropic, FinishReason::Stop, Some("end_turn")),
    ])
    .unwrap();
    assert_eq!(
        message.content,
        vec![
            thinking("", Some("only-sig")),
            thinking("", Some("second-sig")),
            text("Hi"),
        ]
    );
}

#[test]
fn unsigned_reasoning_is_kept_but_not_sent_back_to_anthropic() {
    // OpenAI-compatible reasoning_content has no signature.
    let message = fold(&[
        reasoning("Hmm."),
        token("Yes."),
        done(Provider::OpenAi, FinishReason::Stop, Some("stop")),
    ])
    .unwrap();
    assert_eq!(message.content, vec![thinking("Hmm.", None), text("Yes.")]);
}

#[test]
fn redacted_thinking_is_its_own_block_with_data_intact() {
    let data1 = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP+=";
    let data2 = "Second/opaque+blob==";
    let message = fold(&[
        reasoning("visible"),
        signature("sig-a"),
        redacted(data1),
        redacted(data2),
        token("Done."),
        done(Provider::Anthropic, FinishReason::Stop, Some("end_turn")),
    ])
    .unwrap();
    assert_eq!(
        message.content,
        vec![
            thinking("visible", Some("sig-a")),
            ContentBlock::RedactedThinking { data: data1.into() },
            ContentBlock::RedactedThinking { data: data2.into() },
            text("Done."),
        ]
    );
}

#[test]
fn parallel_tool_calls_with_interleaved_fragments_group_by_index() {
    let message = fold(&[
        token("Checking both."),
        call_start(0, "call_a", "get_weather", ""),
        call_start(1, "call_b", "get_time", ""),
        call_args(1, "{\"tz\":"),
        call_args(0, "{\"city\""),
        call_args(0, ":\"Paris\","),
        call_args(1, "\"Europe/Paris\"}"),
        call_args(0, "\"unit\":\"c\"}"),
        done(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
        ),
    ])
    .unwrap();
    assert_eq!(
        message.content,
        vec![
            text("Checking both."),
            ContentBlock::ToolCall(ToolCall {
                index: 0,
                id: Some("call_a".into()),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris", "unit": "c"}),
                raw_arguments: "{\"city\":\"Paris\",\"unit\":\"c\"}".into(),
            }),
            ContentBlock::ToolCall(ToolCall {
                index: 1,
                id: Some("call_b".into()),
                name: "get_time".into(),
                arguments: json!({"tz": "Europe/Paris"}),
                raw_arguments: "{\"tz\":\"Europe/Paris\"}".into(),
            }),
        ]
    );
    let names: Vec<&str> = message.tool_calls().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["get_weather", "get_time"]);
}

#[test]
fn tool_calls_are_placed_in_the_order_of_their_first_piece() {
    // Index 1 appears first (possible with pieces built by hand); content order follows arrival.
    let message = fold(&[
        call_start(1, "second", "g", "{}"),
        token("between"),
        call_start(0, "first", "f", "{}"),
        done(Provider::OpenAi, FinishReason::ToolCalls, None),
    ])
    .unwrap();
    let ids: Vec<(u32, Option<&str>)> = message
        .tool_calls()
        .map(|c| (c.index, c.id.as_deref()))
        .collect();
    assert_eq!(ids, [(1, Some("second")), (0, Some("first"))]);
    assert_eq!(message.content[1], text("between"));
}

#[test]
fn the_first_id_and_name_win_and_missing_ones_are_filled_later() {
    let message = fold(&[
        // Some servers repeat id and name on every piece; one here even changes them.
        call_start(0, "call_1", "lookup", "{\"q\":"),
        call_start(0, "call_1", "lookup", "\"x\""),
        call_start(0, "other", "renamed", "}"),
        // A call whose first piece has no id or name: they come from a later piece.
        call_args(1, "[1,"),
        call_start(1, "call_2", "list", "2]"),
        done(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
        ),
    ])
    .unwrap();
    let calls: Vec<&ToolCall> = message.tool_calls().collect();
    assert_eq!(calls[0].id.as_deref(), Some("call_1"));
    assert_eq!(calls[0].name, "lookup");
    assert_eq!(calls[0].raw_arguments, "{\"q\":\"x\"}");
    assert_eq!(calls[0].arguments, json!({"q": "x"}));
    assert_eq!(calls[1].id.as_deref(), Some("call_2"));
    assert_eq!(calls[1].name, "list");
    assert_eq!(calls[1].arguments, json!([1, 2]));
}

#[test]
fn empty_arguments_mean_an_empty_object() {
    let message = fold(&[
        call_start(0, "toolu_1", "now", ""),
        done(
            Provider::Anthropic,
            FinishReason::ToolCalls,
            Some("tool_use"),
        ),
    ])
    .unwrap();
    let call = message.tool_calls().next().unwrap();
    assert_eq!(call.arguments, json!({}));
    assert_eq!(call.raw_arguments, "");
}

#[test]
fn invalid_tool_arguments_are_an_error_naming_the_call() {
    let err = fold(&[
        token("Calling."),
        call_start(0, "call_ok", "good", "{\"a\":1}"),
        call_start(1, "call_bad", "broken", "{\"city\":"),
        call_args(1, " Paris}"),
        done(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
        ),
    ])
    .unwrap_err();

    let AccumulateError::InvalidToolCall {
        call,
        problem,
        partial,
    } = &err
    else {
        panic!("expected InvalidToolCall, got {err:?}");
    };
    assert_eq!(
        **call,
        PartialToolCall {
            index: 1,
            id: Some("call_bad".into()),
            name: Some("broken".into()),
            raw_arguments: "{\"city\": Paris}".into(),
        }
    );
    assert_eq!(
        *problem,
        ToolCallProblem::InvalidArguments {
            message: "expected value at line 1 column 10".into(),
            line: 1,
            column: 10,
        }
    );
    assert_eq!(
        err.to_string(),
        "tool call 1 (id call_bad, name broken): arguments are not valid JSON: \
         expected value at line 1 column 10"
    );
    // The partial message keeps everything, every call unparsed (the valid one too).
    assert_eq!(
        **partial,
        PartialMessage {
            provider: Some(Provider::OpenAi),
            id: Some("msg_01".into()),
            model: Some("model-x".into()),
            finish_reason: Some(FinishReason::ToolCalls),
            provider_finish_reason: Some("tool_calls".into()),
            usage: Some(Usage {
                input_tokens: 25,
                output_tokens: 12,
                ..Usage::default()
            }),
            content: vec![
                PartialBlock::Text("Calling.".into()),
                PartialBlock::ToolCall(PartialToolCall {
                    index: 0,
                    id: Some("call_ok".into()),
                    name: Some("good".into()),
                    raw_arguments: "{\"a\":1}".into(),
                }),
                PartialBlock::ToolCall(PartialToolCall {
                    index: 1,
                    id: Some("call_bad".into()),
                    name: Some("broken".into()),
                    raw_arguments: "{\"city\": Paris}".into(),
                }),
            ],
        }
    );
}

#[test]
fn a_tool_call_cut_off_by_the_token_limit_is_not_presented_complete() {
    let err = fold(&[
        call_start(
            0,
            "toolu_1",
            "write_file",
            "{\"path\":\"a.txt\",\"body\":\"lo",
        ),
        done(
            Provider::Anthropic,
            FinishReason::Length,
            Some("max_tokens"),
        ),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "tool call 0 (id toolu_1, name write_file): arguments are not valid JSON: \
         EOF while parsing a string at line 1 column 26"
    );
    assert_eq!(err.partial().finish_reason, Some(FinishReason::Length));
    assert_eq!(
        err.partial().provider_finish_reason.as_deref(),
        Some("max_tokens")
    );
    assert_eq!(
        err.partial().tool_calls().next().unwrap().raw_arguments,
        "{\"path\":\"a.txt\",\"body\":\"lo"
    );
}

#[test]
fn a_tool_call_without_an_id_folds_and_arguments_without_a_start_are_an_error() {
    // Gemini and OpenAI's legacy function_call give calls no id: the call is complete.
    let message = fold(&[
        StreamChunk::ToolCallStart(ToolCallStart {
            index: 0,
            id: None,
            name: "get_weather".into(),
            arguments: "{\"city\":\"Paris\"}".into(),
        }),
        done(Provider::Gemini, FinishReason::ToolCalls, Some("STOP")),
    ])
    .unwrap();
    let call = message.tool_calls().next().unwrap();
    assert_eq!(
        (call.id.as_deref(), call.name.as_str()),
        (None, "get_weather")
    );
    assert_eq!(call.arguments, json!({"city": "Paris"}));

    // Fragments for an index no start announced are kept, and reported, never dropped.
    let err = fold(&[
        call_args(3, "{}"),
        done(Provider::OpenAi, FinishReason::ToolCalls, None),
    ])
    .unwrap_err();
    assert!(matches!(
        &err,
        AccumulateError::InvalidToolCall {
            problem: ToolCallProblem::MissingName,
            call,
            ..
        } if call.index == 3 && call.raw_arguments == "{}"
    ));
    assert_eq!(
        err.to_string(),
        "tool call 3: no tool-call start named the call"
    );
}

#[test]
fn an_error_terminal_reports_the_error_and_never_completes_partial_calls() {
    let err = fold(&[
        reasoning("Plan"),
        signature("sig-x"),
        token("Looking up"),
        call_start(0, "toolu_1", "get_weather", ""),
        call_args(0, "{\"city\":\"Par"),
        failed("overloaded_error", "Overloaded"),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        AccumulateError::Stream {
            error: StreamError::new(
                StreamErrorKind::Provider("overloaded_error".into()),
                "Overloaded"
            ),
            partial: Box::new(PartialMessage {
                provider: Some(Provider::Anthropic),
                id: Some("msg_01".into()),
                model: Some("claude-sonnet-4-5".into()),
                finish_reason: None,
                provider_finish_reason: None,
                usage: Some(Usage {
                    input_tokens: 40,
                    output_tokens: 3,
                    ..Usage::default()
                }),
                content: vec![
                    PartialBlock::Thinking {
                        thinking: "Plan".into(),
                        signature: Some("sig-x".into()),
                    },
                    PartialBlock::Text("Looking up".into()),
                    PartialBlock::ToolCall(PartialToolCall {
                        index: 0,
                        id: Some("toolu_1".into()),
                        name: Some("get_weather".into()),
                        raw_arguments: "{\"city\":\"Par".into(),
                    }),
                ],
            }),
        }
    );
    assert_eq!(
        err.to_string(),
        "stream ended with an error: overloaded_error: Overloaded"
    );
    assert_eq!(err.partial().text(), "Looking up");
}

#[test]
fn an_error_terminal_never_presents_calls_as_complete_even_when_their_json_parses() {
    // The error may have arrived before a later fragment of this call: its arguments are not
    // trustworthy, so they stay raw.
    let err = fold(&[
        call_start(0, "toolu_1", "f", "{\"a\":1}"),
        failed("api_error", "Internal server error"),
    ])
    .unwrap_err();
    let calls: Vec<&PartialToolCall> = err.partial().tool_calls().collect();
    assert_eq!(
        calls,
        [&PartialToolCall {
            index: 0,
            id: Some("toolu_1".into()),
            name: Some("f".into()),
            raw_arguments: "{\"a\":1}".into(),
        }]
    );
    assert!(
        matches!(err, AccumulateError::Stream { ref error, .. } if error.error_type() == "api_error")
    );
}

#[test]
fn our_own_error_kinds_are_reported_too() {
    let chunk = StreamChunk::Done(Box::new(Finish {
        provider: Provider::OpenAi,
        id: None,
        model: None,
        outcome: Err(StreamError::new(
            StreamErrorKind::IncompleteStream,
            "stream ended before its terminal event",
        )),
        provider_finish_reason: None,
        usage: None,
    }));
    let err = fold(&[token("Hal"), chunk]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "stream ended with an error: incomplete_stream: stream ended before its terminal event"
    );
    assert_eq!(
        err.partial().content,
        vec![PartialBlock::Text("Hal".into())]
    );
    assert_eq!(err.partial().provider, Some(Provider::OpenAi));
}

#[test]
fn a_stream_without_terminal_chunk_is_unfinished() {
    let err = fold(&[
        token("Partial "),
        token("answer"),
        call_start(0, "call_1", "f", "{\"x\":"),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        AccumulateError::Unfinished {
            partial: Box::new(PartialMessage {
                provider: None,
                id: None,
                model: None,
                finish_reason: None,
                provider_finish_reason: None,
                usage: None,
                content: vec![
                    PartialBlock::Text("Partial answer".into()),
                    PartialBlock::ToolCall(PartialToolCall {
                        index: 0,
                        id: Some("call_1".into()),
                        name: Some("f".into()),
                        raw_arguments: "{\"x\":".into(),
                    }),
                ],
            }),
        }
    );
    assert_eq!(err.to_string(), "stream ended without its terminal chunk");
    assert_eq!(err.into_partial().text(), "Partial answer");

    let empty = Accumulator::new().finish().unwrap_err();
    assert_eq!(empty.partial().content, vec![]);
    assert!(matches!(empty, AccumulateError::Unfinished { .. }));
}

#[test]
fn chunks_after_the_terminal_chunk_are_ignored() {
    let mut acc = Accumulator::new();
    assert!(!acc.is_done());
    assert!(acc.push(&token("kept")));
    assert!(acc.push(&done(
        Provider::Anthropic,
        FinishReason::Stop,
        Some("end_turn")
    )));
    assert!(acc.is_done());
    assert!(!acc.push(&token(" dropped")));
    assert!(!acc.push(&call_start(0, "x", "y", "{}")));
    assert!(!acc.push_owned(failed("overloaded_error", "Overloaded")));
    assert!(!acc.push(&done(
        Provider::OpenAi,
        FinishReason::Length,
        Some("length")
    )));
    let message = acc.finish().unwrap();
    assert_eq!(message.content, vec![text("kept")]);
    assert_eq!(message.provider, Provider::Anthropic);
    assert_eq!(message.finish_reason, FinishReason::Stop);
    assert_eq!(message.provider_finish_reason.as_deref(), Some("end_turn"));
}

#[test]
fn usage_and_finish_reasons_are_carried() {
    let usage = Usage {
        input_tokens: 1200,
        output_tokens: 340,
        cache_read_input_tokens: Some(1000),
        cache_creation_input_tokens: Some(0),
        reasoning_tokens: Some(120),
    };
    let cases = [
        (FinishReason::Stop, Some("end_turn")),
        (FinishReason::Length, Some("max_tokens")),
        (FinishReason::StopSequence, Some("stop_sequence")),
        (FinishReason::ContentFilter, Some("refusal")),
        (FinishReason::PauseTurn, Some("pause_turn")),
        (FinishReason::Other, Some("MALFORMED_FUNCTION_CALL")),
        (FinishReason::Stop, None),
    ];
    for (reason, raw) in cases {
        let message = fold(&[
            token("x"),
            StreamChunk::Done(Box::new(Finish {
                provider: Provider::Gemini,
                id: Some("resp-7".into()),
                model: Some("gemini-2.5-flash".into()),
                outcome: Ok(reason),
                provider_finish_reason: raw.map(Into::into),
                usage: Some(usage),
            })),
        ])
        .unwrap();
        assert_eq!(message.provider, Provider::Gemini);
        assert_eq!(message.id.as_deref(), Some("resp-7"));
        assert_eq!(message.model.as_deref(), Some("gemini-2.5-flash"));
        assert_eq!(message.finish_reason, reason);
        assert_eq!(message.provider_finish_reason.as_deref(), raw);
        assert_eq!(message.usage, Some(usage));
    }

    // No usage reported stays None.
    let message = fold(&[StreamChunk::Done(Box::new(Finish {
        provider: Provider::OpenAi,
        id: None,
        model: None,
        outcome: Ok(FinishReason::Stop),
        provider_finish_reason: Some("stop".into()),
        usage: None,
    }))])
    .unwrap();
    assert_eq!(message.usage, None);
    assert_eq!(message.id, None);
    assert_eq!(message.model, None);
}

#[test]
fn stream_errors_expose_their_source() {
    use std::error::Error as _;
    let err = fold(&[failed("overloaded_error", "Overloaded")]).unwrap_err();
    assert_eq!(
        err.source().map(|e| e.to_string()),
        Some("overloaded_error: Overloaded".to_string())
    );
    let err = fold(&[token("x")]).unwrap_err();
    assert!(err.source().is_none());
}

/// A stream with every kind of content, and the bytes each chunk counts against a limit.
fn sized_stream() -> Vec<(StreamChunk, usize)> {
    vec![
        (reasoning("Think"), 5),
        (signature("sig"), 3),
        (redacted("xyz"), 3),
        (StreamChunk::BlockBreak, 0),
        (token("Hello"), 5),
        (call_start(0, "t1", "get", "{"), 6),
        (call_args(0, "}"), 1),
        (done(Provider::Anthropic, FinishReason::ToolCalls, None), 0),
    ]
}

#[test]
fn content_len_counts_every_variant() {
    for (chunk, len) in sized_stream() {
        assert_eq!(chunk.content_len(), len, "{chunk:?}");
    }
}

#[test]
fn a_limit_at_least_the_content_changes_nothing() {
    let chunks: Vec<_> = sized_stream().into_iter().map(|(c, _)| c).collect();
    let total: usize = sized_stream().iter().map(|(_, n)| n).sum();
    let mut unlimited = Accumulator::new();
    unlimited.extend(&chunks);
    let expected = unlimited.finish();
    for limit in [total, total + 1, usize::MAX] {
        let mut acc = Accumulator::with_limit(limit);
        for chunk in &chunks {
            assert!(acc.push(chunk));
        }
        assert!(acc.is_closed() && acc.is_done());
        assert_eq!(acc.finish(), expected, "{limit}");
    }
}

#[test]
fn the_chunk_past_the_limit_closes_the_accumulator() {
    let chunks: Vec<_> = sized_stream().into_iter().map(|(c, _)| c).collect();
    let total: usize = sized_stream().iter().map(|(_, n)| n).sum();
    for limit in 0..total {
        for owned in [false, true] {
            let mut acc = Accumulator::with_limit(limit);
            let mut kept = 0;
            let mut refused = None;
            for (i, chunk) in chunks.iter().enumerate() {
                let pushed = if owned {
                    acc.push_owned(chunk.clone())
                } else {
                    acc.push(chunk)
                };
                match (pushed, refused) {
                    (true, None) => kept += chunk.content_len(),
                    (false, None) => refused = Some(i),
                    (true, Some(_)) => panic!("{limit}: a chunk after the limit was kept"),
                    (false, Some(_)) => {}
                }
            }
            assert!(kept <= limit, "{limit}");
            let refused = refused.unwrap();
            assert!(kept + chunks[refused].content_len() > limit, "{limit}");
            assert!(acc.is_closed() && !acc.is_done(), "{limit}");
            let Err(AccumulateError::TooLarge { limit: l, partial }) = acc.finish() else {
                panic!("{limit}: not TooLarge");
            };
            assert_eq!(l, limit);
            // What was kept is the fold of the chunks before the refused one.
            let mut before = Accumulator::new();
            before.extend(&chunks[..refused]);
            let Err(e) = before.finish() else {
                panic!("unfinished")
            };
            assert_eq!(partial.content, e.partial().content, "{limit}");
            assert_eq!(partial.provider, None);
        }
    }
}
