//! The OpenAI Chat Completions rules of [`Decoder`] (and compatible servers'), through the
//! public API.

use crate::common;

use common::{
    OpenAiStream, assert_one_terminal_after_each, call_args, call_start, drain, error_of, frames,
    run_recording, terminal, token,
};
use llm_sse_core::sse::{EndOfInput, Event};
use llm_sse_core::{
    Decoder, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, Usage,
};
use serde_json::{Value, json};

fn stream() -> OpenAiStream {
    OpenAiStream::new()
}

#[test]
fn text_stream_with_usage_chunk_is_byte_exact() {
    let chunks = stream()
        .chunk(json!({"role": "assistant", "content": ""}), Value::Null)
        .text("Hel")
        .text("lo \"you\"\n")
        .finish("stop")
        .usage(json!({"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}))
        .done()
        .run();
    assert_eq!(
        frames(&chunks),
        concat!(
            "data: {\"token\":\"Hel\",\"done\":false}\n\n",
            "data: {\"token\":\"lo \\\"you\\\"\\n\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
            "\"finish_reason\":\"stop\",\"provider_finish_reason\":\"stop\",",
            "\"usage\":{\"input_tokens\":9,\"output_tokens\":3}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn terminal_waits_for_done_so_the_usage_chunk_lands_on_it() {
    let mut decoder = Decoder::new(Provider::OpenAi);
    for data in stream().text("a").finish("stop").data() {
        decoder.decode(&Event::new("message", &data));
    }
    assert_eq!(decoder.next_chunk(), Some(StreamChunk::Token("a".into())));
    assert_eq!(decoder.next_chunk(), None);
    assert!(!decoder.is_closed());
    let usage = stream()
        .usage(json!({"prompt_tokens": 1, "completion_tokens": 1}))
        .data();
    decoder.decode(&Event::new("message", &usage[0]));
    decoder.decode(&Event::new("message", "[DONE]"));
    assert!(decoder.is_closed());
    let Some(StreamChunk::Done(fin)) = decoder.next_chunk() else {
        panic!("expected the terminal chunk")
    };
    assert_eq!(fin.usage.map(|u| u.input_tokens), Some(1));
    assert_eq!(decoder.next_chunk(), None);
}

#[test]
fn closed_but_not_drained_while_the_terminal_is_queued() {
    let mut decoder = Decoder::new(Provider::OpenAi);
    for data in stream().text("a").finish("stop").done().data() {
        decoder.decode(&Event::new("message", &data));
    }
    // [DONE] decided the terminal chunk; the token and the terminal chunk are queued.
    assert!(decoder.is_closed());
    assert!(!decoder.is_drained());
    assert_eq!(decoder.next_chunk(), Some(token("a")));
    assert!(!decoder.is_drained());
    let Some(StreamChunk::Done(fin)) = decoder.next_chunk() else {
        panic!("expected the terminal chunk")
    };
    assert_eq!(fin.outcome, Ok(FinishReason::Stop));
    assert!(decoder.is_closed() && decoder.is_drained());
    assert_eq!(decoder.next_chunk(), None);
    decoder.finish(EndOfInput::default());
    assert_eq!(decoder.next_chunk(), None);
    assert!(decoder.is_drained());

    // Without [DONE], the end of the input decides it; `fail` does the same.
    let mut decoder = Decoder::new(Provider::OpenAi);
    for data in stream().text("a").finish("stop").data() {
        decoder.decode(&Event::new("message", &data));
    }
    assert!(!decoder.is_closed());
    decoder.finish(EndOfInput::default());
    assert!(decoder.is_closed() && !decoder.is_drained());
    assert_eq!(drain(&mut decoder).len(), 2);
    assert!(decoder.is_drained());
    let mut decoder = Decoder::new(Provider::OpenAi);
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "reset"));
    assert!(decoder.is_closed() && !decoder.is_drained());
    assert!(decoder.next_chunk().is_some_and(|c| c.is_done()));
    assert!(decoder.is_drained());
}

#[test]
fn reasoning_content_and_reasoning_are_reasoning() {
    let chunks = stream()
        .chunk(json!({"reasoning_content": "think "}), Value::Null)
        .chunk(json!({"reasoning": "more"}), Value::Null)
        // A server sending both names with the same text: once.
        .chunk(
            json!({"reasoning": "same", "reasoning_content": "same"}),
            Value::Null,
        )
        // Different texts under both names: both, reasoning_content first.
        .chunk(
            json!({"reasoning": "b", "reasoning_content": "a"}),
            Value::Null,
        )
        .chunk(
            json!({"reasoning_content": "", "content": "answer"}),
            Value::Null,
        )
        .finish("stop")
        .done()
        .run();
    assert_eq!(
        chunks[..6],
        [
            StreamChunk::Reasoning("think ".into()),
            StreamChunk::Reasoning("more".into()),
            StreamChunk::Reasoning("same".into()),
            StreamChunk::Reasoning("a".into()),
            StreamChunk::Reasoning("b".into()),
            StreamChunk::Token("answer".into()),
        ]
    );
    assert_eq!(chunks.len(), 7);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

#[test]
fn parallel_tool_calls_are_numbered_in_order_of_first_appearance() {
    let chunks = stream()
        .tool_call(
            json!({"index": 3, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}),
        )
        .tool_call(json!({"index": 3, "function": {"arguments": "{\"city\":"}}))
        .tool_call(
            json!({"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\""}}),
        )
        .tool_call(json!({"index": 3, "function": {"arguments": "\"Paris\"}"}}))
        .tool_call(json!({"index": 1, "function": {"arguments": ":\"UTC\"}"}}))
        // An empty fragment produces nothing.
        .tool_call(json!({"index": 1, "function": {"arguments": ""}}))
        .finish("tool_calls")
        .done()
        .run();
    assert_eq!(
        chunks[..5],
        [
            call_start(0, Some("call_a"), "get_weather", ""),
            call_args(0, "{\"city\":"),
            call_start(1, Some("call_b"), "get_time", "{\"tz\""),
            call_args(0, "\"Paris\"}"),
            call_args(1, ":\"UTC\"}"),
        ]
    );
    assert_eq!(chunks.len(), 6);
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::ToolCalls));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("tool_calls"));
}

