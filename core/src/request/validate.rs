//! Validation of a [`ChatRequest`] against one provider's rules, and the matching of tool
//! results to the calls they answer (which the builders use).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::chunk::Provider;
use crate::provider::Api;

use super::{
    CacheControl, CacheProblem, CacheTtl, ChatMessage, ChatRequest, Content, Part, PartProblem,
    RequestError, Role, ToolChoice, ToolProblem, from_provider,
};

/// The smallest Anthropic thinking budget.
pub(super) const ANTHROPIC_MIN_BUDGET: u32 = 1024;
/// Anthropic's `max_tokens` when the request sets none (plus the thinking budget, if any).
pub(super) const ANTHROPIC_DEFAULT_MAX_TOKENS: u32 = 4096;
/// The most cache breakpoints Anthropic takes in one request.
pub(super) const ANTHROPIC_MAX_CACHE_BREAKPOINTS: usize = 4;

/// What validation learned that the builders need.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// (message, part) of each tool result → (message, part) of the call it answers.
    links: BTreeMap<(usize, usize), (usize, usize)>,
    /// (message, part) of the block that gets the request's own cache breakpoint, where the
    /// provider is told where to cache and that block has none of its own.
    request_cache: Option<(usize, usize)>,
}

impl Plan {
    /// The cache breakpoint of the part at (`message`, `part`), whose own is `own`: that one,
    /// or the request's own when it goes there.
    pub(super) fn cache_of(
        &self,
        request: &ChatRequest,
        message: usize,
        part: usize,
        own: Option<CacheControl>,
    ) -> Option<CacheControl> {
        own.or(request
            .cache
            .filter(|_| self.request_cache == Some((message, part))))
    }

    /// The (message, part) of the call that the tool result at (`message`, `part`) answers.
    pub(super) fn call_of(&self, message: usize, part: usize) -> Option<(usize, usize)> {
        self.links.get(&(message, part)).copied()
    }
}

/// The tool call at (`message`, `part`): its id and name.
pub(super) fn call_at(
    request: &ChatRequest,
    message: usize,
    part: usize,
) -> Option<(Option<&str>, &str)> {
    match &request.messages.get(message)?.content {
        Content::Parts(parts) => match parts.get(part)? {
            Part::ToolCall { id, name, .. } => Some((id.as_deref(), name.as_str())),
            _ => None,
        },
        Content::Text(_) => None,
    }
}

/// Anthropic's `max_tokens`: as given, else 4096 plus the thinking budget.
pub(super) fn anthropic_max_tokens(request: &ChatRequest) -> u32 {
    request.max_tokens.unwrap_or_else(|| {
        let budget = request.reasoning.and_then(|r| r.budget_tokens).unwrap_or(0);
        ANTHROPIC_DEFAULT_MAX_TOKENS.saturating_add(budget)
    })
}

/// Checks `request` against `provider`'s rules.
pub(super) fn check(request: &ChatRequest, provider: Provider) -> Result<Plan, RequestError> {
    if request.model.is_empty() {
        return Err(RequestError::EmptyModel);
    }
    if provider.api() == Api::Gemini && !is_path_safe_model(&request.model) {
        return Err(RequestError::InvalidModel {
            provider,
            model: request.model.clone(),
        });
    }
    let mut plan = check_messages(request, provider)?;
    check_parameters(request, provider)?;
    check_tools(request, provider)?;
    check_reasoning(request, provider)?;
    plan.request_cache = check_cache(request, provider)?;
    if let Some(options) = &request.provider_options {
        if !options.is_object() {
            return Err(RequestError::ProviderOptionsNotObject);
        }
    }
    Ok(plan)
}

