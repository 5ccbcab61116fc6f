//! `--mock`: an [`Upstream`] that replays recorded provider streams through the core
//! [`Normalizer`], paced like a live model, with no network and no key.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use http_body::Body;
use llm_sse_core::client::ProviderError;
use llm_sse_core::request::ValidRequest;
use llm_sse_core::{ApiError, Normalizer, Provider, StreamChunk, StreamError};

use super::upstream::{OpenFuture, Upstream, UpstreamStream, Upstreamed};
use crate::mock::{PacedBody, Pacing};

/// The recordings built into the binary: `shell-tokio/recordings/<provider>/<name>.sse` (Amazon
/// Bedrock's `.eventstream`), copies of the repository's fixtures of the same names, as
/// (provider name, name, bytes), listed by the build script.
const BUNDLED: &[(&str, &str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The recording served when the request's `model` names none.
const DEFAULT_NAME: &str = "text";

/// Recorded provider response bodies (`.sse` files; `.eventstream` for Amazon Bedrock), by
/// provider and name.
///
/// Which recording answers a request: the one whose name (file name without `.sse`) is the
/// request's `model`; else the one named `text`; else the first by name. A provider without
/// recordings answers `404 upstream_rejected`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Recordings {
    /// Per provider (at [`Provider::index`]), sorted by name.
    by_provider: [Vec<(String, Bytes)>; Provider::ALL.len()],
}

/// The providers' names as a person lists them: `anthropic, openai or gemini`.
fn provider_names() -> String {
    let mut names = String::new();
    for (i, provider) in Provider::ALL.iter().enumerate() {
        if i > 0 {
            names.push_str(if i + 1 == Provider::ALL.len() {
                " or "
            } else {
                ", "
            });
        }
        names.push_str(provider.as_str());
    }
    names
}

impl Recordings {
    /// The recordings built into the binary: for each provider `text` and a tool call
    /// (Anthropic, Bedrock and Vertex AI `tool_use`, OpenAI `parallel_tool_calls`, Gemini
    /// `function_call`) and reasoning (Anthropic, Bedrock and Vertex AI `thinking`, OpenAI
    /// `reasoning_content`, Gemini `thoughts`).
    pub fn bundled() -> Self {
        let mut recordings = Recordings::default();
        for &(provider, name, bytes) in BUNDLED {
            // The directories are named after providers (a test says so).
            if let Ok(provider) = provider.parse::<Provider>() {
                recordings.insert(provider, name, Bytes::from_static(bytes));
            }
        }
        recordings
    }

    /// Recordings from `path`:
    ///
    /// - a directory: `PATH/<provider>/<name>.sse` for each provider directory present
    ///   (`anthropic`, `openai`, `gemini`, `bedrock`, `vertex`: [`Provider::as_str`]), the
    ///   layout of the repository's `tests/fixtures`; Bedrock's are `<name>.eventstream`
    ///   ([`Framing::file_extension`](llm_sse_core::provider::Framing::file_extension));
    /// - a file: `.../<provider>/<name>.sse`, served for the provider its directory names, to
    ///   every request of that provider (an Anthropic `.sse` file in a `bedrock` directory is
    ///   re-framed as Bedrock's event stream).
    ///
    /// # Errors
    ///
    /// An unreadable path, a file whose directory names no provider, or no recording at all.
    pub fn load(path: &Path) -> Result<Self, RecordingsError> {
        let error = |reason: String| RecordingsError {
            path: path.to_owned(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| error(e.to_string()))?;
        let mut recordings = Recordings::default();
        if meta.is_dir() {
            for provider in Provider::ALL {
                let dir = path.join(provider.as_str());
                if dir.is_dir() {
                    recordings
                        .load_dir(provider, &dir)
                        .map_err(|e| RecordingsError {
                            path: dir.clone(),
                            reason: e.to_string(),
                        })?;
                }
            }
            if recordings.is_empty() {
                return Err(error(format!(
                    "no recordings: expected <provider>/<name>.sse files (bedrock: .eventstream; provider: {})",
                    provider_names()
                )));
            }
        } else {
            let provider = path
                .parent()
                .and_then(Path::file_name)
                .and_then(|dir| dir.to_str())
                .and_then(|dir| dir.parse::<Provider>().ok())
                .ok_or_else(|| {
                    error(format!(
                        "a recording file must be in a directory named after its provider ({})",
                        provider_names()
                    ))
                })?;
            let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
            let bytes = provider
                .spec()
                .framing
                .frame_recording(&bytes)
                .unwrap_or(bytes);
            recordings.insert(provider, &name_of(path), Bytes::from(bytes));
        }
        Ok(recordings)
    }

    fn load_dir(&mut self, provider: Provider, dir: &Path) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let extension = provider.spec().framing.file_extension();
            if path.extension().is_some_and(|e| e == extension) && path.is_file() {
                let bytes = std::fs::read(&path)?;
                self.insert(provider, &name_of(&path), Bytes::from(bytes));
            }
        }
        Ok(())
    }

    fn insert(&mut self, provider: Provider, name: &str, bytes: Bytes) {
        let list = &mut self.by_provider[provider.index()];
        match list.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => list[i].1 = bytes,
            Err(i) => list.insert(i, (name.to_owned(), bytes)),
        }
    }

    /// True when there is no recording for any provider.
    pub fn is_empty(&self) -> bool {
        self.by_provider.iter().all(Vec::is_empty)
    }

    /// The names of `provider`'s recordings, sorted.
    pub fn names(&self, provider: Provider) -> impl Iterator<Item = &str> {
        self.by_provider[provider.index()]
            .iter()
            .map(|(name, _)| name.as_str())
    }

    /// The recording that answers a request of `provider` for `model` (see [`Recordings`]).
    pub fn pick(&self, provider: Provider, model: &str) -> Option<(&str, &Bytes)> {
        let list = &self.by_provider[provider.index()];
        let by_name = |name: &str| list.iter().find(|(n, _)| n == name);
        by_name(model)
            .or_else(|| by_name(DEFAULT_NAME))
            .or_else(|| list.first())
            .map(|(name, bytes)| (name.as_str(), bytes))
    }
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl fmt::Debug for Recordings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for provider in Provider::ALL {
            map.entry(
                &provider.as_str(),
                &self.names(provider).collect::<Vec<_>>(),
            );
        }
        map.finish()
    }
}

