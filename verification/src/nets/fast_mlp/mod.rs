//! A hand-written, allocation-free training step for the dense ReLU MLP ([`MlpConfig`]) on the
//! CPU in f32: forward, backward, SGD update and the EGR step with the forward-difference
//! Hessian-vector product of [`hvp`](super::hvp), on preallocated buffers, with the gemm crate
//! (the one candle's CPU matmul uses) called directly.
//!
//! Why: candle's autograd allocates and zero-fills a fresh tensor for every node and every
//! gradient accumulation, so its backward pass cost about 4x the forward on the paper's
//! 784-400x4-10 batch-32 step (NETS.md). Here one step is a fixed sequence of gemm calls plus
//! fused element-wise passes and allocates nothing.
//!
//! Layout. Parameters are one flat vector theta in candle's order (`W_0, b_0, W_1, ...`, each
//! `W_l` row-major `(in, out)`, as in [`Mlp`](super::models::Mlp)), so norms and updates are
//! single passes. Activations and their gradients are stored *feature-major*, `(features, batch)`
//! row-major, i.e. the transposes `Z^T = W^T A^T`: measured with the gemm crate on this machine
//! (NETS.md), the products then run at 95-110 GFLOP/s in all three shapes of a step, where the
//! batch-major `dX = dZ W^T` ran at 65-73; bias, ReLU, mask and bias-gradient passes walk
//! contiguous rows; no transposes are needed (the input batch, row-major `(batch, in)`, is read
//! through strides).
//!
//! - forward, layer l: `Z_l^T = W_l^T A_{l-1}^T` (gemm), then `A_l^T = relu(Z_l^T + b_l)` in place;
//! - loss: mean softmax cross-entropy; its gradient `(softmax - onehot) / B` in the same pass;
//! - backward: `db_l = rowsum(dZ_l^T)`, `dA_{l-1}^T = W_l dZ_l^T` masked by the ReLU pattern in
//!   place, `dW_l = A_{l-1}^T dZ_l` (gemm). For a plain SGD step the last product is written
//!   straight into `W_l` (`W_l <- W_l - h A^T dZ`, the gemm's `alpha`/`beta`) after `W_l` has
//!   served the `dA` product of the same rows, so no gradient buffer is touched.
//!
//! EGR steps have two kernels ([`EgrKernel`]): the dense one (two such passes, the second at the
//! displaced parameters) and the low-rank one of `lowrank.rs`, which never forms the gradient
//! (its layer blocks have rank <= batch) and for the paper's batch 32 costs 1.85x an SGD step in
//! flops instead of 2x.
//!
//! Threads: every product is split over the rows of its output across a private rayon pool
//! (`threads > 1`); each thread applies the fused element-wise work to its own rows.
//!
//! The ReLU-pattern record / replay of [`Mode`](super::models::Mode) is [`Pattern`] here: the EGR
//! step records the pattern at theta and replays it at `theta + eps g/||g||`, exactly as
//! [`hvp::egr_grad`](super::hvp::egr_grad) does through candle (`tests/nets_fast.rs` checks the
//! two against each other).

use std::ops::Range;
use std::sync::Mutex;

use candle_core::{DType, Device, Tensor, Var};

mod kernels;
mod lowrank;
use kernels::{axpy, bias_act, bias_grad, input_of, relu_grad, softmax_ce, sum_sq_f64};
pub use lowrank::EgrKernel;

use super::error::{NetsError, Result};
use super::models::MlpConfig;

/// Worker threads of the fast MLP in training runs: `BEA_MLP_THREADS` if set to a positive
/// integer, else 1 (see NETS.md for the 1- vs 2-thread measurements).
pub fn default_threads() -> usize {
    std::env::var("BEA_MLP_THREADS").ok().and_then(|v| v.trim().parse().ok()).filter(|&n| n > 0).unwrap_or(1)
}

/// How the hidden ReLUs of a pass treat the activation pattern (see [`Mode`](super::models::Mode)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `relu(z)`.
    Plain,
    /// `relu(z)`, and the pattern `z > 0` is recorded.
    Record,
    /// `z * mask` with the pattern recorded last (the gradient is masked the same way).
    Replay,
}

