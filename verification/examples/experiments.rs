//! Run the CI-size experiments and print their reports as JSON:
//! `cargo run --example experiments -- igr-mlp|egr-resnet|egr-resnet-digits|egr-resnet-ci [OUT_DIR]`;
//! full size: `igr-mlp-full` (MNIST, the paper's widths) and `egr-resnet` (Fashion-MNIST).
//!
//! Cost probe of the full-size presets (no files written): `cargo run --release --example
//! experiments -- cost igr-mlp-full|egr-resnet-cpu STEPS` trains one run per distinct model
//! (and mu) of the preset for STEPS steps with two full evaluations and prints seconds per step
//! and per evaluation, from which NETS.md extrapolates.
use bea_verification::nets::experiments::{run_egr_resnet, run_igr_mlp, EgrResnetConfig, IgrMlpConfig};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("igr-mlp");
    let out = args.get(2).map(PathBuf::from);
    let t = std::time::Instant::now();
    if which == "cost" {
        cost(
            args.get(2).map(String::as_str).unwrap_or("igr-mlp-full"),
            args.get(3).and_then(|s| s.parse().ok()).unwrap_or(200),
        );
        return;
    }
    let json = match which {
        "igr-mlp" | "igr-mlp-full" => {
            let mut c = if which == "igr-mlp" { IgrMlpConfig::ci() } else { IgrMlpConfig::full(None) };
            if let Some(o) = out {
                c.sweep.out_dir = o.clone();
                c.plots_dir = Some(o);
            }
            let r = run_igr_mlp(&c).expect("igr-mlp");
            for v in &r.verdicts {
                eprintln!("{v}");
            }
            serde_json::to_string_pretty(&r).unwrap()
        }
        w => {
            let mut c = match w {
                "egr-resnet" => EgrResnetConfig::cpu(),
                "egr-resnet-digits" => EgrResnetConfig::digits(),
                "egr-resnet-ci" => EgrResnetConfig::ci(),
                other => panic!("unknown experiment {other}"),
            };
            if let Some(o) = out {
                c.sweep.out_dir = o.clone();
                c.plots_dir = Some(o);
            }
            let r = run_egr_resnet(&c).expect("egr-resnet");
            eprintln!("{}", r.verdict);
            serde_json::to_string_pretty(&r).unwrap()
        }
    };
    println!("{json}");
    eprintln!("wall {:.1} s", t.elapsed().as_secs_f64());
}

/// Time `steps` training steps and two evaluations of one run per distinct (model, mu).
fn cost(preset: &str, steps: usize) {
    use bea_verification::nets::{data, train::train_run};
    let runs = match preset {
        "igr-mlp-full" => IgrMlpConfig::full(None).runs(),
        "egr-resnet-cpu" => EgrResnetConfig::cpu().runs(),
        other => panic!("unknown preset {other}"),
    };
    let mut seen = Vec::new();
    let split = data::load(&runs[0].data).expect("data (fetch it with scripts/fetch-data.sh)");
    for mut spec in runs {
        let key = (format!("{:?}", spec.model), spec.train.mu.to_bits());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        spec.train.steps = steps;
        spec.train.eval_every = steps;
        spec.train.noise = None;
        let o = train_run(&spec, &split, None, None).expect("run");
        let s = &o.summary;
        let eval_s = (s.wall_s - s.step_s * s.steps_done as f64) / o.evals.len() as f64;
        println!(
            "{{\"id\": \"{}\", \"params\": {}, \"steps\": {}, \"step_ms\": {:.3}, \"eval_s\": {:.2}}}",
            spec.id,
            s.params,
            s.steps_done,
            s.step_s * 1e3,
            eval_s
        );
    }
}
