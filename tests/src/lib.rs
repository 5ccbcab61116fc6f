//! Cross-crate integration and conformance tests for llm-sse; see `tests/tests/`.
//! Shared helpers for those tests live here.
