//! The cloud platforms' calls: Amazon Bedrock (AWS credentials, region and endpoint from the
//! environment and the shared files; each attempt signed at its own time) and Vertex AI (project,
//! region, Google credentials; the access token fetched, cached and renewed once on a `401`).
#![cfg(all(feature = "http", feature = "google-auth"))]

use std::collections::HashMap;

use llm_sse_core::aws::sigv4::{SignableRequest, Signer};
use llm_sse_core::aws::{AwsConfig, AwsCredentials, BEDROCK_RUNTIME};
use llm_sse_core::client::{
    AccessTokens, Attempt, AuthFailure, Authorization, Call, Head, ProviderAuthError,
    ProviderError, Settings, TokenStep,
};
use llm_sse_core::google::{Credentials, SystemRandom};
use llm_sse_core::request::{ChatMessage, ChatRequest, ValidRequest};
use llm_sse_core::{Provider, StreamChunk};

const NOW: u64 = 1_764_086_400; // 2025-11-25T16:00:00Z
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SESSION: &str = "FwoGZXIvYXdzEXAMPLEsessiontoken";

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

fn no_files(_: &str) -> Option<String> {
    None
}

fn valid(provider: Provider, model: &str) -> ValidRequest {
    ChatRequest::new(model, vec![ChatMessage::user("Hi")])
        .validate(provider)
        .unwrap()
}

fn aws_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", SESSION),
        ("AWS_REGION", "us-west-2"),
    ]
}

