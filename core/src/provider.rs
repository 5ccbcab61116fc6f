//! The providers, as data: [`Provider`] and, for each, one [`ProviderSpec`] row holding every
//! fact about it that is not its stream protocol or its request body.
//!
//! Nothing outside this file (and the decoder and request builder of each provider) knows a
//! provider's environment variables, URLs, headers, error types or finish reasons: the clients
//! of both shells, the gateway, the mock provider and the command line read them here. Adding a
//! provider means adding a [`Provider`] variant, its row in [`Provider::spec`], its decoder and
//! its request builder (`DEVELOPERS.md`, "Adding a provider").
//!
//! ```
//! use llm_sse_core::provider::{Auth, Endpoint};
//! use llm_sse_core::{FinishReason, Provider};
//!
//! let spec = Provider::Anthropic.spec();
//! assert_eq!(spec.api_key_env, ["ANTHROPIC_API_KEY"]);
//! assert_eq!(spec.default_base_url, "https://api.anthropic.com");
//! assert_eq!(spec.auth, Auth::Header("x-api-key"));
//! assert_eq!(spec.endpoint, Endpoint::Fixed("/v1/messages"));
//! assert_eq!(spec.finish_reason("max_tokens"), FinishReason::Length);
//! assert_eq!(spec.raw_finish_reason(FinishReason::ToolCalls), "tool_use");
//! assert_eq!(spec.error_type(529), "overloaded_error");
//! assert_eq!(llm_sse_core::provider::status_of_error_type("overloaded_error"), Some(529));
//! ```

use core::fmt;
use core::ops::RangeInclusive;

use crate::chunk::FinishReason;

/// The LLM provider a stream came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Provider {
    /// Anthropic Messages API.
    Anthropic,
    /// OpenAI Chat Completions and compatible servers.
    OpenAi,
    /// Google Gemini `streamGenerateContent?alt=sse`.
    Gemini,
    /// Claude on Amazon Bedrock (`InvokeModelWithResponseStream`): Anthropic's Messages API,
    /// signed with AWS Signature Version 4, streamed as AWS event-stream messages.
    Bedrock,
    /// Claude on Google Vertex AI (`streamRawPredict`): Anthropic's Messages API with a Google
    /// OAuth2 access token.
    Vertex,
}

impl Provider {
    /// Every provider, in a stable order (the order of the table).
    pub const ALL: [Provider; 5] = [
        Provider::Anthropic,
        Provider::OpenAi,
        Provider::Gemini,
        Provider::Bedrock,
        Provider::Vertex,
    ];

    /// This provider's row of the table.
    pub const fn spec(self) -> &'static ProviderSpec {
        match self {
            Provider::Anthropic => &ANTHROPIC,
            Provider::OpenAi => &OPENAI,
            Provider::Gemini => &GEMINI,
            Provider::Bedrock => &BEDROCK,
            Provider::Vertex => &VERTEX,
        }
    }

    /// The provider's position in [`Provider::ALL`], for per-provider arrays.
    pub const fn index(self) -> usize {
        match self {
            Provider::Anthropic => 0,
            Provider::OpenAi => 1,
            Provider::Gemini => 2,
            Provider::Bedrock => 3,
            Provider::Vertex => 4,
        }
    }

    /// The API whose request bodies and stream events this provider speaks (Bedrock and Vertex
    /// speak Anthropic's).
    pub const fn api(self) -> Api {
        self.spec().api
    }

    /// The provider's name as it appears on the wire and on the command line: `anthropic`,
    /// `openai` or `gemini`.
    pub const fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The provider's name as people write it: `Anthropic`, `OpenAI` or `Gemini`.
    pub const fn display_name(self) -> &'static str {
        self.spec().display_name
    }

    /// The model llm-sse names when none is given (`llm-sse chat` without `--model`, the
    /// gateway's model list without aliases): `claude-sonnet-4-5`, `gpt-4.1-mini` or
    /// `gemini-2.5-flash`.
    pub const fn default_model(self) -> &'static str {
        self.spec().default_model
    }

    /// The base URL that the endpoint path is appended to: `https://api.anthropic.com`,
    /// `https://api.openai.com/v1` (OpenAI-compatible base URLs include the version, as
    /// `OPENAI_BASE_URL` does), `https://generativelanguage.googleapis.com`.
    pub const fn default_base_url(self) -> &'static str {
        self.spec().default_base_url
    }

    /// The environment variables that hold the API key, in order of preference:
    /// `ANTHROPIC_API_KEY`; `OPENAI_API_KEY`; `GEMINI_API_KEY` then `GOOGLE_API_KEY`.
    pub const fn api_key_env_vars(self) -> &'static [&'static str] {
        self.spec().api_key_env
    }

    /// The environment variable that overrides [`default_base_url`](Provider::default_base_url):
    /// `ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`, `GEMINI_BASE_URL`.
    pub const fn base_url_env_var(self) -> &'static str {
        self.spec().base_url_env
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Provider {
    type Err = UnknownProvider;

    /// Parses the wire name (`anthropic`, `openai`, `gemini`), as written by
    /// [`as_str`](Provider::as_str).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or(UnknownProvider)
    }
}

