//! The request: a Messages request body in, a [`DialectRequest`] out
//! ([`decode_request`]).

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{Map, Value};

use crate::request::{
    CacheControl, CacheTtl, ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort,
    Role, Tool, ToolChoice,
};

use crate::dialect::read::{Obj, Read, Refusal, expected, item, parse_body, strings};
use crate::dialect::{Dialect, DialectError, DialectRequest, ErrorKind, FieldNames, Origin};

use super::PASSTHROUGH;

/// The request fields the decoder reads (the [`PASSTHROUGH`] ones are known too).
const TOP_LEVEL: &[&str] = &[
    "model",
    "messages",
    "max_tokens",
    "system",
    "stop_sequences",
    "stream",
    "temperature",
    "top_p",
    "tools",
    "tool_choice",
    "thinking",
    "output_config",
    "cache_control",
];

const UNSUPPORTED_TOP_LEVEL: &[(&str, &str)] = &[
    ("container", "code execution containers are not supported"),
    ("mcp_servers", "MCP servers are not supported"),
    ("context_management", "context management is not supported"),
];

/// Block types of the API that the gateway does not take.
const UNSUPPORTED_BLOCKS: &[&str] = &[
    "document",
    "search_result",
    "container_upload",
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
];

/// Reads a Messages request body (see the [module docs](super) for the fields).
///
/// # Errors
///
/// A `400` [`DialectError`] naming the field: [`ErrorKind::InvalidJson`],
/// [`ErrorKind::MissingField`], [`ErrorKind::InvalidValue`], [`ErrorKind::UnknownField`] or
/// [`ErrorKind::Unsupported`].
///
/// ```
/// use llm_sse_core::dialect::{anthropic, ErrorKind};
/// use llm_sse_core::request::{Part, Role};
///
/// let request = anthropic::decode_request(br#"{
///     "model": "openai/gpt-4o",
///     "max_tokens": 1024,
///     "system": "Be brief.",
///     "messages": [
///         {"role": "user", "content": "Weather in Paris?"},
///         {"role": "assistant", "content": [
///             {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
///         {"role": "user", "content": [
///             {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"},
///             {"type": "text", "text": "And tomorrow?"}]}
///     ],
///     "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
///     "stream": true
/// }"#)?;
/// let roles: Vec<Role> = request.chat.messages.iter().map(|m| m.role).collect();
/// assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::Tool, Role::User]);
/// assert!(request.stream);
///
/// let error = anthropic::decode_request(br#"{"model":"m","messages":[{"role":"user",
///     "content":[{"type":"text","text":"Hi","cache_control":{"type":"ephemeral","ttl":"1d"}}]}]}"#).unwrap_err();
/// assert_eq!(error.kind, ErrorKind::InvalidValue);
/// assert_eq!(error.param.as_deref(), Some("messages[0].content[0].cache_control.ttl"));
/// # Ok::<(), llm_sse_core::dialect::DialectError>(())
/// ```
pub fn decode_request(body: &[u8]) -> Result<DialectRequest, DialectError> {
    decode(body).map_err(|r| r.into_error(Dialect::Anthropic))
}

