//! Order checks: passes on hand-written corrections, catches wrong ones, survives bad input.
use bea_verification::flow::FlowConfig;
use bea_verification::order::{
    check_order, check_orders, format_table, plot_orders, Candidate, CheckError, OrderConfig,
};
use bea_verification::problems::{Field2, Linear2, LOTKA_VOLTERRA, TWO_PARAM_GRADIENT};

fn hand(p: &'static Field2, n: usize, sign1: f64, label: &str) -> Candidate<'static> {
    Candidate::new(label, n, move |th: &[f64], h: f64, out: &mut [f64]| p.truncated(th, h, n, sign1, out))
}

fn euler(p: &'static Field2) -> impl Fn(&[f64], f64) -> Vec<f64> {
    move |th: &[f64], h: f64| p.euler_step(th, h)
}

/// f_1 = −½ f′f (Theorem 3.1 proof; HLW IX) and f_2 = ⅓f′f′f + 1/12 f″(f,f) (HLW IX),
/// written by hand, give slopes N + 2 for N = 0, 1, 2.
#[test]
fn hand_written_corrections_pass() {
    for (p, th0) in [(&LOTKA_VOLTERRA, [1.5, 1.2]), (&TWO_PARAM_GRADIENT, [1.0, 0.8])] {
        let cands: Vec<Candidate> = (0..=2).map(|n| hand(p, n, 1.0, "hand")).collect();
        let rep = check_orders(&euler(p), &cands, &th0, &OrderConfig::default());
        assert!(rep.all_pass(), "{}:\n{}", p.name, format_table(&rep));
    }
}

/// The deliberately wrong f_1 (sign flipped) gives slope about 2, not 3, and fails.
#[test]
fn wrong_sign_first_correction_is_caught() {
    for (p, th0) in [(&LOTKA_VOLTERRA, [1.5, 1.2]), (&TWO_PARAM_GRADIENT, [1.0, 0.8])] {
        let c = check_order(&euler(p), &hand(p, 1, -1.0, "wrong"), &th0, &OrderConfig::default());
        let s = c.slope.unwrap();
        assert!(!c.pass && (s - 2.0).abs() < 0.1, "{}: slope {s}", p.name);
    }
}

/// Linear field: the exact modified field of explicit Euler is log(I + hA)/h
/// (HLW ch. IX), whose series is Σ (−h)^N A^{N+1}/(N+1): N = 0..4 pass.
#[test]
fn linear_oracle_orders_zero_to_four() {
    let lin = Linear2 { a: [[-1.0, 2.0], [-0.5, -0.3]] };
    let cands: Vec<Candidate> = (0..=4)
        .map(|n| Candidate::new("log(I+hA)/h", n, move |th: &[f64], h: f64, o: &mut [f64]| lin.truncated(th, h, n, o)))
        .collect();
    let rep = check_orders(&|th: &[f64], h: f64| lin.euler_step(th, h), &cands, &[1.0, 0.5], &OrderConfig::default());
    assert!(rep.all_pass(), "{}", format_table(&rep));
    // N = 4 is fitted only where its error is above the floor, not on the whole grid.
    assert!(rep.checks[4].used_h.len() < rep.checks[4].points.len());
}

/// The (numerically) exact modified field leaves nothing above the floor: a clear
/// TooFewPoints error, not a bogus slope.
#[test]
fn exact_modified_field_sits_on_the_floor() {
    let lin = Linear2 { a: [[-1.0, 2.0], [-0.5, -0.3]] };
    let c = Candidate::new("exact", 60, move |th: &[f64], h: f64, o: &mut [f64]| lin.truncated(th, h, 60, o));
    let mut cfg = OrderConfig::default();
    cfg.grid.h_max = 0.05; // inside the radius of convergence of the series
    let r = check_order(&|th: &[f64], h: f64| lin.euler_step(th, h), &c, &[1.0, 0.5], &cfg);
    assert!(!r.pass);
    assert!(matches!(r.error, Some(CheckError::TooFewPoints { .. })), "{:?}", r.error);
    assert!(r.points.iter().all(|p| p[1] < 1e-13), "{:?}", r.points);
}

/// Singular start, NaN during the flow, a panicking closure and an integrator limit all
/// become per-check errors, and the other checks still run.
#[test]
fn bad_input_becomes_errors_not_panics() {
    let step = euler(&LOTKA_VOLTERRA);
    let singular = Candidate::new("1/x", 0, |th: &[f64], _h: f64, o: &mut [f64]| {
        o[0] = 1.0 / (th[0] - 1.5);
        o[1] = 0.0;
    });
    let nan_later = Candidate::new("nan", 0, |th: &[f64], _h: f64, o: &mut [f64]| {
        let f = (LOTKA_VOLTERRA.f)(th);
        o[0] = if th[0] < 1.4 { f64::NAN } else { f[0] };
        o[1] = f[1];
    });
    let panics = Candidate::new("panic", 0, |_: &[f64], h: f64, _: &mut [f64]| {
        assert!(h < 0.1, "field undefined for h >= 0.1");
    });
    let good = hand(&LOTKA_VOLTERRA, 1, 1.0, "good");
    let rep = check_orders(&step, &[singular, nan_later, panics, good], &[1.5, 1.2], &OrderConfig::default());
    let kinds: Vec<_> = rep.checks.iter().map(|c| c.error.clone()).collect();
    assert!(matches!(kinds[0], Some(CheckError::SingularStart { .. })), "{:?}", kinds[0]);
    assert!(matches!(kinds[1], Some(CheckError::Flow { .. })), "{:?}", kinds[1]);
    assert!(matches!(kinds[2], Some(CheckError::Panicked { .. })), "{:?}", kinds[2]);
    assert!(rep.checks[3].pass && kinds[3].is_none());
    assert!(format_table(&rep).contains("error:"));

    let tight = OrderConfig { flow: FlowConfig { max_steps: 1, ..FlowConfig::default() }, ..OrderConfig::default() };
    let r = check_order(&step, &hand(&LOTKA_VOLTERRA, 1, 1.0, "x"), &[1.5, 1.2], &tight);
    assert!(!r.pass);
    assert!(matches!(r.error, Some(CheckError::Flow { .. })), "{:?}", r.error);
}

/// The JSON shape the CLI emits: {"checks":[{"recursion","order","slope","expected","pass","points"}]}.
#[test]
fn json_shape_table_and_plot() {
    let cands = vec![hand(&LOTKA_VOLTERRA, 0, 1.0, "general"), hand(&LOTKA_VOLTERRA, 1, 1.0, "paper")];
    let rep = check_orders(&euler(&LOTKA_VOLTERRA), &cands, &[1.5, 1.2], &OrderConfig::default());
    let v = serde_json::to_value(&rep).unwrap();
    let c = &v["checks"][1];
    assert_eq!(c["recursion"], "paper");
    assert_eq!(c["order"], 1);
    assert_eq!(c["expected"], 3);
    assert_eq!(c["pass"], true);
    assert!(c["slope"].as_f64().is_some());
    assert_eq!(c["points"][0].as_array().unwrap().len(), 2);
    let dir = std::env::temp_dir().join(format!("bea-order-{}", std::process::id()));
    let png = dir.join("orders.png");
    plot_orders(&rep, &png).unwrap();
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    std::fs::remove_dir_all(&dir).ok();
}
