//! The Gemini `streamGenerateContent?alt=sse` stream rules.
//!
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
//! | `functionCall` `{id?, name, args}` | one complete tool-call piece: `id` as Gemini sent it, else `call_<responseId>_<index>` ([`tool_call_id`](crate::dialect::tool_call_id); the `responseId` is on the same response object), `name`, and `args` as compact JSON (key order and numbers as sent; `"{}"` when `args` is absent) |
//! | `thoughtSignature` on any part | a [`StreamChunk::ReasoningSignature`](crate::StreamChunk::ReasoningSignature) right after that part's chunk |
//! | `candidates[0].finishReason` | the finish reason (see below) |
//! | `promptFeedback.blockReason` | a `content_filter` finish with the block reason as `provider_finish_reason` |
//! | `usageMetadata` | usage: running totals on every chunk, the last report wins |
//! | `responseId`, `modelVersion` | `id`, `model` (first non-empty value) |
//! | `error` | an error terminal chunk, at once |
//!
//! Parts the server handles itself (`executableCode`, `codeExecutionResult`) and media parts
//! (`inlineData`, `fileData`) produce no frames; text before and after them is separated by a
//! [`StreamChunk::BlockBreak`](crate::StreamChunk::BlockBreak).
//!
//! **Finish reasons.** `STOP` → `stop`, or `tool_calls` when a `functionCall` part appeared in
//! the turn; `MAX_TOKENS` → `length`; `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`,
//! `SPII`, `IMAGE_SAFETY`, `IMAGE_PROHIBITED_CONTENT`, `IMAGE_RECITATION` → `content_filter`; `OTHER`, `MALFORMED_FUNCTION_CALL`,
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
//! terminal chunk is produced at the end of the input: a normal end
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
use serde_json::value::RawValue;

use crate::chunk::{FinishReason, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{
    self, FALLBACK_ERROR_TYPE, IndexZero, Indexed, InlineSeq, ProviderError, Skip, Str, compact,
    non_empty,
};
use super::{At, Emitter, ProviderRules};

/// The Gemini protocol (see the module docs).
#[derive(Debug, Clone, Default)]
pub(super) struct Gemini {
    /// The unified reason of the last `finishReason` seen, before the function-call rule.
    finish: Option<FinishReason>,
    /// A `promptFeedback.blockReason` was seen.
    blocked: bool,
    /// A `functionCall` part appeared in the turn.
    function_call: bool,
}

impl Gemini {
    fn response(&mut self, out: &mut Emitter, response: Response<'_>) {
        if response.candidates.0.is_some()
            || response.usage_metadata.is_some()
            || response.prompt_feedback.is_some()
            || response.response_id.is_some()
            || response.model_version.is_some()
            || response.error.is_some()
        {
            out.recognized();
        }
        if out.id.is_none() {
            out.id = non_empty(response.response_id).map(Str::into_string);
        }
        if out.model.is_none() {
            out.model = non_empty(response.model_version).map(Str::into_string);
        }
        if let Some(usage) = response.usage_metadata {
            self.usage(out, &usage);
        }
        if let Some(error) = response.error {
            self.provider_error(out, error);
            return;
        }
        if let Some(reason) = response
            .prompt_feedback
            .and_then(|f| non_empty(f.block_reason))
        {
            self.blocked = true;
            out.provider_finish_reason = Some(reason.into_string());
        }
        let Some(candidate) = response.candidates.0 else {
            return;
        };
        if let Some(content) = candidate.content {
            for part in content.parts {
                self.part(out, part);
            }
        }
        if let Some(raw) = non_empty(candidate.finish_reason) {
            self.finish = Some(finish_reason(raw.as_str()));
            if !self.blocked {
                out.provider_finish_reason = Some(raw.into_string());
            }
        }
    }

    fn part(&mut self, out: &mut Emitter, part: Part<'_>) {
        if let Some(call) = part.function_call {
            let Some(name) = non_empty(call.name) else {
                out.fail_with(
                    StreamErrorKind::InvalidEvent,
                    "invalid GenerateContentResponse: a functionCall part has no name",
                );
                return;
            };
            self.function_call = true;
            let arguments = match call.args.map(compact).transpose() {
                Ok(Some(args)) => args,
                Ok(None) => "{}".into(),
                Err(err) => {
                    out.fail_with(
                        StreamErrorKind::InvalidEvent,
                        alloc::format!("invalid GenerateContentResponse: functionCall.args: {err}"),
                    );
                    return;
                }
            };
            out.start_tool_call(
                non_empty(call.id).map(Str::into_string),
                name.into_string(),
                arguments,
            );
        }
        if let Some(text) = part.text {
            if part.thought == Some(true) {
                out.reasoning(text.0);
            } else {
                out.token(text.0);
            }
        }
        if let Some(signature) = part.thought_signature {
            out.reasoning_signature(signature.0);
        }
        if part.executable_code.is_some()
            || part.code_execution_result.is_some()
            || part.inline_data.is_some()
            || part.file_data.is_some()
        {
            out.block_break();
        }
    }

    fn usage(&mut self, out: &mut Emitter, usage: &UsageMetadata) {
        if usage.prompt_token_count.is_none()
            && usage.candidates_token_count.is_none()
            && usage.thoughts_token_count.is_none()
        {
            return;
        }
        let candidates = usage.candidates_token_count.unwrap_or(0);
        let thoughts = usage.thoughts_token_count.unwrap_or(0);
        out.usage = Some(Usage {
            input_tokens: usage.prompt_token_count.unwrap_or(0),
            output_tokens: candidates.saturating_add(thoughts),
            cache_read_input_tokens: usage.cached_content_token_count,
            cache_creation_input_tokens: None,
            reasoning_tokens: usage.thoughts_token_count,
        });
    }

    fn provider_error(&mut self, out: &mut Emitter, error: ProviderError) {
        let message = error.message_or("Gemini reported an error without a message");
        let kind = error
            .status
            .or(error.code)
            .or(error.error_type)
            .unwrap_or_else(|| FALLBACK_ERROR_TYPE.into());
        out.fail_with(StreamErrorKind::Provider(kind), message);
    }
}

/// The unified reason for a Gemini `finishReason` (the provider table's), before the
/// function-call rule for `STOP`.
fn finish_reason(raw: &str) -> FinishReason {
    crate::Provider::Gemini.spec().finish_reason(raw)
}

impl ProviderRules for Gemini {
    fn event(&mut self, event: &Event<'_>, out: &mut Emitter) {
        if event.event == "error" {
            out.recognized();
            self.provider_error(out, ProviderError::from_event_data(event.data));
            return;
        }
        match json::decode::<Response<'_>>(event.data, "Gemini GenerateContentResponse") {
            Ok(response) => self.response(out, response),
            Err(message) => out.fail_with(StreamErrorKind::InvalidEvent, message),
        }
    }

    fn verdict(&self, _at: At) -> Result<FinishReason, &'static str> {
        // Gemini streams have no end marker: a `[DONE]` that a proxy added means the same as the
        // end of the input.
        if self.blocked {
            return Ok(FinishReason::ContentFilter);
        }
        match self.finish {
            Some(FinishReason::Stop) if self.function_call => Ok(FinishReason::ToolCalls),
            Some(reason) => Ok(reason),
            None => Err("the stream ended before any finishReason"),
        }
    }

    fn complete(&mut self, _out: &mut Emitter) {
        // Gemini sends every function call whole: nothing is left to complete.
    }
}

