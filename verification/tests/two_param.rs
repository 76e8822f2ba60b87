//! The Section 5 / Appendix A.4 experiments (reduced preset) and the hand-written model.
use bea_verification::problems::TWO_PARAM_GRADIENT;
use bea_verification::two_param::{run, write_outputs, TwoParamConfig, TwoParamModel};

/// Hand-written gradient and Hessian against central differences; the modified gradient of
/// eq. A.28 equals −(f + h f_1) with f_1 = −½ f′f; the second-order field matches
/// problems::TWO_PARAM_GRADIENT (two independent hand derivations).
#[test]
fn model_derivatives_agree() {
    let m = TwoParamModel::default();
    let t = [1.3, -0.7];
    let d = 1e-6;
    let g = m.grad(t);
    let fd = |i: usize| {
        let (mut p, mut q) = (t, t);
        p[i] += d;
        q[i] -= d;
        ((m.loss(p) - m.loss(q)) / (2.0 * d), m.grad(p), m.grad(q))
    };
    let hs = m.hessian(t);
    for i in 0..2 {
        let (gi, gp, gq) = fd(i);
        assert!((gi - g[i]).abs() < 1e-8);
        for j in 0..2 {
            assert!(((gp[j] - gq[j]) / (2.0 * d) - hs[j][i]).abs() < 1e-7);
        }
    }
    let h = 0.05;
    let lam = m.regularised_grad(t, h / 2.0);
    let f1 = TWO_PARAM_GRADIENT.f1(&t);
    let f = (TWO_PARAM_GRADIENT.f)(&t);
    for i in 0..2 {
        assert!((-lam[i] - (f[i] + h * f1[i])).abs() < 1e-12);
    }
    let mut out = [0.0; 2];
    TWO_PARAM_GRADIENT.truncated(&t, h, 2, 1.0, &mut out);
    let s = m.second_order_field(t, h);
    assert!((out[0] - s[0]).abs() < 1e-12 && (out[1] - s[1]).abs() < 1e-12);
}

/// The reduced experiments reproduce the paper's qualitative claims and write every output.
#[test]
fn reduced_experiments() {
    let cfg = TwoParamConfig::reduced();
    let res = run(&cfg);
    let d = &res.distances[0];
    assert!(d.closer_to_modified, "{d:?}");
    // Fig. 1b: R_IG/E = a² + b² at convergence decreases with the learning rate.
    let r: Vec<f64> = res.fig1b.iter().map(|p| p.ratio).collect();
    assert!(r.windows(2).all(|w| w[1] < w[0]), "{r:?}");
    assert!(res.fig1b.iter().all(|p| p.converged));
    // Fig. A.2: at convergence the test error is (0.6 − 0.3)²/2 = 0.045 whatever μ.
    for e in &res.egr_test {
        assert!((e.final_test_error - 0.045).abs() < 1e-9, "{e:?}");
    }
    let gd = res.runs.iter().find(|r| r.name == "gd_hM").unwrap();
    assert_eq!(gd.h, 0.025);
    let v = serde_json::to_value(&res).unwrap();
    assert!(v["runs"][1]["final"].as_array().is_some() && v["runs"][1]["norm2"].as_f64().is_some());
    assert!(v["fig1b"][0]["h"].is_number() && v["fig1b"][0]["ratio"].is_number());
    let dir = std::env::temp_dir().join(format!("bea-two-param-{}", std::process::id()));
    let files = write_outputs(&res, &cfg.model, &dir).unwrap();
    assert!(files.iter().all(|f| f.exists()));
    assert!(std::fs::read_to_string(dir.join("two_param.md")).unwrap().contains("Fig. 1b"));
    std::fs::remove_dir_all(&dir).ok();
}

/// GD at rates beyond stability diverges and is reported as such (no panic).
#[test]
fn divergent_rates_are_reported() {
    let mut cfg = TwoParamConfig::reduced();
    cfg.points.truncate(1);
    cfg.fig1b_rates = vec![0.5, 2.0];
    cfg.ricochet_rate = Some(1.0);
    cfg.egr_mus.clear();
    let res = run(&cfg);
    assert!(res.fig1b.iter().all(|p| p.diverged && !p.converged));
    assert!(res.ricochet.as_ref().unwrap().diverged);
    assert!(res.notes.iter().any(|n| n.contains("diverges")));
}
