//! # bea-verification: the numeric harness
//!
//! Checks modified equations numerically, independently of the symbolic engine: every
//! input is a numeric closure (a step map, a truncated modified field, a loss and its
//! gradient), never a formula of the engine.
//!
//! - [`flow`]: accurate flows by ode_solvers' Dop853 behind one named config;
//! - [`order`]: local-error order checks `||Φ_h(θ0) − φ_h^{f̃_N}(θ0)|| = O(h^{N+2})`
//!   (Theorem 3.1 of Barrett & Dherin, *Implicit Gradient Regularization*, ICLR 2021, for `N = 1`), for one-step
//!   maps and for two-step methods such as heavy-ball (`StepKind::TwoStep`: start on the candidate's flow);
//! - [`rk`]: numeric Runge-Kutta and partitioned Runge-Kutta steps (explicit and implicit) for those checks;
//! - [`problems`]: hand-written reference problems with closed-form corrections (`f_1`, `f_2`), nothing from the
//!   symbolic engine;
//! - [`theorems`]: Proposition 3.3 / Corollary A.6.1, Propositions A.9 and A.10, Remark 3.2;
//! - [`two_param`]: the paper's Section 5 / Appendix A.4 experiments on `E = (y − abx)²/2`;
//! - [`report`]: atomic file writing and plot helpers;
//! - [`nets`]: the neural-network predictions (Section 6, App. A.5) with candle: data, MLP/ResNet, GD/SGD/EGR.
//!
//! ```
//! use bea_verification::order::{check_orders, Candidate, OrderConfig};
//! // Explicit Euler on θ' = −θ; the modified field of order 1 is −θ − (h/2)θ (f₁ = −½ f′f).
//! let step = |th: &[f64], h: f64| vec![th[0] - h * th[0]];
//! let f1 = Candidate::new("hand", 1, |th: &[f64], h: f64, out: &mut [f64]| {
//!     out[0] = -th[0] - 0.5 * h * th[0]
//! });
//! let report = check_orders(&step, &[f1], &[1.0], &OrderConfig::default());
//! assert!(report.checks[0].pass);
//! assert_eq!(report.checks[0].expected, 3);
//! ```

pub mod dd;
pub mod flow;
pub mod nets;
pub mod order;
pub mod problems;
pub mod report;
pub mod rk;
pub mod theorems;
pub mod two_param;
