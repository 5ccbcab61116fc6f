//! `llm-sse replay`: exact stdout, stderr and exit codes of the real binary.
//!
//! The first part tests the command's plumbing with inputs whose result DESIGN.md fixes without
//! depending on how a provider's events are decoded (empty and truncated streams, limit errors,
//! I/O and usage errors). The tests in `mod decoded` need the real provider decoders.

use crate::common;

use std::io::Write;

use common::{expect_output_before_eof, run, spawn, temp_file};

/// The providers whose streams are server-sent events (the plumbing tests feed SSE text).
const PROVIDERS: [&str; 4] = ["anthropic", "openai", "gemini", "vertex"];

/// Every provider with the extension of its recordings (Bedrock's are binary event streams).
const RECORDED: [(&str, &str); 5] = [
    ("anthropic", "sse"),
    ("openai", "sse"),
    ("gemini", "sse"),
    ("bedrock", "eventstream"),
    ("vertex", "sse"),
];

/// Splits an error terminal frame (or JSON line) of `provider` into the part before the error
/// message and asserts everything but the message text, which each decoder words itself.
fn assert_error_terminal(json: &str, provider: &str, error_type: &str) {
    let head = format!(
        "{{\"token\":\"\",\"done\":true,\"provider\":\"{provider}\",\"finish_reason\":\"error\",\
         \"error\":{{\"type\":\"{error_type}\",\"message\":\""
    );
    assert!(
        json.starts_with(&head),
        "{json}\ndoes not start with\n{head}"
    );
    assert!(json.ends_with("\"}}"), "{json}");
}

/// Asserts that `stdout` is exactly one error terminal frame and the `[DONE]` frame.
fn assert_error_frames(stdout: &str, provider: &str, error_type: &str) {
    let json = stdout
        .strip_prefix("data: ")
        .and_then(|s| s.strip_suffix("\n\ndata: [DONE]\n\n"))
        .unwrap_or_else(|| panic!("not one terminal frame and [DONE]: {stdout:?}"));
    assert!(!json.contains('\n'), "{stdout:?}");
    assert_error_terminal(json, provider, error_type);
}

#[test]
fn an_empty_stream_ends_with_an_incomplete_stream_error_frame() {
    for provider in PROVIDERS {
        for input in [None, Some(&b""[..])] {
            let r = run(&["replay", "--provider", provider], input);
            assert_error_frames(r.stdout_str(), provider, "incomplete_stream");
            assert_eq!(r.stderr, "", "{provider}");
            assert_eq!(r.code, Some(1), "{provider}");
        }
    }
}

#[test]
fn a_stream_of_comments_is_truncated_too_whatever_the_chunk_size() {
    let input = b": keep-alive\n\n: another\r\n\r\n";
    for provider in PROVIDERS {
        for size in ["1", "5", "4096"] {
            let args = ["replay", "--provider", provider, "--chunk-size", size, "-"];
            let r = run(&args, Some(input));
            assert_error_frames(r.stdout_str(), provider, "incomplete_stream");
            assert_eq!(r.code, Some(1), "{provider} {size}");
        }
    }
}

#[test]
fn jsonl_prints_the_terminal_chunk_as_one_line() {
    for provider in PROVIDERS {
        let r = run(
            &["replay", "--provider", provider, "--format", "jsonl"],
            Some(b""),
        );
        let line = r.stdout_str().strip_suffix('\n').expect("one line");
        assert!(!line.contains('\n'));
        assert_error_terminal(line, provider, "incomplete_stream");
        assert_eq!(r.code, Some(1));
    }
}

#[test]
fn text_prints_no_answer_and_reports_the_error_on_stderr() {
    let r = run(
        &["replay", "--provider", "openai", "--format", "text"],
        Some(b""),
    );
    assert_eq!(r.stdout, b"");
    let mut lines = r.stderr.lines();
    assert_eq!(lines.next(), Some("finish: error"));
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("error: incomplete_stream: ")),
        "{}",
        r.stderr
    );
    assert_eq!(lines.next(), None);
    assert_eq!(r.code, Some(1));
}

