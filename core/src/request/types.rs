//! The provider-neutral request: [`ChatRequest`] and the types it holds.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::accumulate::{ContentBlock, Message, ToolCall};
use crate::chunk::Provider;

use super::RequestError;

/// A chat request, independent of the provider it will be sent to.
///
/// Build one in Rust with [`ChatRequest::new`] and the `with_*` methods, or deserialize it from
/// the JSON documented in the [module docs](super) ([`ChatRequest::from_json`] gives a typed
/// error). Turn it into the provider's HTTP request with [`build`](super::build).
///
/// ```
/// use llm_sse_core::request::{ChatMessage, ChatRequest};
///
/// // The seed's `stream_chat(messages, model, temperature)`:
/// let request = ChatRequest::new(
///     "claude-sonnet-4-5",
///     vec![ChatMessage::system("Be brief."), ChatMessage::user("Hi!")],
/// )
/// .with_temperature(0.7)
/// .with_max_tokens(1024);
///
/// let json = r#"{"model":"claude-sonnet-4-5","temperature":0.7,"max_tokens":1024,
///                "messages":[{"role":"system","content":"Be brief."},
///                            {"role":"user","content":"Hi!"}]}"#;
/// assert_eq!(ChatRequest::from_json(json.as_bytes()), Ok(request));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ChatRequest {
    /// The model, as the provider names it (`claude-sonnet-4-5`, `gpt-4o`, `gemini-2.5-flash`).
    pub model: String,
    /// The conversation, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The most tokens to generate. Anthropic requires it and gets 4096 when unset (plus the
    /// thinking budget when `reasoning.budget_tokens` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature: Anthropic 0 to 1, OpenAI and Gemini 0 to 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Stop sequences (JSON: an array of strings, or one string).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "string_or_strings"
    )]
    pub stop: Vec<String>,
    /// The tools the model may call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// Whether and which tools the model must call (the provider's default when unset: `auto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    /// How much the model should reason before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// A prompt-cache breakpoint on the last block of the conversation that can take one
    /// (Anthropic's automatic caching: the cached prefix moves forward as the conversation
    /// grows). Breakpoints of parts and tools are on them ([`Part::with_cache`],
    /// [`Tool::with_cache`]). See [`CacheControl`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheControl>,
    /// A JSON object merged into the provider's body last, as an RFC 7386 JSON Merge Patch:
    /// objects merge key by key, any other value replaces, and `null` removes a key. For
    /// everything else the provider accepts (`top_k`, `metadata`, `safetySettings`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_options: Option<Value>,
}

impl ChatRequest {
    /// A request for `model` with `messages`, every other field unset.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            max_tokens: None,
            temperature: None,
            top_p: None,
            stop: Vec::new(),
            tools: Vec::new(),
            tool_choice: None,
            reasoning: None,
            cache: None,
            provider_options: None,
        }
    }

    /// Parses the JSON shape documented in the [module docs](super).
    ///
    /// Unknown fields are rejected. The error's message is serde's, which names the offending
    /// field or value (``unknown field `n`, expected one of ...``, ``unknown variant `bot`,
    /// expected one of `system`, `user`, `assistant`, `tool` ``) and its position.
    pub fn from_json(json: &[u8]) -> Result<Self, RequestError> {
        serde_json::from_slice(json).map_err(|e| RequestError::InvalidJson {
            message: e.to_string(),
        })
    }

    /// Sets `max_tokens`.
    pub fn with_max_tokens(mut self, max_tokens: u32) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Sets `temperature`.
    pub fn with_temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Sets `top_p`.
    pub fn with_top_p(mut self, top_p: f64) -> Self {
        self.top_p = Some(top_p);
        self
    }

    /// Sets the stop sequences.
    pub fn with_stop<S: Into<String>>(mut self, stop: impl IntoIterator<Item = S>) -> Self {
        self.stop = stop.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the tools.
    pub fn with_tools(mut self, tools: Vec<Tool>) -> Self {
        self.tools = tools;
        self
    }

    /// Sets the tool choice.
    pub fn with_tool_choice(mut self, tool_choice: ToolChoice) -> Self {
        self.tool_choice = Some(tool_choice);
        self
    }

    /// Sets the reasoning setting.
    pub fn with_reasoning(mut self, reasoning: Reasoning) -> Self {
        self.reasoning = Some(reasoning);
        self
    }

    /// Sets the request's own cache breakpoint: on the last block of the conversation that can
    /// take one (see [`cache`](ChatRequest::cache)).
    pub fn with_cache(mut self, cache: CacheControl) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Sets `provider_options` (it must be a JSON object: [`build`](super::build) checks).
    pub fn with_provider_options(mut self, options: Value) -> Self {
        self.provider_options = Some(options);
        self
    }

    /// Checks the request against `provider`'s rules, as [`build`](super::build) does first:
    /// the [`ValidRequest`](super::ValidRequest) that a client's call takes, so a request is
    /// validated once.
    ///
    /// # Errors
    ///
    /// What is wrong, and where (message and part index, field).
    pub fn validate(self, provider: Provider) -> Result<super::ValidRequest, RequestError> {
        let plan = super::validate::check(&self, provider)?;
        Ok(super::ValidRequest {
            provider,
            request: self,
            plan,
        })
    }
}

