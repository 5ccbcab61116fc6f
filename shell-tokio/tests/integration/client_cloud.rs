//! Claude on the cloud platforms end to end, through the tokio client and the mock provider:
//! Amazon Bedrock (each attempt signed, the signature verified by the mock; AWS's errors,
//! retried or not as AWS's tools do; Bedrock's exceptions mid-stream; cuts, stalls and drops
//! between and inside event-stream messages) and Vertex AI (the access token fetched from a mock
//! token endpoint with a service account's signed assertion or an authorized user's refresh
//! token, cached, renewed once on a `401`, or from a mock metadata server found through
//! `GCE_METADATA_HOST`; Google's errors). Missing credentials name what to set; no secret ever
//! shows.

use crate::client_support;
use crate::mock_support;

use std::time::{Duration, Instant};

use client_support::*;
use llm_sse_tests::cloud::{
    AWS_REGION, VERTEX_PROJECT, VERTEX_REGION, aws_config, aws_credentials,
};
use llm_sse_tokio::core::google::Credentials;
use llm_sse_tokio::core::{StreamErrorKind, provider};
use llm_sse_tokio::mock::{MockProvider, MockServer, TokenEndpoint, TokenServer};
use llm_sse_tokio::{AuthFailure, Provider, ProviderError, Settings, StreamChunk};
use mock_support::{event_count, events_len, fixture, within};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A mock Bedrock serving `name` that verifies the tests' AWS credentials ([`SECRET`]).
fn bedrock(name: &str) -> MockProvider {
    MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, name))
        .require_aws_signature(aws_credentials(SECRET), AWS_REGION)
}

/// The provider's answer in an error that says it refused the credentials (panics on any
/// other error).
fn rejected_credentials(error: &ProviderError) -> &llm_sse_tokio::core::ApiError {
    let ProviderError::Auth(auth) = error else {
        panic!("{error:?}")
    };
    let AuthFailure::Rejected(api) = &auth.reason else {
        panic!("{auth:?}")
    };
    api
}

