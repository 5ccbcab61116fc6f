//! [`RequestError`]: why a [`ChatRequest`](super::ChatRequest) cannot be sent to a provider.

use alloc::string::String;
use core::fmt;

use crate::chunk::Provider;

use super::{CacheTtl, Role};

/// Why a [`ChatRequest`](super::ChatRequest) was refused before any network call.
///
/// Every variant says what is wrong and where: `message` and `part` index
/// [`ChatRequest::messages`](super::ChatRequest::messages) and the message's content parts (a
/// string content is part 0), `tool` indexes [`ChatRequest::tools`](super::ChatRequest::tools).
/// The [`Display`](fmt::Display) text names the field the way the JSON spells it, for example
/// `messages[3].content[0]: ...`, so a gateway can answer `400` with it as is. No variant carries
/// the API key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RequestError {
    /// The JSON given to [`ChatRequest::from_json`](super::ChatRequest::from_json) is not a
    /// `ChatRequest` (malformed, a missing or unknown field, a wrong type, an unknown role).
    InvalidJson {
        /// serde's description, which names the offending field or value and its position.
        message: String,
    },
    /// `model` is empty.
    EmptyModel,
    /// `model` cannot be put into the provider's URL path (Gemini names the model in the path).
    InvalidModel {
        /// The provider.
        provider: Provider,
        /// The model as given.
        model: String,
    },
    /// `messages` is empty.
    NoMessages,
    /// Every message is a system message (or an assistant message of only reasoning the
    /// provider does not take, which is left out): there is nothing to answer.
    NoConversation,
    /// The provider requires the first message after the system messages to be a user message
    /// (Anthropic; assistant messages it leaves out do not count).
    FirstMessageNotUser {
        /// The provider.
        provider: Provider,
        /// The index of the first non-system message.
        message: usize,
        /// Its role.
        role: Role,
    },
    /// A message has no content (an empty string or an empty list of parts).
    EmptyContent {
        /// The message index.
        message: usize,
    },
    /// A content part is not valid where it is.
    InvalidPart {
        /// The message index.
        message: usize,
        /// The part index in the message's content.
        part: usize,
        /// What is wrong with it.
        problem: PartProblem,
    },
    /// `max_tokens` is 0.
    MaxTokensZero,
    /// `temperature` is outside the provider's range (Anthropic 0 to 1, OpenAI and Gemini 0 to
    /// 2), or not a number.
    TemperatureOutOfRange {
        /// The provider.
        provider: Provider,
        /// The value given.
        value: f64,
        /// The largest value the provider accepts.
        max: f64,
    },
    /// `top_p` is outside 0 to 1, or not a number.
    TopPOutOfRange {
        /// The value given.
        value: f64,
    },
    /// More stop sequences than the provider accepts (OpenAI 4, Gemini 5).
    TooManyStopSequences {
        /// The provider.
        provider: Provider,
        /// How many were given.
        count: usize,
        /// How many the provider accepts.
        max: usize,
    },
    /// A stop sequence is the empty string.
    EmptyStopSequence {
        /// Its index in `stop`.
        index: usize,
    },
    /// A tool definition is not valid.
    InvalidTool {
        /// The index in `tools`.
        tool: usize,
        /// What is wrong with it.
        problem: ToolProblem,
    },
    /// `tool_choice` is set but `tools` is empty.
    ToolChoiceWithoutTools,
    /// The conversation has tool calls or results but `tools` is empty, which Anthropic refuses
    /// ("Requests which include tool_use or tool_result blocks must define tools"). To stop
    /// further calls, keep the tools and set `tool_choice` to `none`.
    ToolHistoryWithoutTools {
        /// The provider.
        provider: Provider,
    },
    /// `tool_choice` names a tool that `tools` does not define.
    UnknownToolChoice {
        /// The name given.
        name: String,
    },
    /// `reasoning` sets neither `effort` nor `budget_tokens`.
    EmptyReasoning,
    /// `reasoning.budget_tokens` is below the provider's minimum (Anthropic: 1024; 0 turns
    /// thinking off and is always accepted).
    ReasoningBudgetTooSmall {
        /// The provider.
        provider: Provider,
        /// The budget given.
        budget: u32,
        /// The smallest budget the provider accepts.
        min: u32,
    },
    /// `reasoning.budget_tokens` is not below `max_tokens`, as Anthropic requires (thinking
    /// counts towards `max_tokens`).
    ReasoningBudgetNotBelowMaxTokens {
        /// The budget given.
        budget: u32,
        /// The `max_tokens` given.
        max_tokens: u32,
    },
    /// A setting Anthropic does not combine with thinking (`reasoning` set and not off): a
    /// forced `tool_choice` (only `auto` and `none` are allowed), a `temperature` other than 1,
    /// a `top_p` below 0.95.
    ConflictsWithThinking {
        /// The field: `tool_choice`, `temperature` or `top_p`.
        field: &'static str,
        /// What the provider allows while thinking.
        allowed: &'static str,
    },
    /// The request's own `cache` breakpoint (the one on the last block) is one the provider
    /// would refuse. Breakpoints of parts and tools are reported as [`InvalidPart`] and
    /// [`InvalidTool`].
    ///
    /// [`InvalidPart`]: RequestError::InvalidPart
    /// [`InvalidTool`]: RequestError::InvalidTool
    InvalidCache {
        /// What is wrong with it.
        problem: CacheProblem,
    },
    /// `provider_options` is not a JSON object.
    ProviderOptionsNotObject,
    /// The API key cannot be sent as a header value: it is empty or contains a character other
    /// than visible ASCII, space or tab (often a trailing line end read from a file). The key
    /// itself is never shown.
    InvalidApiKey,
}

