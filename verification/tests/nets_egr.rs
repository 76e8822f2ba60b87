//! EGR (Section 4): sign and effect of the explicit gradient regulariser `E + mu ||grad E||^2`.

use bea_verification::nets::data::digits_split;
use bea_verification::nets::hvp::{self, HvpConfig};
use bea_verification::nets::models::{MlpConfig, Mode, ModelSpec, Net};
use bea_verification::nets::params;
use bea_verification::nets::resnet::ResNetConfig;
use candle_core::{DType, Device, Tensor};

fn batch(n: usize, flat: bool, dtype: DType) -> (Tensor, Tensor) {
    let s = digits_split().unwrap().train.truncate(n);
    (s.images_tensor(&Device::Cpu, dtype, flat).unwrap(), s.labels_tensor(&Device::Cpu).unwrap())
}

fn grad_sq(net: &dyn Net, x: &Tensor, y: &Tensor, mode: Mode) -> f64 {
    let (_, g) = hvp::loss_and_grad(net, x, y, mode).unwrap();
    params::sq_norm(&g).unwrap()
}

#[test]
fn diag_one_step() {
    for (name, spec, flat) in [
        ("mlp", ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)), true),
        ("resnet", ModelSpec::ResNet(ResNetConfig::small(1, 10)), false),
    ] {
        let (x, y) = batch(128, flat, DType::F64);
        let net = spec.build(&Device::Cpu, DType::F64, 1).unwrap();
        let base = params::snapshot(net.params()).unwrap();
        let g0 = grad_sq(net.as_ref(), &x, &y, Mode::TrainFrozen);
        for h in [1e-3, 1e-2, 5e-2] {
            for mu in [0.0, 0.01, 0.05, 0.2] {
                params::restore(net.params(), &base).unwrap();
                let g = hvp::egr_grad(net.as_ref(), &x, &y, mu, &HvpConfig::default()).unwrap();
                params::axpy(net.params(), -h, &g.total).unwrap();
                let g1 = grad_sq(net.as_ref(), &x, &y, Mode::TrainFrozen);
                let l1 = hvp::scalar(&hvp::batch_loss(net.as_ref(), &x, &y, Mode::TrainFrozen).unwrap()).unwrap();
                eprintln!("{name} h {h} mu {mu}: |g|^2 {g0:.4e} -> {g1:.4e}, loss {:.5} -> {l1:.5}", g.loss);
            }
        }
    }
}

#[test]
fn diag_resnet_hvp() {
    let rows = hvp::with_double_backprop(|| {
        let mut rows = vec![];
        for (name, spec, flat) in [
            ("mlp", ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)), true),
            ("resnet", ModelSpec::ResNet(ResNetConfig::small(1, 10)), false),
        ] {
        for dt in [DType::F64, DType::F32] {
            let (x, y) = batch(64, flat, dt);
            let net = spec.build(&Device::Cpu, dt, 1).unwrap();
            let (_, g) = hvp::loss_and_grad(net.as_ref(), &x, &y, Mode::TrainFrozen).unwrap();
            let g: Vec<Tensor> = g.into_iter().map(|t| t.detach()).collect();
            let ex = hvp::hvp_exact(net.as_ref(), &x, &y, &g).unwrap();
            let err = |fd: &[Tensor]| { let d: Vec<Tensor> = fd.iter().zip(&ex).map(|(a, b)| (a - b).unwrap()).collect();
                (params::sq_norm(&d).unwrap() / params::sq_norm(&ex).unwrap()).sqrt() };
            for m in [hvp::HvpMethod::Forward, hvp::HvpMethod::Central] {
                for e in [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5, 1e-6] {
                    let cfg = HvpConfig { method: m, eps_rel: e };
                    let fz = hvp::hvp_fd(net.as_ref(), &x, &y, &g, None, &cfg).unwrap();
                    let un = hvp::hvp_fd_with(net.params(), &|| hvp::batch_loss(net.as_ref(), &x, &y, Mode::TrainFrozen), &g, None, &cfg).unwrap();
                    rows.push(format!("{name} {dt:?} {m:?} eps_rel {e:e}: frozen {:.2e} unfrozen {:.2e}", err(&fz), err(&un)));
                }
            }
        }
        }
        rows
    });
    for r in rows { eprintln!("{r}"); }
}

#[test]
fn diag_train_mlp() {
    use bea_verification::nets::train::{train_run, RunSpec, TrainConfig};
    use bea_verification::nets::data::DataConfig;
    let split = digits_split().unwrap();
    for bs in [None, Some(32)] {
        for mu in [0.0, 0.01, 0.05, 0.2] {
            let spec = RunSpec {
                id: "x".into(),
                data: DataConfig::default(),
                model: ModelSpec::Mlp(MlpConfig::paper(64, 32, 10)),
                train: TrainConfig { learning_rate: 0.05, batch_size: bs, steps: 300, eval_every: 100, mu, ..Default::default() },
            };
            let o = train_run(&spec, &split, None, None).unwrap();
            let s: Vec<String> = o.evals.iter().map(|e| format!("[{} E {:.3} rig {:.2e} tr {:.3} te {:.3}]", e.step, e.train_loss, e.r_ig, e.train_acc, e.test_acc)).collect();
            eprintln!("bs {bs:?} mu {mu}: {}", s.join(" "));
        }
    }
}

#[test]
fn diag_train_small() {
    use bea_verification::nets::train::{train_run, RunSpec, TrainConfig};
    use bea_verification::nets::data::DataConfig;
    let split = digits_split().unwrap();
    for (hidden, h) in [(vec![32, 32], 0.02)] {
        for mu in [0.0, 0.05, 0.2, 0.5] {
            let spec = RunSpec {
                id: "x".into(),
                data: DataConfig { train_limit: Some(256), test_limit: Some(200), ..DataConfig::default() },
                model: ModelSpec::Mlp(MlpConfig { input: 64, hidden: hidden.clone(), classes: 10 }),
                train: TrainConfig { learning_rate: h, batch_size: None, steps: 400, eval_every: 100, mu, ..Default::default() },
            };
            let mut sp = split.clone();
            sp.train = sp.train.truncate(256); sp.test = sp.test.truncate(200);
            let t = std::time::Instant::now();
            let o = train_run(&spec, &sp, None, None).unwrap();
            let s: Vec<String> = o.evals.iter().map(|e| format!("[{} E {:.3} rig {:.2e} tr {:.3} te {:.3}]", e.step, e.train_loss, e.r_ig, e.train_acc, e.test_acc)).collect();
            eprintln!("{hidden:?} h {h} mu {mu} ({:.1}s): {}", t.elapsed().as_secs_f64(), s.join(" "));
        }
    }
}
