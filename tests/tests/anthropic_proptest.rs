//! Property test: random valid Anthropic streams normalize to exactly the generated content.
//!
//! Each case generates a message of text, thinking and tool-use blocks (random text with unicode,
//! quotes, backslashes and line breaks split into random deltas; random tool JSON split at random
//! char boundaries, across several tool blocks), writes it as an Anthropic event stream with
//! random line ends, pings and optional `event:` lines, feeds it in random chunks, and checks:
//! the tokens concatenate to the generated text, the reasoning to the generated thinking, each
//! tool call's argument fragments to its generated JSON, exactly one terminal chunk comes last,
//! and the frame bytes parse back (with the crate's own SSE parser) to one event per frame whose
//! data is the chunk's JSON, then `[DONE]`.

use llm_sse_core::sse::{Parsed, Parser};
use llm_sse_core::{FinishReason, Provider, StreamChunk, Usage};
use llm_sse_tests::{Split, normalize};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One generated content block.
#[derive(Debug, Clone)]
enum Block {
    /// Text split into deltas.
    Text(Vec<String>),
    /// Thinking text split into deltas, then a signature.
    Thinking(Vec<String>, String),
    /// A tool call: its id, name, the full JSON arguments and the fragments they stream in
    /// (empty: nothing streams and the decoder must supply `{}`).
    Tool {
        id: String,
        name: String,
        json: String,
        fragments: Vec<String>,
    },
}

/// A generated stream and how to write it.
#[derive(Debug, Clone)]
struct Case {
    blocks: Vec<Block>,
    input_tokens: u64,
    output_tokens: u64,
    stop_reason: &'static str,
    line_end: &'static str,
    event_names: bool,
    /// Insert a ping before the block with this position (if in range).
    ping_at: usize,
    seed: u64,
}

fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => prop::sample::select(vec!['"', '\\', '\n', '\r', '\t', '/', '\u{0}', '\u{1f}', '\u{7f}', 'é', '😀', '\u{2028}', '\u{feff}', '{', '}', ' ']),
        3 => prop::char::range('a', 'z'),
    ]
}

fn tricky_text() -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..40).prop_map(|chars| chars.into_iter().collect())
}