#[test]
fn a_limit_error_is_an_invalid_event_error_frame() {
    // The normalizer words this error itself, so the whole frame is known.
    for provider in PROVIDERS {
        let mut input = b": hi\n\ndata: ".to_vec();
        input.extend(std::iter::repeat_n(b'x', 200));
        input.extend(b"\n\n");
        for size in [None, Some("1")] {
            let mut args = vec!["replay", "--provider", provider, "--max-event-size", "100"];
            if let Some(s) = size {
                args.extend(["--chunk-size", s]);
            }
            let r = run(&args, Some(&input));
            assert_eq!(
                r.stdout_str(),
                format!(
                    "data: {{\"token\":\"\",\"done\":true,\"provider\":\"{provider}\",\
                     \"finish_reason\":\"error\",\"error\":{{\"type\":\"invalid_event\",\
                     \"message\":\"malformed event stream: event data size limit exceeded: \
                     200 bytes, at most 100 allowed\"}}}}\n\ndata: [DONE]\n\n"
                ),
                "{args:?}"
            );
            assert_eq!(r.stderr, "");
            assert_eq!(r.code, Some(1));
        }
    }
}

#[test]
fn the_error_frame_is_printed_as_soon_as_the_error_is_fed() {
    let mut child = spawn(&["replay", "--provider", "anthropic", "--max-event-size", "8"]);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"data: 0123456789\n").unwrap();
    stdin.flush().unwrap();
    expect_output_before_eof(
        &mut child,
        b"data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"finish_reason\":\"error\",\
          \"error\":{\"type\":\"invalid_event\",\"message\":\"malformed event stream: event data \
          size limit exceeded: 10 bytes, at most 8 allowed\"}}\n\ndata: [DONE]\n\n",
    );
    // The stream is over: the command exits without waiting for the end of its input.
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    drop(stdin);
}

#[test]
fn a_read_error_ends_with_a_connection_error_frame_and_exits_2() {
    // Opening a directory succeeds; reading it fails.
    let dir = env!("CARGO_TARGET_TMPDIR");
    for format in ["frames", "jsonl"] {
        let r = run(
            &["replay", "--provider", "gemini", "--format", format, dir],
            None,
        );
        let out = r.stdout_str();
        let json = match format {
            "frames" => out
                .strip_prefix("data: ")
                .and_then(|s| s.strip_suffix("\n\ndata: [DONE]\n\n")),
            _ => out.strip_suffix('\n'),
        };
        assert_error_terminal(json.unwrap(), "gemini", "connection_error");
        assert!(
            r.stderr
                .starts_with("llm-sse: error: cannot read the input: "),
            "{}",
            r.stderr
        );
        assert_eq!(r.code, Some(2));
    }
}

