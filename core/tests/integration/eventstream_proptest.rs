//! Property tests for the event-stream decoder and encoder:
//! - arbitrary messages encode to exactly the bytes of a naive encoder written from the
//!   specification (with a bitwise CRC-32), and decode back to themselves, whole, split at every
//!   position, and in random chunks;
//! - flipping any one bit of an encoded message is an error, of the kind the bit's place says,
//!   never a message and never a panic;
//! - well-framed messages with arbitrary header bytes decode exactly as a naive header parser
//!   says (the headers, or the first malformed one);
//! - arbitrary bytes never panic, any split gives the one-shot result, and the decoder never
//!   holds more than one message's worth of bytes (within small limits).

use llm_sse_core::eventstream::{
    DecodeError, Decoder, EndOfInput, Header, HeaderProblem, HeaderValue, Limit, Limits, OVERHEAD,
    encode,
};
use proptest::prelude::*;

// ---- Naive oracles, straight from the specification ----

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A header value that owns its bytes (what the generators make).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Integer(i32),
    Long(i64),
    Bytes(Vec<u8>),
    Str(String),
    Timestamp(i64),
    Uuid([u8; 16]),
}

impl Value {
    fn borrow(&self) -> HeaderValue<'_> {
        match self {
            Value::Bool(b) => HeaderValue::Bool(*b),
            Value::Byte(n) => HeaderValue::Byte(*n),
            Value::Short(n) => HeaderValue::Short(*n),
            Value::Integer(n) => HeaderValue::Integer(*n),
            Value::Long(n) => HeaderValue::Long(*n),
            Value::Bytes(b) => HeaderValue::ByteArray(b),
            Value::Str(s) => HeaderValue::String(s),
            Value::Timestamp(ms) => HeaderValue::Timestamp(*ms),
            Value::Uuid(u) => HeaderValue::Uuid(*u),
        }
    }

    fn from(v: HeaderValue<'_>) -> Value {
        match v {
            HeaderValue::Bool(b) => Value::Bool(b),
            HeaderValue::Byte(n) => Value::Byte(n),
            HeaderValue::Short(n) => Value::Short(n),
            HeaderValue::Integer(n) => Value::Integer(n),
            HeaderValue::Long(n) => Value::Long(n),
            HeaderValue::ByteArray(b) => Value::Bytes(b.to_vec()),
            HeaderValue::String(s) => Value::Str(s.into()),
            HeaderValue::Timestamp(ms) => Value::Timestamp(ms),
            HeaderValue::Uuid(u) => Value::Uuid(u),
        }
    }

    /// Type code and value bytes, as the specification's table says.
    fn wire(&self) -> (u8, Vec<u8>) {
        let sized = |b: &[u8]| [&(b.len() as u16).to_be_bytes()[..], b].concat();
        match self {
            Value::Bool(true) => (0, vec![]),
            Value::Bool(false) => (1, vec![]),
            Value::Byte(n) => (2, n.to_be_bytes().to_vec()),
            Value::Short(n) => (3, n.to_be_bytes().to_vec()),
            Value::Integer(n) => (4, n.to_be_bytes().to_vec()),
            Value::Long(n) => (5, n.to_be_bytes().to_vec()),
            Value::Bytes(b) => (6, sized(b)),
            Value::Str(s) => (7, sized(s.as_bytes())),
            Value::Timestamp(ms) => (8, ms.to_be_bytes().to_vec()),
            Value::Uuid(u) => (9, u.to_vec()),
        }
    }
}

type Msg = (Vec<(String, Value)>, Vec<u8>);

fn naive_headers(headers: &[(String, Value)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        let (code, bytes) = value.wire();
        out.push(code);
        out.extend_from_slice(&bytes);
    }
    out
}

/// A message with these raw headers and payload, and right lengths and checksums.
fn naive_frame(headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = (16 + headers.len() + payload.len()) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    out.extend_from_slice(&crc32(&out).to_be_bytes());
    out.extend_from_slice(headers);
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32(&out).to_be_bytes());
    out
}

