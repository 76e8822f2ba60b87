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
        assert!(slope(3).slope.unwrap() < 4.3, "{name}: slope {:?}", slope(3).slope);
    }
    for name in ["lotka-volterra", "harmonic", "pendulum"] {
        let r = check(name, Recursion::Paper, 1);
        let c = r.checks.iter().find(|c| c.order == 1).unwrap();
        assert!((c.slope.unwrap() - 2.0).abs() < 0.15, "{name}: paper N = 1 slope {:?}", c.slope);
    }
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
