//! A fused fully connected layer `act(x W + b)` for the CPU: one gemm plus an in-place bias and
//! ReLU pass forward, and a hand-written backward that skips the input gradient when the input
//! is data (the first layer's `dx = dz W^T` is the largest product of the MLP's backward pass).
//! Measured on the 784-400x4-10 batch-32 SGD step: see NETS.md. On other devices, and for
//! dtypes other than f32/f64, [`linear`] falls back to candle's separate ops.
//!
//! The backward pass is built from differentiable candle ops (and `ReluGrad`, which has its own
//! backward), so double backprop (exact Hessian-vector products) works through it.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

use super::error::Result;

/// Activation after the affine map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// `max(z, 0)`.
    Relu,
    /// `z`.
    Identity,
}

struct LinearOp {
    act: Act,
}

fn bias_act<T: Copy + PartialOrd + std::ops::Add<Output = T> + Default>(out: &mut [T], b: &[T], relu: bool) {
    let zero = T::default();
    for row in out.chunks_exact_mut(b.len()) {
        for (o, &bi) in row.iter_mut().zip(b) {
            let z = *o + bi;
            // `z < 0` (not `!(z > 0)`) so that a NaN propagates and the run is marked diverged.
            *o = if relu && z < zero { zero } else { z };
        }
    }
}

impl CustomOp3 for LinearOp {
    fn name(&self) -> &'static str {
        "bea-linear"
    }
    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        lx: &Layout,
        w: &CpuStorage,
        lw: &Layout,
        b: &CpuStorage,
        lb: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let ((m, k), (k2, n)) = (lx.shape().dims2()?, lw.shape().dims2()?);
        if k != k2 || lb.shape().dims1()? != n {
            candle_core::bail!("bea-linear: shapes {:?} x {:?} + {:?}", lx.shape(), lw.shape(), lb.shape())
        }
        let Some((b0, b1)) = lb.contiguous_offsets() else { candle_core::bail!("bea-linear: bias not contiguous") };
        let mut out = x.matmul(w, (1, m, n, k), lx, lw)?;
        let relu = self.act == Act::Relu;
        match (&mut out, b) {
            (CpuStorage::F32(o), CpuStorage::F32(bv)) => bias_act(o, &bv[b0..b1], relu),
            (CpuStorage::F64(o), CpuStorage::F64(bv)) => bias_act(o, &bv[b0..b1], relu),
            _ => candle_core::bail!("bea-linear supports f32 and f64 only"),
        }
        Ok((out, Shape::from((m, n))))
    }
    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dz = match self.act {
            Act::Relu => res.apply_op2(grad, ReluGrad)?,
            Act::Identity => grad.clone(),
        };
        let dw = x.t()?.matmul(&dz)?;
        let db = dz.sum(0)?;
        let dx = if x.track_op() { Some(dz.matmul(&w.t()?)?) } else { None };
        Ok((dx, Some(dw), Some(db)))
    }
}

/// `g * (y > 0)` for a ReLU output `y`: the ReLU's backward in one pass. Differentiable in `g`
/// (the mask is piecewise constant in `y`), so double backprop works through it.
struct ReluGrad;

fn mask_mul<T: Copy + PartialOrd + Default>(y: &[T], g: &[T]) -> Vec<T> {
    let zero = T::default();
    y.iter().zip(g).map(|(&yi, &gi)| if yi > zero { gi } else { zero }).collect()
}

impl CustomOp2 for ReluGrad {
    fn name(&self) -> &'static str {
        "bea-relu-grad"
    }
    fn cpu_fwd(
        &self,
        y: &CpuStorage,
        ly: &Layout,
        g: &CpuStorage,
        lg: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (Some((y0, y1)), Some((g0, g1))) = (ly.contiguous_offsets(), lg.contiguous_offsets()) else {
            candle_core::bail!("bea-relu-grad needs contiguous tensors")
        };
        if ly.shape() != lg.shape() {
            candle_core::bail!("bea-relu-grad: shapes {:?} and {:?}", ly.shape(), lg.shape())
        }
        let out = match (y, g) {
            (CpuStorage::F32(y), CpuStorage::F32(g)) => CpuStorage::F32(mask_mul(&y[y0..y1], &g[g0..g1])),
            (CpuStorage::F64(y), CpuStorage::F64(g)) => CpuStorage::F64(mask_mul(&y[y0..y1], &g[g0..g1])),
            _ => candle_core::bail!("bea-relu-grad supports f32 and f64 only"),
        };
        Ok((out, ly.shape().clone()))
    }
    fn bwd(
        &self,
        y: &Tensor,
        _g: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        Ok((None, Some(y.apply_op2(&grad.contiguous()?, ReluGrad)?)))
    }
}

/// Whether the environment variable `BEA_UNFUSED_LINEAR` (read once) asks for candle's separate
/// ops instead of the fused layer (for A/B timing in one binary).
pub fn fused_disabled() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("BEA_UNFUSED_LINEAR").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// `act(x w + b)` for `x: (batch, in)`, `w: (in, out)`, `b: (out)`: fused on CPU for f32/f64,
/// candle's separate ops elsewhere (or everywhere when [`fused_disabled`]).
pub fn linear(x: &Tensor, w: &Tensor, b: &Tensor, act: Act) -> Result<Tensor> {
    let fused = x.device().is_cpu()
        && matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64)
        && !fused_disabled();
    if fused {
        return Ok(x.apply_op3(w, b, LinearOp { act })?);
    }
    let z = x.matmul(w)?.broadcast_add(b)?;
    Ok(match act {
        Act::Relu => z.relu()?,
        Act::Identity => z,
    })
}
