//! Small serde building blocks the provider decoders share (Anthropic, OpenAI, Gemini).
//!
//! They exist so that decoding a text delta costs no allocation beyond the text itself:
//!
//! - [`Str`] borrows a string from the event's data when it has no escapes (serde's own
//!   `Option<Cow<str>>` always copies), and unescapes one that has escapes straight into its own
//!   `String` (serde_json would first unescape into a scratch buffer and then copy: two or three
//!   allocations instead of one). [`string_from_raw`] does the same for a string kept as a
//!   borrowed `RawValue` (Anthropic's delta text).
//! - [`Skip`] consumes a value the decoder does not need without allocating (serde_json's
//!   `IgnoredAny` allocates a stack for values nested two deep, such as `safetyRatings` or
//!   Azure's `content_filter_results`, on every event).
//! - [`IndexZero`] keeps only the element whose `index` is 0 of an array (`choices`,
//!   `candidates`) without collecting the array into a `Vec`.
//! - [`InlineSeq`] holds an array whose usual length is 1 (Gemini `parts`, OpenAI `tool_calls`)
//!   without a heap allocation for that one element.
//! - [`ProviderError`] reads an in-stream error object leniently (string or number `code`, a bare
//!   string instead of an object).
//! - [`compact`] strips the whitespace from an already-validated JSON value, keeping everything
//!   else as sent (Gemini `functionCall.args`, Anthropic `tool_use.input`).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Write as _};
use core::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::value::RawValue;

/// A JSON string, borrowed from the input when it contains no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Str<'a>(pub(super) Cow<'a, str>);

impl<'a> Str<'a> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The string, copied only if it was borrowed.
    pub(super) fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        match json_string(raw.get()) {
            Some(Ok(text)) => Ok(Str(text)),
            Some(Err(e)) => Err(D::Error::custom(e)),
            None => Err(D::Error::invalid_type(unexpected(raw.get()), &"a string")),
        }
    }
}

/// What a raw JSON value that is not a string is, for error messages.
fn unexpected(raw: &str) -> Unexpected<'_> {
    match raw.as_bytes().first() {
        Some(b'{') => Unexpected::Map,
        Some(b'[') => Unexpected::Seq,
        Some(b't') => Unexpected::Bool(true),
        Some(b'f') => Unexpected::Bool(false),
        Some(b'n') => Unexpected::Unit,
        _ => Unexpected::Other("number"),
    }
}

/// The text of `raw` when it is a JSON string literal (as serde_json validated it: quotes,
/// escapes with their hex digits, no raw control characters): borrowed when it has no escapes,
/// otherwise unescaped into one exactly-sized `String`. `None` when `raw` is not a string.
fn json_string(raw: &str) -> Option<Result<Cow<'_, str>, &'static str>> {
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    if memchr::memchr(b'\\', body.as_bytes()).is_none() {
        return Some(Ok(Cow::Borrowed(body)));
    }
    Some(unescape(body).map(Cow::Owned))
}

/// The text of `raw`, a JSON value as serde_json validated it (well-formed escapes, no raw
/// control characters), in a new `String`: one allocation, none for an empty string.
///
/// Errors when `raw` is not a string, or holds a lone UTF-16 surrogate escape (which serde_json
/// accepts in a `RawValue` but rejects in a string).
pub(super) fn string_from_raw(raw: &RawValue) -> Result<String, &'static str> {
    match json_string(raw.get()) {
        Some(text) => text.map(Cow::into_owned),
        None => Err("expected a JSON string"),
    }
}

/// Decodes the escapes of a JSON string body, rejecting lone surrogates as serde_json does.
fn unescape(body: &str) -> Result<String, &'static str> {
    let mut out = String::with_capacity(body.len());
    unescape_into(body, &mut out, |c, out| out.push(c))?;
    Ok(out)
}

