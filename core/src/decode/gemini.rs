//! Gemini `models/*:streamGenerateContent?alt=sse` streams.
//!
//! # What the decoder reads
//!
//! Every event's data is a `GenerateContentResponse`; there are no event names and no `[DONE]`
//! sentinel. Only candidate `index` 0 (absent counts as 0) is normalized.
//!
//! | response field | normalized |
//! |---|---|
//! | `candidates[0].content.parts[].text` | text tokens |
//! | a `text` part with `"thought": true` | reasoning |
//! | `functionCall` `{id?, name, args}` | one complete tool-call piece: `id` only when Gemini sent one, `name`, and `args` as compact JSON (key order and numbers as sent; `"{}"` when `args` is absent) |
//! | `thoughtSignature` on any part | a [`StreamChunk::ReasoningSignature`] (no frame) right after that part's chunk |
//! | `candidates[0].finishReason` | the finish reason (see below) |
//! | `promptFeedback.blockReason` | a `content_filter` finish with the block reason as `provider_finish_reason` |
//! | `usageMetadata` | usage: running totals on every chunk, the last report wins |
//! | `responseId`, `modelVersion` | `id`, `model` (first non-empty value) |
//! | `error` | an error terminal chunk, at once |
//!
//! Parts the server handles itself (`executableCode`, `codeExecutionResult`) and media parts
//! (`inlineData`, `fileData`) produce no frames.
//!
//! **Finish reasons.** `STOP` → `stop`, or `tool_calls` when a `functionCall` part appeared in
//! the turn; `MAX_TOKENS` → `length`; `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`,
//! `SPII`, `IMAGE_SAFETY` → `content_filter`; `OTHER`, `MALFORMED_FUNCTION_CALL`,
//! `FINISH_REASON_UNSPECIFIED` and any other value → `other`. The raw value is kept as
//! `provider_finish_reason`. A `promptFeedback.blockReason` takes precedence over a
//! `finishReason`.
//!
//! **Usage.** `promptTokenCount` → `input_tokens`; `candidatesTokenCount + thoughtsTokenCount` →
//! `output_tokens` (every billed output token); `thoughtsTokenCount` → `reasoning_tokens` and
//! `cachedContentTokenCount` → `cache_read_input_tokens` when reported. A `usageMetadata` without
//! any of these counts is ignored.
//!
//! **When the stream ends.** Usage may arrive in a chunk after the `finishReason`, so the
//! terminal chunk is produced at [`finish`](Decode::finish) (the end of the input): a normal end
//! when a `finishReason` or `blockReason` was seen, otherwise `incomplete_stream`. (A `[DONE]`
//! sentinel, which some proxies add, is treated as the end of the input.)
//!
//! **Errors.** `{"error":{"code":503,"message":"...","status":"UNAVAILABLE"}}` (or any event named
//! `error`) ends the stream at once with a provider error whose type is the `status`, else the
//! `code`, else the error's `type`, else `api_error`. Data that is not a valid response is
//! `invalid_event`.
//!
//! ```
//! use llm_sse_core::{Normalizer, Provider};
//!
//! let body = concat!(
//!     "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"index\": 0}],",
//!     "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n",
//!     "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"!\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],",
//!     "\"usageMetadata\": {\"promptTokenCount\": 4,\"candidatesTokenCount\": 2,\"totalTokenCount\": 6},",
//!     "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n",
//! );
//! let mut normalizer = Normalizer::new(Provider::Gemini);
//! normalizer.feed(body.as_bytes());
//! normalizer.finish();
//! let mut frames = Vec::new();
//! normalizer.write_frames(&mut frames);
//! assert_eq!(
//!     String::from_utf8(frames).unwrap(),
//!     concat!(
//!         "data: {\"token\":\"Hi\",\"done\":false}\n\n",
//!         "data: {\"token\":\"!\",\"done\":false}\n\n",
//!         "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"r1\",",
//!         "\"model\":\"gemini-2.5-flash\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"STOP\",",
//!         "\"usage\":{\"input_tokens\":4,\"output_tokens\":2}}\n\n",
//!         "data: [DONE]\n\n",
//!     )
//! );
//! ```

use serde::Deserialize;

