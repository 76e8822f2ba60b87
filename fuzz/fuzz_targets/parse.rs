//! libFuzzer target: the expression parser (`bea::spec::parse::parse_expr`).
#![no_main]
#[path = "../src/engine.rs"]
mod engine;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        engine::target_parse(s);
    }
});
