//! `dialect::anthropic::decode_request`: every field of a Messages request, mapped, passed
//! through or refused with a `400` naming it; validation errors in the client's terms.

use llm_sse_core::Provider;
use llm_sse_core::dialect::{Dialect, DialectRequest, ErrorKind, anthropic};
use llm_sse_core::request::{
    CacheControl, CacheTtl, ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort,
    Role, Tool, ToolChoice, build,
};
use serde_json::{Value, json};

fn decode(body: Value) -> DialectRequest {
    anthropic::decode_request(body.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{e}\nbody: {body}"))
}

/// A request with `extra` fields merged into `{"model":"m","messages":[user "Hi"]}`.
fn with(extra: Value) -> Value {
    let mut body = json!({"model": "m", "messages": [{"role": "user", "content": "Hi"}]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The refusal of `body`: kind, field and message.
fn refused(body: Value) -> (ErrorKind, String, String) {
    match anthropic::decode_request(body.to_string().as_bytes()) {
        Ok(r) => panic!("accepted: {body}\n{r:?}"),
        Err(e) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.dialect, Dialect::Anthropic);
            assert_eq!(e.error_type, "invalid_request_error");
            (e.kind, e.param.unwrap_or_default(), e.message)
        }
    }
}

/// A request whose one user turn holds `blocks`.
fn user_blocks(blocks: Value) -> Value {
    with(json!({"messages": [{"role": "user", "content": blocks}]}))
}

/// A request whose second turn is an assistant turn holding `blocks`.
fn assistant_blocks(blocks: Value) -> Value {
    with(json!({"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": blocks}
    ]}))
}

#[test]
fn a_minimal_request() {
    let r = decode(with(json!({})));
    assert_eq!((r.dialect, r.model.as_str()), (Dialect::Anthropic, "m"));
    assert_eq!(r.chat, ChatRequest::new("m", vec![ChatMessage::user("Hi")]));
    assert!(!r.stream && !r.include_usage);
    assert!(r.passthrough.is_empty());
    assert!(decode(with(json!({"stream": true}))).stream);
}

#[test]
fn sampling_fields() {
    let r = decode(with(json!({
        "max_tokens": 1024, "temperature": 0.5, "top_p": 0.9, "stop_sequences": ["\n\nHuman:"]
    })));
    assert_eq!(r.chat.max_tokens, Some(1024));
    assert_eq!(r.chat.temperature, Some(0.5));
    assert_eq!(r.chat.top_p, Some(0.9));
    assert_eq!(r.chat.stop, ["\n\nHuman:"]);
}

#[test]
fn system_prompts_as_a_string_or_text_blocks() {
    let r = decode(with(json!({"system": "Be brief."})));
    assert_eq!(r.chat.messages[0], ChatMessage::system("Be brief."));
    let r = decode(with(json!({"system": [
        {"type": "text", "text": "One."}, {"type": "text", "text": "Two."}
    ]})));
    assert_eq!(
        r.chat.messages[0],
        ChatMessage::system(vec![Part::text("One."), Part::text("Two.")])
    );
    assert_eq!(r.chat.messages[1], ChatMessage::user("Hi"));
}