/// One message of the conversation.
///
/// JSON: `{"role": "user", "content": "Hi"}`; `content` is a string or an array of [`Part`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ChatMessage {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: Content,
}

impl ChatMessage {
    /// A message of `role` with `content`.
    pub fn new(role: Role, content: impl Into<Content>) -> Self {
        ChatMessage {
            role,
            content: content.into(),
        }
    }

    /// A system message (instructions). Anthropic and Gemini take these out of the conversation
    /// into their `system` / `systemInstruction` parameter, in order.
    pub fn system(content: impl Into<Content>) -> Self {
        Self::new(Role::System, content)
    }

    /// A user message: text and images.
    pub fn user(content: impl Into<Content>) -> Self {
        Self::new(Role::User, content)
    }

    /// An assistant message: text, tool calls and reasoning. The assistant turn of a finished
    /// stream converts from its [`Message`] with `From`.
    pub fn assistant(content: impl Into<Content>) -> Self {
        Self::new(Role::Assistant, content)
    }

    /// This message with a cache breakpoint on its last part that can take one (text becomes one
    /// text part): the provider may cache the prompt up to the end of this message. A message
    /// of only reasoning parts, which cannot take one, is returned unchanged.
    ///
    /// ```
    /// use llm_sse_core::request::{CacheControl, CacheTtl, ChatMessage, Part};
    ///
    /// let system = ChatMessage::system("You answer questions about the attached contract: ...")
    ///     .with_cache(CacheControl::new().with_ttl(CacheTtl::OneHour));
    /// assert_eq!(system.content.parts()[0].cache(), Some(CacheControl::new().with_ttl(CacheTtl::OneHour)));
    /// ```
    pub fn with_cache(mut self, cache: CacheControl) -> Self {
        if let Content::Text(text) = &mut self.content {
            let text = core::mem::take(text);
            self.content = Content::Parts(vec![Part::text(text)]);
        }
        if let Content::Parts(parts) = &mut self.content {
            if let Some(part) = parts.iter_mut().rev().find(|p| p.takes_cache()) {
                part.set_cache(Some(cache));
            }
        }
        self
    }

    /// A `tool` message answering `call` (a tool call of the accumulated [`Message`]) with
    /// `output`. It carries both the call's id and its name, so it matches the call on every
    /// provider, including Gemini calls that have no id.
    ///
    /// ```
    /// use llm_sse_core::ToolCall;
    /// use llm_sse_core::request::{ChatMessage, Content, Part, Role};
    ///
    /// # fn answer(call: &ToolCall) {
    /// let message = ChatMessage::tool_result(call, "18 °C, light rain");
    /// assert_eq!(message.role, Role::Tool);
    /// # }
    /// ```
    pub fn tool_result(call: &ToolCall, output: impl Into<Content>) -> Self {
        Self::new(Role::Tool, vec![Part::tool_result_for(call, output, false)])
    }

