//! Small plotting helpers shared by the order plot and the two-parameter figures
//! (plotters, bitmap backend).

use plotters::coord::Shift;
use plotters::prelude::*;

/// The drawing area handed to the closure of [`super::write_png_atomic`].
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// The font every label is drawn in: a subset of DejaVu Sans compiled into the binary (`verification/fonts/`, with
/// its licence), so that plots need no font installed. The GPU machine had none: plotters' `ttf` backend, which looks
/// fonts up through fontconfig, failed there with "No such font: sans-serif normal".
static FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans-subset.ttf");

/// Registers the compiled-in DejaVu Sans subset as plotters' "sans-serif" (once per process). Every PNG bea draws
/// calls it first.
pub fn register_font() -> Result<(), String> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "the embedded DejaVu Sans subset is not a valid font".to_string())
    })
    .clone()
}

/// A colour per series index, from a fixed palette (deterministic output).
pub fn palette(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

/// Maps any plotters error to its message.
pub fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// A decade-aligned range `[10^floor(log10 lo), 10^ceil(log10 hi)]` covering the positive
/// values of `values`; `(1e-16, 1)` when none is positive.
pub fn log_bounds<I: IntoIterator<Item = f64>>(values: I) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (1e-16, 1.0);
    }
    let lo = 10f64.powf(lo.log10().floor());
    let mut hi = 10f64.powf(hi.log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    (lo, hi)
}

/// Points of a dashed straight segment between `a` and `b` in data coordinates
/// (`pieces` dashes), for reference lines.
pub fn dashes(a: (f64, f64), b: (f64, f64), pieces: usize, log: bool) -> Vec<Vec<(f64, f64)>> {
    let lerp = |u: f64| {
        if log {
            ((a.0.ln() + u * (b.0.ln() - a.0.ln())).exp(), (a.1.ln() + u * (b.1.ln() - a.1.ln())).exp())
        } else {
            (a.0 + u * (b.0 - a.0), a.1 + u * (b.1 - a.1))
        }
    };
    let n = pieces.max(1) * 2;
    (0..n).step_by(2).map(|k| vec![lerp(k as f64 / n as f64), lerp((k + 1) as f64 / n as f64)]).collect()
}
