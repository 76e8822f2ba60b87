//! One step of a Runge–Kutta method, numerically, from its Butcher tableau: the step map the order harness compares
//! modified fields of other methods against, in `f64` ([`prk_step`], [`rk_step`]) or double-double
//! ([`prk_step_dd`], for [`crate::order::extended`]); one generic loop serves both. Explicit tableaus are evaluated
//! stage by stage; implicit ones by fixed-point iteration of the stage equations `K_i = f(y + h sum_j a_ij K_j)`,
//! which converges for `h L |A| < 1`. Non-convergence returns NaN, which the harness reports as a bad step.

use crate::dd::Dd;
use std::ops::{Add, Mul, Sub};

/// A Butcher tableau, in `f64` by default (`Tableau<Dd>` for double-double steps).
#[derive(Debug, Clone, PartialEq)]
pub struct Tableau<T = f64> {
    /// The matrix `A` (rows).
    pub a: Vec<Vec<T>>,
    /// The weights `b`.
    pub b: Vec<T>,
}

/// The arithmetic a step runs in: `f64` or [`Dd`], with the fixed-point iteration's tolerances (relative to the
/// largest stage value, at least 1) scaled to its rounding.
pub trait StepScalar: Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> {
    /// Zero.
    const ZERO: Self;
    /// Converged when successive stage values differ by at most this (relative).
    const CONVERGED: f64;
    /// Or when the differences stop falling below this (stagnation at rounding level).
    const STAGNATED: f64;
    /// The most fixed-point iterations.
    const MAX_ITERATIONS: usize;
    /// `|self|` as an `f64`.
    fn magnitude(self) -> f64;
    /// NaN in this arithmetic.
    fn nan() -> Self;
}

impl StepScalar for f64 {
    const ZERO: f64 = 0.0;
    const CONVERGED: f64 = 1e-16;
    const STAGNATED: f64 = 1e-13;
    const MAX_ITERATIONS: usize = 500;
    fn magnitude(self) -> f64 {
        self.abs()
    }
    fn nan() -> f64 {
        f64::NAN
    }
}

impl StepScalar for Dd {
    const ZERO: Dd = Dd::ZERO;
    const CONVERGED: f64 = 1e-31;
    const STAGNATED: f64 = 1e-29;
    const MAX_ITERATIONS: usize = 1000;
    fn magnitude(self) -> f64 {
        self.abs().to_f64()
    }
    fn nan() -> Dd {
        Dd::from_f64(f64::NAN)
    }
}

/// `y + h sum_i b_i K_i`.
///
/// ```
/// use bea_verification::rk::{rk_step, Tableau};
/// let heun = Tableau { a: vec![vec![0.0, 0.0], vec![1.0, 0.0]], b: vec![0.5, 0.5] };
/// let y1 = rk_step(&heun, &|y: &[f64], out: &mut [f64]| out[0] = -y[0], &[1.0], 0.1);
/// assert!((y1[0] - (1.0 - 0.1 + 0.005)).abs() < 1e-15);
/// ```
pub fn rk_step(t: &Tableau, f: &dyn Fn(&[f64], &mut [f64]), y: &[f64], h: f64) -> Vec<f64> {
    prk_step(std::slice::from_ref(t), &vec![0; y.len()], f, y, h)
}

/// One step of a partitioned Runge–Kutta method: component `m` uses the tableau `parts[part_of[m]]` (all parts
/// with the same number of stages), `Y_i = y + h sum_j a^{p(m)}_ij f(Y_j)` and `y_1 = y + h sum_i b^{p(m)}_i
/// f(Y_i)` componentwise. With one part it is [`rk_step`]. Symplectic Euler on `(u, v)` (u implicit):
///
/// ```
/// use bea_verification::rk::{prk_step, Tableau};
/// let implicit = Tableau { a: vec![vec![1.0]], b: vec![1.0] };
/// let explicit = Tableau { a: vec![vec![0.0]], b: vec![1.0] };
/// // u' = u (v - 2), v' = v (1 - u): u_1 = u / (1 - h (v - 2)), v_1 = v + h v (1 - u_1).
/// let f = |y: &[f64], out: &mut [f64]| { out[0] = y[0] * (y[1] - 2.0); out[1] = y[1] * (1.0 - y[0]); };
/// let (u, v, h) = (1.5, 1.2, 0.1);
/// let y1 = prk_step(&[implicit, explicit], &[0, 1], &f, &[u, v], h);
/// let u1 = u / (1.0 - h * (v - 2.0));
/// assert!((y1[0] - u1).abs() < 1e-14 && (y1[1] - (v + h * v * (1.0 - u1))).abs() < 1e-14);
/// ```
///
/// # Panics
/// If a part index is out of range or the parts' stage counts differ (callers build these from validated methods).
pub fn prk_step(parts: &[Tableau], part_of: &[usize], f: &dyn Fn(&[f64], &mut [f64]), y: &[f64], h: f64) -> Vec<f64> {
    prk_step_generic(parts, part_of, f, y, h)
}

