//! The low-rank EGR step: the same forward-difference step as the dense one
//! ([`FastMlp::egr_step_with`] with [`EgrKernel::Dense`]), computed without ever forming the
//! gradient g or the displaced parameters.
//!
//! Why it is cheaper. A layer's weight gradient `G = A^T dZ` (A: its input, `(b, k)`; dZ: the
//! gradient at its pre-activation, `(b, n)`) has rank at most the batch size b, so everything the
//! step needs from g reduces to `b x b` Gram matrices:
//!
//! - `||g||^2 = sum_l sum_ij (A A^T + 1 1^T)_ij (dZ dZ^T)_ij` (the `1 1^T` is the bias part);
//! - the displaced forward, `Z+ = A+ (W + alpha G) + (bias + alpha 1^T dZ)`, is
//!   `A+ W + bias + alpha (A+ A^T + 1 1^T) dZ`: for the first layer `A+ = A` is the input batch, so
//!   its displaced product is a `b x b` times `b x n` product instead of the layer's largest one;
//! - the displaced backward, `dA+ = dZ+ (W + alpha G)^T`, is `dZ+ W^T + alpha (dZ+ dZ^T) A`;
//! - the update `W <- W - h ((1 - c) g + c g+)` is `W - h (1 - c) A^T dZ - h c A+^T dZ+`: for the
//!   first layer one product, `A^T ((1 - c) dZ + c dZ+)`; for the others also one product, of
//!   inner size 2b: `[A^T | A+^T] [(1 - c) dZ ; c dZ+]`, the two activations being stored side
//!   by side (`(n, 2b)` buffers), so that W is read and written once, as in the SGD step.
//!
//! The first pass therefore needs no weight-gradient products at all. Against two dense passes the
//! step saves the first layer's displaced forward and one of its update products and adds
//! `2 b^2 (3 k + 3 n)` flops of Gram products per further layer (`2 b^2 (k + 2 n)` for the first): for the paper's 784-400x4-10 MLP at batch
//! 32 about 246 MFLOP against the SGD step's 133 (1.85x; the dense EGR step is 2.0x), and no
//! `m`-long vector is read or written besides theta itself. [`EgrKernel::Auto`] picks the kernel
//! with fewer flops ([`FastMlp::egr_flops`]); for large batches the dense one wins.
//!
//! The ReLU pattern of theta is replayed at the displaced point, as in the dense step. The
//! displacement itself is never rounded onto theta here, so the difference quotient `g+ - g` is,
//! if anything, less affected by rounding than in the dense step (where `theta + alpha g` is
//! rounded to float32 first). `tests/nets_fast.rs` checks both kernels against each other and
//! against candle's `hvp::egr_grad`.

use super::kernels::{bias_act, input_of, relu_grad, softmax_ce, sum_f32, sum_sq_f64};
use super::{gemm_rm, FastMlp, Par, Pattern, Ptr};
use crate::nets::error::{NetsError, Result};

/// Largest batch [`EgrKernel::LowRank`] accepts (its `2 b^2` Gram values then take 0.5 GB); `Auto`
/// chooses the dense kernel long before that for any network.
const MAX_BATCH: usize = 8192;

/// Which algorithm an EGR step of the fast MLP uses (the result is the same up to float32
/// rounding; see the module docs of `fast_mlp::lowrank`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EgrKernel {
    /// The one with fewer flops for the batch size ([`FastMlp::egr_flops`]).
    #[default]
    Auto,
    /// Two full gradient passes; the second at theta displaced in place.
    Dense,
    /// Gram matrices of the batch instead of the gradient (for batches small against the widths).
    LowRank,
}