fn decode(body: &[u8]) -> Read<DialectRequest> {
    let root = parse_body(body)?;
    let top = Obj::of(&root, "")?;
    top.only_in(&[TOP_LEVEL, PASSTHROUGH], UNSUPPORTED_TOP_LEVEL)?;
    let model = top.required_string("model")?;
    let stream = top.boolean("stream")?.unwrap_or(false);

    let mut out = Messages::default();
    if let Some(system) = top.get("system") {
        read_system(system, &mut out)?;
    }
    let messages = top.array("messages")?.ok_or_else(|| {
        Refusal::new(
            ErrorKind::MissingField,
            "messages",
            "missing required field",
        )
    })?;
    for (i, value) in messages.iter().enumerate() {
        read_message(value, i, &mut out)?;
    }

    let mut chat = ChatRequest::new(model, out.messages);
    chat.max_tokens = top.count("max_tokens")?;
    chat.temperature = top.number("temperature")?;
    chat.top_p = top.number("top_p")?;
    if let Some(stop) = top.get("stop_sequences") {
        chat.stop = strings(stop, "stop_sequences", false)?;
    }
    if let Some(tools) = top.array("tools")? {
        chat.tools = tools
            .iter()
            .enumerate()
            .map(|(i, tool)| read_tool(tool, &item("tools", i)))
            .collect::<Read<_>>()?;
    }

    let mut passthrough = Map::new();
    let mut passthrough_fields = Vec::new();
    for &key in PASSTHROUGH {
        if let Some(value) = top.get(key) {
            passthrough.insert(key.into(), value.clone());
            passthrough_fields.push(key.into());
        }
    }
    if let Some(choice) = top.get("tool_choice") {
        let (choice, disable_parallel) = read_tool_choice(choice)?;
        chat.tool_choice = Some(choice);
        if disable_parallel {
            let mut patch = Map::new();
            patch.insert("disable_parallel_tool_use".into(), Value::Bool(true));
            passthrough.insert("tool_choice".into(), Value::Object(patch));
            passthrough_fields.push("tool_choice.disable_parallel_tool_use".into());
        }
    }
    chat.reasoning = read_reasoning(&top)?;
    chat.cache = read_cache(&top)?;

    Ok(DialectRequest {
        dialect: Dialect::Anthropic,
        model: model.into(),
        chat,
        stream,
        include_usage: false,
        passthrough,
        passthrough_fields,
        origins: out.origins,
        names: FieldNames {
            max_tokens: "max_tokens",
            stop: "stop_sequences",
            reasoning: "thinking",
            budget: "thinking.budget_tokens",
        },
    })
}

/// The messages read so far and where each came from.
#[derive(Default)]
struct Messages {
    messages: Vec<ChatMessage>,
    origins: Vec<Origin>,
}

impl Messages {
    fn push(&mut self, role: Role, content: Content, origin: Origin) {
        self.messages.push(ChatMessage::new(role, content));
        self.origins.push(origin);
    }
}

/// `system`: a string or an array of text blocks.
fn read_system(value: &Value, out: &mut Messages) -> Read<()> {
    let path = "system";
    let (content, parts) = match value {
        Value::String(text) => (Content::Text(text.clone()), alloc::vec![path.into()]),
        Value::Array(blocks) => {
            let mut parts = Vec::with_capacity(blocks.len());
            let mut paths = Vec::with_capacity(blocks.len());
            for (k, block) in blocks.iter().enumerate() {
                let block_path = item(path, k);
                let obj = Obj::of(block, &block_path)?;
                match obj.required_string("type")? {
                    "text" => parts.push(read_text(&obj)?),
                    other => {
                        return Err(Refusal::invalid(
                            &obj.path_of("type"),
                            format_args!("{other:?} blocks are not accepted in system"),
                        ));
                    }
                }
                paths.push(block_path);
            }
            (Content::Parts(parts), paths)
        }
        other => return Err(expected(path, "a string or an array of text blocks", other)),
    };
    let origin = Origin {
        message: path.into(),
        content: path.into(),
        parts,
    };
    out.push(Role::System, content, origin);
    Ok(())
}

