//! Local-error order checks of truncated modified fields.
//!
//! For a one-step map `Φ_h` (e.g. explicit Euler `θ + h f(θ)`, the paper's gradient descent,
//! eq. 1) and a truncated modified field `f̃_N = f + h f_1 + … + h^N f_N` (eq. 6 / A.3), the
//! local error
//!
//! `err(h) = ‖Φ_h(θ0) − φ_h^{f̃_N}(θ0)‖₂`
//!
//! (`φ_h^{g}` the exact flow of `g` over time `h`, computed by Dop853 with [`FlowConfig`]) is
//! `O(h^{N+2})` when `f_1 … f_N` are right. `N = 1` is Theorem 3.1 of Barrett & Dherin (ICLR 2021):
//! `O(h³)` for the modified loss against `O(h²)` for the plain gradient flow (`N = 0`);
//! Appendix A.1 states the general truncation (their "order O(h^{n+1})" counts the error per
//! unit step; per step it is `h^{N+2}`).
//!
//! The slope of `ln err` against `ln h` is fitted by least squares over the finest of the points of a
//! geometric grid whose error is well above the detected floor (the finest half, at least four;
//! [`fit::analyse`], [`fit::fit_window`]): the largest steps carry the higher-order terms that bias a
//! whole-grid fit.
//!
//! # Verdicts
//!
//! [`Verdict::Pass`] when the slope is within the tolerance of the expected `e` and the local slopes over
//! the fitted points have settled (spread at most twice the tolerance); [`Verdict::Fail`] when it is at or
//! below `e − 1 + tolerance`, where a wrong correction puts it (its error term is one power of `h` lower),
//! or a point could not be evaluated at a step size below one that could; otherwise [`Verdict::Inconclusive`]:
//! errors at rounding level
//! ([`CheckError::AtRounding`]), too few points above the floor ([`CheckError::TooFewPoints`]), local
//! slopes still drifting ([`CheckError::NotSettled`]), or a slope between `e − 1` and `e` or above `e`
//! ([`CheckError::BetweenOrders`]: pre-asymptotic, or the next correction vanishes at this start point).
//!
//! The largest step sizes may lie outside where the method or the flow exists: an implicit step with no real
//! solution, a flow that leaves the field's domain before time `h` (`E = sqrt(x)` near 0). Failures there are
//! [`OrderCheck::dropped`] and the slope is judged on the smaller step sizes (found by review: right fields were
//! reported FAIL because `h = 0.2` could not be evaluated). A failure at a step size smaller than one that did
//! evaluate is not a domain restriction and fails the check.
//!
//! # Two-step methods
//!
//! A two-step method `θ_{n+1} = Ψ_h(θ_{n-1}, θ_n)` (heavy-ball momentum
//! `θ_{n+1} = θ_n − h∇E(θ_n) + β(θ_n − θ_{n−1})`) has no one-step map to compare with; its modified
//! field describes the iterates on an invariant "slow manifold" (the underlying one-step method,
//! Kirchgraber 1986; Hairer, Lubich & Wanner, GNI Sect. XV.2), on which `θ_{n-1}` is a function of
//! `θ_n`. [`StepKind::TwoStep`] measures the local error of a candidate `f̃_N` by starting *on the
//! candidate's own flow*: `θ_0 = y0`, `θ_1 = φ_h(y0)`, one step `θ_2 = Ψ_h(θ_0, θ_1)`, and
//!
//! `err(h) = ‖θ_2 − φ_{2h}(y0)‖₂`,
//!
//! both flows by the same Dop853 integration ([`FlowConfig`]). When the trajectory of `f̃_N` satisfies
//! the recursion up to its truncation, `err = O(h^{N+2})` again (each flow point deviates from the exact
//! modified flow by `O(h^{N+2})`, and `Ψ_h` is a bounded combination of them). Starting on the flow is
//! needed: from the usual start `θ_1 = θ_0 − h∇E(θ_0)` (zero initial velocity) the pair `(θ_0, θ_1)` is
//! off the slow manifold by `O(h²)` in position, i.e. `O(h)` in the velocity `(θ_1 − θ_0)/h`, and the
//! iterates carry an `O(h)` transient (decaying like `β^n`) that no truncation of the modified field can
//! describe, so every `N` would show the same low slope. The expected slope is `N + 2` unless
//! [`Candidate::with_expected`] says otherwise. See [`check_order_with`].
//!
//! Precision: everything here is `f64`. With the default grid the errors of `N ≤ 4` on smooth
//! 2-D problems of unit scale lie well above the rounding floor (about `1e-15 ‖θ0‖`); for
//! larger `N` the usable window shrinks to the largest h, where higher terms bias the slope: on the
//! catalogue problems gradient descent's checks pass to `N = 6`-`8` and are inconclusive above (measured in
//! session 6 with the four-point minimum: two-param, Lotka-Volterra and pendulum to 6, quartic and oscillator to 7,
//! harmonic and poly3d to 8); [`extended`] measures in double-double and reaches `N = 10` on all of them. A single
//! start point cannot see an error that vanishes there: [`multi`] checks at several (`bea verify --starts K`).

