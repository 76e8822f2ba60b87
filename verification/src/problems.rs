//! Hand-written reference problems with closed-form corrections, for tests, examples and
//! default `bea verify` runs. Nothing here comes from the symbolic engine.
//!
//! For explicit Euler the first corrections are (Hairer, Lubich & Wanner, *Geometric
//! Numerical Integration*, 2nd ed., ch. IX; the paper's Theorem 3.1 proof for `f_1`):
//! `f_1 = −½ f′f`, `f_2 = ⅓ f′f′f + (1/12) f″(f, f)`.

/// `f″(θ)(u, v)` of a 2-D field: `second(θ, u, v)`.
pub type SecondDerivative = fn(&[f64], [f64; 2], [f64; 2]) -> [f64; 2];

/// A smooth 2-D field with its Jacobian and second derivatives, written by hand.
#[derive(Debug, Clone, Copy)]
pub struct Field2 {
    /// Name for reports.
    pub name: &'static str,
    /// `f(θ)`.
    pub f: fn(&[f64]) -> [f64; 2],
    /// `f′(θ)`, row-major: `jac[i][j] = ∂f_i/∂θ_j`.
    pub jac: fn(&[f64]) -> [[f64; 2]; 2],
    /// `f″(θ)(u, v)_i = Σ_jk ∂²f_i/∂θ_j∂θ_k u_j v_k`.
    pub second: SecondDerivative,
}

fn matvec(m: [[f64; 2]; 2], v: [f64; 2]) -> [f64; 2] {
    [m[0][0] * v[0] + m[0][1] * v[1], m[1][0] * v[0] + m[1][1] * v[1]]
}

impl Field2 {
    /// One explicit-Euler step `θ + h f(θ)` (the paper's eq. 1 when `f = −∇E`).
    pub fn euler_step(&self, theta: &[f64], h: f64) -> Vec<f64> {
        let f = (self.f)(theta);
        vec![theta[0] + h * f[0], theta[1] + h * f[1]]
    }

    /// `f_1 = −½ f′f`.
    pub fn f1(&self, theta: &[f64]) -> [f64; 2] {
        let jf = matvec((self.jac)(theta), (self.f)(theta));
        [-0.5 * jf[0], -0.5 * jf[1]]
    }

    /// `f_2 = ⅓ f′f′f + (1/12) f″(f, f)`.
    pub fn f2(&self, theta: &[f64]) -> [f64; 2] {
        let f = (self.f)(theta);
        let j = (self.jac)(theta);
        let jjf = matvec(j, matvec(j, f));
        let t = (self.second)(theta, f, f);
        [jjf[0] / 3.0 + t[0] / 12.0, jjf[1] / 3.0 + t[1] / 12.0]
    }

    /// The truncated modified field `f + h f_1 + … + h^N f_N` for `N <= 2`, with `sign1`
    /// multiplying `f_1` (`+1` is correct; `−1` gives the deliberately wrong field of the tests).
    pub fn truncated(&self, theta: &[f64], h: f64, order: usize, sign1: f64, out: &mut [f64]) {
        let f = (self.f)(theta);
        out[..2].copy_from_slice(&f);
        if order >= 1 {
            let f1 = self.f1(theta);
            (0..2).for_each(|i| out[i] += sign1 * h * f1[i]);
        }
        if order >= 2 {
            let f2 = self.f2(theta);
            (0..2).for_each(|i| out[i] += h * h * f2[i]);
        }
    }
}

/// Lotka–Volterra `u′ = u(v − 2)`, `v′ = v(1 − u)` (HLW, ch. I.1).
pub const LOTKA_VOLTERRA: Field2 = Field2 {
    name: "lotka-volterra",
    f: |t| [t[0] * (t[1] - 2.0), t[1] * (1.0 - t[0])],
    jac: |t| [[t[1] - 2.0, t[0]], [-t[1], 1.0 - t[0]]],
    second: |_, u, v| {
        let s = u[0] * v[1] + u[1] * v[0];
        [s, -s]
    },
};

/// The paper's 2-parameter model as a field: `f = −∇E`, `E = (y − abx)²/2` with
/// `x = 1`, `y = 0.6` (Section 5, eq. A.24); `f′ = −∇²E`, `f″ = −∇³E`.
pub const TWO_PARAM_GRADIENT: Field2 = Field2 {
    name: "two-param",
    f: |t| {
        let r = 0.6 - t[0] * t[1];
        [t[1] * r, t[0] * r]
    },
    jac: |t| {
        let (a, b) = (t[0], t[1]);
        let off = 0.6 - 2.0 * a * b;
        [[-b * b, off], [off, -a * a]]
    },
    second: |t, u, v| {
        // ∇³E: E_aab = 2b, E_abb = 2a, E_aaa = E_bbb = 0 (x = 1).
        let (a, b) = (t[0], t[1]);
        let e_a = 2.0 * b * (u[0] * v[1] + u[1] * v[0]) + 2.0 * a * u[1] * v[1];
        let e_b = 2.0 * b * u[0] * v[0] + 2.0 * a * (u[0] * v[1] + u[1] * v[0]);
        [-e_a, -e_b]
    },
};

/// The linear field `θ′ = Aθ` (2×2), whose explicit-Euler modified field is exactly
/// `log(I + hA)/h = Σ_{N≥0} (−1)^N h^N A^{N+1}/(N+1)` (HLW ch. IX; GUIDE, property tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear2 {
    /// The matrix, row-major.
    pub a: [[f64; 2]; 2],
}

impl Linear2 {
    /// One explicit-Euler step `(I + hA)θ`.
    pub fn euler_step(&self, theta: &[f64], h: f64) -> Vec<f64> {
        let at = matvec(self.a, [theta[0], theta[1]]);
        vec![theta[0] + h * at[0], theta[1] + h * at[1]]
    }

    /// The series of `log(I + hA)/h` truncated after `h^N`, applied to θ (Horner-free:
    /// `Σ_{k=0}^{N} (−h)^k A^{k+1} θ/(k+1)`).
    pub fn truncated(&self, theta: &[f64], h: f64, order: usize, out: &mut [f64]) {
        let mut v = matvec(self.a, [theta[0], theta[1]]);
        let mut acc = [0.0; 2];
        let mut hk = 1.0;
        for k in 0..=order {
            let c = hk / (k as f64 + 1.0);
            acc[0] += c * v[0];
            acc[1] += c * v[1];
            v = matvec(self.a, v);
            hk *= -h;
        }
        out[..2].copy_from_slice(&acc);
    }
}