/// A client of the mock Bedrock with the tests' AWS credentials and `retries` quick retries.
fn bedrock_client(server: &MockServer, retries: u32) -> llm_sse_tokio::Client {
    client_with(
        settings(server)
            .with_aws(aws_config(&[
                ("AWS_ACCESS_KEY_ID", llm_sse_tests::cloud::AWS_ACCESS_KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_REGION", AWS_REGION),
            ]))
            .with_retry(fast_retries(retries)),
    )
}

#[tokio::test]
async fn bedrock_streams_every_fixture_signed_and_verified() {
    for (name, _) in mock_support::all_fixtures(Provider::Bedrock) {
        let server = bedrock(&name).start().await.unwrap();
        let mut stream =
            within(bedrock_client(&server, 0).stream(Provider::Bedrock, hello(Provider::Bedrock)))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        let chunks = collect(&mut stream).await;
        let golden = std::fs::read(
            mock_support::fixtures_dir(Provider::Bedrock).join(format!("{name}.frames")),
        )
        .unwrap();
        assert!(
            frames(&chunks) == golden,
            "{name}: {}",
            String::from_utf8_lossy(&frames(&chunks))
        );
        let request = &server.requests()[0];
        assert_eq!(request.status.as_u16(), 200, "{name}");
        assert!(
            request
                .header("authorization")
                .unwrap()
                .starts_with("AWS4-HMAC-SHA256 Credential=AKIDLLMSSETEST0000000/")
        );
    }
}

#[tokio::test]
async fn bedrock_throttling_and_unavailability_are_retried_each_attempt_signed_anew() {
    for (status, error_type) in [
        (429, "ThrottlingException"),
        (503, "ServiceUnavailableException"),
    ] {
        let server = bedrock("text").fail_first(2, status).start().await.unwrap();
        let mut stream =
            within(bedrock_client(&server, 2).stream(Provider::Bedrock, hello(Provider::Bedrock)))
                .await
                .unwrap();
        assert_eq!(stream.retries(), 2);
        let chunks = collect(&mut stream).await;
        assert!(terminal_error(&chunks).is_none());
        let requests = server.requests();
        assert_eq!(
            requests
                .iter()
                .map(|r| r.status.as_u16())
                .collect::<Vec<_>>(),
            [status, status, 200]
        );
        assert!(
            requests.iter().all(|r| r.attempt.is_some()),
            "every attempt verified"
        );

        // Out of retries: the error names AWS's type, from `x-amzn-errortype`.
        let server = bedrock("text").fail_first(9, status).start().await.unwrap();
        let error =
            within(bedrock_client(&server, 1).stream(Provider::Bedrock, hello(Provider::Bedrock)))
                .await
                .unwrap_err();
        let api = match &error {
            ProviderError::RateLimited { error, .. } | ProviderError::Unavailable(error) => error,
            other => panic!("{other:?}"),
        };
        assert_eq!(api.error_type, error_type);
        assert_eq!(server.attempts(), 2);
    }
}

#[tokio::test]
async fn bedrock_access_denied_is_an_auth_error_after_one_request() {
    let server = bedrock("text")
        .fail_first(9, 403)
        .error_message("You don't have access to the model with the specified model ID.")
        .start()
        .await
        .unwrap();
    let error =
        within(bedrock_client(&server, 3).stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap_err();
    let api = rejected_credentials(&error);
    assert_eq!(
        (api.status, api.error_type.as_str()),
        (403, "AccessDeniedException")
    );
    assert_eq!(
        error.to_string(),
        "Amazon Bedrock rejected the credentials: HTTP 403 AccessDeniedException: You don't have access to the model with the specified model ID."
    );
    assert_eq!(server.requests().len(), 1);

    // A wrong secret: the mock's own refusal, also one request.
    let server = bedrock("text").start().await.unwrap();
    let client = client_with(
        settings(&server)
            .with_aws(aws_config(&[
                ("AWS_ACCESS_KEY_ID", llm_sse_tests::cloud::AWS_ACCESS_KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
                ("AWS_REGION", AWS_REGION),
            ]))
            .with_retry(fast_retries(3)),
    );
    let error = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap_err();
    let api = rejected_credentials(&error);
    assert_eq!(api.error_type, "InvalidSignatureException");
    assert!(
        api.message
            .starts_with("The request signature we calculated does not match"),
        "{api}"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(!format!("{error} {error:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn bedrock_validation_errors_are_the_providers_message() {
    let server = bedrock("text")
        .fail_first(1, 400)
        .error_message("Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.")
        .start()
        .await
        .unwrap();
    let error =
        within(bedrock_client(&server, 2).stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap_err();
    let ProviderError::Rejected(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (api.status, api.error_type.as_str()),
        (400, "ValidationException")
    );
    assert_eq!(
        api.message,
        "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again."
    );
    assert_eq!(server.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_bedrock_exception_mid_stream_keeps_every_token() {
    let server = bedrock("error_mid_stream").start().await.unwrap();
    let mut stream =
        within(bedrock_client(&server, 0).stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap();
    let chunks = collect(&mut stream).await;
    let error = terminal_error(&chunks).expect("an error terminal chunk");
    assert_eq!(error.error_type(), "modelStreamErrorException");
    assert_eq!(error.message, "Overloaded");
    assert!(!text(&chunks).is_empty(), "the tokens before it are kept");
    let expected = core_chunks(
        Provider::Bedrock,
        &fixture(Provider::Bedrock, "error_mid_stream"),
    );
    assert_eq!(chunks, expected);
}

/// What the core makes of a whole body.
fn core_chunks(provider: Provider, bytes: &[u8]) -> Vec<StreamChunk> {
    let mut normalizer = llm_sse_tokio::core::Normalizer::new(provider);
    normalizer.feed(bytes);
    normalizer.finish();
    std::iter::from_fn(|| normalizer.next_chunk()).collect()
}

#[tokio::test]
async fn bedrock_cuts_between_and_inside_messages() {
    let recording = fixture(Provider::Bedrock, "text");
    let messages = event_count(Provider::Bedrock, &recording);
    let boundary = events_len(Provider::Bedrock, &recording, messages / 2);
    for cut in [boundary, boundary + 7] {
        let server = bedrock("text").cut_after(cut).start().await.unwrap();
        let mut stream =
            within(bedrock_client(&server, 0).stream(Provider::Bedrock, hello(Provider::Bedrock)))
                .await
                .unwrap();
        let chunks = collect(&mut stream).await;
        assert_eq!(
            terminal_error(&chunks).map(|e| e.kind.clone()),
            Some(StreamErrorKind::ConnectionError),
            "cut after {cut}"
        );
        // Every token of the messages that arrived whole is kept.
        let expected = core_chunks_then_failure(
            Provider::Bedrock,
            &recording[..cut],
            StreamErrorKind::ConnectionError,
        );
        assert_eq!(
            without_error_message(chunks),
            without_error_message(expected),
            "cut after {cut}"
        );
    }
    // The body ends cleanly inside a message: the message cut short is reported.
    let server = MockProvider::new(Provider::Bedrock, recording.slice(..boundary + 7))
        .require_aws_signature(aws_credentials(SECRET), AWS_REGION)
        .start()
        .await
        .unwrap();
    let mut stream =
        within(bedrock_client(&server, 0).stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap();
    let chunks = collect(&mut stream).await;
    assert_eq!(
        terminal_error(&chunks).unwrap().error_type(),
        "incomplete_stream"
    );
}

#[tokio::test]
async fn a_bedrock_stall_ends_with_idle_timeout() {
    let recording = fixture(Provider::Bedrock, "text");
    let stall_at = events_len(Provider::Bedrock, &recording, 3);
    let server = bedrock("text").stall_after(stall_at).start().await.unwrap();
    let idle = Duration::from_millis(300);
    let client = client_with(
        settings(&server)
            .with_aws(aws_config(&[
                ("AWS_ACCESS_KEY_ID", llm_sse_tests::cloud::AWS_ACCESS_KEY_ID),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_REGION", AWS_REGION),
            ]))
            .with_idle_timeout(idle),
    );
    let started = Instant::now();
    let mut stream = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap();
    let chunks = collect(&mut stream).await;
    assert!(started.elapsed() >= idle);
    let expected = core_chunks_then_failure(
        Provider::Bedrock,
        &recording[..stall_at],
        StreamErrorKind::IdleTimeout,
    );
    assert_eq!(
        without_error_message(chunks),
        without_error_message(expected)
    );
}

#[tokio::test]
async fn dropping_a_bedrock_stream_closes_its_connection_at_once() {
    let server = bedrock("text")
        .delay(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let stream =
        within(bedrock_client(&server, 0).stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap();
    let request = server.requests()[0].clone();
    let dropped = tokio::time::Instant::now();
    drop(stream);
    let closed = within(server.wait_for_connection_close(request.connection))
        .await
        .unwrap();
    assert!(closed.saturating_duration_since(dropped) < Duration::from_millis(100));
}

#[tokio::test]
async fn missing_cloud_credentials_name_what_to_set() {
    let client = client_with(Settings::new());
    let error = client
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .await
        .unwrap_err();
    let ProviderError::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(auth.provider, Provider::Bedrock);
    assert!(error.to_string().contains("AWS_ACCESS_KEY_ID"), "{error}");

    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    };
    let settings = Settings::from_lookup_and_files(
        env(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_REGION", "us-east-1")]),
        |_| None,
    )
    .unwrap();
    let error = client_with(settings)
        .stream(Provider::Bedrock, hello(Provider::Bedrock))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("AWS_SECRET_ACCESS_KEY"),
        "{error}"
    );

    // Vertex AI: no credentials at all, then no project, then no region.
    let settings = Settings::from_lookup_and_files(env(&[]), |_| None).unwrap();
    let error = client_with(settings)
        .stream(Provider::Vertex, hello(Provider::Vertex))
        .await
        .unwrap_err();
    let ProviderError::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(auth.reason, AuthFailure::MissingCredentials(_)));
    assert!(
        error.to_string().contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{error}"
    );
    for (vars, names) in [
        (
            &[
                ("CLOUDSDK_AUTH_ACCESS_TOKEN", "ya29.x"),
                ("CLOUD_ML_REGION", "us-east5"),
            ][..],
            "ANTHROPIC_VERTEX_PROJECT_ID",
        ),
        (
            &[
                ("CLOUDSDK_AUTH_ACCESS_TOKEN", "ya29.x"),
                ("ANTHROPIC_VERTEX_PROJECT_ID", "p"),
            ][..],
            "CLOUD_ML_REGION",
        ),
    ] {
        let vars: &'static [(&'static str, &'static str)] =
            Box::leak(vars.to_vec().into_boxed_slice());
        let settings = Settings::from_lookup_and_files(env(vars), |_| None).unwrap();
        let error = client_with(settings)
            .stream(Provider::Vertex, hello(Provider::Vertex))
            .await
            .unwrap_err();
        assert!(error.to_string().contains(names), "{error}");
        assert!(!error.to_string().contains("ya29.x"));
    }
}

#[tokio::test]
async fn bedrock_secrets_never_show() {
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLEsessiontokenSECRETPART";
    let server = MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, "text"))
        .require_aws_signature(
            aws_credentials(SECRET).with_session_token(TOKEN),
            AWS_REGION,
        )
        .fail_first(1, 400)
        .error_message(format!("echo: {SECRET} {TOKEN}"))
        .start()
        .await
        .unwrap();
    let settings = settings(&server).with_aws(aws_config(&[
        ("AWS_ACCESS_KEY_ID", llm_sse_tests::cloud::AWS_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", TOKEN),
        ("AWS_REGION", AWS_REGION),
    ]));
    let client = client_with(settings.clone());
    let error = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap_err();
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{settings:?}"),
        format!("{client:?}"),
    ] {
        assert!(!shown.contains(SECRET) && !shown.contains(TOKEN), "{shown}");
    }
    assert!(
        error.to_string().ends_with("echo: <redacted> <redacted>"),
        "{error}"
    );
}

// ------------------------------------------------------------------------------------------
// Vertex AI
// ------------------------------------------------------------------------------------------

/// The temporary credentials a container endpoint hands out in these tests.
fn container_credentials() -> llm_sse_tokio::core::aws::AwsCredentials {
    llm_sse_tokio::core::aws::AwsCredentials::new(
        "ASIACONTAINER0000000",
        SECRET,
        Some("container-session-token".into()),
    )
}

#[tokio::test]
async fn bedrock_signs_with_container_credentials_fetched_once_and_cached() {
    use llm_sse_tokio::mock::CredentialsEndpoint;
    let endpoint = CredentialsEndpoint::new(container_credentials())
        .require_authorization("pod-identity-token")
        .start()
        .await
        .unwrap();
    // The mock Bedrock takes only signatures by those credentials, session token included.
    let server = MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, "text"))
        .require_aws_signature(container_credentials(), AWS_REGION)
        .start()
        .await
        .unwrap();
    let base_url = server.base_url();
    let endpoint_url = endpoint.url();
    let token_file = std::env::temp_dir().join(format!("llm-sse-pod-token-{}", std::process::id()));
    std::fs::write(&token_file, "pod-identity-token\n").unwrap();
    let token_path = token_file.to_str().unwrap().to_owned();
    let container_vars = |authorization: (&'static str, &str)| {
        settings_from(&[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint_url.as_str()),
            authorization,
            ("AWS_REGION", AWS_REGION),
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", base_url.as_str()),
        ])
        .with_retry(fast_retries(0))
    };

    // EKS Pod Identity: the token in a file. Two calls, one fetch.
    let client = client_with(container_vars((
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        &token_path,
    )));
    for _ in 0..2 {
        let mut stream = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
            .await
            .unwrap();
        let chunks = collect(&mut stream).await;
        assert!(
            matches!(chunks.last(), Some(StreamChunk::Done(f)) if f.is_success()),
            "{chunks:?}"
        );
    }
    assert_eq!(endpoint.requests(), 1);
    assert_eq!(server.requests().len(), 2);
    assert!(server.requests().iter().all(|r| r.status.as_u16() == 200
        && r.header("x-amz-security-token") == Some("container-session-token")));

    // A wrong token: the endpoint's refusal, naming it; Bedrock is not called.
    let client = client_with(container_vars((
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "stale",
    )));
    let error = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Auth(_)), "{error:?}");
    assert!(error.to_string().contains(&endpoint_url), "{error}");
    assert!(error.to_string().contains("answered 401"), "{error}");
    // A failing endpoint is Unavailable; one that is gone a connection error naming it.
    endpoint.fail(true);
    let client = client_with(container_vars((
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "pod-identity-token",
    )));
    let error = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Unavailable(_)), "{error:?}");
    drop(endpoint);
    let error = within(client.stream(Provider::Bedrock, hello(Provider::Bedrock)))
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::Connection { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&endpoint_url), "{error}");
    assert_eq!(server.requests().len(), 2);
    for shown in [format!("{error} {error:?}"), format!("{client:?}")] {
        assert!(
            !shown.contains(SECRET) && !shown.contains("pod-identity-token"),
            "{shown}"
        );
    }
    let _ = std::fs::remove_file(&token_file);
}

fn google_fixture(name: &str) -> String {
    let path = format!(
        "{}/../core/tests/fixtures/google/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The test service account's key file, its `token_uri` at `tokens`.
fn service_account(tokens: &TokenServer) -> Credentials {
    let mut json: serde_json::Value =
        serde_json::from_str(&google_fixture("service_account.json")).unwrap();
    json["token_uri"] = tokens.url().into();
    Credentials::from_json(&json.to_string()).unwrap()
}

/// A token endpoint that knows the test service account.
async fn token_endpoint(expires_in: u64) -> TokenServer {
    let json: serde_json::Value =
        serde_json::from_str(&google_fixture("service_account.json")).unwrap();
    TokenEndpoint::new()
        .service_account(
            json["client_email"].as_str().unwrap(),
            google_fixture("service_account_public.pem"),
        )
        .authorized_user(
            "client-1.apps.googleusercontent.com",
            "client-secret-1",
            "1//refresh-token-1",
        )
        .expires_in(expires_in)
        .start()
        .await
        .unwrap()
}

/// A mock Vertex AI serving `name` that accepts the tokens of `tokens`.
async fn vertex(name: &str, tokens: &TokenServer) -> MockServer {
    MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, name))
        .accept_tokens_from(tokens)
        .start()
        .await
        .unwrap()
}

fn vertex_client(server: &MockServer, credentials: Credentials) -> llm_sse_tokio::Client {
    client_with(
        Settings::new()
            .with_google_credentials(credentials)
            .with_vertex(VERTEX_PROJECT, VERTEX_REGION)
            .with_base_url(Provider::Vertex, server.base_url())
            .with_retry(fast_retries(2)),
    )
}

/// Streams from Vertex AI `times` times; each stream ends without an error.
async fn vertex_streams(client: &llm_sse_tokio::Client, times: usize) {
    for _ in 0..times {
        let mut stream = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
            .await
            .unwrap();
        let chunks = collect(&mut stream).await;
        assert!(terminal_error(&chunks).is_none(), "{chunks:?}");
    }
}

#[tokio::test]
async fn a_service_accounts_token_is_fetched_once_and_cached() {
    let tokens = token_endpoint(3600).await;
    let server = vertex("text", &tokens).await;
    let client = vertex_client(&server, service_account(&tokens));
    vertex_streams(&client, 3).await;
    assert_eq!((tokens.requests(), tokens.issued()), (1, 1));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer ya29.mock-token-1"))
    );
    assert_eq!(
        requests[0].uri,
        "/v1/projects/llm-sse-test-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    );
}

#[tokio::test]
async fn an_authorized_users_token_expires_and_is_fetched_again() {
    let tokens = token_endpoint(2).await;
    let server = vertex("text", &tokens).await;
    let user = Credentials::from_json(
        &serde_json::json!({
            "type": "authorized_user",
            "client_id": "client-1.apps.googleusercontent.com",
            "client_secret": "client-secret-1",
            "refresh_token": "1//refresh-token-1",
            "token_uri": tokens.url(),
        })
        .to_string(),
    )
    .unwrap();
    let client = vertex_client(&server, user);
    let mut stream = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap();
    collect(&mut stream).await;
    // A 2-second token is used for its first second only.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut stream = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap();
    let chunks = collect(&mut stream).await;
    assert!(terminal_error(&chunks).is_none());
    assert_eq!(tokens.issued(), 2);
    let auth: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(
        auth,
        ["Bearer ya29.mock-token-1", "Bearer ya29.mock-token-2"]
    );
}

#[tokio::test]
async fn a_revoked_token_is_renewed_once_on_a_401() {
    let tokens = token_endpoint(3600).await;
    let server = vertex("text", &tokens).await;
    let client = vertex_client(&server, service_account(&tokens));
    let mut stream = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap();
    collect(&mut stream).await;
    tokens.revoke_all();
    let mut stream = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap();
    let chunks = collect(&mut stream).await;
    assert!(terminal_error(&chunks).is_none());
    let statuses: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.status.as_u16())
        .collect();
    assert_eq!(statuses, [200, 401, 200]);
    assert_eq!(tokens.requests(), 2);

    // A provider that refuses the new token too: the second 401 is the error, no third try.
    let server = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
        .require_api_key("a-token-nobody-has")
        .start()
        .await
        .unwrap();
    let client = vertex_client(&server, service_account(&tokens));
    let error = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap_err();
    let api = rejected_credentials(&error);
    assert_eq!(
        (api.status, api.error_type.as_str()),
        (401, "UNAUTHENTICATED")
    );
    assert_eq!(server.requests().len(), 2);

    // A token given directly cannot be renewed: the refusal is the error, after one request.
    let server = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
        .require_api_key("ya29.right")
        .start()
        .await
        .unwrap();
    let client = vertex_client(
        &server,
        Credentials::from_access_token("ya29.wrong").unwrap(),
    );
    let error = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Vertex AI rejected the credentials: HTTP 401 UNAUTHENTICATED: Request had invalid authentication credentials."
    );
    assert_eq!(server.requests().len(), 1);
    assert!(!format!("{error:?}").contains("ya29.wrong"));
}

