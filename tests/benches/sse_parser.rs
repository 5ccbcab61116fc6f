//! SSE parser throughput: `llm_sse_core::sse::Parser` side by side with the peer crates
//! (`sse-core`, `sse-stream`, `eventsource-stream`) and two baselines (`memchr` newline count,
//! plain copy of each chunk into a reused `Vec`), on four generated corpora (200,000 Anthropic
//! deltas, a 200,000-delta OpenAI stream, 400 lines of 64 KiB text, 400 of base64), at chunk sizes
//! whole / 16 KiB / 1 KiB / 64 B: 16 cells.
//!
//! ```text
//! cargo bench -p llm-sse-tests --bench sse_parser
//! ```
//!
//! Each row drives its parser the fastest way its API offers for a piece of input:
//!
//! - `llm-sse`: `Parser::next_event_from(&mut piece)` until `Ok(None)`, for the whole buffer as
//!   for chunks. It parses complete lines in the caller's buffer, hands out a one-line `data`
//!   value from there, and copies only a line cut by the end of a piece. In every cell it is at
//!   least as fast as the buffering API (equal at 64 B pieces of short events), so it is the one
//!   compared with the peers.
//! - `llm-sse-feed`: `Parser::feed(piece)`, then `Parser::next_event()` until `Ok(None)`: the API
//!   for a caller that must hand the bytes over before parsing (`Normalizer::feed`). It copies
//!   every byte once, which costs most on a whole buffer.
//! - `sse-core`: `SseDecoder::next(&mut piece)`, also in place; it allocates a `String` per event.
//! - `sse-stream`, `eventsource-stream`: a `futures` stream over the pieces (their only API).
//!
//! They do not all do the same work. `sse-stream` hands out raw blocks (the last event ID does
//! not persist across events, a block with only an `event` line is returned), returns an error
//! for invalid UTF-8 where the standard decodes U+FFFD (on `data: a\xFFb`), and buffers a line of
//! any length; `sse-core` and `llm-sse` follow the standard on those inputs. On the 64 KiB lines
//! the three fast parsers do the same three passes over the bytes (find the line end, copy the
//! line together when pieces cut it, validate the UTF-8), so the figures there are close.
//!
//! Before measuring, every peer is run once on every corpus at every chunk size and must produce
//! exactly our event count and total data length, so the comparison is honest. A scaling probe
//! then times each combination on 1/32 and 1/16 of the corpus: a combination whose time grows
//! quadratically is reported (and skipped when its full run would take too long, as
//! `eventsource-stream` does on a whole 28 MB buffer); `SSE_BENCH_PROBE=0` skips both (only for
//! profiling a single benchmark: it also measures the combinations that would not finish). After
//! criterion, a summary table with
//! MB/s and events/s (median of a few runs) is printed; set `SSE_BENCH_SUMMARY=0` to skip it.
//!
//! On a busy machine, `SSE_BENCH_ROUNDS=n` replaces criterion with `n` interleaved rounds that
//! measure each parser's time on a CPU (see `interleaved`); `SSE_BENCH_PARSERS=llm-sse-feed,sse-core`
//! limits those rounds to `llm-sse` and the parsers named:
//!
//! ```text
//! SSE_BENCH_PROBE=0 SSE_BENCH_ROUNDS=5 SSE_BENCH_PARSERS=llm-sse-feed,sse-core,sse-stream \
//!     cargo bench -p llm-sse-tests --bench sse_parser
//! ```

// Benchmarks measure time: the clock ban of `core/clippy.toml` is for the library.
#![allow(clippy::disallowed_methods)]

use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use llm_sse_core::sse::{Parsed, Parser};

use llm_sse_tests::corpus;

/// What a parser produced: (events, total data bytes).
type Outcome = (usize, usize);

/// A parser under test: runs the whole corpus fed in chunks of `chunk` bytes.
type Runner = fn(&[u8], usize) -> Outcome;

/// `llm-sse`: the fastest way to drive our parser, for a whole buffer as for chunks:
/// `Parser::next_event_from` on each piece, which parses complete lines in place and copies only
/// a line cut by the end of a piece.
fn ours(bytes: &[u8], chunk: usize) -> Outcome {
    let mut parser = Parser::new();
    let (mut events, mut data) = (0, 0);
    for piece in bytes.chunks(chunk) {
        let mut input = piece;
        while let Some(item) = parser.next_event_from(&mut input).expect("within limits") {
            if let Parsed::Event(event) = item {
                events += 1;
                data += black_box(event.data).len();
            }
        }
    }
    assert!(parser.finish().is_clean());
    (events, data)
}

