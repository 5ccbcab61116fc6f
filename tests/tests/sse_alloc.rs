//! Heap allocations of the SSE parser, counted by a counting global allocator.
//!
//! The parser hands out events borrowed from buffers it reuses, so once those buffers have grown
//! to the stream's largest line and event, parsing allocates nothing at all: not per event, not
//! per line, not per field. These tests assert exactly that (0 in steady state, for every chunk
//! size), check that the counter does see allocations made inside the same loop (so a per-line or
//! per-event `String` would fail them), and bound the warm-up.

use llm_sse_tests::{CountingAllocator, allocations};

use llm_sse_core::sse::{Parsed, Parser};

#[path = "../../core/benches/corpus/mod.rs"]
mod corpus;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Anthropic deltas mixed with everything else a stream may carry: events with several `data`
/// lines (whose data must be joined, so copied), `id` and `retry` fields, comments, unknown
/// fields, CRLF and CR line ends, a bare `data` line.
fn mixed_stream() -> Vec<u8> {
    let deltas = String::from_utf8(corpus::anthropic_deltas(4_000)).expect("generated UTF-8");
    let mut out = Vec::new();
    for (i, event) in deltas.split_inclusive("\n\n").enumerate() {
        out.extend_from_slice(event.as_bytes());
        if i % 50 == 49 {
            out.extend_from_slice(b": keep-alive\r\nid: 42\r\nretry: 3000\r\nfoo: bar\r\n");
            out.extend_from_slice(
                b"event: multi\rdata: first line\rdata\rdata: third \xC3\xA9 line\r\r",
            );
        }
    }
    out
}

/// Parses `bytes` fed in chunks of `chunk` bytes; returns (events, retries, bytes of data).
fn parse(
    parser: &mut Parser,
    bytes: &[u8],
    chunk: usize,
    mut on_event: impl FnMut(&str),
) -> (usize, usize, usize) {
    let (mut events, mut retries, mut data) = (0, 0, 0);
    for piece in bytes.chunks(chunk) {
        parser.feed(piece);
        while let Some(item) = parser.next_event().expect("within limits") {
            match item {
                Parsed::Event(event) => {
                    events += 1;
                    data += event.data.len() + event.event.len() + event.id.len();
                    on_event(event.data);
                }
                Parsed::Retry(_) => retries += 1,
            }
        }
    }
    (events, retries, data)
}

const CHUNKS: [usize; 7] = [1, 7, 64, 1000, 1024, 16 * 1024, usize::MAX];

#[test]
fn steady_state_parsing_allocates_nothing_per_event_line_or_field() {
    for chunk in CHUNKS {
        let mut stream = mixed_stream();
        let chunk = chunk.min(stream.len());
        // Pad the stream with a comment to a whole number of chunks, so the second pass sees
        // exactly the chunk boundaries of the first, as a stream repeating forever would.
        let mut pad = (chunk - stream.len() % chunk) % chunk;
        if pad == 1 {
            pad += chunk;
        }
        if pad >= 2 {
            stream.push(b':');
            stream.resize(stream.len() + pad - 2, b'x');
            stream.push(b'\n');
        }
        let mut parser = Parser::new();
        // Warm-up: the same stream twice, so the buffers reach the sizes this stream needs
        // (where a partial line lands in the buffer depends on its capacity, so the second pass
        // may still grow it once).
        let warm = parse(&mut parser, &stream, chunk, |_| {});
        let before = allocations();
        parse(&mut parser, &stream, chunk, |_| {});
        let second = allocations() - before;
        assert!(second <= 2, "{second} allocations in the second pass");
        let before = allocations();
        let steady = parse(&mut parser, &stream, chunk, |_| {});
        let allocated = allocations() - before;
        assert_eq!((warm.0, warm.1), (steady.0, steady.1));
        assert_eq!(steady.0, 4_000 + 80, "events at chunk size {chunk}");
        assert_eq!(steady.1, 80, "retries at chunk size {chunk}");
        assert_eq!(
            allocated,
            0,
            "{allocated} allocations for {} events (~{} lines) in {chunk}-byte chunks",
            steady.0,
            steady.0 * 3
        );
        assert!(parser.finish().is_clean());
    }
}

#[test]
fn a_fresh_parser_allocates_only_while_its_buffers_grow() {
    // 200,000 events: a per-event or per-line allocation would show up as hundreds of thousands;
    // buffer growth is logarithmic.
    let stream = corpus::anthropic_deltas(200_000);
    for chunk in [64, 16 * 1024, stream.len()] {
        let before = allocations();
        let mut parser = Parser::new();
        let (events, _, _) = parse(&mut parser, &stream, chunk, |_| {});
        let allocated = allocations() - before;
        assert_eq!(events, 200_000);
        assert!(
            allocated <= 64,
            "{allocated} allocations for {events} events in {chunk}-byte chunks"
        );
    }
}

#[test]
fn the_counter_sees_allocations_made_in_the_parse_loop() {
    // The same loop, with one `String` per event made by the caller: the counter must see every
    // one of them, so an allocation per event (or per line) inside the parser could not hide.
    let stream = mixed_stream();
    let mut parser = Parser::new();
    parse(&mut parser, &stream, 1024, |_| {});
    let mut kept = Vec::with_capacity(10_000);
    let before = allocations();
    let (events, _, _) = parse(&mut parser, &stream, 1024, |data| {
        kept.push(String::from(data))
    });
    let allocated = allocations() - before;
    assert_eq!(allocated, events, "one allocation per kept event");
}

#[test]
fn buffers_shrink_after_a_huge_event_and_then_stay_allocation_free() {
    let mut parser = Parser::new();
    let small = corpus::anthropic_deltas(1_000);
    parse(&mut parser, &small, 16 * 1024, |_| {});
    // One 4 MiB event, then the small stream again: the parser releases the big buffers (that
    // costs allocations once), then reaches its steady state again.
    let mut huge = b"data: ".to_vec();
    huge.resize(4 << 20, b'x');
    huge.extend_from_slice(b"\ndata: y\n\n");
    let (events, _, data) = parse(&mut parser, &huge, 16 * 1024, |_| {});
    assert_eq!((events, data), (1, (4 << 20) - 6 + 2 + "message".len()));
    parse(&mut parser, &small, 16 * 1024, |_| {});
    let before = allocations();
    parse(&mut parser, &small, 16 * 1024, |_| {});
    assert_eq!(allocations() - before, 0);
}
