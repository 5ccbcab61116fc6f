//! The service account's signed JWT (RFC 7523's JWT bearer grant, as Google's token endpoint
//! takes it), and the PEM decoding of its key.

use alloc::string::String;
use alloc::vec;

use ring::rand::SecureRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use super::credentials::{KeyProblem, ServiceAccount};
use super::secret::{Secret, SecretBytes};
use super::token::{CLOUD_PLATFORM_SCOPE, TokenError};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// How long a service account's assertion is valid: one hour, the most Google accepts and
/// what its libraries use.
pub const ASSERTION_LIFETIME_SECS: u64 = 3600;

const BEGIN: &str = "-----BEGIN ";
const DASHES: &str = "-----";
const PKCS8_LABEL: &str = "PRIVATE KEY";
const PKCS8_END: &str = "-----END PRIVATE KEY-----";

/// The longest PEM label an error repeats.
const MAX_LABEL_IN_ERROR: usize = 40;

/// The DER of the PKCS#8 key in `pem` (`-----BEGIN PRIVATE KEY-----`, base64,
/// `-----END PRIVATE KEY-----`; text around the block is ignored), checked by ring as an RSA
/// signing key.
pub(crate) fn pkcs8_from_pem(pem: &str) -> Result<SecretBytes, KeyProblem> {
    let start = pem.find(BEGIN).ok_or(KeyProblem::NoPemBlock)? + BEGIN.len();
    let rest = &pem[start..];
    let label_end = rest.find(DASHES).ok_or(KeyProblem::NoPemBlock)?;
    let label = &rest[..label_end];
    if label != PKCS8_LABEL {
        let mut shown: String = label.chars().take(MAX_LABEL_IN_ERROR).collect();
        if shown.len() < label.len() {
            shown.push('…');
        }
        return Err(KeyProblem::UnsupportedPemLabel(shown));
    }
    let body = &rest[label_end + DASHES.len()..];
    let body_end = body.find(PKCS8_END).ok_or(KeyProblem::MissingEndLine)?;
    // The body's lines, without their line ends and other whitespace.
    let text: alloc::vec::Vec<u8> = body[..body_end]
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let der = STANDARD
        .decode(&text)
        .map_err(|_| KeyProblem::InvalidBase64)?;
    let der = SecretBytes::new(der);
    RsaKeyPair::from_pkcs8(der.expose())
        .map_err(|e| KeyProblem::Rejected(alloc::format!("{e}")))?;
    Ok(der)
}

/// Appends `s` as a JSON string (quoted and escaped).
fn push_json_string(out: &mut String, s: &str) {
    // Serializing a `&str` cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// The JWT header: `{"alg":"RS256","typ":"JWT","kid":<private_key_id>}` (no `kid` when the
/// file has no `private_key_id`).
pub(crate) fn header(account: &ServiceAccount) -> String {
    let mut header = String::from(r#"{"alg":"RS256","typ":"JWT""#);
    if let Some(kid) = &account.private_key_id {
        header.push_str(r#","kid":"#);
        push_json_string(&mut header, kid);
    }
    header.push('}');
    header
}

/// The JWT claims: `{"iss":<client_email>,"scope":<cloud-platform>,"aud":<token_uri>,
/// "iat":<now>,"exp":<now + 3600>}`.
pub(crate) fn claims(account: &ServiceAccount, now: u64) -> String {
    let mut claims = String::from(r#"{"iss":"#);
    push_json_string(&mut claims, &account.client_email);
    claims.push_str(r#","scope":"#);
    push_json_string(&mut claims, CLOUD_PLATFORM_SCOPE);
    claims.push_str(r#","aud":"#);
    push_json_string(&mut claims, &account.token_uri);
    claims.push_str(&alloc::format!(
        r#","iat":{now},"exp":{}}}"#,
        now.saturating_add(ASSERTION_LIFETIME_SECS)
    ));
    claims
}

/// The signed assertion: `base64url(header) . base64url(claims) . base64url(signature)`, the
/// signature RSASSA-PKCS1-v1_5 with SHA-256 (`RS256`) over the first two parts.
pub(crate) fn assertion(
    account: &ServiceAccount,
    now: u64,
    rng: &dyn SecureRandom,
) -> Result<Secret, TokenError> {
    let key =
        RsaKeyPair::from_pkcs8(account.private_key.expose()).map_err(|_| TokenError::Signing)?;
    let mut jwt = String::new();
    URL_SAFE_NO_PAD.encode_string(header(account).as_bytes(), &mut jwt);
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(claims(account, now).as_bytes(), &mut jwt);
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, rng, jwt.as_bytes(), &mut signature)
        .map_err(|_| TokenError::Signing)?;
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut jwt);
    Ok(Secret::new(jwt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::ToOwned;

    #[test]
    fn pem_without_a_block_is_refused() {
        assert_eq!(pkcs8_from_pem(""), Err(KeyProblem::NoPemBlock));
        assert_eq!(
            pkcs8_from_pem("MIIEvQIBADANBg"),
            Err(KeyProblem::NoPemBlock)
        );
        assert_eq!(
            pkcs8_from_pem("-----BEGIN PRIVATE KEY"),
            Err(KeyProblem::NoPemBlock)
        );
    }

    #[test]
    fn other_pem_labels_are_named() {
        assert_eq!(
            pkcs8_from_pem(
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
            ),
            Err(KeyProblem::UnsupportedPemLabel(
                "RSA PRIVATE KEY".to_owned()
            ))
        );
        assert_eq!(
            pkcs8_from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
            Err(KeyProblem::UnsupportedPemLabel(
                "ENCRYPTED PRIVATE KEY".to_owned()
            ))
        );
        let long = alloc::format!("-----BEGIN {}-----", "X".repeat(100));
        let Err(KeyProblem::UnsupportedPemLabel(label)) = pkcs8_from_pem(&long) else {
            panic!("expected UnsupportedPemLabel");
        };
        assert_eq!(label, alloc::format!("{}…", "X".repeat(40)));
    }

    #[test]
    fn missing_end_line_and_bad_base64_are_refused() {
        assert_eq!(
            pkcs8_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n"),
            Err(KeyProblem::MissingEndLine)
        );
        assert_eq!(
            pkcs8_from_pem("-----BEGIN PRIVATE KEY-----\nAA*A\n-----END PRIVATE KEY-----\n"),
            Err(KeyProblem::InvalidBase64)
        );
    }

    #[test]
    fn bytes_that_are_not_a_key_are_rejected_by_ring() {
        let Err(KeyProblem::Rejected(reason)) =
            pkcs8_from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        else {
            panic!("expected Rejected");
        };
        assert_eq!(reason, "InvalidEncoding");
    }
}
