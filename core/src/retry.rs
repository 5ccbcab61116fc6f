//! When to retry a failed request, and how long to wait: a pure function, no clock, no RNG.
//!
//! The defaults are the official Anthropic and OpenAI SDKs' (`anthropic-sdk-python`,
//! `openai-python`): 2 retries; connection failures, `408`, `409`, `429` and every `5xx`
//! (including Anthropic's `529 overloaded`) are retried; an `x-should-retry: true` /
//! `false` header overrides that; a server-requested wait (`retry-after-ms`, else
//! `retry-after` in seconds or as an HTTP date) is honoured when it is above 0 and at most
//! 60 s; otherwise the wait is exponential backoff from 0.5 s, capped at 8 s, times a jitter
//! factor between 0.75 and 1 (`1 - 0.25 * random`).
//!
//! A request is retried only before the first byte of its body has been handed on: once a
//! stream has started, its failure is the stream's error terminal chunk, never a silent replay
//! ([`Failure::AfterFirstByte`] always gives up).
//!
//! The caller supplies what is impure: the time (unix seconds, for an HTTP-date `retry-after`)
//! and a random number in `[0, 1)` for the jitter. A shell's loop:
//!
//! ```
//! use core::time::Duration;
//! use llm_sse_core::retry::{Decision, Failure, RetryPolicy};
//!
//! let policy = RetryPolicy::default();
//! let headers = [("retry-after", "2"), ("content-type", "application/json")];
//! let now = 1_764_086_400; // unix seconds, from the shell's clock
//!
//! // Attempt 1 got a 529: the server asked for 2 s.
//! let failure = Failure::from_response(529, headers, now);
//! assert_eq!(policy.decide(&failure, 1, 0.3), Decision::Retry { after: Duration::from_secs(2) });
//!
//! // Attempt 2 lost its connection: backoff 1 s, jittered to 0.75 s with random = 1.0.
//! assert_eq!(
//!     policy.decide(&Failure::Connection, 2, 1.0),
//!     Decision::Retry { after: Duration::from_millis(750) }
//! );
//!
//! // Attempt 3 failed too: the 2 retries are used up.
//! assert!(matches!(policy.decide(&Failure::Connection, 3, 0.5), Decision::GiveUp(_)));
//! ```

use core::fmt;
use core::time::Duration;

/// How many times to retry, and the bounds of the waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2: at most 3 attempts).
    pub max_retries: u32,
    /// The backoff before the first retry, doubled for each later one (default 0.5 s).
    pub initial_delay: Duration,
    /// The most the backoff waits (default 8 s).
    pub max_delay: Duration,
    /// The longest server-requested wait that is honoured (default 60 s); a longer (or
    /// non-positive) request is ignored and the backoff is used instead, as the SDKs do.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// The official SDKs' policy: 2 retries, backoff from 0.5 s capped at 8 s, server waits up
    /// to 60 s honoured.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_retries: 2,
        initial_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(8),
        max_retry_after: Duration::from_secs(60),
    };

    /// A policy that never retries.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::DEFAULT
    };

    /// The default policy with `max_retries` retries.
    pub const fn with_max_retries(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries,
            ..RetryPolicy::DEFAULT
        }
    }

    /// Whether to retry after `failure` of attempt number `attempt` (1 for the first request),
    /// and how long to wait first.
    ///
    /// `random` is a number in `[0, 1)` from the caller's RNG, for the jitter (values outside
    /// are clamped, NaN counts as 0). The wait is never longer than
    /// [`max_retry_after`](RetryPolicy::max_retry_after) when the server asked for it, and never
    /// longer than [`max_delay`](RetryPolicy::max_delay) otherwise.
    pub fn decide(&self, failure: &Failure, attempt: u32, random: f64) -> Decision {
        let hints = match failure {
            Failure::AfterFirstByte => return Decision::GiveUp(GiveUp::AfterFirstByte),
            Failure::Connection => RetryHints::NONE,
            Failure::Status { status, hints } => {
                match hints.should_retry {
                    Some(false) => return Decision::GiveUp(GiveUp::ServerSaidNo),
                    Some(true) => {}
                    None if is_retryable_status(*status) => {}
                    None => return Decision::GiveUp(GiveUp::NotRetryable),
                }
                *hints
            }
        };
        let retries_taken = attempt.saturating_sub(1);
        if retries_taken >= self.max_retries {
            return Decision::GiveUp(GiveUp::RetriesExhausted);
        }
        if let Some(wait) = hints.retry_after {
            if !wait.is_zero() && wait <= self.max_retry_after {
                return Decision::Retry { after: wait };
            }
        }
        Decision::Retry {
            after: self.backoff(retries_taken, random),
        }
    }

    /// `initial_delay * 2^retries_taken`, at most `max_delay`, times `1 - 0.25 * random`.
    fn backoff(&self, retries_taken: u32, random: f64) -> Duration {
        let mut base = self.initial_delay;
        for _ in 0..retries_taken {
            if base.is_zero() || base >= self.max_delay {
                break;
            }
            base = base.saturating_mul(2);
        }
        let base = base.min(self.max_delay);
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let factor = 1.0 - 0.25 * random;
        // factor is in [0.75, 1], so the result never exceeds `base`.
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).map_or(base, |d| d.min(base))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

