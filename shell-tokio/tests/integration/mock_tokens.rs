//! The mock token endpoint (`TokenEndpoint`) answers token requests as Google's does: tokens for
//! known credentials, OAuth errors for the rest, `404` elsewhere; what it issued, a mock
//! Vertex AI accepts until it expires or is revoked.

use crate::mock_support;

use http::StatusCode;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::core::google::{Credentials, SystemRandom, TokenSource};
use llm_sse_tokio::mock::{MockProvider, TokenEndpoint};
use mock_support::*;

fn google_fixture(name: &str) -> String {
    let path = format!(
        "{}/../core/tests/fixtures/google/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn token_post(
    addr: std::net::SocketAddr,
    path: &str,
    form: &str,
) -> (StatusCode, serde_json::Value) {
    let request = http::Request::post(format!("http://{addr}{path}"))
        .header("host", addr.to_string())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            form.to_owned(),
        )))
        .unwrap();
    let response = send(addr, request).await;
    let status = response.status();
    let body = body(response).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn tokens_for_known_credentials_and_oauth_errors_for_the_rest() {
    let key: serde_json::Value =
        serde_json::from_str(&google_fixture("service_account.json")).unwrap();
    let tokens = TokenEndpoint::new()
        .service_account(
            key["client_email"].as_str().unwrap(),
            google_fixture("service_account_public.pem"),
        )
        .authorized_user("c1", "s1", "r1")
        .expires_in(120)
        .start()
        .await
        .unwrap();
    let addr = tokens.addr();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    #[allow(clippy::disallowed_methods)]
    let rng = SystemRandom::new();

    // The service account, its assertion addressed to this endpoint.
    let mut json = key.clone();
    json["token_uri"] = tokens.url().into();
    let mut source = TokenSource::new(Credentials::from_json(&json.to_string()).unwrap());
    let request = source.refresh_request(now, &rng).unwrap();
    let (status, answer) = token_post(addr, "/token", request.body()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        answer,
        serde_json::json!({"access_token": "ya29.mock-token-1", "expires_in": 120, "token_type": "Bearer"})
    );

    // Addressed to Google's endpoint, not this one.
    let mut source = TokenSource::new(Credentials::from_json(&key.to_string()).unwrap());
    let request = source.refresh_request(now, &rng).unwrap();
    let (status, answer) = token_post(addr, "/token", request.body()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"], "invalid_grant");
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("audience"),
        "{answer}"
    );

    // Authorized users: right, wrong refresh token, unknown client.
    for (form, status, error) in [
        (
            "grant_type=refresh_token&client_id=c1&client_secret=s1&refresh_token=r1",
            200,
            None,
        ),
        (
            "grant_type=refresh_token&client_id=c1&client_secret=s1&refresh_token=r2",
            400,
            Some("invalid_grant"),
        ),
        (
            "grant_type=refresh_token&client_id=c1&client_secret=s2&refresh_token=r1",
            401,
            Some("invalid_client"),
        ),
        (
            "grant_type=password&username=u",
            400,
            Some("unsupported_grant_type"),
        ),
    ] {
        let (got, answer) = token_post(addr, "/token", form).await;
        assert_eq!(got.as_u16(), status, "{form}: {answer}");
        assert_eq!(answer["error"].as_str(), error, "{form}");
    }
    let (status, _) = token_post(addr, "/oauth2/v4/token", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((tokens.requests(), tokens.issued()), (6, 2));

    // What it issued, a mock Vertex AI takes until revoked.
    let vertex = MockProvider::new(Provider::Vertex, fixture(Provider::Vertex, "text"))
        .accept_tokens_from(&tokens)
        .start()
        .await
        .unwrap();
    let call = |token: &'static str| {
        let addr = vertex.addr();
        async move {
            let auth = format!("Bearer {token}");
            send(
                addr,
                post(
                    addr,
                    endpoint(Provider::Vertex),
                    &[("authorization", &auth)],
                    "{}",
                ),
            )
            .await
            .status()
        }
    };
    assert_eq!(call("ya29.mock-token-1").await, StatusCode::OK);
    assert_eq!(call("ya29.mock-token-2").await, StatusCode::OK);
    assert_eq!(call("ya29.mock-token-3").await, StatusCode::UNAUTHORIZED);
    tokens.revoke_all();
    assert_eq!(call("ya29.mock-token-1").await, StatusCode::UNAUTHORIZED);
    assert!(!format!("{tokens:?}").contains("ya29"));
}

