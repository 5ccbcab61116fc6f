//! Signs a fixed set of requests with `aws::sigv4` and prints them, with our canonical
//! request, string to sign and `authorization`, as one JSON array on stdout.
//!
//! `tests/sdk/sigv4_botocore.py` re-signs each request with botocore at the same time and
//! compares (see DEVELOPERS.md, "Checking SigV4 against botocore"):
//!
//! ```sh
//! cargo run -q -p llm-sse-core --example sigv4_cases > target/sigv4-cases.json
//! cargo run -q -p llm-sse-core --example sigv4_cases -- --random 2000   # more random cases
//! ```
//!
//! The cases are the Bedrock calls we make (model ids with `:`, ARNs with `/`), edge cases
//! of paths, queries, headers and times, and pseudo-random requests from a fixed seed (the
//! same on every run).

use llm_sse_core::aws::AwsCredentials;
use llm_sse_core::aws::sigv4::{SignableRequest, Signer, uri_encode};
use serde_json::{Value, json};

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Case {
    name: String,
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    session_token: Option<String>,
    region: &'static str,
    service: &'static str,
    time: u64,
}

impl Case {
    fn new(name: impl Into<String>, url: impl Into<String>) -> Case {
        Case {
            name: name.into(),
            method: "POST",
            url: url.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[]}"#
                .into(),
            session_token: None,
            region: "us-east-1",
            service: "bedrock",
            time: 1_767_270_896,
        }
    }

    fn sign(&self) -> Value {
        let mut credentials = AwsCredentials::new(ACCESS_KEY_ID, SECRET, None);
        if let Some(token) = &self.session_token {
            credentials = credentials.with_session_token(token.clone());
        }
        let signer = Signer::new(&credentials, self.region, self.service);
        let request = SignableRequest::from_url(self.method, &self.url)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name))
            .headers(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .payload(self.body.as_bytes());
        let signed = signer
            .sign(&request, self.time)
            .unwrap_or_else(|e| panic!("{}: {e}", self.name));
        json!({
            "name": self.name,
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": self.body,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET,
            "session_token": self.session_token,
            "region": self.region,
            "service": self.service,
            "time": self.time,
            "amz_date": signed.amz_date(),
            "canonical_request": signed.canonical_request(),
            "string_to_sign": signed.string_to_sign(),
            "authorization": signed.authorization(),
        })
    }
}

fn bedrock_url(region: &str, model: &str) -> String {
    format!(
        "https://bedrock-runtime.{region}.amazonaws.com/model/{}/invoke-with-response-stream",
        uri_encode(model)
    )
}

fn fixed_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for model in [
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
    ] {
        cases.push(Case::new(
            format!("bedrock {model}"),
            bedrock_url("us-east-1", model),
        ));
    }
    let mut case = Case::new(
        "bedrock with a session token, accept header and eu region",
        bedrock_url("eu-central-1", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    );
    case.region = "eu-central-1";
    case.session_token = Some("IQoJb3JpZ2luX2VjEXAMPLE/+=TOKEN".into());
    case.headers
        .push(("x-amzn-bedrock-accept".into(), "application/json".into()));
    cases.push(case);
    let mut case = Case::new(
        "local endpoint with a port",
        "http://127.0.0.1:4566/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke-with-response-stream",
    );
    case.headers
        .push(("user-agent".into(), "llm-sse/0.1.0".into()));
    cases.push(case);

    for path in [
        "/",
        "//",
        "/./",
        "/a/..",
        "/a/.",
        "/a/./b//c/",
        "/a/b/../../..",
        "/%2E%2E/x",
        "/a%2Fb/c",
        "/~user/a-b_c.d",
        "/%41%42",
        "/a%20b/",
        "/%25",
    ] {
        let mut case = Case::new(
            format!("path {path}"),
            format!("https://example.amazonaws.com{path}"),
        );
        case.method = "GET";
        case.body.clear();
        case.headers.clear();
        case.service = "service";
        cases.push(case);
    }
    for query in [
        "b=2&a=1",
        "a=2&a=1&a=10",
        "key",
        "a=1&&b=2",
        "A=1&a=1&_=1&~=1&-=1&.=1",
        "x=%E1%88%B4&%E1%88%B4=y",
        "list=a%2Cb%2Cc&path=%2Fx%2Fy",
        "empty=&x=",
    ] {
        let mut case = Case::new(
            format!("query {query}"),
            format!("https://example.amazonaws.com/?{query}"),
        );
        case.method = "GET";
        case.body.clear();
        case.service = "service";
        cases.push(case);
    }
    let header_sets: [&[(&str, &str)]; 4] = [
        &[("My-Header", "  a   b \t c  ")],
        &[("x-b", "2"), ("X-A", "1"), ("x-b", "1"), ("x-a", "0")],
        &[("x-empty", ""), ("x-tab", "\tv\t")],
        &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("x-utf8", "caf\u{e9}"),
        ],
    ];
    for headers in header_sets {
        let mut case = Case::new(
            format!("headers {headers:?}"),
            "https://example.amazonaws.com/",
        );
        case.headers = headers
            .iter()
            .map(|(n, v)| ((*n).into(), (*v).into()))
            .collect();
        case.service = "service";
        cases.push(case);
    }
    for time in [0, 951_782_400, 4_107_542_399, 253_402_300_799] {
        let mut case = Case::new(format!("time {time}"), "https://example.amazonaws.com/");
        case.time = time;
        cases.push(case);
    }
    cases
}

