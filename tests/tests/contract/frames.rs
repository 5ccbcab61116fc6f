//! DESIGN.md, "The normalized wire contract": every frame is one SSE event with a single `data:`
//! line of compact JSON; the text, reasoning, reasoning-signature and redacted-reasoning frames;
//! and no frame for lifecycle events that carry no content.

use super::*;

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
// More of the contract's details, and issue 3's decoder rules that shape the wire
// ---------------------------------------------------------------------------------------------

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
fn anthropic_identical_message_start_repeat_before_content_is_ignored() {
    let input = [a_start(A_USAGE_START), a_text_stream("end_turn")].concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Hi"), a_terminal("stop", "end_turn"), DONE.into()].concat()
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
