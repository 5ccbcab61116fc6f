//! What each provider's endpoint looks like: its path, its credentials, and how the mock
//! refuses requests that do not match (in the provider's own error shape). Everything here is
//! read from the provider table ([`ProviderSpec`]): the mock knows no provider by name.

use http::{HeaderMap, Method, StatusCode};
use llm_sse_core::Provider;
use llm_sse_core::provider::ProviderSpec;

/// Why a request does not reach the provider's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rejection {
    pub(super) status: StatusCode,
    pub(super) message: String,
}

/// The endpoint a provider streams from, as a person would write it in a message:
/// `POST /v1/messages`, `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`.
pub(super) fn endpoint(provider: Provider) -> String {
    let spec = provider.spec();
    format!("POST {}{}", spec.base_path(), spec.endpoint)
}

/// Whether `path` (without the query) is the provider's streaming endpoint, under the path of
/// its base URL (OpenAI's `/v1`).
pub(super) fn is_endpoint(provider: Provider, path: &str) -> bool {
    let spec = provider.spec();
    path.strip_prefix(spec.base_path())
        .is_some_and(|rest| spec.endpoint.matches(rest))
}

/// The value of the first `name=value` pair in a query string, undecoded.
pub(super) fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// The pairs of the endpoint's own query (Gemini's `alt=sse`) that `query` lacks: `None` when
/// it has them all, else the query to add.
pub(super) fn missing_query(spec: &ProviderSpec, query: &str) -> Option<&'static str> {
    let required = spec.endpoint.query()?;
    let has_all = required.split('&').all(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        query_param(query, key) == Some(value)
    });
    (!has_all).then_some(required)
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
        return Err(Rejection {
            status: StatusCode::NOT_FOUND,
            message: format!("Not found: {method} {path}; this mock serves {expected}"),
        });
    }
    if method != Method::POST {
        return Err(Rejection {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("Method {method} not allowed; this mock serves {expected}"),
        });
    }
    match api_key {
        Some(key) => authorize(provider.spec(), key, headers, query),
        None => Ok(()),
    }
}

/// The key must be where the provider takes it ([`ProviderSpec::auth`], or its
/// [`key_query`](ProviderSpec::key_query)); the refusal says what the provider's own servers
/// say.
fn authorize(
    spec: &ProviderSpec,
    key: &str,
    headers: &HeaderMap,
    query: &str,
) -> Result<(), Rejection> {
    let presented = headers
        .get(spec.auth.header())
        .and_then(|value| spec.auth.key_in(value.as_bytes()))
        .or_else(|| {
            let name = spec.key_query?;
            query_param(query, name).map(str::as_bytes)
        });
    let message = match presented {
        Some(k) if k == key.as_bytes() => return Ok(()),
        Some(_) => spec.error_message(401).unwrap_or("Invalid API key"),
        None => spec.missing_key_message,
    };
    Err(Rejection {
        status: StatusCode::UNAUTHORIZED,
        message: message.to_owned(),
    })
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
            check(p, Some("k1"), &Method::POST, &ok_path(p), q, &headers(h)).is_ok()
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

    fn ok_path(p: Provider) -> String {
        endpoint(p)
            .trim_start_matches("POST ")
            .replace("{model}", "m")
            .split('?')
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn rejections() {
        let h = HeaderMap::new();
        let r = check(Provider::OpenAi, None, &Method::POST, "/v1/x", "", &h).unwrap_err();
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            r.message,
            "Not found: POST /v1/x; this mock serves POST /v1/chat/completions"
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
        let h = headers(&[("x-api-key", "k2")]);
        let r = check(
            Provider::Anthropic,
            Some("k"),
            &Method::POST,
            "/v1/messages",
            "",
            &h,
        );
        assert_eq!(r.unwrap_err().message, "invalid x-api-key");
    }

    #[test]
    fn the_endpoints_own_query() {
        let gemini = Provider::Gemini.spec();
        assert_eq!(missing_query(gemini, "alt=sse&key=k"), None);
        assert_eq!(missing_query(gemini, "key=k"), Some("alt=sse"));
        assert_eq!(missing_query(gemini, "alt=json"), Some("alt=sse"));
        assert_eq!(missing_query(Provider::OpenAi.spec(), ""), None);
    }
}
