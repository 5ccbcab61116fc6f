//! Anthropic Messages requests: exact requests as golden files, and the round trip of recorded
//! tool-use and thinking streams into the next request.

use crate::request_support;

use llm_sse_core::Provider;
use llm_sse_core::request::{
    CacheControl, CacheProblem, CacheTtl, ChatMessage, ChatRequest, Part, Reasoning,
    ReasoningEffort, RequestError, Role, Tool, ToolChoice, build,
};
use request_support::{TEST_KEY, check, final_message, golden};
use serde_json::json;

const P: Provider = Provider::Anthropic;

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}),
    )
}

fn time_tool() -> Tool {
    Tool::new(
        "get_time",
        "Current time in a time zone",
        json!({"type": "object", "properties": {"timezone": {"type": "string"}}}),
    )
}

#[test]
fn system_messages_become_system_blocks_and_same_role_turns_merge() {
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::system("You are terse."),
            ChatMessage::user("Hi."),
            ChatMessage::user(vec![
                Part::text("What is this?"),
                Part::image("image/png", "iVBORw0KGgo="),
            ]),
            ChatMessage::system(vec![
                Part::text("Answer in French."),
                Part::text("No emoji."),
            ]),
            ChatMessage::assistant("Un pixel."),
            ChatMessage::user("Merci."),
        ],
    )
    .with_max_tokens(1024)
    .with_temperature(0.5)
    .with_stop(["END"]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "system_and_merging", &http);
    assert_eq!(
        http.body["system"],
        json!([
            {"type": "text", "text": "You are terse."},
            {"type": "text", "text": "Answer in French."},
            {"type": "text", "text": "No emoji."},
        ])
    );
    let roles: Vec<_> = http.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(
        http.body["messages"][0]["content"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn minimal_request_defaults_max_tokens_and_streams() {
    let request = ChatRequest::new("claude-haiku-4-5", vec![ChatMessage::user("Hello")]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    golden(P, "minimal", &http);
    assert_eq!(http.body["max_tokens"], 4096);
    assert_eq!(http.body["stream"], true);
    assert_eq!(http.headers.get("x-api-key"), Some(TEST_KEY));
    assert_eq!(http.headers.get("anthropic-version"), Some("2023-06-01"));
    assert_eq!(
        http.url("https://api.anthropic.com/"),
        "https://api.anthropic.com/v1/messages"
    );
    // Without a key, no auth header (a proxy may add it).
    let http = build(P, &request, None).unwrap();
    assert_eq!(http.headers.get("x-api-key"), None);
}

#[test]
fn tools_and_each_tool_choice() {
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![ChatMessage::user("Weather in Paris?")],
    )
    .with_tools(vec![weather_tool(), {
        let mut tool = Tool::new("get_time", "", json!({"type": "object", "properties": {}}));
        tool.description = None;
        tool
    }])
    .with_tool_choice(ToolChoice::Tool("get_weather".into()));
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "tools", &http);
    for (choice, expected) in [
        (ToolChoice::Auto, json!({"type": "auto"})),
        (ToolChoice::None, json!({"type": "none"})),
        (ToolChoice::Required, json!({"type": "any"})),
        (
            ToolChoice::Tool("get_time".into()),
            json!({"type": "tool", "name": "get_time"}),
        ),
    ] {
        let http = build(P, &request.clone().with_tool_choice(choice), None).unwrap();
        assert_eq!(http.body["tool_choice"], expected);
    }
}

#[test]
fn tool_results_go_first_in_a_user_turn_with_errors_flagged() {
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user("Weather in Paris and Tokyo?"),
            ChatMessage::assistant(vec![
                Part::text("Checking both."),
                Part::tool_call(
                    Some("toolu_1".into()),
                    "get_weather",
                    json!({"location": "Paris"}),
                ),
                Part::tool_call(
                    Some("toolu_2".into()),
                    "get_weather",
                    json!({"location": "Tokyo"}),
                ),
            ]),
            ChatMessage::new(
                llm_sse_core::request::Role::Tool,
                vec![
                    Part::tool_result("toolu_2", "22 °C"),
                    Part::ToolResult {
                        call_id: Some("toolu_1".into()),
                        name: None,
                        content: vec![Part::text("upstream timeout")].into(),
                        is_error: true,
                        cache: None,
                    },
                ],
            ),
            ChatMessage::user("And tomorrow?"),
        ],
    )
    .with_tools(vec![weather_tool()]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "tool_results", &http);
    assert_eq!(
        http.body["messages"][2]["content"],
        json!([
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "22 °C"},
            {"type": "tool_result", "tool_use_id": "toolu_1",
             "content": [{"type": "text", "text": "upstream timeout"}], "is_error": true},
            {"type": "text", "text": "And tomorrow?"},
        ])
    );
}