/// How an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// No response: connecting, TLS, sending, or reading the response head failed or timed out;
    /// or the connection broke after a `200` head but before the first body byte.
    Connection,
    /// A response with an unsuccessful status, before any of its body was handed on.
    Status {
        /// The HTTP status.
        status: u16,
        /// What the response headers say about retrying.
        hints: RetryHints,
    },
    /// The body failed after its first byte was handed on: never retried.
    AfterFirstByte,
}

impl Failure {
    /// A failed response: `status` and the hints in its headers (`now_unix_secs` is the
    /// current time, for a `retry-after` HTTP date). See [`RetryHints::from_headers`].
    pub fn from_response<I, K, V>(status: u16, headers: I, now_unix_secs: u64) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        Failure::Status {
            status,
            hints: RetryHints::from_headers(headers, now_unix_secs),
        }
    }
}

/// What a response's headers say about retrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RetryHints {
    /// The wait the server asked for, when it asked for a positive one.
    pub retry_after: Option<Duration>,
    /// `x-should-retry`: `Some(true)` forces a retry, `Some(false)` forbids it.
    pub should_retry: Option<bool>,
}

impl RetryHints {
    /// No hints (a connection failure has no headers).
    pub const NONE: RetryHints = RetryHints {
        retry_after: None,
        should_retry: None,
    };

    /// Reads the hints from response headers (names case-insensitive; values that do not parse
    /// are ignored):
    ///
    /// - `retry-after-ms`: milliseconds, a decimal number;
    /// - else `retry-after`: seconds (a decimal number is accepted, as the SDKs do), or an HTTP
    ///   date (IMF-fixdate, or the obsolete RFC 850 and asctime formats), which is turned into a
    ///   wait using `now_unix_secs`;
    /// - `x-should-retry`: exactly `true` or `false`.
    ///
    /// A wait that is not positive (a date in the past) counts as none.
    ///
    /// ```
    /// use core::time::Duration;
    /// use llm_sse_core::retry::RetryHints;
    ///
    /// let now = 784_111_767; // Sun, 06 Nov 1994 08:49:27 GMT
    /// let hints = RetryHints::from_headers([("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT")], now);
    /// assert_eq!(hints.retry_after, Some(Duration::from_secs(10)));
    /// let hints = RetryHints::from_headers([("retry-after-ms", "1500"), ("x-should-retry", "false")], now);
    /// assert_eq!(hints.retry_after, Some(Duration::from_millis(1500)));
    /// assert_eq!(hints.should_retry, Some(false));
    /// ```
    pub fn from_headers<I, K, V>(headers: I, now_unix_secs: u64) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let mut retry_after_ms = None;
        let mut retry_after = None;
        let mut should_retry = None;
        for (name, value) in headers {
            let name = name.as_ref();
            let Ok(value) = core::str::from_utf8(value.as_ref()) else {
                continue;
            };
            let value = value.trim_matches([' ', '\t']);
            if name.eq_ignore_ascii_case("retry-after-ms") {
                retry_after_ms = parse_seconds(value).and_then(|ms| seconds(ms / 1000.0));
            } else if name.eq_ignore_ascii_case("retry-after") {
                retry_after = match parse_seconds(value) {
                    Some(secs) => seconds(secs),
                    None => parse_http_date(value, now_unix_secs)
                        .and_then(|at| at.checked_sub(now_unix_secs))
                        .filter(|&wait| wait > 0)
                        .map(Duration::from_secs),
                };
            } else if name.eq_ignore_ascii_case("x-should-retry") {
                should_retry = match value {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                };
            }
        }
        RetryHints {
            retry_after: retry_after_ms.or(retry_after),
            should_retry,
        }
    }
}

/// A decimal number of seconds (or milliseconds), finite.
fn parse_seconds(value: &str) -> Option<f64> {
    value.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A positive number of seconds as a duration.
fn seconds(secs: f64) -> Option<Duration> {
    if secs > 0.0 {
        Duration::try_from_secs_f64(secs)
            .ok()
            .filter(|d| !d.is_zero())
    } else {
        None
    }
}

/// True for the statuses the SDKs retry: `408` (request timeout), `409` (lock timeout), `429`
/// (rate limited) and every `5xx` (including `529`, overloaded).
pub const fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Decision {
    /// Send the request again after waiting this long.
    Retry {
        /// The wait.
        after: Duration,
    },
    /// Report the failure.
    GiveUp(GiveUp),
}

/// Why a failure is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUp {
    /// The status is not one that is retried (for example `400`, `401`, `404`).
    NotRetryable,
    /// The response said `x-should-retry: false`.
    ServerSaidNo,
    /// Every allowed retry has been made.
    RetriesExhausted,
    /// The stream had started: its bytes were already handed on.
    AfterFirstByte,
}

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GiveUp::NotRetryable => "the status is not retryable",
            GiveUp::ServerSaidNo => "the server said not to retry (x-should-retry: false)",
            GiveUp::RetriesExhausted => "every retry was used",
            GiveUp::AfterFirstByte => "the stream had already started",
        })
    }
}