/// One of `messages`: a user turn (split into tool results and the rest, in order) or an
/// assistant turn.
fn read_message(value: &Value, i: usize, out: &mut Messages) -> Read<()> {
    let path = item("messages", i);
    let obj = Obj::of(value, &path)?;
    obj.only(&["role", "content"], &[])?;
    let role = match obj.required_string("role")? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        other => {
            return Err(Refusal::invalid(
                &obj.path_of("role"),
                format_args!("unknown role {other:?} (expected user or assistant)"),
            ));
        }
    };
    let content_path = obj.path_of("content");
    let blocks = match obj.required("content")? {
        Value::String(text) => {
            let origin = Origin {
                message: path,
                content: content_path.clone(),
                parts: alloc::vec![content_path],
            };
            out.push(role, Content::Text(text.clone()), origin);
            return Ok(());
        }
        Value::Array(blocks) => blocks,
        other => {
            return Err(expected(
                &content_path,
                "a string or an array of blocks",
                other,
            ));
        }
    };
    if blocks.is_empty() {
        // Validation refuses it, naming this message.
        let origin = Origin {
            message: path,
            content: content_path,
            parts: Vec::new(),
        };
        out.push(role, Content::Parts(Vec::new()), origin);
        return Ok(());
    }
    // Consecutive blocks of one kind (tool results, or the rest) make one message.
    let mut run: Option<(Role, Vec<Part>, Vec<String>)> = None;
    for (j, block) in blocks.iter().enumerate() {
        let block_path = item(&content_path, j);
        let (part_role, part) = read_block(block, &block_path, role)?;
        match &mut run {
            Some((r, parts, paths)) if *r == part_role => {
                parts.push(part);
                paths.push(block_path);
            }
            _ => {
                if let Some((r, parts, paths)) = run.take() {
                    out.push(
                        r,
                        Content::Parts(parts),
                        origin(&path, &content_path, paths),
                    );
                }
                run = Some((part_role, alloc::vec![part], alloc::vec![block_path]));
            }
        }
    }
    if let Some((r, parts, paths)) = run {
        out.push(
            r,
            Content::Parts(parts),
            origin(&path, &content_path, paths),
        );
    }
    Ok(())
}

fn origin(message: &str, content: &str, parts: Vec<String>) -> Origin {
    Origin {
        message: message.into(),
        content: content.into(),
        parts,
    }
}

/// One content block of a turn of `role`, and the role of the message it goes to (a user's
/// `tool_result` goes to a tool message).
fn read_block(value: &Value, path: &str, role: Role) -> Read<(Role, Part)> {
    let block = Obj::of(value, path)?;
    let kind = block.required_string("type")?;
    let part = match (role, kind) {
        (_, "text") => read_text(&block)?,
        (Role::User, "image") => read_image(&block)?,
        (Role::User, "tool_result") => return Ok((Role::Tool, read_tool_result(&block)?)),
        (Role::Assistant, "tool_use") => {
            block.only(&["type", "id", "name", "input", "cache_control"], &[])?;
            let input = match block.get("input") {
                Some(input) => input.clone(),
                None => Value::Object(Map::new()),
            };
            let call = Part::tool_call(
                Some(block.required_string("id")?.into()),
                block.required_string("name")?,
                input,
            );
            with_cache(call, read_cache(&block)?)
        }
        (Role::Assistant, "thinking") => {
            block.only(&["type", "thinking", "signature"], &[NO_CACHE_ON_THINKING])?;
            Part::Thinking {
                thinking: block.required_string("thinking")?.into(),
                signature: block
                    .string("signature")?
                    .filter(|s| !s.is_empty())
                    .map(ToOwned::to_owned),
                provider: None,
            }
        }
        (Role::Assistant, "redacted_thinking") => {
            block.only(&["type", "data"], &[NO_CACHE_ON_THINKING])?;
            Part::RedactedThinking {
                data: block.required_string("data")?.into(),
                provider: None,
            }
        }
        (_, kind) if UNSUPPORTED_BLOCKS.contains(&kind) => {
            return Err(Refusal::unsupported(
                &block.path_of("type"),
                format_args!("{kind} blocks are not supported in {role} turns"),
            ));
        }
        (_, other) => {
            return Err(Refusal::invalid(
                &block.path_of("type"),
                format_args!("{other:?} blocks are not accepted in {role} turns"),
            ));
        }
    };
    Ok((role, part))
}

/// A `text` block.
fn read_text(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(
        &["type", "text", "cache_control"],
        &[("citations", "citations are not supported")],
    )?;
    let text = Part::text(block.required_string("text")?);
    Ok(with_cache(text, read_cache(block)?))
}

/// Thinking blocks take no `cache_control`.
const NO_CACHE_ON_THINKING: (&str, &str) = (
    "cache_control",
    "thinking blocks cannot take a cache breakpoint (put it on a later block)",
);