#[test]
fn user_turns_split_into_tool_results_and_the_rest_in_order() {
    let r = decode(with(json!({
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "Look"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Two tools.", "signature": "sig-1"},
                {"type": "redacted_thinking", "data": "opaque"},
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
                {"type": "tool_use", "id": "toolu_2", "name": "g"}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "one"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "is_error": true, "content": [
                    {"type": "text", "text": "failed"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
                ]},
                {"type": "text", "text": "And now?"}
            ]},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": ""}, {"type": "text", "text": "x"}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9"}]}
        ],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}, {"name": "g", "input_schema": {"type": "object"}}]
    })));
    let roles: Vec<Role> = r.chat.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::User,
            Role::Assistant,
            Role::Tool
        ]
    );
    assert_eq!(
        r.chat.messages[0].content,
        Content::Parts(vec![
            Part::text("Look"),
            Part::image("image/jpeg", "/9j/4AAQ")
        ])
    );
    assert_eq!(
        r.chat.messages[1].content,
        Content::Parts(vec![
            Part::Thinking {
                thinking: "Two tools.".into(),
                signature: Some("sig-1".into()),
                provider: None,
            },
            Part::RedactedThinking {
                data: "opaque".into(),
                provider: None,
            },
            Part::text("Checking."),
            Part::tool_call(Some("toolu_1".into()), "f", json!({"a": 1})),
            Part::tool_call(Some("toolu_2".into()), "g", json!({})),
        ])
    );
    let Content::Parts(results) = &r.chat.messages[2].content else {
        panic!("parts");
    };
    assert_eq!(results[0], Part::tool_result("toolu_1", "one"));
    let Part::ToolResult {
        call_id,
        content,
        is_error,
        ..
    } = &results[1]
    else {
        panic!("a tool result");
    };
    assert_eq!((call_id.as_deref(), *is_error), (Some("toolu_2"), true));
    assert_eq!(
        content,
        &Content::Parts(vec![
            Part::text("failed"),
            Part::image("image/png", "iVBORw0KGgo=")
        ])
    );
    assert_eq!(
        r.chat.messages[3].content,
        Content::Parts(vec![Part::text("And now?")])
    );
    // An empty signature means none.
    let Content::Parts(parts) = &r.chat.messages[4].content else {
        panic!("parts");
    };
    assert!(matches!(
        &parts[0],
        Part::Thinking {
            signature: None,
            ..
        }
    ));
    // A tool result without content is an empty one.
    assert_eq!(
        r.chat.messages[5].content,
        Content::Parts(vec![Part::tool_result("toolu_9", "")])
    );
}

#[test]
fn text_before_tool_results_keeps_its_place() {
    let r = decode(user_blocks(json!([
        {"type": "text", "text": "a"},
        {"type": "tool_result", "tool_use_id": "t", "content": "r"},
        {"type": "text", "text": "b"}
    ])));
    let roles: Vec<Role> = r.chat.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Tool, Role::User]);
}

#[test]
fn tools_and_tool_choice() {
    let r = decode(with(json!({
        "tools": [
            {"name": "f", "description": "does f", "input_schema": {"type": "object", "properties": {}}},
            {"type": "custom", "name": "g", "input_schema": {"type": "object"}}
        ],
        "tool_choice": {"type": "tool", "name": "g"}
    })));
    let mut g = Tool::new("g", "", json!({"type": "object"}));
    g.description = None;
    assert_eq!(
        r.chat.tools,
        vec![
            Tool::new("f", "does f", json!({"type": "object", "properties": {}})),
            g
        ]
    );
    assert_eq!(r.chat.tool_choice, Some(ToolChoice::Tool("g".into())));
    for (kind, choice) in [
        ("auto", ToolChoice::Auto),
        ("any", ToolChoice::Required),
        ("none", ToolChoice::None),
    ] {
        let r = decode(with(
            json!({"tool_choice": {"type": kind, "disable_parallel_tool_use": false}}),
        ));
        assert_eq!(r.chat.tool_choice, Some(choice));
        assert!(r.passthrough.is_empty());
    }
}