/// Returned by `Provider::from_str` for a name that is not a provider's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownProvider;

impl fmt::Display for UnknownProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown provider (expected ")?;
        for (i, provider) in Provider::ALL.iter().enumerate() {
            match i {
                0 => {}
                _ if i + 1 == Provider::ALL.len() => f.write_str(" or ")?,
                _ => f.write_str(", ")?,
            }
            f.write_str(provider.as_str())?;
        }
        f.write_str(")")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownProvider {}

/// Everything about one provider that is data: see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderSpec {
    /// The provider.
    pub provider: Provider,
    /// The wire and command-line name (`anthropic`).
    pub name: &'static str,
    /// The API whose request body and stream events the provider speaks.
    pub api: Api,
    /// How its stream is framed on the wire.
    pub framing: Framing,
    /// The name as people write it (`Anthropic`).
    pub display_name: &'static str,
    /// The environment variables holding the API key, in order of preference.
    pub api_key_env: &'static [&'static str],
    /// The environment variable overriding the base URL.
    pub base_url_env: &'static str,
    /// The base URL the endpoint path is appended to.
    pub default_base_url: &'static str,
    /// The model named when none is given.
    pub default_model: &'static str,
    /// How the provider's own model names start (`claude-`): a model named so, without a
    /// provider, is this provider's ([`infer_provider`](crate::gateway::infer_provider)). No
    /// two providers share a prefix, nor does one start another provider's.
    pub model_prefixes: &'static [&'static str],
    /// How the API key is sent.
    pub auth: Auth,
    /// A query parameter the provider also takes the key in (Gemini's `key`), besides
    /// [`auth`](ProviderSpec::auth); the clients never send it there (a URL ends up in logs).
    pub key_query: Option<&'static str>,
    /// What the provider answers (`401`) to a request that presents no key.
    pub missing_key_message: &'static str,
    /// Headers every request carries besides the key and `content-type` (API versions).
    pub fixed_headers: &'static [(&'static str, &'static str)],
    /// The streaming endpoint's path (and query), appended to the base URL.
    pub endpoint: Endpoint,
    /// The content type of the streaming response (without parameters).
    pub stream_content_type: &'static str,
    /// Headers the provider's streaming response carries besides its content type, for servers
    /// that answer as it does (Bedrock's `x-amzn-bedrock-content-type`, the content type of the
    /// model's events, which AWS's SDKs report as the response's `contentType`).
    pub stream_headers: &'static [(&'static str, &'static str)],
    /// The shape of the provider's error bodies.
    pub error_shape: ErrorShape,
    /// The provider's error type for each HTTP status, first match wins; also read backwards
    /// ([`status_of_error_type`]): the first status of a type is what the type stands for.
    pub error_types: &'static [(RangeInclusive<u16>, &'static str)],
    /// The provider's usual message for a status (what its own servers say), for mock
    /// providers and for errors built without a message.
    pub error_messages: &'static [(u16, &'static str)],
    /// The provider's usual `error.code` for a status (OpenAI's), where its error shape has one.
    pub error_codes: &'static [(u16, &'static str)],
    /// The provider's raw finish reasons and what they mean; a value not listed is
    /// [`FinishReason::Other`].
    pub finish_reasons: &'static [(&'static str, FinishReason)],
    /// The inverse: the raw finish reason to write for each unified one (every
    /// [`FinishReason`] listed), when speaking this provider's API to its clients.
    pub raw_finish_reasons: &'static [(FinishReason, &'static str)],
}

/// An API: the shape of request bodies and of stream events. Several providers may speak one
/// (Anthropic's Messages API is spoken by Anthropic, Amazon Bedrock and Google Vertex AI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// Anthropic Messages.
    Anthropic,
    /// OpenAI Chat Completions.
    OpenAi,
    /// Gemini `generateContent`.
    Gemini,
}

/// How a provider frames its stream on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Framing {
    /// Server-sent events (`text/event-stream`).
    Sse,
    /// AWS event-stream messages (`application/vnd.amazon.eventstream`), each carrying one
    /// event of the API as Bedrock wraps it.
    BedrockEventStream,
}