#[test]
fn recorded_tool_use_round_trips_into_the_next_request() {
    let reply = final_message(P, "tool_use");
    let call = reply.tool_calls().next().unwrap().clone();
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user("What's the weather in Paris?"),
            ChatMessage::from(&reply),
            ChatMessage::tool_result(&call, "18 °C, light rain"),
        ],
    )
    .with_tools(vec![weather_tool()]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "tool_use_round_trip", &http);
    assert_eq!(
        http.body["messages"][1]["content"],
        json!([
            {"type": "text", "text": "I'll check the current weather in Paris for you."},
            {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather",
             "input": {"location": "Paris, France", "unit": "celsius",
                       "note": "café \"Le Procope\" \\ ✓"}},
        ])
    );
    assert_eq!(
        http.body["messages"][2]["content"][0]["tool_use_id"],
        "toolu_01T1x1fJ34qAmk2tNTrN7Up6"
    );
}

#[test]
fn recorded_parallel_tool_calls_round_trip() {
    let reply = final_message(P, "parallel_tools");
    let results: Vec<ChatMessage> = reply
        .tool_calls()
        .map(|call| ChatMessage::tool_result(call, format!("result of {}", call.name)))
        .collect();
    assert_eq!(results.len(), 2);
    let mut messages = vec![
        ChatMessage::user("Weather and time in Tokyo?"),
        reply.into(),
    ];
    messages.extend(results);
    let request = ChatRequest::new("claude-sonnet-4-5", messages)
        .with_tools(vec![weather_tool(), time_tool()]);
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    let turn = http.body["messages"][2]["content"].as_array().unwrap();
    assert_eq!(turn.len(), 2);
    assert!(turn.iter().all(|b| b["type"] == "tool_result"));
}

#[test]
fn recorded_thinking_round_trips_with_its_signature() {
    let reply = final_message(P, "thinking");
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user("What is 27 × 453?"),
            reply.into(),
            ChatMessage::user("And 28 × 453?"),
        ],
    )
    .with_max_tokens(16000)
    .with_reasoning(Reasoning::budget(10000));
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "thinking_round_trip", &http);
    let turn = &http.body["messages"][1]["content"];
    assert_eq!(turn[0]["type"], "thinking");
    assert_eq!(
        turn[0]["thinking"],
        "The user asks for 27 × 453. 27 × 453 = 27 × 400 + 27 × 53 = 10800 + 1431 = 12231."
    );
    assert!(
        turn[0]["signature"]
            .as_str()
            .unwrap()
            .starts_with("EqQBCgIYAhIM")
    );
    assert_eq!(
        turn[1],
        json!({"type": "text", "text": "27 × 453 = **12,231**."})
    );
    assert_eq!(
        http.body["thinking"],
        json!({"type": "enabled", "budget_tokens": 10000})
    );
}

#[test]
fn recorded_redacted_thinking_round_trips_unchanged() {
    let reply = final_message(P, "redacted_thinking");
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user("Hi"),
            reply.into(),
            ChatMessage::user("Go on"),
        ],
    );
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    let turn = http.body["messages"][1]["content"].as_array().unwrap();
    assert!(
        turn.iter().any(|b| b["type"] == "redacted_thinking"
            && b["data"].as_str().is_some_and(|d| !d.is_empty()))
    );
}

