//! Gradients, Hessian-vector products and the explicit gradient regulariser (EGR, Section 4).
//!
//! EGR minimises `E_mu(theta) = E(theta) + mu ||grad E(theta)||^2`, whose gradient is
//! `grad E + 2 mu H grad E` (H the Hessian of E). The product `H v` is computed
//! - by a forward finite difference `(grad E(theta + eps u) - grad E(theta)) ||v|| / eps`, `u = v/||v||`
//!   (two gradient evaluations per EGR step, one of which the plain step needs anyway),
//! - by a central difference `(grad E(theta + eps u) - grad E(theta - eps u)) ||v|| / (2 eps)` (three), or
//! - exactly, by double backpropagation (candle keeps the backward graph only when
//!   `CANDLE_GRAD_DO_NOT_DETACH=1` was set before the thread's first backward pass; see
//!   [`with_double_backprop`]).
//!
//! Epsilon rule: the displacement has norm `eps = eps_rel * max(||theta||, 1)`; the default
//! `eps_rel = 1e-4` was chosen by the validation in `tests/nets_hvp.rs`. On ReLU networks the
//! network versions ([`hvp_fd`], [`egr_grad`]) freeze the activation pattern of theta for the
//! displaced evaluations ([`Mode::Replay`]): otherwise any displacement large enough to beat
//! float32 round-off moves some pre-activation across zero, the gradient jumps, and the quotient
//! is wrong by factors of 5-60 on the small ResNet (measured against double backprop; with the
//! pattern frozen the forward difference is within 0.2% (MLP) and 0.8% (ResNet) at `1e-4`, in
//! float32 and float64 alike).

use candle_core::{Tensor, Var};
use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};
use super::models::{Mode, Net};
use super::params;

/// How Hessian-vector products are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum HvpMethod {
    /// Forward difference: one extra gradient evaluation.
    #[default]
    Forward,
    /// Central difference: two extra gradient evaluations, error O(eps^2).
    Central,
    /// Double backpropagation (exact up to round-off).
    Exact,
}

/// Hessian-vector product settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HvpConfig {
    /// Method.
    pub method: HvpMethod,
    /// Displacement norm relative to `max(||theta||, 1)` (finite differences only).
    pub eps_rel: f64,
}

impl Default for HvpConfig {
    fn default() -> Self {
        HvpConfig { method: HvpMethod::Forward, eps_rel: 1e-4 }
    }
}

/// Mean cross-entropy loss of `net` on a batch.
pub fn batch_loss(net: &dyn Net, x: &Tensor, y: &Tensor, mode: Mode) -> Result<Tensor> {
    let logits = net.forward(x, mode)?;
    if logits.dim(0)? != y.dim(0)? {
        return Err(NetsError::shape(format!("{} inputs but {} labels", logits.dim(0)?, y.dim(0)?)));
    }
    Ok(candle_nn::loss::cross_entropy(&logits, y)?)
}

/// Loss value and gradient on a batch.
pub fn loss_and_grad(net: &dyn Net, x: &Tensor, y: &Tensor, mode: Mode) -> Result<(f64, Vec<Tensor>)> {
    let loss = batch_loss(net, x, y, mode)?;
    let g = params::grads(&loss, net.params())?;
    Ok((scalar(&loss)?, g))
}

/// A scalar tensor as f64.
pub fn scalar(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(candle_core::DType::F64)?.to_scalar::<f64>()?)
}

/// A closure computing a scalar loss from the current parameter values.
pub type LossFn<'a> = dyn Fn() -> Result<Tensor> + 'a;

/// Loss value and gradient of a loss closure.
pub fn grad_of(ps: &[Var], loss: &LossFn) -> Result<(f64, Vec<Tensor>)> {
    let l = loss()?;
    let g = params::grads(&l, ps)?;
    Ok((scalar(&l)?, g))
}

/// Gradient at `theta + alpha * u`, restoring theta from `base` afterwards.
fn grad_at(ps: &[Var], loss: &LossFn, base: &[Tensor], alpha: f64, u: &[Tensor]) -> Result<Vec<Tensor>> {
    for ((v, b), d) in ps.iter().zip(base).zip(u) {
        v.set(&(b + (d * alpha)?)?)?;
    }
    let g = grad_of(ps, loss);
    params::restore(ps, base)?;
    Ok(g?.1)
}