/// The `cache_control` of `obj`: `{"type": "ephemeral"}`, with an optional `ttl` of `5m` or
/// `1h`.
fn read_cache(obj: &Obj<'_, '_>) -> Read<Option<CacheControl>> {
    let Some(value) = obj.get("cache_control") else {
        return Ok(None);
    };
    let path = obj.path_of("cache_control");
    let control = Obj::of(value, &path)?;
    control.only(&["type", "ttl"], &[])?;
    match control.required_string("type")? {
        "ephemeral" => {}
        other => {
            return Err(Refusal::invalid(
                &control.path_of("type"),
                format_args!("{other:?} is not a cache type (expected ephemeral)"),
            ));
        }
    }
    let cache = CacheControl::new();
    Ok(Some(match control.string("ttl")? {
        None => cache,
        Some("5m") => cache.with_ttl(CacheTtl::FiveMinutes),
        Some("1h") => cache.with_ttl(CacheTtl::OneHour),
        Some(other) => {
            return Err(Refusal::invalid(
                &control.path_of("ttl"),
                format_args!("{other:?} is not a cache lifetime (expected 5m or 1h)"),
            ));
        }
    }))
}

/// `part` with the breakpoint `cache`, if any.
fn with_cache(part: Part, cache: Option<CacheControl>) -> Part {
    match cache {
        Some(cache) => part.with_cache(cache),
        None => part,
    }
}

/// An `image` block with a `base64` source.
fn read_image(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(&["type", "source", "cache_control"], &[])?;
    let source_path = block.path_of("source");
    let source = Obj::of(block.required("source")?, &source_path)?;
    match source.required_string("type")? {
        "base64" => {}
        other => {
            return Err(Refusal::unsupported(
                &source.path_of("type"),
                format_args!(
                    "{other:?} image sources are not supported (only base64: the gateway fetches \
                     nothing)"
                ),
            ));
        }
    }
    source.only(&["type", "media_type", "data"], &[])?;
    let image = Part::image(
        source.required_string("media_type")?,
        source.required_string("data")?,
    );
    Ok(with_cache(image, read_cache(block)?))
}

/// A `tool_result` block.
fn read_tool_result(block: &Obj<'_, '_>) -> Read<Part> {
    block.only(
        &[
            "type",
            "tool_use_id",
            "content",
            "is_error",
            "cache_control",
        ],
        &[],
    )?;
    let call_id = block.required_string("tool_use_id")?;
    let content_path = block.path_of("content");
    let content = match block.get("content") {
        None => Content::Text(String::new()),
        Some(Value::String(text)) => Content::Text(text.clone()),
        Some(Value::Array(items)) => {
            let mut parts = Vec::with_capacity(items.len());
            for (k, value) in items.iter().enumerate() {
                let inner_path = item(&content_path, k);
                let inner = Obj::of(value, &inner_path)?;
                parts.push(match inner.required_string("type")? {
                    "text" => read_text(&inner)?,
                    "image" => read_image(&inner)?,
                    other => {
                        return Err(Refusal::unsupported(
                            &inner.path_of("type"),
                            format_args!(
                                "{other:?} blocks are not supported in tool results (only text \
                                 and image)"
                            ),
                        ));
                    }
                });
            }
            Content::Parts(parts)
        }
        Some(other) => {
            return Err(expected(
                &content_path,
                "a string or an array of blocks",
                other,
            ));
        }
    };
    Ok(Part::ToolResult {
        call_id: Some(call_id.into()),
        name: None,
        content,
        is_error: block.boolean("is_error")?.unwrap_or(false),
        cache: read_cache(block)?,
    })
}