pub mod extended;
pub mod fit;
pub mod multi;
mod plot;
mod table;
mod two_step;

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde::Serialize;

pub use self::fit::FloorConfig;
pub use self::plot::plot_orders;
pub use self::table::{format_multi, format_table};
use crate::flow::{flow_increment, FlowConfig, FlowError};

/// A geometric grid of step sizes `h_k = h_max / ratio^k`, `k = 0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HGrid {
    /// The largest step size.
    pub h_max: f64,
    /// Ratio between consecutive step sizes (> 1).
    pub ratio: f64,
    /// Number of grid points.
    pub count: usize,
}

impl Default for HGrid {
    /// `h = 0.2 · 2^{-k/2}`, `k = 0..16`: from 0.2 down to 0.2/256 ≈ 7.8e-4.
    fn default() -> Self {
        HGrid { h_max: 0.2, ratio: std::f64::consts::SQRT_2, count: 17 }
    }
}

impl HGrid {
    /// The step sizes, largest first.
    ///
    /// ```
    /// use bea_verification::order::HGrid;
    /// let g = HGrid { h_max: 1.0, ratio: 2.0, count: 3 };
    /// assert_eq!(g.values(), vec![1.0, 0.5, 0.25]);
    /// ```
    pub fn values(&self) -> Vec<f64> {
        (0..self.count).map(|k| self.h_max / self.ratio.powi(k as i32)).collect()
    }

    /// The grid with `h_max` lowered, where needed, to [`MAX_H_TIMES_L`]` / l` for a field whose Jacobian norm is
    /// `l` (see [`jacobian_norm`]): the local-error expansion is in powers of `h l`, so on a field 1000 times
    /// faster the default grid (`h l` up to 200) measures nothing asymptotic. A grid that already keeps
    /// `h l <= 1/2`, or a norm that is 0 or not finite, leaves it unchanged; the ratio and count stay.
    ///
    /// ```
    /// use bea_verification::order::HGrid;
    /// let g = HGrid::default(); // h_max = 0.2
    /// assert_eq!(g.within_time_scale(2.0), g);
    /// assert_eq!(g.within_time_scale(1000.0).h_max, 5e-4);
    /// ```
    pub fn within_time_scale(self, l: f64) -> HGrid {
        if l.is_finite() && l > 0.0 && self.h_max * l > MAX_H_TIMES_L {
            HGrid { h_max: MAX_H_TIMES_L / l, ..self }
        } else {
            self
        }
    }
}

/// The largest `h L` the default grid is allowed ([`HGrid::within_time_scale`]): 1/2, a step of half the field's
/// time scale. The default grid's `h_max = 0.2` meets it for `L <= 2.5`, which covers the catalogue's problems at
/// their start points.
pub const MAX_H_TIMES_L: f64 = 0.5;

