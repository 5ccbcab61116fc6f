//! The token endpoint's side of a service account's and an authorized user's token requests
//! (`google::endpoint`): what a mock token endpoint accepts and refuses.
#![cfg(feature = "google-auth")]

use llm_sse_core::google::endpoint::{self, EndpointError, Grant};
use llm_sse_core::google::{Credentials, SystemRandom, TokenSource};

const NOW: u64 = 1_764_086_400;

/// The operating system's randomness (ring blinds its RSA signatures with it).
#[allow(clippy::disallowed_methods)]
fn rng() -> SystemRandom {
    SystemRandom::new()
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/google/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assertion(now: u64) -> String {
    let mut source =
        TokenSource::new(Credentials::from_json(&fixture("service_account.json")).unwrap());
    let request = source.refresh_request(now, &rng()).unwrap();
    match endpoint::read_grant(request.body()).unwrap() {
        Grant::JwtBearer { assertion } => assertion,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_test_keys_assertion_verifies_with_its_public_key() {
    let key = fixture("service_account_public.pem");
    let jwt = assertion(NOW);
    let claims = endpoint::verify_assertion(&jwt, &key, NOW).unwrap();
    assert_eq!(
        claims.iss,
        "llm-sse-test@llm-sse-test-project.iam.gserviceaccount.com"
    );
    assert_eq!(claims.aud, "https://oauth2.googleapis.com/token");
    assert_eq!(
        claims.scope,
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert_eq!((claims.iat, claims.exp), (NOW, NOW + 3600));
    assert_eq!(
        claims.kid.as_deref(),
        Some("test0000000000000000000000000000000000kid")
    );
    // A few minutes of skew either way, up to the expiry.
    assert!(endpoint::verify_assertion(&jwt, &key, NOW - 300).is_ok());
    assert!(endpoint::verify_assertion(&jwt, &key, NOW + 3599).is_ok());
    let stale = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
    for now in [NOW - 301, NOW + 3600] {
        let error = endpoint::verify_assertion(&jwt, &key, now).unwrap_err();
        assert_eq!(
            (error.status, error.error, error.description.as_str()),
            (400, "invalid_grant", stale)
        );
    }
}

#[test]
fn a_changed_assertion_is_refused() {
    let key = fixture("service_account_public.pem");
    let jwt = assertion(NOW);
    let parts: Vec<&str> = jwt.split('.').collect();
    // Claims of another account under the same signature.
    let other_claims = {
        use std::fmt::Write as _;
        let json = format!(
            r#"{{"iss":"mallory@example.com","scope":"https://www.googleapis.com/auth/cloud-platform","aud":"https://oauth2.googleapis.com/token","iat":{NOW},"exp":{}}}"#,
            NOW + 3600
        );
        let mut out = String::new();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for chunk in json.as_bytes().chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                let _ = out.write_char(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    };
    let forged = format!("{}.{other_claims}.{}", parts[0], parts[2]);
    assert_eq!(
        endpoint::verify_assertion(&forged, &key, NOW),
        Err(EndpointError::invalid_signature())
    );
    let mut signature = parts[2].to_owned();
    let last = signature.pop().unwrap();
    signature.push(if last == 'A' { 'B' } else { 'A' });
    let flipped = format!("{}.{}.{signature}", parts[0], parts[1]);
    assert_eq!(
        endpoint::verify_assertion(&flipped, &key, NOW),
        Err(EndpointError::invalid_signature())
    );
    // `alg: none` and other shapes.
    let none = format!("eyJhbGciOiJub25lIn0.{}.", parts[1]);
    assert_eq!(
        endpoint::verify_assertion(&none, &key, NOW)
            .unwrap_err()
            .description,
        "Invalid JWT: the algorithm is not RS256"
    );
    for bad in ["", "a.b", "a.b.c.d", "!.!.!"] {
        let error = endpoint::verify_assertion(bad, &key, NOW).unwrap_err();
        assert_eq!(error.error, "invalid_grant", "{bad}");
    }
    assert_eq!(
        endpoint::verify_assertion(&jwt, "not a key", NOW)
            .unwrap_err()
            .error,
        "invalid_request"
    );
}

#[test]
fn an_authorized_users_request_reads_back() {
    let json = r#"{"type":"authorized_user","client_id":"123.apps.googleusercontent.com","client_secret":"s3cr3t/+=","refresh_token":"1//0g-refresh","token_uri":"http://127.0.0.1:9/token"}"#;
    let mut source = TokenSource::new(Credentials::from_json(json).unwrap());
    let request = source.refresh_request(NOW, &rng()).unwrap();
    assert_eq!(request.url, "http://127.0.0.1:9/token");
    assert_eq!(
        endpoint::read_grant(request.body()).unwrap(),
        Grant::RefreshToken {
            client_id: "123.apps.googleusercontent.com".into(),
            client_secret: "s3cr3t/+=".into(),
            refresh_token: "1//0g-refresh".into(),
        }
    );
    // The answers a token source reads.
    let token = source
        .refresh_response(200, endpoint::token_response("ya29.x", 60).as_bytes(), NOW)
        .unwrap();
    assert_eq!(
        (token.expose(), token.expires_at()),
        ("ya29.x", Some(NOW + 60))
    );
    let refused = EndpointError::bad_refresh_token();
    let error = source
        .refresh_response(refused.status, refused.to_body().as_bytes(), NOW)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the Google token endpoint refused the request (400 invalid_grant): Bad Request"
    );
}
