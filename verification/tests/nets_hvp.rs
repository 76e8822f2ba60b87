//! Hessian-vector products: finite differences against exact double backprop (candle with
//! CANDLE_GRAD_DO_NOT_DETACH=1) and against the 2-parameter model of Section 5 in closed form.
//! Own test binary, because double backprop changes candle's per-thread detach behaviour.

use bea_verification::nets::data::digits_split;
use bea_verification::nets::device::Precision;
use bea_verification::nets::hvp::{self, HvpConfig, HvpMethod};
use bea_verification::nets::models::{MlpConfig, Mode, ModelSpec, Net};
use bea_verification::nets::params;
use bea_verification::nets::resnet::ResNetConfig;
use candle_core::{DType, Device, Tensor, Var};

fn rel_err(a: &[Tensor], b: &[Tensor]) -> f64 {
    let d: Vec<Tensor> = a.iter().zip(b).map(|(x, y)| (x - y).unwrap()).collect();
    (params::sq_norm(&d).unwrap() / params::sq_norm(b).unwrap()).sqrt()
}

/// A digits model and a batch of 64; returns (net, x, y, v = grad E).
fn setup_model(spec: ModelSpec, flat: bool, p: Precision) -> (Box<dyn Net>, Tensor, Tensor, Vec<Tensor>) {
    let split = digits_split().unwrap();
    let small = split.train.truncate(64);
    let net = spec.build(&Device::Cpu, p.dtype(), 3).unwrap();
    let x = small.images_tensor(&Device::Cpu, p.dtype(), flat).unwrap();
    let y = small.labels_tensor(&Device::Cpu).unwrap();
    let (_, g) = hvp::loss_and_grad(net.as_ref(), &x, &y, Mode::Train).unwrap();
    let g: Vec<Tensor> = g.into_iter().map(|t| t.detach()).collect();
    (net, x, y, g)
}

fn setup(p: Precision) -> (Box<dyn Net>, Tensor, Tensor, Vec<Tensor>) {
    setup_model(ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)), true, p)
}

/// One row of the validation table.
struct Row {
    model: &'static str,
    p: Precision,
    method: HvpMethod,
    eps_rel: f64,
    /// Relative error with the ReLU pattern frozen (what `hvp_fd` and `egr_grad` do).
    frozen: f64,
    /// Relative error of the naive quotient (pattern re-evaluated at the displaced point).
    naive: f64,
}

/// The epsilon rule: finite differences with the ReLU pattern frozen against exact double
/// backprop on the digits MLP (64-32x5-10) and the small ResNet (BatchNorm in batch-statistics
/// mode), batch 64, float64 and float32. The numbers are printed (NETS.md quotes them).
#[test]
fn fd_hvp_matches_double_backprop_and_eps_rule() {
    let table = hvp::with_double_backprop(|| {
        let mut rows = Vec::new();
        let models: [(&'static str, ModelSpec, bool); 2] = [
            ("mlp", ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)), true),
            ("resnet", ModelSpec::ResNet(ResNetConfig::small(1, 10)), false),
        ];
        for (model, spec, flat) in models {
            for p in [Precision::F64, Precision::F32] {
                let (net, x, y, v) = setup_model(spec.clone(), flat, p);
                let exact = hvp::hvp_exact(net.as_ref(), &x, &y, &v).unwrap();
                let naive_loss = || hvp::batch_loss(net.as_ref(), &x, &y, Mode::TrainFrozen);
                for method in [HvpMethod::Forward, HvpMethod::Central] {
                    for eps_rel in [1e-3, 1e-4, 1e-5] {
                        let cfg = HvpConfig { method, eps_rel };
                        let fd = hvp::hvp_fd(net.as_ref(), &x, &y, &v, None, &cfg).unwrap();
                        let naive = hvp::hvp_fd_with(net.params(), &naive_loss, &v, None, &cfg).unwrap();
                        rows.push(Row {
                            model,
                            p,
                            method,
                            eps_rel,
                            frozen: rel_err(&fd, &exact),
                            naive: rel_err(&naive, &exact),
                        });
                    }
                }
            }
        }
        rows
    });
    for r in &table {
        eprintln!(
            "{} {:?} {:?} eps_rel {:e}: relative error frozen {:.2e}, naive {:.2e}",
            r.model, r.p, r.method, r.eps_rel, r.frozen, r.naive
        );
    }
    let row = |m: &str, p, meth, e| {
        table.iter().find(|r| r.model == m && r.p == p && r.method == meth && r.eps_rel == e).unwrap()
    };
    let d = HvpConfig::default().eps_rel;
    assert_eq!(d, 1e-4);
    for (m, tol) in [("mlp", 5e-3), ("resnet", 2e-2)] {
        for p in [Precision::F64, Precision::F32] {
            assert!(row(m, p, HvpMethod::Forward, d).frozen < tol, "{m} {p:?} forward");
            assert!(row(m, p, HvpMethod::Central, d).frozen < tol / 2.0, "{m} {p:?} central");
        }
        // Why the pattern is frozen: at the default displacement the naive quotient crosses
        // ReLU kinks (measured relative errors 7-12).
        assert!(row(m, Precision::F32, HvpMethod::Forward, d).naive > 1.0, "{m} naive");
    }
    assert!(row("mlp", Precision::F64, HvpMethod::Central, d).frozen < 1e-5);
}

