//! Sweeps: lists of independent runs, one result file each in `out_dir`.
//!
//! A rerun skips runs whose file holds a finished (or diverged) summary for the same
//! configuration, so an interrupted sweep loses nothing finished. To spread a sweep over many
//! machines, give every job the same run list and a different shard (`shard(&runs, i, n)`,
//! e.g. `i = $SLURM_ARRAY_TASK_ID`), point all jobs at one shared `out_dir` (or copy the
//! `*.jsonl` files together afterwards), then run the experiment once more locally: every run
//! is then skipped and only the verdicts and plots are computed.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::data::{self, DataConfig, Split};
use super::error::{NetsError, Result};
use super::interrupt;
use super::runlog::{finished_run, finished_with_other_settings, run_path, EvalRecord, RunStatus, RunSummary};
use super::train::{train_run, RunSpec};

/// Sweep settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepConfig {
    /// Directory of the per-run JSONL files.
    pub out_dir: PathBuf,
    /// Show indicatif progress bars (hidden anyway when stderr is not a terminal).
    pub progress: bool,
    /// Install the Ctrl-C handler (stop after the current step, mark the run interrupted).
    pub handle_ctrl_c: bool,
    /// Run only shard `index` of `count` (round-robin over the run list), if set.
    pub shard: Option<(usize, usize)>,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig { out_dir: PathBuf::from("results/nets"), progress: true, handle_ctrl_c: true, shard: None }
    }
}

/// A finished (or diverged) run read back or just trained.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Its configuration.
    pub spec: RunSpec,
    /// Its summary.
    pub summary: RunSummary,
    /// Its evaluations.
    pub evals: Vec<EvalRecord>,
}

/// Outcome of a sweep.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    /// Completed runs (trained now or skipped as already done), in run-list order.
    pub runs: Vec<RunRecord>,
    /// How many were skipped because their file was already complete.
    pub skipped: usize,
    /// Whether Ctrl-C stopped the sweep.
    pub interrupted: bool,
}

/// The runs of shard `index` of `count` (round-robin).
pub fn shard(runs: &[RunSpec], index: usize, count: usize) -> Vec<RunSpec> {
    runs.iter().enumerate().filter(|(i, _)| count > 0 && i % count == index).map(|(_, r)| r.clone()).collect()
}

fn check_ids(runs: &[RunSpec]) -> Result<()> {
    let mut ids: Vec<&str> = runs.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(NetsError::config(
            "id",
            format!(
                "duplicate run id {}: two runs of the sweep have the same settings (a width, learning rate, mu or seed \
                 listed twice in --widths, --learning-rates, --mus or --seeds?)",
                w[0]
            ),
        ));
    }
    if runs.iter().any(|r| r.id.is_empty() || r.id.contains(['/', '\\'])) {
        return Err(NetsError::config("id", "run ids must be non-empty file stems"));
    }
    Ok(())
}

fn split_for<'a>(cache: &'a mut Vec<(DataConfig, Split)>, cfg: &DataConfig) -> Result<&'a Split> {
    if let Some(i) = cache.iter().position(|(c, _)| c == cfg) {
        return Ok(&cache[i].1);
    }
    cache.push((cfg.clone(), data::load(cfg)?));
    Ok(&cache.last().expect("just pushed").1)
}

fn bar_for(cfg: &SweepConfig, spec: &RunSpec, k: usize, total: usize) -> Option<ProgressBar> {
    if !cfg.progress {
        return None;
    }
    let b = ProgressBar::new(spec.train.steps as u64);
    let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps {elapsed_precise} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    b.set_style(style);
    b.set_prefix(format!("run {}/{} {}", k + 1, total, spec.id));
    Some(b)
}

