//! Models: the [`Net`] trait, the paper's MLP and parameter initialisation.
//!
//! Parameters are plain candle [`Var`]s in a fixed order, so that gradients, finite-difference
//! Hessian-vector products and noise perturbations can treat them as one vector theta in R^m.

use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};
use super::linear::{linear, Act};
use super::resnet::{ResNet, ResNetConfig};
use super::stats::Rng;

/// Forward-pass mode.
///
/// The `*Record` / [`Mode::Replay`] pair serves finite-difference Hessian-vector products on
/// ReLU networks: the base point records every ReLU's 0/1 activation pattern and the displaced
/// point replays it, so both gradient evaluations differentiate the same smooth function and the
/// difference quotient converges to the (almost-everywhere) Hessian that double backprop gives.
/// Without it, a displacement that moves any pre-activation across zero makes the gradient jump
/// and the quotient is dominated by the jump (measured: relative errors 5-60 on the small ResNet,
/// see `tests/nets_hvp.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Training: batch statistics in BatchNorm, running statistics updated.
    Train,
    /// Training statistics but no running-statistics update.
    TrainFrozen,
    /// Evaluation: BatchNorm uses running statistics.
    Eval,
    /// As [`Mode::Train`], and record the ReLU activation patterns (first gradient of an EGR step).
    TrainRecord,
    /// As [`Mode::TrainFrozen`], and record the ReLU activation patterns.
    FrozenRecord,
    /// As [`Mode::TrainFrozen`], with every ReLU replaced by the pattern recorded last.
    Replay,
}

impl Mode {
    /// Whether BatchNorm normalises with the batch's statistics.
    pub fn batch_stats(self) -> bool {
        self != Mode::Eval
    }
    /// Whether BatchNorm updates its running statistics.
    pub fn updates_running_stats(self) -> bool {
        matches!(self, Mode::Train | Mode::TrainRecord)
    }
    fn records(self) -> bool {
        matches!(self, Mode::TrainRecord | Mode::FrozenRecord)
    }
}

/// The ReLU activation patterns of a network's last recording forward pass (see [`Mode`]).
#[derive(Default)]
pub struct ReluGates {
    state: std::sync::Mutex<(Vec<Tensor>, usize)>,
}

impl ReluGates {
    /// Start a forward pass: a recording pass forgets the old patterns, a replay rewinds.
    pub fn begin(&self, mode: Mode) {
        if mode.records() || mode == Mode::Replay {
            let mut s = self.state.lock().expect("relu gates lock");
            if mode.records() {
                s.0.clear();
            }
            s.1 = 0;
        }
    }
    /// `relu(x w + b)` through the fused `linear::linear` layer, with the same
    /// recording / replaying of the activation pattern as [`ReluGates::relu`].
    pub fn linear_relu(&self, x: &Tensor, w: &Tensor, b: &Tensor, mode: Mode) -> Result<Tensor> {
        if mode == Mode::Replay {
            return self.relu(&linear(x, w, b, Act::Identity)?, mode);
        }
        let y = linear(x, w, b, Act::Relu)?;
        if mode.records() {
            let mask = y.gt(0.0)?.to_dtype(y.dtype())?;
            self.state.lock().expect("relu gates lock").0.push(mask);
        }
        Ok(y)
    }
    /// `relu(x)` in plain modes; `x * mask` with the mask `x > 0` recorded, or replayed.
    pub fn relu(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        if mode.records() {
            let mask = x.gt(0.0)?.to_dtype(x.dtype())?;
            let out = x.mul(&mask)?;
            self.state.lock().expect("relu gates lock").0.push(mask);
            Ok(out)
        } else if mode == Mode::Replay {
            let mut s = self.state.lock().expect("relu gates lock");
            let i = s.1;
            let mask = s.0.get(i).cloned().ok_or_else(|| {
                NetsError::shape("replay without a recorded ReLU pattern (run a *Record pass on the same batch first)")
            })?;
            s.1 += 1;
            if mask.shape() != x.shape() {
                return Err(NetsError::shape(format!(
                    "recorded ReLU pattern {:?} does not fit activation {:?}",
                    mask.dims(),
                    x.dims()
                )));
            }
            Ok(x.mul(&mask)?)
        } else {
            Ok(x.relu()?)
        }
    }
}

/// A classifier with an ordered parameter list.
pub trait Net: Send {
    /// Logits of shape `(batch, classes)` for inputs `x` (flat `(batch, features)` or `(batch, c, h, w)`).
    fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor>;
    /// The trainable parameters, in a fixed order.
    fn params(&self) -> &[Var];
    /// Whether inputs are flattened images.
    fn flat_input(&self) -> bool;
    /// Short description, e.g. `mlp 64-32x5-10`.
    fn describe(&self) -> String;
}