#[test]
fn several_calls_in_one_delta_and_whole_calls_in_one_piece() {
    let chunks = stream()
        .chunk(
            json!({"tool_calls": [
                {"index": 0, "id": "call_1", "type": "function", "function": {"name": "a", "arguments": "{\"x\":1}"}},
                {"index": 1, "id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{}"}}
            ]}),
            Value::Null,
        )
        .finish("tool_calls")
        .run();
    assert_eq!(
        chunks[..2],
        [
            call_start(0, Some("call_1"), "a", "{\"x\":1}"),
            call_start(1, Some("call_2"), "b", "{}"),
        ]
    );
    assert_eq!(chunks.len(), 3);
}

#[test]
fn repeated_ids_and_names_are_sent_only_on_the_first_piece() {
    let chunks = stream()
        .tool_call(json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{"}}))
        .tool_call(json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "}"}}))
        .tool_call(json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}))
        // A piece with nothing in it does not start a call.
        .tool_call(json!({"index": 1, "function": {}}))
        .finish("tool_calls")
        .run();
    assert_eq!(
        chunks[..2],
        [call_start(0, Some("call_1"), "f", "{"), call_args(0, "}")]
    );
    assert_eq!(chunks.len(), 3);
}

#[test]
fn a_call_whose_first_piece_has_no_name_is_invalid_event() {
    for first in [
        json!({"index": 0, "id": "call_1", "function": {"arguments": "{"}}),
        json!({"index": 3, "function": {"arguments": "{\"city\":\"Paris\"}"}}),
    ] {
        let chunks = stream().tool_call(first).finish("tool_calls").run();
        assert_eq!(chunks.len(), 1, "{chunks:?}");
        let fin = terminal(&chunks);
        assert_eq!(
            fin.error().map(|e| &e.kind),
            Some(&StreamErrorKind::InvalidEvent)
        );
    }
}

#[test]
fn tool_calls_without_index_are_matched_by_id_then_by_position() {
    let chunks = stream()
        .tool_call(json!({"id": "call_1", "function": {"name": "a", "arguments": "{\"q\":"}}))
        .tool_call(json!({"function": {"arguments": "1}"}}))
        .tool_call(json!({"id": "call_2", "function": {"name": "b", "arguments": "{}"}}))
        .tool_call(json!({"id": "call_1", "function": {"arguments": ""}}))
        // Named but without id: a new call, whose id is made from the chunk's id.
        .tool_call(json!({"function": {"name": "c", "arguments": "{}"}}))
        .finish("tool_calls")
        .run();
    assert_eq!(
        chunks[..4],
        [
            call_start(0, Some("call_1"), "a", "{\"q\":"),
            call_args(0, "1}"),
            call_start(1, Some("call_2"), "b", "{}"),
            call_start(2, Some("call_chatcmpl-1_2"), "c", "{}"),
        ]
    );
    assert_eq!(chunks.len(), 5);
}