#[test]
fn thinking_and_effort() {
    let reasoning = |extra: Value| decode(with(extra)).chat.reasoning;
    assert_eq!(
        reasoning(json!({"thinking": {"type": "enabled", "budget_tokens": 2048}})),
        Some(Reasoning::budget(2048))
    );
    assert_eq!(
        reasoning(json!({"thinking": {"type": "disabled"}})),
        Some(Reasoning::budget(0))
    );
    assert_eq!(
        reasoning(json!({"thinking": {"type": "adaptive"}})),
        Some(Reasoning::effort(ReasoningEffort::High))
    );
    for (name, effort) in [
        ("low", ReasoningEffort::Low),
        ("medium", ReasoningEffort::Medium),
        ("high", ReasoningEffort::High),
    ] {
        assert_eq!(
            reasoning(json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": name}})),
            Some(Reasoning::effort(effort))
        );
    }
    assert_eq!(reasoning(json!({"thinking": null})), None);
}

#[test]
fn wrong_values_name_their_field() {
    let cases = [
        (json!({"max_tokens": -5}), "max_tokens"),
        (json!({"temperature": "0.5"}), "temperature"),
        (json!({"stop_sequences": "END"}), "stop_sequences"),
        (json!({"stop_sequences": [1]}), "stop_sequences[0]"),
        (json!({"system": 1}), "system"),
        (
            json!({"system": [{"type": "image", "source": {}}]}),
            "system[0].type",
        ),
        (
            json!({"messages": [{"role": "system", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"messages": [{"role": "user", "content": 1}]}),
            "messages[0].content",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": {}}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": [{"type": "tool_result", "tool_use_id": "a"}]}]}),
            "messages[1].content[0].type",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "sticker"}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"tool_choice": {"type": "maybe"}}),
            "tool_choice.type",
        ),
        (
            json!({"tool_choice": {"type": "auto", "name": "f"}}),
            "tool_choice.name",
        ),
        (json!({"tool_choice": "auto"}), "tool_choice"),
        (json!({"thinking": {"type": "on"}}), "thinking.type"),
        (
            json!({"thinking": {"type": "enabled", "budget_tokens": 1.5}}),
            "thinking.budget_tokens",
        ),
    ];
    for (extra, param) in cases {
        let (kind, got, message) = refused(with(extra.clone()));
        assert_eq!(kind, ErrorKind::InvalidValue, "{extra}");
        assert_eq!(got, param, "{extra}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
}

#[test]
fn unsupported_fields_and_values_name_the_field() {
    let cases = [
        (with(json!({"container": "c"})), "container"),
        (with(json!({"mcp_servers": []})), "mcp_servers"),
        (
            with(json!({"context_management": {}})),
            "context_management",
        ),
        (
            user_blocks(
                json!([{"type": "text", "text": "x", "citations": [{"type": "char_location"}]}]),
            ),
            "messages[0].content[0].citations",
        ),
        (
            user_blocks(
                json!([{"type": "image", "source": {"type": "url", "url": "https://x/a.png"}}]),
            ),
            "messages[0].content[0].source.type",
        ),
        (
            user_blocks(json!([{"type": "document", "source": {}}])),
            "messages[0].content[0].type",
        ),
        (
            user_blocks(json!([{"type": "search_result", "source": "s"}])),
            "messages[0].content[0].type",
        ),
        (
            user_blocks(
                json!([{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "document"}]}]),
            ),
            "messages[0].content[0].content[0].type",
        ),
        (
            assistant_blocks(
                json!([{"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}]),
            ),
            "messages[1].content[0].type",
        ),
        (
            assistant_blocks(
                json!([{"type": "web_search_tool_result", "tool_use_id": "s", "content": []}]),
            ),
            "messages[1].content[0].type",
        ),
        (
            assistant_blocks(
                json!([{"type": "thinking", "thinking": "t", "signature": "s", "cache_control": {"type": "ephemeral"}}]),
            ),
            "messages[1].content[0].cache_control",
        ),
        (
            assistant_blocks(
                json!([{"type": "redacted_thinking", "data": "d", "cache_control": {"type": "ephemeral"}}]),
            ),
            "messages[1].content[0].cache_control",
        ),
        (
            with(
                json!({"tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]}),
            ),
            "tools[0].type",
        ),
        (
            with(json!({"output_config": {"format": {"type": "json_schema"}}})),
            "output_config.format",
        ),
        (
            with(json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "max"}})),
            "output_config.effort",
        ),
        (
            with(json!({"output_config": {"effort": "low"}})),
            "output_config.effort",
        ),
        (
            with(
                json!({"thinking": {"type": "enabled", "budget_tokens": 2048}, "output_config": {"effort": "low"}}),
            ),
            "output_config.effort",
        ),
    ];
    for (body, param) in cases {
        let (kind, got, message) = refused(body.clone());
        assert_eq!(kind, ErrorKind::Unsupported, "{body}");
        assert_eq!(got, param, "{body}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
    // null is "not set".
    let r = decode(with(json!({"cache_control": null, "container": null})));
    assert_eq!(r.chat, ChatRequest::new("m", vec![ChatMessage::user("Hi")]));
}

#[test]
fn unknown_fields_at_every_level_name_their_path() {
    let cases = [
        (with(json!({"top_j": 1})), "top_j"),
        (with(json!({"stop": ["x"]})), "stop"),
        (
            with(json!({"max_completion_tokens": 5})),
            "max_completion_tokens",
        ),
        (
            with(json!({"messages": [{"role": "user", "content": "x", "name": "ann"}]})),
            "messages[0].name",
        ),
        (
            with(json!({"system": [{"type": "text", "text": "s", "id": 1}]})),
            "system[0].id",
        ),
        (
            user_blocks(json!([{"type": "text", "text": "x", "extra": 1}])),
            "messages[0].content[0].extra",
        ),
        (
            user_blocks(
                json!([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA==", "url": "u"}}]),
            ),
            "messages[0].content[0].source.url",
        ),
        (
            user_blocks(json!([{"type": "tool_result", "tool_use_id": "t", "name": "f"}])),
            "messages[0].content[0].name",
        ),
        (
            assistant_blocks(
                json!([{"type": "tool_use", "id": "a", "name": "f", "input": {}, "caller": {}}]),
            ),
            "messages[1].content[0].caller",
        ),
        (
            assistant_blocks(
                json!([{"type": "thinking", "thinking": "t", "signature": "s", "x": 1}]),
            ),
            "messages[1].content[0].x",
        ),
        (
            assistant_blocks(json!([{"type": "redacted_thinking", "data": "d", "x": 1}])),
            "messages[1].content[0].x",
        ),
        (
            with(json!({"tools": [{"name": "f", "input_schema": {}, "strict": true}]})),
            "tools[0].strict",
        ),
        (
            with(json!({"tool_choice": {"type": "auto", "parallel": false}})),
            "tool_choice.parallel",
        ),
        (
            with(json!({"thinking": {"type": "enabled", "budget_tokens": 2048, "display": "x"}})),
            "thinking.display",
        ),
        (
            with(json!({"thinking": {"type": "disabled", "budget_tokens": 2048}})),
            "thinking.budget_tokens",
        ),
        (
            with(json!({"output_config": {"verbosity": "low"}})),
            "output_config.verbosity",
        ),
    ];
    for (body, param) in cases {
        let (kind, got, message) = refused(body.clone());
        assert_eq!(kind, ErrorKind::UnknownField, "{body}");
        assert_eq!(got, param, "{body}");
        assert!(
            message.starts_with(&format!("{param}: unknown field; expected one of ")),
            "{message}"
        );
    }
}

#[test]
fn missing_fields_name_their_path() {
    let cases = [
        (json!({"messages": []}), "model"),
        (json!({"model": "m"}), "messages"),
        (
            json!({"model": "m", "messages": [{"content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user"}]}),
            "messages[0].content",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]}),
            "messages[0].content[0].text",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]}),
            "messages[0].content[0].tool_use_id",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image"}]}]}),
            "messages[0].content[0].source",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "AA=="}}]}]}),
            "messages[0].content[0].source.media_type",
        ),
        (
            json!({"model": "m", "messages": [{"role": "assistant", "content": [{"type": "tool_use", "name": "f"}]}]}),
            "messages[0].content[0].id",
        ),
        (
            json!({"model": "m", "messages": [{"role": "assistant", "content": [{"type": "thinking", "signature": "s"}]}]}),
            "messages[0].content[0].thinking",
        ),
        (
            json!({"model": "m", "messages": [], "tools": [{"name": "f"}]}),
            "tools[0].input_schema",
        ),
        (
            json!({"model": "m", "messages": [], "tool_choice": {"type": "tool"}}),
            "tool_choice.name",
        ),
        (
            json!({"model": "m", "messages": [], "tool_choice": {}}),
            "tool_choice.type",
        ),
        (
            json!({"model": "m", "messages": [], "thinking": {"type": "enabled"}}),
            "thinking.budget_tokens",
        ),
    ];
    for (body, param) in cases {
        let (kind, got, message) = refused(body.clone());
        assert_eq!(kind, ErrorKind::MissingField, "{body}");
        assert_eq!(got, param, "{body}");
        assert_eq!(message, format!("{param}: missing required field"));
    }
}

