//! The paper's propositions, checked numerically (Barrett & Dherin, ICLR 2021).
use bea_verification::theorems::*;
use bea_verification::two_param::{hyperbola_points, remark_3_2, TwoParamModel};

fn quartic() -> impl Loss {
    // E = (a² + b² − 1)²/4 + a b³/3 (hand-written gradient)
    ClosureLoss::new(
        2,
        |t: &[f64]| (t[0] * t[0] + t[1] * t[1] - 1.0).powi(2) / 4.0 + t[0] * t[1].powi(3) / 3.0,
        |t: &[f64]| {
            let s = t[0] * t[0] + t[1] * t[1] - 1.0;
            vec![s * t[0] + t[1].powi(3) / 3.0, s * t[1] + t[0] * t[1] * t[1]]
        },
    )
}

fn sample_points() -> Vec<Vec<f64>> {
    vec![vec![2.8, 3.5], vec![0.3, -1.2], vec![1.0, 0.6], vec![-2.0, 0.1], vec![0.775, 0.774]]
}

/// Prop. 3.3 / Cor. A.6.1: slope² from the surface normal equals m R_IG = ‖∇E‖².
#[test]
fn slope_identity_holds_and_catches_a_wrong_gradient() {
    let m = TwoParamModel::default();
    let v = check_slope_identity(&m, &sample_points(), &SlopeConfig::default());
    assert!(v.pass, "{v:?}");
    let v = check_slope_identity(&quartic(), &sample_points(), &SlopeConfig::default());
    assert!(v.pass && v.max_rel_error < 1e-6, "{v:?}");
    let wrong = ClosureLoss::new(
        2,
        |t: &[f64]| m.loss([t[0], t[1]]),
        |t: &[f64]| m.grad([t[0], t[1]]).iter().map(|g| 2.0 * g).collect(),
    );
    assert!(!check_slope_identity(&wrong, &sample_points(), &SlopeConfig::default()).pass);
}

/// Prop. A.9 along GD at moderate and large rates; a divergent run is reported, not a panic.
#[test]
fn norm_growth_bound_along_gd() {
    let m = TwoParamModel::default();
    for h in [1e-3, 0.025, 0.18] {
        let v = check_norm_growth(&m, &[2.8, 3.5], &NormGrowthConfig { h, steps: 500, ..Default::default() });
        assert!(v.pass && !v.diverged && v.max_excess <= 1e-9, "{v:?}");
    }
    let v = check_norm_growth(&m, &[2.8, 3.5], &NormGrowthConfig { h: 1.0, steps: 500, ..Default::default() });
    assert!(v.diverged, "{v:?}");
}

/// Prop. A.9 is tight on the diagonal a = b near the origin: there the residual r = y - a b x is
/// positive and -grad E = r x (b, a) is parallel to theta, so a GD step moves straight outwards
/// and the norm grows by exactly h slope. A loss whose reported gradient is 2 grad E (E itself
/// unchanged, so the geometric slope still measures |grad E|) takes steps of twice that length
/// in the same direction: the norm grows by 2 h slope and the check must fail. (Starting at
/// (2.8, 3.5) GD moves inwards and the one-sided bound could not catch the wrong gradient.)
#[test]
fn norm_growth_check_catches_a_wrong_step_gradient() {
    let m = TwoParamModel::default();
    let cfg = NormGrowthConfig { h: 0.025, steps: 500, ..Default::default() };
    let right = ClosureLoss::new(2, |t: &[f64]| m.loss([t[0], t[1]]), |t: &[f64]| m.grad([t[0], t[1]]).to_vec());
    let v = check_norm_growth(&right, &[0.2, 0.2], &cfg);
    assert!(v.pass && !v.diverged && v.steps == 500, "{v:?}");
    assert!((v.max_ratio - 1.0).abs() < 1e-6, "the bound is attained on the diagonal: {v:?}");
    let wrong = ClosureLoss::new(
        2,
        |t: &[f64]| m.loss([t[0], t[1]]),
        |t: &[f64]| m.grad([t[0], t[1]]).iter().map(|g| 2.0 * g).collect(),
    );
    let v = check_norm_growth(&wrong, &[0.2, 0.2], &cfg);
    assert!(!v.pass && v.violations > 0 && v.max_excess > 0.0, "{v:?}");
    // Measured: 238 of 500 steps violate, max ratio 2.01 (>= 2: near the minimum the
    // finite-difference slope is a small number with a larger relative error).
    assert!(v.violations > 100 && v.max_ratio > 1.99, "growth is 2 h slope: {v:?}");
}

/// Prop. A.10 on the 2-parameter model: points of ab = y/x are minima and zeros of the
/// modified loss; the modified gradient flow ends on zeros of E.
#[test]
fn modified_loss_keeps_minima_and_zeros() {
    let m = TwoParamModel::default();
    let minima = hyperbola_points(&m, -3.0, 3.0, 9);
    let starts = vec![vec![2.8, 3.5], vec![-1.0, 2.0], vec![0.1, 0.2]];
    let v = check_modified_minima(&m, &minima, &starts, &MinimaConfig::default());
    assert!(v.pass, "{v:?}");
    assert!(v.descents_end_at_zeros, "{:?}", v.descents);
    // A point off the hyperbola is not a minimum of E, and is flagged.
    let v = check_modified_minima(&m, &[vec![1.0, 1.0]], &[], &MinimaConfig::default());
    assert!(!v.pass);
}

/// Remark 3.2: the first-order modified flow tracks GD at small h and stops at a finite
/// threshold (criterion: twice as close as the gradient flow, over t in [0, 10]).
#[test]
fn tracking_threshold_exists() {
    let m = TwoParamModel::default();
    let cfg = TrackingConfig { grid_count: 8, bisection_steps: 3, checkpoints: 40, ..Default::default() };
    let v = remark_3_2(&m, [2.8, 3.5], &cfg);
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    let t = v.threshold.expect("small rates track");
    assert!(t > cfg.h_min && t < cfg.h_max, "{v:?}");
    assert!(v.points[0].ratio < 0.1, "{:?}", v.points[0]);
}
