//! The event-stream decoder's vector table: AWS's published test vectors (transcribed below,
//! each with the suite and case it comes from), recorded Bedrock messages, and cases of our own
//! built byte by byte with a naive CRC-32. Every case runs whole, one byte at a time, split at
//! every single position, and followed by a partial message that `finish` must report.

use llm_sse_core::eventstream::{
    DecodeError, Decoder, EncodeError, EndOfInput, Header, HeaderProblem, HeaderValue, Limit,
    Limits, OVERHEAD, encode,
};

// ---- A naive oracle for the checksums ----

/// CRC-32 (IEEE 802.3, reflected, as zlib and gzip), one bit at a time.
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

/// A message with these lengths in its prelude (whatever the real sizes), and right checksums.
fn frame_with(total_len: u32, headers_len: u32, headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&total_len.to_be_bytes());
    out.extend_from_slice(&headers_len.to_be_bytes());
    out.extend_from_slice(&crc32(&out).to_be_bytes());
    out.extend_from_slice(headers);
    out.extend_from_slice(payload);
    out.extend_from_slice(&crc32(&out).to_be_bytes());
    out
}

/// A well-formed message with these raw header bytes and payload.
fn frame(headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = (OVERHEAD + headers.len() + payload.len()) as u32;
    frame_with(total, headers.len() as u32, headers, payload)
}

/// `message` with its message checksum recomputed (so that the problem it was made to show is
/// the first one found).
fn fix_crc(message: &[u8]) -> Vec<u8> {
    let mut out = message.to_vec();
    let end = out.len() - 4;
    let crc = crc32(&out[..end]);
    out[end..].copy_from_slice(&crc.to_be_bytes());
    out
}

/// A prelude alone, with a right checksum.
fn prelude(total_len: u32, headers_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&total_len.to_be_bytes());
    out.extend_from_slice(&headers_len.to_be_bytes());
    out.extend_from_slice(&crc32(&out).to_be_bytes());
    out
}

#[test]
fn the_naive_crc_agrees_with_the_published_checksums() {
    // aws-c-event-stream `test_outgoing_no_op_valid`: prelude CRC 0x05c248eb, message CRC
    // 0x7d98c8ff.
    assert_eq!(crc32(&NO_OP[..8]), 0x05c2_48eb);
    assert_eq!(crc32(&NO_OP[..12]), 0x7d98_c8ff);
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926); // the CRC-32 check value
}

// ---- The vectors ----

// aws-c-event-stream, tests/message_deserializer_test.c, `test_outgoing_no_op_valid`.
const NO_OP: &[u8] = b"\x00\x00\x00\x10\x00\x00\x00\x00\x05\xc2H\xeb}\x98\xc8\xff";

// aws-c-event-stream, tests/message_deserializer_test.c,
// `test_outgoing_application_data_no_headers_valid`.
const AWSC_NO_HEADERS: &[u8] = b"\x00\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3e96";

// aws-c-event-stream, tests/message_deserializer_test.c,
// `test_outgoing_application_one_compressed_header_pair_valid`.
const AWSC_ONE_HEADER: &[u8] =
    b"\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0ccontent-type\x07\x00\x10application/js\
on{'foo':'bar'}\x8d\x9c\x08\xb1";

// smithy-rs, rust-runtime/aws-smithy-eventstream/test_data/valid_no_headers.
const VALID_NO_HEADERS: &[u8] =
    b"\x00\x00\x00$\x00\x00\x00\x00QcV\xadanother test payload\x8d\xf8\x0ee";

// smithy-rs, rust-runtime/aws-smithy-eventstream/test_data/valid_empty_payload.
const VALID_EMPTY_PAYLOAD: &[u8] =
    b"\x00\x00\x00\x1f\x00\x00\x00\x0f\x17-\xc2\xab\x0bsome-header\x03\x01\xf4\x93<\\\xad";

// smithy-rs, rust-runtime/aws-smithy-eventstream/test_data/valid_with_all_headers_and_payload
// (its `read_all_headers_and_payload` test lists the values; `round_trip_all_headers_payload`
// encodes them back to these bytes).
const VALID_ALL_HEADERS: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\x8b\xb4\x95\xfb\x04true\x00\x05false\x01\x04byte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05byt\
es\x06\x00\x0asome bytes\x03str\x07\x00\x08some str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\x01\xa0X`";

// smithy-rs test_data/invalid_prelude_checksum: the prelude CRC replaced by 0xdeadbeef.
const INVALID_PRELUDE_CHECKSUM: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\xde\xad\xbe\xef\x04true\x00\x05false\x01\x04byte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05byt\
es\x06\x00\x0asome bytes\x03str\x07\x00\x08some str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\x01\xa0X`";

// smithy-rs test_data/invalid_message_checksum: the message CRC replaced by 0xdeadbeef.
const INVALID_MESSAGE_CHECKSUM: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\x8b\xb4\x95\xfb\x04true\x00\x05false\x01\x04byte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05byt\
es\x06\x00\x0asome bytes\x03str\x07\x00\x08some str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\xde\xad\xbe\xef";

