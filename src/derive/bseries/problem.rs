//! B-series applied to a validated [`Problem`]: the modified field of any Runge–Kutta method, and of
//! heavy-ball momentum, in the problem's own [`Algebra`](crate::algebra::Algebra).
//!
//! The results are elements of a clone of the problem's algebra (extended by whatever denominator
//! factors and atoms the derivation registered), returned inside [`MethodDerivation::problem`], so
//! they print with [`crate::emit::expr::Printer`] over `d.problem.algebra` and `d.problem.vars`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::diff::modified_field_with;
use super::modified::{modified_equation, FIELD_NORMALIZATION};
use super::momentum::{heavy_ball_modified_equation, MomentumError};
use super::series::BSeries;
use super::tableau::{ButcherTableau, TableauError, BUILTIN_METHODS};
use super::trees::Forest;
use super::BSeriesError;
use crate::algebra::{Coef, Elem};
use crate::derive::{DeriveError, DeriveOptions, Guard, ModifiedEquation};
use crate::spec::Problem;

/// Normalisation of the heavy-ball modified field (one sentence, for reports).
pub const HEAVY_BALL_NORMALIZATION: &str = "theta_n ~ y(n h) with y' = f~(y) = sum_l h^l f_l(y) on the slow manifold, time t = n h (not the effective time n h/(1-beta)); f_0 = f/(1-beta), f_1 = -(1+beta)/(2(1-beta)^3) f'f, so for f = -grad E: f_1 = -grad[(1+beta)/(4(1-beta)^3) |grad E|^2].";

/// The modified field of one method on one problem.
#[derive(Clone, Debug)]
pub struct MethodDerivation {
    /// The problem, its algebra extended by whatever the derivation registered; print with
    /// `Printer::new(&d.problem.algebra, &d.problem.vars, syntax)`.
    pub problem: Problem,
    /// The method's name (`explicit-midpoint`, `heavy-ball(beta=9/10)`, a TOML tableau's `name`).
    pub method: String,
    /// One sentence: which powers of `h`, which `σ`, which time.
    pub normalization: &'static str,
    /// The modified-field coefficients `b̃(t)` of every tree up to order `problem.order + 1`.
    pub series: BSeries,
    /// `f_0 = b̃(•) f` (equal to `f` for every consistent Runge–Kutta method; `f/(1-β)` for heavy ball).
    pub leading: Vec<Elem>,
    /// `f_1..f_N`, `N = problem.order`, each normalised (common denominator factors cancelled).
    pub corrections: Vec<Vec<Elem>>,
    /// Wall time of the derivation (coefficients and elementary differentials).
    pub elapsed: Duration,
}

impl MethodDerivation {
    /// The same corrections as a [`ModifiedEquation`] (in its `general` slot), so the core's
    /// report and printers apply; `None` when `f_0 != f` (heavy ball, inconsistent tableaus),
    /// which that report would misstate.
    pub fn into_modified_equation(self) -> Option<ModifiedEquation> {
        if !self.series.coefficient(0).is_one() {
            return None;
        }
        Some(ModifiedEquation {
            problem: self.problem,
            general: Some(self.corrections),
            paper: None,
            elapsed: self.elapsed,
        })
    }
}

/// A Butcher tableau by name or from a TOML file.
///
/// Names (case-insensitive, `_` and `-` alike): `explicit-euler`, `implicit-euler`,
/// `explicit-midpoint` (alias `midpoint`), `implicit-midpoint`, `heun`, `rk4`, `ssprk33`
/// ([`BUILTIN_METHODS`] and the aliases of [`ButcherTableau::named`]). Anything ending in `.toml`, or
/// naming an existing file, is read as a tableau file ([`super::tableau`] documents the format).
///
/// ```
/// use bea::derive::bseries::method_by_name;
/// assert_eq!(method_by_name("midpoint").unwrap().name(), "explicit-midpoint");
/// assert_eq!(method_by_name("Implicit_Midpoint").unwrap().stages(), 1);
/// let err = method_by_name("rk5").unwrap_err().to_string();
/// assert!(err.contains("rk4") && err.contains(".toml"), "{err}");
/// assert!(method_by_name("missing.toml").unwrap_err().to_string().contains("missing.toml"));
/// ```
pub fn method_by_name(name: &str) -> Result<ButcherTableau, BSeriesError> {
    let path = Path::new(name.trim());
    if name.trim().ends_with(".toml") || path.is_file() {
        return Ok(ButcherTableau::from_toml_file(path)?);
    }
    ButcherTableau::named(name).map_err(|e| match e {
        TableauError::UnknownMethod(n, _) => {
            TableauError::UnknownMethod(n, format!("{}, or a tableau file NAME.toml", BUILTIN_METHODS.join(", ")))
                .into()
        }
        other => other.into(),
    })
}

