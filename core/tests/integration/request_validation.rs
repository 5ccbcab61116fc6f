//! Validation before any network call: each typed error, where it points, and what it says; the
//! JSON shape's errors; secrets never shown.

use llm_sse_core::Provider;
use llm_sse_core::request::{
    CacheControl, CacheProblem, CacheTtl, ChatMessage, ChatRequest, Content, Part, PartProblem,
    Reasoning, ReasoningEffort, RequestError, Role, Tool, ToolChoice, ToolProblem, build,
};
use serde_json::json;

fn user(text: &str) -> ChatMessage {
    ChatMessage::user(text)
}

fn request(messages: Vec<ChatMessage>) -> ChatRequest {
    ChatRequest::new("model-1", messages)
}

fn tool(name: &str) -> Tool {
    Tool::new(name, "a tool", json!({"type": "object"}))
}

fn call(id: Option<&str>, name: &str) -> Part {
    Part::tool_call(id.map(Into::into), name, json!({}))
}

fn result(call_id: Option<&str>, name: Option<&str>) -> Part {
    Part::ToolResult {
        call_id: call_id.map(Into::into),
        name: name.map(Into::into),
        content: "ok".into(),
        is_error: false,
        cache: None,
    }
}

fn tool_message(parts: Vec<Part>) -> ChatMessage {
    ChatMessage::new(Role::Tool, parts)
}

/// The error `request` gets from every provider, and its message.
fn err_all(request: &ChatRequest) -> (RequestError, String) {
    let errors: Vec<RequestError> = Provider::ALL
        .iter()
        .map(|&p| build(p, request, None).unwrap_err())
        .collect();
    assert!(
        errors.windows(2).all(|w| w[0] == w[1]),
        "providers disagree: {errors:?}"
    );
    let message = errors[0].to_string();
    (errors[0].clone(), message)
}

fn err(provider: Provider, request: &ChatRequest) -> (RequestError, String) {
    let e = build(provider, request, None).unwrap_err();
    let message = e.to_string();
    (e, message)
}

#[test]
fn the_conversation_must_have_something_to_answer() {
    let (e, m) = err_all(&request(vec![]));
    assert_eq!(e, RequestError::NoMessages);
    assert_eq!(m, "messages: must not be empty");

    let (e, m) = err_all(&request(vec![ChatMessage::system("Be brief.")]));
    assert_eq!(e, RequestError::NoConversation);
    assert_eq!(m, "messages: there is no user, assistant or tool message");

    let (e, m) = err_all(&ChatRequest::new("", vec![user("Hi")]));
    assert_eq!(e, RequestError::EmptyModel);
    assert_eq!(m, "model: must not be empty");

    let (e, m) = err_all(&request(vec![user("Hi"), ChatMessage::assistant("")]));
    assert_eq!(e, RequestError::EmptyContent { message: 1 });
    assert_eq!(m, "messages[1].content: must not be empty");
    let (e, _) = err_all(&request(vec![ChatMessage::user(Vec::<Part>::new())]));
    assert_eq!(e, RequestError::EmptyContent { message: 0 });
}

#[test]
fn anthropic_wants_a_user_message_first() {
    let r = request(vec![
        ChatMessage::system("s"),
        ChatMessage::assistant("Hi"),
        user("Hey"),
    ]);
    let (e, m) = err(Provider::Anthropic, &r);
    assert_eq!(
        e,
        RequestError::FirstMessageNotUser {
            provider: Provider::Anthropic,
            message: 1,
            role: Role::Assistant
        }
    );
    assert_eq!(
        m,
        "messages[1].role: anthropic requires the first non-system message to be a user \
         message, not assistant"
    );
    assert!(build(Provider::OpenAi, &r, None).is_ok());
    assert!(build(Provider::Gemini, &r, None).is_ok());
}

