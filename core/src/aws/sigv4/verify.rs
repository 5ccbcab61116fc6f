//! Checking a signature as an AWS service does: [`Signer::verify`], for mock servers and tests.
//!
//! The server holds the credentials it expects, the region and the service; it takes the
//! request as it arrived (method, `Host`, path and query as sent, every header, the body),
//! reads `authorization`, recomputes the signature over the headers it names, and refuses
//! the request with AWS's own error type and message when anything is off ([`VerifyError`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};

use super::{ALGORITHM, AmzDate, Payload, SignableRequest, Signer, hex, trim_all};

/// How far the time of a signature may be from the server's clock: 5 minutes, as most AWS
/// services allow.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// Why a server refuses a request's signature: each is an AWS error type with AWS's own
/// message ([`error_type`](VerifyError::error_type), `Display`), answered with `403`
/// ([`status`](VerifyError::status)).
///
/// No message repeats the `authorization` header, a secret or a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `authorization` header: `MissingAuthenticationTokenException`, "Missing
    /// Authentication Token".
    MissingAuthentication,
    /// An `authorization` header that is not a whole SigV4 one, or no `x-amz-date`:
    /// `IncompleteSignatureException`, with what is missing or malformed.
    Incomplete(String),
    /// The access key id is not the server's, or the session token is missing, unexpected or
    /// wrong: `UnrecognizedClientException`, "The security token included in the request is
    /// invalid."
    UnrecognizedClient,
    /// The credential scope's date, region, service or terminator is wrong, or `host` is
    /// not signed: `InvalidSignatureException`, saying which.
    InvalidScope(String),
    /// The signature is more than [`MAX_CLOCK_SKEW_SECS`] older than the server's clock:
    /// `InvalidSignatureException`, "Signature expired: ... is now earlier than ...".
    Expired {
        /// The request's `x-amz-date`.
        signed: String,
        /// The server's time, as `x-amz-date` writes it.
        now: String,
        /// The earliest time accepted.
        earliest: String,
    },
    /// The signature is more than [`MAX_CLOCK_SKEW_SECS`] ahead of the server's clock:
    /// `InvalidSignatureException`, "Signature not yet current: ... is still later than ...".
    NotYetCurrent {
        /// The request's `x-amz-date`.
        signed: String,
        /// The server's time.
        now: String,
        /// The latest time accepted.
        latest: String,
    },
    /// The signature is not the one the server computes: `InvalidSignatureException`, "The
    /// request signature we calculated does not match the signature you provided...".
    SignatureMismatch,
}

