//! One step of a Runge–Kutta method, numerically (`f64`), from its Butcher tableau: the step map the order
//! harness compares modified fields of other methods against. Explicit tableaus are evaluated stage by stage;
//! implicit ones by fixed-point iteration of the stage equations `K_i = f(y + h sum_j a_ij K_j)`, which
//! converges for `h L |A| < 1`. Non-convergence returns NaN, which the harness reports as a bad step.

/// A Butcher tableau in `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tableau {
    /// The matrix `A` (rows).
    pub a: Vec<Vec<f64>>,
    /// The weights `b`.
    pub b: Vec<f64>,
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
    let (s, n) = (t.b.len(), y.len());
    let explicit = t.a.iter().enumerate().all(|(i, row)| row[i..].iter().all(|v| *v == 0.0));
    let mut k = vec![vec![0.0; n]; s];
    let stage = |k: &[Vec<f64>], i: usize| -> Vec<f64> {
        (0..n).map(|m| y[m] + h * (0..s).map(|j| t.a[i][j] * k[j][m]).sum::<f64>()).collect()
    };
    if explicit {
        for i in 0..s {
            let yi = stage(&k, i);
            f(&yi, &mut k[i]);
        }
    } else {
        for i in 0..s {
            f(y, &mut k[i]);
        }
        let mut converged = false;
        let mut prev = f64::INFINITY;
        for _ in 0..500 {
            let mut next = vec![vec![0.0; n]; s];
            for (i, ni) in next.iter_mut().enumerate() {
                f(&stage(&k, i), ni);
            }
            let diff =
                next.iter().zip(&k).flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs())).fold(0.0, f64::max);
            let scale = next.iter().flatten().fold(1.0f64, |m, x| m.max(x.abs()));
            k = next;
            // Converged, or stagnated at rounding level.
            if diff <= 1e-16 * scale || (diff >= prev && diff <= 1e-13 * scale) {
                converged = true;
                break;
            }
            prev = diff;
        }
        if !converged {
            return vec![f64::NAN; n];
        }
    }
    (0..n).map(|m| y[m] + h * (0..s).map(|i| t.b[i] * k[i][m]).sum::<f64>()).collect()
}
