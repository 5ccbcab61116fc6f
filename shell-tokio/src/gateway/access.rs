//! Request ids, and the one log line (and the metrics) each request ends with.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use llm_sse_core::{Provider, StreamChunk, Usage};
use tokio::time::Instant;

use super::metrics::{Metrics, NO_PROVIDER};

/// The request id header, taken from the request or generated, and echoed on the response.
pub(super) const REQUEST_ID: &str = "x-request-id";

/// The longest request id taken from a request.
const MAX_REQUEST_ID: usize = 128;

/// The longest path written to the log, in bytes.
const MAX_LOGGED_PATH: usize = 256;

/// The request's own id when it sent a usable one (1 to 128 of `A-Z a-z 0-9 - _ . : / + = @`,
/// so that it cannot forge log lines), else a new one: 32 hex digits.
pub(super) fn request_id(headers: &HeaderMap) -> HeaderValue {
    let given = headers.get(REQUEST_ID).filter(|value| {
        let bytes = value.as_bytes();
        (1..=MAX_REQUEST_ID).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
    });
    match given {
        Some(value) => value.clone(),
        None => generate_id(),
    }
}

fn generate_id() -> HeaderValue {
    HeaderValue::from_str(&unique_id()).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// 32 hex digits, unique in the process and unpredictable across processes: a request id, or
/// the unique part of a dialect response's id.
pub(super) fn unique_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // `RandomState` is seeded randomly per process (and differs per instance): two hashes of a
    // counter make an id unique in the process and unpredictable across processes.
    let hash = |salt: u64| {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(n);
        hasher.write_u64(salt);
        hasher.finish()
    };
    format!("{:016x}{:016x}", hash(0), hash(1))
}

/// What the log line says about one request. Filled in as the request goes; written (with the
/// end-of-stream metrics) when it is dropped: after the answer for an error, when the stream
/// ended or its client went away for a stream.
#[derive(Debug)]
pub(super) struct Access {
    metrics: Metrics,
    request_id: String,
    method: String,
    path: String,
    started: Instant,
    pub(super) provider: Option<Provider>,
    pub(super) model: Option<String>,
    pub(super) status: u16,
    pub(super) error_type: Option<String>,
    pub(super) retries: u32,
    stream: Option<StreamState>,
}

#[derive(Debug, Default)]
struct StreamState {
    first_token: Option<Duration>,
    usage: Option<Usage>,
    finish_reason: Option<&'static str>,
}

impl Access {
    pub(super) fn new(
        metrics: Metrics,
        request_id: &HeaderValue,
        method: &http::Method,
        path: &str,
        started: Instant,
    ) -> Access {
        let mut end = path.len().min(MAX_LOGGED_PATH);
        while !path.is_char_boundary(end) {
            end -= 1;
        }
        Access {
            metrics,
            request_id: String::from_utf8_lossy(request_id.as_bytes()).into_owned(),
            method: method.as_str().to_owned(),
            path: path[..end].to_owned(),
            started,
            provider: None,
            model: None,
            status: 0,
            error_type: None,
            retries: 0,
            stream: None,
        }
    }

    fn provider_label(&self) -> &'static str {
        self.provider.map_or(NO_PROVIDER, Provider::as_str)
    }

    /// The answer's status is decided: counts the request.
    pub(super) fn answered(&mut self, status: u16, error_type: Option<&str>) {
        self.status = status;
        self.metrics.request(self.provider_label(), status);
        if let Some(error_type) = error_type {
            self.error_type = Some(error_type.to_owned());
            self.metrics.error(self.provider_label(), error_type);
        }
    }

    /// The upstream stream has started: its chunks are counted from now on (a streaming
    /// answer starts with it; a non-streaming one is answered once the stream has ended).
    pub(super) fn upstream_opened(&mut self, retries: u32) {
        self.retries = retries;
        self.metrics.retries(self.provider_label(), retries);
        self.metrics.stream_opened();
        self.stream = Some(StreamState::default());
    }

    /// A `200` stream starts.
    pub(super) fn stream_started(&mut self, retries: u32) {
        self.upstream_opened(retries);
        self.answered(200, None);
    }

    /// A chunk is sent.
    pub(super) fn chunk(&mut self, chunk: &StreamChunk) {
        // Most chunks are neither the first frame nor the last: nothing to record for them.
        match &self.stream {
            Some(stream) if chunk.is_done() || stream.first_token.is_none() => {}
            _ => return,
        }
        let provider = self.provider_label();
        let elapsed = self.started.elapsed();
        let Some(stream) = self.stream.as_mut() else {
            return;
        };
        match chunk {
            StreamChunk::Done(finish) => {
                let reason = finish.finish_reason_str();
                stream.finish_reason = Some(reason);
                stream.usage = finish.usage;
                self.metrics.finished(provider, reason);
                if let Some(usage) = finish.usage {
                    self.metrics
                        .tokens(provider, usage.input_tokens, usage.output_tokens);
                }
                if let Some(error) = finish.error() {
                    self.metrics.error(provider, error.error_type());
                    self.error_type = Some(error.error_type().to_owned());
                }
            }
            chunk if chunk.has_frame() && stream.first_token.is_none() => {
                stream.first_token = Some(elapsed);
                self.metrics.first_token(provider, elapsed);
            }
            _ => {}
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Drop for Access {
    fn drop(&mut self) {
        let duration = self.started.elapsed();
        let provider = self.provider.map(Provider::as_str);
        let mut cancelled = None;
        let (mut ttft, mut usage, mut finish_reason) = (None, None, None);
        if let Some(stream) = &self.stream {
            let label = self.provider_label();
            self.metrics.stream_closed();
            self.metrics.stream_duration(label, duration);
            if stream.finish_reason.is_none() {
                self.metrics.cancelled(label);
            }
            cancelled = Some(stream.finish_reason.is_none());
            ttft = stream.first_token.map(millis);
            usage = stream.usage;
            finish_reason = stream.finish_reason;
        }
        tracing::info!(
            target: "llm_sse::gateway",
            request_id = %self.request_id,
            method = %self.method,
            path = %self.path,
            provider,
            model = self.model.as_deref(),
            status = self.status,
            duration_ms = millis(duration),
            ttft_ms = ttft,
            input_tokens = usage.map(|u| u.input_tokens),
            output_tokens = usage.map(|u| u.output_tokens),
            finish_reason,
            error_type = self.error_type.as_deref(),
            retries = self.retries,
            client_went_away = cancelled,
            "request"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        let mut headers = HeaderMap::new();
        let a = request_id(&headers);
        let b = request_id(&headers);
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.as_bytes().iter().all(u8::is_ascii_hexdigit));

        headers.insert(REQUEST_ID, HeaderValue::from_static("req-42_a.b:c"));
        assert_eq!(request_id(&headers), "req-42_a.b:c");
        for bad in ["", "a b", "a\"b", "é"] {
            if let Ok(value) = HeaderValue::from_str(bad) {
                headers.insert(REQUEST_ID, value);
                assert_ne!(request_id(&headers), bad, "{bad:?}");
            }
        }
        headers.insert(REQUEST_ID, HeaderValue::from_str(&"x".repeat(129)).unwrap());
        assert_eq!(request_id(&headers).len(), 32);
    }
}
