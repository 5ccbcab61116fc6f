//! Fuzz targets `openai_request`, `anthropic_request` and `dialect_roundtrip`: the clients'
//! dialects, their request decoders and their stream encoders.

use alloc::string::String;
use alloc::vec::Vec;

use crate::chunk::{Provider, StreamChunk, ToolCallArguments, ToolCallStart};
use crate::normalize::Normalizer;

use super::bytes::Bytes;
use super::dialect_oracle;

/// Fuzz target `openai_request`: see [`dialect_request`].
pub fn openai_request(data: &[u8]) {
    dialect_request(crate::dialect::Dialect::OpenAi, data);
}

/// Fuzz target `anthropic_request`: see [`dialect_request`].
pub fn anthropic_request(data: &[u8]) {
    dialect_request(crate::dialect::Dialect::Anthropic, data);
}

/// A dialect's request decoder on arbitrary bytes.
///
/// Checks that decoding does not panic; that a refusal is a `400` of a request kind whose body
/// has the dialect's error shape and whose message starts with the field it names; and that a
/// request that decodes, for every provider, either passes validation and then builds (a
/// validated request always builds) or is refused with a `400` naming a field: a pass-through
/// field for another provider, or what validation found.
pub fn dialect_request(dialect: crate::dialect::Dialect, data: &[u8]) {
    use crate::dialect::{ErrorKind, anthropic, openai};
    let decoded = match dialect {
        crate::dialect::Dialect::OpenAi => openai::decode_request(data),
        _ => anthropic::decode_request(data),
    };
    let request = match decoded {
        Ok(request) => request,
        Err(error) => {
            assert!(
                matches!(
                    error.kind,
                    ErrorKind::InvalidJson
                        | ErrorKind::MissingField
                        | ErrorKind::InvalidValue
                        | ErrorKind::UnknownField
                        | ErrorKind::Unsupported
                ),
                "a decoding error of kind {:?}",
                error.kind
            );
            check_dialect_error(&error, dialect);
            return;
        }
    };
    assert_eq!(request.dialect, dialect);
    assert_eq!(request.chat.model, request.model);
    assert!(request.chat.provider_options.is_none());
    assert_eq!(
        request.passthrough.is_empty(),
        request.passthrough_fields().is_empty()
    );
    for provider in Provider::ALL {
        match request.for_provider(provider, "m") {
            Ok(chat) => {
                assert_eq!(chat.request().model, "m");
                assert_eq!(chat.provider(), provider);
                let built = crate::request::build(provider, chat.request(), Some("key"));
                let http = built.unwrap_or_else(|e| panic!("a validated request failed: {e}"));
                assert!(http.body.is_object());
                if provider == dialect.provider() {
                    for (key, value) in &request.passthrough {
                        assert!(http.body.get(key).is_some(), "{key} did not pass through");
                        if key != "tool_choice" {
                            assert_eq!(http.body.get(key), Some(value));
                        }
                    }
                }
                if provider.api() == crate::provider::Api::Anthropic
                    && dialect == crate::dialect::Dialect::Anthropic
                {
                    check_cache_controls(data, &http.body);
                }
            }
            Err(error) => {
                match error.kind {
                    ErrorKind::Unsupported => {
                        assert_ne!(provider, dialect.provider());
                        assert_eq!(
                            error.param.as_deref(),
                            request.passthrough_fields().first().map(String::as_str)
                        );
                    }
                    ErrorKind::InvalidRequest => {
                        let chat = request.chat.clone();
                        assert!(
                            chat.validate(provider).is_err() || !request.passthrough.is_empty(),
                            "refused a request that validates: {error}"
                        );
                    }
                    other => panic!("for_provider failed with {other:?}: {error}"),
                }
                check_dialect_error(&error, dialect);
            }
        }
    }
}

