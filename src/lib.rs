//! # bea: backward error analysis of numerical integrators and optimizers
//!
//! Gradient descent `θ ← θ − h ∇E(θ)` is the explicit Euler method for the gradient flow `θ' = −∇E`. Backward
//! error analysis finds the *modified vector field* `f~ = f + h f_1 + h^2 f_2 + …` whose exact flow passes
//! through the discrete steps; for gradient descent `f_1 = −½ f′f`, so it follows the gradient flow of
//! `E + (h/4)|∇E|²` (implicit gradient regularization, Barrett & Dherin, ICLR 2021).
//!
//! The pipeline, end to end:
//!
//! ```
//! use bea::{derive::derive, emit::{render, Format, Report}, spec::{Problem, RawProblem}};
//!
//! // 1. A raw problem (from a TOML file, CLI flags, or code), validated into a Problem.
//! let raw = RawProblem {
//!     loss: Some("(y0 - a*b*x0)^2/2".into()),
//!     vars: vec!["a".into(), "b".into()],
//!     order: Some(2),
//!     ..Default::default()
//! };
//! let problem = Problem::from_raw(&raw).unwrap();
//!
//! // 2. Derive f_1..f_N exactly.
//! let mut me = derive(&problem).unwrap();
//!
//! // 3. Structure checks (gradient? potential?) and printing.
//! let report = Report::build(&mut me);
//! assert!(report.corrections[0].gradient);
//! assert_eq!(report.igr_first_order, Some(true)); // E_1 = |∇E|²/4 holds exactly
//! let json = render(&report, Format::Json);
//! assert!(json.contains("\"method\": \"explicit-euler\""));
//! ```
//!
//! Stages: [`spec`] (input → validated [`spec::Problem`]), [`algebra`] (the exact differential ring),
//! [`derive`](mod@derive) (explicit Euler by the general and the paper's recursions; Runge-Kutta tableaus and
//! heavy-ball momentum by B-series; partitioned methods by Taylor expansion of the step), [`structure`] (gradient
//! verdicts, potentials), [`emit`] (text, LaTeX, JSON, generated Rust source and the in-process evaluator),
//! [`cas`] (the seam to symplex), [`cli`] (the `bea` binary).

#![warn(missing_docs)]

pub mod algebra;
pub mod cas;
pub mod cli;
pub mod derive;
pub mod emit;
pub mod spec;
pub mod structure;