/// Appends the JSON string body `body` to `out` with each escape decoded and handed to `push`;
/// the text between escapes is copied as it is.
fn unescape_into(
    body: &str,
    out: &mut String,
    push: impl Fn(char, &mut String),
) -> Result<(), &'static str> {
    const BAD: &str = "invalid escape in string";
    let bytes = body.as_bytes();
    let mut start = 0;
    while let Some(offset) = bytes
        .get(start..)
        .and_then(|rest| memchr::memchr(b'\\', rest))
    {
        let at = start + offset;
        // `at` is an ASCII backslash, so both slices end on character boundaries.
        out.push_str(body.get(start..at).ok_or(BAD)?);
        let escape = *bytes.get(at + 1).ok_or(BAD)?;
        start = at + 2;
        let c = match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = hex4(bytes, start).ok_or(BAD)?;
                start += 4;
                match unit {
                    0xD800..=0xDBFF => {
                        // A leading surrogate must be followed by an escaped trailing one.
                        if bytes.get(start..start + 2) != Some(&b"\\u"[..]) {
                            return Err("lone leading surrogate in hex escape");
                        }
                        let low = hex4(bytes, start + 2).ok_or(BAD)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err("lone leading surrogate in hex escape");
                        }
                        start += 6;
                        let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(scalar).ok_or(BAD)?
                    }
                    0xDC00..=0xDFFF => return Err("lone trailing surrogate in hex escape"),
                    _ => char::from_u32(unit).ok_or(BAD)?,
                }
            }
            _ => return Err(BAD),
        };
        push(c, out);
    }
    out.push_str(body.get(start..).ok_or(BAD)?);
    Ok(())
}

/// Appends `c`, decoded from an escape, the way serde_json writes it inside a string: `"`, `\`
/// and control characters escaped (the short forms where JSON has one, else `\u00xx`), anything
/// else raw.
fn push_json_char(c: char, out: &mut String) {
    let short = match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        c if c < ' ' => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let b = c as u8;
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
            return;
        }
        c => {
            out.push(c);
            return;
        }
    };
    out.push_str(short);
}

/// The value of the four hex digits at `bytes[at..at + 4]`.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at.checked_add(4)?)?;
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = char::from(d).to_digit(16)?;
        Some(acc * 16 + v)
    })
}

/// An object key: borrowed when it has no escapes. (Keys do not go through `RawValue`.)
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.into())))
            }
        }
        deserializer.deserialize_str(V(PhantomData))
    }
}

/// Any JSON value, consumed and dropped without allocating (except for a string with escapes
/// inside it, which serde_json unescapes into its scratch buffer).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Skip;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Skip, E> {
                Ok(Skip)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
                Skip::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(Skip)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
                while map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value::<Skip>()?;
                }
                Ok(Skip)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The non-empty string in `s`, if any.
pub(super) fn non_empty<'a>(s: Option<Str<'a>>) -> Option<Str<'a>> {
    s.filter(|s| !s.is_empty())
}

/// An array element that carries an `index` (a choice, a candidate). A missing index means 0.
pub(super) trait Indexed {
    fn index(&self) -> Option<u64>;
}

/// The first element of an array whose `index` is 0 (absent counts as 0); the other elements are
/// decoded (so malformed ones are still errors) and dropped. `null` or a missing field is `None`.
#[derive(Debug)]
pub(super) struct IndexZero<T>(pub(super) Option<T>);

impl<T> Default for IndexZero<T> {
    fn default() -> Self {
        IndexZero(None)
    }
}

