//! `dialect::openai::decode_request`: every field of a Chat Completions request, mapped, passed
//! through or refused with a `400` naming it; validation errors in the client's terms.

use llm_sse_core::Provider;
use llm_sse_core::dialect::{Dialect, DialectRequest, ErrorKind, openai};
use llm_sse_core::request::{
    ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort, Role, Tool, ToolChoice,
    build,
};
use serde_json::{Value, json};

fn decode(body: Value) -> DialectRequest {
    openai::decode_request(body.to_string().as_bytes())
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

/// The refusal of `body`: kind and field.
fn refused(body: Value) -> (ErrorKind, String, String) {
    match openai::decode_request(body.to_string().as_bytes()) {
        Ok(r) => panic!("accepted: {body}\n{r:?}"),
        Err(e) => {
            assert_eq!(e.status, 400);
            assert_eq!(e.dialect, Dialect::OpenAi);
            assert_eq!(e.error_type, "invalid_request_error");
            (e.kind, e.param.unwrap_or_default(), e.message)
        }
    }
}

fn user(text: &str) -> ChatMessage {
    ChatMessage::user(text)
}

#[test]
fn a_minimal_request() {
    let r = decode(with(json!({})));
    assert_eq!(r.dialect, Dialect::OpenAi);
    assert_eq!(r.model, "m");
    assert_eq!(r.chat, ChatRequest::new("m", vec![user("Hi")]));
    assert!(!r.stream && !r.include_usage);
    assert!(r.passthrough.is_empty() && r.passthrough_fields().is_empty());
}

#[test]
fn sampling_fields_map_one_to_one() {
    let r = decode(with(json!({
        "max_completion_tokens": 300, "temperature": 0.25, "top_p": 0.5, "stop": ["a", "b"]
    })));
    assert_eq!(r.chat.max_tokens, Some(300));
    assert_eq!(r.chat.temperature, Some(0.25));
    assert_eq!(r.chat.top_p, Some(0.5));
    assert_eq!(r.chat.stop, ["a", "b"]);
    assert_eq!(decode(with(json!({"stop": "x"}))).chat.stop, ["x"]);
    assert!(decode(with(json!({"stop": null}))).chat.stop.is_empty());
    assert_eq!(
        decode(with(json!({"max_tokens": 9}))).chat.max_tokens,
        Some(9)
    );
    let both = decode(with(json!({"max_tokens": 9, "max_completion_tokens": 9})));
    assert_eq!(both.chat.max_tokens, Some(9));
    // null is "not set", as the API treats it.
    let nulls = decode(with(
        json!({"temperature": null, "top_p": null, "max_tokens": null}),
    ));
    assert_eq!(nulls.chat, ChatRequest::new("m", vec![user("Hi")]));
}

#[test]
fn wrong_values_name_their_field() {
    let cases = [
        (
            json!({"max_tokens": 5, "max_completion_tokens": 6}),
            "max_tokens",
        ),
        (json!({"max_tokens": -1}), "max_tokens"),
        (
            json!({"max_completion_tokens": 1.5}),
            "max_completion_tokens",
        ),
        (
            json!({"max_completion_tokens": 4_294_967_296u64}),
            "max_completion_tokens",
        ),
        (json!({"temperature": "hot"}), "temperature"),
        (json!({"top_p": true}), "top_p"),
        (json!({"stop": 3}), "stop"),
        (json!({"stop": ["a", 3]}), "stop[1]"),
        (json!({"stream": "yes"}), "stream"),
        (json!({"reasoning_effort": "xhigh"}), "reasoning_effort"),
        (json!({"tool_choice": "any"}), "tool_choice"),
        (json!({"tool_choice": 1}), "tool_choice"),
        (json!({"messages": {}}), "messages"),
        (json!({"messages": [1]}), "messages[0]"),
        (
            json!({"messages": [{"role": "bot", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"messages": [{"role": "user", "content": 1}]}),
            "messages[0].content",
        ),
        (
            json!({"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "video"}]}]}),
            "messages[0].content[0].type",
        ),
        (json!({"model": 5}), "model"),
    ];
    for (extra, param) in cases {
        let (kind, got, message) = refused(with(extra.clone()));
        assert_eq!(kind, ErrorKind::InvalidValue, "{extra}");
        assert_eq!(got, param, "{extra}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
}

#[test]
fn reasoning_effort_levels() {
    for (name, effort) in [
        ("none", ReasoningEffort::None),
        ("minimal", ReasoningEffort::Minimal),
        ("low", ReasoningEffort::Low),
        ("medium", ReasoningEffort::Medium),
        ("high", ReasoningEffort::High),
    ] {
        let r = decode(with(json!({"reasoning_effort": name})));
        assert_eq!(r.chat.reasoning, Some(Reasoning::effort(effort)));
    }
}

#[test]
fn streaming_options() {
    let r = decode(with(json!({"stream": true})));
    assert!(r.stream && !r.include_usage);
    let r = decode(with(
        json!({"stream": true, "stream_options": {"include_usage": true, "include_obfuscation": false}}),
    ));
    assert!(r.stream && r.include_usage);
    let (kind, param, _) = refused(with(json!({"stream_options": {"include_usage": true}})));
    assert_eq!(
        (kind, param.as_str()),
        (ErrorKind::InvalidValue, "stream_options")
    );
    let (kind, param, _) = refused(with(
        json!({"stream": true, "stream_options": {"include_obfuscation": true}}),
    ));
    assert_eq!(
        (kind, param.as_str()),
        (ErrorKind::Unsupported, "stream_options.include_obfuscation")
    );
}

#[test]
fn every_role_and_content_shape() {
    let r = decode(json!({"model": "m", "messages": [
        {"role": "system", "content": "Sys"},
        {"role": "developer", "content": [{"type": "text", "text": "Dev"}]},
        {"role": "user", "content": [
            {"type": "text", "text": "Look"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"}}
        ]},
        {"role": "assistant", "content": null, "reasoning_content": "Hmm.", "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}},
            {"id": "call_2", "function": {"name": "g", "arguments": ""}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "one"},
        {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "two"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A"}, {"type": "refusal", "refusal": "B"}], "refusal": "C"},
        {"role": "user", "content": "Bye"}
    ]}));
    let expected = vec![
        ChatMessage::system("Sys"),
        ChatMessage::new(Role::System, vec![Part::text("Dev")]),
        ChatMessage::user(vec![
            Part::text("Look"),
            Part::image("image/png", "iVBORw0KGgo="),
        ]),
        ChatMessage::assistant(vec![
            Part::Thinking {
                thinking: "Hmm.".into(),
                signature: None,
                provider: None,
            },
            Part::tool_call(Some("call_1".into()), "f", json!({"a": 1})),
            Part::tool_call(Some("call_2".into()), "g", json!({})),
        ]),
        ChatMessage::new(Role::Tool, vec![Part::tool_result("call_1", "one")]),
        ChatMessage::new(
            Role::Tool,
            vec![Part::tool_result("call_2", vec![Part::text("two")])],
        ),
        ChatMessage::assistant(vec![Part::text("A"), Part::text("B"), Part::text("C")]),
        user("Bye"),
    ];
    assert_eq!(r.chat.messages, expected);
    let plain = decode(with(json!({"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Again"}
    ]})));
    assert_eq!(
        plain.chat.messages[1],
        ChatMessage::assistant(vec![Part::text("Hello")])
    );
}

#[test]
fn tool_call_arguments_must_be_json() {
    let call = |arguments: &str| {
        with(json!({"messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": arguments}}]}
        ]}))
    };
    let (kind, param, message) = refused(call("{\"a\":"));
    assert_eq!(kind, ErrorKind::InvalidValue);
    assert_eq!(param, "messages[1].tool_calls[0].function.arguments");
    assert!(message.contains("not valid JSON"), "{message}");
    // JSON that is not an object decodes, and validation refuses it where the client wrote it.
    let r = decode(call("[1]"));
    let e = r.for_provider(Provider::OpenAi, "gpt-4o").unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert_eq!(e.param.as_deref(), Some("messages[1].tool_calls[0]"));
    assert_eq!(
        e.message,
        "messages[1].tool_calls[0]: arguments: must be a JSON object"
    );
}

#[test]
fn tools_and_tool_choice() {
    let r = decode(with(json!({
        "tools": [
            {"type": "function", "function": {"name": "f", "description": "does f", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}, "strict": false}},
            {"type": "function", "function": {"name": "g"}}
        ],
        "tool_choice": {"type": "function", "function": {"name": "g"}}
    })));
    let mut g = Tool::new("g", "", json!({"type": "object", "properties": {}}));
    g.description = None;
    let f = Tool::new(
        "f",
        "does f",
        json!({"type": "object", "properties": {"x": {"type": "string"}}}),
    );
    assert_eq!(r.chat.tools, vec![f, g]);
    assert_eq!(r.chat.tool_choice, Some(ToolChoice::Tool("g".into())));
    for (name, choice) in [
        ("auto", ToolChoice::Auto),
        ("none", ToolChoice::None),
        ("required", ToolChoice::Required),
    ] {
        assert_eq!(
            decode(with(json!({"tool_choice": name}))).chat.tool_choice,
            Some(choice)
        );
    }
}

#[test]
fn unsupported_fields_and_values_name_the_field() {
    let image = |image_url: Value| json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": image_url}]}]});
    let cases = [
        (json!({"functions": []}), "functions"),
        (json!({"function_call": "auto"}), "function_call"),
        (json!({"top_logprobs": 2}), "top_logprobs"),
        (json!({"audio": {"voice": "x"}}), "audio"),
        (json!({"prediction": {}}), "prediction"),
        (json!({"web_search_options": {}}), "web_search_options"),
        (json!({"n": 2}), "n"),
        (json!({"logprobs": true}), "logprobs"),
        (json!({"modalities": ["text", "audio"]}), "modalities"),
        (
            image(json!({"url": "https://example.com/a.png"})),
            "messages[0].content[0].image_url.url",
        ),
        (
            image(json!({"url": "data:image/png;base64,AA==", "detail": "low"})),
            "messages[0].content[0].image_url.detail",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "file", "file": {}}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"messages": [{"role": "user", "content": "x", "name": "ann"}]}),
            "messages[0].name",
        ),
        (
            json!({"messages": [{"role": "assistant", "content": "x", "function_call": {"name": "f"}}]}),
            "messages[0].function_call",
        ),
        (
            json!({"messages": [{"role": "assistant", "content": "x", "audio": {"id": "a"}}]}),
            "messages[0].audio",
        ),
        (
            json!({"messages": [{"role": "function", "name": "f", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"tools": [{"type": "function", "function": {"name": "f", "strict": true}}]}),
            "tools[0].function.strict",
        ),
        (
            json!({"tools": [{"type": "custom", "custom": {"name": "f"}}]}),
            "tools[0].type",
        ),
        (
            json!({"tool_choice": {"type": "allowed_tools", "allowed_tools": {}}}),
            "tool_choice.type",
        ),
        (
            json!({"messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "custom", "custom": {}}]}]}),
            "messages[0].tool_calls[0].type",
        ),
    ];
    for (extra, param) in cases {
        let (kind, got, message) = refused(with(extra.clone()));
        assert_eq!(kind, ErrorKind::Unsupported, "{extra}");
        assert_eq!(got, param, "{extra}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
    // Their no-op values ask for what happens anyway, and null is "not set".
    let r = decode(with(json!({
        "n": 1, "logprobs": false, "modalities": ["text"], "functions": null, "audio": null,
        "top_logprobs": null
    })));
    assert_eq!(r.chat, ChatRequest::new("m", vec![user("Hi")]));
}

#[test]
fn unknown_fields_at_every_level_name_their_path() {
    let call = json!({"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}});
    let mut bad_call = call.clone();
    // (`index` is accepted: the SDKs' stream accumulators keep it on the message.)
    bad_call["position"] = json!(0);
    let mut bad_function = call.clone();
    bad_function["function"]["parsed"] = json!({});
    let cases = [
        (json!({"temprature": 1}), "temprature"),
        (json!({"reasoning": {"effort": "low"}}), "reasoning"),
        (
            json!({"messages": [{"role": "user", "content": "x", "cache_control": {}}]}),
            "messages[0].cache_control",
        ),
        (
            json!({"messages": [{"role": "system", "content": "x", "tool_call_id": "c"}]}),
            "messages[0].tool_call_id",
        ),
        (
            json!({"messages": [{"role": "tool", "content": "x", "tool_call_id": "c", "name": "f"}]}),
            "messages[0].name",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "text", "text": "x", "cache_control": {}}]}]}),
            "messages[0].content[0].cache_control",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AA==", "size": 1}}]}]}),
            "messages[0].content[0].image_url.size",
        ),
        (
            json!({"messages": [{"role": "assistant", "content": [{"type": "refusal", "refusal": "no", "x": 1}]}]}),
            "messages[0].content[0].x",
        ),
        (
            json!({"messages": [{"role": "assistant", "tool_calls": [bad_call]}]}),
            "messages[0].tool_calls[0].position",
        ),
        (
            json!({"messages": [{"role": "assistant", "tool_calls": [bad_function]}]}),
            "messages[0].tool_calls[0].function.parsed",
        ),
        (
            json!({"tools": [{"type": "function", "function": {"name": "f"}, "cache_control": {}}]}),
            "tools[0].cache_control",
        ),
        (
            json!({"tools": [{"type": "function", "function": {"name": "f", "examples": []}}]}),
            "tools[0].function.examples",
        ),
        (
            json!({"tool_choice": {"type": "function", "function": {"name": "f"}, "x": 1}}),
            "tool_choice.x",
        ),
        (
            json!({"tool_choice": {"type": "function", "function": {"name": "f", "x": 1}}}),
            "tool_choice.function.x",
        ),
        (
            json!({"stream": true, "stream_options": {"include_usage": true, "chunk_size": 1}}),
            "stream_options.chunk_size",
        ),
    ];
    for (extra, param) in cases {
        let (kind, got, message) = refused(with(extra.clone()));
        assert_eq!(kind, ErrorKind::UnknownField, "{extra}");
        assert_eq!(got, param, "{extra}");
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
            json!({"model": "m", "messages": [{"role": "user", "content": null}]}),
            "messages[0].content",
        ),
        (
            json!({"model": "m", "messages": [{"role": "tool", "content": "x"}]}),
            "messages[0].tool_call_id",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]}),
            "messages[0].content[0].type",
        ),
        (
            json!({"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]}]}),
            "messages[0].tool_calls[0].id",
        ),
        (
            json!({"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]}]}),
            "messages[0].tool_calls[0].function.name",
        ),
        (
            json!({"model": "m", "messages": [], "tools": [{"type": "function"}]}),
            "tools[0].function",
        ),
        (
            json!({"model": "m", "messages": [], "tool_choice": {"type": "function"}}),
            "tool_choice.function",
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
fn bodies_that_are_not_json_objects() {
    for body in [
        &b""[..],
        b"{",
        b"[]",
        b"\"x\"",
        b"null",
        b"{\"model\":\"m\",}",
    ] {
        let e = openai::decode_request(body).unwrap_err();
        assert_eq!(
            (e.status, e.kind, e.param),
            (400, ErrorKind::InvalidJson, None)
        );
    }
    let e = openai::decode_request(b"{").unwrap_err();
    assert_eq!(
        String::from_utf8(e.to_body()).unwrap(),
        r#"{"error":{"message":"the request body is not valid JSON: EOF while parsing an object at line 1 column 1","type":"invalid_request_error","param":null,"code":null}}"#
    );
}

#[test]
fn an_unknown_field_in_openai_s_error_shape() {
    let e = openai::decode_request(br#"{"model":"m","messages":[],"foo":1}"#).unwrap_err();
    let body = String::from_utf8(e.to_body()).unwrap();
    assert!(
        body.starts_with(
            r#"{"error":{"message":"foo: unknown field; expected one of model, messages, stream,"#
        ),
        "{body}"
    );
    assert!(
        body.ends_with(r#"","type":"invalid_request_error","param":"foo","code":null}}"#),
        "{body}"
    );
}

#[test]
fn passthrough_fields_reach_openai_compatible_providers_only() {
    let values = json!({
        "frequency_penalty": 0.5, "presence_penalty": -0.5, "seed": 7, "logit_bias": {"50256": -100},
        "user": "u-1", "parallel_tool_calls": false, "response_format": {"type": "json_object"},
        "service_tier": "flex", "metadata": {"k": "v"}, "store": false, "verbosity": "low",
        "prompt_cache_key": "k", "safety_identifier": "s"
    });
    let r = decode(with(values.clone()));
    assert_eq!(r.passthrough_fields(), openai::PASSTHROUGH);
    assert_eq!(Value::Object(r.passthrough.clone()), values);
    assert!(r.chat.provider_options.is_none());

    let chat = r.for_provider(Provider::OpenAi, "gpt-4o").unwrap();
    assert_eq!(chat.provider_options, Some(values.clone()));
    let body = build(Provider::OpenAi, &chat, None).unwrap().body;
    for (key, value) in values.as_object().unwrap() {
        assert_eq!(&body[key], value, "{key}");
    }
    for provider in [Provider::Anthropic, Provider::Gemini] {
        let e = r.for_provider(provider, "x").unwrap_err();
        assert_eq!((e.status, e.kind), (400, ErrorKind::Unsupported));
        assert_eq!(e.param.as_deref(), Some("frequency_penalty"));
        assert_eq!(
            e.message,
            format!(
                "frequency_penalty: is passed only to OpenAI models, not to {} (model x)",
                provider.display_name()
            )
        );
    }
    // Without pass-through fields, every provider gets the request.
    let plain = decode(with(json!({"temperature": 0.5})));
    for provider in Provider::ALL {
        let chat = plain.for_provider(provider, "model-1").unwrap();
        assert_eq!(chat.model, "model-1");
        assert!(chat.provider_options.is_none());
    }
}

#[test]
fn validation_errors_name_the_field_as_the_client_wrote_it() {
    let explain = |body: Value, provider: Provider| {
        let e = decode(body).for_provider(provider, "m").unwrap_err();
        assert_eq!((e.status, e.kind), (400, ErrorKind::InvalidRequest));
        (e.param.unwrap_or_default(), e.message)
    };
    // Parts of an assistant message: reasoning first, then content, then the calls.
    let body = with(json!({"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "reasoning_content": "r", "content": "c",
         "tool_calls": [{"id": "a", "type": "function", "function": {"name": "", "arguments": "{}"}}]}
    ], "tools": [{"type": "function", "function": {"name": "f"}}]}));
    assert_eq!(
        explain(body, Provider::OpenAi),
        (
            "messages[1].tool_calls[0]".into(),
            "messages[1].tool_calls[0]: name: a tool call needs a name".into()
        )
    );
    let body = with(json!({"messages": [
        {"role": "user", "content": "Hi"},
        {"role": "tool", "tool_call_id": "zz", "content": "x"}
    ]}));
    let (param, message) = explain(body, Provider::OpenAi);
    assert_eq!(param, "messages[1].tool_call_id");
    assert!(message.starts_with("messages[1].tool_call_id: a tool result for call id \"zz\""));
    let body = with(json!({"messages": [{"role": "user", "content": ""}]}));
    assert_eq!(explain(body, Provider::Gemini).0, "messages[0].content");
    let body = with(json!({"messages": [
        {"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}
    ]}));
    assert_eq!(explain(body, Provider::Anthropic).0, "messages[1].role");
    let body = with(json!({"messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:text/plain;base64,AA=="}}]}
    ]}));
    assert_eq!(explain(body, Provider::OpenAi).0, "messages[0].content[0]");
    for (extra, provider, param) in [
        (json!({"max_tokens": 0}), Provider::OpenAi, "max_tokens"),
        (
            json!({"max_completion_tokens": 0}),
            Provider::OpenAi,
            "max_completion_tokens",
        ),
        (json!({"stop": ["a", ""]}), Provider::OpenAi, "stop[1]"),
        (
            json!({"stop": ["a", "b", "c", "d", "e"]}),
            Provider::OpenAi,
            "stop",
        ),
        (
            json!({"temperature": 1.5}),
            Provider::Anthropic,
            "temperature",
        ),
        (json!({"top_p": 2}), Provider::Gemini, "top_p"),
        (
            json!({"tool_choice": "auto"}),
            Provider::OpenAi,
            "tool_choice",
        ),
        (
            json!({"tools": [{"type": "function", "function": {"name": "bad name"}}]}),
            Provider::OpenAi,
            "tools[0]",
        ),
        (
            json!({"reasoning_effort": "low", "temperature": 0.5}),
            Provider::Anthropic,
            "temperature",
        ),
        (json!({"messages": []}), Provider::OpenAi, "messages"),
    ] {
        let (got, message) = explain(with(extra.clone()), provider);
        assert_eq!(got, param, "{extra}");
        assert!(message.starts_with(&format!("{param}: ")), "{message}");
    }
    // The model is the gateway's resolution of the client's name.
    let e = decode(with(json!({})))
        .for_provider(Provider::OpenAi, "")
        .unwrap_err();
    assert_eq!(e.message, "model: must not be empty");
    let e = decode(with(json!({})))
        .for_provider(Provider::Gemini, "a b")
        .unwrap_err();
    assert_eq!(e.param.as_deref(), Some("model"));
}

#[test]
fn a_decoded_request_builds_like_the_native_one() {
    // The OpenAI dialect's request, sent to an OpenAI-compatible provider, is the request the
    // client would have sent itself (as our builder writes it).
    let r = decode(json!({
        "model": "openai/gpt-4o", "stream": true, "max_completion_tokens": 100,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "seed": 3
    }));
    let chat = r.for_provider(Provider::OpenAi, "gpt-4o").unwrap();
    let body = build(Provider::OpenAi, &chat, None).unwrap().body;
    assert_eq!(
        body,
        json!({
            "model": "gpt-4o",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
            ],
            "max_completion_tokens": 100,
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
            "seed": 3,
            "stream": true,
            "stream_options": {"include_usage": true}
        })
    );
    assert!(matches!(chat.messages[2].content, Content::Parts(_)));
}
