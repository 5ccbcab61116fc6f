//! `llm-sse chat` end to end: the real binary, pointed at a mock in this process by
//! `*_BASE_URL` and key variables set on the child only (its environment is otherwise empty, so
//! no proxy or key of the machine's leaks in). Exact standard output and error, exit codes, and
//! the request the mock received.

use crate::mock_support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use llm_sse_tokio::Provider;
use llm_sse_tokio::mock::{MockProvider, MockServer};
use mock_support::{fixture, within};
use tokio::time::Instant;

const KEY: &str = "sk-cli-test-7d1e0c93b2";

/// What one run produced.
#[derive(Debug)]
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
}

/// The binary with `args`, and only `env` in its environment.
fn command(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
    command
        .args(args)
        .env_clear()
        // A machine on Google Cloud has a metadata server: not the tests' to ask.
        .env("NO_GCE_CHECK", "true")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs the binary to its end (bounded in time), while this test's runtime keeps serving.
async fn llm_sse(args: &[&str], env: &[(&str, String)]) -> Run {
    let mut child = command(args, env).spawn().expect("spawn llm-sse");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > mock_support::TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "llm-sse {args:?} did not end within {:?}",
                mock_support::TIMEOUT
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    Run {
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
        code: status.code(),
    }
}

/// The environment for a call of `server`'s provider: its key and base URL variables, no
/// retries.
fn env_for(server: &MockServer) -> Vec<(&'static str, String)> {
    let provider = server.provider();
    vec![
        (provider.api_key_env_vars()[0], KEY.to_owned()),
        (provider.base_url_env_var(), server.base_url()),
        ("LLM_SSE_MAX_RETRIES", "0".to_owned()),
    ]
}

async fn mock(provider: Provider, recording: &str) -> MockServer {
    MockProvider::new(provider, fixture(provider, recording))
        .require_api_key(KEY)
        .start()
        .await
        .unwrap()
}

fn assert_no_key(run: &Run) {
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "{run:?}"
    );
}

#[tokio::test]
async fn the_answer_streams_to_stdout_and_the_summary_to_stderr() {
    let server = mock(Provider::Anthropic, "text").await;
    let run = llm_sse(
        &["chat", "--provider", "anthropic", "What is SSE?"],
        &env_for(&server),
    )
    .await;
    assert_eq!(
        run.stdout,
        "Server-sent events (SSE) let a server push a stream of text over one plain HTTP \
         response. Each event is a few `field: value` lines ended by a blank line:\n\n```\n\
         data: {\"token\":\"Hello\"}\n```\n\nThat's why tokens appear one by one as the \
         model writes them — no WebSockets, no polling, just bytes ✨\n"
    );
    assert_eq!(
        run.stderr,
        "id: msg_01XFDUDYJgAACzvnptvVoYEL\nmodel: claude-sonnet-4-5\nfinish: stop (provider: \
         end_turn)\nusage: input_tokens=25 output_tokens=58\n"
    );
    assert_eq!(run.code, Some(0));
    assert_no_key(&run);
    // The request: the default model, the prompt, streaming on.
    let body = server.requests()[0].json().unwrap();
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["messages"][0]["content"][0]["text"], "What is SSE?");
    assert_eq!(body["stream"], true);
    assert!(body.get("system").is_none() && body.get("temperature").is_none());
}

#[tokio::test]
async fn the_flags_shape_the_request() {
    let server = mock(Provider::Anthropic, "text").await;
    let run = llm_sse(
        &[
            "chat",
            "--provider",
            "anthropic",
            "--model",
            "claude-opus-4-1",
            "--system",
            "Be terse.",
            "--temperature",
            "0.25",
            "--max-tokens",
            "300",
            "Hi",
        ],
        &env_for(&server),
    )
    .await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let body = server.requests()[0].json().unwrap();
    assert_eq!(body["model"], "claude-opus-4-1");
    assert_eq!(
        body["system"],
        serde_json::json!([{"type": "text", "text": "Be terse."}])
    );
    assert_eq!(body["temperature"], 0.25);
    assert_eq!(body["max_tokens"], 300);
}

