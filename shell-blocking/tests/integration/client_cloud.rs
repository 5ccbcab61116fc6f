//! Claude on the cloud platforms through the blocking client, against the mock provider (the
//! same cases as `llm-sse-tokio`'s `client_cloud`, the decisions being the core's): Amazon
//! Bedrock signed per attempt and verified by the mock, AWS's errors retried or not, an
//! exception mid-stream, a cut between messages, a dropped stream; Vertex AI's token fetched
//! from a mock token endpoint once, renewed once on a `401`, refused; missing credentials.

use crate::support;

use std::time::{Duration, Instant};

use llm_sse_blocking::core::google::Credentials;
use llm_sse_blocking::core::{Provider, StreamChunk};
use llm_sse_blocking::{AuthFailure, ChatMessage, ChatRequest, Client, ProviderError, Settings};
use llm_sse_tests::cloud::{AWS_REGION, VERTEX_PROJECT, VERTEX_REGION};
use llm_sse_tokio::mock::{MockProvider, TokenEndpoint};
use support::*;

fn hello(provider: Provider) -> ChatRequest {
    let model = match provider {
        Provider::Bedrock => "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        _ => "claude-sonnet-4-5@20250929",
    };
    ChatRequest::new(model, vec![ChatMessage::user("Hello")])
}

fn bedrock(name: &str) -> MockProvider {
    requiring(
        MockProvider::new(Provider::Bedrock, recording(Provider::Bedrock, name)),
        Provider::Bedrock,
        KEY,
    )
}

fn error_of(chunks: &[StreamChunk]) -> Option<String> {
    chunks.last().and_then(error_type)
}

#[test]
fn bedrock_fixtures_stream_signed_and_verified() {
    for name in ["text", "tool_use", "thinking", "prompt_cache", "truncated"] {
        let mock = Mock::start(bedrock(name));
        let chunks: Vec<_> = mock
            .client(mock.settings())
            .stream(Provider::Bedrock, hello(Provider::Bedrock))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .collect();
        assert_eq!(
            frames(&chunks),
            golden_frames(Provider::Bedrock, name),
            "{name}"
        );
        // The inference profile's id, one path segment.
        assert_eq!(
            mock.server().requests()[0].uri,
            "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
        );
    }
}

#[test]
fn bedrock_errors_are_retried_or_not_as_aws_tools_do() {
    for status in [429, 503, 500] {
        let mock = Mock::start(bedrock("text").fail_first(2, status));
        let stream = mock
            .client(mock.settings().with_retry(quick_retries(2)))
            .stream(Provider::Bedrock, hello(Provider::Bedrock))
            .unwrap();
        assert_eq!(stream.retries(), 2, "{status}");
        let chunks: Vec<_> = stream.collect();
        assert_eq!(error_of(&chunks), None);
    }
    // 403: an auth error, one request.
    let mock = Mock::start(bedrock("text").fail_first(9, 403));
    let error = mock
        .client(mock.settings().with_retry(quick_retries(3)))
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap_err();
    let ProviderError::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    let AuthFailure::Rejected(api) = &auth.reason else {
        panic!("{auth:?}")
    };
    assert_eq!(api.error_type, "AccessDeniedException");
    assert_eq!(mock.server().requests().len(), 1);
    // 400: the provider's message.
    let mock = Mock::start(
        bedrock("text")
            .fail_first(1, 400)
            .error_message("The provided model identifier is invalid."),
    );
    let error = mock
        .client(mock.settings().with_retry(quick_retries(3)))
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap_err();
    let ProviderError::Rejected(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (api.error_type.as_str(), api.message.as_str()),
        (
            "ValidationException",
            "The provided model identifier is invalid."
        )
    );
    assert_eq!(mock.server().requests().len(), 1);
}

