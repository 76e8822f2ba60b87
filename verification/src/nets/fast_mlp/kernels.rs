//! The fast MLP step's element-wise kernels: bias and activation, ReLU and bias gradients, softmax
//! cross-entropy, sums, squared norms and axpy (vectorised where the CPU allows).

use std::sync::Mutex;

use super::{Norms, Pattern, Ptr, Sink};

/// The input of layer l as a `(k x b)` matrix: the row-major batch `(b x k)` read through strides
/// for the first layer, the feature-major activations of the layer below otherwise. (Read only;
/// `Ptr` is `*mut` so that it can cross into the worker threads.)
pub(super) fn input_of(x: &[f32], acts: &[Vec<f32>], l: usize, k: usize, b: usize) -> (Ptr, (usize, usize)) {
    if l == 0 {
        (Ptr(x.as_ptr() as *mut f32), (1, k))
    } else {
        (Ptr(acts[l - 1].as_ptr() as *mut f32), (b, 1))
    }
}

/// `rows (r x b) += bias` per row, then the hidden activation (`None` = output layer); `mask`
/// holds the recorded pattern rows (written by `Record`, read by `Replay`).
pub(super) fn bias_act(rows: &mut [f32], bias: &[f32], b: usize, act: Option<Pattern>, mask: Option<&mut [f32]>) {
    let rows = rows.chunks_exact_mut(b).zip(bias);
    match (act, mask) {
        (None, _) => rows.for_each(|(row, &bi)| row.iter_mut().for_each(|z| *z += bi)),
        (Some(Pattern::Record), Some(m)) => {
            for ((row, &bi), mrow) in rows.zip(m.chunks_exact_mut(b)) {
                for (z, mk) in row.iter_mut().zip(mrow) {
                    *z = relu(*z + bi);
                    *mk = if *z > 0.0 { 1.0 } else { 0.0 };
                }
            }
        }
        (Some(Pattern::Replay), Some(m)) => {
            for ((row, &bi), mrow) in rows.zip(m.chunks_exact(b)) {
                row.iter_mut().zip(mrow).for_each(|(z, &mk)| *z = (*z + bi) * mk);
            }
        }
        _ => rows.for_each(|(row, &bi)| row.iter_mut().for_each(|z| *z = relu(*z + bi))),
    }
}

/// `max(z, 0)` with `z < 0` (not `!(z > 0)`) so that a NaN propagates, as in `linear::linear`.
#[inline(always)]
fn relu(z: f32) -> f32 {
    if z < 0.0 {
        0.0
    } else {
        z
    }
}

/// Lanes of the vectorisable reductions (16 f32 = one AVX-512 register).
const LANES: usize = 16;

/// `sum v` in f32 with independent lanes (a plain sequential float sum cannot be vectorised).
pub(super) fn sum_f32(v: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = v.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        acc.iter_mut().zip(c).for_each(|(a, &x)| *a += x);
    }
    acc.iter().sum::<f32>() + tail
}

