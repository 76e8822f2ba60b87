//! Human-readable table of an [`OrderReport`].

use std::fmt::Write;

use super::multi::MultiStartReport;
use super::{OrderReport, Verdict};

/// Formats `report` as a plain-text table: one summary line per check (recursion, N,
/// slope, expected N+2, PASS/FAIL, points used, floor), any error message, then the
/// `h | err` table with one column per check.
///
/// ```
/// use bea_verification::order::{check_orders, format_table, Candidate, OrderConfig};
/// let step = |th: &[f64], h: f64| vec![th[0] - h * th[0]];
/// let c = Candidate::new("hand", 0, |th: &[f64], _h: f64, out: &mut [f64]| out[0] = -th[0]);
/// let text = format_table(&check_orders(&step, &[c], &[1.0], &OrderConfig::default()));
/// assert!(text.contains("PASS"));
/// ```
pub fn format_table(report: &OrderReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "local-error order checks at theta0 = {:?}", report.theta0);
    // The label column fits the longest label (e.g. "heavy-ball (beta = 9/10)").
    let w = report.checks.iter().map(|c| c.recursion.chars().count()).max().unwrap_or(0).max(12);
    let _ = writeln!(
        s,
        "{:<w$} {:>3} {:>8} {:>8} {:>5}  {:>6}  {:>9}",
        "recursion", "N", "slope", "expected", "pass", "used", "floor"
    );
    for c in &report.checks {
        let slope = c.slope.map_or("-".to_string(), |v| format!("{v:.3}"));
        let verdict = verdict_word(c.verdict);
        let used = format!("{}/{}", c.used_h.len(), c.points.len());
        let _ = writeln!(
            s,
            "{:<w$} {:>3} {:>8} {:>8} {:>5}  {:>6}  {:>9.2e}  (tol ±{})",
            c.recursion, c.order, slope, c.expected, verdict, used, c.floor, c.tolerance
        );
        if let Some(e) = &c.error {
            let _ = writeln!(s, "    error: {e}");
        }
        if let Some(first) = c.dropped.first() {
            let _ = writeln!(
                s,
                "    dropped: the {} largest step sizes could not be evaluated and are left out; the first: {first}",
                c.dropped.len()
            );
        }
    }
    error_table(report, &mut s);
    s
}

fn error_table(report: &OrderReport, s: &mut String) {
    let mut hs: Vec<f64> = report.checks.iter().flat_map(|c| c.points.iter().map(|p| p[0])).collect();
    hs.sort_by(|a, b| b.total_cmp(a));
    hs.dedup();
    if hs.is_empty() {
        return;
    }
    let _ = write!(s, "\n{:>10}", "h");
    for c in &report.checks {
        let _ = write!(s, " {:>12}", format!("{}:N={}", short(&c.recursion), c.order));
    }
    s.push('\n');
    for h in hs {
        let _ = write!(s, "{h:>10.3e}");
        for c in &report.checks {
            let cell = c.points.iter().find(|p| p[0] == h).map_or("-".into(), |p| {
                let mark = if c.used_h.contains(&h) { "*" } else { " " };
                format!("{:.3e}{mark}", p[1])
            });
            let _ = write!(s, " {cell:>12}");
        }
        s.push('\n');
    }
    s.push_str("(* = point used in the fit)\n");
}

fn short(label: &str) -> String {
    label.chars().take(7).collect()
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "n/a",
    }
}

/// Formats a [`MultiStartReport`]: the combined verdict of each candidate with its slope and verdict at every
/// start point (`p` pass, `F` fail, `?` inconclusive after the slope), the start points, then the full table
/// ([`format_table`]) of each point.
///
/// ```
/// use bea_verification::order::{check_orders, format_multi, multi::MultiStartReport, Candidate, OrderConfig};
/// let step = |th: &[f64], h: f64| vec![th[0] - h * th[0]];
/// let c = Candidate::new("hand", 0, |th: &[f64], _h: f64, out: &mut [f64]| out[0] = -th[0]);
/// let cfg = OrderConfig::default();
/// let reports = vec![check_orders(&step, std::slice::from_ref(&c), &[1.0], &cfg),
///                    check_orders(&step, std::slice::from_ref(&c), &[0.3], &cfg)];
/// let text = format_multi(&MultiStartReport::new(reports, 0));
/// assert!(text.contains("PASS") && text.contains("2.00p"), "{text}");
/// ```
pub fn format_multi(report: &MultiStartReport) -> String {
    let mut s = String::new();
    let k = report.reports.len();
    let _ = writeln!(
        s,
        "local-error order checks at {k} start points (combined: FAIL if any point fails, PASS if every point passes, \
         n/a otherwise)"
    );
    let w = report.combined.iter().map(|c| c.recursion.chars().count()).max().unwrap_or(0).max(12);
    let _ = write!(s, "{:<w$} {:>3} {:>8} {:>5} ", "recursion", "N", "expected", "pass");
    for i in 0..k {
        let _ = write!(s, " {:>8}", format!("point {}", i + 1));
    }
    s.push('\n');
    for c in &report.combined {
        let _ = write!(s, "{:<w$} {:>3} {:>8} {:>5} ", c.recursion, c.order, c.expected, verdict_word(c.verdict));
        for (slope, v) in c.slopes.iter().zip(&c.per_point) {
            let mark = match v {
                Verdict::Pass => 'p',
                Verdict::Fail => 'F',
                Verdict::Inconclusive => '?',
            };
            let slope = slope.map_or("-".to_string(), |v| format!("{v:.2}"));
            let _ = write!(s, " {:>8}", format!("{slope}{mark}"));
        }
        s.push('\n');
    }
    for (i, r) in report.reports.iter().enumerate() {
        let _ = writeln!(s, "point {}: theta0 = {:?}", i + 1, r.theta0);
    }
    if report.skipped > 0 {
        let _ =
            writeln!(s, "({} drawn points were skipped: a field or correction is not finite there)", report.skipped);
    }
    for (i, r) in report.reports.iter().enumerate() {
        let _ = writeln!(s, "\n--- point {} ---", i + 1);
        s.push_str(&format_table(r));
    }
    s
}
