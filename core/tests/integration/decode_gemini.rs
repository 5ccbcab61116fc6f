//! The Gemini `streamGenerateContent?alt=sse` rules of [`Decoder`], through the public API.

use crate::common;

use common::{
    GeminiStream, assert_one_terminal_after_each, call_start, drain, error_of, frames,
    run_recording, terminal, token,
};
use llm_sse_core::sse::{EndOfInput, Event};
use llm_sse_core::{
    Decoder, FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, Usage,
};
use serde_json::{Value, json};

fn stream() -> GeminiStream {
    GeminiStream::new()
}

#[test]
fn a_function_call_without_a_name_is_invalid_event() {
    let chunks = stream()
        .response(
            json!([{"functionCall": {"args": {"city": "Paris"}}}]),
            json!("STOP"),
        )
        .run();
    assert_eq!(chunks.len(), 1, "{chunks:?}");
    assert_eq!(
        terminal(&chunks).error().map(|e| &e.kind),
        Some(&StreamErrorKind::InvalidEvent)
    );
}

#[test]
fn text_stream_is_byte_exact_and_ends_at_the_end_of_input() {
    let mut decoder = Decoder::new(Provider::Gemini);
    let events = stream()
        .text("Hello")
        .text("")
        .response(json!([{"text": ", world\n"}]), json!("STOP"))
        .usage(
            json!({"promptTokenCount": 8, "candidatesTokenCount": 4, "totalTokenCount": 12,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]}),
        );
    let mut chunks = Vec::new();
    for data in events.data() {
        decoder.decode(&Event::new("message", &data));
        chunks.extend(drain(&mut decoder));
    }
    // No terminal chunk before the end of the input: usage may still follow.
    assert!(!decoder.is_closed());
    decoder.finish(EndOfInput::default());
    chunks.extend(drain(&mut decoder));
    assert_eq!(
        frames(&chunks),
        concat!(
            "data: {\"token\":\"Hello\",\"done\":false}\n\n",
            "data: {\"token\":\", world\\n\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"stop\",\"provider_finish_reason\":\"STOP\",",
            "\"usage\":{\"input_tokens\":8,\"output_tokens\":4}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn closed_but_not_drained_while_the_terminal_is_queued() {
    // At the end of the input ...
    let mut decoder = Decoder::new(Provider::Gemini);
    for data in stream()
        .response(json!([{"text": "a"}]), json!("STOP"))
        .data()
    {
        decoder.decode(&Event::new("message", &data));
    }
    assert!(!decoder.is_closed() && !decoder.is_drained());
    decoder.finish(EndOfInput::default());
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

    // ... and at an error object, before the end of the input.
    let mut decoder = Decoder::new(Provider::Gemini);
    decoder.decode(&Event::new(
        "message",
        r#"{"error":{"code":503,"message":"busy","status":"UNAVAILABLE"}}"#,
    ));
    assert!(decoder.is_closed() && !decoder.is_drained());
    assert!(decoder.next_chunk().is_some_and(|c| c.is_done()));
    assert!(decoder.is_drained());
    decoder.decode(&Event::new("message", &stream().text("late").data()[0]));
    assert_eq!(decoder.next_chunk(), None);
}

#[test]
fn thoughts_are_reasoning_and_signatures_follow_their_part() {
    let chunks = stream()
        .response(
            json!([{"text": "Let me think", "thought": true}]),
            Value::Null,
        )
        .response(
            json!([{"text": "The answer", "thoughtSignature": "c2ln"}, {"text": " is 4.", "thought": false}]),
            Value::Null,
        )
        .response(
            json!([{"text": "", "thoughtSignature": "c2lnMg=="}]),
            json!("STOP"),
        )
        .run();
    assert_eq!(
        chunks[..5],
        [
            StreamChunk::Reasoning("Let me think".into()),
            StreamChunk::Token("The answer".into()),
            StreamChunk::ReasoningSignature("c2ln".into()),
            StreamChunk::Token(" is 4.".into()),
            StreamChunk::ReasoningSignature("c2lnMg==".into()),
        ]
    );
    assert_eq!(chunks.len(), 6);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

#[test]
fn function_calls_are_complete_pieces_and_stop_becomes_tool_calls() {
    let raw_args = r#"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather", "args": {"location": "Paris", "unit": "celsius", "days": 3, "detail": {"b": [1.5, true, null], "a": "x\"y"}}}, "thoughtSignature": "sig1"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash","responseId": "r"}"#;
    let chunks = stream()
        .raw(raw_args)
        .response(
            json!([{"functionCall": {"id": "fc_1", "name": "get_time"}}, {"functionCall": {"name": "noop", "args": {}}}]),
            json!("STOP"),
        )
        .run();
    assert_eq!(
        chunks[..4],
        [
            // A call without an id gets `call_<responseId>_<index>` (the first responseId
            // seen, "r", is the stream's).
            call_start(
                0,
                Some("call_r_0"),
                "get_weather",
                r#"{"location":"Paris","unit":"celsius","days":3,"detail":{"b":[1.5,true,null],"a":"x\"y"}}"#
            ),
            StreamChunk::ReasoningSignature("sig1".into()),
            call_start(1, Some("fc_1"), "get_time", "{}"),
            call_start(2, Some("call_r_2"), "noop", "{}"),
        ]
    );
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::ToolCalls));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("STOP"));
    assert_eq!(chunks.len(), 5);
    assert_eq!(
        frames(&chunks[..1]),
        "data: {\"token\":\"\",\"done\":false,\"tool_call\":{\"index\":0,\"id\":\"call_r_0\",\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\",\\\"days\\\":3,\\\"detail\\\":{\\\"b\\\":[1.5,true,null],\\\"a\\\":\\\"x\\\\\\\"y\\\"}}\"}}\n\n"
    );
}

