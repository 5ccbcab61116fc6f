//! DESIGN.md, "Usage": which provider field becomes which count, when a later report replaces
//! an earlier one, and when `usage` is omitted.

use super::*;

// ---------------------------------------------------------------------------------------------
// Usage: Anthropic
// ---------------------------------------------------------------------------------------------

#[test]
fn usage_anthropic_input_from_message_start_output_from_message_delta() {
    let fin = finish(Provider::Anthropic, &a_text_stream("end_turn"));
    assert_eq!(fin.usage, Some(usage(25, 12)));
}

#[test]
fn usage_anthropic_last_message_delta_replaces_never_sums() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":null,"stop_sequence":null}"#,
            r#"{"output_tokens":5}"#,
        ),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"output_tokens":12}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    // Not 1 + 5 + 12, not 5 + 12: the last cumulative count.
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":25,"output_tokens":12}}"#
    );
}

#[test]
fn usage_anthropic_message_delta_input_and_cache_counts_win() {
    let input = [
        a_start(
            r#"{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"input_tokens":500,"cache_creation_input_tokens":1200,"cache_read_input_tokens":2048,"output_tokens":89}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    // Key order: cache_read before cache_creation, whatever the provider's order.
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":500,"output_tokens":89,"cache_read_input_tokens":2048,"cache_creation_input_tokens":1200}}"#
    );
}

#[test]
fn usage_anthropic_cache_counts_from_message_start_zeros_included() {
    let input = [
        a_start(
            r#"{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":12,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}"#
    );
}

#[test]
fn usage_anthropic_omitted_when_never_reported() {
    let input = [
        a_start(""),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(r#"{"stop_reason":"end_turn","stop_sequence":null}"#, ""),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Hi"),
            frame(
                r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn"}"#
            ),
            DONE.into()
        ]
        .concat()
    );
}

// ---------------------------------------------------------------------------------------------
// Usage: OpenAI
// ---------------------------------------------------------------------------------------------

fn o_usage_stream(usage: &str) -> String {
    [
        o_role(),
        o_content("Hi"),
        o_finish("stop"),
        o_usage(usage),
        DONE.into(),
    ]
    .concat()
}

#[test]
fn usage_openai_from_final_usage_chunk_cached_and_reasoning_tokens() {
    let input = o_usage_stream(
        r#"{"prompt_tokens":1250,"completion_tokens":300,"total_tokens":1550,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
    );
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tok("Hi"),
            frame(&o_terminal_with_usage(
                r#"{"input_tokens":1250,"output_tokens":300,"cache_read_input_tokens":1024,"reasoning_tokens":192}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_openai_reported_zeros_are_included() {
    let input = o_usage_stream(
        r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(
            r#"{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0,"reasoning_tokens":0}"#
        )
    );
}

#[test]
fn usage_openai_without_details_has_only_input_and_output() {
    let input = o_usage_stream(r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}"#);
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(r#"{"input_tokens":12,"output_tokens":2}"#)
    );
}

#[test]
fn usage_openai_omitted_when_never_reported() {
    let fin = finish(Provider::OpenAi, &o_text_stream("stop"));
    assert_eq!(fin.usage, None);
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &o_text_stream("stop"))),
        {
            let t = o_terminal("stop", "stop");
            t["data: ".len()..t.len() - 2].to_owned()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Usage: Gemini
// ---------------------------------------------------------------------------------------------

fn g_terminal_with_usage(usage: &str) -> String {
    format!(
        r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"stop","provider_finish_reason":"STOP","usage":{usage}}}"#
    )
}

#[test]
fn usage_gemini_output_is_candidates_plus_thoughts_reasoning_and_cache() {
    let input = [
        g_chunk(
            Some(r#"{"text": "Hmm.","thought": true}"#),
            "",
            r#"{"promptTokenCount": 4200,"cachedContentTokenCount": 4096,"totalTokenCount": 4300,"thoughtsTokenCount": 100}"#,
        ),
        g_chunk(
            Some(&g_text("Hi")),
            r#","finishReason": "STOP""#,
            r#"{"promptTokenCount": 4200,"candidatesTokenCount": 9,"cachedContentTokenCount": 4096,"totalTokenCount": 4489,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4200}],"cacheTokensDetails": [{"modality": "TEXT","tokenCount": 4096}],"thoughtsTokenCount": 180}"#,
        ),
    ]
    .concat();
    // Key order: cache_read_input_tokens before reasoning_tokens.
    assert_eq!(
        terminal_json(&run(Provider::Gemini, &input)),
        g_terminal_with_usage(
            r#"{"input_tokens":4200,"output_tokens":189,"cache_read_input_tokens":4096,"reasoning_tokens":180}"#
        )
    );
}

#[test]
fn usage_gemini_last_report_wins() {
    let input = [
        g_chunk(
            Some(&g_text("Hel")),
            "",
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 5,"totalTokenCount": 13}"#,
        ),
        g_chunk(
            Some(&g_text("lo")),
            "",
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 9,"totalTokenCount": 17}"#,
        ),
        g_chunk(
            Some(&g_text("!")),
            r#","finishReason": "STOP""#,
            r#"{"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 20}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Hel"),
            tok("lo"),
            tok("!"),
            frame(&g_terminal_with_usage(
                r#"{"input_tokens":8,"output_tokens":12}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn usage_gemini_reported_zero_thoughts_are_included() {
    let input = g_chunk(
        Some(&g_text("Hi")),
        r#","finishReason": "STOP""#,
        r#"{"promptTokenCount": 8,"candidatesTokenCount": 3,"cachedContentTokenCount": 0,"totalTokenCount": 11,"thoughtsTokenCount": 0}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::Gemini, &input)),
        g_terminal_with_usage(
            r#"{"input_tokens":8,"output_tokens":3,"cache_read_input_tokens":0,"reasoning_tokens":0}"#
        )
    );
}

#[test]
fn usage_gemini_omitted_when_never_reported() {
    let input = [
        g_chunk(Some(&g_text("Hi")), "", ""),
        g_chunk(Some(&g_text(".")), r#","finishReason": "STOP""#, ""),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Hi"),
            tok("."),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"stop","provider_finish_reason":"STOP"}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}

// ---------------------------------------------------------------------------------------------
// More of the contract's details, and issue 3's decoder rules that shape the wire
// ---------------------------------------------------------------------------------------------

#[test]
fn usage_anthropic_later_report_replaces_even_when_smaller() {
    // DESIGN.md: "a later report of a count replaces an earlier one".
    let input = [
        a_start(
            r#"{"input_tokens":472,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":2}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_message_delta(
            r#"{"stop_reason":"end_turn","stop_sequence":null}"#,
            r#"{"input_tokens":470,"cache_creation_input_tokens":0,"cache_read_input_tokens":40,"output_tokens":9}"#,
        ),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        finish(Provider::Anthropic, &input).usage,
        Some(Usage {
            input_tokens: 470,
            output_tokens: 9,
            cache_read_input_tokens: Some(40),
            cache_creation_input_tokens: Some(0),
            reasoning_tokens: None,
        })
    );
}

#[test]
fn usage_anthropic_counts_not_reported_again_are_kept() {
    // message_delta reports only output_tokens: input and cache counts stay from message_start.
    let input = [
        a_start(
            r#"{"input_tokens":30,"cache_creation_input_tokens":1200,"cache_read_input_tokens":2048,"output_tokens":1}"#,
        ),
        a_text_start(0),
        a_text(0, "Hi"),
        a_block_stop(0),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::Anthropic, &input)),
        r#"{"token":"","done":true,"provider":"anthropic","id":"msg_01","model":"claude-sonnet-4-5","finish_reason":"stop","provider_finish_reason":"end_turn","usage":{"input_tokens":30,"output_tokens":12,"cache_read_input_tokens":2048,"cache_creation_input_tokens":1200}}"#
    );
}

#[test]
fn usage_openai_null_details_are_not_reports() {
    // vLLM and other compatible servers send `null` details.
    let input = o_usage_stream(
        r#"{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":null,"completion_tokens_details":null}"#,
    );
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(r#"{"input_tokens":12,"output_tokens":2}"#)
    );
}

#[test]
fn usage_openai_on_the_finish_chunk_itself() {
    // Groq, DeepSeek: usage on the chunk that carries finish_reason.
    let input = [
        o_role(),
        o_content("Hi"),
        frame(&format!(
            r#"{{"id":"{O_ID}","object":"chat.completion.chunk","created":1764086400,"model":"{O_MODEL}","choices":[{{"index":0,"delta":{{}},"logprobs":null,"finish_reason":"stop"}}],"usage":{{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14,"prompt_tokens_details":{{"cached_tokens":0}}}}}}"#
        )),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        terminal_json(&run(Provider::OpenAi, &input)),
        o_terminal_with_usage(
            r#"{"input_tokens":12,"output_tokens":2,"cache_read_input_tokens":0}"#
        )
    );
}

#[test]
fn usage_gemini_thoughts_without_candidates_count_as_output() {
    // The budget ran out while thinking: no candidatesTokenCount at all.
    let input = [
        g_chunk(
            Some(r#"{"text": "Let me","thought": true}"#),
            "",
            r#"{"promptTokenCount": 8,"totalTokenCount": 520,"thoughtsTokenCount": 512}"#,
        ),
        g_chunk(
            None,
            r#","finishReason": "MAX_TOKENS""#,
            r#"{"promptTokenCount": 8,"totalTokenCount": 1032,"thoughtsTokenCount": 1024}"#,
        ),
    ]
    .concat();
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            reasoning("Let me"),
            frame(&format!(
                r#"{{"token":"","done":true,"provider":"gemini","id":"{G_ID}","model":"{G_MODEL}","finish_reason":"length","provider_finish_reason":"MAX_TOKENS","usage":{{"input_tokens":8,"output_tokens":1024,"reasoning_tokens":1024}}}}"#
            )),
            DONE.into()
        ]
        .concat()
    );
}