    /// Like [`tool_result`](ChatMessage::tool_result), for a tool that failed: `is_error` is set
    /// (Anthropic `is_error`, Gemini's `error` key; OpenAI has no such flag and gets the text).
    pub fn tool_error(call: &ToolCall, output: impl Into<Content>) -> Self {
        Self::new(Role::Tool, vec![Part::tool_result_for(call, output, true)])
    }
}

/// The assistant turn of a finished stream, to send back in the next request: text, tool calls
/// (id, name, parsed arguments) and reasoning blocks with their signatures, in order.
///
/// Reasoning and redacted reasoning parts are tagged with the provider the stream came from;
/// the builders of other providers leave them out (a signature is only valid for the provider
/// that made it).
impl From<Message> for ChatMessage {
    fn from(message: Message) -> Self {
        let provider = message.provider;
        let parts = message
            .content
            .into_iter()
            .map(|block| match block {
                ContentBlock::Text(text) => Part::text(text),
                ContentBlock::Thinking {
                    thinking,
                    signature,
                } => Part::Thinking {
                    thinking,
                    signature,
                    provider: Some(provider),
                },
                ContentBlock::RedactedThinking { data } => Part::RedactedThinking {
                    data,
                    provider: Some(provider),
                },
                ContentBlock::ToolCall(call) => Part::tool_call(call.id, call.name, call.arguments),
            })
            .collect();
        ChatMessage::assistant(Content::Parts(parts))
    }
}

impl From<&Message> for ChatMessage {
    fn from(message: &Message) -> Self {
        ChatMessage::from(message.clone())
    }
}

/// Who speaks a [`ChatMessage`]. JSON: `"system"`, `"user"`, `"assistant"`, `"tool"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Instructions: text only.
    System,
    /// The user: text and images.
    User,
    /// The model: text, tool calls, reasoning.
    Assistant,
    /// Tool results, answering the tool calls of the assistant message just before.
    Tool,
}

impl Role {
    /// The JSON name: `system`, `user`, `assistant` or `tool`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message's content: plain text, or a list of parts.
///
/// JSON: a string, or an array of [`Part`] objects. `From<&str>`, `From<String>` and
/// `From<Vec<Part>>` build it.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Plain text (the same as one text part).
    Text(String),
    /// A list of parts.
    Parts(Vec<Part>),
}

impl Content {
    /// The content as parts (plain text is one text part).
    pub fn parts(&self) -> Cow<'_, [Part]> {
        match self {
            Content::Text(text) => Cow::Owned(vec![Part::text(text.as_str())]),
            Content::Parts(parts) => Cow::Borrowed(parts),
        }
    }

    /// True for an empty string or an empty list of parts.
    pub fn is_empty(&self) -> bool {
        match self {
            Content::Text(text) => text.is_empty(),
            Content::Parts(parts) => parts.is_empty(),
        }
    }
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Content::Text(text.into())
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Content::Text(text)
    }
}