/// Splits `s` at the given positions, moved down to char boundaries; may produce empty pieces
/// (which the decoder must not turn into frames).
fn split_at(s: &str, cuts: &[usize]) -> Vec<String> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| {
            let mut c = c % (s.len() + 1);
            while !s.is_char_boundary(c) {
                c -= 1;
            }
            c
        })
        .collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut last = 0;
    for p in points {
        pieces.push(s[last..p].to_string());
        last = p;
    }
    pieces.push(s[last..].to_string());
    pieces
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        tricky_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(tricky_text(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn tool_json() -> impl Strategy<Value = String> {
    prop::collection::btree_map(tricky_text(), json_value(), 0..4)
        .prop_map(|m| serde_json::to_string(&Value::Object(m.into_iter().collect())).unwrap())
}

fn block() -> impl Strategy<Value = Block> {
    let cuts = || prop::collection::vec(any::<usize>(), 0..8);
    prop_oneof![
        4 => (tricky_text(), cuts()).prop_map(|(t, c)| Block::Text(split_at(&t, &c))),
        1 => (tricky_text(), cuts(), "[A-Za-z0-9+/]{1,40}")
            .prop_map(|(t, c, sig)| Block::Thinking(split_at(&t, &c), sig)),
        3 => ("[A-Za-z0-9]{1,24}", "[a-z_]{1,16}", tool_json(), cuts(), any::<bool>()).prop_map(
            |(id, name, json, c, stream_nothing)| {
                let fragments = if stream_nothing && json == "{}" {
                    // Nothing streams, or only empty fragments: `{}` must come at the stop.
                    vec![String::new(); c.len() % 3]
                } else {
                    split_at(&json, &c)
                };
                Block::Tool { id: format!("toolu_{id}"), name, json, fragments }
            }
        ),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(block(), 0..6),
        0u64..100_000,
        0u64..100_000,
        prop::sample::select(vec!["end_turn", "tool_use", "max_tokens", "stop_sequence"]),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        any::<bool>(),
        0usize..8,
        any::<u64>(),
    )
        .prop_map(
            |(
                blocks,
                input_tokens,
                output_tokens,
                stop_reason,
                line_end,
                event_names,
                ping_at,
                seed,
            )| Case {
                blocks,
                input_tokens,
                output_tokens,
                stop_reason,
                line_end,
                event_names,
                ping_at,
                seed,
            },
        )
}

/// Writes the case as an Anthropic event stream.
fn render(case: &Case) -> Vec<u8> {
    let mut out = String::new();
    let mut event = |value: Value| {
        let name = value["type"].as_str().unwrap().to_string();
        if case.event_names {
            out.push_str(&format!("event: {name}{}", case.line_end));
        }
        let data = serde_json::to_string(&value).unwrap();
        out.push_str(&format!("data: {data}{0}{0}", case.line_end));
    };
    event(json!({"type": "message_start", "message": {
        "id": "msg_01PropTest", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": case.input_tokens, "output_tokens": 1}}}));
    for (index, block) in case.blocks.iter().enumerate() {
        if index == case.ping_at {
            event(json!({"type": "ping"}));
        }
        let delta =
            |delta: Value| json!({"type": "content_block_delta", "index": index, "delta": delta});
        match block {
            Block::Text(pieces) => {
                event(
                    json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
                );
                for p in pieces {
                    event(delta(json!({"type": "text_delta", "text": p})));
                }
            }
            Block::Thinking(pieces, signature) => {
                event(
                    json!({"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                );
                for p in pieces {
                    event(delta(json!({"type": "thinking_delta", "thinking": p})));
                }
                event(delta(
                    json!({"type": "signature_delta", "signature": signature}),
                ));
            }
            Block::Tool {
                id,
                name,
                fragments,
                ..
            } => {
                event(
                    json!({"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
                );
                for f in fragments {
                    event(delta(
                        json!({"type": "input_json_delta", "partial_json": f}),
                    ));
                }
            }
        }
        event(json!({"type": "content_block_stop", "index": index}));
    }
    event(
        json!({"type": "message_delta", "delta": {"stop_reason": case.stop_reason, "stop_sequence": null}, "usage": {"output_tokens": case.output_tokens}}),
    );
    event(json!({"type": "message_stop"}));
    out.into_bytes()
}

fn check(case: &Case, chunks: &[StreamChunk]) -> Result<(), TestCaseError> {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut signatures = Vec::new();
    let mut tools: Vec<(String, String, String)> = Vec::new();
    for chunk in &chunks[..chunks.len().saturating_sub(1)] {
        match chunk {
            StreamChunk::Token(t) => {
                prop_assert!(!t.is_empty(), "empty token frame");
                text.push_str(t);
            }
            StreamChunk::Reasoning(r) => {
                prop_assert!(!r.is_empty(), "empty reasoning frame");
                reasoning.push_str(r);
            }
            StreamChunk::ReasoningSignature(s) => signatures.push(s.clone()),
            StreamChunk::ToolCallStart(start) => {
                prop_assert_eq!(start.index as usize, tools.len(), "tool index out of order");
                prop_assert!(start.id.is_some(), "first piece {start:?}");
                tools.push((
                    start.id.clone().unwrap_or_default(),
                    start.name.clone(),
                    start.arguments.clone(),
                ));
            }
            StreamChunk::ToolCallArguments(args) => {
                let i = args.index as usize;
                prop_assert!(i < tools.len(), "tool index out of order: {args:?}");
                prop_assert!(!args.fragment.is_empty(), "empty arguments piece");
                tools[i].2.push_str(&args.fragment);
            }
            other => prop_assert!(false, "unexpected chunk {other:?}"),
        }
    }

    let mut want_text = String::new();
    let mut want_reasoning = String::new();
    let mut want_signatures = Vec::new();
    let mut want_tools = Vec::new();
    for block in &case.blocks {
        match block {
            Block::Text(pieces) => want_text.extend(pieces.iter().map(String::as_str)),
            Block::Thinking(pieces, sig) => {
                want_reasoning.extend(pieces.iter().map(String::as_str));
                want_signatures.push(sig.clone());
            }
            Block::Tool { id, name, json, .. } => {
                want_tools.push((id.clone(), name.clone(), json.clone()))
            }
        }
    }
    prop_assert_eq!(&text, &want_text);
    prop_assert_eq!(&reasoning, &want_reasoning);
    prop_assert_eq!(&signatures, &want_signatures);
    prop_assert_eq!(&tools, &want_tools);
    for (_, _, args) in &tools {
        prop_assert!(
            serde_json::from_str::<Value>(args).is_ok(),
            "arguments not JSON: {args}"
        );
    }

    prop_assert_eq!(chunks.iter().filter(|c| c.is_done()).count(), 1);
    let Some(StreamChunk::Done(fin)) = chunks.last() else {
        return Err(TestCaseError::fail("the last chunk is not terminal"));
    };
    let want_reason = match case.stop_reason {
        "end_turn" => FinishReason::Stop,
        "tool_use" => FinishReason::ToolCalls,
        "max_tokens" => FinishReason::Length,
        _ => FinishReason::StopSequence,
    };
    prop_assert_eq!(fin.finish_reason(), Some(want_reason));
    prop_assert_eq!(
        fin.provider_finish_reason.as_deref(),
        Some(case.stop_reason)
    );
    prop_assert_eq!(fin.id.as_deref(), Some("msg_01PropTest"));
    prop_assert_eq!(fin.model.as_deref(), Some("claude-sonnet-4-5"));
    prop_assert_eq!(
        fin.usage,
        Some(Usage {
            input_tokens: case.input_tokens,
            output_tokens: case.output_tokens,
            ..Usage::default()
        })
    );
    prop_assert!(fin.is_success());
    Ok(())
}

/// Encodes the chunks as frames, parses the bytes back with the SSE parser, and checks one event
/// per framed chunk carrying the chunk's JSON, then `[DONE]`.
fn check_frames_round_trip(chunks: &[StreamChunk], seed: u64) -> Result<(), TestCaseError> {
    let mut bytes = Vec::new();
    for chunk in chunks {
        llm_sse_core::frame::encode(chunk, &mut bytes);
    }
    let mut expected: Vec<String> = chunks
        .iter()
        .filter(|c| c.has_frame())
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    expected.push("[DONE]".to_string());

    let mut parser = Parser::new();
    let mut got = Vec::new();
    for piece in Split::Random(seed).chunks(&bytes) {
        parser.feed(piece);
        while let Some(item) = parser
            .next_event()
            .map_err(|e| TestCaseError::fail(format!("{e}")))?
        {
            match item {
                Parsed::Event(ev) => {
                    prop_assert_eq!(ev.event, "message");
                    got.push(ev.data.to_string());
                }
                Parsed::Retry(_) => prop_assert!(false, "unexpected retry"),
            }
        }
    }
    prop_assert!(parser.finish().is_clean());
    prop_assert_eq!(got, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_streams_normalize_exactly(case in case()) {
        let bytes = render(&case);
        let whole = normalize(Provider::Anthropic, &bytes, Split::Whole);
        check(&case, &whole)?;
        let split = normalize(Provider::Anthropic, &bytes, Split::Random(case.seed));
        prop_assert_eq!(&split, &whole);
        check_frames_round_trip(&whole, case.seed)?;
    }
}
