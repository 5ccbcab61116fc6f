//! Container credentials: the temporary AWS credentials an ECS task or an EKS pod (with EKS Pod
//! Identity) gets from an HTTP endpoint its environment names, sans-IO.
//!
//! [`ContainerCredentials::from_lookup`] reads where the endpoint is and how to authorize with
//! it from the environment, as the AWS SDKs do:
//!
//! | variable | meaning |
//! |---|---|
//! | `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` | a path on ECS's endpoint, `http://169.254.170.2` (wins over the next) |
//! | `AWS_CONTAINER_CREDENTIALS_FULL_URI` | the whole URL: `https://`, or `http://` to a loopback host, ECS's `169.254.170.2` or EKS's `169.254.170.23` / `[fd00:ec2::23]` |
//! | `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` | a file holding the `Authorization` header's value, read at every fetch (EKS rotates it) |
//! | `AWS_CONTAINER_AUTHORIZATION_TOKEN` | the `Authorization` header's value (when there is no file) |
//!
//! [`request`](ContainerCredentials::request) is the `GET` to send (the token file read through
//! the caller's reader), [`parse_response`] reads the answer (`AccessKeyId`, `SecretAccessKey`,
//! `Token`, `Expiration`), and [`CachedCredentials`] keeps them until
//! [`REFRESH_MARGIN_SECS`] before they expire.
//!
//! ```
//! use llm_sse_core::aws::container::{parse_response, ContainerCredentials};
//!
//! let env = |name: &str| match name {
//!     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" => Some("/v2/credentials/4e1b".to_string()),
//!     _ => None,
//! };
//! let container = ContainerCredentials::from_lookup(env).expect("set")?;
//! let request = container.request(|_| None)?;
//! assert_eq!(request.url, "http://169.254.170.2/v2/credentials/4e1b");
//!
//! let answer = br#"{"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"c2VjcmV0","Token":"IQoJb3JpZ2lu",
//!     "Expiration":"2026-12-07T19:00:00Z","RoleArn":"arn:aws:iam::123456789012:role/task"}"#;
//! let fetched = parse_response(200, answer)?;
//! assert_eq!(fetched.credentials.access_key_id, "ASIAEXAMPLE");
//! assert_eq!(fetched.expires_at, 1_796_670_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{AwsCredentials, AwsSecret};

/// A path on ECS's credentials endpoint ([`ECS_CREDENTIALS_HOST`]).
pub const RELATIVE_URI_ENV: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// The whole URL of a credentials endpoint (EKS Pod Identity, Greengrass, a local one).
pub const FULL_URI_ENV: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// The `Authorization` header's value for the endpoint.
pub const AUTHORIZATION_TOKEN_ENV: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// A file holding the `Authorization` header's value; wins over
/// [`AUTHORIZATION_TOKEN_ENV`].
pub const AUTHORIZATION_TOKEN_FILE_ENV: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// ECS's credentials endpoint, which [`RELATIVE_URI_ENV`] is a path on.
pub const ECS_CREDENTIALS_HOST: &str = "169.254.170.2";

/// How long before they expire fetched credentials are fetched again: 5 minutes. ECS and EKS
/// hand out credentials that live for hours and renew them well before their end; credentials
/// that live less than twice this are used for the first half of their life instead.
pub const REFRESH_MARGIN_SECS: u64 = 300;

/// The largest answer read from the endpoint (a real one is about 1.5 KiB).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Hosts that an `http://` full URI may name: what the AWS SDKs allow without TLS.
const PLAIN_HTTP_HOSTS: [&str; 5] = [
    "localhost",
    "[::1]",
    ECS_CREDENTIALS_HOST,
    "169.254.170.23",
    "[fd00:ec2::23]",
];

/// Where and how container credentials are fetched. `Debug` never shows the authorization
/// token.
#[derive(Clone, PartialEq, Eq)]
pub struct ContainerCredentials {
    url: String,
    from: &'static str,
    authorization: Authorization,
}

#[derive(Clone, PartialEq, Eq)]
enum Authorization {
    None,
    Token(AwsSecret),
    File(String),
}

impl fmt::Debug for ContainerCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let authorization = match &self.authorization {
            Authorization::None => "none".to_owned(),
            Authorization::Token(_) => format!("{AUTHORIZATION_TOKEN_ENV} (<redacted>)"),
            Authorization::File(path) => format!("the file {path}"),
        };
        f.debug_struct("ContainerCredentials")
            .field("url", &self.url)
            .field("from", &self.from)
            .field("authorization", &authorization)
            .finish()
    }
}

