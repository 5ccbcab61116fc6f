//! The round-trip property of the clients' dialects: for any generated chunk stream (shaped like
//! a decoder's output), our OpenAI and Anthropic encodings follow the wire rules the official
//! SDKs' accumulators rely on, and decoding them with the existing OpenAI and Anthropic decoders
//! gives back the encoded chunks, except for exactly the lossy mappings the `dialect` module
//! documents (the oracle is `llm_sse_core::fuzzing::check_dialect_roundtrip`, shared with the
//! `dialect_roundtrip` fuzz target).
//!
//! The accumulated messages agree too: what a client's SDK folds from our stream is what the
//! gateway folded from the provider's, block for block.

use llm_sse_core::dialect::{ResponseMeta, anthropic, openai};
use llm_sse_core::fuzzing::check_dialect_roundtrip;
use llm_sse_core::{
    Accumulator, ContentBlock, Finish, FinishReason, Normalizer, PartialBlock, Provider,
    StreamChunk, StreamError, StreamErrorKind, ToolCallArguments, ToolCallStart, Usage,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// Text as providers send it: any characters, quotes, escapes, line ends, non-ASCII; never
/// empty.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z .,]{1,12}",
        "\\PC{1,8}",
        Just("\"quoted\" \\ back\nslash\r\n".to_string()),
        Just("\u{2028}✓ émoji 🦀".to_string()),
    ]
}

/// One content item; `Start` and `Fragment` are numbered by [`stream`].
#[derive(Debug, Clone)]
enum Item {
    Token(String),
    Reasoning(String),
    Signature(String),
    Redacted(String),
    Start {
        id: Option<String>,
        name: String,
        arguments: String,
    },
    /// Arguments of the call `n` modulo the calls started so far.
    Fragment(usize, String),
    Break,
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        3 => text().prop_map(Item::Token),
        2 => text().prop_map(Item::Reasoning),
        1 => "[A-Za-z0-9+/=]{1,40}".prop_map(Item::Signature),
        1 => "[A-Za-z0-9+/=]{1,40}".prop_map(Item::Redacted),
        2 => (
            proptest::option::of("[a-zA-Z0-9_:.-]{0,12}"),
            "[a-zA-Z_][a-zA-Z0-9_-]{0,20}",
            prop_oneof![Just(String::new()), Just("{".to_string()), Just("{\"a\": 1}".to_string())],
        )
            .prop_map(|(id, name, arguments)| Item::Start { id, name, arguments }),
        3 => (any::<usize>(), text()).prop_map(|(n, s)| Item::Fragment(n, s)),
        1 => Just(Item::Break),
    ]
}

fn reason() -> impl Strategy<Value = FinishReason> {
    prop_oneof![
        Just(FinishReason::Stop),
        Just(FinishReason::Length),
        Just(FinishReason::StopSequence),
        Just(FinishReason::ToolCalls),
        Just(FinishReason::ContentFilter),
        Just(FinishReason::PauseTurn),
        Just(FinishReason::Other),
    ]
}

fn usage() -> impl Strategy<Value = Usage> {
    (
        0u64..100_000,
        0u64..100_000,
        proptest::option::of(0u64..200_000),
        proptest::option::of(0u64..1000),
        proptest::option::of(0u64..1000),
    )
        .prop_map(|(input, output, read, write, reasoning)| Usage {
            input_tokens: input,
            output_tokens: output,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: write,
            reasoning_tokens: reasoning,
        })
}

fn error() -> impl Strategy<Value = StreamError> {
    let kind = prop_oneof![
        "[a-z_]{0,16}".prop_map(StreamErrorKind::Provider),
        Just(StreamErrorKind::IncompleteStream),
        Just(StreamErrorKind::InvalidEvent),
        Just(StreamErrorKind::ConnectionError),
        Just(StreamErrorKind::IdleTimeout),
    ];
    (kind, prop_oneof![Just(String::new()), text()]).prop_map(|(k, m)| StreamError::new(k, m))
}

