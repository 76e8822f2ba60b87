//! Training runs: full-batch GD or SGD with plain learning rate h, optional EGR, periodic
//! evaluation of the IGR quantities, divergence detection and clean interruption.
//!
//! The step of an f32 MLP on the CPU (plain, or EGR with the forward-difference HVP) runs on the
//! hand-written [`FastMlp`] ([`Engine::Auto`]); everything else, and any run with
//! [`Engine::Candle`], on candle's autograd. Both draw the same batches; the candle parameters
//! are brought up to date before every evaluation, so evaluation, logging and the noise analysis
//! do not depend on the engine.

use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use super::data::{DataConfig, Dataset, Split};
use super::device::{open_device, DeviceKind, Precision};
use super::error::{NetsError, Result};
use super::fast_mlp::{self, FastMlp};
use super::hvp::{egr_grad, HvpConfig, HvpMethod};
use super::interrupt;
use super::metrics::{evaluate, noise_analysis, DeviceData, NoiseConfig};
use super::models::{ModelSpec, Net};
use super::params;
use super::runlog::{write_run, EvalRecord, RunStatus, RunSummary};
use super::stats::Rng;

/// Optimisation settings of one run (named fields; `Default` is a small digits MLP run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Learning rate h.
    pub learning_rate: f64,
    /// Mini-batch size; `None` = full-batch gradient descent.
    pub batch_size: Option<usize>,
    /// Optimiser steps.
    pub steps: usize,
    /// Evaluate every this many steps (and at the first and last step).
    pub eval_every: usize,
    /// EGR rate mu (0 = plain GD/SGD).
    pub mu: f64,
    /// Hessian-vector product settings for EGR.
    pub hvp: HvpConfig,
    /// Seed of initialisation and batch order.
    pub seed: u64,
    /// Stop after this many evaluations without a new maximum of test accuracy, once train
    /// accuracy has reached 100% (`None` = never stop early).
    pub patience: Option<usize>,
    /// Chunk size of full-set evaluations.
    pub eval_chunk: usize,
    /// Parameter-noise robustness analysis at the time of maximum test accuracy.
    pub noise: Option<NoiseConfig>,
    /// Precision.
    pub precision: Precision,
    /// Device.
    pub device: DeviceKind,
    /// Which implementation runs the training step.
    #[serde(default)]
    pub engine: Engine,
}

/// The implementation of the training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// [`FastMlp`] for f32 MLPs on the CPU (plain steps, or EGR with the forward-difference HVP;
    /// threads from [`fast_mlp::default_threads`]); candle's autograd otherwise.
    #[default]
    Auto,
    /// candle's autograd always (the reference implementation).
    Candle,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            learning_rate: 0.05,
            batch_size: Some(32),
            steps: 1000,
            eval_every: 100,
            mu: 0.0,
            hvp: HvpConfig::default(),
            seed: 0,
            patience: None,
            eval_chunk: 1000,
            noise: None,
            precision: Precision::F32,
            device: DeviceKind::Cpu,
            engine: Engine::Auto,
        }
    }
}

/// A complete, independent run: id, data, model and optimisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RunSpec {
    /// Unique id, also the result file's stem.
    pub id: String,
    /// Data.
    pub data: DataConfig,
    /// Model.
    pub model: ModelSpec,
    /// Optimisation.
    pub train: TrainConfig,
}

/// Result of [`train_run`]: the summary and all evaluation records.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// Summary.
    pub summary: RunSummary,
    /// Evaluations in order.
    pub evals: Vec<EvalRecord>,
}

fn validate(spec: &RunSpec, split: &Split) -> Result<()> {
    let t = &spec.train;
    if let Some(b) = t.batch_size {
        if b == 0 || b > split.train.len() {
            return Err(NetsError::config(
                "batch_size",
                format!("{b} is not in 1..={} (the training-set size)", split.train.len()),
            ));
        }
    }
    if !(t.learning_rate > 0.0 && t.learning_rate.is_finite()) {
        return Err(NetsError::config("learning_rate", format!("{} must be positive and finite", t.learning_rate)));
    }
    if t.eval_every == 0 || t.eval_chunk == 0 {
        return Err(NetsError::config("eval_every/eval_chunk", "must be positive"));
    }
    if !(t.mu >= 0.0 && t.mu.is_finite()) {
        return Err(NetsError::config("mu", format!("{} must be non-negative", t.mu)));
    }
    Ok(())
}

