//! The retry policy: the official SDKs' defaults, the headers that steer it, HTTP dates, and
//! properties: waits never exceed the caps, nothing is retried after the first body byte or
//! past the retry budget, and HTTP dates parse back to the instant a naive formatter wrote.

use core::time::Duration;

use llm_sse_core::retry::{
    Decision, Failure, GiveUp, RetryHints, RetryPolicy, is_retryable_status, parse_http_date,
};
use proptest::prelude::*;

const NOW: u64 = 1_764_086_400; // Tue, 25 Nov 2025 16:00:00 GMT

fn status(status: u16, headers: &[(&str, &str)]) -> Failure {
    Failure::from_response(status, headers.iter().copied(), NOW)
}

fn retry_after(d: Decision) -> Duration {
    match d {
        Decision::Retry { after } => after,
        Decision::GiveUp(why) => panic!("gave up: {why}"),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn defaults_are_the_sdks() {
    let p = RetryPolicy::default();
    assert_eq!(p, RetryPolicy::DEFAULT);
    assert_eq!(p.max_retries, 2);
    assert_eq!(p.initial_delay, ms(500));
    assert_eq!(p.max_delay, Duration::from_secs(8));
    assert_eq!(p.max_retry_after, Duration::from_secs(60));
    assert_eq!(RetryPolicy::with_max_retries(5).max_retries, 5);
    assert_eq!(
        RetryPolicy::NEVER.decide(&Failure::Connection, 1, 0.0),
        Decision::GiveUp(GiveUp::RetriesExhausted)
    );
}

#[test]
fn which_failures_are_retried() {
    let p = RetryPolicy::default();
    for s in [408, 409, 429, 500, 502, 503, 504, 529, 599] {
        assert!(is_retryable_status(s), "{s}");
        assert!(
            matches!(p.decide(&status(s, &[]), 1, 0.0), Decision::Retry { .. }),
            "{s}"
        );
    }
    for s in [200, 301, 400, 401, 403, 404, 413, 422, 424] {
        assert!(!is_retryable_status(s), "{s}");
        assert_eq!(
            p.decide(&status(s, &[]), 1, 0.0),
            Decision::GiveUp(GiveUp::NotRetryable),
            "{s}"
        );
    }
    assert!(matches!(
        p.decide(&Failure::Connection, 1, 0.0),
        Decision::Retry { .. }
    ));
    assert_eq!(
        p.decide(&Failure::AfterFirstByte, 1, 0.0),
        Decision::GiveUp(GiveUp::AfterFirstByte)
    );
}

#[test]
fn x_should_retry_overrides_the_status() {
    let p = RetryPolicy::default();
    assert!(matches!(
        p.decide(&status(400, &[("x-should-retry", "true")]), 1, 0.0),
        Decision::Retry { .. }
    ));
    assert_eq!(
        p.decide(&status(429, &[("X-Should-Retry", "false")]), 1, 0.0),
        Decision::GiveUp(GiveUp::ServerSaidNo)
    );
    // Only exactly `true` / `false` count, as in the SDKs.
    for other in ["TRUE", "yes", "1", ""] {
        assert_eq!(
            p.decide(&status(400, &[("x-should-retry", other)]), 1, 0.0),
            Decision::GiveUp(GiveUp::NotRetryable)
        );
    }
    // Forcing does not extend the retry budget.
    assert_eq!(
        p.decide(&status(400, &[("x-should-retry", "true")]), 3, 0.0),
        Decision::GiveUp(GiveUp::RetriesExhausted)
    );
}

#[test]
fn backoff_doubles_from_half_a_second_up_to_eight_with_jitter() {
    let p = RetryPolicy::with_max_retries(10);
    let waits: Vec<Duration> = (1..=7)
        .map(|attempt| retry_after(p.decide(&Failure::Connection, attempt, 0.0)))
        .collect();
    assert_eq!(
        waits,
        [
            ms(500),
            ms(1000),
            ms(2000),
            ms(4000),
            ms(8000),
            ms(8000),
            ms(8000)
        ]
    );
    // jitter = 1 - 0.25 * random
    assert_eq!(retry_after(p.decide(&Failure::Connection, 1, 1.0)), ms(375));
    assert_eq!(retry_after(p.decide(&Failure::Connection, 2, 0.5)), ms(875));
    assert_eq!(
        retry_after(p.decide(&Failure::Connection, 9, 1.0)),
        ms(6000)
    );
    // Out-of-range random numbers are clamped; NaN counts as 0.
    assert_eq!(retry_after(p.decide(&Failure::Connection, 1, 7.0)), ms(375));
    assert_eq!(
        retry_after(p.decide(&Failure::Connection, 1, -1.0)),
        ms(500)
    );
    assert_eq!(
        retry_after(p.decide(&Failure::Connection, 1, f64::NAN)),
        ms(500)
    );
    // Attempt 0 is treated as the first.
    assert_eq!(retry_after(p.decide(&Failure::Connection, 0, 0.0)), ms(500));
}

#[test]
fn two_retries_then_give_up() {
    let p = RetryPolicy::default();
    let f = status(529, &[]);
    assert_eq!(retry_after(p.decide(&f, 1, 0.0)), ms(500));
    assert_eq!(retry_after(p.decide(&f, 2, 0.0)), ms(1000));
    assert_eq!(
        p.decide(&f, 3, 0.0),
        Decision::GiveUp(GiveUp::RetriesExhausted)
    );
    assert_eq!(
        p.decide(&f, u32::MAX, 0.0),
        Decision::GiveUp(GiveUp::RetriesExhausted)
    );
}

#[test]
fn server_requested_waits_are_honoured_up_to_sixty_seconds() {
    let p = RetryPolicy::default();
    let wait = |headers: &[(&str, &str)]| retry_after(p.decide(&status(429, headers), 1, 0.0));
    assert_eq!(wait(&[("retry-after", "3")]), Duration::from_secs(3));
    assert_eq!(wait(&[("Retry-After", " 2.5 ")]), ms(2500));
    assert_eq!(wait(&[("retry-after-ms", "1500")]), ms(1500));
    assert_eq!(
        wait(&[("retry-after-ms", "20.5")]),
        Duration::from_micros(20_500)
    );
    // retry-after-ms wins over retry-after.
    assert_eq!(
        wait(&[("retry-after", "30"), ("retry-after-ms", "100")]),
        ms(100)
    );
    // Above the default max backoff (8 s) but within 60 s: honoured.
    assert_eq!(wait(&[("retry-after", "60")]), Duration::from_secs(60));
    // An HTTP date, in each RFC 9110 format.
    for date in [
        "Tue, 25 Nov 2025 16:00:42 GMT",
        "Tuesday, 25-Nov-25 16:00:42 GMT",
        "Tue Nov 25 16:00:42 2025",
    ] {
        assert_eq!(
            wait(&[("retry-after", date)]),
            Duration::from_secs(42),
            "{date}"
        );
    }
    // Not honoured (the backoff is used): above 60 s, zero, negative, in the past, garbage.
    for value in [
        "61",
        "3600",
        "0",
        "-5",
        "inf",
        "NaN",
        "soon",
        "Tue, 25 Nov 2025 15:59:00 GMT",
        "Tue, 25 Nov 2025 16:00:00 GMT",
        "Tue, 25 Nov 2025 17:00:00 GMT",
    ] {
        assert_eq!(wait(&[("retry-after", value)]), ms(500), "{value}");
    }
    assert_eq!(wait(&[("retry-after-ms", "60001")]), ms(500));
    // A header value that is not UTF-8 is ignored.
    let f = Failure::from_response(503, [("retry-after", &b"\xff3"[..])], NOW);
    assert_eq!(retry_after(p.decide(&f, 1, 0.0)), ms(500));
    // A connection failure has no headers.
    assert_eq!(
        RetryHints::from_headers(core::iter::empty::<(&str, &str)>(), NOW),
        RetryHints::NONE
    );
}

#[test]
fn a_custom_policy_caps_server_waits_too() {
    let mut p = RetryPolicy::with_max_retries(3);
    p.max_retry_after = Duration::from_secs(5);
    p.initial_delay = Duration::from_secs(1);
    p.max_delay = Duration::from_secs(2);
    let f = status(503, &[("retry-after", "10")]);
    assert_eq!(retry_after(p.decide(&f, 1, 0.0)), Duration::from_secs(1));
    assert_eq!(retry_after(p.decide(&f, 3, 0.0)), Duration::from_secs(2));
}

#[test]
fn http_dates() {
    let t = Some(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", NOW), t);
    assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", NOW), t);
    assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994", NOW), t);
    assert_eq!(
        parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT", NOW),
        Some(0)
    );
    assert_eq!(
        parse_http_date("Thu, 29 Feb 2024 12:00:00 GMT", NOW),
        Some(1_709_208_000)
    );
    assert_eq!(
        parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT", NOW),
        Some(253_402_300_799)
    );
    // RFC 850 years more than 50 years ahead are in the previous century.
    assert_eq!(
        parse_http_date("Thursday, 01-Jan-76 00:00:00 GMT", NOW),
        Some(189_302_400) // 1976
    );
    assert_eq!(
        parse_http_date("Friday, 01-Jan-75 00:00:00 GMT", NOW),
        Some(3_313_526_400) // 2075
    );
    for bad in [
        "",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sat, 29 Feb 2023 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Wed, 31 Dec 1969 23:59:59 GMT",
        "Sonntag, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06-Nov-94-1 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sunday Nov  6 08:49:37 1994",
        "Sun Nov  6 08:49:37",
        "1994-11-06T08:49:37Z",
        "3",
        "Sun, ééé",
        "Sun Noé  6 08:49:37 1994",
    ] {
        assert_eq!(parse_http_date(bad, NOW), None, "{bad:?}");
    }
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
const LONG_DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month 0-11, day, weekday 0 = Thursday, seconds of the day): naively, by walking years
/// and months from 1970.
fn naive_civil(t: u64) -> (u64, usize, u64, usize, u64) {
    let mut days = t / 86_400;
    let weekday = (days % 7) as usize;
    let mut year = 1970;
    loop {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let len = if leap { 366 } else { 365 };
        if days < len {
            let lens = [
                31,
                if leap { 29 } else { 28 },
                31,
                30,
                31,
                30,
                31,
                31,
                30,
                31,
                30,
                31,
            ];
            let mut month = 0;
            while days >= lens[month] {
                days -= lens[month];
                month += 1;
            }
            return (year, month, days + 1, weekday, t % 86_400);
        }
        days -= len;
        year += 1;
    }
}

fn hms(s: u64) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn waits_never_exceed_the_caps(
        s in 0u16..1000,
        header in prop::option::of(prop_oneof![
            (0u64..200).prop_map(|n| ("retry-after", n.to_string())),
            (-1000.0f64..200_000.0).prop_map(|n| ("retry-after-ms", n.to_string())),
            (0u64..200).prop_map(|n| ("retry-after", format!("{n}.5"))),
        ]),
        attempt in any::<u32>(),
        random in any::<f64>(),
        connection in any::<bool>(),
    ) {
        let p = RetryPolicy::with_max_retries(u32::MAX);
        let headers: Vec<(&str, String)> = header.into_iter().collect();
        let failure = if connection { Failure::Connection } else { Failure::from_response(s, headers.iter().map(|(n, v)| (*n, v.as_str())), NOW) };
        if let Decision::Retry { after } = p.decide(&failure, attempt, random) {
            prop_assert!(after <= p.max_retry_after);
            prop_assert!(!after.is_zero());
            let requested = match failure {
                Failure::Status { hints, .. } => hints.retry_after.filter(|w| *w <= p.max_retry_after),
                _ => None,
            };
            match requested {
                Some(w) => prop_assert_eq!(after, w),
                None => {
                    prop_assert!(after <= p.max_delay);
                    let n = attempt.saturating_sub(1).min(10);
                    let base = (p.initial_delay * 2u32.pow(n)).min(p.max_delay);
                    prop_assert!(after >= base.mul_f64(0.75) && after <= base, "{after:?} for base {base:?}");
                }
            }
        }
    }

    #[test]
    fn any_policy_waits_at_most_its_caps(
        max_retries in 0u32..20,
        initial in 0u64..100_000,
        max_delay in 0u64..100_000,
        max_retry_after in 0u64..100_000,
        header_ms in prop::option::of(0u64..200_000),
        attempt in any::<u32>(),
        random in any::<f64>(),
        s in 0u16..1000,
    ) {
        let mut p = RetryPolicy::with_max_retries(max_retries);
        p.initial_delay = ms(initial);
        p.max_delay = ms(max_delay);
        p.max_retry_after = ms(max_retry_after);
        let value = header_ms.map(|v| v.to_string());
        let headers = value.iter().map(|v| ("retry-after-ms", v.as_str()));
        let failure = Failure::from_response(s, headers, NOW);
        match p.decide(&failure, attempt, random) {
            Decision::Retry { after } => {
                prop_assert!(after <= p.max_delay.max(p.max_retry_after));
                prop_assert!(attempt <= max_retries || (attempt == 0 && max_retries > 0));
            }
            Decision::GiveUp(_) => {}
        }
    }

    #[test]
    fn nothing_is_retried_after_the_first_byte_or_the_budget(
        attempt in any::<u32>(),
        random in any::<f64>(),
        max_retries in 0u32..10,
        s in 0u16..1000,
        force in any::<bool>(),
    ) {
        let p = RetryPolicy::with_max_retries(max_retries);
        prop_assert_eq!(
            p.decide(&Failure::AfterFirstByte, attempt, random),
            Decision::GiveUp(GiveUp::AfterFirstByte)
        );
        if attempt > max_retries {
            let headers = if force { vec![("x-should-retry", "true")] } else { vec![] };
            let d = p.decide(&Failure::from_response(s, headers, NOW), attempt, random);
            prop_assert!(matches!(d, Decision::GiveUp(_)));
            prop_assert!(matches!(p.decide(&Failure::Connection, attempt, random), Decision::GiveUp(_)));
        }
    }

    #[test]
    fn http_dates_parse_back_in_every_format(t in 0u64..=253_402_300_799) {
        let (year, month, day, weekday, secs) = naive_civil(t);
        let imf = format!("{}, {day:02} {} {year} {} GMT", DAYS[weekday], MONTHS[month], hms(secs));
        prop_assert_eq!(parse_http_date(&imf, NOW), Some(t), "{}", imf);
        let asctime = format!("{} {} {day:>2} {} {year}", DAYS[weekday], MONTHS[month], hms(secs));
        prop_assert_eq!(parse_http_date(&asctime, NOW), Some(t), "{}", asctime);
        // RFC 850 resolves its two-digit year around "now": take now = t.
        let rfc850 = format!("{}, {day:02}-{}-{:02} {} GMT", LONG_DAYS[weekday], MONTHS[month], year % 100, hms(secs));
        prop_assert_eq!(parse_http_date(&rfc850, t), Some(t), "{}", rfc850);
    }

    #[test]
    fn header_parsing_never_panics(
        name in prop::sample::select(vec!["retry-after", "retry-after-ms", "x-should-retry", "other"]),
        value in prop::collection::vec(any::<u8>(), 0..40),
        now in any::<u64>(),
    ) {
        let hints = RetryHints::from_headers([(name, value.as_slice())], now);
        if let Some(wait) = hints.retry_after {
            prop_assert!(!wait.is_zero());
        }
        let _ = parse_http_date(&String::from_utf8_lossy(&value), now);
    }
}