/// Settings from this environment (no files).
fn settings_from(vars: &[(&str, &str)]) -> Settings {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_lookup_and_files(
        move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()),
        |_| None,
    )
    .unwrap()
}

#[tokio::test]
async fn the_metadata_servers_token_is_used_where_gce_metadata_host_points() {
    let tokens = TokenEndpoint::new()
        .metadata_server()
        .start()
        .await
        .unwrap();
    let server = vertex("text", &tokens).await;
    let host = tokens.addr().to_string();
    let base_url = server.base_url();
    let vertex_vars = [
        ("ANTHROPIC_VERTEX_PROJECT_ID", VERTEX_PROJECT),
        ("CLOUD_ML_REGION", VERTEX_REGION),
        ("ANTHROPIC_VERTEX_BASE_URL", base_url.as_str()),
    ];
    let mut vars = vertex_vars.to_vec();
    vars.push(("GCE_METADATA_HOST", host.as_str()));
    let client = client_with(settings_from(&vars).with_retry(fast_retries(2)));
    vertex_streams(&client, 2).await;
    // One token, fetched with the header the server requires (it answers 403 without), then
    // cached.
    assert_eq!((tokens.requests(), tokens.issued()), (1, 1));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer ya29.mock-token-1"))
    );

    // A metadata server that does not answer: a connection error naming it, Vertex not called.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_host = closed.local_addr().unwrap().to_string();
    drop(closed);
    let mut vars = vertex_vars.to_vec();
    vars.push(("GCE_METADATA_HOST", closed_host.as_str()));
    let error = within(
        client_with(settings_from(&vars).with_retry(fast_retries(0)))
            .stream(Provider::Vertex, hello(Provider::Vertex)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, ProviderError::Connection { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&closed_host), "{error}");
    assert_eq!(server.requests().len(), 2);

    // NO_GCE_CHECK turns the source off: no credentials, saying what to set.
    vars.push(("NO_GCE_CHECK", "true"));
    let error =
        within(client_with(settings_from(&vars)).stream(Provider::Vertex, hello(Provider::Vertex)))
            .await
            .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("GCE_METADATA_HOST=169.254.169.254"),
        "{error}"
    );
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error_and_calls_nothing() {
    let tokens = token_endpoint(3600).await;
    tokens.refuse(true);
    let server = vertex("text", &tokens).await;
    let client = vertex_client(&server, service_account(&tokens));
    let error = within(client.stream(Provider::Vertex, hello(Provider::Vertex)))
        .await
        .unwrap_err();
    let ProviderError::Auth(auth) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(auth.reason, AuthFailure::MissingCredentials(_)));
    assert!(
        error
            .to_string()
            .contains("Token has been expired or revoked."),
        "{error}"
    );
    assert!(server.requests().is_empty());
    assert_eq!(tokens.requests(), 1);

    // An authorized user with the wrong secret: the endpoint's refusal, no secret shown.
    let user = Credentials::from_json(
        &serde_json::json!({
            "type": "authorized_user",
            "client_id": "client-1.apps.googleusercontent.com",
            "client_secret": "not-the-client-secret",
            "refresh_token": "1//refresh-token-1",
            "token_uri": tokens.url(),
        })
        .to_string(),
    )
    .unwrap();
    tokens.refuse(false);
    let error =
        within(vertex_client(&server, user).stream(Provider::Vertex, hello(Provider::Vertex)))
            .await
            .unwrap_err();
    assert!(error.to_string().contains("invalid_client"), "{error}");
    assert!(!format!("{error} {error:?}").contains("not-the-client-secret"));
}