fn check_messages(request: &ChatRequest, provider: Provider) -> Result<Plan, RequestError> {
    if request.messages.is_empty() {
        return Err(RequestError::NoMessages);
    }
    // The first message that the provider gets something from (an assistant message of only
    // reasoning the provider leaves out is not sent).
    let Some((first, first_message)) = request
        .messages
        .iter()
        .enumerate()
        .find(|(_, m)| m.role != Role::System && sends_something(m, provider))
    else {
        return Err(RequestError::NoConversation);
    };
    if provider.api() == Api::Anthropic && first_message.role != Role::User {
        return Err(RequestError::FirstMessageNotUser {
            provider,
            message: first,
            role: first_message.role,
        });
    }

    let mut plan = Plan::default();
    // The calls of the latest assistant message, and the tool results of the tool messages
    // after it: matched when the next other message (or the end) arrives.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let mut results: Vec<(usize, usize)> = Vec::new();
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for (i, message) in request.messages.iter().enumerate() {
        let role = message.role;
        if role != Role::Tool {
            answer(request, &mut plan, &mut pending, &mut results)?;
        }
        let parts = match &message.content {
            Content::Text(text) if text.is_empty() => {
                return Err(RequestError::EmptyContent { message: i });
            }
            Content::Parts(parts) if parts.is_empty() => {
                return Err(RequestError::EmptyContent { message: i });
            }
            Content::Text(_) => {
                if role == Role::Tool {
                    return Err(invalid(i, 0, not_allowed(role, "text")));
                }
                continue;
            }
            Content::Parts(parts) => parts,
        };
        for (j, part) in parts.iter().enumerate() {
            if !allowed(role, part) {
                return Err(invalid(i, j, not_allowed(role, part.part_type())));
            }
            check_part(part, provider).map_err(|problem| invalid(i, j, problem))?;
            match part {
                Part::ToolCall { id, .. } => {
                    if let Some(id) = id {
                        if !ids.insert(id.as_str()) {
                            let problem = PartProblem::DuplicateToolCallId { id: id.clone() };
                            return Err(invalid(i, j, problem));
                        }
                    }
                    pending.push((i, j));
                }
                Part::ToolResult {
                    call_id: None,
                    name: None,
                    ..
                } => return Err(invalid(i, j, PartProblem::UnidentifiedToolResult)),
                Part::ToolResult { .. } => results.push((i, j)),
                _ => {}
            }
        }
    }
    answer(request, &mut plan, &mut pending, &mut results)?;
    Ok(plan)
}

/// Matches `results` (the tool results after an assistant message) to `pending` (its calls):
/// first those with a `call_id`, by id; then those with only a `name`, each to the first
/// unmatched call of that name, preferring calls without an id. Every result must find a call
/// and every call a result.
fn answer(
    request: &ChatRequest,
    plan: &mut Plan,
    pending: &mut Vec<(usize, usize)>,
    results: &mut Vec<(usize, usize)>,
) -> Result<(), RequestError> {
    let result_at = |i: usize, j: usize| match &request.messages.get(i)?.content {
        Content::Parts(parts) => match parts.get(j)? {
            Part::ToolResult { call_id, name, .. } => Some((call_id.as_deref(), name.as_deref())),
            _ => None,
        },
        Content::Text(_) => None,
    };
    for by_id in [true, false] {
        for &(i, j) in results.iter() {
            let Some((call_id, name)) = result_at(i, j) else {
                continue;
            };
            if call_id.is_some() != by_id {
                continue;
            }
            let call = |k: usize, l: usize| call_at(request, k, l).unwrap_or((None, ""));
            let found = match (call_id, name) {
                (Some(call_id), _) => pending
                    .iter()
                    .position(|&(k, l)| call(k, l).0 == Some(call_id)),
                (None, Some(name)) => pending
                    .iter()
                    .position(|&(k, l)| call(k, l) == (None, name))
                    .or_else(|| pending.iter().position(|&(k, l)| call(k, l).1 == name)),
                (None, None) => None,
            };
            let Some(found) = found else {
                let problem = PartProblem::UnknownToolCall {
                    call_id: call_id.map(String::from),
                    name: name.map(String::from),
                };
                return Err(invalid(i, j, problem));
            };
            plan.links.insert((i, j), pending.remove(found));
        }
    }
    results.clear();
    unanswered(request, pending)?;
    pending.clear();
    Ok(())
}