/// [`prk_step`] in double-double: implicit stages are iterated to double-double rounding (1e-31 relative).
///
/// ```
/// use bea_verification::dd::Dd;
/// use bea_verification::rk::{prk_step_dd, Tableau};
/// // The implicit midpoint rule on y' = -y: y1 = (1 - h/2)/(1 + h/2) y.
/// let mid = Tableau { a: vec![vec![Dd::from_f64(0.5)]], b: vec![Dd::ONE] };
/// let h = Dd::from_f64(0.1);
/// let y1 = prk_step_dd(&[mid], &[0], &|y: &[Dd], o: &mut [Dd]| o[0] = -y[0], &[Dd::ONE], h);
/// let half = h.mul_f64(0.5);
/// let want = Dd::ONE.sub(half).div(Dd::ONE.add(half));
/// assert!(y1[0].sub(want).abs().to_f64() < 1e-31);
/// ```
///
/// # Panics
/// As [`prk_step`].
pub fn prk_step_dd(parts: &[Tableau<Dd>], part_of: &[usize], f: &dyn Fn(&[Dd], &mut [Dd]), y: &[Dd], h: Dd) -> Vec<Dd> {
    prk_step_generic(parts, part_of, f, y, h)
}

fn prk_step_generic<T: StepScalar>(
    parts: &[Tableau<T>],
    part_of: &[usize],
    f: &dyn Fn(&[T], &mut [T]),
    y: &[T],
    h: T,
) -> Vec<T> {
    let (s, n) = (parts[0].b.len(), y.len());
    assert!(parts.iter().all(|t| t.b.len() == s && t.a.len() == s), "parts with different stage counts");
    let tab = |m: usize| &parts[part_of[m]];
    let is_zero = |v: &T| v.magnitude() == 0.0;
    let explicit = parts.iter().all(|t| t.a.iter().enumerate().all(|(i, row)| row[i..].iter().all(is_zero)));
    // sum_j c_j k_j[m], skipping zero coefficients (exact in either arithmetic, and cheaper in double-double).
    let combine = |c: &[T], k: &[Vec<T>], m: usize| {
        c.iter().zip(k).filter(|(c, _)| !is_zero(c)).fold(T::ZERO, |acc, (c, kj)| acc + *c * kj[m])
    };
    let mut k = vec![vec![T::ZERO; n]; s];
    let stage = |k: &[Vec<T>], i: usize| -> Vec<T> { (0..n).map(|m| y[m] + h * combine(&tab(m).a[i], k, m)).collect() };
    if explicit {
        for i in 0..s {
            let yi = stage(&k, i);
            f(&yi, &mut k[i]);
        }
    } else {
        for ki in k.iter_mut() {
            f(y, ki);
        }
        let mut converged = false;
        let mut prev = f64::INFINITY;
        for _ in 0..T::MAX_ITERATIONS {
            let mut next = vec![vec![T::ZERO; n]; s];
            for (i, ni) in next.iter_mut().enumerate() {
                f(&stage(&k, i), ni);
            }
            let diff = next
                .iter()
                .zip(&k)
                .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (*x - *y).magnitude()))
                .fold(0.0, f64::max);
            let scale = next.iter().flatten().fold(1.0f64, |m, x| m.max(x.magnitude()));
            k = next;
            // Converged, or stagnated at rounding level.
            if diff <= T::CONVERGED * scale || (diff >= prev && diff <= T::STAGNATED * scale) {
                converged = true;
                break;
            }
            if !diff.is_finite() {
                break;
            }
            prev = diff;
        }
        if !converged {
            return vec![T::nan(); n];
        }
    }
    (0..n).map(|m| y[m] + h * combine(&tab(m).b, &k, m)).collect()
}
