//! Helpers shared by the integration tests: running the `bea` binary.

use std::process::{Command, Output};

/// The `bea` binary with `args`, not yet run.
pub fn bea_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bea"));
    c.args(args);
    c
}

/// Run `c`, insisting that it succeeds; its output.
pub fn run_ok(c: &mut Command) -> Output {
    let out = c.output().expect("bea runs");
    assert!(out.status.success(), "bea failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Run `bea args`: exit code (-1 if killed by a signal), standard output, standard error.
pub fn bea(args: &[&str]) -> (i32, String, String) {
    let out = bea_cmd(args).output().expect("bea runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `(recursion, N, verdict)` of every check in a `bea verify --format json` report (one start point).
pub fn check_verdicts(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    report["checks"]
        .as_array()
        .expect("a single-point report has checks")
        .iter()
        .map(|c| {
            (
                c["recursion"].as_str().unwrap_or_default().into(),
                c["order"].as_u64().unwrap_or_default(),
                c["verdict"].as_str().unwrap_or_default().into(),
            )
        })
        .collect()
}
