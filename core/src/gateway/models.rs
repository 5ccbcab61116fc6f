//! Which provider and model a dialect request's `model` names, and the model list
//! (`GET /v1/models`).
//!
//! [`Models::resolve`] tries, in order:
//!
//! 1. an alias the gateway was given (`--model-alias NAME=provider/model`), compared exactly;
//! 2. `provider/model` ([`split_model`]): `anthropic/claude-sonnet-4-5`,
//!    `openai/meta-llama/Llama-3.3-70B`;
//! 3. a model name as users type it, without `/`, by the prefix of its provider's model names
//!    ([`infer_provider`]): `claude-*` is Anthropic's; `gpt-*`, `o1*`, `o3*`, `o4*` and
//!    `chatgpt-*` OpenAI's; `gemini-*` Gemini's. So SDK code that says
//!    `model="claude-sonnet-4-5"` works unchanged against the gateway's dialect endpoints.
//!
//! Any other name is refused with an [`UnknownModel`] that says what a model name looks like.
//!
//! ```
//! use llm_sse_core::gateway::Models;
//! use llm_sse_core::Provider;
//!
//! let mut models = Models::new();
//! models.add("gpt-4o=gemini/gemini-2.5-pro".parse()?)?;
//! assert_eq!(models.resolve("gpt-4o"), Ok((Provider::Gemini, "gemini-2.5-pro"))); // the alias
//! assert_eq!(models.resolve("gpt-4.1-mini"), Ok((Provider::OpenAi, "gpt-4.1-mini")));
//! assert_eq!(models.resolve("claude-sonnet-4-5"), Ok((Provider::Anthropic, "claude-sonnet-4-5")));
//! assert_eq!(models.resolve("openai/claude-x"), Ok((Provider::OpenAi, "claude-x")));
//! assert!(models.resolve("mistral-large-latest").is_err());
//! # Ok::<(), llm_sse_core::gateway::AliasError>(())
//! ```

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use serde::Serialize;

use crate::chunk::Provider;

/// The longest alias name accepted, in bytes.
const MAX_ALIAS_LEN: usize = 256;

/// `model` split as `provider/model` at its first `/`, when the part before is a provider's
/// name (`anthropic`, `openai`, `gemini`) and the part after is not empty. The model may hold
/// more slashes: `openai/meta-llama/Llama-3.3-70B` is the model `meta-llama/Llama-3.3-70B` of
/// an OpenAI-compatible server.
///
/// ```
/// use llm_sse_core::gateway::split_model;
/// use llm_sse_core::Provider;
///
/// assert_eq!(split_model("gemini/gemini-2.5-flash"), Some((Provider::Gemini, "gemini-2.5-flash")));
/// assert_eq!(split_model("openai/meta-llama/Llama-3.3-70B"), Some((Provider::OpenAi, "meta-llama/Llama-3.3-70B")));
/// assert_eq!(split_model("gpt-4o"), None);
/// assert_eq!(split_model("mistral/large"), None);
/// assert_eq!(split_model("openai/"), None);
/// ```
pub fn split_model(model: &str) -> Option<(Provider, &str)> {
    let (provider, model) = model.split_once('/')?;
    let provider = provider.parse::<Provider>().ok()?;
    (!model.is_empty()).then_some((provider, model))
}

/// The provider whose models are named like `model`, for a name without `/`: `claude-*` →
/// Anthropic; `gpt-*`, `o1*`, `o3*`, `o4*`, `chatgpt-*` → OpenAI; `gemini-*` → Gemini
/// (each provider's [`model_prefixes`](crate::provider::ProviderSpec::model_prefixes),
/// compared exactly, lower case). `None` for any other name, and for every name with
/// a `/` (which names its provider, as [`split_model`] reads it).
///
/// ```
/// use llm_sse_core::gateway::infer_provider;
/// use llm_sse_core::Provider;
///
/// assert_eq!(infer_provider("claude-opus-4-1"), Some(Provider::Anthropic));
/// assert_eq!(infer_provider("o3-mini"), Some(Provider::OpenAi));
/// assert_eq!(infer_provider("chatgpt-4o-latest"), Some(Provider::OpenAi));
/// assert_eq!(infer_provider("gemini-2.5-flash"), Some(Provider::Gemini));
/// assert_eq!(infer_provider("llama-3.3-70b"), None);
/// assert_eq!(infer_provider("gpt-4o/x"), None);
/// ```
pub fn infer_provider(model: &str) -> Option<Provider> {
    if model.contains('/') {
        return None;
    }
    Provider::ALL.into_iter().find(|provider| {
        let prefixes = provider.spec().model_prefixes;
        prefixes.iter().any(|prefix| model.starts_with(prefix))
    })
}