#[test]
fn an_unreadable_file_exits_2_without_output() {
    let r = run(
        &[
            "replay",
            "--provider",
            "anthropic",
            "/nonexistent/recording.sse",
        ],
        None,
    );
    assert_eq!(r.stdout, b"");
    assert!(
        r.stderr
            .starts_with("llm-sse: error: cannot open /nonexistent/recording.sse: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn usage_errors_exit_2_without_output() {
    for args in [
        &["replay"][..],
        &["replay", "--provider", "cohere"],
        &["replay", "--provider", "openai", "--format", "html"],
        &["replay", "--provider", "openai", "--chunk-size", "0"],
        &["replay", "--provider", "openai", "--chunk-size"],
        &["replay", "--provider", "openai", "--max-event-size", "-1"],
    ] {
        let r = run(args, Some(b""));
        assert_eq!(r.stdout, b"", "{args:?}");
        assert!(
            r.stderr.starts_with("llm-sse: error: "),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(r.code, Some(2), "{args:?}");
    }
}

/// These need the real provider decoders (`core/src/decode/*`); the inputs and expected frames
/// follow DESIGN.md's wire contract.
mod decoded {
    use super::*;

    const ANTHROPIC: &str = concat!(
        "event: message_start\n",
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Greet.\"}}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"c2ln\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_start\n",
        "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\n",
        "data: {\"type\":\"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi \\\"é\\\"\"}}\n\n",
        "event: content_block_stop\n",
        "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
        "event: message_delta\n",
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n",
        "event: message_stop\n",
        "data: {\"type\":\"message_stop\"}\n\n",
    );

    const TERMINAL: &str = "{\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_1\",\
         \"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"stop\",\
         \"provider_finish_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}";

    fn frames() -> String {
        format!(
            "data: {{\"token\":\"\",\"done\":false,\"reasoning\":\"Greet.\"}}\n\n\
             data: {{\"token\":\"\",\"done\":false,\"reasoning_signature\":\"c2ln\"}}\n\n\
             data: {{\"token\":\"Hi \\\"é\\\"\",\"done\":false}}\n\n\
             data: {TERMINAL}\n\ndata: [DONE]\n\n"
        )
    }

    #[test]
    fn frames_are_the_gateway_wire_output() {
        let path = temp_file("text.sse", ANTHROPIC.as_bytes());
        for size in [None, Some("1"), Some("13")] {
            let mut args = vec!["replay", "--provider", "anthropic", path.to_str().unwrap()];
            if let Some(s) = size {
                args.extend(["--chunk-size", s]);
            }
            let r = run(&args, None);
            assert_eq!(r.stdout_str(), frames(), "{args:?}");
            assert_eq!(r.stderr, "");
            assert_eq!(r.code, Some(0));
        }
    }

    /// Since the wire-contract revision of 2026-12-06 the frames are exactly the JSONL lines
    /// (block breaks, which have no frame, aside).
    #[test]
    fn jsonl_is_the_frames_json() {
        let r = run(
            &["replay", "--provider", "anthropic", "--format", "jsonl"],
            Some(ANTHROPIC.as_bytes()),
        );
        assert_eq!(
            r.stdout_str(),
            format!(
                "{{\"token\":\"\",\"done\":false,\"reasoning\":\"Greet.\"}}\n\
                 {{\"token\":\"\",\"done\":false,\"reasoning_signature\":\"c2ln\"}}\n\
                 {{\"token\":\"Hi \\\"é\\\"\",\"done\":false}}\n\
                 {TERMINAL}\n"
            )
        );
        assert_eq!(r.code, Some(0));
    }

    #[test]
    fn text_shows_reasoning_then_the_answer_and_the_summary_on_stderr() {
        let r = run(
            &["replay", "--provider", "anthropic", "--format", "text"],
            Some(ANTHROPIC.as_bytes()),
        );
        assert_eq!(r.stdout_str(), "> Greet.\nHi \"é\"\n");
        assert_eq!(
            r.stderr,
            "id: msg_1\nmodel: claude-sonnet-4-5\nfinish: stop (provider: end_turn)\n\
             usage: input_tokens=3 output_tokens=2\n"
        );
        assert_eq!(r.code, Some(0));
    }

    #[test]
    fn a_provider_error_exits_1_after_the_error_frame() {
        let input = concat!(
            "event: message_start\n",
            "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
            "event: error\n",
            "data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        );
        let r = run(
            &["replay", "--provider", "anthropic"],
            Some(input.as_bytes()),
        );
        assert_eq!(
            r.stdout_str(),
            "data: {\"token\":\"\",\"done\":true,\"provider\":\"anthropic\",\"id\":\"msg_1\",\
             \"model\":\"claude-sonnet-4-5\",\"finish_reason\":\"error\",\
             \"usage\":{\"input_tokens\":3,\"output_tokens\":1},\
             \"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n\
             data: [DONE]\n\n"
        );
        assert_eq!(r.code, Some(1));
    }

    #[test]
    fn a_token_is_printed_as_soon_as_its_bytes_are_fed() {
        let mut child = spawn(&["replay", "--provider", "anthropic", "--format", "text"]);
        let mut stdin = child.stdin.take().unwrap();
        let split = ANTHROPIC
            .find("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}")
            .unwrap();
        stdin.write_all(&ANTHROPIC.as_bytes()[..split]).unwrap();
        stdin.flush().unwrap();
        expect_output_before_eof(&mut child, "> Greet.\nHi \"é\"".as_bytes());
        stdin.write_all(&ANTHROPIC.as_bytes()[split..]).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.stdout, b"\n");
        assert_eq!(out.status.code(), Some(0));
    }

    #[test]
    fn openai_text_and_finish() {
        let input = concat!(
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        );
        let r = run(&["replay", "--provider", "openai"], Some(input.as_bytes()));
        assert_eq!(
            r.stdout_str(),
            "data: {\"token\":\"Hi\",\"done\":false}\n\n\
             data: {\"token\":\"\",\"done\":true,\"provider\":\"openai\",\"id\":\"c1\",\
             \"model\":\"gpt-4o\",\"finish_reason\":\"stop\",\"provider_finish_reason\":\"stop\"}\n\n\
             data: [DONE]\n\n"
        );
        assert_eq!(r.code, Some(0));
    }
}

/// Every recorded fixture replays to exactly its golden frames (the gateway's wire output), fed
/// as read and one byte at a time, and the exit code follows the terminal frame.
#[test]
fn every_fixture_replays_to_its_golden_frames() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut checked = 0;
    for (provider, extension) in RECORDED {
        let Ok(dir) = std::fs::read_dir(root.join(provider)) else {
            continue;
        };
        let mut paths: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for sse in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == extension))
        {
            let Ok(golden) = std::fs::read(sse.with_extension("frames")) else {
                continue;
            };
            let failed = String::from_utf8_lossy(&golden).contains("\"finish_reason\":\"error\"");
            let path = sse.to_str().unwrap();
            for size in [None, Some("1")] {
                let mut args = vec!["replay", "--provider", provider, path];
                if let Some(s) = size {
                    args.extend(["--chunk-size", s]);
                }
                let r = run(&args, None);
                assert_eq!(r.stdout_str(), String::from_utf8_lossy(&golden), "{args:?}");
                assert_eq!(r.stderr, "", "{args:?}");
                assert_eq!(r.code, Some(if failed { 1 } else { 0 }), "{args:?}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} fixtures found under {}",
        root.display()
    );
}

/// `--format openai|anthropic`: every recorded fixture replays to exactly its golden dialect
/// stream (`tests/fixtures/<provider>/dialects/<name>.<dialect>.sse`, checked against the API
/// references when blessed), fed as read and one byte at a time; the exit code follows the
/// stream's end.
#[test]
fn every_fixture_replays_to_its_golden_dialect_streams() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut checked = 0;
    for (provider, extension) in RECORDED {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(provider))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == extension))
            .collect();
        paths.sort();
        for sse in &paths {
            let name = sse.file_stem().unwrap().to_str().unwrap();
            let frames = std::fs::read(sse.with_extension("frames")).unwrap();
            let failed = String::from_utf8_lossy(&frames).contains("\"finish_reason\":\"error\"");
            for dialect in ["openai", "anthropic"] {
                let golden_path = root
                    .join(provider)
                    .join("dialects")
                    .join(format!("{name}.{dialect}.sse"));
                let golden = std::fs::read(&golden_path)
                    .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
                let path = sse.to_str().unwrap();
                for size in [None, Some("1")] {
                    let mut args =
                        vec!["replay", "--provider", provider, "--format", dialect, path];
                    if let Some(s) = size {
                        args.extend(["--chunk-size", s]);
                    }
                    let r = run(&args, None);
                    assert_eq!(r.stdout_str(), String::from_utf8_lossy(&golden), "{args:?}");
                    assert_eq!(r.stderr, "", "{args:?}");
                    assert_eq!(r.code, Some(if failed { 1 } else { 0 }), "{args:?}");
                }
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 30,
        "only {checked} fixtures under {}",
        root.display()
    );
}

#[test]
fn an_empty_stream_in_the_dialects_is_their_error_event() {
    let r = run(
        &["replay", "--provider", "gemini", "--format", "openai"],
        Some(b""),
    );
    assert_eq!(
        r.stdout_str(),
        "data: {\"id\":\"chatcmpl-replay\",\"object\":\"chat.completion.chunk\",\"created\":0,\
         \"model\":\"gemini\",\"choices\":[],\"error\":{\"message\":\"the stream ended before any \
         finishReason\",\"type\":\"incomplete_stream\",\"param\":null,\"code\":null}}\n\n\
         data: [DONE]\n\n"
    );
    assert_eq!((r.stderr.as_str(), r.code), ("", Some(1)));
    let r = run(
        &["replay", "--provider", "openai", "--format", "anthropic"],
        Some(b": keep-alive\n\n"),
    );
    assert_eq!(
        r.stdout_str(),
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"incomplete_stream\",\
         \"message\":\"the stream ended before any finish_reason\"}}\n\n"
    );
    assert_eq!(r.code, Some(1));
}

#[test]
fn an_openai_stream_as_anthropic_events() {
    let input = concat!(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1}}\n\n",
        "data: [DONE]\n\n",
    );
    let r = run(
        &["replay", "--provider", "openai", "--format", "anthropic"],
        Some(input.as_bytes()),
    );
    assert_eq!(
        r.stdout_str(),
        concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_replay\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"openai\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        )
    );
    assert_eq!((r.stderr.as_str(), r.code), ("", Some(0)));
}

