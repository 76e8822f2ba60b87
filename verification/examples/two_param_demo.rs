//! Runs the two-parameter experiments and writes JSON, PNGs and Markdown.
//! `cargo run -p bea-verification --example two_param_demo -- [full|reduced] [out_dir]`
use bea_verification::two_param::{run, write_outputs, TwoParamConfig};

fn main() {
    let mut args = std::env::args().skip(1);
    let preset = args.next().unwrap_or_else(|| "reduced".into());
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "target/two_param".into()));
    let cfg = if preset == "full" { TwoParamConfig::full() } else { TwoParamConfig::reduced() };
    let res = run(&cfg);
    let files = write_outputs(&res, &cfg.model, &dir).expect("write outputs");
    println!("{preset}: computed in {:.2} s", res.seconds);
    for n in &res.notes {
        println!("- {n}");
    }
    for f in files {
        println!("wrote {}", f.display());
    }
}
