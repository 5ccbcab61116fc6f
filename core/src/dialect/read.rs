//! Reading a client's request JSON field by field, with every refusal naming the field's path.
//!
//! The body is parsed into a `serde_json::Value` once (serde_json bounds its nesting depth), then
//! walked: each object lists the keys it knows, and the first key it does not know is an
//! [`ErrorKind::UnknownField`] naming it. `null` counts as absent for optional fields, as both
//! APIs treat it.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Map, Value};

use super::error::ErrorKind;
use super::{Dialect, DialectError};

/// Why a request was refused: the kind, the field's path and the message (which starts with
/// the path). Becomes a [`DialectError`] once the dialect is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) kind: ErrorKind,
    pub(super) param: String,
    pub(super) message: String,
}

impl Refusal {
    pub(super) fn new(kind: ErrorKind, param: &str, detail: impl core::fmt::Display) -> Refusal {
        let message = if param.is_empty() {
            detail.to_string()
        } else {
            format!("{param}: {detail}")
        };
        Refusal {
            kind,
            param: param.into(),
            message,
        }
    }

    /// A field of the API that the gateway cannot honour.
    pub(super) fn unsupported(param: &str, why: impl core::fmt::Display) -> Refusal {
        Refusal::new(ErrorKind::Unsupported, param, why)
    }

    /// A wrong value.
    pub(super) fn invalid(param: &str, why: impl core::fmt::Display) -> Refusal {
        Refusal::new(ErrorKind::InvalidValue, param, why)
    }

    pub(super) fn into_error(self, dialect: Dialect) -> DialectError {
        DialectError::request(dialect, self.kind, self.param, self.message)
    }
}

pub(super) type Read<T> = Result<T, Refusal>;

/// Parses the request body: a JSON object.
pub(super) fn parse_body(body: &[u8]) -> Read<Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(Refusal::new(
            ErrorKind::InvalidJson,
            "",
            "the request body must be a JSON object",
        )),
        Err(e) => Err(Refusal::new(
            ErrorKind::InvalidJson,
            "",
            format_args!("the request body is not valid JSON: {e}"),
        )),
    }
}

/// The path of `key` inside the object at `path`.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.into()
    } else {
        format!("{path}.{key}")
    }
}