/// What is wrong with one content part (see [`RequestError::InvalidPart`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartProblem {
    /// This kind of part cannot appear in a message of this role (for example an image in a
    /// system message, or text in a `tool` message, which holds only tool results).
    NotAllowed {
        /// The message's role.
        role: Role,
        /// The part's `type`, as the JSON spells it.
        part_type: &'static str,
    },
    /// The provider cannot take this kind of part here (for example an image inside a tool
    /// result, which only Anthropic accepts).
    NotSupported {
        /// The provider.
        provider: Provider,
        /// The part's `type`, as the JSON spells it.
        part_type: &'static str,
    },
    /// The part carries nothing: empty text, empty redacted-thinking data, or thinking with
    /// neither text nor signature.
    Empty,
    /// A thinking part's `signature` is empty (leave it out when there is none).
    EmptySignature,
    /// An image's `media_type` is not an `image/...` type.
    ImageMediaType,
    /// An image's `data` is empty or not standard base64 (the alphabet `A-Z a-z 0-9 + /` and
    /// `=` padding; no line breaks, no `data:` URL prefix).
    ImageData,
    /// A tool call has an empty `name`.
    EmptyToolName,
    /// A tool call has an empty `id` (leave `id` out when the provider gave none).
    EmptyToolCallId,
    /// A tool call's `arguments` is not a JSON object.
    ArgumentsNotObject,
    /// A tool call id that an earlier tool call in the request already uses.
    DuplicateToolCallId {
        /// The id.
        id: String,
    },
    /// A tool result that answers no unanswered tool call of the assistant message right before
    /// it (tool results must directly follow the assistant message whose calls they answer).
    UnknownToolCall {
        /// The result's `call_id`, if it has one.
        call_id: Option<String>,
        /// The result's `name`, if it has one.
        name: Option<String>,
    },
    /// A tool result with neither `call_id` nor `name`, so it cannot be matched to a call.
    UnidentifiedToolResult,
    /// A tool call that no tool result answers before the next non-tool message (or the end of
    /// the request): every provider requires each call to be answered.
    UnansweredToolCall {
        /// The call's id, if it has one.
        id: Option<String>,
        /// The call's name.
        name: String,
    },
    /// The part's cache breakpoint (or, in a tool result, one of its content's) is one the
    /// provider would refuse.
    Cache(CacheProblem),
}

/// What is wrong with one tool definition (see [`RequestError::InvalidTool`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolProblem {
    /// The name is not 1 to 64 characters of `A-Z a-z 0-9 _ -` (Gemini also requires it to start
    /// with a letter or `_`).
    InvalidName {
        /// The name given.
        name: String,
    },
    /// An earlier tool has the same name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// `parameters` is not a JSON object (a JSON Schema of an object).
    ParametersNotObject,
    /// The tool's cache breakpoint is one the provider would refuse.
    Cache(CacheProblem),
}