fn finish() -> impl Strategy<Value = Finish> {
    let provider = prop_oneof![
        Just(Provider::Anthropic),
        Just(Provider::OpenAi),
        Just(Provider::Gemini)
    ];
    let raw = proptest::option::of(prop_oneof![
        Just("end_turn".to_string()),
        Just("tool_use".to_string()),
        Just("model_context_window_exceeded".to_string()),
        Just("stop".to_string()),
        Just("STOP".to_string()),
        "[a-z_]{0,12}",
    ]);
    (
        provider,
        reason(),
        raw,
        proptest::option::of(usage()),
        proptest::option::of(error()),
    )
        .prop_map(|(provider, reason, raw, usage, error)| Finish {
            provider,
            id: Some("provider-id".into()),
            model: Some("provider-model".into()),
            outcome: error.map_or(Ok(reason), Err),
            provider_finish_reason: raw,
            usage,
        })
}

/// A chunk stream like a decoder's: tool calls numbered 0, 1, ... in order of first appearance,
/// fragments only for started calls, one terminal chunk last (or, now and then, none).
fn stream() -> impl Strategy<Value = Vec<StreamChunk>> {
    (
        proptest::collection::vec(item(), 0..24),
        proptest::option::weighted(0.9, finish()),
    )
        .prop_map(|(items, fin)| {
            let mut calls = 0u32;
            let mut chunks = Vec::new();
            for item in items {
                chunks.push(match item {
                    Item::Token(t) => StreamChunk::Token(t),
                    Item::Reasoning(t) => StreamChunk::Reasoning(t),
                    Item::Signature(s) => StreamChunk::ReasoningSignature(s),
                    Item::Redacted(d) => StreamChunk::RedactedReasoning(d),
                    Item::Start {
                        id,
                        name,
                        arguments,
                    } => {
                        calls += 1;
                        StreamChunk::ToolCallStart(ToolCallStart {
                            index: calls - 1,
                            id,
                            name,
                            arguments,
                        })
                    }
                    Item::Fragment(_, _) if calls == 0 => continue,
                    Item::Fragment(n, fragment) => {
                        StreamChunk::ToolCallArguments(ToolCallArguments {
                            index: u32::try_from(n % calls as usize).unwrap(),
                            fragment,
                        })
                    }
                    Item::Break => StreamChunk::BlockBreak,
                });
            }
            if let Some(fin) = fin {
                chunks.push(StreamChunk::Done(Box::new(fin)));
            }
            chunks
        })
}

/// One folded block, in a form both dialects keep.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Text(String),
    Thinking(String, Option<String>),
    Redacted(String),
    /// Name and raw arguments (`""` read as `{}`, as the accumulator does).
    Call(String, String),
}