impl VerifyError {
    /// AWS's error type, which AWS sends in the `x-amzn-ErrorType` header.
    pub fn error_type(&self) -> &'static str {
        match self {
            VerifyError::MissingAuthentication => "MissingAuthenticationTokenException",
            VerifyError::Incomplete(_) => "IncompleteSignatureException",
            VerifyError::UnrecognizedClient => "UnrecognizedClientException",
            VerifyError::InvalidScope(_)
            | VerifyError::Expired { .. }
            | VerifyError::NotYetCurrent { .. }
            | VerifyError::SignatureMismatch => "InvalidSignatureException",
        }
    }

    /// The HTTP status of the answer: `403`.
    pub fn status(&self) -> u16 {
        403
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingAuthentication => f.write_str("Missing Authentication Token"),
            VerifyError::Incomplete(message) | VerifyError::InvalidScope(message) => {
                f.write_str(message)
            }
            VerifyError::UnrecognizedClient => {
                f.write_str("The security token included in the request is invalid.")
            }
            VerifyError::Expired {
                signed,
                now,
                earliest,
            } => write!(
                f,
                "Signature expired: {signed} is now earlier than {earliest} ({now} - 5 min.)"
            ),
            VerifyError::NotYetCurrent {
                signed,
                now,
                latest,
            } => write!(
                f,
                "Signature not yet current: {signed} is still later than {latest} ({now} + 5 min.)"
            ),
            VerifyError::SignatureMismatch => f.write_str(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for VerifyError {}

/// The parts of an `authorization` header.
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

/// Reads `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|rest| rest.starts_with(' '))
        .unwrap_or("");
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else {
            let mut shown: String = part.chars().take(120).collect();
            if shown.len() < part.len() {
                shown.push('…');
            }
            return Err(VerifyError::Incomplete(alloc::format!(
                "'{shown}' not a valid key=value pair (missing equal-sign) in Authorization header"
            )));
        };
        match name {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none() {
            if !missing.is_empty() {
                missing.push(' ');
            }
            missing.push_str("Authorization header requires '");
            missing.push_str(name);
            missing.push_str("' parameter.");
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(VerifyError::Incomplete(missing));
    };
    let mut scope = credential.split('/');
    let mut next = || scope.next().unwrap_or("");
    let (access_key_id, date, region, service, terminator) =
        (next(), next(), next(), next(), next());
    let parts = [access_key_id, date, region, service, terminator];
    if parts.iter().any(|p| p.is_empty()) || scope.next().is_some() {
        return Err(VerifyError::Incomplete(String::from(
            "Credential should have exactly 5 parts: \
             access-key-id/yyyyMMdd/region/service/aws4_request",
        )));
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        terminator,
        signed_headers,
        signature,
    })
}

/// The first value of header `name` (case-insensitive) in `request`.
fn header<'a>(request: &SignableRequest<'a>, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Equal strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Signer<'_> {
    /// Checks `request`, as a server received it, against this signer's credentials, region
    /// and service at the server's time `now` (Unix seconds), the way AWS services do.
    ///
    /// `request` holds every header that arrived, `authorization`, `x-amz-date` and
    /// `x-amz-security-token` among them; its [`host`](SignableRequest::host) is the `Host`
    /// header (or HTTP/2's `:authority`), its path and query exactly as sent, its payload the
    /// body. The headers named in the signature's `SignedHeaders` are signed with the values
    /// that arrived; `host` must be one of them.
    ///
    /// # Errors
    ///
    /// The first problem found, in this order ([`VerifyError`]): no `authorization`; an
    /// incomplete one or no valid `x-amz-date`; an unknown access key id or a wrong session
    /// token; a credential scope of another date, region or service, or `host` unsigned; a
    /// time more than 5 minutes off; a signature that does not match.
    ///
    /// ```
    /// use llm_sse_core::aws::AwsCredentials;
    /// use llm_sse_core::aws::sigv4::{SignableRequest, Signer, VerifyError};
    ///
    /// let credentials = AwsCredentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
    /// let signer = Signer::new(&credentials, "us-east-1", "bedrock");
    /// let body = br#"{"max_tokens":64}"#;
    /// let sent = SignableRequest::new("POST", "127.0.0.1:8080", "/model/m/invoke-with-response-stream")
    ///     .header("content-type", "application/json")
    ///     .payload(body);
    /// let signed = signer.sign(&sent, 1_767_225_600)?;
    ///
    /// // What the server received: the request's headers and the signature's.
    /// let added: Vec<(&str, &str)> = signed.headers().collect();
    /// let mut received = sent.clone().headers(added);
    /// assert_eq!(signer.verify(&received, 1_767_225_600 + 60), Ok(()));
    /// let late = signer.verify(&received, 1_767_225_600 + 301).unwrap_err();
    /// assert_eq!(late.error_type(), "InvalidSignatureException");
    /// assert!(late.to_string().starts_with("Signature expired: 20260101T000000Z is now earlier than"));
    ///
    /// // Another body under the same signature.
    /// received = received.payload(b"{}");
    /// assert_eq!(signer.verify(&received, 1_767_225_600), Err(VerifyError::SignatureMismatch));
    /// # Ok::<(), llm_sse_core::aws::sigv4::SignError>(())
    /// ```
    pub fn verify(&self, request: &SignableRequest<'_>, now: u64) -> Result<(), VerifyError> {
        let authorization =
            header(request, "authorization").ok_or(VerifyError::MissingAuthentication)?;
        let auth = parse_authorization(authorization.trim())?;
        let amz_date = header(request, "x-amz-date").ok_or_else(|| {
            VerifyError::Incomplete(String::from(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
                 header.",
            ))
        })?;
        let (time, signed_at) = AmzDate::parse(amz_date.trim()).ok_or_else(|| {
            VerifyError::Incomplete(String::from(
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
            ))
        })?;

        if !same(auth.access_key_id, &self.credentials.access_key_id) {
            return Err(VerifyError::UnrecognizedClient);
        }
        let expected_token = self
            .credentials
            .session_token
            .as_ref()
            .map(|t| t.expose())
            .filter(|t| !t.is_empty());
        match (expected_token, header(request, "x-amz-security-token")) {
            (None, None) => {}
            (Some(expected), Some(got)) if same(expected, got.trim()) => {}
            _ => return Err(VerifyError::UnrecognizedClient),
        }

        if auth.date != time.date() {
            return Err(VerifyError::InvalidScope(alloc::format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{:.8}' != '{}', from '{}'.",
                auth.date,
                time.date(),
                "X-Amz-Date"
            )));
        }
        if auth.region != self.region {
            return Err(VerifyError::InvalidScope(String::from(
                "Credential should be scoped to a valid region. ",
            )));
        }
        if auth.service != self.service {
            return Err(VerifyError::InvalidScope(alloc::format!(
                "Credential should be scoped to correct service: '{}'. ",
                self.service
            )));
        }
        if auth.terminator != "aws4_request" {
            return Err(VerifyError::InvalidScope(alloc::format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not \
                 '{:.20}'. ",
                auth.terminator
            )));
        }

        let show = |t: u64| super::amz_date(t).unwrap_or_default();
        if signed_at.saturating_add(MAX_CLOCK_SKEW_SECS) < now {
            return Err(VerifyError::Expired {
                signed: String::from(time.date_time()),
                now: show(now),
                earliest: show(now - MAX_CLOCK_SKEW_SECS),
            });
        }
        if signed_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
            return Err(VerifyError::NotYetCurrent {
                signed: String::from(time.date_time()),
                now: show(now),
                latest: show(now + MAX_CLOCK_SKEW_SECS),
            });
        }

        // The signed headers, with the values that arrived.
        let mut names: Vec<String> = auth
            .signed_headers
            .split(';')
            .map(|n| n.trim().to_ascii_lowercase())
            .collect();
        if !names.iter().any(|n| n == "host") {
            return Err(VerifyError::InvalidScope(String::from(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            )));
        }
        names.sort();
        names.dedup();
        let mut headers: Vec<(String, String)> = Vec::with_capacity(names.len());
        for name in &names {
            let mut found = false;
            for &(n, v) in &request.headers {
                if n.eq_ignore_ascii_case(name) {
                    headers.push((name.clone(), trim_all(v)));
                    found = true;
                }
            }
            if !found {
                if name == "host" {
                    headers.push((name.clone(), trim_all(request.host)));
                } else {
                    // Signed, but it did not arrive: no signature can match.
                    return Err(VerifyError::SignatureMismatch);
                }
            }
        }
        let payload_hash = match request.payload {
            Payload::Bytes(bytes) => hex(&Sha256::digest(bytes)),
            Payload::Sha256(hash) => hex(&hash),
        };
        let computed = self
            .compute(request, &headers, &payload_hash, &time)
            .map_err(|_| VerifyError::SignatureMismatch)?;
        if same(&computed.signature, auth.signature) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}

