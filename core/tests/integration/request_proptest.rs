//! Property tests for the request builders:
//! - any valid `ChatRequest` (generated conversations with system messages anywhere, images,
//!   reasoning from every provider, parallel tool calls with and without ids answered in any
//!   order, by id or by name) builds, for each provider, a body that the provider's structural
//!   rules accept (the checkers in `common`);
//! - any request at all (random roles, parts, ids, parameters; or a valid request changed by a
//!   few mutations) either fails validation with a typed error or builds a body those rules
//!   accept; nothing panics;
//! - prompt-cache breakpoints (up to Anthropic's 4, in lifetime order, on tools, system and
//!   conversation parts and on the request) only add `cache_control` to the Anthropic body, where
//!   asked, and change nothing in the OpenAI and Gemini bodies; random breakpoints are refused
//!   exactly when the Anthropic checker would refuse the body;
//! - the JSON form of any generated request parses back to the same request.

use crate::request_support;

use llm_sse_core::Provider;
use llm_sse_core::request::{
    CacheControl, CacheTtl, ChatMessage, ChatRequest, Content, Part, Reasoning, ReasoningEffort,
    Role, Tool, ToolChoice, build,
};
use proptest::prelude::*;
use serde_json::json;

const TOOLS: [&str; 3] = ["get_weather", "get_time", "search_docs"];
const PROVIDERS: [Option<Provider>; 4] = [
    None,
    Some(Provider::Anthropic),
    Some(Provider::OpenAi),
    Some(Provider::Gemini),
];

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .,é✓\n]{1,12}"
}

fn base64() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("QUJD".to_owned()),
        Just("iVBORw0KGgo=".to_owned()),
        Just("QQ==".to_owned())
    ]
}

#[derive(Debug, Clone)]
enum UserPart {
    Text(String),
    Image(String),
}

#[derive(Debug, Clone)]
enum Extra {
    Text(String),
    Thinking {
        text: String,
        signed: bool,
        provider: Option<Provider>,
    },
    Redacted(Option<Provider>),
}

#[derive(Debug, Clone)]
struct CallSpec {
    tool: usize,
    /// 0: no id; 1: `id_{n}`; 2: `fc.{n}` (not a valid Anthropic id as is).
    id_style: u8,
    by_name: bool,
    is_error: bool,
    arg: String,
}

#[derive(Debug, Clone)]
struct Assistant {
    extras: Vec<Extra>,
    calls: Vec<CallSpec>,
    /// Picks the order of the results.
    order: u64,
    /// Whether the results are split over two tool messages.
    split: bool,
}

#[derive(Debug, Clone)]
struct Exchange {
    system: Option<String>,
    users: Vec<Vec<UserPart>>,
    assistant: Option<Assistant>,
}

fn user_part() -> impl Strategy<Value = UserPart> {
    prop_oneof![
        3 => text().prop_map(UserPart::Text),
        1 => base64().prop_map(UserPart::Image),
    ]
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        3 => text().prop_map(Extra::Text),
        2 => (prop_oneof![Just(String::new()), text()], any::<bool>(), prop::sample::select(PROVIDERS.to_vec()))
            .prop_map(|(text, signed, provider)| Extra::Thinking { signed: signed || text.is_empty(), text, provider }),
        1 => prop::sample::select(PROVIDERS.to_vec()).prop_map(Extra::Redacted),
    ]
}

fn call_spec() -> impl Strategy<Value = CallSpec> {
    (0..TOOLS.len(), 0u8..3, any::<bool>(), any::<bool>(), text()).prop_map(
        |(tool, id_style, by_name, is_error, arg)| CallSpec {
            tool,
            id_style,
            by_name,
            is_error,
            arg,
        },
    )
}

fn assistant() -> impl Strategy<Value = Assistant> {
    (
        prop::collection::vec(extra(), 0..3),
        prop::collection::vec(call_spec(), 0..4),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(extras, calls, order, split)| Assistant {
            extras,
            calls,
            order,
            split,
        })
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (
        prop::option::weighted(0.3, text()),
        prop::collection::vec(prop::collection::vec(user_part(), 1..3), 1..3),
        prop::option::weighted(0.8, assistant()),
    )
        .prop_map(|(system, users, assistant)| Exchange {
            system,
            users,
            assistant,
        })
}

