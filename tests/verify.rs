//! The numeric harness on derived series: local-error slopes N + 2 (Theorem 3.1 of Barrett & Dherin for N = 1),
//! and the measured verdict on the paper's recursion.

use bea::cli::verify_problem;
use bea::spec::{examples, Problem, Recursion};
use bea_verification::order::OrderConfig;

fn check(name: &str, recursion: Recursion, max_order: usize) -> bea_verification::order::OrderReport {
    let mut raw = examples::example(name).unwrap();
    raw.recursion = Some(recursion);
    let p = Problem::from_raw(&raw).unwrap();
    verify_problem(&p, max_order, None, &OrderConfig::default()).unwrap()
}

/// Every catalogue problem with numbers (all but the generic field) passes N = 0..3 with the general recursion.
#[test]
fn general_recursion_has_the_right_order_on_the_catalogue() {
    for (name, _) in examples::CATALOGUE.iter().filter(|(n, _)| *n != "generic2d") {
        let r = check(name, Recursion::General, 3);
        for c in &r.checks {
            assert!(c.pass, "{name}: N = {} slope {:?}, expected {}", c.order, c.slope, c.expected);
        }
    }
}

/// The paper's recursion (App. A.1), measured: on gradient fields it has the right order for N = 1, 2 and the
/// wrong one from N = 3 (slope about 4 instead of 5); on non-gradient fields it is wrong from N = 1 (slope 2).
#[test]
fn paper_recursion_verdict_is_measured() {
    for name in ["quartic", "two-param", "poly3d"] {
        let r = check(name, Recursion::Paper, 3);
        let slope = |n: usize| r.checks.iter().find(|c| c.order == n).unwrap();
        assert!(slope(1).pass && slope(2).pass, "{name}: paper recursion N = 1, 2");
        assert!(!slope(3).pass, "{name}: paper recursion N = 3 should fail");
        // The harness's fit over the whole grid includes the pre-asymptotic large steps (3.68 on two-param and
        // quartic); the slope over the six finest points it used, all far above the rounding floor, is the
        // asymptotic one.
        let s3 = asymptotic_slope(slope(3), 6);
        assert!(slope(3).slope.unwrap() < 4.3, "{name}: slope {:?}", slope(3).slope);
        assert!(s3 > 3.7 && s3 < 4.3, "{name}: N = 3 asymptotic slope {s3}, expected about 4: {:?}", slope(3));
    }
    for name in ["lotka-volterra", "harmonic", "pendulum"] {
        let r = check(name, Recursion::Paper, 1);
        let c = r.checks.iter().find(|c| c.order == 1).unwrap();
        assert!((c.slope.unwrap() - 2.0).abs() < 0.15, "{name}: paper N = 1 slope {:?}", c.slope);
    }
}