/// `‖f′(θ)‖∞` (largest row sum of `|∂f_i/∂θ_j|`), by central differences with steps `6e-6 max(1, |θ_j|)`, halved
/// (up to 60 times) while the field is not finite at a shifted point, so a start point just inside a domain edge
/// (`sqrt(x)` at `x = 3e-6`) still gets its (large) norm: the inverse time scale of the field at `θ`, accurate to a
/// few digits, which is all [`HGrid::within_time_scale`] needs. NaN when the field is not finite near `θ` at all.
///
/// ```
/// use bea_verification::order::jacobian_norm;
/// // f = (-1000 x, y^2) at (1, 3): f' = diag(-1000, 6).
/// let l = jacobian_norm(&|t: &[f64], o: &mut [f64]| { o[0] = -1000.0 * t[0]; o[1] = t[1] * t[1]; }, &[1.0, 3.0]);
/// assert!((l - 1000.0).abs() < 1e-6);
/// // sqrt(x) at x = 3e-6, whose default difference step would cross 0: 1/(2 sqrt(x)) = 288.7.
/// let l = jacobian_norm(&|t: &[f64], o: &mut [f64]| o[0] = t[0].sqrt(), &[3e-6]);
/// assert!((l - 0.5 / 3e-6f64.sqrt()).abs() < 1.0, "{l}");
/// ```
pub fn jacobian_norm(field: &dyn Fn(&[f64], &mut [f64]), theta: &[f64]) -> f64 {
    let d = theta.len();
    let mut rows = vec![0.0; d];
    let (mut plus, mut minus) = (vec![0.0; d], vec![0.0; d]);
    let mut x = theta.to_vec();
    for j in 0..d {
        let mut delta = 6e-6 * theta[j].abs().max(1.0);
        let mut differences = |delta: f64, plus: &mut [f64], minus: &mut [f64]| {
            x[j] = theta[j] + delta;
            field(&x, plus);
            x[j] = theta[j] - delta;
            field(&x, minus);
            x[j] = theta[j];
            plus.iter().chain(minus.iter()).all(|v| v.is_finite())
        };
        let mut shrunk = false;
        let mut finite = differences(delta, &mut plus, &mut minus);
        for _ in 0..60 {
            if finite {
                break;
            }
            delta /= 2.0;
            shrunk = true;
            finite = differences(delta, &mut plus, &mut minus);
        }
        if !finite {
            return f64::NAN;
        }
        // Where the first finite step met the edge, its points straddle the field's fastest change: step 8 times
        // further inside (a relative error of about (1/8)^2 for sqrt).
        if shrunk && differences(delta / 8.0, &mut plus, &mut minus) {
            delta /= 8.0;
        } else if shrunk {
            differences(delta, &mut plus, &mut minus);
        }
        for i in 0..d {
            rows[i] += ((plus[i] - minus[i]) / (2.0 * delta)).abs();
        }
    }
    rows.into_iter().fold(0.0, f64::max)
}

/// Configuration of [`check_order`] / [`check_orders`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OrderConfig {
    /// The step sizes.
    pub grid: HGrid,
    /// Dop853 tolerances for the exact flow of the truncated field.
    pub flow: FlowConfig,
    /// Floor detection and the "well above the floor" margin.
    pub floor: FloorConfig,
    /// Pass when `|slope − (N + 2)| <= tolerance`.
    pub tolerance: f64,
    /// Fewest fitted points for a slope to count (default 4: with 3 the window reaches the largest, biased step
    /// sizes; found by review: checks passed on 3 of 17 points, one of them `h = 0.2`).
    pub min_points: usize,
}

impl Default for OrderConfig {
    fn default() -> Self {
        OrderConfig {
            grid: HGrid::default(),
            flow: FlowConfig::default(),
            floor: FloorConfig::default(),
            tolerance: 0.15,
            min_points: 4,
        }
    }
}

/// A truncated modified field as a closure `field(θ, h, out)` writing `f̃_N(θ; h)` into `out`.
pub type TruncatedField<'a> = dyn Fn(&[f64], f64, &mut [f64]) + 'a;

/// A truncated modified field `f + h f_1 + … + h^N f_N` to check: `field(θ, h, out)`.
pub struct Candidate<'a> {
    /// A label for the derivation that produced it (e.g. "general", "paper").
    pub recursion: String,
    /// The truncation order `N`.
    pub order: usize,
    /// Writes `f̃_N(θ; h)` into `out`.
    pub field: Box<TruncatedField<'a>>,
    /// The expected slope when it is not `N + 2` (e.g. `max(N + 2, p + 1)` for a method of order `p`,
    /// whose truncated fields below `h^p` all equal `f`).
    pub expected: Option<usize>,
}