/// A model alias: requests naming [`name`](ModelAlias::name) go to
/// [`provider`](ModelAlias::provider)'s [`model`](ModelAlias::model).
///
/// Parsed from `NAME=provider/model` (`llm-sse serve --model-alias`), split at the first `=`:
///
/// ```
/// use llm_sse_core::gateway::ModelAlias;
/// use llm_sse_core::Provider;
///
/// let alias: ModelAlias = "fast=gemini/gemini-2.5-flash".parse()?;
/// assert_eq!((alias.name.as_str(), alias.provider, alias.model.as_str()),
///            ("fast", Provider::Gemini, "gemini-2.5-flash"));
/// assert_eq!(alias.to_string(), "fast=gemini/gemini-2.5-flash");
/// assert!("fast=gemini-2.5-flash".parse::<ModelAlias>().is_err());
/// # Ok::<(), llm_sse_core::gateway::AliasError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ModelAlias {
    /// The name clients use: 1 to 256 bytes, no whitespace or control characters. It may look
    /// like `provider/model`: an alias is looked up first, so it can redirect such a name too.
    pub name: String,
    /// The provider the requests go to.
    pub provider: Provider,
    /// The provider's model name.
    pub model: String,
}

impl ModelAlias {
    /// The alias `name` → `provider`'s `model`.
    ///
    /// # Errors
    ///
    /// [`AliasError`] when `name` is empty, longer than 256 bytes or holds whitespace or a
    /// control character, or when `model` is empty.
    pub fn new(
        name: impl Into<String>,
        provider: Provider,
        model: impl Into<String>,
    ) -> Result<ModelAlias, AliasError> {
        let name = name.into();
        let model = model.into();
        if name.is_empty() {
            return Err(AliasError::new("the alias name is empty"));
        }
        if name.len() > MAX_ALIAS_LEN {
            return Err(AliasError::new(format!(
                "the alias name is longer than {MAX_ALIAS_LEN} bytes"
            )));
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AliasError::new(format!(
                "the alias name {name:?} holds whitespace or a control character"
            )));
        }
        if model.is_empty() {
            return Err(AliasError::new(format!(
                "the alias {name:?} names no model"
            )));
        }
        Ok(ModelAlias {
            name,
            provider,
            model,
        })
    }
}

impl FromStr for ModelAlias {
    type Err = AliasError;

    /// Parses `NAME=provider/model`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((name, target)) = s.split_once('=') else {
            return Err(AliasError::new(format!(
                "{s:?}: expected NAME=provider/model (such as fast=gemini/gemini-2.5-flash)"
            )));
        };
        let Some((provider, model)) = split_model(target) else {
            return Err(AliasError::new(format!(
                "{s:?}: the target {target:?} is not provider/model (provider: anthropic, \
                 openai or gemini)"
            )));
        };
        ModelAlias::new(name, provider, model)
    }
}

impl fmt::Display for ModelAlias {
    /// `NAME=provider/model`, as parsed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}/{}", self.name, self.provider, self.model)
    }
}

/// An alias that cannot be used: its message says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasError {
    message: String,
}

impl AliasError {
    fn new(message: impl Into<String>) -> Self {
        AliasError {
            message: message.into(),
        }
    }
}

impl fmt::Display for AliasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AliasError {}