/// `llm-sse-feed`: the buffering API, `Parser::feed` then `Parser::next_event` until `Ok(None)`
/// (what a caller that must hand the bytes over before parsing uses, such as `Normalizer::feed`).
fn ours_feed(bytes: &[u8], chunk: usize) -> Outcome {
    let mut parser = Parser::new();
    let (mut events, mut data) = (0, 0);
    for piece in bytes.chunks(chunk) {
        parser.feed(piece);
        while let Some(item) = parser.next_event().expect("within limits") {
            if let Parsed::Event(event) = item {
                events += 1;
                data += black_box(event.data).len();
            }
        }
    }
    assert!(parser.finish().is_clean());
    (events, data)
}

fn sse_core(bytes: &[u8], chunk: usize) -> Outcome {
    let mut decoder = sse_core::SseDecoder::new();
    let (mut events, mut data) = (0, 0);
    for piece in bytes.chunks(chunk) {
        let mut buf = piece;
        while let Some(item) = decoder.next(&mut buf) {
            if let sse_core::SseEvent::Message(event) = item.expect("within limits") {
                events += 1;
                data += black_box(event.data).len();
            }
        }
    }
    (events, data)
}

fn sse_stream(bytes: &[u8], chunk: usize) -> Outcome {
    let input = futures::stream::iter(bytes.chunks(chunk).map(Ok::<&[u8], Infallible>));
    let mut stream = sse_stream::SseByteStream::new(input);
    futures::executor::block_on(async {
        let (mut events, mut data) = (0, 0);
        while let Some(item) = stream.next().await {
            let event = item.expect("sse-stream parse error");
            if let Some(d) = black_box(event).data {
                events += 1;
                data += d.len();
            }
        }
        (events, data)
    })
}

fn eventsource_stream(bytes: &[u8], chunk: usize) -> Outcome {
    let input = futures::stream::iter(bytes.chunks(chunk).map(Ok::<&[u8], Infallible>));
    let mut stream = input.eventsource();
    futures::executor::block_on(async {
        let (mut events, mut data) = (0, 0);
        while let Some(item) = stream.next().await {
            let event = item.expect("eventsource-stream parse error");
            events += 1;
            data += black_box(event.data).len();
        }
        (events, data)
    })
}

/// Baseline: count the LFs of every chunk with `memchr` (the floor of any line scanner).
fn memchr_count(bytes: &[u8], chunk: usize) -> Outcome {
    let lines = bytes
        .chunks(chunk)
        .map(|piece| memchr::memchr_iter(b'\n', black_box(piece)).count())
        .sum();
    (lines, 0)
}

/// Baseline: copy every chunk into a reused `Vec` (the minimum any buffering parser must do).
fn plain_copy(bytes: &[u8], chunk: usize) -> Outcome {
    let mut buf = Vec::new();
    let mut total = 0;
    for piece in bytes.chunks(chunk) {
        buf.clear();
        buf.extend_from_slice(piece);
        total += black_box(&buf).len();
    }
    (0, total)
}

const PARSERS: [(&str, Runner, bool); 7] = [
    // (name, runner, is a parser whose output must match ours)
    ("llm-sse", ours, true),
    ("llm-sse-feed", ours_feed, true),
    ("sse-core", sse_core, true),
    ("sse-stream", sse_stream, true),
    ("eventsource-stream", eventsource_stream, true),
    ("memchr-count", memchr_count, false),
    ("plain-copy", plain_copy, false),
];

const CHUNKS: [(&str, Option<usize>); 4] = [
    ("whole", None),
    ("16KiB", Some(16 * 1024)),
    ("1KiB", Some(1024)),
    ("64B", Some(64)),
];

/// A full run slower than this is skipped (with a note) rather than measured.
const MAX_RUN: Duration = Duration::from_secs(3);

struct Corpus {
    name: &'static str,
    bytes: Vec<u8>,
    events: usize,
}

struct Combo {
    corpus: usize,
    chunk: usize,
    parser: usize,
    /// Why it is not measured.
    skip: Option<String>,
}

fn chunk_len(corpus: &Corpus, chunk: Option<usize>) -> usize {
    chunk.unwrap_or(corpus.bytes.len()).max(1)
}

