//! The documentation holds together: every relative link in the Markdown files (the README, the
//! crates' READMEs, the manuals in `shell-tokio/docs/`, DEVELOPERS.md, CHANGELOG.md, the
//! benchmarks' README) points at a file that exists, and every `#anchor` at a heading of its
//! file; the README stays a tutorial (at most 400 lines, its library example within the first
//! 200, the test command `.ci/run` runs); every manual is linked from the README.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the repository")
        .to_path_buf()
}

/// The Markdown files whose links are checked, relative to the root.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut files: Vec<PathBuf> = ["README.md", "DEVELOPERS.md", "CHANGELOG.md"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let mut crates: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("README.md").is_file())
        .map(|dir| dir.strip_prefix(&root).unwrap().join("README.md"))
        .collect();
    crates.sort();
    files.extend(crates);
    files.push(PathBuf::from("tests/benches/README.md"));
    files.extend(manuals());
    for file in &files {
        assert!(root.join(file).is_file(), "{} is missing", file.display());
    }
    files
}

/// The manuals, `shell-tokio/docs/*.md`, relative to the root.
fn manuals() -> Vec<PathBuf> {
    let mut manuals: Vec<PathBuf> = fs::read_dir(root().join("shell-tokio/docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| path.strip_prefix(root()).unwrap().to_path_buf())
        .collect();
    manuals.sort();
    manuals
}

/// The text outside fenced code blocks, line by line, with inline code spans blanked out (a
/// code span shows link syntax, it makes no link). Fenced lines are returned empty, so line
/// numbers stay right.
fn prose_lines(text: &str) -> Vec<String> {
    let mut fence: Option<String> = None;
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(open) = &fence {
                if trimmed.starts_with(open.as_str()) && trimmed.trim_end() == open.as_str() {
                    fence = None;
                }
                return String::new();
            }
            for marker in ["```", "~~~"] {
                if trimmed.starts_with(marker) {
                    let len = trimmed
                        .chars()
                        .take_while(|&c| c == marker.as_bytes()[0] as char)
                        .count();
                    fence = Some(trimmed[..len].to_string());
                    return String::new();
                }
            }
            blank_code_spans(line)
        })
        .collect()
}

/// `line` with each inline code span (`` `...` ``, any number of backticks) removed.
fn blank_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        let closing = "`".repeat(ticks);
        match after.find(&closing) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                // An unclosed span is literal text.
                out.push_str(&rest[start..start + ticks]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// GitHub's anchor for a heading: lower case, everything but letters, digits, spaces, `-` and
/// `_` dropped, spaces made `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings (a repeated heading gets `-1`, `-2`, ...).
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut fence: Option<char> = None;
    let mut anchors = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            let c = trimmed.chars().next().unwrap();
            fence = match fence {
                Some(open) if open == c => None,
                Some(open) => Some(open),
                None => Some(c),
            };
            continue;
        }
        if fence.is_some() {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(&line[hashes..]);
            let count = seen.entry(base.clone()).or_insert(0);
            anchors.push(if *count == 0 {
                base
            } else {
                format!("{base}-{count}")
            });
            *count += 1;
        }
    }
    anchors
}

