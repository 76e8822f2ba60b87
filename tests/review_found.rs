//! Regression tests for what reviews found (split from `hardening.rs`, which keeps the fuzzing and resource-guard
//! tests): deep nesting, huge timeouts, bad orders and paths, imaginary constants, conflicting options, reports
//! that name their method, exact agreement, derivative-like names, numeric code generation, a closed stdout.

use crate::support::bea_cmd;
use std::time::{Duration, Instant};

/// Deeply nested input is a clear error, not a stack overflow (review: 10,000 nested parentheses, `sin(` 10,000
/// deep or 50,000 minus signs aborted `bea derive`). Runs on a 2 MiB thread, like a test thread or a small
/// worker; a formula just inside the limit (a sum of 2,000 terms, 95 nested `sin`) still validates there.
#[test]
fn review_found_deep_nesting_is_an_error_not_a_stack_overflow() {
    let check = || {
        let raw = |f: String| bea::spec::RawProblem {
            field: Some(vec![f]),
            vars: vec!["x".into()],
            order: Some(1),
            ..Default::default()
        };
        let deep = [
            format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000)),
            format!("{}x{}", "sin(".repeat(10_000), ")".repeat(10_000)),
            format!("{}x", "-".repeat(50_000)),
            format!("{}x", "x + ".repeat(100_000)),
            format!("{}x", "x^".repeat(10_000)),
            format!("P({}x{})", "(".repeat(5_000), ")".repeat(5_000)),
        ];
        for f in deep {
            let err = bea::spec::Problem::from_raw(&raw(f.clone())).unwrap_err().to_string();
            assert!(err.contains("nested too deeply"), "{}...: {err}", &f[..20]);
        }
        let sum = format!("{}x", "x + ".repeat(1_999));
        let mut p = bea::spec::Problem::from_raw(&raw(sum)).unwrap();
        let at_3 = p.algebra.eval_exact(&p.field[0], &[bea::algebra::Coef::int(3)]).unwrap();
        assert_eq!(at_3, bea::algebra::Coef::int(6000));
        let nested = format!("{}x{}", "sin(1 + ".repeat(95), ")".repeat(95));
        assert!(bea::spec::Problem::from_raw(&raw(nested)).is_ok());
    };
    std::thread::Builder::new().stack_size(2 << 20).spawn(check).unwrap().join().unwrap();
}

/// A huge `--timeout` is a clear error, not a panic (review: `--timeout 1e19` panicked adding the duration to the
/// clock); in the library a limit past the clock's range means no limit.
#[test]
fn review_found_huge_timeout_is_not_a_panic() {
    for t in ["1e19", "1e20", "1e-10"] {
        let (code, _, err) = crate::support::bea(&["derive", "--example", "quartic", "--order", "1", "--timeout", t]);
        assert_eq!(code, 2, "--timeout {t}: {err}");
        assert!(err.contains("--timeout must be a number of seconds from 0.001 to 1e9"), "{err}");
    }
    let p = bea::spec::Problem::from_raw(&bea::spec::examples::example("quartic").unwrap()).unwrap();
    let opts = bea::derive::DeriveOptions { timeout: Some(Duration::MAX), ..Default::default() };
    assert_eq!(bea::derive::derive_with(&p, &opts).unwrap().general.unwrap().len(), p.order);
}