/// `out (b x b) = lhs (b x k) rhs (k x b)`, plus 1 in every entry when `plus_one`; rows split
/// over the threads.
///
/// # Safety
/// `out` must hold `b * b` values; `lhs` and `rhs` must be valid for the given shapes and strides.
unsafe fn gram(
    par: &Par,
    b: usize,
    k: usize,
    out: Ptr,
    lhs: (Ptr, (usize, usize)),
    rhs: (Ptr, (usize, usize)),
    plus_one: bool,
) {
    par.chunks(b, 8, &|r| {
        // SAFETY: rows r of out belong to this thread; the operands are read only.
        unsafe {
            let dst = out.at(r.start * b);
            gemm_rm((r.len(), b, k), dst, (b, 1), lhs.0.at(r.start * lhs.1 .0), lhs.1, rhs.0.at(0), rhs.1, None, 1.0);
            if plus_one {
                std::slice::from_raw_parts_mut(dst, r.len() * b).iter_mut().for_each(|v| *v += 1.0);
            }
        }
    });
}

/// `sum_i p_i q_i` in f64.
fn dot(p: &[f32], q: &[f32]) -> f64 {
    p.iter().zip(q).map(|(&a, &b)| a as f64 * b as f64).sum()
}

impl FastMlp {
    /// Flops of one EGR step at batch size b with each kernel, `(dense, low_rank)`, counting
    /// `2 m n k` per product (the element-wise passes are not counted). An SGD step is
    /// `egr_flops(b).0 / 2`.
    pub fn egr_flops(&self, b: usize) -> (f64, f64) {
        let (mut dense, mut low) = (0.0, 0.0);
        let b = b as f64;
        for (l, w) in self.dims.windows(2).enumerate() {
            let (k, n) = (w[0] as f64, w[1] as f64);
            let prod = 2.0 * b * k * n;
            let da = if l > 0 { 1.0 } else { 0.0 };
            dense += 2.0 * prod * (2.0 + da);
            // Pass 1: forward, dA, Grams P and Q. Pass 2 forward: its b x b term, and for l > 0
            // the product and M' (for the first layer M' = P and the product is pass 1's).
            // Pass 2 backward (l > 0): N, dA+ and its b x b term. The update: one product for the
            // first layer, two for the others.
            low += prod * (1.0 + da) + 2.0 * b * b * (k + n);
            low += 2.0 * b * b * n + da * (prod + 2.0 * b * b * k);
            low += da * (2.0 * b * b * n + prod + 2.0 * b * b * k);
            low += prod * (1.0 + da);
        }
        (dense, low)
    }

    /// The kernel `Auto` resolves to at batch size b.
    pub fn egr_kernel_for(&self, b: usize) -> EgrKernel {
        let (dense, low) = self.egr_flops(b);
        if low <= dense {
            EgrKernel::LowRank
        } else {
            EgrKernel::Dense
        }
    }

    fn prepare_lowrank(&mut self, b: usize) {
        self.prepare(b, true);
        let w = &mut self.work;
        if w.acts_plus.len() != w.acts.len() || w.grams.len() != 2 * b * b {
            let last = self.dims.len() - 2;
            // Hidden layers: (n x 2b), A^T in columns 0..b, A+^T in b..2b; the logits: (c x b).
            w.acts_plus = self.dims[1..]
                .iter()
                .enumerate()
                .map(|(l, &n)| vec![0.0; n * b * if l < last { 2 } else { 1 }])
                .collect();
            w.dzs = self.dims[1..].iter().map(|&n| vec![0.0; n * b]).collect();
            w.grams = vec![0.0; 2 * b * b];
            let widest = self.dims[1..].iter().copied().max().unwrap_or(0);
            w.mix = vec![0.0; widest * 2 * b];
        }
    }