/// Why the provider would refuse a prompt-cache breakpoint
/// ([`CacheControl`](super::CacheControl)). The rules are Anthropic's; providers that cache by
/// themselves ignore breakpoints and refuse none.
///
/// Breakpoints count in the order of the prompt: the tools, then the system messages, then the
/// other messages (in a tool result, its content's parts before the result itself), and the
/// request's own `cache` last, on the last block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheProblem {
    /// A breakpoint after the provider's maximum (Anthropic: 4 per request).
    TooManyBreakpoints {
        /// The provider.
        provider: Provider,
        /// How many breakpoints it takes.
        max: usize,
    },
    /// A breakpoint whose lifetime is longer than an earlier one's: longer lifetimes must come
    /// first (a `1h` breakpoint after a `5m` one).
    TtlAfterShorter {
        /// The provider.
        provider: Provider,
        /// This breakpoint's lifetime.
        ttl: CacheTtl,
        /// The shorter lifetime of an earlier breakpoint.
        earlier: CacheTtl,
    },
    /// The request's own `cache` falls on the last block, which has a breakpoint of its own with
    /// another lifetime (Anthropic refuses automatic caching there).
    ConflictsWithLastBlock {
        /// The provider.
        provider: Provider,
        /// The lifetime of the last block's own breakpoint.
        ttl: CacheTtl,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::InvalidJson { message } => write!(f, "invalid request JSON: {message}"),
            RequestError::EmptyModel => f.write_str("model: must not be empty"),
            RequestError::InvalidModel { provider, model } => write!(
                f,
                "model: {model:?} cannot be used in a {provider} URL path \
                 (allowed: A-Z a-z 0-9 . _ - and / between segments)"
            ),
            RequestError::NoMessages => f.write_str("messages: must not be empty"),
            RequestError::NoConversation => {
                f.write_str("messages: there is no user, assistant or tool message")
            }
            RequestError::FirstMessageNotUser {
                provider,
                message,
                role,
            } => write!(
                f,
                "messages[{message}].role: {provider} requires the first non-system message to be \
                 a user message, not {role}"
            ),
            RequestError::EmptyContent { message } => {
                write!(f, "messages[{message}].content: must not be empty")
            }
            RequestError::InvalidPart {
                message,
                part,
                problem,
            } => write!(f, "messages[{message}].content[{part}]: {problem}"),
            RequestError::MaxTokensZero => f.write_str("max_tokens: must be at least 1"),
            RequestError::TemperatureOutOfRange {
                provider,
                value,
                max,
            } => write!(
                f,
                "temperature: {value} is outside the range {provider} accepts (0 to {max})"
            ),
            RequestError::TopPOutOfRange { value } => {
                write!(f, "top_p: {value} is outside the range 0 to 1")
            }
            RequestError::TooManyStopSequences {
                provider,
                count,
                max,
            } => write!(
                f,
                "stop: {count} stop sequences, {provider} accepts at most {max}"
            ),
            RequestError::EmptyStopSequence { index } => {
                write!(f, "stop[{index}]: must not be empty")
            }
            RequestError::InvalidTool { tool, problem } => write!(f, "tools[{tool}]: {problem}"),
            RequestError::ToolChoiceWithoutTools => {
                f.write_str("tool_choice: set, but no tools are defined")
            }
            RequestError::ToolHistoryWithoutTools { provider } => write!(
                f,
                "tools: {provider} requires the tools to be defined when messages contain tool \
                 calls or results (set tool_choice to \"none\" to prevent further calls)"
            ),
            RequestError::UnknownToolChoice { name } => {
                write!(f, "tool_choice: names {name:?}, which no tool defines")
            }
            RequestError::EmptyReasoning => {
                f.write_str("reasoning: set neither effort nor budget_tokens")
            }
            RequestError::ReasoningBudgetTooSmall {
                provider,
                budget,
                min,
            } => write!(
                f,
                "reasoning.budget_tokens: {budget} is below the {provider} minimum of {min} \
                 (0 turns thinking off)"
            ),
            RequestError::ReasoningBudgetNotBelowMaxTokens { budget, max_tokens } => write!(
                f,
                "reasoning.budget_tokens: {budget} must be less than max_tokens ({max_tokens}), \
                 which includes the thinking"
            ),
            RequestError::ConflictsWithThinking { field, allowed } => write!(
                f,
                "{field}: anthropic allows only {allowed} while thinking (reasoning is set)"
            ),
            RequestError::InvalidCache { problem } => write!(f, "cache: {problem}"),
            RequestError::ProviderOptionsNotObject => {
                f.write_str("provider_options: must be a JSON object")
            }
            RequestError::InvalidApiKey => f.write_str(
                "API key: not a valid header value (empty, or contains a line end, a control \
                 character or non-ASCII)",
            ),
        }
    }
}