impl From<Vec<Part>> for Content {
    fn from(parts: Vec<Part>) -> Self {
        Content::Parts(parts)
    }
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Text(text) => s.serialize_str(text),
            Content::Parts(parts) => parts.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of content parts")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Content, E> {
        Ok(Content::Text(text.into()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Content, E> {
        Ok(Content::Text(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content, A::Error> {
        let mut parts = Vec::new();
        while let Some(part) = seq.next_element()? {
            parts.push(part);
        }
        Ok(Content::Parts(parts))
    }
}

/// One part of a message's content. JSON: an object whose `type` names the variant.
///
/// | `type` | fields | in roles |
/// |---|---|---|
/// | `text` | `text`, `cache` (optional) | all |
/// | `image` | `media_type` (`image/png`, ...), `data` (standard base64), `cache` (optional) | user; inside a tool result (Anthropic only) |
/// | `tool_call` | `id` (optional), `name`, `arguments` (a JSON object, default `{}`), `cache` (optional) | assistant |
/// | `tool_result` | `call_id` (optional), `name` (optional), `content` (string or text/image parts), `is_error` (default `false`), `cache` (optional) | tool |
/// | `thinking` | `thinking`, `signature` (optional), `provider` (optional) | assistant |
/// | `redacted_thinking` | `data`, `provider` (optional) | assistant |
///
/// `cache` is a prompt-cache breakpoint after the part ([`CacheControl`]); reasoning parts
/// cannot take one (Anthropic refuses `cache_control` on thinking blocks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Part {
    /// Text.
    Text {
        /// The text (not empty).
        text: String,
        /// A cache breakpoint after this part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache: Option<CacheControl>,
    },
    /// An image, inline.
    Image {
        /// Its media type: `image/jpeg`, `image/png`, `image/gif`, `image/webp`, ...
        media_type: String,
        /// Its bytes in standard base64.
        data: String,
        /// A cache breakpoint after this part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache: Option<CacheControl>,
    },
    /// A tool call the assistant made.
    ToolCall {
        /// The provider's call id; `None` when it gave none (Gemini, OpenAI's legacy
        /// `function_call`). Providers that require ids (Anthropic, OpenAI) then get
        /// `call_{m}_{p}`, from the message and part indexes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool's name.
        name: String,
        /// The arguments, a JSON object.
        #[serde(default = "empty_object")]
        arguments: Value,
        /// A cache breakpoint after this part.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache: Option<CacheControl>,
    },
    /// The result of running a tool.
    ToolResult {
        /// The id of the call it answers. Without one, `name` matches the first call of that
        /// name not answered yet, preferring calls without an id (Gemini-style calls; parallel
        /// calls of one tool are answered in order).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
        /// The tool's name; used to find the call only when `call_id` is absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The tool's output: text, or text and image parts.
        content: Content,
        /// True when the tool failed.
        #[serde(default, skip_serializing_if = "is_false")]
        is_error: bool,
        /// A cache breakpoint after this part (its content's parts may have their own).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache: Option<CacheControl>,
    },
    /// Reasoning the assistant produced, with the signature that authenticates it.
    Thinking {
        /// The reasoning text (may be empty when only a signature arrived).
        thinking: String,
        /// The provider's signature, unchanged (Anthropic thinking blocks; Gemini
        /// `thoughtSignature`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// The provider that produced it; other providers' builders leave the part out.
        /// `None` sends it to any provider that accepts it.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "provider_option"
        )]
        provider: Option<Provider>,
    },
    /// Encrypted reasoning (Anthropic `redacted_thinking`), sent back unchanged.
    RedactedThinking {
        /// The opaque data.
        data: String,
        /// The provider that produced it; other providers' builders leave the part out.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "provider_option"
        )]
        provider: Option<Provider>,
    },
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        Part::Text {
            text: text.into(),
            cache: None,
        }
    }

    /// An image part from its media type and standard base64 data.
    pub fn image(media_type: impl Into<String>, data: impl Into<String>) -> Self {
        Part::Image {
            media_type: media_type.into(),
            data: data.into(),
            cache: None,
        }
    }

    /// A tool call part.
    pub fn tool_call(id: Option<String>, name: impl Into<String>, arguments: Value) -> Self {
        Part::ToolCall {
            id,
            name: name.into(),
            arguments,
            cache: None,
        }
    }

    /// A tool result part answering the call with id `call_id`.
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<Content>) -> Self {
        Part::ToolResult {
            call_id: Some(call_id.into()),
            name: None,
            content: content.into(),
            is_error: false,
            cache: None,
        }
    }

    /// A tool result part answering `call`, carrying its id (if any) and its name.
    pub fn tool_result_for(call: &ToolCall, content: impl Into<Content>, is_error: bool) -> Self {
        Part::ToolResult {
            call_id: call.id.clone(),
            name: Some(call.name.clone()),
            content: content.into(),
            is_error,
            cache: None,
        }
    }

    /// This part with a cache breakpoint after it: the provider may cache the prompt up to and
    /// including this part (see [`CacheControl`]). Reasoning parts cannot take one and are
    /// returned unchanged.
    ///
    /// ```
    /// use llm_sse_core::request::{CacheControl, ChatMessage, Part};
    ///
    /// let question = ChatMessage::user(vec![
    ///     Part::text("<the whole manual>").with_cache(CacheControl::new()),
    ///     Part::text("How do I reset the device?"),
    /// ]);
    /// # let _ = question;
    /// ```
    pub fn with_cache(mut self, cache: CacheControl) -> Self {
        self.set_cache(Some(cache));
        self
    }

    /// The part's cache breakpoint, if any.
    pub fn cache(&self) -> Option<CacheControl> {
        match self {
            Part::Text { cache, .. }
            | Part::Image { cache, .. }
            | Part::ToolCall { cache, .. }
            | Part::ToolResult { cache, .. } => *cache,
            Part::Thinking { .. } | Part::RedactedThinking { .. } => None,
        }
    }

    /// Whether the part can take a cache breakpoint (reasoning parts cannot).
    pub(super) fn takes_cache(&self) -> bool {
        !matches!(self, Part::Thinking { .. } | Part::RedactedThinking { .. })
    }

    fn set_cache(&mut self, value: Option<CacheControl>) {
        match self {
            Part::Text { cache, .. }
            | Part::Image { cache, .. }
            | Part::ToolCall { cache, .. }
            | Part::ToolResult { cache, .. } => *cache = value,
            Part::Thinking { .. } | Part::RedactedThinking { .. } => {}
        }
    }

    /// The `type` as the JSON spells it.
    pub const fn part_type(&self) -> &'static str {
        match self {
            Part::Text { .. } => "text",
            Part::Image { .. } => "image",
            Part::ToolCall { .. } => "tool_call",
            Part::ToolResult { .. } => "tool_result",
            Part::Thinking { .. } => "thinking",
            Part::RedactedThinking { .. } => "redacted_thinking",
        }
    }
}

