//! The short generated Markdown report of the two-parameter experiments.

use std::fmt::Write;

use super::TwoParamResult;

/// A short Markdown report: conventions, the runs table, GD-to-flow distances, Fig. 1b,
/// Fig. A.1, Fig. A.2 and the findings.
pub fn markdown_report(res: &TwoParamResult) -> String {
    let mut s = String::from("# Two-parameter model: E = (y - abx)^2/2, x = 1, y = 0.6\n\n");
    let _ =
        writeln!(s, "Barrett & Dherin, ICLR 2021, Section 5 and Appendix A.4. Generated in {:.1} s.\n", res.seconds);
    let _ = writeln!(s, "- {}\n- {}\n", res.r_ig_convention, res.egr_definition);
    s.push_str("## Runs (Fig. 1a)\n\n| point | run | h | final (a, b) | a²+b² | E | steps | converged | diverged |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in &res.runs {
        let _ = writeln!(
            s,
            "| {} | {} | {} | ({:.6}, {:.6}) | {:.6} | {:.2e} | {} | {} | {}{} |",
            r.point,
            r.name,
            r.h,
            r.final_point[0],
            r.final_point[1],
            r.norm2,
            r.loss,
            r.steps,
            r.converged,
            r.diverged,
            r.error.as_ref().map_or(String::new(), |e| format!(" ({e})"))
        );
    }
    s.push_str("\n## Distance of GD at h_M to each flow at t = n h_M\n\n| point | flow | max distance | final distance |\n|---|---|---|---|\n");
    for d in &res.distances {
        for f in &d.flows {
            let _ = writeln!(s, "| {} | {} | {:.3e} | {:.3e} |", d.point, f.flow, f.max_distance, f.final_distance);
        }
    }
    s.push_str(
        "\n## Fig. 1b: R_IG/E at convergence\n\n| h | λ = h/2 | a²+b² | R_IG/E | converged |\n|---|---|---|---|---|\n",
    );
    for p in &res.fig1b {
        let _ = writeln!(s, "| {} | {} | {:.6} | {:.6} | {} |", p.h, p.lambda, p.norm2, p.ratio, p.converged);
    }
    if let Some(r) = &res.ricochet {
        let _ = writeln!(
            s,
            "\n## Fig. A.1: h_L = {}\n\nconverged: {}, diverged: {}, steps: {}, hyperbola crossings: {}, final ({:.6}, {:.6}), a²+b² = {:.6}, h·x²(a²+b²) = {:.4} (stable below 2)",
            r.h, r.converged, r.diverged, r.steps, r.crossings, r.final_point[0], r.final_point[1], r.norm2, r.stability_number
        );
    }
    s.push_str("\n## Fig. A.2: EGR test error at (0.5, 0.6)\n\n| μ | h | final (a, b) | train loss | test error (end) | test error (10% of training) |\n|---|---|---|---|---|---|\n");
    for r in &res.egr_test {
        let early = r.curve.get(r.curve.len() / 10).map_or(f64::NAN, |c| c.1);
        let _ = writeln!(
            s,
            "| {} | {} | ({:.5}, {:.5}) | {:.2e} | {:.6} | {:.6} |",
            r.mu, r.h, r.final_point[0], r.final_point[1], r.final_train_loss, r.final_test_error, early
        );
    }
    s.push_str("\n## Findings\n\n");
    for n in &res.notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}