/// Finite-difference Hessian-vector product `H v` of a loss closure; `g0` is the gradient at
/// theta (used by the forward difference; `None` = compute it). The displacement along
/// `v / ||v||` has norm `eps_rel * max(||theta||, 1)`.
pub fn hvp_fd_with(
    ps: &[Var],
    loss: &LossFn,
    v: &[Tensor],
    g0: Option<&[Tensor]>,
    cfg: &HvpConfig,
) -> Result<Vec<Tensor>> {
    let v_norm = params::sq_norm(v)?.sqrt();
    if v_norm == 0.0 || !v_norm.is_finite() {
        return v.iter().map(|t| Ok(t.zeros_like()?)).collect();
    }
    let eps = cfg.eps_rel * params::norm(ps)?.max(1.0);
    let u: Vec<Tensor> = v.iter().map(|t| t / v_norm).collect::<candle_core::Result<_>>()?;
    let base = params::snapshot(ps)?;
    let plus = grad_at(ps, loss, &base, eps, &u)?;
    let (minus, denom) = match (cfg.method, g0) {
        (HvpMethod::Central, _) => (grad_at(ps, loss, &base, -eps, &u)?, 2.0 * eps),
        (_, Some(g)) => (g.to_vec(), eps),
        (_, None) => (grad_of(ps, loss)?.1, eps),
    };
    plus.iter().zip(&minus).map(|(a, b)| Ok(((a - b)? * (v_norm / denom))?)).collect()
}

/// Exact Hessian-vector product of a loss closure by double backpropagation,
/// `grad_theta <grad E(theta), v>` (needs [`double_backprop_enabled`]).
pub fn hvp_exact_with(ps: &[Var], loss: &LossFn, v: &[Tensor]) -> Result<Vec<Tensor>> {
    if !double_backprop_enabled()? {
        return Err(NetsError::DoubleBackpropUnavailable);
    }
    let g = params::grads_with_graph(&loss()?, ps)?;
    let mut s: Option<Tensor> = None;
    for (gi, vi) in g.iter().zip(v) {
        let t = (gi * vi.detach())?.sum_all()?;
        s = Some(match s {
            Some(acc) => (acc + t)?,
            None => t,
        });
    }
    let s = s.ok_or_else(|| NetsError::config("params", "model has no parameters"))?;
    params::grads(&s, ps)
}

/// Finite-difference `H v` of a network's batch loss (see [`hvp_fd_with`]), with the ReLU
/// activation pattern of theta frozen for the displaced evaluations ([`Mode::Replay`]), so that
/// the quotient differentiates one smooth function. `g0`, if given, must be the gradient at theta
/// on this batch with batch statistics (a recording forward pass is then done here).
pub fn hvp_fd(
    net: &dyn Net,
    x: &Tensor,
    y: &Tensor,
    v: &[Tensor],
    g0: Option<&[Tensor]>,
    cfg: &HvpConfig,
) -> Result<Vec<Tensor>> {
    let g0 = match g0 {
        Some(g) => {
            net.forward(x, Mode::FrozenRecord)?;
            g.to_vec()
        }
        None => loss_and_grad(net, x, y, Mode::FrozenRecord)?.1,
    };
    hvp_fd_with(net.params(), &|| batch_loss(net, x, y, Mode::Replay), v, Some(&g0), cfg)
}

/// Exact `H v` of a network's batch loss (see [`hvp_exact_with`]).
pub fn hvp_exact(net: &dyn Net, x: &Tensor, y: &Tensor, v: &[Tensor]) -> Result<Vec<Tensor>> {
    hvp_exact_with(net.params(), &|| batch_loss(net, x, y, Mode::TrainFrozen), v)
}