/// The modified field `f_1..f_N` (`N = problem.order`) of the Runge–Kutta method `tableau` on the
/// problem's field, with default limits. See [`derive_method_with`].
///
/// ```
/// use bea::derive::bseries::{derive_method, method_by_name};
/// use bea::spec::{examples, Problem};
/// let problem = Problem::from_raw(&examples::example("quartic").unwrap()).unwrap();
/// let mut by_trees = derive_method(&problem, &method_by_name("explicit-euler").unwrap()).unwrap();
/// let direct = bea::derive::derive(&problem).unwrap();
/// let alg = &mut by_trees.problem.algebra;
/// for (a, b) in by_trees.corrections.iter().zip(direct.corrections()) {
///     assert!(a.iter().zip(b).all(|(x, y)| alg.equal(x, y)));
/// }
/// ```
pub fn derive_method(problem: &Problem, tableau: &ButcherTableau) -> Result<MethodDerivation, BSeriesError> {
    derive_method_with(problem, tableau, &DeriveOptions::default())
}

/// [`derive_method`] with explicit resource limits (term budget, wall clock), checked after every
/// tree; exceeding one gives [`BSeriesError::Derive`].
pub fn derive_method_with(
    problem: &Problem,
    tableau: &ButcherTableau,
    opts: &DeriveOptions,
) -> Result<MethodDerivation, BSeriesError> {
    let start = Instant::now();
    let series = series_within(opts, start, problem.order, || {
        let forest = Arc::new(Forest::new(problem.order + 1));
        modified_equation(&BSeries::of_method_in(tableau, forest))
    })??;
    apply_series(problem, series, FIELD_NORMALIZATION, opts, start)
}

/// Run the tree computation `f` under the wall-clock limit of `opts` (counted from `start`; see
/// [`super::deadline`]): past it, [`DeriveError::Timeout`] at `order`.
fn series_within<R>(
    opts: &DeriveOptions,
    start: Instant,
    order: usize,
    f: impl FnOnce() -> R,
) -> Result<R, BSeriesError> {
    let deadline = opts.timeout.and_then(|t| start.checked_add(t));
    let (out, late) = super::deadline::within(deadline, f);
    if late {
        let seconds = opts.timeout.map_or(0.0, |t| t.as_secs_f64());
        return Err(DeriveError::Timeout { order, seconds }.into());
    }
    Ok(out)
}

/// Heavy-ball momentum `θ_{n+1} = θ_n + h f(θ_n) + β(θ_n - θ_{n-1})` (with `f = -∇E` for a loss):
/// its modified field on the slow manifold, `f_0` and `f_1..f_N`, in the normalisation
/// [`HEAVY_BALL_NORMALIZATION`] (time `t = nh`; [`super::momentum`] has the derivation).
/// `β` must lie in `(-1, 1)`.
///
/// ```
/// use bea::algebra::Coef;
/// use bea::derive::bseries::derive_heavy_ball;
/// use bea::spec::{examples, Problem};
/// let mut problem = Problem::from_raw(&examples::example("quartic").unwrap()).unwrap();
/// problem.order = 1;
/// let mut d = derive_heavy_ball(&problem, Coef::new(1, 2)).unwrap();
/// let alg = &mut d.problem.algebra;
/// let f0 = alg.scale(&problem.field[0], &Coef::int(2)); // f/(1-β)
/// assert!(alg.equal(&d.leading[0], &f0));
/// assert!(derive_heavy_ball(&problem, Coef::one()).is_err());
/// ```
pub fn derive_heavy_ball(problem: &Problem, beta: Coef) -> Result<MethodDerivation, BSeriesError> {
    derive_heavy_ball_with(problem, beta, &DeriveOptions::default())
}

/// [`derive_heavy_ball`] with explicit resource limits (term budget, wall clock), as [`derive_method_with`] (found
/// by review: heavy-ball ignored `--timeout` and `--max-terms`).
pub fn derive_heavy_ball_with(
    problem: &Problem,
    beta: Coef,
    opts: &DeriveOptions,
) -> Result<MethodDerivation, BSeriesError> {
    if beta.abs() >= Coef::one() {
        let err = if beta.is_one() {
            MomentumError::BetaOne
        } else {
            MomentumError::BetaOutOfRange { beta: beta.to_string() }
        };
        return Err(err.into());
    }
    let start = Instant::now();
    let series = series_within(opts, start, problem.order, || heavy_ball_modified_equation(&beta, problem.order + 1))??;
    apply_series(problem, series, HEAVY_BALL_NORMALIZATION, opts, start)
}

/// Evaluates a field series on the problem's field in a clone of its algebra.
fn apply_series(
    problem: &Problem,
    series: BSeries,
    normalization: &'static str,
    opts: &DeriveOptions,
    start: Instant,
) -> Result<MethodDerivation, BSeriesError> {
    let mut p = problem.clone();
    let guard = Guard::armed(*opts, &mut p.algebra);
    let check = |alg: &crate::algebra::Algebra, l: usize| guard.check(alg, l).map_err(BSeriesError::from);
    let mut fields = modified_field_with(&mut p.algebra, &problem.field, &series, problem.order, check)?;
    let corrections: Vec<Vec<Elem>> =
        fields.split_off(1).into_iter().map(|fl| fl.iter().map(|e| p.algebra.normalize(e)).collect()).collect();
    let leading = fields.pop().unwrap_or_default();
    guard.finish(&mut p.algebra, problem.order)?;
    Ok(MethodDerivation {
        method: series.name().to_string(),
        problem: p,
        normalization,
        series,
        leading,
        corrections,
        elapsed: start.elapsed(),
    })
}
