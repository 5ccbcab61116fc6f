//! What each provider's endpoint looks like: its path, its credentials, and how the mock
//! refuses requests that do not match (in the provider's own error shape). Everything here is
//! read from the provider table ([`ProviderSpec`]): the mock knows no provider by name, only
//! the kinds of credentials ([`Auth`]).

use http::{HeaderMap, Method, StatusCode};
use llm_sse_core::Provider;
use llm_sse_core::aws::sigv4::{SignableRequest, Signer};
use llm_sse_core::provider::{Auth, ProviderSpec};

use super::token::TokenBook;

/// Why a request does not reach the provider's endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rejection {
    pub(super) status: StatusCode,
    pub(super) message: String,
    /// The error type, when it is not the provider's usual one for the status (AWS's
    /// signature errors).
    pub(super) error_type: Option<&'static str>,
}

impl Rejection {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
            error_type: None,
        }
    }
}

/// The credentials a mock requires.
#[derive(Debug, Clone, Default)]
pub(super) struct Credentials {
    /// The key (the API key, the bearer token, or the AWS access key id) that must be
    /// presented.
    pub(super) api_key: Option<String>,
    /// AWS credentials and the region every request's signature must verify with.
    pub(super) aws: Option<(llm_sse_core::aws::AwsCredentials, String)>,
    /// The access tokens a mock token endpoint issued, which bearer tokens must be.
    pub(super) tokens: Option<std::sync::Arc<TokenBook>>,
}

impl Credentials {
    fn required(&self) -> bool {
        self.api_key.is_some() || self.aws.is_some() || self.tokens.is_some()
    }
}

/// The request as it arrived, for the credentials' checks.
pub(super) struct Received<'a> {
    pub(super) method: &'a Method,
    pub(super) host: &'a str,
    pub(super) path: &'a str,
    pub(super) query: &'a str,
    pub(super) headers: &'a HeaderMap,
    pub(super) body: &'a [u8],
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

/// Checks method, path and (when some are required) credentials, in that order.
pub(super) fn check(
    provider: Provider,
    credentials: &Credentials,
    request: &Received<'_>,
) -> Result<(), Rejection> {
    let expected = endpoint(provider);
    let (method, path) = (request.method, request.path);
    if !is_endpoint(provider, path) {
        return Err(Rejection::new(
            StatusCode::NOT_FOUND,
            format!("Not found: {method} {path}; this mock serves {expected}"),
        ));
    }
    if method != Method::POST {
        return Err(Rejection::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} not allowed; this mock serves {expected}"),
        ));
    }
    if credentials.required() {
        authorize(provider.spec(), credentials, request)?;
    }
    Ok(())
}