/// Whether candle keeps backward graphs in this thread. Probe: the second derivative of
/// `x^4` at 2 through an intermediate node is 48 with graphs kept; when candle detaches
/// intermediate gradients it comes out as 32 (leaf gradients stay attached, so a simple
/// "is there a gradient" check would be fooled).
pub fn double_backprop_enabled() -> Result<bool> {
    let x = Var::new(2f64, &candle_core::Device::Cpu)?;
    let y = x.as_tensor().sqr()?.sqr()?;
    let g = y.backward()?.remove(x.as_tensor()).ok_or(NetsError::DoubleBackpropUnavailable)?;
    let h = match g.backward()?.get(x.as_tensor()) {
        Some(h) => h.to_scalar::<f64>()?,
        None => return Ok(false),
    };
    Ok((h - 48.0).abs() < 1e-9)
}

/// Run `f` in a fresh thread in which candle keeps backward graphs (double backprop works).
///
/// Sets the process environment variable `CANDLE_GRAD_DO_NOT_DETACH=1` (and leaves it set,
/// since other threads may be reading the environment); threads that start their first
/// backward pass afterwards also keep graphs, which costs memory but not correctness.
pub fn with_double_backprop<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    if std::env::var("CANDLE_GRAD_DO_NOT_DETACH").map(|v| v.is_empty() || v == "0").unwrap_or(true) {
        std::env::set_var("CANDLE_GRAD_DO_NOT_DETACH", "1");
    }
    std::thread::spawn(f).join().expect("double-backprop thread panicked")
}

/// Result of one EGR gradient evaluation.
#[derive(Debug)]
pub struct EgrGrad {
    /// Batch loss E.
    pub loss: f64,
    /// `grad E`.
    pub grad: Vec<Tensor>,
    /// `grad E + 2 mu H grad E`.
    pub total: Vec<Tensor>,
}

/// Gradient of the EGR loss `E + mu ||grad E||^2` on a batch (`mu = 0` gives the plain gradient
/// at the cost of one evaluation).
pub fn egr_grad(net: &dyn Net, x: &Tensor, y: &Tensor, mu: f64, cfg: &HvpConfig) -> Result<EgrGrad> {
    let mode = if mu == 0.0 { Mode::Train } else { Mode::TrainRecord };
    let (loss, grad) = loss_and_grad(net, x, y, mode)?;
    if mu == 0.0 {
        return Ok(EgrGrad { loss, total: grad.clone(), grad });
    }
    if cfg.method == HvpMethod::Forward {
        return egr_forward_fused(net, x, y, mu, cfg, loss, grad);
    }
    let hg = match cfg.method {
        HvpMethod::Exact => hvp_exact(net, x, y, &grad)?,
        _ => hvp_fd(net, x, y, &grad, Some(&grad), cfg)?,
    };
    let grad: Vec<Tensor> = grad.into_iter().map(|t| t.detach()).collect();
    let total = grad.iter().zip(&hg).map(|(g, h)| Ok((g + (h * (2.0 * mu))?)?)).collect::<Result<Vec<_>>>()?;
    Ok(EgrGrad { loss, grad, total })
}

/// Forward-difference EGR gradient with fused in-place updates (ReLU patterns recorded by the
/// caller's first pass and replayed here): perturb theta by
/// `eps g / ||g||` in place, take the gradient `g_plus`, restore theta, and return
/// `g + c (g_plus - g)` with `c = 2 mu ||g|| / eps` (= `g + 2 mu H g` to first order).
fn egr_forward_fused(
    net: &dyn Net,
    x: &Tensor,
    y: &Tensor,
    mu: f64,
    cfg: &HvpConfig,
    loss: f64,
    grad: Vec<Tensor>,
) -> Result<EgrGrad> {
    let ps = net.params();
    let g_norm = params::sq_norm(&grad)?.sqrt();
    if g_norm == 0.0 || !g_norm.is_finite() {
        return Ok(EgrGrad { loss, total: grad.clone(), grad });
    }
    let eps = cfg.eps_rel * params::norm(ps)?.max(1.0);
    let base = params::snapshot(ps)?;
    params::axpy(ps, eps / g_norm, &grad)?;
    let g_plus = grad_of(ps, &|| batch_loss(net, x, y, Mode::Replay));
    params::restore(ps, &base)?;
    let total = params::fd_combine(g_plus?.1, &grad, 2.0 * mu * g_norm / eps)?;
    Ok(EgrGrad { loss, grad, total })
}