/// Batch sampler: a fresh seeded permutation per epoch, batches of consecutive indices.
struct Sampler {
    n: usize,
    batch: usize,
    order: Vec<u32>,
    pos: usize,
    rng: Rng,
}

impl Sampler {
    /// The next batch's indices (`None` = the whole set).
    fn next_ids(&mut self) -> Option<&[u32]> {
        if self.batch == self.n {
            return None;
        }
        if self.pos + self.batch > self.order.len() {
            self.order = (0..self.n as u32).collect();
            self.rng.shuffle(&mut self.order);
            self.pos = 0;
        }
        self.pos += self.batch;
        Some(&self.order[self.pos - self.batch..self.pos])
    }
    fn next(&mut self, device: &Device) -> Result<Option<Tensor>> {
        self.next_ids().map(|ids| Ok(Tensor::from_slice(ids, ids.len(), device)?)).transpose()
    }
}

/// The training-step implementation of a run (see [`Engine`]).
enum Stepper {
    Candle,
    Fast {
        net: Box<FastMlp>,
        /// Reused batch buffers.
        x: Vec<f32>,
        y: Vec<u32>,
        /// Whether the candle parameters lag behind.
        dirty: bool,
    },
}

impl Stepper {
    fn new(spec: &RunSpec, net: &dyn Net) -> Result<Self> {
        let t = &spec.train;
        let fast = t.engine == Engine::Auto
            && t.precision == Precision::F32
            && t.device == DeviceKind::Cpu
            && (t.mu == 0.0 || t.hvp.method == HvpMethod::Forward);
        Ok(match &spec.model {
            ModelSpec::Mlp(c) if fast => Stepper::Fast {
                net: Box::new(FastMlp::from_vars(c, net.params(), fast_mlp::default_threads())?),
                x: vec![],
                y: vec![],
                dirty: false,
            },
            _ => Stepper::Candle,
        })
    }
    fn step(
        &mut self,
        net: &dyn Net,
        data: &DeviceData,
        train: &Dataset,
        s: &mut Sampler,
        t: &TrainConfig,
    ) -> Result<f64> {
        let Stepper::Fast { net: f, x, y, dirty } = self else { return step(net, data, s, t) };
        let k = train.image_len();
        let xs: &[f32] = match s.next_ids() {
            Some(ids) => {
                x.clear();
                y.clear();
                for &i in ids {
                    let i = i as usize;
                    x.extend_from_slice(&train.pixels[i * k..(i + 1) * k]);
                    y.push(u32::from(train.labels[i]));
                }
                x
            }
            None => {
                if y.len() != train.len() {
                    *y = train.labels.iter().map(|&l| u32::from(l)).collect();
                }
                &train.pixels
            }
        };
        *dirty = true;
        f.egr_step(xs, y, t.learning_rate, t.mu, t.hvp.eps_rel)
    }
    /// Bring the candle parameters up to date.
    fn sync(&mut self, net: &dyn Net) -> Result<()> {
        if let Stepper::Fast { net: f, dirty, .. } = self {
            if *dirty {
                f.store_vars(net.params())?;
                *dirty = false;
            }
        }
        Ok(())
    }
}

/// One optimiser step; returns the batch loss.
fn step(net: &dyn Net, data: &DeviceData, sampler: &mut Sampler, t: &TrainConfig) -> Result<f64> {
    let (x, y) = match sampler.next(&data.device)? {
        Some(ids) => (data.x_train.index_select(&ids, 0)?, data.y_train.index_select(&ids, 0)?),
        None => (data.x_train.clone(), data.y_train.clone()),
    };
    let g = egr_grad(net, &x, &y, t.mu, &t.hvp)?;
    if !g.loss.is_finite() {
        return Ok(g.loss);
    }
    params::axpy(net.params(), -t.learning_rate, &g.total)?;
    Ok(g.loss)
}

/// Per-run state of the loop.
struct Progress {
    evals: Vec<EvalRecord>,
    best: Option<(EvalRecord, Vec<Tensor>)>,
    since_best: usize,
    step_time: f64,
}