/// Recordings could not be loaded from a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingsError {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

impl fmt::Display for RecordingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot load recordings from {}: {}",
            self.path.display(),
            self.reason
        )
    }
}

impl std::error::Error for RecordingsError {}

/// An [`Upstream`] that answers each request with a recording ([`Recordings::pick`]), replayed
/// through the core [`Normalizer`] exactly as a live body would be, paced by [`Pacing`] (one
/// event per piece, 20 ms apart, by default: [`ReplayUpstream::DEFAULT_PACING`]).
///
/// Requests are validated for the provider as a client would (`400` naming the field); no key
/// is needed.
#[derive(Debug, Clone)]
pub struct ReplayUpstream {
    recordings: Recordings,
    pacing: Pacing,
}

impl ReplayUpstream {
    /// One event per piece, 20 ms apart: about the pace of a live model.
    pub const DEFAULT_PACING: Pacing = Pacing {
        split: crate::mock::Split::Events,
        delay: std::time::Duration::from_millis(20),
    };

    /// Replays `recordings` with [`DEFAULT_PACING`](Self::DEFAULT_PACING).
    pub fn new(recordings: Recordings) -> Self {
        ReplayUpstream {
            recordings,
            pacing: Self::DEFAULT_PACING,
        }
    }

    /// The same, paced by `pacing`.
    #[must_use]
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }
}

impl Upstream for ReplayUpstream {
    fn open(&self, request: ValidRequest) -> OpenFuture<'_> {
        Box::pin(async move {
            let provider = request.provider();
            let (_, recording) =
                self.recordings
                    .pick(provider, &request.model)
                    .ok_or_else(|| {
                        ProviderError::Rejected(ApiError::new(
                            provider,
                            404,
                            format!("the gateway's --mock recordings have none for {provider}"),
                        ))
                    })?;
            let pacing = self.pacing.for_framing(provider.spec().framing);
            let body = PacedBody::new(recording.clone(), pacing);
            Ok(Upstreamed::new(Replay {
                body: Some(body),
                normalizer: Normalizer::new(provider),
            }))
        })
    }
}

/// A paced recording fed to a normalizer: each piece is fed when the previous chunks have been
/// pulled, so nothing is read ahead.
struct Replay {
    /// `None` once aborted.
    body: Option<PacedBody>,
    normalizer: Normalizer,
}

impl UpstreamStream for Replay {
    fn abort(self: Pin<&mut Self>, error: StreamError) {
        let this = self.get_mut();
        this.body = None;
        this.normalizer.fail(error);
    }
}

impl Stream for Replay {
    type Item = StreamChunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamChunk>> {
        let this = &mut *self;
        loop {
            if let Some(chunk) = this.normalizer.next_chunk() {
                return Poll::Ready(Some(chunk));
            }
            if this.normalizer.is_closed() {
                // The terminal chunk was pulled (or, which cannot happen, never comes).
                return Poll::Ready(None);
            }
            let Some(body) = this.body.as_mut() else {
                // Aborted: the normalizer has its end (this cannot be reached).
                this.normalizer.finish();
                continue;
            };
            match ready!(Pin::new(body).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Ok(piece) = frame.into_data() {
                        this.normalizer.feed(&piece);
                    }
                }
                Some(Err(never)) => match never {},
                None => this.normalizer.finish(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_by_model_then_text_then_first() {
        let mut r = Recordings::default();
        r.insert(Provider::OpenAi, "b", Bytes::from_static(b"b"));
        r.insert(Provider::OpenAi, "a", Bytes::from_static(b"a"));
        assert_eq!(r.pick(Provider::OpenAi, "gpt-4o").unwrap().0, "a");
        r.insert(Provider::OpenAi, "text", Bytes::from_static(b"t"));
        assert_eq!(r.pick(Provider::OpenAi, "gpt-4o").unwrap().0, "text");
        assert_eq!(r.pick(Provider::OpenAi, "b").unwrap().0, "b");
        assert_eq!(r.pick(Provider::Gemini, "b"), None);
        assert_eq!(
            r.names(Provider::OpenAi).collect::<Vec<_>>(),
            ["a", "b", "text"]
        );
    }

    #[test]
    fn every_bundled_recording_is_a_providers() {
        assert!(!BUNDLED.is_empty());
        for (provider, name, bytes) in BUNDLED {
            assert!(
                provider.parse::<Provider>().is_ok(),
                "recordings/{provider}"
            );
            assert!(!bytes.is_empty(), "recordings/{provider}/{name}");
        }
    }

    #[test]
    fn bundled_has_every_provider() {
        let r = Recordings::bundled();
        for provider in Provider::ALL {
            assert_eq!(r.pick(provider, "any").unwrap().0, "text", "{provider}");
            assert_eq!(r.names(provider).count(), 3, "{provider}");
        }
    }
}
