//! The recorded Anthropic fixtures re-framed as Amazon Bedrock streams
//! (`llm_sse_tests::bedrock::reframe_anthropic`), decoded with the event-stream decoder at every
//! split and classified with Bedrock's framing: a Bedrock client recovers exactly the recorded
//! events, the stream's usage as Bedrock's metrics, and, fed to the Anthropic decoder, exactly the
//! chunks of the SSE recording.

use llm_sse_core::eventstream::Decoder as EventStreamDecoder;
use llm_sse_core::eventstream::bedrock::{self, InvocationMetrics, ResponseEvent};
use llm_sse_core::sse::{EndOfInput, Event, Parsed, Parser};
use llm_sse_core::{Decoder, Provider, StreamChunk};
use llm_sse_tests::bedrock::{FIRST_BYTE_LATENCY_MS, INVOCATION_LATENCY_MS, reframe_anthropic};
use llm_sse_tests::{Split, fixtures, normalize};
use serde_json::Value;

/// Decodes and classifies a Bedrock stream fed as `split` says.
fn bedrock_events(wire: &[u8], split: Split) -> Vec<ResponseEvent> {
    let mut decoder = EventStreamDecoder::new();
    let mut out = Vec::new();
    for piece in split.chunks(wire) {
        decoder.feed(piece);
        while let Some(message) = decoder.next_message().expect("a well-framed stream") {
            out.push(bedrock::classify(&message).expect("Bedrock's framing"));
        }
    }
    assert!(
        decoder.finish().is_clean(),
        "the stream ends between messages"
    );
    out
}

/// Events as text, for readable failures.
fn show(events: &[ResponseEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            ResponseEvent::Chunk {
                event_json,
                metrics,
            } => {
                format!("chunk {} {metrics:?}", String::from_utf8_lossy(event_json))
            }
            other => format!("{other:?}"),
        })
        .collect()
}

/// The events of an SSE recording: (event type, data).
fn sse_events(sse: &[u8]) -> Vec<(String, String)> {
    let mut parser = Parser::new();
    parser.feed(sse);
    let mut out = Vec::new();
    while let Some(item) = parser.next_event().unwrap() {
        if let Parsed::Event(e) = item {
            out.push((e.event.to_string(), e.data.to_string()));
        }
    }
    out
}

/// What a Bedrock client should recover from the re-framed recording, worked out from the SSE
/// events and the usage the Anthropic normalizer reports for the recording.
fn expected_events(sse: &[u8], usage: (u64, u64)) -> Vec<ResponseEvent> {
    let mut out = Vec::new();
    for (_, data) in sse_events(sse) {
        let json: Option<Value> = serde_json::from_str(&data).ok();
        match json.as_ref().and_then(|j| j["type"].as_str()) {
            Some("error") => {
                out.push(ResponseEvent::Exception {
                    exception_type: "modelStreamErrorException".into(),
                    message: json.as_ref().unwrap()["error"]["message"]
                        .as_str()
                        .unwrap()
                        .into(),
                    original_status_code: None,
                    original_message: None,
                });
                break;
            }
            Some("message_stop") => {
                let metrics = InvocationMetrics {
                    input_token_count: Some(usage.0),
                    output_token_count: Some(usage.1),
                    invocation_latency_ms: Some(INVOCATION_LATENCY_MS),
                    first_byte_latency_ms: Some(FIRST_BYTE_LATENCY_MS),
                    ..InvocationMetrics::default()
                };
                let body = data.trim_end().strip_suffix('}').unwrap();
                let event_json = format!(
                    "{body},\"amazon-bedrock-invocationMetrics\":{{\"inputTokenCount\":{},\"outputTokenCount\":{},\"invocationLatency\":{INVOCATION_LATENCY_MS},\"firstByteLatency\":{FIRST_BYTE_LATENCY_MS}}}}}",
                    usage.0, usage.1
                );
                out.push(ResponseEvent::Chunk {
                    event_json: event_json.into_bytes(),
                    metrics: Some(metrics),
                });
            }
            _ => out.push(ResponseEvent::Chunk {
                event_json: data.into_bytes(),
                metrics: None,
            }),
        }
    }
    out
}

/// The Anthropic decoder fed a Bedrock client's events (each named by its JSON `type`, as
/// Bedrock gives no SSE event name), up to the first exception.
fn decode_bedrock_events(events: &[ResponseEvent]) -> Vec<StreamChunk> {
    let mut decoder = Decoder::new(Provider::Anthropic);
    let mut out = Vec::new();
    for event in events {
        let ResponseEvent::Chunk { event_json, .. } = event else {
            break;
        };
        let data = std::str::from_utf8(event_json).unwrap();
        let json: Option<Value> = serde_json::from_str(data).ok();
        let name = json
            .as_ref()
            .and_then(|j| j["type"].as_str())
            .unwrap_or("message")
            .to_string();
        decoder.decode(&Event::new(&name, data));
        out.extend(std::iter::from_fn(|| decoder.next_chunk()));
    }
    decoder.finish(EndOfInput::default());
    out.extend(std::iter::from_fn(|| decoder.next_chunk()));
    out
}

/// `chunks` with the message of an error terminal chunk cleared.
fn without_error_messages(mut chunks: Vec<StreamChunk>) -> Vec<StreamChunk> {
    let outcome = chunks.last_mut().and_then(|chunk| match chunk {
        StreamChunk::Done(fin) => Some(&mut fin.outcome),
        _ => None,
    });
    if let Some(Err(error)) = outcome {
        error.message.clear();
    }
    chunks
}

