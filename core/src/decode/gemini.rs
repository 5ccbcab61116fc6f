//! The Gemini `streamGenerateContent?alt=sse` stream decoder: [`GeminiDecoder`].

use serde::Deserialize;

use crate::chunk::{FinishReason, Provider, StreamErrorKind, Usage};
use crate::sse::Event;

use super::json::{
    self, CompactJson, FALLBACK_ERROR_TYPE, IndexZero, Indexed, InlineSeq, ProviderError, Skip,
    Str, non_empty,
};
use super::{Decode, Emitter};

/// Decoder for Gemini `models/*:streamGenerateContent?alt=sse` streams.
///
/// # What the decoder reads
///
/// Every event's data is a `GenerateContentResponse`; there are no event names and no `[DONE]`
/// sentinel. Only candidate `index` 0 (absent counts as 0) is normalized.
///
/// | response field | normalized |
/// |---|---|
/// | `candidates[0].content.parts[].text` | text tokens |
/// | a `text` part with `"thought": true` | reasoning |
/// | `functionCall` `{id?, name, args}` | one complete tool-call piece: `id` only when Gemini sent one, `name`, and `args` as compact JSON (key order and numbers as sent; `"{}"` when `args` is absent) |
/// | `thoughtSignature` on any part | a [`StreamChunk::ReasoningSignature`](crate::StreamChunk::ReasoningSignature) (no frame) right after that part's chunk |
/// | `candidates[0].finishReason` | the finish reason (see below) |
/// | `promptFeedback.blockReason` | a `content_filter` finish with the block reason as `provider_finish_reason` |
/// | `usageMetadata` | usage: running totals on every chunk, the last report wins |
/// | `responseId`, `modelVersion` | `id`, `model` (first non-empty value) |
/// | `error` | an error terminal chunk, at once |
///
/// Parts the server handles itself (`executableCode`, `codeExecutionResult`) and media parts
/// (`inlineData`, `fileData`) produce no frames.
///
/// **Finish reasons.** `STOP` → `stop`, or `tool_calls` when a `functionCall` part appeared in
/// the turn; `MAX_TOKENS` → `length`; `SAFETY`, `RECITATION`, `BLOCKLIST`, `PROHIBITED_CONTENT`,
/// `SPII`, `IMAGE_SAFETY` → `content_filter`; `OTHER`, `MALFORMED_FUNCTION_CALL`,
/// `FINISH_REASON_UNSPECIFIED` and any other value → `other`. The raw value is kept as
/// `provider_finish_reason`. A `promptFeedback.blockReason` takes precedence over a
/// `finishReason`.
///
/// **Usage.** `promptTokenCount` → `input_tokens`; `candidatesTokenCount + thoughtsTokenCount` →
/// `output_tokens` (every billed output token); `thoughtsTokenCount` → `reasoning_tokens` and
/// `cachedContentTokenCount` → `cache_read_input_tokens` when reported. A `usageMetadata` without
/// any of these counts is ignored.
///
/// **When the stream ends.** Usage may arrive in a chunk after the `finishReason`, so the
/// terminal chunk is produced at [`finish`](Decode::finish) (the end of the input): a normal end
/// when a `finishReason` or `blockReason` was seen, otherwise `incomplete_stream`. (A `[DONE]`
/// sentinel, which some proxies add, is treated as the end of the input.)
///
/// **Errors.** `{"error":{"code":503,"message":"...","status":"UNAVAILABLE"}}` (or any event named
/// `error`) ends the stream at once with a provider error whose type is the `status`, else the
/// `code`, else the error's `type`, else `api_error`. Data that is not a valid response is
/// `invalid_event`.
///
/// ```
/// use llm_sse_core::{Normalizer, Provider};
///
/// let body = concat!(
///     "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"index\": 0}],",
///     "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n",
///     "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"!\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],",
///     "\"usageMetadata\": {\"promptTokenCount\": 4,\"candidatesTokenCount\": 2,\"totalTokenCount\": 6},",
///     "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n",
/// );
/// let mut normalizer = Normalizer::new(Provider::Gemini);
/// normalizer.feed(body.as_bytes());
/// normalizer.finish();
/// let mut frames = Vec::new();
/// normalizer.write_frames(&mut frames);
/// assert_eq!(
///     String::from_utf8(frames).unwrap(),
///     concat!(
///         "data: {\"token\":\"Hi\",\"done\":false}\n\n",
///         "data: {\"token\":\"!\",\"done\":false}\n\n",
///         "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"r1\",",
///         "\"model\":\"gemini-2.5-flash\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"STOP\",",
///         "\"usage\":{\"input_tokens\":4,\"output_tokens\":2}}\n\n",
///         "data: [DONE]\n\n",
///     )
/// );
/// ```
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
            let Some(name) = non_empty(call.name) else {
                self.out.fail_with(
                    StreamErrorKind::InvalidEvent,
                    "invalid GenerateContentResponse: a functionCall part has no name",
                );
                return;
            };
            self.function_call = true;
            let arguments = match call.args {
                Some(CompactJson(args)) => args,
                None => "{}".into(),
            };
            self.out.start_tool_call_parts(
                non_empty(call.id).map(Str::into_string),
                Some(name.into_string()),
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
    decode_via_emitter!();

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

#[cfg(test)]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    use serde_json::{Value, json};

    use super::*;
    use crate::chunk::{StreamChunk, StreamError};
    use crate::decode::test_support::{self, drain, frames, piece, terminal};

    fn run_events(events: &[(&str, String)]) -> Vec<StreamChunk> {
        test_support::run_events(GeminiDecoder::new(), events)
    }

    fn run(data: &[String]) -> Vec<StreamChunk> {
        test_support::run_unnamed(GeminiDecoder::new(), data)
    }

    /// A response whose candidate 0 has `parts` and `finish` (null for none).
    fn response(parts: Value, finish: Value) -> String {
        let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
        if !finish.is_null() {
            candidate["finishReason"] = finish;
        }
        json!({"candidates": [candidate], "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"})
            .to_string()
    }

    fn text(t: &str) -> String {
        response(json!([{ "text": t }]), Value::Null)
    }

    fn with_usage(data: String, usage: Value) -> String {
        let mut v: Value = serde_json::from_str(&data).unwrap();
        v["usageMetadata"] = usage;
        v.to_string()
    }

    #[test]
    fn a_function_call_without_a_name_is_invalid_event() {
        let chunks = run(&[response(
            json!([{"functionCall": {"args": {"city": "Paris"}}}]),
            json!("STOP"),
        )]);
        assert_eq!(chunks.len(), 1, "{chunks:?}");
        assert_eq!(
            terminal(&chunks).error.as_ref().map(|e| &e.kind),
            Some(&StreamErrorKind::InvalidEvent)
        );
    }

    #[test]
    fn text_stream_is_byte_exact_and_ends_at_the_end_of_input() {
        let mut decoder = GeminiDecoder::new();
        let events = [
            text("Hello"),
            text(""),
            with_usage(
                response(json!([{"text": ", world\n"}]), json!("STOP")),
                json!({"promptTokenCount": 8, "candidatesTokenCount": 4, "totalTokenCount": 12,
                       "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]}),
            ),
        ];
        let mut chunks = Vec::new();
        for data in &events {
            decoder.decode(&Event::new("message", data));
            chunks.extend(drain(&mut decoder));
        }
        // No terminal chunk before the end of the input: usage may still follow.
        assert!(!decoder.is_done());
        decoder.finish();
        chunks.extend(drain(&mut decoder));
        assert_eq!(
            frames(&chunks),
            concat!(
                "data: {\"token\":\"Hello\",\"done\":false}\n\n",
                "data: {\"token\":\", world\\n\",\"done\":false}\n\n",
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
                "\"finish_reason\":\"stop\",\"provider_finish_reason\":\"STOP\",",
                "\"usage\":{\"input_tokens\":8,\"output_tokens\":4}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn thoughts_are_reasoning_and_signatures_follow_their_part() {
        let chunks = run(&[
            response(
                json!([{"text": "Let me think", "thought": true}]),
                Value::Null,
            ),
            response(
                json!([{"text": "The answer", "thoughtSignature": "c2ln"}, {"text": " is 4.", "thought": false}]),
                Value::Null,
            ),
            response(
                json!([{"text": "", "thoughtSignature": "c2lnMg=="}]),
                json!("STOP"),
            ),
        ]);
        assert_eq!(
            chunks[..5],
            [
                StreamChunk::Reasoning("Let me think".into()),
                StreamChunk::Token("The answer".into()),
                StreamChunk::ReasoningSignature("c2ln".into()),
                StreamChunk::Token(" is 4.".into()),
                StreamChunk::ReasoningSignature("c2lnMg==".into()),
            ]
        );
        assert_eq!(chunks.len(), 6);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
    }

    #[test]
    fn function_calls_are_complete_pieces_and_stop_becomes_tool_calls() {
        let raw_args = r#"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather", "args": {"location": "Paris", "unit": "celsius", "days": 3, "detail": {"b": [1.5, true, null], "a": "x\"y"}}}, "thoughtSignature": "sig1"}],"role": "model"},"index": 0}],"modelVersion": "gemini-2.5-flash","responseId": "r"}"#;
        let chunks = run(&[
            raw_args.into(),
            response(
                json!([{"functionCall": {"id": "fc_1", "name": "get_time"}}, {"functionCall": {"name": "noop", "args": {}}}]),
                json!("STOP"),
            ),
        ]);
        assert_eq!(
            chunks[..4],
            [
                piece(
                    0,
                    None,
                    Some("get_weather"),
                    r#"{"location":"Paris","unit":"celsius","days":3,"detail":{"b":[1.5,true,null],"a":"x\"y"}}"#
                ),
                StreamChunk::ReasoningSignature("sig1".into()),
                piece(1, Some("fc_1"), Some("get_time"), "{}"),
                piece(2, None, Some("noop"), "{}"),
            ]
        );
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::ToolCalls);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("STOP"));
        assert_eq!(chunks.len(), 5);
        assert_eq!(
            frames(&chunks[..1]),
            "data: {\"token\":\"\",\"done\":false,\"tool_call\":{\"index\":0,\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\",\\\"days\\\":3,\\\"detail\\\":{\\\"b\\\":[1.5,true,null],\\\"a\\\":\\\"x\\\\\\\"y\\\"}}\"}}\n\n"
        );
    }

    #[test]
    fn a_function_call_does_not_change_other_finish_reasons() {
        let chunks = run(&[response(
            json!([{"functionCall": {"name": "f", "args": {"a": 1}}}]),
            json!("MAX_TOKENS"),
        )]);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Length);
    }

    #[test]
    fn finish_reason_table() {
        for (raw, unified) in [
            ("STOP", FinishReason::Stop),
            ("MAX_TOKENS", FinishReason::Length),
            ("SAFETY", FinishReason::ContentFilter),
            ("RECITATION", FinishReason::ContentFilter),
            ("BLOCKLIST", FinishReason::ContentFilter),
            ("PROHIBITED_CONTENT", FinishReason::ContentFilter),
            ("SPII", FinishReason::ContentFilter),
            ("IMAGE_SAFETY", FinishReason::ContentFilter),
            ("OTHER", FinishReason::Other),
            ("MALFORMED_FUNCTION_CALL", FinishReason::Other),
            ("FINISH_REASON_UNSPECIFIED", FinishReason::Other),
            ("LANGUAGE", FinishReason::Other),
            ("SOMETHING_NEW", FinishReason::Other),
        ] {
            let chunks = run(&[text("x"), response(json!([]), json!(raw))]);
            let fin = terminal(&chunks);
            assert_eq!(fin.finish_reason, unified, "{raw}");
            assert_eq!(fin.provider_finish_reason.as_deref(), Some(raw));
            assert!(fin.error.is_none());
        }
    }

    #[test]
    fn prompt_block_is_a_content_filter_finish() {
        let blocked = json!({
            "promptFeedback": {"blockReason": "PROHIBITED_CONTENT",
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]},
            "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
            "modelVersion": "gemini-2.5-flash", "responseId": "resp-b"
        })
        .to_string();
        let chunks = run(&[blocked]);
        assert_eq!(
            frames(&chunks),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-b\",\"model\":\"gemini-2.5-flash\",",
                "\"finish_reason\":\"content_filter\",\"provider_finish_reason\":\"PROHIBITED_CONTENT\",",
                "\"usage\":{\"input_tokens\":7,\"output_tokens\":0}}\n\n",
                "data: [DONE]\n\n"
            )
        );
        // The block reason wins over a later finishReason.
        let chunks = run(&[
            json!({"promptFeedback": {"blockReason": "SAFETY"}}).to_string(),
            response(json!([]), json!("STOP")),
        ]);
        let fin = terminal(&chunks);
        assert_eq!(fin.finish_reason, FinishReason::ContentFilter);
        assert_eq!(fin.provider_finish_reason.as_deref(), Some("SAFETY"));
    }

    #[test]
    fn usage_running_totals_last_report_wins() {
        let chunks = run(&[
            with_usage(
                text("a"),
                json!({"promptTokenCount": 10, "candidatesTokenCount": 1, "totalTokenCount": 11}),
            ),
            with_usage(
                response(json!([{"text": "b"}]), json!("STOP")),
                json!({"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 0, "totalTokenCount": 15}),
            ),
            // Usage after the finishReason, with thoughts and cache.
            with_usage(
                response(json!([]), Value::Null),
                json!({"promptTokenCount": 2048, "candidatesTokenCount": 30, "thoughtsTokenCount": 120,
                       "cachedContentTokenCount": 1024, "totalTokenCount": 2198}),
            ),
            // Empty usage metadata is ignored.
            with_usage(response(json!([]), Value::Null), json!({})),
        ]);
        assert_eq!(
            terminal(&chunks).usage,
            Some(Usage {
                input_tokens: 2048,
                output_tokens: 150,
                cache_read_input_tokens: Some(1024),
                cache_creation_input_tokens: None,
                reasoning_tokens: Some(120),
            })
        );
        // A reported 0 is kept; an unreported count stays absent.
        let chunks = run(&[with_usage(
            response(json!([{"text": "b"}]), json!("STOP")),
            json!({"promptTokenCount": 3, "candidatesTokenCount": 1, "thoughtsTokenCount": 0}),
        )]);
        assert!(
            frames(&chunks).contains(
                "\"usage\":{\"input_tokens\":3,\"output_tokens\":1,\"reasoning_tokens\":0}"
            )
        );
        let chunks = run(&[response(json!([{"text": "b"}]), json!("STOP"))]);
        assert_eq!(terminal(&chunks).usage, None);
    }

    #[test]
    fn error_object_ends_the_stream_at_once() {
        let error = json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}).to_string();
        let mut decoder = GeminiDecoder::new();
        for data in [
            with_usage(
                text("a"),
                json!({"promptTokenCount": 5, "candidatesTokenCount": 1}),
            ),
            error,
            text("ignored"),
        ] {
            decoder.decode(&Event::new("message", &data));
        }
        assert!(decoder.is_done());
        let chunks = drain(&mut decoder);
        assert_eq!(
            frames(&chunks),
            concat!(
                "data: {\"token\":\"a\",\"done\":false}\n\n",
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
                "\"finish_reason\":\"error\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1},",
                "\"error\":{\"type\":\"UNAVAILABLE\",\"message\":\"The model is overloaded. Please try again later.\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn error_type_falls_back_to_code_then_api_error() {
        let error_of = |data: String| terminal(&run(&[data])).error.clone().unwrap();
        assert_eq!(
            error_of(json!({"error": {"code": 500, "message": "Internal error"}}).to_string()),
            StreamError::new(StreamErrorKind::Provider("500".into()), "Internal error")
        );
        assert_eq!(
            error_of(json!({"error": {"message": "m"}}).to_string()),
            StreamError::new(StreamErrorKind::Provider("api_error".into()), "m")
        );
        assert_eq!(
            terminal(&run_events(&[("error", "gateway timeout".into())])).error,
            Some(StreamError::new(
                StreamErrorKind::Provider("api_error".into()),
                "gateway timeout"
            ))
        );
    }

    #[test]
    fn a_stream_without_finish_reason_is_incomplete() {
        let chunks = run(&[text("partial")]);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            frames(&chunks[1..]),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
                "\"finish_reason\":\"error\",\"error\":{\"type\":\"incomplete_stream\",",
                "\"message\":\"the stream ended before any finishReason\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
        assert_eq!(terminal(&run(&[])).finish_reason, FinishReason::Error);
    }

    #[test]
    fn a_done_sentinel_ends_the_stream() {
        let chunks = run(&[
            response(json!([{"text": "a"}]), json!("STOP")),
            "[DONE]".into(),
            text("late"),
        ]);
        assert_eq!(chunks.len(), 2);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
        let chunks = run(&[text("a"), "[DONE]".into()]);
        assert_eq!(
            terminal(&chunks).error.as_ref().map(|e| e.kind.clone()),
            Some(StreamErrorKind::IncompleteStream)
        );
    }

    #[test]
    fn only_candidate_zero_is_normalized() {
        let data = json!({"candidates": [
            {"content": {"parts": [{"text": "other"}]}, "finishReason": "MAX_TOKENS", "index": 1},
            {"content": {"parts": [{"text": "mine"}]}, "finishReason": "STOP", "index": 0}
        ]})
        .to_string();
        let chunks = run(&[data]);
        assert_eq!(chunks[0], StreamChunk::Token("mine".into()));
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
        assert_eq!(chunks.len(), 2);
    }

    #[test]
    fn other_part_kinds_produce_nothing() {
        let chunks = run(&[response(
            json!([
                {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
                {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}
            ]),
            json!("STOP"),
        )]);
        assert_eq!(chunks.len(), 1);
    }

    #[test]
    fn undecodable_data_is_invalid_event() {
        for bad in [
            "{\"candidates\": [",
            "<html>",
            r#"{"candidates":[{"content":{"parts":[{"text":7}]}}]}"#,
            r#"{"candidates":{"index":0}}"#,
            r#"{"usageMetadata":{"promptTokenCount":"x"}}"#,
        ] {
            let chunks = run(&[text("a"), bad.into(), text("b")]);
            assert_eq!(chunks.len(), 2, "{bad}");
            let err = terminal(&chunks).error.clone().unwrap();
            assert_eq!(err.kind, StreamErrorKind::InvalidEvent, "{bad}");
            assert!(
                err.message
                    .starts_with("undecodable Gemini GenerateContentResponse: "),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn nothing_after_the_terminal_chunk() {
        let mut decoder = GeminiDecoder::new();
        decoder.decode(&Event::new(
            "message",
            &response(json!([{"text": "a"}]), json!("STOP")),
        ));
        decoder.finish();
        decoder.decode(&Event::new("message", &text("late")));
        decoder.finish();
        decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "x"));
        let chunks = drain(&mut decoder);
        assert_eq!(chunks.len(), 2);
        assert_eq!(terminal(&chunks).finish_reason, FinishReason::Stop);
    }

    #[test]
    fn transport_failure_keeps_what_was_known() {
        let mut decoder = GeminiDecoder::new();
        let data = with_usage(
            response(json!([{"text": "a"}]), json!("STOP")),
            json!({"promptTokenCount": 2, "candidatesTokenCount": 1}),
        );
        decoder.decode(&Event::new("message", &data));
        decoder.fail(StreamError::new(StreamErrorKind::ConnectionError, "reset"));
        let chunks = drain(&mut decoder);
        assert_eq!(
            frames(&chunks[1..]),
            concat!(
                "data: {\"token\":\"\",\"done\":true,\"provider\":\"gemini\",\"id\":\"resp-1\",\"model\":\"gemini-2.5-flash\",",
                "\"finish_reason\":\"error\",\"provider_finish_reason\":\"STOP\",",
                "\"usage\":{\"input_tokens\":2,\"output_tokens\":1},",
                "\"error\":{\"type\":\"connection_error\",\"message\":\"reset\"}}\n\n",
                "data: [DONE]\n\n"
            )
        );
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let inputs = [
            "",
            "null",
            "[]",
            "{}",
            "1",
            "{\"candidates\":null}",
            "{\"candidates\":[null]}",
            "{\"candidates\":[{}]}",
            "{\"candidates\":[{\"content\":null}]}",
            "{\"candidates\":[{\"content\":{\"parts\":null}}]}",
            "{\"candidates\":[{\"content\":{\"parts\":[{}]}}]}",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{}}]}}]}",
            "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"args\":[[[[]]]]}}]}}]}",
            "{\"error\":null}",
            "{\"error\":{}}",
            "{\"promptFeedback\":null}",
            "{\"usageMetadata\":{\"candidatesTokenCount\":18446744073709551615,\"thoughtsTokenCount\":5}}",
        ];
        test_support::assert_one_terminal_after_each(GeminiDecoder::new, &inputs, &text("a"));
    }
}