/// An Anthropic request decoded and built for Anthropic keeps every `cache_control` where it
/// was (the ones inside tool inputs and schemas are data, copied as they are), and the
/// top-level one adds at most one, on the last block.
fn check_cache_controls(client_body: &[u8], built: &serde_json::Value) {
    use serde_json::Value;
    fn count(value: &Value) -> usize {
        match value {
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| usize::from(k == "cache_control" && !v.is_null()) + count(v))
                .sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    let Ok(client) = serde_json::from_slice::<Value>(client_body) else {
        return;
    };
    let top = usize::from(client.get("cache_control").is_some_and(|c| !c.is_null()));
    let (asked, sent) = (count(&client) - top, count(built));
    assert!(
        sent >= asked && sent <= asked + top,
        "{asked} cache_control asked (and {top} at the top), {sent} sent: {built}"
    );
    assert!(built.get("cache_control").is_none());
}

/// A request error: status `400`, the dialect's body shape, a message that starts with the
/// field it names.
fn check_dialect_error(error: &crate::dialect::DialectError, dialect: crate::dialect::Dialect) {
    use serde_json::Value;
    assert_eq!(error.status, 400, "{error}");
    assert_eq!(error.dialect, dialect);
    assert!(!error.message.is_empty());
    if let Some(param) = &error.param {
        assert!(
            error.message.starts_with(param.as_str()),
            "{error} does not start with {param}"
        );
    }
    let body: Value = serde_json::from_slice(&error.to_body()).expect("an error body is JSON");
    let object = match dialect {
        crate::dialect::Dialect::OpenAi => {
            let object = &body["error"];
            let keys: Vec<&str> = object
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(keys.len(), 4, "{body}");
            assert_eq!(object["param"].as_str(), error.param.as_deref());
            object
        }
        _ => {
            assert_eq!(body["type"], "error");
            &body["error"]
        }
    };
    assert_eq!(object["type"].as_str(), Some(error.error_type.as_str()));
    assert_eq!(object["message"].as_str(), Some(error.message.as_str()));
}

/// Fuzz target `dialect_roundtrip`: a well-formed chunk stream built from the fuzz bytes, run
/// through [`check_dialect_roundtrip`].
pub fn dialect_roundtrip(data: &[u8]) {
    check_dialect_roundtrip(&well_formed_stream(data));
}

/// A chunk stream as the decoders produce them (non-empty text, tool calls numbered in order of
/// first appearance with non-empty names, at most one terminal chunk, last), with a few things
/// they never produce mixed in (empty text, a repeated start, fragments of calls never
/// started), from fuzz bytes. Byte 0 bit 0 set: the stream may end without its terminal chunk.
fn well_formed_stream(data: &[u8]) -> Vec<StreamChunk> {
    let mut bytes = Bytes(data);
    let may_stop_early = bytes.byte() & 1 == 1;
    let mut chunks = Vec::new();
    let mut calls = 0u32;
    let non_empty = |s: String| if s.is_empty() { String::from("x") } else { s };
    while !bytes.0.is_empty() && chunks.len() < 64 {
        let selector = bytes.byte();
        let chunk = match selector % 10 {
            0 | 1 => StreamChunk::Token(non_empty(bytes.string())),
            2 => StreamChunk::Reasoning(non_empty(bytes.string())),
            3 => StreamChunk::ReasoningSignature(non_empty(bytes.string())),
            4 => StreamChunk::RedactedReasoning(bytes.string()),
            5 => {
                let repeat = selector & 0x80 != 0 && calls > 0;
                let index = if repeat {
                    u32::from(bytes.byte()) % calls
                } else {
                    calls += 1;
                    calls - 1
                };
                StreamChunk::ToolCallStart(ToolCallStart {
                    index,
                    id: bytes.option(Bytes::string),
                    name: non_empty(bytes.string()),
                    arguments: bytes.string(),
                })
            }
            6 | 7 => StreamChunk::ToolCallArguments(ToolCallArguments {
                // Mostly a started call; now and then one never started.
                index: u32::from(bytes.byte()) % (calls + 1),
                fragment: non_empty(bytes.string()),
            }),
            8 => match selector & 0x30 {
                0 => StreamChunk::Token(String::new()),
                _ => StreamChunk::BlockBreak,
            },
            _ => break,
        };
        chunks.push(chunk);
    }
    if !may_stop_early || !bytes.0.is_empty() {
        chunks.push(StreamChunk::Done(alloc::boxed::Box::new(bytes.finish())));
    }
    chunks
}

/// The meta every round trip encodes with.
fn roundtrip_meta() -> crate::dialect::ResponseMeta {
    crate::dialect::ResponseMeta::new("resp-1", "model-x", 1_700_000_000)
}

/// Encodes `chunks` in both dialects (OpenAI with and without `include_usage`), checks the
/// wire rules the official SDKs' accumulators rely on, decodes the output with the existing
/// decoder of that dialect's provider, and compares the result with what an oracle written from
/// the module docs of [`crate::dialect`] (the finish-reason and usage tables and the list of
/// what each dialect cannot carry) says should come back.
///
/// `chunks` should look like a decoder's output; a stream without a terminal chunk is ended with
/// the encoders' `finish`.
pub fn check_dialect_roundtrip(chunks: &[StreamChunk]) {
    use crate::dialect::{anthropic, openai};
    let meta = roundtrip_meta();
    for include_usage in [false, true] {
        let mut encoder = openai::Encoder::new(meta.clone(), include_usage);
        let mut wire = Vec::new();
        for chunk in chunks {
            let before = wire.len();
            let written = encoder.push(chunk, &mut wire);
            assert_eq!(written, wire.len() - before);
        }
        encoder.finish(&mut wire);
        assert!(encoder.is_done());
        assert_eq!(
            encoder.push(&StreamChunk::Token("late".into()), &mut wire),
            0
        );
        dialect_oracle::openai_wire_rules(&wire, &meta);
        let decoded = normalize_all(Provider::OpenAi, &wire);
        let expected = dialect_oracle::openai(chunks, &meta, include_usage);
        assert_eq!(
            decoded, expected,
            "OpenAI dialect, include_usage {include_usage}"
        );
    }
    let mut encoder = anthropic::Encoder::new(meta.clone());
    let mut wire = Vec::new();
    for chunk in chunks {
        encoder.push(chunk, &mut wire);
    }
    encoder.finish(&mut wire);
    assert!(encoder.is_done());
    assert_eq!(
        encoder.push(&StreamChunk::Token("late".into()), &mut wire),
        0
    );
    dialect_oracle::anthropic_wire_rules(&wire, &meta);
    let decoded = normalize_all(Provider::Anthropic, &wire);
    let expected = dialect_oracle::anthropic(chunks, &meta);
    assert_eq!(decoded, expected, "Anthropic dialect");
}

/// `wire` through a [`Normalizer`] for `provider`, whole.
fn normalize_all(provider: Provider, wire: &[u8]) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    normalizer.feed(wire);
    normalizer.finish();
    core::iter::from_fn(|| normalizer.next_chunk()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets_accept_assorted_inputs() {
        let inputs: [&[u8]; 6] = [
            b"",
            b"{}",
            b"[1]",
            br#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}"#,
            br#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"max_tokens":0,"seed":1,"top_k":2}"#,
            br#"{"model":"m","messages":[{"role":"assistant","content":"x"},{"role":"tool","content":"r","tool_call_id":"c"}]}"#,
        ];
        for input in inputs {
            openai_request(input);
            anthropic_request(input);
        }
    }

    #[test]
    fn roundtrip_target_accepts_assorted_inputs() {
        dialect_roundtrip(b"");
        dialect_roundtrip(b"\x01");
        dialect_roundtrip(b"\x00\x00\x03Hi\"\x05\x01\x02id\x01f\x02{}\x06\x00\x01}\x09");
        dialect_roundtrip(b"\x01\x02\x02hm\x03\x03sig\x08\x00\x01a\x04\x00\x85\x00\x00\x01g\x00");
        let all: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        dialect_roundtrip(&all);
        let rev: Vec<u8> = (0..=255u8).rev().cycle().take(4096).collect();
        dialect_roundtrip(&rev);
    }

    /// Found by `dialect_roundtrip`: a tool call whose provider id is empty went out with
    /// `"id":""`, which no client can answer; it gets the derived id like a call without one.
    #[test]
    fn an_empty_tool_call_id_is_no_id() {
        dialect_roundtrip(b"\x01\x00\x02Hi\x40\x00\x01\x01\x04\x00\x01\xff\x06\x01\x00-\x01x");
        let start = StreamChunk::ToolCallStart(ToolCallStart {
            index: 0,
            id: Some(String::new()),
            name: "f".into(),
            arguments: "{}".into(),
        });
        let done = StreamChunk::Done(alloc::boxed::Box::new(Bytes(&[0, 3]).finish()));
        check_dialect_roundtrip(&[start, done]);
    }
}
