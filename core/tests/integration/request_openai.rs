//! OpenAI-compatible Chat Completions requests: exact requests as golden files, and the round
//! trip of recorded tool-call streams into the next request.

use crate::request_support;

use llm_sse_core::Provider;
use llm_sse_core::request::{
    ChatMessage, ChatRequest, Part, Reasoning, ReasoningEffort, Role, Tool, ToolChoice, build,
};
use request_support::{
    TEST_KEY, check, final_message, golden, with_breakpoints_everywhere, without_tool_call_ids,
};
use serde_json::json;

const P: Provider = Provider::OpenAi;

fn weather_tool() -> Tool {
    Tool::new(
        "get_weather",
        "Current weather for a city",
        json!({"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}),
    )
}

#[test]
fn system_messages_stay_in_place_and_images_are_data_urls() {
    let request = ChatRequest::new(
        "gpt-4o",
        vec![
            ChatMessage::system("You are terse."),
            ChatMessage::user("Hi."),
            ChatMessage::assistant("Hello."),
            ChatMessage::system("From now on, answer in French."),
            ChatMessage::user(vec![
                Part::text("What is this?"),
                Part::image("image/png", "iVBORw0KGgo="),
            ]),
        ],
    )
    .with_max_tokens(1024)
    .with_temperature(1.5)
    .with_top_p(0.9)
    .with_stop(["END", "STOP"]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "system_and_images", &http);
    let roles: Vec<_> = http.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "system", "user"]);
    assert_eq!(
        http.body["messages"][4]["content"][1],
        json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}})
    );
    assert_eq!(http.headers.get("authorization"), Some("Bearer test-key"));
    assert_eq!(http.body["max_completion_tokens"], 1024);
    assert_eq!(http.body["stream_options"], json!({"include_usage": true}));
}

#[test]
fn tools_and_each_tool_choice() {
    let request = ChatRequest::new("gpt-4o", vec![ChatMessage::user("Weather in Paris?")])
        .with_tools(vec![weather_tool()])
        .with_tool_choice(ToolChoice::Required);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "tools", &http);
    for (choice, expected) in [
        (ToolChoice::Auto, json!("auto")),
        (ToolChoice::None, json!("none")),
        (ToolChoice::Required, json!("required")),
        (
            ToolChoice::Tool("get_weather".into()),
            json!({"type": "function", "function": {"name": "get_weather"}}),
        ),
    ] {
        let http = build(P, &request.clone().with_tool_choice(choice), None).unwrap();
        assert_eq!(http.body["tool_choice"], expected);
    }
}

#[test]
fn recorded_parallel_tool_calls_round_trip() {
    let reply = final_message(P, "parallel_tool_calls");
    let results: Vec<ChatMessage> = reply
        .tool_calls()
        .enumerate()
        .map(|(i, call)| {
            if i == 0 {
                ChatMessage::tool_result(call, "18 °C")
            } else {
                ChatMessage::tool_error(call, "weather service unavailable")
            }
        })
        .collect();
    let mut messages = vec![
        ChatMessage::system("You are a weather bot."),
        ChatMessage::user("Weather in Paris and Tokyo?"),
        reply.into(),
    ];
    messages.extend(results);
    let request = ChatRequest::new("gpt-4o", messages).with_tools(vec![weather_tool()]);
    let http = build(P, &request, Some(TEST_KEY)).unwrap();
    check(P, &http).unwrap();
    golden(P, "parallel_tool_calls_round_trip", &http);
    let messages = http.body["messages"].as_array().unwrap();
    assert_eq!(messages[2]["content"], json!(null));
    assert_eq!(
        messages[2]["tool_calls"][0],
        json!({"id": "call_Qm3XbA9LrT2pV7kY1sDw8nHe", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris, France\"}"}})
    );
    assert_eq!(
        messages[3],
        json!({"role": "tool", "tool_call_id": "call_Qm3XbA9LrT2pV7kY1sDw8nHe", "content": "18 °C"})
    );
    assert_eq!(messages[4]["tool_call_id"], "call_Zr8KcN4wPq6sT1vB3mYx0aLf");
    assert_eq!(messages[4]["content"], "weather service unavailable");
}

