//! The request handler: request id, CORS, auth, routing, the stream route, and the dialect
//! routes (`POST /v1/chat/completions`, `POST /v1/messages`, `GET /v1/models`).

use std::convert::Infallible;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use llm_sse_core::dialect::{self, Dialect, DialectError, ResponseMeta};
use llm_sse_core::gateway::Ending;
use llm_sse_core::gateway::{ErrorAnswer, ErrorType, STREAM_HEADERS};
use llm_sse_core::request::ChatRequest;
use llm_sse_core::{AccumulateError, Accumulator, Encoding, Message, Provider};
use tokio::time::Instant;
use tracing::Instrument;

use super::access::{Access, REQUEST_ID, request_id, unique_id};
use super::body::GatewayBody;
use super::cors::Cors;
use super::shared::Shared;
use super::upstream::UpstreamStream;

/// The largest request body accepted; a larger one is answered `413`.
pub const MAX_REQUEST_BODY: usize = 1 << 20;

/// The most text (bytes of answer, reasoning and tool calls) the gateway folds into one
/// non-streaming dialect response; a larger answer is refused with `502`, so memory per
/// request stays bounded (a streamed answer has no such limit).
pub const MAX_NON_STREAMING_ANSWER: usize = 16 << 20;

/// The stream route's prefix: `POST /v1/chat/stream/{provider}`.
pub(super) const STREAM_PREFIX: &str = "/v1/chat/stream/";

/// The page served at `GET /`, with `{{PROVIDER_OPTIONS}}` and `{{DEFAULT_MODELS}}` where the
/// providers go ([`index_html`]).
const INDEX_TEMPLATE: &str = include_str!("index.html");

/// The page served at `GET /`: its provider menu and default models from the provider table.
fn index_html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let mut options = String::new();
        let mut models = serde_json::Map::new();
        for provider in Provider::ALL {
            options.push_str(&format!(
                "      <option value=\"{}\">{}</option>\n",
                provider.as_str(),
                provider.display_name()
            ));
            models.insert(provider.as_str().into(), provider.default_model().into());
        }
        INDEX_TEMPLATE
            .replace("{{PROVIDER_OPTIONS}}\n", &options)
            .replace(
                "{{DEFAULT_MODELS}}",
                &serde_json::Value::Object(models).to_string(),
            )
    })
}

/// The model list of the dialect endpoints.
const MODELS_PATH: &str = "/v1/models";

/// A route the gateway knows, with the methods it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Health,
    Metrics,
    Stream,
    /// `POST /v1/chat/completions` or `POST /v1/messages`.
    Dialect(Dialect),
    /// `GET /v1/models`.
    Models,
}

impl Route {
    fn of(path: &str) -> Option<Route> {
        match path {
            "/" => Some(Route::Index),
            "/healthz" => Some(Route::Health),
            "/metrics" => Some(Route::Metrics),
            MODELS_PATH => Some(Route::Models),
            _ if path.starts_with(STREAM_PREFIX) => Some(Route::Stream),
            _ => Dialect::ALL
                .into_iter()
                .find(|d| d.endpoint() == path)
                .map(Route::Dialect),
        }
    }