impl<'a> Candidate<'a> {
    /// Wraps a closure `field(θ, h, out)` as the candidate of truncation order `order`.
    pub fn new<F>(recursion: impl Into<String>, order: usize, field: F) -> Self
    where
        F: Fn(&[f64], f64, &mut [f64]) + 'a,
    {
        Candidate { recursion: recursion.into(), order, field: Box::new(field), expected: None }
    }

    /// The same candidate with another expected slope.
    pub fn with_expected(mut self, expected: usize) -> Self {
        self.expected = Some(expected);
        self
    }
}

impl std::fmt::Debug for Candidate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidate")
            .field("recursion", &self.recursion)
            .field("order", &self.order)
            .finish_non_exhaustive()
    }
}

/// Why an order check (or one of its points) failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind")]
#[non_exhaustive]
pub enum CheckError {
    /// The start point is empty or not finite.
    #[error("invalid start point {theta0:?}")]
    InvalidStart {
        /// The start point given.
        theta0: Vec<f64>,
    },
    /// The field is NaN/inf (or of the wrong length) at the start point: a singular point.
    #[error("the modified field is singular or not finite at the start point {theta0:?} (h = {h}): {value:?}")]
    SingularStart {
        /// The start point.
        theta0: Vec<f64>,
        /// The step size at which it was evaluated.
        h: f64,
        /// What the field returned.
        value: Vec<f64>,
    },
    /// The step map returned a non-finite value or a vector of the wrong length.
    #[error("the step map is not finite or has the wrong length at h = {h}: {value:?}")]
    BadStep {
        /// The step size.
        h: f64,
        /// What the step map returned.
        value: Vec<f64>,
    },
    /// The two-step map returned a non-finite value or a vector of the wrong length.
    #[error("the two-step map is not finite or has the wrong length at h = {h} from theta_prev = {theta_prev:?}, theta = {theta:?}: {value:?}")]
    BadTwoStep {
        /// The step size.
        h: f64,
        /// `θ_{n-1}` given to the map (the start point `θ_0`).
        theta_prev: Vec<f64>,
        /// `θ_n` given to the map (`θ_1`, on the candidate's flow).
        theta: Vec<f64>,
        /// What the map returned.
        value: Vec<f64>,
    },
    /// The exact flow of the truncated field could not be computed.
    #[error("flow of the truncated field failed at h = {h}: {source}")]
    Flow {
        /// The step size.
        h: f64,
        /// The integrator's error.
        source: FlowError,
    },
    /// A closure panicked.
    #[error("a closure panicked at h = {h}: {message}")]
    Panicked {
        /// The step size (NaN when outside the grid loop).
        h: f64,
        /// The panic message.
        message: String,
    },
    /// Every point is at the rounding floor: the truncated flow and the method agree to rounding, so there is no
    /// slope to measure (inconclusive, not a failure of the field; found by review: a constant field or a fixed
    /// point was reported as FAIL with "only 0 points").
    #[error("the local error is at rounding level for every h (largest {max_err:e}, floor {floor:e}): the truncated flow and the method agree to the harness's floor (8 ulps of max(1, |theta0|), or the plateau it detects) here, so no slope can be measured (inconclusive; try another start point, or one where the field is not tiny: the floor is not relative to the field's size)")]
    AtRounding {
        /// The largest error on the grid.
        max_err: f64,
        /// The detected floor.
        floor: f64,
    },
    /// The errors level off at small `h` far above rounding (more than [`HIGH_PLATEAU`] times the a-priori floor):
    /// every candidate with the right `f_0` has a local error that falls to rounding as `h → 0`, so a plateau that
    /// high means the measurement itself stopped resolving the error (the reference flow's tolerance on a large
    /// state, or a step that does not converge), and a slope fitted above it would be judged on the largest,
    /// pre-asymptotic steps (found by review: correct fields FAILed with slope 1 over four points above a plateau
    /// 10^8 times the rounding level).
    #[error("the errors level off at {level:e} at the smallest steps, {ratio:.0e} times the rounding floor {rounding:e}: the measurement stopped resolving the local error, so no slope is judged (inconclusive; try --h-max lower, --precision double-double, or another start point)")]
    HighPlateau {
        /// The plateau's level.
        level: f64,
        /// The a-priori rounding floor.
        rounding: f64,
        /// `level / rounding`.
        ratio: f64,
    },
    /// The local slopes over the fitted points still drift by more than twice the tolerance: the errors have not
    /// reached their asymptotic power law on this grid, so neither PASS nor FAIL would be justified (inconclusive;
    /// found by review: pre-asymptotic fits failed right fields at high `N` and passed a 1%-wrong `f_7`).
    #[error("the local slopes over the fitted points drift from {first:.3} to {last:.3} (more than twice the tolerance): the error has not settled on its power law on this grid (inconclusive; try another start point or a lower N)")]
    NotSettled {
        /// The local slope over the largest fitted step sizes.
        first: f64,
        /// The local slope over the smallest fitted step sizes.
        last: f64,
        /// The spread (largest minus smallest local slope).
        spread: f64,
    },
    /// The fitted slope is neither within the tolerance of the expected slope `e` nor at or below `e − 1 +
    /// tolerance`, where a wrong correction puts it (its error term is one power of `h` lower): between the two, or
    /// above `e`, the grid has not reached the asymptotic regime, or the next correction vanishes at this start
    /// point, so neither verdict is justified (inconclusive; found by review: right fields at `N >= 7` measured
    /// 0.1-0.2 below `e` on four large-`h` points and were reported FAIL).
    #[error("the slope {slope:.3} is neither within the tolerance of the expected {expected} nor at or below {expected} - 1 (what a wrong correction gives): not yet asymptotic on this grid, or the next correction vanishes at this start point (inconclusive)")]
    BetweenOrders {
        /// The fitted slope.
        slope: f64,
        /// The expected slope.
        expected: usize,
    },
    /// Too few points well above the floor to fit a slope.
    #[error("only {usable} points are well above the floor {floor:e} (need {needed}){}", dropped_note(*dropped_count))]
    TooFewPoints {
        /// Points available.
        usable: usize,
        /// [`OrderConfig::min_points`].
        needed: usize,
        /// The detected floor.
        floor: f64,
        /// How many of the largest step sizes could not be evaluated ([`OrderCheck::dropped`]).
        dropped_count: usize,
    },
    /// The configuration is unusable.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
}