use crate::chunk::{FinishReason, Provider, StreamChunk, StreamError, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{
    self, CompactJson, FALLBACK_ERROR_TYPE, IndexZero, Indexed, InlineSeq, ProviderError, Str,
    non_empty,
};
use super::{Decode, Emitter};

/// Decoder for Gemini `streamGenerateContent?alt=sse` streams (see the [module docs](self) for
/// the exact mapping).
#[derive(Debug, Clone)]
pub struct GeminiDecoder {
    out: Emitter,
    /// The unified reason of the last `finishReason` seen, before the function-call rule.
    finish: Option<FinishReason>,
    /// A `promptFeedback.blockReason` was seen.
    blocked: bool,
    /// A `functionCall` part appeared in the turn.
    function_call: bool,
}

impl Default for GeminiDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl GeminiDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        GeminiDecoder {
            out: Emitter::new(Provider::Gemini),
            finish: None,
            blocked: false,
            function_call: false,
        }
    }

    fn response(&mut self, response: Response<'_>) {
        if self.out.id.is_none() {
            self.out.id = non_empty(response.response_id).map(Str::into_string);
        }
        if self.out.model.is_none() {
            self.out.model = non_empty(response.model_version).map(Str::into_string);
        }
        if let Some(usage) = response.usage_metadata {
            self.usage(&usage);
        }
        if let Some(error) = response.error {
            self.provider_error(error);
            return;
        }
        if let Some(reason) = response
            .prompt_feedback
            .and_then(|f| non_empty(f.block_reason))
        {
            self.blocked = true;
            self.out.provider_finish_reason = Some(reason.into_string());
        }
        let Some(candidate) = response.candidates.0 else {
            return;
        };
        if let Some(content) = candidate.content {
            for part in content.parts {
                self.part(part);
            }
        }
        if let Some(raw) = non_empty(candidate.finish_reason) {
            self.finish = Some(finish_reason(raw.as_str()));
            if !self.blocked {
                self.out.provider_finish_reason = Some(raw.into_string());
            }
        }
    }

    fn part(&mut self, part: Part<'_>) {
        if let Some(call) = part.function_call {
            self.function_call = true;
            let arguments = match call.args {
                Some(CompactJson(args)) => args,
                None => "{}".into(),
            };
            self.out.start_tool_call_parts(
                non_empty(call.id).map(Str::into_string),
                non_empty(call.name).map(Str::into_string),
                arguments,
            );
        }
        if let Some(text) = part.text {
            if part.thought == Some(true) {
                self.out.reasoning(text.0);
            } else {
                self.out.token(text.0);
            }
        }
        if let Some(signature) = part.thought_signature {
            self.out.reasoning_signature(signature.0);
        }
    }

    fn usage(&mut self, usage: &UsageMetadata) {
        if usage.prompt_token_count.is_none()
            && usage.candidates_token_count.is_none()
            && usage.thoughts_token_count.is_none()
        {
            return;
        }
        let candidates = usage.candidates_token_count.unwrap_or(0);
        let thoughts = usage.thoughts_token_count.unwrap_or(0);
        self.out.usage = Some(Usage {
            input_tokens: usage.prompt_token_count.unwrap_or(0),
            output_tokens: candidates.saturating_add(thoughts),
            cache_read_input_tokens: usage.cached_content_token_count,
            cache_creation_input_tokens: None,
            reasoning_tokens: usage.thoughts_token_count,
        });
    }

    fn provider_error(&mut self, error: ProviderError) {
        let message = error.message_or("Gemini reported an error without a message");
        let kind = error
            .status
            .or(error.code)
            .or(error.error_type)
            .unwrap_or_else(|| FALLBACK_ERROR_TYPE.into());
        self.out.fail_with(StreamErrorKind::Provider(kind), message);
    }

    /// The end of the input.
    fn end(&mut self) {
        let reason = if self.blocked {
            FinishReason::ContentFilter
        } else {
            match self.finish {
                Some(FinishReason::Stop) if self.function_call => FinishReason::ToolCalls,
                Some(reason) => reason,
                None => {
                    self.out.fail_with(
                        StreamErrorKind::IncompleteStream,
                        "the stream ended before any finishReason",
                    );
                    return;
                }
            }
        };
        self.out.finish(reason);
    }
}

/// The unified reason for a Gemini `finishReason` (before the function-call rule for `STOP`).
fn finish_reason(raw: &str) -> FinishReason {
    match raw {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        _ => FinishReason::Other,
    }
}

impl Decode for GeminiDecoder {
    fn provider(&self) -> Provider {
        self.out.provider()
    }

    fn decode(&mut self, event: &Event<'_>) {
        if self.out.is_done() {
            return;
        }
        if event.event == "error" {
            self.provider_error(ProviderError::from_event_data(event.data));
            return;
        }
        if event.data.trim_ascii() == "[DONE]" {
            self.end();
            return;
        }
        match json::decode::<Response<'_>>(event.data, "Gemini GenerateContentResponse") {
            Ok(response) => self.response(response),
            Err(message) => self.out.fail_with(StreamErrorKind::InvalidEvent, message),
        }
    }

    fn finish(&mut self) {
        if !self.out.is_done() {
            self.end();
        }
    }

    fn fail(&mut self, error: StreamError) {
        self.out.fail(error);
    }

    fn next_chunk(&mut self) -> Option<StreamChunk> {
        self.out.next_chunk()
    }

    fn is_done(&self) -> bool {
        self.out.is_done()
    }
}

// ---- Wire types (borrowing from the event's data; unknown fields ignored) ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    #[serde(borrow, default)]
    candidates: IndexZero<Candidate<'a>>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
    #[serde(borrow, default)]
    prompt_feedback: Option<PromptFeedback<'a>>,
    #[serde(borrow, default)]
    response_id: Option<Str<'a>>,
    #[serde(borrow, default)]
    model_version: Option<Str<'a>>,
    #[serde(default)]
    error: Option<ProviderError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate<'a> {
    #[serde(borrow, default)]
    content: Option<Content<'a>>,
    #[serde(borrow, default)]
    finish_reason: Option<Str<'a>>,
    #[serde(default)]
    index: Option<u64>,
}

impl Indexed for Candidate<'_> {
    fn index(&self) -> Option<u64> {
        self.index
    }
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow, default)]
    parts: InlineSeq<Part<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part<'a> {
    #[serde(borrow, default)]
    text: Option<Str<'a>>,
    #[serde(default)]
    thought: Option<bool>,
    #[serde(borrow, default)]
    thought_signature: Option<Str<'a>>,
    #[serde(borrow, default)]
    function_call: Option<FunctionCall<'a>>,
}

#[derive(Deserialize)]
struct FunctionCall<'a> {
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    name: Option<Str<'a>>,
    #[serde(default)]
    args: Option<CompactJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: Option<u64>,
    #[serde(default)]
    candidates_token_count: Option<u64>,
    #[serde(default)]
    thoughts_token_count: Option<u64>,
    #[serde(default)]
    cached_content_token_count: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback<'a> {
    #[serde(borrow, default)]
    block_reason: Option<Str<'a>>,
}