/// The messages of a conversation built from `exchanges`.
fn conversation(leading_system: Option<String>, exchanges: &[Exchange]) -> Vec<ChatMessage> {
    let mut messages = Vec::new();
    if let Some(s) = leading_system {
        messages.push(ChatMessage::system(s));
    }
    let mut next_id = 0;
    for (e, ex) in exchanges.iter().enumerate() {
        if let Some(s) = &ex.system {
            messages.push(ChatMessage::system(s.as_str()));
        }
        for user in &ex.users {
            let content: Content = match user.as_slice() {
                [UserPart::Text(t)] => t.as_str().into(),
                parts => parts
                    .iter()
                    .map(|p| match p {
                        UserPart::Text(t) => Part::text(t.as_str()),
                        UserPart::Image(d) => Part::image("image/png", d.as_str()),
                    })
                    .collect::<Vec<_>>()
                    .into(),
            };
            messages.push(ChatMessage::user(content));
        }
        let Some(a) = &ex.assistant else { continue };
        let last = e + 1 == exchanges.len();
        if last && a.calls.is_empty() {
            continue; // end on a user message (no prefill)
        }
        let mut parts: Vec<Part> = a
            .extras
            .iter()
            .map(|x| match x {
                Extra::Text(t) => Part::text(t.as_str()),
                Extra::Thinking {
                    text,
                    signed,
                    provider,
                } => Part::Thinking {
                    thinking: text.clone(),
                    signature: signed.then(|| "c2ln".to_owned()),
                    provider: *provider,
                },
                Extra::Redacted(provider) => Part::RedactedThinking {
                    data: "cmVk".into(),
                    provider: *provider,
                },
            })
            .collect();
        let mut calls = Vec::new();
        for c in &a.calls {
            next_id += 1;
            let id = match c.id_style {
                0 => None,
                1 => Some(format!("id_{next_id}")),
                _ => Some(format!("fc.{next_id}")),
            };
            parts.push(Part::tool_call(
                id.clone(),
                TOOLS[c.tool],
                json!({"q": c.arg}),
            ));
            calls.push((id, c));
        }
        if parts.is_empty() {
            parts.push(Part::text("ok"));
        }
        messages.push(ChatMessage::assistant(parts));
        if calls.is_empty() {
            continue;
        }
        // The results, in an order picked by `order`, by id or by name.
        let mut order: Vec<usize> = (0..calls.len()).collect();
        let mut seed = a.order;
        for i in (1..order.len()).rev() {
            order.swap(i, (seed % (i as u64 + 1)) as usize);
            seed /= i as u64 + 1;
        }
        let results: Vec<Part> = order
            .iter()
            .map(|&k| {
                let (id, c) = &calls[k];
                Part::ToolResult {
                    call_id: if c.by_name { None } else { id.clone() },
                    name: Some(TOOLS[c.tool].to_owned()),
                    content: format!("result {}", c.arg).into(),
                    is_error: c.is_error,
                    cache: None,
                }
            })
            .collect();
        if a.split && results.len() > 1 {
            let (first, second) = results.split_at(1);
            messages.push(ChatMessage::new(Role::Tool, first.to_vec()));
            messages.push(ChatMessage::new(Role::Tool, second.to_vec()));
        } else {
            messages.push(ChatMessage::new(Role::Tool, results));
        }
    }
    messages
}

fn reasoning() -> impl Strategy<Value = Option<Reasoning>> {
    let effort = prop::sample::select(vec![
        ReasoningEffort::None,
        ReasoningEffort::Minimal,
        ReasoningEffort::Low,
        ReasoningEffort::Medium,
        ReasoningEffort::High,
    ]);
    prop_oneof![
        2 => Just(None),
        1 => effort.clone().prop_map(|e| Some(Reasoning::effort(e))),
        1 => prop_oneof![Just(0u32), 1024u32..20_000].prop_map(|b| Some(Reasoning::budget(b))),
        1 => (effort, 1024u32..20_000).prop_map(|(e, b)| Some(Reasoning::effort(e).with_budget_tokens(b))),
    ]
}

fn tool_choice() -> impl Strategy<Value = Option<ToolChoice>> {
    prop_oneof![
        Just(None),
        Just(Some(ToolChoice::Auto)),
        Just(Some(ToolChoice::None)),
        Just(Some(ToolChoice::Required)),
        (0..TOOLS.len()).prop_map(|t| Some(ToolChoice::Tool(TOOLS[t].into()))),
    ]
}