#[test]
fn a_function_call_does_not_change_other_finish_reasons() {
    let chunks = stream()
        .response(
            json!([{"functionCall": {"name": "f", "args": {"a": 1}}}]),
            json!("MAX_TOKENS"),
        )
        .run();
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Length));
}

#[test]
fn finish_reason_table() {
    for (raw, unified) in [
        ("STOP", FinishReason::Stop),
        ("MAX_TOKENS", FinishReason::Length),
        ("SAFETY", FinishReason::ContentFilter),
        ("RECITATION", FinishReason::ContentFilter),
        ("BLOCKLIST", FinishReason::ContentFilter),
        ("PROHIBITED_CONTENT", FinishReason::ContentFilter),
        ("SPII", FinishReason::ContentFilter),
        ("IMAGE_SAFETY", FinishReason::ContentFilter),
        ("OTHER", FinishReason::Other),
        ("MALFORMED_FUNCTION_CALL", FinishReason::Other),
        ("FINISH_REASON_UNSPECIFIED", FinishReason::Other),
        ("LANGUAGE", FinishReason::Other),
        ("SOMETHING_NEW", FinishReason::Other),
    ] {
        let chunks = stream().text("x").response(json!([]), json!(raw)).run();
        let fin = terminal(&chunks);
        assert_eq!(fin.outcome, Ok(unified), "{raw}");
        assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
        assert!(fin.error().is_none());
    }
}

#[test]
fn prompt_block_is_a_content_filter_finish() {
    let blocked = json!({
        "promptFeedback": {"blockReason": "PROHIBITED_CONTENT",
            "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]},
        "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
        "modelVersion": "gemini-2.5-flash", "responseId": "resp-b"
    });
    let chunks = stream().raw(blocked.to_string()).run();
    assert_eq!(
        frames(&chunks),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-b\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"content_filter\",\"provider_finish_reason\":\"PROHIBITED_CONTENT\",",
            "\"usage\":{\"input_tokens\":7,\"output_tokens\":0}}\n\n",
            "data: [DONE]\n\n"
        )
    );
    // The block reason wins over a later finishReason.
    let chunks = stream()
        .raw(json!({"promptFeedback": {"blockReason": "SAFETY"}}).to_string())
        .response(json!([]), json!("STOP"))
        .run();
    let fin = terminal(&chunks);
    assert_eq!(fin.outcome, Ok(FinishReason::ContentFilter));
    assert_eq!(fin.provider_finish_reason.as_deref(), Some("SAFETY"));
}

