//! [`Proxies`]: which HTTP proxy a provider URL is reached through. One rule for every shell.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use base64::Engine as _;

use super::settings::SettingsError;

/// Which HTTP proxy each URL is reached through: one rule for every shell.
///
/// | | rule |
/// |---|---|
/// | variables | for an `https` URL `https_proxy`, then `HTTPS_PROXY`; for an `http` URL `http_proxy`, then `HTTP_PROXY` (not read when `REQUEST_METHOD` is set: under CGI it can come from a request's `Proxy` header); then, for either, `all_proxy`, `ALL_PROXY`. Empty values count as unset. |
/// | proxy URLs | `http://[user:password@]host[:port]` (the port defaults to 80; `user` and `password` percent-decoded, sent as `Proxy-Authorization: Basic`), or `host:port`; the connection is an HTTP `CONNECT` tunnel, for `https` and `http` URLs alike. `https://` and `socks` proxies are not supported: [`Settings::from_lookup`](super::Settings::from_lookup) refuses them, naming the variable. |
/// | `no_proxy`, `NO_PROXY` | a comma-separated list: `*` (every host), a host name (itself and its subdomains; a leading `.` or `*.` is ignored), an IP address, or a CIDR block (`10.0.0.0/8`); a `:port` on an entry is ignored. |
/// | loopback, link-local | `localhost`, `*.localhost`, `127.0.0.0/8` and `::1` never go through a proxy from the environment (that proxy's loopback is not ours), nor do `169.254.0.0/16`, `fe80::/10`, `fd00:ec2::23` and `fd00:ec2::254` (a cloud machine's metadata server, an ECS task's or EKS pod's credentials endpoint, which only the machine itself reaches). |
/// | explicit | [`Proxies::explicit`]: one proxy for every URL, loopback included, whatever the environment says. [`Proxies::None`]: direct connections. |
///
/// ```
/// use llm_sse_core::client::Proxies;
///
/// let env = |name: &str| match name {
///     "HTTPS_PROXY" => Some("http://proxy.internal:3128".to_string()),
///     "NO_PROXY" => Some("localhost,.corp.example".to_string()),
///     _ => None,
/// };
/// let proxies = Proxies::from_lookup(&env)?;
/// let proxy = proxies.proxy_for("https", "api.anthropic.com").unwrap();
/// assert_eq!(proxy.authority(), "proxy.internal:3128");
/// assert!(proxies.proxy_for("https", "llm.corp.example").is_none()); // NO_PROXY
/// assert!(proxies.proxy_for("http", "127.0.0.1").is_none()); // loopback, and no http proxy
/// # Ok::<(), llm_sse_core::client::SettingsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Proxies {
    /// Direct connections.
    #[default]
    None,
    /// This proxy for every URL, loopback included.
    Explicit(ProxyUrl),
    /// The proxies the environment names.
    Env(EnvProxies),
}

/// The proxies of the environment variables (see [`Proxies`] for the rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvProxies {
    http: Option<ProxyUrl>,
    https: Option<ProxyUrl>,
    no_proxy: Vec<NoProxy>,
}

impl Proxies {
    /// One proxy for every URL, from `url` (`http://[user:password@]host[:port]`, or
    /// `host:port`).
    ///
    /// # Errors
    ///
    /// [`InvalidProxy`] for another scheme or a malformed URL; it never repeats the URL, which
    /// may hold a password.
    pub fn explicit(url: &str) -> Result<Proxies, InvalidProxy> {
        ProxyUrl::parse(url).map(Proxies::Explicit)
    }