fn time<F: FnMut()>(mut f: F) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Times `runner` on 1/32 and 1/16 of the corpus; returns the growth exponent (1 = linear,
/// 2 = quadratic) and the extrapolated time of a full run.
fn probe(corpus: &Corpus, chunk: Option<usize>, runner: Runner) -> (f64, Duration) {
    let small = corpus::prefix_events(&corpus.bytes, corpus.events / 32);
    let large = corpus::prefix_events(&corpus.bytes, corpus.events / 16);
    let run = |bytes: &[u8]| {
        let chunk = chunk.unwrap_or(bytes.len()).max(1);
        // Best of 3 to damp noise.
        (0..3)
            .map(|_| {
                time(|| {
                    black_box(runner(bytes, chunk));
                })
            })
            .min()
            .unwrap_or_default()
    };
    let (t1, t2) = (run(small), run(large));
    let exponent = (t2.as_secs_f64() / t1.as_secs_f64().max(1e-9)).log2()
        / ((large.len() as f64 / small.len() as f64).log2());
    let full =
        t2.as_secs_f64() * (corpus.bytes.len() as f64 / large.len() as f64).powf(exponent.max(1.0));
    (exponent, Duration::from_secs_f64(full))
}

fn main() {
    let corpora = [
        {
            let bytes = corpus::anthropic_deltas(200_000);
            Corpus {
                name: "anthropic",
                bytes,
                events: 200_000,
            }
        },
        {
            // A complete stream: the role chunk, the deltas, the finish and usage chunks, [DONE].
            let bytes = corpus::openai_stream(200_000);
            Corpus {
                name: "openai",
                bytes,
                events: 200_004,
            }
        },
        {
            let bytes = corpus::long_lines(400, 64 * 1024);
            Corpus {
                name: "64KiB-lines",
                bytes,
                events: 400,
            }
        },
        {
            let bytes = corpus::base64_lines(400, 64 * 1024);
            Corpus {
                name: "64KiB-b64-lines",
                bytes,
                events: 400,
            }
        },
    ];
    for c in &corpora {
        eprintln!(
            "corpus {}: {} bytes, {} events",
            c.name,
            c.bytes.len(),
            c.events
        );
    }

    // Probe every combination for its scaling, skip the ones that would not finish, and check
    // that every parser that is measured agrees with ours.
    let mut combos = Vec::new();
    // `SSE_BENCH_PROBE=0` skips the probe and the cross-check (for profiling one benchmark).
    let probing = std::env::var("SSE_BENCH_PROBE").as_deref() != Ok("0");
    eprintln!(
        "\nscaling probe (time on 1/16 vs 1/32 of the corpus; exponent 1 = linear, 2 = quadratic):"
    );
    for (ci, c) in corpora.iter().enumerate() {
        for (ki, &(kname, chunk)) in CHUNKS.iter().enumerate() {
            let expected = ours(&c.bytes, chunk_len(c, chunk));
            assert_eq!(expected.0, c.events, "llm-sse event count on {}", c.name);
            for (pi, &(pname, runner, is_parser)) in PARSERS.iter().enumerate() {
                if !probing {
                    combos.push(Combo {
                        corpus: ci,
                        chunk: ki,
                        parser: pi,
                        skip: None,
                    });
                    continue;
                }
                let (exponent, full) = probe(c, chunk, runner);
                let mut skip = None;
                if full > MAX_RUN {
                    skip = Some(format!(
                        "skipped: a full run would take ~{:.0} s (corpus-size exponent {exponent:.2}; see the line-length probe)",
                        full.as_secs_f64()
                    ));
                } else if is_parser {
                    let got = runner(&c.bytes, chunk_len(c, chunk));
                    assert_eq!(
                        got, expected,
                        "{pname} on {} in {kname} chunks: (events, data bytes) differ from ours",
                        c.name
                    );
                }
                eprintln!(
                    "  {:<12} {:<6} {:<19} exponent {exponent:5.2}{}",
                    c.name,
                    kname,
                    pname,
                    skip.as_deref()
                        .map(|s| format!("  {s}"))
                        .unwrap_or_default()
                );
                combos.push(Combo {
                    corpus: ci,
                    chunk: ki,
                    parser: pi,
                    skip,
                });
            }
        }
    }

    if probing {
        line_length_probe();
    }

    // `SSE_BENCH_ROUNDS=n` replaces criterion with n interleaved rounds (see `interleaved`).
    if let Some(rounds) = std::env::var("SSE_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        interleaved(&corpora, &combos, rounds);
        return;
    }

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for (ci, c) in corpora.iter().enumerate() {
        for (ki, &(kname, chunk)) in CHUNKS.iter().enumerate() {
            let mut group = criterion.benchmark_group(format!("sse_parser/{}/{kname}", c.name));
            group.sampling_mode(SamplingMode::Flat);
            group.throughput(Throughput::Bytes(c.bytes.len() as u64));
            let len = chunk_len(c, chunk);
            for combo in combos
                .iter()
                .filter(|m| m.corpus == ci && m.chunk == ki && m.skip.is_none())
            {
                let (pname, runner, _) = PARSERS[combo.parser];
                group.bench_with_input(BenchmarkId::from_parameter(pname), &len, |b, &len| {
                    b.iter(|| runner(black_box(&c.bytes), len))
                });
            }
            group.finish();
        }
    }
    criterion.final_summary();

    if std::env::var("SSE_BENCH_SUMMARY").as_deref() != Ok("0") {
        summary(&corpora, &combos);
    }
    eventstream::compare();
}

/// On a machine shared with other work, criterion's consecutive samples of one benchmark can
/// land in a busy or a quiet moment, which skews the comparison between parsers. This runs every
/// measured parser of a cell once per round, in turn, for `rounds` rounds, and prints the best
/// (least disturbed) time of each: figures of one cell are then taken side by side. The time is
/// the thread's time on a CPU where Linux reports it (`/proc/thread-self/schedstat`), so that
/// waiting for a CPU another process holds does not count (see [`cpu_time`]); elsewhere,
/// wall-clock time.
/// `SSE_BENCH_PARSERS=a,b` measures only `llm-sse` and the parsers named.
fn interleaved(corpora: &[Corpus], combos: &[Combo], rounds: usize) {
    let only = std::env::var("SSE_BENCH_PARSERS").ok();
    let measured = |name: &str| {
        only.as_deref()
            .is_none_or(|only| name == "llm-sse" || only.split(',').any(|n| n == name))
    };
    let clock = if on_cpu().is_some() {
        "CPU time"
    } else {
        "wall time"
    };
    println!(
        "\n| corpus | chunk | parser | MB/s ({clock}, best of {rounds} interleaved rounds) | llm-sse is |"
    );
    println!("|---|---|---|---:|---:|");
    for (ci, c) in corpora.iter().enumerate() {
        for (ki, &(kname, chunk)) in CHUNKS.iter().enumerate() {
            let len = chunk_len(c, chunk);
            let cell: Vec<&Combo> = combos
                .iter()
                .filter(|m| m.corpus == ci && m.chunk == ki && m.skip.is_none())
                .filter(|m| measured(PARSERS[m.parser].0))
                .collect();
            let mut best = vec![Duration::MAX; cell.len()];
            for _ in 0..rounds {
                for (combo, best) in cell.iter().zip(&mut best) {
                    let runner = PARSERS[combo.parser].1;
                    *best = (*best).min(cpu_time(|| {
                        black_box(runner(black_box(&c.bytes), len));
                    }));
                }
            }
            let ours = best[0].as_secs_f64();
            for (combo, t) in cell.iter().zip(&best) {
                let s = t.as_secs_f64();
                println!(
                    "| {} | {kname} | {} | {:.0} | {:.2}x |",
                    c.name,
                    PARSERS[combo.parser].0,
                    c.bytes.len() as f64 / s / 1e6,
                    s / ours
                );
            }
        }
    }
}

/// The time this thread has spent on a CPU, where Linux reports it.
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// The time one call of `f` spends on a CPU (see [`on_cpu`]), or its wall-clock time. Linux
/// updates a running thread's figure only at scheduler ticks (a few ms), so `f` is called again
/// until a quarter of a second has been counted, and the time is the average.
fn cpu_time<F: FnMut()>(mut f: F) -> Duration {
    let Some(start) = on_cpu() else {
        return time(f);
    };
    let mut calls = 0;
    loop {
        f();
        calls += 1;
        let spent = on_cpu().unwrap_or(start).saturating_sub(start);
        if spent >= Duration::from_millis(250) {
            return spent / calls;
        }
    }
}

/// Quadratic behaviour can also hide in the length of one line (rescanning or re-copying a
/// partial line on every chunk): the same bytes as 4 lines of 128 KiB and as 8 lines of 64 KiB,
/// in small chunks, must take about the same time (ratio 1; 2 means quadratic in line length).
fn line_length_probe() {
    eprintln!(
        "\nline-length probe (time for 4 x 128 KiB lines / 8 x 64 KiB lines; 1 = linear, 2 = quadratic):"
    );
    let long = corpus::long_lines(4, 128 * 1024);
    let short = corpus::long_lines(8, 64 * 1024);
    for chunk in [64, 1024] {
        for &(pname, runner, _) in &PARSERS {
            let best = |bytes: &[u8]| {
                (0..3)
                    .map(|_| {
                        time(|| {
                            black_box(runner(bytes, chunk));
                        })
                    })
                    .min()
                    .unwrap_or_default()
            };
            let ratio = best(&long).as_secs_f64() / best(&short).as_secs_f64().max(1e-9);
            eprintln!("  {chunk:>4}-byte chunks  {pname:<19} {ratio:5.2}");
        }
    }
}

/// The median time of one iteration that criterion measured for `group`/`id` in this run, read
/// from `target/criterion/<group>/<id>/new/estimates.json`.
fn criterion_median(group: &str, id: &str) -> Option<Duration> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        // target/release/deps/<bench binary>
        None => std::env::current_exe()
            .ok()?
            .ancestors()
            .nth(3)?
            .to_path_buf(),
    };
    let sanitize = |s: &str| s.replace(['/', '\\', ':', '*', '?', '"', '<', '>', '|'], "_");
    let path = target
        .join("criterion")
        .join(sanitize(group))
        .join(sanitize(id))
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    // Only figures from this run.
    if modified.elapsed().ok()? > Duration::from_secs(3600) {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let ns = json["median"]["point_estimate"].as_f64()?;
    Some(Duration::from_secs_f64(ns / 1e9))
}