fn dropped_note(dropped: usize) -> String {
    match dropped {
        0 => "; use larger h or a lower floor".to_string(),
        n => format!(
            "; the {n} largest step sizes could not be evaluated (see dropped: outside the domain of the method or \
             of the flow, or beyond the integrator) (inconclusive; try another start point)"
        ),
    }
}

/// The verdict for one `(recursion, N)`. Serialises to the JSON object
/// `{"recursion","order","slope","expected","pass","points":[[h,err],...], ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderCheck {
    /// The candidate's recursion label.
    pub recursion: String,
    /// The truncation order `N`.
    pub order: usize,
    /// Fitted log-log slope (`null` when it could not be fitted).
    pub slope: Option<f64>,
    /// The expected slope `N + 2`.
    pub expected: usize,
    /// `|slope − expected| <= tolerance`, the local slopes settled and no point failed.
    pub pass: bool,
    /// `pass`, `fail`, or `inconclusive` (no slope could be judged: errors at rounding level, too few points above
    /// the floor, or local slopes that have not settled; see `error`).
    pub verdict: Verdict,
    /// `[h, err]` for every grid point that could be evaluated, largest h first.
    pub points: Vec<[f64; 2]>,
    /// The floor used (rounding estimate, or the detected plateau when higher).
    pub floor: f64,
    /// Whether the errors were seen to flatten out at small h.
    pub plateau: bool,
    /// The step sizes whose points entered the fit.
    pub used_h: Vec<f64>,
    /// The pass tolerance on the slope.
    pub tolerance: f64,
    /// Why the check failed or is incomplete (`null` when all went well).
    pub error: Option<CheckError>,
    /// The largest step sizes, where the step map or the flow of the truncated field could not be evaluated (no
    /// real solution of an implicit step, a flow leaving the domain): left out of the fit, each with why.
    pub dropped: Vec<CheckError>,
}

