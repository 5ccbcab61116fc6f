//! The command examples of the documentation are what the command prints: every `console` block
//! of the README, of this crate's README and of `docs/cli.md` that uses only `llm-sse parse`,
//! `llm-sse replay` and the shell around them (`cat`, `printf`, `echo $?`, `head`) runs, in one
//! `sh` script per block, and its standard output and error (in the order written) must be the
//! lines the block shows. A line `...` in a block stands for any number of lines, and `...`
//! inside a line for the part of it the manual cut out (it shortens long outputs that way);
//! nothing else is left out.
//!
//! The blocks that need a provider, a key or a server (`chat`, `mock`, `serve`) are skipped here;
//! `cli_chat.rs`, `mock_cli.rs` and `gateway_cli.rs` test those commands.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One `console` block: the commands (`$ ` lines) and the output it shows.
struct Block {
    file: &'static str,
    line: usize,
    commands: Vec<String>,
    expected: Vec<String>,
    /// Files the block creates with `$ cat FILE` and the output shown for it.
    files: Vec<(String, String)>,
}

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The `console` blocks of `file` (relative to the root), their lines with the fence's
/// indentation removed.
fn console_blocks(file: &'static str) -> Vec<Block> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let indent = lines[i].len() - lines[i].trim_start().len();
        if lines[i].trim_start() != "```console" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut body = Vec::new();
        i += 1;
        while lines[i].trim_start() != "```" {
            body.push(lines[i].get(indent..).unwrap_or("").to_string());
            i += 1;
        }
        i += 1;
        let mut block = Block {
            file,
            line: start,
            commands: Vec::new(),
            expected: Vec::new(),
            files: Vec::new(),
        };
        let mut cat: Option<(String, Vec<String>)> = None;
        for line in body {
            if let Some(command) = line.strip_prefix("$ ") {
                if let Some((name, content)) = cat.take() {
                    block.files.push((name, content.join("\n") + "\n"));
                }
                if let Some(name) = command.strip_prefix("cat ") {
                    cat = Some((name.to_string(), Vec::new()));
                }
                block.commands.push(command.to_string());
            } else if let Some((_, content)) = &mut cat {
                content.push(line.clone());
                block.expected.push(line);
            } else {
                block.expected.push(line);
            }
        }
        if let Some((name, content)) = cat.take() {
            block.files.push((name, content.join("\n") + "\n"));
        }
        blocks.push(block);
    }
    blocks
}

/// Whether a block uses only the commands this test runs.
fn runnable(block: &Block) -> bool {
    block.commands.iter().all(|command| {
        command.starts_with("llm-sse parse")
            || command.starts_with("llm-sse replay")
            || command.starts_with("printf ")
            || command.starts_with("cat ")
            || command == "echo $?"
    }) && block.commands.iter().all(|command| {
        command
            .split_whitespace()
            .filter(|word| word.ends_with(".sse") && !word.starts_with("tests/"))
            .all(|file| block.files.iter().any(|(name, _)| name == file))
    })
}

/// Whether `got` is `expected`, where a line `...` of `expected` matches any number of lines.
fn matches(expected: &[String], got: &[String]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=got.len()).any(|skip| matches(rest, &got[skip..]))
        }
        Some((first, rest)) => {
            got.first().is_some_and(|line| line_matches(first, line)) && matches(rest, &got[1..])
        }
    }
}

/// Whether `got` is the line `shown`, where `...` inside a line stands for what the manual cut
/// out of it (a long signature): the text before and after it must be there.
fn line_matches(shown: &str, got: &str) -> bool {
    if shown == got {
        return true;
    }
    match shown.split_once("...") {
        Some((before, after)) => {
            got.len() >= before.len() + after.len()
                && got.starts_with(before)
                && got.ends_with(after)
        }
        None => false,
    }
}

/// Runs a block's commands in one `sh` script, from a directory where `tests/` is the
/// repository's and the block's `cat` files exist; returns what it wrote, both streams.
fn run(block: &Block, dir: &Path) -> Vec<String> {
    for (name, content) in &block.files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    let binary = Path::new(env!("CARGO_BIN_EXE_llm-sse"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("exec 2>&1\n{}\n", block.commands.join("\n"));
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Removes the empty lines at the end (a block's last frame ends with one; the fence hides it).
fn trimmed(mut lines: Vec<String>) -> Vec<String> {
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    lines
}

#[test]
fn the_documented_command_examples_print_what_they_show() {
    let dir = std::env::temp_dir().join(format!("llm-sse-cli-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(root().join("tests"), dir.join("tests")).unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    for file in [
        "README.md",
        "shell-tokio/README.md",
        "shell-tokio/docs/cli.md",
    ] {
        for block in console_blocks(file) {
            if !runnable(&block) {
                continue;
            }
            ran += 1;
            let got = trimmed(run(&block, &dir));
            let expected = trimmed(block.expected.clone());
            if !matches(&expected, &got) {
                failures.push(format!(
                    "{}:{}: `{}`\n--- shown:\n{}\n--- printed:\n{}",
                    block.file,
                    block.line,
                    block.commands.join("; "),
                    expected.join("\n"),
                    got.join("\n")
                ));
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The README's replay, and cli.md's parse, replay and error examples.
    assert!(ran >= 9, "only {ran} blocks ran");
}

#[test]
fn an_ellipsis_stands_for_any_lines_and_nothing_else_is_skipped() {
    let lines = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(matches(&lines("a\n...\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n...\nd"), &lines("a\nd")));
    assert!(!matches(&lines("a\n...\nd"), &lines("a\nb")));
    assert!(!matches(&lines("a\nd"), &lines("a\nb\nd")));
    assert!(!matches(&lines("a"), &lines("a\nb")));
    assert!(matches(
        &lines("{\"s\":\"Eq...\"}"),
        &lines("{\"s\":\"EqQB\"}")
    ));
    assert!(!matches(
        &lines("{\"s\":\"Eq...\"}"),
        &lines("{\"s\":\"Ex\"}")
    ));
    assert!(!matches(&lines("ab...ba"), &lines("aba")));
}
