//! Bedrock's framing on top of event-stream messages: recorded messages classified, the encoders
//! reproducing Bedrock's bytes, round trips, and every classification error.

use llm_sse_core::eventstream::bedrock::{
    self, ClassifyError, EXCEPTION_TYPES, InvocationMetrics, ResponseEvent,
};
use llm_sse_core::eventstream::{Decoder, EncodeError, Header, HeaderValue, encode};

/// Every message of `wire`, classified.
fn classify_all(wire: &[u8]) -> Vec<Result<ResponseEvent, ClassifyError>> {
    let mut decoder = Decoder::new();
    decoder.feed(wire);
    let mut out = Vec::new();
    while let Some(message) = decoder.next_message().expect("well-framed") {
        out.push(bedrock::classify(&message));
    }
    assert!(decoder.finish().is_clean());
    out
}

fn classify_one(headers: &[Header<'_>], payload: &[u8]) -> Result<ResponseEvent, ClassifyError> {
    let mut wire = Vec::new();
    encode(headers, payload, &mut wire).unwrap();
    let mut all = classify_all(&wire);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn s(value: &str) -> HeaderValue<'_> {
    HeaderValue::String(value)
}

// A Bedrock `chunk` as recorded (AI21Labs/ai21-python, tests/unittests/test_aws_stream_decoder.py,
// `byte_stream()`): the three headers in Bedrock's order, `bytes` and the `p` padding.
const RECORDED_CHUNK: &[u8] =
    b"\x00\x00\x01\x0b\x00\x00\x00K8\xa0\xa5\xc5\x0b:event-type\x07\x00\x05chunk\
\x0d:content-type\x07\x00\x10application/json\x0d:message-type\x07\x00\x05event{\"bytes\
\":\"eyJjaG9pY2VzIjpbeyJpbmRleCI6MCwibWVzc2FnZSI6eyJyb2xlIjoiYXNzaXN0YW50IiwiY29udGVud\
CI6IkkifSwic3RvcF9yZWFzb24iOm51bGx9XX0=\",\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEFGHI\
JK\"}\x11\x061?";

// Bedrock exceptions as recorded: epam/ai-dial-adapter-bedrock, tests,
// `test_anthropic_error_streaming` (validationException, Claude 3.7 Sonnet on
// invoke-with-response-stream), and WorkflowAI/WorkflowAI's integration test
// `test_failed_run_bedrock_refusal_stream`
// (serviceUnavailableException, converse-stream: the same exception framing).
const RECORDED_VALIDATION: &[u8] =
    b"\x00\x00\x00\xc2\x00\x00\x00a\xccB5\x1c\x0f:exception-type\x07\x00\x13validationExce\
ption\x0d:content-type\x07\x00\x10application/json\x0d:message-type\x07\x00\x09excep\
tion{\"message\":\"messages.1.content.1.text.citations: Extra inputs are not permitt\
ed\"}\x18+\x9f\xf9";
const RECORDED_UNAVAILABLE: &[u8] = b"\x00\x00\x00\xb1\x00\x00\x00i|\xeb'1\x0f:exception-type\x07\x00\x1bserviceUnavailableException\
\x0d:content-type\x07\x00\x10application/json\x0d:message-type\x07\x00\x09exception\
{\"message\":\"Bedrock is unable to process your request.\"}\x89\x812}";

#[test]
fn recorded_messages_are_classified() {
    assert_eq!(
        classify_all(RECORDED_CHUNK),
        [Ok(ResponseEvent::Chunk {
            event_json: br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"I"},"stop_reason":null}]}"#.to_vec(),
            metrics: None,
        })]
    );
    assert_eq!(
        classify_all(&[RECORDED_VALIDATION, RECORDED_UNAVAILABLE].concat()),
        [
            Ok(ResponseEvent::Exception {
                exception_type: "validationException".into(),
                message: "messages.1.content.1.text.citations: Extra inputs are not permitted"
                    .into(),
                original_status_code: None,
                original_message: None,
            }),
            Ok(ResponseEvent::Exception {
                exception_type: "serviceUnavailableException".into(),
                message: "Bedrock is unable to process your request.".into(),
                original_status_code: None,
                original_message: None,
            })
        ]
    );
}

