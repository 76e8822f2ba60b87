//! Run records and their JSONL files, written atomically (temp file + rename).
//!
//! One file per run, `<out_dir>/<run id>.jsonl`: a `config` line, one `eval` line per
//! evaluation step, and a final `summary` line. A run whose file ends with a `finished` or
//! `diverged` summary for the same configuration is skipped when a sweep is rerun.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};
use super::train::RunSpec;

/// Metrics at one evaluation step (Section 6 / Appendix A.5 quantities).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// Optimiser steps done.
    pub step: usize,
    /// Epochs done (`step * batch / n_train`).
    pub epoch: f64,
    /// Physical time `T = step * h`.
    pub physical_time: f64,
    /// Train loss E (whole train set, evaluation mode).
    pub train_loss: f64,
    /// Train accuracy in [0, 1].
    pub train_acc: f64,
    /// `R_IG = ||grad E||^2 / m` over the train set.
    pub r_ig: f64,
    /// `lambda = h m / 4`.
    pub lambda: f64,
    /// Loss-surface slope `sqrt(m R_IG) = ||grad E||` (Corollary A.6.1).
    pub slope: f64,
    /// Test loss.
    pub test_loss: f64,
    /// Test accuracy in [0, 1].
    pub test_acc: f64,
    /// `R_IG` of the test loss.
    pub test_r_ig: f64,
    /// `||theta||`.
    pub param_norm: f64,
    /// Seconds since the run started.
    pub wall_s: f64,
}

/// Test accuracy and slope under multiplicative parameter noise `theta (1 + eta)`, `eta ~ N(0, sigma)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoisePoint {
    /// Noise level sigma (1.0 = 100%).
    pub sigma: f64,
    /// Mean test accuracy over realisations.
    pub acc_mean: f64,
    /// Standard deviation of test accuracy.
    pub acc_std: f64,
    /// Mean slope `||grad E||` over the train set.
    pub slope_mean: f64,
    /// Standard deviation of the slope.
    pub slope_std: f64,
    /// Realisations used for accuracy (slope uses at most as many).
    pub realisations: usize,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// All steps done (or stopped early by the patience rule).
    Finished,
    /// The loss became NaN or infinite.
    Diverged,
    /// Stopped by Ctrl-C; will be rerun.
    Interrupted,
}

/// Summary of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Run id.
    pub id: String,
    /// How it ended.
    pub status: RunStatus,
    /// Number of parameters m.
    pub params: usize,
    /// Learning rate h.
    pub learning_rate: f64,
    /// `lambda = h m / 4`.
    pub lambda: f64,
    /// EGR rate mu.
    pub mu: f64,
    /// Steps done.
    pub steps_done: usize,
    /// Step at which the loss became non-finite, if it did.
    pub diverged_at: Option<usize>,
    /// Whether some evaluation reached 100% train accuracy.
    pub reached_full_train_acc: bool,
    /// The evaluation with maximal test accuracy (first one on ties).
    pub best: Option<EvalRecord>,
    /// Noise robustness at the best parameters (empty unless configured).
    pub noise: Vec<NoisePoint>,
    /// Seconds of training and evaluation.
    pub wall_s: f64,
    /// Mean seconds per optimiser step (training only).
    pub step_s: f64,
}

/// One line of a run file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[allow(clippy::large_enum_variant)]
pub enum RunLine {
    /// The run's configuration.
    Config(RunSpec),
    /// One evaluation.
    Eval(EvalRecord),
    /// The final summary.
    Summary(RunSummary),
}

/// A parsed run file.
#[derive(Debug, Clone, Default)]
pub struct RunFile {
    /// Configuration line, if present.
    pub spec: Option<RunSpec>,
    /// Evaluation lines in order.
    pub evals: Vec<EvalRecord>,
    /// Summary line, if present.
    pub summary: Option<RunSummary>,
}

/// Path of a run's file.
pub fn run_path(out_dir: &Path, id: &str) -> PathBuf {
    out_dir.join(format!("{id}.jsonl"))
}

/// Write `contents` to `path` atomically: a temp file in the same directory, then rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    // One implementation for every file bea writes (this one used the older `.NAME.tmpPID` temporary name and left
    // the temporary file behind when the rename failed).
    crate::report::write_atomic(path, contents).map_err(|e| match e {
        crate::report::ReportError::Io { path, source } => NetsError::io(path, source),
        other => NetsError::io(path, std::io::Error::other(other.to_string())),
    })
}

/// Serialise a run file (config, evals, optional summary) and write it atomically.
pub fn write_run(path: &Path, spec: &RunSpec, evals: &[EvalRecord], summary: Option<&RunSummary>) -> Result<()> {
    let mut out = String::new();
    let mut push = |line: RunLine| -> Result<()> {
        let s = serde_json::to_string(&line)
            .map_err(|e| NetsError::Json { what: path.display().to_string(), source: e })?;
        out.push_str(&s);
        out.push('\n');
        Ok(())
    };
    push(RunLine::Config(spec.clone()))?;
    for e in evals {
        push(RunLine::Eval(e.clone()))?;
    }
    if let Some(s) = summary {
        push(RunLine::Summary(s.clone()))?;
    }
    write_atomic(path, out.as_bytes())
}

/// Read a run file.
pub fn read_run(path: &Path) -> Result<RunFile> {
    let text = std::fs::read_to_string(path).map_err(|e| NetsError::io(path, e))?;
    let mut rf = RunFile::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed: RunLine =
            serde_json::from_str(line).map_err(|e| NetsError::Json { what: path.display().to_string(), source: e })?;
        match parsed {
            RunLine::Config(s) => rf.spec = Some(s),
            RunLine::Eval(e) => rf.evals.push(e),
            RunLine::Summary(s) => rf.summary = Some(s),
        }
    }
    Ok(rf)
}

/// The finished run stored at `path` for exactly this configuration, if any.
pub fn finished_run(path: &Path, spec: &RunSpec) -> Option<RunFile> {
    let rf = read_run(path).ok()?;
    let done = matches!(rf.summary.as_ref()?.status, RunStatus::Finished | RunStatus::Diverged);
    (done && rf.spec.as_ref() == Some(spec)).then_some(rf)
}

/// The settings in which a finished (or diverged) run at `path` differs from `spec`, as `key: old -> new` (at most
/// three), or `None` when there is no such run or it has the same settings. Run ids name only the swept settings
/// (width, h, batch, mu, seed), so a run of another configuration (other --steps, --eval-every, dataset) can have
/// the same id (found by review: a rerun replaced a finished 6000-step run by a 100-step one without a word).
pub fn finished_with_other_settings(path: &Path, spec: &RunSpec) -> Option<String> {
    let rf = read_run(path).ok()?;
    if !matches!(rf.summary.as_ref()?.status, RunStatus::Finished | RunStatus::Diverged) {
        return None;
    }
    let old = rf.spec?;
    if &old == spec {
        return None;
    }
    let (a, b) = (serde_json::to_value(&old).ok()?, serde_json::to_value(spec).ok()?);
    let mut diffs = Vec::new();
    leaf_diffs("", &a, &b, &mut diffs);
    Some(if diffs.is_empty() {
        "its settings".to_string()
    } else {
        diffs.into_iter().take(3).collect::<Vec<_>>().join(", ")
    })
}

fn leaf_diffs(prefix: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                leaf_diffs(&key, va, y.get(k).unwrap_or(&Value::Null), out);
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.push(format!("{key}: null -> {vb}"));
            }
        }
        _ if a != b => out.push(format!("{prefix}: {a} -> {b}")),
        _ => {}
    }
}