#[test]
fn parts_must_fit_their_role() {
    let cases: Vec<(ChatMessage, usize, PartProblem, &str)> = vec![
        (
            ChatMessage::system(vec![Part::image("image/png", "QUJD")]),
            0,
            PartProblem::NotAllowed {
                role: Role::System,
                part_type: "image",
            },
            "messages[1].content[0]: image parts are not allowed in system messages",
        ),
        (
            ChatMessage::assistant(vec![Part::text("x"), Part::image("image/png", "QUJD")]),
            1,
            PartProblem::NotAllowed {
                role: Role::Assistant,
                part_type: "image",
            },
            "messages[1].content[1]: image parts are not allowed in assistant messages",
        ),
        (
            ChatMessage::user(vec![call(Some("c"), "f")]),
            0,
            PartProblem::NotAllowed {
                role: Role::User,
                part_type: "tool_call",
            },
            "messages[1].content[0]: tool_call parts are not allowed in user messages",
        ),
        (
            ChatMessage::user(vec![result(Some("c"), None)]),
            0,
            PartProblem::NotAllowed {
                role: Role::User,
                part_type: "tool_result",
            },
            "messages[1].content[0]: tool_result parts are not allowed in user messages",
        ),
        (
            ChatMessage::new(Role::Tool, "just text"),
            0,
            PartProblem::NotAllowed {
                role: Role::Tool,
                part_type: "text",
            },
            "messages[1].content[0]: text parts are not allowed in tool messages",
        ),
        (
            ChatMessage::user(vec![Part::text("")]),
            0,
            PartProblem::Empty,
            "messages[1].content[0]: the part is empty",
        ),
        (
            ChatMessage::assistant(vec![Part::Thinking {
                thinking: String::new(),
                signature: None,
                provider: None,
            }]),
            0,
            PartProblem::Empty,
            "messages[1].content[0]: the part is empty",
        ),
        (
            ChatMessage::assistant(vec![Part::Thinking {
                thinking: "t".into(),
                signature: Some(String::new()),
                provider: None,
            }]),
            0,
            PartProblem::EmptySignature,
            "messages[1].content[0]: signature: must not be empty (leave it out when there is \
             none)",
        ),
        (
            ChatMessage::assistant(vec![Part::RedactedThinking {
                data: String::new(),
                provider: None,
            }]),
            0,
            PartProblem::Empty,
            "messages[1].content[0]: the part is empty",
        ),
        (
            ChatMessage::user(vec![Part::image("text/plain", "QUJD")]),
            0,
            PartProblem::ImageMediaType,
            "messages[1].content[0]: media_type: must be an image/... type",
        ),
        (
            ChatMessage::user(vec![Part::image("image/png", "data:image/png;base64,QUJD")]),
            0,
            PartProblem::ImageData,
            "messages[1].content[0]: data: must be non-empty standard base64 (no line breaks, \
             no data: URL prefix)",
        ),
        (
            ChatMessage::assistant(vec![call(Some("c"), "")]),
            0,
            PartProblem::EmptyToolName,
            "messages[1].content[0]: name: a tool call needs a name",
        ),
        (
            ChatMessage::assistant(vec![call(Some(""), "f")]),
            0,
            PartProblem::EmptyToolCallId,
            "messages[1].content[0]: id: must not be empty (leave it out when there is none)",
        ),
        (
            ChatMessage::assistant(vec![Part::tool_call(None, "f", json!([1, 2]))]),
            0,
            PartProblem::ArgumentsNotObject,
            "messages[1].content[0]: arguments: must be a JSON object",
        ),
    ];
    for (message, part, problem, text) in cases {
        let r = request(vec![user("Hi"), message]).with_tools(vec![tool("f")]);
        let (e, m) = err_all(&r);
        assert_eq!(
            e,
            RequestError::InvalidPart {
                message: 1,
                part,
                problem
            }
        );
        assert_eq!(m, text);
    }
}