/// The blocks folded from `chunks` (the partial message's when the stream failed or a call's
/// arguments are not JSON), canonical: adjacent text joined, a thinking block without a
/// signature joined with the next thinking block. Without `signatures`, signatures and redacted
/// reasoning are dropped, as Chat Completions has no field for them.
fn blocks(chunks: &[StreamChunk], signatures: bool) -> Vec<Block> {
    let mut accumulator = Accumulator::new();
    accumulator.extend(chunks);
    let raw: Vec<Block> = match accumulator.finish() {
        Ok(message) => message
            .content
            .into_iter()
            .map(|block| match block {
                ContentBlock::Text(t) => Block::Text(t),
                ContentBlock::Thinking {
                    thinking,
                    signature,
                } => Block::Thinking(thinking, signature),
                ContentBlock::RedactedThinking { data } => Block::Redacted(data),
                ContentBlock::ToolCall(call) => Block::Call(call.name, call.raw_arguments),
                _ => unreachable!(),
            })
            .collect(),
        Err(e) => e
            .into_partial()
            .content
            .into_iter()
            .map(|block| match block {
                PartialBlock::Text(t) => Block::Text(t),
                PartialBlock::Thinking {
                    thinking,
                    signature,
                } => Block::Thinking(thinking, signature),
                PartialBlock::RedactedThinking { data } => Block::Redacted(data),
                PartialBlock::ToolCall(call) => {
                    Block::Call(call.name.unwrap_or_default(), call.raw_arguments)
                }
                _ => unreachable!(),
            })
            .collect(),
    };
    let mut out: Vec<Block> = Vec::new();
    for block in raw {
        let block = match block {
            Block::Call(name, args) if args.is_empty() => Block::Call(name, "{}".into()),
            Block::Thinking(t, _) if !signatures && t.is_empty() => continue,
            Block::Thinking(t, _) if !signatures => Block::Thinking(t, None),
            Block::Redacted(_) if !signatures => continue,
            other => other,
        };
        match (out.last_mut(), block) {
            (Some(Block::Text(last)), Block::Text(t)) => last.push_str(&t),
            (Some(Block::Thinking(last, None)), Block::Thinking(t, sig)) => {
                last.push_str(&t);
                if let Some(Block::Thinking(_, s)) = out.last_mut() {
                    *s = sig;
                }
            }
            (_, block) => out.push(block),
        }
    }
    out
}

fn encode_decode(chunks: &[StreamChunk], anthropic_dialect: bool) -> Vec<StreamChunk> {
    let meta = ResponseMeta::new("r", "m", 0);
    let mut wire = Vec::new();
    let provider = if anthropic_dialect {
        let mut encoder = anthropic::Encoder::new(meta);
        for c in chunks {
            encoder.push(c, &mut wire);
        }
        encoder.finish(&mut wire);
        Provider::Anthropic
    } else {
        let mut encoder = openai::Encoder::new(meta, true);
        for c in chunks {
            encoder.push(c, &mut wire);
        }
        encoder.finish(&mut wire);
        Provider::OpenAi
    };
    let mut normalizer = Normalizer::new(provider);
    // Split in two anywhere: the dialect output is plain SSE.
    let (a, b) = wire.split_at(wire.len() / 3);
    normalizer.feed(a);
    normalizer.feed(b);
    normalizer.finish();
    std::iter::from_fn(|| normalizer.next_chunk()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoding_our_dialects_gives_back_the_chunks(chunks in stream()) {
        check_dialect_roundtrip(&chunks);
    }

    /// Folding our Anthropic output gives the message the gateway folded (text, thinking with
    /// its signatures, redacted reasoning, tool calls, in order); folding our OpenAI output gives
    /// it without what Chat Completions cannot carry. Also for streams that failed (the partial
    /// message) and calls whose arguments are not JSON.
    #[test]
    fn clients_fold_the_same_message(chunks in stream()) {
        let ours = blocks(&chunks, true);
        prop_assert_eq!(blocks(&encode_decode(&chunks, true), true), ours);
        let ours = blocks(&chunks, false);
        prop_assert_eq!(blocks(&encode_decode(&chunks, false), false), ours);
    }
}

#[test]
fn the_property_sees_every_kind_of_chunk() {
    // The generator reaches what the property is about (a property over nothing cannot fail).
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = [false; 9];
    for _ in 0..200 {
        let chunks = stream().new_tree(&mut runner).unwrap().current();
        for c in &chunks {
            let i = match c {
                StreamChunk::Token(_) => 0,
                StreamChunk::Reasoning(_) => 1,
                StreamChunk::ReasoningSignature(_) => 2,
                StreamChunk::RedactedReasoning(_) => 3,
                StreamChunk::ToolCallStart(_) => 4,
                StreamChunk::ToolCallArguments(_) => 5,
                StreamChunk::BlockBreak => 6,
                StreamChunk::Done(fin) if fin.is_success() => 7,
                StreamChunk::Done(_) => 8,
                _ => continue,
            };
            seen[i] = true;
        }
    }
    assert_eq!(seen, [true; 9]);
}
