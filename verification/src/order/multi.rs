//! Order checks at several start points.
//!
//! One start point cannot see a wrong correction whose error vanishes there: if the candidate's `f_N` differs
//! from the true one by a term that is zero at `θ0`, the local error there is still `O(h^{N+2})` and the check
//! passes. [`start_points`] draws further points around `θ0` (deterministically, so a run can be repeated) and
//! [`combine`] joins the per-point verdicts of each candidate: [`Verdict::Fail`] when it fails at any point,
//! [`Verdict::Pass`] when it passes at every point, [`Verdict::Inconclusive`] otherwise.

use serde::Serialize;

use super::{OrderReport, Verdict};
use crate::nets::stats::Rng;

/// The combined verdict of one candidate `(recursion, N)` over several start points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinedCheck {
    /// The candidate's recursion label.
    pub recursion: String,
    /// The truncation order `N`.
    pub order: usize,
    /// The expected slope (the same at every point).
    pub expected: usize,
    /// Fail at any point, pass at every point, inconclusive otherwise.
    pub verdict: Verdict,
    /// The verdict at each start point, in the order of [`MultiStartReport::reports`].
    pub per_point: Vec<Verdict>,
    /// The fitted slope at each start point (`null` where none could be fitted).
    pub slopes: Vec<Option<f64>>,
}

/// Order checks of the same candidates at several start points:
/// `{"combined": [...], "reports": [{"checks": [...], "theta0": [...]}, ...], "skipped": n}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiStartReport {
    /// One combined verdict per candidate, in the candidates' order.
    pub combined: Vec<CombinedCheck>,
    /// The full report at each start point; the first is the given `θ0`.
    pub reports: Vec<OrderReport>,
    /// How many drawn points were rejected because a field or correction was not finite there.
    pub skipped: usize,
}

impl MultiStartReport {
    /// Join per-point reports of the same candidates (see [`combine`]).
    pub fn new(reports: Vec<OrderReport>, skipped: usize) -> Self {
        MultiStartReport { combined: combine(&reports), reports, skipped }
    }

    /// How many candidates have each combined verdict: `(pass, fail, inconclusive)`.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |v| self.combined.iter().filter(|c| c.verdict == v).count();
        (n(Verdict::Pass), n(Verdict::Fail), n(Verdict::Inconclusive))
    }
}

/// The combined verdict of each candidate over `reports` (all made with the same candidates in the same order):
/// [`Verdict::Fail`] if it fails at any point, [`Verdict::Pass`] if it passes at every point, otherwise
/// [`Verdict::Inconclusive`].
///
/// ```
/// use bea_verification::order::{check_orders, multi::combine, Candidate, OrderConfig, Verdict};
/// // Explicit Euler on f = -x: the exact modified field is ln(1 - h)/h * x; a candidate f_1 = -x^3/2 instead of
/// // -x/2 agrees with the true f_1 = -x/2 only where x^3 = x, i.e. at x = 1.
/// let step = |th: &[f64], h: f64| vec![th[0] - h * th[0]];
/// let wrong = Candidate::new("wrong", 1, |th: &[f64], h: f64, out: &mut [f64]| {
///     out[0] = -th[0] - h * th[0].powi(3) / 2.0
/// });
/// let cfg = OrderConfig::default();
/// let at_one = check_orders(&step, std::slice::from_ref(&wrong), &[1.0], &cfg);
/// let elsewhere = check_orders(&step, std::slice::from_ref(&wrong), &[0.5], &cfg);
/// assert_eq!(at_one.checks[0].verdict, Verdict::Pass); // the error vanishes at x = 1
/// assert_eq!(elsewhere.checks[0].verdict, Verdict::Fail);
/// assert_eq!(combine(&[at_one, elsewhere])[0].verdict, Verdict::Fail);
/// ```
pub fn combine(reports: &[OrderReport]) -> Vec<CombinedCheck> {
    let Some(first) = reports.first() else { return Vec::new() };
    (0..first.checks.len())
        .map(|k| {
            let per_point: Vec<Verdict> = reports.iter().filter_map(|r| r.checks.get(k)).map(|c| c.verdict).collect();
            let verdict = if per_point.contains(&Verdict::Fail) {
                Verdict::Fail
            } else if per_point.len() == reports.len() && per_point.iter().all(|v| *v == Verdict::Pass) {
                Verdict::Pass
            } else {
                Verdict::Inconclusive
            };
            let c = &first.checks[k];
            CombinedCheck {
                recursion: c.recursion.clone(),
                order: c.order,
                expected: c.expected,
                verdict,
                per_point,
                slopes: reports.iter().map(|r| r.checks.get(k).and_then(|c| c.slope)).collect(),
            }
        })
        .collect()
}