#[test]
fn errors_in_anthropic_s_shape() {
    let e = anthropic::decode_request(b"not json").unwrap_err();
    assert_eq!((e.kind, e.param.as_deref()), (ErrorKind::InvalidJson, None));
    assert_eq!(
        String::from_utf8(e.to_body()).unwrap(),
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"the request body is not valid JSON: expected ident at line 1 column 2"}}"#
    );
}

#[test]
fn passthrough_fields_reach_anthropic_only() {
    let r = decode(with(json!({
        "top_k": 40, "metadata": {"user_id": "u-1"}, "service_tier": "auto",
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": true}
    })));
    assert_eq!(
        r.passthrough_fields(),
        [
            "top_k",
            "metadata",
            "service_tier",
            "tool_choice.disable_parallel_tool_use"
        ]
    );
    let chat = r
        .for_provider(Provider::Anthropic, "claude-sonnet-4-5")
        .unwrap();
    let body = build(Provider::Anthropic, &chat, Some("k")).unwrap().body;
    assert_eq!(body["top_k"], 40);
    assert_eq!(body["metadata"], json!({"user_id": "u-1"}));
    assert_eq!(body["service_tier"], "auto");
    assert_eq!(
        body["tool_choice"],
        json!({"type": "any", "disable_parallel_tool_use": true})
    );
    for provider in [Provider::OpenAi, Provider::Gemini] {
        let e = r.for_provider(provider, "x").unwrap_err();
        assert_eq!(
            (e.kind, e.param.as_deref()),
            (ErrorKind::Unsupported, Some("top_k"))
        );
    }
    let only_parallel = decode(with(json!({
        "tools": [{"name": "f", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": true}
    })));
    let e = only_parallel
        .for_provider(Provider::OpenAi, "x")
        .unwrap_err();
    assert_eq!(
        e.message,
        "tool_choice.disable_parallel_tool_use: is passed only to Anthropic models, not to OpenAI (model x)"
    );
}

#[test]
fn validation_errors_name_the_field_as_the_client_wrote_it() {
    let explain = |body: Value, provider: Provider| {
        let e = decode(body).for_provider(provider, "m").unwrap_err();
        assert_eq!((e.status, e.kind), (400, ErrorKind::InvalidRequest));
        (e.param.unwrap_or_default(), e.message)
    };
    // The system prompt is the request's message 0, and the user turn after the tool call is
    // split in two: the names are still the client's.
    let body = with(json!({
        "system": "s",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "a", "content": "r"},
                {"type": "tool_result", "tool_use_id": "zz", "content": "r"}
            ]}
        ],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}]
    }));
    let (param, message) = explain(body, Provider::Anthropic);
    assert_eq!(param, "messages[2].content[1]");
    assert!(message.starts_with("messages[2].content[1]: a tool result for call id \"zz\""));
    let body = with(json!({
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "not base64!"}}]}
        ]
    }));
    assert_eq!(
        explain(body, Provider::Gemini),
        (
            "messages[0].content[1]".into(),
            "messages[0].content[1]: data: must be non-empty standard base64 (no line breaks, no data: URL prefix)".into()
        )
    );
    let body = with(json!({"system": "s", "messages": [{"role": "user", "content": []}]}));
    assert_eq!(explain(body, Provider::OpenAi).0, "messages[0].content");
    let body = with(json!({"system": [{"type": "text", "text": ""}]}));
    assert_eq!(explain(body, Provider::OpenAi).0, "system[0]");
    let body = with(json!({"messages": [{"role": "assistant", "content": "a"}]}));
    assert_eq!(explain(body, Provider::Anthropic).0, "messages[0].role");
    for (extra, provider, param) in [
        (
            json!({"stop_sequences": ["a", ""]}),
            Provider::Anthropic,
            "stop_sequences[1]",
        ),
        (
            json!({"stop_sequences": ["a", "b", "c", "d", "e"]}),
            Provider::OpenAi,
            "stop_sequences",
        ),
        (json!({"max_tokens": 0}), Provider::Anthropic, "max_tokens"),
        (
            json!({"thinking": {"type": "enabled", "budget_tokens": 100}}),
            Provider::Anthropic,
            "thinking.budget_tokens",
        ),
        (
            json!({"max_tokens": 2000, "thinking": {"type": "enabled", "budget_tokens": 4000}}),
            Provider::Anthropic,
            "thinking.budget_tokens",
        ),
        (
            json!({"temperature": 1.5}),
            Provider::Anthropic,
            "temperature",
        ),
        (
            json!({"tools": [{"name": "f", "input_schema": []}]}),
            Provider::Anthropic,
            "tools[0]",
        ),
        (
            json!({"tool_choice": {"type": "tool", "name": "nope"}, "tools": [{"name": "f", "input_schema": {}}]}),
            Provider::Anthropic,
            "tool_choice",
        ),
    ] {
        let (got, message) = explain(with(extra.clone()), provider);
        assert_eq!(got, param, "{extra}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
}

#[test]
fn a_decoded_request_builds_like_the_native_one() {
    let r = decode(json!({
        "model": "anthropic/claude-sonnet-4-5", "max_tokens": 2048, "stream": true,
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Tool.", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"}]}
        ],
        "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "top_k": 5
    }));
    let chat = r
        .for_provider(Provider::Anthropic, "claude-sonnet-4-5")
        .unwrap();
    let body = build(Provider::Anthropic, &chat, None).unwrap().body;
    assert_eq!(
        body,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 2048,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "Tool.", "signature": "sig"},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
                ]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"}]}
            ],
            "system": [{"type": "text", "text": "Be brief."}],
            "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
            "thinking": {"type": "enabled", "budget_tokens": 1024},
            "stream": true,
            "top_k": 5
        })
    );
}