/// Prints a Markdown table: MB/s and events/s per parser, corpus and chunk size, from
/// criterion's medians (or, for a benchmark criterion did not run, the median of 5 quick runs,
/// marked `*`), and how many times faster llm-sse is.
fn summary(corpora: &[Corpus], combos: &[Combo]) {
    println!("\n| corpus | chunk | parser | MB/s | events/s | llm-sse is |");
    println!("|---|---|---|---:|---:|---:|");
    for (ci, c) in corpora.iter().enumerate() {
        for (ki, &(kname, chunk)) in CHUNKS.iter().enumerate() {
            let len = chunk_len(c, chunk);
            let group = format!("sse_parser/{}/{kname}", c.name);
            let mut rows = Vec::new();
            for combo in combos.iter().filter(|m| m.corpus == ci && m.chunk == ki) {
                let (pname, runner, _) = PARSERS[combo.parser];
                if let Some(why) = &combo.skip {
                    rows.push((pname, None, why.clone()));
                    continue;
                }
                if let Some(t) = criterion_median(&group, pname) {
                    rows.push((pname, Some(t), String::new()));
                    continue;
                }
                let mut times: Vec<Duration> = (0..5)
                    .map(|_| {
                        time(|| {
                            black_box(runner(&c.bytes, len));
                        })
                    })
                    .collect();
                times.sort();
                rows.push((pname, Some(times[2]), "*".to_string()));
            }
            let ours = rows[0].1.unwrap_or_default().as_secs_f64();
            for (pname, t, note) in rows {
                match t {
                    Some(t) => {
                        let s = t.as_secs_f64();
                        println!(
                            "| {} | {kname} | {pname} | {:.0}{note} | {:.0}{note} | {:.2}x |",
                            c.name,
                            c.bytes.len() as f64 / s / 1e6,
                            c.events as f64 / s,
                            s / ours
                        );
                    }
                    None => println!("| {} | {kname} | {pname} | — | — | {note} |", c.name),
                }
            }
        }
    }
}

