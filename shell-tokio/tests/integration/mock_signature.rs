//! A mock Bedrock checks each request's AWS Signature Version 4 as AWS does
//! (`MockProvider::require_aws_signature`): requests signed here with the core's signer, then
//! changed on the way, get AWS's refusals (`403`, the type in `x-amzn-errortype`, AWS's message).

use crate::mock_support;

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use llm_sse_tokio::core::Provider;
use llm_sse_tokio::core::aws::AwsCredentials;
use llm_sse_tokio::core::aws::sigv4::{SignableRequest, Signer};
use llm_sse_tokio::mock::MockProvider;
use mock_support::*;

const KEY_ID: &str = "AKIDMOCKSIGNATURE001";
const SECRET: &str = "mock/Secret+Access+Key/0123456789abcdefgh";
const REGION: &str = "eu-west-3";
const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}"#;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The signature headers of a POST of `body` to the mock's endpoint, signed by `credentials`
/// for `region` at `time`.
fn signature(
    addr: std::net::SocketAddr,
    credentials: &AwsCredentials,
    region: &str,
    body: &str,
    time: u64,
) -> Vec<(&'static str, String)> {
    let host = addr.to_string();
    let path = endpoint(Provider::Bedrock);
    let request = SignableRequest::new("POST", &host, path)
        .header("content-type", "application/json")
        .payload(body.as_bytes());
    let signed = Signer::new(credentials, region, "bedrock")
        .sign(&request, time)
        .unwrap();
    signed.headers().map(|(n, v)| (n, v.to_owned())).collect()
}

async fn fetch(
    addr: std::net::SocketAddr,
    headers: &[(&'static str, String)],
    body: &str,
) -> (StatusCode, http::HeaderMap, String) {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = send(
        addr,
        post(addr, endpoint(Provider::Bedrock), &headers, body),
    )
    .await;
    let status = response.status();
    let headers = response.headers().clone();
    let body = mock_support::body(response).await.unwrap();
    // The stream is binary: shown as text only when it is.
    let text = String::from_utf8(body.to_vec())
        .unwrap_or_else(|_| format!("<{} binary bytes>", body.len()));
    (status, headers, text)
}

#[tokio::test]
async fn a_signed_request_streams_and_every_change_is_refused_as_aws_refuses_it() {
    let credentials = AwsCredentials::new(KEY_ID, SECRET, None);
    let recording = fixture(Provider::Bedrock, "text");
    let server = MockProvider::new(Provider::Bedrock, recording.clone())
        .require_aws_signature(credentials.clone(), REGION)
        .fail_first(1, 503)
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let good = signature(addr, &credentials, REGION, BODY, now());

    let refused = |error_type: &'static str, message: &'static str| (error_type, message);
    let wrong_secret = AwsCredentials::new(KEY_ID, "another-secret", None);
    let other_key = AwsCredentials::new("AKIDSOMEONEELSE00001", SECRET, None);
    /// What is sent, its signature headers and body, and the refusal's type and message.
    type Case<'a> = (
        &'a str,
        Vec<(&'static str, String)>,
        &'a str,
        (&'a str, &'a str),
    );
    let cases: Vec<Case> = vec![
        (
            "no signature",
            vec![],
            BODY,
            refused(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            ),
        ),
        (
            "another secret",
            signature(addr, &wrong_secret, REGION, BODY, now()),
            BODY,
            refused(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
        ),
        (
            "another body",
            good.clone(),
            r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":64000,"messages":[]}"#,
            refused(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
        ),
        (
            "an unknown access key id",
            signature(addr, &other_key, REGION, BODY, now()),
            BODY,
            refused(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        ),
        (
            "another region",
            signature(addr, &credentials, "us-east-1", BODY, now()),
            BODY,
            refused(
                "InvalidSignatureException",
                "Credential should be scoped to a valid region. ",
            ),
        ),
    ];
    for (what, headers, body, (error_type, message)) in cases {
        let (status, response_headers, answer) = fetch(addr, &headers, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {answer}");
        assert_eq!(response_headers["x-amzn-errortype"], error_type, "{what}");
        assert_eq!(response_headers["content-type"], "application/json");
        assert_eq!(
            answer,
            serde_json::json!({ "message": message }).to_string(),
            "{what}"
        );
        assert!(!answer.contains(SECRET));
    }

    // Ten minutes late: AWS's clock-skew refusal.
    let late = signature(addr, &credentials, REGION, BODY, now() - 600);
    let (status, headers, answer) = fetch(addr, &late, BODY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-amzn-errortype"], "InvalidSignatureException");
    assert!(
        answer.starts_with(r#"{"message":"Signature expired: "#),
        "{answer}"
    );
    assert!(answer.ends_with(r#" - 5 min.)"}"#), "{answer}");

    // Refusals are not attempts: the first good one gets the injected 503, in AWS's shape.
    assert_eq!(server.attempts(), 0);
    let (status, headers, answer) = fetch(addr, &good, BODY).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers["x-amzn-errortype"], "ServiceUnavailableException");
    assert_eq!(
        answer,
        r#"{"message":"Bedrock is unable to process your request."}"#
    );
    let response = send(
        addr,
        post(
            addr,
            endpoint(Provider::Bedrock),
            &good
                .iter()
                .map(|(n, v)| (*n, v.as_str()))
                .collect::<Vec<_>>(),
            BODY,
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.amazon.eventstream"
    );
    assert!(mock_support::body(response).await.unwrap() == recording);
    assert_eq!(server.attempts(), 2);
}

#[tokio::test]
async fn a_session_token_must_be_the_credentials_own() {
    let credentials =
        AwsCredentials::new(KEY_ID, SECRET, None).with_session_token("FwoGZXIvYXdzEMOCKtoken");
    let server = MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, "text"))
        .require_aws_signature(credentials.clone(), REGION)
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let signed = signature(addr, &credentials, REGION, BODY, now());
    assert!(signed.iter().any(|(n, _)| *n == "x-amz-security-token"));
    let (status, _, _) = fetch(addr, &signed, BODY).await;
    assert_eq!(status, StatusCode::OK);
    // Without the token, or signed with another one.
    let without = AwsCredentials::new(KEY_ID, SECRET, None);
    let other = without
        .clone()
        .with_session_token("FwoGZXIvYXdzEOTHERtoken");
    for credentials in [without, other] {
        let (status, headers, _) = fetch(
            addr,
            &signature(addr, &credentials, REGION, BODY, now()),
            BODY,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(headers["x-amzn-errortype"], "UnrecognizedClientException");
    }
}

/// Without `require_aws_signature`, `require_api_key` checks only which access key id signed.
#[tokio::test]
async fn require_api_key_names_the_access_key_id() {
    let server = MockProvider::new(Provider::Bedrock, fixture(Provider::Bedrock, "text"))
        .require_api_key(KEY_ID)
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let anyone = AwsCredentials::new(KEY_ID, "any-secret", None);
    let (status, _, _) = fetch(addr, &signature(addr, &anyone, "any-region", BODY, 0), BODY).await;
    assert_eq!(status, StatusCode::OK);
    let other = AwsCredentials::new("AKIDSOMEONEELSE00001", "any-secret", None);
    let (status, headers, _) =
        fetch(addr, &signature(addr, &other, REGION, BODY, now()), BODY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(headers["x-amzn-errortype"], "UnrecognizedClientException");
    let (status, headers, _) = fetch(addr, &[], BODY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
}
