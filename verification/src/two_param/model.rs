//! The two-parameter model `E(a, b) = (y − abx)²/2` (paper, Section 5, eq. A.24), with every
//! derivative written by hand.

use serde::Serialize;

use crate::theorems::Loss;

/// The model `f(x; a, b) = abx` trained on one data point `(x, y)` with squared loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TwoParamModel {
    /// Training input (paper: 1).
    pub x: f64,
    /// Training target (paper: 0.6).
    pub y: f64,
}

impl Default for TwoParamModel {
    /// The paper's data point `(x, y) = (1, 0.6)` (Table A.1).
    fn default() -> Self {
        TwoParamModel { x: 1.0, y: 0.6 }
    }
}

impl TwoParamModel {
    /// Residual `r = y − abx`.
    pub fn residual(&self, t: [f64; 2]) -> f64 {
        self.y - t[0] * t[1] * self.x
    }

    /// `E = (y − abx)²/2` (eq. A.24).
    ///
    /// ```
    /// use bea_verification::two_param::TwoParamModel;
    /// assert_eq!(TwoParamModel::default().loss([1.0, 0.6]), 0.0);
    /// ```
    pub fn loss(&self, t: [f64; 2]) -> f64 {
        0.5 * self.residual(t).powi(2)
    }

    /// Loss of the same parameters on another data point (used for the test error, Fig. A.2).
    pub fn loss_at(&self, t: [f64; 2], x: f64, y: f64) -> f64 {
        0.5 * (y - t[0] * t[1] * x).powi(2)
    }

    /// `∇E = (−bx r, −ax r)` (Appendix A.4).
    pub fn grad(&self, t: [f64; 2]) -> [f64; 2] {
        let r = self.residual(t);
        [-t[1] * self.x * r, -t[0] * self.x * r]
    }

    /// `∇²E = [[b²x², 2abx² − xy], [2abx² − xy, a²x²]]`.
    pub fn hessian(&self, t: [f64; 2]) -> [[f64; 2]; 2] {
        let (a, b, x) = (t[0], t[1], self.x);
        let off = 2.0 * a * b * x * x - x * self.y;
        [[b * b * x * x, off], [off, a * a * x * x]]
    }

    /// `R_IG = (1/m)‖∇E‖² = (a² + b²) x² E` with `m = 2` (eq. 4, A.25).
    pub fn r_ig(&self, t: [f64; 2]) -> f64 {
        (t[0] * t[0] + t[1] * t[1]) * self.x * self.x * self.loss(t)
    }

    /// `R_IG / E = x²(a² + b²)` (Section 5), by its closed form (finite also at `E = 0`).
    pub fn r_ig_over_loss(&self, t: [f64; 2]) -> f64 {
        self.x * self.x * (t[0] * t[0] + t[1] * t[1])
    }

    /// `∇(E(1 + c (a² + b²) x²)) = (1 + c x²‖θ‖²)∇E + 2c x² E θ`: the gradient of the modified
    /// loss `E + λ R_IG` for `c = λ` (eq. A.27–A.28, λ = h/2) and of the EGR loss of
    /// eq. A.31 for `c = μ`.
    pub fn regularised_grad(&self, t: [f64; 2], c: f64) -> [f64; 2] {
        let g = self.grad(t);
        let x2 = self.x * self.x;
        let s = 1.0 + c * x2 * (t[0] * t[0] + t[1] * t[1]);
        let e2 = 2.0 * c * x2 * self.loss(t);
        [s * g[0] + e2 * t[0], s * g[1] + e2 * t[1]]
    }

    /// The second-order truncated modified field of GD, `f + h f_1 + h² f_2` with `f = −∇E`,
    /// `f_1 = −½ f′f = −(h/2)·∇²E∇E/h`, `f_2 = ⅓ f′f′f + (1/12) f″(f,f) = −⅓ (∇²E)²∇E − (1/12) ∇³E(∇E, ∇E)`
    /// (Hairer, Lubich & Wanner, ch. IX), with `∇³E`: `E_aab = 2bx²`, `E_abb = 2ax²`, others 0.
    pub fn second_order_field(&self, t: [f64; 2], h: f64) -> [f64; 2] {
        let g = self.grad(t);
        let hs = self.hessian(t);
        let mv = |m: [[f64; 2]; 2], v: [f64; 2]| [m[0][0] * v[0] + m[0][1] * v[1], m[1][0] * v[0] + m[1][1] * v[1]];
        let hg = mv(hs, g);
        let hhg = mv(hs, hg);
        let x2 = self.x * self.x;
        let (a, b) = (t[0], t[1]);
        let t_a = 2.0 * b * x2 * 2.0 * g[0] * g[1] + 2.0 * a * x2 * g[1] * g[1];
        let t_b = 2.0 * b * x2 * g[0] * g[0] + 2.0 * a * x2 * 2.0 * g[0] * g[1];
        [
            -g[0] - 0.5 * h * hg[0] - h * h * (hhg[0] / 3.0 + t_a / 12.0),
            -g[1] - 0.5 * h * hg[1] - h * h * (hhg[1] / 3.0 + t_b / 12.0),
        ]
    }

    /// The minimum-norm global minimum `a = b = sqrt(y/x)` (for `y/x > 0`; the cross in Fig. 1a).
    pub fn min_norm_point(&self) -> [f64; 2] {
        let s = (self.y / self.x).abs().sqrt();
        [s, s * (self.y / self.x).signum()]
    }
}

impl Loss for TwoParamModel {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, theta: &[f64]) -> f64 {
        self.loss([theta[0], theta[1]])
    }
    fn grad(&self, theta: &[f64]) -> Vec<f64> {
        TwoParamModel::grad(self, [theta[0], theta[1]]).to_vec()
    }
}
