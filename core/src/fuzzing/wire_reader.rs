//! A reader of the normalized frames' JSON, written from the wire contract in DESIGN.md, so that
//! `frames_roundtrip` checks the encoder against the contract rather than against itself.
//!
//! The first of the two oracles (the other is [`super::dialect_oracle`]).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::chunk::{
    Finish, Provider, StreamChunk, StreamError, StreamErrorKind, ToolCallArguments, ToolCallStart,
    Usage,
};

/// A JSON value whose objects keep their keys in the order they were written.
#[derive(Debug)]
enum Json {
    Object(Vec<(String, Json)>),
    Other(Value),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value::<Json>()?));
                }
                Ok(Json::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Value>()? {
                    items.push(item);
                }
                Ok(Json::Other(Value::Array(items)))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Other(Value::Bool(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Other(Value::from(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Other(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Other(Value::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::Other(Value::from(v)))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Other(Value::Null))
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of an object, checked to appear in `order` (each at most once, unknown keys
/// refused, `null` refused).
fn fields(json: Json, what: &str, order: &[&str]) -> Vec<(String, Json)> {
    let Json::Object(entries) = json else {
        panic!("{what} is not an object: {json:?}");
    };
    let mut last = None;
    for (key, value) in &entries {
        let Some(pos) = order.iter().position(|k| k == key) else {
            panic!("{what}: unexpected key {key:?}");
        };
        assert!(
            last.is_none_or(|l| pos > l),
            "{what}: key {key:?} out of the contract's order"
        );
        last = Some(pos);
        assert!(
            !matches!(value, Json::Other(Value::Null)),
            "{what}: {key} is null"
        );
    }
    entries
}

fn take(entries: &mut Vec<(String, Json)>, key: &str) -> Option<Json> {
    let pos = entries.iter().position(|(k, _)| k == key)?;
    Some(entries.remove(pos).1)
}

fn string(json: Option<Json>, what: &str) -> Option<String> {
    match json? {
        Json::Other(Value::String(s)) => Some(s),
        other => panic!("{what} is not a string: {other:?}"),
    }
}

fn number(json: Option<Json>, what: &str) -> Option<u64> {
    match json? {
        Json::Other(Value::Number(n)) => Some(n.as_u64().expect("a u64")),
        other => panic!("{what} is not a number: {other:?}"),
    }
}

pub(super) fn error_kind(ty: &str) -> StreamErrorKind {
    match ty {
        "incomplete_stream" => StreamErrorKind::IncompleteStream,
        "invalid_event" => StreamErrorKind::InvalidEvent,
        "connection_error" => StreamErrorKind::ConnectionError,
        "idle_timeout" => StreamErrorKind::IdleTimeout,
        other => StreamErrorKind::Provider(other.into()),
    }
}

/// Reads one frame's JSON back into the chunk it says.
pub(super) fn read_frame(data: &str) -> StreamChunk {
    let json: Json = match serde_json::from_str(data) {
        Ok(json) => json,
        Err(err) => panic!("a frame is not JSON ({err}): {data}"),
    };
    let order = [
        "token",
        "done",
        "reasoning",
        "reasoning_signature",
        "redacted_reasoning",
        "tool_call",
        "provider",
        "id",
        "model",
        "finish_reason",
        "provider_finish_reason",
        "usage",
        "error",
    ];
    let mut f = fields(json, "frame", &order);
    assert!(
        f.first().is_some_and(|(k, _)| k == "token") && f.get(1).is_some_and(|(k, _)| k == "done"),
        "a frame starts with token, done: {data}"
    );
    let token = string(take(&mut f, "token"), "token").unwrap_or_default();
    let done = match take(&mut f, "done") {
        Some(Json::Other(Value::Bool(done))) => done,
        other => panic!("done is not a boolean: {other:?}"),
    };
    if done {
        assert!(token.is_empty(), "the terminal frame has an empty token");
        return StreamChunk::Done(Box::new(read_finish(f, data)));
    }
    // At most one of the content keys; `f.is_empty()` below refuses a second one.
    let chunk = if let Some(reasoning) = string(take(&mut f, "reasoning"), "reasoning") {
        assert!(token.is_empty() && !reasoning.is_empty(), "{data}");
        StreamChunk::Reasoning(reasoning)
    } else if let Some(signature) =
        string(take(&mut f, "reasoning_signature"), "reasoning_signature")
    {
        assert!(token.is_empty() && !signature.is_empty(), "{data}");
        StreamChunk::ReasoningSignature(signature)
    } else if let Some(redacted) = string(take(&mut f, "redacted_reasoning"), "redacted_reasoning")
    {
        assert!(token.is_empty() && !redacted.is_empty(), "{data}");
        StreamChunk::RedactedReasoning(redacted)
    } else if let Some(call) = take(&mut f, "tool_call") {
        assert!(token.is_empty(), "{data}");
        read_tool_call(call, data)
    } else {
        assert!(!token.is_empty(), "a content frame without content: {data}");
        StreamChunk::Token(token)
    };
    assert!(
        f.is_empty(),
        "a second content key, or terminal fields, on a content frame: {data}"
    );
    chunk
}

fn read_tool_call(call: Json, data: &str) -> StreamChunk {
    let mut c = fields(call, "tool_call", &["index", "id", "name", "arguments"]);
    let index = number(take(&mut c, "index"), "index").expect("tool_call.index");
    let index = u32::try_from(index).expect("a u32 index");
    let id = string(take(&mut c, "id"), "tool_call.id");
    let name = string(take(&mut c, "name"), "tool_call.name");
    let arguments = string(take(&mut c, "arguments"), "arguments").expect("arguments");
    match name {
        Some(name) => StreamChunk::ToolCallStart(ToolCallStart {
            index,
            id,
            name,
            arguments,
        }),
        None => {
            assert!(id.is_none(), "a later piece carries an id: {data}");
            assert!(!arguments.is_empty(), "an empty fragment: {data}");
            StreamChunk::ToolCallArguments(ToolCallArguments {
                index,
                fragment: arguments,
            })
        }
    }
}

fn read_finish(mut f: Vec<(String, Json)>, data: &str) -> Finish {
    let provider = string(take(&mut f, "provider"), "provider").expect("provider");
    let provider: Provider = provider.parse().expect("a known provider");
    let id = string(take(&mut f, "id"), "id");
    let model = string(take(&mut f, "model"), "model");
    let reason = string(take(&mut f, "finish_reason"), "finish_reason").expect("a reason");
    let provider_finish_reason = string(
        take(&mut f, "provider_finish_reason"),
        "provider_finish_reason",
    );
    let usage = take(&mut f, "usage").map(|usage| {
        let order = [
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "reasoning_tokens",
        ];
        let mut u = fields(usage, "usage", &order);
        Usage {
            input_tokens: number(take(&mut u, "input_tokens"), "input").expect("input"),
            output_tokens: number(take(&mut u, "output_tokens"), "output").expect("output"),
            cache_read_input_tokens: number(take(&mut u, "cache_read_input_tokens"), "c"),
            cache_creation_input_tokens: number(take(&mut u, "cache_creation_input_tokens"), "c"),
            reasoning_tokens: number(take(&mut u, "reasoning_tokens"), "r"),
        }
    });
    let error = take(&mut f, "error").map(|error| {
        let mut e = fields(error, "error", &["type", "message"]);
        let ty = string(take(&mut e, "type"), "error.type").expect("error.type");
        let message = string(take(&mut e, "message"), "message").expect("error.message");
        StreamError::new(error_kind(&ty), message)
    });
    assert!(f.is_empty(), "content fields on the terminal frame: {data}");
    let outcome = match (reason.as_str(), error) {
        ("error", Some(error)) => Err(error),
        ("error", None) => panic!("finish_reason error without an error: {data}"),
        (_, Some(_)) => panic!("an error on a successful terminal frame: {data}"),
        (name, None) => Ok(super::bytes::FINISH_REASONS
            .into_iter()
            .find(|r| r.as_str() == name)
            .unwrap_or_else(|| panic!("unknown finish_reason {name:?}"))),
    };
    Finish {
        provider,
        id,
        model,
        outcome,
        provider_finish_reason,
        usage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::StreamError;
    use crate::fuzzing::wire_reader;

    /// The wire reader is an independent oracle: it refuses frames that break the contract.
    #[cfg(feature = "std")]
    #[test]
    fn wire_reader_refuses_frames_that_break_the_contract() {
        let bad = [
            r#"{"done":false,"token":"x"}"#,
            r#"{"token":"x","done":false,"reasoning":null}"#,
            r#"{"token":"","done":false}"#,
            r#"{"token":"","done":false,"tool_call":{"index":0,"name":"f","id":"a","arguments":""}}"#,
            r#"{"token":"","done":false,"tool_call":{"index":0,"arguments":""}}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"error"}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"stop","error":{"type":"t","message":"m"}}"#,
            r#"{"token":"","done":true,"finish_reason":"stop","provider":"openai"}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"stop","usage":{"output_tokens":1,"input_tokens":2}}"#,
            r#"{"token":"","done":true,"provider":"openai","finish_reason":"error","error":{"message":"m","type":"t"}}"#,
        ];
        for frame in bad {
            let caught = std::panic::catch_unwind(|| wire_reader::read_frame(frame));
            assert!(caught.is_err(), "accepted {frame}");
        }
        let good = r#"{"token":"","done":true,"provider":"gemini","id":"r","finish_reason":"error","usage":{"input_tokens":1,"output_tokens":2,"reasoning_tokens":0},"error":{"type":"idle_timeout","message":"m"}}"#;
        let StreamChunk::Done(fin) = wire_reader::read_frame(good) else {
            panic!("a terminal chunk");
        };
        assert_eq!(
            fin.error().map(StreamError::error_type),
            Some("idle_timeout")
        );
        assert_eq!(fin.usage.and_then(|u| u.reasoning_tokens), Some(0));
    }
}