/// A tool the model may call.
///
/// JSON: `{"name": "get_weather", "description": "...", "parameters": {JSON Schema}}`;
/// `parameters` defaults to an object schema with no properties. `"cache": {...}` puts a cache
/// breakpoint after it ([`CacheControl`]): tools come first in the prompt, so this caches the
/// tool definitions up to this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Tool {
    /// The name the model calls it by: 1 to 64 of `A-Z a-z 0-9 _ -`.
    pub name: String,
    /// What it does and when to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of its arguments (an object schema).
    #[serde(default = "empty_object_schema")]
    pub parameters: Value,
    /// A cache breakpoint after this tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheControl>,
}

impl Tool {
    /// A tool with a description and a JSON Schema for its arguments.
    pub fn new(name: impl Into<String>, description: impl Into<String>, parameters: Value) -> Self {
        Tool {
            name: name.into(),
            description: Some(description.into()),
            parameters,
            cache: None,
        }
    }

    /// This tool with a cache breakpoint after it (see [`CacheControl`]).
    pub fn with_cache(mut self, cache: CacheControl) -> Self {
        self.cache = Some(cache);
        self
    }
}

/// A prompt-cache breakpoint: the provider may cache the prompt up to and including the block
/// it is on, so that later requests starting with the same blocks read them from the cache
/// (cheaper and faster; the terminal chunk's [`Usage`](crate::Usage) reports the cache reads
/// and writes).
///
/// JSON: `{}` (the provider's default lifetime: 5 minutes at Anthropic) or `{"ttl": "1h"}`, as
/// `cache` on a part, a tool, or the request itself.
///
/// Anthropic is told where to cache (`cache_control`): the prompt is the tools, then the
/// system prompt, then the messages, and a breakpoint caches everything before it. It takes at
/// most 4 breakpoints per request, and a 1-hour breakpoint may not follow a 5-minute one
/// (validation checks both). Prompts shorter than the model's minimum (about 1024 tokens) are
/// not cached, without an error. OpenAI and Gemini cache prompts by themselves: they ignore
/// breakpoints.
///
/// ```
/// use llm_sse_core::Provider;
/// use llm_sse_core::request::{build, CacheControl, CacheTtl, ChatMessage, ChatRequest};
/// use serde_json::json;
///
/// let request = ChatRequest::new("claude-sonnet-4-5", vec![
///     ChatMessage::system("<a long system prompt>")
///         .with_cache(CacheControl::new().with_ttl(CacheTtl::OneHour)),
///     ChatMessage::user("Hi"),
/// ]);
/// let http = build(Provider::Anthropic, &request, None)?;
/// assert_eq!(http.body["system"][0]["cache_control"], json!({"type": "ephemeral", "ttl": "1h"}));
///
/// let json = r#"{"model": "claude-sonnet-4-5", "messages": [
///     {"role": "system", "content": [{"type": "text", "text": "<a long system prompt>", "cache": {"ttl": "1h"}}]},
///     {"role": "user", "content": "Hi"}]}"#;
/// assert_eq!(ChatRequest::from_json(json.as_bytes())?, request);
/// # Ok::<(), llm_sse_core::request::RequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CacheControl {
    /// How long the cached prefix lives; `None` is the provider's default (Anthropic: 5
    /// minutes, refreshed by every read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<CacheTtl>,
}

