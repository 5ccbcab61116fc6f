//! `llm-sse parse`: exact stdout, stderr and exit codes of the real binary.

use crate::common;

use std::io::{Read, Write};

use common::{expect_output_before_eof, run, spawn, temp_file};

/// A stream exercising the parser's rules: BOM, comments, CRLF / CR / LF line ends, multi-line
/// data, the persisting last event ID, retry, JSON escapes and raw UTF-8.
const STREAM: &[u8] = b"\xEF\xBB\xBF: a comment\r\n\
event: content_block_delta\r\n\
id: 42\r\n\
data: {\"text\":\"caf\xC3\xA9 \\\"q\\\"\"}\r\n\r\n\
retry: 2500\r\
data: line one\r\
data: line two\r\r\
event: with\ttab\n\
data:  leading space kept after the first\n\
data\n\n\
id\n\
data: x\n\n";

const EXPECTED: &str = concat!(
    r#"{"event":"content_block_delta","data":"{\"text\":\"café \\\"q\\\"\"}","id":"42"}"#,
    "\n",
    r#"{"retry":2500}"#,
    "\n",
    r#"{"event":"message","data":"line one\nline two","id":"42"}"#,
    "\n",
    r#"{"event":"with\ttab","data":" leading space kept after the first\n","id":"42"}"#,
    "\n",
    r#"{"event":"message","data":"x","id":""}"#,
    "\n",
);

#[test]
fn file_input_prints_one_json_object_per_event_and_retry() {
    let path = temp_file("stream.sse", STREAM);
    let r = run(&["parse", path.to_str().unwrap()], None);
    assert_eq!(r.stdout_str(), EXPECTED);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, Some(0));
}

#[test]
fn stdin_is_read_when_file_is_absent() {
    let r = run(&["parse"], Some(STREAM));
    assert_eq!(r.stdout_str(), EXPECTED);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, Some(0));
}

#[test]
fn dash_means_stdin() {
    let r = run(&["parse", "-"], Some(STREAM));
    assert_eq!(r.stdout_str(), EXPECTED);
    assert_eq!(r.code, Some(0));
}

#[test]
fn every_chunk_size_gives_the_same_output() {
    // Size 1 splits the CRLFs, the BOM and the two-byte "é" across feeds.
    for size in ["1", "2", "3", "7", "64", "100000"] {
        let r = run(&["parse", "--chunk-size", size], Some(STREAM));
        assert_eq!(r.stdout_str(), EXPECTED, "--chunk-size {size}");
        assert_eq!(r.stderr, "", "--chunk-size {size}");
        assert_eq!(r.code, Some(0), "--chunk-size {size}");
    }
    let path = temp_file("stream.sse", STREAM);
    let r = run(
        &["parse", "--chunk-size", "1", path.to_str().unwrap()],
        None,
    );
    assert_eq!(r.stdout_str(), EXPECTED);
}