#[test]
fn usage_running_totals_last_report_wins() {
    let chunks = stream()
        .text("a")
        .usage(json!({"promptTokenCount": 10, "candidatesTokenCount": 1, "totalTokenCount": 11}))
        .response(json!([{"text": "b"}]), json!("STOP"))
        .usage(json!({"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 0, "totalTokenCount": 15}))
        // Usage after the finishReason, with thoughts and cache.
        .response(json!([]), Value::Null)
        .usage(json!({"promptTokenCount": 2048, "candidatesTokenCount": 30, "thoughtsTokenCount": 120,
               "cachedContentTokenCount": 1024, "totalTokenCount": 2198}))
        // Empty usage metadata is ignored.
        .response(json!([]), Value::Null)
        .usage(json!({}))
        .run();
    assert_eq!(
        terminal(&chunks).usage,
        Some(Usage {
            input_tokens: 2048,
            output_tokens: 150,
            cache_read_input_tokens: Some(1024),
            cache_creation_input_tokens: None,
            reasoning_tokens: Some(120),
        })
    );
    // A reported 0 is kept; an unreported count stays absent.
    let chunks = stream()
        .response(json!([{"text": "b"}]), json!("STOP"))
        .usage(json!({"promptTokenCount": 3, "candidatesTokenCount": 1, "thoughtsTokenCount": 0}))
        .run();
    assert!(
        frames(&chunks)
            .contains("\"usage\":{\"input_tokens\":3,\"output_tokens\":1,\"reasoning_tokens\":0}")
    );
    let chunks = stream()
        .response(json!([{"text": "b"}]), json!("STOP"))
        .run();
    assert_eq!(terminal(&chunks).usage, None);
}

#[test]
fn error_object_ends_the_stream_at_once() {
    let error = json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}});
    let mut decoder = Decoder::new(Provider::Gemini);
    for data in stream()
        .text("a")
        .usage(json!({"promptTokenCount": 5, "candidatesTokenCount": 1}))
        .raw(error.to_string())
        .text("ignored")
        .data()
    {
        decoder.decode(&Event::new("message", &data));
    }
    assert!(decoder.is_closed());
    let chunks = drain(&mut decoder);
    assert_eq!(
        frames(&chunks),
        concat!(
            "data: {\"token\":\"a\",\"done\":false}\n\n",
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1},",
            "\"error\":{\"type\":\"UNAVAILABLE\",\"message\":\"The model is overloaded. Please try again later.\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn error_type_falls_back_to_code_then_api_error() {
    let error_in = |s: GeminiStream| error_of(&s.run()).clone();
    assert_eq!(
        error_in(
            stream().raw(json!({"error": {"code": 500, "message": "Internal error"}}).to_string())
        ),
        StreamError::new(StreamErrorKind::Provider("500".into()), "Internal error")
    );
    assert_eq!(
        error_in(stream().raw(json!({"error": {"message": "m"}}).to_string())),
        StreamError::new(StreamErrorKind::Provider("api_error".into()), "m")
    );
    assert_eq!(
        terminal(&stream().event("error", "gateway timeout").run()).outcome,
        Err(StreamError::new(
            StreamErrorKind::Provider("api_error".into()),
            "gateway timeout"
        ))
    );
}

#[test]
fn a_stream_without_finish_reason_is_incomplete() {
    let chunks = stream().text("partial").run();
    assert_eq!(chunks.len(), 2);
    assert_eq!(
        frames(&chunks[1..]),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"error\",\"error\":{\"type\":\"incomplete_stream\",",
            "\"message\":\"the stream ended before any finishReason\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
    assert!(terminal(&stream().run()).error().is_some());
}

#[test]
fn a_done_sentinel_ends_the_stream() {
    let chunks = stream()
        .response(json!([{"text": "a"}]), json!("STOP"))
        .done()
        .text("late")
        .run();
    assert_eq!(chunks.len(), 2);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
    let chunks = stream().text("a").done().run();
    assert_eq!(
        terminal(&chunks).error().map(|e| e.kind.clone()),
        Some(StreamErrorKind::IncompleteStream)
    );
}

#[test]
fn a_done_sentinel_before_any_finish_reason_says_so_as_the_end_of_input_does() {
    let chunks = stream().text("a").done().text("late").run();
    assert_eq!(content_tokens(&chunks), ["a"]);
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "the stream ended before any finishReason"
        )
    );
}

/// The text of every token before the terminal chunk.
fn content_tokens(chunks: &[StreamChunk]) -> Vec<&str> {
    common::content(chunks)
        .iter()
        .map(|c| match c {
            StreamChunk::Token(t) => t.as_str(),
            other => panic!("not a token: {other:?}"),
        })
        .collect()
}

#[test]
fn only_candidate_zero_is_normalized() {
    let data = json!({"candidates": [
        {"content": {"parts": [{"text": "other"}]}, "finishReason": "MAX_TOKENS", "index": 1},
        {"content": {"parts": [{"text": "mine"}]}, "finishReason": "STOP", "index": 0}
    ]});
    let chunks = stream().raw(data.to_string()).run();
    assert_eq!(chunks[0], StreamChunk::Token("mine".into()));
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
    assert_eq!(chunks.len(), 2);
}

#[test]
fn other_part_kinds_produce_nothing() {
    let chunks = stream()
        .response(
            json!([
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
                {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}
            ]),
            json!("STOP"),
        )
        .run();
    assert_eq!(chunks.len(), 1);
}