#[test]
fn tool_results_must_answer_the_calls_just_before_them() {
    let tools = vec![tool("f"), tool("g")];
    let with = |messages: Vec<ChatMessage>| request(messages).with_tools(tools.clone());

    // An unknown id.
    let (e, m) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![result(Some("c9"), None)]),
    ]));
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 0,
            problem: PartProblem::UnknownToolCall {
                call_id: Some("c9".into()),
                name: None
            }
        }
    );
    assert_eq!(
        m,
        "messages[2].content[0]: a tool result for call id \"c9\", which matches no unanswered \
         tool call of the assistant message before it"
    );

    // Answered twice.
    let (e, _) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![result(Some("c1"), None), result(Some("c1"), None)]),
    ]));
    assert!(matches!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 1,
            problem: PartProblem::UnknownToolCall { .. }
        }
    ));

    // By name: the first unanswered call of that name; a third result of f finds none.
    let r = with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(None, "f"), call(None, "f")]),
        tool_message(vec![result(None, Some("f")), result(None, Some("f"))]),
    ]);
    for p in Provider::ALL {
        assert!(build(p, &r, None).is_ok(), "{p}");
    }
    // Mixed: results with ids are matched first, and a result by name prefers calls without an
    // id, whatever the order of the results.
    let r = with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("x"), "f"), call(None, "f")]),
        tool_message(vec![result(None, Some("f"))]),
        tool_message(vec![result(Some("x"), None)]),
    ]);
    let http = build(Provider::OpenAi, &r, None).unwrap();
    assert_eq!(http.body["messages"][2]["tool_call_id"], "call_1_1");
    assert_eq!(http.body["messages"][3]["tool_call_id"], "x");
    let (e, m) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(None, "f")]),
        tool_message(vec![result(None, Some("g"))]),
    ]));
    assert!(matches!(
        e,
        RequestError::InvalidPart {
            problem: PartProblem::UnknownToolCall { .. },
            ..
        }
    ));
    assert!(m.ends_with("a tool result for a call of \"g\", which matches no unanswered tool call of the assistant message before it"), "{m}");

    // Neither id nor name.
    let (e, m) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(None, "f")]),
        tool_message(vec![result(None, None)]),
    ]));
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 0,
            problem: PartProblem::UnidentifiedToolResult
        }
    );
    assert_eq!(
        m,
        "messages[2].content[0]: a tool result needs a call_id (or, for calls without an id, a \
         name)"
    );

    // A result after a user message: its call is no longer the one just before.
    let (e, _) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        user("wait"),
        tool_message(vec![result(Some("c1"), None)]),
    ]));
    assert!(matches!(
        e,
        RequestError::InvalidPart {
            message: 1,
            part: 0,
            problem: PartProblem::UnansweredToolCall { .. }
        }
    ));

    // A call never answered.
    let (e, m) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f"), call(Some("c2"), "g")]),
        tool_message(vec![result(Some("c1"), None)]),
    ]));
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 1,
            part: 1,
            problem: PartProblem::UnansweredToolCall {
                id: Some("c2".into()),
                name: "g".into()
            }
        }
    );
    assert_eq!(
        m,
        "messages[1].content[1]: the tool call of \"g\" (id \"c2\") has no tool result in the \
         tool messages that follow it"
    );

    // Ids are unique in the whole request.
    let (e, m) = err_all(&with(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![result(Some("c1"), None)]),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![result(Some("c1"), None)]),
    ]));
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 3,
            part: 0,
            problem: PartProblem::DuplicateToolCallId { id: "c1".into() }
        }
    );
    assert_eq!(
        m,
        "messages[3].content[0]: id: \"c1\" is already used by an earlier tool call"
    );
}

#[test]
fn images_in_tool_results_only_for_anthropic() {
    let r = request(vec![
        user("Screenshot?"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![Part::tool_result(
            "c1",
            vec![Part::text("here"), Part::image("image/png", "QUJD")],
        )]),
    ])
    .with_tools(vec![tool("f")]);
    let http = build(Provider::Anthropic, &r, None).unwrap();
    assert_eq!(
        http.body["messages"][2]["content"][0]["content"][1]["source"]["data"],
        "QUJD"
    );
    let (e, m) = err(Provider::OpenAi, &r);
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 0,
            problem: PartProblem::NotSupported {
                provider: Provider::OpenAi,
                part_type: "image"
            }
        }
    );
    assert_eq!(
        m,
        "messages[2].content[0]: openai does not accept image parts here"
    );
}

#[test]
fn sampling_parameters_in_range() {
    let base = request(vec![user("Hi")]);
    let (e, m) = err_all(&base.clone().with_max_tokens(0));
    assert_eq!(e, RequestError::MaxTokensZero);
    assert_eq!(m, "max_tokens: must be at least 1");

    let (e, m) = err(Provider::Anthropic, &base.clone().with_temperature(1.5));
    assert_eq!(
        e,
        RequestError::TemperatureOutOfRange {
            provider: Provider::Anthropic,
            value: 1.5,
            max: 1.0
        }
    );
    assert_eq!(
        m,
        "temperature: 1.5 is outside the range anthropic accepts (0 to 1)"
    );
    for p in [Provider::OpenAi, Provider::Gemini] {
        assert!(build(p, &base.clone().with_temperature(1.5), None).is_ok());
        assert!(build(p, &base.clone().with_temperature(2.0), None).is_ok());
        let (_, m) = err(p, &base.clone().with_temperature(2.01));
        assert_eq!(
            m,
            format!("temperature: 2.01 is outside the range {p} accepts (0 to 2)")
        );
    }
    for bad in [-0.1, f64::NAN, f64::INFINITY] {
        for p in Provider::ALL {
            assert!(matches!(
                err(p, &base.clone().with_temperature(bad)).0,
                RequestError::TemperatureOutOfRange { .. }
            ));
        }
    }

    let (e, m) = err_all(&base.clone().with_top_p(1.1));
    assert_eq!(e, RequestError::TopPOutOfRange { value: 1.1 });
    assert_eq!(m, "top_p: 1.1 is outside the range 0 to 1");

    let (e, m) = err_all(&base.clone().with_stop(["a", ""]));
    assert_eq!(e, RequestError::EmptyStopSequence { index: 1 });
    assert_eq!(m, "stop[1]: must not be empty");

    let five = base.clone().with_stop(["a", "b", "c", "d", "e"]);
    let (e, m) = err(Provider::OpenAi, &five);
    assert_eq!(
        e,
        RequestError::TooManyStopSequences {
            provider: Provider::OpenAi,
            count: 5,
            max: 4
        }
    );
    assert_eq!(m, "stop: 5 stop sequences, openai accepts at most 4");
    assert!(build(Provider::Gemini, &five, None).is_ok());
    let six = base.clone().with_stop(["a", "b", "c", "d", "e", "f"]);
    assert!(build(Provider::Gemini, &six, None).is_err());
    assert!(build(Provider::Anthropic, &six, None).is_ok());
}