#[test]
fn cache_control_becomes_breakpoints_where_anthropic_takes_it() {
    let hour = json!({"type": "ephemeral", "ttl": "1h"});
    let five = json!({"type": "ephemeral", "ttl": "5m"});
    let plain = json!({"type": "ephemeral"});
    let image = |cache: &Value| json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}, "cache_control": cache});
    let r = decode(json!({
        "model": "m",
        "cache_control": plain,
        "system": [{"type": "text", "text": "s0"}, {"type": "text", "text": "s1", "cache_control": hour}],
        "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": hour}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "a", "cache_control": five}, image(&plain)]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "b", "cache_control": null},
                {"type": "tool_use", "id": "t", "name": "f", "input": {}, "cache_control": plain}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t", "cache_control": five,
                 "content": [{"type": "text", "text": "r", "cache_control": plain}, image(&hour)]}
            ]}
        ]
    }));
    let default = CacheControl::new();
    let hour = CacheControl::new().with_ttl(CacheTtl::OneHour);
    let five = CacheControl::new().with_ttl(CacheTtl::FiveMinutes);
    let expected = ChatRequest::new(
        "m",
        vec![
            ChatMessage::system(vec![Part::text("s0"), Part::text("s1").with_cache(hour)]),
            ChatMessage::user(vec![
                Part::text("a").with_cache(five),
                Part::image("image/png", "AA==").with_cache(default),
            ]),
            ChatMessage::assistant(vec![
                Part::text("b"),
                Part::tool_call(Some("t".into()), "f", json!({})).with_cache(default),
            ]),
            ChatMessage::new(
                Role::Tool,
                vec![
                    Part::tool_result(
                        "t",
                        vec![
                            Part::text("r").with_cache(default),
                            Part::image("image/png", "AA==").with_cache(hour),
                        ],
                    )
                    .with_cache(five),
                ],
            ),
        ],
    )
    .with_tools(vec![
        Tool::new("f", "", json!({"type": "object"})).with_cache(hour),
    ])
    .with_cache(default);
    let mut expected = expected;
    expected.tools[0].description = None;
    assert_eq!(r.chat, expected);
}

