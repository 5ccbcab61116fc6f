//! The Normalizer's own contract: transport failures, oversized events, input after the end.

use llm_sse_core::sse::Limits;
use llm_sse_core::{
    FinishReason, Normalizer, Provider, StreamChunk, StreamError, StreamErrorKind, Usage,
};

const START: &str = concat!(
    "event: message_start\n",
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",",
    "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n",
    "event: content_block_start\n",
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
);

fn delta(text: &str) -> String {
    format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":{}}}}}\n\n",
        serde_json::to_string(text).unwrap()
    )
}

fn drain(n: &mut Normalizer) -> Vec<StreamChunk> {
    std::iter::from_fn(|| n.next_chunk()).collect()
}

fn terminal(chunks: &[StreamChunk]) -> &llm_sse_core::Finish {
    let dones: Vec<_> = chunks.iter().filter(|c| c.is_done()).collect();
    assert_eq!(dones.len(), 1, "exactly one terminal chunk in {chunks:?}");
    match chunks.last() {
        Some(StreamChunk::Done(fin)) => fin,
        other => panic!("last chunk is not terminal: {other:?}"),
    }
}

#[test]
fn connection_loss_ends_with_connection_error_keeping_what_was_known() {
    let mut n = Normalizer::new(Provider::Anthropic);
    n.feed(START.as_bytes());
    n.feed(delta("Hel").as_bytes());
    // Half an event is buffered when the connection drops.
    n.feed(b"event: content_block_delta\ndata: {\"type\":\"content");
    let mut chunks = drain(&mut n);
    assert_eq!(chunks, vec![StreamChunk::Token("Hel".into())]);
    n.fail(StreamError::new(
        StreamErrorKind::ConnectionError,
        "connection reset",
    ));
    chunks = drain(&mut n);
    let fin = terminal(&chunks);
    assert_eq!(fin.finish_reason_str(), "error");
    assert_eq!(fin.id.as_deref(), Some("msg_1"));
    assert_eq!(fin.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(
        fin.usage,
        Some(Usage {
            input_tokens: 9,
            output_tokens: 1,
            ..Usage::default()
        })
    );
    assert_eq!(
        fin.error(),
        Some(&StreamError::new(
            StreamErrorKind::ConnectionError,
            "connection reset"
        ))
    );
    assert!(n.is_closed() && n.is_drained());
    assert_eq!(n.next_chunk(), None);
}

#[test]
fn fail_decodes_complete_buffered_events_first() {
    let mut n = Normalizer::new(Provider::Anthropic);
    n.feed(START.as_bytes());
    n.feed(delta("buffered").as_bytes());
    // Nothing drained yet: the buffered delta must not be lost.
    n.fail(StreamError::new(
        StreamErrorKind::IdleTimeout,
        "no bytes for 30 s",
    ));
    let chunks = drain(&mut n);
    assert_eq!(chunks[0], StreamChunk::Token("buffered".into()));
    assert_eq!(
        terminal(&chunks).error().unwrap().error_type(),
        "idle_timeout"
    );
}

#[test]
fn oversized_event_is_invalid_event_not_unbounded_memory() {
    let mut n = Normalizer::with_limits(Provider::Anthropic, Limits::with_max_event_size(1024));
    n.feed(START.as_bytes());
    n.feed(delta(&"x".repeat(2000)).as_bytes());
    let chunks = drain(&mut n);
    let fin = terminal(&chunks);
    assert_eq!(fin.finish_reason_str(), "error");
    let err = fin.error().unwrap();
    assert_eq!(err.kind, StreamErrorKind::InvalidEvent);
    assert!(err.message.contains("limit exceeded"), "{}", err.message);
    assert_eq!(fin.id.as_deref(), Some("msg_1"));
}

#[test]
fn a_peer_that_never_sends_a_newline_gets_an_error() {
    let mut n = Normalizer::with_limits(Provider::OpenAi, Limits::with_max_event_size(4096));
    let mut chunks = Vec::new();
    for _ in 0..100 {
        n.feed(&[b'a'; 1000]);
        chunks.extend(drain(&mut n));
        if n.is_drained() {
            break;
        }
    }
    assert!(n.is_drained(), "the limit must end the stream");
    assert_eq!(
        terminal(&chunks).error().unwrap().kind,
        StreamErrorKind::InvalidEvent
    );
}

#[test]
fn bytes_after_the_terminal_event_are_ignored() {
    let mut n = Normalizer::new(Provider::Anthropic);
    n.feed(START.as_bytes());
    n.feed(
        concat!(
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        )
        .as_bytes(),
    );
    let chunks = drain(&mut n);
    assert_eq!(terminal(&chunks).finish_reason(), Some(FinishReason::Stop));
    n.feed(delta("late").as_bytes());
    n.finish();
    assert_eq!(n.next_chunk(), None);
    // A transport error after a normal end does not turn it into an error.
    n.fail(StreamError::new(StreamErrorKind::ConnectionError, "closed"));
    assert_eq!(n.next_chunk(), None);
}

#[test]
fn empty_body_is_an_incomplete_stream() {
    for provider in Provider::ALL {
        let mut n = Normalizer::new(provider);
        n.finish();
        let chunks = drain(&mut n);
        let fin = terminal(&chunks);
        assert_eq!(fin.provider, provider);
        assert_eq!(
            fin.error().map(|e| e.kind.clone()),
            Some(StreamErrorKind::IncompleteStream),
            "{provider}"
        );
    }
}

#[test]
fn write_frames_drains_everything_available() {
    let mut n = Normalizer::new(Provider::Anthropic);
    n.feed(START.as_bytes());
    n.feed(delta("a").as_bytes());
    n.feed(delta("b").as_bytes());
    let mut out = Vec::new();
    let written = n.write_frames(&mut out);
    assert_eq!(written, out.len());
    assert_eq!(
        out,
        b"data: {\"token\":\"a\",\"done\":false}\n\ndata: {\"token\":\"b\",\"done\":false}\n\n"
    );
    assert_eq!(n.write_frames(&mut out), 0);
}

#[test]
fn closed_is_not_drained_while_the_terminal_chunk_waits() {
    let mut n = Normalizer::new(Provider::Anthropic);
    n.feed(START.as_bytes());
    assert!(!n.is_closed() && !n.is_drained());
    n.finish();
    // The input ended: no more bytes are used, but the terminal chunk is not decided yet.
    assert!(n.is_closed() && !n.is_drained());
    n.feed(delta("ignored").as_bytes());
    let chunks = drain(&mut n);
    assert!(n.is_drained());
    assert_eq!(chunks.len(), 1, "{chunks:?}");
    assert_eq!(
        terminal(&chunks).error().map(|e| e.kind.clone()),
        Some(StreamErrorKind::IncompleteStream)
    );

    // Closed by the stream's own end marker, with the terminal chunk still queued: `[DONE]`
    // completes the call that streamed no arguments (`{}`) and ends the stream in one event.
    let mut n = Normalizer::new(Provider::OpenAi);
    n.feed(concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,",
        "\"id\":\"call_1\",\"function\":{\"name\":\"f\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
        "data: [DONE]\n\n",
    ).as_bytes());
    assert!(matches!(
        n.next_chunk(),
        Some(StreamChunk::ToolCallStart(_))
    ));
    assert!(!n.is_closed());
    assert!(matches!(
        n.next_chunk(),
        Some(StreamChunk::ToolCallArguments(_))
    ));
    assert!(
        n.is_closed() && !n.is_drained(),
        "the terminal chunk is still queued"
    );
    assert!(n.next_chunk().is_some_and(|c| c.is_done()));
    assert!(n.is_drained());
    assert_eq!(n.next_chunk(), None);
}