#[test]
fn bedrock_reads_the_aws_environment_and_names_what_is_missing() {
    let s = Settings::from_lookup(env(&aws_env())).unwrap();
    assert_eq!(
        s.base_url(Provider::Bedrock),
        "https://bedrock-runtime.us-west-2.amazonaws.com"
    );
    let call = Call::new(
        &s,
        valid(
            Provider::Bedrock,
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
    )
    .unwrap();
    assert_eq!(
        call.url(),
        "https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream"
    );
    // The endpoint variable wins over the region's host.
    let mut vars = aws_env();
    vars.push(("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9"));
    let s = Settings::from_lookup(env(&vars)).unwrap();
    assert_eq!(s.base_url(Provider::Bedrock), "http://127.0.0.1:9");
    // Half a key pair, no key, no region: an auth error that names the variable.
    for (vars, names) in [
        (
            vec![("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_REGION", "us-east-1")],
            "AWS_SECRET_ACCESS_KEY",
        ),
        (vec![("AWS_REGION", "us-east-1")], "AWS_ACCESS_KEY_ID"),
        (
            vec![
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
            ],
            "AWS_REGION",
        ),
    ] {
        let s = Settings::from_lookup(env(&vars)).unwrap();
        let err = Call::new(&s, valid(Provider::Bedrock, "m")).unwrap_err();
        let ProviderError::Auth(ProviderAuthError {
            provider: Provider::Bedrock,
            reason: AuthFailure::MissingCredentials(message),
        }) = &err
        else {
            panic!("{err:?}");
        };
        assert!(message.contains(names), "{message}");
        assert!(!format!("{err} {err:?}").contains(SECRET));
    }
}

#[test]
fn a_profile_from_the_shared_files_is_read_through_the_files_closure() {
    let files = |path: &str| match path {
        "/home/u/.aws/credentials" => Some(format!(
            "[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = {SECRET}\n"
        )),
        "/home/u/.aws/config" => Some("[profile work]\nregion = eu-west-1\n".into()),
        _ => None,
    };
    let lookup = env(&[("HOME", "/home/u"), ("AWS_PROFILE", "work")]);
    let s = Settings::from_lookup_and_files(&lookup, files).unwrap();
    assert_eq!(
        s.aws().unwrap().credentials.keys().unwrap().access_key_id,
        "AKIDWORK"
    );
    assert_eq!(
        s.base_url(Provider::Bedrock),
        "https://bedrock-runtime.eu-west-1.amazonaws.com"
    );
    // Without the files, the profile is not there.
    assert!(Settings::from_lookup(&lookup).unwrap().aws().is_err());
}

#[test]
fn each_bedrock_attempt_is_signed_at_its_own_time() {
    let s = Settings::from_lookup(env(&aws_env())).unwrap();
    let call = Call::new(
        &s,
        valid(Provider::Bedrock, "anthropic.claude-3-haiku-20240307-v1:0"),
    )
    .unwrap();
    let request = call.http_request(NOW);
    let headers = request.headers();
    assert_eq!(headers["x-amz-date"], "20251125T160000Z");
    assert_eq!(headers["x-amz-security-token"], SESSION);
    assert!(headers["authorization"].is_sensitive());
    assert!(headers["x-amz-security-token"].is_sensitive());
    assert_eq!(headers["accept"], "application/vnd.amazon.eventstream");
    assert_eq!(headers["content-type"], "application/json");
    // The same signature as the signer's own for that request: the headers that are sent
    // (content-type, accept; the user agent is not signed), the body, the time.
    let creds = AwsCredentials::new("AKIDEXAMPLE", SECRET, Some(SESSION.into()));
    let signed = Signer::new(&creds, "us-west-2", "bedrock")
        .sign(
            &SignableRequest::from_url("POST", call.url())
                .unwrap()
                .header("content-type", "application/json")
                .header("accept", "application/vnd.amazon.eventstream")
                .payload(call.body()),
            NOW,
        )
        .unwrap();
    assert_eq!(headers["authorization"], signed.authorization());
    assert!(signed.authorization().starts_with(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251125/us-west-2/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="
    ));
    // A later attempt has a later date and another signature.
    let later = call.http_request(NOW + 90);
    assert_eq!(later.headers()["x-amz-date"], "20251125T160130Z");
    assert_ne!(later.headers()["authorization"], headers["authorization"]);
    // The body is Anthropic's, without model and stream, with Bedrock's version.
    let body: serde_json::Value = serde_json::from_slice(call.body()).unwrap();
    assert_eq!(body["anthropic_version"], "bedrock-2023-05-31");
    assert!(body.get("model").is_none() && body.get("stream").is_none());
    // Nothing secret in Debug.
    assert!(!format!("{call:?}").contains(SECRET));
}

#[test]
fn the_aws_secrets_are_redacted_from_every_message() {
    let s = Settings::from_lookup(env(&aws_env()))
        .unwrap()
        .with_retry(llm_sse_core::retry::RetryPolicy::NEVER);
    let call = Call::new(&s, valid(Provider::Bedrock, "m")).unwrap();
    let Attempt::Failed(err) = call.no_response(format!("echo {SECRET} {SESSION}"), 0.5) else {
        panic!("not retried");
    };
    let text = format!("{err} {err:?}");
    assert!(!text.contains(SECRET) && !text.contains(SESSION), "{text}");
}

#[test]
fn bedrock_errors_take_their_type_from_x_amzn_errortype() {
    let s = Settings::from_lookup(env(&aws_env()))
        .unwrap()
        .with_retry(llm_sse_core::retry::RetryPolicy::NEVER);
    for (status, ty, expect_auth) in [
        (403, "AccessDeniedException", true),
        (403, "UnrecognizedClientException", true),
        (403, "InvalidSignatureException", true),
        (400, "ValidationException", false),
        (429, "ThrottlingException", false),
        (503, "ServiceUnavailableException", false),
    ] {
        let call = Call::new(&s, valid(Provider::Bedrock, "m")).unwrap();
        let header = format!("{ty}:http://internal.amazon.com/coral/com.amazon.bedrock/");
        let Head::ErrorBody(body) =
            call.response(status, [("x-amzn-errortype", header.as_str())], NOW)
        else {
            panic!("an error answer");
        };
        let Attempt::Failed(err) = body.finish(br#"{"message":"the provider says no"}"#, 0.5)
        else {
            panic!("not retried");
        };
        assert_eq!(
            matches!(err, ProviderError::Auth(_)),
            expect_auth,
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(ty) && text.contains("the provider says no"),
            "{text}"
        );
    }
}

#[test]
fn retryable_bedrock_answers_are_retried() {
    let s = Settings::from_lookup(env(&aws_env())).unwrap();
    for (status, ty) in [
        (429, "ThrottlingException"),
        (429, "ModelNotReadyException"),
        (500, "InternalServerException"),
        (503, "ServiceUnavailableException"),
    ] {
        let call = Call::new(&s, valid(Provider::Bedrock, "m")).unwrap();
        let Head::ErrorBody(body) = call.response(status, [("x-amzn-errortype", ty)], NOW) else {
            panic!("an error answer");
        };
        assert!(
            matches!(body.finish(b"{}", 0.5), Attempt::Retry { .. }),
            "{status} {ty}"
        );
    }
}

fn vertex_settings() -> Settings {
    Settings::new()
        .with_google_credentials(Credentials::from_access_token("ya29.direct-token").unwrap())
        .with_vertex("my-project", "us-east5")
}

#[test]
fn vertex_needs_a_project_a_region_and_a_token() {
    let s = vertex_settings();
    assert_eq!(
        s.base_url(Provider::Vertex),
        "https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5"
    );
    let call = Call::with_access_token(
        &s,
        valid(Provider::Vertex, "claude-sonnet-4-5@20250929"),
        "ya29.direct-token",
    )
    .unwrap();
    assert_eq!(
        call.url(),
        "https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    );
    assert_eq!(
        call.headers(NOW).get("authorization"),
        Some("Bearer ya29.direct-token")
    );
    let body: serde_json::Value = serde_json::from_slice(call.body()).unwrap();
    assert_eq!(body["anthropic_version"], "vertex-2023-10-16");
    assert_eq!(body["stream"], true);
    assert!(body.get("model").is_none());
    // `global` has no region in its host; an API base of our own keeps the project path.
    let global = Settings::new().with_vertex("p", "global");
    assert_eq!(
        global.base_url(Provider::Vertex),
        "https://aiplatform.googleapis.com/v1/projects/p/locations/global"
    );
    let local = global.with_base_url(Provider::Vertex, "http://127.0.0.1:9/v1");
    assert_eq!(
        local.base_url(Provider::Vertex),
        "http://127.0.0.1:9/v1/projects/p/locations/global"
    );
    // From the environment, the variables Anthropic's SDKs read.
    let s = Settings::from_lookup(env(&[
        ("ANTHROPIC_VERTEX_PROJECT_ID", "env-project"),
        ("CLOUD_ML_REGION", "europe-west1"),
    ]))
    .unwrap();
    assert_eq!(s.vertex().unwrap(), ("env-project", "europe-west1"));
    let s = Settings::from_lookup(env(&[("CLOUD_ML_REGION", "europe-west1")])).unwrap();
    assert!(
        s.vertex()
            .unwrap_err()
            .to_string()
            .contains("ANTHROPIC_VERTEX_PROJECT_ID")
    );
    // Call::new cannot make a Vertex call: it needs the token.
    assert!(matches!(
        Call::new(&vertex_settings(), valid(Provider::Vertex, "m")),
        Err(ProviderError::Auth(_))
    ));
}

#[test]
fn access_tokens_are_fetched_cached_and_renewed_once_on_a_401() {
    let key = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/google/service_account.json"
    ))
    .unwrap();
    let s = Settings::new()
        .with_google_credentials(Credentials::from_json(&key).unwrap())
        .with_vertex("p", "us-east5");
    let mut tokens = AccessTokens::new(&s);
    #[allow(clippy::disallowed_methods)] // the test's randomness, for ring's RSA blinding
    let rng = SystemRandom::new();
    assert!(matches!(
        tokens.step(Provider::OpenAi, NOW, &rng, &no_files).unwrap(),
        TokenStep::NotNeeded
    ));
    // No token yet: a request to the key file's token URI.
    let TokenStep::Fetch(fetch) = tokens.step(Provider::Vertex, NOW, &rng, &no_files).unwrap()
    else {
        panic!("a fetch");
    };
    let request = fetch.http_request(Provider::Vertex).unwrap();
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri(), fetch.url());
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(fetch.body().starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
    ));
    assert!(!format!("{fetch:?}").contains("assertion="));
    tokens
        .fetched(
            Provider::Vertex,
            200,
            br#"{"access_token":"ya29.first","expires_in":3599,"token_type":"Bearer"}"#,
            NOW,
        )
        .unwrap();
    // Cached.
    let TokenStep::Ready(Authorization::AccessToken(token)) = tokens
        .step(Provider::Vertex, NOW + 60, &rng, &no_files)
        .unwrap()
    else {
        panic!("cached");
    };
    assert_eq!(token, "ya29.first");
    // A 401: reauthorize once with a new token, then the call goes on.
    let call = Call::with_access_token(&s, valid(Provider::Vertex, "m"), &token).unwrap();
    let Head::ErrorBody(body) = call.response(401, [("x", "y")], NOW) else {
        panic!()
    };
    let Attempt::Reauthorize { call, refused } = body.finish(br#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#, 0.5) else {
        panic!("reauthorize");
    };
    // What the call fails with when the token cannot be renewed: the provider's refusal.
    assert_eq!(
        refused.to_string(),
        "Vertex AI rejected the credentials: HTTP 401 UNAUTHENTICATED: Request had invalid authentication credentials."
    );
    assert!(tokens.is_renewable(Provider::Vertex));
    tokens.invalidate(Provider::Vertex);
    assert!(matches!(
        tokens
            .step(Provider::Vertex, NOW + 61, &rng, &no_files)
            .unwrap(),
        TokenStep::Fetch(_)
    ));
    tokens
        .fetched(
            Provider::Vertex,
            200,
            br#"{"access_token":"ya29.second","expires_in":3599,"token_type":"Bearer"}"#,
            NOW + 61,
        )
        .unwrap();
    let call = call.reauthorize("ya29.second").unwrap();
    assert_eq!(call.attempt(), 2);
    assert_eq!(
        call.http_request(NOW).headers()["authorization"],
        "Bearer ya29.second"
    );
    // A second 401 is the auth error.
    let Head::ErrorBody(body) = call.response(401, [("x", "y")], NOW) else {
        panic!()
    };
    let Attempt::Failed(err) = body.finish(b"{}", 0.5) else {
        panic!("a second 401 fails");
    };
    assert!(matches!(err, ProviderError::Auth(_)), "{err:?}");
    // A refused token request is an auth error with the endpoint's words.
    tokens.invalidate(Provider::Vertex);
    let TokenStep::Fetch(_) = tokens
        .step(Provider::Vertex, NOW + 62, &rng, &no_files)
        .unwrap()
    else {
        panic!()
    };
    let err = tokens
        .fetched(
            Provider::Vertex,
            400,
            br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            NOW + 62,
        )
        .unwrap_err();
    assert!(matches!(err, ProviderError::Auth(_)), "{err:?}");
    assert!(err.to_string().contains("Invalid JWT Signature"), "{err}");
}