#[test]
fn reframed_fixtures_decode_to_the_recorded_events() {
    let mut checked = 0;
    for path in fixtures(Provider::Anthropic) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let sse = std::fs::read(&path).unwrap();
        let wire = reframe_anthropic(&sse);
        let chunks = normalize(Provider::Anthropic, &sse, Split::Whole);
        // The counts of `message_start` and the last `message_delta`: the normalizer's usage,
        // when the recording ends normally.
        let mut usage = (0, 0);
        for (_, data) in sse_events(&sse) {
            let Ok(json) = serde_json::from_str::<Value>(&data) else {
                continue;
            };
            let counts = match json["type"].as_str() {
                Some("message_start") => &json["message"]["usage"],
                Some("message_delta") => &json["usage"],
                _ => continue,
            };
            usage.0 = counts["input_tokens"].as_u64().unwrap_or(usage.0);
            usage.1 = counts["output_tokens"].as_u64().unwrap_or(usage.1);
        }
        match chunks.last() {
            Some(StreamChunk::Done(fin)) if fin.is_success() => {
                let u = fin.usage.expect("usage");
                assert_eq!((u.input_tokens, u.output_tokens), usage, "{name}");
            }
            Some(StreamChunk::Done(_)) => {}
            other => panic!("{name}: no terminal chunk: {other:?}"),
        }
        let expected = expected_events(&sse, usage);
        for split in Split::ALL {
            assert_eq!(
                show(&bedrock_events(&wire, split)),
                show(&expected),
                "{name}, {split:?}"
            );
        }
        assert_eq!(bedrock_events(&wire, Split::Whole), expected, "{name}");

        // The Anthropic decoder makes the same chunks of the recovered events as of the SSE
        // recording, but for how the stream ends where Bedrock ends it differently: an error
        // becomes an exception (which a Bedrock decoder turns into the error terminal chunk),
        // and an event cut short by the end of a recording is not re-framed at all.
        let from_bedrock = decode_bedrock_events(&expected);
        let ends_early = expected
            .iter()
            .any(|e| matches!(e, ResponseEvent::Exception { .. }))
            || !sse.ends_with(b"\n\n");
        if ends_early {
            let n = (chunks.len() - 1).min(from_bedrock.len() - 1);
            assert_eq!(from_bedrock[..n], chunks[..n], "{name}");
        } else {
            // An undecodable event's error names its SSE event type, which Bedrock does not
            // have: the messages may differ, nothing else.
            assert_eq!(
                without_error_messages(from_bedrock),
                without_error_messages(chunks),
                "{name}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fixtures");
}

/// The Anthropic recordings that Bedrock and Vertex AI fixtures are made of: Bedrock's are their
/// re-framing, Vertex AI's the same bytes (Claude on Vertex streams Anthropic's events).
const BEDROCK_FIXTURES: [&str; 12] = [
    "text",
    "tool_use",
    "parallel_tools",
    "thinking",
    "redacted_thinking",
    "max_tokens",
    "refusal",
    "web_search",
    "prompt_cache",
    "error_mid_stream",
    "invalid_json",
    "truncated",
];
const VERTEX_FIXTURES: [&str; 6] = [
    "text",
    "tool_use",
    "thinking",
    "prompt_cache",
    "error_mid_stream",
    "truncated",
];

/// `tests/fixtures/bedrock/*.eventstream` are exactly the re-framed Anthropic recordings, and
/// `tests/fixtures/vertex/*.sse` exactly the Anthropic recordings (`BLESS=1` writes them).
#[test]
fn the_platform_fixtures_are_made_of_the_anthropic_recordings() {
    let dir = llm_sse_tests::fixtures_dir();
    let bless = std::env::var_os("BLESS").is_some();
    let mut expected = Vec::new();
    for name in BEDROCK_FIXTURES {
        let sse = std::fs::read(dir.join(format!("anthropic/{name}.sse"))).unwrap();
        expected.push((
            dir.join(format!("bedrock/{name}.eventstream")),
            reframe_anthropic(&sse),
        ));
    }
    for name in VERTEX_FIXTURES {
        let sse = std::fs::read(dir.join(format!("anthropic/{name}.sse"))).unwrap();
        expected.push((dir.join(format!("vertex/{name}.sse")), sse));
    }
    for (path, bytes) in expected {
        if bless && std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            eprintln!("blessed {}", path.display());
        }
        let got = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            got == bytes,
            "{} differs from its source recording",
            path.display()
        );
    }
}

/// What a mock Bedrock serves for an Anthropic recording
/// (`Framing::frame_recording`) is the Bedrock fixture made of it; a Bedrock recording is served
/// as it is.
#[test]
fn a_mock_bedrock_frames_an_anthropic_recording_as_the_fixture() {
    use llm_sse_core::provider::Framing;
    let dir = llm_sse_tests::fixtures_dir();
    for name in BEDROCK_FIXTURES {
        let sse = std::fs::read(dir.join(format!("anthropic/{name}.sse"))).unwrap();
        let wire = std::fs::read(dir.join(format!("bedrock/{name}.eventstream"))).unwrap();
        let framing = Provider::Bedrock.spec().framing;
        assert_eq!(framing, Framing::BedrockEventStream);
        assert_eq!(
            framing.frame_recording(&sse).as_deref(),
            Some(&wire[..]),
            "{name}"
        );
        assert_eq!(framing.frame_recording(&wire), None, "{name}");
        assert_eq!(Framing::Sse.frame_recording(&sse), None, "{name}");
    }
}
