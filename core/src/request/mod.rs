//! The request side: a provider-neutral [`ChatRequest`] in, the provider's HTTP request out.
//!
//! [`build`] validates a [`ChatRequest`] against one provider's rules and turns it into an
//! [`HttpRequest`]: method, path (appended to the base URL), headers and JSON body, streaming
//! on. Nothing here does I/O: a shell sends the request and feeds the response body to a
//! [`Normalizer`](crate::Normalizer). The accumulated final [`Message`](crate::Message) converts
//! into the next request's assistant message, so a tool-use loop needs no glue:
//!
//! ```
//! use llm_sse_core::{Accumulator, Normalizer, Provider};
//! use llm_sse_core::request::{build, ChatMessage, ChatRequest, Tool};
//! use serde_json::json;
//!
//! let mut request = ChatRequest::new("claude-sonnet-4-5", vec![
//!     ChatMessage::system("You are terse."),
//!     ChatMessage::user("Weather in Paris?"),
//! ])
//! .with_tools(vec![Tool::new(
//!     "get_weather",
//!     "Current weather for a city",
//!     json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
//! )]);
//!
//! let http = build(Provider::Anthropic, &request, Some("sk-ant-test"))?;
//! assert_eq!(http.url(Provider::Anthropic.default_base_url()), "https://api.anthropic.com/v1/messages");
//! assert_eq!(http.body["system"], json!([{"type": "text", "text": "You are terse."}]));
//! assert_eq!(http.body["stream"], true);
//!
//! // ... a shell sends `http`, and feeds the response body to a Normalizer ...
//! let body = concat!(
//!     "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n",
//!     "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
//!     "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}\n\n",
//!     "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
//!     "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}\n\n",
//!     "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
//! );
//! let mut normalizer = Normalizer::new(Provider::Anthropic);
//! normalizer.feed(body.as_bytes());
//! normalizer.finish();
//! let mut accumulator = Accumulator::new();
//! while let Some(chunk) = normalizer.next_chunk() {
//!     accumulator.push_owned(chunk);
//! }
//! let reply = accumulator.finish().expect("a complete turn");
//!
//! // Run the tools, then send the turn and the results back.
//! let results: Vec<ChatMessage> = reply
//!     .tool_calls()
//!     .map(|call| ChatMessage::tool_result(call, "18 °C and sunny"))
//!     .collect();
//! request.messages.push(ChatMessage::from(reply));
//! request.messages.extend(results);
//! let http = build(Provider::Anthropic, &request, Some("sk-ant-test"))?;
//! assert_eq!(http.body["messages"][1]["content"][0]["id"], "toolu_1");
//! assert_eq!(http.body["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
//! # Ok::<(), llm_sse_core::request::RequestError>(())
//! ```
//!
//! # The JSON shape of a `ChatRequest`
//!
//! [`ChatRequest`] is `Deserialize` (and `Serialize`) as below; the gateway takes it as its
//! `POST` body. Unknown fields are rejected, naming the field. Only `model` and `messages` are
//! required.
//!
//! ```json
//! {
//!   "model": "claude-sonnet-4-5",
//!   "messages": [
//!     {"role": "system", "content": "You are terse."},
//!     {"role": "user", "content": [
//!       {"type": "text", "text": "What is in this picture, and what is the weather there?"},
//!       {"type": "image", "media_type": "image/png", "data": "iVBORw0KGgo..."}
//!     ]},
//!     {"role": "assistant", "content": [
//!       {"type": "thinking", "thinking": "The user wants...", "signature": "EqQBCg...", "provider": "anthropic"},
//!       {"type": "text", "text": "That is the Eiffel Tower. Let me check the weather."},
//!       {"type": "tool_call", "id": "toolu_01", "name": "get_weather", "arguments": {"city": "Paris"}}
//!     ]},
//!     {"role": "tool", "content": [
//!       {"type": "tool_result", "call_id": "toolu_01", "content": "18 °C and sunny"}
//!     ]}
//!   ],
//!   "max_tokens": 1024,
//!   "temperature": 0.7,
//!   "top_p": 0.9,
//!   "stop": ["\n\nHuman:"],
//!   "tools": [{"name": "get_weather", "description": "Current weather for a city",
//!              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
//!              "cache": {"ttl": "1h"}}],
//!   "tool_choice": "auto",
//!   "reasoning": {"effort": "medium"},
//!   "cache": {},
//!   "provider_options": {"top_k": 40}
//! }
//! ```
//!
//! | field | type | meaning | Anthropic | OpenAI-compatible | Gemini |
//! |---|---|---|---|---|---|
//! | `model` | string | the provider's model name | `model` | `model` | in the path: `models/{model}` (a name containing `/` is used as is) |
//! | `messages` | array | the conversation: `role` (`system`, `user`, `assistant`, `tool`) and `content` (a string, or an array of parts, below) | system messages go to `system` as text blocks, in order; the rest alternate `user` / `assistant` (consecutive messages of one role are merged, tool results join the user turn) | `messages` in place; one `tool` message per tool result | system messages go to `systemInstruction`; the rest become `contents` with roles `user` / `model` (merged likewise) |
//! | `max_tokens` | integer ≥ 1 | most tokens to generate | `max_tokens` (required: 4096 when unset, plus the thinking budget) | `max_completion_tokens` | `generationConfig.maxOutputTokens` |
//! | `temperature` | number | sampling temperature | 0 to 1 | 0 to 2 | 0 to 2, `generationConfig.temperature` |
//! | `top_p` | number, 0 to 1 | nucleus sampling | `top_p` | `top_p` | `generationConfig.topP` |
//! | `stop` | string or array of strings | stop sequences | `stop_sequences` | `stop` (at most 4) | `generationConfig.stopSequences` (at most 5) |
//! | `tools` | array of `{name, description?, parameters?, cache?}` | tools the model may call; `parameters` is a JSON Schema object (default: no properties); names are 1 to 64 of `A-Z a-z 0-9 _ -`; `cache`: a cache breakpoint after the tool (below) | `tools[].input_schema`, `tools[].cache_control` | `tools[].function.parameters` (`cache` ignored) | `tools[0].functionDeclarations[].parametersJsonSchema` (`cache` ignored) |
//! | `tool_choice` | `"auto"`, `"none"`, `"required"` or `{"tool": "name"}` | whether and which tools to call (needs `tools`) | `{"type": "auto" / "none" / "any" / "tool"}` | `"auto"` / `"none"` / `"required"` / `{"type":"function",...}` | `toolConfig.functionCallingConfig.mode` `AUTO` / `NONE` / `ANY` (+ `allowedFunctionNames`) |
//! | `reasoning` | `{"effort"?: "none"/"minimal"/"low"/"medium"/"high", "budget_tokens"?: integer}` | how much to think (at least one field) | `budget_tokens`: `thinking {"type":"enabled","budget_tokens"}` (≥ 1024, below `max_tokens`); else `effort`: `thinking {"type":"adaptive"}` and `output_config.effort` (minimal → low); `none` or 0: `thinking {"type":"disabled"}` | `reasoning_effort`: `effort`, else from the budget (0 none, ≤ 1024 low, ≤ 8192 medium, above high) | `generationConfig.thinkingConfig`: `thinkingBudget` = `budget_tokens`, else from the effort (none 0, minimal 512, low 1024, medium 8192, high 24576), and `includeThoughts` when the budget is not 0 |
//! | `cache` | `{}` or `{"ttl": "5m" / "1h"}` | a prompt-cache breakpoint on the last block of the conversation that can take one (automatic caching: the cached prefix moves forward as the conversation grows); parts and tools take their own (below) | `cache_control` `{"type": "ephemeral", "ttl"?}` on that block (where Anthropic's top-level `cache_control` would put it) | ignored: OpenAI caches prompts automatically | ignored: Gemini's implicit caching likewise |
//! | `provider_options` | object | merged into the provider's body last, as a JSON Merge Patch (RFC 7386: objects merge, `null` removes a key), for anything else the provider takes | e.g. `{"top_k": 40}` | e.g. `{"max_tokens": 100, "max_completion_tokens": null}` for servers that only know `max_tokens` | e.g. `{"safetySettings": [...]}` |
//!
//! Content parts (`{"type": ..., ...}`), by role:
//!
//! | `type` | fields | roles | Anthropic | OpenAI-compatible | Gemini |
//! |---|---|---|---|---|---|
//! | `text` | `text` (not empty) | all | `text` block | text (a string when it is the only part) | `{"text"}` |
//! | `image` | `media_type` (`image/...`), `data` (standard base64) | user | `image` block, `base64` source | `image_url` with a `data:` URL | `inlineData {mimeType, data}` |
//! | `tool_call` | `id`?, `name`, `arguments` (object) | assistant | `tool_use` (`id`, or `call_{m}_{p}` when absent) | `tool_calls[]` (`arguments` as a JSON string; same id rule) | `functionCall {name, args, id?}` |
//! | `tool_result` | `call_id`?, `name`?, `content` (string or text/image parts), `is_error`? | tool | `tool_result` (`tool_use_id`, `content`, `is_error`) in the user turn | a `tool` message (`tool_call_id`, text; no error flag) | `functionResponse {name, response: {"output" or "error": text}, id?}` in a user turn |
//! | `thinking` | `thinking`, `signature`?, `provider`? | assistant | `thinking` block, only when signed | left out | a `thought` part with its `thoughtSignature`; a signature-only part puts its signature back on the part before it |
//! | `redacted_thinking` | `data`, `provider`? | assistant | `redacted_thinking` block | left out | left out |
//!
//! **Prompt caching.** `cache` on a `text`, `image`, `tool_call` or `tool_result` part (also on
//! the text and image parts inside a tool result's `content`), on a tool, or on the request
//! itself, is a breakpoint: the provider may cache the prompt up to and including that block, and
//! a later request that starts with the same blocks reads them from the cache, which the
//! terminal chunk's usage reports (`cache_read_input_tokens`, and `cache_creation_input_tokens`
//! for what was written). `{}` takes the provider's default lifetime (Anthropic: 5 minutes,
//! refreshed by each read), `{"ttl": "1h"}` an hour; reasoning parts take none. A system prompt
//! given as a string takes one as a text part, `[{"type": "text", "text": "...", "cache": {}}]`
//! ([`ChatMessage::with_cache`] does this in Rust). Anthropic gets `cache_control` on each of
//! these blocks; it counts the prompt as the tools, then the system prompt, then the messages,
//! and refuses more than 4 breakpoints or a `1h` one after a `5m` one, which validation checks
//! ([`CacheProblem`]). Prompts shorter than the model's minimum (about 1024 tokens) are simply
//! not cached. OpenAI caches prompts automatically and Gemini's implicit caching likewise: their
//! builders leave breakpoints out.
//!
//! **Tool results find their call** by `call_id`, or, when absent, by `name`: the first call of
//! that name not answered yet, preferring calls without an id (Gemini calls may have none;
//! parallel calls of one tool are answered in order). Results with a `call_id` are matched
//! first. Tool results must be in `tool` messages directly after the assistant
//! message whose calls they answer, and every call must be answered before the next other
//! message: every provider requires it. A call without an id gets the id `call_{m}_{p}` (`m`,
//! `p`: the indexes of its message and part) where the provider requires ids (Anthropic,
//! OpenAI), the same in the call and in its result. Anthropic ids may only contain
//! `A-Z a-z 0-9 _ -`: other characters become `_` in both. Gemini takes an `id` on both
//! `functionCall` and `functionResponse` (optional in its API, "populated by the client to match
//! the corresponding function call id"), so a call goes back with the id it has, also one the
//! stream derived for a call Gemini gave none (`call_<response id>_<index>`, see
//! [`ToolCallStart::id`](crate::ToolCallStart::id)); a call without an id goes without, and Gemini
//! matches the answers by name and order.
//!
//! **Reasoning parts** tagged with another `provider` are left out (a signature is valid only
//! for the provider that made it), as is unsigned reasoning for Anthropic. The accumulated
//! message tags them with the provider it came from.
//!
//! **Validation** happens before anything is built: [`RequestError`] says what is wrong and where
//! (message and part index, field).

