//! The other side of a token request: what Google's token endpoint does with the requests a
//! [`TokenSource`](super::TokenSource) makes, for mock token endpoints and tests.
//!
//! [`read_grant`] reads the form body, [`verify_assertion`] checks a service account's signed
//! JWT with the account's public key (RS256, ring), [`token_response`] writes a success answer
//! and [`EndpointError`] an OAuth error answer (`{"error":"invalid_grant",
//! "error_description":"..."}`), with the codes and descriptions Google's endpoint uses.
//!
//! ```
//! use llm_sse_core::google::{Credentials, TokenSource, SystemRandom};
//! use llm_sse_core::google::endpoint::{self, Grant};
//!
//! let json = std::fs::read_to_string("tests/fixtures/google/service_account.json")?;
//! let public_key = std::fs::read_to_string("tests/fixtures/google/service_account_public.pem")?;
//! let mut source = TokenSource::new(Credentials::from_json(&json)?);
//! let now = 1_764_086_400;
//! let request = source.refresh_request(now, &SystemRandom::new())?;
//!
//! // The endpoint's side.
//! let Grant::JwtBearer { assertion } = endpoint::read_grant(request.body())? else { panic!() };
//! let claims = endpoint::verify_assertion(&assertion, &public_key, now + 1)?;
//! assert_eq!(claims.iss, "llm-sse-test@llm-sse-test-project.iam.gserviceaccount.com");
//! assert_eq!(claims.scope, "https://www.googleapis.com/auth/cloud-platform");
//! let answer = endpoint::token_response("ya29.mock-1", 3600);
//!
//! // And the client's again.
//! let token = source.refresh_response(200, answer.as_bytes(), now + 1)?;
//! assert_eq!(token.expose(), "ya29.mock-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use serde::Deserialize;

use super::jwt::ASSERTION_LIFETIME_SECS;
use super::token::{JWT_BEARER_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE};

/// What a token request asks for, read from its form body. `Debug` never shows the assertion,
/// the client secret or the refresh token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// A service account's signed JWT (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`).
    JwtBearer {
        /// The assertion (a secret: never log it).
        assertion: String,
    },
    /// An authorized user's refresh token (`grant_type=refresh_token`).
    RefreshToken {
        /// The OAuth client id.
        client_id: String,
        /// The OAuth client secret (never log it).
        client_secret: String,
        /// The refresh token (never log it).
        refresh_token: String,
    },
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::JwtBearer { .. } => f
                .debug_struct("JwtBearer")
                .field("assertion", &"<redacted>")
                .finish(),
            Grant::RefreshToken { client_id, .. } => f
                .debug_struct("RefreshToken")
                .field("client_id", client_id)
                .field("client_secret", &"<redacted>")
                .field("refresh_token", &"<redacted>")
                .finish(),
        }
    }
}

/// An OAuth error answer of the token endpoint: its status, `error` code and
/// `error_description`, as Google writes them. Never holds a secret of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError {
    /// The HTTP status: `400`, or `401` for an unknown client.
    pub status: u16,
    /// The OAuth error code (`invalid_grant`, `invalid_client`, `invalid_request`,
    /// `unsupported_grant_type`).
    pub error: &'static str,
    /// The description.
    pub description: String,
}

impl EndpointError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> EndpointError {
        EndpointError {
            status,
            error,
            description: description.into(),
        }
    }

    /// `invalid_grant`, `Invalid JWT Signature.` (what Google answers an assertion signed by
    /// a key it does not know).
    pub fn invalid_signature() -> EndpointError {
        EndpointError::new(400, "invalid_grant", "Invalid JWT Signature.")
    }

    /// `invalid_grant`, `Bad Request` (what Google answers a refresh token it does not
    /// know, or one that was revoked).
    pub fn bad_refresh_token() -> EndpointError {
        EndpointError::new(400, "invalid_grant", "Bad Request")
    }

    /// `401 invalid_client`, `The OAuth client was not found.`
    pub fn unknown_client() -> EndpointError {
        EndpointError::new(401, "invalid_client", "The OAuth client was not found.")
    }

    /// `invalid_grant` with `description`, for any other refusal (a test's own).
    pub fn invalid_grant(description: impl Into<String>) -> EndpointError {
        EndpointError::new(400, "invalid_grant", description)
    }

    /// The JSON body: `{"error":"...","error_description":"..."}`.
    pub fn to_body(&self) -> String {
        serde_json::json!({"error": self.error, "error_description": self.description}).to_string()
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.error, self.description)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EndpointError {}