/// The header block read one field at a time: the headers, or (index, offset in the message,
/// problem) of the first malformed one. Problems are checked in the order of the fields.
fn naive_parse(block: &[u8]) -> Result<Vec<(String, Value)>, (usize, usize, HeaderProblem)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < block.len() {
        let (index, at) = (out.len(), 12 + i);
        let bad = |p| Err((index, at, p));
        let name_len = block[i] as usize;
        i += 1;
        if i + name_len > block.len() {
            return bad(HeaderProblem::Truncated);
        }
        let Ok(name) = std::str::from_utf8(&block[i..i + name_len]) else {
            return bad(HeaderProblem::NameNotUtf8);
        };
        i += name_len;
        if i >= block.len() {
            return bad(HeaderProblem::Truncated);
        }
        let code = block[i];
        i += 1;
        let fixed = match code {
            0 | 1 => 0,
            2 => 1,
            3 => 2,
            4 => 4,
            5 | 8 => 8,
            9 => 16,
            6 | 7 => {
                if i + 2 > block.len() {
                    return bad(HeaderProblem::Truncated);
                }
                2 + u16::from_be_bytes([block[i], block[i + 1]]) as usize
            }
            other => return bad(HeaderProblem::UnknownValueType(other)),
        };
        if i + fixed > block.len() {
            return bad(HeaderProblem::Truncated);
        }
        let v = &block[i..i + fixed];
        let value = match code {
            0 => Value::Bool(true),
            1 => Value::Bool(false),
            2 => Value::Byte(v[0] as i8),
            3 => Value::Short(i16::from_be_bytes(v.try_into().unwrap())),
            4 => Value::Integer(i32::from_be_bytes(v.try_into().unwrap())),
            5 => Value::Long(i64::from_be_bytes(v.try_into().unwrap())),
            6 => Value::Bytes(v[2..].to_vec()),
            7 => match std::str::from_utf8(&v[2..]) {
                Ok(s) => Value::Str(s.into()),
                Err(_) => return bad(HeaderProblem::StringNotUtf8),
            },
            8 => Value::Timestamp(i64::from_be_bytes(v.try_into().unwrap())),
            _ => Value::Uuid(v.try_into().unwrap()),
        };
        i += fixed;
        out.push((name.to_string(), value));
    }
    Ok(out)
}

// ---- Running the decoder ----

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    messages: Vec<Msg>,
    error: Option<DecodeError>,
    end: EndOfInput,
}

/// Feeds `chunks`, draining after each, checking that the decoder never holds more than one
/// message's worth of bytes once drained, then finishes.
fn run(chunks: &[&[u8]], limits: Limits) -> Outcome {
    let mut decoder = Decoder::with_limits(limits);
    let mut messages = Vec::new();
    let mut error = None;
    'feed: for chunk in chunks {
        decoder.feed(chunk);
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => {
                    assert!(m.encoded_len() <= limits.max_message_len);
                    // A lookup finds the first header of that name, and nothing else.
                    for h in m.headers() {
                        let first = m.headers().find(|f| f.name == h.name).map(|f| f.value);
                        assert_eq!(m.header(h.name), first);
                    }
                    assert_eq!(m.header("\u{0}absent"), None);
                    messages.push((
                        m.headers()
                            .map(|h| (h.name.to_string(), Value::from(h.value)))
                            .collect(),
                        m.payload().to_vec(),
                    ));
                }
                Ok(None) => break,
                Err(err) => {
                    error = Some(err);
                    break 'feed;
                }
            }
        }
        // Drained: what is held is part of one message, within the limit.
        assert!(
            decoder.buffered_len() < limits.max_message_len.max(12),
            "{} bytes held with a limit of {}",
            decoder.buffered_len(),
            limits.max_message_len
        );
    }
    Outcome {
        messages,
        error,
        end: decoder.finish(),
    }
}

