//! Runs the real `llm-sse` binary for the CLI tests.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Run {
    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }
}

pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_llm-sse"));
    cmd.args(args).env_remove("NO_COLOR");
    cmd
}

/// Runs `llm-sse args...` with `stdin` as standard input (`None`: no standard input at all).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn llm-sse");
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        // The child may stop reading early (and close the pipe): that is not a test failure.
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("wait for llm-sse");
    if let Some(w) = writer {
        w.join().unwrap();
    }
    Run {
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
    }
}

/// A fresh file with `bytes` in the test scratch directory.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "cli-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Starts `llm-sse args...` with piped standard input and output, for streaming tests.
pub fn spawn(args: &[&str]) -> Child {
    command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llm-sse")
}

/// Reads from `child`'s stdout until `expected` bytes arrived, failing after 20 s: the output
/// must appear while standard input is still open.
pub fn expect_output_before_eof(child: &mut Child, expected: &[u8]) {
    let mut stdout = child.stdout.take().unwrap();
    let len = expected.len();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut got = vec![0; len];
        let result = stdout.read_exact(&mut got).map(|()| got);
        let _ = tx.send((result.map_err(|e| e.to_string()), stdout));
    });
    let (got, stdout) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no output while the input is still open: output is not streamed");
    assert_eq!(
        String::from_utf8_lossy(&got.unwrap()),
        String::from_utf8_lossy(expected)
    );
    child.stdout = Some(stdout);
}