/// Run every spec (or this shard's), skipping complete files; diverged runs do not stop the sweep.
pub fn run_sweep(runs: &[RunSpec], cfg: &SweepConfig) -> Result<SweepOutcome> {
    check_ids(runs)?;
    let runs = match cfg.shard {
        Some((i, n)) if i < n => shard(runs, i, n),
        Some((i, n)) => return Err(NetsError::config("shard", format!("index {i} not below count {n}"))),
        None => runs.to_vec(),
    };
    if cfg.handle_ctrl_c {
        interrupt::install_handler();
    }
    // A finished run of another configuration under the same id is data: refuse to replace it, before training
    // anything.
    for spec in &runs {
        let path = run_path(&cfg.out_dir, &spec.id);
        if let Some(diff) = finished_with_other_settings(&path, spec) {
            return Err(NetsError::config(
                "out",
                format!(
                    "{} holds a finished run of another configuration ({diff}); a rerun would replace it: use \
                     another --out, or delete the file to rerun it",
                    path.display()
                ),
            ));
        }
    }
    let mut cache = Vec::new();
    let mut out = SweepOutcome { runs: vec![], skipped: 0, interrupted: false };
    for (k, spec) in runs.iter().enumerate() {
        let path = run_path(&cfg.out_dir, &spec.id);
        if let Some(rf) = finished_run(&path, spec) {
            out.skipped += 1;
            let summary = rf.summary.expect("finished runs have a summary");
            out.runs.push(RunRecord { spec: spec.clone(), summary, evals: rf.evals });
            continue;
        }
        let split = split_for(&mut cache, &spec.data)?;
        let bar = bar_for(cfg, spec, k, runs.len());
        let res = train_run(spec, split, Some(&path), bar.as_ref())?;
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        if res.summary.status == RunStatus::Interrupted {
            out.interrupted = true;
            break;
        }
        out.runs.push(RunRecord { spec: spec.clone(), summary: res.summary, evals: res.evals });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(n: usize) -> Vec<RunSpec> {
        (0..n).map(|i| RunSpec { id: format!("r{i}"), ..Default::default() }).collect()
    }

    #[test]
    fn shards_are_disjoint_and_cover_every_run() {
        for n_runs in [0, 1, 2, 5, 7, 12] {
            for n_shards in [1, 2, 3, 5, 7, 8, 20] {
                let all = runs(n_runs);
                let mut seen: Vec<String> = vec![];
                for i in 0..n_shards {
                    let s = shard(&all, i, n_shards);
                    // Round-robin: run k goes to shard k mod n_shards, in list order.
                    let want: Vec<String> = (i..n_runs).step_by(n_shards).map(|k| format!("r{k}")).collect();
                    let got: Vec<String> = s.iter().map(|r| r.id.clone()).collect();
                    assert_eq!(got, want, "{n_runs} runs, shard {i}/{n_shards}");
                    // Balanced to within one run.
                    assert!(s.len() == n_runs / n_shards || s.len() == n_runs / n_shards + 1);
                    seen.extend(got);
                }
                let mut sorted = seen.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted.len(), seen.len(), "a run in two shards ({n_runs}/{n_shards})");
                assert_eq!(seen.len(), n_runs, "not every run is in a shard ({n_runs}/{n_shards})");
            }
        }
        // More shards than runs: the surplus shards are empty.
        assert!(shard(&runs(3), 5, 8).is_empty());
    }

    #[test]
    fn bad_shards_select_nothing_and_the_sweep_rejects_them() {
        let all = runs(4);
        assert!(shard(&all, 0, 0).is_empty());
        assert!(shard(&all, 3, 3).is_empty());
        assert!(shard(&all, 9, 3).is_empty());
        let dir = std::env::temp_dir().join(format!("bea-sweep-shard-test-{}", std::process::id()));
        for bad in [(0, 0), (3, 3), (4, 2)] {
            let cfg = SweepConfig { out_dir: dir.clone(), progress: false, handle_ctrl_c: false, shard: Some(bad) };
            let e = run_sweep(&all, &cfg).unwrap_err();
            assert!(matches!(e, NetsError::InvalidConfig { field: "shard", .. }), "{bad:?}: {e}");
        }
        assert!(!dir.exists(), "a rejected sweep wrote nothing");
    }
}
