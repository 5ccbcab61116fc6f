//! The OpenAI Chat Completions dialect: `POST /v1/chat/completions` requests in, `chat.completion.chunk`
//! streams and `chat.completion` bodies out.
//!
//! # The stream
//!
//! [`Encoder`] writes every event as `data: <compact JSON>\n\n`. Every chunk carries the same
//! `id`, `object` (`chat.completion.chunk`), `created` and `model` (the [`ResponseMeta`]'s), and
//! one choice of `index` 0 whose `finish_reason` is `null` until the finish chunk:
//!
//! | normalized | chunk |
//! |---|---|
//! | (first output) | `"delta":{"role":"assistant","content":""}` |
//! | [`Token`](StreamChunk::Token) | `"delta":{"content":"..."}` |
//! | [`Reasoning`](StreamChunk::Reasoning) | `"delta":{"reasoning_content":"..."}` (as DeepSeek, vLLM and OpenRouter send it) |
//! | [`ToolCallStart`](StreamChunk::ToolCallStart) | `"delta":{"tool_calls":[{"index":i,"id":"...","type":"function","function":{"name":"...","arguments":"..."}}]}` |
//! | [`ToolCallArguments`](StreamChunk::ToolCallArguments) | `"delta":{"tool_calls":[{"index":i,"function":{"arguments":"..."}}]}` |
//! | signatures, redacted reasoning, block breaks | nothing (Chat Completions has no field for them) |
//! | a normal end | `"delta":{},"finish_reason":"stop"` (see the [finish-reason table](super#finish-reasons)); then, when `include_usage` was asked and the provider reported usage, a chunk with `"choices":[]` and `usage`; then `data: [DONE]` |
//! | a failed stream | a chunk with `"choices":[]` and `"error":{"message","type","param":null,"code":null}` (the type is the stream error's: `overloaded_error`, `incomplete_stream`, ...; `usage` too with `include_usage`), then `data: [DONE]` |
//!
//! Tool calls are numbered by `index` from 0 in order of first appearance; `id` and `type` come
//! on the first piece only, as the official SDK's accumulator requires (it concatenates string
//! fields). The usage chunk is the stream's last chunk, because the SDK keeps the usage of the
//! last chunk. The OpenAI SDK raises `APIError` on a chunk with an `error` key; `[DONE]` follows
//! the error anyway, so a client reading to the end always finds it.
//!
//! # The request
//!
//! [`decode_request`] reads a Chat Completions request body:
//!
//! | field | becomes |
//! |---|---|
//! | `model` (required) | [`DialectRequest::model`] |
//! | `messages` (required) | `system` and `developer` → system messages; `user` (text and `image_url` parts with `data:` URLs); `assistant` (`content` text or `text`/`refusal` parts, `tool_calls`, `reasoning_content`, `refusal`); `tool` (`tool_call_id`, text content) → tool results |
//! | `max_completion_tokens`, `max_tokens` | `max_tokens` (both given must agree) |
//! | `temperature`, `top_p`, `stop` (string or array) | the same |
//! | `tools` (`type: "function"`, `function.name`, `description`, `parameters`, `strict: false`) | `tools` |
//! | `tool_choice` (`auto`, `none`, `required`, `{"type":"function","function":{"name"}}`) | `tool_choice` |
//! | `reasoning_effort` (`none`, `minimal`, `low`, `medium`, `high`) | `reasoning.effort` |
//! | `stream`, `stream_options.include_usage` | [`DialectRequest::stream`], [`DialectRequest::include_usage`] |
//! | `n: 1`, `logprobs: false`, `modalities: ["text"]`, `stream_options.include_obfuscation: false`, `image_url.detail: "auto"` | accepted: they ask for what is done anyway |
//! | on an assistant message: `annotations` (`null` or `[]`), `audio`, `function_call`, `parsed` (`null`); on its tool calls `index`, `function.parsed_arguments` (`null`) | accepted and ignored: the official SDKs keep them on a response's message, and send them back when the application appends that message to the conversation |
//! | `frequency_penalty`, `presence_penalty`, `seed`, `logit_bias`, `user`, `parallel_tool_calls`, `response_format`, `service_tier`, `metadata`, `store`, `verbosity`, `prompt_cache_key`, `safety_identifier` | passed through to OpenAI-compatible providers ([`PASSTHROUGH`]) |
//!
//! Everything else is a `400` naming the field: unknown fields, the legacy `functions` /
//! `function_call`, `n` above 1, `logprobs`, audio, `prediction`, `web_search_options`, image
//! URLs other than `data:` URLs (the gateway fetches nothing), `strict` tools, message `name`s.

use serde::Serialize;

use crate::chunk::{FinishReason, Provider, Usage};

use super::openai_prompt_tokens;
#[cfg(doc)]
use super::{DialectRequest, ResponseMeta};
#[cfg(doc)]
use crate::chunk::StreamChunk;

// The client's requests in (decode.rs); chunks out as its stream (encode.rs) or its
// non-streaming body (body.rs).
mod body;
mod decode;
mod encode;

pub use body::non_streaming_body;
pub use decode::decode_request;
pub use encode::Encoder;

/// The request fields passed through unchanged to OpenAI-compatible providers (and refused for
/// the others by [`DialectRequest::for_provider`]).
pub const PASSTHROUGH: &[&str] = &[
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "logit_bias",
    "user",
    "parallel_tool_calls",
    "response_format",
    "service_tier",
    "metadata",
    "store",
    "verbosity",
    "prompt_cache_key",
    "safety_identifier",
];

/// The finish reason OpenAI clients get for a unified one (see the [module
/// docs](super#finish-reasons); the provider table's inverse).
pub fn finish_reason(reason: FinishReason) -> &'static str {
    Provider::OpenAi.spec().raw_finish_reason(reason)
}

/// OpenAI's `usage` object (see the [usage table](super#usage)).
#[derive(Serialize, Clone, Copy)]
struct UsageOut {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Serialize, Clone, Copy)]
struct PromptDetails {
    cached_tokens: u64,
}

#[derive(Serialize, Clone, Copy)]
struct CompletionDetails {
    reasoning_tokens: u64,
}

impl UsageOut {
    fn new(provider: Provider, usage: &Usage) -> Self {
        let prompt = openai_prompt_tokens(provider, usage);
        UsageOut {
            prompt_tokens: prompt,
            completion_tokens: usage.output_tokens,
            total_tokens: prompt.saturating_add(usage.output_tokens),
            prompt_tokens_details: usage
                .cache_read_input_tokens
                .map(|cached_tokens| PromptDetails { cached_tokens }),
            completion_tokens_details: usage
                .reasoning_tokens
                .map(|reasoning_tokens| CompletionDetails { reasoning_tokens }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reasons_every_client_knows() {
        let table = [
            (FinishReason::Stop, "stop"),
            (FinishReason::Length, "length"),
            (FinishReason::StopSequence, "stop"),
            (FinishReason::ToolCalls, "tool_calls"),
            (FinishReason::ContentFilter, "content_filter"),
            (FinishReason::PauseTurn, "length"),
            (FinishReason::Other, "stop"),
        ];
        for (unified, wire) in table {
            assert_eq!(finish_reason(unified), wire, "{unified}");
        }
    }
}