/// Behaviour change of the decoder refactor: parts the stream does not carry, after content,
/// separate it from what follows with one block break (no frame).
#[test]
fn other_part_kinds_after_content_are_one_block_break() {
    for part in [
        json!({"executableCode": {"language": "PYTHON", "code": "print(1)"}}),
        json!({"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}}),
        json!({"inlineData": {"mimeType": "image/png", "data": "AAAA"}}),
        json!({"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/f.pdf"}}),
    ] {
        let chunks = stream()
            .text("before")
            .response(json!([part.clone(), part.clone()]), Value::Null)
            .response(json!([{"text": "after"}]), json!("STOP"))
            .run();
        assert_eq!(
            common::content(&chunks),
            [token("before"), StreamChunk::BlockBreak, token("after")],
            "{part}"
        );
        assert_eq!(
            frames(&chunks[..3]),
            concat!(
                "data: {\"token\":\"before\",\"done\":false}\n\n",
                "data: {\"token\":\"after\",\"done\":false}\n\n",
            )
        );
    }
    // Code and its result in one turn: one break.
    let chunks = stream()
        .text("Let me compute.")
        .response(
            json!([
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
                {"text": "It is 1."}
            ]),
            json!("STOP"),
        )
        .run();
    assert_eq!(
        common::content(&chunks),
        [
            token("Let me compute."),
            StreamChunk::BlockBreak,
            token("It is 1."),
        ]
    );
}

#[test]
fn undecodable_data_is_invalid_event() {
    for bad in [
        "{\"candidates\": [",
        "<html>",
        r#"{"candidates":[{"content":{"parts":[{"text":7}]}}]}"#,
        r#"{"candidates":{"index":0}}"#,
        r#"{"usageMetadata":{"promptTokenCount":"x"}}"#,
    ] {
        let chunks = stream().text("a").raw(bad).text("b").run();
        assert_eq!(chunks.len(), 2, "{bad}");
        let err = error_of(&chunks);
        assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{bad}");
        assert!(
            err.message
                .starts_with("undecodable Gemini GenerateContentResponse: "),
            "{}",
            err.message
        );
    }
}

#[test]
fn nothing_after_the_terminal_chunk() {
    let mut decoder = Decoder::new(Provider::Gemini);
    decoder.decode(&Event::new(
        "message",
        &stream()
            .response(json!([{"text": "a"}]), json!("STOP"))
            .data()[0],
    ));
    decoder.finish(EndOfInput::default());
    decoder.decode(&Event::new("message", &stream().text("late").data()[0]));
    decoder.finish(EndOfInput::default());
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "x"));
    let chunks = drain(&mut decoder);
    assert_eq!(chunks.len(), 2);
    assert_eq!(terminal(&chunks).outcome, Ok(FinishReason::Stop));
}

#[test]
fn transport_failure_keeps_what_was_known() {
    let mut decoder = Decoder::new(Provider::Gemini);
    let data = stream()
        .response(json!([{"text": "a"}]), json!("STOP"))
        .usage(json!({"promptTokenCount": 2, "candidatesTokenCount": 1}))
        .data();
    decoder.decode(&Event::new("message", &data[0]));
    decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "reset"));
    let chunks = drain(&mut decoder);
    assert_eq!(
        frames(&chunks[1..]),
        concat!(
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
            "\"finish_reason\":\"error\",\"provider_finish_reason\":\"STOP\",",
            "\"usage\":{\"input_tokens\":2,\"output_tokens\":1},",
            "\"error\":{\"type\":\"connection_error\",\"message\":\"reset\"}}\n\n",
            "data: [DONE]\n\n"
        )
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let inputs = [
        "",
        "null",
        "[]",
        "{}",
        "1",
        "{\"candidates\":null}",
        "{\"candidates\":[null]}",
        "{\"candidates\":[{}]}",
        "{\"candidates\":[{\"content\":null}]}",
        "{\"candidates\":[{\"content\":{\"parts\":null}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{}}]}}]}",
        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"args\":[[[[]]]]}}]}}]}",
        "{\"error\":null}",
        "{\"error\":{}}",
        "{\"promptFeedback\":null}",
        "{\"usageMetadata\":{\"candidatesTokenCount\":18446744073709551615,\"thoughtsTokenCount\":5}}",
    ];
    assert_one_terminal_after_each(Provider::Gemini, &inputs, &stream().text("a").data()[0]);
}

// ---- Another provider's recording decoded as Gemini (behaviour change of the refactor) ----

#[test]
fn an_anthropic_recording_decoded_as_gemini_says_what_it_looks_like() {
    let chunks = run_recording(
        Provider::Gemini,
        include_str!("../../../tests/fixtures/anthropic/text.sse"),
    );
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "none of the 21 events looked like Gemini stream events; they look like Anthropic events"
        )
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
}

#[test]
fn an_openai_recording_decoded_as_gemini_says_what_it_looks_like() {
    // The recording ends with `data: [DONE]`, which ends the stream (and is one of its 10
    // events).
    let chunks = run_recording(
        Provider::Gemini,
        include_str!("../../../tests/fixtures/openai/text.sse"),
    );
    assert_eq!(
        *error_of(&chunks),
        StreamError::new(
            StreamErrorKind::IncompleteStream,
            "none of the 10 events looked like Gemini stream events; they look like OpenAI events"
        )
    );
    assert_eq!(chunks.len(), 1, "{chunks:#?}");
}
