//! The `bea` command line (clap). `anyhow` lives here and in `main.rs` only.

mod args;
mod derive_cmd;
mod emit_cmd;
mod experiment_cmd;
pub mod method;
mod nets_cmd;
mod series_cmd;
mod verify_cmd;

pub use verify_cmd::verify_problem;

pub use args::{Cli, Command, DeriveArgs, EmitArgs, ProblemArgs, VerifyArgs};
use clap::Parser;

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
            for (name, _) in crate::spec::examples::CATALOGUE {
                let raw = crate::spec::examples::example(name)?;
                println!("{name:16} {}", raw.description.unwrap_or_default());
            }
            Ok(())
        }
    }
}

/// Write `text` to `path` atomically (temporary file in the same folder, `fsync`, then rename), or to stdout.
/// Stale temporary files that a killed earlier run left for the same file are removed first.
pub fn write_output(path: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use bea_verification::report::{remove_stale_temps, write_atomic};
    match path {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(p) => {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            if let Some(name) = p.file_name().and_then(|s| s.to_str()) {
                remove_stale_temps(dir, Some(name)).with_context(|| format!("cleaning up in {}", dir.display()))?;
            }
            write_atomic(p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))
        }
    }
}