#[test]
fn a_call_without_arguments_gets_empty_object_at_the_end() {
    let events = stream()
        .tool_call(
            json!({"index": 0, "id": "call_1", "type": "function", "function": {"name": "now", "arguments": ""}}),
        )
        .tool_call(
            json!({"index": 1, "id": "call_2", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}),
        )
        .tool_call(
            json!({"index": 2, "id": "call_3", "type": "function", "function": {"name": "later"}}),
        )
        .finish("tool_calls");
    let expect = [
        call_start(0, Some("call_1"), "now", ""),
        call_start(1, Some("call_2"), "f", "{\"a\":1}"),
        call_start(2, Some("call_3"), "later", ""),
        call_args(0, "{}"),
        call_args(2, "{}"),
    ];
    // At [DONE] ...
    let chunks = events.clone().done().run();
    assert_eq!(chunks[..5], expect);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::ToolCalls));
    assert_eq!(chunks.len(), 6);
    // ... and at the end of input without [DONE].
    let chunks = events.run();
    assert_eq!(chunks[..5], expect);
    assert_eq!(chunks.len(), 6);
}

#[test]
fn no_empty_object_piece_on_an_error_end() {
    let chunks = stream()
        .tool_call(
            json!({"index": 0, "id": "call_1", "function": {"name": "now", "arguments": ""}}),
        )
        .run();
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        terminal(&chunks).error().map(|e| e.kind.clone()),
        Some(StreamErrorKind::IncompleteStream)
    );
}

#[test]
fn legacy_function_call_is_one_tool_call_with_an_id_from_the_chunk_id() {
    let chunks = stream()
        .chunk(
            json!({"role": "assistant", "content": null, "function_call": {"name": "get_weather", "arguments": ""}}),
            Value::Null,
        )
        .chunk(
            json!({"function_call": {"arguments": "{\"city\":"}}),
            Value::Null,
        )
        .chunk(
            json!({"function_call": {"arguments": "\"Oslo\"}"}}),
            Value::Null,
        )
        .finish("function_call")
        .done()
        .run();
    assert_eq!(
        chunks[..3],
        [
            // The functions API gives no id: `call_<chunk id>_<index>`.
            call_start(0, Some("call_chatcmpl-1_0"), "get_weather", ""),
            call_args(0, "{\"city\":"),
            call_args(0, "\"Oslo\"}"),
        ]
    );
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::ToolCalls));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("function_call"));
    assert_eq!(chunks.len(), 4);
}

#[test]
fn arguments_sent_as_an_object_become_compact_json() {
    let chunks = stream()
        .tool_call(
            json!({"index": 0, "id": "call_1", "function": {"name": "f", "arguments": {"b": 1, "a": [true, null]}}}),
        )
        .finish("tool_calls")
        .run();
    // json! sorts keys (BTreeMap), so the server "sent" a before b.
    assert_eq!(
        chunks[0],
        call_start(0, Some("call_1"), "f", "{\"a\":[true,null],\"b\":1}")
    );
    let chunks = stream()
        .raw(r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":{ "z" : 1, "a" : 2 }}}]}}]}"#)
        .run();
    assert_eq!(
        chunks[0],
        call_start(0, Some("c"), "f", "{\"z\":1,\"a\":2}")
    );
}

#[test]
fn refusal_is_tokens_and_finishes_as_content_filter() {
    let chunks = stream()
        .chunk(
            json!({"role": "assistant", "content": null, "refusal": ""}),
            Value::Null,
        )
        .chunk(json!({"refusal": "I can't help"}), Value::Null)
        .chunk(json!({"refusal": " with that."}), Value::Null)
        .finish("stop")
        .done()
        .run();
    assert_eq!(
        chunks[..2],
        [
            StreamChunk::Token("I can't help".into()),
            StreamChunk::Token(" with that.".into())
        ]
    );
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::ContentFilter));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("stop"));
    assert_eq!(chunks.len(), 3);
}