impl CacheControl {
    /// A breakpoint with the provider's default lifetime.
    pub const fn new() -> Self {
        CacheControl { ttl: None }
    }

    /// This breakpoint with lifetime `ttl`.
    pub const fn with_ttl(mut self, ttl: CacheTtl) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The lifetime, the default being 5 minutes.
    pub fn ttl_or_default(&self) -> CacheTtl {
        self.ttl.unwrap_or(CacheTtl::FiveMinutes)
    }
}

/// How long a cached prompt prefix lives. JSON: `"5m"` or `"1h"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CacheTtl {
    /// 5 minutes (the default).
    #[serde(rename = "5m")]
    FiveMinutes,
    /// 1 hour (cache writes cost more).
    #[serde(rename = "1h")]
    OneHour,
}

impl CacheTtl {
    /// The JSON name: `5m` or `1h`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CacheTtl::FiveMinutes => "5m",
            CacheTtl::OneHour => "1h",
        }
    }
}

impl fmt::Display for CacheTtl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether and which tools the model must call.
///
/// JSON: `"auto"`, `"none"`, `"required"`, or `{"tool": "get_weather"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ToolChoice {
    /// The model decides (Anthropic `auto`, OpenAI `auto`, Gemini `AUTO`).
    Auto,
    /// No tool calls (Anthropic `none`, OpenAI `none`, Gemini `NONE`).
    None,
    /// At least one tool call (Anthropic `any`, OpenAI `required`, Gemini `ANY`).
    Required,
    /// A call of this tool (Anthropic `tool`, OpenAI `function`, Gemini `ANY` with
    /// `allowedFunctionNames`).
    Tool(String),
}

/// How much the model should reason ("think") before answering.
///
/// JSON: `{"effort": "low"}`, `{"budget_tokens": 2048}`, or both (each provider uses the one it
/// takes; see the [module docs](super) for the mapping). At least one must be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Reasoning {
    /// A reasoning level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// A token budget for reasoning; 0 turns it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u32>,
}

impl Reasoning {
    /// Reasoning at a level.
    pub const fn effort(effort: ReasoningEffort) -> Self {
        Reasoning {
            effort: Some(effort),
            budget_tokens: None,
        }
    }

    /// Reasoning within a token budget (0 turns it off).
    pub const fn budget(budget_tokens: u32) -> Self {
        Reasoning {
            effort: None,
            budget_tokens: Some(budget_tokens),
        }
    }