/// False for an assistant message that the builder for `provider` leaves out entirely: one
/// made only of reasoning parts that provider does not take (unsigned or other providers'
/// reasoning for Anthropic, any reasoning for OpenAI, other providers' and redacted reasoning for
/// Gemini).
fn sends_something(message: &ChatMessage, provider: Provider) -> bool {
    let Content::Parts(parts) = &message.content else {
        return true;
    };
    if message.role != Role::Assistant {
        return true;
    }
    parts.iter().any(|part| match part {
        Part::Thinking {
            signature,
            provider: from,
            ..
        } => match provider.api() {
            Api::Anthropic => signature.is_some() && from_provider(*from, provider),
            Api::Gemini => from_provider(*from, provider),
            Api::OpenAi => false,
        },
        Part::RedactedThinking { provider: from, .. } => {
            provider.api() == Api::Anthropic && from_provider(*from, provider)
        }
        _ => true,
    })
}

/// The error for the first of `pending`, if any.
fn unanswered(request: &ChatRequest, pending: &[(usize, usize)]) -> Result<(), RequestError> {
    match pending.first() {
        None => Ok(()),
        Some(&(k, l)) => {
            let (id, name) = call_at(request, k, l).unwrap_or((None, ""));
            Err(invalid(
                k,
                l,
                PartProblem::UnansweredToolCall {
                    id: id.map(String::from),
                    name: name.into(),
                },
            ))
        }
    }
}

fn invalid(message: usize, part: usize, problem: PartProblem) -> RequestError {
    RequestError::InvalidPart {
        message,
        part,
        problem,
    }
}

fn not_allowed(role: Role, part_type: &'static str) -> PartProblem {
    PartProblem::NotAllowed { role, part_type }
}

/// Which parts each role may hold.
fn allowed(role: Role, part: &Part) -> bool {
    match role {
        Role::System => matches!(part, Part::Text { .. }),
        Role::User => matches!(part, Part::Text { .. } | Part::Image { .. }),
        Role::Assistant => matches!(
            part,
            Part::Text { .. }
                | Part::ToolCall { .. }
                | Part::Thinking { .. }
                | Part::RedactedThinking { .. }
        ),
        Role::Tool => matches!(part, Part::ToolResult { .. }),
    }
}

/// The checks of one part on its own.
fn check_part(part: &Part, provider: Provider) -> Result<(), PartProblem> {
    match part {
        Part::Text { text, .. } if text.is_empty() => Err(PartProblem::Empty),
        Part::Text { .. } => Ok(()),
        Part::Image {
            media_type, data, ..
        } => check_image(media_type, data),
        Part::ToolCall {
            id,
            name,
            arguments,
            ..
        } => {
            if name.is_empty() {
                Err(PartProblem::EmptyToolName)
            } else if id.as_deref() == Some("") {
                Err(PartProblem::EmptyToolCallId)
            } else if !arguments.is_object() {
                Err(PartProblem::ArgumentsNotObject)
            } else {
                Ok(())
            }
        }
        Part::ToolResult { content, .. } => match content {
            Content::Text(_) => Ok(()),
            Content::Parts(parts) => {
                for part in parts {
                    match part {
                        Part::Text { text, .. } if text.is_empty() => {
                            return Err(PartProblem::Empty);
                        }
                        Part::Text { .. } => {}
                        Part::Image {
                            media_type, data, ..
                        } => {
                            if provider.api() != Api::Anthropic {
                                return Err(PartProblem::NotSupported {
                                    provider,
                                    part_type: "image",
                                });
                            }
                            check_image(media_type, data)?;
                        }
                        other => return Err(not_allowed(Role::Tool, other.part_type())),
                    }
                }
                Ok(())
            }
        },
        Part::Thinking {
            thinking,
            signature,
            ..
        } => {
            if signature.as_deref() == Some("") {
                Err(PartProblem::EmptySignature)
            } else if thinking.is_empty() && signature.is_none() {
                Err(PartProblem::Empty)
            } else {
                Ok(())
            }
        }
        Part::RedactedThinking { data, .. } if data.is_empty() => Err(PartProblem::Empty),
        Part::RedactedThinking { .. } => Ok(()),
    }
}