/// xorshift64*: a fixed-seed generator, so every run prints the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn text(&mut self, alphabet: &[&str], max: usize) -> String {
        let len = self.below(max + 1);
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}

fn random_cases(count: usize) -> Vec<Case> {
    // Characters for raw path segments and query parts (sent percent-encoded), and for
    // header values (sent as they are).
    const RAW: &[&str] = &[
        "a",
        "Z",
        "0",
        "-",
        ".",
        "_",
        "~",
        ":",
        "/",
        "?",
        "#",
        "[",
        "]",
        "@",
        "!",
        "$",
        "&",
        "'",
        "(",
        ")",
        "*",
        "+",
        ",",
        ";",
        "=",
        "%",
        " ",
        "\u{e9}",
        "\u{1234}",
        "\u{1F600}",
    ];
    const VALUE: &[&str] = &[
        "a", "B", "7", " ", " ", "\t", "-", "\"", "=", ";", ",", ":", "/", "+", "%", "\u{e9}",
    ];
    const NAMES: &[&str] = &[
        "x-a",
        "X-B",
        "x-amz-meta-c",
        "content-type",
        "x-amzn-bedrock-accept",
        "user-agent",
    ];
    const REGIONS: &[&str] = &["us-east-1", "eu-west-3", "ap-northeast-2", "cn-north-1"];
    const SERVICES: &[&str] = &["bedrock", "service", "execute-api"];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = Vec::with_capacity(count);
    for i in 0..count {
        let mut path = String::new();
        for _ in 0..=rng.below(4) {
            path.push('/');
            match rng.below(8) {
                0 => path.push('.'),
                1 => path.push_str(".."),
                2 => {}
                _ => path.push_str(&uri_encode(&rng.text(RAW, 6))),
            }
        }
        let mut query = String::new();
        for j in 0..rng.below(4) {
            if j > 0 {
                query.push('&');
            }
            query.push_str(&uri_encode(&rng.text(RAW, 4)));
            if rng.below(4) > 0 {
                query.push('=');
                query.push_str(&uri_encode(&rng.text(RAW, 4)));
            }
        }
        let host = if rng.below(4) == 0 {
            "example.amazonaws.com:8443"
        } else {
            "example.amazonaws.com"
        };
        let url = if query.is_empty() {
            format!("https://{host}{path}")
        } else {
            format!("https://{host}{path}?{query}")
        };
        let mut case = Case::new(format!("random {i}"), url);
        case.method = *rng.pick(&["GET", "POST", "PUT", "DELETE"]);
        case.headers = (0..rng.below(5))
            .map(|_| ((*rng.pick(NAMES)).to_owned(), rng.text(VALUE, 10)))
            .collect();
        case.body = rng.text(RAW, 40);
        case.session_token =
            (rng.below(3) == 0).then(|| rng.text(&["A", "z", "9", "/", "+", "="], 40));
        case.region = *rng.pick(REGIONS);
        case.service = *rng.pick(SERVICES);
        case.time = rng.next() % 253_402_300_800;
        cases.push(case);
    }
    cases
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let random = match args.as_slice() {
        [] => 300,
        [flag, n] if flag == "--random" => n.parse().expect("--random takes a number"),
        _ => {
            eprintln!("usage: sigv4_cases [--random N]");
            std::process::exit(2);
        }
    };
    let cases: Vec<Value> = fixed_cases()
        .iter()
        .chain(random_cases(random).iter())
        .map(Case::sign)
        .collect();
    println!("{}", Value::Array(cases));
}
