//! End-to-end tests of the `bea` binary: the main job, the formats, and every kind of bad input.

use crate::support::bea;

#[test]
fn main_job_runs_the_two_parameter_model() {
    let (code, out, err) = bea(&["derive"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("problem: two-param"));
    assert!(out.contains("order 3:"));
    assert!(out.contains("E_1 = |grad E|^2/4 holds exactly"));
    let (code2, out2, _) = bea(&[]);
    assert_eq!((code2, out2), (0, out), "no subcommand means derive");
}

#[test]
fn issue_examples_work() {
    let (code, out, err) = bea(&["derive", "--field", "p*(2-q); q*(p-1)", "--vars", "p,q", "--order", "4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("order 4:"));
    let (code, out, err) =
        bea(&["derive", "--loss", "(y0 - a*b*x0)^2/2", "--vars", "a,b", "--order", "3", "--set", "x0=1,y0=3/5"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("x0 = 1, y0 = 3/5"));
    let (code, out, _) = bea(&["derive", "--field", "P(x,y); Q(x,y)", "--vars", "x,y", "--order", "2"]);
    assert_eq!(code, 0);
    assert!(out.contains("P_x"));
}

/// The JSON contract: keys, exact rationals, and every expression parses back in symplex.
#[test]
fn json_contract() {
    let (code, out, err) = bea(&["derive", "--example", "quartic", "--format", "json", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in ["method", "recursion", "variables", "parameters", "order", "field", "corrections", "modified_loss"] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["method"], "explicit-euler");
    assert_eq!(v["recursion"], "general");
    let c0 = &v["corrections"][0];
    assert_eq!(c0["order"], 1);
    assert_eq!(c0["gradient"], true);
    assert!(!out.contains("0.08333"), "exact rationals only");
    let ctx = symplex::prelude::Context::new();
    let mut exprs: Vec<String> = Vec::new();
    for c in v["corrections"].as_array().unwrap() {
        exprs.extend(c["components"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()));
        if let Some(p) = c["potential"].as_str() {
            exprs.push(p.to_string());
        }
    }
    exprs.push(v["modified_loss"].as_str().unwrap().to_string());
    for e in exprs {
        assert!(ctx.parse(&e).is_ok(), "symplex parses {e}");
        assert!(bea::spec::parse::parse_expr(&e).is_ok(), "bea parses {e}");
    }
}

#[test]
fn latex_output() {
    let (code, out, _) = bea(&["derive", "--example", "oscillator", "--format", "latex", "--order", "1"]);
    assert_eq!(code, 0);
    assert!(out.contains("\\begin{align*}") && out.contains("\\frac"));
}

/// The LaTeX of a correction worked out by hand. Quartic loss `E = x^4/4 + x^2 y^2/2 - x y + y^4/8`:
/// `grad E = (x^3 + x y^2 - y, x^2 y - x + y^3/2)`, `Hess E = [[3x^2 + y^2, 2xy - 1], [2xy - 1, x^2 + 3y^2/2]]`.
/// For explicit Euler `f_1 = -1/2 f'f = -1/2 Hess E grad E` (f = -grad E, f' = -Hess E):
///   first component  -1/2 [(3x^2 + y^2)(x^3 + x y^2 - y) + (2xy - 1)(x^2 y - x + y^3/2)]
///                  = -1/2 [3x^5 + 6x^3 y^2 + 2x y^4 - 6x^2 y - 3/2 y^3 + x],
///   second component -1/2 [(2xy - 1)(x^3 + x y^2 - y) + (x^2 + 3y^2/2)(x^2 y - x + y^3/2)]
///                  = -1/2 [3x^4 y + 4x^2 y^3 + 3/4 y^5 - 2x^3 - 9/2 x y^2 + y],
/// and `E_1 = |grad E|^2/4 = 1/4 [x^6 + 3x^4 y^2 + 2x^2 y^4 + y^6/4 - 4x^3 y - 3x y^3 + x^2 + y^2]`.
/// Written in the emitter's term order (total degree descending, then by the power of x).
#[test]
fn latex_first_correction_of_the_quartic_is_the_hand_derived_one() {
    let (code, out, err) = bea(&["derive", "--example", "quartic", "--format", "latex", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
    let want = [
        r"f_{1,x} &= -\frac{3}{2} x^{5} - 3 x^{3} y^{2} - x y^{4} + 3 x^{2} y + \frac{3}{4} y^{3} - \frac{1}{2} x \\",
        r"f_{1,y} &= -\frac{3}{2} x^{4} y - 2 x^{2} y^{3} - \frac{3}{8} y^{5} + x^{3} + \frac{9}{4} x y^{2} - \frac{1}{2} y \\",
        concat!(
            r"E_{1} &= \frac{1}{4} x^{6} + \frac{3}{4} x^{4} y^{2} + \frac{1}{2} x^{2} y^{4} + \frac{1}{16} y^{6}",
            r" - x^{3} y - \frac{3}{4} x y^{3} + \frac{1}{4} x^{2} + \frac{1}{4} y^{2} \\"
        ),
    ];
    let lines: Vec<&str> = out.lines().collect();
    for w in want {
        assert!(lines.contains(&w), "missing {w:?} in\n{out}");
    }
    let begin = lines.iter().position(|l| *l == r"\begin{align*}").expect("align* opens");
    let end = lines.iter().position(|l| *l == r"\end{align*}").expect("align* closes");
    let pos = |w: &str| lines.iter().position(|l| *l == w).unwrap();
    assert!(begin < pos(want[0]) && pos(want[0]) + 1 == pos(want[1]) && pos(want[2]) < end, "{out}");
}

#[test]
fn toml_file_input_and_unknown_keys() {
    let dir = std::env::temp_dir().join(format!("bea-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, "field = [\"u*(v - 2)\", \"v*(1 - u)\"]\nvars = [\"u\", \"v\"]\norder = 2\n").unwrap();
    let (code, out, err) = bea(&["derive", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("order 2:"));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "field = [\"u\", \"v\"]\nvars = [\"u\", \"v\"]\nordre = 2\n").unwrap();
    let (code, _, err) = bea(&["derive", bad.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown field") && err.contains("ordre"), "{err}");
}

/// A decimal in a TOML file means the decimal written, as on the command line (found by review: `c = 0.1` became
/// the double 3602879701896397/36028797018963968 while `--set c=0.1` gave 1/10; `beta = 0.9` likewise).
#[test]
fn toml_decimals_are_the_decimals_written() {
    let dir = std::env::temp_dir().join(format!("bea-cli-dec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dec.toml");
    std::fs::write(&file, "field = [\"-c*x\"]\nvars = [\"x\"]\norder = 1\nset = { c = 0.1 }\n").unwrap();
    let (code, from_file, err) = bea(&["derive", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, from_flag, err) = bea(&["derive", "--field", "-c*x", "--vars", "x", "--order", "1", "--set", "c=0.1"]);
    assert_eq!(code, 0, "{err}");
    assert!(from_file.contains("c = 1/10") && from_flag.contains("c = 1/10"), "{from_file}\n{from_flag}");
    let hb = dir.join("hb.toml");
    std::fs::write(&hb, "loss = \"x^2/2\"\nvars = [\"x\"]\norder = 1\nmethod = \"heavy-ball\"\nbeta = 0.9\n").unwrap();
    let (code, out, err) = bea(&["derive", hb.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("beta = 9/10"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every bad input: a clear message naming the problem, a non-zero exit, never a panic.
#[test]
fn bad_inputs_get_clear_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["derive", "--field", "x*(y; y", "--vars", "x,y"], "column 5"),
        (&["derive", "--field", "x y; y", "--vars", "x,y"], "column 3"),
        (&["derive", "--field", "x; y", "--vars", "x,x"], "listed twice"),
        (&["derive", "--field", "x; y", "--vars", "x,2y"], "cannot be a variable"),
        (&["derive", "--field", "x; y", "--vars", "x,y", "--set", "x=1"], "state variable"),
        (&["derive", "--field", "x; y", "--vars", "x,y", "--set", "zz=1"], "does not occur"),
        (&["derive", "--field", "x*a; y", "--vars", "x,y", "--set", "a=inf"], "finite number"),
        (&["derive", "--field", "x*a; y", "--vars", "x,y", "--set", "a=NaN"], "finite number"),
        (&["derive", "--field", "x; y; x", "--vars", "x,y"], "3 components but there are 2 variables"),
        (&["derive", "--field", "x; y", "--vars", "x,y", "--order", "0"], "out of range"),
        (&["derive", "--field", "x; y", "--vars", "x,y", "--order", "100000"], "out of range"),
        (&["derive", "--field", ";", "--vars", "x,y"], "empty"),
        (&["derive", "--field", "x/0; y", "--vars", "x,y"], "division by zero"),
        // Found by review (session 8): zeros inside reciprocals taken factor by factor printed 0.
        (&["derive", "--field", "1/(1/(x-x)); y", "--vars", "x,y"], "division by zero"),
        (&["derive", "--field", "x + 1/(2/(x-x)); y", "--vars", "x,y"], "division by zero"),
        (&["derive", "--field", "1/(x-x)^-2; y", "--vars", "x,y"], "zero raised to a negative power"),
        (&["derive", "--field", "1/0^(-1/2); y", "--vars", "x,y"], "zero raised to a negative power"),
        (&["derive", "--field", "1/(x/(0*x)); y", "--vars", "x,y"], "division by zero"),
        (&["derive", "--field", "1/((x+1)*(y+1))^1000; y", "--vars", "x,y"], "its denominator expands to about"),
        // A zero the cos^2 rule reveals (second review: it printed f_1 = 0).
        (&["derive", "--field", "1/((1/cos(x))^-2 + sin(x)^2 - 1); y", "--vars", "x,y"], "division by zero"),
        // An exponent overflow is not a term budget that --max-terms could raise.
        (&["derive", "--field", "1/(x^1000)^65; y", "--vars", "x,y"], "exponent overflow"),
        (&["derive", "--field", "x^y; y", "--vars", "x,y"], "exponent must be a number"),
        (&["derive", "--field", "P(x+y); y", "--vars", "x,y"], "must be state variables"),
        (&["derive", "--example", "nope"], "available"),
        (&["derive", "--example", "quartic", "--recursion", "fast"], "unknown recursion"),
        (&["derive", "--example", "quartic", "--format", "xml"], "unknown format"),
        (&["derive", "--field", "x; y", "--loss", "x", "--vars", "x,y"], "exactly one"),
        (&["derive", "--field", "x; y"], "no variables"),
        (&["derive", "--field", "sin(x)*h; y", "--vars", "x,y"], "reserved"),
        // Found by review: an empty component was dropped (`x;; y` read as (x, y)), `--vars` without a field ran the
        // default example with an all-zero field, and counts read "1 components".
        (&["derive", "--field", "x;; y", "--vars", "x,y,z"], "component 2 of the field \"\": empty expression"),
        (&["derive", "--vars", "u,v"], "--vars names the variables of an inline --field or --loss"),
        (&["derive", "--field", "x", "--vars", "x,y"], "the field has 1 component but there are 2 variables"),
    ];
    for (args, want) in cases {
        let (code, _, err) = bea(args);
        assert_eq!(code, 2, "{args:?} should fail cleanly, stderr: {err}");
        assert!(err.contains(want), "{args:?}: expected '{want}' in: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    }
}

/// A problem whose expressions explode fails fast with a clear message instead of eating memory.
#[test]
fn expression_swell_is_guarded() {
    let (code, _, err) = bea(&["derive", "--example", "generic2d", "--order", "8", "--max-terms", "2000"]);
    assert_eq!(code, 2);
    assert!(err.contains("expression swell") && err.contains("--max-terms"), "{err}");
}

/// The 2-parameter experiment (reduced): runs, writes its files, and bea's second-order modified flow ends where
/// the harness's hand-written second-order field ends (two independent derivations of f_2).
#[test]
fn two_param_experiment_reduced() {
    let dir = std::env::temp_dir().join(format!("bea-tp-{}", std::process::id()));
    let (code, out, err) =
        bea(&["experiment", "two-param", "--reduced", "--format", "json", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let runs = v["runs"].as_array().unwrap();
    let find = |n: &str| runs.iter().find(|r| r["name"] == n).unwrap_or_else(|| panic!("run {n}"));
    let (a, b) = (find("modified2_dop853"), find("modified_N2_bea"));
    for k in 0..2 {
        let (x, y) = (a["final"][k].as_f64().unwrap(), b["final"][k].as_f64().unwrap());
        assert!((x - y).abs() < 1e-8, "hand-written vs derived f_2: {x} vs {y}");
    }
    for f in ["two_param.json", "two_param.md", "fig1a_I.png", "fig1b.png"] {
        assert!(dir.join(f).exists(), "{f} written");
    }
}

#[test]
fn theorems_on_the_two_parameter_model() {
    let (code, out, err) = bea(&["theorems", "--example", "two-param", "--at", "2.8,3.5"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in ["prop_3_3_slope_identity", "prop_a9_norm_growth", "prop_a10_minima"] {
        assert_eq!(v[k]["pass"], true, "{k}: {}", v[k]);
    }
    let t = v["remark_3_2_tracking"]["threshold"].as_f64().unwrap();
    assert!(t > 1e-3 && t < 0.3, "a tracking threshold inside the scan from (2.8, 3.5): {t}");
}

/// `bea experiment igr-mlp` sweep overrides: a tiny digits sweep runs with the given widths, learning rates and
/// steps (the run ids say so), and bad overrides are clear errors, not panics.
#[test]
fn igr_mlp_overrides() {
    let dir = std::env::temp_dir().join(format!("bea-igr-overrides-{}", std::process::id()));
    let out = dir.to_string_lossy().to_string();
    let (code, text, err) = bea(&[
        "experiment",
        "igr-mlp",
        "--widths",
        "8",
        "--learning-rates",
        "0.1,0.05",
        "--steps",
        "60",
        "--eval-every",
        "30",
        "--out",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    // The text format states the verdicts in words (review: it printed JSON objects).
    assert!(text.lines().any(|l| l.starts_with("Prediction 2.1")) && !text.contains("\"outcome\""), "{text}");
    let mut runs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("mlp-"))
        .collect();
    runs.sort();
    assert!(runs.iter().any(|n| n.starts_with("mlp-w8-h0.1-")) && runs.iter().any(|n| n.starts_with("mlp-w8-h0.05-")));
    assert!(runs.iter().all(|n| n.starts_with("mlp-w8-")), "{runs:?}");
    let _ = std::fs::remove_dir_all(&dir);
    for (args, want) in [
        (&["experiment", "igr-mlp", "--widths", "0"][..], "--widths"),
        (&["experiment", "igr-mlp", "--learning-rates", "0.1,-1"][..], "--learning-rates"),
        (&["experiment", "igr-mlp", "--dataset", "cifar"][..], "unknown dataset"),
        (&["experiment", "igr-mlp", "--steps", "0"][..], "--steps"),
        (&["experiment", "egr-resnet", "--widths", "8"][..], "apply to igr-mlp"),
        (&["experiment", "egr-resnet", "--steps", "0"][..], "--steps"),
        (&["experiment", "egr-resnet", "--mus", "0.05"][..], "must include 0"),
        (&["experiment", "egr-resnet", "--mus", "0,0.1,0.1"][..], "twice"),
        (&["experiment", "egr-resnet", "--mus", "0,-1"][..], ">= 0"),
        (&["experiment", "egr-resnet", "--mus", "0,NaN"][..], ">= 0"),
        (&["experiment", "igr-mlp", "--mus", "0,0.1"][..], "applies to egr-resnet"),
        (&["experiment", "igr-mlp", "--seeds", "3,1,3"][..], "distinct seeds"),
        (&["experiment", "egr-resnet", "--seeds", "1,1"][..], "distinct seeds"),
    ] {
        let (code, _, err) = bea(args);
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(want) && !err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `bea experiment egr-resnet` overrides: `--steps`, `--eval-every` and `--mus` reach the runs (their ids and
/// summaries say so), and the text output prints the verdict (it printed only the report path before).
#[test]
fn egr_resnet_overrides() {
    let dir = std::env::temp_dir().join(format!("bea-egr-overrides-{}", std::process::id()));
    let out = dir.to_string_lossy().to_string();
    let args = ["experiment", "egr-resnet", "--digits", "--steps", "2", "--eval-every", "1", "--mus", "0,0.05"];
    let (code, stdout, err) = bea(&[&args[..], &["--out", &out]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("Prediction EGR (Figure 3c): ") && stdout.contains("report:"), "{stdout}");
    let mut runs: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    runs.sort();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs[0].contains("-mu0-") && runs[1].contains("-mu0.05-"), "{runs:?}");
    for r in &runs {
        let text = std::fs::read_to_string(dir.join(r)).unwrap();
        assert!(text.contains("\"steps_done\":2"), "{r}: {text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run `bea args`, insisting on exit status 2 with every `want` in the message and no panic.
pub(crate) fn refused(args: &[&str], want: &[&str]) {
    let (code, out, err) = bea(args);
    assert_eq!(code, 2, "{args:?}: {out}{err}");
    assert!(want.iter().all(|w| err.contains(w)) && !err.contains("panicked"), "{args:?}: {err}");
}

/// Found by review: `--h NaN` (inf, 0, -1) ran and reported the paper's propositions as failing.
#[test]
fn theorems_refuse_a_bad_step_size() {
    for h in ["--h=NaN", "--h=inf", "--h=0", "--h=-1"] {
        refused(&["theorems", h], &["--h", "finite number > 0"]);
    }
}

/// Found by review: `bea series` gave coefficients for |beta| >= 1, which `bea derive` refuses.
#[test]
fn series_refuses_beta_outside_the_unit_interval() {
    for beta in ["2", "-1", "1"] {
        refused(&["series", "--method", "heavy-ball", "--beta", beta], &["--beta", "|beta| < 1"]);
    }
    refused(&["series", "--format", "xml"], &["--format xml", "text, latex or json"]);
}

/// Found by review: heavy-ball's LaTeX table began with a `#` line, which LaTeX rejects.
#[test]
fn heavy_ball_latex_has_latex_comments() {
    let (code, out, err) =
        bea(&["series", "--method", "heavy-ball", "--beta", "1/2", "--format", "latex", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().all(|l| !l.starts_with('#')), "{out}");
    assert!(out.starts_with("% theta_n ~ y(n h)") && out.contains("\\begin{tabular}"), "{out}");
    let (code, out, _) = bea(&["series", "--method", "heavy-ball", "--beta", "1/2", "--order", "2"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# heavy-ball(beta=1/2)\n# theta_n ~ y(n h)"), "text keeps its # comments: {out}");
}

/// Found by review: the network experiments checked --format only after training, let --full silently win over
/// --digits, ignored igr-mlp --digits and a --data-dir beside the built-in digits, and --shard a/2 did not name
/// the flag. Every one is refused before any work (these would otherwise train for minutes to hours).
#[test]
fn network_experiments_check_their_flags_first() {
    refused(&["experiment", "egr-resnet", "--format", "xml"], &["--format xml", "text", "json"]);
    refused(&["experiment", "igr-mlp", "--format", "xml"], &["--format xml", "text", "json"]);
    refused(&["experiment", "egr-resnet", "--digits", "--full"], &["--digits", "--full", "conflicting"]);
    refused(&["experiment", "igr-mlp", "--digits"], &["--digits", "--dataset"]);
    refused(&["experiment", "igr-mlp", "--shard", "a/2"], &["--shard a/2", "I/N"]);
    refused(&["experiment", "egr-resnet", "--digits", "--shard", "1/b"], &["--shard 1/b", "I/N"]);
    refused(&["experiment", "egr-resnet", "--digits", "--data-dir", "."], &["--data-dir", "built-in digits"]);
    refused(&["experiment", "igr-mlp", "--data-dir", "."], &["--data-dir", "built-in digits"]);
    refused(&["experiment", "igr-mlp", "--device", "tpu"], &["--device tpu"]);
    let file = std::env::temp_dir().join(format!("bea-out-is-a-file-{}", std::process::id()));
    std::fs::write(&file, "x").unwrap();
    let f = file.to_str().unwrap();
    refused(&["experiment", "egr-resnet", "--digits", "--out", f], &["--out", "not a directory"]);
    refused(&["experiment", "two-param", "--reduced", "--out", f], &["--out", "not a directory"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    let _ = std::fs::remove_file(&file);
}

/// Found by review (session 5): `egr-resnet --full` (ResNet-18, a CUDA preset) was moved to the CPU by `--device`'s
/// old default, so it trained for days there; now the preset keeps CUDA unless `--device` is given, and a build
/// without CUDA says so before any work. `verify --theorems` silently dropped --max-order, --format, --plot and
/// --strict; now it refuses them by name.
#[test]
fn full_resnet_keeps_cuda_and_verify_theorems_refuses_dropped_flags() {
    if !bea_verification::nets::device::CUDA_BUILT {
        let out = std::env::temp_dir().join(format!("bea-egr-full-{}", std::process::id()));
        let o = out.to_str().unwrap();
        refused(&["experiment", "egr-resnet", "--full", "--steps", "1", "--out", o], &["CUDA", "--features cuda"]);
        let _ = std::fs::remove_dir_all(&out);
    }
    refused(&["verify", "--theorems", "--max-order", "4"], &["--max-order does not apply with --theorems"]);
    refused(&["verify", "--theorems", "--format", "json", "--strict"], &["--format, --strict do not apply"]);
    refused(&["verify", "--theorems", "--plot", "x.png"], &["--plot does not apply"]);
}

/// Found by review: `two-param --format xml` ran the experiment and wrote its files before failing;
/// `--max-order 0` ran silently as 2.
#[test]
fn two_param_checks_its_flags_first() {
    let dir = std::env::temp_dir().join(format!("bea-two-param-xml-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    refused(
        &["experiment", "two-param", "--reduced", "--format", "xml", "--out", d],
        &["--format xml", "text or json"],
    );
    assert!(!dir.exists(), "nothing written");
    for n in ["0", "1", "31"] {
        refused(
            &["experiment", "two-param", "--reduced", "--max-order", n, "--out", d],
            &["--max-order", "between 2 and"],
        );
    }
    assert!(!dir.exists(), "nothing written");
}

/// `bea examples` lists the catalogue, and every listed name is a working `--example` (the list and the catalogue
/// cannot drift apart).
#[test]
fn every_listed_example_derives() {
    let (code, out, err) = bea(&["examples"]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<&str> = out.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.len() >= 5 && names.contains(&"two-param") && names.contains(&"quartic"), "{out}");
    for name in names {
        let (code, out, err) = bea(&["derive", "--example", name, "--order", "1"]);
        assert_eq!(code, 0, "--example {name}: {err}");
        assert!(out.contains(&format!("problem: {name}")) && out.contains("order 1:"), "--example {name}: {out}");
    }
}

/// `bea data verify`: a missing file and a corrupt one are clear errors that say how to fetch the data; an unknown
/// dataset is refused by name.
#[test]
fn data_verify_reports_missing_and_corrupt_files() {
    let dir = std::env::temp_dir().join(format!("bea-data-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    refused(&["data", "verify", "mnist", "--data-dir", d], &["missing data file", "bea data fetch mnist"]);
    std::fs::create_dir_all(dir.join("mnist")).unwrap();
    for f in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    {
        std::fs::write(dir.join("mnist").join(f), b"not an idx file").unwrap();
    }
    refused(&["data", "verify", "mnist", "--data-dir", d], &["corrupt data file", "SHA-256", "fetch again"]);
    refused(&["data", "verify", "cifar"], &["unknown dataset 'cifar'", "mnist or fashion-mnist"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bea emit`, found by review: the Rust module and the text report agree on which potentials exist (the module
/// dropped E_1 where text showed it), for losses whose potentials only the order-1 candidate finds.
#[test]
fn emit_rust_and_text_report_the_same_potentials() {
    for loss in ["exp(x)*y^2", "sin(x)*y", "exp(x*y)"] {
        let base = ["emit", "--loss", loss, "--vars", "x,y", "--order", "2", "--format"];
        let (code, text, err) = bea(&[&base[..], &["text"]].concat());
        assert_eq!(code, 0, "{loss}: {err}");
        let (code, rust, err) = bea(&[&base[..], &["rust"]].concat());
        assert_eq!(code, 0, "{loss}: {err}");
        assert!(text.contains("  E_1 = "), "{loss}: text has E_1 (|grad E|^2/4 by hand):\n{text}");
        for l in 1..=2 {
            assert_eq!(
                text.contains(&format!("  E_{l} = ")),
                rust.contains(&format!("pub fn potential_{l}(")),
                "{loss}, order {l}:\n{text}\n{rust}"
            );
        }
    }
}

/// The order-1 potential follows the method: `E = exp(x) y^2`, `|grad E|^2/4 = (y^4 + 4 y^2) exp(2x)/4`, so explicit
/// Euler's `E_1 = 1/4*y^4*exp(x)^2 + y^2*exp(x)^2`, and implicit Euler's is its negative (`f_1 = +1/2 f'f`, GNI IX);
/// it used to say "no potential was found in closed form". The modified loss says where it stops.
#[test]
fn derive_finds_the_implicit_euler_potential_and_says_where_the_modified_loss_stops() {
    let args = ["derive", "--loss", "exp(x)*y^2", "--vars", "x,y", "--order", "2", "--method"];
    let (code, out, err) = bea(&[&args[..], &["explicit-euler"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  E_1 = 1/4*y^4*exp(x)^2 + y^2*exp(x)^2\n"), "{out}");
    let (code, out, err) = bea(&[&args[..], &["implicit-euler"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  E_1 = -1/4*y^4*exp(x)^2 - y^2*exp(x)^2\n"), "{out}");
    assert!(!out.contains("no potential was found"), "{out}");
    assert!(out.contains("(given through order 1 of 2: f_2 is not a gradient field, so E_2 does not exist)"), "{out}");
    let (code, out, err) = bea(&[&args[..], &["implicit-euler", "--format", "json"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["modified_loss_order"], 1, "{out}");
    let (code, out, err) = bea(&["derive", "--example", "quartic", "--order", "2", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let all = v["corrections"].as_array().unwrap().iter().all(|c| c["potential"].is_string());
    assert_eq!(v["modified_loss_order"], if all { 2 } else { 1 }, "{out}");
}

/// `--format rust` needs a number for every parameter: it refuses (exit 2) and names the unset ones and the
/// `--set` that fixes it, for an example (whose [verify] values it no longer uses silently) and an inline field
/// alike; with every parameter set it writes the values into the header.
#[test]
fn emit_rust_refuses_unset_parameters() {
    refused(&["emit", "--example", "two-param", "--set", "x0=2", "--format", "rust"], &["y0", "--set y0="]);
    refused(&["emit", "--example", "two-param"], &["x0, y0", "--set x0=...,y0=..."]);
    refused(&["emit", "--field", "a*x", "--vars", "x", "--format", "rust"], &["a has none", "--set a="]);
    let (code, out, err) = bea(&["emit", "--example", "two-param", "--set", "x0=2,y0=3/5", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("//! Parameters: x0 = 2.0, y0 = 0.6."), "{out}");
    let (code, out, err) = bea(&["emit", "--field", "a*x", "--vars", "x", "--set", "a=2", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pub fn f_1("), "{out}");
    // The other formats keep symbolic parameters symbolic.
    let (code, out, err) =
        bea(&["emit", "--example", "two-param", "--set", "x0=2", "--format", "json", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["parameters"]["y0"].is_null() && v["parameters"]["x0"] == "2", "{out}");
}

/// `--recursion both` has no single module: refused; a bad `--format` is refused before deriving (an order that
/// would take minutes returns at once); a partitioned method's split is in the module's header.
#[test]
fn emit_checks_format_and_recursion_first_and_names_the_partition() {
    refused(
        &["emit", "--example", "quartic", "--recursion", "both", "--format", "rust"],
        &["--recursion both", "--format rust"],
    );
    let t = std::time::Instant::now();
    refused(
        &["emit", "--example", "generic2d", "--order", "30", "--format", "xml"],
        &["--format xml", "rust, text, latex or json"],
    );
    refused(&["emit", "--example", "generic2d", "--order", "30", "--recursion", "both"], &["--recursion both"]);
    assert!(t.elapsed().as_secs() < 20, "refused before deriving ({:?})", t.elapsed());
    let (code, out, err) =
        bea(&["emit", "--example", "quartic", "--recursion", "both", "--format", "text", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("agreement of the two recursions"), "{out}");
    let (code, out, err) = bea(&["emit", "--example", "pendulum", "--method", "stormer-verlet", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("//! Partition: part 1 (lobatto-iiib) = q; part 2 (lobatto-iiia) = p.\n"), "{out}");
    let args = ["emit", "--example", "pendulum", "--method", "symplectic-euler", "--part1", "p", "--order", "1"];
    let (code, out, err) = bea(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("//! Partition: part 1 (")
            && l.contains(") = p; part 2 (")
            && l.ends_with(") = q.")),
        "{out}"
    );
}

/// Found by review: at a zero of the gradient (two-param at (1, 0.6), where m R_IG = 0) the slope identity's
/// relative error was divided by 2.2e-308 and printed 1.7e284 beside `pass: true`; and `theorems` silently ignored
/// --order and --recursion.
#[test]
fn theorems_at_a_critical_point_and_ignored_flags() {
    let (code, out, err) = bea(&["theorems", "--example", "two-param", "--at", "1,0.6"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = out.clone();
    let max_rel = text
        .lines()
        .find(|l| l.contains("\"max_rel_error\""))
        .and_then(|l| l.split(':').nth(1))
        .map(|x| x.trim().trim_end_matches(',').parse::<f64>().unwrap())
        .unwrap();
    assert!(max_rel < 1e-6, "{max_rel}: {v}");
    refused(&["theorems", "--order", "7"], &["--order 7 does not apply to the theorems"]);
    refused(&["theorems", "--recursion", "paper"], &["--recursion paper does not apply to the theorems"]);
}

/// Found by review: the tree computations of the B-series paths ran to the end before the first `--timeout` check
/// (rk4 at order 16 for 47 s with `--timeout 1`), heavy-ball ignored `--timeout` and `--max-terms`, and `series`
/// had no guard at all (`--order 30` ran out of memory). Each of these runs would take far longer than its limit.
#[test]
fn tree_computations_honour_the_limits() {
    refused(
        &["derive", "--field", "-x", "--vars", "x", "--method", "rk4", "--order", "16", "--timeout", "1"],
        &["timeout: order 16 was not finished within 1 s"],
    );
    refused(
        &[
            "derive",
            "--example",
            "generic2d",
            "--method",
            "heavy-ball",
            "--beta",
            "1/2",
            "--order",
            "12",
            "--timeout",
            "1",
        ],
        &["timeout", "within 1 s"],
    );
    refused(
        &[
            "derive",
            "--example",
            "quartic",
            "--method",
            "heavy-ball",
            "--beta",
            "1/2",
            "--order",
            "5",
            "--max-terms",
            "1",
        ],
        &["expression swell", "--max-terms"],
    );
    refused(&["series", "--method", "rk4", "--order", "18", "--timeout", "1"], &["not finished within 1 s"]);
    refused(
        &["series", "--method", "stormer-verlet", "--order", "10", "--timeout", "0.5"],
        &["not finished within 0.5 s"],
    );
    refused(&["series", "--order", "19"], &["--order 19 is out of range", "between 1 and 18"]);
    refused(&["series", "--order", "3", "--timeout", "-1"], &["--timeout must be a number of seconds"]);
}

/// `series` takes the method names `derive` takes (found by review: `gd` was unknown there and the unknown-method
/// message listed the Runge-Kutta methods only), and heavy-ball's table starts with its name like the others.
#[test]
fn series_method_names_and_heavy_ball_header() {
    let (code, gd, err) = bea(&["series", "--method", "gd", "--order", "3"]);
    assert_eq!(code, 0, "{err}");
    let (_, euler, _) = bea(&["series", "--method", "explicit-euler", "--order", "3"]);
    assert_eq!(gd, euler);
    refused(&["series", "--method", "nope"], &["unknown method 'nope'", "heavy-ball", "stormer-verlet"]);
    let (code, hb, err) = bea(&["series", "--method", "momentum", "--beta", "1/2", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = hb.lines().collect();
    assert!(lines[0].starts_with("# heavy-ball(beta=1/2)") && lines[1].contains("slow manifold"), "{hb}");
}

/// Found by review: a tableau file named in a problem file was looked up in the current directory, not beside the
/// problem file; `--plot` created missing directories where `-o` refuses them; the odd-dimension error of a
/// partitioned method did not mention `--part1`, which lifts the requirement.
#[test]
fn paths_beside_problem_files_and_plot_directories() {
    let dir = std::env::temp_dir().join(format!("bea-cli-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ralston.toml"),
        "name = \"ralston\"\na = [[\"0\", \"0\"], [\"2/3\", \"0\"]]\nb = [\"1/4\", \"3/4\"]\n",
    )
    .unwrap();
    let problem = dir.join("p.toml");
    std::fs::write(&problem, "field = [\"-x\"]\nvars = [\"x\"]\norder = 2\nmethod = \"ralston.toml\"\n").unwrap();
    let (code, out, err) = bea(&["derive", problem.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ralston"), "{out}");
    let missing = dir.join("no-such-dir").join("x.png");
    refused(
        &["verify", "--example", "quartic", "--plot", missing.to_str().unwrap()],
        &["the directory", "does not exist"],
    );
    assert!(!dir.join("no-such-dir").exists());
    refused(&["derive", "--field", "y; -x; z", "--vars", "x,y,z", "--method", "symplectic-euler"], &["--part1"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Found by review: `--at` and `--h` refused fractions that `--set` and `--beta` take.
#[test]
fn numbers_on_the_command_line_may_be_fractions() {
    let (code, out, err) = bea(&["verify", "--example", "quartic", "--at", "3/5,3/10", "--max-order", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("local-error order checks at theta0 = [0.6, 0.3]"), "{out}");
    let (code, out, err) = bea(&["theorems", "--example", "quartic", "--h", "1/40"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"h\": 0.025"), "{out}");
    refused(&["verify", "--example", "quartic", "--at", "x,1"], &["'x' is not a number"]);
}

/// Example, method and recursion names are case-insensitive alike (found by review: `RK4` worked, `QUARTIC` and
/// `GENERAL` did not); a duplicate sweep run names the flags that repeat it.
#[test]
fn names_are_case_insensitive_and_duplicate_runs_say_why() {
    let (code, upper, err) = bea(&["derive", "--example", "QUARTIC", "--recursion", "General", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
    let (_, lower, _) = bea(&["derive", "--example", "quartic", "--recursion", "general", "--order", "1"]);
    assert_eq!(upper, lower);
    let dir = std::env::temp_dir().join(format!("bea-dup-{}", std::process::id()));
    refused(
        &[
            "experiment",
            "igr-mlp",
            "--learning-rates",
            "0.1,0.1",
            "--widths",
            "8",
            "--steps",
            "10",
            "--out",
            dir.to_str().unwrap(),
        ],
        &["duplicate run id", "--learning-rates"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A partitioned method from a TOML pair of tableaus (`[part1]`, `[part2]`): the Lobatto IIIA–IIIB pair with IIIA
/// on `p` is Störmer–Verlet (IIIB on `q`, IIIA on `p`), so its corrections equal the built-in's exactly; the harness
/// passes it to N = 4 (its step is the pair's numeric partitioned step, independent of the Taylor derivation); `bea
/// series` tabulates its P-series; malformed pairs are clear errors.
#[test]
fn a_partitioned_pair_from_toml() {
    let dir = std::env::temp_dir().join(format!("bea-pair-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pair = dir.join("lobatto.toml");
    std::fs::write(
        &pair,
        "name = \"lobatto-iiia-iiib\"\n[part1]\nname = \"lobatto-iiia\"\na = [[\"0\", \"0\"], [\"1/2\", \"1/2\"]]\n\
         b = [\"1/2\", \"1/2\"]\n[part2]\nname = \"lobatto-iiib\"\na = [[\"1/2\", \"0\"], [\"1/2\", \"0\"]]\n\
         b = [\"1/2\", \"1/2\"]\n",
    )
    .unwrap();
    let path = pair.to_str().unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = bea(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let ours = json(&[
        "derive",
        "--example",
        "pendulum",
        "--method",
        path,
        "--part1",
        "p",
        "--order",
        "4",
        "--format",
        "json",
    ]);
    let builtin =
        json(&["derive", "--example", "pendulum", "--method", "stormer-verlet", "--order", "4", "--format", "json"]);
    assert_eq!(ours["corrections"], builtin["corrections"]);
    assert!(
        ours["method"].as_str().unwrap().starts_with("lobatto-iiia-iiib (lobatto-iiia for p"),
        "{}",
        ours["method"]
    );
    let (code, out, err) = bea(&["derive", "--example", "pendulum", "--method", path, "--order", "1"]);
    assert!(code == 0 && out.contains("by Taylor expansion of the step"), "{out}{err}");
    let (code, out, err) = bea(&["verify", "--example", "pendulum", "--method", path, "--max-order", "4", "--strict"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = bea(&["series", "--method", path, "--order", "3"]);
    assert!(code == 0 && out.contains("part 1: lobatto-iiia, part 2: lobatto-iiib"), "{out}");
    for (body, want) in [
        ("name = \"x\"\n[part1]\na = [[\"0\"]]\nb = [\"1\"]\n", "missing table [part2]"),
        ("name = \"x\"\nfoo = 1\n[part1]\na = [[\"0\"]]\nb = [\"1\"]\n[part2]\na = [[\"1\"]]\nb = [\"1\"]\n", "unknown key 'foo'"),
        ("name = \"x\"\n[part1]\na = [[\"0\"]]\nb = [\"1/2\"]\n[part2]\na = [[\"1\"]]\nb = [\"1\"]\n", "sum to 1/2"),
        ("name = \"x\"\n[part1]\na = [[\"0\"]]\nb = [\"1\"]\n[part2]\na = [[\"0\", \"0\"], [\"1\", \"0\"]]\nb = [\"1/2\", \"1/2\"]\n", "part 2 has 2 stages"),
    ] {
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, body).unwrap();
        refused(&["derive", "--example", "pendulum", "--method", bad.to_str().unwrap()], &[want]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Review (session 7) of the sweeps: a shard judges nothing and writes no report (two shards printed different
/// verdicts on the same data and overwrote each other's report); a finished run of another configuration under the
/// same id is refused, not silently replaced; the full run afterwards reuses every shard's runs and counts the
/// verdicts over seeds in words.
#[test]
fn sweeps_shard_without_verdicts_and_keep_other_configurations() {
    let dir = std::env::temp_dir().join(format!("bea-sweep7-{}", std::process::id()));
    let out = dir.to_string_lossy().to_string();
    let base = ["experiment", "igr-mlp", "--widths", "8", "--learning-rates", "0.1,0.05", "--eval-every", "30"];
    let run = |extra: &[&str]| bea(&[&base[..], &["--out", &out], extra].concat());
    for shard in ["0/2", "1/2"] {
        let (code, text, err) = run(&["--steps", "60", "--seeds", "0,1", "--shard", shard]);
        assert_eq!(code, 0, "{err}");
        assert!(text.starts_with(&format!("shard {shard}: 2 runs done")) && !text.contains("Prediction"), "{text}");
        assert!(!dir.join("igr_mlp_report.json").exists(), "a shard wrote the report");
    }
    let (code, text, err) = run(&["--steps", "60", "--seeds", "0,1"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("runs: 4 of 4") && text.contains("(n = 2 seeds;"), "{text}");
    assert!(dir.join("igr_mlp_report.json").exists());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("igr_mlp_report.json")).unwrap()).unwrap();
    assert_eq!(v["skipped"], 4, "every shard's run reused");
    let (code, _, err) = run(&["--steps", "90", "--seeds", "0,1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("finished run of another configuration (train.steps: 60 -> 90)"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