/// A request's `model` that names no provider's model: see [`Models::resolve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownModel {
    /// The model as the client named it.
    pub requested: String,
    message: String,
}

impl fmt::Display for UnknownModel {
    /// Starts with `model: `, like the dialects' other field errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownModel {}

/// The models a gateway serves through the dialect endpoints: any `provider/model`, its
/// aliases, and the model names users type (`claude-sonnet-4-5`, `gpt-4.1-mini`,
/// `gemini-2.5-flash`): see [`resolve`](Models::resolve).
///
/// ```
/// use llm_sse_core::gateway::Models;
/// use llm_sse_core::Provider;
///
/// let mut models = Models::new();
/// models.add("claude=anthropic/claude-sonnet-4-5".parse()?)?;
/// assert_eq!(models.resolve("claude"), Ok((Provider::Anthropic, "claude-sonnet-4-5")));
/// assert_eq!(models.resolve("openai/gpt-4.1-mini"), Ok((Provider::OpenAi, "gpt-4.1-mini")));
/// assert_eq!(models.resolve("gpt-4.1-mini"), Ok((Provider::OpenAi, "gpt-4.1-mini")));
/// let error = models.resolve("mistral-large-latest").unwrap_err();
/// assert!(error.to_string().starts_with(r#"model: "mistral-large-latest" names no provider"#));
/// # Ok::<(), llm_sse_core::gateway::AliasError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Models {
    aliases: Vec<ModelAlias>,
}

impl Models {
    /// No aliases: `provider/model` names and the model names users type resolve.
    pub fn new() -> Self {
        Models::default()
    }

    /// Adds `alias`.
    ///
    /// # Errors
    ///
    /// [`AliasError`] when an alias of the same name was already added.
    pub fn add(&mut self, alias: ModelAlias) -> Result<(), AliasError> {
        if self.aliases.iter().any(|a| a.name == alias.name) {
            return Err(AliasError::new(format!(
                "the alias {:?} is defined twice",
                alias.name
            )));
        }
        self.aliases.push(alias);
        Ok(())
    }

    /// The aliases, in the order they were added.
    pub fn aliases(&self) -> &[ModelAlias] {
        &self.aliases
    }

