//! The dialect encoders and non-streaming bodies: exact bytes for every kind of chunk, both ends
//! of a stream, the finish-reason and usage tables, and the rules the official SDKs' stream
//! accumulators rely on (checked here on hand-picked streams; `dialect_roundtrip.rs` checks them
//! on generated ones).

use llm_sse_core::dialect::{ErrorKind, ResponseMeta, anthropic, openai};
use llm_sse_core::{
    AccumulateError, Accumulator, Finish, FinishReason, Provider, StreamChunk, StreamError,
    StreamErrorKind, ToolCallArguments, ToolCallStart, Usage,
};

fn meta() -> ResponseMeta {
    ResponseMeta::new("chatcmpl-9", "gpt-x", 1_700_000_000)
}

fn token(text: &str) -> StreamChunk {
    StreamChunk::Token(text.into())
}

fn start(index: u32, id: Option<&str>, name: &str, arguments: &str) -> StreamChunk {
    StreamChunk::ToolCallStart(ToolCallStart {
        index,
        id: id.map(Into::into),
        name: name.into(),
        arguments: arguments.into(),
    })
}

fn args(index: u32, fragment: &str) -> StreamChunk {
    StreamChunk::ToolCallArguments(ToolCallArguments {
        index,
        fragment: fragment.into(),
    })
}

fn finish(
    provider: Provider,
    reason: FinishReason,
    raw: Option<&str>,
    usage: Option<Usage>,
) -> Finish {
    Finish {
        provider,
        id: Some("provider-id".into()),
        model: Some("provider-model".into()),
        outcome: Ok(reason),
        provider_finish_reason: raw.map(Into::into),
        usage,
    }
}

fn done(fin: Finish) -> StreamChunk {
    StreamChunk::Done(Box::new(fin))
}

fn failed(kind: StreamErrorKind, message: &str) -> StreamChunk {
    done(Finish {
        outcome: Err(StreamError::new(kind, message)),
        ..finish(Provider::Anthropic, FinishReason::Stop, None, None)
    })
}

fn usage(input: u64, output: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    }
}

fn openai_stream(chunks: &[StreamChunk], include_usage: bool) -> String {
    let mut encoder = openai::Encoder::new(meta(), include_usage);
    let mut out = Vec::new();
    for chunk in chunks {
        encoder.push(chunk, &mut out);
    }
    String::from_utf8(out).unwrap()
}

fn anthropic_stream(chunks: &[StreamChunk]) -> String {
    let mut encoder = anthropic::Encoder::new(ResponseMeta::new("msg_9", "claude-x", 0));
    let mut out = Vec::new();
    for chunk in chunks {
        encoder.push(chunk, &mut out);
    }
    String::from_utf8(out).unwrap()
}

/// One OpenAI chunk of the test meta: `data: {... "choices":[{"index":0,"delta":DELTA,"finish_reason":FINISH}]}`.
fn chunk(delta: &str, finish_reason: &str) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\
         \"model\":\"gpt-x\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":{finish_reason}}}]}}\n\n"
    )
}

/// An OpenAI chunk with no choices and `rest` (`"usage":...`, `"error":...`).
fn bare(rest: &str) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\
         \"model\":\"gpt-x\",\"choices\":[],{rest}}}\n\n"
    )
}

const ROLE: &str = r#"{"role":"assistant","content":""}"#;
const DONE: &str = "data: [DONE]\n\n";

