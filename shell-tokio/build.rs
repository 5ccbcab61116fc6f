//! Lists the recordings built into the gateway's `--mock` upstream: every
//! `recordings/<provider>/<name>.sse` (or `.eventstream`, Amazon Bedrock's binary framing), in
//! order, as `include_bytes!` entries of
//! `$OUT_DIR/bundled.rs`. Adding a provider's recordings is adding files: nothing in the code
//! names a provider.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=recordings");
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("recordings");
    let mut entries = String::from("&[\n");
    for dir in sorted(&root) {
        let Some(provider) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !dir.is_dir() {
            continue;
        }
        for file in sorted(&dir) {
            let is_recording = file
                .extension()
                .is_some_and(|e| e == "sse" || e == "eventstream")
                && file.is_file();
            let name = file.file_stem().and_then(|n| n.to_str());
            if let (true, Some(name), Some(path)) = (is_recording, name, file.to_str()) {
                let _ = writeln!(
                    entries,
                    "    ({provider:?}, {name:?}, include_bytes!({path:?})),"
                );
            }
        }
    }
    entries.push_str("]\n");
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out).join("bundled.rs"), entries).expect("OUT_DIR is writable");
}

/// The entries of `dir`, sorted by name (none when it cannot be read).
fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}