impl Framing {
    /// The file extension of a recorded body in this framing: `sse`, or `eventstream` (binary).
    pub const fn file_extension(self) -> &'static str {
        match self {
            Framing::Sse => "sse",
            Framing::BedrockEventStream => "eventstream",
        }
    }

    /// A recorded response body in this framing, made from `recording`: `None` when
    /// `recording` is in this framing already (or empty): use it as it is.
    ///
    /// For Bedrock's event stream, a recording that does not start with an event-stream
    /// message ([`message_len`](crate::eventstream::message_len)) is taken for an Anthropic
    /// SSE recording and re-framed as Bedrock would carry it
    /// ([`reframe_sse`](crate::eventstream::bedrock::reframe_sse), with
    /// [`RECORDING_FIRST_BYTE_LATENCY_MS`](crate::eventstream::bedrock::RECORDING_FIRST_BYTE_LATENCY_MS)
    /// and
    /// [`RECORDING_INVOCATION_LATENCY_MS`](crate::eventstream::bedrock::RECORDING_INVOCATION_LATENCY_MS)
    /// in its metrics): one `.sse` recording serves Anthropic, Vertex AI and Bedrock alike
    /// (mock servers do this).
    ///
    /// ```
    /// use llm_sse_core::provider::Framing;
    ///
    /// let sse = b"event: ping\ndata: {\"type\":\"ping\"}\n\n";
    /// assert_eq!(Framing::Sse.frame_recording(sse), None);
    /// let framed = Framing::BedrockEventStream.frame_recording(sse).unwrap();
    /// assert_eq!(llm_sse_core::eventstream::message_len(&framed), Some(framed.len()));
    /// assert_eq!(Framing::BedrockEventStream.frame_recording(&framed), None);
    /// ```
    pub fn frame_recording(self, recording: &[u8]) -> Option<alloc::vec::Vec<u8>> {
        match self {
            Framing::Sse => None,
            Framing::BedrockEventStream => {
                if recording.is_empty() || crate::eventstream::message_len(recording).is_some() {
                    return None;
                }
                use crate::eventstream::bedrock;
                Some(bedrock::reframe_sse(
                    recording,
                    bedrock::RECORDING_FIRST_BYTE_LATENCY_MS,
                    bedrock::RECORDING_INVOCATION_LATENCY_MS,
                ))
            }
        }
    }
}

/// How a provider's credentials are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// An API key in this header, as it is (`x-api-key: <key>`).
    Header(&'static str),
    /// An API key as `Authorization: Bearer <key>`.
    Bearer,
    /// AWS Signature Version 4 for this service name, with the AWS credentials of the
    /// environment (`aws` module).
    AwsSigV4 {
        /// The signing name (`bedrock`).
        service: &'static str,
    },
    /// A Google OAuth2 access token as `Authorization: Bearer <token>`, from Google's
    /// application-default credentials (`google` module).
    GoogleOAuth,
}

impl Auth {
    /// The header that carries the credential.
    pub const fn header(self) -> &'static str {
        match self {
            Auth::Header(name) => name,
            Auth::Bearer | Auth::AwsSigV4 { .. } | Auth::GoogleOAuth => "authorization",
        }
    }

    /// The key as presented in a header's value, if the value holds one in this scheme: the
    /// API key, the bearer token, or for AWS Signature Version 4 the access key id that
    /// signed (which identifies the signer; only checking the signature,
    /// [`Signer::verify`](crate::aws::sigv4::Signer::verify), proves it).
    ///
    /// ```
    /// use llm_sse_core::provider::Auth;
    ///
    /// assert_eq!(Auth::Bearer.key_in(b"Bearer sk-1"), Some(&b"sk-1"[..]));
    /// assert_eq!(Auth::Bearer.key_in(b"Basic sk-1"), None);
    /// assert_eq!(Auth::Header("x-api-key").key_in(b"sk-1"), Some(&b"sk-1"[..]));
    /// let sigv4 = Auth::AwsSigV4 { service: "bedrock" };
    /// let authorization = b"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    /// assert_eq!(sigv4.key_in(authorization), Some(&b"AKID"[..]));
    /// assert_eq!(sigv4.key_in(b"Bearer sk-1"), None);
    /// ```
    pub fn key_in(self, value: &[u8]) -> Option<&[u8]> {
        match self {
            Auth::Header(_) => Some(value),
            Auth::Bearer | Auth::GoogleOAuth => {
                let (scheme, key) = value.split_at_checked(7)?;
                scheme.eq_ignore_ascii_case(b"bearer ").then_some(key)
            }
            Auth::AwsSigV4 { .. } => {
                let rest = value.strip_prefix(b"AWS4-HMAC-SHA256 ")?;
                let at = rest.windows(11).position(|w| w == b"Credential=")? + 11;
                let id = &rest[at..];
                let end = id.iter().position(|&b| b == b'/' || b == b',')?;
                (end > 0).then_some(&id[..end])
            }
        }
    }
}

/// Where a provider's streaming endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// One path for every model (`/v1/messages`).
    Fixed(&'static str),
    /// The model's resource name between `prefix` and `suffix`
    /// (`/v1beta/` `models/gemini-2.5-flash` `:streamGenerateContent?alt=sse`); a bare model name
    /// `m` is the resource `{resource}/m`.
    Model {
        /// The path before the model's resource name.
        prefix: &'static str,
        /// The collection a bare model name belongs to (`models`).
        resource: &'static str,
        /// The path (and query) after it.
        suffix: &'static str,
    },
    /// The model name as one path segment between `prefix` and `suffix`, every byte outside
    /// `A-Z a-z 0-9 - . _ ~` percent-encoded (Bedrock's model ids hold `:`, ARNs `/`):
    /// `/model/` `anthropic.claude-sonnet-4-5-20250929-v1%3A0` `/invoke-with-response-stream`.
    EncodedModel {
        /// The path before the model.
        prefix: &'static str,
        /// The path after it.
        suffix: &'static str,
    },
    /// The model name between `prefix` and `suffix`, under a project and a location that the
    /// base URL holds (`{api base}/projects/{project}/locations/{region}`: Vertex AI's
    /// `/publishers/anthropic/models/` `claude-sonnet-4-5@20250929` `:streamRawPredict`).
    LocatedModel {
        /// The path before the model (after the location).
        prefix: &'static str,
        /// The path after it.
        suffix: &'static str,
    },
}

