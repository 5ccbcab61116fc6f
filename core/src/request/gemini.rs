//! The Gemini request: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`.

use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::chunk::Provider;

use super::validate::{Plan, call_at};
use super::{ChatRequest, Content, Part, Role, ToolChoice, from_provider, object};

/// The JSON body, before `provider_options`.
pub(super) fn body(request: &ChatRequest, plan: &Plan) -> Map<String, Value> {
    let mut system = Vec::new();
    let mut contents: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        let parts = message.content.parts();
        if message.role == Role::System {
            system.extend(parts.iter().filter_map(|part| match part {
                Part::Text { text, .. } => Some(object([("text", text.as_str().into())])),
                _ => None,
            }));
            continue;
        }
        let mut out: Vec<Map<String, Value>> = Vec::with_capacity(parts.len());
        for (j, part) in parts.iter().enumerate() {
            match part {
                Part::Text { text, .. } => out.push(map([("text", text.as_str().into())])),
                Part::Image {
                    media_type, data, ..
                } => out.push(map([(
                    "inlineData",
                    object([
                        ("mimeType", media_type.as_str().into()),
                        ("data", data.as_str().into()),
                    ]),
                )])),
                Part::ToolCall {
                    id,
                    name,
                    arguments,
                    ..
                } => {
                    let mut call = Map::new();
                    call.insert("name".into(), name.as_str().into());
                    call.insert("args".into(), arguments.clone());
                    if let Some(id) = id {
                        call.insert("id".into(), id.as_str().into());
                    }
                    out.push(map([("functionCall", Value::Object(call))]));
                }
                Part::ToolResult {
                    content, is_error, ..
                } => {
                    let Some((id, name)) =
                        plan.call_of(i, j).and_then(|(k, l)| call_at(request, k, l))
                    else {
                        continue;
                    };
                    let key = if *is_error { "error" } else { "output" };
                    let mut response = Map::new();
                    response.insert("name".into(), name.into());
                    response.insert("response".into(), object([(key, text_of(content).into())]));
                    if let Some(id) = id {
                        response.insert("id".into(), id.into());
                    }
                    out.push(map([("functionResponse", Value::Object(response))]));
                }
                Part::Thinking {
                    thinking,
                    signature,
                    provider,
                } if from_provider(*provider, Provider::Gemini) => {
                    if thinking.is_empty() {
                        // A signature the stream carried on a part that is already here (a text
                        // or functionCall part): it goes back on that part, where Gemini put it.
                        let Some(signature) = signature else { continue };
                        match out.last_mut() {
                            Some(last) if !last.contains_key("thoughtSignature") => {
                                last.insert("thoughtSignature".into(), signature.as_str().into());
                            }
                            _ => out.push(map([
                                ("text", "".into()),
                                ("thoughtSignature", signature.as_str().into()),
                            ])),
                        }
                    } else {
                        let mut part =
                            map([("text", thinking.as_str().into()), ("thought", true.into())]);
                        if let Some(signature) = signature {
                            part.insert("thoughtSignature".into(), signature.as_str().into());
                        }
                        out.push(part);
                    }
                }
                Part::Thinking { .. } | Part::RedactedThinking { .. } => {}
            }
        }
        if out.is_empty() {
            continue;
        }
        let role = match message.role {
            Role::Assistant => "model",
            _ => "user",
        };
        let out = out.into_iter().map(Value::Object);
        match contents.last_mut() {
            Some((last, parts)) if *last == role => parts.extend(out),
            _ => contents.push((role, out.collect())),
        }
    }

    let mut body = Map::new();
    let contents = contents
        .into_iter()
        .map(|(role, parts)| object([("role", role.into()), ("parts", parts.into())]))
        .collect::<Vec<_>>();
    body.insert("contents".into(), contents.into());
    if !system.is_empty() {
        body.insert(
            "systemInstruction".into(),
            object([("parts", system.into())]),
        );
    }
    let mut config = Map::new();
    if let Some(t) = request.temperature {
        config.insert("temperature".into(), t.into());
    }
    if let Some(p) = request.top_p {
        config.insert("topP".into(), p.into());
    }
    if let Some(max) = request.max_tokens {
        config.insert("maxOutputTokens".into(), max.into());
    }
    if !request.stop.is_empty() {
        config.insert("stopSequences".into(), request.stop.clone().into());
    }
    if let Some(budget) = request.reasoning.and_then(|r| r.budget_or_from_effort()) {
        config.insert(
            "thinkingConfig".into(),
            object([
                ("thinkingBudget", budget.into()),
                ("includeThoughts", (budget > 0).into()),
            ]),
        );
    }
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    if !request.tools.is_empty() {
        let declarations = request.tools.iter().map(|tool| {
            let mut f = Map::new();
            f.insert("name".into(), tool.name.as_str().into());
            if let Some(description) = &tool.description {
                f.insert("description".into(), description.as_str().into());
            }
            // Full JSON Schema, as given (`parameters` takes only an OpenAPI subset).
            f.insert("parametersJsonSchema".into(), tool.parameters.clone());
            Value::Object(f)
        });
        let declarations = declarations.collect::<Vec<_>>();
        body.insert(
            "tools".into(),
            Value::Array(alloc::vec![object([(
                "functionDeclarations",
                declarations.into()
            )])]),
        );
    }
    if let Some(choice) = &request.tool_choice {
        let config = match choice {
            ToolChoice::Auto => object([("mode", "AUTO".into())]),
            ToolChoice::None => object([("mode", "NONE".into())]),
            ToolChoice::Required => object([("mode", "ANY".into())]),
            ToolChoice::Tool(name) => object([
                ("mode", "ANY".into()),
                (
                    "allowedFunctionNames",
                    Value::Array(alloc::vec![name.as_str().into()]),
                ),
            ]),
        };
        body.insert(
            "toolConfig".into(),
            object([("functionCallingConfig", config)]),
        );
    }
    body
}

/// A function response's text: the content's text parts joined by newlines (a function response
/// is one JSON object; validation refuses images here).
fn text_of(content: &Content) -> String {
    match content {
        Content::Text(text) => text.clone(),
        Content::Parts(parts) => {
            let mut out = String::new();
            for part in parts {
                if let Part::Text { text, .. } = part {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(text);
                }
            }
            out
        }
    }
}

fn map<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(k, v)| (k.into(), v)).collect()
}