#[test]
fn finish_reason_table() {
    for (raw, unified) in [
        ("stop", FinishReason::Stop),
        ("length", FinishReason::Length),
        ("tool_calls", FinishReason::ToolCalls),
        ("function_call", FinishReason::ToolCalls),
        ("content_filter", FinishReason::ContentFilter),
        ("eos", FinishReason::Other),
        ("error", FinishReason::Other),
    ] {
        let chunks = stream().text("x").finish(raw).done().run();
        let fin = terminal(&chunks);
        assert_eq!(fin.outcome, Ok(unified), "{raw}");
        assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
        assert!(fin.error().is_none());
    }
}

#[test]
fn null_and_empty_finish_reasons_mean_none() {
    let chunks = stream()
        .chunk(json!({"content": "x"}), json!(""))
        .text("y")
        .done()
        .run();
    let fin = terminal(&chunks);
    assert_eq!(fin.provider_finish_reason, None);
    assert_eq!(
        fin.outcome,
        Err(StreamError::new(
            StreamErrorKind::IncompleteStream,
            "data: [DONE] arrived before any finish_reason"
        ))
    );
}

#[test]
fn missing_done_after_a_finish_reason_is_a_normal_end() {
    let chunks = stream().text("x").finish("length").run();
    assert_eq!(frames(&chunks).matches("data: [DONE]").count(), 1);
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::Length));
    assert!(fin.error().is_none());
}

#[test]
fn a_stream_that_ends_before_any_finish_reason_is_incomplete() {
    let chunks = stream().text("partial").run();
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        frames(&chunks[1..]),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
            "\"finish_reason\":\"error\",\"error\":{\"type\":\"incomplete_stream\",",
            "\"message\":\"the stream ended before any finish_reason\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
    // An empty stream too.
    let chunks = stream().run();
    assert_eq!(chunks.len(), 1);
    assert!(terminal(&chunks).error().is_some());
}

#[test]
fn include_usage_details_are_mapped() {
    let chunks = stream()
        .text("x")
        .finish("stop")
        .usage(json!({
            "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        }))
        .done()
        .run();
    assert_eq!(
        terminal(&chunks).usage,
        Some(Usage {
            input_tokens: 1200,
            output_tokens: 300,
            cache_read_input_tokens: Some(1024),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(0),
        })
    );
}

#[test]
fn usage_on_the_finish_chunk_and_deepseek_cache_hits() {
    let finish = json!({
        "id": "c", "object": "chat.completion.chunk", "model": "deepseek-reasoner",
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30,
            "prompt_cache_hit_tokens": 8, "prompt_cache_miss_tokens": 2,
            "completion_tokens_details": {"reasoning_tokens": 15}}
    });
    let chunks = stream().text("x").raw(finish.to_string()).done().run();
    assert_eq!(
        terminal(&chunks).usage,
        Some(Usage {
            input_tokens: 10,
            output_tokens: 20,
            cache_read_input_tokens: Some(8),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(15),
        })
    );
}

#[test]
fn groq_x_groq_usage_null_usage_and_last_report_wins() {
    let groq = json!({
        "id": "chatcmpl-g", "object": "chat.completion.chunk", "model": "llama-3.3-70b-versatile",
        "choices": [{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}],
        "x_groq": {"id": "req_1", "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49}}
    });
    let null_usage = json!({"choices": [{"index": 0, "delta": {"content": "x"}}], "usage": null});
    let chunks = stream()
        .usage(json!({"prompt_tokens": 1, "completion_tokens": 1}))
        .raw(null_usage.to_string())
        .raw(groq.to_string())
        .usage(json!({}))
        .done()
        .run();
    let fin = terminal(&chunks);
    assert_eq!(
        fin.usage,
        Some(Usage {
            input_tokens: 40,
            output_tokens: 9,
            ..Usage::default()
        })
    );
    assert_eq!(fin.id.as_deref(), Some("chatcmpl-1"));
    // The top-level usage of a chunk is read after its x_groq usage.
    let both = json!({
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "x_groq": {"usage": {"prompt_tokens": 1, "completion_tokens": 1}},
        "usage": {"prompt_tokens": 2, "completion_tokens": 2}
    });
    let chunks = stream().raw(both.to_string()).run();
    assert_eq!(terminal(&chunks).usage.map(|u| u.input_tokens), Some(2));
}

#[test]
fn no_usage_reported_means_no_usage_field() {
    let chunks = stream().text("x").finish("stop").done().run();
    assert_eq!(terminal(&chunks).usage, None);
    assert!(!frames(&chunks).contains("usage"));
}

#[test]
fn azure_empty_first_chunk_and_first_non_empty_id_model() {
    let azure_first = json!({
        "choices": [], "created": 0, "id": "", "model": "", "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": false, "severity": "safe"}}}]
    });
    let other_id = json!({
        "id": "chatcmpl-2", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": "b"}, "finish_reason": null, "content_filter_results": {}}]
    });
    let chunks = stream()
        .raw(azure_first.to_string())
        .text("a")
        .raw(other_id.to_string())
        .finish("stop")
        .done()
        .run();
    assert_eq!(chunks.len(), 3);
    let fin = terminal(&chunks);
    assert_eq!(fin.id.as_deref(), Some("chatcmpl-1"));
    assert_eq!(fin.model.as_deref(), Some("gpt-4o"));
}