impl Endpoint {
    /// Whether `path` (without the query) is this endpoint, for any model: for a
    /// [`Model`](Endpoint::Model) endpoint, one resource name `collection/name` (neither empty
    /// nor holding a `/`) between its prefix and its suffix.
    ///
    /// ```
    /// use llm_sse_core::Provider;
    ///
    /// let gemini = Provider::Gemini.spec().endpoint;
    /// assert!(gemini.matches("/v1beta/models/gemini-2.5-flash:streamGenerateContent"));
    /// assert!(gemini.matches("/v1beta/tunedModels/mine:streamGenerateContent"));
    /// assert!(!gemini.matches("/v1beta/models/a/b:streamGenerateContent"));
    /// assert!(!gemini.matches("/v1beta/models/m:generateContent"));
    /// ```
    pub fn matches(self, path: &str) -> bool {
        match self {
            Endpoint::Fixed(fixed) => path == self.path_of(fixed),
            Endpoint::Model { prefix, suffix, .. } => {
                let Some(name) = path
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(self.path_of(suffix)))
                else {
                    return false;
                };
                name.split_once('/').is_some_and(|(collection, id)| {
                    !collection.is_empty() && !id.is_empty() && !id.contains('/')
                })
            }
            Endpoint::EncodedModel { prefix, suffix } => path
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(self.path_of(suffix)))
                .is_some_and(|name| !name.is_empty() && !name.contains('/')),
            Endpoint::LocatedModel { prefix, suffix } => {
                // `/projects/{project}/locations/{region}`, then the model.
                let mut parts = path.splitn(6, '/');
                let located = parts.next() == Some("")
                    && parts.next() == Some("projects")
                    && parts.next().is_some_and(|p| !p.is_empty())
                    && parts.next() == Some("locations")
                    && parts.next().is_some_and(|r| !r.is_empty());
                let rest = parts.next().map(|rest| path.len() - rest.len() - 1);
                located
                    && rest.is_some_and(|at| {
                        path[at..]
                            .strip_prefix(prefix)
                            .and_then(|rest| rest.strip_suffix(self.path_of(suffix)))
                            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
                    })
            }
        }
    }

    /// The query the endpoint's URL carries (Gemini's `alt=sse`: the server-sent-events form
    /// of the answer), without the `?`; `None` when it has none.
    pub fn query(self) -> Option<&'static str> {
        let tail = match self {
            Endpoint::Fixed(fixed) => fixed,
            Endpoint::Model { suffix, .. }
            | Endpoint::EncodedModel { suffix, .. }
            | Endpoint::LocatedModel { suffix, .. } => suffix,
        };
        tail.split_once('?').map(|(_, query)| query)
    }

    /// `part` without its query.
    fn path_of(self, part: &'static str) -> &'static str {
        part.split_once('?').map_or(part, |(path, _)| path)
    }
}

/// The endpoint as a person writes it: the path, `{model}` where the model's name goes, and
/// the query (`/v1beta/models/{model}:streamGenerateContent?alt=sse`).
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Fixed(fixed) => f.write_str(fixed),
            Endpoint::Model {
                prefix,
                resource,
                suffix,
            } => write!(f, "{prefix}{resource}/{{model}}{suffix}"),
            Endpoint::EncodedModel { prefix, suffix } => write!(f, "{prefix}{{model}}{suffix}"),
            Endpoint::LocatedModel { prefix, suffix } => write!(
                f,
                "/projects/{{project}}/locations/{{region}}{prefix}{{model}}{suffix}"
            ),
        }
    }
}

/// The JSON shape of a provider's error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorShape {
    /// `{"type":"error","error":{"type":"...","message":"..."}}`
    Anthropic,
    /// `{"error":{"message":"...","type":"...","param":null,"code":...}}`
    OpenAi,
    /// `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED"}}`
    Google,
    /// AWS's: `{"message":"..."}`, the error type in the `x-amzn-ErrorType` header
    /// (`ThrottlingException:http://internal.amazon.com/...`).
    Aws,
}