impl AmzDate {
    /// Reads `YYYYMMDD'T'HHMMSS'Z'`: the date and its Unix seconds; `None` for anything else
    /// (a day that does not exist included).
    pub(in crate::aws) fn parse(value: &str) -> Option<(AmzDate, u64)> {
        let bytes: [u8; 16] = value.as_bytes().try_into().ok()?;
        if bytes[8] != b'T' || bytes[15] != b'Z' {
            return None;
        }
        let number = |range: core::ops::Range<usize>| -> Option<u64> {
            bytes[range].iter().try_fold(0u64, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
            })
        };
        let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
        let (hour, minute, second) = (number(9..11)?, number(11..13)?, number(13..15)?);
        if hour > 23 || minute > 59 || second > 59 || !(1970..=9999).contains(&year) {
            return None;
        }
        let days = days_from_civil(year, month, day)?;
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
        // Written back, a real date is the same text.
        let date = AmzDate::from_unix_seconds(seconds)?;
        (date.0 == bytes).then_some((date, seconds))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date from 1970 on; `None` for a month or day
/// out of range.
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    // Years counted from March, so that the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y % 400;
    let march_month = (month + 9) % 12;
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).checked_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_back_as_written() {
        for seconds in [0, 951_782_399, 951_782_400, 1_440_938_160, 4_107_542_400] {
            let written = super::super::amz_date(seconds).unwrap();
            assert_eq!(AmzDate::parse(&written).map(|(_, s)| s), Some(seconds));
        }
        assert_eq!(
            AmzDate::parse("99991231T235959Z").map(|(_, s)| s),
            Some(AmzDate::MAX_UNIX_SECONDS)
        );
        for bad in [
            "",
            "20150830T123600",
            "20150830 123600Z",
            "20150230T000000Z",
            "21000229T000000Z",
            "20151301T000000Z",
            "20150800T000000Z",
            "20150830T243600Z",
            "20150830T126000Z",
            "20150830T123660Z",
            "19691231T235959Z",
            "2015083OT123600Z",
            "+0150830T123600Z",
        ] {
            assert!(AmzDate::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn authorization_headers_that_are_incomplete() {
        let incomplete = |value: &str| match parse_authorization(value) {
            Err(VerifyError::Incomplete(message)) => message,
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("{value} accepted"),
        };
        assert_eq!(
            incomplete("Bearer sk-1"),
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter."
        );
        assert_eq!(
            incomplete("AWS4-HMAC-SHA256 Credential=A/20150830/us-east-1/s/aws4_request"),
            "Authorization header requires 'Signature' parameter. Authorization header \
             requires 'SignedHeaders' parameter."
        );
        assert_eq!(
            incomplete("AWS4-HMAC-SHA256 Credential=A /20150830/r/s/aws4_request, x"),
            "'x' not a valid key=value pair (missing equal-sign) in Authorization header"
        );
        assert!(
            incomplete("AWS4-HMAC-SHA256 Credential=A/20150830/r, SignedHeaders=host, Signature=0")
                .starts_with("Credential should have exactly 5 parts")
        );
    }
}