    /// The proxies the environment names (see the rule above), read through `lookup`;
    /// [`Proxies::None`] when it
    /// names none.
    ///
    /// # Errors
    ///
    /// A proxy variable whose value is not an `http://` proxy URL, naming the variable.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Proxies, SettingsError> {
        let read = |names: &[&'static str]| -> Result<Option<ProxyUrl>, SettingsError> {
            for &name in names {
                let Some(value) = lookup(name).filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                return ProxyUrl::parse(value.trim())
                    .map(Some)
                    .map_err(|e| SettingsError {
                        variable: name,
                        expected: e.expected(),
                    });
            }
            Ok(None)
        };
        let cgi = lookup("REQUEST_METHOD").is_some();
        let http_names: &[&'static str] = if cgi {
            &["http_proxy"]
        } else {
            &["http_proxy", "HTTP_PROXY"]
        };
        let all = read(&["all_proxy", "ALL_PROXY"])?;
        let http = read(http_names)?.or_else(|| all.clone());
        let https = read(&["https_proxy", "HTTPS_PROXY"])?.or(all);
        if http.is_none() && https.is_none() {
            return Ok(Proxies::None);
        }
        let no_proxy = ["no_proxy", "NO_PROXY"]
            .iter()
            .find_map(|name| lookup(name).filter(|v| !v.trim().is_empty()))
            .map(|list| list.split(',').filter_map(NoProxy::parse).collect())
            .unwrap_or_default();
        Ok(Proxies::Env(EnvProxies {
            http,
            https,
            no_proxy,
        }))
    }

    /// The proxy to reach `host` (a name or an IP address, IPv6 with or without brackets) over
    /// `scheme` (`http` or `https`) through; `None` for a direct connection.
    pub fn proxy_for(&self, scheme: &str, host: &str) -> Option<&ProxyUrl> {
        match self {
            Proxies::None => None,
            Proxies::Explicit(proxy) => Some(proxy),
            Proxies::Env(env) => {
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let proxy = if scheme.eq_ignore_ascii_case("https") {
                    env.https.as_ref()
                } else {
                    env.http.as_ref()
                }?;
                let bypass = is_loopback(host)
                    || is_link_local(host)
                    || env.no_proxy.iter().any(|e| e.matches(host));
                (!bypass).then_some(proxy)
            }
        }
    }

    /// Every distinct proxy these settings can choose (for a shell that sets up one connection
    /// pool per proxy).
    pub fn all(&self) -> Vec<&ProxyUrl> {
        let mut out: Vec<&ProxyUrl> = Vec::new();
        let candidates = match self {
            Proxies::None => [None, None],
            Proxies::Explicit(proxy) => [Some(proxy), None],
            Proxies::Env(env) => [env.http.as_ref(), env.https.as_ref()],
        };
        for proxy in candidates.into_iter().flatten() {
            if !out.contains(&proxy) {
                out.push(proxy);
            }
        }
        out
    }
}

/// True for `localhost` (and its subdomains), `127.0.0.0/8` and `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .len()
                    .checked_sub(".localhost".len())
                    .and_then(|at| host.get(at..))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(".localhost"))
        }
    }
}

/// True for a link-local address (`169.254.0.0/16`, `fe80::/10`) and for AWS's IPv6 addresses
/// of the instance's own services (`fd00:ec2::23`, EKS Pod Identity's credentials endpoint;
/// `fd00:ec2::254`, the instance metadata service), which only the machine itself reaches.
fn is_link_local(host: &str) -> bool {
    const AWS_LOCAL: [[u16; 8]; 2] = [
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23],
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254],
    ];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            ip.segments()[0] & 0xffc0 == 0xfe80 || AWS_LOCAL.contains(&ip.segments())
        }
        Err(_) => false,
    }
}

/// One `no_proxy` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NoProxy {
    /// `*`.
    All,
    /// A host name and its subdomains (lowercase, without a leading dot).
    Domain(String),
    /// An IP address block.
    Block { ip: IpAddr, prefix: u8 },
}

