//! DESIGN.md, "The normalized wire contract": the terminal frame, exactly one per stream, then
//! `data: [DONE]`; a stream that fails ends with a terminal frame whose `finish_reason` is
//! `"error"`, with the error types of our own; and from "Details that frontends and tests rely
//! on", an error terminal frame still carries whatever was known before the failure.

use super::*;

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