#[test]
fn tools_and_tool_choice() {
    let base = request(vec![user("Hi")]);
    let (e, m) = err_all(&base.clone().with_tools(vec![tool("get weather")]));
    assert_eq!(
        e,
        RequestError::InvalidTool {
            tool: 0,
            problem: ToolProblem::InvalidName {
                name: "get weather".into()
            }
        }
    );
    assert_eq!(
        m,
        "tools[0]: name: \"get weather\" must be 1 to 64 characters of A-Z a-z 0-9 _ - (for \
         gemini starting with a letter or _)"
    );
    let digit_first = base.clone().with_tools(vec![tool("2fa")]);
    assert!(build(Provider::Anthropic, &digit_first, None).is_ok());
    assert!(build(Provider::Gemini, &digit_first, None).is_err());

    let (e, m) = err_all(&base.clone().with_tools(vec![tool("f"), tool("f")]));
    assert_eq!(
        e,
        RequestError::InvalidTool {
            tool: 1,
            problem: ToolProblem::DuplicateName { name: "f".into() }
        }
    );
    assert_eq!(
        m,
        "tools[1]: name: \"f\" is already used by an earlier tool"
    );

    let (e, m) = err_all(
        &base
            .clone()
            .with_tools(vec![Tool::new("f", "d", json!(true))]),
    );
    assert_eq!(
        e,
        RequestError::InvalidTool {
            tool: 0,
            problem: ToolProblem::ParametersNotObject
        }
    );
    assert_eq!(m, "tools[0]: parameters: must be a JSON Schema object");

    let (e, m) = err_all(&base.clone().with_tool_choice(ToolChoice::Auto));
    assert_eq!(e, RequestError::ToolChoiceWithoutTools);
    assert_eq!(m, "tool_choice: set, but no tools are defined");

    let (e, m) = err_all(
        &base
            .clone()
            .with_tools(vec![tool("f")])
            .with_tool_choice(ToolChoice::Tool("g".into())),
    );
    assert_eq!(e, RequestError::UnknownToolChoice { name: "g".into() });
    assert_eq!(m, "tool_choice: names \"g\", which no tool defines");

    // Anthropic refuses a tool history without tool definitions.
    let history = request(vec![
        user("Hi"),
        ChatMessage::assistant(vec![call(Some("c1"), "f")]),
        tool_message(vec![result(Some("c1"), None)]),
    ]);
    let (e, m) = err(Provider::Anthropic, &history);
    assert_eq!(
        e,
        RequestError::ToolHistoryWithoutTools {
            provider: Provider::Anthropic
        }
    );
    assert_eq!(
        m,
        "tools: anthropic requires the tools to be defined when messages contain tool calls or \
         results (set tool_choice to \"none\" to prevent further calls)"
    );
    assert!(build(Provider::OpenAi, &history, None).is_ok());
    assert!(build(Provider::Gemini, &history, None).is_ok());
}