/// The three outcomes of an order check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The slope matches the expected one.
    Pass,
    /// The slope was measured and does not match, a closure panicked, or a point could not be evaluated at a step
    /// size below one that could.
    Fail,
    /// No slope could be judged here (see [`CheckError::AtRounding`], [`CheckError::TooFewPoints`],
    /// [`CheckError::NotSettled`], [`CheckError::BetweenOrders`]).
    Inconclusive,
}

impl OrderCheck {
    /// A check with nothing measured yet (verdict FAIL until [`fit_into`] judges it).
    pub(crate) fn unmeasured(recursion: &str, order: usize, expected: usize, tolerance: f64) -> OrderCheck {
        OrderCheck {
            recursion: recursion.to_string(),
            order,
            slope: None,
            expected,
            pass: false,
            verdict: Verdict::Fail,
            points: Vec::new(),
            floor: f64::NAN,
            plateau: false,
            used_h: Vec::new(),
            tolerance,
            error: None,
            dropped: Vec::new(),
        }
    }

    /// Record the local error measured at `h` (the grid runs from the largest h down): failures of the step map or
    /// the flow before the first evaluated point are the edge of the method's or the flow's domain and are
    /// dropped; any other failure, or one below an evaluated step size, fails the check.
    pub(crate) fn record(&mut self, h: f64, point: Result<f64, CheckError>) {
        match point {
            Ok(err) => self.points.push([h, err]),
            Err(e @ (CheckError::BadStep { .. } | CheckError::BadTwoStep { .. } | CheckError::Flow { .. }))
                if self.points.is_empty() =>
            {
                self.dropped.push(e)
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}

impl CheckError {
    /// Whether this error leaves the check inconclusive rather than failed.
    pub fn is_inconclusive(&self) -> bool {
        matches!(
            self,
            CheckError::AtRounding { .. }
                | CheckError::HighPlateau { .. }
                | CheckError::TooFewPoints { .. }
                | CheckError::NotSettled { .. }
                | CheckError::BetweenOrders { .. }
        )
    }
}

/// All checks of one run: `{"checks": [...], "theta0": [...], "grid": {"h_max", "ratio", "count"}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderReport {
    /// One entry per candidate, in input order.
    pub checks: Vec<OrderCheck>,
    /// The start point.
    pub theta0: Vec<f64>,
    /// The step sizes measured.
    pub grid: HGrid,
}

impl OrderReport {
    /// True when every check passed.
    pub fn all_pass(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    /// How many checks have each verdict: `(pass, fail, inconclusive)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |v| self.checks.iter().filter(|c| c.verdict == v).count();
        (n(Verdict::Pass), n(Verdict::Fail), n(Verdict::Inconclusive))
    }
}

/// A one-step map `step(θ, h) = Φ_h(θ)`.
pub type OneStepMap<'a> = dyn Fn(&[f64], f64) -> Vec<f64> + 'a;

/// A two-step map `step(θ_prev, θ, h) = Ψ_h(θ_{n−1}, θ_n)`.
pub type TwoStepMap<'a> = dyn Fn(&[f64], &[f64], f64) -> Vec<f64> + 'a;

/// The method whose local error is measured: a one-step map, or a two-step map (see the module doc).
///
/// ```
/// use bea_verification::order::{check_order_with, Candidate, OrderConfig, StepKind};
/// // Heavy ball with β = 1/2 on E = x²/2 (f = −x): f_0 = f/(1−β) = −2x.
/// let hb = |prev: &[f64], cur: &[f64], h: f64| vec![cur[0] - h * cur[0] + 0.5 * (cur[0] - prev[0])];
/// let c = Candidate::new("hand", 0, |th: &[f64], _h: f64, out: &mut [f64]| out[0] = -2.0 * th[0]);
/// let r = check_order_with(StepKind::TwoStep(&hb), &c, &[1.0], &OrderConfig::default());
/// assert!(r.pass, "{r:?}");
/// ```
#[derive(Clone, Copy)]
pub enum StepKind<'a> {
    /// `θ_{n+1} = Φ_h(θ_n)`: `step(θ, h)`; the local error is `‖Φ_h(θ0) − φ_h(θ0)‖`.
    OneStep(&'a OneStepMap<'a>),
    /// `θ_{n+1} = Ψ_h(θ_{n−1}, θ_n)`: `step(θ_prev, θ, h)`; the local error is
    /// `‖Ψ_h(θ0, φ_h(θ0)) − φ_{2h}(θ0)‖`, started on the candidate's flow.
    TwoStep(&'a TwoStepMap<'a>),
}

impl std::fmt::Debug for StepKind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StepKind::OneStep(_) => "OneStep",
            StepKind::TwoStep(_) => "TwoStep",
        })
    }
}

