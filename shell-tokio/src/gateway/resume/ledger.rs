//! The bookkeeping of the in-memory store, as pure code: how many bytes each stream holds,
//! which streams are finished and since when, which ones expire, and which ones go when the
//! store is over its bound. Time is an argument (a [`Duration`] since any fixed origin), so the
//! policy is tested without a clock.
//!
//! The policy:
//! - a stream is kept while it is live, and for `ttl` after it finished;
//! - when the store is over `max_bytes`, finished streams go first, the oldest finished first;
//!   when no finished stream is left and the store is still over, live streams go, the largest
//!   first (a runaway stream goes before many small ones; the store never keeps part of a
//!   stream: a dropped stream's readers get an error, never a gap).

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::time::Duration;

/// The bytes of bookkeeping counted for every stream besides its frames.
pub(super) const STREAM_OVERHEAD: usize = 256;

/// The bytes of bookkeeping counted for every frame besides its bytes (its end offset).
pub(super) const FRAME_OVERHEAD: usize = std::mem::size_of::<usize>();

#[derive(Debug)]
struct Entry {
    bytes: usize,
    /// When it finished, and its place in the finished order; `None` while live.
    finished: Option<(Duration, u64)>,
}

/// See the [module docs](self).
#[derive(Debug)]
pub(super) struct Ledger<K> {
    max_bytes: usize,
    ttl: Duration,
    total: usize,
    entries: HashMap<K, Entry>,
    /// The finished streams, oldest first.
    finished: BTreeMap<(Duration, u64), K>,
    serial: u64,
}

impl<K: Clone + Eq + Hash> Ledger<K> {
    pub(super) fn new(max_bytes: usize, ttl: Duration) -> Self {
        Ledger {
            max_bytes,
            ttl,
            total: 0,
            entries: HashMap::new(),
            finished: BTreeMap::new(),
            serial: 0,
        }
    }

    /// The bytes counted now.
    #[cfg(test)]
    pub(super) fn total(&self) -> usize {
        self.total
    }

    /// How many streams are kept.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `id` is kept.
    #[cfg(test)]
    pub(super) fn contains(&self, id: &K) -> bool {
        self.entries.contains_key(id)
    }

    /// Starts counting the live stream `id` (with [`STREAM_OVERHEAD`] bytes) and returns the
    /// streams to drop to stay within the bound (possibly `id` itself).
    pub(super) fn open(&mut self, id: K) -> Vec<K> {
        if let Some(old) = self.entries.remove(&id) {
            self.forget(&old);
        }
        self.entries.insert(
            id.clone(),
            Entry {
                bytes: STREAM_OVERHEAD,
                finished: None,
            },
        );
        self.total += STREAM_OVERHEAD;
        self.enforce()
    }

    /// Counts `by` more bytes for `id` and returns the streams to drop to stay within the bound
    /// (possibly `id` itself). Nothing for a stream that is not counted.
    pub(super) fn grow(&mut self, id: &K, by: usize) -> Vec<K> {
        let Some(entry) = self.entries.get_mut(id) else {
            return Vec::new();
        };
        entry.bytes += by;
        self.total += by;
        self.enforce()
    }

    /// `id` finished at `now`, holding `bytes` (its frames, once shrunk to fit): it is kept
    /// until `now + ttl`.
    pub(super) fn finish(&mut self, id: &K, bytes: usize, now: Duration) {
        let Some(entry) = self.entries.get_mut(id) else {
            return;
        };
        if entry.finished.is_some() {
            return;
        }
        self.total = self.total - entry.bytes + bytes;
        entry.bytes = bytes;
        self.serial += 1;
        let key = (now, self.serial);
        entry.finished = Some(key);
        self.finished.insert(key, id.clone());
    }

    /// Stops counting `id`.
    pub(super) fn remove(&mut self, id: &K) {
        if let Some(entry) = self.entries.remove(id) {
            self.forget(&entry);
        }
    }

    /// Removes and returns the finished streams whose time is up at `now`.
    pub(super) fn expire(&mut self, now: Duration) -> Vec<K> {
        let mut gone = Vec::new();
        while let Some((&(at, serial), _)) = self.finished.first_key_value() {
            if at.saturating_add(self.ttl) > now {
                break;
            }
            if let Some(id) = self.finished.remove(&(at, serial)) {
                if let Some(entry) = self.entries.remove(&id) {
                    self.total -= entry.bytes;
                }
                gone.push(id);
            }
        }
        gone
    }