#[tokio::test]
async fn vertex_errors_and_faults_are_anthropics_and_googles() {
    let tokens = token_endpoint(3600).await;
    // 429 and 503 in Google's shape, retried.
    for status in [429, 503] {
        let server = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
            .accept_tokens_from(&tokens)
            .fail_first(2, status)
            .start()
            .await
            .unwrap();
        let mut stream = within(
            vertex_client(&server, service_account(&tokens))
                .stream(Provider::Vertex, hello(Provider::Vertex)),
        )
        .await
        .unwrap();
        assert_eq!(stream.retries(), 2);
        collect(&mut stream).await;
    }
    // Anthropic's overloaded error mid-stream, every token before it kept.
    let server = vertex("error_mid_stream", &tokens).await;
    let mut stream = within(
        vertex_client(&server, service_account(&tokens))
            .stream(Provider::Vertex, hello(Provider::Vertex)),
    )
    .await
    .unwrap();
    let chunks = collect(&mut stream).await;
    assert_eq!(
        terminal_error(&chunks).unwrap().error_type(),
        "overloaded_error"
    );
    assert_eq!(
        chunks,
        core_chunks(
            Provider::Vertex,
            &fixture(Provider::Vertex, "error_mid_stream")
        )
    );
    // A 400 is the provider's message.
    let server = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
        .accept_tokens_from(&tokens)
        .fail_first(1, 400)
        .error_message("anthropic_version: vertex-2023-10-16 is required")
        .start()
        .await
        .unwrap();
    let error = within(
        vertex_client(&server, service_account(&tokens))
            .stream(Provider::Vertex, hello(Provider::Vertex)),
    )
    .await
    .unwrap_err();
    let ProviderError::Rejected(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (api.error_type.as_str(), api.message.as_str()),
        (
            "INVALID_ARGUMENT",
            "anthropic_version: vertex-2023-10-16 is required"
        )
    );
    // A cut mid-stream.
    let recording = fixture(Provider::Vertex, "text");
    let cut = events_len(Provider::Vertex, &recording, 4);
    let server = MockProvider::new(Provider::Vertex, recording.clone())
        .accept_tokens_from(&tokens)
        .cut_after(cut)
        .start()
        .await
        .unwrap();
    let mut stream = within(
        vertex_client(&server, service_account(&tokens))
            .stream(Provider::Vertex, hello(Provider::Vertex)),
    )
    .await
    .unwrap();
    let chunks = collect(&mut stream).await;
    let expected = core_chunks_then_failure(
        Provider::Vertex,
        &recording[..cut],
        StreamErrorKind::ConnectionError,
    );
    assert_eq!(
        without_error_message(chunks),
        without_error_message(expected)
    );
}

/// The content types in the provider table are what the mocks answer with, and what the
/// clients accept.
#[test]
fn the_table_names_each_platforms_content_type() {
    assert_eq!(
        Provider::Bedrock.spec().stream_content_type,
        "application/vnd.amazon.eventstream"
    );
    assert_eq!(
        Provider::Vertex.spec().stream_content_type,
        "text/event-stream"
    );
    assert_eq!(
        Provider::Bedrock.spec().framing,
        provider::Framing::BedrockEventStream
    );
}