    /// The provider and the provider's model name for `requested` (a request's `model`): the
    /// alias of that name, else `requested` split as `provider/model` ([`split_model`]), else
    /// `requested` itself, a name without `/`, for the provider whose model names start like it
    /// ([`infer_provider`]: `claude-*`, `gpt-*`, `o1*`, `o3*`, `o4*`, `chatgpt-*`, `gemini-*`).
    ///
    /// # Errors
    ///
    /// [`UnknownModel`], whose message says what a model name looks like and lists the
    /// aliases.
    pub fn resolve<'a>(&'a self, requested: &'a str) -> Result<(Provider, &'a str), UnknownModel> {
        if let Some(alias) = self.aliases.iter().find(|a| a.name == requested) {
            return Ok((alias.provider, &alias.model));
        }
        if let Some(found) = split_model(requested) {
            return Ok(found);
        }
        if let Some(provider) = infer_provider(requested) {
            return Ok((provider, requested));
        }
        let why = match requested.split_once('/') {
            Some((provider, "")) if provider.parse::<Provider>().is_ok() => {
                "names no model after the provider".to_owned()
            }
            Some((provider, _)) => {
                format!("names the provider {provider:?}, which is not anthropic, openai or gemini")
            }
            None => "names no provider".to_owned(),
        };
        let aliases = if self.aliases.is_empty() {
            "no aliases are configured".to_owned()
        } else {
            let names: Vec<&str> = self.aliases.iter().map(|a| a.name.as_str()).collect();
            format!("the aliases are {}", names.join(", "))
        };
        Err(UnknownModel {
            requested: requested.to_owned(),
            message: format!(
                "model: {requested:?} {why}: name a model as provider/model (such as \
                 anthropic/{}, openai/{} or gemini/{}), by its own name when that starts with \
                 claude-, gpt-, o1, o3, o4, chatgpt- or gemini-, or by an alias ({aliases})",
                Provider::Anthropic.default_model(),
                Provider::OpenAi.default_model(),
                Provider::Gemini.default_model(),
            ),
        })
    }

    /// The model list (`GET /v1/models`): each alias, in order; without aliases, each
    /// provider's [default model](Provider::default_model) as `provider/model`. Each entry is
    /// the name a client sends and the provider it goes to.
    pub fn listed(&self) -> Vec<(String, Provider)> {
        if self.aliases.is_empty() {
            Provider::ALL
                .iter()
                .map(|&p| (format!("{p}/{}", p.default_model()), p))
                .collect()
        } else {
            self.aliases
                .iter()
                .map(|a| (a.name.clone(), a.provider))
                .collect()
        }
    }

    /// The model list as OpenAI's list body:
    /// `{"object":"list","data":[{"id":"...","object":"model","created":N,"owned_by":"anthropic"}]}`,
    /// `owned_by` naming the provider and `created` the given unix time (the gateway's start).
    ///
    /// ```
    /// use llm_sse_core::gateway::Models;
    ///
    /// let mut models = Models::new();
    /// models.add("fast=gemini/gemini-2.5-flash".parse()?)?;
    /// assert_eq!(
    ///     models.list_body(1_700_000_000),
    ///     r#"{"object":"list","data":[{"id":"fast","object":"model","created":1700000000,"owned_by":"gemini"}]}"#
    /// );
    /// # Ok::<(), llm_sse_core::gateway::AliasError>(())
    /// ```
    pub fn list_body(&self, created: u64) -> String {
        #[derive(Serialize)]
        struct List<'a> {
            object: &'static str,
            data: Vec<Entry<'a>>,
        }
        #[derive(Serialize)]
        struct Entry<'a> {
            id: &'a str,
            object: &'static str,
            created: u64,
            owned_by: &'static str,
        }
        let listed = self.listed();
        let list = List {
            object: "list",
            data: listed
                .iter()
                .map(|(id, provider)| Entry {
                    id,
                    object: "model",
                    created,
                    owned_by: provider.as_str(),
                })
                .collect(),
        };
        // Serializing strings and numbers cannot fail; the fallback is never used.
        serde_json::to_string(&list).unwrap_or_default()
    }

    /// The model list as Anthropic's list body (what its SDK's `models.list()` reads):
    /// `{"data":[{"type":"model","id":"...","display_name":"...","created_at":"..."}],"has_more":false,"first_id":"...","last_id":"..."}`,
    /// `created_at` the given unix time (the gateway's start) in RFC 3339.
    ///
    /// ```
    /// use llm_sse_core::gateway::Models;
    ///
    /// let mut models = Models::new();
    /// models.add("fast=gemini/gemini-2.5-flash".parse()?)?;
    /// assert_eq!(
    ///     models.anthropic_list_body(1_700_000_000),
    ///     r#"{"data":[{"type":"model","id":"fast","display_name":"fast (gemini/gemini-2.5-flash)","created_at":"2023-11-14T22:13:20Z"}],"has_more":false,"first_id":"fast","last_id":"fast"}"#
    /// );
    /// # Ok::<(), llm_sse_core::gateway::AliasError>(())
    /// ```
    pub fn anthropic_list_body(&self, created: u64) -> String {
        #[derive(Serialize)]
        struct List<'a> {
            data: Vec<Entry<'a>>,
            has_more: bool,
            first_id: Option<&'a str>,
            last_id: Option<&'a str>,
        }
        #[derive(Serialize)]
        struct Entry<'a> {
            r#type: &'static str,
            id: &'a str,
            display_name: String,
            created_at: &'a str,
        }
        let created_at = rfc3339(created);
        let listed = self.listed();
        let data: Vec<Entry<'_>> = listed
            .iter()
            .map(|(id, provider)| Entry {
                r#type: "model",
                id,
                display_name: match self.aliases.iter().find(|a| a.name == *id) {
                    Some(alias) => format!("{id} ({}/{})", alias.provider, alias.model),
                    None => format!("{id} ({})", provider.display_name()),
                },
                created_at: &created_at,
            })
            .collect();
        let list = List {
            first_id: data.first().map(|e| e.id),
            last_id: data.last().map(|e| e.id),
            has_more: false,
            data,
        };
        // Serializing strings and numbers cannot fail; the fallback is never used.
        serde_json::to_string(&list).unwrap_or_default()
    }
}