/// Amazon Bedrock's framing (the AWS event-stream decoder) beside the SSE parser, on the same
/// Anthropic events: the `anthropic` corpus (200,000 `content_block_delta` events) re-framed as
/// a Bedrock stream with `llm_sse_tests::bedrock::reframe_anthropic`, fed whole and in 16 KiB,
/// 1 KiB and 64-byte chunks. Prints a Markdown table of MB/s (of each one's own input: the
/// Bedrock stream is about twice the bytes, base64 and framing) and events/s, the median of a
/// few timed runs. `SSE_BENCH_EVENTSTREAM=0` skips it.
mod eventstream {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    use llm_sse_core::eventstream::Decoder;
    use llm_sse_core::eventstream::bedrock::{self, ResponseEvent};
    use llm_sse_core::sse::{Parsed, Parser};
    use llm_sse_tests::{bedrock::reframe_anthropic, corpus};

    const EVENTS: usize = 200_000;

    /// The SSE parser on the SSE corpus: (events, data bytes).
    fn sse(bytes: &[u8], chunk: usize) -> (usize, usize) {
        let mut parser = Parser::new();
        let (mut events, mut data) = (0, 0);
        for piece in bytes.chunks(chunk) {
            parser.feed(piece);
            while let Some(item) = parser.next_event().expect("within limits") {
                if let Parsed::Event(event) = item {
                    events += 1;
                    data += black_box(event.data).len();
                }
            }
        }
        assert!(parser.finish().is_clean());
        (events, data)
    }