fn check_image(media_type: &str, data: &str) -> Result<(), PartProblem> {
    match media_type.strip_prefix("image/") {
        Some(subtype) if !subtype.is_empty() && subtype.bytes().all(is_token_byte) => {}
        _ => return Err(PartProblem::ImageMediaType),
    }
    if is_standard_base64(data) {
        Ok(())
    } else {
        Err(PartProblem::ImageData)
    }
}

/// An RFC 9110 token character (what a media subtype is made of).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Non-empty, the standard base64 alphabet, `=` only as up to two padding characters at the end.
fn is_standard_base64(data: &str) -> bool {
    let body = data.trim_end_matches('=');
    !body.is_empty()
        && data.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn check_parameters(request: &ChatRequest, provider: Provider) -> Result<(), RequestError> {
    if request.max_tokens == Some(0) {
        return Err(RequestError::MaxTokensZero);
    }
    if let Some(value) = request.temperature {
        let max = match provider.api() {
            Api::Anthropic => 1.0,
            Api::OpenAi | Api::Gemini => 2.0,
        };
        if !(0.0..=max).contains(&value) {
            return Err(RequestError::TemperatureOutOfRange {
                provider,
                value,
                max,
            });
        }
    }
    if let Some(value) = request.top_p {
        if !(0.0..=1.0).contains(&value) {
            return Err(RequestError::TopPOutOfRange { value });
        }
    }
    if let Some(index) = request.stop.iter().position(String::is_empty) {
        return Err(RequestError::EmptyStopSequence { index });
    }
    let max_stop = match provider.api() {
        Api::Anthropic => usize::MAX,
        Api::OpenAi => 4,
        Api::Gemini => 5,
    };
    if request.stop.len() > max_stop {
        return Err(RequestError::TooManyStopSequences {
            provider,
            count: request.stop.len(),
            max: max_stop,
        });
    }
    Ok(())
}

fn check_tools(request: &ChatRequest, provider: Provider) -> Result<(), RequestError> {
    let mut names = BTreeSet::new();
    for (i, tool) in request.tools.iter().enumerate() {
        let problem = if !is_valid_tool_name(&tool.name, provider) {
            Some(ToolProblem::InvalidName {
                name: tool.name.clone(),
            })
        } else if !names.insert(tool.name.as_str()) {
            Some(ToolProblem::DuplicateName {
                name: tool.name.clone(),
            })
        } else if !tool.parameters.is_object() {
            Some(ToolProblem::ParametersNotObject)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(RequestError::InvalidTool { tool: i, problem });
        }
    }
    if provider.api() == Api::Anthropic && request.tools.is_empty() {
        let has_tool_parts = request.messages.iter().any(|m| match &m.content {
            Content::Parts(parts) => parts
                .iter()
                .any(|p| matches!(p, Part::ToolCall { .. } | Part::ToolResult { .. })),
            Content::Text(_) => false,
        });
        if has_tool_parts {
            return Err(RequestError::ToolHistoryWithoutTools { provider });
        }
    }
    match &request.tool_choice {
        Some(_) if request.tools.is_empty() => Err(RequestError::ToolChoiceWithoutTools),
        Some(ToolChoice::Tool(name)) if !names.contains(name.as_str()) => {
            Err(RequestError::UnknownToolChoice { name: name.clone() })
        }
        _ => Ok(()),
    }
}

/// 1 to 64 of `A-Z a-z 0-9 _ -`; Gemini also wants a letter or `_` first.
fn is_valid_tool_name(name: &str, provider: Provider) -> bool {
    let valid_chars = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let valid_start = provider.api() != Api::Gemini
        || name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    valid_chars && valid_start
}

fn check_reasoning(request: &ChatRequest, provider: Provider) -> Result<(), RequestError> {
    let Some(reasoning) = request.reasoning else {
        return Ok(());
    };
    if reasoning.effort.is_none() && reasoning.budget_tokens.is_none() {
        return Err(RequestError::EmptyReasoning);
    }
    if provider.api() != Api::Anthropic {
        return Ok(());
    }
    if let Some(budget) = reasoning.budget_tokens.filter(|&b| b > 0) {
        if budget < ANTHROPIC_MIN_BUDGET {
            return Err(RequestError::ReasoningBudgetTooSmall {
                provider,
                budget,
                min: ANTHROPIC_MIN_BUDGET,
            });
        }
        let max_tokens = anthropic_max_tokens(request);
        if budget >= max_tokens {
            return Err(RequestError::ReasoningBudgetNotBelowMaxTokens { budget, max_tokens });
        }
    }
    if !reasoning.is_on() {
        return Ok(());
    }
    // "Thinking isn't compatible with temperature or top_k modifications as well as forced tool
    // use"; top_p may be between 0.95 and 1.
    let conflict = |field, allowed| Err(RequestError::ConflictsWithThinking { field, allowed });
    if matches!(
        request.tool_choice,
        Some(ToolChoice::Required | ToolChoice::Tool(_))
    ) {
        return conflict("tool_choice", "auto or none");
    }
    if request.temperature.is_some_and(|t| t != 1.0) {
        return conflict("temperature", "1");
    }
    if request.top_p.is_some_and(|p| p < 0.95) {
        return conflict("top_p", "0.95 to 1");
    }
    Ok(())
}

/// Whether `provider` is told where to cache (Anthropic's `cache_control`). The others cache
/// prompts by themselves: their builders leave breakpoints out, and nothing is checked. Every
/// provider whose body is the Anthropic body (Claude on Bedrock and Vertex AI) belongs here:
/// without it, the request's own breakpoint would not be placed and the others not checked.
fn caches_explicitly(provider: Provider) -> bool {
    provider.api() == Api::Anthropic
}

/// Checks the cache breakpoints against Anthropic's rules (at most 4; no longer lifetime after
/// a shorter one, in the order of the prompt: tools, system, messages) and finds where the
/// request's own breakpoint goes: the last block that can take one (what Anthropic's automatic
/// caching does), unless that block has its own with the same lifetime.
fn check_cache(
    request: &ChatRequest,
    provider: Provider,
) -> Result<Option<(usize, usize)>, RequestError> {
    if !caches_explicitly(provider) {
        return Ok(None);
    }
    let mut request_cache = None;
    if let Some(cache) = request.cache {
        if let Some((i, j, own)) = last_cacheable(request) {
            match own {
                None => request_cache = Some((i, j)),
                Some(own) if own.ttl_or_default() == cache.ttl_or_default() => {}
                Some(own) => {
                    let problem = CacheProblem::ConflictsWithLastBlock {
                        provider,
                        ttl: own.ttl_or_default(),
                    };
                    return Err(RequestError::InvalidCache { problem });
                }
            }
        }
    }

    let mut tally = Tally {
        provider,
        count: 0,
        shortest: None,
    };
    for (t, tool) in request.tools.iter().enumerate() {
        if let Some(cache) = tool.cache {
            tally
                .add(cache)
                .map_err(|problem| RequestError::InvalidTool {
                    tool: t,
                    problem: ToolProblem::Cache(problem),
                })?;
        }
    }
    let system = |m: &&ChatMessage| m.role == Role::System;
    let in_prompt_order = request
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| system(m))
        .chain(
            request
                .messages
                .iter()
                .enumerate()
                .filter(|(_, m)| !system(m)),
        );
    for (i, message) in in_prompt_order {
        let Content::Parts(parts) = &message.content else {
            continue;
        };
        for (j, part) in parts.iter().enumerate() {
            let inner = match part {
                Part::ToolResult {
                    content: Content::Parts(inner),
                    ..
                } => inner.as_slice(),
                _ => &[],
            };
            for cache in inner.iter().chain([part]).filter_map(Part::cache) {
                tally
                    .add(cache)
                    .map_err(|problem| invalid(i, j, PartProblem::Cache(problem)))?;
            }
        }
    }
    if let (Some(cache), Some(_)) = (request.cache, request_cache) {
        tally
            .add(cache)
            .map_err(|problem| RequestError::InvalidCache { problem })?;
    }
    Ok(request_cache)
}

