//! DESIGN.md, "Unified finish reasons": the table, one test per cell and provider.

use super::*;

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
// More of the contract's details, and issue 3's decoder rules that shape the wire
// ---------------------------------------------------------------------------------------------

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
