//! The Anthropic Messages request: `POST {base}/v1/messages`; on Amazon Bedrock and Google
//! Vertex AI the same body with the platform's `anthropic_version` and without the fields their
//! path carries.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::chunk::Provider;

use super::validate::{Plan, anthropic_max_tokens};
use super::{
    CacheControl, ChatRequest, Content, Part, ReasoningEffort, Role, ToolChoice, call_id,
    from_provider, object,
};

/// The JSON body for `provider` (streaming on), before `provider_options`.
pub(super) fn body(request: &ChatRequest, plan: &Plan, provider: Provider) -> Map<String, Value> {
    let mut system = Vec::new();
    let mut turns: Vec<(&'static str, Vec<Value>)> = Vec::new();
    for (i, message) in request.messages.iter().enumerate() {
        let parts = message.content.parts();
        if message.role == Role::System {
            system.extend(parts.iter().filter_map(|part| match part {
                Part::Text { text, cache } => Some(text_block(text, *cache)),
                _ => None,
            }));
            continue;
        }
        let mut blocks = Vec::with_capacity(parts.len());
        for (j, part) in parts.iter().enumerate() {
            if let Some(block) = block(request, plan, provider, i, j, part) {
                blocks.push(block);
            }
        }
        // Only an assistant message of nothing but other providers' reasoning ends up empty.
        if blocks.is_empty() {
            continue;
        }
        let role = match message.role {
            Role::Assistant => "assistant",
            _ => "user",
        };
        // The API requires alternating turns: consecutive messages of one role become one turn.
        // Tool results always come first in their user turn, as Anthropic requires: validation
        // puts tool messages right after the assistant message whose calls they answer.
        match turns.last_mut() {
            Some((last, content)) if *last == role => content.extend(blocks),
            _ => turns.push((role, blocks)),
        }
    }

    let mut body = Map::new();
    body.insert("model".into(), request.model.as_str().into());
    body.insert("max_tokens".into(), anthropic_max_tokens(request).into());
    let messages = turns
        .into_iter()
        .map(|(role, content)| object([("role", role.into()), ("content", content.into())]))
        .collect::<Vec<_>>();
    body.insert("messages".into(), messages.into());
    if !system.is_empty() {
        body.insert("system".into(), system.into());
    }
    if let Some(t) = request.temperature {
        body.insert("temperature".into(), t.into());
    }
    if let Some(p) = request.top_p {
        body.insert("top_p".into(), p.into());
    }
    if !request.stop.is_empty() {
        body.insert("stop_sequences".into(), request.stop.clone().into());
    }
    if !request.tools.is_empty() {
        let tools = request.tools.iter().map(|tool| {
            let mut t = Map::new();
            t.insert("name".into(), tool.name.as_str().into());
            if let Some(description) = &tool.description {
                t.insert("description".into(), description.as_str().into());
            }
            t.insert("input_schema".into(), tool.parameters.clone());
            if let Some(cache) = tool.cache {
                t.insert("cache_control".into(), cache_control(cache));
            }
            Value::Object(t)
        });
        body.insert("tools".into(), tools.collect::<Vec<_>>().into());
    }
    if let Some(choice) = &request.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => object([("type", "auto".into())]),
            ToolChoice::None => object([("type", "none".into())]),
            ToolChoice::Required => object([("type", "any".into())]),
            ToolChoice::Tool(name) => {
                object([("type", "tool".into()), ("name", name.as_str().into())])
            }
        };
        body.insert("tool_choice".into(), choice);
    }
    if let Some(reasoning) = request.reasoning {
        match (reasoning.budget_tokens, reasoning.effort) {
            (Some(0), _) | (None, Some(ReasoningEffort::None)) => {
                body.insert("thinking".into(), object([("type", "disabled".into())]));
            }
            (Some(budget), _) => {
                let thinking =
                    object([("type", "enabled".into()), ("budget_tokens", budget.into())]);
                body.insert("thinking".into(), thinking);
            }
            (None, Some(effort)) => {
                // Adaptive thinking: the model decides how much to think, guided by the effort
                // (low, medium or high; Anthropic has no "minimal").
                let effort = match effort {
                    ReasoningEffort::Medium => "medium",
                    ReasoningEffort::High => "high",
                    _ => "low",
                };
                body.insert("thinking".into(), object([("type", "adaptive".into())]));
                body.insert("output_config".into(), object([("effort", effort.into())]));
            }
            (None, None) => {}
        }
    }
    body.insert("stream".into(), true.into());
    match provider {
        // The model is in the path, and streaming is the endpoint itself
        // (`invoke-with-response-stream`).
        Provider::Bedrock => {
            body.remove("model");
            body.remove("stream");
            body.insert("anthropic_version".into(), BEDROCK_VERSION.into());
        }
        // The model is in the path; `streamRawPredict` needs `"stream": true`.
        Provider::Vertex => {
            body.remove("model");
            body.insert("anthropic_version".into(), VERTEX_VERSION.into());
        }
        Provider::Anthropic | Provider::OpenAi | Provider::Gemini => {}
    }
    body
}