/// Parses an HTTP date (RFC 9110 section 5.6.7) into unix seconds: the preferred IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete formats, RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
///
/// `now_unix_secs` resolves RFC 850's two-digit year, as RFC 9110 says: a date that would be
/// more than 50 years in the future is in the previous century. `None` for anything else,
/// and for dates before 1970.
///
/// ```
/// use llm_sse_core::retry::parse_http_date;
///
/// let now = 1_764_086_400; // 2025-11-25
/// assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(784_111_777));
/// assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now), Some(784_111_777));
/// assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994", now), Some(784_111_777));
/// assert_eq!(parse_http_date("06 Nov 1994", now), None);
/// ```
pub fn parse_http_date(value: &str, now_unix_secs: u64) -> Option<u64> {
    let (day, month, year, time) = if let Some((day_name, rest)) = value.split_once(',') {
        let rest = rest.strip_prefix(' ')?;
        let mut fields = rest.split(' ');
        let date = fields.next()?;
        let (day, month, year) = if date.contains('-') {
            // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
            if !LONG_DAYS.contains(&day_name) {
                return None;
            }
            let mut d = date.split('-');
            let (day, month, yy) = (d.next()?, d.next()?, d.next()?);
            if d.next().is_some() || yy.len() != 2 {
                return None;
            }
            (day, month, two_digit_year(digits(yy)?, now_unix_secs))
        } else {
            // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
            if !SHORT_DAYS.contains(&day_name) {
                return None;
            }
            let month = fields.next()?;
            let year = fields.next()?;
            if year.len() != 4 {
                return None;
            }
            (date, month, digits(year)?)
        };
        let time = fields.next()?;
        if fields.next()? != "GMT" || fields.next().is_some() || day.len() != 2 {
            return None;
        }
        (day, month, year, time)
    } else {
        // asctime: `Sun Nov  6 08:49:37 1994` (a one-digit day is padded with a space).
        let rest = value.strip_prefix(SHORT_DAYS.iter().find(|d| value.starts_with(*d))?)?;
        let rest = rest.strip_prefix(' ')?;
        let (month, rest) = rest.split_at_checked(3)?;
        let rest = rest.strip_prefix(' ')?;
        let (day, rest) = rest.split_at_checked(2)?;
        let day = day.strip_prefix(' ').unwrap_or(day);
        let rest = rest.strip_prefix(' ')?;
        let (time, year) = rest.split_once(' ')?;
        if year.len() != 4 {
            return None;
        }
        (day, month, digits(year)?, time)
    };

    let day = digits(day)?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || m.len() != 2 || s.len() != 2 {
        return None;
    }
    let (h, m, s) = (digits(h)?, digits(m)?, digits(s)?);
    if h > 23 || m > 59 || s > 60 || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    days.checked_mul(86_400)?.checked_add(h * 3600 + m * 60 + s)
}

const SHORT_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// 1 to 4 ASCII digits as a number.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The full year of RFC 850's two-digit year `yy`: the latest year ending in `yy` that is at
/// most 50 years after the year of `now`.
fn two_digit_year(yy: u64, now_unix_secs: u64) -> u64 {
    let now_year = year_of_day(now_unix_secs / 86_400);
    let year = now_year - now_year % 100 + yy;
    if year + 100 <= now_year + 50 {
        year + 100
    } else if year > now_year + 50 {
        year.saturating_sub(100)
    } else {
        year
    }
}

fn is_leap(year: u64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date in 1970 or later (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y / 400;
    let yoe = y % 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// The year of the day `days` since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn year_of_day(days: u64) -> u64 {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let year = yoe + era * 400;
    if mp >= 10 { year + 1 } else { year }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_day_conversions() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_from_civil(1969, 12, 31), None);
        for days in [0, 59, 60, 365, 10_956, 11_016, 11_017, 20_000, 2_932_896] {
            let year = year_of_day(days);
            assert!(days_from_civil(year, 1, 1).unwrap() <= days);
            assert!(days_from_civil(year + 1, 1, 1).unwrap() > days);
        }
    }

    #[test]
    fn two_digit_years_follow_rfc_9110() {
        let y2025 = 1_764_086_400;
        assert_eq!(two_digit_year(94, y2025), 1994);
        assert_eq!(two_digit_year(25, y2025), 2025);
        assert_eq!(two_digit_year(75, y2025), 2075);
        assert_eq!(two_digit_year(76, y2025), 1976);
        assert_eq!(two_digit_year(0, 0), 2000);
        assert_eq!(two_digit_year(20, 0), 2020);
        assert_eq!(two_digit_year(21, 0), 1921);
        assert_eq!(two_digit_year(69, 0), 1969);
    }
}