/// Where a cache breakpoint can go, in the order of the prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Site {
    Tool(usize),
    Part(usize, usize),
}

/// Every place of `r` that takes a breakpoint, in the order of the prompt: the tools, the parts
/// of the system messages, the other messages' parts other than reasoning (a string content is
/// part 0). The last one is the last block, where the request's own breakpoint goes.
fn cache_sites(r: &ChatRequest) -> Vec<Site> {
    let mut sites: Vec<Site> = (0..r.tools.len()).map(Site::Tool).collect();
    for system in [true, false] {
        for (i, m) in r.messages.iter().enumerate() {
            if (m.role == Role::System) != system {
                continue;
            }
            for (j, part) in m.content.parts().iter().enumerate() {
                if !matches!(part, Part::Thinking { .. } | Part::RedactedThinking { .. }) {
                    sites.push(Site::Part(i, j));
                }
            }
        }
    }
    sites
}

/// Sets the breakpoint at `site` (a string content becomes one text part).
fn set_cache(r: &mut ChatRequest, site: Site, cache: CacheControl) {
    match site {
        Site::Tool(t) => r.tools[t].cache = Some(cache),
        Site::Part(i, j) => {
            let mut parts = r.messages[i].content.parts().into_owned();
            parts[j] = parts[j].clone().with_cache(cache);
            r.messages[i].content = Content::Parts(parts);
        }
    }
}

/// `r` without any breakpoint (the content's shape kept).
fn without_caches(mut r: ChatRequest) -> ChatRequest {
    fn strip(part: &mut Part) {
        match part {
            Part::Text { cache, .. } | Part::Image { cache, .. } | Part::ToolCall { cache, .. } => {
                *cache = None;
            }
            Part::ToolResult { cache, content, .. } => {
                *cache = None;
                if let Content::Parts(inner) = content {
                    inner.iter_mut().for_each(strip);
                }
            }
            _ => {}
        }
    }
    for m in &mut r.messages {
        if let Content::Parts(parts) = &mut m.content {
            parts.iter_mut().for_each(strip);
        }
    }
    for t in &mut r.tools {
        t.cache = None;
    }
    r.cache = None;
    r
}