/// Least-squares log-log slope over the `k` smallest step sizes that entered the harness's fit (each at least
/// 100 times the rounding floor).
fn asymptotic_slope(c: &bea_verification::order::OrderCheck, k: usize) -> f64 {
    let mut pts: Vec<(f64, f64)> =
        c.points.iter().filter(|p| c.used_h.contains(&p[0])).map(|p| (p[0].ln(), p[1].ln())).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts.truncate(k);
    assert_eq!(pts.len(), k, "{} points used, {k} wanted", c.used_h.len());
    assert!(pts.iter().all(|&(_, e)| e > (100.0 * c.floor).ln()), "points near the floor: {c:?}");
    let n = k as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

/// A symbolic parameter without a value cannot be verified: a clear error.
#[test]
fn unbound_parameters_are_reported() {
    let mut raw = examples::example("two-param").unwrap();
    raw.verify = None;
    let p = Problem::from_raw(&raw).unwrap();
    let e = verify_problem(&p, 1, Some(vec![1.0, 0.8]), &OrderConfig::default()).unwrap_err();
    assert!(format!("{e:#}").contains("has no value"), "{e:#}");
}

/// Every built-in Runge-Kutta method: its B-series modified field, truncated at N = 0..3, has the local-error
/// slope of the first non-vanishing correction (p + 1 below the method's order p, N + 2 above, one more where a
/// correction vanishes, as for the symmetric implicit midpoint rule), against the method's numeric step.
#[test]
fn every_builtin_method_has_the_right_order() {
    for method in bea::derive::bseries::tableau::BUILTIN_METHODS {
        for name in ["lotka-volterra", "pendulum", "quartic"] {
            let mut raw = examples::example(name).unwrap();
            raw.method = Some(method.to_string());
            let p = Problem::from_raw(&raw).unwrap();
            let r = verify_problem(&p, 3, None, &OrderConfig::default()).unwrap();
            for c in &r.checks {
                assert!(
                    c.pass,
                    "{method} on {name}: N = {} slope {:?}, expected {} ({:?})",
                    c.order, c.slope, c.expected, c.error
                );
            }
        }
    }
}

/// Checked below the method's order, the expected slope comes from the first non-zero correction even when it lies
/// past `--max-order` + 1 (found by review: rk4 at `--max-order 0` expected 3 and `1` expected 4, while the local
/// error of a fourth-order method is O(h^5), GNI II.1; right fields failed). SSPRK(3,3) is order 3: slope 4.
#[test]
fn low_max_order_below_the_method_order_expects_p_plus_one() {
    for (method, p) in [("rk4", 4), ("ssprk33", 3)] {
        for max_order in 0..=1 {
            let mut raw = examples::example("pendulum").unwrap();
            raw.method = Some(method.into());
            let r =
                verify_problem(&Problem::from_raw(&raw).unwrap(), max_order, None, &OrderConfig::default()).unwrap();
            for c in &r.checks {
                assert_eq!(c.expected, p + 1, "{method} N = {}", c.order);
                assert!(c.pass, "{method} N = {}: {:?} {:?}", c.order, c.slope, c.error);
            }
        }
    }
}

// ---------- heavy-ball momentum: a two-step method, checked by the harness's TwoStep kind ----------

fn heavy_ball_problem(name: &str, beta: &str) -> Problem {
    let mut raw = examples::example(name).unwrap();
    raw.method = Some("heavy-ball".into());
    raw.beta = Some(bea::spec::RawValue::Text(beta.into()));
    Problem::from_raw(&raw).unwrap()
}

/// The catalogue's losses (the examples with `loss`): quartic and two-param.
fn catalogue_losses() -> Vec<&'static str> {
    let losses: Vec<&str> =
        examples::CATALOGUE.iter().map(|(n, _)| *n).filter(|n| examples::example(n).unwrap().loss.is_some()).collect();
    assert!(losses.contains(&"quartic") && losses.contains(&"two-param"), "{losses:?}");
    losses
}

/// Heavy ball's slow-manifold modified field (derived by B-series, `f_0 = f/(1-β)`), truncated at N = 0..3, has
/// local-error slope N + 2 against one heavy-ball step started on its flow, on every catalogue loss, β = 1/2 and
/// 9/10 (issue 5: "verify it with the order harness on the catalogue losses").
#[test]
fn heavy_ball_has_the_right_order_on_the_catalogue_losses() {
    for name in catalogue_losses() {
        for beta in ["1/2", "9/10"] {
            let r = verify_problem(&heavy_ball_problem(name, beta), 3, None, &OrderConfig::default()).unwrap();
            assert_eq!(r.checks.len(), 4);
            for c in &r.checks {
                assert!(
                    c.pass && c.expected == c.order + 2,
                    "heavy-ball beta = {beta} on {name}: N = {} slope {:?}, expected {} ({:?})",
                    c.order,
                    c.slope,
                    c.expected,
                    c.error
                );
            }
        }
    }
}

