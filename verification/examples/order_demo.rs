//! Prints the order-check table for the hand-written reference problems.
//! `cargo run -p bea-verification --example order_demo [out_dir]`
use bea_verification::order::{check_orders, format_table, plot_orders, Candidate, OrderConfig};
use bea_verification::problems::{Field2, Linear2, LOTKA_VOLTERRA, TWO_PARAM_GRADIENT};

fn field_candidates(p: &'static Field2) -> Vec<Candidate<'static>> {
    let mut v: Vec<Candidate> = (0..=2)
        .map(|n| Candidate::new("hand", n, move |th: &[f64], h: f64, out: &mut [f64]| p.truncated(th, h, n, 1.0, out)))
        .collect();
    v.push(Candidate::new("wrong-sign", 1, move |th: &[f64], h: f64, out: &mut [f64]| {
        p.truncated(th, h, 1, -1.0, out)
    }));
    v
}

fn main() {
    let out = std::env::args().nth(1).map(std::path::PathBuf::from);
    let cfg = OrderConfig::default();
    for (p, theta0) in [(&LOTKA_VOLTERRA, [1.5, 1.2]), (&TWO_PARAM_GRADIENT, [1.0, 0.8])] {
        let t = std::time::Instant::now();
        let rep = check_orders(&|th: &[f64], h: f64| p.euler_step(th, h), &field_candidates(p), &theta0, &cfg);
        println!("== {} ({:.2?})\n{}", p.name, t.elapsed(), format_table(&rep));
        if let Some(dir) = &out {
            plot_orders(&rep, &dir.join(format!("order-{}.png", p.name))).unwrap();
        }
    }
    let lin = Linear2 { a: [[-1.0, 2.0], [-0.5, -0.3]] };
    let cands: Vec<Candidate> = (0..=5)
        .map(|n| Candidate::new("log(I+hA)/h", n, move |th: &[f64], h: f64, o: &mut [f64]| lin.truncated(th, h, n, o)))
        .collect();
    let t = std::time::Instant::now();
    let rep = check_orders(&|th: &[f64], h: f64| lin.euler_step(th, h), &cands, &[1.0, 0.5], &cfg);
    println!("== linear ({:.2?})\n{}", t.elapsed(), format_table(&rep));
}