// smithy-rs test_data/invalid_header_value_type: the type of header "byte" replaced by 0x60.
const INVALID_HEADER_VALUE_TYPE: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\x8b\xb4\x95\xfb\x04true\x00\x05false\x01\x04byte`2\x05\
short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05bytes\
\x06\x00\x0asome bytes\x03str\x07\x00\x08some str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\x01\xa0X`";

// smithy-rs test_data/invalid_header_string_value_length: the length of string "str" replaced
// by 0xffff.
const INVALID_HEADER_STRING_VALUE_LENGTH: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\x8b\xb4\x95\xfb\x04true\x00\x05false\x01\x04byte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05byt\
es\x06\x00\x0asome bytes\x03str\x07\xff\xffsome str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\x01\xa0X`";

// smithy-rs test_data/invalid_header_name_length: the name length of header "byte" replaced by
// 0xff.
const INVALID_HEADER_NAME_LENGTH: &[u8] =
    b"\x00\x00\x00\x96\x00\x00\x00z\x8b\xb4\x95\xfb\x04true\x00\x05false\x01\xffbyte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05byt\
es\x06\x00\x0asome bytes\x03str\x07\x00\x08some str\x04time\x08\x00\x00\x00\x01*\x05\
\xf2\x00\x04uuid\x09\xb7\x9b\xc9\x14\xde!N\x13\xb8\xb2\xbcG\xe8[\x7f\x0bsome payload\
\x01\xa0X`";

// smithy-rs test_data/invalid_headers_length: 77 bytes of headers in an 89-byte message.
const INVALID_HEADERS_LENGTH: &[u8] =
    b"\x00\x00\x00Y\x00\x00\x00MXLO\xfe\x04true\x00\x05false\x01\x04byte\x022\x05short\x03\
N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05bytes\x06\x00\
\x0asome bytes\x03str\x07\xff";

// smithy-rs test_data/invalid_header_string_length_cut_off: the message ends (at its 93rd byte)
// inside the length of string "str".
const INVALID_HEADER_STRING_LENGTH_CUT_OFF: &[u8] =
    b"\x00\x00\x00]\x00\x00\x00M\xad\xcc\xe9>\x04true\x00\x05false\x01\x04byte\x022\x05sho\
rt\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00\x00\x0b\xa4;t\x00\x05bytes\x06\
\x00\x0asome bytes\x03str\x07\xff\x00\x00\x00\x00";

// smithy-rs test_data/invalid_header_name_length_too_long: a 93-byte message whose second
// header's name length (0x66) runs past the headers, followed by 30 more bytes.
const INVALID_HEADER_NAME_LENGTH_TOO_LONG: &[u8] =
    b"\x00\x00\x00]\x00\x00\x00M\xad\xcc\xe9>\x04true\x00f\x05alse\x01\x04byte\x022\x05sh]\
\x0b\xa4;t\x00\x05bytes\x06\x00\x0asome bytes\x03str\x07\x05alse\x01\x04byte\x022\
\x05short\x03N \x03int\x04\x00\x07\xa1 \x04long\x05\x00\x00]\x0b\xa4;t\x00\x05bytes\
\x06\x00\xff\x00\x00\x00\x00";

// A Bedrock `chunk` event as recorded: AI21Labs/ai21-python,
// tests/unittests/test_aws_stream_decoder.py, `byte_stream()` (an AI21 model on Bedrock; the
// framing is Bedrock's, whatever the model).
const BEDROCK_CHUNK: &[u8] =
    b"\x00\x00\x01\x0b\x00\x00\x00K8\xa0\xa5\xc5\x0b:event-type\x07\x00\x05chunk\x0d:conte\
nt-type\x07\x00\x10application/json\x0d:message-type\x07\x00\x05event{\"bytes\":\"ey\
JjaG9pY2VzIjpbeyJpbmRleCI6MCwibWVzc2FnZSI6eyJyb2xlIjoiYXNzaXN0YW50IiwiY29udGVudCI6Ik\
kifSwic3RvcF9yZWFzb24iOm51bGx9XX0=\",\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK\"\
}\x11\x061?";

// A Bedrock `validationException` as recorded: epam/ai-dial-adapter-bedrock, tests,
// `test_anthropic_error_streaming` (Claude 3.7 Sonnet, invoke-with-response-stream).
const BEDROCK_VALIDATION_EXCEPTION: &[u8] =
    b"\x00\x00\x00\xc2\x00\x00\x00a\xccB5\x1c\x0f:exception-type\x07\x00\x13validationExce\
ption\x0d:content-type\x07\x00\x10application/json\x0d:message-type\x07\x00\x09excep\
tion{\"message\":\"messages.1.content.1.text.citations: Extra inputs are not permitt\
ed\"}\x18+\x9f\xf9";

// ---- Building cases of our own ----

/// The bytes of one header: name length, name, type, value bytes (as the wire has them).
fn header(name: &[u8], type_code: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![name.len() as u8];
    out.extend_from_slice(name);
    out.push(type_code);
    out.extend_from_slice(value);
    out
}