#[test]
fn bedrock_faults_after_the_first_byte() {
    // An exception mid-stream: every token before it.
    let mock = Mock::start(bedrock("error_mid_stream"));
    let chunks: Vec<_> = mock
        .client(mock.settings())
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap()
        .collect();
    assert_eq!(
        chunks,
        normalize(
            Provider::Bedrock,
            &recording(Provider::Bedrock, "error_mid_stream")
        )
    );
    assert_eq!(
        error_of(&chunks).as_deref(),
        Some("modelStreamErrorException")
    );

    // A cut between two messages, and one inside a message.
    let text = recording(Provider::Bedrock, "text");
    let boundary = event_prefix_len(Provider::Bedrock, &text, 5);
    for cut in [boundary, boundary + 3] {
        let mock = Mock::start(bedrock("text").cut_after(cut));
        let chunks: Vec<_> = mock
            .client(mock.settings())
            .stream(Provider::Bedrock, hello(Provider::Bedrock))
            .unwrap()
            .collect();
        let mut normalizer = llm_sse_blocking::core::Normalizer::new(Provider::Bedrock);
        normalizer.feed(&text[..cut]);
        let expected: Vec<_> = std::iter::from_fn(|| normalizer.next_chunk()).collect();
        let (terminal, tokens) = chunks.split_last().unwrap();
        assert_eq!(tokens, &expected[..], "cut after {cut}");
        assert_eq!(error_type(terminal).as_deref(), Some("connection_error"));
    }

    // A dropped stream closes its connection at once.
    let mock = Mock::start(bedrock("text").stall_after(boundary));
    let mut stream = mock
        .client(mock.settings())
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap();
    assert!(stream.next().is_some());
    let connection = mock.server().requests()[0].connection;
    let dropped = Instant::now();
    drop(stream);
    let closed = mock
        .wait(mock.server().wait_for_connection_close(connection))
        .unwrap();
    assert!(std_instant(closed).saturating_duration_since(dropped) < Duration::from_millis(100));
}

fn google_fixture(name: &str) -> String {
    let path = format!(
        "{}/../core/tests/fixtures/google/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn token_endpoint() -> Tokens {
    let json: serde_json::Value =
        serde_json::from_str(&google_fixture("service_account.json")).unwrap();
    Tokens::start(TokenEndpoint::new().service_account(
        json["client_email"].as_str().unwrap(),
        google_fixture("service_account_public.pem"),
    ))
}

fn vertex_client(mock: &Mock, tokens: &Tokens) -> Client {
    let mut json: serde_json::Value =
        serde_json::from_str(&google_fixture("service_account.json")).unwrap();
    json["token_uri"] = tokens.server().url().into();
    let settings = Settings::new()
        .with_google_credentials(Credentials::from_json(&json.to_string()).unwrap())
        .with_vertex(VERTEX_PROJECT, VERTEX_REGION)
        .with_base_url(Provider::Vertex, mock.server().base_url())
        .with_retry(quick_retries(2));
    mock.client(settings)
}

/// Streams from Vertex AI `times` times; each gives the `text` recording's frames.
fn streams_the_text_recording(client: &Client, times: usize) {
    for _ in 0..times {
        let chunks: Vec<_> = client
            .stream(Provider::Vertex, hello(Provider::Vertex))
            .unwrap()
            .collect();
        assert_eq!(frames(&chunks), golden_frames(Provider::Vertex, "text"));
    }
}

#[test]
fn vertex_tokens_are_fetched_once_renewed_once_and_refusals_are_auth_errors() {
    let tokens = token_endpoint();
    let mock = Mock::start(
        MockProvider::new(Provider::Vertex, recording(Provider::Vertex, "text"))
            .accept_tokens_from(tokens.server()),
    );
    let client = vertex_client(&mock, &tokens);
    streams_the_text_recording(&client, 2);
    assert_eq!(tokens.server().requests(), 1, "fetched once, then cached");

    tokens.server().revoke_all();
    let chunks: Vec<_> = client
        .stream(Provider::Vertex, hello(Provider::Vertex))
        .unwrap()
        .collect();
    assert_eq!(error_of(&chunks), None);
    let statuses: Vec<_> = mock
        .server()
        .requests()
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(statuses, [200, 200, 401, 200]);
    assert_eq!(tokens.server().requests(), 2, "renewed once");

    // The endpoint refuses: an auth error, and Vertex AI is not called.
    tokens.server().revoke_all();
    tokens.server().refuse(true);
    let fresh = vertex_client(&mock, &tokens);
    let error = fresh
        .stream(Provider::Vertex, hello(Provider::Vertex))
        .unwrap_err();
    let ProviderError::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(auth.reason, AuthFailure::MissingCredentials(_)));
    assert!(error.to_string().contains("invalid_grant"), "{error}");
    assert_eq!(mock.server().requests().len(), 4);
}