/// Where the backward pass puts the parameter gradient.
#[derive(Clone, Copy)]
enum Sink {
    /// Into the given buffer (length m), accumulating the norms asked for.
    Store(Ptr, Norms),
    /// `dst <- dst - scale g` in place (dst: the parameters of the pass, whose rows are read
    /// by the `dA` product before they are updated), then, with `Some((beta, v))`, `dst <- dst - beta v`
    /// (the EGR step's correction, applied per row block while it is in cache; the squared norm
    /// of the result is then accumulated too, for the next EGR step's epsilon).
    Update(Ptr, f32, Option<(f32, Ptr)>),
}

/// Squared norms a storing backward pass accumulates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Norms {
    None,
    Grad,
    GradAndTheta,
}

#[derive(Clone, Copy)]
struct Ptr(*mut f32);
// SAFETY: `Ptr` is only handed to threads that write disjoint row ranges of the buffer it points
// to (see `Par::chunks`), while the owner holds `&mut` access for the duration of the call.
unsafe impl Send for Ptr {}
unsafe impl Sync for Ptr {}

impl Ptr {
    fn at(self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }
}

/// Row-major `dst (m x n) = beta * lhs (m x k) rhs (k x n) [+ alpha * dst]`, strides in elements
/// as (row stride, column stride).
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_rm(
    (m, n, k): (usize, usize, usize),
    dst: *mut f32,
    (d_rs, d_cs): (usize, usize),
    lhs: *const f32,
    (a_rs, a_cs): (usize, usize),
    rhs: *const f32,
    (b_rs, b_cs): (usize, usize),
    acc: Option<f32>,
    beta: f32,
) {
    if m == 0 || n == 0 {
        return;
    }
    let s = |x: usize| x as isize;
    gemm::gemm(
        m,
        n,
        k,
        dst,
        s(d_cs),
        s(d_rs),
        acc.is_some(),
        lhs,
        s(a_cs),
        s(a_rs),
        rhs,
        s(b_cs),
        s(b_rs),
        acc.unwrap_or(0.0),
        beta,
        false,
        false,
        false,
        gemm::Parallelism::None,
    );
}

/// `mu >= 0` and `eps_rel > 0`, both finite.
fn check_egr_args(mu: f64, eps_rel: f64) -> Result<()> {
    if !(mu >= 0.0 && mu.is_finite() && eps_rel > 0.0 && eps_rel.is_finite()) {
        return Err(NetsError::config("mu/eps_rel", format!("mu = {mu} must be >= 0 and eps_rel = {eps_rel} > 0")));
    }
    Ok(())
}

/// A private thread pool (or none) and row splitting.
struct Par {
    pool: Option<rayon::ThreadPool>,
    threads: usize,
}

impl Par {
    fn new(threads: usize) -> Result<Self> {
        let threads = threads.max(1);
        let pool = if threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("bea-mlp-{i}"))
                    .build()
                    .map_err(|e| NetsError::config("threads", format!("cannot start {threads} threads: {e}")))?,
            )
        } else {
            None
        };
        Ok(Par { pool, threads })
    }
    fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(p) => p.install(f),
            None => f(),
        }
    }
    /// `f` on disjoint ranges covering `0..n` (interior bounds multiples of `align`), one per thread.
    fn chunks(&self, n: usize, align: usize, f: &(dyn Fn(Range<usize>) + Sync)) {
        if self.threads <= 1 || n < 2 * align {
            return f(0..n);
        }
        split(0..n, self.threads, align, f);
    }
}

fn split(r: Range<usize>, parts: usize, align: usize, f: &(dyn Fn(Range<usize>) + Sync)) {
    if parts <= 1 || r.len() < 2 * align {
        return f(r);
    }
    let left = parts / 2;
    let mid = (r.start + (r.len() * left / parts).div_ceil(align) * align).min(r.end);
    rayon::join(|| split(r.start..mid, left, align, f), || split(mid..r.end, parts - left, align, f));
}