#[test]
fn only_choice_zero_is_normalized() {
    let both = |a: &str, b: &str, fa: Value, fb: Value| {
        json!({"id": "c", "model": "m", "choices": [
            {"index": 1, "delta": {"content": b}, "finish_reason": fb},
            {"index": 0, "delta": {"content": a}, "finish_reason": fa}
        ]})
        .to_string()
    };
    let only_one = json!({"id": "c", "model": "m", "choices": [{"index": 1, "delta": {"content": "zzz"}, "finish_reason": null}]});
    let chunks = stream()
        .raw(both("A", "B", Value::Null, Value::Null))
        .raw(only_one.to_string())
        .raw(both("", "", Value::Null, json!("length")))
        .raw(both("", "", json!("stop"), Value::Null))
        .done()
        .run();
    assert_eq!(chunks[0], StreamChunk::Token("A".into()));
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::Stop));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("stop"));
    assert_eq!(chunks.len(), 2);
}

#[test]
fn error_object_ends_the_stream_keeping_what_was_known() {
    let error = json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}});
    let chunks = stream()
        .text("a")
        .usage(json!({"prompt_tokens": 5, "completion_tokens": 1}))
        .raw(error.to_string())
        .text("ignored")
        .done()
        .run();
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        frames(&chunks[1..]),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
            "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1},",
            "\"error\":{\"type\":\"server_error\",\"message\":\"The server had an error while processing your request.\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn error_type_falls_back_to_code_then_status_then_api_error() {
    let kind_of = |error: Value| {
        let chunks = stream().raw(json!({ "error": error }).to_string()).run();
        let err = error_of(&chunks).clone();
        (err.error_type().to_string(), err.message)
    };
    assert_eq!(
        kind_of(json!({"message": "slow down", "type": null, "code": "rate_limit_exceeded"})),
        ("rate_limit_exceeded".into(), "slow down".into())
    );
    assert_eq!(
        kind_of(json!({"code": 502, "message": "Provider returned error"})),
        ("502".into(), "Provider returned error".into())
    );
    assert_eq!(
        kind_of(json!({"message": "m", "status": "UNAVAILABLE"})),
        ("UNAVAILABLE".into(), "m".into())
    );
    assert_eq!(
        kind_of(json!({"message": "m"})),
        ("api_error".into(), "m".into())
    );
    assert_eq!(
        kind_of(json!("bare string")),
        ("api_error".into(), "bare string".into())
    );
    assert_eq!(
        kind_of(json!({"type": "x"})),
        (
            "x".into(),
            "the server reported an error without a message".into()
        )
    );
}

#[test]
fn openrouter_error_chunk_with_choices_is_an_error() {
    let data = json!({
        "id": "gen-1", "object": "chat.completion.chunk", "created": 1, "model": "openai/gpt-4o",
        "provider": "OpenAI",
        "error": {"code": "server_error", "message": "Provider disconnected"},
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    });
    let chunks = stream().raw(data.to_string()).run();
    let fin = terminal(&chunks);
    assert_eq!(chunks.len(), 1);
    assert_eq!(fin.id.as_deref(), Some("gen-1"));
    assert_eq!(
        fin.outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("server_error".into()),
            "Provider disconnected"
        ))
    );
}

#[test]
fn bare_vllm_error_object() {
    let data = json!({"object": "error", "message": "This model's maximum context length is 4096 tokens.", "type": "BadRequestError", "param": null, "code": 400});
    let chunks = stream().text("a").raw(data.to_string()).run();
    assert_eq!(
        terminal(&chunks).outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("BadRequestError".into()),
            "This model's maximum context length is 4096 tokens."
        ))
    );
    assert_eq!(terminal(&chunks).id.as_deref(), Some("chatcmpl-1"));
}

