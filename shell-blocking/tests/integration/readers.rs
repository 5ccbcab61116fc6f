//! `EventReader` and `ChunkReader` over readers that split, interrupt and fail.

use std::collections::VecDeque;
use std::io::{self, Read};

use llm_sse_blocking::{ChunkReader, Error, EventReader};
use llm_sse_core::sse::{EndOfInput, Limit, Limits, OwnedEvent, ParseError};
use llm_sse_core::{Provider, StreamChunk};

/// A reader that returns scripted results: bytes (at most as many as asked for) or errors.
struct Script {
    steps: VecDeque<io::Result<Vec<u8>>>,
    reads: usize,
}

impl Script {
    fn new(steps: Vec<io::Result<&[u8]>>) -> Script {
        Script {
            steps: steps.into_iter().map(|s| s.map(<[u8]>::to_vec)).collect(),
            reads: 0,
        }
    }

    /// `bytes` one byte per read, then the end.
    fn bytewise(bytes: &[u8]) -> Script {
        Script::new(bytes.chunks(1).map(Ok).collect())
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        match self.steps.pop_front() {
            None => Ok(0),
            Some(Err(e)) => Err(e),
            Some(Ok(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.steps.push_front(Ok(bytes.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

fn event(event: &str, data: &str, id: &str) -> OwnedEvent {
    OwnedEvent {
        event: event.into(),
        data: data.into(),
        id: id.into(),
    }
}

const STREAM: &[u8] = b"\xEF\xBB\xBFretry: 1500\r\nid: a\r\nevent: x\r\ndata: 1\r\ndata: 2\r\n\r\n: c\rdata: \xC3\xA9\r\r";

fn expected() -> Vec<OwnedEvent> {
    vec![event("x", "1\n2", "a"), event("message", "é", "a")]
}

#[test]
fn events_are_the_same_however_the_reads_split_the_bytes() {
    let whole: Vec<OwnedEvent> = EventReader::new(STREAM).map(Result::unwrap).collect();
    assert_eq!(whole, expected());
    let mut reader = EventReader::new(Script::bytewise(STREAM));
    let bytewise: Vec<OwnedEvent> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(bytewise, expected());
    assert_eq!(reader.retry(), Some(1500));
    assert_eq!(reader.last_event_id(), "a");
    assert!(reader.end_of_input().unwrap().is_clean());
}

#[test]
fn each_event_is_yielded_before_the_next_read() {
    let reader = Script::new(vec![Ok(b"data: 1\n\n"), Ok(b"data: 2\n\n")]);
    let mut events = EventReader::new(reader);
    assert_eq!(events.next().unwrap().unwrap(), event("message", "1", ""));
    assert_eq!(events.into_inner().reads, 1);
}

#[test]
fn interrupted_reads_are_retried() {
    let reader = Script::new(vec![
        Ok(b"data: 1"),
        Err(io::ErrorKind::Interrupted.into()),
        Ok(b"\n\n"),
    ]);
    let events: Vec<_> = EventReader::new(reader).map(Result::unwrap).collect();
    assert_eq!(events, vec![event("message", "1", "")]);
}

#[test]
fn an_unterminated_last_event_is_reported_not_yielded() {
    let mut reader = EventReader::new(&b"data: 1\n\ndata: 2\n"[..]);
    assert_eq!(reader.end_of_input(), None);
    assert_eq!(reader.next().unwrap().unwrap(), event("message", "1", ""));
    assert!(reader.next().is_none());
    assert_eq!(
        reader.end_of_input(),
        Some(EndOfInput {
            partial_line_bytes: 0,
            undispatched_event: true
        })
    );
    assert!(reader.next().is_none(), "stays ended");
}

#[test]
fn a_read_error_is_yielded_once_after_the_events_before_it() {
    let reader = Script::new(vec![
        Ok(b"data: 1\n\ndata: 2"),
        Err(io::ErrorKind::ConnectionReset.into()),
        Ok(b"\n\n"),
    ]);
    let mut events = EventReader::new(reader);
    assert_eq!(events.next().unwrap().unwrap(), event("message", "1", ""));
    match events.next() {
        Some(Err(Error::Io(e))) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        other => panic!("expected the read error, got {other:?}"),
    }
    assert!(events.next().is_none());
    assert_eq!(
        events.end_of_input(),
        None,
        "the input did not end: it failed"
    );
}

#[test]
fn a_limit_error_is_yielded_and_ends_the_iterator() {
    let body = b"data: ok\n\ndata: 0123456789\n\ndata: never\n\n";
    let mut events = EventReader::with_limits(&body[..], Limits::with_max_event_size(8));
    assert_eq!(events.next().unwrap().unwrap(), event("message", "ok", ""));
    let err = events.next().unwrap().unwrap_err();
    match &err {
        Error::Parse(ParseError::LimitExceeded { limit, max, actual }) => {
            assert_eq!((*limit, *max, *actual), (Limit::DataLength, 8, 10));
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "invalid event stream: event data size limit exceeded: 10 bytes, at most 8 allowed"
    );
    assert!(events.next().is_none());
}

fn error_type(chunk: &StreamChunk) -> String {
    match chunk {
        StreamChunk::Done(fin) => {
            assert_eq!(fin.finish_reason_str(), "error");
            fin.error().unwrap().error_type().to_string()
        }
        other => panic!("expected a terminal chunk, got {other:?}"),
    }
}

#[test]
fn an_empty_body_ends_with_one_incomplete_stream_terminal_chunk() {
    for provider in Provider::ALL {
        let chunks: Vec<_> = ChunkReader::new(&b""[..], provider).collect();
        assert_eq!(chunks.len(), 1, "{provider}");
        assert_eq!(error_type(&chunks[0]), "incomplete_stream");
    }
}

#[test]
fn a_read_error_ends_with_a_connection_error_terminal_chunk() {
    for provider in Provider::ALL {
        // Something that makes no chunk in the provider's framing: an SSE comment, or for
        // Bedrock's event stream a `ping` event.
        let keep_alive = match provider {
            Provider::Bedrock => {
                let mut wire = Vec::new();
                llm_sse_blocking::core::eventstream::bedrock::encode_chunk(
                    r#"{"type":"ping"}"#,
                    None,
                    &mut wire,
                )
                .unwrap();
                wire
            }
            _ => b": keep-alive\n\n".to_vec(),
        };
        let reader = Script::new(vec![
            Ok(&keep_alive),
            Err(io::Error::new(io::ErrorKind::ConnectionReset, "peer reset")),
            Ok(b"data: never read\n\n"),
        ]);
        let mut chunks = ChunkReader::new(reader, provider);
        let all: Vec<_> = chunks.by_ref().collect();
        assert_eq!(all.len(), 1, "{provider}");
        assert_eq!(error_type(&all[0]), "connection_error");
        let StreamChunk::Done(fin) = &all[0] else {
            unreachable!()
        };
        assert_eq!(fin.provider, provider);
        assert_eq!(
            fin.error().unwrap().message,
            "reading the response body failed: peer reset"
        );
        assert_eq!(
            chunks.take_io_error().unwrap().kind(),
            io::ErrorKind::ConnectionReset
        );
        assert!(chunks.take_io_error().is_none());
        assert!(chunks.next().is_none());
        assert_eq!(
            chunks.into_inner().reads,
            2,
            "nothing read after the terminal chunk"
        );
    }
}

#[test]
fn nothing_is_read_after_the_terminal_chunk() {
    // A limit error ends the stream with `invalid_event` at the first read.
    let reader = Script::new(vec![Ok(b"data: 0123456789\n"), Ok(b"data: more\n\n")]);
    let mut chunks =
        ChunkReader::with_limits(reader, Provider::Gemini, Limits::with_max_event_size(4));
    assert_eq!(error_type(&chunks.next().unwrap()), "invalid_event");
    assert!(chunks.next().is_none());
    assert_eq!(chunks.into_inner().reads, 1);
}

#[test]
fn chunks_equal_the_normalizer_fed_whole_however_the_reads_split() {
    let body = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi é\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n",
    )
    .as_bytes();
    let mut normalizer = llm_sse_core::Normalizer::new(Provider::Anthropic);
    normalizer.feed(body);
    normalizer.finish();
    let expected: Vec<_> = std::iter::from_fn(|| normalizer.next_chunk()).collect();
    assert!(expected.last().is_some_and(StreamChunk::is_done));
    let bytewise: Vec<_> = ChunkReader::new(Script::bytewise(body), Provider::Anthropic).collect();
    assert_eq!(bytewise, expected);
    let whole: Vec<_> = ChunkReader::new(body, Provider::Anthropic).collect();
    assert_eq!(whole, expected);
}