#[test]
fn vertex_streams_are_anthropic_streams_named_vertex() {
    let s = vertex_settings();
    let call = Call::with_access_token(&s, valid(Provider::Vertex, "m"), "ya29.t").unwrap();
    let Head::Stream(starting) = call.response(200, [("content-type", "text/event-stream")], NOW)
    else {
        panic!()
    };
    let body = include_bytes!("../../../tests/fixtures/anthropic/text.sse");
    let mut stream = starting.first_bytes(body);
    stream.end();
    let chunks: Vec<StreamChunk> = std::iter::from_fn(|| stream.next_chunk()).collect();
    let Some(StreamChunk::Done(finish)) = chunks.last() else {
        panic!()
    };
    assert_eq!(finish.provider, Provider::Vertex);
    assert!(finish.is_success());
}

#[test]
fn settings_built_in_code() {
    let config = AwsConfig::from_lookup(&BEDROCK_RUNTIME, env(&aws_env()), no_files).unwrap();
    let s = Settings::new().with_aws(config);
    assert_eq!(s.aws().unwrap().region, "us-west-2");
    assert!(Call::new(&s, valid(Provider::Bedrock, "m")).is_ok());
}

#[test]
fn a_vertex_call_needs_its_project_and_region_before_anything_is_fetched() {
    let s =
        Settings::new().with_google_credentials(Credentials::from_access_token("ya29.t").unwrap());
    let err = Call::with_access_token(&s, valid(Provider::Vertex, "m"), "ya29.t").unwrap_err();
    assert!(
        err.to_string().contains("ANTHROPIC_VERTEX_PROJECT_ID"),
        "{err}"
    );
    #[allow(clippy::disallowed_methods)] // the test's randomness, for ring's RSA blinding
    let rng = SystemRandom::new();
    let mut tokens = AccessTokens::new(&s);
    let err = tokens
        .step(Provider::Vertex, NOW, &rng, &no_files)
        .unwrap_err();
    assert!(
        err.to_string().contains("ANTHROPIC_VERTEX_PROJECT_ID"),
        "{err}"
    );
    let s = s.with_vertex("p", "us-east5");
    assert!(matches!(
        AccessTokens::new(&s)
            .step(Provider::Vertex, NOW, &rng, &no_files)
            .unwrap(),
        TokenStep::Ready(_)
    ));
}