#[test]
fn a_request_with_breakpoints_builds_them_back_for_anthropic_and_ignores_them_elsewhere() {
    let body = json!({
        "model": "anthropic/claude-sonnet-4-5", "max_tokens": 1024,
        "system": [{"type": "text", "text": "A long contract.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Clause 7?", "cache_control": {"type": "ephemeral"}}]},
            {"role": "assistant", "content": "Termination."},
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}},
                {"type": "text", "text": "And this?"}
            ]}
        ],
        "cache_control": {"type": "ephemeral", "ttl": "5m"}
    });
    let r = decode(body);
    let chat = r
        .for_provider(Provider::Anthropic, "claude-sonnet-4-5")
        .unwrap();
    let built = build(Provider::Anthropic, &chat, None).unwrap().body;
    assert_eq!(
        built,
        json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": [{"type": "text", "text": "A long contract.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
            "tools": [{"name": "f", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "Clause 7?", "cache_control": {"type": "ephemeral"}}]},
                {"role": "assistant", "content": [{"type": "text", "text": "Termination."}]},
                {"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA=="}},
                    // The top-level breakpoint lands on the last block, as Anthropic would put it.
                    {"type": "text", "text": "And this?", "cache_control": {"type": "ephemeral", "ttl": "5m"}}
                ]}
            ],
            "stream": true
        })
    );
    // OpenAI and Gemini cache by themselves: the same request goes without breakpoints.
    for provider in [Provider::OpenAi, Provider::Gemini] {
        let chat = r.for_provider(provider, "m").unwrap();
        let built = build(provider, &chat, None).unwrap().body;
        assert!(!built.to_string().contains("cache"), "{provider}: {built}");
    }
}

