//! The Anthropic Messages dialect: `POST /v1/messages` requests in, Messages event streams and
//! `message` bodies out.
//!
//! # The stream
//!
//! [`Encoder`] writes every event as `event: <type>\ndata: <compact JSON>\n\n`, the event name
//! repeating the JSON `type`, as Anthropic does:
//!
//! | normalized | events |
//! |---|---|
//! | (first output) | `message_start` with a whole `message`: `id`, `"type":"message"`, `"role":"assistant"`, `model`, `"content":[]`, `"stop_reason":null`, `"stop_sequence":null`, `"usage":{"input_tokens":0,"output_tokens":0}` (the normalized stream reports usage only at its end: the counts come in `message_delta`) |
//! | [`Token`](StreamChunk::Token) | a `text` block (`{"type":"text","text":""}`) and its `text_delta`s |
//! | [`Reasoning`](StreamChunk::Reasoning) | a `thinking` block (`{"type":"thinking","thinking":"","signature":""}`) and its `thinking_delta`s |
//! | [`ReasoningSignature`](StreamChunk::ReasoningSignature) | a `signature_delta` that closes the thinking block (after other content, a thinking block of its own with no thinking text) |
//! | [`RedactedReasoning`](StreamChunk::RedactedReasoning) | a `redacted_thinking` block with its `data`, stopped at once |
//! | [`ToolCallStart`](StreamChunk::ToolCallStart) | a `tool_use` block (`id`, `name`, `"input":{}`); its first arguments, if any, in an `input_json_delta` |
//! | [`ToolCallArguments`](StreamChunk::ToolCallArguments) | an `input_json_delta` on the call's block |
//! | [`BlockBreak`](StreamChunk::BlockBreak) | the open text or thinking block stops: what follows is a new block |
//! | a normal end | every open block's `content_block_stop`, then `message_delta` (`stop_reason` from the [finish-reason table](super#finish-reasons), `"stop_sequence":null`, cumulative `usage`: `input_tokens`, `cache_creation_input_tokens` and `cache_read_input_tokens` when reported, `output_tokens`), then `message_stop` |
//! | a failed stream | `event: error` with `{"type":"error","error":{"type":"...","message":"..."}}` (the stream error's type: `overloaded_error`, `incomplete_stream`, ...), and nothing after it |
//!
//! Blocks are numbered from 0 in the order they start, as the official SDK's accumulator
//! requires (it finds a delta's block by position). A text or thinking block stops when any
//! other block starts; `tool_use` blocks stay open until the message ends, because the
//! normalized stream may interleave the arguments of parallel calls (OpenAI-compatible
//! sources do).
//!
//! # The request
//!
//! [`decode_request`] reads a Messages request body:
//!
//! | field | becomes |
//! |---|---|
//! | `model` (required), `messages` (required) | [`DialectRequest::model`]; `user` turns (text, `base64` images, `tool_result`s, which become tool messages), `assistant` turns (text, `thinking`, `redacted_thinking`, `tool_use`) |
//! | `system` (string or text blocks) | a system message |
//! | `max_tokens` (optional here: the provider's default when absent) | `max_tokens` |
//! | `temperature`, `top_p`, `stop_sequences` | `temperature`, `top_p`, `stop` |
//! | `tools` (custom tools: `name`, `description`, `input_schema`) | `tools` |
//! | `tool_choice` (`auto`, `any`, `none`, `tool` + `name`) | `tool_choice` (`any` → `required`) |
//! | `thinking` `enabled` + `budget_tokens` / `disabled` / `adaptive` (+ `output_config.effort` `low`, `medium`, `high`) | `reasoning`: the budget / a budget of 0 / the effort (`high` when not given) |
//! | `stream` | [`DialectRequest::stream`] |
//! | `cache_control` (`{"type": "ephemeral"}`, optional `ttl` `5m` or `1h`) on `system` text blocks, on user and assistant `text`, `image`, `tool_use` and `tool_result` blocks (and the text and image blocks inside a `tool_result`), on `tools` | the part's or tool's `cache` |
//! | `cache_control` at the top (automatic caching) | the request's `cache`: a breakpoint on the last block that can take one, the block Anthropic would pick |
//! | `top_k`, `metadata`, `service_tier`, `tool_choice.disable_parallel_tool_use: true` | passed through to Anthropic ([`PASSTHROUGH`]) |
//!
//! Everything else is a `400` naming the field: unknown fields, a `cache_control` of another
//! `type` or `ttl`, or on a thinking block (Anthropic refuses it there too), citations,
//! documents, image URLs and files, server tools and their blocks, `output_config.format`,
//! `container`, `mcp_servers`. A `thinking` block's empty `signature` means none. Cache
//! breakpoints reach Anthropic as `cache_control` (validation checks its limit of 4 and that a
//! `1h` one does not follow a `5m` one); OpenAI and Gemini models ignore them, as they cache
//! prompts by themselves.