/// The credentials must be where the provider takes them ([`ProviderSpec::auth`], or its
/// [`key_query`](ProviderSpec::key_query)); the refusal says what the provider's own servers
/// say.
fn authorize(
    spec: &ProviderSpec,
    credentials: &Credentials,
    request: &Received<'_>,
) -> Result<(), Rejection> {
    if let (Auth::AwsSigV4 { service }, Some((aws, region))) = (spec.auth, &credentials.aws) {
        return verify_signature(aws, region, service, request);
    }
    let presented = request
        .headers
        .get(spec.auth.header())
        .and_then(|value| spec.auth.key_in(value.as_bytes()))
        .or_else(|| {
            let name = spec.key_query?;
            query_param(request.query, name).map(str::as_bytes)
        });
    let valid = |k: &[u8]| match (&credentials.api_key, &credentials.tokens) {
        (Some(key), _) if k == key.as_bytes() => true,
        (_, Some(tokens)) => std::str::from_utf8(k).is_ok_and(|k| tokens.is_valid(k)),
        _ => false,
    };
    let message = match presented {
        Some(k) if valid(k) => return Ok(()),
        Some(_) => spec.error_message(401).unwrap_or("Invalid API key"),
        None => spec.missing_key_message,
    };
    let status = match spec.auth {
        // AWS refuses credentials with 403 (and its own error types: see `verify_signature`).
        Auth::AwsSigV4 { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    let mut rejection = Rejection::new(status, message);
    if let (Auth::AwsSigV4 { .. }, None) = (spec.auth, presented) {
        rejection.error_type = Some("MissingAuthenticationTokenException");
    } else if let Auth::AwsSigV4 { .. } = spec.auth {
        rejection.error_type = Some("UnrecognizedClientException");
        rejection.message = "The security token included in the request is invalid.".into();
    }
    Err(rejection)
}

/// Checks the request's AWS Signature Version 4 as AWS does ([`Signer::verify`]).
fn verify_signature(
    aws: &llm_sse_core::aws::AwsCredentials,
    region: &str,
    service: &str,
    request: &Received<'_>,
) -> Result<(), Rejection> {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let received = SignableRequest::new(request.method.as_str(), request.host, request.path)
        .query(request.query)
        .headers(headers)
        .payload(request.body);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Signer::new(aws, region, service)
        .verify(&received, now)
        .map_err(|e| Rejection {
            status: StatusCode::from_u16(e.status()).unwrap_or(StatusCode::FORBIDDEN),
            message: e.to_string(),
            error_type: Some(e.error_type()),
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
        assert!(is_endpoint(
            Provider::Bedrock,
            "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
        ));
        assert!(is_endpoint(
            Provider::Vertex,
            "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
        ));
        assert!(!is_endpoint(
            Provider::Vertex,
            "/projects/p/locations/us-east5/publishers/anthropic/models/m:streamRawPredict"
        ));
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

    fn check_with(
        provider: Provider,
        key: Option<&str>,
        method: &Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
    ) -> Result<(), Rejection> {
        let credentials = Credentials {
            api_key: key.map(str::to_owned),
            ..Credentials::default()
        };
        let request = Received {
            method,
            host: "127.0.0.1:9",
            path,
            query,
            headers,
            body: b"",
        };
        check(provider, &credentials, &request)
    }

    #[test]
    fn credentials_per_provider() {
        let ok = |p, h: &[(&'static str, &'static str)], q| {
            check_with(p, Some("k1"), &Method::POST, &ok_path(p), q, &headers(h)).is_ok()
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
        assert!(ok(Provider::Vertex, &[("authorization", "Bearer k1")], ""));
        assert!(!ok(Provider::Vertex, &[("authorization", "Bearer k2")], ""));
        // Bedrock's key is the access key id that signed (the signature unchecked).
        let signed = "AWS4-HMAC-SHA256 Credential=k1/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0";
        assert!(ok(Provider::Bedrock, &[("authorization", signed)], ""));
        assert!(!ok(
            Provider::Bedrock,
            &[("authorization", "Bearer k1")],
            ""
        ));
        let r = check_with(
            Provider::Bedrock,
            Some("k1"),
            &Method::POST,
            &ok_path(Provider::Bedrock),
            "",
            &HeaderMap::new(),
        )
        .unwrap_err();
        assert_eq!(
            (r.status, r.error_type, r.message.as_str()),
            (
                StatusCode::FORBIDDEN,
                Some("MissingAuthenticationTokenException"),
                "Missing Authentication Token"
            )
        );
    }

    fn ok_path(p: Provider) -> String {
        endpoint(p)
            .trim_start_matches("POST ")
            .replace("{model}", "m")
            .replace("{project}", "p")
            .replace("{region}", "r")
            .split('?')
            .next()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn rejections() {
        let h = HeaderMap::new();
        let r = check_with(Provider::OpenAi, None, &Method::POST, "/v1/x", "", &h).unwrap_err();
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            r.message,
            "Not found: POST /v1/x; this mock serves POST /v1/chat/completions"
        );
        let r = check_with(
            Provider::Anthropic,
            None,
            &Method::GET,
            "/v1/messages",
            "",
            &h,
        )
        .unwrap_err();
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        let r = check_with(
            Provider::Anthropic,
            Some("k"),
            &Method::POST,
            "/v1/messages",
            "",
            &h,
        );
        assert_eq!(r.unwrap_err().message, "x-api-key header is required");
        let h = headers(&[("x-api-key", "k2")]);
        let r = check_with(
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
