//! Emitters: a derived [`ModifiedEquation`](crate::derive::ModifiedEquation) as text, LaTeX or JSON.
//!
//! [`Report::build`] runs the structure checks and prints every expression once (in both syntaxes); each format
//! is one [`Emitter`] over that report, so the formats cannot disagree about what was derived. The generated Rust
//! module ([`rust::generate`]) takes its potentials from the same analysis ([`analyse_corrections`]).

pub mod evaluator;
pub mod expr;
mod json;
mod latex;
mod report;
pub mod rust;
mod text;

pub use json::Json;
pub use latex::Latex;
pub use report::{analyse_corrections, first_order_hint, CorrectionOut, Report};
pub use text::Text;

/// Output format of `bea derive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// LaTeX (an `align*` environment per section).
    Latex,
    /// The JSON contract (see README).
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "latex" => Ok(Format::Latex),
            "json" => Ok(Format::Json),
            _ => Err(format!("unknown format '{s}': use text, latex or json")),
        }
    }
}

/// One output format.
pub trait Emitter {
    /// Render the report.
    fn emit(&self, r: &Report) -> String;
}

/// Render a report in `format`.
pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Text => Text.emit(r),
        Format::Latex => Latex.emit(r),
        Format::Json => Json.emit(r),
    }
}
