//! Entry points for the fuzz targets in `fuzz/`. Not a public API.
//!
//! Each fuzz target is one line calling a function here, so the checking logic compiles (and its
//! unit tests run) in the normal test suite. Each function panics exactly when it finds a bug.
//!
//! Inputs that need split points start with a small control prefix (see `split.rs`): byte 0
//! holds the number `k` of chunk sizes that follow (low 3 bits) and flags (higher bits), the next
//! `k` bytes are chunk sizes used in turn, and the rest is the stream. With `k == 0` the stream
//! is fed one byte at a time. A corpus file is therefore `"\0"` followed by an SSE recording.
//!
//! Where things are:
//!
//! | file | what it holds |
//! |---|---|
//! | `sse_parser.rs` | target `sse_parser` |
//! | `decoders.rs` | targets `anthropic_decoder`, `openai_decoder`, `gemini_decoder` ([`decoder`]) and the stream invariants they check |
//! | `frames.rs` | target `frames_roundtrip` |
//! | `dialects.rs` | targets `openai_request`, `anthropic_request` ([`dialect_request`]) and `dialect_roundtrip` ([`check_dialect_roundtrip`], which `tests/` calls too) |
//! | `eventstream.rs` | target `eventstream_decoder` |
//! | `http1.rs` | target `http1_response` |
//! | `split.rs` | the control prefix: chunk sizes and flags (`Split`) |
//! | `bytes.rs` | fuzz bytes read as chunks, for the targets whose input is a chunk stream (`Bytes`) |
//! | `wire_reader.rs` | oracle: a reader of the normalized frames written from the wire contract, not from the encoder (`frames_roundtrip`) |
//! | `dialect_oracle.rs` | oracle: what decoding the dialects' output should give back, written from the dialect tables, not from the encoders (`dialect_roundtrip`) |
//!
//! Each file's unit tests are in the file; the test that runs every checked-in seed of
//! `fuzz/corpus/` through its target is here.

mod bytes;
mod decoders;
mod dialect_oracle;
mod dialects;
mod eventstream;
mod frames;
mod http1;
mod split;
mod sse_parser;
mod wire_reader;

pub use decoders::{anthropic_decoder, decoder, gemini_decoder, openai_decoder};
pub use dialects::{
    anthropic_request, check_dialect_roundtrip, dialect_request, dialect_roundtrip, openai_request,
};
pub use eventstream::eventstream_decoder;
pub use frames::frames_roundtrip;
pub use http1::http1_response;
pub use sse_parser::sse_parser;

#[cfg(test)]
mod tests {
    use super::*;

    /// The checked-in seed corpora run through their targets: every target has seeds.
    #[cfg(feature = "std")]
    #[test]
    fn seed_corpora_pass() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
        // Only when the corpus directory exists (a packaged crate has none).
        if !root.exists() {
            return;
        }
        type Target = fn(&[u8]);
        let targets: [(&str, Target); 10] = [
            ("sse_parser", sse_parser),
            ("anthropic_decoder", anthropic_decoder),
            ("openai_decoder", openai_decoder),
            ("gemini_decoder", gemini_decoder),
            ("frames_roundtrip", frames_roundtrip),
            ("openai_request", openai_request),
            ("anthropic_request", anthropic_request),
            ("dialect_roundtrip", dialect_roundtrip),
            ("eventstream_decoder", eventstream_decoder),
            ("http1_response", http1_response),
        ];
        for (name, target) in targets {
            let dir = std::fs::read_dir(root.join(name))
                .unwrap_or_else(|e| panic!("{name}: no corpus directory: {e}"));
            let mut seeds = 0;
            for entry in dir {
                let path = entry.unwrap().path();
                if path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("seed-")
                {
                    target(&std::fs::read(&path).unwrap());
                    seeds += 1;
                }
            }
            assert!(seeds > 0, "{name}: no seed-* files in its corpus");
        }
    }
}
