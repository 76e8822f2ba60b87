//! Residual networks with BatchNorm: a small CPU-scale ResNet and ResNet-18 (CIFAR variant:
//! 3x3 stem, no max-pool), He et al. 2016 basic blocks.

use std::sync::Mutex;

use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};
use super::models::{const_param, init_weight, Mode, Net, ReluGates};
use super::stats::Rng;

/// ResNet shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResNetConfig {
    /// Input channels (1 for (Fashion-)MNIST and digits).
    pub in_channels: usize,
    /// Channels of the first stage; stage `s` has `base_width * 2^s`.
    pub base_width: usize,
    /// Basic blocks per stage; every stage after the first halves the resolution.
    pub stage_blocks: Vec<usize>,
    /// Output classes.
    pub classes: usize,
    /// BatchNorm momentum of the running statistics.
    pub bn_momentum: f64,
}

impl Default for ResNetConfig {
    fn default() -> Self {
        ResNetConfig::small(1, 10)
    }
}

impl ResNetConfig {
    /// CPU-scale ResNet: widths 8/16/32, one basic block per stage (about 23k parameters).
    pub fn small(in_channels: usize, classes: usize) -> Self {
        ResNetConfig { in_channels, base_width: 8, stage_blocks: vec![1, 1, 1], classes, bn_momentum: 0.1 }
    }
    /// ResNet-18 (CIFAR variant): widths 64..512, blocks [2, 2, 2, 2], about 11.2M parameters.
    pub fn resnet18(in_channels: usize, classes: usize) -> Self {
        ResNetConfig { in_channels, base_width: 64, stage_blocks: vec![2, 2, 2, 2], classes, bn_momentum: 0.1 }
    }
}

/// BatchNorm over channels of `(n, c, h, w)` tensors, with running statistics for evaluation.
struct BatchNorm {
    gamma: Var,
    beta: Var,
    running: Mutex<(Tensor, Tensor)>,
    momentum: f64,
}

const BN_EPS: f64 = 1e-5;

impl BatchNorm {
    fn new(c: usize, momentum: f64, device: &Device, dtype: DType, params: &mut Vec<Var>) -> Result<Self> {
        let gamma = const_param(&[c], 1.0, device, dtype)?;
        let beta = const_param(&[c], 0.0, device, dtype)?;
        params.push(gamma.clone());
        params.push(beta.clone());
        let mean = Tensor::zeros((1, c, 1, 1), dtype, device)?;
        let var = Tensor::ones((1, c, 1, 1), dtype, device)?;
        Ok(BatchNorm { gamma, beta, running: Mutex::new((mean, var)), momentum })
    }

    fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let c = x.dim(1)?;
        let (mean, var) = if !mode.batch_stats() {
            let r = self.running.lock().expect("batch-norm statistics lock");
            (r.0.clone(), r.1.clone())
        } else {
            let mean = x.mean_keepdim((0, 2, 3))?;
            let var = x.broadcast_sub(&mean)?.sqr()?.mean_keepdim((0, 2, 3))?;
            if mode.updates_running_stats() {
                let mut r = self.running.lock().expect("batch-norm statistics lock");
                let m = self.momentum;
                r.0 = ((&r.0 * (1.0 - m))? + (mean.detach() * m)?)?;
                r.1 = ((&r.1 * (1.0 - m))? + (var.detach() * m)?)?;
            }
            (mean, var)
        };
        let xhat = x.broadcast_sub(&mean)?.broadcast_div(&(var + BN_EPS)?.sqrt()?)?;
        let g = self.gamma.as_tensor().reshape((1, c, 1, 1))?;
        let b = self.beta.as_tensor().reshape((1, c, 1, 1))?;
        Ok(xhat.broadcast_mul(&g)?.broadcast_add(&b)?)
    }
}

/// 2-D convolution without bias (BatchNorm follows).
struct Conv {
    w: Var,
    stride: usize,
    padding: usize,
}

impl Conv {
    #[allow(clippy::too_many_arguments)]
    fn new(
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        device: &Device,
        dtype: DType,
        rng: &mut Rng,
        params: &mut Vec<Var>,
    ) -> Result<Self> {
        let w = init_weight(&[cout, cin, k, k], cin * k * k, device, dtype, rng)?;
        params.push(w.clone());
        Ok(Conv { w, stride, padding: k / 2 })
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.conv2d(self.w.as_tensor(), self.padding, self.stride, 1, 1)?)
    }
}

/// conv-BN-ReLU-conv-BN plus (projected) shortcut, then ReLU.
struct Block {
    c1: Conv,
    b1: BatchNorm,
    c2: Conv,
    b2: BatchNorm,
    shortcut: Option<(Conv, BatchNorm)>,
}