/// Reads a token request's form body (`application/x-www-form-urlencoded`).
///
/// # Errors
///
/// `invalid_request` for a body that is not a form or lacks a field the grant needs,
/// `unsupported_grant_type` for another grant.
pub fn read_grant(form: &str) -> Result<Grant, EndpointError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for pair in form.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(name), Some(value)) = (form_decode(name), form_decode(value)) else {
            return Err(EndpointError::new(
                400,
                "invalid_request",
                "The request body is not a form.",
            ));
        };
        fields.push((name, value));
    }
    let field = |name: &str| -> Result<String, EndpointError> {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                EndpointError::new(
                    400,
                    "invalid_request",
                    alloc::format!("Missing required parameter: {name}"),
                )
            })
    };
    let grant_type = field("grant_type")?;
    match grant_type.as_str() {
        JWT_BEARER_GRANT_TYPE => Ok(Grant::JwtBearer {
            assertion: field("assertion")?,
        }),
        REFRESH_TOKEN_GRANT_TYPE => Ok(Grant::RefreshToken {
            client_id: field("client_id")?,
            client_secret: field("client_secret")?,
            refresh_token: field("refresh_token")?,
        }),
        other => {
            let shown: String = other.chars().take(60).collect();
            Err(EndpointError::new(
                400,
                "unsupported_grant_type",
                alloc::format!("Invalid grant_type: {shown}"),
            ))
        }
    }
}

/// `+` as a space and `%XX` decoded; `None` for a broken escape or bytes that are not UTF-8.
fn form_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = core::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The claims of a service account's assertion that the endpoint checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssertionClaims {
    /// The header's `kid`: the key's id, when the file had one.
    pub kid: Option<String>,
    /// `iss`: the service account's email.
    pub iss: String,
    /// `scope`: the scopes asked for, space-separated.
    pub scope: String,
    /// `aud`: the token endpoint the assertion is for.
    pub aud: String,
    /// `iat`: when it was issued (Unix seconds).
    pub iat: u64,
    /// `exp`: when it expires (Unix seconds).
    pub exp: u64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Claims {
    iss: String,
    scope: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// How far `iat` may be from the endpoint's clock (Google tolerates a few minutes of skew).
const MAX_SKEW_SECS: u64 = 300;

/// Checks a service account's assertion as Google's token endpoint does: three base64url
/// parts, an `RS256` header, a signature that the account's public key verifies
/// (`public_key_pem`: the PKCS#1 PEM block `-----BEGIN RSA PUBLIC KEY-----`, as `openssl rsa
/// -RSAPublicKey_out` writes it), claims with `iss`, `scope`, `aud`, `iat` and `exp`, an `exp`
/// at most an hour after `iat`, and `now` between `iat` (less 5 minutes of skew) and `exp`.
/// The caller then checks `iss` and `aud` against what it expects.
///
/// # Errors
///
/// `invalid_grant`: `Invalid JWT Signature.` for a signature the key does not verify;
/// `Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable
/// timeframe. Check your iat and exp values in the JWT claim.` for the times; `Invalid JWT`
/// descriptions for a malformed one. `invalid_request` for a public key that cannot be read.
pub fn verify_assertion(
    assertion: &str,
    public_key_pem: &str,
    now: u64,
) -> Result<AssertionClaims, EndpointError> {
    let malformed =
        |what: &str| EndpointError::invalid_grant(alloc::format!("Invalid JWT: {what}"));
    let public_key = pkcs1_public_key(public_key_pem).ok_or_else(|| {
        EndpointError::new(
            400,
            "invalid_request",
            "The token endpoint's public key is not a PEM RSA PUBLIC KEY block.",
        )
    })?;
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not three dot-separated parts"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).ok();
    let header_json = decode(header).ok_or_else(|| malformed("the header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|_| malformed("the header is not a JSON object with `alg`"))?;
    if header.alg != "RS256" {
        return Err(malformed("the algorithm is not RS256"));
    }
    let signature = decode(signature).ok_or_else(|| malformed("the signature is not base64url"))?;
    let signed = &assertion[..signed_len(assertion)];
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_key)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| EndpointError::invalid_signature())?;
    let claims_json = decode(claims).ok_or_else(|| malformed("the claims are not base64url"))?;
    let claims: Claims = serde_json::from_slice(&claims_json).map_err(|_| {
        malformed("the claims are not a JSON object with iss, scope, aud, iat and exp")
    })?;
    let timely = claims.exp > claims.iat
        && claims.exp - claims.iat <= ASSERTION_LIFETIME_SECS
        && now.saturating_add(MAX_SKEW_SECS) >= claims.iat
        && now < claims.exp;
    if !timely {
        return Err(EndpointError::invalid_grant(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable \
             timeframe. Check your iat and exp values in the JWT claim.",
        ));
    }
    Ok(AssertionClaims {
        kid: header.kid,
        iss: claims.iss,
        scope: claims.scope,
        aud: claims.aud,
        iat: claims.iat,
        exp: claims.exp,
    })
}

/// The length of `header.claims`, the signed part of a JWT.
fn signed_len(jwt: &str) -> usize {
    jwt.rfind('.').unwrap_or(0)
}

/// The DER of the first `RSA PUBLIC KEY` PEM block in `pem`.
fn pkcs1_public_key(pem: &str) -> Option<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN RSA PUBLIC KEY-----";
    const END: &str = "-----END RSA PUBLIC KEY-----";
    let start = pem.find(BEGIN)? + BEGIN.len();
    let end = pem[start..].find(END)? + start;
    let text: Vec<u8> = pem[start..end]
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(text).ok().filter(|der| !der.is_empty())
}