/// Runs [`check_order`] for every candidate (each independently: one failing or panicking
/// candidate does not stop the others).
pub fn check_orders<S>(step: &S, candidates: &[Candidate<'_>], theta0: &[f64], cfg: &OrderConfig) -> OrderReport
where
    S: Fn(&[f64], f64) -> Vec<f64>,
{
    check_orders_with(StepKind::OneStep(step), candidates, theta0, cfg)
}

/// [`check_orders`] for any [`StepKind`] (one-step or two-step methods).
pub fn check_orders_with(
    step: StepKind<'_>,
    candidates: &[Candidate<'_>],
    theta0: &[f64],
    cfg: &OrderConfig,
) -> OrderReport {
    OrderReport {
        checks: candidates.iter().map(|c| check_order_with(step, c, theta0, cfg)).collect(),
        theta0: theta0.to_vec(),
        grid: cfg.grid,
    }
}

/// The local-error order check of one candidate against the step map `step(θ, h)`
/// (see the module doc). Never panics: closure panics, NaN/inf, singular start points and
/// integrator failures become [`OrderCheck::error`].
pub fn check_order<S>(step: &S, cand: &Candidate<'_>, theta0: &[f64], cfg: &OrderConfig) -> OrderCheck
where
    S: Fn(&[f64], f64) -> Vec<f64>,
{
    check_order_with(StepKind::OneStep(step), cand, theta0, cfg)
}

/// [`check_order`] for any [`StepKind`]: for [`StepKind::TwoStep`] every point starts on the
/// candidate's flow (`θ_1 = φ_h(θ0)`) and compares one step with `φ_{2h}(θ0)` (module doc). Never
/// panics; a non-finite or misshapen two-step result is [`CheckError::BadTwoStep`], with the points
/// it was given.
pub fn check_order_with(step: StepKind<'_>, cand: &Candidate<'_>, theta0: &[f64], cfg: &OrderConfig) -> OrderCheck {
    let expected = cand.expected.unwrap_or(cand.order + 2);
    let mut check = OrderCheck::unmeasured(&cand.recursion, cand.order, expected, cfg.tolerance);
    if let Err(e) = validate(theta0, cfg).and_then(|_| check_start(cand, theta0, cfg.grid.h_max)) {
        check.error = Some(e);
        return check;
    }
    for h in cfg.grid.values() {
        let point = match step {
            StepKind::OneStep(s) => local_error(&s, cand, theta0, h, &cfg.flow),
            StepKind::TwoStep(s) => two_step::local_error(s, cand, theta0, h, &cfg.flow),
        };
        check.record(h, point);
    }
    fit_into(&mut check, theta0, cfg);
    check
}

pub(crate) fn validate(theta0: &[f64], cfg: &OrderConfig) -> Result<(), CheckError> {
    if theta0.is_empty() || theta0.iter().any(|v| !v.is_finite()) {
        return Err(CheckError::InvalidStart { theta0: theta0.to_vec() });
    }
    let g = &cfg.grid;
    if !(g.h_max > 0.0 && g.h_max.is_finite() && g.ratio > 1.0 && g.count >= 2) {
        return Err(CheckError::InvalidConfig {
            reason: format!("grid needs h_max > 0, ratio > 1, count >= 2 (got {g:?})"),
        });
    }
    if cfg.min_points < 2 {
        return Err(CheckError::InvalidConfig { reason: "min_points must be at least 2".into() });
    }
    Ok(())
}

fn check_start(cand: &Candidate<'_>, theta0: &[f64], h: f64) -> Result<(), CheckError> {
    let value = guarded(h, || {
        let mut out = vec![f64::NAN; theta0.len()];
        (cand.field)(theta0, h, &mut out);
        out
    })?;
    if value.iter().any(|v| !v.is_finite()) {
        return Err(CheckError::SingularStart { theta0: theta0.to_vec(), h, value });
    }
    Ok(())
}

/// Runs `f`, turning a panic into [`CheckError::Panicked`].
pub(crate) fn guarded<T>(h: f64, f: impl FnOnce() -> T) -> Result<T, CheckError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let message = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        CheckError::Panicked { h, message }
    })
}

/// `‖Φ_h(θ0) − φ_h(θ0)‖₂`, both taken as increments from θ0.
fn local_error<S>(
    step: &S,
    cand: &Candidate<'_>,
    theta0: &[f64],
    h: f64,
    flow_cfg: &FlowConfig,
) -> Result<f64, CheckError>
where
    S: Fn(&[f64], f64) -> Vec<f64>,
{
    let phi = guarded(h, || step(theta0, h))?;
    if phi.len() != theta0.len() || phi.iter().any(|v| !v.is_finite()) {
        return Err(CheckError::BadStep { h, value: phi });
    }
    let field = |th: &[f64], out: &mut [f64]| (cand.field)(th, h, out);
    let exact =
        guarded(h, || flow_increment(&field, theta0, h, flow_cfg))?.map_err(|source| CheckError::Flow { h, source })?;
    let err = phi.iter().zip(&exact).zip(theta0).map(|((p, d), t)| ((p - t) - d).powi(2)).sum::<f64>().sqrt();
    Ok(err)
}

/// How far above the a-priori rounding floor a plateau of the errors makes a check inconclusive
/// ([`CheckError::HighPlateau`]): `1e4`, well above the reference flow's tolerance (Dop853 at `rtol = 1e-14`
/// plateaus within about 100 times the floor).
pub const HIGH_PLATEAU: f64 = 1e4;

pub(crate) fn fit_into(check: &mut OrderCheck, theta0: &[f64], cfg: &OrderConfig) {
    judge(check, theta0, cfg);
    check.verdict = match (&check.error, check.pass) {
        (_, true) => Verdict::Pass,
        (Some(e), false) if e.is_inconclusive() => Verdict::Inconclusive,
        _ => Verdict::Fail,
    };
}

fn judge(check: &mut OrderCheck, theta0: &[f64], cfg: &OrderConfig) {
    let pts: Vec<(f64, f64)> = check.points.iter().map(|p| (p[0], p[1])).collect();
    let scale = theta0.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let outcome = fit::analyse(&pts, scale, &cfg.floor);
    check.floor = outcome.floor;
    check.plateau = outcome.plateau;
    check.used_h = outcome.used.iter().map(|&i| pts[i].0).collect();
    let max_err = pts.iter().map(|p| p.1).fold(0.0f64, f64::max);
    if outcome.used.is_empty() && !pts.is_empty() && max_err < cfg.floor.margin * outcome.floor {
        check.error.get_or_insert(CheckError::AtRounding { max_err, floor: outcome.floor });
        return;
    }
    let rounding = cfg.floor.floor_ulps * f64::EPSILON * scale;
    if outcome.plateau && outcome.floor > HIGH_PLATEAU * rounding {
        check.error.get_or_insert(CheckError::HighPlateau {
            level: outcome.floor,
            rounding,
            ratio: outcome.floor / rounding,
        });
        return;
    }
    if outcome.used.len() < cfg.min_points {
        check.error.get_or_insert(CheckError::TooFewPoints {
            usable: outcome.used.len(),
            needed: cfg.min_points,
            floor: outcome.floor,
            dropped_count: check.dropped.len(),
        });
        return;
    }
    check.slope = outcome.slope;
    let (lo, hi) =
        outcome.local_slopes.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &s| (l.min(s), h.max(s)));
    if hi - lo > 2.0 * cfg.tolerance {
        let (first, last) = (outcome.local_slopes[0], outcome.local_slopes[outcome.local_slopes.len() - 1]);
        check.error.get_or_insert(CheckError::NotSettled { first, last, spread: hi - lo });
        return;
    }
    let Some(slope) = outcome.slope else { return };
    let expected = check.expected as f64;
    if (slope - expected).abs() <= cfg.tolerance {
        check.pass = check.error.is_none();
    } else if slope > expected - 1.0 + cfg.tolerance {
        check.error.get_or_insert(CheckError::BetweenOrders { slope, expected: check.expected });
    }
}
