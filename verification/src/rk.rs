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
    let (s, n) = (parts[0].b.len(), y.len());
    assert!(parts.iter().all(|t| t.b.len() == s && t.a.len() == s), "parts with different stage counts");
    let tab = |m: usize| &parts[part_of[m]];
    let explicit = parts.iter().all(|t| t.a.iter().enumerate().all(|(i, row)| row[i..].iter().all(|v| *v == 0.0)));
    let mut k = vec![vec![0.0; n]; s];
    let stage = |k: &[Vec<f64>], i: usize| -> Vec<f64> {
        (0..n).map(|m| y[m] + h * (0..s).map(|j| tab(m).a[i][j] * k[j][m]).sum::<f64>()).collect()
    };
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
    (0..n).map(|m| y[m] + h * (0..s).map(|i| tab(m).b[i] * k[i][m]).sum::<f64>()).collect()
}