mod error;
mod http;
// A `ChatRequest` out as one provider's request body (named by direction, beside
// `decode::from_*`).
mod to_anthropic;
mod to_gemini;
mod to_openai;
mod types;
mod validate;

use alloc::format;
use alloc::string::String;

use serde_json::{Map, Value};

use crate::chunk::Provider;
use crate::provider::{Api, Auth, Endpoint};

pub use error::{CacheProblem, PartProblem, RequestError, ToolProblem};
pub use http::{Headers, HttpRequest, Method};
pub use types::{
    CacheControl, CacheTtl, ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort,
    Role, Tool, ToolChoice,
};

/// Validates `request` for `provider` and builds the HTTP request to send.
///
/// `api_key` goes into the provider's authentication header (`x-api-key`, `authorization:
/// Bearer`, `x-goog-api-key`); `None` sends none (local OpenAI-compatible servers need none).
/// The headers' `Debug` redacts it, and no error shows it.
///
/// ```
/// use llm_sse_core::Provider;
/// use llm_sse_core::request::{build, ChatMessage, ChatRequest};
///
/// let request = ChatRequest::new("gemini-2.5-flash", vec![
///     ChatMessage::system("Answer in French."),
///     ChatMessage::user("Hello"),
/// ]);
/// let http = build(Provider::Gemini, &request, Some("AIza-test")).unwrap();
/// assert_eq!(http.method.as_str(), "POST");
/// assert_eq!(http.path, "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
/// assert_eq!(http.headers.get("x-goog-api-key"), Some("AIza-test"));
/// assert_eq!(http.body["systemInstruction"]["parts"][0]["text"], "Answer in French.");
/// assert!(!format!("{http:?}").contains("AIza-test"));
/// ```
pub fn build(
    provider: Provider,
    request: &ChatRequest,
    api_key: Option<&str>,
) -> Result<HttpRequest, RequestError> {
    if let Some(key) = api_key {
        if !is_header_value(key) {
            return Err(RequestError::InvalidApiKey);
        }
    }
    let plan = validate::check(request, provider)?;
    Ok(build_checked(provider, request, &plan, api_key))
}

