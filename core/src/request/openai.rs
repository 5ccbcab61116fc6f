//! The OpenAI-compatible Chat Completions request: `POST {base}/chat/completions`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::validate::Plan;
use super::{ChatRequest, Content, Part, Role, ToolChoice, call_id, object};

/// The JSON body (streaming on, usage asked for), before `provider_options`.
pub(super) fn body(request: &ChatRequest, plan: &Plan) -> Map<String, Value> {
    let mut messages = Vec::with_capacity(request.messages.len());
    for (i, message) in request.messages.iter().enumerate() {
        match message.role {
            Role::System | Role::User => {
                let role = if message.role == Role::System {
                    "system"
                } else {
                    "user"
                };
                messages.push(object([
                    ("role", role.into()),
                    ("content", content(&message.content)),
                ]));
            }
            Role::Assistant => {
                if let Some(m) = assistant(request, i, &message.content) {
                    messages.push(m);
                }
            }
            Role::Tool => {
                // One `tool` message per result, in order.
                for (j, part) in message.content.parts().iter().enumerate() {
                    let Part::ToolResult { content: c, .. } = part else {
                        continue;
                    };
                    let Some(id) = plan.call_of(i, j).and_then(|(k, l)| call_id(request, k, l))
                    else {
                        continue;
                    };
                    messages.push(object([
                        ("role", "tool".into()),
                        ("tool_call_id", id.into()),
                        ("content", content(c)),
                    ]));
                }
            }
        }
    }

    let mut body = Map::new();
    body.insert("model".into(), request.model.as_str().into());
    body.insert("messages".into(), messages.into());
    if let Some(max) = request.max_tokens {
        // `max_tokens` is deprecated and refused by reasoning models; servers that only know
        // `max_tokens` get it with provider_options {"max_tokens": N, "max_completion_tokens": null}.
        body.insert("max_completion_tokens".into(), max.into());
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), t.into());
    }
    if let Some(p) = request.top_p {
        body.insert("top_p".into(), p.into());
    }
    if !request.stop.is_empty() {
        body.insert("stop".into(), request.stop.clone().into());
    }
    if !request.tools.is_empty() {
        let tools = request.tools.iter().map(|tool| {
            let mut function = Map::new();
            function.insert("name".into(), tool.name.as_str().into());
            if let Some(description) = &tool.description {
                function.insert("description".into(), description.as_str().into());
            }
            function.insert("parameters".into(), tool.parameters.clone());
            object([
                ("type", "function".into()),
                ("function", Value::Object(function)),
            ])
        });
        body.insert("tools".into(), tools.collect::<Vec<_>>().into());
    }
    if let Some(choice) = &request.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => "auto".into(),
            ToolChoice::None => "none".into(),
            ToolChoice::Required => "required".into(),
            ToolChoice::Tool(name) => object([
                ("type", "function".into()),
                ("function", object([("name", name.as_str().into())])),
            ]),
        };
        body.insert("tool_choice".into(), choice);
    }
    if let Some(effort) = request.reasoning.and_then(|r| r.effort_or_from_budget()) {
        body.insert("reasoning_effort".into(), effort.as_str().into());
    }
    body.insert("stream".into(), true.into());
    // Our decoders read usage from the final chunk, which only this option makes servers send.
    body.insert(
        "stream_options".into(),
        object([("include_usage", true.into())]),
    );
    body
}

/// A system, user or tool message's `content`: a string for plain text (or one text part, which
/// every compatible server accepts), else an array of `text` and `image_url` parts.
fn content(content: &Content) -> Value {
    match content {
        Content::Text(text) => text.as_str().into(),
        Content::Parts(parts) => match parts.as_slice() {
            [Part::Text { text, .. }] => text.as_str().into(),
            parts => parts
                .iter()
                .filter_map(|part| match part {
                    Part::Text { text, .. } => Some(object([
                        ("type", "text".into()),
                        ("text", text.as_str().into()),
                    ])),
                    Part::Image {
                        media_type, data, ..
                    } => Some(object([
                        ("type", "image_url".into()),
                        (
                            "image_url",
                            object([("url", format!("data:{media_type};base64,{data}").into())]),
                        ),
                    ])),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .into(),
        },
    }
}

/// The assistant message: its text concatenated into `content` (`null` when there is none) and
/// its calls as `tool_calls`; `None` when there is neither (reasoning only: Chat Completions
/// takes no reasoning back).
fn assistant(request: &ChatRequest, i: usize, content: &Content) -> Option<Value> {
    let mut text: Option<String> = None;
    let mut calls = Vec::new();
    for (j, part) in content.parts().iter().enumerate() {
        match part {
            Part::Text { text: t, .. } => text.get_or_insert_with(String::new).push_str(t),
            Part::ToolCall {
                name, arguments, ..
            } => {
                let id = call_id(request, i, j)?;
                let arguments = serde_json::to_string(arguments).unwrap_or_default();
                calls.push(object([
                    ("id", id.into()),
                    ("type", "function".into()),
                    (
                        "function",
                        object([
                            ("name", name.as_str().into()),
                            ("arguments", arguments.into()),
                        ]),
                    ),
                ]));
            }
            _ => {}
        }
    }
    if text.is_none() && calls.is_empty() {
        return None;
    }
    let mut message = Map::new();
    message.insert("role".into(), "assistant".into());
    message.insert("content".into(), text.map_or(Value::Null, Value::from));
    if !calls.is_empty() {
        message.insert("tool_calls".into(), calls.into());
    }
    Some(Value::Object(message))
}
