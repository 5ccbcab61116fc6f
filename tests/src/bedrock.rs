//! Anthropic SSE streams re-framed as Amazon Bedrock's `InvokeModelWithResponseStream` sends
//! them (AWS event-stream messages), for the tests, the benchmarks and mock servers.

use llm_sse_core::eventstream::bedrock::{self, InvocationMetrics};

/// The `invocationLatency` written into the metrics of a re-framed stream (deterministic): the
/// one mock servers use ([`Framing::frame_recording`](llm_sse_core::provider::Framing::frame_recording)).
pub const INVOCATION_LATENCY_MS: u64 = bedrock::RECORDING_INVOCATION_LATENCY_MS;
/// The `firstByteLatency` written into the metrics of a re-framed stream (deterministic).
pub const FIRST_BYTE_LATENCY_MS: u64 = bedrock::RECORDING_FIRST_BYTE_LATENCY_MS;

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

/// Re-frames a recorded Anthropic Messages SSE stream as Bedrock's event stream, with
/// [`FIRST_BYTE_LATENCY_MS`] and [`INVOCATION_LATENCY_MS`] in the metrics (see
/// [`bedrock::reframe_sse`]).
pub fn reframe_anthropic(sse: &[u8]) -> Vec<u8> {
    bedrock::reframe_sse(sse, FIRST_BYTE_LATENCY_MS, INVOCATION_LATENCY_MS)
}
