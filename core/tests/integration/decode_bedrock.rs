//! Amazon Bedrock's stream through the `Normalizer`: AWS event-stream messages whose chunks carry
//! Anthropic events; exceptions end the stream with their type; the invocation metrics are the
//! usage when the events report none. Every case is fed whole and one byte at a time.

use llm_sse_core::eventstream::bedrock::{self, InvocationMetrics};
use llm_sse_core::{FinishReason, Normalizer, Provider, StreamChunk, StreamErrorKind, Usage};

const START: &str = r#"{"type":"message_start","message":{"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"usage":{"input_tokens":12,"output_tokens":1}}}"#;
const BLOCK: &str =
    r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#;
const HELLO: &str =
    r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#;
const WORLD: &str =
    r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world"}}"#;
const BLOCK_STOP: &str = r#"{"type":"content_block_stop","index":0}"#;
const DELTA: &str = r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}"#;
const STOP: &str = r#"{"type":"message_stop"}"#;

fn chunk(json: &str, out: &mut Vec<u8>) {
    bedrock::encode_chunk(json, None, out).unwrap();
}

fn stream(events: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events {
        chunk(event, &mut out);
    }
    out
}

/// The chunks of `bytes`, fed whole; the same fed one byte at a time.
fn normalize(bytes: &[u8]) -> Vec<StreamChunk> {
    let run = |piece: usize| {
        let mut normalizer = Normalizer::new(Provider::Bedrock);
        let mut chunks = Vec::new();
        for part in bytes.chunks(piece.max(1)) {
            normalizer.feed(part);
            chunks.extend(std::iter::from_fn(|| normalizer.next_chunk()));
        }
        normalizer.finish();
        chunks.extend(std::iter::from_fn(|| normalizer.next_chunk()));
        assert!(normalizer.is_drained());
        chunks
    };
    let whole = run(bytes.len());
    assert_eq!(run(1), whole, "split at every byte");
    whole
}

fn finish(chunks: &[StreamChunk]) -> &llm_sse_core::Finish {
    match chunks.last() {
        Some(StreamChunk::Done(finish)) => finish,
        other => panic!("no terminal chunk: {other:?}"),
    }
}

fn text(chunks: &[StreamChunk]) -> String {
    chunks
        .iter()
        .filter_map(|c| match c {
            StreamChunk::Token(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_stream_of_chunks_is_the_anthropic_stream() {
    let chunks = normalize(&stream(&[
        START, BLOCK, HELLO, WORLD, BLOCK_STOP, DELTA, STOP,
    ]));
    assert_eq!(text(&chunks), "Hello world");
    let finish = finish(&chunks);
    assert_eq!(finish.provider, Provider::Bedrock);
    assert_eq!(finish.outcome, Ok(FinishReason::Stop));
    assert_eq!(finish.provider_finish_reason.as_deref(), Some("end_turn"));
    assert_eq!(finish.id.as_deref(), Some("msg_bdrk_01"));
    assert_eq!(
        finish.usage,
        Some(Usage {
            input_tokens: 12,
            output_tokens: 5,
            ..Usage::default()
        })
    );
}

#[test]
fn the_invocation_metrics_are_the_usage_only_when_the_events_report_none() {
    let metrics = InvocationMetrics {
        input_token_count: Some(40),
        output_token_count: Some(9),
        cache_read_input_token_count: Some(30),
        ..InvocationMetrics::default()
    };
    // Anthropic's own counts win.
    let mut bytes = stream(&[START, BLOCK, HELLO, BLOCK_STOP, DELTA]);
    bedrock::encode_chunk(STOP, Some(&metrics), &mut bytes).unwrap();
    let usage = finish(&normalize(&bytes)).usage.unwrap();
    assert_eq!((usage.input_tokens, usage.output_tokens), (12, 5));
    // Without them, Bedrock's.
    let start = START.replace(r#","usage":{"input_tokens":12,"output_tokens":1}"#, "");
    let delta = DELTA.replace(r#","usage":{"output_tokens":5}"#, "");
    let mut bytes = stream(&[&start, BLOCK, HELLO, BLOCK_STOP, &delta]);
    bedrock::encode_chunk(STOP, Some(&metrics), &mut bytes).unwrap();
    let usage = finish(&normalize(&bytes)).usage.unwrap();
    assert_eq!(
        usage,
        Usage {
            input_tokens: 40,
            output_tokens: 9,
            cache_read_input_tokens: Some(30),
            ..Usage::default()
        }
    );
}

#[test]
fn an_exception_ends_the_stream_with_its_type_and_keeps_every_token() {
    for exception in [
        "modelStreamErrorException",
        "internalServerException",
        "throttlingException",
        "validationException",
        "serviceUnavailableException",
    ] {
        let mut bytes = stream(&[START, BLOCK, HELLO, WORLD]);
        bedrock::encode_exception(exception, "the model broke", &mut bytes).unwrap();
        // Nothing after the exception is read.
        chunk(STOP, &mut bytes);
        let chunks = normalize(&bytes);
        assert_eq!(text(&chunks), "Hello world", "{exception}");
        let finish = finish(&chunks);
        let error = finish.error().unwrap();
        assert_eq!(error.kind, StreamErrorKind::Provider(exception.into()));
        assert_eq!(error.message, "the model broke");
        assert_eq!(finish.id.as_deref(), Some("msg_bdrk_01"));
    }
    let mut bytes = stream(&[START]);
    bedrock::encode_error("InternalFailure", "something went wrong", &mut bytes).unwrap();
    let chunks = normalize(&bytes);
    let error = finish(&chunks).error().unwrap();
    assert_eq!(
        (error.error_type(), error.message.as_str()),
        ("InternalFailure", "something went wrong")
    );
}

#[test]
fn a_stream_cut_short_is_incomplete_and_a_corrupt_one_invalid() {
    let whole = stream(&[START, BLOCK, HELLO, WORLD, BLOCK_STOP, DELTA, STOP]);
    // Cut between two messages, or inside one: incomplete, every token before kept.
    let before_stop = stream(&[START, BLOCK, HELLO, WORLD]);
    for cut in [before_stop.len(), before_stop.len() + 7] {
        let chunks = normalize(&whole[..cut]);
        assert_eq!(text(&chunks), "Hello world");
        assert_eq!(
            finish(&chunks).error().unwrap().kind,
            StreamErrorKind::IncompleteStream,
            "cut at {cut}"
        );
    }
    // One flipped bit in the third message: its checksum fails, the stream is invalid.
    let mut corrupt = whole.clone();
    let third = stream(&[START, BLOCK]).len();
    corrupt[third + 20] ^= 0x10;
    let chunks = normalize(&corrupt);
    assert_eq!(text(&chunks), "");
    assert_eq!(
        finish(&chunks).error().unwrap().kind,
        StreamErrorKind::InvalidEvent
    );
}