#[tokio::test]
async fn each_provider_has_a_default_model_and_base_url_flag() {
    for (provider, name, expected_model) in [
        (Provider::OpenAi, "openai", "gpt-4.1-mini"),
        (Provider::Gemini, "gemini", "gemini-2.5-flash"),
    ] {
        let server = mock(provider, "text").await;
        // The base URL from the flag; the variable points nowhere.
        let env = vec![
            (provider.api_key_env_vars()[0], KEY.to_owned()),
            (provider.base_url_env_var(), "http://127.0.0.1:9".to_owned()),
        ];
        let run = llm_sse(
            &[
                "chat",
                "--provider",
                name,
                "--base-url",
                &server.base_url(),
                "Hi",
            ],
            &env,
        )
        .await;
        assert_eq!(run.code, Some(0), "{run:?}");
        assert!(!run.stdout.is_empty() && run.stdout.ends_with('\n'));
        let request = &server.requests()[0];
        match provider {
            Provider::Gemini => assert_eq!(
                request.uri,
                format!("/v1beta/models/{expected_model}:streamGenerateContent?alt=sse")
            ),
            _ => assert_eq!(request.json().unwrap()["model"], expected_model),
        }
    }
}

#[tokio::test]
async fn gemini_takes_google_api_key_as_a_fallback() {
    let server = mock(Provider::Gemini, "text").await;
    let env = vec![
        ("GOOGLE_API_KEY", KEY.to_owned()),
        ("GEMINI_BASE_URL", server.base_url()),
    ];
    let run = llm_sse(&["chat", "--provider", "gemini", "Hi"], &env).await;
    assert_eq!(run.code, Some(0), "{run:?}");
}

#[tokio::test]
async fn reasoning_goes_to_stderr_and_the_answer_to_stdout() {
    let server = mock(Provider::Anthropic, "thinking").await;
    let run = llm_sse(
        &["chat", "--provider", "anthropic", "27 × 453?"],
        &env_for(&server),
    )
    .await;
    assert_eq!(run.stdout, "27 × 453 = **12,231**.\n");
    assert_eq!(
        run.stderr,
        "The user asks for 27 × 453. 27 × 453 = 27 × 400 + 27 × 53 = 10800 + 1431 = 12231.\n\
         id: msg_01B7ZMKkLKf8MnpQbrbXmCHX\nmodel: claude-sonnet-4-5\nfinish: stop (provider: \
         end_turn)\nusage: input_tokens=54 output_tokens=172\n"
    );
    assert_eq!(run.code, Some(0));
}

