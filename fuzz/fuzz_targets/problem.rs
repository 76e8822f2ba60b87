//! libFuzzer target: validation of a problem (`Problem::from_raw`), decoded by `engine::problem_from_text`.
#![no_main]
#[path = "../src/engine.rs"]
mod engine;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        engine::target_problem(&engine::problem_from_text(s));
    }
});