impl NoProxy {
    fn parse(entry: &str) -> Option<NoProxy> {
        let entry = entry.trim();
        if entry.is_empty() {
            return None;
        }
        if entry == "*" {
            return Some(NoProxy::All);
        }
        let (address, prefix) = match entry.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (entry, None),
        };
        let address = address.trim_start_matches('[');
        let bare = address.split_once(']').map_or(address, |(ip, _)| ip);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = prefix.unwrap_or(max);
            return (prefix <= max).then_some(NoProxy::Block { ip, prefix });
        }
        // `host:port` (an IPv4 address with a port, or a name with one): the port is ignored.
        let host = match address.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => address,
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(NoProxy::Block {
                ip,
                prefix: if ip.is_ipv4() { 32 } else { 128 },
            });
        }
        let name = host.trim_start_matches('*').trim_start_matches('.');
        (!name.is_empty()).then(|| NoProxy::Domain(name.to_ascii_lowercase()))
    }

    fn matches(&self, host: &str) -> bool {
        match self {
            NoProxy::All => true,
            NoProxy::Domain(domain) => {
                host.eq_ignore_ascii_case(domain)
                    || (host.len() > domain.len()
                        && host
                            .get(host.len() - domain.len()..)
                            .is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
                        && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
            }
            NoProxy::Block { ip, prefix } => match (host.parse::<IpAddr>(), ip) {
                (Ok(IpAddr::V4(host)), IpAddr::V4(block)) => {
                    same_prefix(&host.octets(), &block.octets(), *prefix)
                }
                (Ok(IpAddr::V6(host)), IpAddr::V6(block)) => {
                    same_prefix(&host.octets(), &block.octets(), *prefix)
                }
                _ => false,
            },
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` agree.
fn same_prefix(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let bits = usize::from(prefix);
    let whole = bits / 8;
    if a.get(..whole) != b.get(..whole) {
        return false;
    }
    match bits % 8 {
        0 => true,
        rest => {
            let mask = 0xffu8 << (8 - rest);
            match (a.get(whole), b.get(whole)) {
                (Some(x), Some(y)) => x & mask == y & mask,
                _ => false,
            }
        }
    }
}

/// An HTTP (`CONNECT`) proxy: its host, port and credentials. `Debug` shows the host and the
/// port, never the credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("authority", &self.authority())
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl ProxyUrl {
    /// Parses `http://[user:password@]host[:port][/]` or `host[:port]`.
    ///
    /// # Errors
    ///
    /// [`InvalidProxy`]: another scheme, or a malformed URL.
    pub fn parse(url: &str) -> Result<ProxyUrl, InvalidProxy> {
        let rest = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(InvalidProxy(ProxyProblem::Scheme)),
            None => url,
        };
        let malformed = InvalidProxy(ProxyProblem::Malformed);
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
            return Err(malformed);
        }
        let (credentials, authority) = match rest.rsplit_once('@') {
            Some((userinfo, authority)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let user = percent_decode(user).ok_or(malformed.clone())?;
                let password = percent_decode(password).ok_or(malformed.clone())?;
                (Some((user, password)), authority)
            }
            None => (None, rest),
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (ip, after) = v6.split_once(']').ok_or(malformed.clone())?;
            ip.parse::<core::net::Ipv6Addr>()
                .map_err(|_| malformed.clone())?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or(malformed.clone())?),
            };
            (ip, port)
        } else {
            match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        let port = match port {
            None => 80,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(malformed.clone())?,
        };
        let valid_host = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
        if !valid_host {
            return Err(malformed);
        }
        Ok(ProxyUrl {
            host: host.to_ascii_lowercase(),
            port,
            credentials,
        })
    }

    /// The proxy's host (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port` (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            alloc::format!("[{}]:{}", self.host, self.port)
        } else {
            alloc::format!("{}:{}", self.host, self.port)
        }
    }

    /// The user name and password, percent-decoded, when the URL has them. Never log them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// The `Proxy-Authorization` value for the credentials (`Basic <base64>`), if any. Never
    /// log it.
    pub fn authorization(&self) -> Option<String> {
        let (user, password) = self.credentials()?;
        let mut raw = Vec::with_capacity(user.len() + 1 + password.len());
        raw.extend_from_slice(user.as_bytes());
        raw.push(b':');
        raw.extend_from_slice(password.as_bytes());
        let mut value = String::from("Basic ");
        base64::engine::general_purpose::STANDARD.encode_string(&raw, &mut value);
        Some(value)
    }
}

/// `%XX` sequences decoded (the rest as it is); `None` for a malformed escape or non-UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A proxy URL that cannot be used. Its `Display` never repeats the URL (it may hold a
/// password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProxy(ProxyProblem);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProxyProblem {
    Scheme,
    Malformed,
}

impl InvalidProxy {
    /// What a proxy URL must be, for [`SettingsError`].
    fn expected(&self) -> &'static str {
        match self.0 {
            ProxyProblem::Scheme => {
                "an http:// proxy URL (an HTTP CONNECT proxy; https:// and socks proxies are not \
                 supported)"
            }
            ProxyProblem::Malformed => "an http:// proxy URL: http://[user:password@]host[:port]",
        }
    }
}

impl fmt::Display for InvalidProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid proxy URL: expected {}", self.expected())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InvalidProxy {}