/// The link targets of a Markdown text with their line numbers: inline links and images
/// (`[text](target)`, `![alt](target "title")`) and reference definitions (`[name]: target`).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (index, line) in prose_lines(text).iter().enumerate() {
        let number = index + 1;
        let definition = line
            .trim_start()
            .strip_prefix('[')
            .and_then(|definition| definition.split_once("]:"));
        if let Some((_, target)) = definition {
            if let Some(target) = target.split_whitespace().next() {
                found.push((number, target.to_string()));
            }
            continue;
        }
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            found.push((number, target.to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// What is wrong with the links of `file` (relative to the root): one line per problem.
fn problems(file: &Path) -> Vec<String> {
    let root = root();
    let text = fs::read_to_string(root.join(file)).unwrap();
    let dir = file.parent().unwrap_or(Path::new(""));
    let mut problems = Vec::new();
    for (line, target) in links(&text) {
        let at = format!("{}:{line}: {target}", file.display());
        if target.is_empty() {
            problems.push(format!("{at}: an empty link"));
            continue;
        }
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (target.as_str(), None),
        };
        let linked = if path.is_empty() {
            file.to_path_buf()
        } else {
            dir.join(path)
        };
        let on_disk = root.join(&linked);
        if !on_disk.exists() {
            problems.push(format!("{at}: {} does not exist", linked.display()));
            continue;
        }
        if let Some(anchor) = anchor {
            if linked.extension().is_none_or(|ext| ext != "md") {
                problems.push(format!("{at}: an anchor into a file that is not Markdown"));
                continue;
            }
            let linked_text = fs::read_to_string(&on_disk).unwrap();
            if !anchors(&linked_text).iter().any(|a| a == anchor) {
                problems.push(format!(
                    "{at}: {} has no heading #{anchor}",
                    linked.display()
                ));
            }
        }
    }
    problems
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let files = documents();
    assert!(files.len() >= 13, "{files:?}");
    let relative = files
        .iter()
        .map(|file| fs::read_to_string(root().join(file)).unwrap())
        .flat_map(|text| links(&text))
        .filter(|(_, target)| !target.contains("://"))
        .count();
    assert!(relative >= 80, "only {relative} relative links found");
    let problems: Vec<String> = files.iter().flat_map(|file| problems(file)).collect();
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_broken_links() {
    let text = "# Title\n\n## The `llm-sse` command (CLI)\n\n```md\n[in a fence](nowhere.md)\n```\n\
                [fine](#title) `[in code](nowhere.md)` [bad](#no-such) [x](a.md#b \"t\")\n\
                [ref]: https://example.com\n";
    assert_eq!(anchors(text), ["title", "the-llm-sse-command-cli"]);
    let targets: Vec<String> = links(text).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        targets,
        ["#title", "#no-such", "a.md#b", "https://example.com"]
    );
    assert_eq!(anchors("# A\n# A\n"), ["a", "a-1"]);
    assert_eq!(
        slug(" The SDK suite (tests/sdk/) "),
        "the-sdk-suite-testssdk"
    );
    // A real file with a broken link and a broken anchor.
    let dir = root().join("target/tmp/doc_links");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("broken.md"),
        "# Here\n[ok](#here) [gone](missing.md) [anchor](../../../README.md#no-such-heading)\n",
    )
    .unwrap();
    let found = problems(Path::new("target/tmp/doc_links/broken.md"));
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("missing.md does not exist"), "{found:?}");
    assert!(
        found[1].contains("has no heading #no-such-heading"),
        "{found:?}"
    );
}

#[test]
fn the_readme_is_a_tutorial() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    assert!(
        lines.len() <= 400,
        "README.md has {} lines, at most 400",
        lines.len()
    );
    // The library example, compiled as a doctest (a plain `rust` block), starts within the
    // first 200 lines and is about 20 lines long.
    let start = lines
        .iter()
        .position(|line| *line == "```rust")
        .expect("a compiled Rust example");
    assert!(
        start < 200,
        "the library example starts on line {}",
        start + 1
    );
    let len = lines[start + 1..]
        .iter()
        .position(|line| *line == "```")
        .unwrap();
    assert!(len <= 30, "the library example has {len} lines");
    // The test command, as the quick start shows it and as `.ci/run` runs it.
    assert!(
        lines.contains(&"cargo test --workspace"),
        "no test command line"
    );
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines()
            .any(|line| line.starts_with("step ") && line.ends_with(" cargo test --workspace")),
        ".ci/run does not run the README's test command"
    );
}

#[test]
fn the_readme_links_every_manual() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let targets: Vec<String> = links(&readme).into_iter().map(|(_, t)| t).collect();
    for manual in manuals() {
        let manual = manual.to_str().unwrap().to_string();
        assert!(
            targets
                .iter()
                .any(|t| t.split('#').next() == Some(manual.as_str())),
            "README.md does not link {manual}"
        );
    }
    // The manuals ship in the crate that documents them: no Markdown in a root docs/ folder.
    if let Ok(entries) = fs::read_dir(root().join("docs")) {
        let stray: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        assert!(stray.is_empty(), "the root docs/ folder is back: {stray:?}");
    }
}
