//! The request handler: request id, CORS, auth, routing, and the stream route.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use llm_sse_core::Provider;
use llm_sse_core::gateway::{ErrorAnswer, STREAM_HEADERS};
use llm_sse_core::request::ChatRequest;
use tokio::time::Instant;
use tracing::Instrument;

use super::MAX_REQUEST_BODY;
use super::access::{Access, REQUEST_ID, request_id};
use super::body::GatewayBody;
use super::cors::Cors;
use super::server::Shared;

/// The stream route's prefix: `POST /v1/chat/stream/{provider}`.
pub(super) const STREAM_PREFIX: &str = "/v1/chat/stream/";

/// The page served at `GET /`.
const INDEX_HTML: &str = include_str!("index.html");

/// A route the gateway knows, with the methods it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Health,
    Metrics,
    Stream,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        match path {
            "/" => Some(Route::Index),
            "/healthz" => Some(Route::Health),
            "/metrics" => Some(Route::Metrics),
            _ if path.starts_with(STREAM_PREFIX) => Some(Route::Stream),
            _ => None,
        }
    }

    fn allow(self) -> &'static str {
        match self {
            Route::Stream => "POST",
            _ => "GET, HEAD",
        }
    }

    fn allows(self, method: &Method) -> bool {
        match self {
            Route::Stream => method == Method::POST,
            _ => method == Method::GET || method == Method::HEAD,
        }
    }

    /// Whether the gateway's token is required (the health check and the page are open).
    fn needs_token(self) -> bool {
        matches!(self, Route::Metrics | Route::Stream)
    }
}

/// Answers one request. Never fails: every problem is an answer.
pub(super) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<GatewayBody>, Infallible> {
    let started = Instant::now();
    let id = request_id(request.headers());
    let span = tracing::info_span!("request", request_id = %String::from_utf8_lossy(id.as_bytes()));
    let access = Access::new(
        shared.metrics.clone(),
        &id,
        request.method(),
        request.uri().path(),
        started,
    );
    let origin_headers = request.headers().clone();
    let mut response = route(&shared, request, access).instrument(span).await;
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static(REQUEST_ID), id);
    shared.cors.simple(&origin_headers, headers);
    Ok(response)
}

async fn route(
    shared: &Shared,
    request: Request<Incoming>,
    mut access: Access,
) -> Response<GatewayBody> {
    let path = request.uri().path();
    let route = Route::of(path);
    if Cors::is_preflight(request.method(), request.headers()) {
        if let Some(route) = route {
            let mut response = Response::new(GatewayBody::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            shared
                .cors
                .preflight(request.headers(), route.allow(), response.headers_mut());
            access.answered(204, None);
            return response;
        }
    }
    if let Some(token) = &shared.token {
        if route.is_none_or(Route::needs_token) && !token.admits(request.headers()) {
            let mut response = error(&mut access, ErrorAnswer::unauthorized());
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    let Some(route) = route else {
        return error(
            &mut access,
            ErrorAnswer::not_found(format!(
                "no route for {path:?}; see POST {STREAM_PREFIX}{{anthropic|openai|gemini}}"
            )),
        );
    };
    if let Some(name) = path.strip_prefix(STREAM_PREFIX) {
        match name.parse::<Provider>() {
            Ok(provider) => access.provider = Some(provider),
            Err(e) => {
                return error(
                    &mut access,
                    ErrorAnswer::not_found(format!("{name:?}: {e}")),
                );
            }
        }
    }
    if !route.allows(request.method()) {
        let answer = ErrorAnswer::method_not_allowed(request.method().as_str(), route.allow());
        let mut response = error(&mut access, answer);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(route.allow()));
        return response;
    }
    match route {
        Route::Index => {
            access.answered(200, None);
            whole(200, "text/html; charset=utf-8", INDEX_HTML)
        }
        Route::Health => {
            access.answered(200, None);
            whole(200, "application/json", r#"{"status":"ok"}"#)
        }
        Route::Metrics => {
            let mut text = String::new();
            // Writing into a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut text, &shared.registry);
            access.answered(200, None);
            whole(200, super::metrics::CONTENT_TYPE, text)
        }
        Route::Stream => stream(shared, request, access).await,
    }
}

/// `POST /v1/chat/stream/{provider}`.
async fn stream(
    shared: &Shared,
    request: Request<Incoming>,
    mut access: Access,
) -> Response<GatewayBody> {
    let Some(provider) = access.provider else {
        return error(&mut access, ErrorAnswer::not_found("no provider"));
    };
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return error(
            &mut access,
            ErrorAnswer::request_too_large(MAX_REQUEST_BODY),
        );
    }
    // The whole body is read before anything else: besides the JSON needing it, hyper watches
    // an HTTP/1.1 connection for the client going away only once the request body is finished.
    let read = Limited::new(body, MAX_REQUEST_BODY).collect();
    let bytes = match tokio::time::timeout(shared.config.body_read_timeout, read).await {
        Err(_) => {
            return error(
                &mut access,
                ErrorAnswer::request_timeout(shared.config.body_read_timeout),
            );
        }
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            return error(
                &mut access,
                ErrorAnswer::request_too_large(MAX_REQUEST_BODY),
            );
        }
        // The client went away in the middle of its request: nobody reads the answer.
        Ok(Err(_)) => {
            return error(
                &mut access,
                ErrorAnswer::new(400, "invalid_request", "the request body was cut short"),
            );
        }
    };
    let request = match ChatRequest::from_json(&bytes) {
        Ok(request) => request,
        Err(e) => return error(&mut access, ErrorAnswer::invalid_request(&e)),
    };
    access.model = Some(request.model.clone());
    if let Err(e) = request.validate(provider) {
        return error(&mut access, ErrorAnswer::invalid_request(&e));
    }
    let upstreamed = match shared.upstream.open(provider, request).await {
        Ok(upstreamed) => upstreamed,
        Err(e) => {
            let answer = ErrorAnswer::from_provider_error(provider, &e);
            tracing::debug!(target: "llm_sse::gateway", error = %e, "the upstream call failed");
            return error(&mut access, answer);
        }
    };
    access.stream_started(upstreamed.retries);
    let body = GatewayBody::stream(
        provider,
        upstreamed.chunks,
        shared.config.keep_alive,
        shared.abort(),
        access,
    );
    let mut response = Response::new(body);
    for (name, value) in STREAM_HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

fn whole(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<GatewayBody> {
    let mut response = Response::new(GatewayBody::whole(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The answer to an error known before streaming (see [`ErrorAnswer`]).
fn error(access: &mut Access, answer: ErrorAnswer) -> Response<GatewayBody> {
    access.answered(answer.status, Some(answer.error_type));
    let mut response = whole(answer.status, "application/json", answer.to_body());
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(secs) = answer.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