    /// This setting with `effort` set too.
    pub const fn with_effort(mut self, effort: ReasoningEffort) -> Self {
        self.effort = Some(effort);
        self
    }

    /// This setting with `budget_tokens` set too.
    pub const fn with_budget_tokens(mut self, budget_tokens: u32) -> Self {
        self.budget_tokens = Some(budget_tokens);
        self
    }

    /// The token budget a provider that takes budgets uses: `budget_tokens`, else the effort's
    /// budget (none 0, minimal 512, low 1024, medium 8192, high 24576: Google's mapping of
    /// OpenAI efforts to Gemini budgets, with 512 for minimal).
    pub fn budget_or_from_effort(&self) -> Option<u32> {
        self.budget_tokens
            .or_else(|| self.effort.map(ReasoningEffort::budget_tokens))
    }

    /// The effort a provider that takes efforts uses: `effort`, else the budget's level (0 none,
    /// up to 1024 low, up to 8192 medium, above high).
    pub fn effort_or_from_budget(&self) -> Option<ReasoningEffort> {
        self.effort.or_else(|| {
            self.budget_tokens.map(|b| match b {
                0 => ReasoningEffort::None,
                1..=1024 => ReasoningEffort::Low,
                1025..=8192 => ReasoningEffort::Medium,
                _ => ReasoningEffort::High,
            })
        })
    }

    /// True unless the setting turns reasoning off (`effort` `none` with no budget, or a budget
    /// of 0).
    pub fn is_on(&self) -> bool {
        match (self.budget_tokens, self.effort) {
            (Some(budget), _) => budget > 0,
            (None, Some(effort)) => effort != ReasoningEffort::None,
            (None, None) => false,
        }
    }
}

/// A reasoning level. JSON: `"none"`, `"minimal"`, `"low"`, `"medium"`, `"high"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ReasoningEffort {
    /// No reasoning.
    None,
    /// As little as the model allows.
    Minimal,
    /// Light.
    Low,
    /// Moderate.
    Medium,
    /// Deep.
    High,
}

impl ReasoningEffort {
    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::None => "none",
            ReasoningEffort::Minimal => "minimal",
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }

    /// The token budget this level stands for where a provider takes budgets.
    pub const fn budget_tokens(self) -> u32 {
        match self {
            ReasoningEffort::None => 0,
            ReasoningEffort::Minimal => 512,
            ReasoningEffort::Low => 1024,
            ReasoningEffort::Medium => 8192,
            ReasoningEffort::High => 24576,
        }
    }
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

/// `{"type": "object", "properties": {}}`.
fn empty_object_schema() -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(Map::new()));
    Value::Object(schema)
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_false(b: &bool) -> bool {
    !*b
}

/// `stop`: one string, or an array of strings.
fn string_or_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct StopVisitor;

    impl<'de> Visitor<'de> for StopVisitor {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an array of strings")
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<String>, E> {
            Ok(vec![s.into()])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }

    d.deserialize_any(StopVisitor)
}

/// `provider` on reasoning parts: `"anthropic"`, `"openai"` or `"gemini"`.
mod provider_option {
    use core::fmt;

    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::Serializer;

    use crate::chunk::Provider;

    pub(super) fn serialize<S: Serializer>(p: &Option<Provider>, s: S) -> Result<S::Ok, S::Error> {
        match p {
            Some(p) => s.serialize_str(p.as_str()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Provider>, D::Error> {
        struct ProviderVisitor;

        impl Visitor<'_> for ProviderVisitor {
            type Value = Option<Provider>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"anthropic\", \"openai\" or \"gemini\"")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Provider>, E> {
                s.parse()
                    .map(Some)
                    .map_err(|_| de::Error::unknown_variant(s, &["anthropic", "openai", "gemini"]))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Option<Provider>, E> {
                Ok(None)
            }
        }

        d.deserialize_any(ProviderVisitor)
    }
}