    /// The event-stream decoder alone (framing, both checksums, headers): (messages, payload
    /// bytes).
    fn decode(bytes: &[u8], chunk: usize) -> (usize, usize) {
        let mut decoder = Decoder::new();
        let (mut messages, mut payload) = (0, 0);
        for piece in bytes.chunks(chunk) {
            decoder.feed(piece);
            while let Some(message) = decoder.next_message().expect("well-framed") {
                messages += 1;
                payload += black_box(message.payload()).len();
            }
        }
        assert!(decoder.finish().is_clean());
        (messages, payload)
    }

    /// The decoder and Bedrock's classification (the payload's JSON, base64-decoding the
    /// event): what a Bedrock client does before its Anthropic decoder. (events, event bytes).
    fn decode_and_classify(bytes: &[u8], chunk: usize) -> (usize, usize) {
        let mut decoder = Decoder::new();
        let (mut events, mut data) = (0, 0);
        for piece in bytes.chunks(chunk) {
            decoder.feed(piece);
            while let Some(message) = decoder.next_message().expect("well-framed") {
                if let ResponseEvent::Chunk { event_json, .. } =
                    bedrock::classify(&message).expect("Bedrock's framing")
                {
                    events += 1;
                    data += black_box(event_json).len();
                }
            }
        }
        assert!(decoder.finish().is_clean());
        (events, data)
    }

    fn median(mut f: impl FnMut()) -> Duration {
        let mut times: Vec<Duration> = (0..7)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[3]
    }

    pub(super) fn compare() {
        if std::env::var("SSE_BENCH_EVENTSTREAM").as_deref() == Ok("0") {
            return;
        }
        let sse_bytes = corpus::anthropic_deltas(EVENTS);
        let wire = reframe_anthropic(&sse_bytes);
        // The same events either way.
        let (events, data) = sse(&sse_bytes, sse_bytes.len());
        assert_eq!(
            (events, data),
            (EVENTS, decode_and_classify(&wire, wire.len()).1)
        );
        assert_eq!(decode_and_classify(&wire, wire.len()).0, EVENTS);
        assert_eq!(decode(&wire, wire.len()).0, EVENTS);
        eprintln!(
            "\nevent stream: {EVENTS} Anthropic events, {} bytes as SSE, {} bytes as a Bedrock stream",
            sse_bytes.len(),
            wire.len()
        );
        println!("\n| chunk | what | input | MB/s | events/s |");
        println!("|---|---|---|---:|---:|");
        type Runner = fn(&[u8], usize) -> (usize, usize);
        let runners: [(&str, &str, &[u8], Runner); 3] = [
            ("SSE parser", "SSE", &sse_bytes, sse),
            ("eventstream decoder", "Bedrock", &wire, decode),
            (
                "eventstream decoder + bedrock::classify",
                "Bedrock",
                &wire,
                decode_and_classify,
            ),
        ];
        for (kname, chunk) in [
            ("whole", None),
            ("16KiB", Some(16 * 1024)),
            ("1KiB", Some(1024)),
            ("64B", Some(64)),
        ] {
            for (what, input, bytes, runner) in runners {
                let len = chunk.unwrap_or(bytes.len());
                let t = median(|| {
                    black_box(runner(black_box(bytes), len));
                })
                .as_secs_f64();
                println!(
                    "| {kname} | {what} | {input} | {:.0} | {:.0} |",
                    bytes.len() as f64 / t / 1e6,
                    EVENTS as f64 / t
                );
            }
        }
    }
}