/// Set in the child process of [`exact_hvp_needs_the_environment_flag_in_a_plain_thread`].
const CHILD_MARKER: &str = "BEA_TEST_HVP_NO_FLAG_CHILD";

/// Without `CANDLE_GRAD_DO_NOT_DETACH` candle detaches gradients, and exact HVPs report a clear
/// error. Other tests of this binary set the flag (and never unset it), so the check runs in a
/// child process: this test binary re-run on this test alone (`--exact`) with the flag removed
/// from its environment and a marker set; the child takes the error path unconditionally.
#[test]
fn exact_hvp_needs_the_environment_flag_in_a_plain_thread() {
    const NAME: &str = "exact_hvp_needs_the_environment_flag_in_a_plain_thread";
    if std::env::var_os(CHILD_MARKER).is_some() {
        assert!(std::env::var_os("CANDLE_GRAD_DO_NOT_DETACH").is_none());
        assert!(!hvp::double_backprop_enabled().unwrap(), "double backprop on without the flag");
        let (net, x, y, v) = setup(Precision::F32);
        let e = hvp::hvp_exact(net.as_ref(), &x, &y, &v).unwrap_err();
        assert!(e.to_string().contains("CANDLE_GRAD_DO_NOT_DETACH"), "{e}");
        let e = hvp::egr_grad(net.as_ref(), &x, &y, 0.1, &HvpConfig { method: HvpMethod::Exact, eps_rel: 0.0 })
            .unwrap_err();
        assert!(e.to_string().contains("CANDLE_GRAD_DO_NOT_DETACH"), "{e}");
        eprintln!("{CHILD_MARKER}: error path checked");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env_remove("CANDLE_GRAD_DO_NOT_DETACH")
        .env(CHILD_MARKER, "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    // The child really ran this test and took the error path (not a filtered-out no-op).
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(stderr.contains(&format!("{CHILD_MARKER}: error path checked")), "{stderr}");
}

/// E(a, b) = (y - a b x)^2 / 2 (Section 5): H = [[b^2 x^2, x(2abx - y)], [x(2abx - y), a^2 x^2]].
#[test]
fn fd_hvp_matches_two_parameter_closed_form() {
    let (a0, b0, xv, yv) = (0.7f64, -1.3f64, 1.5f64, 0.4f64);
    let a = Var::new(&[a0], &Device::Cpu).unwrap();
    let b = Var::new(&[b0], &Device::Cpu).unwrap();
    let ps = vec![a.clone(), b.clone()];
    let loss = || -> bea_verification::nets::Result<Tensor> {
        let r = ((a.as_tensor() * b.as_tensor())? * xv)?.affine(-1.0, yv)?;
        Ok((r.sqr()?.sum_all()? * 0.5)?)
    };
    let v = [Tensor::new(&[0.3f64], &Device::Cpu).unwrap(), Tensor::new(&[-0.8f64], &Device::Cpu).unwrap()];
    let h_ab = xv * (2.0 * a0 * b0 * xv - yv);
    let expect = [b0 * b0 * xv * xv * 0.3 + h_ab * -0.8, h_ab * 0.3 + a0 * a0 * xv * xv * -0.8];
    for (method, tol) in [(HvpMethod::Forward, 1e-4), (HvpMethod::Central, 1e-8)] {
        let hv = hvp::hvp_fd_with(&ps, &loss, &v, None, &HvpConfig { method, eps_rel: 1e-5 }).unwrap();
        for (got, want) in hv.iter().zip(expect) {
            let g = got.to_vec1::<f64>().unwrap()[0];
            assert!((g - want).abs() < tol * want.abs().max(1.0), "{method:?}: {g} vs {want}");
        }
    }
    let exact = hvp::with_double_backprop(move || {
        let a = Var::new(&[a0], &Device::Cpu).unwrap();
        let b = Var::new(&[b0], &Device::Cpu).unwrap();
        let loss = || -> bea_verification::nets::Result<Tensor> {
            let r = ((a.as_tensor() * b.as_tensor())? * xv)?.affine(-1.0, yv)?;
            Ok((r.sqr()?.sum_all()? * 0.5)?)
        };
        let v = [Tensor::new(&[0.3f64], &Device::Cpu).unwrap(), Tensor::new(&[-0.8f64], &Device::Cpu).unwrap()];
        let hv = hvp::hvp_exact_with(&[a.clone(), b.clone()], &loss, &v).unwrap();
        hv.iter().map(|t| t.to_vec1::<f64>().unwrap()[0]).collect::<Vec<_>>()
    });
    for (g, w) in exact.iter().zip(expect) {
        assert!((g - w).abs() < 1e-12, "exact {g} vs {w}");
    }
    let _ = DType::F64;
}

#[test]
fn egr_step_methods_agree() {
    // Tolerances on the regulariser's part 2 mu H g, from the eps-rule table above at the default
    // eps_rel = 1e-4 (forward: 1.3e-3 MLP f64, 6.6e-3 ResNet f32; central: 9e-7, 7e-4), with margin.
    let errs = hvp::with_double_backprop(|| {
        let mut out = vec![];
        let cases: [(&str, ModelSpec, bool, Precision, [f64; 2]); 2] = [
            ("mlp", ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)), true, Precision::F64, [5e-3, 1e-5]),
            ("resnet", ModelSpec::ResNet(ResNetConfig::small(1, 10)), false, Precision::F32, [2e-2, 5e-3]),
        ];
        for (model, spec, flat, p, tols) in cases {
            let (net, x, y, _) = setup_model(spec, flat, p);
            let mu = 0.1;
            let e =
                hvp::egr_grad(net.as_ref(), &x, &y, mu, &HvpConfig { method: HvpMethod::Exact, eps_rel: 0.0 }).unwrap();
            for (method, tol) in [HvpMethod::Forward, HvpMethod::Central].into_iter().zip(tols) {
                let f = hvp::egr_grad(net.as_ref(), &x, &y, mu, &HvpConfig { method, ..HvpConfig::default() }).unwrap();
                // Compare the regulariser's part 2 mu H g = total - grad: in the totals g
                // dominates and would hide an error in H g.
                let reg = |g: &hvp::EgrGrad| -> Vec<Tensor> {
                    g.total.iter().zip(&g.grad).map(|(t, g)| (t - g).unwrap()).collect()
                };
                let (r_f, r_e) = (reg(&f), reg(&e));
                let size = (params::sq_norm(&r_e).unwrap() / params::sq_norm(&e.grad).unwrap()).sqrt();
                out.push((model, method, rel_err(&r_f, &r_e), rel_err(&f.total, &e.total), size, tol));
            }
        }
        out
    });
    for (model, method, err, err_total, size, tol) in errs {
        eprintln!(
            "{model} {method:?}: 2 mu H g relative error {err:.2e} (of the totals: {err_total:.2e}; ||2 mu H g|| / ||g|| = {size:.2e})"
        );
        // The part compared must not be negligible, or the comparison would say little.
        assert!(size > 1e-3, "{model}: {size}");
        assert!(err < tol, "{model} {method:?}: {err} >= {tol}");
    }
}
