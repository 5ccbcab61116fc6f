//! One resumable stream in memory: its events in order, whether it has ended, and the readers
//! waiting for more.
//!
//! The events are kept without their `id:` lines, which are half of a short event's bytes; a
//! read writes each line again ([`write_id_line`]), byte for byte.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use llm_sse_core::Provider;
use llm_sse_core::gateway::Ending;
use llm_sse_core::resume::write_id_line;

/// The most bytes one read hands out (a reader catching up on a long stream gets it in
/// pieces of about this size).
const MAX_READ: usize = 64 << 10;

/// The events of one stream, appended by its writer, read by any number of readers.
#[derive(Debug)]
pub(crate) struct Log {
    pub(crate) id: String,
    pub(crate) provider: Provider,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Every event's bytes, one after the other.
    data: Vec<u8>,
    /// `ends[i]`: where the event with seq `i + 1` ends in `data`.
    ends: Vec<usize>,
    end: End,
    /// The readers waiting for more, by reader number.
    waiting: Vec<(u64, Waker)>,
    next_reader: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Live,
    Finished,
    /// Dropped before it ended: its readers end with this error instead of a gap.
    Dropped(Ending),
}

/// What a reader gets.
#[derive(Debug)]
pub(crate) enum Read {
    /// The events after the reader's position (one or more, whole; with their `id:` lines
    /// unless read [`raw`](Log::poll_read)), and the seq of the last.
    Events(Bytes, u64),
    /// The stream ended and the reader has every event.
    End,
    /// The stream was dropped before it ended.
    Dropped(Ending),
}