#[test]
fn malformed_cache_control_names_its_field() {
    let text =
        |cache: Value| user_blocks(json!([{"type": "text", "text": "x", "cache_control": cache}]));
    let cases = [
        (
            text(json!({"type": "persistent"})),
            ErrorKind::InvalidValue,
            "messages[0].content[0].cache_control.type",
        ),
        (
            text(json!({"type": "ephemeral", "ttl": "2h"})),
            ErrorKind::InvalidValue,
            "messages[0].content[0].cache_control.ttl",
        ),
        (
            text(json!({"type": "ephemeral", "ttl": 300})),
            ErrorKind::InvalidValue,
            "messages[0].content[0].cache_control.ttl",
        ),
        (
            text(json!({"ttl": "1h"})),
            ErrorKind::MissingField,
            "messages[0].content[0].cache_control.type",
        ),
        (
            text(json!({"type": "ephemeral", "scope": "global"})),
            ErrorKind::UnknownField,
            "messages[0].content[0].cache_control.scope",
        ),
        (
            text(json!("ephemeral")),
            ErrorKind::InvalidValue,
            "messages[0].content[0].cache_control",
        ),
        (
            with(json!({"cache_control": {"type": "ephemeral", "ttl": "1d"}})),
            ErrorKind::InvalidValue,
            "cache_control.ttl",
        ),
        (
            with(
                json!({"system": [{"type": "text", "text": "s", "cache_control": {"type": "x"}}]}),
            ),
            ErrorKind::InvalidValue,
            "system[0].cache_control.type",
        ),
        (
            with(json!({"tools": [{"name": "f", "input_schema": {}, "cache_control": {}}]})),
            ErrorKind::MissingField,
            "tools[0].cache_control.type",
        ),
        (
            user_blocks(
                json!([{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "r", "cache_control": {"type": "ephemeral", "ttl": "5 minutes"}}]}]),
            ),
            ErrorKind::InvalidValue,
            "messages[0].content[0].content[0].cache_control.ttl",
        ),
    ];
    for (body, kind, param) in cases {
        let (got_kind, got, message) = refused(body.clone());
        assert_eq!((got_kind, got.as_str()), (kind, param), "{body}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
}

#[test]
fn breakpoints_anthropic_would_refuse_name_the_client_s_field() {
    let explain = |body: Value| {
        let e = decode(body)
            .for_provider(Provider::Anthropic, "m")
            .unwrap_err();
        assert_eq!((e.status, e.kind), (400, ErrorKind::InvalidRequest));
        (e.param.unwrap_or_default(), e.message)
    };
    let c = json!({"type": "ephemeral"});
    let text = |t: &str| json!({"type": "text", "text": t, "cache_control": c});
    // Five breakpoints: the fifth, in the order tools, system, messages, is refused.
    let body = with(json!({
        "system": [text("s")],
        "tools": [{"name": "f", "input_schema": {}, "cache_control": c}],
        "messages": [{"role": "user", "content": [text("a"), text("b"), text("c")]}]
    }));
    assert_eq!(
        explain(body.clone()),
        (
            "messages[0].content[2]".into(),
            "messages[0].content[2]: cache: one cache breakpoint too many: anthropic takes at \
             most 4 per request"
                .into()
        )
    );
    // Other providers ignore breakpoints, so they refuse none.
    decode(body).for_provider(Provider::OpenAi, "m").unwrap();
    // A 1h breakpoint after a 5m one: the system prompt comes after the tools.
    let body = with(json!({
        "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "tools": [{"name": "f", "input_schema": {}, "cache_control": c}]
    }));
    let (param, message) = explain(body);
    assert_eq!(param, "system[0]");
    assert!(
        message.starts_with("system[0]: cache: a 1h cache breakpoint after a 5m one"),
        "{message}"
    );
    // The top-level breakpoint: a fifth one, or one that disagrees with the last block's own.
    let body = with(json!({
        "cache_control": c,
        "messages": [{"role": "user", "content": [text("a"), text("b"), text("c"), text("d"), {"type": "text", "text": "e"}]}]
    }));
    let (param, message) = explain(body);
    assert_eq!(param, "cache_control");
    assert!(
        message.starts_with("cache_control: one cache breakpoint too many"),
        "{message}"
    );
    let body = with(json!({
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
        "messages": [{"role": "user", "content": [text("a")]}]
    }));
    let (param, message) = explain(body);
    assert_eq!(param, "cache_control");
    assert!(message.contains("another lifetime (5m)"), "{message}");
    // The same lifetime on the last block: the top-level breakpoint adds nothing.
    let body = with(json!({
        "cache_control": {"type": "ephemeral", "ttl": "5m"},
        "messages": [{"role": "user", "content": [text("a"), text("b"), text("c"), text("d")]}]
    }));
    decode(body).for_provider(Provider::Anthropic, "m").unwrap();
}
