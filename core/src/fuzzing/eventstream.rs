//! Fuzz target `eventstream_decoder`: the AWS event-stream decoder (Amazon Bedrock's framing).

use alloc::vec::Vec;

use super::split::Split;

/// Event-stream limits small enough that fuzz inputs reach them.
const SMALL_EVENTSTREAM_LIMITS: crate::eventstream::Limits = crate::eventstream::Limits::DEFAULT
    .max_message_len(200)
    .max_headers_len(64);

/// Control flag of `eventstream_decoder` (bit 4 of byte 0): make every checksum of the stream
/// right before decoding it, so that the fuzzer reaches the headers and Bedrock's payloads
/// instead of stopping at a checksum.
const FIX_CHECKSUMS: u8 = 0x10;

/// What one event-stream run produced.
#[derive(Debug, PartialEq, Eq)]
struct EventStreamRun {
    /// Each message, and what Bedrock's framing makes of it.
    messages: Vec<(
        crate::eventstream::OwnedMessage,
        Result<
            crate::eventstream::bedrock::ResponseEvent,
            crate::eventstream::bedrock::ClassifyError,
        >,
    )>,
    error: Option<crate::eventstream::DecodeError>,
    end: crate::eventstream::EndOfInput,
}

/// Fuzz target `eventstream_decoder`: arbitrary bytes at arbitrary split points (with flag
/// `0x10`, see `FIX_CHECKSUMS`, their checksums made right first).
///
/// Checks that decoding and classifying do not panic; that the split run yields exactly the
/// messages, classifications, error and end-of-input report of the one-shot run; that memory
/// stays bounded (once drained, the decoder never holds a whole message's worth of bytes, and
/// never a message over the limits); that a limit error names a size over the limit; and that
/// every message re-encodes to exactly the bytes it was decoded from.
pub fn eventstream_decoder(data: &[u8]) {
    let (split, stream) = Split::parse(data);
    let stream = match data.first() {
        Some(&ctrl) if ctrl & FIX_CHECKSUMS != 0 => fix_checksums(stream),
        _ => stream.to_vec(),
    };
    let chunks = split.chunks(&stream);
    for limits in [
        SMALL_EVENTSTREAM_LIMITS,
        crate::eventstream::Limits::DEFAULT,
    ] {
        let whole = run_eventstream(&[&stream], limits, Some(&stream));
        let chunked = run_eventstream(&chunks, limits, None);
        assert_eq!(
            whole, chunked,
            "a split changed the event-stream decoder's output"
        );
    }
}

/// `stream` with the prelude and message checksums of each message, in turn, made right (as
/// far as the lengths say where messages are).
fn fix_checksums(stream: &[u8]) -> Vec<u8> {
    let mut out = stream.to_vec();
    let mut pos = 0;
    while out.len() - pos >= 12 {
        let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let total = usize::try_from(word(&out[pos..])).unwrap_or(usize::MAX);
        let crc = crc32fast::hash(&out[pos..pos + 8]);
        out[pos + 8..pos + 12].copy_from_slice(&crc.to_be_bytes());
        if total < crate::eventstream::OVERHEAD || out.len() - pos < total {
            break;
        }
        let end = pos + total;
        let crc = crc32fast::hash(&out[pos..end - 4]);
        out[end - 4..end].copy_from_slice(&crc.to_be_bytes());
        pos = end;
    }
    out
}