/// Bedrock's `anthropic_version` body field.
const BEDROCK_VERSION: &str = "bedrock-2023-05-31";

/// Vertex AI's `anthropic_version` body field.
const VERTEX_VERSION: &str = "vertex-2023-10-16";

/// The content block of part `j` of message `i`, or `None` for a part Anthropic does not take.
fn block(
    request: &ChatRequest,
    plan: &Plan,
    to: Provider,
    i: usize,
    j: usize,
    part: &Part,
) -> Option<Value> {
    let cache = plan.cache_of(request, i, j, part.cache());
    Some(match part {
        Part::Text { text, .. } => text_block(text, cache),
        Part::Image {
            media_type, data, ..
        } => image_block(media_type, data, cache),
        Part::ToolCall {
            id,
            name,
            arguments,
            ..
        } => with_cache(
            object([
                ("type", "tool_use".into()),
                ("id", tool_use_id(id.as_deref(), i, j).into()),
                ("name", name.as_str().into()),
                ("input", arguments.clone()),
            ]),
            cache,
        ),
        Part::ToolResult {
            content, is_error, ..
        } => {
            let (k, l) = plan.call_of(i, j)?;
            let id = call_id(request, k, l)?;
            let mut block = Map::new();
            block.insert("type".into(), "tool_result".into());
            block.insert("tool_use_id".into(), sanitize_id(&id).into());
            let content = match content {
                Content::Text(text) => Value::from(text.as_str()),
                Content::Parts(parts) => parts
                    .iter()
                    .filter_map(|part| match part {
                        Part::Text { text, cache } => Some(text_block(text, *cache)),
                        Part::Image {
                            media_type,
                            data,
                            cache,
                        } => Some(image_block(media_type, data, *cache)),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .into(),
            };
            block.insert("content".into(), content);
            if *is_error {
                block.insert("is_error".into(), true.into());
            }
            with_cache(Value::Object(block), cache)
        }
        // Anthropic rejects thinking blocks without a valid signature: unsigned reasoning and
        // other providers' reasoning stay out. Thinking blocks take no cache breakpoint.
        Part::Thinking {
            thinking,
            signature: Some(signature),
            provider,
        } if from_provider(*provider, to) => object([
            ("type", "thinking".into()),
            ("thinking", thinking.as_str().into()),
            ("signature", signature.as_str().into()),
        ]),
        Part::Thinking { .. } => return None,
        Part::RedactedThinking { data, provider } if from_provider(*provider, to) => object([
            ("type", "redacted_thinking".into()),
            ("data", data.as_str().into()),
        ]),
        Part::RedactedThinking { .. } => return None,
    })
}

fn text_block(text: &str, cache: Option<CacheControl>) -> Value {
    with_cache(
        object([("type", "text".into()), ("text", text.into())]),
        cache,
    )
}

fn image_block(media_type: &str, data: &str, cache: Option<CacheControl>) -> Value {
    let source = object([
        ("type", "base64".into()),
        ("media_type", media_type.into()),
        ("data", data.into()),
    ]);
    with_cache(
        object([("type", "image".into()), ("source", source)]),
        cache,
    )
}

/// `block` with `cache_control` when `cache` is set.
fn with_cache(mut block: Value, cache: Option<CacheControl>) -> Value {
    if let (Value::Object(map), Some(cache)) = (&mut block, cache) {
        map.insert("cache_control".into(), cache_control(cache));
    }
    block
}

/// `{"type": "ephemeral"}`, with `"ttl": "5m"` or `"1h"` when given.
fn cache_control(cache: CacheControl) -> Value {
    let mut control = Map::new();
    control.insert("type".into(), "ephemeral".into());
    if let Some(ttl) = cache.ttl {
        control.insert("ttl".into(), ttl.as_str().into());
    }
    Value::Object(control)
}

/// A `tool_use` id: the call's own (made safe), else the derived `call_{i}_{j}`.
fn tool_use_id(id: Option<&str>, i: usize, j: usize) -> String {
    match id {
        Some(id) => sanitize_id(id).into_owned(),
        None => super::derived_call_id(i, j),
    }
}

/// Anthropic tool ids match `^[a-zA-Z0-9_-]+$`: other characters (ids from other providers,
/// such as `functions.get_weather:0`) become `_`, the same way in `tool_use` and `tool_result`.
fn sanitize_id(id: &str) -> Cow<'_, str> {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if id.chars().all(ok) {
        Cow::Borrowed(id)
    } else {
        Cow::Owned(id.chars().map(|c| if ok(c) { c } else { '_' }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_safe() {
        assert_eq!(sanitize_id("toolu_01A-b"), "toolu_01A-b");
        assert_eq!(
            sanitize_id("functions.get_weather:0"),
            "functions_get_weather_0"
        );
        assert_eq!(sanitize_id("é"), "_");
        assert_eq!(tool_use_id(None, 3, 1), "call_3_1");
    }
}
