//! Google access tokens: the service account's JWT (byte-exact, and verified with the public
//! key), the token requests, the token endpoint's answers and errors, and the cache.

#![cfg(feature = "google-auth")]

use llm_sse_core::google::{
    AccessToken, CredentialSource, Credentials, REFRESH_MARGIN_SECS, ResponseProblem, SystemRandom,
    TokenError, TokenRequest, TokenSource, parse_token_response,
};
use llm_sse_core::request::Method;
use proptest::prelude::*;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

/// The test service account key (generated for these tests; it grants nothing).
const SERVICE_ACCOUNT: &str = include_str!("../fixtures/google/service_account.json");
/// Its public key, `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1), from `openssl rsa -RSAPublicKey_out`.
const PUBLIC_KEY_PEM: &str = include_str!("../fixtures/google/service_account_public.pem");

const NOW: u64 = 1_700_000_000;

/// The JWT the fixture's key must produce at `NOW`, made by independent code: Python's
/// `cryptography` package signing (PKCS#1 v1.5, SHA-256) the header and claims below. RS256
/// signatures are deterministic, so ours must be byte-identical.
const EXPECTED_JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InRlc3QwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwa2lkIn0.eyJpc3MiOiJsbG0tc3NlLXRlc3RAbGxtLXNzZS10ZXN0LXByb2plY3QuaWFtLmdzZXJ2aWNlYWNjb3VudC5jb20iLCJzY29wZSI6Imh0dHBzOi8vd3d3Lmdvb2dsZWFwaXMuY29tL2F1dGgvY2xvdWQtcGxhdGZvcm0iLCJhdWQiOiJodHRwczovL29hdXRoMi5nb29nbGVhcGlzLmNvbS90b2tlbiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ.DiMJVqC8dY43TiKIDcA5Vm25OWzmCs4jBJQk15Ol03czpZuOGMr33ZLYuhs0LsqIG6f6Slg4GNwK6LIGQqo9DgjDRaL7chHxEa5sMidWfFFmfvqHqXqKPxgJEplf2tBWS5biXvJQELKEy58yy9BtXKmCHfngMz5soi7IHRe9PiC35NFjLCWaxRh--TO3glDFpv3yICvZA0691F8pI9YQ4H9gqYkRYS3goJmboLo49s52NNGyoqfWzXTj7RicYcBtgbWgWoO75r2P77gt-HOZx9Kibi8uoP_Fga--mEwegLbV687qyoMEv5Sbu7SyTDoZ_y3Kudl5hrq_PDzSbuIgNg";

const EXPECTED_HEADER: &str =
    r#"{"alg":"RS256","typ":"JWT","kid":"test0000000000000000000000000000000000kid"}"#;
const EXPECTED_CLAIMS: &str = r#"{"iss":"llm-sse-test@llm-sse-test-project.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/cloud-platform","aud":"https://oauth2.googleapis.com/token","iat":1700000000,"exp":1700003600}"#;

const AUTHORIZED_USER: &str = r#"{
  "client_id": "764086051850-test.apps.googleusercontent.com",
  "client_secret": "test-client+secret/XYZ",
  "refresh_token": "1//test-refresh-token-XYZ",
  "type": "authorized_user"
}"#;

// A test is a shell: it owns the randomness the core takes as an argument.
#[allow(clippy::disallowed_methods)]
fn rng() -> SystemRandom {
    SystemRandom::new()
}

/// Test-side base64 (both alphabets, padding optional): independent of the crate's own.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => panic!("not base64: {c}"),
        };
        bits = bits << 6 | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// The PKCS#1 DER of the fixture's public key.
fn public_key_der() -> Vec<u8> {
    let body: String = PUBLIC_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    base64_decode(&body)
}

fn verify(jwt: &str) -> bool {
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key_der())
        .verify(signed.as_bytes(), &base64_decode(signature))
        .is_ok()
}

fn service_account_source(json: &str) -> TokenSource {
    TokenSource::new(Credentials::from_json(json).unwrap())
}