// ---- Wire types (borrowing from the event's data; unknown fields ignored) ----
//
// Fields that are never read but nest two deep are declared as `Skip`: serde_json's `IgnoredAny`,
// which handles undeclared fields, allocates for such values on every event.

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
    #[serde(default, rename = "safetyRatings")]
    _safety_ratings: Skip,
    #[serde(default, rename = "citationMetadata")]
    _citation_metadata: Skip,
    #[serde(default, rename = "groundingMetadata")]
    _grounding_metadata: Skip,
    #[serde(default, rename = "urlContextMetadata")]
    _url_context_metadata: Skip,
    #[serde(default, rename = "logprobsResult")]
    _logprobs_result: Skip,
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
    // Parts the stream does not carry: code the server ran and its result, media.
    #[serde(default)]
    executable_code: Option<Skip>,
    #[serde(default)]
    code_execution_result: Option<Skip>,
    #[serde(default)]
    inline_data: Option<Skip>,
    #[serde(default)]
    file_data: Option<Skip>,
}

#[derive(Deserialize)]
struct FunctionCall<'a> {
    #[serde(borrow, default)]
    id: Option<Str<'a>>,
    #[serde(borrow, default)]
    name: Option<Str<'a>>,
    #[serde(borrow, default)]
    args: Option<&'a RawValue>,
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
    #[serde(default, rename = "promptTokensDetails")]
    _prompt_tokens_details: Skip,
    #[serde(default, rename = "candidatesTokensDetails")]
    _candidates_tokens_details: Skip,
    #[serde(default, rename = "cacheTokensDetails")]
    _cache_tokens_details: Skip,
    #[serde(default, rename = "toolUsePromptTokensDetails")]
    _tool_use_prompt_tokens_details: Skip,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback<'a> {
    #[serde(borrow, default)]
    block_reason: Option<Str<'a>>,
    #[serde(default, rename = "safetyRatings")]
    _safety_ratings: Skip,
}