use serde::Serialize;

use crate::chunk::{FinishReason, Provider, Usage};

#[cfg(doc)]
use super::DialectRequest;
use super::anthropic_input_tokens;
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

/// The request fields passed through unchanged to Anthropic (and refused for other providers
/// by [`DialectRequest::for_provider`]); `tool_choice.disable_parallel_tool_use` passes too when
/// `true`.
pub const PASSTHROUGH: &[&str] = &["top_k", "metadata", "service_tier"];

/// The `stop_reason` Anthropic clients get for a unified finish reason (see the [module
/// docs](super#finish-reasons); the provider table's inverse). A stream that came from Anthropic
/// keeps its own.
pub fn stop_reason(reason: FinishReason) -> &'static str {
    Provider::Anthropic.spec().raw_finish_reason(reason)
}

/// The `stop_reason` of a finished stream: Anthropic's own when it came from Anthropic's API
/// (Claude on Anthropic, Bedrock or Vertex AI).
fn stop_reason_of(provider: Provider, raw: Option<&str>, reason: FinishReason) -> &str {
    match raw {
        Some(raw) if provider.api() == crate::provider::Api::Anthropic => raw,
        _ => stop_reason(reason),
    }
}

/// Anthropic's `usage` object (see the [usage table](super#usage)).
#[derive(Serialize, Clone, Copy)]
struct UsageOut {
    input_tokens: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_creation_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_read_input_tokens: Option<u64>,
    output_tokens: u64,
}

impl UsageOut {
    /// The counts of `usage`, or zeros when the provider reported none (the field is required).
    fn new(provider: Provider, usage: Option<&Usage>) -> Self {
        match usage {
            Some(usage) => UsageOut {
                input_tokens: anthropic_input_tokens(provider, usage),
                cache_creation_input_tokens: usage.cache_creation_input_tokens,
                cache_read_input_tokens: usage.cache_read_input_tokens,
                output_tokens: usage.output_tokens,
            },
            None => UsageOut {
                input_tokens: 0,
                cache_creation_input_tokens: None,
                cache_read_input_tokens: None,
                output_tokens: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons() {
        let table = [
            (FinishReason::Stop, "end_turn"),
            (FinishReason::Length, "max_tokens"),
            (FinishReason::StopSequence, "stop_sequence"),
            (FinishReason::ToolCalls, "tool_use"),
            (FinishReason::ContentFilter, "refusal"),
            (FinishReason::PauseTurn, "pause_turn"),
            (FinishReason::Other, "end_turn"),
        ];
        for (unified, wire) in table {
            assert_eq!(stop_reason(unified), wire, "{unified}");
        }
        let raw = Some("model_context_window_exceeded");
        assert_eq!(
            stop_reason_of(Provider::Anthropic, raw, FinishReason::Length),
            "model_context_window_exceeded"
        );
        assert_eq!(
            stop_reason_of(Provider::Gemini, Some("MAX_TOKENS"), FinishReason::Length),
            "max_tokens"
        );
        assert_eq!(
            stop_reason_of(Provider::Anthropic, None, FinishReason::Other),
            "end_turn"
        );
    }
}
