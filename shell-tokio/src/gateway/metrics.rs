//! The gateway's Prometheus metrics (`GET /metrics`), kept with the `prometheus-client` crate
//! and encoded in its text format.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The `Content-Type` of the encoded metrics.
pub(super) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The label value for requests that name no provider.
pub(super) const NO_PROVIDER: &str = "none";

/// The longest label value taken from a provider (an error type), in bytes.
const MAX_LABEL_LEN: usize = 64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    provider: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    provider: &'static str,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FinishLabels {
    provider: &'static str,
    finish_reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    provider: &'static str,
    r#type: String,
}

fn ttft_histogram() -> Histogram {
    // 25 ms to about 51 s.
    Histogram::new(exponential_buckets(0.025, 2.0, 12))
}

fn duration_histogram() -> Histogram {
    // 100 ms to about 27 min.
    Histogram::new(exponential_buckets(0.1, 2.0, 15))
}

/// Every metric of one gateway. Cloning is cheap and shares the values.
#[derive(Debug, Clone)]
pub(super) struct Metrics {
    streams_open: Gauge,
    requests: Family<RequestLabels, Counter>,
    tokens: Family<TokenLabels, Counter>,
    finish_reasons: Family<FinishLabels, Counter>,
    errors: Family<ErrorLabels, Counter>,
    retries: Family<ProviderLabels, Counter>,
    cancelled: Family<ProviderLabels, Counter>,
    ttft: Family<ProviderLabels, Histogram, fn() -> Histogram>,
    duration: Family<ProviderLabels, Histogram, fn() -> Histogram>,
}

impl Metrics {
    /// New metrics, registered in `registry` with the prefix `llm_sse`.
    pub(super) fn register(registry: &mut Registry) -> Metrics {
        let metrics = Metrics {
            streams_open: Gauge::default(),
            requests: Family::default(),
            tokens: Family::default(),
            finish_reasons: Family::default(),
            errors: Family::default(),
            retries: Family::default(),
            cancelled: Family::default(),
            ttft: Family::new_with_constructor(ttft_histogram),
            duration: Family::new_with_constructor(duration_histogram),
        };
        let r = registry.sub_registry_with_prefix("llm_sse");
        r.register(
            "streams_open",
            "Streams being sent to clients",
            metrics.streams_open.clone(),
        );
        r.register(
            "requests",
            "Requests answered, by provider (none for other routes) and HTTP status",
            metrics.requests.clone(),
        );
        r.register(
            "tokens",
            "Tokens reported by the providers, by kind (input or output)",
            metrics.tokens.clone(),
        );
        r.register(
            "finish_reasons",
            "Streams ended, by unified finish reason (error for failed streams)",
            metrics.finish_reasons.clone(),
        );
        r.register(
            "errors",
            "Errors, by type: the error answer's type before streaming, the error terminal frame's after",
            metrics.errors.clone(),
        );
        r.register(
            "upstream_retries",
            "Upstream requests retried before their stream started",
            metrics.retries.clone(),
        );
        r.register(
            "streams_cancelled",
            "Streams whose client went away before the end",
            metrics.cancelled.clone(),
        );
        r.register(
            "time_to_first_token_seconds",
            "From the request's arrival to the first content frame",
            metrics.ttft.clone(),
        );
        r.register(
            "stream_duration_seconds",
            "From the request's arrival to the end of its stream",
            metrics.duration.clone(),
        );
        metrics
    }

    pub(super) fn request(&self, provider: &'static str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels { provider, status })
            .inc();
    }

    pub(super) fn error(&self, provider: &'static str, error_type: &str) {
        let mut end = error_type.len().min(MAX_LABEL_LEN);
        while !error_type.is_char_boundary(end) {
            end -= 1;
        }
        self.errors
            .get_or_create(&ErrorLabels {
                provider,
                r#type: error_type[..end].to_owned(),
            })
            .inc();
    }

    pub(super) fn stream_opened(&self) {
        self.streams_open.inc();
    }

    pub(super) fn stream_closed(&self) {
        self.streams_open.dec();
    }

    pub(super) fn retries(&self, provider: &'static str, retries: u32) {
        if retries > 0 {
            self.retries
                .get_or_create(&ProviderLabels { provider })
                .inc_by(u64::from(retries));
        }
    }

    pub(super) fn tokens(&self, provider: &'static str, input: u64, output: u64) {
        for (kind, n) in [("input", input), ("output", output)] {
            self.tokens
                .get_or_create(&TokenLabels { provider, kind })
                .inc_by(n);
        }
    }

    pub(super) fn finished(&self, provider: &'static str, finish_reason: &'static str) {
        self.finish_reasons
            .get_or_create(&FinishLabels {
                provider,
                finish_reason,
            })
            .inc();
    }

    pub(super) fn cancelled(&self, provider: &'static str) {
        self.cancelled
            .get_or_create(&ProviderLabels { provider })
            .inc();
    }

    pub(super) fn first_token(&self, provider: &'static str, after: Duration) {
        self.ttft
            .get_or_create(&ProviderLabels { provider })
            .observe(after.as_secs_f64());
    }

    pub(super) fn stream_duration(&self, provider: &'static str, took: Duration) {
        self.duration
            .get_or_create(&ProviderLabels { provider })
            .observe(took.as_secs_f64());
    }
}