    /// The low-rank EGR step (module docs). Same contract as the dense step; `mu > 0` and the
    /// arguments already validated by the caller.
    pub(super) fn egr_step_lowrank(&mut self, x: &[f32], y: &[u32], h: f64, mu: f64, eps_rel: f64) -> Result<f64> {
        let b = self.check_batch(x, y)?;
        if b > MAX_BATCH {
            return Err(NetsError::config(
                "egr kernel",
                format!(
                    "the low-rank EGR kernel at batch {b} would need {:.1} GB of Gram matrices (limit: batch {MAX_BATCH}); use EgrKernel::Dense or Auto",
                    8.0 * (b * b) as f64 / 1e9
                ),
            ));
        }
        self.prepare_lowrank(b);
        let theta = Ptr(self.theta.as_mut_ptr());
        let loss = self.forward_loss(theta, x, y, Pattern::Record, None);
        if !loss.is_finite() {
            return Ok(loss);
        }
        let t_sq = match self.theta_sq.take() {
            Some(t) => t,
            None => sum_sq_f64(&self.theta),
        };
        let FastMlp { dims, offs, work, par, norm_parts, .. } = self;
        let layers = offs.len();
        let c_out = dims[layers];
        work.dzs[layers - 1].copy_from_slice(&work.dz[..c_out * b]);
        // The stacked update (module docs) reads A^T and A+^T side by side.
        for (stk, a) in work.acts_plus.iter_mut().zip(&work.acts).take(layers - 1) {
            stk.chunks_exact_mut(2 * b).zip(a.chunks_exact(b)).for_each(|(s, a)| s[..b].copy_from_slice(a));
        }
        let b2 = 2 * b;
        // A+_{l-1}: the input batch for l = 0, else the right half of the stacked buffer.
        let plus_input = |stk: &[Vec<f32>], l: usize| -> (Ptr, (usize, usize)) {
            if l == 0 {
                input_of(x, stk, 0, dims[0], b)
            } else {
                (Ptr(stk[l - 1].as_ptr().wrapping_add(b) as *mut f32), (b2, 1))
            }
        };
        let bb = b * b;
        let g_sq = par.run(|| {
            // Pass 1 backward: dZ of every layer (kept), no weight gradients; ||g||^2 from Grams.
            let mut g_sq = 0.0f64;
            for l in (0..layers).rev() {
                let (k, n) = (dims[l], dims[l + 1]);
                let wo = offs[l].0;
                let dz = Ptr(work.dzs[l].as_mut_ptr());
                let (input, st) = input_of(x, &work.acts, l, k, b);
                let (p, q) = work.grams.split_at_mut(bb);
                let (pp, qp) = (Ptr(p.as_mut_ptr()), Ptr(q.as_mut_ptr()));
                // SAFETY: p and q are b x b; the operands have the stated shapes and strides.
                unsafe {
                    gram(par, b, k, pp, (input, (st.1, st.0)), (input, st), true);
                    gram(par, b, n, qp, (dz, (1, b)), (dz, (b, 1)), false);
                }
                g_sq += dot(p, &q[..bb]);
                if l > 0 {
                    let da = Ptr(work.dzs[l - 1].as_mut_ptr());
                    let act = &work.acts[l - 1];
                    par.chunks(k, 8, &|r| {
                        // SAFETY: rows r of dA^T (k x b) belong to this thread; W_l is read only.
                        unsafe {
                            let dst = da.at(r.start * b);
                            let w = theta.at(wo + r.start * n);
                            gemm_rm((r.len(), b, n), dst, (b, 1), w, (n, 1), dz.at(0), (b, 1), None, 1.0);
                            let rows = std::slice::from_raw_parts_mut(dst, r.len() * b);
                            relu_grad(rows, &act[r.start * b..r.end * b], None);
                        }
                    });
                }
            }
            g_sq
        });
        if !(g_sq > 0.0 && g_sq.is_finite()) {
            // Exactly zero, or the Gram sums rounded to <= 0 (per-sample gradients that cancel
            // almost exactly) or overflowed: the dense kernel forms g itself and decides (theta
            // is unchanged so far, and so is its norm).
            self.theta_sq = Some(t_sq);
            return self.egr_step_dense(x, y, h, mu, eps_rel);
        }
        let g_norm = g_sq.sqrt();
        let eps = eps_rel * t_sq.sqrt().max(1.0);
        let (alpha, c) = ((eps / g_norm) as f32, (2.0 * mu * g_norm / eps) as f32);
        // Pass 2 forward, at theta + alpha g with the pattern of theta.
        let l_plus = par.run(|| {
            for l in 0..layers {
                let (k, n) = (dims[l], dims[l + 1]);
                let (wo, bo) = offs[l];
                let (input, st) = input_of(x, &work.acts, l, k, b);
                let (inp_p, st_p) = plus_input(&work.acts_plus, l);
                // M' = A A+^T + 1 1^T. For the first layer A+ = A, so M' is pass 1's P, which
                // its last Gram (layer 0) left in grams; and the displaced pre-activation is
                // `Z + alpha dZ^T M'`, where Z (+ bias, times the recorded pattern) is pass 1's
                // activation: no product with W_0 at all.
                let m = Ptr(work.grams.as_mut_ptr());
                if l > 0 {
                    // SAFETY: grams holds 2 b^2 values; operands as stated.
                    unsafe { gram(par, b, k, m, (input, (st.1, st.0)), (inp_p, st_p), true) };
                }
                let a_first = Ptr(work.acts[0].as_mut_ptr());
                let dz = Ptr(work.dzs[l].as_mut_ptr());
                let hidden = l + 1 < layers;
                // Row stride of the output: 2b (right half of the stacked buffer) or b (logits).
                let (out, os) = if hidden {
                    (Ptr(work.acts_plus[l].as_mut_ptr().wrapping_add(b)), b2)
                } else {
                    (Ptr(work.acts_plus[l].as_mut_ptr()), b)
                };
                let mask = work.masks.get_mut(l).map(|m| Ptr(m.as_mut_ptr()));
                let act = if l + 1 == layers { None } else { Some(Pattern::Replay) };
                par.chunks(n, 8, &|r| {
                    // SAFETY: rows r of Z+^T (n x b) belong to this thread; W_l, dZ^T and M'
                    // are read only.
                    unsafe {
                        let dst = out.at(r.start * os);
                        if l == 0 {
                            for i in r.clone() {
                                std::ptr::copy_nonoverlapping(a_first.at(i * b), out.at(i * os), b);
                            }
                        } else {
                            let w = theta.at(wo + r.start);
                            gemm_rm((r.len(), b, k), dst, (os, 1), w, (1, n), inp_p.at(0), st_p, None, 1.0);
                        }
                        let dzr = dz.at(r.start * b);
                        gemm_rm((r.len(), b, b), dst, (os, 1), dzr, (b, 1), m.at(0), (b, 1), Some(1.0), alpha);
                        for i in r.clone() {
                            let row = std::slice::from_raw_parts_mut(out.at(i * os), b);
                            let mask = mask.map(|m| std::slice::from_raw_parts_mut(m.at(i * b), b));
                            if l == 0 {
                                // A_0 already holds the bias and is zero off the pattern.
                                if let Some(m) = mask {
                                    row.iter_mut().zip(m.iter()).for_each(|(z, &mk)| *z *= mk);
                                }
                            } else {
                                bias_act(row, std::slice::from_raw_parts(theta.at(bo + i), 1), b, act, mask);
                            }
                        }
                    }
                });
            }
            softmax_ce(&work.acts_plus[layers - 1], y, c_out, &mut work.dz)
        });
        if !l_plus.is_finite() {
            self.theta.fill(f32::NAN);
            return Ok(loss);
        }
        // Pass 2 backward and the update, layer by layer from the top.
        norm_parts.get_mut().expect("norm lock").clear();
        let sq = &*norm_parts;
        let (one_c, hf) = (1.0 - c, h as f32);
        par.run(|| {
            for l in (0..layers).rev() {
                let (k, n) = (dims[l], dims[l + 1]);
                let (wo, bo) = offs[l];
                let dz = Ptr(work.dzs[l].as_mut_ptr());
                let dzp = Ptr(work.dz.as_mut_ptr());
                // SAFETY: both hold at least n x b values.
                let (dzs, dzps) = unsafe {
                    (std::slice::from_raw_parts(dz.at(0), n * b), std::slice::from_raw_parts(dzp.at(0), n * b))
                };
                let mut t_b = 0.0f64;
                for j in 0..n {
                    let db = one_c * sum_f32(&dzs[j * b..(j + 1) * b]) + c * sum_f32(&dzps[j * b..(j + 1) * b]);
                    // SAFETY: bo + j < m, outside the parallel region.
                    let t = unsafe { &mut *theta.at(bo + j) };
                    *t -= hf * db;
                    t_b += (*t as f64) * (*t as f64);
                }
                sq.lock().expect("norm lock").push((bo, 0.0, t_b));
                let nmat = Ptr(work.grams.as_mut_ptr());
                if l > 0 {
                    // SAFETY: grams holds b^2 values; dZ^T and dZ+^T are (n x b).
                    unsafe { gram(par, b, n, nmat, (dz, (1, b)), (dzp, (b, 1)), false) };
                }
                // The update's right-hand side: for the first layer (A+ = A) the combination
                // `(1 - c) dZ^T + c dZ+^T` (n x b), for the others `[(1 - c) dZ^T | c dZ+^T]`
                // (n x 2b) against the stacked `[A^T | A+^T]`: one product with inner size 2b.
                let inner = if l == 0 { b } else { b2 };
                debug_assert!(work.mix.len() >= n * inner && work.grams.len() >= 2 * b * b);
                for (j, mrow) in work.mix.chunks_exact_mut(inner).take(n).enumerate() {
                    let (d, dp) = (&dzs[j * b..(j + 1) * b], &dzps[j * b..(j + 1) * b]);
                    if l == 0 {
                        mrow.iter_mut().zip(d.iter().zip(dp)).for_each(|(mx, (&d, &dp))| *mx = one_c * d + c * dp);
                    } else {
                        mrow[..b].iter_mut().zip(d).for_each(|(mx, &d)| *mx = one_c * d);
                        mrow[b..].iter_mut().zip(dp).for_each(|(mx, &dp)| *mx = c * dp);
                    }
                }
                let mix = Ptr(work.mix.as_mut_ptr());
                let da = Ptr(work.da.as_mut_ptr());
                let (input, st) = input_of(x, &work.acts, l, k, b);
                // The update's left-hand side: the input batch, or the stacked [A^T | A+^T].
                let (lhs, lhs_st) =
                    if l == 0 { (input, st) } else { (Ptr(work.acts_plus[l - 1].as_mut_ptr()), (b2, 1)) };
                let mask = if l > 0 { work.masks.get(l - 1) } else { None };
                par.chunks(k, 8, &|r| {
                    // SAFETY: rows r of dA+^T (k x b) and of W_l (k x n) belong to this thread; W_l
                    // rows r are read by the dA+ product before the update overwrites them.
                    unsafe {
                        if l > 0 {
                            let dst = da.at(r.start * b);
                            let w = theta.at(wo + r.start * n);
                            gemm_rm((r.len(), b, n), dst, (b, 1), w, (n, 1), dzp.at(0), (b, 1), None, 1.0);
                            let a_rows = input.at(r.start * st.0);
                            gemm_rm((r.len(), b, b), dst, (b, 1), a_rows, st, nmat.at(0), (b, 1), Some(1.0), alpha);
                            let rows = std::slice::from_raw_parts_mut(dst, r.len() * b);
                            let span = r.start * b..r.end * b;
                            relu_grad(rows, &[], mask.map(|m| &m[span]));
                        }
                        let w = theta.at(wo + r.start * n);
                        let l_rows = lhs.at(r.start * lhs_st.0);
                        gemm_rm((r.len(), n, inner), w, (n, 1), l_rows, lhs_st, mix.at(0), (1, inner), Some(1.0), -hf);
                        let t_sq = sum_sq_f64(std::slice::from_raw_parts(w, r.len() * n));
                        sq.lock().expect("norm lock").push((wo + r.start * n, 0.0, t_sq));
                    }
                });
                if l > 0 {
                    std::mem::swap(&mut work.dz, &mut work.da);
                }
            }
        });
        let parts = norm_parts.get_mut().expect("norm lock");
        parts.sort_unstable_by_key(|p| p.0);
        self.theta_sq = Some(parts.iter().map(|p| p.2).sum());
        Ok(loss)
    }
}