/// `GET http://{addr}{path}` with `headers`: status, `Metadata-Flavor` and content type, body.
async fn metadata_get(
    addr: std::net::SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>, Option<String>, String) {
    let mut request =
        http::Request::get(format!("http://{addr}{path}")).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = send(addr, request.body(http_body_util::Full::default()).unwrap()).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, flavor, content_type) = (
        response.status().as_u16(),
        header("metadata-flavor"),
        header("content-type"),
    );
    let body = String::from_utf8(body(response).await.unwrap().to_vec()).unwrap();
    (status, flavor, content_type, body)
}

#[tokio::test]
async fn as_a_metadata_server_it_serves_what_google_auth_reads() {
    use llm_sse_tokio::mock::{METADATA_ACCOUNT_EMAIL, METADATA_PROJECT_ID};
    let tokens = TokenEndpoint::new()
        .metadata_server()
        .expires_in(600)
        .start()
        .await
        .unwrap();
    let addr = tokens.addr();
    let flavor = [("metadata-flavor", "Google")];
    let google = Some("Google".to_owned());

    // The detection ping, with or without the header.
    for headers in [&flavor[..], &[]] {
        let (status, got_flavor, _, body) = metadata_get(addr, "/", headers).await;
        assert_eq!(
            (status, got_flavor, body.as_str()),
            (200, google.clone(), "computeMetadata/\n")
        );
    }
    // The project id and the account's description.
    let (status, _, _, body) =
        metadata_get(addr, "/computeMetadata/v1/project/project-id", &flavor).await;
    assert_eq!((status, body.as_str()), (200, METADATA_PROJECT_ID));
    for account in ["default", METADATA_ACCOUNT_EMAIL] {
        let path =
            format!("/computeMetadata/v1/instance/service-accounts/{account}/?recursive=true");
        let (status, got_flavor, content_type, body) = metadata_get(addr, &path, &flavor).await;
        assert_eq!((status, got_flavor), (200, google.clone()), "{body}");
        assert!(content_type.unwrap().starts_with("application/json"));
        let info: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(info["email"], METADATA_ACCOUNT_EMAIL);
        assert_eq!(
            info["scopes"],
            serde_json::json!(["https://www.googleapis.com/auth/cloud-platform"])
        );
    }
    // Tokens, by the alias or the email, with google-auth's query; without the header, 403.
    for (n, account) in [(1, "default"), (2, METADATA_ACCOUNT_EMAIL)] {
        let path = format!(
            "/computeMetadata/v1/instance/service-accounts/{account}/token?scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform"
        );
        let (status, got_flavor, _, body) = metadata_get(addr, &path, &flavor).await;
        assert_eq!((status, got_flavor), (200, google.clone()), "{body}");
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            answer,
            serde_json::json!({"access_token": format!("ya29.mock-token-{n}"), "expires_in": 600, "token_type": "Bearer"})
        );
    }
    for path in [
        "/computeMetadata/v1/instance/service-accounts/default/token",
        "/computeMetadata/v1/instance/service-accounts/default/",
        "/computeMetadata/v1/project/project-id",
    ] {
        let (status, got_flavor, _, body) = metadata_get(addr, path, &[]).await;
        assert_eq!((status, got_flavor), (403, google.clone()), "{path}");
        assert_eq!(
            body,
            "Missing required header \"Metadata-Flavor\": \"Google\"\n"
        );
    }
    // Another account, or another path: not served.
    for path in [
        "/computeMetadata/v1/instance/service-accounts/other@x.iam.gserviceaccount.com/token",
        "/computeMetadata/v1/instance/hostname",
    ] {
        let (status, ..) = metadata_get(addr, path, &flavor).await;
        assert_eq!(status, 404, "{path}");
    }
    // Token requests are counted answered or refused: two answered, one refused.
    assert_eq!((tokens.requests(), tokens.issued()), (3, 2));
}