impl ProviderSpec {
    /// The path of [`default_base_url`](ProviderSpec::default_base_url) (`/v1` for OpenAI,
    /// whose base URLs include the version; empty for the others): what comes between a
    /// server's address and the [`endpoint`](ProviderSpec::endpoint) on the provider's own
    /// servers, and on a mock of them.
    ///
    /// ```
    /// use llm_sse_core::Provider;
    ///
    /// assert_eq!(Provider::OpenAi.spec().base_path(), "/v1");
    /// assert_eq!(Provider::Anthropic.spec().base_path(), "");
    /// ```
    pub fn base_path(&self) -> &'static str {
        let url = self.default_base_url;
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        match after_scheme.find('/') {
            Some(slash) => after_scheme[slash..].trim_end_matches('/'),
            None => "",
        }
    }

    /// The provider's usual error message for `status` (what its own servers say), when the
    /// table has one.
    pub fn error_message(&self, status: u16) -> Option<&'static str> {
        self.error_messages
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, message)| *message)
    }

    /// The provider's error type for `status` (its first row that holds the status).
    pub fn error_type(&self, status: u16) -> &'static str {
        self.error_types
            .iter()
            .find(|(statuses, _)| statuses.contains(&status))
            .map_or("", |(_, ty)| ty)
    }

    /// What the provider's raw finish reason `raw` means ([`FinishReason::Other`] when the
    /// table does not list it).
    pub fn finish_reason(&self, raw: &str) -> FinishReason {
        self.finish_reasons
            .iter()
            .find(|(r, _)| *r == raw)
            .map_or(FinishReason::Other, |(_, reason)| *reason)
    }

    /// The raw finish reason this provider's API uses for `reason`.
    pub fn raw_finish_reason(&self, reason: FinishReason) -> &'static str {
        self.raw_finish_reasons
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or("", |(_, raw)| raw)
    }
}

/// The HTTP status a provider error type stands for, in any provider's table (Anthropic's
/// `overloaded_error` `529`, OpenAI's `requests` `429`, Gemini's `UNAVAILABLE` `503`); `None`
/// for a type no table lists.
pub fn status_of_error_type(error_type: &str) -> Option<u16> {
    Provider::ALL.iter().find_map(|provider| {
        provider
            .spec()
            .error_types
            .iter()
            // A table's last rows cover whole classes of statuses: they name no one status.
            .find(|(statuses, ty)| *ty == error_type && *statuses.start() >= 100)
            .map(|(statuses, _)| *statuses.start())
    })
}

// ------------------------------------------------------------------------------------------------
// The table.
// ------------------------------------------------------------------------------------------------

/// Every status, for a table's last row.
const ANY: RangeInclusive<u16> = 0..=u16::MAX;

/// Anthropic Messages: <https://docs.anthropic.com/en/api/messages>.
const ANTHROPIC: ProviderSpec = ProviderSpec {
    provider: Provider::Anthropic,
    name: "anthropic",
    api: Api::Anthropic,
    framing: Framing::Sse,
    display_name: "Anthropic",
    api_key_env: &["ANTHROPIC_API_KEY"],
    base_url_env: "ANTHROPIC_BASE_URL",
    default_base_url: "https://api.anthropic.com",
    default_model: "claude-sonnet-4-5",
    model_prefixes: &["claude-"],
    auth: Auth::Header("x-api-key"),
    key_query: None,
    missing_key_message: "x-api-key header is required",
    fixed_headers: &[("anthropic-version", "2023-06-01")],
    endpoint: Endpoint::Fixed("/v1/messages"),
    stream_content_type: "text/event-stream",
    stream_headers: &[],
    error_shape: ErrorShape::Anthropic,
    // https://docs.anthropic.com/en/api/errors
    error_types: &[
        (400..=400, "invalid_request_error"),
        (401..=401, "authentication_error"),
        (402..=402, "billing_error"),
        (403..=403, "permission_error"),
        (404..=404, "not_found_error"),
        (409..=409, "conflict_error"),
        (413..=413, "request_too_large"),
        (429..=429, "rate_limit_error"),
        (500..=500, "api_error"),
        (529..=529, "overloaded_error"),
        (400..=499, "invalid_request_error"),
        (ANY, "api_error"),
    ],
    error_messages: &[
        (401, "invalid x-api-key"),
        (404, "Not found"),
        (429, "Number of requests has exceeded your rate limit"),
        (500, "Internal server error"),
        (529, "Overloaded"),
    ],
    error_codes: &[],
    finish_reasons: &[
        ("end_turn", FinishReason::Stop),
        ("max_tokens", FinishReason::Length),
        ("model_context_window_exceeded", FinishReason::Length),
        ("stop_sequence", FinishReason::StopSequence),
        ("tool_use", FinishReason::ToolCalls),
        ("refusal", FinishReason::ContentFilter),
        ("pause_turn", FinishReason::PauseTurn),
    ],
    raw_finish_reasons: &[
        (FinishReason::Stop, "end_turn"),
        (FinishReason::Length, "max_tokens"),
        (FinishReason::StopSequence, "stop_sequence"),
        (FinishReason::ToolCalls, "tool_use"),
        (FinishReason::ContentFilter, "refusal"),
        (FinishReason::PauseTurn, "pause_turn"),
        // A value every client knows.
        (FinishReason::Other, "end_turn"),
    ],
};