#[test]
fn reasoning_settings() {
    let base = request(vec![user("Hi")]);
    let (e, m) = err_all(&base.clone().with_reasoning(Reasoning::default()));
    assert_eq!(e, RequestError::EmptyReasoning);
    assert_eq!(m, "reasoning: set neither effort nor budget_tokens");

    let small = base.clone().with_reasoning(Reasoning::budget(1000));
    let (e, m) = err(Provider::Anthropic, &small);
    assert_eq!(
        e,
        RequestError::ReasoningBudgetTooSmall {
            provider: Provider::Anthropic,
            budget: 1000,
            min: 1024
        }
    );
    assert_eq!(
        m,
        "reasoning.budget_tokens: 1000 is below the anthropic minimum of 1024 (0 turns thinking \
         off)"
    );
    assert!(build(Provider::Gemini, &small, None).is_ok());

    let over = base
        .clone()
        .with_max_tokens(2000)
        .with_reasoning(Reasoning::budget(2000));
    let (e, m) = err(Provider::Anthropic, &over);
    assert_eq!(
        e,
        RequestError::ReasoningBudgetNotBelowMaxTokens {
            budget: 2000,
            max_tokens: 2000
        }
    );
    assert_eq!(
        m,
        "reasoning.budget_tokens: 2000 must be less than max_tokens (2000), which includes the \
         thinking"
    );
    let huge = base.clone().with_reasoning(Reasoning::budget(u32::MAX));
    assert!(matches!(
        err(Provider::Anthropic, &huge).0,
        RequestError::ReasoningBudgetNotBelowMaxTokens { .. }
    ));

    let forced = base
        .clone()
        .with_tools(vec![tool("f")])
        .with_tool_choice(ToolChoice::Required)
        .with_reasoning(Reasoning::effort(ReasoningEffort::Low));
    let (e, m) = err(Provider::Anthropic, &forced);
    assert_eq!(
        e,
        RequestError::ConflictsWithThinking {
            field: "tool_choice",
            allowed: "auto or none"
        }
    );
    assert_eq!(
        m,
        "tool_choice: anthropic allows only auto or none while thinking (reasoning is set)"
    );
    let off = forced.clone().with_reasoning(Reasoning::budget(0));
    assert!(build(Provider::Anthropic, &off, None).is_ok());
    assert!(build(Provider::OpenAi, &forced, None).is_ok());

    let thinking = base.clone().with_reasoning(Reasoning::budget(2048));
    let (_, m) = err(Provider::Anthropic, &thinking.clone().with_temperature(0.7));
    assert_eq!(
        m,
        "temperature: anthropic allows only 1 while thinking (reasoning is set)"
    );
    let (_, m) = err(Provider::Anthropic, &thinking.clone().with_top_p(0.9));
    assert_eq!(
        m,
        "top_p: anthropic allows only 0.95 to 1 while thinking (reasoning is set)"
    );
    let fine = thinking.with_temperature(1.0).with_top_p(0.95);
    assert!(build(Provider::Anthropic, &fine, None).is_ok());
}

#[test]
fn provider_options_must_be_an_object() {
    let r = request(vec![user("Hi")]).with_provider_options(json!(["top_k", 40]));
    let (e, m) = err_all(&r);
    assert_eq!(e, RequestError::ProviderOptionsNotObject);
    assert_eq!(m, "provider_options: must be a JSON object");
    let r = ChatRequest::from_json(
        br#"{"model":"m","messages":[{"role":"user","content":"x"}],"provider_options":null}"#,
    )
    .unwrap();
    assert_eq!(r.provider_options, None);
}

#[test]
fn api_keys_are_never_shown() {
    let r = request(vec![user("Hi")]);
    for key in [
        "sk-secret\n",
        "",
        " sk-secret",
        "sk-sécret",
        "sk\u{0}secret",
    ] {
        for p in Provider::ALL {
            let e = build(p, &r, Some(key)).unwrap_err();
            assert_eq!(e, RequestError::InvalidApiKey);
            let shown = format!("{e} {e:?}");
            assert!(key.is_empty() || !shown.contains(key.trim()), "{shown}");
            assert_eq!(
                e.to_string(),
                "API key: not a valid header value (empty, or contains a line end, a control \
                 character or non-ASCII)"
            );
        }
    }
    // (Amazon Bedrock takes no key in a header: its requests are signed by the call.)
    for p in Provider::ALL
        .into_iter()
        .filter(|p| *p != Provider::Bedrock)
    {
        let http = build(p, &r, Some("sk-live-0123456789")).unwrap();
        let debug = format!("{http:?} {:?} {:#?}", http.headers, http);
        assert!(!debug.contains("0123456789"), "{p}: {debug}");
        assert!(debug.contains("<redacted>"));
        let value = http
            .headers
            .iter()
            .find(|(n, _)| llm_sse_core::request::Headers::is_sensitive(n));
        assert!(value.is_some_and(|(_, v)| v.contains("sk-live-0123456789")));
    }
}