/// The same check catches a wrong first correction on a catalogue loss: gradient descent's `f_1 = -1/2 f'f`
/// divided by `1 - β` (the coefficient one gets by rescaling time instead of deriving) gives slope 2, not 3,
/// while bea's derived `f_1 = -(1+β)/(2(1-β)^3) f'f` passes on the same grid.
#[test]
fn heavy_ball_check_fails_a_wrong_first_correction() {
    use bea::derive::bseries::derive_heavy_ball;
    use bea::emit::evaluator::ModifiedFieldEvaluator;
    use bea_verification::order::{check_order_with, Candidate, StepKind};
    use std::collections::HashMap;

    let mut p = Problem::from_raw(&examples::example("quartic").unwrap()).unwrap();
    p.order = 1;
    let theta0 = p.verify.at.clone().unwrap();
    let none = HashMap::new();
    for (beta, b) in [(bea::algebra::Coef::new(1, 2), 0.5), (bea::algebra::Coef::new(9, 10), 0.9)] {
        let hb = derive_heavy_ball(&p, beta).unwrap();
        let right = ModifiedFieldEvaluator::compile(&hb.problem.algebra, &hb.leading, &hb.corrections, &none).unwrap();
        let gd = bea::derive::derive(&p).unwrap();
        let gd =
            ModifiedFieldEvaluator::compile(&gd.problem.algebra, &gd.problem.field, gd.corrections(), &none).unwrap();
        let f = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, &[], &none).unwrap();
        let step = |prev: &[f64], cur: &[f64], h: f64| -> Vec<f64> {
            let mut g = vec![0.0; 2];
            f.eval(cur, 0.0, 0, &mut g);
            (0..2).map(|i| cur[i] + h * g[i] + b * (cur[i] - prev[i])).collect()
        };
        let wrong = Candidate::new("gd-f1", 1, |th: &[f64], h: f64, out: &mut [f64]| {
            let (mut f0, mut f1, mut f01) = ([0.0; 2], [0.0; 2], [0.0; 2]);
            right.eval(th, 0.0, 0, &mut f0); // f/(1-β)
            gd.eval(th, 0.0, 0, &mut f1);
            gd.eval(th, 1.0, 1, &mut f01); // f + f_1(GD)
            for i in 0..2 {
                out[i] = f0[i] + h * (f01[i] - f1[i]) / (1.0 - b);
            }
        });
        let derived = Candidate::new("derived", 1, |th: &[f64], h: f64, out: &mut [f64]| right.eval(th, h, 1, out));
        let mut cfg = OrderConfig::default();
        cfg.grid.h_max *= (1.0 - b) * (1.0 - b);
        let bad = check_order_with(StepKind::TwoStep(&step), &wrong, &theta0, &cfg);
        let s = bad.slope.unwrap();
        assert!(!bad.pass && (s - 2.0).abs() < 0.15, "beta = {b}: wrong f_1 slope {s}");
        let good = check_order_with(StepKind::TwoStep(&step), &derived, &theta0, &cfg);
        assert!(good.pass, "beta = {b}: derived f_1 slope {:?}", good.slope);
    }
}