impl ProxyUrl {
    /// `http://host:port`, without the credentials: for a log line or a transport that wants a
    /// URL.
    pub fn url_without_credentials(&self) -> String {
        let mut url = "http://".to_owned();
        url.push_str(&self.authority());
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn proxy_urls() {
        let p = ProxyUrl::parse("http://user:p%40ss@Proxy.Internal:3128/").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy.internal", 3128));
        assert_eq!(p.credentials(), Some(("user", "p@ss")));
        assert_eq!(p.authorization().unwrap(), "Basic dXNlcjpwQHNz");
        assert!(!format!("{p:?}").contains("p@ss"));
        assert_eq!(
            ProxyUrl::parse("proxy:8080").unwrap().authority(),
            "proxy:8080"
        );
        assert_eq!(ProxyUrl::parse("HTTP://proxy").unwrap().port(), 80);
        assert_eq!(
            ProxyUrl::parse("http://[::1]:3128").unwrap().authority(),
            "[::1]:3128"
        );
        for bad in [
            "",
            "http://",
            "https://proxy:443",
            "socks5://u:secret@proxy:1080",
            "http://proxy:0",
            "http://proxy:99999",
            "http://proxy/path",
            "http://pro xy:1",
            "http://u:%zz@proxy",
            "http://[::1",
        ] {
            let e = ProxyUrl::parse(bad).unwrap_err();
            assert!(!e.to_string().contains("secret"), "{bad}");
        }
        assert_eq!(
            ProxyUrl::parse("socks5://proxy:1080").unwrap_err().0,
            ProxyProblem::Scheme
        );
    }

    #[test]
    fn the_variables_by_scheme_and_their_order() {
        let p = Proxies::from_lookup(&env(&[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:1"),
            ("HTTP_PROXY", "http://plain:2"),
        ]))
        .unwrap();
        assert_eq!(
            p.proxy_for("https", "api.openai.com").unwrap().host(),
            "lower"
        );
        assert_eq!(p.proxy_for("http", "example.com").unwrap().host(), "plain");
        // all_proxy fills in for a scheme without its own.
        let p = Proxies::from_lookup(&env(&[
            ("ALL_PROXY", "http://all:3"),
            ("https_proxy", "http://tls:4"),
        ]))
        .unwrap();
        assert_eq!(p.proxy_for("http", "example.com").unwrap().host(), "all");
        assert_eq!(p.proxy_for("https", "example.com").unwrap().host(), "tls");
        assert_eq!(p.all().len(), 2);
        // Under CGI, HTTP_PROXY may come from a request header: it is not read.
        let p = Proxies::from_lookup(&env(&[
            ("HTTP_PROXY", "http://evil:1"),
            ("REQUEST_METHOD", "GET"),
        ]))
        .unwrap();
        assert_eq!(p, Proxies::None);
        assert_eq!(
            Proxies::from_lookup(&env(&[("HTTPS_PROXY", "  ")])).unwrap(),
            Proxies::None
        );
    }

    #[test]
    fn an_unusable_proxy_variable_is_named() {
        let e = Proxies::from_lookup(&env(&[("HTTPS_PROXY", "socks5://u:secret@proxy:1080")]))
            .unwrap_err();
        assert_eq!(e.variable, "HTTPS_PROXY");
        assert!(
            e.to_string()
                .starts_with("HTTPS_PROXY must be an http:// proxy URL")
        );
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn no_proxy_and_loopback() {
        let p = Proxies::from_lookup(&env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            (
                "NO_PROXY",
                " .corp.example, *.internal ,api.openai.com:443, 10.0.0.0/8, 192.168.1.7, [fd00::1]",
            ),
        ]))
        .unwrap();
        let direct = [
            "llm.corp.example",
            "corp.example",
            "x.internal",
            "api.openai.com",
            "API.OPENAI.COM",
            "10.1.2.3",
            "192.168.1.7",
            "fd00::1",
            "[fd00::1]",
            "localhost",
            "api.localhost",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "[::1]",
            "169.254.169.254",
            "fe80::1",
            "[febf::1]",
            "[fd00:ec2::23]",
            "fd00:ec2::254",
        ];
        for host in direct {
            assert!(p.proxy_for("https", host).is_none(), "{host}");
        }
        let proxied = [
            "api.anthropic.com",
            "notcorp.example",
            "openai.com",
            "11.0.0.1",
            "192.168.1.8",
            "localhost.example.com",
            "[fd00:ec2::24]",
            "169.255.0.1",
            "fec0::1",
        ];
        for host in proxied {
            assert!(p.proxy_for("https", host).is_some(), "{host}");
        }
        let all = Proxies::from_lookup(&env(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("no_proxy", "*"),
        ]))
        .unwrap();
        assert!(all.proxy_for("https", "api.anthropic.com").is_none());
        // An explicit proxy takes every URL, loopback included.
        let explicit = Proxies::explicit("http://proxy:3128").unwrap();
        assert!(explicit.proxy_for("http", "127.0.0.1").is_some());
        assert!(
            Proxies::None
                .proxy_for("https", "api.anthropic.com")
                .is_none()
        );
    }

    #[test]
    fn cidr_prefixes() {
        let block = NoProxy::parse("172.16.0.0/12").unwrap();
        assert!(block.matches("172.31.255.255"));
        assert!(!block.matches("172.32.0.0"));
        let v6 = NoProxy::parse("fd00::/8").unwrap();
        assert!(v6.matches("fdff::1"));
        assert!(!v6.matches("fe00::1"));
        assert_eq!(NoProxy::parse("10.0.0.0/33"), None);
        assert_eq!(NoProxy::parse(" "), None);
    }
}