/// The last block of the prompt that can take a cache breakpoint (message, part and its own
/// breakpoint): the last part, other than reasoning, of the last message that is not a system
/// message.
fn last_cacheable(request: &ChatRequest) -> Option<(usize, usize, Option<CacheControl>)> {
    request
        .messages
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, m)| m.role != Role::System)
        .find_map(|(i, message)| match &message.content {
            Content::Text(_) => Some((i, 0, None)),
            Content::Parts(parts) => parts
                .iter()
                .enumerate()
                .rev()
                .find(|(_, p)| p.takes_cache())
                .map(|(j, p)| (i, j, p.cache())),
        })
}

/// The cache breakpoints seen so far, in the order of the prompt.
struct Tally {
    provider: Provider,
    count: usize,
    /// The shortest lifetime so far.
    shortest: Option<CacheTtl>,
}

impl Tally {
    /// Counts one more breakpoint, which must not be over the maximum nor live longer than an
    /// earlier one.
    fn add(&mut self, cache: CacheControl) -> Result<(), CacheProblem> {
        let provider = self.provider;
        self.count += 1;
        if self.count > ANTHROPIC_MAX_CACHE_BREAKPOINTS {
            return Err(CacheProblem::TooManyBreakpoints {
                provider,
                max: ANTHROPIC_MAX_CACHE_BREAKPOINTS,
            });
        }
        let ttl = cache.ttl_or_default();
        match self.shortest {
            Some(earlier) if ttl > earlier => {
                return Err(CacheProblem::TtlAfterShorter {
                    provider,
                    ttl,
                    earlier,
                });
            }
            Some(earlier) => self.shortest = Some(earlier.min(ttl)),
            None => self.shortest = Some(ttl),
        }
        Ok(())
    }
}

