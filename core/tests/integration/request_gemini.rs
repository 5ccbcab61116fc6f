//! Gemini `streamGenerateContent` requests: exact requests as golden files, and the round trip
//! of recorded function-call and thinking streams into the next request.

use crate::request_support;

use llm_sse_core::Provider;
use llm_sse_core::request::{
    ChatMessage, ChatRequest, Part, Reasoning, ReasoningEffort, RequestError, Role, Tool,
    ToolChoice, build,
};
use request_support::{
    TEST_KEY, check, final_message, golden, with_breakpoints_everywhere, without_tool_call_ids,
};
use serde_json::json;

const P: Provider = Provider::Gemini;

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string"}}, "required": ["location"], "additionalProperties": false}),
    )
}

#[test]
fn system_instruction_roles_and_generation_config() {
    let request = ChatRequest::new(
        "gemini-2.5-flash",
        vec![
            ChatMessage::system("You are terse."),
            ChatMessage::user("Hi."),
            ChatMessage::assistant("Hello."),
            ChatMessage::system("Answer in French."),
            ChatMessage::user(vec![
                Part::text("What is this?"),
                Part::image("image/webp", "UklGRg=="),
            ]),
            ChatMessage::user("Be precise."),
        ],
    )
    .with_max_tokens(1024)
    .with_temperature(1.2)
    .with_top_p(0.9)
    .with_stop(["END"]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "system_and_config", &http);
    assert_eq!(
        http.path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(http.headers.get("x-goog-api-key"), Some(TEST_KEY));
    assert_eq!(
        http.body["systemInstruction"],
        json!({"parts": [{"text": "You are terse."}, {"text": "Answer in French."}]})
    );
    let contents = http.body["contents"].as_array().unwrap();
    let roles: Vec<_> = contents
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "model", "user"]);
    assert_eq!(
        contents[2]["parts"][1],
        json!({"inlineData": {"mimeType": "image/webp", "data": "UklGRg=="}})
    );
    assert_eq!(
        http.body["generationConfig"],
        json!({"maxOutputTokens": 1024, "temperature": 1.2, "topP": 0.9, "stopSequences": ["END"]})
    );
    assert_eq!(
        http.url(Provider::Gemini.default_base_url()),
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
}

#[test]
fn model_names_in_the_path() {
    let path = |model: &str| {
        build(
            P,
            &ChatRequest::new(model, vec![ChatMessage::user("Hi")]),
            None,
        )
        .map(|h| h.path)
    };
    assert_eq!(
        path("models/gemini-2.5-pro").unwrap(),
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        path("tunedModels/my-model-1").unwrap(),
        "/v1beta/tunedModels/my-model-1:streamGenerateContent?alt=sse"
    );
    for bad in [
        "gemini 2.5",
        "../admin",
        "a?alt=json",
        "models/x:generateContent",
        "a#b",
    ] {
        assert!(
            matches!(path(bad), Err(RequestError::InvalidModel { .. })),
            "{bad}"
        );
    }
}