// ---- Generators ----

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i8>().prop_map(Value::Byte),
        any::<i16>().prop_map(Value::Short),
        any::<i32>().prop_map(Value::Integer),
        any::<i64>().prop_map(Value::Long),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        "\\PC{0,30}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Timestamp),
        any::<[u8; 16]>().prop_map(Value::Uuid),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            ":message-type",
            ":event-type",
            ":content-type",
            ":exception-type",
            ":error-code",
            "x",
        ])
        .prop_map(String::from),
        1 => "\\PC{1,40}",
        1 => Just("n".repeat(255)),
    ]
}

fn message() -> impl Strategy<Value = Msg> {
    (
        prop::collection::vec((name(), value()), 0..6),
        prop::collection::vec(any::<u8>(), 0..120),
    )
}

/// Chunk sizes to cut a stream with.
fn chunking() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..40, 1..8)
}

fn cut<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let (head, tail) = rest.split_at(sizes[i % sizes.len()].min(rest.len()));
        out.push(head);
        rest = tail;
        i += 1;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// encode writes the naive encoding, and every split decodes back to the messages.
    #[test]
    fn messages_round_trip_at_every_split(messages in prop::collection::vec(message(), 1..4), sizes in chunking()) {
        let mut wire = Vec::new();
        for (headers, payload) in &messages {
            let borrowed: Vec<Header<'_>> = headers.iter().map(|(n, v)| Header::new(n, v.borrow())).collect();
            let start = wire.len();
            let n = encode(&borrowed, payload, &mut wire).unwrap();
            prop_assert_eq!(&wire[start..], &naive_frame(&naive_headers(headers), payload)[..]);
            prop_assert_eq!(n, wire.len() - start);
        }
        let expected = Outcome { messages: messages.clone(), error: None, end: EndOfInput::default() };
        prop_assert_eq!(run(&[&wire], Limits::DEFAULT), expected);
        let expected = Outcome { messages, error: None, end: EndOfInput::default() };
        for at in 1..wire.len() {
            let (a, b) = wire.split_at(at);
            prop_assert_eq!(&run(&[a, b], Limits::DEFAULT), &expected, "split at {}", at);
        }
        prop_assert_eq!(&run(&cut(&wire, &sizes), Limits::DEFAULT), &expected);
        // A limit of exactly the largest message accepts them all.
        let largest = {
            let mut d = Decoder::new();
            d.feed(&wire);
            let mut largest = 0;
            while let Some(m) = d.next_message().unwrap() {
                largest = largest.max(m.encoded_len());
            }
            largest
        };
        prop_assert_eq!(&run(&[&wire], Limits::DEFAULT.max_message_len(largest)), &expected);
    }

    /// Flipping any one bit of a message is an error, of the kind the bit's place says.
    ///
    /// Why every flip is caught: CRC-32 detects every error burst of at most 32 bits, so every
    /// single-bit error, in the bytes it covers or in the checksum it is compared with. A flip
    /// in bytes 0..12 (the two lengths and the prelude checksum) is caught by the prelude
    /// checksum, which is checked as soon as those 12 bytes are there and before the lengths are
    /// used, so a corrupted length is never acted upon. A flip in bytes 12.. leaves the lengths
    /// intact: the message ends where it did, and the message checksum, which covers every byte
    /// before it and is compared before any header is read, catches it. No flip can therefore
    /// yield a message, a wait for more data, or a header error.
    #[test]
    fn every_single_bit_flip_is_caught((headers, payload) in message(), trailing in message()) {
        let mut wire = naive_frame(&naive_headers(&headers), &payload);
        let len = wire.len();
        // A valid message after it, which must never be reached.
        wire.extend(naive_frame(&naive_headers(&trailing.0), &trailing.1));
        for bit in 0..len * 8 {
            let mut flipped = wire.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let outcome = run(&[&flipped], Limits::DEFAULT);
            prop_assert!(outcome.messages.is_empty(), "bit {} gave a message", bit);
            let caught_by_prelude = matches!(outcome.error, Some(DecodeError::PreludeCrcMismatch { .. }));
            let caught_by_message = matches!(outcome.error, Some(DecodeError::MessageCrcMismatch { .. }));
            if bit < 96 {
                prop_assert!(caught_by_prelude, "bit {}: {:?}", bit, outcome.error);
            } else {
                prop_assert!(caught_by_message, "bit {}: {:?}", bit, outcome.error);
            }
        }
    }

    /// Arbitrary header bytes in a well-framed message: the decoder says what the naive parser
    /// says, and headers it accepts encode back to the same bytes.
    #[test]
    fn arbitrary_header_bytes_decode_as_the_naive_parser_says(
        block in prop::collection::vec(prop_oneof![0u8..12, any::<u8>(), Just(0u8), Just(7u8)], 0..80),
        payload in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let wire = naive_frame(&block, &payload);
        let outcome = run(&[&wire], Limits::DEFAULT);
        match naive_parse(&block) {
            Ok(headers) => {
                prop_assert_eq!(outcome.error, None);
                prop_assert_eq!(&outcome.messages, &vec![(headers.clone(), payload.clone())]);
                if headers.iter().all(|(n, _)| !n.is_empty()) {
                    let borrowed: Vec<Header<'_>> = headers.iter().map(|(n, v)| Header::new(n, v.borrow())).collect();
                    let mut again = Vec::new();
                    encode(&borrowed, &payload, &mut again).unwrap();
                    prop_assert_eq!(again, wire);
                }
            }
            Err((index, at, problem)) => {
                prop_assert!(outcome.messages.is_empty());
                prop_assert_eq!(outcome.error, Some(DecodeError::MalformedHeader { index, at, problem }));
            }
        }
    }

    /// Arbitrary bytes (sometimes after a valid prelude, so the lengths are acted upon): no
    /// panic, any split gives the one-shot result, and memory stays within the limits.
    #[test]
    fn arbitrary_bytes_are_safe(
        prelude in prop::option::of((0u32..400, 0u32..100)),
        noise in prop::collection::vec(any::<u8>(), 0..600),
        sizes in chunking(),
        max_message_len in 0usize..300,
        max_headers_len in 0usize..80,
    ) {
        let mut input = Vec::new();
        if let Some((total, headers)) = prelude {
            input.extend_from_slice(&total.to_be_bytes());
            input.extend_from_slice(&headers.to_be_bytes());
            input.extend_from_slice(&crc32(&input).to_be_bytes());
        }
        input.extend_from_slice(&noise);
        let limits = Limits::DEFAULT.max_message_len(max_message_len).max_headers_len(max_headers_len);
        let whole = run(&[&input], limits);
        prop_assert_eq!(&run(&cut(&input, &sizes), limits), &whole);
        prop_assert_eq!(&run(&input.chunks(1).collect::<Vec<_>>(), limits), &whole);
        // After a valid prelude, the error (if any) is the one its lengths call for.
        if let Some((total, headers)) = prelude {
            let expected = if (total as usize) < OVERHEAD {
                Some(DecodeError::MessageTooShort { total_len: total })
            } else if headers as usize > total as usize - OVERHEAD {
                Some(DecodeError::HeadersLengthInvalid { headers_len: headers, total_len: total })
            } else if total as usize > max_message_len {
                Some(DecodeError::LimitExceeded { limit: Limit::MessageLength, max: max_message_len, announced: total as usize })
            } else if headers as usize > max_headers_len {
                Some(DecodeError::LimitExceeded { limit: Limit::HeadersLength, max: max_headers_len, announced: headers as usize })
            } else {
                None
            };
            if expected.is_some() {
                prop_assert!(whole.messages.is_empty());
                prop_assert_eq!(&whole.error, &expected);
            }
        }
    }
}