#[test]
fn a_legacy_function_call_without_id_gets_a_derived_id() {
    // The functions API gives the call no id: the stream gives it `call_<chunk id>_<index>`.
    let reply = final_message(P, "legacy_function_call");
    let call = reply.tool_calls().next().unwrap().clone();
    let derived = "call_chatcmpl-CXtCpO6iU8yT0rE2wQ4aS6dF8gH0_0";
    assert_eq!(call.id.as_deref(), Some(derived));
    let request = |reply: llm_sse_core::Message| {
        let call = reply.tool_calls().next().unwrap().clone();
        ChatRequest::new(
            "gpt-4o",
            vec![
                ChatMessage::user("Weather in Oslo?"),
                reply.into(),
                ChatMessage::tool_result(&call, "-3 °C"),
            ],
        )
    };
    let http = build(P, &request(reply.clone()), None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(http.body["messages"][1]["tool_calls"][0]["id"], derived);
    assert_eq!(http.body["messages"][2]["tool_call_id"], derived);
    // A call with no id at all gets `call_{m}_{p}` from the builder.
    let http = build(P, &request(without_tool_call_ids(reply)), None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(http.body["messages"][1]["tool_calls"][0]["id"], "call_1_0");
    assert_eq!(http.body["messages"][2]["tool_call_id"], "call_1_0");
}

#[test]
fn reasoning_is_not_sent_back_and_an_assistant_turn_of_only_reasoning_is_dropped() {
    let reply = final_message(P, "reasoning_content");
    let mut request = ChatRequest::new(
        "deepseek-reasoner",
        vec![
            ChatMessage::user("9.11 or 9.9?"),
            reply.into(),
            ChatMessage::user("Why?"),
        ],
    );
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    let assistant = &http.body["messages"][1];
    assert_eq!(assistant["role"], "assistant");
    assert!(assistant["content"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        assistant.as_object().unwrap().len(),
        2,
        "role and content only"
    );

    request.messages[1] = ChatMessage::assistant(vec![Part::Thinking {
        thinking: "hmm".into(),
        signature: None,
        provider: None,
    }]);
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(http.body["messages"].as_array().unwrap().len(), 2);
}

/// A Gemini turn (two get_weather calls Gemini gave no id) and its answers, for `gpt-4o`.
fn gemini_turn(reply: llm_sse_core::Message) -> ChatRequest {
    let results: Vec<ChatMessage> = reply
        .tool_calls()
        .map(|call| ChatMessage::tool_result(call, format!("{}", call.arguments["location"])))
        .collect();
    let mut messages = vec![ChatMessage::user("Paris and Tokyo?"), reply.into()];
    messages.extend(results);
    ChatRequest::new("gpt-4o", messages)
}

#[test]
fn tool_results_answer_gemini_calls_by_their_derived_ids() {
    // Continued on an OpenAI-compatible server: the calls keep the ids the stream gave them.
    let http = build(
        P,
        &gemini_turn(final_message(Provider::Gemini, "function_call")),
        None,
    )
    .unwrap();
    check(P, &http).unwrap();
    golden(P, "gemini_turn", &http);
    let m = http.body["messages"].as_array().unwrap();
    let (first, second) = (
        "call_Ze3AcR4mJb5Yb9KRmr-w4SO_0",
        "call_Ze3AcR4mJb5Yb9KRmr-w4SO_1",
    );
    assert_eq!(m[1]["tool_calls"][0]["id"], first);
    assert_eq!(m[1]["tool_calls"][1]["id"], second);
    assert_eq!(
        (&m[2]["tool_call_id"], &m[2]["content"]),
        (&json!(first), &json!("\"Paris\""))
    );
    assert_eq!(
        (&m[3]["tool_call_id"], &m[3]["content"]),
        (&json!(second), &json!("\"Tokyo\""))
    );
}

#[test]
fn tool_results_answer_calls_without_ids_by_name() {
    // The same turn with no ids: results find their calls by name, and both get `call_{m}_{p}`.
    let reply = without_tool_call_ids(final_message(Provider::Gemini, "function_call"));
    let http = build(P, &gemini_turn(reply), None).unwrap();
    check(P, &http).unwrap();
    let m = http.body["messages"].as_array().unwrap();
    assert_eq!(m[1]["tool_calls"][0]["id"], "call_1_0");
    assert_eq!(m[1]["tool_calls"][1]["id"], "call_1_2");
    assert_eq!(
        (&m[2]["tool_call_id"], &m[2]["content"]),
        (&json!("call_1_0"), &json!("\"Paris\""))
    );
    assert_eq!(
        (&m[3]["tool_call_id"], &m[3]["content"]),
        (&json!("call_1_2"), &json!("\"Tokyo\""))
    );
}

#[test]
fn tool_results_with_text_parts() {
    let request = ChatRequest::new(
        "gpt-4o",
        vec![
            ChatMessage::user("List files"),
            ChatMessage::assistant(vec![Part::tool_call(Some("c1".into()), "ls", json!({}))]),
            ChatMessage::new(
                Role::Tool,
                vec![Part::tool_result(
                    "c1",
                    vec![Part::text("a.txt"), Part::text("b.txt")],
                )],
            ),
        ],
    );
    let http = build(P, &request, None).unwrap();
    check(P, &http).unwrap();
    assert_eq!(
        http.body["messages"][2]["content"],
        json!([{"type": "text", "text": "a.txt"}, {"type": "text", "text": "b.txt"}])
    );
}

#[test]
fn reasoning_settings_map_to_reasoning_effort() {
    let base = ChatRequest::new("o4-mini", vec![ChatMessage::user("Think.")]);
    let effort = |r: Reasoning| {
        build(P, &base.clone().with_reasoning(r), None)
            .unwrap()
            .body["reasoning_effort"]
            .clone()
    };
    assert_eq!(
        effort(Reasoning::effort(ReasoningEffort::Minimal)),
        "minimal"
    );
    assert_eq!(effort(Reasoning::effort(ReasoningEffort::High)), "high");
    assert_eq!(effort(Reasoning::budget(0)), "none");
    assert_eq!(effort(Reasoning::budget(1024)), "low");
    assert_eq!(effort(Reasoning::budget(1025)), "medium");
    assert_eq!(effort(Reasoning::budget(8192)), "medium");
    assert_eq!(effort(Reasoning::budget(8193)), "high");
    // Both set: OpenAI takes the effort.
    let both = Reasoning::effort(ReasoningEffort::Low).with_budget_tokens(30000);
    assert_eq!(effort(both), "low");
}

#[test]
fn provider_options_can_rename_max_tokens_for_older_servers() {
    let request = ChatRequest::new("llama3", vec![ChatMessage::user("Hi")])
        .with_max_tokens(100)
        .with_provider_options(json!({
            "max_tokens": 100,
            "max_completion_tokens": null,
            "stream_options": null,
            "seed": 7,
        }));
    let http = build(P, &request, None).unwrap();
    golden(P, "provider_options", &http);
    assert_eq!(http.body["max_tokens"], 100);
    assert_eq!(http.body.get("max_completion_tokens"), None);
    assert_eq!(http.body.get("stream_options"), None);
    assert_eq!(http.body["seed"], 7);
    assert_eq!(http.headers.get("authorization"), None);
    assert_eq!(
        http.url("http://localhost:11434/v1"),
        "http://localhost:11434/v1/chat/completions"
    );
}

/// OpenAI caches prompts automatically: the breakpoints, however many, change nothing in the body.
#[test]
fn cache_breakpoints_are_ignored_as_openai_caches_by_itself() {
    let plain = ChatRequest::new(
        "gpt-4.1-mini",
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