/// One of `tools`: a custom tool (server tools are refused).
fn read_tool(value: &Value, path: &str) -> Read<Tool> {
    let tool = Obj::of(value, path)?;
    match tool.string("type")? {
        None | Some("custom") => {}
        Some(other) => {
            return Err(Refusal::unsupported(
                &tool.path_of("type"),
                format_args!(
                    "{other:?} tools are not supported (server tools run at Anthropic; only \
                     custom tools are)"
                ),
            ));
        }
    }
    tool.only(
        &[
            "type",
            "name",
            "description",
            "input_schema",
            "cache_control",
        ],
        &[],
    )?;
    Ok(Tool {
        name: tool.required_string("name")?.into(),
        description: tool.string("description")?.map(ToOwned::to_owned),
        parameters: tool.required("input_schema")?.clone(),
        cache: read_cache(&tool)?,
    })
}

/// `tool_choice`, and whether it disables parallel tool use.
fn read_tool_choice(value: &Value) -> Read<(ToolChoice, bool)> {
    let choice = Obj::of(value, "tool_choice")?;
    choice.only(&["type", "name", "disable_parallel_tool_use"], &[])?;
    let disable = choice
        .boolean("disable_parallel_tool_use")?
        .unwrap_or(false);
    let name = choice.string("name")?;
    let kind = choice.required_string("type")?;
    let parsed = match kind {
        "auto" => ToolChoice::Auto,
        "any" => ToolChoice::Required,
        "none" => ToolChoice::None,
        "tool" => match name {
            Some(name) => return Ok((ToolChoice::Tool(name.into()), disable)),
            None => {
                return Err(Refusal::new(
                    ErrorKind::MissingField,
                    "tool_choice.name",
                    "missing required field",
                ));
            }
        },
        other => {
            return Err(Refusal::invalid(
                "tool_choice.type",
                format_args!("{other:?} is not a tool choice (expected auto, any, none or tool)"),
            ));
        }
    };
    if name.is_some() {
        return Err(Refusal::invalid(
            "tool_choice.name",
            format_args!("only allowed with type \"tool\", not {kind:?}"),
        ));
    }
    Ok((parsed, disable))
}

/// `thinking` and `output_config`.
fn read_reasoning(top: &Obj<'_, '_>) -> Read<Option<Reasoning>> {
    let effort = match top.get("output_config") {
        None => None,
        Some(config) => {
            let config = Obj::of(config, "output_config")?;
            config.only(
                &["effort"],
                &[("format", "structured outputs are not supported")],
            )?;
            match config.string("effort")? {
                None => None,
                Some("low") => Some(ReasoningEffort::Low),
                Some("medium") => Some(ReasoningEffort::Medium),
                Some("high") => Some(ReasoningEffort::High),
                Some(other) => {
                    return Err(Refusal::unsupported(
                        "output_config.effort",
                        format_args!("{other:?} is not supported (expected low, medium or high)"),
                    ));
                }
            }
        }
    };
    let Some(thinking) = top.get("thinking") else {
        return match effort {
            None => Ok(None),
            Some(_) => Err(Refusal::unsupported(
                "output_config.effort",
                "only supported with thinking {\"type\": \"adaptive\"}",
            )),
        };
    };
    let thinking = Obj::of(thinking, "thinking")?;
    let kind = thinking.required_string("type")?;
    let reasoning = match kind {
        "enabled" => {
            thinking.only(&["type", "budget_tokens"], &[])?;
            let budget = thinking.count("budget_tokens")?.ok_or_else(|| {
                Refusal::new(
                    ErrorKind::MissingField,
                    "thinking.budget_tokens",
                    "missing required field",
                )
            })?;
            Reasoning::budget(budget)
        }
        "disabled" => {
            thinking.only(&["type"], &[])?;
            Reasoning::budget(0)
        }
        "adaptive" => {
            thinking.only(&["type"], &[])?;
            return Ok(Some(Reasoning::effort(
                effort.unwrap_or(ReasoningEffort::High),
            )));
        }
        other => {
            return Err(Refusal::invalid(
                "thinking.type",
                format_args!(
                    "{other:?} is not a thinking type (expected enabled, disabled or adaptive)"
                ),
            ));
        }
    };
    if effort.is_some() {
        return Err(Refusal::unsupported(
            "output_config.effort",
            format_args!("only supported with thinking {{\"type\": \"adaptive\"}}, not {kind:?}"),
        ));
    }
    Ok(Some(reasoning))
}