#[test]
fn invalid_utf8_is_replaced_and_control_characters_escaped() {
    let r = run(&["parse"], Some(b"data: a\xFFb\x01\x7F\xE2\x82\n\n"));
    assert_eq!(
        r.stdout_str(),
        "{\"event\":\"message\",\"data\":\"a\u{FFFD}b\\u0001\u{7F}\u{FFFD}\",\"id\":\"\"}\n"
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn empty_input_prints_nothing_and_succeeds() {
    let r = run(&["parse"], Some(b""));
    assert_eq!(r.stdout, b"");
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, Some(0));
}

#[test]
fn no_stdin_at_all_is_an_empty_input() {
    let r = run(&["parse"], None);
    assert_eq!(r.stdout, b"");
    assert_eq!(r.code, Some(0));
}

#[test]
fn unterminated_final_event_warns_and_succeeds() {
    let input = b"data: complete\n\nevent: x\ndata: never dispatched\n";
    for size in [None, Some("1")] {
        let mut args = vec!["parse"];
        if let Some(s) = size {
            args.extend(["--chunk-size", s]);
        }
        let r = run(&args, Some(input));
        assert_eq!(
            r.stdout_str(),
            "{\"event\":\"message\",\"data\":\"complete\",\"id\":\"\"}\n"
        );
        assert_eq!(
            r.stderr,
            "llm-sse: warning: the input ended inside an event that no blank line terminated; \
             it was discarded, not dispatched\n"
        );
        assert_eq!(r.code, Some(0));
    }
}

#[test]
fn unterminated_final_line_warns_with_its_size() {
    let r = run(&["parse"], Some(b"data: a\n\ndata: tail"));
    assert_eq!(
        r.stdout_str(),
        "{\"event\":\"message\",\"data\":\"a\",\"id\":\"\"}\n"
    );
    assert_eq!(
        r.stderr,
        "llm-sse: warning: the input ended inside 10 bytes of an unfinished line; \
         it was discarded, not dispatched\n"
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn data_limit_error_exits_1_after_printing_earlier_events() {
    let input = b"data: ok\n\ndata: 12345\ndata: 67890\n\ndata: never\n\n";
    for size in [None, Some("1")] {
        let mut args = vec!["parse", "--max-event-size", "10"];
        if let Some(s) = size {
            args.extend(["--chunk-size", s]);
        }
        let r = run(&args, Some(input));
        assert_eq!(
            r.stdout_str(),
            "{\"event\":\"message\",\"data\":\"ok\",\"id\":\"\"}\n"
        );
        // "12345\n67890" is 11 bytes.
        assert_eq!(
            r.stderr,
            "llm-sse: error: event data size limit exceeded: 11 bytes, at most 10 allowed\n"
        );
        assert_eq!(r.code, Some(1));
    }
}

#[test]
fn max_event_size_accepts_exactly_that_many_bytes_of_data() {
    // One data line of 10 bytes, and two lines whose data joined with LF is 10 bytes.
    for (input, data) in [
        (&b"data: 0123456789\n\n"[..], "0123456789"),
        (b"data: 1234\ndata: 56789\n\n", "1234\\n56789"),
    ] {
        for size in [None, Some("1")] {
            let mut args = vec!["parse"];
            if let Some(s) = size {
                args.extend(["--chunk-size", s]);
            }
            let r = run(
                &[&args[..], &["--max-event-size", "10"]].concat(),
                Some(input),
            );
            assert_eq!(
                r.stdout_str(),
                format!("{{\"event\":\"message\",\"data\":\"{data}\",\"id\":\"\"}}\n")
            );
            assert_eq!(r.stderr, "");
            assert_eq!(r.code, Some(0));
            let r = run(
                &[&args[..], &["--max-event-size", "9"]].concat(),
                Some(input),
            );
            assert_eq!(r.stdout, b"");
            assert_eq!(
                r.stderr,
                "llm-sse: error: event data size limit exceeded: 10 bytes, at most 9 allowed\n"
            );
            assert_eq!(r.code, Some(1));
        }
    }
}

#[test]
fn a_line_that_never_ends_hits_the_line_limit_however_it_is_read() {
    // Lines may be 1 KiB longer than the event size limit. The error is the same whether the
    // line arrives in one read or byte by byte.
    let mut input = b"data: ok\n\n".to_vec();
    input.extend(std::iter::repeat_n(b'x', 5000));
    for size in [None, Some("1"), Some("7"), Some("4096")] {
        let mut args = vec!["parse", "--max-event-size", "16"];
        if let Some(s) = size {
            args.extend(["--chunk-size", s]);
        }
        let r = run(&args, Some(&input));
        assert_eq!(
            r.stdout_str(),
            "{\"event\":\"message\",\"data\":\"ok\",\"id\":\"\"}\n",
            "{args:?}"
        );
        assert_eq!(
            r.stderr,
            "llm-sse: error: line length limit exceeded: a line of more than 1040 bytes\n",
            "{args:?}"
        );
        assert_eq!(r.code, Some(1), "{args:?}");
    }
}

#[test]
fn an_unreadable_file_exits_2() {
    let r = run(&["parse", "/nonexistent/dir/stream.sse"], None);
    assert_eq!(r.stdout, b"");
    assert!(
        r.stderr
            .starts_with("llm-sse: error: cannot open /nonexistent/dir/stream.sse: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn a_read_error_exits_2() {
    // Opening a directory succeeds; reading it fails.
    let dir = env!("CARGO_TARGET_TMPDIR");
    let r = run(&["parse", dir], None);
    assert_eq!(r.stdout, b"");
    assert!(
        r.stderr
            .starts_with("llm-sse: error: cannot read the input: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn events_are_printed_while_the_input_is_still_open() {
    let mut child = spawn(&["parse"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"id: 1\ndata: first\n\ndata: partial")
        .unwrap();
    stdin.flush().unwrap();
    expect_output_before_eof(
        &mut child,
        b"{\"event\":\"message\",\"data\":\"first\",\"id\":\"1\"}\n",
    );
    stdin.write_all(b"\n\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"event\":\"message\",\"data\":\"partial\",\"id\":\"1\"}\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = spawn(&["parse"]);
    drop(child.stdout.take()); // as `| head` does once it has enough
    let mut stdin = child.stdin.take().unwrap();
    let event = b"data: some event data that is long enough to fill pipes quickly\n\n";
    for _ in 0..20_000 {
        if stdin.write_all(event).is_err() {
            break; // the child stopped reading: it has noticed the closed output
        }
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(stderr, "");
    assert_eq!(status.code(), Some(0));
}
