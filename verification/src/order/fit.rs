//! Floor detection and the least-squares log-log slope of an error table.

use serde::Serialize;

/// How the integrator/rounding floor is estimated and which points count as well above it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FloorConfig {
    /// A-priori floor in units of `f64::EPSILON · max(1, ‖θ0‖∞)`: the rounding of one step
    /// map evaluation and of the flow's end point.
    pub floor_ulps: f64,
    /// A point is fitted only if its error is at least `margin ×` the floor.
    pub margin: f64,
    /// A trailing run (smallest h) of at least two points whose local slope is below this
    /// value is a detected plateau: its largest error raises the floor.
    pub plateau_slope: f64,
}

impl Default for FloorConfig {
    fn default() -> Self {
        FloorConfig { floor_ulps: 8.0, margin: 100.0, plateau_slope: 0.5 }
    }
}

/// Result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitOutcome {
    /// The floor used: the larger of the a-priori floor and a detected plateau.
    pub floor: f64,
    /// Whether a plateau (the errors stop decreasing at small h) was detected.
    pub plateau: bool,
    /// Indices (into the points) that were fitted: the finest of the points well above the floor (see
    /// [`fit_window`]).
    pub used: Vec<usize>,
    /// How many points were well above the floor (the fitted ones are the finest of these).
    pub above_floor: usize,
    /// Least-squares slope of `ln err` against `ln h` over `used`; `None` with fewer than 2 points.
    pub slope: Option<f64>,
    /// The local slopes between consecutive fitted points, largest h first: their spread says whether the errors
    /// have reached their asymptotic power law over the fitted range.
    pub local_slopes: Vec<f64>,
}

/// How many of `k` points well above the floor (ordered by decreasing h) enter the fit: the finest half, but at least
/// four (all of them when there are at most four). The largest steps carry the higher-order terms of the local error,
/// which bias a fit over the whole grid (found by review: right fields failed at `N >= 6` with slopes 0.2 below the
/// expected one, and a 1% error in `f_7` could pass where the exact `f_7` failed).
pub fn fit_window(k: usize) -> usize {
    k.min(4.max(k.div_ceil(2)))
}

/// Least-squares slope of `y` against `x`; `None` with fewer than two points or no spread in `x`.
///
/// ```
/// use bea_verification::order::fit::ls_slope;
/// assert_eq!(ls_slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), Some(2.0));
/// ```
pub fn ls_slope(xy: &[(f64, f64)]) -> Option<f64> {
    if xy.len() < 2 {
        return None;
    }
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Detects the floor of an error table `points = [(h, err)]` (any order of h) and fits the
/// log-log slope over the points whose error is at least `margin ×` floor and which are not
/// in the plateau. `scale` is `max(1, ‖θ0‖∞)`.
pub fn analyse(points: &[(f64, f64)], scale: f64, cfg: &FloorConfig) -> FitOutcome {
    let a_priori = cfg.floor_ulps * f64::EPSILON * scale;
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&i, &j| points[j].0.total_cmp(&points[i].0)); // decreasing h
    let plateau_run = plateau_tail(points, &order, cfg.plateau_slope);
    let plateau_level = plateau_run.iter().map(|&i| points[i].1).fold(0.0f64, f64::max);
    let floor = a_priori.max(plateau_level);
    let above: Vec<usize> = order
        .iter()
        .copied()
        .filter(|i| !plateau_run.contains(i))
        .filter(|&i| points[i].1.is_finite() && points[i].1 >= cfg.margin * floor)
        .collect();
    let used = above[above.len() - fit_window(above.len())..].to_vec();
    let xy: Vec<(f64, f64)> = used.iter().map(|&i| (points[i].0.ln(), points[i].1.ln())).collect();
    let local_slopes = xy.windows(2).map(|w| (w[0].1 - w[1].1) / (w[0].0 - w[1].0)).collect();
    FitOutcome {
        floor,
        plateau: plateau_run.len() >= 2,
        used,
        above_floor: above.len(),
        slope: ls_slope(&xy),
        local_slopes,
    }
}

/// The trailing run (smallest h first in `order`'s reverse) of points whose error fails to
/// fall with local slope at least `min_slope` (or is zero); empty unless at least 2 long.
fn plateau_tail(points: &[(f64, f64)], order: &[usize], min_slope: f64) -> Vec<usize> {
    let mut run: Vec<usize> = Vec::new();
    for w in order.windows(2).rev() {
        let (hi, lo) = (points[w[0]], points[w[1]]);
        let flat = lo.1 <= 0.0 || hi.1 <= 0.0 || (hi.1 / lo.1).ln() / (hi.0 / lo.0).ln() < min_slope;
        if !flat {
            break;
        }
        if run.is_empty() {
            run.push(w[1]);
        }
        run.push(w[0]);
    }
    if run.len() >= 2 {
        run
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_is_detected_and_excluded() {
        // err = h^3 down to 1e-13, then flat at 1e-13.
        let pts: Vec<(f64, f64)> = (0..14)
            .map(|k| {
                let h = 0.1 * 0.5f64.powi(k);
                (h, (h * h * h).max(1e-13))
            })
            .collect();
        let fit = analyse(&pts, 1.0, &FloorConfig::default());
        assert!(fit.plateau);
        assert!(fit.floor >= 1e-13);
        assert!((fit.slope.unwrap() - 3.0).abs() < 1e-9);
        assert!(fit.used.iter().all(|&i| pts[i].1 >= 1e-11));
    }

    #[test]
    fn the_fit_uses_the_finest_points_above_the_floor() {
        assert_eq!([0, 1, 3, 4, 5, 8, 9, 17].map(fit_window), [0, 1, 3, 4, 4, 4, 5, 9]);
        // err = h^3 (1 + 10 h): the large-h points bias the whole-grid slope high; the finest half much less.
        let pts: Vec<(f64, f64)> = (0..17)
            .map(|k| {
                let h = 0.2 * 0.5f64.sqrt().powi(k);
                (h, h.powi(3) * (1.0 + 10.0 * h))
            })
            .collect();
        let fit = analyse(&pts, 1.0, &FloorConfig::default());
        let all: Vec<(f64, f64)> = pts.iter().map(|p| (p.0.ln(), p.1.ln())).collect();
        let whole = ls_slope(&all).unwrap();
        let windowed = fit.slope.unwrap();
        assert!(whole > 3.15, "whole-grid slope {whole}");
        assert!((windowed - 3.0).abs() < 0.06, "windowed slope {windowed}");
        assert_eq!(fit.used.len(), fit_window(fit.above_floor));
        assert!(fit.local_slopes.windows(2).all(|w| w[1] < w[0]), "settling towards 3: {:?}", fit.local_slopes);
    }
}
