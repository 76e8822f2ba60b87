//! The JSON contract (README, "JSON contract"): stable keys, exact rationals, infix with `^`.

use super::{Emitter, Report};

/// The JSON emitter (pretty-printed, keys in contract order).
pub struct Json;

impl Emitter for Json {
    fn emit(&self, r: &Report) -> String {
        let mut s = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        s.push('\n');
        s
    }
}