impl fmt::Display for ContainerCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the container credentials endpoint {} ({})",
            self.url, self.from
        )
    }
}

/// Why container credentials could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContainerError {
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` does not start with `/`, or
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI` is not a URL the SDKs would call.
    InvalidUri {
        /// The variable.
        variable: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The token file could not be read.
    TokenFile {
        /// Its path.
        path: String,
    },
    /// The token (from the file or the variable) is empty or cannot be sent in a header.
    InvalidToken {
        /// Where it came from: the variable, or the file's path.
        from: String,
    },
    /// The endpoint answered with an error status.
    Status {
        /// The status.
        status: u16,
        /// Its `message` (or `Message`), when the body had one: at most 200 characters.
        message: Option<String>,
    },
    /// The answer is not credentials.
    InvalidResponse {
        /// What is wrong.
        problem: &'static str,
    },
}

impl ContainerError {
    /// Whether another fetch may succeed: the endpoint failed (`429`, `5xx`).
    pub fn is_transient(&self) -> bool {
        matches!(self, ContainerError::Status { status, .. } if *status == 429 || *status >= 500)
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContainerError::InvalidUri { variable, problem } => write!(f, "{variable} {problem}"),
            ContainerError::TokenFile { path } => write!(
                f,
                "cannot read the authorization token file {path} (from \
                 {AUTHORIZATION_TOKEN_FILE_ENV})"
            ),
            ContainerError::InvalidToken { from } => write!(
                f,
                "the authorization token from {from} is empty or holds a line break or a \
                 control character"
            ),
            ContainerError::Status { status, message } => {
                write!(f, "the credentials endpoint answered {status}")?;
                match message {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
            ContainerError::InvalidResponse { problem } => {
                write!(f, "the credentials endpoint's answer {problem}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ContainerError {}

/// The request for container credentials: `GET url` with these headers (`authorization`, when
/// there is a token, is a secret: `Debug` does not show it).
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialsRequest {
    /// The endpoint's URL.
    pub url: String,
    /// `accept: application/json`, and `authorization` when there is a token.
    pub headers: Vec<(&'static str, String)>,
}

impl fmt::Debug for CredentialsRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("CredentialsRequest")
            .field("url", &self.url)
            .field("headers", &names)
            .finish()
    }
}

impl ContainerCredentials {
    /// The endpoint the environment names, read through `lookup` (values trimmed, empty ones
    /// unset); `None` when neither [`RELATIVE_URI_ENV`] nor [`FULL_URI_ENV`] is set.
    ///
    /// # Errors
    ///
    /// [`ContainerError::InvalidUri`] for a relative URI that is not a path, or a full URI
    /// that is not `https://`, or `http://` to a host the SDKs allow (loopback, ECS's and
    /// EKS's link-local endpoints).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Option<Result<ContainerCredentials, ContainerError>> {
        let env = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let (url, from) = if let Some(path) = env(RELATIVE_URI_ENV) {
            if !path.starts_with('/') {
                return Some(Err(ContainerError::InvalidUri {
                    variable: RELATIVE_URI_ENV,
                    problem: "is not a path (it must start with /)",
                }));
            }
            (
                format!("http://{ECS_CREDENTIALS_HOST}{path}"),
                RELATIVE_URI_ENV,
            )
        } else {
            let url = env(FULL_URI_ENV)?;
            if let Err(problem) = check_full_uri(&url) {
                return Some(Err(ContainerError::InvalidUri {
                    variable: FULL_URI_ENV,
                    problem,
                }));
            }
            (url, FULL_URI_ENV)
        };
        let authorization = if let Some(path) = env(AUTHORIZATION_TOKEN_FILE_ENV) {
            Authorization::File(path)
        } else if let Some(token) = env(AUTHORIZATION_TOKEN_ENV) {
            Authorization::Token(AwsSecret::new(token))
        } else {
            Authorization::None
        };
        Some(Ok(ContainerCredentials {
            url,
            from,
            authorization,
        }))
    }

    /// The endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The variable that named it.
    pub fn from(&self) -> &'static str {
        self.from
    }

    /// The request to send now; `read_file` reads the token file (the shells pass
    /// `std::fs::read_to_string`), which is read again at every fetch.
    ///
    /// # Errors
    ///
    /// [`ContainerError::TokenFile`] when the file cannot be read,
    /// [`ContainerError::InvalidToken`] for a token that cannot be sent.
    pub fn request(
        &self,
        read_file: impl Fn(&str) -> Option<String>,
    ) -> Result<CredentialsRequest, ContainerError> {
        let token = match &self.authorization {
            Authorization::None => None,
            Authorization::Token(token) => Some((
                token.expose().to_owned(),
                AUTHORIZATION_TOKEN_ENV.to_owned(),
            )),
            Authorization::File(path) => {
                let contents = read_file(path)
                    .ok_or_else(|| ContainerError::TokenFile { path: path.clone() })?;
                Some((contents.trim().to_owned(), path.clone()))
            }
        };
        let mut headers = Vec::from([("accept", "application/json".to_owned())]);
        if let Some((token, from)) = token {
            if token.is_empty()
                || !token
                    .bytes()
                    .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
            {
                return Err(ContainerError::InvalidToken { from });
            }
            headers.push(("authorization", token));
        }
        Ok(CredentialsRequest {
            url: self.url.clone(),
            headers,
        })
    }
}

/// Whether an `AWS_CONTAINER_CREDENTIALS_FULL_URI` is one the SDKs call.
fn check_full_uri(url: &str) -> Result<(), &'static str> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("is not an http:// or https:// URL")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err("has no host (or has user information)");
    }
    if scheme.eq_ignore_ascii_case("https") {
        return Ok(());
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err("is not an http:// or https:// URL");
    }
    // The host without its port (an IPv6 host keeps its brackets).
    let host = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => &authority[..colon],
        _ => authority,
    };
    let host = host.to_ascii_lowercase();
    // A loopback address as an address parser reads it (no leading zeros, `::1` however
    // written), or a listed host as written (case aside): what botocore calls.
    let address = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(&host);
    let loopback = address
        .parse::<core::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback());
    if loopback || PLAIN_HTTP_HOSTS.contains(&host.as_str()) {
        Ok(())
    } else {
        Err(
            "uses http:// to a host that is not loopback or the ECS or EKS credentials \
             endpoint (169.254.170.2, 169.254.170.23, fd00:ec2::23): use https://",
        )
    }
}

