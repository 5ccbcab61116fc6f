#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| llm_sse_core::fuzzing::http1_response(data));