#[test]
fn other_providers_turns_get_ids_and_lose_their_reasoning() {
    // A Gemini turn: calls Gemini gave no id (the stream derived `call_<responseId>_<index>`),
    // a thought signature; an OpenAI-compatible turn whose id Anthropic would refuse.
    let gemini = final_message(Provider::Gemini, "function_call");
    let results: Vec<ChatMessage> = gemini
        .tool_calls()
        .map(|call| ChatMessage::tool_result(call, "ok"))
        .collect();
    let mut messages = vec![ChatMessage::user("Paris and Tokyo?"), gemini.into()];
    messages.extend(results);
    messages.push(ChatMessage::assistant(vec![Part::tool_call(
        Some("functions.get_weather:0".into()),
        "get_weather",
        json!({}),
    )]));
    messages.push(ChatMessage::new(
        llm_sse_core::request::Role::Tool,
        vec![Part::tool_result("functions.get_weather:0", "ok")],
    ));
    let request = ChatRequest::new("claude-sonnet-4-5", messages).with_tools(vec![weather_tool()]);
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    golden(P, "cross_provider", &http);
    let turn = &http.body["messages"][1]["content"];
    assert_eq!(turn[0]["id"], "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0");
    assert_eq!(turn[1]["id"], "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1"); // the thought signature is left out
    assert_eq!(turn.as_array().unwrap().len(), 2);
    assert_eq!(
        http.body["messages"][2]["content"][1]["tool_use_id"],
        "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1"
    );
    assert_eq!(
        http.body["messages"][3]["content"][0]["id"],
        "functions_get_weather_0"
    );
    assert_eq!(
        http.body["messages"][4]["content"][0]["tool_use_id"],
        "functions_get_weather_0"
    );
}

#[test]
fn reasoning_settings_map_to_thinking() {
    let base = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Think.")]);
    let body = |r: Reasoning| {
        build(P, &base.clone().with_reasoning(r), None)
            .unwrap()
            .body
    };

    let b = body(Reasoning::budget(2048));
    assert_eq!(
        b["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert_eq!(
        b["max_tokens"],
        4096 + 2048,
        "the default leaves 4096 for the answer"
    );
    assert_eq!(b.get("output_config"), None);

    let b = body(Reasoning::effort(ReasoningEffort::Medium));
    assert_eq!(b["thinking"], json!({"type": "adaptive"}));
    assert_eq!(b["output_config"], json!({"effort": "medium"}));
    assert_eq!(b["max_tokens"], 4096);
    let b = body(Reasoning::effort(ReasoningEffort::Minimal));
    assert_eq!(b["output_config"], json!({"effort": "low"}));

    for off in [
        Reasoning::budget(0),
        Reasoning::effort(ReasoningEffort::None),
    ] {
        assert_eq!(body(off)["thinking"], json!({"type": "disabled"}));
    }
    // Both set: Anthropic takes the budget.
    let both = Reasoning::effort(ReasoningEffort::High).with_budget_tokens(1024);
    assert_eq!(body(both)["thinking"]["type"], "enabled");
}

#[test]
fn provider_options_merge_last() {
    let request = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Hi")])
        .with_temperature(0.2)
        .with_provider_options(json!({
            "top_k": 40,
            "metadata": {"user_id": "u-1"},
            "temperature": null,
            "max_tokens": 256,
        }));
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    golden(P, "provider_options", &http);
    assert_eq!(http.body["top_k"], 40);
    assert_eq!(http.body["max_tokens"], 256);
    assert_eq!(http.body.get("temperature"), None);
}

/// A contract kept in the cache for an hour (the tools and the system prompt), the tool result
/// for five minutes, and the conversation up to its last block by the request's own breakpoint.
fn cached_conversation() -> ChatRequest {
    let hour = CacheControl::new().with_ttl(CacheTtl::OneHour);
    ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::system("You answer questions about the contract below."),
            ChatMessage::system(
                "<contract>1. Parties ... 7. Termination: 30 days' notice ...</contract>",
            )
            .with_cache(hour),
            ChatMessage::user("When can either party terminate?"),
            ChatMessage::assistant(vec![
                Part::text("Let me check today's date."),
                Part::tool_call(
                    Some("toolu_01".into()),
                    "get_time",
                    json!({"timezone": "Europe/Paris"}),
                ),
            ]),
            ChatMessage::new(
                Role::Tool,
                vec![
                    Part::tool_result("toolu_01", "2026-03-02T10:00:00+01:00")
                        .with_cache(CacheControl::new()),
                ],
            ),
            ChatMessage::user(vec![
                Part::image("image/png", "iVBORw0KGgo="),
                Part::text("Is this notice, dated today, in time?"),
            ]),
        ],
    )
    .with_tools(vec![weather_tool(), time_tool().with_cache(hour)])
    .with_cache(CacheControl::new().with_ttl(CacheTtl::FiveMinutes))
    .with_max_tokens(1024)
}