/// Per-batch-size buffers.
#[derive(Default)]
struct Work {
    batch: usize,
    /// `A_l^T` of every layer (the last is the logits), `(dims[l+1], batch)`.
    acts: Vec<Vec<f32>>,
    /// Recorded ReLU patterns (1/0) of the hidden layers.
    masks: Vec<Vec<f32>>,
    /// Gradient ping-pong buffers, `(max width, batch)`.
    dz: Vec<f32>,
    da: Vec<f32>,
    /// Low-rank EGR step only: displaced activations, the first pass's `dZ^T` of every layer,
    /// two `b x b` Gram matrices, and the update's combined `dZ^T` (`(n, b)` for the first layer,
    /// `(n, 2b)` for the others).
    acts_plus: Vec<Vec<f32>>,
    dzs: Vec<Vec<f32>>,
    grams: Vec<f32>,
    mix: Vec<f32>,
}

/// The fast MLP: parameters, gradient buffers and workspace. See the module docs.
///
/// ```
/// use bea_verification::nets::fast_mlp::FastMlp;
/// use bea_verification::nets::models::MlpConfig;
/// let cfg = MlpConfig { input: 4, hidden: vec![8], classes: 3 };
/// let mut net = FastMlp::new(&cfg, 1).unwrap();
/// net.theta_mut().iter_mut().enumerate().for_each(|(i, t)| *t = ((i * 7 % 11) as f32 - 5.0) / 10.0);
/// let (x, y) = (vec![0.5f32; 8], vec![0u32, 2]);
/// let before = net.loss_and_grad(&x, &y).unwrap();
/// for _ in 0..20 {
///     net.sgd_step(&x, &y, 0.1).unwrap();
/// }
/// assert!(net.loss_and_grad(&x, &y).unwrap() < before);
/// assert!(net.sgd_step(&x[..7], &y, 0.1).is_err()); // shape mismatch: an error, not a panic
/// ```
pub struct FastMlp {
    dims: Vec<usize>,
    /// Offsets of `W_l` and `b_l` in theta.
    offs: Vec<(usize, usize)>,
    theta: Vec<f32>,
    grad: Vec<f32>,
    /// [`FastMlp::egr_grad`] (not the fused step): displaced parameters, then the displaced
    /// gradient / total gradient (allocated on first use).
    theta_plus: Vec<f32>,
    grad_plus: Vec<f32>,
    /// `||theta||^2` when known: left by the fused EGR step's last pass (its rows are in cache
    /// there), used by the next EGR step; cleared by anything else that changes theta.
    theta_sq: Option<f64>,
    /// Per-thread partial sums of the norms (capacity reserved up front).
    norm_parts: Mutex<Vec<(usize, f64, f64)>>,
    work: Work,
    par: Par,
}

impl std::fmt::Debug for FastMlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastMlp")
            .field("dims", &self.dims)
            .field("m", &self.theta.len())
            .field("threads", &self.par.threads)
            .finish()
    }
}

impl FastMlp {
    /// Zero parameters for `config`, `threads` worker threads (1 = run on the caller's thread).
    ///
    /// Calls [`params::tune_allocator`](super::params::tune_allocator): the gemm crate allocates its
    /// packing buffers on every call (2 allocations per product, `tests/nets_fast.rs`), and with
    /// glibc's default thresholds recycling them cost 8-10% of the SGD step (`prof_step loop sgd`
    /// with and without `TUNE=1`: 1.72 vs 1.58 ms, 1.53 vs 1.39 ms).
    pub fn new(config: &MlpConfig, threads: usize) -> Result<Self> {
        super::params::tune_allocator();
        if config.input == 0 || config.classes == 0 || config.hidden.contains(&0) {
            return Err(NetsError::config("mlp", "all layer widths must be positive"));
        }
        let mut dims = vec![config.input];
        dims.extend(&config.hidden);
        dims.push(config.classes);
        let (mut offs, mut m) = (vec![], 0);
        for w in dims.windows(2) {
            offs.push((m, m + w[0] * w[1]));
            m += w[0] * w[1] + w[1];
        }
        let parts = 2 * (dims.len() + 1) * (threads.max(1) + 1);
        Ok(FastMlp {
            dims,
            offs,
            theta: vec![0.0; m],
            grad: vec![0.0; m],
            theta_plus: vec![],
            grad_plus: vec![],
            theta_sq: None,
            norm_parts: Mutex::new(Vec::with_capacity(parts)),
            work: Work::default(),
            par: Par::new(threads)?,
        })
    }