#[tokio::test]
async fn tool_calls_are_printed_as_name_and_arguments() {
    let server = mock(Provider::Anthropic, "parallel_tools").await;
    let run = llm_sse(
        &["chat", "--provider", "anthropic", "Tokyo?"],
        &env_for(&server),
    )
    .await;
    assert_eq!(
        run.stdout,
        "Let me look up both at once.\nget_weather({\"location\": \"Tokyo, JP\"})\nget_time({\"timezone\": \"Asia/Tokyo\"})\n"
    );
    assert!(
        run.stderr
            .contains("finish: tool_calls (provider: tool_use)\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(0));
}

#[tokio::test]
async fn a_stream_that_ends_in_error_keeps_its_tokens_and_exits_1() {
    let server = mock(Provider::Anthropic, "error_mid_stream").await;
    let run = llm_sse(
        &["chat", "--provider", "anthropic", "Hi"],
        &env_for(&server),
    )
    .await;
    assert_eq!(run.code, Some(1));
    assert!(
        !run.stdout.is_empty() && run.stdout.ends_with('\n'),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("finish: error") && run.stderr.contains("\nerror: overloaded_error: "),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn the_answer_is_written_as_it_arrives() {
    // The mock stalls half way; the first half must be on stdout while the stream is stalled.
    let recording = fixture(Provider::OpenAi, "text");
    let server = MockProvider::new(Provider::OpenAi, recording.clone())
        .stall_after(recording.len() / 2)
        .start()
        .await
        .unwrap();
    let mut env = env_for(&server);
    env.push(("LLM_SSE_IDLE_TIMEOUT", "30".to_owned()));
    let mut child = KillOnDrop(
        command(&["chat", "--provider", "openai", "Hi"], &env)
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let mut stdout = child.stdout.take().unwrap();
    // The pipe stays open (returned) until the child is killed: closing it would end the
    // child at its next write.
    let (first, _stdout) = within(tokio::task::spawn_blocking(move || {
        let mut buf = [0u8; 256];
        let n = stdout.read(&mut buf).unwrap();
        (String::from_utf8_lossy(&buf[..n]).into_owned(), stdout)
    }))
    .await
    .unwrap();
    if first.is_empty() {
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("no output before the end: {:?}, {stderr}", child.wait());
    }
    if let Some(status) = child.try_wait().unwrap() {
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("ended while the mock stalls: {status:?}, {first:?}, {stderr}");
    }
    // Killed and reaped when the guard drops (also when an assertion above fails).
}

/// A child process killed (and reaped) when dropped, also when a test fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_stall_ends_with_idle_timeout_and_exit_1() {
    let server = MockProvider::new(Provider::Gemini, fixture(Provider::Gemini, "text"))
        .stall_after(200)
        .start()
        .await
        .unwrap();
    let mut env = env_for(&server);
    env.push(("LLM_SSE_IDLE_TIMEOUT", "0.3".to_owned()));
    let run = llm_sse(&["chat", "--provider", "gemini", "Hi"], &env).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.ends_with(
            "error: idle_timeout: no data from the provider for 0.3 s (the idle timeout)\n"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_rejected_key_is_one_line_with_the_status_and_message() {
    let server = mock(Provider::OpenAi, "text").await;
    let mut env = env_for(&server);
    env[0].1 = format!("{KEY}-wrong");
    let run = llm_sse(&["chat", "--provider", "openai", "Hi"], &env).await;
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "llm-sse: error: OpenAI rejected the API key: HTTP 401 invalid_request_error: Incorrect \
         API key provided.\n"
    );
    assert_eq!(run.code, Some(1));
    assert_no_key(&run);
    assert_eq!(server.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_refused_request_shows_the_providers_message() {
    let server = MockProvider::new(Provider::Anthropic, fixture(Provider::Anthropic, "text"))
        .fail_first(1, 400)
        .error_message("max_tokens: 999999 > 64000, the maximum for claude-sonnet-4-5")
        .start()
        .await
        .unwrap();
    let run = llm_sse(
        &[
            "chat",
            "--provider",
            "anthropic",
            "--max-tokens",
            "999999",
            "Hi",
        ],
        &env_for(&server),
    )
    .await;
    assert_eq!(
        run.stderr,
        "llm-sse: error: the provider refused the request: HTTP 400 invalid_request_error: \
         max_tokens: 999999 > 64000, the maximum for claude-sonnet-4-5\n"
    );
    assert_eq!(run.code, Some(1));
}

#[tokio::test]
async fn a_missing_key_names_the_variable() {
    let server = mock(Provider::Gemini, "text").await;
    let env = vec![("GEMINI_BASE_URL", server.base_url())];
    let run = llm_sse(&["chat", "--provider", "gemini", "Hi"], &env).await;
    assert_eq!(
        run.stderr,
        "llm-sse: error: no Gemini API key: set GEMINI_API_KEY or GOOGLE_API_KEY\n"
    );
    assert_eq!((run.stdout.as_str(), run.code), ("", Some(1)));
    assert!(server.connections().is_empty());
    // An empty variable counts as missing.
    let env = vec![
        ("ANTHROPIC_API_KEY", "  ".to_owned()),
        ("ANTHROPIC_BASE_URL", server.base_url()),
    ];
    let empty = llm_sse(&["chat", "--provider", "anthropic", "Hi"], &env).await;
    assert_eq!(
        empty.stderr,
        "llm-sse: error: no Anthropic API key: set ANTHROPIC_API_KEY\n"
    );
}

#[tokio::test]
async fn no_connection_is_one_line_and_exit_1() {
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let env = vec![
        ("OPENAI_API_KEY", KEY.to_owned()),
        ("OPENAI_BASE_URL", format!("http://127.0.0.1:{port}/v1")),
        ("LLM_SSE_MAX_RETRIES", "0".to_owned()),
    ];
    let run = llm_sse(&["chat", "--provider", "openai", "Hi"], &env).await;
    assert!(
        run.stderr.starts_with(&format!(
            "llm-sse: error: connection failed: 127.0.0.1:{port}: "
        )),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
    assert_eq!(run.code, Some(1));
    assert_no_key(&run);
}

#[tokio::test]
async fn usage_errors_exit_2() {
    /// Arguments, environment, and what the message must mention.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&["chat", "Hi"], &[], "--provider <PROVIDER>"),
        (&["chat", "--provider", "anthropic"], &[], "<PROMPT>"),
        (&["chat", "--provider", "mistral", "Hi"], &[], "mistral"),
        (
            &["chat", "--provider", "openai", "--temperature", "hot", "Hi"],
            &[],
            "expected a number",
        ),
        (
            &["chat", "--provider", "openai", "--max-tokens", "0", "Hi"],
            &[],
            "--max-tokens",
        ),
        (
            &["chat", "--provider", "openai", "Hi"],
            &[("LLM_SSE_IDLE_TIMEOUT", "soon")],
            "LLM_SSE_IDLE_TIMEOUT must be a positive number of seconds",
        ),
        // The provider's rules, checked before anything is sent.
        (
            &[
                "chat",
                "--provider",
                "anthropic",
                "--temperature",
                "1.5",
                "Hi",
            ],
            &[("ANTHROPIC_API_KEY", KEY)],
            "temperature",
        ),
        (
            &[
                "chat",
                "--provider",
                "openai",
                "--base-url",
                "localhost:11434",
                "Hi",
            ],
            &[("OPENAI_API_KEY", KEY)],
            "http:// or https://",
        ),
    ];
    for (args, env, expected) in cases {
        let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let run = llm_sse(args, &env).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(
            run.stderr.starts_with("llm-sse: error: "),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "");
        assert_no_key(&run);
    }
}

// ---------------------------------------------------------------------------------------------
// Claude on the cloud platforms
// ---------------------------------------------------------------------------------------------

const AWS_KEY_ID: &str = "AKIDCLICHATTEST00001";
const AWS_SECRET: &str = "cli/chat/secret+access/key0123456789abcd";

/// What `chat` prints for the Anthropic recording `text`, which Bedrock and Vertex AI carry.
const TEXT_ANSWER: &str = "Server-sent events (SSE) let a server push a stream of text over one plain HTTP \
     response. Each event is a few `field: value` lines ended by a blank line:\n\n```\n\
     data: {\"token\":\"Hello\"}\n```\n\nThat's why tokens appear one by one as the \
     model writes them — no WebSockets, no polling, just bytes ✨\n";
const TEXT_SUMMARY: &str = "id: msg_01XFDUDYJgAACzvnptvVoYEL\nmodel: claude-sonnet-4-5\nfinish: stop (provider: \
     end_turn)\nusage: input_tokens=25 output_tokens=58\n";

async fn bedrock_mock(recording: &str) -> MockServer {
    MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, recording))
        .require_aws_signature(
            llm_sse_tokio::core::aws::AwsCredentials::new(AWS_KEY_ID, AWS_SECRET, None),
            "ap-northeast-1",
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_with_claude_on_bedrock_signs_with_the_aws_environment() {
    let server = bedrock_mock("text").await;
    let env = vec![
        ("AWS_ACCESS_KEY_ID", AWS_KEY_ID.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", AWS_SECRET.to_owned()),
        ("AWS_REGION", "ap-northeast-1".to_owned()),
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.base_url()),
    ];
    let run = llm_sse(&["chat", "--provider", "bedrock", "What is SSE?"], &env).await;
    assert_eq!(
        (run.stdout.as_str(), run.code),
        (TEXT_ANSWER, Some(0)),
        "{run:?}"
    );
    assert_eq!(run.stderr, TEXT_SUMMARY);
    let request = &server.requests()[0];
    // The default model id, one URL-encoded path segment; Bedrock's body.
    assert_eq!(
        request.uri,
        "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
    );
    let body = request.json().unwrap();
    assert_eq!(body["anthropic_version"], "bedrock-2023-05-31");
    assert!(body.get("model").is_none() && body.get("stream").is_none());
    assert!(!run.stderr.contains(AWS_SECRET));

    // The mock refuses another secret: one line, AWS's type and message, exit 1.
    let mut env = env;
    env[1].1 = "not-the-secret".to_owned();
    env.push(("LLM_SSE_MAX_RETRIES", "0".to_owned()));
    let run = llm_sse(&["chat", "--provider", "bedrock", "Hi"], &env).await;
    assert_eq!(
        run.stderr,
        "llm-sse: error: Amazon Bedrock rejected the credentials: HTTP 403 \
         InvalidSignatureException: The request signature we calculated does not match the \
         signature you provided. Check your AWS Secret Access Key and signing method. Consult \
         the service documentation for details.\n"
    );
    assert_eq!((run.stdout.as_str(), run.code), ("", Some(1)));
}

#[tokio::test]
async fn chat_with_bedrock_in_a_container_fetches_its_credentials() {
    use llm_sse_tokio::core::aws::AwsCredentials;
    use llm_sse_tokio::mock::CredentialsEndpoint;
    // As in an EKS pod with Pod Identity: the endpoint's URL and a file with its token.
    let credentials = AwsCredentials::new(AWS_KEY_ID, AWS_SECRET, Some("cli-session".into()));
    let endpoint = CredentialsEndpoint::new(credentials.clone())
        .require_authorization("eks-pod-token")
        .start()
        .await
        .unwrap();
    let server = MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, "text"))
        .require_aws_signature(credentials, "ap-northeast-1")
        .start()
        .await
        .unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-chat-container");
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("eks-pod-identity-token");
    std::fs::write(&token_file, "eks-pod-token").unwrap();
    let env = vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url()),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token_file.display().to_string(),
        ),
        ("AWS_REGION", "ap-northeast-1".to_owned()),
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.base_url()),
    ];
    let run = llm_sse(&["chat", "--provider", "bedrock", "What is SSE?"], &env).await;
    assert_eq!(
        (run.stdout.as_str(), run.code),
        (TEXT_ANSWER, Some(0)),
        "{run:?}"
    );
    assert_eq!(run.stderr, TEXT_SUMMARY);
    assert_eq!(endpoint.requests(), 1);
    assert_eq!(
        server.requests()[0].header("x-amz-security-token"),
        Some("cli-session")
    );

    // A token the endpoint refuses: one line naming the endpoint, exit 1, Bedrock not called.
    std::fs::write(&token_file, "expired-token").unwrap();
    let run = llm_sse(&["chat", "--provider", "bedrock", "Hi"], &env).await;
    assert_eq!(
        run.stderr,
        format!(
            "llm-sse: error: Amazon Bedrock: {}: the credentials endpoint answered 401: The \
             authorization token is missing or not valid\n",
            format_args!(
                "the container credentials endpoint {} (AWS_CONTAINER_CREDENTIALS_FULL_URI)",
                endpoint.url()
            )
        ),
        "{run:?}"
    );
    assert_eq!((run.stdout.as_str(), run.code), ("", Some(1)));
    assert_eq!(server.requests().len(), 1);
    assert!(!run.stderr.contains("expired-token") && !run.stderr.contains(AWS_SECRET));
}

#[tokio::test]
async fn chat_with_bedrock_reads_a_profile_from_the_shared_files() {
    let server = bedrock_mock("tool_use").await;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-chat-aws");
    std::fs::create_dir_all(&dir).unwrap();
    let credentials = dir.join("credentials");
    let config = dir.join("config");
    std::fs::write(
        &credentials,
        format!("[cli]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(
        &config,
        format!(
            "[profile cli]\nregion = ap-northeast-1\nendpoint_url = {}\n",
            server.base_url()
        ),
    )
    .unwrap();
    let env = vec![
        ("AWS_PROFILE", "cli".to_owned()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        ("AWS_CONFIG_FILE", config.display().to_string()),
    ];
    let run = llm_sse(
        &[
            "chat",
            "--provider",
            "bedrock",
            "--model",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "Weather in Paris?",
        ],
        &env,
    )
    .await;
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("get_weather("), "{}", run.stdout);
    assert_eq!(
        server.requests()[0].uri,
        "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
    );
}

#[tokio::test]
async fn missing_cloud_credentials_name_the_variables() {
    let run = llm_sse(&["chat", "--provider", "bedrock", "Hi"], &[]).await;
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.starts_with("llm-sse: error: Amazon Bedrock: ")
            && run.stderr.contains("AWS_ACCESS_KEY_ID"),
        "{}",
        run.stderr
    );
    let env = vec![("CLOUDSDK_AUTH_ACCESS_TOKEN", "ya29.cli".to_owned())];
    let run = llm_sse(&["chat", "--provider", "vertex", "Hi"], &env).await;
    assert_eq!(
        run.stderr,
        "llm-sse: error: Vertex AI: no Vertex AI project: set ANTHROPIC_VERTEX_PROJECT_ID\n"
    );
    assert_eq!(run.code, Some(1));
}

#[tokio::test]
async fn chat_with_claude_on_vertex_gets_a_token_for_its_service_account() {
    let json = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/google/service_account.json"),
    )
    .unwrap();
    let public_key = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../core/tests/fixtures/google/service_account_public.pem"),
    )
    .unwrap();
    let mut key: serde_json::Value = serde_json::from_str(&json).unwrap();
    let tokens = llm_sse_tokio::mock::TokenEndpoint::new()
        .service_account(key["client_email"].as_str().unwrap(), public_key)
        .start()
        .await
        .unwrap();
    key["token_uri"] = tokens.url().into();
    let path =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-chat-vertex-key.json");
    std::fs::write(&path, key.to_string()).unwrap();
    let server = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
        .accept_tokens_from(&tokens)
        .start()
        .await
        .unwrap();
    let env = vec![
        ("GOOGLE_APPLICATION_CREDENTIALS", path.display().to_string()),
        ("CLOUD_ML_REGION", "europe-west1".to_owned()),
    ];
    // The project is the key file's; the base URL the flag's.
    let run = llm_sse(
        &[
            "chat",
            "--provider",
            "vertex",
            "--base-url",
            &server.base_url(),
            "What is SSE?",
        ],
        &env,
    )
    .await;
    assert_eq!(
        (run.stdout.as_str(), run.code),
        (TEXT_ANSWER, Some(0)),
        "{run:?}"
    );
    assert_eq!(run.stderr, TEXT_SUMMARY);
    assert_eq!(tokens.requests(), 1);
    let request = &server.requests()[0];
    assert_eq!(
        request.uri,
        "/v1/projects/llm-sse-test-project/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    );
    assert_eq!(
        request.header("authorization"),
        Some("Bearer ya29.mock-token-1")
    );
    assert_eq!(
        request.json().unwrap()["anthropic_version"],
        "vertex-2023-10-16"
    );
    assert!(!run.stderr.contains("ya29"));
}