/// `sum v^2`: f32 lanes within blocks of 1024, blocks added in f64 (AVX-512 / AVX2 when the CPU
/// has them; this crate is compiled for baseline x86-64).
pub(super) fn sum_sq_f64(v: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was detected at run time.
            return unsafe { sum_sq_avx512(v) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { sum_sq_avx2(v) };
        }
    }
    sum_sq_body(v)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn sum_sq_avx512(v: &[f32]) -> f64 {
    sum_sq_body(v)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sum_sq_avx2(v: &[f32]) -> f64 {
    sum_sq_body(v)
}

#[inline(always)]
fn sum_sq_body(v: &[f32]) -> f64 {
    v.chunks(1024)
        .map(|blk| {
            let mut acc = [0.0f32; LANES];
            let chunks = blk.chunks_exact(LANES);
            let tail: f32 = chunks.remainder().iter().map(|x| x * x).sum();
            for c in chunks {
                acc.iter_mut().zip(c).for_each(|(a, &x)| *a += x * x);
            }
            (acc.iter().sum::<f32>() + tail) as f64
        })
        .sum()
}

/// `t += a v` (separate multiply and add, as everywhere in candle's and this module's updates;
/// AVX-512 / AVX2 when available).
pub(super) fn axpy(t: &mut [f32], v: &[f32], a: f32) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the feature was detected at run time.
            return unsafe { axpy_avx512(t, v, a) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { axpy_avx2(t, v, a) };
        }
    }
    axpy_body(t, v, a)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn axpy_avx512(t: &mut [f32], v: &[f32], a: f32) {
    axpy_body(t, v, a)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn axpy_avx2(t: &mut [f32], v: &[f32], a: f32) {
    axpy_body(t, v, a)
}

#[inline(always)]
fn axpy_body(t: &mut [f32], v: &[f32], a: f32) {
    t.iter_mut().zip(v).for_each(|(t, &vi)| *t += a * vi);
}

/// `dA <- dA * relu'(.)` in place: the recorded pattern when replaying, else `act > 0`.
pub(super) fn relu_grad(rows: &mut [f32], act: &[f32], mask: Option<&[f32]>) {
    match mask {
        Some(m) => rows.iter_mut().zip(m).for_each(|(d, &mk)| *d *= mk),
        // A full store of a select (not a conditional store) so that it vectorises: the sign
        // pattern is random and a branch mispredicts half the time (measured: 10% of a step).
        None => rows.iter_mut().zip(act).for_each(|(d, &a)| *d = if a > 0.0 { *d } else { 0.0 }),
    }
}

/// `db = rowsum(dZ^T)` into the sink.
pub(super) fn bias_grad(dz: &[f32], b: usize, theta: Ptr, bo: usize, sink: Sink, sq: &Mutex<Vec<(usize, f64, f64)>>) {
    let (mut s_g, mut s_t) = (0.0f64, 0.0f64);
    for (j, row) in dz.chunks_exact(b).enumerate() {
        let db = sum_f32(row);
        // SAFETY: called outside the parallel region; bo + j < m.
        unsafe {
            match sink {
                Sink::Store(g, norms) => {
                    *g.at(bo + j) = db;
                    if norms != Norms::None {
                        s_g += (db as f64) * (db as f64);
                    }
                    if norms == Norms::GradAndTheta {
                        let t = *theta.at(bo + j) as f64;
                        s_t += t * t;
                    }
                }
                Sink::Update(d, scale, corr) => {
                    *d.at(bo + j) += -scale * db;
                    if let Some((beta, v)) = corr {
                        *d.at(bo + j) -= beta * *v.at(bo + j);
                        s_t += (*d.at(bo + j) as f64) * (*d.at(bo + j) as f64);
                    }
                }
            }
        }
    }
    if matches!(sink, Sink::Store(_, Norms::Grad | Norms::GradAndTheta) | Sink::Update(_, _, Some(_))) {
        sq.lock().expect("norm lock").push((bo, s_g, s_t));
    }
}

/// Mean softmax cross-entropy of logits `(c x b)` (feature-major) against `y`; writes its
/// gradient `(softmax - onehot) / b` into `dz` and returns the loss (NaN propagates).
pub(super) fn softmax_ce(logits: &[f32], y: &[u32], c: usize, dz: &mut [f32]) -> f64 {
    let b = y.len();
    let mut loss = 0.0f64;
    for (i, &yi) in y.iter().enumerate() {
        let col = |j: usize| logits[j * b + i];
        let max = (0..c).map(col).fold(f32::NEG_INFINITY, f32::max);
        let mut s = 0.0f32;
        for j in 0..c {
            let e = (col(j) - max).exp();
            dz[j * b + i] = e;
            s += e;
        }
        loss += (max + s.ln() - col(yi as usize)) as f64;
        let inv = 1.0 / (s * b as f32);
        for j in 0..c {
            dz[j * b + i] *= inv;
        }
        dz[yi as usize * b + i] -= 1.0 / b as f32;
    }
    let loss = loss / b as f64;
    if logits.iter().any(|v| v.is_nan()) {
        f64::NAN
    } else {
        loss
    }
}