    /// Build for `config` with the values of candle parameters `params` (the order and shapes of
    /// [`Mlp::params`](super::models::Mlp), f32 on the CPU).
    pub fn from_vars(config: &MlpConfig, params: &[Var], threads: usize) -> Result<Self> {
        let mut f = FastMlp::new(config, threads)?;
        f.load_vars(params)?;
        Ok(f)
    }

    /// Number of parameters m.
    pub fn param_count(&self) -> usize {
        self.theta.len()
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.par.threads
    }

    /// The flat parameter vector theta.
    pub fn theta(&self) -> &[f32] {
        &self.theta
    }

    /// Mutable theta.
    pub fn theta_mut(&mut self) -> &mut [f32] {
        self.theta_sq = None;
        &mut self.theta
    }

    /// The gradient of the last [`FastMlp::loss_and_grad`] (or of the first evaluation of the last
    /// dense EGR step); after a plain [`FastMlp::sgd_step`] or a low-rank EGR step, which never
    /// form g, it is stale.
    pub fn grad(&self) -> &[f32] {
        &self.grad
    }

    fn shapes(&self) -> Vec<Vec<usize>> {
        self.dims.windows(2).flat_map(|w| [vec![w[0], w[1]], vec![w[1]]]).collect()
    }

    fn check_vars(&self, params: &[Var]) -> Result<()> {
        let shapes = self.shapes();
        if params.len() != shapes.len() {
            return Err(NetsError::shape(format!(
                "{} parameter tensors for an MLP with {}",
                params.len(),
                shapes.len()
            )));
        }
        for (i, (v, s)) in params.iter().zip(&shapes).enumerate() {
            if v.dims() != s.as_slice() || v.dtype() != DType::F32 || !v.device().is_cpu() {
                return Err(NetsError::shape(format!(
                    "parameter {i}: {:?} {:?} on {:?}, the fast MLP needs {s:?} f32 on the CPU",
                    v.dims(),
                    v.dtype(),
                    v.device().location()
                )));
            }
        }
        Ok(())
    }

    /// Copy the values of candle parameters into theta.
    pub fn load_vars(&mut self, params: &[Var]) -> Result<()> {
        self.check_vars(params)?;
        self.theta_sq = None;
        let mut at = 0;
        for v in params {
            let vals = v.as_tensor().flatten_all()?.to_vec1::<f32>()?;
            self.theta[at..at + vals.len()].copy_from_slice(&vals);
            at += vals.len();
        }
        self.theta_sq = None;
        Ok(())
    }

    /// Write theta into candle parameters (same order and shapes as [`FastMlp::load_vars`]).
    pub fn store_vars(&self, params: &[Var]) -> Result<()> {
        self.check_vars(params)?;
        self.split_into_tensors(&self.theta)?.iter().zip(params).try_for_each(|(t, v)| Ok(v.set(t)?))
    }

    /// A flat vector of length m (theta, a gradient) as candle tensors in parameter order.
    pub fn split_into_tensors(&self, flat: &[f32]) -> Result<Vec<Tensor>> {
        if flat.len() != self.theta.len() {
            return Err(NetsError::shape(format!(
                "vector of {} values for {} parameters",
                flat.len(),
                self.theta.len()
            )));
        }
        let mut at = 0;
        self.shapes()
            .into_iter()
            .map(|s| {
                let n: usize = s.iter().product();
                let t = Tensor::from_slice(&flat[at..at + n], s.as_slice(), &Device::Cpu)?;
                at += n;
                Ok(t)
            })
            .collect()
    }

    fn check_batch(&self, x: &[f32], y: &[u32]) -> Result<usize> {
        let (b, k, c) = (y.len(), self.dims[0], *self.dims.last().unwrap_or(&0));
        if b == 0 {
            return Err(NetsError::shape("empty batch"));
        }
        if x.len() != b * k {
            return Err(NetsError::shape(format!(
                "{} input values for {b} labels; the MLP expects inputs (batch, {k}) row-major",
                x.len()
            )));
        }
        if let Some(&bad) = y.iter().find(|&&l| l as usize >= c) {
            return Err(NetsError::shape(format!("label {bad} out of range for {c} classes")));
        }
        Ok(b)
    }

