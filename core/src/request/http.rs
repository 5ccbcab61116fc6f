//! [`HttpRequest`]: what a shell sends, with [`Headers`] that never show secrets.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value;

/// An HTTP request to a provider, ready to send: built by [`build`](super::build).
///
/// The URL is the provider's base URL joined with [`path`](HttpRequest::path)
/// ([`url`](HttpRequest::url) does it); the body is [`body_bytes`](HttpRequest::body_bytes).
/// Its `Debug` output never shows the API key (see [`Headers`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct HttpRequest {
    /// The method (always `POST` today).
    pub method: Method,
    /// The path and query to append to the base URL, starting with `/`: `/v1/messages`,
    /// `/chat/completions`, `/v1beta/models/{model}:streamGenerateContent?alt=sse`.
    pub path: String,
    /// The headers: authentication, version, content type.
    pub headers: Headers,
    /// The JSON body (streaming on).
    pub body: Value,
}

impl HttpRequest {
    /// The full URL: `base_url` without its trailing slashes, then [`path`](HttpRequest::path).
    ///
    /// ```
    /// use llm_sse_core::Provider;
    /// use llm_sse_core::request::{build, ChatMessage, ChatRequest};
    ///
    /// let request = ChatRequest::new("gpt-4o", vec![ChatMessage::user("Hi")]);
    /// let http = build(Provider::OpenAi, &request, Some("sk-test")).unwrap();
    /// assert_eq!(
    ///     http.url(Provider::OpenAi.default_base_url()),
    ///     "https://api.openai.com/v1/chat/completions"
    /// );
    /// assert_eq!(http.url("http://localhost:11434/v1/"), "http://localhost:11434/v1/chat/completions");
    /// ```
    pub fn url(&self, base_url: &str) -> String {
        let base = base_url.trim_end_matches('/');
        let mut url = String::with_capacity(base.len() + self.path.len());
        url.push_str(base);
        url.push_str(&self.path);
        url
    }

    /// The body as compact JSON bytes.
    pub fn body_bytes(&self) -> Vec<u8> {
        // Serializing a `Value` cannot fail: its keys are strings and its numbers finite.
        serde_json::to_vec(&self.body).unwrap_or_default()
    }
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `POST`.
    Post,
    /// `GET` (a metadata server's token request).
    Get,
}

impl Method {
    /// The method's name: `POST`, `GET`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Get => "GET",
        }
    }

    /// The same method in the `http` crate's type.
    #[cfg(feature = "http")]
    pub(crate) fn to_http(self) -> http::Method {
        match self {
            Method::Post => http::Method::POST,
            Method::Get => http::Method::GET,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP headers as (name, value) pairs in insertion order, names in lowercase.
///
/// `Debug` shows the value of a sensitive header ([`Headers::is_sensitive`]: credentials such as
/// `x-api-key` or `authorization`) as `<redacted>`, so logging a request never leaks its key.
///
/// ```
/// use llm_sse_core::request::Headers;
///
/// let mut headers = Headers::new();
/// headers.insert("X-Api-Key", "sk-secret");
/// headers.insert("anthropic-version", "2023-06-01");
/// assert_eq!(headers.get("x-api-key"), Some("sk-secret"));
/// let debug = format!("{headers:?}");
/// assert!(!debug.contains("sk-secret"));
/// assert_eq!(debug, r#"{"x-api-key": "<redacted>", "anthropic-version": "2023-06-01"}"#);
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    /// No headers.
    pub const fn new() -> Self {
        Headers {
            entries: Vec::new(),
        }
    }

    /// Sets `name` (case-insensitive, stored in lowercase) to `value`, replacing any value it
    /// had.
    pub fn insert(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self
            .entries
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name.to_ascii_lowercase(), value)),
        }
    }

    /// The value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The (name, value) pairs, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True for headers that carry credentials (`authorization`, `proxy-authorization`,
    /// `x-api-key`, `x-goog-api-key`, `api-key`, `cookie`, `x-amz-security-token`): their values are redacted in
    /// `Debug`, and a shell should mark them sensitive (hyper's `HeaderValue::set_sensitive`).
    pub fn is_sensitive(name: &str) -> bool {
        const SENSITIVE: [&str; 7] = [
            "authorization",
            "proxy-authorization",
            "x-api-key",
            "x-goog-api-key",
            "api-key",
            "cookie",
            "x-amz-security-token",
        ];
        SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.entries {
            if Headers::is_sensitive(name) {
                map.entry(name, &"<redacted>");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a str);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}