impl fmt::Display for PartProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartProblem::NotAllowed { role, part_type } => {
                write!(f, "{part_type} parts are not allowed in {role} messages")
            }
            PartProblem::NotSupported {
                provider,
                part_type,
            } => write!(f, "{provider} does not accept {part_type} parts here"),
            PartProblem::Empty => f.write_str("the part is empty"),
            PartProblem::EmptySignature => {
                f.write_str("signature: must not be empty (leave it out when there is none)")
            }
            PartProblem::ImageMediaType => f.write_str("media_type: must be an image/... type"),
            PartProblem::ImageData => f.write_str(
                "data: must be non-empty standard base64 (no line breaks, no data: URL prefix)",
            ),
            PartProblem::EmptyToolName => f.write_str("name: a tool call needs a name"),
            PartProblem::EmptyToolCallId => {
                f.write_str("id: must not be empty (leave it out when there is none)")
            }
            PartProblem::ArgumentsNotObject => f.write_str("arguments: must be a JSON object"),
            PartProblem::DuplicateToolCallId { id } => {
                write!(f, "id: {id:?} is already used by an earlier tool call")
            }
            PartProblem::UnknownToolCall { call_id, name } => {
                f.write_str("a tool result for ")?;
                match (call_id, name) {
                    (Some(id), _) => write!(f, "call id {id:?}")?,
                    (None, Some(name)) => write!(f, "a call of {name:?}")?,
                    (None, None) => f.write_str("an unnamed call")?,
                }
                f.write_str(
                    ", which matches no unanswered tool call of the assistant message before it",
                )
            }
            PartProblem::UnidentifiedToolResult => {
                f.write_str("a tool result needs a call_id (or, for calls without an id, a name)")
            }
            PartProblem::UnansweredToolCall { id, name } => {
                write!(f, "the tool call of {name:?}")?;
                if let Some(id) = id {
                    write!(f, " (id {id:?})")?;
                }
                f.write_str(" has no tool result in the tool messages that follow it")
            }
            PartProblem::Cache(problem) => write!(f, "cache: {problem}"),
        }
    }
}

impl fmt::Display for ToolProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolProblem::InvalidName { name } => write!(
                f,
                "name: {name:?} must be 1 to 64 characters of A-Z a-z 0-9 _ - \
                 (for gemini starting with a letter or _)"
            ),
            ToolProblem::DuplicateName { name } => {
                write!(f, "name: {name:?} is already used by an earlier tool")
            }
            ToolProblem::ParametersNotObject => {
                f.write_str("parameters: must be a JSON Schema object")
            }
            ToolProblem::Cache(problem) => write!(f, "cache: {problem}"),
        }
    }
}

impl fmt::Display for CacheProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheProblem::TooManyBreakpoints { provider, max } => write!(
                f,
                "one cache breakpoint too many: {provider} takes at most {max} per request"
            ),
            CacheProblem::TtlAfterShorter {
                provider,
                ttl,
                earlier,
            } => write!(
                f,
                "a {ttl} cache breakpoint after a {earlier} one: {provider} requires longer \
                 lifetimes first (in the order tools, system, messages)"
            ),
            CacheProblem::ConflictsWithLastBlock { provider, ttl } => write!(
                f,
                "the last block has its own cache breakpoint with another lifetime ({ttl}), \
                 which {provider} refuses"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RequestError {}

#[cfg(feature = "std")]
impl std::error::Error for PartProblem {}

#[cfg(feature = "std")]
impl std::error::Error for ToolProblem {}

#[cfg(feature = "std")]
impl std::error::Error for CacheProblem {}