#[test]
fn dialect_names_are_the_core_s() {
    let r = run(
        &["replay", "--provider", "openai", "--format", "open-ai"],
        Some(b""),
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .starts_with("llm-sse: error: invalid value 'open-ai' for '--format <FORMAT>'"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("openai, anthropic"), "{}", r.stderr);
}

/// `replay --provider bedrock` reads Amazon Bedrock's binary event stream, from a file or from
/// standard input; a corrupted byte is an `invalid_event` error frame (exit 1), a message cut
/// short an `incomplete_stream` one.
#[test]
fn a_bedrock_event_stream_replays_from_a_file_or_standard_input() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bedrock");
    let wire = std::fs::read(root.join("text.eventstream")).unwrap();
    let golden = std::fs::read_to_string(root.join("text.frames")).unwrap();
    let r = run(&["replay", "--provider", "bedrock", "-"], Some(&wire));
    assert_eq!((r.stdout_str(), r.code), (golden.as_str(), Some(0)));
    let r = run(
        &[
            "replay",
            "--provider",
            "bedrock",
            "--format",
            "text",
            "--chunk-size",
            "3",
        ],
        Some(&wire),
    );
    assert!(
        r.stdout_str().starts_with("Server-sent events (SSE)"),
        "{}",
        r.stdout_str()
    );
    assert_eq!(r.code, Some(0));

    let mut corrupted = wire.clone();
    corrupted[200] ^= 0x01;
    let r = run(&["replay", "--provider", "bedrock"], Some(&corrupted));
    assert_ends_in(r.stdout_str(), "invalid_event");
    assert_eq!(r.code, Some(1));

    let r = run(
        &["replay", "--provider", "bedrock"],
        Some(&wire[..wire.len() - 5]),
    );
    assert_ends_in(r.stdout_str(), "incomplete_stream");
    assert_eq!(r.code, Some(1));

    // An SSE recording is not an event stream.
    let sse = std::fs::read(root.join("../anthropic/text.sse")).unwrap();
    let r = run(&["replay", "--provider", "bedrock"], Some(&sse));
    assert_ends_in(r.stdout_str(), "invalid_event");
}

/// `stdout`'s last frame before `[DONE]` is a Bedrock error terminal frame of `error_type`.
fn assert_ends_in(stdout: &str, error_type: &str) {
    let frames: Vec<&str> = stdout.split("\n\n").filter(|f| !f.is_empty()).collect();
    assert_eq!(frames.last(), Some(&"data: [DONE]"), "{stdout}");
    let terminal = frames[frames.len() - 2].strip_prefix("data: ").unwrap();
    let json: serde_json::Value = serde_json::from_str(terminal).unwrap();
    assert_eq!(json["provider"], "bedrock", "{terminal}");
    assert_eq!(json["finish_reason"], "error", "{terminal}");
    assert_eq!(json["error"]["type"], error_type, "{terminal}");
}
