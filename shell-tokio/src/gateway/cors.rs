//! CORS for the configured origins (`--cors-origin`), preflight included.

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method};

/// The request headers a browser may send cross-origin, when the preflight names none. A
/// preflight that names headers (the SDKs send `x-api-key`, `anthropic-version`,
/// `x-stainless-*`, ...) gets them allowed: the origin itself is what the operator listed.
/// (`last-event-id` and `llm-sse-resumable` are the resumable streams' headers.)
const ALLOW_HEADERS: &str =
    "authorization, content-type, x-request-id, last-event-id, llm-sse-resumable";
/// The longest list of requested headers echoed back.
const MAX_REQUEST_HEADERS: usize = 2048;
/// The response headers a browser script may read (`llm-sse-stream-id`: a resumable stream's
/// id).
const EXPOSE_HEADERS: &str = "x-request-id, retry-after, llm-sse-stream-id";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE: &str = "600";

/// The origins allowed to call the gateway from a browser.
#[derive(Debug, Clone, Default)]
pub(super) struct Cors {
    origins: Vec<HeaderValue>,
    any: bool,
}

impl Cors {
    /// Allows `origins` (exact `scheme://host[:port]` values; `*` allows any origin).
    pub(super) fn new(origins: &[String]) -> Result<Cors, String> {
        let mut cors = Cors::default();
        for origin in origins {
            let origin = origin.trim().trim_end_matches('/');
            if origin == "*" {
                cors.any = true;
            } else {
                let value = HeaderValue::from_str(origin)
                    .map_err(|_| format!("{origin:?} is not a valid origin"))?;
                cors.origins.push(value);
            }
        }
        Ok(cors)
    }

    /// The `Access-Control-Allow-Origin` value for a request from `headers`' `Origin`, when it
    /// is allowed.
    fn allowed(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(ORIGIN)?;
        if self.any {
            Some(HeaderValue::from_static("*"))
        } else {
            self.origins.iter().find(|o| *o == origin).cloned()
        }
    }

    /// Whether the request is a CORS preflight: `OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`.
    pub(super) fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
        method == Method::OPTIONS
            && headers.contains_key(ORIGIN)
            && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    /// Adds the headers of an answer to a preflight for a route that allows `methods` to
    /// `response`; nothing when the origin is not allowed (the browser then refuses the
    /// request).
    pub(super) fn preflight(
        &self,
        request: &HeaderMap,
        methods: &'static str,
        response: &mut HeaderMap,
    ) {
        response.insert(VARY, HeaderValue::from_static("origin"));
        if let Some(origin) = self.allowed(request) {
            response.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(methods),
            );
            let requested = request
                .get(ACCESS_CONTROL_REQUEST_HEADERS)
                .filter(|h| !h.is_empty() && h.len() <= MAX_REQUEST_HEADERS)
                .filter(|h| h.to_str().is_ok_and(is_header_list));
            let allow = requested
                .cloned()
                .unwrap_or(HeaderValue::from_static(ALLOW_HEADERS));
            response.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow);
            response.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
            response.append(
                VARY,
                HeaderValue::from_static("access-control-request-headers"),
            );
        }
    }

    /// Adds the headers of a cross-origin answer to `response` when the request's origin is
    /// allowed.
    pub(super) fn simple(&self, request: &HeaderMap, response: &mut HeaderMap) {
        let varies = response.get_all(VARY).iter().any(|v| v == "origin");
        if (self.any || !self.origins.is_empty()) && !varies {
            response.append(VARY, HeaderValue::from_static("origin"));
        }
        if let Some(origin) = self.allowed(request) {
            response.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.insert(
                ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
    }
}

/// A comma-separated list of header names (tokens), as `Access-Control-Request-Headers` holds.
fn is_header_list(value: &str) -> bool {
    value.split(',').map(str::trim).all(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    })
}
