//! Full-set evaluation (loss, accuracy, R_IG, slope) and the parameter-noise analysis of
//! Predictions 2.2 and 2.4 (Figure 3a, 3b).

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use super::data::Split;
use super::error::{NetsError, Result};
use super::hvp::{batch_loss, scalar};
use super::models::{Mode, Net};
use super::params;
use super::runlog::{EvalRecord, NoisePoint};
use super::stats::{mean, std_dev, Rng};
use super::train::TrainConfig;

/// Train and test sets resident on the device.
pub struct DeviceData {
    /// The device.
    pub device: Device,
    /// Train inputs.
    pub x_train: Tensor,
    /// Train labels (u32).
    pub y_train: Tensor,
    /// Test inputs.
    pub x_test: Tensor,
    /// Test labels (u32).
    pub y_test: Tensor,
}

impl DeviceData {
    /// Upload a split (`flat` = flattened images for MLPs).
    pub fn new(split: &Split, device: &Device, dtype: DType, flat: bool) -> Result<Self> {
        Ok(DeviceData {
            device: device.clone(),
            x_train: split.train.images_tensor(device, dtype, flat)?,
            y_train: split.train.labels_tensor(device)?,
            x_test: split.test.images_tensor(device, dtype, flat)?,
            y_test: split.test.labels_tensor(device)?,
        })
    }
}

/// Whole-set statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetStats {
    /// Mean loss.
    pub loss: f64,
    /// Accuracy in [0, 1].
    pub acc: f64,
    /// `||grad E||^2` of the mean loss (only if requested).
    pub grad_sq: f64,
}

/// Loss, accuracy and (optionally) squared gradient norm of the mean loss over a whole set,
/// in chunks (evaluation mode). A Ctrl-C ([`crate::nets::interrupt`]) is answered between chunks with
/// [`NetsError::Interrupted`]: one evaluation of ResNet-18 on a GPU takes tens of seconds, and on the GPU machine a
/// stop arriving during one was not acted on before the kill that followed it.
pub fn set_stats(net: &dyn Net, x: &Tensor, y: &Tensor, chunk: usize, with_grad: bool) -> Result<SetStats> {
    let n = x.dim(0)?;
    let (mut loss, mut correct) = (0.0, 0.0);
    let mut acc_grad: Option<Vec<Tensor>> = None;
    for start in (0..n).step_by(chunk) {
        if crate::nets::interrupt::stop_requested() {
            return Err(NetsError::Interrupted);
        }
        let len = chunk.min(n - start);
        let (xc, yc) = (x.narrow(0, start, len)?, y.narrow(0, start, len)?);
        let logits = net.forward(&xc, Mode::Eval)?;
        let pred = logits.argmax(1)?;
        correct += scalar(&pred.eq(&yc)?.to_dtype(DType::F64)?.sum_all()?)?;
        let l = candle_nn::loss::cross_entropy(&logits, &yc)?;
        let w = len as f64 / n as f64;
        loss += scalar(&l)? * w;
        if with_grad {
            let g = params::grads(&(l * w)?, net.params())?;
            acc_grad = Some(match acc_grad {
                None => g,
                Some(a) => a.iter().zip(&g).map(|(a, b)| a + b).collect::<candle_core::Result<_>>()?,
            });
        }
    }
    let grad_sq = match acc_grad {
        Some(g) => params::sq_norm(&g)?,
        None => 0.0,
    };
    Ok(SetStats { loss, acc: correct / n as f64, grad_sq })
}

/// One evaluation record at `step` (`epoch_per_step` = batch / n_train).
pub fn evaluate(
    net: &dyn Net,
    d: &DeviceData,
    step: usize,
    t: &TrainConfig,
    epoch_per_step: f64,
    wall_s: f64,
) -> Result<EvalRecord> {
    let m = params::count(net.params()) as f64;
    let tr = set_stats(net, &d.x_train, &d.y_train, t.eval_chunk, true)?;
    let te = set_stats(net, &d.x_test, &d.y_test, t.eval_chunk, true)?;
    Ok(EvalRecord {
        step,
        epoch: step as f64 * epoch_per_step,
        physical_time: step as f64 * t.learning_rate,
        train_loss: tr.loss,
        train_acc: tr.acc,
        r_ig: tr.grad_sq / m,
        lambda: t.learning_rate * m / 4.0,
        slope: tr.grad_sq.sqrt(),
        test_loss: te.loss,
        test_acc: te.acc,
        test_r_ig: te.grad_sq / m,
        param_norm: params::norm(net.params())?,
        wall_s,
    })
}

/// Parameter-noise analysis settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseConfig {
    /// Noise levels sigma (1.0 = 100%); the paper goes up to 3.0.
    pub sigmas: Vec<f64>,
    /// Realisations per level for test accuracy (the paper: 100).
    pub realisations: usize,
    /// Realisations per level for the slope (each needs a full train-set gradient).
    pub slope_realisations: usize,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for NoiseConfig {
    fn default() -> Self {
        NoiseConfig {
            sigmas: vec![0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0],
            realisations: 100,
            slope_realisations: 10,
            seed: 7,
        }
    }
}

/// Test accuracy and slope under `theta (1 + eta)` noise around `base`; parameters are
/// restored to `base` afterwards.
pub fn noise_analysis(
    net: &dyn Net,
    d: &DeviceData,
    base: &[Tensor],
    cfg: &NoiseConfig,
    t: &TrainConfig,
) -> Result<Vec<NoisePoint>> {
    let mut rng = Rng::new(cfg.seed);
    let mut out = Vec::with_capacity(cfg.sigmas.len());
    for &sigma in &cfg.sigmas {
        let (mut accs, mut slopes) = (vec![], vec![]);
        let reps = if sigma == 0.0 { 1 } else { cfg.realisations.max(1) };
        for r in 0..reps {
            if crate::nets::interrupt::stop_requested() {
                // The caller marks the run interrupted; a partial analysis is not kept.
                params::restore(net.params(), base)?;
                return Ok(out);
            }
            params::set_multiplicative_noise(net.params(), base, sigma, &mut rng)?;
            let with_grad = r < cfg.slope_realisations.max(1);
            let stats = set_stats(net, &d.x_test, &d.y_test, t.eval_chunk, false).and_then(|te| {
                let tr =
                    if with_grad { Some(set_stats(net, &d.x_train, &d.y_train, t.eval_chunk, true)?) } else { None };
                Ok((te, tr))
            });
            let (te, tr) = match stats {
                Err(NetsError::Interrupted) => {
                    params::restore(net.params(), base)?;
                    return Ok(out);
                }
                other => other?,
            };
            accs.push(te.acc);
            slopes.extend(tr.map(|tr| tr.grad_sq.sqrt()));
        }
        out.push(NoisePoint {
            sigma,
            acc_mean: mean(&accs),
            acc_std: std_dev(&accs),
            slope_mean: mean(&slopes),
            slope_std: std_dev(&slopes),
            realisations: reps,
        });
    }
    params::restore(net.params(), base)?;
    Ok(out)
}

/// Batch loss as f64 (convenience for tests and benches).
pub fn loss_value(net: &dyn Net, x: &Tensor, y: &Tensor) -> Result<f64> {
    scalar(&batch_loss(net, x, y, Mode::Eval)?)
}