/// Feeds `chunks` to an event-stream decoder with `limits`, draining after each, and stops at
/// an error. With `stream` (the whole input, for a one-shot run), checks that each message
/// re-encodes to its own bytes.
fn run_eventstream(
    chunks: &[&[u8]],
    limits: crate::eventstream::Limits,
    stream: Option<&[u8]>,
) -> EventStreamRun {
    use crate::eventstream::{DecodeError, Decoder, Header, bedrock, encode};
    let mut decoder = Decoder::with_limits(limits);
    let mut messages = Vec::new();
    let mut error = None;
    'feed: for chunk in chunks {
        decoder.feed(chunk);
        loop {
            let start = decoder.bytes_consumed();
            match decoder.next_message() {
                Ok(Some(message)) => {
                    let len = message.encoded_len();
                    assert!(len <= limits.max_message_len, "a message over the limit");
                    if let Some(stream) = stream {
                        let headers: Vec<Header<'_>> = message.headers().collect();
                        let mut again = Vec::new();
                        // Names of 0 bytes and values over 32,767 bytes decode but do not
                        // encode.
                        if encode(&headers, message.payload(), &mut again).is_ok() {
                            let start = usize::try_from(start).unwrap_or(usize::MAX);
                            assert_eq!(
                                Some(&again[..]),
                                stream.get(start..start + len),
                                "a message did not re-encode to its bytes"
                            );
                        }
                    }
                    messages.push((message.to_owned(), bedrock::classify(&message)));
                }
                Ok(None) => break,
                Err(err) => {
                    if let DecodeError::LimitExceeded { max, announced, .. } = err {
                        assert!(announced > max, "a limit error within the limit: {err}");
                    }
                    assert_eq!(decoder.next_message(), Err(err.clone()), "not sticky");
                    error = Some(err);
                    break 'feed;
                }
            }
        }
        assert!(
            decoder.buffered_len() < limits.max_message_len.max(12),
            "{} bytes held, a message of at most {} allowed",
            decoder.buffered_len(),
            limits.max_message_len
        );
    }
    let end = decoder.finish();
    assert!(decoder.next_message().is_err() || decoder.next_message() == Ok(None));
    EventStreamRun {
        messages,
        error,
        end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eventstream::{HeaderValue, OVERHEAD, bedrock, encode};

    #[test]
    fn fix_checksums_makes_messages_decode() {
        let mut wire = Vec::new();
        encode(
            &[crate::eventstream::Header::new(
                "n",
                HeaderValue::Integer(1),
            )],
            b"payload",
            &mut wire,
        )
        .unwrap();
        let good = wire.clone();
        wire.extend_from_slice(&good);
        // Break both checksums of both messages, and append a prelude of a cut message.
        let len = good.len();
        for at in [8, len - 1, len + 9, 2 * len - 2] {
            wire[at] ^= 0xff;
        }
        wire.extend_from_slice(&[0, 0, 0, 40, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
        let fixed = fix_checksums(&wire);
        assert_eq!(&fixed[..2 * len], [&good[..], &good[..]].concat());
        assert_eq!(
            &fixed[2 * len + 8..2 * len + 12],
            crc32fast::hash(&[0, 0, 0, 40, 0, 0, 0, 0]).to_be_bytes()
        );
        let run = run_eventstream(&[&fixed], crate::eventstream::Limits::DEFAULT, Some(&fixed));
        assert_eq!(run.messages.len(), 2);
        assert_eq!(run.end.partial_message_bytes, 13);
        // Lengths too small to be a message are left alone.
        assert_eq!(fix_checksums(&[0; 11]), [0; 11]);
        assert_eq!(fix_checksums(&[0; OVERHEAD])[..8], [0; 8]);
    }

    #[test]
    fn eventstream_decoder_accepts_assorted_inputs() {
        let mut bedrock_stream = Vec::new();
        bedrock::encode_chunk(r#"{"type":"message_start"}"#, None, &mut bedrock_stream).unwrap();
        bedrock::encode_exception("throttlingException", "slow down", &mut bedrock_stream).unwrap();
        bedrock::encode_error("InternalError", "oops", &mut bedrock_stream).unwrap();
        let with_prefix = |prefix: &[u8], stream: &[u8]| {
            let mut input = prefix.to_vec();
            input.extend_from_slice(stream);
            eventstream_decoder(&input);
        };
        with_prefix(b"", b"");
        with_prefix(b"\0", &bedrock_stream);
        with_prefix(b"\x03\x01\x07\x40", &bedrock_stream);
        with_prefix(b"\0", &bedrock_stream[..bedrock_stream.len() - 3]);
        // With the checksums fixed: an unknown header type, a cut name, a huge prelude.
        with_prefix(
            b"\x10",
            &[
                0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0, 1, b'x', 10, 0, 0, 0, 0, 0,
            ],
        );
        with_prefix(
            b"\x11\x05",
            &[
                0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 0, 9, b'x', 1, 0, 0, 0, 0, 0,
            ],
        );
        with_prefix(b"\x10", &[0xff; 40]);
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        eventstream_decoder(&all);
    }
}