impl<'de, T: Deserialize<'de> + Indexed> Deserialize<'de> for IndexZero<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Indexed> Visitor<'de> for V<T> {
            type Value = IndexZero<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(IndexZero(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(IndexZero(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut found = None;
                while let Some(item) = seq.next_element::<T>()? {
                    if found.is_none() && item.index().unwrap_or(0) == 0 {
                        found = Some(item);
                    }
                }
                Ok(IndexZero(found))
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

/// An array kept without a heap allocation while it has at most one element. `null` or a missing
/// field is empty.
#[derive(Debug)]
pub(super) struct InlineSeq<T> {
    first: Option<T>,
    rest: Vec<T>,
}

impl<T> Default for InlineSeq<T> {
    fn default() -> Self {
        InlineSeq {
            first: None,
            rest: Vec::new(),
        }
    }
}

impl<T> IntoIterator for InlineSeq<T> {
    type Item = T;
    type IntoIter = core::iter::Chain<core::option::IntoIter<T>, alloc::vec::IntoIter<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.first.into_iter().chain(self.rest)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for InlineSeq<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = InlineSeq<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array or null")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(InlineSeq::default())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(InlineSeq::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = InlineSeq::default();
                while let Some(item) = seq.next_element::<T>()? {
                    if out.first.is_none() {
                        out.first = Some(item);
                    } else {
                        out.rest.push(item);
                    }
                }
                Ok(out)
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

/// A value that should be a JSON string but that some servers send as raw JSON (tool-call
/// `arguments` as an object instead of a string): a string is kept as it is (borrowed when it has
/// no escapes); any other value becomes its compact JSON text (see [`compact`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct JsonText<'a>(pub(super) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        match json_string(raw.get()) {
            Some(Ok(text)) => Ok(JsonText(text)),
            Some(Err(e)) => Err(D::Error::custom(e)),
            // Not a string: the value's compact JSON text.
            None => compact(raw)
                .map(|json| JsonText(Cow::Owned(json)))
                .map_err(D::Error::custom),
        }
    }
}

/// A JSON scalar rendered as a string (`"rate_limit"`, `503`, `true`); `null`, objects and arrays
/// are `None`.
#[derive(Debug, Default)]
pub(super) struct Scalar(pub(super) Option<String>);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.into())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(Some(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(Some(v.to_string())))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl Scalar {
    fn non_empty(self) -> Option<String> {
        self.0.filter(|s| !s.is_empty())
    }
}

/// An error object a provider sends inside the stream:
/// `{"message":..., "type":..., "code":..., "status":...}` (OpenAI-compatible servers use `type`
/// and `code`, Gemini `code` and `status`), or a bare string (the message). Fields are read
/// leniently: `code` may be a string or a number, and anything may be `null` or missing.
#[derive(Debug, Default)]
pub(super) struct ProviderError {
    pub(super) message: Option<String>,
    pub(super) error_type: Option<String>,
    pub(super) code: Option<String>,
    pub(super) status: Option<String>,
}

impl ProviderError {
    /// The message, or a stand-in naming the provider when the error carried none.
    pub(super) fn message_or(&self, fallback: &str) -> String {
        match &self.message {
            Some(m) => m.clone(),
            None => fallback.into(),
        }
    }
}

impl ProviderError {
    /// The error carried by an event named `error`: `{"error":{...}}`, a bare error object, a JSON
    /// string, or (when the data is none of these) the raw data as the message.
    pub(super) fn from_event_data(data: &str) -> ProviderError {
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            error: Option<ProviderError>,
        }
        if let Ok(Envelope { error: Some(e) }) = serde_json::from_str::<Envelope>(data) {
            return e;
        }
        match serde_json::from_str::<ProviderError>(data) {
            Ok(e)
                if e.message.is_some()
                    || e.error_type.is_some()
                    || e.code.is_some()
                    || e.status.is_some() =>
            {
                e
            }
            _ => ProviderError {
                message: Some(data.trim().into()),
                ..ProviderError::default()
            },
        }
    }
}

/// The error type used when a provider's error object names none (no `type`, `status` or
/// `code`): the generic API error type.
pub(super) const FALLBACK_ERROR_TYPE: &str = "api_error";

impl<'de> Deserialize<'de> for ProviderError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ProviderError;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error object or message")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProviderError, E> {
                Ok(ProviderError {
                    message: Some(v.into()),
                    ..ProviderError::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ProviderError, A::Error> {
                let mut out = ProviderError::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let slot = match &*key.0 {
                        "message" => &mut out.message,
                        "type" => &mut out.error_type,
                        "code" => &mut out.code,
                        "status" => &mut out.status,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = map.next_value::<Scalar>()?.non_empty();
                }
                Ok(out)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The compact JSON text of an already-validated JSON value, as `serde_json` writes it: no
/// whitespace between tokens, keys in their order, strings with escapes decoded and written the
/// way serde_json escapes them (UTF-8 raw; only `"`, `\\` and control characters escaped).
/// Numbers are kept exactly as sent (nothing is parsed, so there is no float formatting), and
/// the only allocation is the output.
///
/// Errors on a lone UTF-16 surrogate escape, which serde_json accepts in a `RawValue` but
/// rejects in a string.
pub(super) fn compact(raw: &RawValue) -> Result<String, &'static str> {
    let text = raw.get();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                let end = string_end(bytes, i + 1).ok_or("unterminated string")?;
                // Both ends are ASCII quotes: the slice is on character boundaries.
                let body = text.get(i + 1..end).ok_or("unterminated string")?;
                out.push('"');
                unescape_into(body, &mut out, push_json_char)?;
                out.push('"');
                i = end + 1;
            }
            _ => {
                // A run of number, literal and punctuation bytes (all ASCII in valid JSON).
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'"'))
                {
                    i += 1;
                }
                out.push_str(text.get(start..i).ok_or("invalid JSON")?);
            }
        }
    }
    Ok(out)
}