/// The form fields of a request body, decoded.
fn form(request: &TokenRequest) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
    request
        .body()
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect()
}

fn assertion(request: &TokenRequest) -> String {
    form(request)
        .into_iter()
        .find(|(k, _)| k == "assertion")
        .unwrap()
        .1
}

// ---- The service account's JWT --------------------------------------------------------------

#[test]
fn service_account_jwt_is_byte_exact() {
    let mut source = service_account_source(SERVICE_ACCOUNT);
    let request = source.refresh_request(NOW, &rng()).unwrap();
    let jwt = assertion(&request);
    assert_eq!(jwt, EXPECTED_JWT);

    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        String::from_utf8(base64_decode(parts[0])).unwrap(),
        EXPECTED_HEADER
    );
    assert_eq!(
        String::from_utf8(base64_decode(parts[1])).unwrap(),
        EXPECTED_CLAIMS
    );
    // base64url without padding.
    assert!(
        jwt.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "{jwt}"
    );
    // 2048-bit key: 256 signature bytes.
    assert_eq!(base64_decode(parts[2]).len(), 256);
}

#[test]
fn service_account_jwt_signature_verifies_with_the_public_key() {
    let mut source = service_account_source(SERVICE_ACCOUNT);
    for now in [NOW, 1_764_086_400, 0] {
        let jwt = assertion(&source.refresh_request(now, &rng()).unwrap());
        assert!(verify(&jwt), "{now}");
        let claims = String::from_utf8(base64_decode(jwt.split('.').nth(1).unwrap())).unwrap();
        assert!(
            claims.ends_with(&format!(r#""iat":{now},"exp":{}}}"#, now + 3600)),
            "{claims}"
        );
    }
}

#[test]
fn tampered_jwt_does_not_verify() {
    // The check above can fail: a changed claim or signature is refused.
    assert!(verify(EXPECTED_JWT));
    let (signed, signature) = EXPECTED_JWT.rsplit_once('.').unwrap();
    // `"exp":1700003600}` becomes `"exp":1700003601}` ("NjAw" is base64 for "600", "NjAx"
    // for "601").
    let later = signed.replace("NjAwfQ", "NjAxfQ");
    assert_ne!(later, signed);
    assert!(
        String::from_utf8(base64_decode(later.split('.').nth(1).unwrap()))
            .unwrap()
            .ends_with(r#""exp":1700003601}"#)
    );
    assert!(!verify(&format!("{later}.{signature}")));
    let mut bad_signature = signature.to_owned();
    bad_signature.replace_range(10..11, if &signature[10..11] == "A" { "B" } else { "A" });
    assert!(!verify(&format!("{signed}.{bad_signature}")));
}

#[test]
fn service_account_token_request() {
    let mut source = service_account_source(SERVICE_ACCOUNT);
    let request = source.refresh_request(NOW, &rng()).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://oauth2.googleapis.com/token");
    assert_eq!(
        request.headers.iter().collect::<Vec<_>>(),
        [("content-type", "application/x-www-form-urlencoded")]
    );
    assert_eq!(
        request.grant_type,
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(
        request.body(),
        format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={EXPECTED_JWT}"
        )
    );
    let debug = format!("{request:?}");
    assert!(!debug.contains(&EXPECTED_JWT[..40]), "{debug}");
    assert!(
        !debug.contains(EXPECTED_JWT.rsplit('.').next().unwrap()),
        "{debug}"
    );
    assert_eq!(
        debug,
        "TokenRequest { method: Post, url: \"https://oauth2.googleapis.com/token\", headers: \
         {\"content-type\": \"application/x-www-form-urlencoded\"}, grant_type: \
         \"urn:ietf:params:oauth:grant-type:jwt-bearer\", body: <redacted> }"
    );
}

fn edited_service_account(
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> String {
    let mut value: serde_json::Value = serde_json::from_str(SERVICE_ACCOUNT).unwrap();
    edit(value.as_object_mut().unwrap());
    value.to_string()
}

#[test]
fn jwt_without_private_key_id_has_no_kid() {
    let json = edited_service_account(|o| {
        o.remove("private_key_id");
    });
    let jwt = assertion(
        &service_account_source(&json)
            .refresh_request(NOW, &rng())
            .unwrap(),
    );
    let header = String::from_utf8(base64_decode(jwt.split('.').next().unwrap())).unwrap();
    assert_eq!(header, r#"{"alg":"RS256","typ":"JWT"}"#);
    assert!(verify(&jwt));
}

#[test]
fn jwt_audience_is_the_files_token_uri_and_strings_are_escaped() {
    let json = edited_service_account(|o| {
        o.insert("token_uri".into(), "http://127.0.0.1:8080/token".into());
        o.insert("private_key_id".into(), "k\"1\\".into());
        o.insert("client_email".into(), "a\"b@example.test".into());
    });
    let mut source = service_account_source(&json);
    let request = source.refresh_request(NOW, &rng()).unwrap();
    assert_eq!(request.url, "http://127.0.0.1:8080/token");
    let jwt = assertion(&request);
    let mut parts = jwt
        .split('.')
        .map(|p| String::from_utf8(base64_decode(p)).ok());
    assert_eq!(
        parts.next().flatten().unwrap(),
        r#"{"alg":"RS256","typ":"JWT","kid":"k\"1\\"}"#
    );
    assert_eq!(
        parts.next().flatten().unwrap(),
        r#"{"iss":"a\"b@example.test","scope":"https://www.googleapis.com/auth/cloud-platform","aud":"http://127.0.0.1:8080/token","iat":1700000000,"exp":1700003600}"#
    );
    assert!(verify(&jwt));
}

// ---- The authorized user's request ----------------------------------------------------------

#[test]
fn authorized_user_token_request() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    let request = source.refresh_request(NOW, &rng()).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://oauth2.googleapis.com/token");
    assert_eq!(request.grant_type, "refresh_token");
    assert_eq!(
        request.headers.get("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.body(),
        "grant_type=refresh_token\
         &client_id=764086051850-test.apps.googleusercontent.com\
         &client_secret=test-client%2Bsecret%2FXYZ\
         &refresh_token=1%2F%2Ftest-refresh-token-XYZ"
    );
    assert_eq!(
        form(&request),
        [
            ("grant_type", "refresh_token"),
            ("client_id", "764086051850-test.apps.googleusercontent.com"),
            ("client_secret", "test-client+secret/XYZ"),
            ("refresh_token", "1//test-refresh-token-XYZ"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let debug = format!("{request:?}{source:?}");
    assert!(
        !debug.contains("secret%2F") && !debug.contains("test-client+secret"),
        "{debug}"
    );
    assert!(!debug.contains("refresh-token-XYZ"), "{debug}");
}

#[test]
fn metadata_server_token_request() {
    let mut source = TokenSource::new(Credentials::from_metadata_server("169.254.169.254"));
    assert!(source.needs_refresh(NOW));
    let request = source.refresh_request(NOW, &rng()).unwrap();
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
    );
    assert_eq!(request.grant_type, "metadata_server");
    assert_eq!(request.headers.get("metadata-flavor"), Some("Google"));
    assert_eq!(request.headers.get("content-type"), None);
    assert_eq!(request.body(), "");
    // What the metadata server answers (the same fields as the token endpoint's).
    let body =
        br#"{"access_token":"ya29.c.metadata-token","expires_in":3599,"token_type":"Bearer"}"#;
    let token = source.refresh_response(200, body, NOW).unwrap();
    assert_eq!(token.bearer(), "Bearer ya29.c.metadata-token");
    assert_eq!(token.expires_at(), Some(NOW + 3599));
    assert!(source.token(NOW + 60).is_some());
    // Its refusal without the header is a failing status, not a token.
    let error = source
        .refresh_response(403, b"Missing required header: Metadata-Flavor", NOW)
        .unwrap_err();
    assert_eq!(error, TokenError::Status { status: 403 });
}

// ---- The token endpoint's answers -----------------------------------------------------------

fn ok(body: &str) -> Result<AccessToken, TokenError> {
    parse_token_response(200, body.as_bytes(), NOW)
}

fn invalid(problem: ResponseProblem) -> Result<AccessToken, TokenError> {
    Err(TokenError::InvalidResponse {
        status: 200,
        problem,
    })
}

#[test]
fn token_response() {
    let token =
        ok(r#"{"access_token":"ya29.c.token","expires_in":3599,"token_type":"Bearer"}"#).unwrap();
    assert_eq!(token.expose(), "ya29.c.token");
    assert_eq!(token.bearer(), "Bearer ya29.c.token");
    assert_eq!(token.expires_at(), Some(NOW + 3599));
    assert_eq!(token.fresh_until(), Some(NOW + 3599 - REFRESH_MARGIN_SECS));
    assert!(token.is_fresh(NOW + 3599 - 226));
    assert!(!token.is_fresh(NOW + 3599 - 225));
    let debug = format!("{token:?}");
    assert!(!debug.contains("ya29"), "{debug}");
    assert_eq!(
        debug,
        "AccessToken { token: <redacted>, expires_at: Some(1700003599), fresh_until: \
         Some(1700003374) }"
    );
    // Extra fields (an id_token, a scope) are ignored; any 2xx is a success.
    let token = parse_token_response(
        201,
        br#"{"id_token":"x","scope":"s","access_token":"t","expires_in":60}"#,
        NOW,
    )
    .unwrap();
    assert_eq!(token.expose(), "t");
}

#[test]
fn token_response_fields() {
    let expires = |body: &str| ok(body).map(|t| t.expires_at().unwrap() - NOW);
    // `expires_in`: a number, a string of one, or absent (an hour).
    assert_eq!(
        expires(r#"{"access_token":"t","expires_in":"3599"}"#),
        Ok(3599)
    );
    assert_eq!(
        expires(r#"{"access_token":"t","expires_in":1200.0}"#),
        Ok(1200)
    );
    assert_eq!(expires(r#"{"access_token":"t"}"#), Ok(3600));
    assert_eq!(
        expires(r#"{"access_token":"t","expires_in":null}"#),
        Ok(3600)
    );
    for bad in ["0", "-5", "1.5", "\"abc\"", "\"\"", "true", "[]", "1e300"] {
        assert_eq!(
            ok(&format!(r#"{{"access_token":"t","expires_in":{bad}}}"#)),
            invalid(ResponseProblem::InvalidExpiresIn),
            "{bad}"
        );
    }
    // `token_type`: Bearer in any case, or absent.
    assert!(ok(r#"{"access_token":"t","token_type":"bearer"}"#).is_ok());
    assert!(ok(r#"{"access_token":"t","token_type":null}"#).is_ok());
    assert_eq!(
        ok(r#"{"access_token":"t","token_type":"MAC"}"#),
        invalid(ResponseProblem::UnsupportedTokenType("MAC".to_owned()))
    );
    assert_eq!(
        ok(r#"{"access_token":"t","token_type":7}"#),
        invalid(ResponseProblem::UnsupportedTokenType("7".to_owned()))
    );
    // `access_token`: a header-safe string.
    assert_eq!(
        ok(r#"{"expires_in":3599}"#),
        invalid(ResponseProblem::MissingAccessToken)
    );
    assert_eq!(
        ok(r#"{"access_token":null}"#),
        invalid(ResponseProblem::MissingAccessToken)
    );
    for bad in ["\"\"", "\"a b\"", "\"a\\nb\"", "\"é\"", "42", "{}"] {
        assert_eq!(
            ok(&format!(r#"{{"access_token":{bad}}}"#)),
            invalid(ResponseProblem::MalformedAccessToken),
            "{bad}"
        );
    }
}

#[test]
fn token_response_bodies_that_are_not_tokens() {
    for body in ["", "ya29.token", "[]", "\"x\"", "<html>OK</html>"] {
        assert_eq!(ok(body), invalid(ResponseProblem::NotJson), "{body:?}");
    }
    let big = format!(
        r#"{{"access_token":"t","pad":"{}"}}"#,
        "x".repeat(64 * 1024)
    );
    assert_eq!(ok(&big), invalid(ResponseProblem::TooLarge));
    let error = ok("").unwrap_err();
    assert_eq!(
        error.to_string(),
        "the Google token endpoint's answer (200) is not a usable token: the body is not a JSON \
         object"
    );
    assert!(!error.is_transient());
}

#[test]
fn oauth_error_answers() {
    let error = parse_token_response(
        400,
        br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        error,
        TokenError::Rejected {
            status: 400,
            error: "invalid_grant".to_owned(),
            description: Some("Invalid JWT Signature.".to_owned()),
        }
    );
    assert_eq!(
        error.to_string(),
        "the Google token endpoint refused the request (400 invalid_grant): Invalid JWT Signature."
    );
    assert!(!error.is_transient());

    let error = parse_token_response(401, br#"{"error":"invalid_client"}"#, NOW).unwrap_err();
    assert_eq!(
        error,
        TokenError::Rejected {
            status: 401,
            error: "invalid_client".to_owned(),
            description: None,
        }
    );
    assert_eq!(
        error.to_string(),
        "the Google token endpoint refused the request (401 invalid_client)"
    );

    // An error in a 200 answer without a token is still the error.
    assert_eq!(
        parse_token_response(200, br#"{"error":"invalid_scope"}"#, NOW),
        Err(TokenError::Rejected {
            status: 200,
            error: "invalid_scope".to_owned(),
            description: None,
        })
    );

    // Long messages are shortened.
    let long = format!(
        r#"{{"error":"{}","error_description":"{}"}}"#,
        "e".repeat(500),
        "d".repeat(5000)
    );
    let Err(TokenError::Rejected {
        error, description, ..
    }) = parse_token_response(400, long.as_bytes(), NOW)
    else {
        panic!("expected Rejected");
    };
    assert_eq!(error, format!("{}…", "e".repeat(100)));
    assert_eq!(description, Some(format!("{}…", "d".repeat(1000))));
}

#[test]
fn google_json_error_answers() {
    let body = br#"{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}"#;
    assert_eq!(
        parse_token_response(400, body, NOW),
        Err(TokenError::Rejected {
            status: 400,
            error: "INVALID_ARGUMENT".to_owned(),
            description: Some("Request contains an invalid argument.".to_owned()),
        })
    );
    assert_eq!(
        parse_token_response(
            503,
            br#"{"error":{"code":503,"message":"Unavailable"}}"#,
            NOW
        ),
        Err(TokenError::Rejected {
            status: 503,
            error: "503".to_owned(),
            description: Some("Unavailable".to_owned()),
        })
    );
    assert_eq!(
        parse_token_response(500, br#"{"error":{}}"#, NOW),
        Err(TokenError::Rejected {
            status: 500,
            error: "error".to_owned(),
            description: None,
        })
    );
}

#[test]
fn failing_statuses_without_an_error_body() {
    for (status, body) in [
        (500, &b"<html>Internal Server Error</html>"[..]),
        (503, b""),
        (404, br#"{"message":"not here"}"#),
        (400, br#"{"error":42}"#),
        (302, br#"{"access_token":"t"}"#),
        (502, &[b'x'; 70_000][..]),
    ] {
        assert_eq!(
            parse_token_response(status, body, NOW),
            Err(TokenError::Status { status }),
            "{status}"
        );
    }
    assert_eq!(
        TokenError::Status { status: 502 }.to_string(),
        "the Google token endpoint answered 502"
    );
}

#[test]
fn transient_errors() {
    for (status, transient) in [
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (408, true),
        (429, true),
        (500, true),
        (503, true),
        (599, true),
    ] {
        assert_eq!(
            TokenError::Status { status }.is_transient(),
            transient,
            "{status}"
        );
        let rejected = TokenError::Rejected {
            status,
            error: "e".to_owned(),
            description: None,
        };
        assert_eq!(rejected.is_transient(), transient, "{status}");
    }
    assert!(!TokenError::Signing.is_transient());
}

// ---- The cache -----------------------------------------------------------------------------

fn token_body(token: &str, expires_in: u64) -> Vec<u8> {
    format!(r#"{{"access_token":"{token}","expires_in":{expires_in},"token_type":"Bearer"}}"#)
        .into_bytes()
}

#[test]
fn cache_is_used_until_the_margin_then_refreshed() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    assert!(source.token(NOW).is_none());
    assert!(source.needs_refresh(NOW));

    let _request = source.refresh_request(NOW, &rng()).unwrap();
    let token = source
        .refresh_response(200, &token_body("ya29.first", 3600), NOW + 2)
        .unwrap();
    assert_eq!(token.expose(), "ya29.first");
    let fresh_until = NOW + 2 + 3600 - 225;

    for now in [NOW + 2, NOW + 1000, fresh_until - 1] {
        assert_eq!(
            source.token(now).map(|t| t.expose()),
            Some("ya29.first"),
            "{now}"
        );
        assert!(!source.needs_refresh(now), "{now}");
    }
    for now in [fresh_until, NOW + 2 + 3600, u64::MAX] {
        assert!(source.token(now).is_none(), "{now}");
        assert!(source.needs_refresh(now), "{now}");
    }

    let _request = source.refresh_request(fresh_until, &rng()).unwrap();
    source
        .refresh_response(200, &token_body("ya29.second", 3600), fresh_until)
        .unwrap();
    assert_eq!(
        source.token(fresh_until).map(|t| t.expose()),
        Some("ya29.second")
    );
}

#[test]
fn short_lived_tokens_are_used_for_half_their_life() {
    let mut source = service_account_source(SERVICE_ACCOUNT);
    source
        .refresh_response(200, &token_body("short", 60), NOW)
        .unwrap();
    assert!(source.token(NOW + 29).is_some());
    assert!(source.token(NOW + 30).is_none());

    source
        .refresh_response(200, &token_body("shortest", 1), NOW)
        .unwrap();
    assert!(source.token(NOW).is_some());
    assert!(source.token(NOW + 1).is_none());
}

#[test]
fn invalidate_forces_a_refresh() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    source
        .refresh_response(200, &token_body("ya29.revoked", 3600), NOW)
        .unwrap();
    assert!(source.token(NOW + 10).is_some());

    source.invalidate(); // Vertex AI answered 401
    assert!(source.token(NOW + 10).is_none());
    assert!(source.needs_refresh(NOW + 10));
    let request = source.refresh_request(NOW + 10, &rng()).unwrap();
    assert_eq!(request.grant_type, "refresh_token");
    source
        .refresh_response(200, &token_body("ya29.new", 3600), NOW + 11)
        .unwrap();
    assert_eq!(source.token(NOW + 11).map(|t| t.expose()), Some("ya29.new"));
}

#[test]
fn failed_refresh_leaves_the_cache_unchanged() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    source
        .refresh_response(200, &token_body("ya29.kept", 3600), NOW)
        .unwrap();
    let error = source
        .refresh_response(503, b"unavailable", NOW + 5)
        .unwrap_err();
    assert_eq!(error, TokenError::Status { status: 503 });
    assert!(error.is_transient());
    assert_eq!(source.token(NOW + 5).map(|t| t.expose()), Some("ya29.kept"));

    source.invalidate();
    assert!(
        source
            .refresh_response(400, br#"{"error":"invalid_grant"}"#, NOW + 6)
            .is_err()
    );
    assert!(source.token(NOW + 6).is_none());
    assert!(source.needs_refresh(NOW + 6));
}

#[test]
fn direct_token_is_never_refreshed() {
    let credentials = Credentials::from_lookup(
        |name| (name == "CLOUDSDK_AUTH_ACCESS_TOKEN").then(|| "ya29.direct".to_owned()),
        |_| None,
    )
    .unwrap();
    let mut source = TokenSource::new(credentials);
    for now in [0, NOW, u64::MAX] {
        let token = source.token(now).unwrap();
        assert_eq!(token.bearer(), "Bearer ya29.direct");
        assert_eq!(token.expires_at(), None);
        assert_eq!(token.fresh_until(), None);
        assert!(!source.needs_refresh(now));
    }
    let not_refreshable = TokenError::NotRefreshable {
        source: CredentialSource::Environment("CLOUDSDK_AUTH_ACCESS_TOKEN"),
    };
    assert_eq!(
        source.refresh_request(NOW, &rng()),
        Err(not_refreshable.clone())
    );
    assert_eq!(
        source
            .refresh_response(200, &token_body("ya29.other", 3600), NOW)
            .map(|t| t.expose().to_owned()),
        Err(not_refreshable.clone())
    );

    source.invalidate(); // Vertex AI answered 401: an authentication error for the caller.
    assert!(source.token(NOW).is_none());
    assert!(!source.needs_refresh(NOW));
    let error = source.refresh_request(NOW, &rng()).unwrap_err();
    assert_eq!(error, not_refreshable);
    assert_eq!(
        error.to_string(),
        "the Google access token from CLOUDSDK_AUTH_ACCESS_TOKEN expired or was rejected, and \
         cannot be renewed: set a new one"
    );
    assert!(!error.is_transient());

    let mut in_code = TokenSource::new(Credentials::from_access_token("ya29.code").unwrap());
    in_code.invalidate();
    assert_eq!(
        in_code
            .refresh_request(NOW, &rng())
            .unwrap_err()
            .to_string(),
        "the Google access token from the credentials given in code expired or was rejected, \
         and cannot be renewed: set a new one"
    );
}

#[test]
fn echoed_secrets_are_redacted_from_errors() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    let _request = source.refresh_request(NOW, &rng()).unwrap();
    let body = br#"{"error":"bad 1//test-refresh-token-XYZ","error_description":"client_secret test-client+secret/XYZ and 1//test-refresh-token-XYZ are wrong"}"#;
    let error = source.refresh_response(400, body, NOW).unwrap_err();
    assert_eq!(
        error,
        TokenError::Rejected {
            status: 400,
            error: "bad <redacted>".to_owned(),
            description: Some("client_secret <redacted> and <redacted> are wrong".to_owned()),
        }
    );

    let mut source = service_account_source(SERVICE_ACCOUNT);
    let jwt = assertion(&source.refresh_request(NOW, &rng()).unwrap());
    let body =
        format!(r#"{{"error":"invalid_grant","error_description":"assertion {jwt} is bad"}}"#);
    let error = source
        .refresh_response(400, body.as_bytes(), NOW)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the Google token endpoint refused the request (400 invalid_grant): assertion <redacted> \
         is bad"
    );
}

#[test]
fn token_source_debug_shows_no_secret() {
    let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
    source
        .refresh_response(200, &token_body("ya29.secret-token", 3600), NOW)
        .unwrap();
    let debug = format!("{source:?}");
    for secret in [
        "ya29.secret-token",
        "test-client+secret/XYZ",
        "1//test-refresh-token-XYZ",
    ] {
        assert!(!debug.contains(secret), "{debug}");
    }
    assert!(debug.contains("AuthorizedUser"), "{debug}");
}

proptest! {
    /// Against a naive oracle: a token obtained at `now` that lives `expires_in` seconds is used
    /// from `now` while `t < now + expires_in - min(225, expires_in / 2)`, and never at or after
    /// its expiry.
    #[test]
    fn freshness_matches_the_oracle(
        now in 0u64..=4_000_000_000,
        expires_in in 1u64..=100_000,
        offset in 0u64..=200_000,
    ) {
        let mut source = TokenSource::new(Credentials::from_json(AUTHORIZED_USER).unwrap());
        source.refresh_response(200, &token_body("t", expires_in), now).unwrap();
        prop_assert!(source.token(now).is_some());
        prop_assert!(source.token(now + expires_in).is_none());
        let margin = if expires_in / 2 < 225 { expires_in / 2 } else { 225 };
        let fresh = now + offset < now + expires_in - margin;
        prop_assert_eq!(source.token(now + offset).is_some(), fresh);
        prop_assert_eq!(source.needs_refresh(now + offset), !fresh);
    }
}