/// A model name that can go into a URL path as is: segments of `A-Z a-z 0-9 . _ -` joined by
/// `/` (`gemini-2.5-flash`, `models/gemini-2.5-flash`, `tunedModels/my-model`), no empty, `.`
/// or `..` segment.
fn is_path_safe_model(model: &str) -> bool {
    model.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_alphabet_and_padding() {
        assert!(is_standard_base64("iVBORw0KGgo="));
        assert!(is_standard_base64("QUJD"));
        assert!(is_standard_base64("QQ=="));
        assert!(!is_standard_base64(""));
        assert!(!is_standard_base64("===="));
        assert!(!is_standard_base64("QQ==="));
        assert!(!is_standard_base64("QU=JD"));
        assert!(!is_standard_base64("QUJD\n"));
        assert!(!is_standard_base64("data:image/png;base64,QUJD"));
        assert!(!is_standard_base64("QU-_"));
    }

    #[test]
    fn model_names_for_paths() {
        assert!(is_path_safe_model("gemini-2.5-flash"));
        assert!(is_path_safe_model("models/gemini-2.5-flash"));
        assert!(is_path_safe_model("tunedModels/a_b.c"));
        assert!(!is_path_safe_model("gemini flash"));
        assert!(!is_path_safe_model("a?b"));
        assert!(!is_path_safe_model("/models/x"));
        assert!(!is_path_safe_model("models/../x"));
        assert!(!is_path_safe_model("models//x"));
        assert!(!is_path_safe_model("a:b"));
    }

    #[test]
    fn tool_names() {
        assert!(is_valid_tool_name("get_weather", Provider::Gemini));
        assert!(is_valid_tool_name("9lives", Provider::Anthropic));
        assert!(!is_valid_tool_name("9lives", Provider::Gemini));
        assert!(!is_valid_tool_name("", Provider::OpenAi));
        assert!(!is_valid_tool_name("a.b", Provider::OpenAi));
        assert!(is_valid_tool_name(&"a".repeat(64), Provider::OpenAi));
        assert!(!is_valid_tool_name(&"a".repeat(65), Provider::OpenAi));
    }
}