/// The index of the quote that ends the string whose body starts at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        at += memchr::memchr2(b'"', b'\\', bytes.get(at..)?)?;
        if bytes[at] == b'"' {
            return Some(at);
        }
        at += 2;
    }
}

/// Decodes `data` as `T`, naming `what` in the error message.
pub(super) fn decode<'a, T: Deserialize<'a>>(data: &'a str, what: &str) -> Result<T, String> {
    serde_json::from_str(data).map_err(|e| {
        let mut msg = String::new();
        // Writing to a String cannot fail.
        let _ = write!(msg, "undecodable {what}: {e}");
        msg
    })
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;

    #[test]
    fn str_borrows_unescaped_text_and_owns_escaped_text() {
        let s: Str<'_> = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(s.0, Cow::Borrowed("plain")));
        let s: Str<'_> = serde_json::from_str(r#""a\nb""#).unwrap();
        assert!(matches!(s.0, Cow::Owned(ref o) if o == "a\nb"));
        assert!(serde_json::from_str::<Str<'_>>("1").is_err());
    }

    /// `Str` and `string_from_raw` (the crate's one JSON string unescaper) against serde_json.
    #[test]
    fn str_unescapes_exactly_like_serde_json() {
        let cases = [
            r#""""#,
            r#""plain""#,
            r#""\n""#,
            r#""a\"b\\c\/d\b\f\n\r\t""#,
            r#""\" \\ \/ \b \f \n \r \t""#,
            r#""\u0041\u00e9\u4f60\uFFFF\u0000""#,
            r#""\u0000\u001f\u00e9\u20AC\uFFFF""#,
            r#""\ud83e\udd80 crab \uD83D\uDE00""#,
            r#""\ud83d\ude00 and \uD834\uDD1E""#,
            r#""tail \\""#,
            r#""tail\\""#,
            "\"raw ü 🦀 \\u00fc\"",
            r#""ü 😀 \\u0041""#,
        ];
        for case in cases {
            let theirs: String = serde_json::from_str(case).unwrap();
            let ours: Str<'_> = serde_json::from_str(case).unwrap();
            assert_eq!(ours.as_str(), theirs, "{case}");
            let raw: &RawValue = serde_json::from_str(case).unwrap();
            assert_eq!(string_from_raw(raw), Ok(theirs), "{case}");
        }
        for bad in [
            r#""\ud800""#,
            r#""\ud800x""#,
            r#""\ud800\u0041""#,
            r#""\ud83d\n""#,
            r#""\udc00""#,
            r#""\x""#,
            r#""\u12""#,
            "\"a\u{1}\"",
            "1",
            "{}",
            "null",
        ] {
            assert!(serde_json::from_str::<Str<'_>>(bad).is_err(), "{bad}");
        }
        // Lone surrogates pass serde_json's `RawValue` check, so the unescaper must catch them.
        for lone in [
            r#""\ud83d""#,
            r#""\ud83d\u0041""#,
            r#""\ude00""#,
            r#""\ud83d\n""#,
            r#""x\ud800""#,
        ] {
            assert!(serde_json::from_str::<String>(lone).is_err(), "{lone}");
            let raw: &RawValue = serde_json::from_str(lone).unwrap();
            assert!(string_from_raw(raw).is_err(), "{lone}");
        }
        for not_a_string in ["[1]", "42", "null", "{}"] {
            let raw: &RawValue = serde_json::from_str(not_a_string).unwrap();
            assert_eq!(string_from_raw(raw), Err("expected a JSON string"));
        }
        // In a struct, with whitespace around the value.
        #[derive(Deserialize)]
        struct S<'a> {
            #[serde(borrow)]
            a: Option<Str<'a>>,
        }
        let s: S<'_> = serde_json::from_str(r#"{ "a" : "x\ty" }"#).unwrap();
        assert_eq!(s.a.unwrap().as_str(), "x\ty");
        let s: S<'_> = serde_json::from_str(r#"{"a":null}"#).unwrap();
        assert!(s.a.is_none());
    }

    proptest::proptest! {
        /// Any string, escaped as serde_json escapes it or with every non-ASCII char as `\u`
        /// escapes (surrogate pairs included), unescapes back to itself.
        #[test]
        fn unescaping_round_trips_like_serde_json(
            s in "\\PC*|[\"\\\\\\n\\u{0}-\\u{1f}é😀]*",
            ascii_escape in proptest::bool::ANY,
        ) {
            let mut raw = serde_json::to_string(&s).unwrap();
            if ascii_escape {
                let mut escaped = String::new();
                for ch in raw.chars() {
                    if ch.is_ascii() {
                        escaped.push(ch);
                    } else {
                        let mut buf = [0u16; 2];
                        for unit in ch.encode_utf16(&mut buf) {
                            escaped.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
                raw = escaped;
            }
            let value: &RawValue = serde_json::from_str(&raw).unwrap();
            proptest::prop_assert_eq!(string_from_raw(value), Ok(s.clone()));
            let ours: Str<'_> = serde_json::from_str(&raw).unwrap();
            proptest::prop_assert_eq!(ours.as_str(), s.as_str());
        }
    }

    #[test]
    fn skip_consumes_any_value() {
        #[derive(Deserialize)]
        struct S {
            #[serde(default)]
            _x: Skip,
            y: u8,
        }
        for x in [
            "null",
            "1",
            "-2.5e3",
            "true",
            r#""s\n""#,
            r#"[{"a":[{"b":{}}]},[],"q"]"#,
            r#"{"k":{"k":{"k":[1,2,{"z":null}]}}}"#,
        ] {
            let s: S = serde_json::from_str(&format!(r#"{{"_x":{x},"y":7}}"#)).unwrap();
            assert_eq!(s.y, 7, "{x}");
        }
        assert!(serde_json::from_str::<S>(r#"{"_x":[1,,],"y":7}"#).is_err());
    }

    #[derive(Deserialize, Debug)]
    struct Item {
        index: Option<u64>,
        v: u32,
    }
    impl Indexed for Item {
        fn index(&self) -> Option<u64> {
            self.index
        }
    }

    #[test]
    fn index_zero_picks_the_first_element_with_index_0() {
        let z: IndexZero<Item> =
            serde_json::from_str(r#"[{"index":1,"v":1},{"index":0,"v":2},{"index":0,"v":3}]"#)
                .unwrap();
        assert_eq!(z.0.map(|i| i.v), Some(2));
        let z: IndexZero<Item> = serde_json::from_str(r#"[{"v":7}]"#).unwrap();
        assert_eq!(z.0.map(|i| i.v), Some(7));
        let z: IndexZero<Item> = serde_json::from_str("null").unwrap();
        assert!(z.0.is_none());
        let z: IndexZero<Item> = serde_json::from_str(r#"[{"index":2,"v":1}]"#).unwrap();
        assert!(z.0.is_none());
        assert!(serde_json::from_str::<IndexZero<Item>>(r#"[{"index":2}]"#).is_err());
        assert!(serde_json::from_str::<IndexZero<Item>>("{}").is_err());
    }

    #[test]
    fn inline_seq_keeps_every_element_in_order() {
        let s: InlineSeq<u32> = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(s.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
        let s: InlineSeq<u32> = serde_json::from_str("[]").unwrap();
        assert_eq!(s.into_iter().count(), 0);
        let s: InlineSeq<u32> = serde_json::from_str("null").unwrap();
        assert_eq!(s.into_iter().count(), 0);
    }

    #[test]
    fn provider_error_reads_objects_strings_and_numeric_codes() {
        let e: ProviderError = serde_json::from_str(
            r#"{"message":"m","type":null,"code":503,"status":"UNAVAILABLE","param":{"x":[1]}}"#,
        )
        .unwrap();
        assert_eq!(e.message.as_deref(), Some("m"));
        assert_eq!(e.error_type, None);
        assert_eq!(e.code.as_deref(), Some("503"));
        assert_eq!(e.status.as_deref(), Some("UNAVAILABLE"));
        let e: ProviderError = serde_json::from_str(r#""boom""#).unwrap();
        assert_eq!(e.message.as_deref(), Some("boom"));
        let e: ProviderError = serde_json::from_str(r#"{"type":"","code":"x"}"#).unwrap();
        assert_eq!(
            (e.error_type.as_deref(), e.code.as_deref()),
            (None, Some("x"))
        );
        assert_eq!(e.message_or("fallback"), "fallback");
    }

    #[test]
    fn error_event_data_in_every_shape() {
        let e = ProviderError::from_event_data(r#"{"error":{"message":"m","type":"t"}}"#);
        assert_eq!(
            (e.message.as_deref(), e.error_type.as_deref()),
            (Some("m"), Some("t"))
        );
        let e = ProviderError::from_event_data(r#"{"message":"flat","code":429}"#);
        assert_eq!(
            (e.message.as_deref(), e.code.as_deref()),
            (Some("flat"), Some("429"))
        );
        let e = ProviderError::from_event_data(r#""just a string""#);
        assert_eq!(e.message.as_deref(), Some("just a string"));
        let e = ProviderError::from_event_data(" Internal Server Error \n");
        assert_eq!(e.message.as_deref(), Some("Internal Server Error"));
        let e = ProviderError::from_event_data(r#"{"unrelated":1}"#);
        assert_eq!(e.message.as_deref(), Some(r#"{"unrelated":1}"#));
        assert_eq!(e.error_type, None);
    }

    fn compacted(json: &str) -> String {
        compact(serde_json::from_str::<&RawValue>(json).unwrap()).unwrap()
    }

    #[test]
    fn compact_keeps_order_spelling_and_escapes_and_drops_whitespace() {
        assert_eq!(
            compacted(
                "{ \"z\" : [1, -2, 2.50, 1e3, true, false, null, {}], \"a\\u0001\": \"q \\\" \\\\\\n\\u001f\u{e9}\",\r\n\t\"e\": [ ] }"
            ),
            "{\"z\":[1,-2,2.50,1e3,true,false,null,{}],\"a\\u0001\":\"q \\\" \\\\\\n\\u001f\u{e9}\",\"e\":[]}"
        );
        assert_eq!(compacted("\"x\""), "\"x\"");
        assert_eq!(compacted(" \"a b\\\\\" "), "\"a b\\\\\"");
        assert_eq!(compacted("[\"\\\"\", \" \"]"), "[\"\\\"\",\" \"]");
    }

    #[test]
    fn compact_writes_escapes_as_serde_json_does() {
        let sent = r#"{"caf\u00e9": "caf\u00e9 \/ \u0022 \u005c \u0008\u000c\u000A\u000d\u0009 \u001F \u007f \ud83d\ude00"}"#;
        let value: serde_json::Value = serde_json::from_str(sent).unwrap();
        assert_eq!(compacted(sent), serde_json::to_string(&value).unwrap());
        assert_eq!(
            compacted(sent),
            "{\"café\":\"café / \\\" \\\\ \\b\\f\\n\\r\\t \\u001f \u{7f} 😀\"}"
        );
        let lone = serde_json::from_str::<&RawValue>(r#"["\ud800"]"#).unwrap();
        assert_eq!(compact(lone), Err("lone leading surrogate in hex escape"));
    }

    /// `value`'s JSON with every character of every string written as a `\\u` escape (surrogate
    /// pairs beyond the BMP), the most escaped spelling a provider could send.
    fn escaped_everything(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::String(s) => {
                out.push('"');
                for unit in s.encode_utf16() {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
                out.push('"');
            }
            serde_json::Value::Array(items) => {
                out.push_str("[ ");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" , ");
                    }
                    escaped_everything(item, out);
                }
                out.push_str(" ]");
            }
            serde_json::Value::Object(map) => {
                out.push_str("{ ");
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" , ");
                    }
                    escaped_everything(&serde_json::Value::String(key.clone()), out);
                    out.push_str(" : ");
                    escaped_everything(item, out);
                }
                out.push_str(" }");
            }
            other => out.push_str(&other.to_string()),
        }
    }

    proptest::proptest! {
        /// However a provider spells the escapes, the compact text is what serde_json writes.
        #[test]
        fn compact_of_escaped_text_is_serde_jsons_text(value in json_value()) {
            let mut sent = String::new();
            escaped_everything(&value, &mut sent);
            proptest::prop_assert_eq!(compacted(&sent), serde_json::to_string(&value).unwrap());
        }

        /// Any JSON value, pretty-printed or compact: the compact text means the same value, has
        /// no whitespace outside strings, and is what serde_json writes for values whose strings
        /// need no escapes of their own.
        #[test]
        fn compact_means_the_same_value(value in json_value()) {
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            let compact_text = compacted(&pretty);
            let reparsed: serde_json::Value = serde_json::from_str(&compact_text).unwrap();
            proptest::prop_assert_eq!(&reparsed, &value);
            proptest::prop_assert_eq!(compacted(&compact_text), compact_text.clone());
            proptest::prop_assert_eq!(compact_text, serde_json::to_string(&value).unwrap());
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Binary fractions: serde_json parses them exactly even without its
            // `float_roundtrip` feature (this property is about whitespace and strings).
            (-1_000_000i64..1_000_000).prop_map(|n| serde_json::Value::from(n as f64 / 8.0)),
            "[ -~\\t\\n\\u{1}\\u{7f}\\u{e9}\\u{1F600}]{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z ]{0,6}", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn json_text_keeps_strings_and_compacts_other_values() {
        let t: JsonText<'_> = serde_json::from_str(r#""{\"a\":1}""#).unwrap();
        assert_eq!(t.0, r#"{"a":1}"#);
        let t: JsonText<'_> = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(t.0, Cow::Borrowed("plain")));
        let t: JsonText<'_> = serde_json::from_str(r#"{ "b" : [1, 2.5] , "a": null }"#).unwrap();
        assert_eq!(t.0, r#"{"b":[1,2.5],"a":null}"#);
        let t: JsonText<'_> = serde_json::from_str("true").unwrap();
        assert_eq!(t.0, "true");
        let t: JsonText<'_> = serde_json::from_str("-3").unwrap();
        assert_eq!(t.0, "-3");
    }

    #[test]
    fn decode_names_what_failed() {
        let err = decode::<IgnoredAny>("{", "OpenAI chunk").unwrap_err();
        assert!(err.starts_with("undecodable OpenAI chunk: "), "{err}");
    }
}