/// Heavy ball steps along -grad E: a vector-field problem is refused with a clear error, not a panic.
#[test]
fn heavy_ball_verify_needs_a_loss() {
    let e = verify_problem(&heavy_ball_problem("lotka-volterra", "1/2"), 2, None, &OrderConfig::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a loss") && e.contains("lotka-volterra"), "{e}");
}

/// `--starts`: the same candidates at several start points. On the quartic the general recursion passes N = 0..3
/// at every point and the paper recursion's N = 3 fails (the finding above, now at every point); the first point
/// is the example's own, with the same report as a single-point run; the drawn points differ from it and repeat
/// from run to run.
#[test]
fn several_start_points() {
    use bea::cli::verify_problem_starts;
    use bea_verification::order::Verdict;
    let mut raw = examples::example("quartic").unwrap();
    raw.recursion = Some(Recursion::Both);
    let p = Problem::from_raw(&raw).unwrap();
    let cfg = OrderConfig::default();
    let multi = verify_problem_starts(&p, 3, None, 3, &cfg).unwrap();
    assert_eq!(multi.reports.len(), 3);
    assert_eq!(multi.skipped, 0, "the quartic is finite everywhere");
    assert_eq!(multi.reports[0], verify_problem(&p, 3, None, &cfg).unwrap());
    assert!(multi.reports[1].theta0 != multi.reports[0].theta0 && multi.reports[2].theta0 != multi.reports[1].theta0);
    for c in &multi.combined {
        assert_eq!(c.per_point.len(), 3);
        match (c.recursion.as_str(), c.order) {
            ("paper", 3) => assert_eq!(c.verdict, Verdict::Fail, "{c:?}"),
            _ => assert_eq!(c.verdict, Verdict::Pass, "{c:?}"),
        }
    }
    let again = verify_problem_starts(&p, 3, None, 3, &cfg).unwrap();
    let points = |m: &bea_verification::order::multi::MultiStartReport| {
        m.reports.iter().map(|r| r.theta0.clone()).collect::<Vec<_>>()
    };
    assert_eq!(points(&multi), points(&again));
}

/// Drawn points where the field or a correction is not finite are skipped and counted: with E = x log x - x
/// (f = -log x) around x = 0.02 (draws in [-0.48, 0.52]) about half the draws fall at x <= 0; with the fixed seed
/// one of the first four does.
#[test]
fn start_points_skip_singular_draws() {
    use bea::cli::verify_problem_starts;
    use bea::spec::RawProblem;
    let raw = RawProblem { loss: Some("x*log(x) - x".into()), vars: vec!["x".into()], ..Default::default() };
    let p = Problem::from_raw(&raw).unwrap();
    let multi = verify_problem_starts(&p, 1, Some(vec![0.02]), 4, &OrderConfig::default()).unwrap();
    assert_eq!(multi.reports.len(), 4);
    assert!(
        multi.skipped > 0,
        "no draw was skipped: {:?}",
        multi.reports.iter().map(|r| &r.theta0).collect::<Vec<_>>()
    );
    assert!(multi.reports.iter().all(|r| r.theta0[0] > 0.0));
    let e = verify_problem_starts(&p, 1, Some(vec![0.02]), 0, &OrderConfig::default()).unwrap_err();
    assert!(e.to_string().contains("--starts 0 is out of range"), "{e}");
}

/// `--precision double-double`: with the local errors measured to about 32 digits (floor 1e-29), gradient descent's
/// truncations pass to N = 10 on every catalogue problem, where double precision is inconclusive from N = 7-9
/// (measured with the same grid; README). The oracle is the harness's slope, as in double precision.
#[test]
fn double_double_passes_the_catalogue_to_n_10() {
    use bea::cli::{verify_problem_with, Precision};
    use bea_verification::order::Verdict;
    for (name, _) in examples::CATALOGUE.iter().filter(|(n, _)| *n != "generic2d") {
        let p = Problem::from_raw(&examples::example(name).unwrap()).unwrap();
        let r = verify_problem_with(&p, 10, None, 1, Precision::DoubleDouble, &OrderConfig::default()).unwrap();
        let report = &r.reports[0];
        assert_eq!(report.checks.len(), 11);
        for c in &report.checks {
            assert_eq!(
                c.verdict,
                Verdict::Pass,
                "{name}: N = {} slope {:?}, expected {}: {c:?}",
                c.order,
                c.slope,
                c.expected
            );
            assert!(c.floor < 1e-28, "{name}: floor {}", c.floor);
        }
    }
}

/// In double-double the paper recursion's finding stands and sharpens: on the quartic loss it fails at every
/// N = 3..6 with the slope of its first wrong term (about 4), while the general recursion passes; Runge-Kutta
/// steps are taken with their exact tableaus (rk4 to N = 8, the implicit midpoint rule's even-only series to N = 6).
#[test]
fn double_double_paper_recursion_and_runge_kutta() {
    use bea::cli::{verify_problem_with, Precision};
    use bea_verification::order::Verdict;
    let dd = |name: &str, method: Option<&str>, recursion: Recursion, n: usize| {
        let mut raw = examples::example(name).unwrap();
        raw.method = method.map(String::from);
        raw.recursion = Some(recursion);
        let p = Problem::from_raw(&raw).unwrap();
        verify_problem_with(&p, n, None, 1, Precision::DoubleDouble, &OrderConfig::default()).unwrap().reports.remove(0)
    };
    let both = dd("quartic", None, Recursion::Both, 6);
    for c in &both.checks {
        if c.recursion == "paper" && c.order >= 3 {
            assert_eq!(c.verdict, Verdict::Fail, "{c:?}");
            assert!((c.slope.unwrap() - 4.0).abs() < 0.1, "{c:?}");
        } else {
            assert_eq!(c.verdict, Verdict::Pass, "{c:?}");
        }
    }
    for (method, n) in [("rk4", 8), ("implicit-midpoint", 6)] {
        let r = dd("pendulum", Some(method), Recursion::General, n);
        assert!(r.checks.iter().all(|c| c.verdict == Verdict::Pass), "{method}: {r:?}");
    }
}
