//! libFuzzer target: `derive_with` on small problems (order <= 3, 100,000-term budget, 1 s timeout).
#![no_main]
#[path = "../src/engine.rs"]
mod engine;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let mut raw = engine::problem_from_text(s);
        raw.order = Some(raw.order.unwrap_or(1).clamp(1, engine::DERIVE_MAX_ORDER));
        engine::target_derive(&raw);
    }
});