/// A `u16` length and the bytes.
fn sized(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

// ---- What a run produced ----

/// A header value that owns its bytes.
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

impl From<HeaderValue<'_>> for Value {
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Msg {
    headers: Vec<(String, Value)>,
    payload: Vec<u8>,
}

fn msg(headers: &[(&str, HeaderValue<'_>)], payload: &[u8]) -> Msg {
    Msg {
        headers: headers
            .iter()
            .map(|&(n, v)| (n.to_string(), Value::from(v)))
            .collect(),
        payload: payload.to_vec(),
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    messages: Vec<Msg>,
    error: Option<DecodeError>,
    end: EndOfInput,
}

/// Feeds `chunks`, draining after each, then finishes.
fn run(chunks: &[&[u8]], limits: Limits) -> Outcome {
    let mut decoder = Decoder::with_limits(limits);
    let mut messages = Vec::new();
    let mut error = None;
    'feed: for chunk in chunks {
        decoder.feed(chunk);
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => {
                    // The accessors agree with the header list.
                    assert_eq!(m.content_type(), m.string_header(":content-type"));
                    assert_eq!(m.to_owned().as_message(), m);
                    messages.push(Msg {
                        headers: m
                            .headers()
                            .map(|h| (h.name.to_string(), Value::from(h.value)))
                            .collect(),
                        payload: m.payload().to_vec(),
                    });
                }
                Ok(None) => break,
                Err(err) => {
                    // Sticky.
                    assert_eq!(decoder.next_message(), Err(err.clone()));
                    assert_eq!(decoder.buffered_len(), 0, "memory is released on error");
                    error = Some(err);
                    break 'feed;
                }
            }
        }
    }
    let end = decoder.finish();
    Outcome {
        messages,
        error,
        end,
    }
}

// ---- The table ----

struct Case {
    name: &'static str,
    input: Vec<u8>,
    limits: Limits,
    messages: Vec<Msg>,
    error: Option<DecodeError>,
}

fn ok(name: &'static str, input: impl Into<Vec<u8>>, messages: Vec<Msg>) -> Case {
    Case {
        name,
        input: input.into(),
        limits: Limits::DEFAULT,
        messages,
        error: None,
    }
}

fn fails(
    name: &'static str,
    input: impl Into<Vec<u8>>,
    messages: Vec<Msg>,
    error: DecodeError,
) -> Case {
    Case {
        name,
        input: input.into(),
        limits: Limits::DEFAULT,
        messages,
        error: Some(error),
    }
}

fn malformed(index: usize, at: usize, problem: HeaderProblem) -> DecodeError {
    DecodeError::MalformedHeader { index, at, problem }
}

fn message_crc(computed: u32, received: u32) -> DecodeError {
    DecodeError::MessageCrcMismatch { computed, received }
}

fn all_headers() -> Msg {
    msg(
        &[
            ("true", HeaderValue::Bool(true)),
            ("false", HeaderValue::Bool(false)),
            ("byte", HeaderValue::Byte(50)),
            ("short", HeaderValue::Short(20_000)),
            ("int", HeaderValue::Integer(500_000)),
            ("long", HeaderValue::Long(50_000_000_000)),
            ("bytes", HeaderValue::ByteArray(b"some bytes")),
            ("str", HeaderValue::String("some str")),
            // 5,000,000 seconds.
            ("time", HeaderValue::Timestamp(5_000_000_000)),
            (
                "uuid",
                HeaderValue::Uuid(0xb79bc914_de21_4e13_b8b2_bc47e85b7f0b_u128.to_be_bytes()),
            ),
        ],
        b"some payload",
    )
}

fn bedrock_chunk() -> Msg {
    msg(
        &[
            (":event-type", HeaderValue::String("chunk")),
            (":content-type", HeaderValue::String("application/json")),
            (":message-type", HeaderValue::String("event")),
        ],
        br#"{"bytes":"eyJjaG9pY2VzIjpbeyJpbmRleCI6MCwibWVzc2FnZSI6eyJyb2xlIjoiYXNzaXN0YW50IiwiY29udGVudCI6IkkifSwic3RvcF9yZWFzb24iOm51bGx9XX0=","p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"}"#,
    )
}

fn bedrock_exception() -> Msg {
    msg(
        &[
            (
                ":exception-type",
                HeaderValue::String("validationException"),
            ),
            (":content-type", HeaderValue::String("application/json")),
            (":message-type", HeaderValue::String("exception")),
        ],
        br#"{"message":"messages.1.content.1.text.citations: Extra inputs are not permitted"}"#,
    )
}

/// Every value type at its extremes, a non-ASCII name, the longest name, empty sized values.
fn extremes() -> (Vec<u8>, Msg) {
    let long_name = "n".repeat(255);
    let headers = [
        header(b"t", 0, &[]),
        header(b"f", 1, &[]),
        header(b"byte", 2, &[0x80]),
        header(b"short", 3, &[0x80, 0]),
        header(b"int", 4, &[0xff; 4]),
        header(
            b"long",
            5,
            &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        ),
        header(b"empty bytes", 6, &sized(b"")),
        header(b"bytes", 6, &sized(&[0, 0xff, 0xfe])),
        header(b"empty str", 7, &sized(b"")),
        header(
            "na\u{ef}ve \u{2713}".as_bytes(),
            7,
            &sized("h\u{e9}llo \u{1f389}".as_bytes()),
        ),
        header(b"before 1970", 8, &(-1i64).to_be_bytes()),
        header(b"uuid", 9, &[0xab; 16]),
        header(long_name.as_bytes(), 1, &[]),
    ]
    .concat();
    let expected = msg(
        &[
            ("t", HeaderValue::Bool(true)),
            ("f", HeaderValue::Bool(false)),
            ("byte", HeaderValue::Byte(i8::MIN)),
            ("short", HeaderValue::Short(i16::MIN)),
            ("int", HeaderValue::Integer(-1)),
            ("long", HeaderValue::Long(i64::MAX)),
            ("empty bytes", HeaderValue::ByteArray(b"")),
            ("bytes", HeaderValue::ByteArray(&[0, 0xff, 0xfe])),
            ("empty str", HeaderValue::String("")),
            (
                "na\u{ef}ve \u{2713}",
                HeaderValue::String("h\u{e9}llo \u{1f389}"),
            ),
            ("before 1970", HeaderValue::Timestamp(-1)),
            ("uuid", HeaderValue::Uuid([0xab; 16])),
            (&long_name, HeaderValue::Bool(false)),
        ],
        b"\x00binary\xff payload",
    );
    (frame(&headers, b"\x00binary\xff payload"), expected)
}

fn cases() -> Vec<Case> {
    let (extremes, extremes_msg) = extremes();
    let all_valid: Vec<u8> = [
        NO_OP,
        AWSC_NO_HEADERS,
        AWSC_ONE_HEADER,
        VALID_NO_HEADERS,
        VALID_EMPTY_PAYLOAD,
        VALID_ALL_HEADERS,
        BEDROCK_CHUNK,
        BEDROCK_VALIDATION_EXCEPTION,
    ]
    .concat();
    let single_quoted = br#"{'foo':'bar'}"#;
    let long_string = "x".repeat(65_535);
    let mut too_long_name = INVALID_HEADER_NAME_LENGTH_TOO_LONG.to_vec();
    too_long_name.splice(..93, fix_crc(&INVALID_HEADER_NAME_LENGTH_TOO_LONG[..93]));
    let mut bad_prelude_huge = prelude(u32::MAX, 0);
    bad_prelude_huge[11] ^= 1;
    vec![
        // AWS's valid vectors.
        ok("aws-c no-op (16 bytes)", NO_OP, vec![msg(&[], b"")]),
        ok(
            "aws-c no headers",
            AWSC_NO_HEADERS,
            vec![msg(&[], single_quoted)],
        ),
        ok(
            "aws-c one header",
            AWSC_ONE_HEADER,
            vec![msg(
                &[("content-type", HeaderValue::String("application/json"))],
                single_quoted,
            )],
        ),
        ok(
            "smithy-rs valid_no_headers",
            VALID_NO_HEADERS,
            vec![msg(&[], b"another test payload")],
        ),
        ok(
            "smithy-rs valid_empty_payload",
            VALID_EMPTY_PAYLOAD,
            vec![msg(&[("some-header", HeaderValue::Short(500))], b"")],
        ),
        ok(
            "smithy-rs valid_with_all_headers_and_payload",
            VALID_ALL_HEADERS,
            vec![all_headers()],
        ),
        // Recorded Bedrock messages.
        ok("Bedrock chunk", BEDROCK_CHUNK, vec![bedrock_chunk()]),
        ok(
            "Bedrock validationException",
            BEDROCK_VALIDATION_EXCEPTION,
            vec![bedrock_exception()],
        ),
        ok(
            "all valid vectors in one stream",
            all_valid,
            vec![
                msg(&[], b""),
                msg(&[], single_quoted),
                msg(
                    &[("content-type", HeaderValue::String("application/json"))],
                    single_quoted,
                ),
                msg(&[], b"another test payload"),
                msg(&[("some-header", HeaderValue::Short(500))], b""),
                all_headers(),
                bedrock_chunk(),
                bedrock_exception(),
            ],
        ),
        // Our own.
        ok(
            "every value type at its extremes",
            extremes,
            vec![extremes_msg],
        ),
        ok(
            "an empty header name (the specification forbids it; AWS's decoders accept it)",
            frame(&header(b"", 0, &[]), b"p"),
            vec![msg(&[("", HeaderValue::Bool(true))], b"p")],
        ),
        ok(
            "a string of 65,535 bytes (the specification stops at 32,767; the wire does not)",
            frame(&header(b"s", 7, &sized(long_string.as_bytes())), b""),
            vec![msg(&[("s", HeaderValue::String(&long_string))], b"")],
        ),
        Case {
            limits: Limits::DEFAULT.max_message_len(31).max_headers_len(15),
            ..ok(
                "a message exactly at both limits",
                VALID_EMPTY_PAYLOAD,
                vec![msg(&[("some-header", HeaderValue::Short(500))], b"")],
            )
        },
        // AWS's invalid vectors. smithy-rs parses headers before it checks the message
        // checksum, so for the ones with a broken header it reports the header; this decoder
        // trusts no byte before both checksums match, so it reports the checksum. Each such
        // vector runs a second time with its checksum recomputed, to reach the header.
        fails(
            "smithy-rs invalid_prelude_checksum",
            INVALID_PRELUDE_CHECKSUM,
            vec![],
            DecodeError::PreludeCrcMismatch {
                computed: 0x8bb4_95fb,
                received: 0xdead_beef,
            },
        ),
        fails(
            "smithy-rs invalid_message_checksum",
            INVALID_MESSAGE_CHECKSUM,
            vec![],
            message_crc(0x01a0_5860, 0xdead_beef),
        ),
        fails(
            "smithy-rs invalid_header_value_type",
            INVALID_HEADER_VALUE_TYPE,
            vec![],
            message_crc(0x5785_f2b0, 0x01a0_5860),
        ),
        fails(
            "smithy-rs invalid_header_value_type, checksum recomputed",
            fix_crc(INVALID_HEADER_VALUE_TYPE),
            vec![],
            malformed(2, 25, HeaderProblem::UnknownValueType(0x60)),
        ),
        fails(
            "smithy-rs invalid_header_string_value_length",
            INVALID_HEADER_STRING_VALUE_LENGTH,
            vec![],
            message_crc(0x40e8_3d43, 0x01a0_5860),
        ),
        fails(
            "smithy-rs invalid_header_string_value_length, checksum recomputed",
            fix_crc(INVALID_HEADER_STRING_VALUE_LENGTH),
            vec![],
            malformed(7, 83, HeaderProblem::Truncated),
        ),
        fails(
            "smithy-rs invalid_header_name_length",
            INVALID_HEADER_NAME_LENGTH,
            vec![],
            message_crc(0x2fdd_a9c5, 0x01a0_5860),
        ),
        fails(
            "smithy-rs invalid_header_name_length, checksum recomputed",
            fix_crc(INVALID_HEADER_NAME_LENGTH),
            vec![],
            malformed(2, 25, HeaderProblem::Truncated),
        ),
        fails(
            "smithy-rs invalid_headers_length",
            INVALID_HEADERS_LENGTH,
            vec![],
            DecodeError::HeadersLengthInvalid {
                headers_len: 77,
                total_len: 89,
            },
        ),
        fails(
            "smithy-rs invalid_header_string_length_cut_off",
            INVALID_HEADER_STRING_LENGTH_CUT_OFF,
            vec![],
            message_crc(0xe302_6459, 0),
        ),
        fails(
            "smithy-rs invalid_header_string_length_cut_off, checksum recomputed",
            fix_crc(INVALID_HEADER_STRING_LENGTH_CUT_OFF),
            vec![],
            malformed(7, 83, HeaderProblem::Truncated),
        ),
        fails(
            "smithy-rs invalid_header_name_length_too_long",
            INVALID_HEADER_NAME_LENGTH_TOO_LONG,
            vec![],
            message_crc(0xb69b_62b5, 0x6e74_0400),
        ),
        fails(
            "smithy-rs invalid_header_name_length_too_long, checksum recomputed",
            too_long_name,
            vec![],
            malformed(1, 18, HeaderProblem::Truncated),
        ),
        fails(
            "a valid message, then a corrupted one",
            [VALID_NO_HEADERS, INVALID_PRELUDE_CHECKSUM, NO_OP].concat(),
            vec![msg(&[], b"another test payload")],
            DecodeError::PreludeCrcMismatch {
                computed: 0x8bb4_95fb,
                received: 0xdead_beef,
            },
        ),
        // Our own invalid cases.
        fails(
            "a total length of 15",
            [prelude(15, 0), vec![0; 3]].concat(),
            vec![],
            DecodeError::MessageTooShort { total_len: 15 },
        ),
        fails(
            "a total length of 0",
            prelude(0, 0),
            vec![],
            DecodeError::MessageTooShort { total_len: 0 },
        ),
        fails(
            "one byte of headers in a 16-byte message",
            [prelude(16, 1), vec![0; 4]].concat(),
            vec![],
            DecodeError::HeadersLengthInvalid {
                headers_len: 1,
                total_len: 16,
            },
        ),
        fails(
            "headers longer than the whole message",
            prelude(100, u32::MAX),
            vec![],
            DecodeError::HeadersLengthInvalid {
                headers_len: u32::MAX,
                total_len: 100,
            },
        ),
        fails(
            "a prelude announcing 4 GiB (an error after 12 bytes, no allocation)",
            prelude(u32::MAX, 0),
            vec![],
            DecodeError::LimitExceeded {
                limit: Limit::MessageLength,
                max: Limits::DEFAULT.max_message_len,
                announced: u32::MAX as usize,
            },
        ),
        fails(
            "a prelude announcing 4 GiB with a wrong checksum (the checksum comes first)",
            bad_prelude_huge,
            vec![],
            DecodeError::PreludeCrcMismatch {
                computed: crc32(&prelude(u32::MAX, 0)[..8]),
                received: crc32(&prelude(u32::MAX, 0)[..8]) ^ 1,
            },
        ),
        fails(
            "200 KiB of headers",
            prelude(300 * 1024, 200 * 1024),
            vec![],
            DecodeError::LimitExceeded {
                limit: Limit::HeadersLength,
                max: 128 * 1024,
                announced: 200 * 1024,
            },
        ),
        Case {
            limits: Limits::DEFAULT.max_message_len(30),
            ..fails(
                "one byte over a message limit",
                VALID_EMPTY_PAYLOAD,
                vec![],
                DecodeError::LimitExceeded {
                    limit: Limit::MessageLength,
                    max: 30,
                    announced: 31,
                },
            )
        },
        Case {
            limits: Limits::DEFAULT.max_headers_len(14),
            ..fails(
                "one byte over a headers limit",
                VALID_EMPTY_PAYLOAD,
                vec![],
                DecodeError::LimitExceeded {
                    limit: Limit::HeadersLength,
                    max: 14,
                    announced: 15,
                },
            )
        },
        fails(
            "a header name that is not UTF-8",
            frame(
                &[header(b"ok", 0, &[]), header(b"\xff\xfe", 0, &[])].concat(),
                b"",
            ),
            vec![],
            malformed(1, 16, HeaderProblem::NameNotUtf8),
        ),
        fails(
            "a string value that is not UTF-8",
            frame(&header(b"s", 7, &sized(b"caf\xe9")), b""),
            vec![],
            malformed(0, 12, HeaderProblem::StringNotUtf8),
        ),
        fails(
            "value type 10",
            frame(&header(b"x", 10, &[]), b""),
            vec![],
            malformed(0, 12, HeaderProblem::UnknownValueType(10)),
        ),
        fails(
            "value type 255",
            frame(&header(b"x", 255, &[1, 2, 3]), b""),
            vec![],
            malformed(0, 12, HeaderProblem::UnknownValueType(255)),
        ),
        fails(
            "an integer cut short by the end of the headers",
            frame(&header(b"i", 4, &[0, 0]), b"payload"),
            vec![],
            malformed(0, 12, HeaderProblem::Truncated),
        ),
        fails(
            "a UUID cut short",
            frame(&header(b"u", 9, &[0; 15]), b""),
            vec![],
            malformed(0, 12, HeaderProblem::Truncated),
        ),
        fails(
            "a byte array longer than the headers",
            frame(&header(b"b", 6, &[0, 9, 1, 2]), b"payload!!"),
            vec![],
            malformed(0, 12, HeaderProblem::Truncated),
        ),
        fails(
            "a sized value whose length is cut",
            frame(&header(b"s", 7, &[0]), b""),
            vec![],
            malformed(0, 12, HeaderProblem::Truncated),
        ),
        fails(
            "a name longer than the headers",
            frame(&[5, b'a', b'b'], b""),
            vec![],
            malformed(0, 12, HeaderProblem::Truncated),
        ),
        fails(
            "a header without its type",
            frame(&[header(b"a", 0, &[]), vec![1, b'b']].concat(), b""),
            vec![],
            malformed(1, 15, HeaderProblem::Truncated),
        ),
    ]
}

/// A message to cut for the trailing partial input.
fn trailing_message() -> Vec<u8> {
    VALID_EMPTY_PAYLOAD.to_vec()
}

#[test]
fn vector_table() {
    for case in cases() {
        let expected = Outcome {
            messages: case.messages.clone(),
            error: case.error.clone(),
            end: EndOfInput::default(),
        };
        let input = &case.input[..];
        let check = |how: &str, chunks: &[&[u8]]| {
            assert_eq!(run(chunks, case.limits), expected, "{}: {how}", case.name);
        };
        check("whole", &[input]);
        check("byte by byte", &input.chunks(1).collect::<Vec<_>>());
        // Every split point (for the one case of 65 KiB, every point near the ends and every
        // 251st in between).
        let points: Vec<usize> = if input.len() <= 4096 {
            (1..input.len()).collect()
        } else {
            (1..input.len())
                .filter(|&at| at < 64 || at > input.len() - 64 || at % 251 == 0)
                .collect()
        };
        for at in points {
            let (a, b) = input.split_at(at);
            check(&format!("split at {at}"), &[a, b]);
        }
        // Trailing partial input: a message cut short is reported by `finish`, with the length
        // its prelude announced once the prelude is there. After an error, nothing is.
        let tail = trailing_message();
        for cut in [1, 11, 12, 13, tail.len() - 1] {
            let with_tail = [input, &tail[..cut]].concat();
            let end = match case.error {
                Some(_) => EndOfInput::default(),
                None => EndOfInput {
                    partial_message_bytes: cut,
                    announced_len: (cut >= 12).then_some(tail.len()),
                },
            };
            let expected = Outcome {
                messages: case.messages.clone(),
                error: case.error.clone(),
                end,
            };
            for chunks in [
                vec![&with_tail[..]],
                with_tail.chunks(1).collect(),
                with_tail.chunks(7).collect(),
            ] {
                assert_eq!(
                    run(&chunks, case.limits),
                    expected,
                    "{}: with {cut} trailing bytes in {} chunks",
                    case.name,
                    chunks.len()
                );
            }
        }
    }
}

// ---- The encoder ----

#[test]
fn the_encoder_writes_the_published_bytes() {
    let all = all_headers();
    let headers: Vec<Header<'_>> = vec![
        Header::new("true", HeaderValue::Bool(true)),
        Header::new("false", HeaderValue::Bool(false)),
        Header::new("byte", HeaderValue::Byte(50)),
        Header::new("short", HeaderValue::Short(20_000)),
        Header::new("int", HeaderValue::Integer(500_000)),
        Header::new("long", HeaderValue::Long(50_000_000_000)),
        Header::new("bytes", HeaderValue::ByteArray(b"some bytes")),
        Header::new("str", HeaderValue::String("some str")),
        Header::new("time", HeaderValue::Timestamp(5_000_000_000)),
        Header::new(
            "uuid",
            HeaderValue::Uuid(0xb79bc914_de21_4e13_b8b2_bc47e85b7f0b_u128.to_be_bytes()),
        ),
    ];
    assert_eq!(headers.len(), all.headers.len());
    let cases: [(&[Header<'_>], &[u8], &[u8]); 7] = [
        (&headers, b"some payload", VALID_ALL_HEADERS),
        (&[], b"another test payload", VALID_NO_HEADERS),
        (
            &[Header::new("some-header", HeaderValue::Short(500))],
            b"",
            VALID_EMPTY_PAYLOAD,
        ),
        (&[], b"", NO_OP),
        (&[], br#"{'foo':'bar'}"#, AWSC_NO_HEADERS),
        (
            &[Header::new(
                "content-type",
                HeaderValue::String("application/json"),
            )],
            br#"{'foo':'bar'}"#,
            AWSC_ONE_HEADER,
        ),
        (
            &[
                Header::new(":event-type", HeaderValue::String("chunk")),
                Header::new(":content-type", HeaderValue::String("application/json")),
                Header::new(":message-type", HeaderValue::String("event")),
            ],
            &bedrock_chunk().payload,
            BEDROCK_CHUNK,
        ),
    ];
    for (headers, payload, expected) in cases {
        let mut out = b"before".to_vec();
        let n = encode(headers, payload, &mut out).expect("encodable");
        assert_eq!(n, expected.len());
        assert_eq!(&out[..6], b"before", "appends");
        assert_eq!(&out[6..], expected);
    }
}

#[test]
fn the_encoder_refuses_what_the_format_cannot_say_and_writes_nothing() {
    let long_name = "n".repeat(256);
    let long_value = vec![0u8; 32_768];
    let long_string = "s".repeat(32_768);
    let cases: [(Vec<Header<'_>>, EncodeError); 4] = [
        (
            vec![
                Header::new("ok", HeaderValue::Bool(true)),
                Header::new("", HeaderValue::Bool(true)),
            ],
            EncodeError::HeaderNameLength { index: 1, len: 0 },
        ),
        (
            vec![Header::new(&long_name, HeaderValue::Bool(true))],
            EncodeError::HeaderNameLength { index: 0, len: 256 },
        ),
        (
            vec![Header::new("b", HeaderValue::ByteArray(&long_value))],
            EncodeError::HeaderValueTooLong {
                index: 0,
                len: 32_768,
            },
        ),
        (
            vec![Header::new("s", HeaderValue::String(&long_string))],
            EncodeError::HeaderValueTooLong {
                index: 0,
                len: 32_768,
            },
        ),
    ];
    for (headers, error) in cases {
        let mut out = b"kept".to_vec();
        assert_eq!(encode(&headers, b"x", &mut out), Err(error.clone()));
        assert_eq!(out, b"kept");
        assert!(!error.to_string().is_empty());
    }
    // The longest name and value the specification allows are fine.
    let name = "n".repeat(255);
    let value = "v".repeat(32_767);
    let mut out = Vec::new();
    encode(
        &[Header::new(&name, HeaderValue::String(&value))],
        b"",
        &mut out,
    )
    .unwrap();
    let mut decoder = Decoder::new();
    decoder.feed(&out);
    let m = decoder.next_message().unwrap().unwrap();
    assert_eq!(m.string_header(&name), Some(value.as_str()));
}

// ---- The decoder's contract ----

#[test]
fn errors_are_sticky_and_later_input_is_ignored() {
    let mut decoder = Decoder::new();
    decoder.feed(INVALID_MESSAGE_CHECKSUM);
    let err = decoder.next_message().unwrap_err();
    assert_eq!(err, message_crc(0x01a0_5860, 0xdead_beef));
    decoder.feed(NO_OP);
    assert_eq!(decoder.next_message(), Err(err.clone()));
    assert_eq!(decoder.buffered_len(), 0);
    assert_eq!(decoder.finish(), EndOfInput::default());
    assert_eq!(decoder.next_message(), Err(err));
}

#[test]
fn finish_reports_a_cut_message_once_and_releases_it() {
    let mut decoder = Decoder::new();
    decoder.feed(&VALID_ALL_HEADERS[..100]);
    assert!(decoder.next_message().unwrap().is_none());
    assert_eq!(decoder.buffered_len(), 100);
    let end = decoder.finish();
    assert!(!end.is_clean());
    assert_eq!(
        end,
        EndOfInput {
            partial_message_bytes: 100,
            announced_len: Some(150)
        }
    );
    assert!(decoder.is_finished());
    assert_eq!(decoder.finish(), EndOfInput::default());
    assert!(decoder.next_message().unwrap().is_none());
}

#[test]
fn bytes_consumed_says_where_a_bad_message_starts() {
    let mut decoder = Decoder::new();
    decoder.feed(&[VALID_NO_HEADERS, NO_OP, INVALID_PRELUDE_CHECKSUM].concat());
    assert!(decoder.next_message().unwrap().is_some());
    // The message just handed out counts as consumed.
    assert_eq!(decoder.bytes_consumed(), VALID_NO_HEADERS.len() as u64);
    assert!(decoder.next_message().unwrap().is_some());
    assert!(decoder.next_message().is_err());
    assert_eq!(
        decoder.bytes_consumed(),
        (VALID_NO_HEADERS.len() + NO_OP.len()) as u64
    );
}

#[test]
fn memory_holds_one_message_plus_one_feed() {
    // 10,000 messages of every size from 16 to about 400 bytes, fed 7 bytes at a time.
    let mut wire = Vec::new();
    let mut largest = 0;
    for i in 0..10_000usize {
        let payload = vec![b'x'; i % 383];
        let n = encode(
            &[Header::new("i", HeaderValue::Integer(i as i32))],
            &payload,
            &mut wire,
        )
        .unwrap();
        largest = largest.max(n);
    }
    let mut decoder = Decoder::new();
    let mut count = 0;
    for piece in wire.chunks(7) {
        decoder.feed(piece);
        assert!(decoder.buffered_len() <= largest + 7);
        while let Some(m) = decoder.next_message().unwrap() {
            assert_eq!(m.header("i"), Some(HeaderValue::Integer(count)));
            count += 1;
        }
        assert!(decoder.buffered_len() < largest);
    }
    assert_eq!(count, 10_000);
    assert_eq!(decoder.bytes_consumed(), wire.len() as u64);
    assert!(decoder.finish().is_clean());
}

#[test]
fn messages_have_accessors_debug_and_owned_copies() {
    let mut decoder = Decoder::new();
    decoder.feed(BEDROCK_VALIDATION_EXCEPTION);
    let m = decoder.next_message().unwrap().unwrap();
    assert_eq!(m.message_type(), Some("exception"));
    assert_eq!(m.exception_type(), Some("validationException"));
    assert_eq!(m.content_type(), Some("application/json"));
    assert_eq!(m.event_type(), None);
    assert_eq!(m.header("absent"), None);
    assert_eq!(m.encoded_len(), BEDROCK_VALIDATION_EXCEPTION.len());
    let owned = m.to_owned();
    assert_eq!(owned.as_message(), m);
    assert_eq!(
        format!("{m:?}"),
        r#"Message { headers: {":exception-type": String("validationException"), ":content-type": String("application/json"), ":message-type": String("exception")}, payload: "{\"message\":\"messages.1.content.1.text.citations: Extra inputs are not permitted\"}" }"#
    );
    assert_eq!(format!("{owned:?}"), format!("{m:?}"));
    drop(decoder);
    assert_eq!(
        owned.as_message().exception_type(),
        Some("validationException")
    );
    assert_eq!(HeaderValue::Bool(false).type_code(), 1);
    assert_eq!(HeaderValue::Uuid([0; 16]).type_name(), "uuid");
}

#[test]
fn errors_say_what_went_wrong() {
    let cases = [
        (
            DecodeError::PreludeCrcMismatch {
                computed: 0x8bb4_95fb,
                received: 0xdead_beef,
            },
            "event-stream prelude checksum mismatch: the prelude says 0xdeadbeef, its bytes give 0x8bb495fb (corrupted, or not an event stream)",
        ),
        (
            DecodeError::MessageTooShort { total_len: 15 },
            "event-stream message length 15 is below the minimum of 16 bytes",
        ),
        (
            DecodeError::HeadersLengthInvalid {
                headers_len: 77,
                total_len: 89,
            },
            "event-stream headers length 77 does not fit in a message of 89 bytes (at most 73 bytes of headers)",
        ),
        (
            DecodeError::LimitExceeded {
                limit: Limit::MessageLength,
                max: 30,
                announced: 4_294_967_295,
            },
            "event-stream message size limit exceeded: a message of 4294967295 bytes, at most 30 allowed",
        ),
        (
            DecodeError::LimitExceeded {
                limit: Limit::HeadersLength,
                max: 14,
                announced: 15,
            },
            "event-stream headers size limit exceeded: 15 bytes of headers, at most 14 allowed",
        ),
        (
            message_crc(1, 0),
            "event-stream message checksum mismatch: the message says 0x00000000, its bytes give 0x00000001 (corrupted)",
        ),
        (
            malformed(2, 25, HeaderProblem::UnknownValueType(96)),
            "malformed event-stream header #2 (at byte 25 of its message): its value type 96 is unknown (0 to 9 are defined)",
        ),
        (
            malformed(0, 12, HeaderProblem::Truncated),
            "malformed event-stream header #0 (at byte 12 of its message): it runs past the end of the headers",
        ),
        (
            malformed(0, 12, HeaderProblem::NameNotUtf8),
            "malformed event-stream header #0 (at byte 12 of its message): its name is not UTF-8",
        ),
        (
            malformed(0, 12, HeaderProblem::StringNotUtf8),
            "malformed event-stream header #0 (at byte 12 of its message): its string value is not UTF-8",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
        let _: &dyn std::error::Error = &error;
    }
}