#[test]
fn the_metadata_servers_token_is_used_where_gce_metadata_host_points() {
    let tokens = Tokens::start(TokenEndpoint::new().metadata_server());
    let mock = Mock::start(
        MockProvider::new(Provider::Vertex, recording(Provider::Vertex, "text"))
            .accept_tokens_from(tokens.server()),
    );
    let host = tokens.server().addr().to_string();
    let base_url = mock.server().base_url();
    let vars = [
        ("ANTHROPIC_VERTEX_PROJECT_ID", VERTEX_PROJECT),
        ("CLOUD_ML_REGION", VERTEX_REGION),
        ("ANTHROPIC_VERTEX_BASE_URL", base_url.as_str()),
        ("GCE_METADATA_HOST", host.as_str()),
    ];
    let lookup = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let settings = Settings::from_lookup_and_files(lookup, |_| None)
        .unwrap()
        .with_retry(quick_retries(2));
    let client = mock.client(settings);
    streams_the_text_recording(&client, 2);
    // Fetched once with the header the server requires (it answers 403 without), then cached.
    assert_eq!(
        (tokens.server().requests(), tokens.server().issued()),
        (1, 1)
    );

    // The server fails: an unavailable provider (Google's libraries retry it too), Vertex AI not
    // called.
    tokens.server().refuse(true);
    let settings = Settings::from_lookup_and_files(lookup, |_| None)
        .unwrap()
        .with_retry(quick_retries(0));
    let error = mock
        .client(settings)
        .stream(Provider::Vertex, hello(Provider::Vertex))
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Unavailable { .. }),
        "{error:?}"
    );
    assert_eq!(mock.server().requests().len(), 2);
}

#[test]
fn bedrock_signs_with_container_credentials_fetched_once_and_cached() {
    use llm_sse_blocking::core::aws::AwsCredentials;
    use llm_sse_tokio::mock::CredentialsEndpoint;
    let credentials = AwsCredentials::new(
        "ASIACONTAINER0000000",
        KEY,
        Some("container-session-token".into()),
    );
    let endpoint = Served::<llm_sse_tokio::mock::CredentialsServer>::start(
        CredentialsEndpoint::new(credentials.clone()).require_authorization("task-token"),
    );
    let mock = Mock::start(
        MockProvider::new(Provider::Bedrock, recording(Provider::Bedrock, "text"))
            .require_aws_signature(credentials, AWS_REGION),
    );
    let (url, base_url) = (endpoint.server().url(), mock.server().base_url());
    let settings = |token: &'static str| {
        let vars = [
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.as_str()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token),
            ("AWS_REGION", AWS_REGION),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", base_url.as_str()),
        ];
        let lookup = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Settings::from_lookup_and_files(lookup, |_| None)
            .unwrap()
            .with_retry(quick_retries(0))
    };
    let client = mock.client(settings("task-token"));
    for _ in 0..2 {
        let chunks: Vec<_> = client
            .stream(Provider::Bedrock, hello(Provider::Bedrock))
            .unwrap()
            .collect();
        assert_eq!(frames(&chunks), golden_frames(Provider::Bedrock, "text"));
    }
    assert_eq!(endpoint.server().requests(), 1);
    assert!(
        mock.server()
            .requests()
            .iter()
            .all(|r| r.status.as_u16() == 200
                && r.header("x-amz-security-token") == Some("container-session-token"))
    );

    // Refused by the endpoint: an auth error naming it, Bedrock not called.
    let error = mock
        .client(settings("stale"))
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap_err();
    assert!(matches!(error, ProviderError::Auth(_)), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
    assert!(!format!("{error:?}").contains("task-token"));
    assert_eq!(mock.server().requests().len(), 2);
}

#[test]
fn missing_cloud_credentials_name_the_variable() {
    let client = Client::builder(Settings::new()).no_proxy().build();
    let error = client
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .unwrap_err();
    assert!(error.to_string().contains("AWS_ACCESS_KEY_ID"), "{error}");
    let settings = Settings::new()
        .with_google_credentials(Credentials::from_access_token("ya29.t").unwrap())
        .with_vertex(VERTEX_PROJECT, "")
        .with_aws(llm_sse_tests::cloud::aws_config(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", KEY),
            ("AWS_REGION", AWS_REGION),
        ]));
    assert!(!format!("{settings:?}").contains(KEY));
    let error = Client::builder(Settings::new())
        .no_proxy()
        .build()
        .stream(Provider::Vertex, hello(Provider::Vertex))
        .unwrap_err();
    assert!(
        error.to_string().contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{error}"
    );
}