/// A [`ChatRequest`] checked against one provider's rules ([`ChatRequest::validate`]): what a
/// client's [`Call`](crate::client::Call) takes, so that a request is validated once, by whoever
/// received it (the gateway, before answering `400`), and trusted after.
///
/// ```
/// use llm_sse_core::Provider;
/// use llm_sse_core::request::{ChatMessage, ChatRequest};
///
/// let valid = ChatRequest::new("gpt-4.1-mini", vec![ChatMessage::user("Hi")]).validate(Provider::OpenAi)?;
/// assert_eq!(valid.provider(), Provider::OpenAi);
/// let http = valid.build(Some("sk-test"))?;
/// assert_eq!(http.path, "/chat/completions");
///
/// let refused = ChatRequest::new("gpt-4.1-mini", vec![]).validate(Provider::OpenAi);
/// assert_eq!(refused.unwrap_err().to_string(), "messages: must not be empty");
/// # Ok::<(), llm_sse_core::request::RequestError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    provider: Provider,
    request: ChatRequest,
    plan: validate::Plan,
}

impl ValidRequest {
    /// The provider it was validated for.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The request.
    pub fn request(&self) -> &ChatRequest {
        &self.request
    }

    /// The request, for another provider or more changes (validate it again).
    pub fn into_request(self) -> ChatRequest {
        self.request
    }

