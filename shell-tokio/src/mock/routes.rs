//! What each provider's endpoint looks like: its path, its credentials, and how the mock
//! refuses requests that do not match (in the provider's own error shape).

use http::{HeaderMap, Method, StatusCode, header};
use llm_sse_core::Provider;

/// Why a request does not reach the provider's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rejection {
    pub(super) status: StatusCode,
    pub(super) message: String,
}

/// The endpoint a provider streams from, as a person would write it in a message.
pub(super) fn endpoint(provider: Provider) -> &'static str {
    match provider {
        Provider::Anthropic => "POST /v1/messages",
        Provider::OpenAi => "POST /v1/chat/completions",
        _ => "POST /v1beta/models/{model}:streamGenerateContent?alt=sse",
    }
}

/// Whether `path` (without the query) is the provider's streaming endpoint.
pub(super) fn is_endpoint(provider: Provider, path: &str) -> bool {
    match provider {
        Provider::Anthropic => path == "/v1/messages",
        Provider::OpenAi => path == "/v1/chat/completions",
        _ => path
            .strip_prefix("/v1beta/models/")
            .and_then(|rest| rest.strip_suffix(":streamGenerateContent"))
            .is_some_and(|model| !model.is_empty() && !model.contains('/')),
    }
}

/// The value of the first `name=value` pair in a query string, undecoded.
pub(super) fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Checks method, path and (when `api_key` is set) credentials, in that order.
pub(super) fn check(
    provider: Provider,
    api_key: Option<&str>,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    let expected = endpoint(provider);
    if !is_endpoint(provider, path) {
        let message = match provider {
            Provider::OpenAi => {
                format!("Invalid URL ({method} {path}); this mock serves {expected}")
            }
            _ => format!("Not found: {method} {path}; this mock serves {expected}"),
        };
        return Err(Rejection {
            status: StatusCode::NOT_FOUND,
            message,
        });
    }
    if method != Method::POST {
        return Err(Rejection {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("Method {method} not allowed; this mock serves {expected}"),
        });
    }
    match api_key {
        Some(key) => authorize(provider, key, headers, query),
        None => Ok(()),
    }
}

fn authorize(
    provider: Provider,
    key: &str,
    headers: &HeaderMap,
    query: &str,
) -> Result<(), Rejection> {
    let header_value = |name: &str| headers.get(name).map(|v| v.as_bytes());
    let (presented, missing, wrong): (Option<&[u8]>, &str, &str) = match provider {
        Provider::Anthropic => (
            header_value("x-api-key"),
            "x-api-key header is required",
            "invalid x-api-key",
        ),
        Provider::OpenAi => (
            header_value(header::AUTHORIZATION.as_str()).and_then(bearer_token),
            "You didn't provide an API key. Provide it in an Authorization header using Bearer auth \
             (Authorization: Bearer YOUR_KEY).",
            "Incorrect API key provided.",
        ),
        _ => (
            header_value("x-goog-api-key").or_else(|| query_param(query, "key").map(str::as_bytes)),
            "Method doesn't allow unregistered callers. Please use an API key.",
            "API key not valid. Please pass a valid API key.",
        ),
    };
    let message = match presented {
        Some(k) if k == key.as_bytes() => return Ok(()),
        Some(_) => wrong,
        None => missing,
    };
    Err(Rejection {
        status: StatusCode::UNAUTHORIZED,
        message: message.to_owned(),
    })
}

/// The token of an `Authorization: Bearer <token>` value (the scheme is case-insensitive).
fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let (scheme, token) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn endpoints() {
        assert!(is_endpoint(Provider::Anthropic, "/v1/messages"));
        assert!(!is_endpoint(Provider::Anthropic, "/v1/messages/"));
        assert!(is_endpoint(Provider::OpenAi, "/v1/chat/completions"));
        assert!(is_endpoint(
            Provider::Gemini,
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
        ));
        assert!(!is_endpoint(
            Provider::Gemini,
            "/v1beta/models/:streamGenerateContent"
        ));
        assert!(!is_endpoint(
            Provider::Gemini,
            "/v1beta/models/a/b:streamGenerateContent"
        ));
        assert!(!is_endpoint(
            Provider::Gemini,
            "/v1beta/models/m:generateContent"
        ));
    }

    #[test]
    fn query_params() {
        assert_eq!(query_param("alt=sse&key=k1", "key"), Some("k1"));
        assert_eq!(query_param("alt=sse", "key"), None);
        assert_eq!(query_param("key", "key"), Some(""));
        assert_eq!(query_param("", "alt"), None);
    }

    #[test]
    fn credentials_per_provider() {
        let ok = |p, h: &[(&'static str, &'static str)], q| {
            check(p, Some("k1"), &Method::POST, ok_path(p), q, &headers(h)).is_ok()
        };
        assert!(ok(Provider::Anthropic, &[("x-api-key", "k1")], ""));
        assert!(!ok(Provider::Anthropic, &[("x-api-key", "k2")], ""));
        assert!(!ok(
            Provider::Anthropic,
            &[("authorization", "Bearer k1")],
            ""
        ));
        assert!(ok(Provider::OpenAi, &[("authorization", "Bearer k1")], ""));
        assert!(ok(Provider::OpenAi, &[("authorization", "bearer k1")], ""));
        assert!(!ok(Provider::OpenAi, &[("authorization", "Bearer k2")], ""));
        assert!(!ok(Provider::OpenAi, &[("authorization", "k1")], ""));
        assert!(ok(Provider::Gemini, &[("x-goog-api-key", "k1")], "alt=sse"));
        assert!(ok(Provider::Gemini, &[], "alt=sse&key=k1"));
        assert!(!ok(Provider::Gemini, &[], "alt=sse&key=k2"));
        assert!(!ok(Provider::Gemini, &[], "alt=sse"));
    }

    fn ok_path(p: Provider) -> &'static str {
        match p {
            Provider::Anthropic => "/v1/messages",
            Provider::OpenAi => "/v1/chat/completions",
            _ => "/v1beta/models/m:streamGenerateContent",
        }
    }

    #[test]
    fn rejections() {
        let h = HeaderMap::new();
        let r = check(Provider::OpenAi, None, &Method::POST, "/v1/x", "", &h).unwrap_err();
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            r.message.starts_with("Invalid URL (POST /v1/x)"),
            "{}",
            r.message
        );
        let r = check(
            Provider::Anthropic,
            None,
            &Method::GET,
            "/v1/messages",
            "",
            &h,
        )
        .unwrap_err();
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        let r = check(
            Provider::Anthropic,
            Some("k"),
            &Method::POST,
            "/v1/messages",
            "",
            &h,
        );
        assert_eq!(r.unwrap_err().message, "x-api-key header is required");
    }
}