#[test]
fn tools_and_each_tool_choice() {
    let request = ChatRequest::new("gemini-2.5-flash", vec![ChatMessage::user("Weather?")])
        .with_tools(vec![weather_tool()])
        .with_tool_choice(ToolChoice::Tool("get_weather".into()));
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "tools", &http);
    for (choice, expected) in [
        (ToolChoice::Auto, json!({"mode": "AUTO"})),
        (ToolChoice::None, json!({"mode": "NONE"})),
        (ToolChoice::Required, json!({"mode": "ANY"})),
        (
            ToolChoice::Tool("get_weather".into()),
            json!({"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
        ),
    ] {
        let http = build(P, &request.clone().with_tool_choice(choice), None).unwrap();
        assert_eq!(
            http.body["toolConfig"],
            json!({"functionCallingConfig": expected})
        );
    }
}

/// The request for the recorded Gemini turn `reply` (two `get_weather` calls) and its answers.
fn weather_round_trip(reply: llm_sse_core::Message) -> ChatRequest {
    let results: Vec<ChatMessage> = reply
        .tool_calls()
        .map(|call| {
            let city = call.arguments["location"].as_str().unwrap_or_default();
            ChatMessage::tool_result(call, format!("{city}: 18 °C"))
        })
        .collect();
    let mut messages = vec![
        ChatMessage::user("Weather in Paris and Tokyo?"),
        reply.into(),
    ];
    messages.extend(results);
    ChatRequest::new("gemini-2.5-flash", messages).with_tools(vec![weather_tool()])
}

#[test]
fn recorded_function_calls_without_provider_ids_go_back_with_their_derived_ids() {
    // Gemini gave the calls no id; the stream gave them `call_<responseId>_<index>` (the wire
    // contract's id, which a frontend answers with). The Gemini API takes an `id` on both
    // `functionCall` and `functionResponse` (optional, "populated by the client to match the
    // corresponding function call id"), so they go back with it, and match exactly.
    let reply = final_message(P, "function_call");
    let ids: Vec<_> = reply.tool_calls().map(|c| c.id.clone()).collect();
    assert_eq!(
        ids,
        [
            Some("call_Ze3AcR4mJb5Yb9KRmr-w4SO_0".to_string()),
            Some("call_Ze3AcR4mJb5Yb9KRmr-w4SO_1".to_string())
        ]
    );
    let http = build(P, &weather_round_trip(reply), Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "function_call_round_trip", &http);
    let contents = http.body["contents"].as_array().unwrap();
    // The thought signature goes back on the functionCall part it came with.
    assert_eq!(
        contents[1],
        json!({"role": "model", "parts": [
            {"functionCall": {"id": "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0", "name": "get_weather", "args": {"location": "Paris", "unit": "celsius"}},
             "thoughtSignature": "CiIB0e2Kbx9vT3mQ8sU1wY5aC7eG9iK1mO3qS5uW7yA9cE"},
            {"functionCall": {"id": "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1", "name": "get_weather", "args": {"location": "Tokyo", "unit": "celsius"}}},
        ]})
    );
    assert_eq!(
        contents[2],
        json!({"role": "user", "parts": [
            {"functionResponse": {"id": "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0", "name": "get_weather", "response": {"output": "Paris: 18 °C"}}},
            {"functionResponse": {"id": "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1", "name": "get_weather", "response": {"output": "Tokyo: 18 °C"}}},
        ]})
    );
}

#[test]
fn function_calls_without_ids_are_answered_by_name() {
    // The same turn with no ids at all: nothing is made up for Gemini, which then matches the
    // answers by name and order.
    let reply = without_tool_call_ids(final_message(P, "function_call"));
    let http = build(P, &weather_round_trip(reply), Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    let contents = http.body["contents"].as_array().unwrap();
    assert_eq!(
        contents[1],
        json!({"role": "model", "parts": [
            {"functionCall": {"name": "get_weather", "args": {"location": "Paris", "unit": "celsius"}},
             "thoughtSignature": "CiIB0e2Kbx9vT3mQ8sU1wY5aC7eG9iK1mO3qS5uW7yA9cE"},
            {"functionCall": {"name": "get_weather", "args": {"location": "Tokyo", "unit": "celsius"}}},
        ]})
    );
    assert_eq!(
        contents[2],
        json!({"role": "user", "parts": [
            {"functionResponse": {"name": "get_weather", "response": {"output": "Paris: 18 °C"}}},
            {"functionResponse": {"name": "get_weather", "response": {"output": "Tokyo: 18 °C"}}},
        ]})
    );
}

#[test]
fn recorded_function_calls_with_ids_keep_them() {
    let reply = final_message(P, "function_call_with_id");
    let calls: Vec<_> = reply.tool_calls().cloned().collect();
    let mut messages = vec![ChatMessage::user("Time, then docs?"), reply.into()];
    messages.push(ChatMessage::tool_result(&calls[0], "12:00"));
    messages.push(ChatMessage::tool_error(&calls[1], "index offline"));
    let tools = vec![
        Tool::new("get_current_time", "Now", json!({"type": "object"})),
        Tool::new("search_docs", "Search", json!({"type": "object"})),
    ];
    let request = ChatRequest::new("gemini-2.5-flash", messages).with_tools(tools);
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    let contents = http.body["contents"].as_array().unwrap();
    assert_eq!(contents[1]["parts"][0]["functionCall"]["id"], "fc_8d2e1b7a");
    assert_eq!(contents[1]["parts"][0]["functionCall"]["args"], json!({}));
    assert_eq!(
        contents[2]["parts"],
        json!([
            {"functionResponse": {"id": "fc_8d2e1b7a", "name": "get_current_time", "response": {"output": "12:00"}}},
            {"functionResponse": {"id": "fc_3c9f0a6d", "name": "search_docs", "response": {"error": "index offline"}}},
        ])
    );
}

#[test]
fn recorded_thoughts_round_trip_with_the_signature_on_its_part() {
    let reply = final_message(P, "thoughts");
    let request = ChatRequest::new(
        "gemini-2.5-flash",
        vec![
            ChatMessage::user("9.11 or 9.9?"),
            reply.into(),
            ChatMessage::user("Sure?"),
        ],
    )
    .with_reasoning(Reasoning::budget(2048));
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    golden(P, "thoughts_round_trip", &http);
    let parts = &http.body["contents"][1]["parts"];
    assert_eq!(parts[0]["thought"], true);
    assert!(
        parts[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("**Evaluating")
    );
    assert_eq!(
        parts[1],
        json!({"text": "9.9 is larger than 9.11.",
               "thoughtSignature": "CiQB0e2Kb7pX3m9vQ1sT8uY4wZ6aC2eG5iK7mO9qS1uW3yA5cE7gJ0kM2o"})
    );
    assert_eq!(parts.as_array().unwrap().len(), 2);
    assert_eq!(
        http.body["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 2048, "includeThoughts": true})
    );
}

#[test]
fn anthropic_reasoning_stays_out_of_gemini() {
    let reply = final_message(Provider::Anthropic, "thinking");
    let request = ChatRequest::new(
        "gemini-2.5-flash",
        vec![
            ChatMessage::user("27 × 453?"),
            reply.into(),
            ChatMessage::user("Thanks"),
        ],
    );
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(
        http.body["contents"][1]["parts"],
        json!([{"text": "27 × 453 = **12,231**."}])
    );
}

#[test]
fn a_signature_with_no_part_before_it_keeps_an_empty_text_part() {
    let request = ChatRequest::new(
        "gemini-2.5-flash",
        vec![
            ChatMessage::user("Hi"),
            ChatMessage::assistant(vec![
                Part::Thinking {
                    thinking: String::new(),
                    signature: Some("c2ln".into()),
                    provider: Some(Provider::Gemini),
                },
                Part::text("Hello"),
            ]),
            ChatMessage::user("Bye"),
        ],
    );
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(
        http.body["contents"][1]["parts"],
        json!([{"text": "", "thoughtSignature": "c2ln"}, {"text": "Hello"}])
    );
}

#[test]
fn reasoning_settings_map_to_thinking_config() {
    let base = ChatRequest::new("gemini-2.5-flash", vec![ChatMessage::user("Think.")]);
    let config = |r: Reasoning| {
        build(P, &base.clone().with_reasoning(r), None)
            .unwrap()
            .body["generationConfig"]["thinkingConfig"]
            .clone()
    };
    for (effort, budget) in [
        (ReasoningEffort::Minimal, 512),
        (ReasoningEffort::Low, 1024),
        (ReasoningEffort::Medium, 8192),
        (ReasoningEffort::High, 24576),
    ] {
        assert_eq!(
            config(Reasoning::effort(effort)),
            json!({"thinkingBudget": budget, "includeThoughts": true})
        );
    }
    let off = json!({"thinkingBudget": 0, "includeThoughts": false});
    assert_eq!(config(Reasoning::effort(ReasoningEffort::None)), off);
    assert_eq!(config(Reasoning::budget(0)), off);
    // Both set: Gemini takes the budget.
    let both = Reasoning::effort(ReasoningEffort::High).with_budget_tokens(300);
    assert_eq!(config(both)["thinkingBudget"], 300);
}

#[test]
fn tool_results_join_text_parts_and_refuse_images() {
    let call = Part::tool_call(None, "ls", json!({}));
    let result = |content: Vec<Part>| {
        ChatRequest::new(
            "gemini-2.5-flash",
            vec![
                ChatMessage::user("ls"),
                ChatMessage::assistant(vec![call.clone()]),
                ChatMessage::new(
                    Role::Tool,
                    vec![Part::ToolResult {
                        call_id: None,
                        name: Some("ls".into()),
                        content: content.into(),
                        is_error: false,
                        cache: None,
                    }],
                ),
            ],
        )
    };
    let http = build(
        P,
        &result(vec![Part::text("a.txt"), Part::text("b.txt")]),
        None,
    )
    .unwrap();
    check(P, &http).unwrap();
    assert_eq!(
        http.body["contents"][2]["parts"][0]["functionResponse"]["response"],
        json!({"output": "a.txt\nb.txt"})
    );
    let err = build(P, &result(vec![Part::image("image/png", "QUJD")]), None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "messages[2].content[0]: gemini does not accept image parts here"
    );
}

#[test]
fn provider_options_merge_into_nested_objects() {
    let request = ChatRequest::new("gemini-2.5-flash", vec![ChatMessage::user("Hi")])
        .with_temperature(0.3)
        .with_reasoning(Reasoning::effort(ReasoningEffort::Low))
        .with_provider_options(json!({
            "generationConfig": {"topK": 40, "thinkingConfig": {"includeThoughts": false}},
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        }));
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    golden(P, "provider_options", &http);
    assert_eq!(
        http.body["generationConfig"],
        json!({"temperature": 0.3, "topK": 40,
               "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": false}})
    );
}

/// Gemini's implicit caching: the breakpoints, however many, change nothing in the body.
#[test]
fn cache_breakpoints_are_ignored_as_gemini_caches_by_itself() {
    let plain = ChatRequest::new(
        "gemini-2.5-flash",
        vec![
            ChatMessage::system("Long instructions."),
            ChatMessage::user(vec![Part::text("Look:"), Part::image("image/png", "QUJD")]),
            ChatMessage::assistant(vec![
                Part::text("Checking."),
                Part::tool_call(
                    Some("call_1".into()),
                    "get_weather",
                    json!({"location": "Paris"}),
                ),
            ]),
            ChatMessage::new(
                Role::Tool,
                vec![Part::tool_result("call_1", vec![Part::text("18 °C")])],
            ),
            ChatMessage::user("Thanks."),
        ],
    )
    .with_tools(vec![weather_tool()]);
    let cached = with_breakpoints_everywhere(plain.clone());
    assert_ne!(cached, plain);
    let http = build(P, &cached, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    assert_eq!(http.body, build(P, &plain, Some(TEST_KEY)).unwrap().body);
    // Anthropic would refuse this many.
    assert!(build(Provider::Anthropic, &cached, None).is_err());
}