#[test]
fn bedrock_container_credentials_are_fetched_cached_and_signed_with() {
    use llm_sse_core::aws::container::format_expiration;
    let config = AwsConfig::from_lookup(
        &BEDROCK_RUNTIME,
        env(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:9/v1/credentials",
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/run/token"),
            ("AWS_REGION", "us-west-2"),
        ]),
        no_files,
    )
    .unwrap();
    let s = Settings::new().with_aws(config);
    // Not without the credentials.
    let err = Call::new(&s, valid(Provider::Bedrock, "m")).unwrap_err();
    assert!(
        err.to_string().contains("Call::with_authorization"),
        "{err}"
    );

    let mut tokens = AccessTokens::new(&s);
    #[allow(clippy::disallowed_methods)] // the test's randomness, for ring's RSA blinding
    let rng = SystemRandom::new();
    let token_file = |path: &str| (path == "/run/token").then(|| "pod-token-1\n".to_owned());
    // The token file is read at the fetch, and must be there.
    let err = tokens
        .step(Provider::Bedrock, NOW, &rng, &no_files)
        .unwrap_err();
    assert!(matches!(err, ProviderError::Auth(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("cannot read the authorization token file /run/token"),
        "{err}"
    );
    let TokenStep::Fetch(fetch) = tokens
        .step(Provider::Bedrock, NOW, &rng, &token_file)
        .unwrap()
    else {
        panic!("a fetch");
    };
    let request = fetch.http_request(Provider::Bedrock).unwrap();
    assert_eq!(request.method(), "GET");
    assert_eq!(request.uri(), "http://127.0.0.1:9/v1/credentials");
    assert_eq!(request.headers()["authorization"], "pod-token-1");
    assert!(request.headers()["authorization"].is_sensitive());
    assert_eq!(request.headers()["accept"], "application/json");
    assert!(request.body().is_empty());
    assert!(!format!("{fetch:?}{tokens:?}").contains("pod-token"));

    // The answer is cached until 5 minutes before it expires.
    let answer = |expires_at: u64| {
        format!(
            r#"{{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"{SECRET}","Token":"{SESSION}","Expiration":"{}","RoleArn":"arn:aws:iam::1:role/r"}}"#,
            format_expiration(expires_at).unwrap()
        )
    };
    tokens
        .fetched(Provider::Bedrock, 200, answer(NOW + 3600).as_bytes(), NOW)
        .unwrap();
    let TokenStep::Ready(authorization) = tokens
        .step(Provider::Bedrock, NOW + 3600 - 301, &rng, &no_files)
        .unwrap()
    else {
        panic!("cached");
    };
    assert!(!format!("{authorization:?}").contains(SECRET));
    let Authorization::Aws(credentials) = &authorization else {
        panic!("{authorization:?}");
    };
    assert_eq!(credentials.access_key_id, "ASIACONTAINER");
    assert!(matches!(
        tokens
            .step(Provider::Bedrock, NOW + 3600 - 300, &rng, &token_file)
            .unwrap(),
        TokenStep::Fetch(_)
    ));

    // Calls sign with them, the session token included; other providers need nothing.
    let call = Call::with_authorization(&s, valid(Provider::Bedrock, "m"), &authorization).unwrap();
    let request = call.http_request(NOW);
    assert_eq!(request.headers()["x-amz-security-token"], SESSION);
    assert!(
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .starts_with(
                "AWS4-HMAC-SHA256 Credential=ASIACONTAINER/20251125/us-west-2/bedrock/aws4_request,"
            )
    );
    assert!(matches!(
        tokens
            .step(Provider::Anthropic, NOW, &rng, &no_files)
            .unwrap(),
        TokenStep::NotNeeded
    ));

    // The endpoint failing is Unavailable, refusing is Auth with its message, silence a
    // connection error naming it; an answer without credentials is Auth.
    let unavailable = tokens
        .fetched(Provider::Bedrock, 503, b"", NOW)
        .unwrap_err();
    assert!(
        matches!(unavailable, ProviderError::Unavailable(_)),
        "{unavailable:?}"
    );
    let refused = tokens
        .fetched(
            Provider::Bedrock,
            401,
            br#"{"code":"AccessDeniedException","message":"The authorization token is missing or not valid"}"#,
            NOW,
        )
        .unwrap_err();
    assert!(matches!(refused, ProviderError::Auth(_)), "{refused:?}");
    assert!(
        refused.to_string().contains(
            "the container credentials endpoint http://127.0.0.1:9/v1/credentials \
             (AWS_CONTAINER_CREDENTIALS_FULL_URI): the credentials endpoint answered 401: The \
             authorization token is missing or not valid"
        ),
        "{refused}"
    );
    let silent = tokens.fetch_failed(Provider::Bedrock, "connection refused");
    assert!(matches!(silent, ProviderError::Connection { .. }));
    assert!(
        silent
            .to_string()
            .contains("http://127.0.0.1:9/v1/credentials"),
        "{silent}"
    );
    let invalid = tokens
        .fetched(Provider::Bedrock, 200, b"{}", NOW)
        .unwrap_err();
    assert!(
        invalid.to_string().contains("has no AccessKeyId"),
        "{invalid}"
    );
    // Invalidated, they are fetched again.
    tokens
        .fetched(Provider::Bedrock, 200, answer(NOW + 3600).as_bytes(), NOW)
        .unwrap();
    tokens.invalidate(Provider::Bedrock);
    assert!(matches!(
        tokens
            .step(Provider::Bedrock, NOW, &rng, &token_file)
            .unwrap(),
        TokenStep::Fetch(_)
    ));
}