#[test]
fn encode_exception_reproduces_bedrocks_bytes() {
    for (recorded, ty, message) in [
        (
            RECORDED_VALIDATION,
            "validationException",
            "messages.1.content.1.text.citations: Extra inputs are not permitted",
        ),
        (
            RECORDED_UNAVAILABLE,
            "serviceUnavailableException",
            "Bedrock is unable to process your request.",
        ),
    ] {
        let mut out = Vec::new();
        let n = bedrock::encode_exception(ty, message, &mut out).unwrap();
        assert_eq!(n, recorded.len());
        assert_eq!(out, recorded, "{ty}");
    }
}

#[test]
fn encode_chunk_frames_like_bedrock() {
    let event = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"I"},"stop_reason":null}]}"#;
    let mut out = Vec::new();
    bedrock::encode_chunk(event, None, &mut out).unwrap();
    let mut decoder = Decoder::new();
    decoder.feed(&out);
    let message = decoder.next_message().unwrap().unwrap();
    // The recorded message's headers, in the recorded order.
    let headers: Vec<Header<'_>> = message.headers().collect();
    assert_eq!(
        headers,
        [
            Header::new(":event-type", s("chunk")),
            Header::new(":content-type", s("application/json")),
            Header::new(":message-type", s("event")),
        ]
    );
    // The recorded payload's `bytes`, and padding of Bedrock's alphabet (its length differs:
    // Bedrock's is random).
    let payload = std::str::from_utf8(message.payload()).unwrap();
    let expected_bytes = r#"{"bytes":"eyJjaG9pY2VzIjpbeyJpbmRleCI6MCwibWVzc2FnZSI6eyJyb2xlIjoiYXNzaXN0YW50IiwiY29udGVudCI6IkkifSwic3RvcF9yZWFzb24iOm51bGx9XX0=","p":"abcdefghijklmnopqrstuvwxyzAB"}"#;
    assert_eq!(payload, expected_bytes);
}