/// OpenAI Chat Completions and compatible servers:
/// <https://platform.openai.com/docs/api-reference/chat>.
const OPENAI: ProviderSpec = ProviderSpec {
    provider: Provider::OpenAi,
    name: "openai",
    api: Api::OpenAi,
    framing: Framing::Sse,
    display_name: "OpenAI",
    api_key_env: &["OPENAI_API_KEY"],
    base_url_env: "OPENAI_BASE_URL",
    default_base_url: "https://api.openai.com/v1",
    default_model: "gpt-4.1-mini",
    model_prefixes: &["gpt-", "o1", "o3", "o4", "chatgpt-"],
    auth: Auth::Bearer,
    key_query: None,
    missing_key_message: "You didn't provide an API key. Provide it in an Authorization header \
         using Bearer auth (Authorization: Bearer YOUR_KEY).",
    fixed_headers: &[],
    endpoint: Endpoint::Fixed("/chat/completions"),
    stream_content_type: "text/event-stream",
    stream_headers: &[],
    error_shape: ErrorShape::OpenAi,
    // https://platform.openai.com/docs/guides/error-codes: a rate limit's type names what ran
    // out (`requests` or `tokens`); some compatible servers send only the code.
    error_types: &[
        (429..=429, "requests"),
        (429..=429, "tokens"),
        (429..=429, "rate_limit_exceeded"),
        (500..=599, "server_error"),
        (ANY, "invalid_request_error"),
    ],
    error_messages: &[
        (401, "Incorrect API key provided."),
        (429, "Rate limit reached for requests"),
        (
            500,
            "The server had an error while processing your request.",
        ),
        (
            503,
            "The engine is currently overloaded, please try again later",
        ),
        (529, "Overloaded"),
    ],
    error_codes: &[(401, "invalid_api_key"), (429, "rate_limit_exceeded")],
    finish_reasons: &[
        ("stop", FinishReason::Stop),
        ("length", FinishReason::Length),
        ("tool_calls", FinishReason::ToolCalls),
        ("function_call", FinishReason::ToolCalls),
        ("content_filter", FinishReason::ContentFilter),
    ],
    raw_finish_reasons: &[
        (FinishReason::Stop, "stop"),
        (FinishReason::Length, "length"),
        // OpenAI cannot say it; a stop sequence is a stop there.
        (FinishReason::StopSequence, "stop"),
        (FinishReason::ToolCalls, "tool_calls"),
        (FinishReason::ContentFilter, "content_filter"),
        // The turn is unfinished: send it back to continue.
        (FinishReason::PauseTurn, "length"),
        (FinishReason::Other, "stop"),
    ],
};

/// Gemini `streamGenerateContent`:
/// <https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent>.
const GEMINI: ProviderSpec = ProviderSpec {
    provider: Provider::Gemini,
    name: "gemini",
    api: Api::Gemini,
    framing: Framing::Sse,
    display_name: "Gemini",
    api_key_env: &["GEMINI_API_KEY", "GOOGLE_API_KEY"],
    base_url_env: "GEMINI_BASE_URL",
    default_base_url: "https://generativelanguage.googleapis.com",
    default_model: "gemini-2.5-flash",
    model_prefixes: &["gemini-"],
    auth: Auth::Header("x-goog-api-key"),
    key_query: Some("key"),
    missing_key_message: "Method doesn't allow unregistered callers. Please use an API key.",
    fixed_headers: &[],
    endpoint: Endpoint::Model {
        prefix: "/v1beta/",
        resource: "models",
        suffix: ":streamGenerateContent?alt=sse",
    },
    stream_content_type: "text/event-stream",
    stream_headers: &[],
    error_shape: ErrorShape::Google,
    // The `google.rpc.Code` name of each status.
    error_types: &[
        (400..=400, "INVALID_ARGUMENT"),
        (401..=401, "UNAUTHENTICATED"),
        (403..=403, "PERMISSION_DENIED"),
        (404..=404, "NOT_FOUND"),
        (409..=409, "ABORTED"),
        (429..=429, "RESOURCE_EXHAUSTED"),
        (499..=499, "CANCELLED"),
        (500..=500, "INTERNAL"),
        (501..=501, "UNIMPLEMENTED"),
        (503..=503, "UNAVAILABLE"),
        (529..=529, "UNAVAILABLE"),
        (504..=504, "DEADLINE_EXCEEDED"),
        (400..=499, "FAILED_PRECONDITION"),
        (ANY, "UNKNOWN"),
    ],
    error_messages: &[
        (400, "Request contains an invalid argument."),
        (401, "API key not valid. Please pass a valid API key."),
        (403, "The caller does not have permission"),
        (404, "Requested entity was not found."),
        (429, "Resource has been exhausted (e.g. check quota)."),
        (500, "An internal error has occurred."),
        (503, "The model is overloaded. Please try again later."),
        (529, "Overloaded"),
    ],
    error_codes: &[],
    finish_reasons: &[
        ("STOP", FinishReason::Stop),
        ("MAX_TOKENS", FinishReason::Length),
        ("SAFETY", FinishReason::ContentFilter),
        ("RECITATION", FinishReason::ContentFilter),
        ("BLOCKLIST", FinishReason::ContentFilter),
        ("PROHIBITED_CONTENT", FinishReason::ContentFilter),
        ("SPII", FinishReason::ContentFilter),
        ("IMAGE_SAFETY", FinishReason::ContentFilter),
        ("IMAGE_PROHIBITED_CONTENT", FinishReason::ContentFilter),
        ("IMAGE_RECITATION", FinishReason::ContentFilter),
    ],
    raw_finish_reasons: &[
        (FinishReason::Stop, "STOP"),
        (FinishReason::Length, "MAX_TOKENS"),
        (FinishReason::StopSequence, "STOP"),
        (FinishReason::ToolCalls, "STOP"),
        (FinishReason::ContentFilter, "SAFETY"),
        (FinishReason::PauseTurn, "OTHER"),
        (FinishReason::Other, "OTHER"),
    ],
};