/// Credentials from the endpoint, and when they expire (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The credentials (with their session token).
    pub credentials: AwsCredentials,
    /// Their `Expiration`, in Unix seconds.
    pub expires_at: u64,
}

/// Reads the endpoint's answer: `status` and the first [`MAX_RESPONSE_BYTES`] of the body.
///
/// # Errors
///
/// [`ContainerError::Status`] for a status other than `200` (with the body's `message`);
/// [`ContainerError::InvalidResponse`] for a body without `AccessKeyId`, `SecretAccessKey`,
/// `Token` or an `Expiration` in ISO 8601 UTC (`2026-12-07T19:00:00Z`).
pub fn parse_response(status: u16, body: &[u8]) -> Result<Fetched, ContainerError> {
    let json: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_slice(body.get(..MAX_RESPONSE_BYTES).unwrap_or(body)).ok();
    if status != 200 {
        let message = json.as_ref().and_then(|json| {
            ["message", "Message"]
                .iter()
                .find_map(|k| json.get(*k)?.as_str())
                .map(|m| m.chars().take(200).collect())
        });
        return Err(ContainerError::Status { status, message });
    }
    let json = json.ok_or(ContainerError::InvalidResponse {
        problem: "is not a JSON object",
    })?;
    let field = |name: &str, problem: &'static str| {
        json.get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty())
            .ok_or(ContainerError::InvalidResponse { problem })
    };
    let id = field("AccessKeyId", "has no AccessKeyId")?;
    let secret = field("SecretAccessKey", "has no SecretAccessKey")?;
    let token = field("Token", "has no Token")?;
    let expiration = field("Expiration", "has no Expiration")?;
    let expires_at = parse_iso8601_utc(expiration).ok_or(ContainerError::InvalidResponse {
        problem: "has an Expiration that is not an ISO 8601 UTC time",
    })?;
    Ok(Fetched {
        credentials: AwsCredentials::new(id, secret, Some(token.to_owned())),
        expires_at,
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` as Unix seconds (the fraction dropped).
fn parse_iso8601_utc(value: &str) -> Option<u64> {
    let value = value
        .strip_suffix('Z')
        .or_else(|| value.strip_suffix("+00:00"))?;
    let value = match value.split_once('.') {
        Some((whole, fraction))
            if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            whole
        }
        Some(_) => return None,
        None => value,
    };
    let b = value.as_bytes();
    if b.len() != 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let compact: String = value.chars().filter(|c| *c != '-' && *c != ':').collect();
    super::sigv4::parse_amz_date(&format!("{compact}Z"))
}

/// Unix seconds as the endpoints write `Expiration`: `YYYY-MM-DDTHH:MM:SSZ` (`None` after the
/// year 9999). For mock endpoints and tests.
pub fn format_expiration(unix_secs: u64) -> Option<String> {
    let compact = super::sigv4::format_amz_date(unix_secs)?;
    let c = |range: core::ops::Range<usize>| compact.get(range).unwrap_or_default();
    Some(format!(
        "{}-{}-{}T{}:{}:{}Z",
        c(0..4),
        c(4..6),
        c(6..8),
        c(9..11),
        c(11..13),
        c(13..15)
    ))
}

/// Fetched credentials, kept until [`REFRESH_MARGIN_SECS`] before they expire.
#[derive(Clone, Default)]
pub struct CachedCredentials {
    current: Option<(Fetched, u64)>,
}

impl fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredentials")
            .field(
                "expires_at",
                &self.current.as_ref().map(|(c, _)| c.expires_at),
            )
            .finish()
    }
}

impl CachedCredentials {
    /// An empty cache.
    pub fn new() -> CachedCredentials {
        CachedCredentials::default()
    }

    /// The credentials, while they are fresh at `now` (Unix seconds).
    pub fn get(&self, now: u64) -> Option<&AwsCredentials> {
        let (fetched, fresh_until) = self.current.as_ref()?;
        (now < *fresh_until).then_some(&fetched.credentials)
    }

    /// Keeps `fetched`, got at `now`: fresh until [`REFRESH_MARGIN_SECS`] before they expire, or
    /// for the first half of their life when that is shorter than twice the margin.
    pub fn put(&mut self, fetched: Fetched, now: u64) {
        let life = fetched.expires_at.saturating_sub(now);
        let fresh_for = if life >= 2 * REFRESH_MARGIN_SECS {
            life - REFRESH_MARGIN_SECS
        } else {
            life / 2
        };
        self.current = Some((fetched, now.saturating_add(fresh_for)));
    }

    /// Forgets the credentials: the next [`get`](CachedCredentials::get) has none.
    pub fn clear(&mut self) {
        self.current = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_relative_uri_is_on_ecs_and_wins() {
        let c = ContainerCredentials::from_lookup(lookup(&[
            (RELATIVE_URI_ENV, " /v2/credentials/x "),
            (FULL_URI_ENV, "http://127.0.0.1:9/creds"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(c.url(), "http://169.254.170.2/v2/credentials/x");
        assert_eq!(c.from(), RELATIVE_URI_ENV);
        assert_eq!(
            ContainerCredentials::from_lookup(lookup(&[(RELATIVE_URI_ENV, "v2/x")])),
            Some(Err(ContainerError::InvalidUri {
                variable: RELATIVE_URI_ENV,
                problem: "is not a path (it must start with /)"
            }))
        );
        assert_eq!(
            ContainerCredentials::from_lookup(lookup(&[(RELATIVE_URI_ENV, " ")])),
            None
        );
    }

    #[test]
    fn full_uris_the_sdks_call() {
        for good in [
            "https://creds.example.com/x",
            "http://127.0.0.1:8080/creds",
            "http://127.1.2.3/creds",
            "http://localhost/creds",
            "http://LOCALHOST:80",
            "http://[::1]:9/creds",
            "http://169.254.170.2/v2/credentials",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://[FD00:EC2::23]/v1/credentials",
            "http://[0:0:0:0:0:0:0:1]:80/x",
        ] {
            assert_eq!(check_full_uri(good), Ok(()), "{good}");
        }
        for bad in [
            "http://example.com/creds",
            "http://127.0.0.1.example.com/x",
            "http://169.254.169.254/latest",
            "http://[fd00:ec2::24]/x",
            "http://127.000.000.001/x",
            "http://127.1/x",
            "http://[fd00:ec2:0:0:0:0:0:23]/x",
            "ftp://127.0.0.1/x",
            "127.0.0.1/x",
            "http:///x",
            "https://user@host/x",
        ] {
            assert!(check_full_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_file_wins_and_is_read_at_every_request() {
        let vars = [
            (FULL_URI_ENV, "http://169.254.170.23/v1/credentials"),
            (AUTHORIZATION_TOKEN_FILE_ENV, "/var/run/token"),
            (AUTHORIZATION_TOKEN_ENV, "from-env"),
        ];
        let c = ContainerCredentials::from_lookup(lookup(&vars))
            .unwrap()
            .unwrap();
        let read = |path: &str| (path == "/var/run/token").then(|| "eyJhbGci.file\n".to_owned());
        let request = c.request(read).unwrap();
        assert_eq!(
            request.headers,
            [
                ("accept", "application/json".to_owned()),
                ("authorization", "eyJhbGci.file".to_owned())
            ]
        );
        assert!(
            !format!("{request:?}{c:?}{c}").contains("eyJhbGci")
                && !format!("{c:?}").contains("from-env")
        );
        assert_eq!(
            c.request(|_| None),
            Err(ContainerError::TokenFile {
                path: "/var/run/token".into()
            })
        );
        assert_eq!(
            c.request(|_| Some("a\r\nb".into())),
            Err(ContainerError::InvalidToken {
                from: "/var/run/token".into()
            })
        );
        let c = ContainerCredentials::from_lookup(lookup(&vars[..1]))
            .unwrap()
            .unwrap();
        assert_eq!(c.request(|_| None).unwrap().headers.len(), 1);
        let c = ContainerCredentials::from_lookup(lookup(&[vars[0], vars[2]]))
            .unwrap()
            .unwrap();
        assert_eq!(c.request(|_| None).unwrap().headers[1].1, "from-env");
    }

    #[test]
    fn answers() {
        let ok = br#"{"AccessKeyId":"ASIA1","SecretAccessKey":"s","Token":"t","Expiration":"2026-12-07T19:00:00.123Z"}"#;
        let fetched = parse_response(200, ok).unwrap();
        assert_eq!(fetched.expires_at, 1_796_670_000);
        assert_eq!(fetched.credentials.session_token.unwrap().expose(), "t");
        assert_eq!(
            parse_response(
                200,
                br#"{"AccessKeyId":"A","SecretAccessKey":"s","Token":"t"}"#
            ),
            Err(ContainerError::InvalidResponse {
                problem: "has no Expiration"
            })
        );
        for expiration in [
            "2026-02-30T00:00:00Z",
            "2026-12-07 19:00:00Z",
            "2026-12-07T19:00:00+01:00",
            "tomorrow",
        ] {
            let body = format!(
                r#"{{"AccessKeyId":"A","SecretAccessKey":"s","Token":"t","Expiration":"{expiration}"}}"#
            );
            assert!(
                parse_response(200, body.as_bytes()).is_err(),
                "{expiration}"
            );
        }
        assert_eq!(
            parse_response(200, b"<html>"),
            Err(ContainerError::InvalidResponse {
                problem: "is not a JSON object"
            })
        );
        let refused = parse_response(
            403,
            br#"{"code":"AccessDeniedException","message":"no role"}"#,
        )
        .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the credentials endpoint answered 403: no role"
        );
        assert!(!refused.is_transient());
        assert!(parse_response(503, b"").unwrap_err().is_transient());
    }

    #[test]
    fn expirations_read_back_as_written() {
        for secs in [0, 951_782_400, 1_796_670_000, 253_402_300_799] {
            let text = format_expiration(secs).unwrap();
            assert_eq!(parse_iso8601_utc(&text), Some(secs), "{text}");
        }
        assert_eq!(
            format_expiration(1_796_670_000).unwrap(),
            "2026-12-07T19:00:00Z"
        );
        assert_eq!(format_expiration(253_402_300_800), None);
    }

    #[test]
    fn the_cache_keeps_them_until_the_margin() {
        let fetched = |expires_at| Fetched {
            credentials: AwsCredentials::new("A", "s", None),
            expires_at,
        };
        let mut cache = CachedCredentials::new();
        assert!(cache.get(0).is_none());
        cache.put(fetched(10_000), 1_000);
        assert!(cache.get(10_000 - REFRESH_MARGIN_SECS - 1).is_some());
        assert!(cache.get(10_000 - REFRESH_MARGIN_SECS).is_none());
        cache.put(fetched(1_100), 1_000);
        assert!(cache.get(1_049).is_some() && cache.get(1_050).is_none());
        cache.put(fetched(500), 1_000);
        assert!(cache.get(1_000).is_none());
        cache.put(fetched(10_000), 1_000);
        cache.clear();
        assert!(cache.get(1_000).is_none());
    }
}