/// Which architecture to build (serialisable, part of a run's configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ModelSpec {
    /// Fully connected ReLU network.
    Mlp(MlpConfig),
    /// Residual network with BatchNorm.
    ResNet(ResNetConfig),
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::Mlp(MlpConfig::default())
    }
}

/// MLP shape: `input -> hidden[0] -> ... -> classes`, ReLU between layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Input features (64 for digits, 784 for MNIST).
    pub input: usize,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Output classes.
    pub classes: usize,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig::paper(64, 32, 10)
    }
}

impl MlpConfig {
    /// The paper's MLP (Section 6): 5 hidden layers of width `width`, then the output layer.
    /// For MNIST and `width = 400` this has m = 959,610 parameters (Figure A.6's legend).
    ///
    /// ```
    /// use bea_verification::nets::models::MlpConfig;
    /// assert_eq!(MlpConfig::paper(784, 400, 10).param_count(), 959_610);
    /// assert_eq!(MlpConfig::paper(784, 50, 10).param_count(), 49_960);
    /// ```
    pub fn paper(input: usize, width: usize, classes: usize) -> Self {
        MlpConfig { input, hidden: vec![width; 5], classes }
    }
    /// Number of parameters.
    pub fn param_count(&self) -> usize {
        let mut dims = vec![self.input];
        dims.extend(&self.hidden);
        dims.push(self.classes);
        dims.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }
}

impl ModelSpec {
    /// Build the model with seeded initialisation.
    pub fn build(&self, device: &Device, dtype: DType, seed: u64) -> Result<Box<dyn Net>> {
        Ok(match self {
            ModelSpec::Mlp(c) => Box::new(Mlp::new(c, device, dtype, seed)?),
            ModelSpec::ResNet(c) => Box::new(ResNet::new(c, device, dtype, seed)?),
        })
    }
}

/// Truncated-normal initialisation (cut at 2 standard deviations) with `std = 1/sqrt(fan_in)`,
/// Haiku's default for `hk.Linear` and `hk.Conv2D`, which the paper used.
pub fn init_weight(shape: &[usize], fan_in: usize, device: &Device, dtype: DType, rng: &mut Rng) -> Result<Var> {
    let std = 1.0 / (fan_in as f64).sqrt();
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n)
        .map(|_| loop {
            let z = rng.normal();
            if z.abs() <= 2.0 {
                break z * std / 0.8796;
            }
        })
        .collect();
    let t = Tensor::from_vec(vals, shape, device)?.to_dtype(dtype)?;
    Ok(Var::from_tensor(&t)?)
}

/// A parameter filled with a constant.
pub fn const_param(shape: &[usize], value: f64, device: &Device, dtype: DType) -> Result<Var> {
    let t = (Tensor::ones(shape, dtype, device)? * value)?;
    Ok(Var::from_tensor(&t)?)
}

/// Fully connected ReLU network; weights stored `(in, out)` so a layer is `x W + b`.
pub struct Mlp {
    config: MlpConfig,
    params: Vec<Var>,
    gates: ReluGates,
}

impl Mlp {
    /// Build with seeded initialisation.
    pub fn new(config: &MlpConfig, device: &Device, dtype: DType, seed: u64) -> Result<Self> {
        if config.input == 0 || config.classes == 0 || config.hidden.contains(&0) {
            return Err(NetsError::config("mlp", "all layer widths must be positive"));
        }
        let mut rng = Rng::new(seed);
        let mut dims = vec![config.input];
        dims.extend(&config.hidden);
        dims.push(config.classes);
        let mut params = Vec::new();
        for w in dims.windows(2) {
            params.push(init_weight(&[w[0], w[1]], w[0], device, dtype, &mut rng)?);
            params.push(const_param(&[w[1]], 0.0, device, dtype)?);
        }
        Ok(Mlp { config: config.clone(), params, gates: ReluGates::default() })
    }
}

impl Net for Mlp {
    fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let dims = x.dims();
        if dims.len() != 2 || dims[1] != self.config.input {
            return Err(NetsError::shape(format!("MLP expects inputs (batch, {}), got {:?}", self.config.input, dims)));
        }
        let layers = self.params.len() / 2;
        self.gates.begin(mode);
        let mut h = x.clone();
        for (i, wb) in self.params.chunks(2).enumerate() {
            let (w, b) = (wb[0].as_tensor(), wb[1].as_tensor());
            h = if i + 1 < layers { self.gates.linear_relu(&h, w, b, mode)? } else { linear(&h, w, b, Act::Identity)? };
        }
        Ok(h)
    }
    fn params(&self) -> &[Var] {
        &self.params
    }
    fn flat_input(&self) -> bool {
        true
    }
    fn describe(&self) -> String {
        let hidden: Vec<String> = self.config.hidden.iter().map(|h| h.to_string()).collect();
        format!("mlp {}-{}-{}", self.config.input, hidden.join("-"), self.config.classes)
    }
}