#[test]
fn json_errors_name_the_field() {
    let cases = [
        (
            r#"{"model":"m","messages":[{"role":"bot","content":"x"}]}"#,
            "unknown variant `bot`, expected one of `system`, `user`, `assistant`, `tool`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"n":2}"#,
            "unknown field `n`, expected one of `model`, `messages`, `max_tokens`, \
             `temperature`, `top_p`, `stop`, `tools`, `tool_choice`, `reasoning`, `cache`, \
             `provider_options`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x","name":"bob"}]}"#,
            "unknown field `name`, expected `role` or `content`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","cache_control":{}}]}]}"#,
            "unknown field `cache_control`, expected `text` or `cache`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a","cache":{"type":"ephemeral"}}]}]}"#,
            "unknown field `type`, expected `ttl`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"cache":{"ttl":"2h"}}"#,
            "unknown variant `2h`, expected `5m` or `1h`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","cache":true}]}"#,
            "invalid type: boolean `true`, expected struct CacheControl",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"video","url":"x"}]}]}"#,
            "unknown variant `video`, expected one of `text`, `image`, `tool_call`, \
             `tool_result`, `thinking`, `redacted_thinking`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":5}]}"#,
            "invalid type: integer `5`, expected a string or an array of content parts",
        ),
        (r#"{"messages":[]}"#, "missing field `model`"),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":-1}"#,
            "invalid value: integer `-1`, expected u32",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"any"}"#,
            "unknown variant `any`, expected one of `auto`, `none`, `required`, `tool`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning":{"effort":"max"}}"#,
            "unknown variant `max`, expected one of `none`, `minimal`, `low`, `medium`, `high`",
        ),
        (
            r#"{"model":"m","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"t","provider":"mistral"}]}]}"#,
            "unknown variant `mistral`, expected one of `anthropic`, `openai`, `gemini`",
        ),
        (
            r#"{"model":"m","#,
            "EOF while parsing a value at line 1 column 13",
        ),
    ];
    for (json, expected) in cases {
        let e = ChatRequest::from_json(json.as_bytes()).unwrap_err();
        let RequestError::InvalidJson { message } = &e else {
            panic!("{e:?}")
        };
        assert!(message.starts_with(expected), "{json}: {message}");
        assert!(e.to_string().starts_with("invalid request JSON: "));
    }
}

#[test]
fn the_documented_json_shape_parses_and_round_trips() {
    let json = r#"{
      "model": "claude-sonnet-4-5",
      "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "system", "content": [{"type": "text", "text": "<a long document>", "cache": {"ttl": "1h"}}]},
        {"role": "user", "content": [
          {"type": "text", "text": "What is in this picture, and what is the weather there?"},
          {"type": "image", "media_type": "image/png", "data": "iVBORw0KGgo=", "cache": {}}
        ]},
        {"role": "assistant", "content": [
          {"type": "thinking", "thinking": "The user wants...", "signature": "EqQBCg", "provider": "anthropic"},
          {"type": "redacted_thinking", "data": "opaque"},
          {"type": "text", "text": "That is the Eiffel Tower. Let me check the weather."},
          {"type": "tool_call", "id": "toolu_01", "name": "get_weather", "arguments": {"city": "Paris"}}
        ]},
        {"role": "tool", "content": [
          {"type": "tool_result", "call_id": "toolu_01", "content": "18 °C and sunny", "is_error": false}
        ]}
      ],
      "max_tokens": 1024,
      "temperature": 0.7,
      "top_p": 0.9,
      "stop": "\n\nHuman:",
      "tools": [{"name": "get_weather", "description": "Current weather for a city",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                 "cache": {"ttl": "1h"}}],
      "tool_choice": {"tool": "get_weather"},
      "reasoning": {"effort": "medium", "budget_tokens": 2048},
      "cache": {"ttl": "5m"},
      "provider_options": {"top_k": 40}
    }"#;
    let request = ChatRequest::from_json(json.as_bytes()).unwrap();
    assert_eq!(request.stop, ["\n\nHuman:"]);
    assert_eq!(
        request.tool_choice,
        Some(ToolChoice::Tool("get_weather".into()))
    );
    let hour = CacheControl::new().with_ttl(CacheTtl::OneHour);
    assert_eq!(
        request.messages[1],
        ChatMessage::system("<a long document>").with_cache(hour)
    );
    assert_eq!(
        request.messages[2].content.parts()[1],
        Part::image("image/png", "iVBORw0KGgo=").with_cache(CacheControl::new())
    );
    assert_eq!(request.tools[0].cache, Some(hour));
    assert_eq!(
        request.cache,
        Some(CacheControl::new().with_ttl(CacheTtl::FiveMinutes))
    );
    assert_eq!(
        request.messages[3].content,
        Content::Parts(vec![
            Part::Thinking {
                thinking: "The user wants...".into(),
                signature: Some("EqQBCg".into()),
                provider: Some(Provider::Anthropic),
            },
            Part::RedactedThinking {
                data: "opaque".into(),
                provider: None
            },
            Part::text("That is the Eiffel Tower. Let me check the weather."),
            Part::tool_call(
                Some("toolu_01".into()),
                "get_weather",
                json!({"city": "Paris"})
            ),
        ])
    );
    // Serialize, parse again: the same request.
    let again = serde_json::to_vec(&request).unwrap();
    assert_eq!(ChatRequest::from_json(&again).unwrap(), request);
    // Defaults: tool call arguments `{}`, tool parameters an empty object schema.
    let minimal = ChatRequest::from_json(
        br#"{"model":"m","messages":[{"role":"assistant","content":[{"type":"tool_call","name":"f"}]}],
             "tools":[{"name":"f"}]}"#,
    )
    .unwrap();
    assert_eq!(
        minimal.messages[0].content,
        Content::Parts(vec![Part::tool_call(None, "f", json!({}))])
    );
    assert_eq!(
        minimal.tools[0].parameters,
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(minimal.tools[0].description, None);
}

