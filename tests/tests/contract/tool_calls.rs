//! DESIGN.md, "The normalized wire contract": the tool-call piece (`id` and `name` on the first
//! piece, fragments that concatenate to the arguments, `call_<response id>_<index>` for a call
//! without a provider id, `{}` for a call that streams no JSON, no frames for tools the provider
//! runs itself), and from "Details that frontends and tests rely on", `tool_call.index`.

use super::*;

// ---------------------------------------------------------------------------------------------
// Tool calls
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_anthropic_index_counts_calls_not_content_blocks() {
    // tool_use blocks at content-block index 1 and 3 are the stream's tool calls 0 and 1; id and
    // name only on the first piece; empty partial_json makes no frame; fragments concatenate.
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Checking both."),
        a_block_stop(0),
        a_tool_start(1, "toolu_01A", "get_weather"),
        a_json(1, ""),
        a_json(1, r#"{"city": "Pa"#),
        a_json(1, r#"ris"}"#),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "And"),
        a_block_stop(2),
        a_tool_start(3, "toolu_01B", "get_time"),
        a_json(3, r#"{"tz":"#),
        a_json(3, r#" "CET"}"#),
        a_block_stop(3),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Checking both."),
            frame(
                r#"{"token":"","done":false,"tool_call":{"index":0,"id":"toolu_01A","name":"get_weather","arguments":""}}"#
            ),
            frame(r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":"{\"city\": \"Pa"}}"#),
            tool_more(0, r#"ris"}"#),
            tok("And"),
            tool_first(1, "toolu_01B", "get_time", ""),
            tool_more(1, r#"{"tz":"#),
            tool_more(1, r#" "CET"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_call_without_json_gets_one_empty_object_at_block_stop() {
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01", "get_time"),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "get_time", ""),
            tool_more(0, "{}"),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_call_with_only_empty_partial_json_gets_one_empty_object() {
    // An empty partial_json is no JSON: the call still streamed none.
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01", "get_time"),
        a_json(0, ""),
        a_json(0, ""),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "get_time", ""),
            tool_more(0, "{}"),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_server_tool_use_makes_no_tool_call_frames() {
    let input = [
        a_start(A_USAGE_START),
        a_text_start(0),
        a_text(0, "Searching."),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}}"#,
        ),
        a_json(1, ""),
        a_json(1, r#"{"query": "weather"#),
        a_json(1, r#" Paris"}"#),
        a_block_stop(1),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","title":"Paris weather","url":"https://weather.example.com/paris","encrypted_content":"Ev0DCioIAhgCIiQ3","page_age":"2 hours ago"}]}}"#,
        ),
        a_block_stop(2),
        a_text_start(3),
        a_text(3, "Sunny."),
        a_block_stop(3),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tok("Searching."),
            tok("Sunny."),
            a_terminal("stop", "end_turn"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_parallel_calls_by_index() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": "}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"id":"call_B","type":"function","function":{"name":"get_time","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"function":{"arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\":\"CET\"}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", ""),
            tool_more(0, r#"{"city": "#),
            tool_more(0, r#""Paris"}"#),
            tool_first(1, "call_B", "get_time", ""),
            tool_more(1, r#"{"tz":"CET"}"#),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_call_without_arguments_gets_one_empty_object() {
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A","type":"function","function":{"name":"get_time","arguments":""}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_time", ""),
            tool_more(0, "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_function_calls_are_complete_pieces_counted_from_zero() {
    let input = [
        g_chunk(Some(&g_text("Checking.")), "", G_USAGE_1),
        g_chunk(
            Some(
                r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris","unit": "celsius"}}},{"functionCall": {"name": "get_weather","args": {"city": "Tokyo"}}}"#,
            ),
            r#","finishReason": "STOP""#,
            G_USAGE_2,
        ),
    ]
    .concat();
    // Calls without a provider id get `call_<response id>_<index>` (see the tests on ids below).
    assert_eq!(
        run(Provider::Gemini, &input),
        [
            tok("Checking."),
            tool_first(
                0,
                &format!("call_{G_ID}_0"),
                "get_weather",
                r#"{"city":"Paris","unit":"celsius"}"#
            ),
            tool_first(
                1,
                &format!("call_{G_ID}_1"),
                "get_weather",
                r#"{"city":"Tokyo"}"#
            ),
            g_terminal("tool_calls", "STOP"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_call_without_args_concatenates_to_empty_object() {
    let input = g_chunk(
        Some(r#"{"functionCall": {"name": "get_time"}}"#),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let (chunks, fin) = chunks(Provider::Gemini, &input);
    let args: String = chunks
        .iter()
        .map(|c| match c {
            StreamChunk::ToolCallStart(p) => {
                assert_eq!(p.index, 0);
                p.arguments.as_str()
            }
            other => panic!("unexpected chunk {other:?}"),
        })
        .collect();
    assert_eq!(args, "{}");
    assert_eq!(fin.finish_reason(), Some(FinishReason::ToolCalls));
}

// ---------------------------------------------------------------------------------------------
// Contract revision of 2026-12-06: a call without a provider id gets `call_<response id>_<index>`
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_gemini_call_without_id_gets_call_response_id_index() {
    // Most Gemini calls carry no id: the first (and only) piece of each gets
    // `call_<responseId>_<index>`, the id the dialect endpoints use.
    let input = g_chunk(
        Some(
            r#"{"functionCall": {"name": "get_weather","args": {"city": "Paris"}}},{"functionCall": {"name": "get_time"}}"#,
        ),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let out = run(Provider::Gemini, &input);
    assert_eq!(
        out,
        [
            tool_first(
                0,
                "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0",
                "get_weather",
                r#"{"city":"Paris"}"#
            ),
            tool_first(1, "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1", "get_time", "{}"),
            g_terminal("tool_calls", "STOP"),
            DONE.into()
        ]
        .concat()
    );
    assert_eq!(
        llm_sse_core::dialect::tool_call_id(G_ID, 1),
        "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1"
    );
}

#[test]
fn tools_synthesized_id_is_on_the_first_piece_only() {
    // An OpenAI-compatible server that sends calls without ids: the first piece of each call
    // gets `call_<chunk id>_<index>`, later pieces carry `index` and `arguments` only.
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":1,"id":"","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, &format!("call_{O_ID}_0"), "get_weather", ""),
            tool_more(0, r#"{"city":"#),
            tool_more(0, r#""Paris"}"#),
            // An empty provider id counts as none.
            tool_first(1, &format!("call_{O_ID}_1"), "get_time", "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_legacy_function_call_gets_call_response_id_index() {
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
    let frames = split_frames(&out);
    assert_eq!(
        frames[..2],
        [
            format!(
                r#"{{"token":"","done":false,"tool_call":{{"index":0,"id":"call_{O_ID}_0","name":"get_weather","arguments":""}}}}"#
            ),
            r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":"{\"city\":\"Paris\"}"}}"#
                .to_string(),
        ]
    );
}

#[test]
fn tools_synthesized_id_is_the_dialect_id_with_unsafe_characters_replaced() {
    // `call_<response id>_<index>` is `dialect::tool_call_id`: characters other than
    // `A-Z a-z 0-9 _ -` in the response id become `_`.
    let input = [
        frame(
            r#"{"id":"resp.7/é","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
        ),
        DONE.into(),
    ]
    .concat();
    let (chunks, _) = chunks(Provider::OpenAi, &input);
    let StreamChunk::ToolCallStart(start) = &chunks[0] else {
        panic!("{chunks:?}");
    };
    assert_eq!(start.id.as_deref(), Some("call_resp_7___0"));
    assert_eq!(
        start.id.as_deref(),
        Some(llm_sse_core::dialect::tool_call_id("resp.7/é", 0).as_str())
    );
}

#[test]
fn tools_provider_ids_are_kept_as_they_are() {
    // A provider id is never replaced, whatever it looks like.
    let gemini = g_chunk(
        Some(r#"{"functionCall": {"id": "fc 1/é","name": "get_time","args": {}}}"#),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    assert_eq!(
        split_frames(&run(Provider::Gemini, &gemini))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"fc 1/é","name":"get_time","arguments":"{}"}}"#
    );
    let openai = [
        o_chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_Qm3X","type":"function","function":{"name":"f","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        split_frames(&run(Provider::OpenAi, &openai))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"call_Qm3X","name":"f","arguments":"{}"}}"#
    );
    let anthropic = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01A09q90qw90lq917835lq9", "get_time"),
        a_block_stop(0),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        split_frames(&run(Provider::Anthropic, &anthropic))[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"id":"toolu_01A09q90qw90lq917835lq9","name":"get_time","arguments":""}}"#
    );
}

#[test]
fn tools_call_before_any_response_id_has_no_id() {
    // DESIGN.md derives the id from the response id; a call that starts before the stream
    // named any response id (an OpenAI-compatible server whose first chunks have no `id`) has
    // none to carry, and its first piece omits `id` (fields that do not apply are omitted).
    let input = [
        frame(
            r#"{"object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}"#,
        ),
        frame(
            r#"{"id":"late","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ),
        DONE.into(),
    ]
    .concat();
    let out = run(Provider::OpenAi, &input);
    assert_eq!(
        split_frames(&out)[0],
        r#"{"token":"","done":false,"tool_call":{"index":0,"name":"f","arguments":"{}"}}"#
    );
}

// ---------------------------------------------------------------------------------------------
// More of the contract's details, and issue 3's decoder rules that shape the wire
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_openai_index_counts_calls_not_provider_index() {
    // A compatible server numbering its calls from 1: the stream's calls are still 0 and 1.
    let input = [
        o_chunk(
            r#"{"role":"assistant","content":null,"tool_calls":[{"index":1,"id":"call_A","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}"#,
            "null",
        ),
        o_chunk(
            r#"{"tool_calls":[{"index":2,"id":"call_B","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"#,
            "null",
        ),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", r#"{"city":"Paris"}"#),
            tool_first(1, "call_B", "get_time", "{}"),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_empty_object_comes_when_its_block_ends() {
    // The `{}` piece belongs at the call's content_block_stop: before later blocks' frames.
    let input = [
        a_start(A_USAGE_START),
        a_tool_start(0, "toolu_01A", "get_time"),
        a_block_stop(0),
        a_tool_start(1, "toolu_01B", "get_weather"),
        a_json(1, r#"{"city":"Paris"}"#),
        a_block_stop(1),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01A", "get_time", ""),
            tool_more(0, "{}"),
            tool_first(1, "toolu_01B", "get_weather", ""),
            tool_more(1, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_anthropic_client_call_after_server_tool_is_call_zero() {
    // The server tool is not one of the stream's tool calls: the client tool after it is call 0.
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{}}}"#,
        ),
        a_json(0, r#"{"query": "weather Paris"}"#),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result","tool_use_id":"srvtoolu_01","content":[]}}"#,
        ),
        a_block_stop(1),
        a_tool_start(2, "toolu_01", "book_table"),
        a_json(2, r#"{"city":"Paris"}"#),
        a_block_stop(2),
        a_stop_reason("tool_use"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [
            tool_first(0, "toolu_01", "book_table", ""),
            tool_more(0, r#"{"city":"Paris"}"#),
            a_terminal("tool_calls", "tool_use"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_openai_server_repeating_id_and_name_later_pieces_carry_only_arguments() {
    // Some compatible servers repeat id, type and name on every piece of a call.
    let piece = |args: &str| {
        o_chunk(
            &format!(
                r#"{{"tool_calls":[{{"index":0,"id":"call_A","type":"function","function":{{"name":"get_weather","arguments":{}}}}}]}}"#,
                serde_json::to_string(args).unwrap()
            ),
            "null",
        )
    };
    let input = [
        o_chunk(r#"{"role":"assistant","content":null}"#, "null"),
        piece(""),
        piece(r#"{"city":"#),
        piece(""),
        piece(r#""Paris"}"#),
        o_finish("tool_calls"),
        DONE.into(),
    ]
    .concat();
    assert_eq!(
        run(Provider::OpenAi, &input),
        [
            tool_first(0, "call_A", "get_weather", ""),
            tool_more(0, r#"{"city":"#),
            tool_more(0, r#""Paris"}"#),
            o_terminal("tool_calls", "tool_calls"),
            DONE.into()
        ]
        .concat()
    );
}

#[test]
fn tools_gemini_arguments_are_compact_json_with_raw_utf8() {
    let input = g_chunk(
        Some(
            r#"{"functionCall": {"name": "get_weather","args": {"city": "Zürich", "note": "caf\u00e9 \"x\""}}}"#,
        ),
        r#","finishReason": "STOP""#,
        G_USAGE_2,
    );
    let (chunks, _) = chunks(Provider::Gemini, &input);
    let args: String = chunks
        .iter()
        .filter_map(|c| match c {
            StreamChunk::ToolCallStart(p) => Some(p.arguments.as_str()),
            StreamChunk::ToolCallArguments(p) => Some(p.fragment.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(args, r#"{"city":"Zürich","note":"café \"x\""}"#);
}

#[test]
fn tools_anthropic_mcp_tool_use_makes_no_tool_call_frames() {
    let input = [
        a_start(A_USAGE_START),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"mcp_tool_use","id":"mcptoolu_01","name":"echo","server_name":"example","input":{}}}"#,
        ),
        a_json(0, r#"{"text":"x"}"#),
        a_block_stop(0),
        ev(
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"mcp_tool_result","tool_use_id":"mcptoolu_01","is_error":false,"content":[{"type":"text","text":"x"}]}}"#,
        ),
        a_block_stop(1),
        a_text_start(2),
        a_text(2, "Done."),
        a_block_stop(2),
        a_stop_reason("end_turn"),
        a_message_stop(),
    ]
    .concat();
    assert_eq!(
        run(Provider::Anthropic, &input),
        [tok("Done."), a_terminal("stop", "end_turn"), DONE.into()].concat()
    );
}
