//! The `bea` command line (clap). `anyhow` lives here and in `main.rs` only.

mod args;
mod derive_cmd;
mod emit_cmd;
mod experiment_cmd;
pub mod method;
mod nets_cmd;
mod series_cmd;
mod verify_cmd;

pub use verify_cmd::{verify_problem, verify_problem_starts, verify_problem_with, Precision};

pub use args::{Cli, Command, DeriveArgs, EmitArgs, ProblemArgs, VerifyArgs};
use clap::Parser;

/// `bea verify --strict` found checks that did not pass: the process exits with status 1 (bad input and other
/// errors exit with 2), so scripts can tell a failed verification from a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{fail} order check(s) failed and {inconclusive} were inconclusive (--strict: every check must pass)")]
pub struct ChecksFailed {
    /// Checks whose slope was measured and did not match.
    pub fail: usize,
    /// Checks that could not be judged (rounding level, too few points, not settled, between orders).
    pub inconclusive: usize,
}

/// Ctrl-C stopped an experiment's sweep: the process exits with status 130 (the shell's code for SIGINT) after
/// printing what the finished runs gave, marked as partial (found by review: it exited 0 with firm verdicts).
#[derive(Debug, thiserror::Error)]
#[error("interrupted: {done} of {total} runs finished; the verdicts above use only those. Rerun the same command to finish the sweep (finished runs are reused)")]
pub struct Interrupted {
    /// Runs finished (trained now or reused).
    pub done: usize,
    /// Runs in the sweep.
    pub total: usize,
}

/// Parse the command line and run it; returns the process exit code.
pub fn main_with_args(args: Vec<String>) -> anyhow::Result<()> {
    let cli = Cli::parse_from(args);
    run(cli)
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(c) => c,
        None => Cli::parse_from(["bea", "derive"]).command.unwrap_or(Command::Examples),
    };
    match command {
        Command::Derive(a) => derive_cmd::run(&a),
        Command::Verify(a) => verify_cmd::run(&a),
        Command::Emit(a) => emit_cmd::run(&a),
        Command::Experiment(args::ExperimentCommand::TwoParam(a)) => experiment_cmd::run_two_param(&a),
        Command::Theorems(a) => experiment_cmd::run_theorems(&a),
        Command::Experiment(args::ExperimentCommand::IgrMlp(a)) => nets_cmd::igr_mlp(&a),
        Command::Experiment(args::ExperimentCommand::EgrResnet(a)) => nets_cmd::egr_resnet(&a),
        Command::Data(c) => nets_cmd::data(&c),
        Command::Series(a) => series_cmd::run(&a),
        Command::Examples => {
            // Through write_output like every command (found by review: `bea examples > /dev/full` panicked).
            let mut text = String::new();
            for (name, _) in crate::spec::examples::CATALOGUE {
                let raw = crate::spec::examples::example(name)?;
                text.push_str(&format!("{name:16} {}\n", raw.description.unwrap_or_default()));
            }
            write_output(None, &text)
        }
    }
}

/// Write `text` to `path` atomically (temporary file in the same folder, `fsync`, then rename), or to stdout.
/// Stale temporary files that a killed earlier run left for the same file are removed first. A symbolic link is
/// followed (its target is replaced); a device or pipe is written in place; a missing directory is an error.
pub fn write_output(path: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use anyhow::{anyhow, Context};
    use bea_verification::report::{remove_stale_temps, write_atomic};
    use std::io::Write;
    let Some(p) = path else {
        // A reader that stops early (`bea series --order 9 | head`) closes the pipe: that ends the output, it is not
        // an error (found by review: `print!` panicked with "failed printing to stdout: Broken pipe").
        let mut out = std::io::stdout().lock();
        return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(anyhow!("writing to standard output: {e}")),
            _ => Ok(()),
        };
    };
    // A symbolic link is followed: the file it names is replaced, the link stays (a rename over the link would
    // replace the link itself). Found by review, like the two cases below.
    let target = match std::fs::symlink_metadata(p) {
        Ok(m) if m.file_type().is_symlink() => {
            let link = std::fs::read_link(p).with_context(|| format!("reading the link {}", p.display()))?;
            p.parent().map_or(link.clone(), |d| d.join(&link))
        }
        _ => p.to_path_buf(),
    };
    match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => return Err(anyhow!("cannot write to {}: it is a directory", p.display())),
        // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written in place: renaming a file over it
        // would replace the device node (as root) or the pipe by a regular file.
        Ok(m) if !m.is_file() => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .with_context(|| format!("opening {}", p.display()))?;
            return f.write_all(text.as_bytes()).with_context(|| format!("writing {}", p.display()));
        }
        _ => {}
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    // The directory must exist: a mistyped path should not create directories.
    if !dir.is_dir() {
        return Err(anyhow!("cannot write to {}: the directory {} does not exist", p.display(), dir.display()));
    }
    if let Some(name) = target.file_name().and_then(|s| s.to_str()) {
        remove_stale_temps(dir, Some(name)).with_context(|| format!("cleaning up in {}", dir.display()))?;
    }
    write_atomic(&target, text.as_bytes()).with_context(|| format!("writing {}", p.display()))
}
