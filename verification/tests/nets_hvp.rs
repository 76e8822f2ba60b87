//! Hessian-vector products: finite differences against exact double backprop (candle with
//! CANDLE_GRAD_DO_NOT_DETACH=1) and against the 2-parameter model of Section 5 in closed form.
//! Own test binary, because double backprop changes candle's per-thread detach behaviour.

use bea_verification::nets::data::digits_split;
use bea_verification::nets::device::Precision;
use bea_verification::nets::hvp::{self, HvpConfig, HvpMethod};
use bea_verification::nets::models::{MlpConfig, ModelSpec, Net};
use bea_verification::nets::params;
use candle_core::{DType, Device, Tensor, Var};

fn rel_err(a: &[Tensor], b: &[Tensor]) -> f64 {
    let d: Vec<Tensor> = a.iter().zip(b).map(|(x, y)| (x - y).unwrap()).collect();
    (params::sq_norm(&d).unwrap() / params::sq_norm(b).unwrap()).sqrt()
}

/// Digits MLP and a batch of 64; returns (net, x, y, v = grad E).
fn setup(p: Precision) -> (Box<dyn Net>, Tensor, Tensor, Vec<Tensor>) {
    let split = digits_split().unwrap();
    let small = split.train.truncate(64);
    let net = ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)).build(&Device::Cpu, p.dtype(), 3).unwrap();
    let x = small.images_tensor(&Device::Cpu, p.dtype(), true).unwrap();
    let y = small.labels_tensor(&Device::Cpu).unwrap();
    let (_, g) = hvp::loss_and_grad(net.as_ref(), &x, &y, bea_verification::nets::models::Mode::Train).unwrap();
    let g: Vec<Tensor> = g.into_iter().map(|t| t.detach()).collect();
    (net, x, y, g)
}

#[test]
fn fd_hvp_matches_double_backprop_and_eps_rule() {
    let table = hvp::with_double_backprop(|| {
        let mut rows = Vec::new();
        for p in [Precision::F64, Precision::F32] {
            let (net, x, y, v) = setup(p);
            let exact = hvp::hvp_exact(net.as_ref(), &x, &y, &v).unwrap();
            for method in [HvpMethod::Forward, HvpMethod::Central] {
                for eps_rel in [1e-2, 1e-3, 1e-4, 1e-5, 1e-6] {
                    let cfg = HvpConfig { method, eps_rel };
                    let fd = hvp::hvp_fd(net.as_ref(), &x, &y, &v, None, &cfg).unwrap();
                    rows.push((p, method, eps_rel, rel_err(&fd, &exact)));
                }
            }
        }
        rows
    });
    for r in &table {
        eprintln!("precision {:?} {:?} eps_rel {:e}: relative error {:.2e}", r.0, r.1, r.2, r.3);
    }
    let err = |p, m, e| table.iter().find(|r| r.0 == p && r.1 == m && r.2 == e).unwrap().3;
    // The default rule (eps_rel = 1e-5) must be accurate in both precisions; larger
    // displacements cross ReLU kinks (measured: relative errors 1.6-10 at eps_rel >= 1e-4).
    let d = HvpConfig::default().eps_rel;
    assert_eq!(d, 1e-5);
    assert!(err(Precision::F64, HvpMethod::Forward, d) < 1e-3);
    assert!(err(Precision::F32, HvpMethod::Forward, d) < 1e-2);
    assert!(err(Precision::F64, HvpMethod::Central, d) < 1e-6);
    assert!(err(Precision::F32, HvpMethod::Central, d) < 1e-2);
}

#[test]
fn exact_hvp_needs_the_environment_flag_in_a_plain_thread() {
    // Without the flag candle detaches gradients, and exact HVPs report a clear error. Other
    // tests of this binary may set the flag concurrently (it is never unset), so a thread that
    // sees double backprop enabled must also see the flag.
    let r = std::thread::spawn(|| {
        let enabled = hvp::double_backprop_enabled().unwrap();
        let flag = std::env::var("CANDLE_GRAD_DO_NOT_DETACH").is_ok();
        if !enabled {
            let (net, x, y, v) = setup(Precision::F32);
            let e = hvp::hvp_exact(net.as_ref(), &x, &y, &v).unwrap_err();
            assert!(e.to_string().contains("CANDLE_GRAD_DO_NOT_DETACH"), "{e}");
        }
        !enabled || flag
    })
    .join()
    .unwrap();
    assert!(r);
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
    let (fd, exact) = hvp::with_double_backprop(|| {
        let (net, x, y, _) = setup(Precision::F64);
        let mu = 0.1;
        let f = hvp::egr_grad(net.as_ref(), &x, &y, mu, &HvpConfig::default()).unwrap();
        let e = hvp::egr_grad(net.as_ref(), &x, &y, mu, &HvpConfig { method: HvpMethod::Exact, eps_rel: 0.0 }).unwrap();
        (f.total, e.total)
    });
    assert!(rel_err(&fd, &exact) < 1e-3, "{}", rel_err(&fd, &exact));
}