struct Builder<'a> {
    device: &'a Device,
    dtype: DType,
    rng: Rng,
    params: Vec<Var>,
    momentum: f64,
}

impl Builder<'_> {
    fn conv(&mut self, cin: usize, cout: usize, k: usize, stride: usize) -> Result<Conv> {
        Conv::new(cin, cout, k, stride, self.device, self.dtype, &mut self.rng, &mut self.params)
    }
    fn bn(&mut self, c: usize) -> Result<BatchNorm> {
        BatchNorm::new(c, self.momentum, self.device, self.dtype, &mut self.params)
    }
    fn block(&mut self, cin: usize, cout: usize, stride: usize) -> Result<Block> {
        let c1 = self.conv(cin, cout, 3, stride)?;
        let b1 = self.bn(cout)?;
        let c2 = self.conv(cout, cout, 3, 1)?;
        let b2 = self.bn(cout)?;
        let shortcut =
            if stride != 1 || cin != cout { Some((self.conv(cin, cout, 1, stride)?, self.bn(cout)?)) } else { None };
        Ok(Block { c1, b1, c2, b2, shortcut })
    }
}

impl Block {
    fn forward(&self, x: &Tensor, mode: Mode, gates: &ReluGates) -> Result<Tensor> {
        let h = gates.relu(&self.b1.forward(&self.c1.forward(x)?, mode)?, mode)?;
        let h = self.b2.forward(&self.c2.forward(&h)?, mode)?;
        let s = match &self.shortcut {
            Some((c, b)) => b.forward(&c.forward(x)?, mode)?,
            None => x.clone(),
        };
        gates.relu(&(h + s)?, mode)
    }
}

/// Residual network: stem conv-BN-ReLU, stages of basic blocks, global average pool, linear head.
pub struct ResNet {
    config: ResNetConfig,
    stem: (Conv, BatchNorm),
    blocks: Vec<Block>,
    head: (Var, Var),
    params: Vec<Var>,
    gates: ReluGates,
}

impl ResNet {
    /// Build with seeded initialisation.
    pub fn new(config: &ResNetConfig, device: &Device, dtype: DType, seed: u64) -> Result<Self> {
        if config.base_width == 0 || config.stage_blocks.is_empty() || config.in_channels == 0 {
            return Err(NetsError::config("resnet", "widths, channels and stages must be positive"));
        }
        let mut b = Builder { device, dtype, rng: Rng::new(seed), params: Vec::new(), momentum: config.bn_momentum };
        let stem = (b.conv(config.in_channels, config.base_width, 3, 1)?, b.bn(config.base_width)?);
        let mut blocks = Vec::new();
        let mut cin = config.base_width;
        for (s, &n) in config.stage_blocks.iter().enumerate() {
            let cout = config.base_width << s;
            for i in 0..n {
                let stride = if s > 0 && i == 0 { 2 } else { 1 };
                blocks.push(b.block(cin, cout, stride)?);
                cin = cout;
            }
        }
        let w = init_weight(&[cin, config.classes], cin, device, dtype, &mut b.rng)?;
        let bias = const_param(&[config.classes], 0.0, device, dtype)?;
        b.params.push(w.clone());
        b.params.push(bias.clone());
        Ok(ResNet {
            config: config.clone(),
            stem,
            blocks,
            head: (w, bias),
            params: b.params,
            gates: ReluGates::default(),
        })
    }
}

impl Net for ResNet {
    fn forward(&self, x: &Tensor, mode: Mode) -> Result<Tensor> {
        let d = x.dims();
        if d.len() != 4 || d[1] != self.config.in_channels {
            return Err(NetsError::shape(format!(
                "ResNet expects images (batch, {}, h, w), got {:?}",
                self.config.in_channels, d
            )));
        }
        self.gates.begin(mode);
        let mut h = self.gates.relu(&self.stem.1.forward(&self.stem.0.forward(x)?, mode)?, mode)?;
        for b in &self.blocks {
            h = b.forward(&h, mode, &self.gates)?;
        }
        let pooled = h.mean((2, 3))?;
        Ok(pooled.matmul(self.head.0.as_tensor())?.broadcast_add(self.head.1.as_tensor())?)
    }
    fn params(&self) -> &[Var] {
        &self.params
    }
    fn flat_input(&self) -> bool {
        false
    }
    fn describe(&self) -> String {
        format!("resnet w{} blocks{:?}", self.config.base_width, self.config.stage_blocks)
    }
}