    fn allow(self) -> &'static str {
        match self {
            Route::Stream | Route::Dialect(_) => "POST",
            _ => "GET, HEAD",
        }
    }

    fn allows(self, method: &Method) -> bool {
        match self {
            Route::Stream | Route::Dialect(_) => method == Method::POST,
            _ => method == Method::GET || method == Method::HEAD,
        }
    }

    /// Whether the gateway's token is required (the health check and the page are open).
    fn needs_token(self) -> bool {
        !matches!(self, Route::Index | Route::Health)
    }

    /// The dialect whose error shape the route answers in (`None`: the gateway's own).
    fn dialect(self) -> Option<Dialect> {
        match self {
            Route::Dialect(dialect) => Some(dialect),
            _ => None,
        }
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
    let dialect = route.and_then(Route::dialect);
    if let Some(token) = &shared.token {
        if route.is_none_or(Route::needs_token) && !token.admits(request.headers()) {
            let mut response = refuse(&mut access, dialect, ErrorAnswer::unauthorized());
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    let Some(route) = route else {
        let providers: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
        let dialects: Vec<&str> = Dialect::ALL.iter().map(|d| d.endpoint()).collect();
        return error(
            &mut access,
            ErrorAnswer::not_found(format!(
                "no route for {path:?}; see POST {STREAM_PREFIX}{{{}}}, POST {} and GET \
                 {MODELS_PATH}",
                providers.join("|"),
                dialects.join(", POST "),
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
        let mut response = refuse(&mut access, dialect, answer);
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(route.allow()));
        return response;
    }
    match route {
        Route::Index => {
            access.answered(200, None);
            whole(200, "text/html; charset=utf-8", index_html())
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
        Route::Models => {
            access.answered(200, None);
            // Anthropic's SDK says which API it speaks: it gets Anthropic's list shape.
            let body = if request.headers().contains_key("anthropic-version") {
                shared.models.anthropic_list_body(shared.started_unix)
            } else {
                shared.models.list_body(shared.started_unix)
            };
            whole(200, dialect::JSON_CONTENT_TYPE, body)
        }
        Route::Stream => stream(shared, request, access).await,
        Route::Dialect(dialect) => dialect_route(shared, request, access, dialect).await,
    }
}

/// Reads a request body whole (at most [`MAX_REQUEST_BODY`] bytes, within the body read
/// timeout).
async fn read_body(shared: &Shared, request: Request<Incoming>) -> Result<Bytes, ErrorAnswer> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return Err(ErrorAnswer::request_too_large(MAX_REQUEST_BODY));
    }
    // The whole body is read before anything else: besides the JSON needing it, hyper watches
    // an HTTP/1.1 connection for the client going away only once the request body is finished.
    let read = Limited::new(body, MAX_REQUEST_BODY).collect();
    match tokio::time::timeout(shared.config.body_read_timeout, read).await {
        Err(_) => Err(ErrorAnswer::request_timeout(
            shared.config.body_read_timeout,
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            Err(ErrorAnswer::request_too_large(MAX_REQUEST_BODY))
        }
        // The client went away in the middle of its request: nobody reads the answer.
        Ok(Err(_)) => Err(ErrorAnswer::body_cut_short()),
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
    let bytes = match read_body(shared, request).await {
        Ok(bytes) => bytes,
        Err(answer) => return error(&mut access, answer),
    };
    let request = match ChatRequest::from_json(&bytes) {
        Ok(request) => request,
        Err(e) => return error(&mut access, ErrorAnswer::invalid_request(&e)),
    };
    access.model = Some(request.model.clone());
    let request = match request.validate(provider) {
        Ok(request) => request,
        Err(e) => return error(&mut access, ErrorAnswer::invalid_request(&e)),
    };
    let upstreamed = match shared.upstream.open(request).await {
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
        Encoding::frames(),
        shared.config.keep_alive,
        shared.abort(),
        access,
    );
    event_stream(body)
}

/// A `200` streaming answer with the stream headers.
fn event_stream(body: GatewayBody) -> Response<GatewayBody> {
    let mut response = Response::new(body);
    for (name, value) in STREAM_HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// `POST /v1/chat/completions` (OpenAI) or `POST /v1/messages` (Anthropic): the request in
/// the client's dialect, the model resolved to a provider, the same upstream as the stream
/// route, and the answer in the client's dialect, streamed or whole.
async fn dialect_route(
    shared: &Shared,
    request: Request<Incoming>,
    mut access: Access,
    dialect: Dialect,
) -> Response<GatewayBody> {
    let bytes = match read_body(shared, request).await {
        Ok(bytes) => bytes,
        Err(answer) => return refuse(&mut access, Some(dialect), answer),
    };
    let decoded = match dialect.decode_request(&bytes) {
        Ok(decoded) => decoded,
        Err(e) => return dialect_error(&mut access, &e),
    };
    access.model = Some(decoded.model.clone());
    let (provider, model) = match shared.models.resolve(&decoded.model) {
        Ok(resolved) => resolved,
        Err(e) => {
            return dialect_error(&mut access, &DialectError::unknown_model(dialect, &e));
        }
    };
    access.provider = Some(provider);
    access.model = Some(model.to_owned());
    let chat = match decoded.for_provider(provider, model) {
        Ok(chat) => chat,
        Err(e) => return dialect_error(&mut access, &e),
    };
    let upstreamed = match shared.upstream.open(chat).await {
        Ok(upstreamed) => upstreamed,
        Err(e) => {
            tracing::debug!(target: "llm_sse::gateway", error = %e, "the upstream call failed");
            let answer = DialectError::from_provider_error(dialect, provider, &e);
            return dialect_error(&mut access, &answer);
        }
    };
    let meta = ResponseMeta::new(
        dialect.response_id(&unique_id()),
        decoded.model.as_str(),
        unix_now(),
    );
    if decoded.stream {
        access.stream_started(upstreamed.retries);
        let body = GatewayBody::stream(
            provider,
            upstreamed.chunks,
            dialect.encoder(meta, decoded.include_usage),
            shared.config.keep_alive,
            shared.abort(),
            access,
        );
        return event_stream(body);
    }
    access.upstream_opened(upstreamed.retries);
    let result = accumulate(shared, provider, upstreamed.chunks, &mut access).await;
    match dialect.non_streaming_body(&meta, &result) {
        Ok(json) => {
            access.answered(200, None);
            whole(200, dialect::JSON_CONTENT_TYPE, json)
        }
        // A failed stream's error type was counted with its terminal chunk (`gateway_error`
        // is `None`); a stream that ended well but folded into no message (a tool call whose
        // arguments are not JSON, an answer over the limit) was not.
        Err(e) => dialect_error(&mut access, &e),
    }
}

/// Folds the upstream's chunks into the final message, for a non-streaming answer. The
/// shutdown ends it as it ends a stream (through the upstream, a `connection_error` that keeps
/// what arrived); an answer larger than [`MAX_NON_STREAMING_ANSWER`] is refused
/// ([`AccumulateError::TooLarge`], `502`), so memory stays bounded.
async fn accumulate(
    shared: &Shared,
    provider: Provider,
    mut chunks: Pin<Box<dyn UpstreamStream>>,
    access: &mut Access,
) -> Result<Message, AccumulateError> {
    let mut accumulator = Accumulator::with_limit(MAX_NON_STREAMING_ANSWER);
    let mut abort = shared.abort();
    let mut aborted = false;
    loop {
        let next = if aborted {
            // Ended through the upstream: what it has decoded, then its terminal chunk; an
            // upstream that does not end when aborted is not waited for.
            poll_fn(|cx| match chunks.as_mut().poll_next(cx) {
                Poll::Pending => Poll::Ready(Some(Ending::ShutDown.terminal(provider))),
                ready => ready,
            })
            .await
        } else {
            tokio::select! {
                next = poll_fn(|cx| chunks.as_mut().poll_next(cx)) => next,
                () = &mut abort => {
                    aborted = true;
                    chunks.as_mut().abort(Ending::ShutDown.error());
                    continue;
                }
            }
        };
        let chunk = next.unwrap_or_else(|| {
            let ending = if aborted {
                Ending::ShutDown
            } else {
                Ending::UpstreamEnded
            };
            ending.terminal(provider)
        });
        access.chunk(&chunk);
        accumulator.push_owned(chunk);
        if accumulator.is_closed() {
            return accumulator.finish();
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn whole(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<GatewayBody> {
    let mut response = Response::new(GatewayBody::whole(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The gateway's own refusal: in `dialect`'s shape on a dialect route, else as [`error`].
fn refuse(
    access: &mut Access,
    dialect: Option<Dialect>,
    answer: ErrorAnswer,
) -> Response<GatewayBody> {
    match dialect {
        Some(dialect) => dialect_error(access, &DialectError::from_answer(dialect, &answer)),
        None => error(access, answer),
    }
}

/// An error answer in a dialect's shape; the log and the metrics record its `gateway_error`
/// (`None`: a stream's error, already recorded).
fn dialect_error(access: &mut Access, error: &DialectError) -> Response<GatewayBody> {
    access.answered(error.status, error.gateway_error.map(ErrorType::as_str));
    let mut response = whole(error.status, dialect::JSON_CONTENT_TYPE, error.to_body());
    if let Some(secs) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// The answer to an error known before streaming (see [`ErrorAnswer`]).
fn error(access: &mut Access, answer: ErrorAnswer) -> Response<GatewayBody> {
    access.answered(answer.status, Some(answer.error_type.as_str()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_provider_with_its_default_model() {
        let page = index_html();
        assert!(!page.contains("{{"), "a placeholder is left");
        for provider in Provider::ALL {
            let option = format!(
                "<option value=\"{}\">{}</option>",
                provider.as_str(),
                provider.display_name()
            );
            assert!(page.contains(&option), "{option}");
            let model = format!("\"{}\":\"{}\"", provider.as_str(), provider.default_model());
            assert!(page.contains(&model), "{model}");
        }
    }
}