/// Start points around `theta0`: `theta0` itself, then candidates `θ0_i + r_i u_i` with `u_i` uniform in
/// `[-1, 1]` and `r_i = max(|θ0_i|, 1) / 2` (half the coordinate's scale, at least one half), drawn by the
/// project's seeded generator ([`Rng`], SplitMix64) from `seed`, so the points are the same on every machine. A
/// candidate is kept when `usable` accepts it (the caller checks that the field and its corrections are finite
/// there); at most `20 * count` candidates are drawn. Returns the points (at most `count`,
/// `theta0` first) and how many candidates were rejected.
///
/// ```
/// use bea_verification::order::multi::start_points;
/// let (pts, rejected) = start_points(&[1.0, -3.0], 3, 7, |p| p[0] > 0.0);
/// assert_eq!(pts.len(), 3);
/// assert_eq!(pts[0], vec![1.0, -3.0]);
/// assert!(pts[1..].iter().all(|p| p[0] > 0.0 && p[0] <= 1.5 && (p[1] + 3.0).abs() <= 1.5));
/// assert_eq!(pts, start_points(&[1.0, -3.0], 3, 7, |p| p[0] > 0.0).0, "deterministic");
/// assert!(rejected < 60);
/// ```
pub fn start_points(
    theta0: &[f64],
    count: usize,
    seed: u64,
    mut usable: impl FnMut(&[f64]) -> bool,
) -> (Vec<Vec<f64>>, usize) {
    let mut points = vec![theta0.to_vec()];
    let mut rng = Rng::new(seed);
    let mut rejected = 0;
    let mut drawn = 0;
    while points.len() < count && drawn < 20 * count {
        drawn += 1;
        let p: Vec<f64> = theta0
            .iter()
            .map(|&x| {
                let u = rng.uniform() * 2.0 - 1.0;
                x + 0.5 * x.abs().max(1.0) * u
            })
            .collect();
        if p.iter().all(|x| x.is_finite()) && usable(&p) {
            points.push(p);
        } else {
            rejected += 1;
        }
    }
    (points, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{CheckError, OrderCheck};

    fn check(verdict: Verdict) -> OrderCheck {
        OrderCheck {
            recursion: "r".into(),
            order: 1,
            slope: Some(3.0),
            expected: 3,
            pass: verdict == Verdict::Pass,
            verdict,
            points: vec![],
            floor: 0.0,
            plateau: false,
            used_h: vec![],
            tolerance: 0.15,
            dropped: vec![],
            error: (verdict == Verdict::Inconclusive).then_some(CheckError::TooFewPoints {
                usable: 2,
                needed: 4,
                floor: 1e-15,
                dropped_count: 0,
            }),
        }
    }

    fn report(verdicts: &[Verdict]) -> OrderReport {
        OrderReport {
            checks: verdicts.iter().map(|v| check(*v)).collect(),
            theta0: vec![0.0],
            grid: Default::default(),
        }
    }

    /// Every combination rule: any fail fails, all pass passes, anything else is inconclusive.
    #[test]
    fn combine_rules() {
        use Verdict::*;
        let cases = [
            (vec![Pass, Pass, Pass], Pass),
            (vec![Pass, Fail, Pass], Fail),
            (vec![Inconclusive, Fail], Fail),
            (vec![Pass, Inconclusive], Inconclusive),
            (vec![Inconclusive, Inconclusive], Inconclusive),
            (vec![Pass], Pass),
        ];
        for (per_point, expected) in cases {
            let reports: Vec<OrderReport> = per_point.iter().map(|v| report(&[*v])).collect();
            let c = combine(&reports);
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].verdict, expected, "{per_point:?}");
            assert_eq!(c[0].per_point, per_point);
        }
        assert!(combine(&[]).is_empty());
    }

    /// The generator gives uniform draws: over many points the mean offset is near 0 and the extremes reach
    /// near the edges of the box.
    #[test]
    fn start_points_fill_the_box() {
        let (pts, rejected) = start_points(&[0.0, 10.0], 2001, 1, |_| true);
        assert_eq!((pts.len(), rejected), (2001, 0));
        let xs: Vec<f64> = pts[1..].iter().map(|p| p[0]).collect();
        let ys: Vec<f64> = pts[1..].iter().map(|p| p[1] - 10.0).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!((-0.5..-0.49).contains(&lo) && (0.49..0.5).contains(&hi), "{lo} {hi}");
        let (lo, hi) = ys.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!((-5.0..-4.9).contains(&lo) && (4.9..5.0).contains(&hi), "{lo} {hi}");
    }

    /// When no candidate is usable the result is `theta0` alone, after a bounded number of draws.
    #[test]
    fn start_points_give_up() {
        let (pts, rejected) = start_points(&[1.0], 5, 3, |_| false);
        assert_eq!(pts, vec![vec![1.0]]);
        assert_eq!(rejected, 100);
    }
}