    /// The provider's HTTP request, with `api_key` in its authentication header.
    ///
    /// # Errors
    ///
    /// Only [`RequestError::InvalidApiKey`]: the key cannot be sent in a header.
    pub fn build(&self, api_key: Option<&str>) -> Result<HttpRequest, RequestError> {
        if let Some(key) = api_key {
            if !is_header_value(key) {
                return Err(RequestError::InvalidApiKey);
            }
        }
        Ok(build_checked(
            self.provider,
            &self.request,
            &self.plan,
            api_key,
        ))
    }
}

/// Read access to the request (a valid request cannot be changed: change
/// [`into_request`](ValidRequest::into_request)'s and validate it again).
impl core::ops::Deref for ValidRequest {
    type Target = ChatRequest;

    fn deref(&self) -> &ChatRequest {
        &self.request
    }
}

/// [`build`] once `request` is known valid for `provider`.
fn build_checked(
    provider: Provider,
    request: &ChatRequest,
    plan: &validate::Plan,
    api_key: Option<&str>,
) -> HttpRequest {
    let body = match provider.api() {
        Api::Anthropic => to_anthropic::body(request, plan, provider),
        Api::OpenAi => to_openai::body(request, plan),
        Api::Gemini => to_gemini::body(request, plan),
    };
    let spec = provider.spec();
    let mut headers = Headers::new();
    headers.insert("content-type", "application/json");
    if let Some(key) = api_key {
        match spec.auth {
            Auth::Header(name) => headers.insert(name, key),
            Auth::Bearer | Auth::GoogleOAuth => {
                headers.insert("authorization", format!("Bearer {key}"));
            }
            // Signed by the call, with the time of the attempt.
            Auth::AwsSigV4 { .. } => {}
        }
    }
    for (name, value) in spec.fixed_headers {
        headers.insert(name, *value);
    }
    HttpRequest {
        method: Method::Post,
        path: endpoint_path(spec.endpoint, &request.model),
        headers,
        body: with_options(body, request),
    }
}