/// Claude on Amazon Bedrock, `InvokeModelWithResponseStream`:
/// <https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html>.
/// The key, region and endpoint come from the AWS environment (`aws` module), not from the
/// variables of an API key: `api_key_env` is empty and the base URL is the region's endpoint.
const BEDROCK: ProviderSpec = ProviderSpec {
    provider: Provider::Bedrock,
    name: "bedrock",
    api: Api::Anthropic,
    framing: Framing::BedrockEventStream,
    display_name: "Amazon Bedrock",
    api_key_env: &[],
    base_url_env: "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    default_base_url: "https://bedrock-runtime.us-east-1.amazonaws.com",
    default_model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
    // Bedrock's model ids, and its cross-region inference profiles (`us.`, `eu.`, ...).
    model_prefixes: &[
        "anthropic.",
        "us.anthropic.",
        "eu.anthropic.",
        "apac.anthropic.",
        "global.anthropic.",
    ],
    auth: Auth::AwsSigV4 { service: "bedrock" },
    key_query: None,
    missing_key_message: "Missing Authentication Token",
    fixed_headers: &[("accept", "application/vnd.amazon.eventstream")],
    endpoint: Endpoint::EncodedModel {
        prefix: "/model/",
        suffix: "/invoke-with-response-stream",
    },
    stream_content_type: "application/vnd.amazon.eventstream",
    stream_headers: &[("x-amzn-bedrock-content-type", "application/json")],
    error_shape: ErrorShape::Aws,
    // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html#API_runtime_InvokeModelWithResponseStream_Errors
    error_types: &[
        (400..=400, "ValidationException"),
        (403..=403, "AccessDeniedException"),
        (404..=404, "ResourceNotFoundException"),
        (408..=408, "ModelTimeoutException"),
        (424..=424, "ModelErrorException"),
        (429..=429, "ThrottlingException"),
        (429..=429, "ModelNotReadyException"),
        (429..=429, "ServiceQuotaExceededException"),
        (500..=500, "InternalServerException"),
        (503..=503, "ServiceUnavailableException"),
        (400..=499, "ValidationException"),
        (ANY, "InternalServerException"),
    ],
    error_messages: &[
        (
            403,
            "You don't have access to the model with the specified model ID.",
        ),
        (429, "Too many requests, please wait before trying again."),
        (503, "Bedrock is unable to process your request."),
    ],
    error_codes: &[],
    finish_reasons: ANTHROPIC.finish_reasons,
    raw_finish_reasons: ANTHROPIC.raw_finish_reasons,
};

/// Claude on Google Vertex AI, `streamRawPredict`:
/// <https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude>. The base URL
/// holds the project and the location (`https://{region}-aiplatform.googleapis.com/v1/projects/
/// {project}/locations/{region}`, from `ANTHROPIC_VERTEX_PROJECT_ID` and `CLOUD_ML_REGION`); the
/// token comes from Google's application-default credentials (`google` module).
const VERTEX: ProviderSpec = ProviderSpec {
    provider: Provider::Vertex,
    name: "vertex",
    api: Api::Anthropic,
    framing: Framing::Sse,
    display_name: "Vertex AI",
    api_key_env: &[],
    base_url_env: "ANTHROPIC_VERTEX_BASE_URL",
    default_base_url: "https://aiplatform.googleapis.com/v1",
    default_model: "claude-sonnet-4-5@20250929",
    // Vertex's Claude names are Anthropic's (`claude-sonnet-4-5@20250929`): a bare name goes to
    // Anthropic; `vertex/` or an alias names Vertex.
    model_prefixes: &[],
    auth: Auth::GoogleOAuth,
    key_query: None,
    missing_key_message: "Request is missing required authentication credential. Expected OAuth 2 \
                          access token, login cookie or other valid authentication credential.",
    fixed_headers: &[],
    endpoint: Endpoint::LocatedModel {
        prefix: "/publishers/anthropic/models/",
        suffix: ":streamRawPredict",
    },
    stream_content_type: "text/event-stream",
    stream_headers: &[],
    error_shape: ErrorShape::Google,
    error_types: GEMINI.error_types,
    error_messages: &[
        (401, "Request had invalid authentication credentials."),
        (403, "Permission denied on resource project."),
        (
            429,
            "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model.",
        ),
        (529, "Overloaded"),
    ],
    error_codes: &[],
    finish_reasons: ANTHROPIC.finish_reasons,
    raw_finish_reasons: ANTHROPIC.raw_finish_reasons,
};

