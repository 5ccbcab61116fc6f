//! Anthropic Messages requests: exact requests as golden files, and the round trip of recorded
//! tool-use and thinking streams into the next request.

mod request_support;

use llm_sse_core::Provider;
use llm_sse_core::request::{
    ChatMessage, ChatRequest, Part, Reasoning, ReasoningEffort, Tool, ToolChoice, build,
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