/// The path (and query) of `endpoint` for `model`.
fn endpoint_path(endpoint: Endpoint, model: &str) -> String {
    match endpoint {
        Endpoint::Fixed(path) => path.into(),
        // `gemini-2.5-flash` is `models/gemini-2.5-flash`; a full resource name (`models/...`,
        // `tunedModels/...`) is used as given.
        Endpoint::Model { prefix, suffix, .. } if model.contains('/') => {
            format!("{prefix}{model}{suffix}")
        }
        Endpoint::Model {
            prefix,
            resource,
            suffix,
        } => format!("{prefix}{resource}/{model}{suffix}"),
        // The project and the location are in the base URL.
        Endpoint::LocatedModel { prefix, suffix } => format!("{prefix}{model}{suffix}"),
        Endpoint::EncodedModel { prefix, suffix } => {
            let mut path = String::from(prefix);
            percent_encode_segment(model, &mut path);
            path.push_str(suffix);
            path
        }
    }
}

/// Appends `segment` with every byte outside `A-Z a-z 0-9 - . _ ~` percent-encoded (as AWS
/// encodes a model id in a path: `:` is `%3A`, `/` is `%2F`).
fn percent_encode_segment(segment: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
}

/// Non-empty visible ASCII, spaces and tabs: what an HTTP header value may hold (no line end, no
/// control character), without surrounding whitespace.
fn is_header_value(value: &str) -> bool {
    !value.is_empty()
        && value.trim_matches([' ', '\t']).len() == value.len()
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// The id of the call at (`message`, `part`) where ids are required: its own, else
/// `call_{message}_{part}`.
fn call_id(request: &ChatRequest, message: usize, part: usize) -> Option<String> {
    let (id, _) = validate::call_at(request, message, part)?;
    Some(match id {
        Some(id) => id.into(),
        None => derived_call_id(message, part),
    })
}

/// The id given to a call without one, where the provider requires ids.
fn derived_call_id(message: usize, part: usize) -> String {
    format!("call_{message}_{part}")
}

/// Whether a reasoning part tagged `from` may be sent to `to`.
fn from_provider(from: Option<Provider>, to: Provider) -> bool {
    from.is_none_or(|p| p == to)
}

/// A JSON object from (key, value) pairs.
fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
}

/// The body with `provider_options` merged in last.
fn with_options(body: Map<String, Value>, request: &ChatRequest) -> Value {
    let mut body = Value::Object(body);
    if let Some(options) = &request.provider_options {
        merge_patch(&mut body, options);
    }
    body
}

/// RFC 7386 JSON Merge Patch: objects merge key by key, `null` removes a key, anything else
/// replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.as_str()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        // The examples of RFC 7386, appendix A.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }

    #[test]
    fn header_values() {
        assert!(is_header_value("sk-ant-api03-abc_DEF"));
        assert!(is_header_value("a b"));
        assert!(!is_header_value(""));
        assert!(!is_header_value("key\n"));
        assert!(!is_header_value(" key"));
        assert!(!is_header_value("ké"));
        assert!(!is_header_value("k\u{7f}"));
    }
}