#[test]
fn chunks_round_trip_with_and_without_metrics() {
    let full = InvocationMetrics {
        input_token_count: Some(25),
        output_token_count: Some(12),
        invocation_latency_ms: Some(1032),
        first_byte_latency_ms: Some(318),
        cache_read_input_token_count: Some(0),
        cache_write_input_token_count: Some(7),
    };
    let partial = InvocationMetrics {
        output_token_count: Some(3),
        ..InvocationMetrics::default()
    };
    let cases: [(&str, Option<&InvocationMetrics>, &str); 7] = [
        (r#"{"type":"ping"}"#, None, r#"{"type":"ping"}"#),
        // Not JSON: carried as it is (a mock replaying a broken stream).
        ("{not json", None, "{not json"),
        ("", None, ""),
        (
            r#"{"type":"message_stop"}"#,
            Some(&full),
            r#"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,"outputTokenCount":12,"invocationLatency":1032,"firstByteLatency":318,"cacheReadInputTokenCount":0,"cacheWriteInputTokenCount":7}}"#,
        ),
        (
            " { \"type\" : \"message_stop\" } \n",
            Some(&partial),
            r#" { "type" : "message_stop","amazon-bedrock-invocationMetrics":{"outputTokenCount":3}}"#,
        ),
        (
            "{ }",
            Some(&InvocationMetrics::default()),
            r#"{"amazon-bedrock-invocationMetrics":{}}"#,
        ),
        (
            "{\"text\":\"caf\u{e9} \u{1f389} \\\"amazon-bedrock-invocationMetrics\\\"\"}",
            None,
            "{\"text\":\"caf\u{e9} \u{1f389} \\\"amazon-bedrock-invocationMetrics\\\"\"}",
        ),
    ];
    for (event, metrics, expected_json) in cases {
        let mut wire = Vec::new();
        bedrock::encode_chunk(event, metrics, &mut wire).unwrap();
        let expected_metrics = metrics.copied();
        assert_eq!(
            classify_all(&wire),
            [Ok(ResponseEvent::Chunk {
                event_json: expected_json.as_bytes().to_vec(),
                metrics: expected_metrics,
            })],
            "{event:?}"
        );
    }
}

#[test]
fn metrics_need_an_object() {
    for event in ["[1]", "\"s\"", "{not json}", "", "{\"a\":1} {"] {
        let mut out = b"kept".to_vec();
        assert_eq!(
            bedrock::encode_chunk(event, Some(&InvocationMetrics::default()), &mut out),
            Err(EncodeError::EventNotAnObject),
            "{event:?}"
        );
        assert_eq!(out, b"kept");
    }
}

#[test]
fn exceptions_and_errors_round_trip() {
    for ty in EXCEPTION_TYPES {
        let mut wire = Vec::new();
        bedrock::encode_exception(ty, "line one\n\"quoted\" \u{e9}", &mut wire).unwrap();
        assert_eq!(
            classify_all(&wire),
            [Ok(ResponseEvent::Exception {
                exception_type: ty.into(),
                message: "line one\n\"quoted\" \u{e9}".into(),
                original_status_code: None,
                original_message: None,
            })]
        );
    }
    let mut wire = Vec::new();
    bedrock::encode_error(
        "InternalError",
        "An internal server error occurred.",
        &mut wire,
    )
    .unwrap();
    assert_eq!(
        classify_all(&wire),
        [Ok(ResponseEvent::Error {
            code: "InternalError".into(),
            message: "An internal server error occurred.".into(),
        })]
    );
}

#[test]
fn exception_payloads_are_read_leniently() {
    let headers = [
        Header::new(":exception-type", s("modelStreamErrorException")),
        Header::new(":message-type", s("exception")),
    ];
    let exception = |message: &str, code: Option<u16>, original: Option<&str>| {
        Ok(ResponseEvent::Exception {
            exception_type: "modelStreamErrorException".into(),
            message: message.into(),
            original_status_code: code,
            original_message: original.map(Into::into),
        })
    };
    assert_eq!(
        classify_one(
            &headers,
            br#"{"message":"Model error","originalStatusCode":529,"originalMessage":"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"}"#
        ),
        exception(
            "Model error",
            Some(529),
            Some(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
        )
    );
    assert_eq!(classify_one(&headers, b"{}"), exception("", None, None));
    assert_eq!(classify_one(&headers, b""), exception("", None, None));
    assert_eq!(classify_one(&headers, b" \n"), exception("", None, None));
    assert_eq!(
        classify_one(&headers, br#"{"Message":"capitalized","extra":[1,2]}"#),
        exception("capitalized", None, None)
    );
    // An error without a message.
    assert_eq!(
        classify_one(
            &[
                Header::new(":message-type", s("error")),
                Header::new(":error-code", s("Oops"))
            ],
            b""
        ),
        Ok(ResponseEvent::Error {
            code: "Oops".into(),
            message: String::new()
        })
    );
}

#[test]
fn other_events_are_named() {
    assert_eq!(
        classify_one(
            &[
                Header::new(":message-type", s("event")),
                Header::new(":event-type", s("initial-response"))
            ],
            b"{}"
        ),
        Ok(ResponseEvent::Other {
            event_type: "initial-response".into()
        })
    );
}

#[test]
fn malformed_messages_are_typed_errors() {
    let chunk = [
        Header::new(":message-type", s("event")),
        Header::new(":event-type", s("chunk")),
    ];
    let cases: Vec<(Vec<Header<'_>>, &[u8], ClassifyError, &str)> = vec![
        (
            vec![],
            b"{}",
            ClassifyError::MissingHeader {
                name: ":message-type",
            },
            "Bedrock stream message without a :message-type header",
        ),
        (
            vec![Header::new(":message-type", HeaderValue::Integer(1))],
            b"{}",
            ClassifyError::NotAString {
                name: ":message-type",
                found: "integer",
            },
            "Bedrock stream message whose :message-type header is a integer, not a string",
        ),
        (
            vec![Header::new(":message-type", s("Event"))],
            b"{}",
            ClassifyError::UnknownMessageType("Event".into()),
            "Bedrock stream message of unknown :message-type \"Event\" (event, exception or error expected)",
        ),
        (
            vec![Header::new(":message-type", s("event"))],
            b"{}",
            ClassifyError::MissingHeader {
                name: ":event-type",
            },
            "Bedrock stream message without a :event-type header",
        ),
        (
            vec![Header::new(":message-type", s("exception"))],
            b"{}",
            ClassifyError::MissingHeader {
                name: ":exception-type",
            },
            "Bedrock stream message without a :exception-type header",
        ),
        (
            vec![Header::new(":message-type", s("error"))],
            b"",
            ClassifyError::MissingHeader {
                name: ":error-code",
            },
            "Bedrock stream message without a :error-code header",
        ),
        (
            vec![
                Header::new(":message-type", s("error")),
                Header::new(":error-code", s("E")),
                Header::new(":error-message", HeaderValue::ByteArray(b"x")),
            ],
            b"",
            ClassifyError::NotAString {
                name: ":error-message",
                found: "byte_array",
            },
            "Bedrock stream message whose :error-message header is a byte_array, not a string",
        ),
        (
            chunk.to_vec(),
            b"{\"bytes\":",
            ClassifyError::InvalidJson {
                what: "chunk",
                error: "EOF while parsing a value at line 1 column 9".into(),
            },
            "Bedrock chunk payload is not a JSON object: EOF while parsing a value at line 1 column 9",
        ),
        (
            chunk.to_vec(),
            br#""text""#,
            ClassifyError::InvalidJson {
                what: "chunk",
                error: "invalid type: string \"text\", expected struct PayloadPart at line 1 column 6".into(),
            },
            "Bedrock chunk payload is not a JSON object: invalid type: string \"text\", expected struct PayloadPart at line 1 column 6",
        ),
        (
            chunk.to_vec(),
            br#"{"p":"abc"}"#,
            ClassifyError::MissingBytes,
            "Bedrock chunk payload without a \"bytes\" member",
        ),
        (
            chunk.to_vec(),
            br#"{"bytes":"not base64!"}"#,
            ClassifyError::InvalidBase64 {
                error: "Invalid symbol 32, offset 3.".into(),
            },
            "Bedrock chunk \"bytes\" is not base64: Invalid symbol 32, offset 3.",
        ),
        (
            // {"amazon-bedrock-invocationMetrics":{"inputTokenCount":"many"}}
            chunk.to_vec(),
            br#"{"bytes":"eyJhbWF6b24tYmVkcm9jay1pbnZvY2F0aW9uTWV0cmljcyI6eyJpbnB1dFRva2VuQ291bnQiOiJtYW55In19"}"#,
            ClassifyError::InvalidMetrics {
                error: "invalid type: string \"many\", expected u64 at line 1 column 25".into(),
            },
            "Bedrock chunk with a malformed \"amazon-bedrock-invocationMetrics\" member: invalid type: string \"many\", expected u64 at line 1 column 25",
        ),
        (
            vec![
                Header::new(":message-type", s("exception")),
                Header::new(":exception-type", s("throttlingException")),
            ],
            b"Too many requests",
            ClassifyError::InvalidJson {
                what: "exception",
                error: "expected value at line 1 column 1".into(),
            },
            "Bedrock exception payload is not a JSON object: expected value at line 1 column 1",
        ),
    ];
    for (headers, payload, error, text) in cases {
        assert_eq!(classify_one(&headers, payload), Err(error.clone()));
        assert_eq!(error.to_string(), text);
    }
}

#[test]
fn bytes_with_or_without_base64_padding_decode() {
    // `{"a":1}` is eyJhIjoxfQ== with padding.
    for bytes in ["eyJhIjoxfQ==", "eyJhIjoxfQ", "eyJhIjoxfQ\\u003d\\u003d"] {
        let payload = format!(r#"{{"bytes":"{bytes}"}}"#);
        assert_eq!(
            classify_one(
                &[
                    Header::new(":message-type", s("event")),
                    Header::new(":event-type", s("chunk")),
                ],
                payload.as_bytes()
            ),
            Ok(ResponseEvent::Chunk {
                event_json: br#"{"a":1}"#.to_vec(),
                metrics: None
            })
        );
    }
}

#[test]
fn a_metrics_name_inside_a_string_is_not_metrics() {
    // Mentioned in a text delta, not a member: no metrics, no error.
    let event = r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":"\"amazon-bedrock-invocationMetrics\":{}"}}"#;
    let mut wire = Vec::new();
    bedrock::encode_chunk(event, None, &mut wire).unwrap();
    assert_eq!(
        classify_all(&wire),
        [Ok(ResponseEvent::Chunk {
            event_json: event.as_bytes().to_vec(),
            metrics: None
        })]
    );
}
