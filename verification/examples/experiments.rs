//! Run the CI-size experiments and print their reports as JSON:
//! `cargo run --example experiments -- igr-mlp|egr-resnet|egr-resnet-digits [OUT_DIR]`.
use bea_verification::nets::experiments::{run_egr_resnet, run_igr_mlp, EgrResnetConfig, IgrMlpConfig};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map(String::as_str).unwrap_or("igr-mlp");
    let out = args.get(2).map(PathBuf::from);
    let t = std::time::Instant::now();
    let json = match which {
        "igr-mlp" => {
            let mut c = IgrMlpConfig::ci();
            if let Some(o) = out { c.sweep.out_dir = o.clone(); c.plots_dir = Some(o); }
            let r = run_igr_mlp(&c).expect("igr-mlp");
            for v in &r.verdicts { eprintln!("{v}"); }
            serde_json::to_string_pretty(&r).unwrap()
        }
        w => {
            let mut c = if w == "egr-resnet" { EgrResnetConfig::cpu() } else { EgrResnetConfig::digits() };
            if let Some(o) = out { c.sweep.out_dir = o.clone(); c.plots_dir = Some(o); }
            let r = run_egr_resnet(&c).expect("egr-resnet");
            eprintln!("{}", r.verdict);
            serde_json::to_string_pretty(&r).unwrap()
        }
    };
    println!("{json}");
    eprintln!("wall {:.1} s", t.elapsed().as_secs_f64());
}