    fn prepare(&mut self, b: usize, egr: bool) {
        let w = &mut self.work;
        if w.batch != b {
            w.batch = b;
            w.acts = self.dims[1..].iter().map(|&n| vec![0.0; n * b]).collect();
            w.masks.clear();
            let widest = self.dims.iter().copied().max().unwrap_or(0);
            w.dz = vec![0.0; widest * b];
            w.da = vec![0.0; widest * b];
        }
        if egr && w.masks.is_empty() {
            let hidden = &self.dims[1..self.dims.len() - 1];
            w.masks = hidden.iter().map(|&n| vec![0.0; n * b]).collect();
        }
    }

    /// Mean cross-entropy loss on the batch and its gradient (in [`FastMlp::grad`]).
    /// `x`: `(batch, input)` row-major; `y`: labels.
    pub fn loss_and_grad(&mut self, x: &[f32], y: &[u32]) -> Result<f64> {
        let b = self.check_batch(x, y)?;
        self.prepare(b, false);
        let sink = Sink::Store(Ptr(self.grad.as_mut_ptr()), Norms::None);
        let theta = Ptr(self.theta.as_mut_ptr());
        Ok(self.pass(theta, x, y, Pattern::Plain, sink).0)
    }

    /// One SGD step `theta <- theta - h grad E` on the batch; returns the batch loss at the old
    /// theta. A non-finite loss leaves theta unchanged (the caller marks the run diverged).
    pub fn sgd_step(&mut self, x: &[f32], y: &[u32], h: f64) -> Result<f64> {
        let b = self.check_batch(x, y)?;
        self.prepare(b, false);
        // Forward first: the fused update must not run when the loss is not finite.
        let theta = Ptr(self.theta.as_mut_ptr());
        let loss = self.forward_loss(theta, x, y, Pattern::Plain, None);
        if loss.is_finite() {
            self.theta_sq = None;
            self.backward(theta, x, Sink::Update(theta, h as f32, None), Pattern::Plain);
        }
        Ok(loss)
    }

    /// The EGR gradient `g + 2 mu H g` of `E + mu ||grad E||^2` on the batch, by the forward
    /// difference of [`hvp::egr_grad`](super::hvp::egr_grad): displacement `eps g/||g||` with
    /// `eps = eps_rel max(||theta||, 1)`, the ReLU pattern of theta replayed, and
    /// `g + c (g_plus - g)`, `c = 2 mu ||g|| / eps`. Returns the batch loss and the total gradient
    /// (`grad` keeps g).
    pub fn egr_grad(&mut self, x: &[f32], y: &[u32], mu: f64, eps_rel: f64) -> Result<(f64, &[f32])> {
        let (loss, d) = self.egr_first(x, y, mu, eps_rel)?;
        let Some((alpha, c)) = d else { return Ok((loss, &self.grad)) };
        if self.theta_plus.len() != self.theta.len() {
            self.theta_plus = vec![0.0; self.theta.len()];
            self.grad_plus = vec![0.0; self.theta.len()];
        }
        self.displace(alpha);
        let (tp, gp) = (Ptr(self.theta_plus.as_mut_ptr()), Ptr(self.grad_plus.as_mut_ptr()));
        self.pass(tp, x, y, Pattern::Replay, Sink::Store(gp, Norms::None));
        let g = &self.grad;
        self.par.run(|| {
            self.par.chunks(g.len(), 4096, &|r| {
                // SAFETY: disjoint ranges of grad_plus, which is m long.
                let gp = unsafe { std::slice::from_raw_parts_mut(gp.at(r.start), r.len()) };
                for (p, &gi) in gp.iter_mut().zip(&g[r]) {
                    *p = gi + c * (*p - gi);
                }
            })
        });
        Ok((loss, &self.grad_plus))
    }

    /// One EGR step `theta <- theta - h (g + 2 mu H g)`, the gradient of [`FastMlp::egr_grad`];
    /// `mu = 0` is a plain [`FastMlp::sgd_step`]. Returns the batch loss at the old theta. The
    /// kernel is [`EgrKernel::Auto`]: the low-rank one for batches small against the widths (the
    /// paper's batch 32), else the dense one; see [`FastMlp::egr_step_with`].
    pub fn egr_step(&mut self, x: &[f32], y: &[u32], h: f64, mu: f64, eps_rel: f64) -> Result<f64> {
        self.egr_step_with(EgrKernel::Auto, x, y, h, mu, eps_rel)
    }

