//! libFuzzer target: the TOML problem loader (`bea::spec::raw_from_toml`, then `Problem::from_raw`).
#![no_main]
#[path = "../src/engine.rs"]
mod engine;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        engine::target_toml(s);
    }
});
