//! The `llm-sse` command line itself: usage errors, help and version, exactly as printed.

use crate::common;

use common::run;

/// Runs `args` and checks a usage error: nothing on standard output, exit code 2, and exactly
/// `stderr`.
#[track_caller]
fn assert_usage_error(args: &[&str], stderr: &str) {
    let r = run(args, Some(b"data: x\n\n"));
    assert_eq!(r.stdout, b"", "{args:?}");
    assert_eq!(r.stderr, stderr, "{args:?}");
    assert_eq!(r.code, Some(2), "{args:?}");
}

#[test]
fn a_zero_max_event_size_says_it_must_be_at_least_1() {
    assert_usage_error(
        &["parse", "--max-event-size", "0"],
        "llm-sse: error: invalid value '0' for '--max-event-size <BYTES>': must be at least 1\n\
         \n\
         For more information, try '--help'.\n",
    );
}

#[test]
fn sizes_must_be_decimal_numbers() {
    assert_usage_error(
        &[
            "replay",
            "--provider",
            "openai",
            "--max-event-size",
            "16MiB",
        ],
        "llm-sse: error: invalid value '16MiB' for '--max-event-size <BYTES>': \
         expected a number of bytes (decimal digits only)\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["parse", "--max-event-size", "18446744073709551616"],
        "llm-sse: error: invalid value '18446744073709551616' for '--max-event-size <BYTES>': \
         must be at most 18446744073709551615\n\
         \n\
         For more information, try '--help'.\n",
    );
}

#[test]
fn the_chunk_size_is_1_to_16_mib() {
    assert_usage_error(
        &["parse", "--chunk-size", "0"],
        "llm-sse: error: invalid value '0' for '--chunk-size <N>': must be at least 1\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["parse", "--chunk-size", "16777217"],
        "llm-sse: error: invalid value '16777217' for '--chunk-size <N>': \
         must be at most 16777216 (16 MiB)\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["parse", "--chunk-size", "abc"],
        "llm-sse: error: invalid value 'abc' for '--chunk-size <N>': \
         expected a number of bytes (decimal digits only)\n\
         \n\
         For more information, try '--help'.\n",
    );
    // 16 MiB itself is accepted.
    let r = run(&["parse", "--chunk-size", "16777216"], Some(b"data: x\n\n"));
    assert_eq!(
        r.stdout_str(),
        "{\"event\":\"message\",\"data\":\"x\",\"id\":\"\"}\n"
    );
    assert_eq!(r.code, Some(0));
}

#[test]
fn clap_errors_keep_their_context_and_usage_under_the_prefix() {
    assert_usage_error(
        &["parse", "--no-such-flag"],
        "llm-sse: error: unexpected argument '--no-such-flag' found\n\
         \n  tip: to pass '--no-such-flag' as a value, use '-- --no-such-flag'\n\
         \n\
         Usage: llm-sse parse [OPTIONS] [FILE]\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["parse", "a.sse", "b.sse"],
        "llm-sse: error: unexpected argument 'b.sse' found\n\
         \n\
         Usage: llm-sse parse [OPTIONS] [FILE]\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["replay"],
        "llm-sse: error: the following required arguments were not provided:\n  \
         --provider <PROVIDER>\n\
         \n\
         Usage: llm-sse replay --provider <PROVIDER> [FILE]\n\
         \n\
         For more information, try '--help'.\n",
    );
    assert_usage_error(
        &["frobnicate"],
        "llm-sse: error: unrecognized subcommand 'frobnicate'\n\
         \n\
         Usage: llm-sse <COMMAND>\n\
         \n\
         For more information, try '--help'.\n",
    );
}

#[test]
fn no_subcommand_is_an_error_followed_by_the_help() {
    let r = run(&[], None);
    assert_eq!(r.stdout, b"");
    assert!(
        r.stderr
            .starts_with("llm-sse: error: a subcommand is required\n\nParse server-sent events"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\nUsage: llm-sse <COMMAND>\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn every_usage_error_is_prefixed_and_exits_2() {
    for args in [
        &["parse", "--chunk-size"][..],
        &["parse", "--max-event-size", ""],
        &["replay", "--provider", "x"],
        &["replay", "--provider", "openai", "--format", "yaml"],
        &["help", "nothing"],
        &["-x"],
    ] {
        let r = run(args, None);
        assert_eq!(r.stdout, b"", "{args:?}");
        assert!(
            r.stderr.starts_with("llm-sse: error: "),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("\nerror: "), "{args:?}: {}", r.stderr);
        assert_eq!(r.code, Some(2), "{args:?}");
    }
}

#[test]
fn help_shows_file_as_optional_and_documents_the_limits() {
    for (args, usage) in [
        (
            &["parse", "--help"][..],
            "Usage: llm-sse parse [OPTIONS] [FILE]\n",
        ),
        (&["parse", "-h"], "Usage: llm-sse parse [OPTIONS] [FILE]\n"),
        (
            &["help", "parse"],
            "Usage: llm-sse parse [OPTIONS] [FILE]\n",
        ),
        (
            &["replay", "--help"],
            "Usage: llm-sse replay [OPTIONS] --provider <PROVIDER> [FILE]\n",
        ),
    ] {
        let r = run(args, None);
        let help = r.stdout_str();
        assert!(help.contains(usage), "{args:?}: {help}");
        assert!(
            help.contains("[FILE]  ") || help.contains("  [FILE]\n"),
            "{args:?}: {help}"
        );
        assert!(!help.contains("<FILE>"), "{args:?}: {help}");
        assert!(
            help.contains("--chunk-size <N>") && help.contains("1 to 16 MiB"),
            "{args:?}: {help}"
        );
        assert!(
            help.contains("--max-event-size <BYTES>") && help.contains("(default 16 MiB)"),
            "{args:?}: {help}"
        );
        assert_eq!(r.stderr, "", "{args:?}");
        assert_eq!(r.code, Some(0), "{args:?}");
    }
    let r = run(&["parse", "--help"], None);
    assert!(r.stdout_str().contains("N is at most 16777216 (16 MiB)"));
    assert!(r.stdout_str().contains("standard input when absent or `-`"));
}

#[test]
fn version_prints_to_stdout_and_succeeds() {
    let r = run(&["--version"], None);
    assert_eq!(
        r.stdout_str(),
        concat!("llm-sse ", env!("CARGO_PKG_VERSION"), "\n")
    );
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, Some(0));
}