/// One Anthropic event.
fn event(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn message_start() -> String {
    event(
        "message_start",
        r#"{"type":"message_start","message":{"id":"msg_9","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#,
    )
}

fn block_start(index: u32, block: &str) -> String {
    event(
        "content_block_start",
        &format!(r#"{{"type":"content_block_start","index":{index},"content_block":{block}}}"#),
    )
}

fn block_delta(index: u32, delta: &str) -> String {
    event(
        "content_block_delta",
        &format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#),
    )
}

fn block_stop(index: u32) -> String {
    event(
        "content_block_stop",
        &format!(r#"{{"type":"content_block_stop","index":{index}}}"#),
    )
}

fn message_end(stop_reason: &str, usage: &str) -> String {
    event(
        "message_delta",
        &format!(
            r#"{{"type":"message_delta","delta":{{"stop_reason":"{stop_reason}","stop_sequence":null}},"usage":{usage}}}"#
        ),
    ) + &event("message_stop", r#"{"type":"message_stop"}"#)
}

// ---- OpenAI ----

#[test]
fn openai_text_reasoning_and_the_usage_chunk() {
    let cached = Usage {
        input_tokens: 10,
        output_tokens: 7,
        cache_read_input_tokens: Some(4),
        cache_creation_input_tokens: Some(2),
        reasoning_tokens: Some(3),
    };
    let chunks = [
        StreamChunk::Reasoning("Hmm".into()),
        token("Hel"),
        token("lo \"\n✓"),
        done(finish(
            Provider::Anthropic,
            FinishReason::Stop,
            Some("end_turn"),
            Some(cached),
        )),
    ];
    let expected = [
        chunk(ROLE, "null"),
        chunk(r#"{"reasoning_content":"Hmm"}"#, "null"),
        chunk(r#"{"content":"Hel"}"#, "null"),
        chunk(r#"{"content":"lo \"\n✓"}"#, "null"),
        chunk("{}", "\"stop\""),
        // Anthropic counts cache reads and writes apart from input_tokens; OpenAI includes them.
        bare(
            r#""usage":{"prompt_tokens":16,"completion_tokens":7,"total_tokens":23,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":3}}"#,
        ),
        DONE.into(),
    ]
    .concat();
    assert_eq!(openai_stream(&chunks, true), expected);
    // Without include_usage, no usage chunk.
    let without: String = expected
        .split_inclusive("\n\n")
        .filter(|event| !event.contains("\"usage\""))
        .collect();
    assert_eq!(openai_stream(&chunks, false), without);
}

#[test]
fn openai_usage_of_providers_that_count_cached_tokens_in_the_prompt() {
    let gemini = Usage {
        input_tokens: 10,
        output_tokens: 7,
        cache_read_input_tokens: Some(4),
        cache_creation_input_tokens: None,
        reasoning_tokens: None,
    };
    let out = openai_stream(
        &[done(finish(
            Provider::Gemini,
            FinishReason::Stop,
            Some("STOP"),
            Some(gemini),
        ))],
        true,
    );
    assert!(out.contains(
        r#""usage":{"prompt_tokens":10,"completion_tokens":7,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4}}"#
    ));
    // A provider that reported no usage: no usage chunk, even when asked.
    let out = openai_stream(
        &[done(finish(
            Provider::OpenAi,
            FinishReason::Stop,
            None,
            None,
        ))],
        true,
    );
    assert_eq!(
        out,
        [chunk(ROLE, "null"), chunk("{}", "\"stop\""), DONE.into()].concat()
    );
}

#[test]
fn openai_tool_calls_carry_index_id_and_type_on_the_first_piece_only() {
    let chunks = [
        start(0, Some("call_a"), "f", ""),
        start(1, None, "g", "{\"x\":"),
        args(0, "{}"),
        args(1, "1}"),
        // Neither a second start nor fragments of a call never started can repeat an id.
        start(1, Some("other"), "g", " "),
        args(7, "lost"),
        done(finish(
            Provider::Gemini,
            FinishReason::ToolCalls,
            Some("STOP"),
            None,
        )),
    ];
    let expected = [
        chunk(ROLE, "null"),
        chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"f","arguments":""}}]}"#,
            "null",
        ),
        chunk(
            r#"{"tool_calls":[{"index":1,"id":"call_chatcmpl-9_1","type":"function","function":{"name":"g","arguments":"{\"x\":"}}]}"#,
            "null",
        ),
        chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#, "null"),
        chunk(r#"{"tool_calls":[{"index":1,"function":{"arguments":"1}"}}]}"#, "null"),
        chunk(r#"{"tool_calls":[{"index":1,"function":{"arguments":" "}}]}"#, "null"),
        chunk("{}", "\"tool_calls\""),
        DONE.into(),
    ]
    .concat();
    assert_eq!(openai_stream(&chunks, false), expected);
}

#[test]
fn openai_chunks_without_a_field_write_nothing() {
    let chunks = [
        StreamChunk::ReasoningSignature("sig".into()),
        StreamChunk::RedactedReasoning("data".into()),
        StreamChunk::BlockBreak,
        token(""),
        StreamChunk::Reasoning(String::new()),
    ];
    let mut encoder = openai::Encoder::new(meta(), true);
    let mut out = Vec::new();
    for c in &chunks {
        assert_eq!(encoder.push(c, &mut out), 0, "{c:?}");
    }
    assert!(out.is_empty());
}

#[test]
fn openai_errors_end_with_an_error_chunk_then_done() {
    let out = openai_stream(
        &[
            token("Hi"),
            failed(
                StreamErrorKind::Provider("overloaded_error".into()),
                "Overloaded",
            ),
            token("after"),
        ],
        false,
    );
    let expected = [
        chunk(ROLE, "null"),
        chunk(r#"{"content":"Hi"}"#, "null"),
        bare(r#""error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":null}"#),
        DONE.into(),
    ]
    .concat();
    assert_eq!(out, expected);
    // A stream that fails at once: no role chunk; our own error types pass as they are.
    let out = openai_stream(
        &[failed(StreamErrorKind::IdleTimeout, "no bytes for 60 s")],
        false,
    );
    assert_eq!(
        out,
        bare(
            r#""error":{"message":"no bytes for 60 s","type":"idle_timeout","param":null,"code":null}"#
        ) + DONE
    );
    // With include_usage, the usage so far rides on the error chunk.
    let fin = Finish {
        outcome: Err(StreamError::new(StreamErrorKind::ConnectionError, "reset")),
        ..finish(
            Provider::OpenAi,
            FinishReason::Stop,
            None,
            Some(usage(5, 1)),
        )
    };
    let out = openai_stream(&[done(fin)], true);
    assert_eq!(
        out,
        bare(
            r#""usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6},"error":{"message":"reset","type":"connection_error","param":null,"code":null}"#
        ) + DONE
    );
}

#[test]
fn openai_finish_keepalive_and_nothing_after_the_end() {
    let mut encoder = openai::Encoder::new(meta(), false);
    let mut out = Vec::new();
    encoder.keepalive(&mut out);
    assert_eq!(out, b": ping\n\n");
    out.clear();
    encoder.push(&token("Hi"), &mut out);
    out.clear();
    assert!(!encoder.is_done());
    let n = encoder.finish(&mut out);
    assert_eq!(n, out.len());
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        bare(
            r#""error":{"message":"the stream ended without its terminal chunk","type":"incomplete_stream","param":null,"code":null}"#
        ) + DONE
    );
    assert!(encoder.is_done());
    out.clear();
    assert_eq!(encoder.finish(&mut out), 0);
    assert_eq!(encoder.push(&token("late"), &mut out), 0);
    assert_eq!(
        encoder.push(
            &done(finish(Provider::OpenAi, FinishReason::Stop, None, None)),
            &mut out
        ),
        0
    );
    encoder.keepalive(&mut out);
    assert!(out.is_empty());
}

#[test]
fn openai_finish_reasons() {
    for (reason, wire) in [
        (FinishReason::Stop, "stop"),
        (FinishReason::Length, "length"),
        (FinishReason::StopSequence, "stop"),
        (FinishReason::ToolCalls, "tool_calls"),
        (FinishReason::ContentFilter, "content_filter"),
        (FinishReason::PauseTurn, "length"),
        (FinishReason::Other, "stop"),
    ] {
        // Whatever the provider's own value: OpenAI clients get one they know.
        for provider in Provider::ALL {
            let out = openai_stream(
                &[done(finish(provider, reason, Some("WEIRD"), None))],
                false,
            );
            assert!(
                out.contains(&format!(r#""finish_reason":"{wire}"}}]}}"#)),
                "{reason} from {provider}: {out}"
            );
        }
    }
}

// ---- Anthropic ----

#[test]
fn anthropic_every_block_kind() {
    let cached = Usage {
        input_tokens: 100,
        output_tokens: 20,
        cache_read_input_tokens: Some(30),
        cache_creation_input_tokens: None,
        reasoning_tokens: Some(9),
    };
    let chunks = [
        StreamChunk::Reasoning("Think".into()),
        StreamChunk::Reasoning("ing".into()),
        StreamChunk::ReasoningSignature("sig-1".into()),
        token("Answer"),
        StreamChunk::BlockBreak,
        token("Next paragraph"),
        StreamChunk::RedactedReasoning("opaque".into()),
        start(0, Some("toolu_1"), "f", "{\"a\":"),
        args(0, "1}"),
        start(1, None, "g", ""),
        done(finish(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
            Some(cached),
        )),
    ];
    let expected = [
        message_start(),
        block_start(0, r#"{"type":"thinking","thinking":"","signature":""}"#),
        block_delta(0, r#"{"type":"thinking_delta","thinking":"Think"}"#),
        block_delta(0, r#"{"type":"thinking_delta","thinking":"ing"}"#),
        block_delta(0, r#"{"type":"signature_delta","signature":"sig-1"}"#),
        block_stop(0),
        block_start(1, r#"{"type":"text","text":""}"#),
        block_delta(1, r#"{"type":"text_delta","text":"Answer"}"#),
        block_stop(1),
        block_start(2, r#"{"type":"text","text":""}"#),
        block_delta(2, r#"{"type":"text_delta","text":"Next paragraph"}"#),
        block_stop(2),
        block_start(3, r#"{"type":"redacted_thinking","data":"opaque"}"#),
        block_stop(3),
        block_start(
            4,
            r#"{"type":"tool_use","id":"toolu_1","name":"f","input":{}}"#,
        ),
        block_delta(4, r#"{"type":"input_json_delta","partial_json":"{\"a\":"}"#),
        block_delta(4, r#"{"type":"input_json_delta","partial_json":"1}"}"#),
        block_start(
            5,
            r#"{"type":"tool_use","id":"call_msg_9_1","name":"g","input":{}}"#,
        ),
        block_stop(4),
        block_stop(5),
        // OpenAI counts cached tokens in the prompt; Anthropic does not.
        message_end(
            "tool_use",
            r#"{"input_tokens":70,"cache_read_input_tokens":30,"output_tokens":20}"#,
        ),
    ]
    .concat();
    assert_eq!(anthropic_stream(&chunks), expected);
}

#[test]
fn anthropic_a_signature_without_thinking_text_gets_a_block_of_its_own() {
    let chunks = [
        start(0, None, "f", "{}"),
        StreamChunk::ReasoningSignature("gemini-sig".into()),
        token("x"),
        StreamChunk::ReasoningSignature("sig-2".into()),
        done(finish(
            Provider::Gemini,
            FinishReason::Stop,
            Some("STOP"),
            None,
        )),
    ];
    let expected = [
        message_start(),
        block_start(
            0,
            r#"{"type":"tool_use","id":"call_msg_9_0","name":"f","input":{}}"#,
        ),
        block_delta(0, r#"{"type":"input_json_delta","partial_json":"{}"}"#),
        block_start(1, r#"{"type":"thinking","thinking":"","signature":""}"#),
        block_delta(1, r#"{"type":"signature_delta","signature":"gemini-sig"}"#),
        block_stop(1),
        block_start(2, r#"{"type":"text","text":""}"#),
        block_delta(2, r#"{"type":"text_delta","text":"x"}"#),
        block_stop(2),
        block_start(3, r#"{"type":"thinking","thinking":"","signature":""}"#),
        block_delta(3, r#"{"type":"signature_delta","signature":"sig-2"}"#),
        block_stop(3),
        block_stop(0),
        // No usage reported: the required counts are zeros.
        message_end("end_turn", r#"{"input_tokens":0,"output_tokens":0}"#),
    ]
    .concat();
    assert_eq!(anthropic_stream(&chunks), expected);
}

#[test]
fn anthropic_interleaved_tool_calls_keep_their_blocks_open() {
    let chunks = [
        start(0, Some("a"), "f", ""),
        start(1, Some("b"), "g", ""),
        args(1, "{\"y\":2}"),
        args(0, "{\"x\":1}"),
        args(9, "lost"),
        done(finish(
            Provider::OpenAi,
            FinishReason::ToolCalls,
            Some("tool_calls"),
            Some(usage(3, 4)),
        )),
    ];
    let expected = [
        message_start(),
        block_start(0, r#"{"type":"tool_use","id":"a","name":"f","input":{}}"#),
        block_start(1, r#"{"type":"tool_use","id":"b","name":"g","input":{}}"#),
        block_delta(
            1,
            r#"{"type":"input_json_delta","partial_json":"{\"y\":2}"}"#,
        ),
        block_delta(
            0,
            r#"{"type":"input_json_delta","partial_json":"{\"x\":1}"}"#,
        ),
        block_stop(0),
        block_stop(1),
        message_end("tool_use", r#"{"input_tokens":3,"output_tokens":4}"#),
    ]
    .concat();
    assert_eq!(anthropic_stream(&chunks), expected);
}

#[test]
fn anthropic_errors_are_error_events_and_nothing_after() {
    let out = anthropic_stream(&[
        token("Hi"),
        failed(
            StreamErrorKind::Provider("overloaded_error".into()),
            "Overloaded",
        ),
        token("late"),
    ]);
    let expected = [
        message_start(),
        block_start(0, r#"{"type":"text","text":""}"#),
        block_delta(0, r#"{"type":"text_delta","text":"Hi"}"#),
        event(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ),
    ]
    .concat();
    assert_eq!(out, expected);
    // A stream that fails at once is one error event, as Anthropic sends it.
    assert_eq!(
        anthropic_stream(&[failed(StreamErrorKind::InvalidEvent, "bad")]),
        event(
            "error",
            r#"{"type":"error","error":{"type":"invalid_event","message":"bad"}}"#
        )
    );
}

#[test]
fn anthropic_finish_keepalive_and_nothing_after_the_end() {
    let mut encoder = anthropic::Encoder::new(ResponseMeta::new("msg_9", "claude-x", 0));
    let mut out = Vec::new();
    encoder.keepalive(&mut out);
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        event("ping", r#"{"type":"ping"}"#)
    );
    out.clear();
    let n = encoder.finish(&mut out);
    assert_eq!(n, out.len());
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        event(
            "error",
            r#"{"type":"error","error":{"type":"incomplete_stream","message":"the stream ended without its terminal chunk"}}"#
        )
    );
    out.clear();
    assert!(encoder.is_done());
    assert_eq!(encoder.finish(&mut out), 0);
    assert_eq!(encoder.push(&token("late"), &mut out), 0);
    encoder.keepalive(&mut out);
    assert!(out.is_empty());
    // An empty stream that ends normally is a whole, empty message.
    assert_eq!(
        anthropic_stream(&[done(finish(
            Provider::Anthropic,
            FinishReason::Stop,
            Some("end_turn"),
            None
        ))]),
        message_start() + &message_end("end_turn", r#"{"input_tokens":0,"output_tokens":0}"#)
    );
}

#[test]
fn anthropic_stop_reasons() {
    for (reason, wire) in [
        (FinishReason::Stop, "end_turn"),
        (FinishReason::Length, "max_tokens"),
        (FinishReason::StopSequence, "stop_sequence"),
        (FinishReason::ToolCalls, "tool_use"),
        (FinishReason::ContentFilter, "refusal"),
        (FinishReason::PauseTurn, "pause_turn"),
        (FinishReason::Other, "end_turn"),
    ] {
        for provider in [Provider::OpenAi, Provider::Gemini] {
            let out = anthropic_stream(&[done(finish(provider, reason, Some("RAW"), None))]);
            assert!(
                out.contains(&format!(r#""stop_reason":"{wire}""#)),
                "{reason} from {provider}: {out}"
            );
        }
        // A stream from Anthropic keeps Anthropic's own value; without one, the table's.
        let out = anthropic_stream(&[done(finish(Provider::Anthropic, reason, None, None))]);
        assert!(out.contains(&format!(r#""stop_reason":"{wire}""#)));
    }
    let out = anthropic_stream(&[done(finish(
        Provider::Anthropic,
        FinishReason::Length,
        Some("model_context_window_exceeded"),
        None,
    ))]);
    assert!(out.contains(r#""stop_reason":"model_context_window_exceeded""#));
}

// ---- Non-streaming bodies ----

fn folded(chunks: &[StreamChunk]) -> Result<llm_sse_core::Message, AccumulateError> {
    let mut accumulator = Accumulator::new();
    accumulator.extend(chunks);
    accumulator.finish()
}

#[test]
fn non_streaming_bodies_of_a_whole_message() {
    let chunks = [
        StreamChunk::Reasoning("Think.".into()),
        StreamChunk::ReasoningSignature("sig".into()),
        StreamChunk::RedactedReasoning("opaque".into()),
        token("Par"),
        token("is."),
        start(0, Some("toolu_1"), "f", "{\"a\": 1}"),
        start(1, None, "g", ""),
        args(1, "{}"),
        done(finish(
            Provider::Anthropic,
            FinishReason::ToolCalls,
            Some("tool_use"),
            Some(Usage {
                cache_creation_input_tokens: Some(5),
                ..usage(10, 20)
            }),
        )),
    ];
    let message = folded(&chunks);
    let openai = openai::non_streaming_body(&meta(), &message).unwrap();
    assert_eq!(
        String::from_utf8(openai).unwrap(),
        concat!(
            r#"{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-x","#,
            r#""choices":[{"index":0,"message":{"role":"assistant","content":"Paris.","reasoning_content":"Think.","#,
            r#""tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\"a\": 1}"}},"#,
            r#"{"id":"call_chatcmpl-9_1","type":"function","function":{"name":"g","arguments":"{}"}}]},"#,
            r#""finish_reason":"tool_calls"}],"#,
            r#""usage":{"prompt_tokens":15,"completion_tokens":20,"total_tokens":35}}"#,
        )
    );
    let anthropic_meta = ResponseMeta::new("msg_9", "claude-x", 0);
    let body = anthropic::non_streaming_body(&anthropic_meta, &message).unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        concat!(
            r#"{"id":"msg_9","type":"message","role":"assistant","model":"claude-x","content":["#,
            r#"{"type":"thinking","thinking":"Think.","signature":"sig"},"#,
            r#"{"type":"redacted_thinking","data":"opaque"},"#,
            r#"{"type":"text","text":"Paris."},"#,
            r#"{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}},"#,
            r#"{"type":"tool_use","id":"call_msg_9_1","name":"g","input":{}}],"#,
            r#""stop_reason":"tool_use","stop_sequence":null,"#,
            r#""usage":{"input_tokens":10,"cache_creation_input_tokens":5,"output_tokens":20}}"#,
        )
    );
}

#[test]
fn non_streaming_bodies_of_an_empty_answer() {
    let message = folded(&[done(finish(
        Provider::Gemini,
        FinishReason::Other,
        Some("OTHER"),
        None,
    ))]);
    let openai = String::from_utf8(openai::non_streaming_body(&meta(), &message).unwrap()).unwrap();
    assert_eq!(
        openai,
        r#"{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-x","choices":[{"index":0,"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}"#
    );
    let body = anthropic::non_streaming_body(&meta(), &message).unwrap();
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"id":"chatcmpl-9","type":"message","role":"assistant","model":"gpt-x","content":[],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}"#
    );
}

#[test]
fn non_streaming_errors() {
    // A failed stream: the gateway's answer to the status its error stands for (`overloaded_error`,
    // 529: 503), in each dialect's shape.
    let result = folded(&[
        token("Hi"),
        failed(
            StreamErrorKind::Provider("overloaded_error".into()),
            "Overloaded",
        ),
    ]);
    let e = anthropic::non_streaming_body(&meta(), &result).unwrap_err();
    assert_eq!((e.status, e.kind), (503, ErrorKind::Stream));
    assert_eq!(
        String::from_utf8(e.to_body()).unwrap(),
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
    );
    let e = openai::non_streaming_body(&meta(), &result).unwrap_err();
    assert_eq!(
        String::from_utf8(e.to_body()).unwrap(),
        r#"{"error":{"message":"overloaded_error: Overloaded","type":"server_error","param":null,"code":null}}"#
    );
    // A timeout is a gateway timeout.
    let result = folded(&[failed(StreamErrorKind::IdleTimeout, "quiet")]);
    assert_eq!(
        openai::non_streaming_body(&meta(), &result)
            .unwrap_err()
            .status,
        504
    );
    // Tool-call arguments that are not JSON: the provider's output is unusable.
    let result = folded(&[
        start(0, Some("a"), "f", "{\"x\":"),
        done(finish(
            Provider::OpenAi,
            FinishReason::Length,
            Some("length"),
            None,
        )),
    ]);
    let e = anthropic::non_streaming_body(&meta(), &result).unwrap_err();
    assert_eq!((e.status, e.error_type.as_str()), (502, "api_error"));
    assert!(
        e.message
            .starts_with("invalid_event: tool call 0 (id a, name f)"),
        "{}",
        e.message
    );
    // A stream that was never finished: the caller's bug.
    let result = folded(&[token("Hi")]);
    let e = openai::non_streaming_body(&meta(), &result).unwrap_err();
    assert_eq!((e.status, e.error_type.as_str()), (500, "server_error"));
}