#[test]
fn the_seed_shape_maps_onto_a_request() {
    // stream_chat(messages, model, temperature)
    let seed: Vec<(&str, &str)> = vec![("system", "Be brief."), ("user", "Hi")];
    let messages = seed
        .iter()
        .map(|(role, content)| {
            let role = match *role {
                "system" => Role::System,
                "assistant" => Role::Assistant,
                _ => Role::User,
            };
            ChatMessage::new(role, *content)
        })
        .collect();
    let r = ChatRequest::new("gpt-4o", messages).with_temperature(0.7);
    let gateway = br#"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"model":"gpt-4o","temperature":0.7}"#;
    assert_eq!(ChatRequest::from_json(gateway).unwrap(), r);
    r.validate(Provider::OpenAi).unwrap();
}

/// Anthropic's rules for cache breakpoints: at most 4, and no longer lifetime after a shorter
/// one, in the order of the prompt (tools, system, messages). OpenAI and Gemini ignore them.
#[test]
fn cache_breakpoints_follow_anthropic_s_rules() {
    let five = CacheControl::new();
    let hour = CacheControl::new().with_ttl(CacheTtl::OneHour);
    let a = Provider::Anthropic;
    let text = |t: &str, c: CacheControl| Part::text(t).with_cache(c);

    // Five breakpoints on parts: the fifth is refused.
    let r = request(vec![
        ChatMessage::user(vec![text("a", five), text("b", five)]),
        ChatMessage::assistant(vec![text("c", five), text("d", five)]),
        ChatMessage::user(vec![text("e", five)]),
    ]);
    let (e, m) = err(a, &r);
    let too_many = CacheProblem::TooManyBreakpoints {
        provider: a,
        max: 4,
    };
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 0,
            problem: PartProblem::Cache(too_many)
        }
    );
    assert_eq!(
        m,
        "messages[2].content[0]: cache: one cache breakpoint too many: anthropic takes at most \
         4 per request"
    );
    for p in [Provider::OpenAi, Provider::Gemini] {
        assert!(build(p, &r, None).is_ok());
    }
    // Tools come first: the breakpoint after the fourth tool's is the one over.
    let tools: Vec<Tool> = (0..4)
        .map(|i| tool(&format!("t{i}")).with_cache(five))
        .collect();
    let r2 = request(vec![ChatMessage::user(vec![text("a", five)])]).with_tools(tools.clone());
    let (e, m) = err(a, &r2);
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 0,
            part: 0,
            problem: PartProblem::Cache(too_many)
        }
    );
    assert!(m.starts_with("messages[0].content[0]: cache: "), "{m}");
    let mut five_tools = tools;
    five_tools.push(tool("t4").with_cache(five));
    let (e, m) = err(a, &request(vec![user("Hi")]).with_tools(five_tools));
    assert_eq!(
        e,
        RequestError::InvalidTool {
            tool: 4,
            problem: ToolProblem::Cache(too_many)
        }
    );
    assert!(
        m.starts_with("tools[4]: cache: one cache breakpoint too many"),
        "{m}"
    );

    // A 1h breakpoint after a 5m one. System messages count before the conversation wherever
    // they are, and tools before them.
    let (e, m) = err(
        a,
        &request(vec![
            ChatMessage::user(vec![text("a", five)]),
            ChatMessage::assistant(vec![text("b", hour)]),
        ]),
    );
    let after_shorter = CacheProblem::TtlAfterShorter {
        provider: a,
        ttl: CacheTtl::OneHour,
        earlier: CacheTtl::FiveMinutes,
    };
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 1,
            part: 0,
            problem: PartProblem::Cache(after_shorter)
        }
    );
    assert_eq!(
        m,
        "messages[1].content[0]: cache: a 1h cache breakpoint after a 5m one: anthropic \
         requires longer lifetimes first (in the order tools, system, messages)"
    );
    let system_later = request(vec![
        ChatMessage::user(vec![text("a", five)]),
        ChatMessage::system("s").with_cache(hour),
    ]);
    assert!(build(a, &system_later, None).is_ok());
    let (e, _) = err(
        a,
        &system_later
            .clone()
            .with_tools(vec![tool("f").with_cache(five)]),
    );
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 1,
            part: 0,
            problem: PartProblem::Cache(after_shorter)
        }
    );
    // Inside a tool result, its content comes before the result itself.
    let answered = |inner: CacheControl, outer: CacheControl| {
        request(vec![
            user("Hi"),
            ChatMessage::assistant(vec![call(Some("c1"), "f")]),
            tool_message(vec![
                Part::tool_result("c1", vec![text("out", inner)]).with_cache(outer),
            ]),
        ])
        .with_tools(vec![tool("f")])
    };
    assert!(build(a, &answered(hour, five), None).is_ok());
    let (e, _) = err(a, &answered(five, hour));
    assert_eq!(
        e,
        RequestError::InvalidPart {
            message: 2,
            part: 0,
            problem: PartProblem::Cache(after_shorter)
        }
    );

    // The request's own breakpoint, on the last block: a fifth one, a longer one, or one that
    // disagrees with the last block's own lifetime.
    let four = request(vec![
        ChatMessage::user(vec![text("a", five), text("b", five), text("c", five)]),
        ChatMessage::assistant("ok"),
        ChatMessage::user(vec![text("d", five), Part::text("e")]),
    ]);
    let (e, m) = err(a, &four.clone().with_cache(five));
    assert_eq!(e, RequestError::InvalidCache { problem: too_many });
    assert!(m.starts_with("cache: one cache breakpoint too many"), "{m}");
    let (e, m) = err(
        a,
        &request(vec![ChatMessage::user(vec![
            text("a", five),
            Part::text("b"),
        ])])
        .with_cache(hour),
    );
    assert_eq!(
        e,
        RequestError::InvalidCache {
            problem: after_shorter
        }
    );
    assert!(
        m.starts_with("cache: a 1h cache breakpoint after a 5m one"),
        "{m}"
    );
    let (e, m) = err(
        a,
        &request(vec![ChatMessage::user(vec![text("a", five)])]).with_cache(hour),
    );
    assert_eq!(
        e,
        RequestError::InvalidCache {
            problem: CacheProblem::ConflictsWithLastBlock {
                provider: a,
                ttl: CacheTtl::FiveMinutes
            }
        }
    );
    assert_eq!(
        m,
        "cache: the last block has its own cache breakpoint with another lifetime (5m), which \
         anthropic refuses"
    );
    // The same lifetime as the last block's own: nothing more (a fifth would be refused).
    let mut same = four.clone();
    same.messages[2] = ChatMessage::user(vec![text("d", five), text("e", five)]);
    same.messages[0] = ChatMessage::user(vec![text("a", five), text("b", five), Part::text("c")]);
    let http = build(
        a,
        &same.with_cache(CacheControl::new().with_ttl(CacheTtl::FiveMinutes)),
        None,
    )
    .unwrap();
    assert_eq!(http.body.to_string().matches("cache_control").count(), 4);
    // Refused by Anthropic only.
    let over = four
        .with_cache(hour)
        .with_tools(vec![tool("f").with_cache(five)]);
    assert!(build(a, &over, None).is_err());
    for p in [Provider::OpenAi, Provider::Gemini] {
        assert!(build(p, &over, None).is_ok());
    }
}