/// A success answer: `{"access_token":"...","expires_in":N,"token_type":"Bearer"}`.
pub fn token_response(access_token: &str, expires_in: u64) -> String {
    serde_json::json!({
        "access_token": access_token,
        "expires_in": expires_in,
        "token_type": "Bearer",
    })
    .to_string()
}

impl Grant {
    /// The grant's `grant_type`.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Grant::JwtBearer { .. } => JWT_BEARER_GRANT_TYPE,
            Grant::RefreshToken { .. } => REFRESH_TOKEN_GRANT_TYPE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::ToOwned;

    #[test]
    fn forms_are_decoded() {
        assert_eq!(form_decode("a%20b+c%2B"), Some("a b c+".to_owned()));
        assert_eq!(form_decode("%zz"), None);
        assert_eq!(form_decode("%4"), None);
        assert_eq!(form_decode("%FF"), None);
        let Grant::RefreshToken {
            client_id,
            client_secret,
            refresh_token,
        } = read_grant(
            "grant_type=refresh_token&client_id=c&client_secret=s%2F1&refresh_token=1%2F%2Fr",
        )
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (
                client_id.as_str(),
                client_secret.as_str(),
                refresh_token.as_str()
            ),
            ("c", "s/1", "1//r")
        );
        assert_eq!(
            read_grant("grant_type=password").unwrap_err().error,
            "unsupported_grant_type"
        );
        assert_eq!(
            read_grant("grant_type=refresh_token&client_id=c")
                .unwrap_err()
                .description,
            "Missing required parameter: client_secret"
        );
        assert_eq!(
            read_grant("").unwrap_err().description,
            "Missing required parameter: grant_type"
        );
        let debug = alloc::format!(
            "{:?}",
            read_grant(
                "grant_type=refresh_token&client_id=c&client_secret=SECRET&refresh_token=TOKEN"
            )
            .unwrap()
        );
        assert!(
            !debug.contains("SECRET") && !debug.contains("TOKEN"),
            "{debug}"
        );
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            EndpointError::invalid_signature().to_body(),
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#
        );
        assert_eq!(EndpointError::unknown_client().status, 401);
    }
}
