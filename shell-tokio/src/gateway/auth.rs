//! Inbound authentication: the gateway's own token (`LLM_SSE_TOKEN`), compared in constant
//! time, presented in any of the core's [`TOKEN_HEADERS`] (`Authorization: Bearer <token>`, or
//! `x-api-key: <token>` as the Anthropic SDKs send their key).

use std::fmt;
use std::hint::black_box;

use http::HeaderMap;
use llm_sse_core::gateway::{TOKEN_HEADERS, presented_token};

/// The token clients must present. Its `Debug` never shows it.
#[derive(Clone)]
pub(super) struct Token(Vec<u8>);

impl Token {
    /// The token, leading and trailing whitespace removed; `None` when nothing is left.
    pub(super) fn new(token: &str) -> Option<Token> {
        let token = token.trim();
        (!token.is_empty()).then(|| Token(token.as_bytes().to_vec()))
    }

    /// Whether `headers` carry this token in one of the [`TOKEN_HEADERS`]. Every header
    /// present is compared, in constant time.
    pub(super) fn admits(&self, headers: &HeaderMap) -> bool {
        let mut admitted = false;
        for name in TOKEN_HEADERS {
            for value in headers.get_all(name) {
                if let Some(presented) = presented_token(name, value.as_bytes()) {
                    admitted |= constant_time_eq(&self.0, presented);
                }
            }
        }
        admitted
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Whether `presented` equals `expected`, in a time that depends only on `expected`'s length:
/// every byte of `expected` is compared, whatever `presented` holds or how long it is, and the
/// differences are folded together without an early exit (`black_box` keeps the optimizer
/// from adding one). Only the branch on `presented`'s length, which its sender knows, differs.
pub(super) fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    let mut diff = expected.len() ^ presented.len();
    for (i, &e) in expected.iter().enumerate() {
        let p = presented.get(i).copied().unwrap_or(!e);
        diff = black_box(diff | usize::from(e ^ p));
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use http::header::AUTHORIZATION;

    #[test]
    fn constant_time_eq_is_equality() {
        let cases: [(&[u8], &[u8], bool); 7] = [
            (b"secret", b"secret", true),
            (b"secret", b"secreT", false),
            (b"secret", b"secre", false),
            (b"secret", b"secrets", false),
            (b"secret", b"", false),
            (b"s", b"s\0", false),
            (b"", b"", true),
        ];
        for (expected, presented, equal) in cases {
            assert_eq!(
                constant_time_eq(expected, presented),
                equal,
                "{presented:?}"
            );
        }
        // A presented value that is a prefix padded with what `unwrap_or` substitutes.
        assert!(!constant_time_eq(b"ab", b"a"));
    }

    #[test]
    fn bearer_tokens() {
        let token = Token::new(" t0k ").unwrap();
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
            token.admits(&headers)
        };
        assert!(with("Bearer t0k"));
        assert!(with("bearer t0k"));
        assert!(!with("Bearer t0k2"));
        assert!(!with("Basic t0k"));
        assert!(!with("t0k"));
        assert!(!token.admits(&HeaderMap::new()));
        let with_key = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-api-key", HeaderValue::from_static(value));
            token.admits(&headers)
        };
        assert!(with_key("t0k"));
        assert!(!with_key("Bearer t0k"));
        assert!(!with_key("t0k2"));
        // Either header may hold it.
        let mut both = HeaderMap::new();
        both.insert(AUTHORIZATION, HeaderValue::from_static("Bearer wrong"));
        both.insert("x-api-key", HeaderValue::from_static("t0k"));
        assert!(token.admits(&both));
        assert!(Token::new("  ").is_none());
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    }
}