    /// [`FastMlp::egr_step`] with the given kernel. Both compute `theta - h (g + c (g_plus - g))`
    /// with the displacement `theta + alpha g` of [`FastMlp::egr_grad`] and the ReLU pattern of
    /// theta replayed there; they differ in rounding only (`tests/nets_fast.rs`). After either,
    /// [`FastMlp::grad`] is stale for the low-rank kernel (it never forms g).
    ///
    /// `Dense`: fused, in place, without a second parameter buffer: the displaced pass adds
    /// `alpha g` to each layer's parameters just before that layer's forward product, and its
    /// backward writes `- h c g_plus` into them (the gemm's `alpha`/`beta`, after the `dA` product
    /// has read them) and then subtracts `(alpha + h (1 - c)) g`, row block by row block while
    /// they are in cache. The result is `theta - h (g + c (g_plus - g))` up to the rounding of
    /// adding and removing the displacement (an ulp of theta). `LowRank`: see `lowrank.rs`.
    ///
    /// A non-finite loss at theta leaves theta unchanged; a non-finite loss at the displaced
    /// point makes theta NaN, as the unfused update would (the run is then marked diverged).
    pub fn egr_step_with(
        &mut self,
        kernel: EgrKernel,
        x: &[f32],
        y: &[u32],
        h: f64,
        mu: f64,
        eps_rel: f64,
    ) -> Result<f64> {
        check_egr_args(mu, eps_rel)?;
        if mu == 0.0 {
            return self.sgd_step(x, y, h);
        }
        let b = self.check_batch(x, y)?;
        let kernel = if kernel == EgrKernel::Auto { self.egr_kernel_for(b) } else { kernel };
        match kernel {
            EgrKernel::LowRank => self.egr_step_lowrank(x, y, h, mu, eps_rel),
            _ => self.egr_step_dense(x, y, h, mu, eps_rel),
        }
    }

    fn egr_step_dense(&mut self, x: &[f32], y: &[u32], h: f64, mu: f64, eps_rel: f64) -> Result<f64> {
        let (loss, d) = self.egr_first(x, y, mu, eps_rel)?;
        if !loss.is_finite() {
            return Ok(loss);
        }
        let (th, g) = (Ptr(self.theta.as_mut_ptr()), Ptr(self.grad.as_mut_ptr()));
        self.theta_sq = None;
        match d {
            None => {
                let a = -h as f32;
                self.par.run(|| {
                    self.par.chunks(self.theta.len(), 4096, &|r| {
                        // SAFETY: disjoint ranges of theta and grad, both m long.
                        let (th, g) = unsafe {
                            (
                                std::slice::from_raw_parts_mut(th.at(r.start), r.len()),
                                std::slice::from_raw_parts(g.at(r.start), r.len()),
                            )
                        };
                        th.iter_mut().zip(g).for_each(|(t, &gi)| *t += a * gi);
                    })
                });
            }
            Some((alpha, c)) => {
                let beta = (alpha as f64 + h * (1.0 - c as f64)) as f32;
                let l_plus = self.forward_loss(th, x, y, Pattern::Replay, Some((alpha, g)));
                if l_plus.is_finite() {
                    let sink = Sink::Update(th, (h * c as f64) as f32, Some((beta, g)));
                    self.theta_sq = Some(self.backward(th, x, sink, Pattern::Replay).1);
                } else {
                    self.theta.fill(f32::NAN);
                }
            }
        }
        Ok(loss)
    }

