//! End-to-end tests of `bea verify` through the binary: heavy-ball, --strict, --starts, --precision, tableau
//! files, the step-size grid, and `--theorems` (split from `cli.rs`).

use crate::cli::refused;
use crate::support::bea;

#[test]
fn verify_theorems_flag_runs_the_propositions() {
    let (code, out, err) = bea(&["verify", "--theorems", "--example", "quartic"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["prop_3_3_slope_identity"]["pass"], true, "{}", v["prop_3_3_slope_identity"]);
}

/// `bea verify --method heavy-ball` runs the two-step order check and prints the slope table with verdicts;
/// `--strict` makes a failure the exit status. Vector fields and a missing --beta are clear errors.
#[test]
fn verify_heavy_ball_prints_passing_slopes() {
    for (example, beta) in [("quartic", "0.5"), ("two-param", "0.5"), ("quartic", "0.9")] {
        let (code, out, err) =
            bea(&["verify", "--example", example, "--method", "heavy-ball", "--beta", beta, "--strict"]);
        assert_eq!(code, 0, "{example} beta = {beta}: {err}\n{out}");
        assert!(out.contains("4 of 4 checks pass"), "{out}");
        assert!(out.contains("two-step method") && !out.contains("FAIL"), "{out}");
        assert_eq!(out.matches("PASS").count(), 4, "{out}");
    }
    let (code, _, err) = bea(&["verify", "--example", "pendulum", "--method", "heavy-ball", "--beta", "0.5"]);
    assert_ne!(code, 0);
    assert!(err.contains("needs a loss") && !err.contains("panicked"), "{err}");
    let (code, _, err) = bea(&["verify", "--example", "quartic", "--method", "heavy-ball"]);
    assert_ne!(code, 0);
    assert!(err.contains("beta") && !err.contains("panicked"), "{err}");
}

/// `bea verify` exit status (session 5, found by review: a FAIL row exited 0 and a failed `--strict` run exited 2,
/// like bad input): without `--strict` it reports and exits 0; with it, 1 unless every check passes; bad input 2.
/// The paper's recursion fails from N = 3 on the quartic loss (a finding of this project, README).
#[test]
fn verify_strict_exit_status() {
    let both = ["verify", "--example", "quartic", "--recursion", "both", "--max-order", "3"];
    let (code, out, err) = bea(&both);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("6 of 7 checks pass, 1 fail, 0 inconclusive"), "{out}");
    let (code, _, err) = bea(&[&both[..], &["--strict"]].concat());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("1 order check(s) failed") && err.contains("--strict"), "{err}");
    let (code, _, err) = bea(&["verify", "--example", "quartic", "--strict"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = bea(&["verify", "--example", "nope", "--strict"]);
    assert_eq!(code, 2, "{err}");
}

/// `bea verify --starts K`: the text names the start points and the combined verdicts (the paper recursion's
/// N = 3 fails on the quartic at every point), the JSON has one report per point and a combined verdict per
/// check, `--strict` counts the combined verdicts, and out-of-range K and `--theorems --starts` are refused.
#[test]
fn verify_at_several_start_points() {
    let base = ["verify", "--example", "quartic", "--recursion", "both", "--starts", "3"];
    let (code, out, err) = bea(&base);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("at 3 start points") && out.contains("point 3: theta0 ="), "{out}");
    assert!(out.contains("6 of 7 checks pass at all 3 start points, 1 fail, 0 inconclusive"), "{out}");
    let (code, json, err) = bea(&[&base[..], &["--format", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 3);
    let combined = v["combined"].as_array().unwrap();
    assert_eq!(combined.len(), 7);
    let fails: Vec<_> = combined.iter().filter(|c| c["verdict"] == "fail").collect();
    assert_eq!(fails.len(), 1, "{json}");
    assert_eq!((fails[0]["recursion"].as_str(), fails[0]["order"].as_u64()), (Some("paper"), Some(3)));
    assert_eq!(fails[0]["per_point"], serde_json::json!(["fail", "fail", "fail"]));
    let (code, _, _) = bea(&[&base[..], &["--strict"]].concat());
    assert_eq!(code, 1);
    refused(&["verify", "--example", "quartic", "--starts", "0"], &["--starts 0 is out of range", "1 to 50"]);
    refused(&["verify", "--example", "quartic", "--starts", "51"], &["--starts 51 is out of range"]);
    refused(&["verify", "--theorems", "--starts", "2"], &["--starts does not apply"]);
}

/// `--precision`: double-double covers every method (Runge–Kutta, partitioned, heavy-ball: N = 10 passes where
/// double leaves it inconclusive); an unknown precision and `--theorems --precision` are refused by name.
#[test]
fn verify_precision_flag() {
    let (code, out, err) =
        bea(&["verify", "--example", "lotka-volterra", "--max-order", "9", "--precision", "double-double", "--strict"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("10 of 10 checks pass") && out.contains("1.50e-29"), "{out}");
    assert!(out.contains("measured in double-double"), "{out}");
    for method in [
        &["--method", "heavy-ball", "--beta", "1/2", "--example", "quartic"][..],
        &["--method", "stormer-verlet", "--example", "pendulum"],
    ] {
        let args = |precision: &'static str| {
            let mut a = vec!["verify", "--max-order", "10", "--precision", precision, "--format", "json"];
            a.extend_from_slice(method);
            a
        };
        let verdict = |precision| {
            let (code, out, err) = bea(&args(precision));
            assert_eq!(code, 0, "{method:?} {precision}: {err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            v["checks"][10]["verdict"].as_str().unwrap().to_string()
        };
        assert_eq!(verdict("double"), "inconclusive", "{method:?}");
        assert_eq!(verdict("double-double"), "pass", "{method:?}");
    }
    refused(&["verify", "--example", "quartic", "--precision", "quad"], &["unknown precision 'quad'"]);
    refused(&["verify", "--theorems", "--precision", "dd"], &["--precision does not apply"]);
}

/// Found by review: candidates were matched to their derivation by the printed label, so a tableau file named
/// "paper" lost its N = 0 check and panicked in double-double.
#[test]
fn a_tableau_named_paper_is_checked_like_any_other() {
    let dir = std::env::temp_dir().join(format!("bea-cli-paper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("paper.toml");
    std::fs::write(&file, "name = \"paper\"\na = [[\"0\", \"0\"], [\"1\", \"0\"]]\nb = [\"1/2\", \"1/2\"]\n").unwrap();
    for precision in ["double", "double-double"] {
        let (code, out, err) = bea(&[
            "verify",
            "--example",
            "pendulum",
            "--method",
            file.to_str().unwrap(),
            "--max-order",
            "3",
            "--precision",
            precision,
            "--strict",
        ]);
        assert_eq!(code, 0, "{precision}: {out}{err}");
        assert!(out.contains("4 of 4 checks pass"), "{precision}: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The step-size grid follows the field's time scale: on the quartic loss scaled by 100 (`L = 181` at the start)
/// the default grid (`h_max = 0.2`, `h L` up to 36) left N = 1..3 inconclusive for both recursions (session 6);
/// with `h_max = 1/(2L)` the general recursion passes and the paper recursion's N = 3 fails, as on the unscaled
/// quartic. `--h-max` bounds the grid from above and is range-checked.
#[test]
fn verify_grid_follows_the_fields_time_scale() {
    let loss = "100*(x^4/4 + x^2*y^2/2 - x*y + y^4/8)";
    let args = ["verify", "--loss", loss, "--vars", "x,y", "--at", "0.6,0.3", "--recursion", "both"];
    let (code, out, err) = bea(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("step sizes scaled to the field: h_max = 2.762e-3 (not 0.2), so that h L <= 1/2 with L = 181"),
        "{out}"
    );
    let (_, json, _) = bea(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let l = 0.5 / v["grid"]["h_max"].as_f64().unwrap();
    // L = ‖Hess E‖∞ = 100 (|3x² + y²| + |2xy − 1|) at (0.6, 0.3), by hand.
    assert!((l - 100.0 * (1.17 + 0.64)).abs() < 1e-3, "L = {l}");
    let verdicts = crate::support::check_verdicts(&v);
    for (rec, n, verdict) in &verdicts {
        let want = if rec == "paper" && *n == 3 { "fail" } else { "pass" };
        assert_eq!(verdict, want, "{rec} N = {n}: {verdicts:?}");
    }
    // A slow field keeps the default grid, and --h-max sets its top.
    let (_, json, _) =
        bea(&["verify", "--example", "quartic", "--h-max", "1/20", "--max-order", "1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["grid"]["h_max"].as_f64(), Some(0.05));
    refused(&["verify", "--example", "quartic", "--h-max", "0"], &["--h-max 0 is out of range"]);
    refused(&["verify", "--example", "quartic", "--h-max", "-1"], &["--h-max -1 is out of range"]);
}