/// `unix` seconds as an RFC 3339 UTC timestamp (`2023-11-14T22:13:20Z`).
fn rfc3339(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Howard Hinnant's `civil_from_days`, for days since 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_764_288_000 + 3_661), "2025-11-28T01:01:01Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn alias_syntax() {
        let alias: ModelAlias = "openai/gpt-4o=anthropic/claude-opus-4-1".parse().unwrap();
        assert_eq!(alias.name, "openai/gpt-4o");
        assert_eq!(alias.provider, Provider::Anthropic);
        let alias: ModelAlias = "llama=openai/meta-llama/Llama-3.3-70B=x".parse().unwrap();
        assert_eq!(alias.model, "meta-llama/Llama-3.3-70B=x");
        let errors = [
            ("fast", "expected NAME=provider/model"),
            ("=openai/gpt-4o", "the alias name is empty"),
            ("a b=openai/gpt-4o", "whitespace"),
            ("a\u{7}=openai/gpt-4o", "control character"),
            ("fast=gpt-4o", "is not provider/model"),
            ("fast=mistral/large", "is not provider/model"),
            ("fast=openai/", "is not provider/model"),
        ];
        for (text, expected) in errors {
            let error = text.parse::<ModelAlias>().unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
        let long = format!("{}=openai/m", "a".repeat(257));
        assert!(long.parse::<ModelAlias>().is_err());
        let ok = format!("{}=openai/m", "a".repeat(256));
        assert!(ok.parse::<ModelAlias>().is_ok());
    }

    #[test]
    fn resolution_prefers_aliases() {
        let mut models = Models::new();
        models
            .add("openai/gpt-4o=gemini/gemini-2.5-pro".parse().unwrap())
            .unwrap();
        models
            .add("fast=openai/gpt-4.1-mini".parse().unwrap())
            .unwrap();
        let twice = models.add("fast=gemini/gemini-2.5-flash".parse().unwrap());
        assert!(twice.unwrap_err().to_string().contains("defined twice"));
        assert_eq!(
            models.resolve("openai/gpt-4o"),
            Ok((Provider::Gemini, "gemini-2.5-pro"))
        );
        assert_eq!(
            models.resolve("fast"),
            Ok((Provider::OpenAi, "gpt-4.1-mini"))
        );
        assert_eq!(
            models.resolve("anthropic/claude-sonnet-4-5"),
            Ok((Provider::Anthropic, "claude-sonnet-4-5"))
        );
        // Names are compared exactly.
        assert!(models.resolve("Fast").is_err());
        assert!(models.resolve("").is_err());
    }

    #[test]
    fn unknown_models_say_why() {
        let models = Models::new();
        let message = |m: &str| models.resolve(m).unwrap_err().to_string();
        assert_eq!(
            message("mistral-large-latest"),
            "model: \"mistral-large-latest\" names no provider: name a model as provider/model \
             (such as anthropic/claude-sonnet-4-5, openai/gpt-4.1-mini or \
             gemini/gemini-2.5-flash), by its own name when that starts with claude-, gpt-, o1, \
             o3, o4, chatgpt- or gemini-, or by an alias (no aliases are configured)"
        );
        assert!(message("mistral/large").contains("names the provider \"mistral\""));
        assert!(message("gemini/").contains("names no model after the provider"));
        let mut models = Models::new();
        models.add("a=openai/x".parse().unwrap()).unwrap();
        models.add("b=openai/y".parse().unwrap()).unwrap();
        let error = models.resolve("c").unwrap_err();
        assert_eq!(error.requested, "c");
        assert!(
            error.to_string().ends_with("(the aliases are a, b)"),
            "{error}"
        );
    }

    #[test]
    fn model_names_as_users_type_them_name_their_provider() {
        let models = Models::new();
        let cases = [
            ("claude-sonnet-4-5", Provider::Anthropic),
            ("claude-3-5-haiku-20241022", Provider::Anthropic),
            ("gpt-4o", Provider::OpenAi),
            ("gpt-4.1-mini", Provider::OpenAi),
            ("gpt-5", Provider::OpenAi),
            ("o1", Provider::OpenAi),
            ("o1-mini", Provider::OpenAi),
            ("o3", Provider::OpenAi),
            ("o3-mini-2025-01-31", Provider::OpenAi),
            ("o4-mini", Provider::OpenAi),
            ("chatgpt-4o-latest", Provider::OpenAi),
            ("gemini-2.5-flash", Provider::Gemini),
            ("gemini-2.5-pro-preview-06-05", Provider::Gemini),
            // Bedrock's model ids and its inference profiles.
            ("anthropic.claude-3-haiku", Provider::Bedrock),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                Provider::Bedrock,
            ),
            (
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                Provider::Bedrock,
            ),
        ];
        for (name, provider) in cases {
            // The name goes to the provider unchanged.
            assert_eq!(models.resolve(name), Ok((provider, name)), "{name}");
            assert_eq!(infer_provider(name), Some(provider), "{name}");
        }
        // Only those prefixes, compared exactly; a name with `/` names its provider itself.
        let unknown = [
            "",
            "claude",
            "gpt",
            "gemini",
            "chatgpt",
            "o2-mini",
            "o",
            "Claude-sonnet-4-5",
            "GPT-4o",
            "Anthropic.claude-3-haiku",
            "amazon.nova-pro-v1:0",
            "models/gemini-2.5-flash",
            "mistral-large-latest",
            "llama-3.3-70b",
            "gpt-4o/latest",
            "claude-x/y",
            " gpt-4o",
        ];
        for name in unknown {
            assert!(models.resolve(name).is_err(), "{name:?} resolved");
            assert_eq!(infer_provider(name), None, "{name:?}");
        }
        // `provider/model` wins over the prefix: the model goes where the client said.
        assert_eq!(
            models.resolve("openai/claude-sonnet-4-5"),
            Ok((Provider::OpenAi, "claude-sonnet-4-5"))
        );
        assert_eq!(
            models.resolve("gemini/gpt-4o"),
            Ok((Provider::Gemini, "gpt-4o"))
        );
        // So do aliases, even one named like a provider's model.
        let mut models = Models::new();
        models
            .add("gpt-4o=anthropic/claude-opus-4-1".parse().unwrap())
            .unwrap();
        models
            .add("claude-sonnet-4-5=gemini/gemini-2.5-pro".parse().unwrap())
            .unwrap();
        assert_eq!(
            models.resolve("gpt-4o"),
            Ok((Provider::Anthropic, "claude-opus-4-1"))
        );
        assert_eq!(
            models.resolve("claude-sonnet-4-5"),
            Ok((Provider::Gemini, "gemini-2.5-pro"))
        );
        assert_eq!(
            models.resolve("gpt-4o-mini"),
            Ok((Provider::OpenAi, "gpt-4o-mini"))
        );
    }

    #[test]
    fn the_list_without_aliases_names_each_default_model() {
        assert_eq!(
            Models::new().list_body(0),
            concat!(
                r#"{"object":"list","data":["#,
                r#"{"id":"anthropic/claude-sonnet-4-5","object":"model","created":0,"owned_by":"anthropic"},"#,
                r#"{"id":"openai/gpt-4.1-mini","object":"model","created":0,"owned_by":"openai"},"#,
                r#"{"id":"gemini/gemini-2.5-flash","object":"model","created":0,"owned_by":"gemini"},"#,
                r#"{"id":"bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0","object":"model","created":0,"owned_by":"bedrock"},"#,
                r#"{"id":"vertex/claude-sonnet-4-5@20250929","object":"model","created":0,"owned_by":"vertex"}]}"#
            )
        );
    }
}