    /// The first evaluation of an EGR step: g at theta with the ReLU pattern recorded (into
    /// `grad`). Returns the loss and `(alpha, c)`: the displacement `theta + alpha g` (norm eps)
    /// and the combination factor `c = 2 mu ||g|| / eps`; `None` when mu = 0, or g is zero or
    /// not finite, or the loss is not finite (the total gradient is then g).
    fn egr_first(&mut self, x: &[f32], y: &[u32], mu: f64, eps_rel: f64) -> Result<(f64, Option<(f32, f32)>)> {
        check_egr_args(mu, eps_rel)?;
        let b = self.check_batch(x, y)?;
        self.prepare(b, true);
        let (theta, grad) = (Ptr(self.theta.as_mut_ptr()), Ptr(self.grad.as_mut_ptr()));
        let norms = if self.theta_sq.is_some() { Norms::Grad } else { Norms::GradAndTheta };
        let (loss, g_sq, t_sq) = self.pass(theta, x, y, Pattern::Record, Sink::Store(grad, norms));
        let t_sq = self.theta_sq.unwrap_or(t_sq);
        let g_norm = g_sq.sqrt();
        if mu == 0.0 || !loss.is_finite() || g_norm == 0.0 || !g_norm.is_finite() {
            return Ok((loss, None));
        }
        let eps = eps_rel * t_sq.sqrt().max(1.0);
        Ok((loss, Some(((eps / g_norm) as f32, (2.0 * mu * g_norm / eps) as f32))))
    }

    /// `theta_plus <- theta + alpha g`.
    fn displace(&mut self, alpha: f32) {
        let (th, g, tp) = (&self.theta, &self.grad, Ptr(self.theta_plus.as_mut_ptr()));
        self.par.run(|| {
            self.par.chunks(g.len(), 4096, &|r| {
                // SAFETY: disjoint ranges of theta_plus, which is m long.
                let tp = unsafe { std::slice::from_raw_parts_mut(tp.at(r.start), r.len()) };
                tp.iter_mut().zip(&th[r.clone()]).zip(&g[r]).for_each(|((p, &t), &gi)| *p = t + alpha * gi);
            })
        });
    }

    /// Forward, loss and backward with parameters at `theta` (m values). Returns the loss and,
    /// the squared norms the sink accumulates (`||g||^2`, `||theta||^2`; 0 where not asked).
    fn pass(&mut self, theta: Ptr, x: &[f32], y: &[u32], pat: Pattern, sink: Sink) -> (f64, f64, f64) {
        let loss = self.forward_loss(theta, x, y, pat, None);
        if !loss.is_finite() {
            return (loss, f64::NAN, f64::NAN);
        }
        let (g_sq, t_sq) = self.backward(theta, x, sink, pat);
        (loss, g_sq, t_sq)
    }

    /// Forward pass and loss; leaves `dZ^T` of the logits in `work.dz`. With `disp = Some((alpha,
    /// v))` each layer's parameters are first displaced in place, `theta_l += alpha v_l`, by the
    /// thread that then reads them (its columns of `W_l` and entries of `b_l`).
    fn forward_loss(&mut self, theta: Ptr, x: &[f32], y: &[u32], pat: Pattern, disp: Option<(f32, Ptr)>) -> f64 {
        let FastMlp { dims, offs, work, par, .. } = self;
        let (b, layers) = (work.batch, offs.len());
        par.run(|| {
            for l in 0..layers {
                let (k, n) = (dims[l], dims[l + 1]);
                let (wo, bo) = offs[l];
                let (input, in_st) = input_of(x, &work.acts, l, k, b);
                let out = Ptr(work.acts[l].as_mut_ptr());
                let mask = work.masks.get_mut(l).map(|m| Ptr(m.as_mut_ptr()));
                let act = if l + 1 == layers { None } else { Some(pat) };
                par.chunks(n, 8, &|r| {
                    // SAFETY: rows r of Z^T (n x b) belong to this thread; W_l (k x n) at theta+wo
                    // is read as W^T (n x k); the input is (k x b) by the given strides.
                    unsafe {
                        if let Some((alpha, v)) = disp {
                            for row in (0..k).map(|kk| wo + kk * n).chain([bo]) {
                                let t = std::slice::from_raw_parts_mut(theta.at(row + r.start), r.len());
                                let v = std::slice::from_raw_parts(v.at(row + r.start), r.len());
                                axpy(t, v, alpha);
                            }
                        }
                        let dst = out.at(r.start * b);
                        gemm_rm(
                            (r.len(), b, k),
                            dst,
                            (b, 1),
                            theta.at(wo + r.start),
                            (1, n),
                            input.at(0),
                            in_st,
                            None,
                            1.0,
                        );
                        let rows = std::slice::from_raw_parts_mut(dst, r.len() * b);
                        let bias = std::slice::from_raw_parts(theta.at(bo + r.start), r.len());
                        let mask = mask.map(|m| std::slice::from_raw_parts_mut(m.at(r.start * b), r.len() * b));
                        bias_act(rows, bias, b, act, mask);
                    }
                });
            }
        });
        softmax_ce(&work.acts[layers - 1], y, dims[layers], &mut work.dz)
    }