#[cfg(test)]
mod tests {
    use super::*;

    const REASONS: [FinishReason; 7] = [
        FinishReason::Stop,
        FinishReason::Length,
        FinishReason::StopSequence,
        FinishReason::ToolCalls,
        FinishReason::ContentFilter,
        FinishReason::PauseTurn,
        FinishReason::Other,
    ];

    #[test]
    fn every_row_is_its_providers_and_indexes_agree() {
        for (i, provider) in Provider::ALL.into_iter().enumerate() {
            assert_eq!(provider.spec().provider, provider);
            assert_eq!(provider.index(), i);
            assert_eq!(provider.as_str().parse::<Provider>(), Ok(provider));
        }
    }

    #[test]
    fn every_status_has_a_type_and_every_reason_a_raw_value() {
        for provider in Provider::ALL {
            let spec = provider.spec();
            for status in [
                0,
                200,
                400,
                401,
                418,
                429,
                500,
                503,
                529,
                599,
                600,
                u16::MAX,
            ] {
                assert!(!spec.error_type(status).is_empty(), "{provider} {status}");
            }
            for reason in REASONS {
                assert!(
                    !spec.raw_finish_reason(reason).is_empty(),
                    "{provider} {reason}"
                );
            }
        }
    }

    #[test]
    fn the_inverse_tables_read_back() {
        for provider in Provider::ALL {
            let spec = provider.spec();
            // A raw reason written for a reason that has its own raw value reads back as it.
            for (raw, reason) in spec.finish_reasons {
                assert_eq!(
                    spec.finish_reason(spec.raw_finish_reason(*reason)),
                    *reason,
                    "{raw}"
                );
            }
            // A type stands for a status some row gives it.
            for (_, ty) in spec.error_types {
                if let Some(status) = status_of_error_type(ty) {
                    let rows = Provider::ALL.iter().flat_map(|p| p.spec().error_types);
                    let mut rows = rows.filter(|(_, t)| t == ty);
                    assert!(rows.any(|(s, _)| s.contains(&status)), "{provider} {ty}");
                }
            }
        }
        assert_eq!(status_of_error_type("overloaded_error"), Some(529));
        assert_eq!(status_of_error_type("tokens"), Some(429));
        assert_eq!(status_of_error_type("RESOURCE_EXHAUSTED"), Some(429));
        assert_eq!(status_of_error_type("invalid_request_error"), Some(400));
        assert_eq!(status_of_error_type("no_such_type"), None);
        assert_eq!(status_of_error_type("UNKNOWN"), None);
    }

    #[test]
    fn model_prefixes_are_unambiguous_and_name_the_default_models() {
        for provider in Provider::ALL {
            let spec = provider.spec();
            assert!(
                spec.model_prefixes.is_empty()
                    || spec
                        .model_prefixes
                        .iter()
                        .any(|p| spec.default_model.starts_with(p)),
                "{provider}"
            );
            for other in Provider::ALL.into_iter().filter(|&o| o != provider) {
                for a in spec.model_prefixes {
                    for b in other.spec().model_prefixes {
                        assert!(!a.starts_with(b) && !b.starts_with(a), "{a} {b}");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_provider_lists_the_names() {
        assert_eq!(
            UnknownProvider.to_string(),
            "unknown provider (expected anthropic, openai, gemini, bedrock or vertex)"
        );
    }

    #[test]
    fn model_endpoints_match_any_model() {
        let endpoint = Provider::Gemini.spec().endpoint;
        assert!(endpoint.matches("/v1beta/models/gemini-2.5-flash:streamGenerateContent"));
        for path in [
            "/v1beta/:streamGenerateContent",
            "/v1beta/models/:streamGenerateContent",
            "/v1beta/models:streamGenerateContent",
            "/v1beta//m:streamGenerateContent",
            "/v1beta/models/a/b:streamGenerateContent",
            "/v1beta/models/m:streamGenerateContent?alt=sse",
            "/v1beta/models/m:generateContent",
            "/v1/messages",
        ] {
            assert!(!endpoint.matches(path), "{path}");
        }
        assert!(Provider::Anthropic.spec().endpoint.matches("/v1/messages"));
        assert!(!Provider::Anthropic.spec().endpoint.matches("/v1/messages/"));
        assert!(
            !Provider::OpenAi
                .spec()
                .endpoint
                .matches("/v1/chat/completions")
        );
    }

    #[test]
    fn endpoints_as_written_with_their_base_paths() {
        let written: Vec<String> = Provider::ALL
            .iter()
            .map(|p| format!("{}{}", p.spec().base_path(), p.spec().endpoint))
            .collect();
        assert_eq!(
            written,
            [
                "/v1/messages",
                "/v1/chat/completions",
                "/v1beta/models/{model}:streamGenerateContent?alt=sse",
                "/model/{model}/invoke-with-response-stream",
                "/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:streamRawPredict",
            ]
        );
        let queries: Vec<_> = Provider::ALL
            .iter()
            .map(|p| p.spec().endpoint.query())
            .collect();
        assert_eq!(queries, [None, None, Some("alt=sse"), None, None]);
    }
}