impl Log {
    pub(crate) fn new(id: String, provider: Provider) -> Log {
        Log {
            id,
            provider,
            state: Mutex::new(State {
                data: Vec::new(),
                ends: Vec::new(),
                end: End::Live,
                waiting: Vec::new(),
                next_reader: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; a poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends one event, without its `id:` line (nothing once ended), and wakes the readers.
    pub(crate) fn push(&self, event: &[u8]) {
        let waiting = {
            let mut state = self.state();
            if state.end != End::Live {
                return;
            }
            state.data.extend_from_slice(event);
            let end = state.data.len();
            state.ends.push(end);
            std::mem::take(&mut state.waiting)
        };
        wake(waiting);
    }

    /// The writer has written the last event. Returns the bytes now held.
    pub(crate) fn finish(&self) -> usize {
        let (waiting, bytes) = {
            let mut state = self.state();
            if state.end == End::Live {
                state.end = End::Finished;
                state.data.shrink_to_fit();
                state.ends.shrink_to_fit();
            }
            (std::mem::take(&mut state.waiting), state.held())
        };
        wake(waiting);
        bytes
    }

    /// Drops a live stream's events; its readers end with `ending`. A finished stream is left
    /// as it is: its readers still read it to its end (it is freed when the last one leaves).
    pub(crate) fn drop_with(&self, ending: Ending) {
        let waiting = {
            let mut state = self.state();
            if state.end != End::Live {
                return;
            }
            state.end = End::Dropped(ending);
            state.data = Vec::new();
            state.ends = Vec::new();
            std::mem::take(&mut state.waiting)
        };
        wake(waiting);
    }

    /// How many events it holds.
    pub(crate) fn len(&self) -> u64 {
        self.state().ends.len() as u64
    }

    /// Whether it was dropped.
    pub(crate) fn is_dropped(&self) -> bool {
        matches!(self.state().end, End::Dropped(_))
    }

    /// A number for a new reader, to wait with.
    pub(crate) fn reader(&self) -> u64 {
        let mut state = self.state();
        state.next_reader += 1;
        state.next_reader
    }

    /// The events after `after` (at most about [`MAX_READ`] bytes; `raw`: without their `id:`
    /// lines), or the end; else `Pending`, with reader `reader` woken when that changes.
    pub(crate) fn poll_read(
        &self,
        after: u64,
        reader: u64,
        raw: bool,
        cx: &mut Context<'_>,
    ) -> Poll<Read> {
        let mut state = self.state();
        if let End::Dropped(ending) = state.end {
            return Poll::Ready(Read::Dropped(ending));
        }
        let have = state.ends.len() as u64;
        if after < have {
            let from = match after {
                0 => 0,
                n => state.ends[n as usize - 1],
            };
            let mut last = after as usize;
            while last < state.ends.len() && state.ends[last] - from < MAX_READ {
                last += 1;
            }
            // At least one event, however large.
            let last = last.max(after as usize + 1);
            let to = state.ends[last - 1];
            if raw {
                let bytes = Bytes::copy_from_slice(&state.data[from..to]);
                return Poll::Ready(Read::Events(bytes, last as u64));
            }
            let count = last - after as usize;
            let mut out = Vec::with_capacity(to - from + count * (self.id.len() + 16));
            let mut start = from;
            for (i, &end) in state.ends[after as usize..last].iter().enumerate() {
                write_id_line(&self.id, after + i as u64 + 1, &mut out);
                out.extend_from_slice(&state.data[start..end]);
                start = end;
            }
            return Poll::Ready(Read::Events(Bytes::from(out), last as u64));
        }
        if state.end == End::Finished {
            return Poll::Ready(Read::End);
        }
        match state.waiting.iter_mut().find(|(n, _)| *n == reader) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => state.waiting.push((reader, cx.waker().clone())),
        }
        Poll::Pending
    }

    /// Reader `reader` is gone.
    pub(crate) fn leave(&self, reader: u64) {
        self.state().waiting.retain(|(n, _)| *n != reader);
    }
}

impl State {
    fn held(&self) -> usize {
        self.data.len() + self.ends.len() * super::ledger::FRAME_OVERHEAD
    }
}

fn wake(waiting: Vec<(u64, Waker)>) {
    for (_, waker) in waiting {
        waker.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn read(log: &Log, after: u64, reader: u64, count: &Arc<Count>) -> Poll<Read> {
        let waker = Waker::from(Arc::clone(count));
        log.poll_read(after, reader, false, &mut Context::from_waker(&waker))
    }

    #[test]
    fn readers_get_every_event_once_in_order() {
        let log = Log::new("s".into(), Provider::Anthropic);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let reader = log.reader();
        assert!(read(&log, 0, reader, &count).is_pending());
        assert!(read(&log, 0, reader, &count).is_pending()); // registered once
        log.push(b"a\n\n");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        log.push(b"bb\n\n");
        let Poll::Ready(Read::Events(bytes, last)) = read(&log, 0, reader, &count) else {
            panic!()
        };
        assert_eq!(
            (&bytes[..], last),
            (&b"id: s:1\na\n\nid: s:2\nbb\n\n"[..], 2)
        );
        let Poll::Ready(Read::Events(bytes, 2)) = read(&log, 1, reader, &count) else {
            panic!()
        };
        assert_eq!(&bytes[..], b"id: s:2\nbb\n\n");
        let waker = Waker::from(Arc::clone(&count));
        let raw = log.poll_read(0, reader, true, &mut Context::from_waker(&waker));
        let Poll::Ready(Read::Events(bytes, 2)) = raw else {
            panic!()
        };
        assert_eq!(&bytes[..], b"a\n\nbb\n\n");
        assert!(read(&log, 2, reader, &count).is_pending());
        log.finish();
        assert!(matches!(
            read(&log, 2, reader, &count),
            Poll::Ready(Read::End)
        ));
        // Pushing after the end changes nothing.
        log.push(b"late\n\n");
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn long_catch_ups_come_in_pieces_of_whole_events() {
        let log = Log::new("s".into(), Provider::Anthropic);
        let event = [b'x'; 1000];
        for _ in 0..200 {
            log.push(&event);
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let mut after = 0;
        let mut total = 0;
        while let Poll::Ready(Read::Events(bytes, last)) = read(&log, after, 1, &count) {
            let events = last - after;
            let ids: usize = (after + 1..=last)
                .map(|seq| format!("id: s:{seq}\n").len())
                .sum();
            assert_eq!(bytes.len(), events as usize * 1000 + ids);
            assert!(bytes.len() - ids <= MAX_READ);
            total += ids;
            total += bytes.len();
            after = last;
        }
        let ids: usize = (1..=200)
            .map(|seq: u64| format!("id: s:{seq}\n").len())
            .sum();
        assert_eq!((after, total), (200, 200_000 + 2 * ids));
    }

    #[test]
    fn a_dropped_stream_ends_its_readers_with_an_error() {
        let log = Log::new("s".into(), Provider::Anthropic);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        log.push(b"a\n\n");
        assert!(read(&log, 1, 7, &count).is_pending());
        log.drop_with(Ending::Evicted);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        for after in [0, 1] {
            assert!(matches!(
                read(&log, after, 7, &count),
                Poll::Ready(Read::Dropped(Ending::Evicted))
            ));
        }
        assert!(log.is_dropped());
    }
}