    /// Backward pass from `work.dz` (gradient of the logits) with parameters at `theta`; returns
    /// `(||g||^2, ||theta||^2)` when the sink asks for them.
    fn backward(&mut self, theta: Ptr, x: &[f32], sink: Sink, pat: Pattern) -> (f64, f64) {
        let FastMlp { dims, offs, work, par, norm_parts, .. } = self;
        let b = work.batch;
        // Partial sums keyed by parameter offset and added in that order afterwards, so that the
        // norms do not depend on which thread finished first (preallocated: no allocation here).
        norm_parts.get_mut().expect("norm lock").clear();
        let sq = &*norm_parts;
        par.run(|| {
            for l in (0..offs.len()).rev() {
                let (k, n) = (dims[l], dims[l + 1]);
                let (wo, bo) = offs[l];
                let dz = &work.dz[..n * b];
                bias_grad(dz, b, theta, bo, sink, sq);
                let da = Ptr(work.da.as_mut_ptr());
                let (input, in_st) = input_of(x, &work.acts, l, k, b);
                let prev = if l == 0 {
                    None
                } else {
                    Some((&work.acts[l - 1], work.masks.get(l - 1).filter(|_| pat == Pattern::Replay)))
                };
                par.chunks(k, 8, &|r| {
                    // SAFETY: rows r of dA^T (k x b) and of W_l / dW_l (k x n) belong to this thread;
                    // W_l rows r are read by the dA product before the SGD sink overwrites them.
                    unsafe {
                        if let Some((act, mask)) = prev {
                            let dst = da.at(r.start * b);
                            let w = theta.at(wo + r.start * n);
                            gemm_rm((r.len(), b, n), dst, (b, 1), w, (n, 1), dz.as_ptr(), (b, 1), None, 1.0);
                            let rows = std::slice::from_raw_parts_mut(dst, r.len() * b);
                            let span = r.start * b..r.end * b;
                            relu_grad(rows, &act[span.clone()], mask.map(|m| &m[span]));
                        }
                        let a_rows = input.at(r.start * in_st.0);
                        let (dst, acc, beta) = match sink {
                            Sink::Store(g, _) => (g.at(wo + r.start * n), None, 1.0),
                            Sink::Update(d, scale, _) => (d.at(wo + r.start * n), Some(1.0), -scale),
                        };
                        gemm_rm((r.len(), n, b), dst, (n, 1), a_rows, in_st, dz.as_ptr(), (1, b), acc, beta);
                        let len = r.len() * n;
                        if let Sink::Update(_, _, Some((beta, v))) = sink {
                            let t = std::slice::from_raw_parts_mut(dst, len);
                            axpy(t, std::slice::from_raw_parts(v.at(wo + r.start * n), len), -beta);
                            sq.lock().expect("norm lock").push((wo + r.start * n, 0.0, sum_sq_f64(t)));
                        }
                        if let Sink::Store(_, norms @ (Norms::Grad | Norms::GradAndTheta)) = sink {
                            let g_sq = sum_sq_f64(std::slice::from_raw_parts(dst, len));
                            let t_sq = match norms {
                                Norms::GradAndTheta => {
                                    sum_sq_f64(std::slice::from_raw_parts(theta.at(wo + r.start * n), len))
                                }
                                _ => 0.0,
                            };
                            sq.lock().expect("norm lock").push((wo + r.start * n, g_sq, t_sq));
                        }
                    }
                });
                if l > 0 {
                    std::mem::swap(&mut work.dz, &mut work.da);
                }
            }
        });
        let parts = norm_parts.get_mut().expect("norm lock");
        parts.sort_unstable_by_key(|p| p.0);
        parts.iter().fold((0.0, 0.0), |(g, t), p| (g + p.1, t + p.2))
    }
}
