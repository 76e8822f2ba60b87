//! The built-in catalogue: every example is also a file in `series/inputs/`, embedded here so the binary
//! needs no files at run time. The files are the single source of truth.

use super::{raw_from_toml, RawProblem, SpecError};

/// `(name, TOML text)` of every catalogue problem, in a fixed order.
pub const CATALOGUE: &[(&str, &str)] = &[
    ("two-param", include_str!("../../series/inputs/two-param.toml")),
    ("quartic", include_str!("../../series/inputs/quartic.toml")),
    ("lotka-volterra", include_str!("../../series/inputs/lotka-volterra.toml")),
    ("pendulum", include_str!("../../series/inputs/pendulum.toml")),
    ("harmonic", include_str!("../../series/inputs/harmonic.toml")),
    ("poly3d", include_str!("../../series/inputs/poly3d.toml")),
    ("generic2d", include_str!("../../series/inputs/generic2d.toml")),
    ("oscillator", include_str!("../../series/inputs/oscillator.toml")),
];

/// The default problem of `bea derive` with no arguments (the README's main job).
pub const DEFAULT_EXAMPLE: &str = "two-param";

/// The raw problem of a catalogue example.
///
/// ```
/// let raw = bea::spec::examples::example("lotka-volterra").unwrap();
/// assert_eq!(raw.vars, vec!["u", "v"]);
/// assert!(bea::spec::examples::example("nope").is_err());
/// ```
pub fn example(name: &str) -> Result<RawProblem, SpecError> {
    // Case and `_` for `-` do not matter, as for method names (found by review: `QUARTIC` was unknown, `RK4` not).
    let key = name.trim().to_ascii_lowercase().replace('_', "-");
    match CATALOGUE.iter().find(|(n, _)| *n == key) {
        Some((n, text)) => raw_from_toml(text, &format!("series/inputs/{n}.toml")),
        None => Err(SpecError::UnknownExample {
            name: name.to_string(),
            available: CATALOGUE.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        }),
    }
}
