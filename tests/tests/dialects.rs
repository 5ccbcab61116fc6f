//! Every recorded provider stream under `tests/fixtures/<provider>/*.sse` (Bedrock's
//! `*.eventstream`), re-encoded in the
//! clients' dialects, is exactly its golden files in `tests/fixtures/<provider>/dialects/`:
//!
//! - `<name>.openai.sse`: the OpenAI Chat Completions stream (`include_usage` on);
//! - `<name>.anthropic.sse`: the Anthropic Messages event stream;
//! - `<name>.openai.http` and `<name>.anthropic.http`: the non-streaming answer, `HTTP <status>`,
//!   a blank line, and the exact JSON body.
//!
//! The response meta is what `llm-sse replay --format openai|anthropic` uses (id
//! `chatcmpl-replay` / `msg_replay`, the provider's name as the model, `created` 0), so the
//! command's output can be compared with these files too.
//!
//! Set `BLESS=1` to write missing or differing golden files (then read every changed byte
//! against the dialect's API reference before committing).
//!
//! Each fixture's chunks also go through the round-trip check of
//! `llm_sse_core::fuzzing::check_dialect_roundtrip` (encode, check the SDK accumulators' wire
//! rules, decode with the existing decoders, compare with the documented lossy mapping).

use std::path::Path;

use llm_sse_core::dialect::{Dialect, ResponseMeta, anthropic, openai};
use llm_sse_core::{Accumulator, Provider, StreamChunk};
use llm_sse_tests::{Split, fixtures, normalize};

/// The meta `llm-sse replay` uses for `provider`'s recordings in `dialect`.
fn meta(dialect: Dialect, provider: Provider) -> ResponseMeta {
    ResponseMeta::new(dialect.response_id("replay"), provider.as_str(), 0)
}

fn stream(dialect: Dialect, provider: Provider, chunks: &[StreamChunk]) -> Vec<u8> {
    let mut out = Vec::new();
    match dialect {
        Dialect::OpenAi => {
            let mut encoder = openai::Encoder::new(meta(dialect, provider), true);
            for chunk in chunks {
                encoder.push(chunk, &mut out);
            }
            encoder.finish(&mut out);
        }
        _ => {
            let mut encoder = anthropic::Encoder::new(meta(dialect, provider));
            for chunk in chunks {
                encoder.push(chunk, &mut out);
            }
            encoder.finish(&mut out);
        }
    }
    out
}

fn response(dialect: Dialect, provider: Provider, chunks: &[StreamChunk]) -> Vec<u8> {
    let mut accumulator = Accumulator::new();
    accumulator.extend(chunks);
    let result = accumulator.finish();
    let meta = meta(dialect, provider);
    let body = match dialect {
        Dialect::OpenAi => openai::non_streaming_body(&meta, &result),
        _ => anthropic::non_streaming_body(&meta, &result),
    };
    let (status, body) = match body {
        Ok(body) => (200, body),
        Err(error) => (error.status, error.to_body()),
    };
    let value: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
    assert!(value.is_object());
    let mut out = format!("HTTP {status}\n\n").into_bytes();
    out.extend_from_slice(&body);
    out.push(b'\n');
    out
}

/// Compares `actual` with the golden file at `path` (writing it with `BLESS=1`).
fn golden(path: &Path, actual: &[u8], failures: &mut Vec<String>) {
    if std::env::var_os("BLESS").is_some() && std::fs::read(path).ok().as_deref() != Some(actual) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        eprintln!("blessed {}", path.display());
    }
    match std::fs::read(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{}:\n--- expected\n{}\n--- got\n{}",
            path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual)
        )),
        Err(e) => failures.push(format!(
            "{}: {e} (run with BLESS=1 to create it)",
            path.display()
        )),
    }
}

fn check_provider(provider: Provider) {
    let files = fixtures(provider);
    assert!(
        files.len() >= 5,
        "{provider}: only {} fixtures",
        files.len()
    );
    let mut failures = Vec::new();
    for sse in &files {
        let input = std::fs::read(sse).unwrap();
        let chunks = normalize(provider, &input, Split::Whole);
        llm_sse_core::fuzzing::check_dialect_roundtrip(&chunks);
        let name = sse.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = sse.parent().unwrap().join("dialects");
        for dialect in Dialect::ALL {
            let streamed = stream(dialect, provider, &chunks);
            golden(
                &dir.join(format!("{name}.{dialect}.sse")),
                &streamed,
                &mut failures,
            );
            let answered = response(dialect, provider, &chunks);
            golden(
                &dir.join(format!("{name}.{dialect}.http")),
                &answered,
                &mut failures,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn anthropic_fixtures_in_both_dialects() {
    check_provider(Provider::Anthropic);
}

#[test]
fn openai_fixtures_in_both_dialects() {
    check_provider(Provider::OpenAi);
}

#[test]
fn gemini_fixtures_in_both_dialects() {
    check_provider(Provider::Gemini);
}

#[test]
fn bedrock_fixtures_in_both_dialects() {
    check_provider(Provider::Bedrock);
}

#[test]
fn vertex_fixtures_in_both_dialects() {
    check_provider(Provider::Vertex);
}

/// Nothing but the golden files lives in the dialects directories: a fixture that was renamed
/// or removed leaves no stale goldens behind.
#[test]
fn every_golden_file_has_its_fixture() {
    for provider in Provider::ALL {
        let names: Vec<String> = fixtures(provider)
            .iter()
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        let dir = llm_sse_tests::fixtures_dir()
            .join(provider.as_str())
            .join("dialects");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let file = entry.unwrap().file_name().to_string_lossy().into_owned();
            let known = names.iter().any(|name| {
                Dialect::ALL.iter().any(|d| {
                    file == format!("{name}.{d}.sse") || file == format!("{name}.{d}.http")
                })
            });
            assert!(known, "{}: no fixture for {file}", dir.display());
        }
    }
}
