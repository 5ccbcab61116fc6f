//! Every recorded provider stream under `tests/fixtures/<provider>/*.sse` (`*.eventstream` for
//! Amazon Bedrock) normalizes to exactly
//! the frames in its `*.frames` golden file, whole, byte by byte and in random-sized chunks.
//!
//! Set `BLESS=1` to write missing or differing golden files (then review every changed byte
//! against the wire contract before committing).

use llm_sse_core::Provider;
use llm_sse_tests::{Split, fixtures, frames};

fn check_provider(provider: Provider, at_least: usize) {
    let files = fixtures(provider);
    assert!(
        files.len() >= at_least,
        "{provider}: {} fixtures, expected at least {at_least}",
        files.len()
    );
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for sse in &files {
        let input = std::fs::read(sse).unwrap();
        let golden_path = sse.with_extension("frames");
        let actual = frames(provider, &input, Split::Whole);
        if bless && std::fs::read(&golden_path).ok().as_deref() != Some(&actual[..]) {
            std::fs::write(&golden_path, &actual).unwrap();
            eprintln!("blessed {}", golden_path.display());
        }
        let golden = std::fs::read(&golden_path)
            .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
        for split in Split::ALL {
            let got = frames(provider, &input, split);
            if got != golden {
                failures.push(format!(
                    "{} ({split:?}):\n--- expected\n{}\n--- got\n{}",
                    sse.display(),
                    String::from_utf8_lossy(&golden),
                    String::from_utf8_lossy(&got)
                ));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn anthropic_fixtures_match_golden_frames() {
    check_provider(Provider::Anthropic, 13);
}

#[test]
fn openai_fixtures_match_golden_frames() {
    check_provider(Provider::OpenAi, 6);
}

#[test]
fn gemini_fixtures_match_golden_frames() {
    check_provider(Provider::Gemini, 5);
}

#[test]
fn bedrock_fixtures_match_golden_frames() {
    check_provider(Provider::Bedrock, 12);
}

#[test]
fn vertex_fixtures_match_golden_frames() {
    check_provider(Provider::Vertex, 6);
}

/// Every fixture whose stream ends normally folds through the `Accumulator` into a complete
/// message (tool calls with and without provider ids, thinking with signatures), and every one
/// that ends in an error folds to `AccumulateError::Stream` with that same error.
#[test]
fn every_fixture_folds_through_the_accumulator() {
    use llm_sse_core::{AccumulateError, Accumulator, StreamChunk};
    let mut normal = 0;
    for provider in Provider::ALL {
        for sse in fixtures(provider) {
            let input = std::fs::read(&sse).unwrap();
            let chunks = llm_sse_tests::normalize(provider, &input, Split::Whole);
            let Some(StreamChunk::Done(fin)) = chunks.last() else {
                panic!("{}: no terminal chunk", sse.display());
            };
            let mut accumulator = Accumulator::new();
            accumulator.extend(&chunks);
            match (accumulator.finish(), &fin.outcome) {
                (Ok(message), Ok(reason)) => {
                    normal += 1;
                    assert_eq!(message.finish_reason, *reason, "{}", sse.display());
                    let starts = chunks
                        .iter()
                        .filter(|c| matches!(c, StreamChunk::ToolCallStart(_)))
                        .count();
                    assert_eq!(message.tool_calls().count(), starts, "{}", sse.display());
                    for call in message.tool_calls() {
                        assert!(call.arguments.is_object(), "{}: {call:?}", sse.display());
                    }
                }
                (Err(AccumulateError::Stream { error, .. }), Err(expected)) => {
                    assert_eq!(&error, expected, "{}", sse.display());
                }
                (got, _) => panic!("{}: folded to {got:?}", sse.display()),
            }
        }
    }
    assert!(normal >= 30, "{normal} normally ending fixtures");
}
