//! Cross-crate integration and conformance tests for llm-sse; see `tests/tests/`.
//! This library holds the harness they share.

use std::path::{Path, PathBuf};

pub mod bedrock;
pub mod cloud;
pub mod corpus;

use llm_sse_core::{Normalizer, Provider, StreamChunk};

/// How a test splits its input into the chunks it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// All bytes in one call.
    Whole,
    /// One byte per call.
    Bytewise,
    /// Pseudo-random chunk sizes from 1 to 64 bytes, from this seed.
    Random(u64),
}

impl Split {
    /// Whole, byte by byte, and a few random splits.
    pub const ALL: [Split; 6] = [
        Split::Whole,
        Split::Bytewise,
        Split::Random(1),
        Split::Random(2),
        Split::Random(3),
        Split::Random(0xdead_beef),
    ];

    /// The chunks of `bytes` under this split.
    pub fn chunks<'a>(&self, bytes: &'a [u8]) -> Vec<&'a [u8]> {
        match *self {
            Split::Whole => vec![bytes],
            Split::Bytewise => bytes.chunks(1).collect(),
            Split::Random(seed) => {
                let mut rng = XorShift::new(seed);
                let mut out = Vec::new();
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = (1 + rng.next() % 64) as usize;
                    let (head, tail) = rest.split_at(n.min(rest.len()));
                    out.push(head);
                    rest = tail;
                }
                out
            }
        }
    }
}

/// A tiny deterministic PRNG for test splits.
#[derive(Debug, Clone)]
pub struct XorShift(pub u64);

impl XorShift {
    /// A generator seeded with `seed` (any value, 0 included).
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// The next pseudo-random number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Runs `bytes` through a [`Normalizer`] for `provider`, fed as `split` says, draining after every
/// feed, and returns every chunk.
pub fn normalize(provider: Provider, bytes: &[u8], split: Split) -> Vec<StreamChunk> {
    let mut normalizer = Normalizer::new(provider);
    let mut chunks = Vec::new();
    for piece in split.chunks(bytes) {
        normalizer.feed(piece);
        while let Some(chunk) = normalizer.next_chunk() {
            chunks.push(chunk);
        }
    }
    normalizer.finish();
    while let Some(chunk) = normalizer.next_chunk() {
        chunks.push(chunk);
    }
    chunks
}

/// Runs `bytes` through a [`Normalizer`] and returns the wire frames.
pub fn frames(provider: Provider, bytes: &[u8], split: Split) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in normalize(provider, bytes, split) {
        llm_sse_core::frame::encode(&chunk, &mut out);
    }
    out
}

/// The directory of the bundled fixtures (`tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The recorded bodies of `provider` (`.sse`, or `.eventstream` for Bedrock's binary framing:
/// [`Framing::file_extension`](llm_sse_core::provider::Framing::file_extension)), sorted by
/// name.
pub fn fixtures(provider: Provider) -> Vec<PathBuf> {
    let dir = fixtures_dir().join(provider.as_str());
    let extension = provider.spec().framing.file_extension();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

/// A global allocator that counts the current thread's allocations, for tests that prove how
/// many heap allocations a code path makes. Install it in a test binary with
/// `#[global_allocator] static GLOBAL: CountingAllocator = CountingAllocator;` and read the count
/// with [`allocations`]. Counting per thread keeps tests running in parallel from disturbing each
/// other.
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn bump_allocations() {
    // `try_with`: the slot may be gone while the thread shuts down.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator; only a thread-local counter
// (const-initialized, without destructor, so touching it never allocates) is added.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        bump_allocations();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        bump_allocations();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        bump_allocations();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Allocations (and reallocations) the current thread has made so far, as counted by
/// [`CountingAllocator`] (always 0 when it is not the global allocator).
pub fn allocations() -> usize {
    ALLOCATIONS.with(std::cell::Cell::get)
}
