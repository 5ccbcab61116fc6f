//! Every recorded provider stream (`tests/fixtures/<provider>/*.sse`) read through
//! `ChunkReader` and `EventReader` from a reader that returns random short reads and, now and
//! then, `Interrupted`: the chunks are exactly the golden frames, the events exactly what the
//! core's parser makes of the whole file.

use std::io::{self, Read};

use llm_sse_blocking::core::sse::{OwnedEvent, Parsed, Parser};
use llm_sse_blocking::core::{Provider, frame};
use llm_sse_blocking::{ChunkReader, EventReader};
use llm_sse_tests::{XorShift, fixtures};

/// A reader of `bytes` that returns between 1 and `max` bytes per read (never more than asked
/// for), and `Interrupted` instead of data about one read in five.
struct Choppy<'a> {
    bytes: &'a [u8],
    rng: XorShift,
    max: usize,
    interrupts: usize,
}

impl<'a> Choppy<'a> {
    fn new(bytes: &'a [u8], seed: u64, max: usize) -> Self {
        Choppy {
            bytes,
            rng: XorShift::new(seed),
            max,
            interrupts: 0,
        }
    }
}

impl Read for Choppy<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.rng.below(5) == 0 {
            self.interrupts += 1;
            return Err(io::Error::new(io::ErrorKind::Interrupted, "a signal"));
        }
        let n = (1 + self.rng.below(self.max))
            .min(buf.len())
            .min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// (seed, most bytes per read, the reader's buffer size): short reads into a big buffer, and
/// reads capped by a small buffer.
const READS: [(u64, usize, usize); 4] = [
    (1, 7, 16 * 1024),
    (2, 64, 16 * 1024),
    (3, 300, 5),
    (4, 1, 1),
];

#[test]
fn every_fixture_gives_its_golden_frames_however_the_reads_come() {
    let mut checked = 0;
    for provider in Provider::ALL {
        for path in fixtures(provider) {
            let input = std::fs::read(&path).unwrap();
            let golden = std::fs::read(path.with_extension("frames")).unwrap();
            for (seed, max, read_size) in READS {
                let mut choppy = Choppy::new(&input, seed, max);
                let mut frames = Vec::new();
                let mut chunks = ChunkReader::new(&mut choppy, provider).with_read_size(read_size);
                for chunk in chunks.by_ref() {
                    frame::encode(&chunk, &mut frames);
                }
                assert!(chunks.take_io_error().is_none(), "{}", path.display());
                assert!(
                    frames == golden,
                    "{} (seed {seed}, reads of at most {max}, buffer {read_size}):\n--- expected\n{}\n--- got\n{}",
                    path.display(),
                    String::from_utf8_lossy(&golden),
                    String::from_utf8_lossy(&frames)
                );
                assert!(
                    choppy.interrupts > 0,
                    "{}: no read was interrupted",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 40 * READS.len(), "only {checked} runs");
}

/// What the core's parser makes of `input` fed whole: the events, the reconnection time, the
/// last event ID and whether the input ended inside an event.
fn parse_whole(input: &[u8]) -> (Vec<OwnedEvent>, Option<u64>, String, bool) {
    let mut parser = Parser::new();
    parser.feed(input);
    let mut events = Vec::new();
    let mut drain = |parser: &mut Parser| {
        while let Some(item) = parser
            .next_event()
            .expect("the fixtures are within the limits")
        {
            if let Parsed::Event(event) = item {
                events.push(event.to_owned());
            }
        }
    };
    drain(&mut parser);
    let end = parser.finish();
    drain(&mut parser);
    let retry = parser.reconnection_time();
    let id = parser.last_event_id().to_owned();
    (events, retry, id, end.is_clean())
}

#[test]
fn every_fixture_gives_the_parsers_events_however_the_reads_come() {
    for provider in Provider::ALL {
        for path in fixtures(provider) {
            let input = std::fs::read(&path).unwrap();
            let (expected, retry, id, clean) = parse_whole(&input);
            for (seed, max, _) in READS {
                let mut choppy = Choppy::new(&input, seed, max);
                let mut reader = EventReader::new(&mut choppy);
                let events: Vec<OwnedEvent> = reader.by_ref().map(Result::unwrap).collect();
                let what = format!("{} (seed {seed}, reads of at most {max})", path.display());
                assert_eq!(events, expected, "{what}");
                assert_eq!(reader.retry(), retry, "{what}");
                assert_eq!(reader.last_event_id(), id, "{what}");
                assert_eq!(
                    reader.end_of_input().map(|end| end.is_clean()),
                    Some(clean),
                    "{what}"
                );
            }
        }
    }
}