    /// When the oldest finished stream expires (`None`: none is finished).
    #[cfg(test)]
    pub(super) fn next_expiry(&self) -> Option<Duration> {
        self.finished
            .first_key_value()
            .map(|(&(at, _), _)| at.saturating_add(self.ttl))
    }

    fn forget(&mut self, entry: &Entry) {
        self.total -= entry.bytes;
        if let Some(key) = entry.finished {
            self.finished.remove(&key);
        }
    }

    /// Drops streams until the total is within the bound: finished ones oldest first, then
    /// live ones largest first.
    fn enforce(&mut self) -> Vec<K> {
        let mut dropped = Vec::new();
        while self.total > self.max_bytes {
            if let Some((_, id)) = self.finished.pop_first() {
                if let Some(entry) = self.entries.remove(&id) {
                    self.total -= entry.bytes;
                }
                dropped.push(id);
                continue;
            }
            let largest = self
                .entries
                .iter()
                .max_by_key(|(_, e)| e.bytes)
                .map(|(id, _)| id.clone());
            let Some(id) = largest else { break };
            self.remove(&id);
            dropped.push(id);
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn ledger(max: usize) -> Ledger<&'static str> {
        Ledger::new(max, 10 * S)
    }

    #[test]
    fn finished_streams_expire_after_the_ttl() {
        let mut l = ledger(1 << 20);
        assert!(l.open("a").is_empty());
        assert!(l.open("b").is_empty());
        assert!(l.grow(&"a", 100).is_empty());
        l.finish(&"a", 90, 5 * S);
        assert_eq!(l.total(), 90 + STREAM_OVERHEAD);
        assert_eq!(l.next_expiry(), Some(15 * S));
        assert!(l.expire(14 * S).is_empty());
        assert_eq!(l.expire(15 * S), vec!["a"]);
        // A live stream never expires.
        assert!(l.expire(1000 * S).is_empty());
        assert!(l.contains(&"b"));
        assert_eq!(l.total(), STREAM_OVERHEAD);
        assert_eq!(l.next_expiry(), None);
    }

    #[test]
    fn finished_streams_go_first_oldest_first() {
        let mut l = ledger(4 * STREAM_OVERHEAD + 300);
        for id in ["old", "new", "live"] {
            assert!(l.open(id).is_empty());
            assert!(l.grow(&id, 100).is_empty());
        }
        l.finish(&"new", STREAM_OVERHEAD + 100, 2 * S);
        l.finish(&"old", STREAM_OVERHEAD + 100, S);
        // Over by a little: the oldest finished stream goes, nothing else.
        assert_eq!(l.open("next"), Vec::<&str>::new());
        assert_eq!(l.grow(&"next", 1), vec!["old"]);
        assert!(l.contains(&"new") && l.contains(&"live"));
        // Over by more than the finished streams hold: then the largest live one.
        assert_eq!(l.grow(&"next", 800), vec!["new", "next"]);
        assert_eq!(l.len(), 1);
        assert!(l.contains(&"live"));
        assert!(l.total() <= 4 * STREAM_OVERHEAD + 300);
    }

    #[test]
    fn the_largest_live_stream_goes() {
        let mut l = ledger(3 * STREAM_OVERHEAD + 1000);
        for (id, n) in [("a", 100), ("b", 600), ("c", 200)] {
            l.open(id);
            assert!(l.grow(&id, n).is_empty());
        }
        assert_eq!(l.grow(&"a", 200), vec!["b"]);
        assert_eq!(l.total(), 2 * STREAM_OVERHEAD + 500);
        // A stream larger than the whole bound goes itself.
        assert_eq!(l.grow(&"c", 5000), vec!["c"]);
    }

    #[test]
    fn counts_stay_consistent() {
        let mut l = ledger(1 << 20);
        l.open("a");
        l.grow(&"a", 10);
        l.finish(&"a", 10, S);
        l.finish(&"a", 10, 2 * S); // twice: no effect
        l.open("a"); // the same id again replaces it
        assert_eq!(l.total(), STREAM_OVERHEAD);
        assert_eq!(l.next_expiry(), None);
        l.remove(&"a");
        l.remove(&"a");
        assert_eq!((l.total(), l.len()), (0, 0));
        assert!(l.grow(&"missing", 10).is_empty());
        assert_eq!(l.total(), 0);
    }
}