#[test]
fn error_event_name() {
    let chunks = stream()
        .text("a")
        .event(
            "error",
            r#"{"error":{"message":"Overloaded","type":"overloaded_error"}}"#,
        )
        .run();
    assert_eq!(
        terminal(&chunks).outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("overloaded_error".into()),
            "Overloaded"
        ))
    );
    let chunks = stream().event("error", "upstream timed out").run();
    assert_eq!(
        terminal(&chunks).outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("api_error".into()),
            "upstream timed out"
        ))
    );
}

#[test]
fn undecodable_data_is_invalid_event() {
    for bad in [
        "{\"choices\":[",
        "not json",
        r#"{"choices":[{"index":0,"delta":{"content":5}}]}"#,
        r#"{"choices":{"index":0}}"#,
        r#"{"usage":{"prompt_tokens":-1}}"#,
    ] {
        let chunks = stream().text("a").raw(bad).text("b").run();
        assert_eq!(chunks.len(), 2, "{bad}");
        let err = error_of(&chunks);
        assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{bad}");
        assert!(
            err.message
                .starts_with("undecodable OpenAI chat.completion.chunk: "),
            "{}",
            err.message
        );
    }
}

#[test]
fn nothing_after_the_terminal_chunk() {
    let mut decoder = Decoder::new(Provider::OpenAi);
    for data in stream()
        .text("a")
        .finish("stop")
        .done()
        .text("late")
        .done()
        .data()
    {
        decoder.decode(&Event::new("message", &data));
    }
    decoder.finish(EndOfInput::default());
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "x"));
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 2);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

#[test]
fn transport_failure_keeps_id_model_usage_and_finish_reason() {
    let mut decoder = Decoder::new(Provider::OpenAi);
    for data in stream()
        .text("a")
        .finish("stop")
        .usage(json!({"prompt_tokens": 3, "completion_tokens": 1}))
        .data()
    {
        decoder.decode(&Event::new("message", &data));
    }
    decoder.fail(StreamError::new(
        StreamErrorKind::IdleTimeout,
        "no bytes for 60s",
    ));
    let chunks = drain(&mut decoder);
    assert_eq!(
        frames(&chunks[1..]),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o\",",
            "\"finish_reason\":\"error\",\"provider_finish_reason\":\"stop\",",
            "\"usage\":{\"input_tokens\":3,\"output_tokens\":1},",
            "\"error\":{\"type\":\"idle_timeout\",\"message\":\"no bytes for 60s\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn events_of_other_names_are_chunks_and_done_may_have_whitespace() {
    let chunks = stream()
        .text("a")
        .renamed("completion")
        .finish("stop")
        .raw(" [DONE] ")
        .run();
    assert_eq!(chunks[0], StreamChunk::Token("a".into()));
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

#[test]
fn hostile_inputs_never_panic() {
    let inputs = [
        "",
        "null",
        "[]",
        "{}",
        "1",
        "\"s\"",
        "{\"choices\":null}",
        "{\"choices\":[null]}",
        "{\"choices\":[{}]}",
        "{\"choices\":[{\"delta\":null}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":null}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":-5,\"function\":{\"arguments\":\"x\"}}]}}]}",
        "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":99999999999999999999}]}}]}",
        "{\"error\":null}",
        "{\"error\":{}}",
        "{\"error\":[1,2]}",
        "{\"x_groq\":null}",
        "{\"usage\":{\"prompt_tokens\":18446744073709551615,\"completion_tokens\":1}}",
        "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\ud800\"}}]}",
    ];
    assert_one_terminal_after_each(Provider::OpenAi, &inputs, &stream().text("a").data()[0]);
}

// ---- Another provider's recording decoded as OpenAI (behaviour change of the refactor) ----

#[test]
fn an_anthropic_recording_decoded_as_openai_says_what_it_looks_like() {
    // 21 events, not one with an OpenAI field, so the stream ends without a finish_reason.
    let chunks = run_recording(
        Provider::OpenAi,
        include_str!("../../../tests/fixtures/anthropic/text.sse"),
    );
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "none of the 21 events looked like OpenAI stream events; they look like Anthropic events"
        )
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
}

#[test]
fn a_gemini_recording_decoded_as_openai_says_what_it_looks_like() {
    let chunks = run_recording(
        Provider::OpenAi,
        include_str!("../../../tests/fixtures/gemini/text.sse"),
    );
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "none of the 3 events looked like OpenAI stream events; they look like Gemini events"
        )
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
}