/// The path of item `i` of the array at `path`.
pub(super) fn item(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The JSON type of `value`, for messages.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value` is not what `path` must hold.
pub(super) fn expected(path: &str, what: &str, value: &Value) -> Refusal {
    Refusal::invalid(
        path,
        format_args!("expected {what}, got {}", type_name(value)),
    )
}

/// One JSON object of the request, at `path`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Obj<'a, 'p> {
    pub(super) map: &'a Map<String, Value>,
    pub(super) path: &'p str,
}

impl<'a, 'p> Obj<'a, 'p> {
    /// The object `value`, which must be one.
    pub(super) fn of(value: &'a Value, path: &'p str) -> Read<Obj<'a, 'p>> {
        match value {
            Value::Object(map) => Ok(Obj { map, path }),
            other => Err(expected(path, "an object", other)),
        }
    }

    /// The path of `key` in this object.
    pub(super) fn path_of(&self, key: &str) -> String {
        join(self.path, key)
    }

    /// Refuses the first key that is neither in `known` nor in `unsupported` (`(key, why)`: a
    /// field of the API the gateway does not take, refused with its reason when present and not
    /// `null`).
    pub(super) fn only(&self, known: &[&str], unsupported: &[(&str, &str)]) -> Read<()> {
        self.only_in(&[known], unsupported)
    }

    /// [`only`](Self::only) with the known fields in several lists (read in order).
    pub(super) fn only_in(&self, known: &[&[&str]], unsupported: &[(&str, &str)]) -> Read<()> {
        for (key, value) in self.map {
            if known.iter().any(|list| list.contains(&key.as_str())) {
                continue;
            }
            if let Some((_, why)) = unsupported.iter().find(|(k, _)| k == key) {
                if value.is_null() {
                    continue;
                }
                return Err(Refusal::unsupported(&self.path_of(key), why));
            }
            let mut expected = String::from("unknown field; expected one of ");
            for (i, k) in known.iter().flat_map(|list| list.iter()).enumerate() {
                if i > 0 {
                    expected.push_str(", ");
                }
                expected.push_str(k);
            }
            return Err(Refusal::new(
                ErrorKind::UnknownField,
                &self.path_of(key),
                expected,
            ));
        }
        Ok(())
    }

    /// The value of `key`; `None` when absent or `null`.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The value of a required `key`.
    pub(super) fn required(&self, key: &str) -> Read<&'a Value> {
        self.get(key).ok_or_else(|| {
            Refusal::new(
                ErrorKind::MissingField,
                &self.path_of(key),
                "missing required field",
            )
        })
    }

    /// A string field.
    pub(super) fn string(&self, key: &str) -> Read<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(expected(&self.path_of(key), "a string", other)),
        }
    }

    /// A required string field.
    pub(super) fn required_string(&self, key: &str) -> Read<&'a str> {
        match self.required(key)? {
            Value::String(s) => Ok(s),
            other => Err(expected(&self.path_of(key), "a string", other)),
        }
    }

    /// A boolean field.
    pub(super) fn boolean(&self, key: &str) -> Read<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(expected(&self.path_of(key), "a boolean", other)),
        }
    }

    /// A number field.
    pub(super) fn number(&self, key: &str) -> Read<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) => Ok(Some(f)),
                None => Err(Refusal::invalid(&self.path_of(key), "expected a number")),
            },
            Some(other) => Err(expected(&self.path_of(key), "a number", other)),
        }
    }

    /// A non-negative integer field that fits in 32 bits.
    pub(super) fn count(&self, key: &str) -> Read<Option<u32>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64().map(u32::try_from) {
                Some(Ok(v)) => Ok(Some(v)),
                _ => Err(Refusal::invalid(
                    &self.path_of(key),
                    format_args!("expected an integer from 0 to {}, got {n}", u32::MAX),
                )),
            },
            Some(other) => Err(expected(&self.path_of(key), "an integer", other)),
        }
    }

    /// An array field.
    pub(super) fn array(&self, key: &str) -> Read<Option<&'a Vec<Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(expected(&self.path_of(key), "an array", other)),
        }
    }
}

/// `stop` / `stop_sequences`: a string or an array of strings (OpenAI takes both).
pub(super) fn strings(value: &Value, path: &str, one_allowed: bool) -> Read<Vec<String>> {
    match value {
        Value::String(s) if one_allowed => Ok(alloc::vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(expected(&item(path, i), "a string", other)),
            })
            .collect(),
        other => Err(expected(
            path,
            if one_allowed {
                "a string or an array of strings"
            } else {
                "an array of strings"
            },
            other,
        )),
    }
}

/// Splits a `data:` URL into its media type and base64 data: `data:image/png;base64,iVBOR...`.
pub(super) fn data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (head, data) = rest.split_once(',')?;
    let media_type = head.strip_suffix(";base64")?;
    Some((media_type, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_and_unsupported_fields_name_their_path() {
        let value = json!({"a": 1, "b": null, "z": 2});
        let obj = Obj::of(&value, "messages[0]").unwrap();
        assert_eq!(obj.only(&["a", "b", "z"], &[]), Ok(()));
        let e = obj.only(&["a"], &[("b", "no b")]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownField);
        assert_eq!(e.param, "messages[0].z");
        assert_eq!(e.message, "messages[0].z: unknown field; expected one of a");
        let e = Obj::of(&json!({"b": true}), "")
            .unwrap()
            .only(&[], &[("b", "no b")])
            .unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Unsupported, "b: no b")
        );
    }

    #[test]
    fn typed_getters() {
        let value = json!({"s": "x", "n": 2.5, "c": 7, "big": 5_000_000_000u64, "neg": -1,
                           "b": true, "null": null, "arr": [1]});
        let obj = Obj::of(&value, "").unwrap();
        assert_eq!(obj.string("s"), Ok(Some("x")));
        assert_eq!(obj.string("null"), Ok(None));
        assert_eq!(obj.string("missing"), Ok(None));
        assert_eq!(
            obj.string("n").unwrap_err().message,
            "n: expected a string, got a number"
        );
        assert_eq!(obj.number("c"), Ok(Some(7.0)));
        assert_eq!(obj.count("c"), Ok(Some(7)));
        assert_eq!(obj.count("n").unwrap_err().kind, ErrorKind::InvalidValue);
        assert!(obj.count("big").is_err());
        assert!(obj.count("neg").is_err());
        assert_eq!(obj.boolean("b"), Ok(Some(true)));
        assert_eq!(obj.array("arr").unwrap().map(Vec::len), Some(1));
        let missing = obj.required("null").unwrap_err();
        assert_eq!(
            (missing.kind, missing.param.as_str()),
            (ErrorKind::MissingField, "null")
        );
    }

    #[test]
    fn bodies_and_urls() {
        assert!(parse_body(b"{}").is_ok());
        assert_eq!(parse_body(b"[]").unwrap_err().kind, ErrorKind::InvalidJson);
        assert_eq!(parse_body(b"{").unwrap_err().kind, ErrorKind::InvalidJson);
        assert_eq!(
            data_url("data:image/png;base64,QUJD"),
            Some(("image/png", "QUJD"))
        );
        assert_eq!(data_url("https://example.com/a.png"), None);
        assert_eq!(data_url("data:image/png,QUJD"), None);
        assert_eq!(
            strings(&json!("x"), "stop", true),
            Ok(alloc::vec![String::from("x")])
        );
        assert!(strings(&json!("x"), "stop_sequences", false).is_err());
        assert_eq!(
            strings(&json!(["a", 1]), "stop", true).unwrap_err().param,
            "stop[1]"
        );
    }
}
