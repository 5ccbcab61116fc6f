//! Anthropic SSE streams re-framed as Amazon Bedrock's `InvokeModelWithResponseStream` sends
//! them (AWS event-stream messages), for the tests, the benchmarks and mock servers.

use llm_sse_core::eventstream::bedrock::{self, InvocationMetrics};
use llm_sse_core::sse::{Parsed, Parser};
use serde_json::Value;

/// The `invocationLatency` written into the metrics of a re-framed stream (deterministic).
pub const INVOCATION_LATENCY_MS: u64 = 1000;
/// The `firstByteLatency` written into the metrics of a re-framed stream (deterministic).
pub const FIRST_BYTE_LATENCY_MS: u64 = 250;

/// The metrics Bedrock would add to the `message_stop` of a stream with these Anthropic
/// counts.
pub fn metrics(input_tokens: u64, output_tokens: u64) -> InvocationMetrics {
    InvocationMetrics {
        input_token_count: Some(input_tokens),
        output_token_count: Some(output_tokens),
        invocation_latency_ms: Some(INVOCATION_LATENCY_MS),
        first_byte_latency_ms: Some(FIRST_BYTE_LATENCY_MS),
        ..InvocationMetrics::default()
    }
}

/// Re-frames a recorded Anthropic Messages SSE stream as Bedrock's event stream.
///
/// Every dispatched event becomes a `chunk` whose `bytes` carry the event's `data` unchanged
/// (invalid JSON included), except:
/// - `message_stop` gets Bedrock's `amazon-bedrock-invocationMetrics` as its last member: the
///   input tokens of `message_start`, the output tokens of the last `message_delta`, and
///   [`INVOCATION_LATENCY_MS`] and [`FIRST_BYTE_LATENCY_MS`] (when a `message_stop` is not a
///   JSON object, it is carried unchanged);
/// - an `error` event becomes a `modelStreamErrorException` with the error's message (how
///   Bedrock reports an error of the model in mid-stream), which ends the stream.
///
/// An event the SSE stream left unterminated is not re-framed (as a client would not have seen
/// it): the Bedrock stream then ends between two messages, without `message_stop`.
pub fn reframe_anthropic(sse: &[u8]) -> Vec<u8> {
    let mut parser = Parser::new();
    parser.feed(sse);
    let mut out = Vec::with_capacity(sse.len() * 3 / 2);
    let (mut input_tokens, mut output_tokens) = (0, 0);
    while let Some(item) = parser
        .next_event()
        .expect("a recording within the SSE limits")
    {
        let Parsed::Event(event) = item else { continue };
        let json: Option<Value> = serde_json::from_str(event.data).ok();
        let ty = json
            .as_ref()
            .and_then(|j| j["type"].as_str())
            .unwrap_or(event.event);
        match ty {
            "message_start" => {
                let usage = json.as_ref().map(|j| &j["message"]["usage"]);
                input_tokens = usage.and_then(|u| u["input_tokens"].as_u64()).unwrap_or(0);
                output_tokens = usage.and_then(|u| u["output_tokens"].as_u64()).unwrap_or(0);
            }
            "message_delta" => {
                let usage = json.as_ref().map(|j| &j["usage"]);
                if let Some(n) = usage.and_then(|u| u["output_tokens"].as_u64()) {
                    output_tokens = n;
                }
                if let Some(n) = usage.and_then(|u| u["input_tokens"].as_u64()) {
                    input_tokens = n;
                }
            }
            "error" => {
                let message = json
                    .as_ref()
                    .and_then(|j| j["error"]["message"].as_str())
                    .unwrap_or(event.data);
                bedrock::encode_exception("modelStreamErrorException", message, &mut out)
                    .expect("a short exception");
                return out;
            }
            _ => {}
        }
        let metrics = (ty == "message_stop" && json.as_ref().is_some_and(Value::is_object))
            .then(|| metrics(input_tokens, output_tokens));
        bedrock::encode_chunk(event.data, metrics.as_ref(), &mut out).expect("an encodable event");
    }
    out
}