impl Progress {
    fn record(&mut self, net: &dyn Net, r: EvalRecord) -> Result<()> {
        if self.best.as_ref().is_none_or(|(b, _)| r.test_acc > b.test_acc) {
            self.best = Some((r.clone(), params::snapshot(net.params())?));
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        self.evals.push(r);
        Ok(())
    }
    fn full_train(&self) -> bool {
        self.evals.iter().any(|e| e.train_acc >= 1.0)
    }
}

/// Train one run on an already loaded split, writing its file to `out` (if given) after every
/// evaluation. A NaN/inf loss ends the run as `diverged` (not an error).
pub fn train_run(spec: &RunSpec, split: &Split, out: Option<&Path>, bar: Option<&ProgressBar>) -> Result<RunOutcome> {
    validate(spec, split)?;
    params::tune_allocator();
    let t = &spec.train;
    let device = open_device(t.device)?;
    let net = spec.model.build(&device, t.precision.dtype(), t.seed)?;
    let data = DeviceData::new(split, &device, t.precision.dtype(), net.flat_input())?;
    let n = split.train.len();
    let batch = t.batch_size.unwrap_or(n);
    let mut sampler = Sampler { n, batch, order: vec![], pos: usize::MAX / 2, rng: Rng::new(t.seed ^ 0xBA7C) };
    let start = Instant::now();
    let mut p = Progress { evals: vec![], best: None, since_best: 0, step_time: 0.0 };
    let (mut status, mut diverged_at, mut done) = (RunStatus::Finished, None, 0);
    let m = params::count(net.params());
    let mut stepper = Stepper::new(spec, net.as_ref())?;
    for s in 0..=t.steps {
        if s % t.eval_every == 0 || s == t.steps {
            stepper.sync(net.as_ref())?;
            let r = match evaluate(net.as_ref(), &data, s, t, batch as f64 / n as f64, start.elapsed().as_secs_f64()) {
                // Ctrl-C during the evaluation: the run stops as after a step (its unfinished evaluation is dropped).
                Err(NetsError::Interrupted) => {
                    status = RunStatus::Interrupted;
                    break;
                }
                r => r?,
            };
            if !r.train_loss.is_finite() {
                (status, diverged_at) = (RunStatus::Diverged, Some(s));
                break;
            }
            p.record(net.as_ref(), r)?;
            if let Some(path) = out {
                write_run(path, spec, &p.evals, None)?;
            }
            if t.patience.is_some_and(|k| p.full_train() && p.since_best >= k) {
                break;
            }
        }
        if s == t.steps {
            break;
        }
        if interrupt::stop_requested() {
            status = RunStatus::Interrupted;
            break;
        }
        let t0 = Instant::now();
        let loss = stepper.step(net.as_ref(), &data, &split.train, &mut sampler, t)?;
        p.step_time += t0.elapsed().as_secs_f64();
        done = s + 1;
        if !loss.is_finite() {
            (status, diverged_at) = (RunStatus::Diverged, Some(s));
            break;
        }
        if let Some(b) = bar {
            b.set_position(done as u64);
        }
    }
    stepper.sync(net.as_ref())?;
    finish(spec, net.as_ref(), &data, p, (status, diverged_at, done, m), start, out)
}

fn finish(
    spec: &RunSpec,
    net: &dyn Net,
    data: &DeviceData,
    p: Progress,
    (status, diverged_at, done, m): (RunStatus, Option<usize>, usize, usize),
    start: Instant,
    out: Option<&Path>,
) -> Result<RunOutcome> {
    let t = &spec.train;
    let mut status = status;
    let mut noise = match (&t.noise, &p.best, status) {
        (Some(cfg), Some((_, snap)), RunStatus::Finished) => noise_analysis(net, data, snap, cfg, t)?,
        _ => vec![],
    };
    // Ctrl-C during the last evaluation or the noise analysis: the run is not finished (a rerun redoes it).
    if status == RunStatus::Finished && interrupt::stop_requested() {
        status = RunStatus::Interrupted;
        noise.clear();
    }
    let summary = RunSummary {
        id: spec.id.clone(),
        status,
        params: m,
        learning_rate: t.learning_rate,
        lambda: t.learning_rate * m as f64 / 4.0,
        mu: t.mu,
        steps_done: done,
        diverged_at,
        reached_full_train_acc: p.full_train(),
        best: p.best.as_ref().map(|(b, _)| b.clone()),
        noise,
        wall_s: start.elapsed().as_secs_f64(),
        step_s: if done > 0 { p.step_time / done as f64 } else { 0.0 },
    };
    if let Some(path) = out {
        write_run(path, spec, &p.evals, Some(&summary))?;
    }
    Ok(RunOutcome { summary, evals: p.evals })
}