#[test]
fn cache_breakpoints_become_cache_control_where_asked() {
    let request = cached_conversation();
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "prompt_cache", &http);
    let b = &http.body;
    let hour = json!({"type": "ephemeral", "ttl": "1h"});
    assert_eq!(b["tools"][0].get("cache_control"), None);
    assert_eq!(b["tools"][1]["cache_control"], hour);
    assert_eq!(b["system"][0].get("cache_control"), None);
    assert_eq!(b["system"][1]["cache_control"], hour);
    // The tool result (after the tool_use turn) and, by the request's own breakpoint, the last
    // block of the last turn.
    let last_turn = b["messages"][2]["content"].as_array().unwrap();
    assert_eq!(last_turn[0]["type"], "tool_result");
    assert_eq!(last_turn[0]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(last_turn[1].get("cache_control"), None);
    assert_eq!(
        last_turn[2]["cache_control"],
        json!({"type": "ephemeral", "ttl": "5m"})
    );
    // Exactly those four.
    assert_eq!(
        http.body_bytes()
            .windows(13)
            .filter(|w| w == b"cache_control")
            .count(),
        4
    );
}

#[test]
fn cache_breakpoints_inside_tool_results_and_on_every_block_kind() {
    let c = CacheControl::new();
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user(vec![Part::image("image/png", "QUJD").with_cache(c)]),
            ChatMessage::assistant(vec![
                Part::tool_call(Some("t".into()), "get_time", json!({})).with_cache(c),
            ]),
            ChatMessage::new(
                Role::Tool,
                vec![Part::tool_result(
                    "t",
                    vec![
                        Part::text("10:00").with_cache(c),
                        Part::image("image/png", "QUJD").with_cache(c),
                    ],
                )],
            ),
        ],
    )
    .with_tools(vec![time_tool()]);
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    let b = &http.body;
    let control = json!({"type": "ephemeral"});
    assert_eq!(b["messages"][0]["content"][0]["cache_control"], control);
    assert_eq!(b["messages"][1]["content"][0]["cache_control"], control);
    let result = &b["messages"][2]["content"][0];
    assert_eq!(result.get("cache_control"), None);
    assert_eq!(result["content"][0]["cache_control"], control);
    assert_eq!(result["content"][1]["cache_control"], control);
    // The request's own breakpoint goes on the last block, the tool result itself (not the
    // image inside it): a fifth one.
    assert_eq!(
        build(P, &request.clone().with_cache(c), None),
        Err(RequestError::InvalidCache {
            problem: CacheProblem::TooManyBreakpoints {
                provider: P,
                max: 4
            }
        })
    );
}

#[test]
fn the_request_s_breakpoint_skips_reasoning_and_takes_a_string_message() {
    // A string message is one text block: it takes the breakpoint.
    let request = ChatRequest::new("claude-sonnet-4-5", vec![ChatMessage::user("Hi")])
        .with_cache(CacheControl::new());
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(
        http.body["messages"][0]["content"][0]["cache_control"],
        json!({"type": "ephemeral"})
    );
    // An assistant prefill ending in reasoning: the breakpoint goes on the block before it.
    let request = ChatRequest::new(
        "claude-sonnet-4-5",
        vec![
            ChatMessage::user("Hi"),
            ChatMessage::assistant(vec![
                Part::text("Hello"),
                Part::Thinking {
                    thinking: "t".into(),
                    signature: Some("c2ln".into()),
                    provider: None,
                },
            ]),
        ],
    )
    .with_cache(CacheControl::new());
    let http = build(P, &request, None).unwrap();
    let turn = &http.body["messages"][1]["content"];
    assert_eq!(turn[0]["cache_control"], json!({"type": "ephemeral"}));
    assert_eq!(turn[1].get("cache_control"), None);
    // Part::with_cache leaves reasoning parts as they are.
    let thinking = Part::Thinking {
        thinking: "t".into(),
        signature: None,
        provider: None,
    };
    assert_eq!(thinking.clone().with_cache(CacheControl::new()), thinking);
}