/// `value` without any `cache_control` key.
fn without_cache_control(mut value: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("cache_control");
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// Breakpoints to place: seeds of up to 4 sites, how many of them (first in the prompt) live an
/// hour, whether the rest say `5m` or nothing, and whether the request has its own.
#[derive(Debug, Clone)]
struct CachePlan {
    sites: Vec<u64>,
    hours: usize,
    explicit_five: bool,
    request: bool,
}

fn cache_plan() -> impl Strategy<Value = CachePlan> {
    (
        prop::collection::vec(any::<u64>(), 0..5),
        0usize..5,
        any::<bool>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(sites, hours, explicit_five, request)| CachePlan {
            sites,
            hours,
            explicit_five,
            request,
        })
}

/// `r` with the breakpoints of `plan`, valid for Anthropic: at most 4 with the request's own,
/// the 1h ones first; the request's own (5 minutes) never on a last block with a 1h one.
fn with_cache_plan(mut r: ChatRequest, plan: &CachePlan) -> ChatRequest {
    let sites = cache_sites(&r);
    if sites.is_empty() {
        return r;
    }
    let last = sites.len() - 1;
    let mut picked: Vec<usize> = plan
        .sites
        .iter()
        .map(|&seed| (seed % sites.len() as u64) as usize)
        .collect();
    picked.sort_unstable();
    picked.dedup();
    // The request's own breakpoint counts unless the last block has one.
    if plan.request && !picked.contains(&last) {
        picked.truncate(3);
    }
    let mut hours = plan.hours.min(picked.len());
    if plan.request && picked.last() == Some(&last) {
        hours = hours.min(picked.len() - 1);
    }
    let five = if plan.explicit_five {
        CacheControl::new().with_ttl(CacheTtl::FiveMinutes)
    } else {
        CacheControl::new()
    };
    for (n, &k) in picked.iter().enumerate() {
        let cache = if n < hours {
            CacheControl::new().with_ttl(CacheTtl::OneHour)
        } else {
            five
        };
        set_cache(&mut r, sites[k], cache);
    }
    if plan.request {
        r.cache = Some(CacheControl::new());
    }
    r
}

/// The number of breakpoints Anthropic gets for `r` (valid): its own, and the request's unless
/// the last block has one.
fn expected_breakpoints(r: &ChatRequest) -> usize {
    let sites = cache_sites(r);
    let cache_at = |site: Site| match site {
        Site::Tool(t) => r.tools[t].cache,
        Site::Part(i, j) => r.messages[i].content.parts()[j].cache(),
    };
    let inner: usize = r
        .messages
        .iter()
        .flat_map(|m| m.content.parts().into_owned())
        .map(|p| match p {
            Part::ToolResult {
                content: Content::Parts(inner),
                ..
            } => inner.iter().filter(|q| q.cache().is_some()).count(),
            _ => 0,
        })
        .sum();
    let own = sites.iter().filter(|&&s| cache_at(s).is_some()).count() + inner;
    let last_has_one = sites.last().is_some_and(|&s| cache_at(s).is_some());
    own + usize::from(r.cache.is_some() && !last_has_one)
}

/// A naive oracle of Anthropic's rules for the breakpoints of `r`: list every lifetime in the
/// order of the prompt (a tool result's content before the result), the request's own on the
/// last block unless that block has one (then the two must agree); at most 4, never longer than
/// an earlier one.
fn anthropic_accepts_breakpoints(r: &ChatRequest) -> bool {
    let sites = cache_sites(r);
    let ttl = |c: CacheControl| c.ttl.unwrap_or(CacheTtl::FiveMinutes);
    let mut ttls = Vec::new();
    for &site in &sites {
        match site {
            Site::Tool(t) => ttls.extend(r.tools[t].cache.map(ttl)),
            Site::Part(i, j) => {
                let part = r.messages[i].content.parts()[j].clone();
                if let Part::ToolResult {
                    content: Content::Parts(inner),
                    ..
                } = &part
                {
                    ttls.extend(inner.iter().filter_map(Part::cache).map(ttl));
                }
                ttls.extend(part.cache().map(ttl));
            }
        }
    }
    if let (Some(own), Some(&Site::Part(i, j))) = (r.cache, sites.last()) {
        match r.messages[i].content.parts()[j].cache() {
            None => ttls.push(ttl(own)),
            Some(last) if ttl(last) == ttl(own) => {}
            Some(_) => return false,
        }
    }
    ttls.len() <= 4 && ttls.windows(2).all(|w| w[0] >= w[1])
}

/// A request valid for Anthropic, with breakpoints of any lifetime put anywhere, often too many.
fn request_with_random_breakpoints() -> impl Strategy<Value = ChatRequest> {
    (
        valid_request(Provider::Anthropic),
        prop::collection::vec((any::<u64>(), 0u8..3), 0..7),
        prop::option::of(0u8..3),
    )
        .prop_map(|(mut r, marks, own)| {
            let control = |k: u8| match k {
                0 => CacheControl::new(),
                1 => CacheControl::new().with_ttl(CacheTtl::FiveMinutes),
                _ => CacheControl::new().with_ttl(CacheTtl::OneHour),
            };
            let sites = cache_sites(&r);
            for (seed, k) in marks {
                let site = sites[(seed % sites.len() as u64) as usize];
                set_cache(&mut r, site, control(k));
            }
            if let Some(k) = own {
                r.cache = Some(control(k));
            }
            r
        })
}

/// A request that is valid for `provider`.
fn valid_request(provider: Provider) -> impl Strategy<Value = ChatRequest> {
    (
        prop::option::of(text()),
        prop::collection::vec(exchange(), 1..5),
        prop::option::of(1u32..50_000),
        // Hundredths: they print and parse back exactly (serde_json's default float parsing may
        // be one ulp off for arbitrary doubles).
        prop::option::of((0u32..=200).prop_map(|n| f64::from(n) / 100.0)),
        prop::option::of((0u32..=100).prop_map(|n| f64::from(n) / 100.0)),
        prop::collection::vec(text(), 0..5),
        any::<bool>(),
        tool_choice(),
        reasoning(),
        prop::option::of(1u32..100),
        cache_plan(),
    )
        .prop_map(
            move |(
                lead,
                exchanges,
                max_tokens,
                temperature,
                top_p,
                stop,
                with_tools,
                choice,
                reasoning,
                option,
                cache,
            )| {
                let messages = conversation(lead, &exchanges);
                let mut r = ChatRequest::new("model-1", messages);
                r.max_tokens = max_tokens;
                let anthropic = provider.api() == llm_sse_core::provider::Api::Anthropic;
                r.temperature = temperature.map(|t| if anthropic { t / 2.0 } else { t });
                r.top_p = top_p;
                r.stop = stop;
                r.stop.truncate(match provider {
                    Provider::OpenAi => 4,
                    _ => 5,
                });
                let has_calls = r.messages.iter().any(|m| m.role == Role::Tool);
                if with_tools || choice.is_some() || (has_calls && anthropic) {
                    r.tools = TOOLS
                        .iter()
                        .map(|n| {
                            Tool::new(
                                *n,
                                "d",
                                json!({"type": "object", "properties": {"q": {"type": "string"}}}),
                            )
                        })
                        .collect();
                    r.tool_choice = choice;
                }
                r.reasoning = reasoning;
                if anthropic {
                    if let Some(reasoning) = reasoning {
                        let budget = reasoning.budget_tokens.unwrap_or(0);
                        if r.max_tokens.is_some_and(|m| m <= budget) {
                            r.max_tokens = Some(budget + 1);
                        }
                        if reasoning.is_on() {
                            if matches!(
                                r.tool_choice,
                                Some(ToolChoice::Required | ToolChoice::Tool(_))
                            ) {
                                r.tool_choice = Some(ToolChoice::Auto);
                            }
                            r.temperature = r.temperature.map(|_| 1.0);
                            r.top_p = r.top_p.map(|p| p.max(0.95));
                        }
                    }
                }
                r.provider_options = option.map(|n| match provider.api() {
                    llm_sse_core::provider::Api::Anthropic => {
                        json!({"top_k": n, "metadata": {"user_id": "u"}})
                    }
                    llm_sse_core::provider::Api::OpenAi => json!({"seed": n}),
                    _ => json!({"generationConfig": {"topK": n}}),
                });
                with_cache_plan(r, &cache)
            },
        )
}

/// Any request at all: roles, parts, ids and parameters drawn without regard to the rules
/// (weighted so that a fair share still passes validation).
fn wild_request() -> impl Strategy<Value = ChatRequest> {
    let role = prop_oneof![
        1 => Just(Role::System),
        4 => Just(Role::User),
        3 => Just(Role::Assistant),
        2 => Just(Role::Tool),
    ];
    let id = prop::option::of(prop::sample::select(vec!["a", "b", "c", "", "x:y", "fc.1"]));
    let name = prop_oneof![
        6 => prop::sample::select(vec!["get_weather", "get_time"]),
        1 => prop::sample::select(vec!["", "9x", "bad name"]),
    ];
    let text_part = (
        prop_oneof![1 => Just(String::new()), 19 => text()],
        wild_cache(),
    )
        .prop_map(|(t, c)| cached(Part::text(t), c));
    let image = (
        prop_oneof![8 => Just("image/png"), 1 => Just("text/plain"), 1 => Just("image/")],
        prop_oneof![9 => base64(), 1 => Just("%%".to_owned())],
        wild_cache(),
    )
        .prop_map(|(m, d, c)| cached(Part::image(m, d), c));
    let call = (
        id.clone(),
        name.clone(),
        prop_oneof![8 => Just(json!({})), 1 => Just(json!([1])), 1 => Just(json!({"a": null}))],
        wild_cache(),
    )
        .prop_map(|(id, n, args, c)| cached(Part::tool_call(id.map(Into::into), n, args), c));
    let result = (
        id,
        prop::option::of(name.clone()),
        prop_oneof![
            4 => Just(Content::from("r")),
            1 => Just(Content::from("")),
            1 => (wild_cache(), wild_cache()).prop_map(|(a, b)| Content::from(vec![
                cached(Part::text("t"), a),
                cached(Part::image("image/png", "QUJD"), b),
            ])),
        ],
        any::<bool>(),
        wild_cache(),
    )
        .prop_map(|(id, n, content, is_error, cache)| Part::ToolResult {
            call_id: id.map(Into::into),
            name: n.map(Into::into),
            content,
            is_error,
            cache,
        });
    let thinking = (
        prop_oneof![Just(String::new()), text()],
        prop::option::of(prop_oneof![Just(String::new()), Just("c2ln".to_owned())]),
        prop::sample::select(PROVIDERS.to_vec()),
    )
        .prop_map(|(thinking, signature, provider)| Part::Thinking {
            thinking,
            signature,
            provider,
        });
    let redacted =
        prop::sample::select(PROVIDERS.to_vec()).prop_map(|provider| Part::RedactedThinking {
            data: "ZA==".into(),
            provider,
        });
    let any_part = prop_oneof![
        text_part.clone(),
        image.clone(),
        call.clone(),
        result.clone(),
        thinking.clone(),
        redacted.clone(),
    ];
    let parts_for = move |role: Role| -> BoxedStrategy<Part> {
        match role {
            Role::System => text_part.clone().boxed(),
            Role::User => prop_oneof![3 => text_part.clone(), 1 => image.clone()].boxed(),
            Role::Assistant => prop_oneof![
                3 => text_part.clone(),
                3 => call.clone(),
                1 => thinking.clone(),
                1 => redacted.clone(),
            ]
            .boxed(),
            _ => result.clone().boxed(),
        }
    };
    let message = role.prop_flat_map(move |role| {
        let fitting = prop::collection::vec(parts_for(role), 1..4);
        let content = prop_oneof![
            2 => prop_oneof![1 => Just(String::new()), 9 => text()].prop_map(Content::Text),
            8 => fitting.prop_map(Content::Parts),
            1 => prop::collection::vec(any_part.clone(), 0..3).prop_map(Content::Parts),
        ];
        content.prop_map(move |content| ChatMessage::new(role, content))
    });
    let tools = prop::collection::vec(
        (
            name,
            prop_oneof![9 => Just(json!({"type": "object"})), 1 => Just(json!(1))],
            wild_cache(),
        )
            .prop_map(|(n, p, c)| {
                let mut tool = Tool::new(n, "d", p);
                tool.cache = c;
                tool
            }),
        0..3,
    );
    let rarely = |p: f64| prop::option::weighted(p, -1.0f64..3.0);
    (
        prop_oneof![1 => Just(String::new()), 16 => Just("m".to_owned()), 2 => Just("models/x".to_owned()), 1 => Just("a b".to_owned())],
        prop::collection::vec(message, 0..6),
        prop::option::of(0u32..3000),
        rarely(0.3),
        rarely(0.2),
        prop::collection::vec(prop_oneof![1 => Just(String::new()), 19 => text()], 0..6),
        tools,
        tool_choice(),
        prop_oneof![4 => Just(None), 1 => Just(Some(Reasoning::default())), 2 => reasoning(), 1 => (0u32..3000).prop_map(|b| Some(Reasoning::budget(b)))],
        prop_oneof![6 => Just(None), 1 => Just(Some(json!({"k": 1}))), 1 => Just(Some(json!([1]))), 1 => Just(Some(json!({"stream": null})))],
        wild_cache(),
    )
        .prop_map(
            |(model, messages, max_tokens, temperature, top_p, stop, tools, tool_choice, reasoning, options, cache)| {
                let mut r = ChatRequest::new(model, messages);
                r.max_tokens = max_tokens;
                r.temperature = temperature;
                r.top_p = top_p;
                r.stop = stop;
                r.tools = tools;
                r.tool_choice = tool_choice;
                r.reasoning = reasoning;
                r.provider_options = options;
                r.cache = cache;
                r
            },
        )
}

/// Now and then a cache breakpoint, of any lifetime.
fn wild_cache() -> impl Strategy<Value = Option<CacheControl>> + Clone {
    prop::option::weighted(
        0.25,
        prop_oneof![
            Just(CacheControl::new()),
            Just(CacheControl::new().with_ttl(CacheTtl::FiveMinutes)),
            Just(CacheControl::new().with_ttl(CacheTtl::OneHour)),
        ],
    )
}

/// `part` with the breakpoint `cache`, if any.
fn cached(part: Part, cache: Option<CacheControl>) -> Part {
    match cache {
        Some(cache) => part.with_cache(cache),
        None => part,
    }
}

/// A change to a valid request, which may or may not keep it valid.
#[derive(Debug, Clone)]
enum Mutation {
    RemoveMessage(usize),
    SwapMessages(usize, usize),
    DuplicateMessage(usize),
    ChangeRole(usize, Role),
    RemovePart(usize, usize),
    ForgetId(usize, usize),
    RenameResult(usize, usize),
    DropTools,
    Temperature(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<usize>();
    let role = prop::sample::select(vec![Role::System, Role::User, Role::Assistant, Role::Tool]);
    prop_oneof![
        i.prop_map(Mutation::RemoveMessage),
        (i, i).prop_map(|(a, b)| Mutation::SwapMessages(a, b)),
        i.prop_map(Mutation::DuplicateMessage),
        (i, role).prop_map(|(a, r)| Mutation::ChangeRole(a, r)),
        (i, i).prop_map(|(a, b)| Mutation::RemovePart(a, b)),
        (i, i).prop_map(|(a, b)| Mutation::ForgetId(a, b)),
        (i, i).prop_map(|(a, b)| Mutation::RenameResult(a, b)),
        Just(Mutation::DropTools),
        (0.5f64..1.5).prop_map(Mutation::Temperature),
    ]
}

fn mutate(r: &mut ChatRequest, m: &Mutation) {
    let n = r.messages.len();
    if n == 0 {
        return;
    }
    fn parts_of(r: &mut ChatRequest, i: usize) -> Option<&mut Vec<Part>> {
        let n = r.messages.len();
        match &mut r.messages[i % n].content {
            Content::Parts(parts) if !parts.is_empty() => Some(parts),
            _ => None,
        }
    }
    match *m {
        Mutation::RemoveMessage(i) => {
            r.messages.remove(i % n);
        }
        Mutation::SwapMessages(a, b) => r.messages.swap(a % n, b % n),
        Mutation::DuplicateMessage(i) => {
            let m = r.messages[i % n].clone();
            r.messages.insert(i % n, m);
        }
        Mutation::ChangeRole(i, role) => r.messages[i % n].role = role,
        Mutation::RemovePart(i, j) => {
            if let Some(parts) = parts_of(r, i) {
                let len = parts.len();
                parts.remove(j % len);
            }
        }
        Mutation::ForgetId(i, j) => {
            if let Some(parts) = parts_of(r, i) {
                let len = parts.len();
                match &mut parts[j % len] {
                    Part::ToolCall { id, .. } => *id = None,
                    Part::ToolResult { call_id, .. } => *call_id = None,
                    _ => {}
                }
            }
        }
        Mutation::RenameResult(i, j) => {
            if let Some(parts) = parts_of(r, i) {
                let len = parts.len();
                if let Part::ToolResult { name, call_id, .. } = &mut parts[j % len] {
                    *name = Some("get_time".into());
                    *call_id = None;
                }
            }
        }
        Mutation::DropTools => {
            r.tools.clear();
            r.tool_choice = None;
        }
        Mutation::Temperature(t) => r.temperature = Some(t),
    }
}

/// A valid request (for some provider) changed by a few mutations.
fn mutated_request() -> impl Strategy<Value = ChatRequest> {
    prop::sample::select(Provider::ALL.to_vec())
        .prop_flat_map(|p| (valid_request(p), prop::collection::vec(mutation(), 1..4)))
        .prop_map(|(mut r, mutations)| {
            for m in &mutations {
                mutate(&mut r, m);
            }
            r
        })
}

/// The checker, but tolerant of a `provider_options` patch that the wild generator applies (it
/// may remove `stream`, or add a key the checker does not know): only bodies built without
/// options are checked strictly.
fn check_built(provider: Provider, request: &ChatRequest) -> Result<bool, TestCaseError> {
    match build(provider, request, Some(request_support::TEST_KEY)) {
        Ok(http) => {
            if request.provider_options.is_none() {
                request_support::check(provider, &http).map_err(|e| {
                    TestCaseError::fail(format!(
                        "{provider}: {e}\n{}",
                        request_support::render(&http)
                    ))
                })?;
            }
            Ok(true)
        }
        Err(e) => {
            // Errors always say something.
            prop_assert!(!e.to_string().is_empty());
            Ok(false)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn valid_anthropic_requests_build_bodies_the_messages_api_accepts(r in valid_request(Provider::Anthropic)) {
        let http = build(Provider::Anthropic, &r, Some(request_support::TEST_KEY))
            .map_err(|e| TestCaseError::fail(format!("{e}: {r:#?}")))?;
        request_support::check(Provider::Anthropic, &http)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", request_support::render(&http))))?;
        // The breakpoints only add `cache_control`, one per breakpoint asked for.
        let count = http.body.to_string().matches("\"cache_control\"").count();
        prop_assert_eq!(count, expected_breakpoints(&r), "{}", request_support::render(&http));
        let plain = build(Provider::Anthropic, &without_caches(r.clone()), None).unwrap();
        prop_assert_eq!(without_cache_control(http.body), plain.body);
    }

    #[test]
    fn valid_openai_requests_build_bodies_chat_completions_accepts(r in valid_request(Provider::OpenAi)) {
        let http = build(Provider::OpenAi, &r, Some(request_support::TEST_KEY))
            .map_err(|e| TestCaseError::fail(format!("{e}: {r:#?}")))?;
        request_support::check(Provider::OpenAi, &http)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", request_support::render(&http))))?;
        // OpenAI caches prompts by itself: breakpoints change nothing.
        let plain = build(Provider::OpenAi, &without_caches(r.clone()), None).unwrap();
        prop_assert_eq!(http.body, plain.body);
    }

    #[test]
    fn valid_gemini_requests_build_bodies_generate_content_accepts(r in valid_request(Provider::Gemini)) {
        let http = build(Provider::Gemini, &r, Some(request_support::TEST_KEY))
            .map_err(|e| TestCaseError::fail(format!("{e}: {r:#?}")))?;
        request_support::check(Provider::Gemini, &http)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", request_support::render(&http))))?;
        // Gemini's implicit caching likewise.
        let plain = build(Provider::Gemini, &without_caches(r.clone()), None).unwrap();
        prop_assert_eq!(http.body, plain.body);
    }

    #[test]
    fn any_request_is_refused_or_builds_an_acceptable_body(r in wild_request()) {
        for provider in Provider::ALL {
            check_built(provider, &r)?;
        }
    }

    #[test]
    fn mutated_requests_are_refused_or_build_acceptable_bodies(r in mutated_request()) {
        for provider in Provider::ALL {
            check_built(provider, &r)?;
        }
    }

    #[test]
    fn breakpoints_are_refused_exactly_when_anthropic_s_rules_are_broken(r in request_with_random_breakpoints()) {
        let built = build(Provider::Anthropic, &r, None);
        prop_assert_eq!(built.is_ok(), anthropic_accepts_breakpoints(&r), "{:?}", built.as_ref().err());
        match built {
            Ok(http) => request_support::check(Provider::Anthropic, &http)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{}", request_support::render(&http))))?,
            Err(e) => prop_assert!(
                e.to_string().contains("cache: "),
                "refused for another reason: {e}"
            ),
        }
        // The others ignore breakpoints.
        for provider in [Provider::OpenAi, Provider::Gemini] {
            let plain = build(provider, &without_caches(r.clone()), None).map(|h| h.body);
            prop_assert_eq!(build(provider, &r, None).map(|h| h.body), plain);
        }
    }

    #[test]
    fn the_json_form_parses_back(r in valid_request(Provider::OpenAi)) {
        let json = serde_json::to_vec(&r).unwrap();
        prop_assert_eq!(ChatRequest::from_json(&json).unwrap(), r);
    }
}

#[test]
fn the_mutated_generator_reaches_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = mutated_request();
    let (mut built, mut refused) = (0, 0);
    for _ in 0..1000 {
        let r = strategy.new_tree(&mut runner).unwrap().current();
        for p in Provider::ALL {
            match build(p, &r, None) {
                Ok(_) => built += 1,
                Err(_) => refused += 1,
            }
        }
    }
    assert!(
        built >= 600 && refused >= 600,
        "{built} built, {refused} refused"
    );
}

#[test]
fn the_random_breakpoints_reach_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = request_with_random_breakpoints();
    let (mut four, mut refused) = (0, 0);
    for _ in 0..500 {
        let r = strategy.new_tree(&mut runner).unwrap().current();
        match build(Provider::Anthropic, &r, None) {
            Ok(http) if http.body.to_string().matches("cache_control").count() == 4 => four += 1,
            Ok(_) => {}
            Err(_) => refused += 1,
        }
    }
    assert!(
        four >= 20 && refused >= 100,
        "{four} with 4 breakpoints, {refused} refused"
    );
}

#[test]
fn the_wild_generator_reaches_valid_requests() {
    // Guard against a generator that only ever produces refused requests.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = wild_request();
    let mut built = 0;
    for _ in 0..2000 {
        let r = strategy.new_tree(&mut runner).unwrap().current();
        if Provider::ALL.iter().any(|&p| build(p, &r, None).is_ok()) {
            built += 1;
        }
    }
    assert!(built >= 20, "only {built} of 2000 wild requests built");
}