/// `bea verify` refuses what it cannot do (review: `--max-order 18446744073709551615` ran out of memory, `--max-order
/// 31` ran for minutes, `--order` was silently ignored, `--plot DIR` gave a plotting library's error).
#[test]
fn review_found_verify_refuses_bad_orders_and_plot_paths() {
    let dir = std::env::temp_dir();
    let cases: [(&[&str], &str); 4] = [
        (&["--max-order", "11"], "--max-order 11 is too high: at most 10"),
        (&["--max-order", "18446744073709551615"], "at most 10"),
        (&["--order", "2"], "--order 2 does not apply to verify"),
        (&["--plot", dir.to_str().unwrap()], "is a directory; give the path of a .png file"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["verify", "--example", "quartic"];
        args.extend_from_slice(extra);
        let (code, _, err) = crate::support::bea(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(want), "{extra:?}: {err}");
    }
}

/// `--timeout` covers the analysis of the result (review: `sin(sin(...sin(x)))` 18 deep derived in a millisecond,
/// then its structure analysis ran for 4 s past `--timeout 1`, and for 27 s at depth 16 in a debug build).
#[test]
fn review_found_timeout_covers_the_structure_analysis() {
    let field = format!("{}x{}", "sin(".repeat(16), ")".repeat(16));
    let start = Instant::now();
    let (code, _, err) =
        crate::support::bea(&["derive", "--field", &field, "--vars", "x", "--order", "1", "--timeout", "1"]);
    let took = start.elapsed();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("timeout: the structure analysis"), "{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

/// Constants outside the real domain are errors (review: `sqrt(-1)*x` was taken as the imaginary unit, giving
/// `f_1 = x/2` and a real potential); real ones and symbolic arguments still pass.
#[test]
fn review_found_imaginary_constants_are_errors() {
    for (f, want) in [
        ("sqrt(-1)*x", "sqrt(-1) is not real"),
        ("log(-1)*x", "log(-1) is not real"),
        ("(-4)^(1/2)*x", "an even root of a negative number"),
        ("sqrt(-a)*x", "sqrt(-1) is not real"),
    ] {
        let set: &[&str] = if f.contains('a') { &["--set", "a=1"] } else { &[] };
        let mut args = vec!["derive", "--field", f, "--vars", "x"];
        args.extend_from_slice(set);
        let (code, _, err) = crate::support::bea(&args);
        assert_eq!(code, 2, "{f}: {err}");
        assert!(err.contains(want), "{f}: {err}");
    }
    for f in ["(-8)^(1/3)*x", "sqrt(4)*x", "log(2)*x", "sqrt(-a)*x"] {
        let (code, _, err) = crate::support::bea(&["derive", "--field", f, "--vars", "x", "--order", "1"]);
        assert_eq!(code, 0, "{f}: {err}");
    }
}

/// Roots of numbers are evaluated, their rational part taken out and the rest written as roots of primes at their
/// lowest index (found by review: `8^(1/3)`, `sqrt(4)` and `(-8)^(1/3)` stayed unevaluated and printed as
/// `((8)^(1/3))^2`). Expected values worked by hand.
#[test]
fn review_found_roots_of_numbers_are_evaluated() {
    let derive = |f: &str| crate::support::bea(&["derive", "--field", f, "--vars", "x", "--order", "1"]);
    for (f, want) in [
        ("8^(1/3)*x", "f[x] = 2*x"),
        ("(-8)^(1/3)*x", "f[x] = -2*x"),
        ("sqrt(4)*x", "f[x] = 2*x"),
        ("8^(-2/3)*x", "f[x] = 1/4*x"),
        ("(-27)^(-1/3)*x", "f[x] = -1/3*x"),
        ("sqrt(12)*sqrt(3)*x", "f[x] = 6*x"),
        ("1024^(1/10)*x", "f[x] = 2*x"),
        ("sqrt(8)*x", "f[x] = 2*x*sqrt(2)"),
        ("(1/8)^(1/2)*x", "f[x] = 1/2*x/sqrt(2)"),
        ("(-1/4)^(1/3)*x", "f[x] = -x/(2^(1/3))^2"),
        ("(1/4)^(2/3)*x", "f[x] = 1/2*x/2^(1/3)"),
        ("4^(1/4)*x", "f[x] = x*sqrt(2)"),
        ("x*(1/2)^(1/3)*2^(1/3)", "f[x] = x"),
        ("sqrt(6)*x", "f[x] = x*sqrt(2)*sqrt(3)"),
        ("(1009^2*2)^(1/4)*x", "f[x] = x*2^(1/4)*sqrt(1009)"),
    ] {
        let (code, out, err) = derive(f);
        assert_eq!(code, 0, "{f}: {err}");
        assert!(out.lines().any(|l| l.trim() == want), "{f}: want {want}\n{out}");
    }
    // Equal roots written differently cancel, so a division by an exact zero is caught (second review: these were
    // accepted and printed over a zero denominator).
    for f in [
        "x/(4^(1/4) - sqrt(2))",
        "x/((1/2)^(1/3) - 1/2^(1/3))",
        "x/(8^(1/6) - sqrt(2))",
        "x/(4^(1/6) - 2^(1/3))",
        "x/((1/9)^(1/4) - 1/sqrt(3))",
        "x/(sqrt(2036162) - 1009*sqrt(2))",
        "(4^(1/4) - sqrt(2))^(-1/2)*x",
        // Prime factors above 1000: not cancelled exactly, caught by the numeric check of constant divisors.
        "x/(sqrt(1009*1013) - sqrt(1009)*sqrt(1013))",
        "x*(sqrt(1009*1013) - sqrt(1009)*sqrt(1013))^(-2)",
        "x/(1/(sqrt(1009*1013) - sqrt(1009)*sqrt(1013)))",
    ] {
        let (code, _, err) = derive(f);
        assert_eq!(code, 2, "{f}: {err}");
        assert!(err.contains("division by zero"), "{f}: {err}");
    }
    // Nonzero constant divisors pass: sqrt(1022117) - 1011 is about 0.99995, 1 + exp(-800) rounds to 1.
    // Small but well above rounding (third review: a 12-digit threshold refused them): 1 - cos(1e-7) = 5.0e-15,
    // (sqrt(3) - sqrt(2))^14 = 1.07e-7 once expanded.
    for f in [
        "x/(sqrt(1022117) - 1011)",
        "x/(1 + exp(-800))",
        "x/(sqrt(2) - 1)",
        "x/(a - sqrt(2))",
        "x/(1 - cos(1e-7))",
        "x/((sqrt(3) - sqrt(2))^14 + 1 - 1)",
    ] {
        let (code, _, err) = derive(f);
        assert_eq!(code, 0, "{f}: {err}");
    }
}

/// Options that contradict each other are errors, not silently merged (review: `--example quartic --vars b,a` made
/// x, y parameters and printed f = 0; `--example quartic --field x --vars x` kept the example's order; `--set
/// x0=1,x0=2` kept the last value).
#[test]
fn review_found_conflicting_options_are_errors() {
    let cases: [(&[&str], &str); 4] = [
        (&["--example", "quartic", "--vars", "b,a"], "--vars names the variables of an inline --field/--loss"),
        (&["--example", "quartic", "--field", "x", "--vars", "x"], "do not combine them with --example quartic"),
        (&["--field", "x0*x", "--vars", "x", "--set", "x0=1,x0=2"], "--set gives 'x0' twice"),
        (&["--example", "quartic", "series/inputs/quartic.toml"], "give a problem file or --example, not both"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["derive"];
        args.extend_from_slice(extra);
        let (code, _, err) = crate::support::bea(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains("conflicting options: ") && err.contains(want), "{extra:?}: {err}");
    }
}

/// Reports name the method and recursion that produced them (review: the LaTeX header always said "explicit
/// Euler, recursion General"; heavy-ball printed f_0 = f/(1 - beta) as "field f"; generated Rust from the paper's
/// recursion looked like the exact field; errors printed `Paper` for `--recursion paper`).
#[test]
fn review_found_reports_name_their_method() {
    use crate::support::bea;
    let (_, out, _) = bea(&["derive", "--example", "harmonic", "--method", "rk4", "--format", "latex", "--order", "1"]);
    assert!(out.starts_with("% bea: modified equation of rk4 (by B-series)\n"), "{out}");
    let (_, out, _) = bea(&["derive", "--example", "quartic", "--format", "latex", "--recursion", "paper"]);
    assert!(
        out.starts_with("% bea: modified equation of explicit Euler (gradient descent), recursion: paper"),
        "{out}"
    );
    let (_, out, _) =
        bea(&["derive", "--example", "quartic", "--method", "heavy-ball", "--beta", "1/2", "--order", "1"]);
    assert!(out.contains("leading field f_0 = f/(1 - beta), f = -grad E:\n  f_0[x] = -2*x^3"), "{out}");
    // The JSON names the loss the problem was given as, and no recursion (review: "loss": null, "recursion":
    // "general" for a method derived by B-series).
    let (_, json, _) = bea(&[
        "derive",
        "--example",
        "quartic",
        "--method",
        "heavy-ball",
        "--beta",
        "1/2",
        "--order",
        "1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["loss"], "1/4*x^4 + 1/2*x^2*y^2 + 1/8*y^4 - x*y");
    assert!(v["recursion"].is_null(), "{json}");
    let (_, out, _) = bea(&["emit", "--example", "quartic", "--recursion", "paper", "--format", "rust"]);
    assert!(out.contains("by the paper's recursion"), "{}", &out[..300.min(out.len())]);
    let (code, _, err) = bea(&["derive", "--example", "quartic", "--method", "rk4", "--recursion", "paper"]);
    assert_eq!(code, 2);
    assert!(err.contains("--recursion paper applies to explicit Euler only"), "{err}");
}

/// A truncation that matches the method to rounding everywhere is inconclusive, not a failure (review: the
/// constant field `1`, which explicit Euler integrates exactly, was reported as FAIL, "only 0 points").
#[test]
fn review_found_exact_agreement_is_inconclusive_not_fail() {
    let (code, out, err) =
        crate::support::bea(&["verify", "--field", "1", "--vars", "x", "--at", "0.5", "--max-order", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("FAIL"), "{out}");
    assert!(out.contains("n/a") && out.contains("at rounding level for every h"), "{out}");
    assert!(out.contains("2 inconclusive"), "{out}");
}

/// A symbol spelled like the derivative notation of an unspecified function is refused (review: `P(x) - P_x`
/// printed `f_1 = 1/2*P_x*P_x - 1/2*P(x)*P_x`, where `P_x` meant both the parameter and dP/dx).
#[test]
fn review_found_derivative_like_names_are_refused() {
    let (code, _, err) = crate::support::bea(&["derive", "--field", "P(x) - P_x; 0", "--vars", "x,y"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ambiguous name: the symbol 'P_x' looks like a derivative of the unspecified function P"),
        "{err}"
    );
    let (code, _, err) = crate::support::bea(&["derive", "--field", "P(x) - Q_x; 0", "--vars", "x,y", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
}

/// Found by review (session 5), the numeric code generators:
/// - monomials of high total degree overflowed the stack (`-x^1000` at order 24: a recursion one level per degree);
/// - a coefficient beyond f64 was written as the bare word `inf` (generated Rust that does not compile, exit 0);
/// - odd roots of negative numbers were NaN (`powf(1/3)`), though the algebra means the real root;
/// - LaTeX printed `x_10` raw (x₁0) in the formulas while the left-hand sides escaped it.
#[test]
fn review_found_numeric_code_generation() {
    // High degree: the Rust module is generated (in a 2 MiB thread, like a small worker) and is long.
    let deep = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let (code, out, err) = crate::support::bea(&[
                "emit", "--field", "-x^1000", "--vars", "x", "--order", "24", "--format", "rust",
            ]);
            assert_eq!(code, 0, "{err}");
            out
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(deep.contains("pub fn modified_field") && !deep.contains("inf"), "{}", &deep[..200]);
    // Out of range: a clear error naming the problem, for every numeric output.
    let (code, _, err) =
        crate::support::bea(&["emit", "--field", "-1e12*x^2", "--vars", "x", "--order", "25", "--format", "rust"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("beyond the range of double precision") && !err.contains("panicked"), "{err}");
    // Odd roots: the real cube root (-8)^(1/3) = -2, and x^(1/3) at x = -8 is -2 (closed forms); the generated Rust
    // uses cbrt. An even root of a negative number stays NaN (reported as not finite by the checked calls).
    let raw = |f: &str| bea::spec::RawProblem {
        field: Some(vec![f.into()]),
        vars: vec!["x".into()],
        order: Some(1),
        ..Default::default()
    };
    let p = bea::spec::Problem::from_raw(&raw("x^(1/3) + x^(1/5)")).unwrap();
    let ev = bea::emit::evaluator::Evaluator::compile(&p.algebra, &p.field, &Default::default()).unwrap();
    let mut out = [0.0];
    ev.eval(&[-8.0], &mut out);
    assert!((out[0] - (-2.0 - 8f64.powf(0.2))).abs() < 1e-14, "{out:?}");
    ev.eval(&[27.0], &mut out);
    assert!((out[0] - (3.0 + 27f64.powf(0.2))).abs() < 1e-14, "{out:?}");
    let p = bea::spec::Problem::from_raw(&raw("sqrt(x)")).unwrap();
    let ev = bea::emit::evaluator::Evaluator::compile(&p.algebra, &p.field, &Default::default()).unwrap();
    ev.eval(&[-4.0], &mut out);
    assert!(out[0].is_nan());
    let (code, out, err) = crate::support::bea(&["verify", "--field", "(-8)^(1/3)*x", "--vars", "x", "--at", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 of 4 checks pass"), "{out}");
    let (code, rust, err) =
        crate::support::bea(&["emit", "--field", "-x^(1/3)", "--vars", "x", "--order", "1", "--format", "rust"]);
    assert_eq!(code, 0, "{err}");
    assert!(rust.contains(".cbrt()") && !rust.contains("powf"), "{rust}");
    // LaTeX names with an underscore: a subscript on both sides of every line.
    let (code, tex, err) = crate::support::bea(&[
        "derive",
        "--field",
        "-x_10*q_ab; x_10",
        "--vars",
        "x_10,q_ab",
        "--order",
        "1",
        "--format",
        "latex",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(tex.contains("f_{x_{10}} &= -x_{10} q_{ab} \\\\"), "{tex}");
    assert!(!tex.contains("x_10") && !tex.contains("q_ab"), "{tex}");
}

/// Found by review (session 5): a reader that stops early (`bea series --order 9 | head`) made `bea` panic with
/// "failed printing to stdout: Broken pipe" (exit 101). Closing the pipe now just ends the output.
#[test]
fn review_found_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    let mut child = bea_cmd(&["series", "--method", "rk4", "--order", "12"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe is closed (dropped)
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert!(first.starts_with(b"# rk4"), "{first:?}");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Review (session 7): correct fields FAILed at N = 0 with slope 1 where the flow crosses the field's features
/// within one step of the default grid, though `‖f′‖ <= 1` there (pendulum with p = 2000, `(2000, sin x)`,
/// `(800, 1/(1 + x²))`), and a start point just inside a domain edge (`sqrt(x)` at `x = 3e-6`) got no grid
/// scaling at all (its Jacobian's difference step crossed 0). The grid now follows the growth of `f_0, f_1, f_2`
/// and a Jacobian with a step shrunk to stay inside the domain: every check passes (slopes measured by hand on
/// grids given with --h-max pass too, which is what the reviewer used).
#[test]
fn review_found_fast_drift_and_domain_edges_get_their_time_scale() {
    for args in [
        &["--example", "pendulum", "--at", "0.7,2000", "--max-order", "1"][..],
        &["--field", "2000; sin(x)", "--vars", "x,y", "--at", "0.7,0.5"],
        &["--field", "800; 1/(1+x^2)", "--vars", "x,y", "--at", "0.1,0.5"],
        &["--field", "-sqrt(x); -y", "--vars", "x,y", "--at", "3e-6,1", "--max-order", "2"],
    ] {
        let (code, out, err) = crate::support::bea(&[&["verify", "--strict"][..], args].concat());
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(out.contains("step sizes scaled to the field"), "{args:?}: {out}");
    }
}

/// Review (session 7) of `bea theorems`: verdicts that were wrong for reasons outside the propositions.
/// - Prop. A.10 "failed" on the quartic only because `E < 0` somewhere (the zero statement's hypothesis); its
///   minimum search (200,000 steps of 1e-3) oscillated on `1000 |θ|²`, diverged on `2000 |θ|²` and stalled on
///   `|θ|⁴`; a saddle start was reported as a failure, not n/a.
/// - Prop. 3.3, an identity, "failed" at `10⁶ + |θ|²/2` (rounding of the secants) and at the quartic's `(3000, 1)`.
/// - Prop. A.9 "failed" with no violation when GD diverged on its first step, and on `sin(100 x) + y²/2` (930
///   violations of a triangle inequality: the finite-difference slope's own error).
/// - Remark 3.2 reported the top of its scan as a threshold where every rate tracked, and scanned no stable rate
///   at the paper's point II.
#[test]
fn review_found_theorem_verdicts_follow_their_hypotheses() {
    let run = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = crate::support::bea(&[&["theorems"][..], args].concat());
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    let outcome = |v: &serde_json::Value, k: &str| v[k]["outcome"].as_str().unwrap().to_string();
    let v = run(&["--example", "quartic"]);
    assert_eq!(outcome(&v, "prop_a10_minima"), "pass", "{}", v["prop_a10_minima"]);
    assert!(v["prop_a10_minima"]["reason"].as_str().unwrap().contains("E takes negative values"));
    for loss in ["1000*(x^2+y^2)", "2000*(x^2+y^2)", "(x^2+y^2)^2"] {
        let v = run(&["--loss", loss, "--vars", "x,y", "--at", "0.3,0.4"]);
        assert_eq!(outcome(&v, "prop_a10_minima"), "pass", "{loss}: {}", v["prop_a10_minima"]);
        let th = v["prop_a10_minima"]["minima"][0]["theta"].as_array().unwrap();
        assert!(th.iter().all(|x| x.as_f64().unwrap().abs() < 1e-3), "{loss}: the minimum is 0: {th:?}");
    }
    let v = run(&["--example", "quartic", "--at", "0,0"]);
    assert_eq!(outcome(&v, "prop_a10_minima"), "n/a", "a saddle: {}", v["prop_a10_minima"]);
    for args in [
        &["--loss", "1000000 + (x^2+y^2)/2", "--vars", "x,y", "--at", "0.3,0.4"][..],
        &["--example", "quartic", "--at", "3000,1"],
        &["--example", "two-param", "--at", "2000,2000"],
    ] {
        assert_eq!(outcome(&run(args), "prop_3_3_slope_identity"), "pass", "{args:?}");
    }
    let v = run(&["--example", "two-param", "--h", "1e10"]);
    assert_eq!(outcome(&v, "prop_a9_norm_growth"), "n/a", "{}", v["prop_a9_norm_growth"]);
    let v = run(&["--loss", "sin(100*x) + y^2/2", "--vars", "x,y", "--at", "0.3,0.4"]);
    assert_eq!(outcome(&v, "prop_a9_norm_growth"), "pass", "{}", v["prop_a9_norm_growth"]);
    let v = run(&["--example", "two-param"]);
    let t = &v["remark_3_2_tracking"];
    assert!(t["threshold"].is_null() && t["note"].as_str().unwrap().contains("above the scan"), "{t}");
    // Point II of the paper (Section 5): the scan follows the curvature there and finds a threshold of the order
    // of the paper's step 5e-5 (measured 5.2e-5).
    let t = &run(&["--example", "two-param", "--at", "75,74.925"])["remark_3_2_tracking"];
    let th = t["threshold"].as_f64().unwrap_or(f64::NAN);
    assert!(th > 1e-5 && th < 1e-3, "{t}");
}

/// Review (session 7) of derive/emit/verify input: silently wrong numbers and unsafe text, now errors.
#[test]
fn review_found_input_that_was_silently_wrong() {
    use crate::support::bea;
    let refused = |args: &[&str], want: &str| {
        let (code, out, err) = bea(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want) && !err.contains("panicked"), "{args:?}: {err}");
    };
    // Imaginary constants inside functions (rational ones were already refused).
    for f in ["x*sqrt(cos(1)-1)", "log(cos(2))*x", "log(exp(-1)-1)*x", "x*(cos(1)-1)^(1/2)"] {
        refused(&["derive", "--field", f, "--vars", "x"], "is not real: its argument is a constant equal to -0.");
    }
    let (code, _, err) = bea(&["derive", "--field", "x*sqrt(cos(1)+1)", "--vars", "x"]);
    assert_eq!(code, 0, "a positive constant is fine: {err}");
    // Numbers past double precision's range: an error, never 0 or inf; `_` is not a digit.
    refused(&["emit", "--field", "1e-200*x^2", "--vars", "x", "--order", "1"], "below the range of double precision");
    refused(&["verify", "--field", "-k*x", "--vars", "x", "--set", "k=1e-400", "--at", "1"], "k = 1/1000");
    refused(&["verify", "--example", "quartic", "--at", "1e-400,1"], "below the range of double precision");
    refused(&["verify", "--example", "quartic", "--at", "1e309,1"], "beyond the range of double precision");
    refused(&["verify", "--example", "quartic", "--at", "1_0,1"], "'1_0' is not a number");
    let (_, _, err) = bea(&["verify", "--example", "quartic", "--at", "1e308,1e308"]);
    assert!(err.contains("x=1e308") && err.len() < 300, "{err}");
    // Line breaks in names would be copied into generated code and tables.
    let dir = std::env::temp_dir().join(format!("bea-review7-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.toml");
    std::fs::write(&p, "name = \"evil\\npub fn injected() {}\\n//\"\nfield = [\"-x\"]\nvars = [\"x\"]\n").unwrap();
    refused(&["emit", p.to_str().unwrap()], "contains a control character");
    let t = dir.join("t.toml");
    std::fs::write(&t, "name = \"t\\nx\"\na = [[\"0\"]]\nb = [\"1\"]\n").unwrap();
    refused(&["derive", "--field", "-x", "--vars", "x", "--method", t.to_str().unwrap()], "control character");
    // An inconsistent tableau says why; exponents name their real limit.
    std::fs::write(&t, "name = \"half\"\na = [[\"0\"]]\nb = [\"1/2\"]\n").unwrap();
    refused(&["derive", "--field", "-x", "--vars", "x", "--method", t.to_str().unwrap()], "weights b sum to 1/2");
    refused(&["derive", "--field", "x^0.3333333333333333", "--vars", "x"], "denominator is above 65535");
    refused(&["derive", "--field", "x^(1/65536)", "--vars", "x"], "denominator is above 65535");
    // Heavy ball's generated module names its leading field.
    let (_, rust, _) =
        bea(&["emit", "--example", "quartic", "--method", "heavy-ball", "--beta", "1/2", "--order", "1"]);
    assert!(rust.contains("f~ = f_0 + h f_1") && rust.contains("f_0 = f/(1 - beta)") && !rust.contains("f = f_0."));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Review (session 7): `bea examples` panicked (exit 101) when standard output failed; it now reports it like
/// every other command (exit 2).
#[test]
fn review_found_examples_survives_a_failing_stdout() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let out = crate::support::bea_cmd(&["examples"]).stdout(full).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("writing to standard output") && !err.contains("panicked"), "{err}");
}

/// Review (session 7): `bea emit` had no `--timeout` or `--max-terms`; it now takes both, like `derive`.
#[test]
fn review_found_emit_takes_the_derivation_limits() {
    let (code, _, err) =
        crate::support::bea(&["emit", "--example", "quartic", "--order", "30", "--timeout", "0.3", "--format", "json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("timeout") && err.contains("--timeout"), "{err}");
    let (code, _, err) = crate::support::bea(&["emit", "--example", "quartic", "--timeout", "0"]);
    assert!(code == 2 && err.contains("--timeout must be"), "{err}");
    let (code, out, err) =
        crate::support::bea(&["emit", "--example", "quartic", "--order", "2", "--max-terms", "100000"]);
    assert!(code == 0 && out.contains("pub fn f_2"), "{err}");
}

/// Review (session 7): whether a potential was found depended on how the field was written: `--field
/// "1/(1+x)^2"` (its denominator expanded to the non-square-free `x^2 + 2x + 1`) had none, `--loss "1/(1+x)"` had
/// them all. The rational ansatz now also tries the full denominator. The potentials agree with the loss path's
/// (`E_2 = 11/42/(1 + x)^7`, also by hand: f_2 of f = (1 + x)^-2 is 11/6 (1 + x)^-8).
#[test]
fn review_found_potentials_do_not_depend_on_how_the_field_is_written() {
    let json = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) =
            crate::support::bea(&[&["derive", "--vars", "x", "--order", "3", "--format", "json"], args].concat());
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let field = json(&["--field", "1/(1+x)^2"]);
    let loss = json(&["--loss", "1/(1+x)"]);
    assert_eq!(field["modified_loss_order"], 3, "{}", field["modified_loss"]);
    assert_eq!(loss["modified_loss_order"], 3);
    // The same values at x = 0.5 (the two spell the denominators differently).
    for l in 0..3 {
        let e = |v: &serde_json::Value| {
            let p = v["corrections"][l]["potential"].as_str().unwrap().to_string();
            let raw =
                bea::spec::RawProblem { loss: Some(p), vars: vec!["x".into()], order: Some(1), ..Default::default() };
            let pr = bea::spec::Problem::from_raw(&raw).unwrap();
            let ev = bea::emit::evaluator::Evaluator::compile(
                &pr.algebra,
                std::slice::from_ref(pr.loss.as_ref().unwrap()),
                &Default::default(),
            )
            .unwrap();
            let mut o = [0.0];
            ev.eval(&[0.5], &mut o);
            o[0]
        };
        let (a, b) = (e(&field), e(&loss));
        assert!((a - b).abs() <= 1e-12 * b.abs(), "E_{}: {a} vs {b}", l + 1);
    }
}

/// Review (session 7) of the grid's time scale: a correction vanishing by accident at the start point
/// (`x^3/3 − x` at `x = 1e-6`, `f_1 ≈ 1e-6`) set `L` to 1.7e5 and left every check n/a, hiding the paper
/// recursion's FAIL at N = 4 (an independent 50-digit computation by the reviewer: slope 5.0 on the default grid);
/// with `--recursion paper` alone the paper's own wrong terms set the grid and its FAILs on the pendulum at
/// `p = 2000` became n/a. Both FAIL now, and `--h-max` may exceed 1 (a slow field, `E/1000`, needs it).
#[test]
fn review_found_the_grid_scale_cannot_hide_a_failure() {
    let verdicts = |args: &[&str]| -> Vec<(String, u64, String)> {
        let (code, out, err) = crate::support::bea(&[&["verify", "--format", "json"][..], args].concat());
        assert_eq!(code, 0, "{args:?}: {err}");
        crate::support::check_verdicts(&serde_json::from_str(&out).unwrap())
    };
    let v = verdicts(&["--loss", "x^3/3-x", "--vars", "x", "--at", "1e-6", "--recursion", "both", "--max-order", "4"]);
    assert!(v.contains(&("paper".into(), 4, "fail".into())), "{v:?}");
    let v = verdicts(&["--example", "pendulum", "--at", "0.7,2000", "--recursion", "paper", "--max-order", "3"]);
    assert!(v.iter().all(|(_, _, verdict)| verdict == "fail"), "{v:?}");
    let slow = "(1/1000)*(x^4/4 + x^2*y^2/2 - x*y + y^4/8)";
    let v = verdicts(&["--loss", slow, "--vars", "x,y", "--at", "0.6,0.3", "--recursion", "both", "--h-max", "200"]);
    assert!(v.contains(&("paper".into(), 3, "fail".into())), "{v:?}");
}

/// Review (session 7): `bea theorems` hung from about 20 parameters (directions drawn by rejection from the cube,
/// accepted with probability 2.5e-8 at m = 20); a candidate next to a domain edge (`log(x)` at `x = 1e-17`, whose
/// NaN samples were dropped) was judged as a minimum; a start far out (`|θ0| = 1.4e8`) "diverged" on its first
/// contracting step. Thirty parameters now take well under a second here.
#[test]
fn review_found_theorems_scale_to_many_parameters_and_edges() {
    let m = 30;
    let loss: Vec<String> = (0..m).map(|i| format!("x{i}^2/2")).collect();
    let vars: Vec<String> = (0..m).map(|i| format!("x{i}")).collect();
    let at = vec!["1"; m].join(",");
    let run = |args: &[&str]| -> serde_json::Value {
        let (code, out, err) = crate::support::bea(&[&["theorems"][..], args].concat());
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let start = Instant::now();
    let v = run(&["--loss", &loss.join(" + "), "--vars", &vars.join(","), "--at", &at]);
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
    assert_eq!(v["prop_a10_minima"]["outcome"], "pass", "{}", v["prop_a10_minima"]);
    let v = run(&["--loss", "log(x) + y^2", "--vars", "x,y", "--at", "1,1"]);
    assert_eq!(v["prop_a10_minima"]["outcome"], "n/a", "{}", v["prop_a10_minima"]);
    let v = run(&["--loss", "(x^2+y^2)/2", "--vars", "x,y", "--at", "1e8,1e8"]);
    assert_eq!(v["prop_a9_norm_growth"]["outcome"], "pass", "{}", v["prop_a9_norm_growth"]);
}
