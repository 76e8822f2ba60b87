//! Log-log plot of the local errors of an [`OrderReport`].

use std::path::Path;

use plotters::prelude::*;

use plotters::coord::combinators::{LogCoord, WithKeyPoints};

use super::{OrderCheck, OrderReport};
use crate::report::plot::{dashes, log_bounds, msg, palette};
use crate::report::{write_png_atomic, ReportError};

/// Draws `err` against `h` (log-log) for every check, one colour per check, with a dashed
/// reference line of the expected slope (`N + 2` for gradient descent, `p + 1` below a method's order `p`) over the
/// fitted range (a factor 5 below the data), and writes
/// the PNG atomically to `path`.
pub fn plot_orders(report: &OrderReport, path: &Path) -> Result<(), ReportError> {
    let (x0, x1) = log_bounds(report.checks.iter().flat_map(|c| c.points.iter().map(|p| p[0])));
    let (y0, y1) = log_bounds(report.checks.iter().flat_map(|c| c.points.iter().map(|p| p[1])));
    write_png_atomic(path, (900, 650), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "local error ||step - flow of truncated modified field||; dashed: the expected slope",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale().with_key_points(decades(y0, y1)))
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_desc("h")
            .y_desc("local error")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .draw()
            .map_err(msg)?;
        for (i, c) in report.checks.iter().enumerate() {
            draw_check(&mut chart, c, palette(i))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(msg)?;
        Ok(())
    })
}

type LogChart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<LogCoord<f64>, WithKeyPoints<LogCoord<f64>>>>;

/// One check's error curve, its legend entry and its dashed reference slope.
fn draw_check(chart: &mut LogChart<'_, '_>, c: &OrderCheck, color: RGBColor) -> Result<(), String> {
    let pts: Vec<(f64, f64)> = c.points.iter().filter(|p| p[1] > 0.0).map(|p| (p[0], p[1])).collect();
    let label = match c.slope {
        Some(s) => format!("{} N={} slope {:.2}", c.recursion, c.order, s),
        None => format!("{} N={} (no slope)", c.recursion, c.order),
    };
    chart
        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
        .map_err(msg)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(msg)?;
    if let (Some(&h_lo), Some(&h_hi)) = (c.used_h.last(), c.used_h.first()) {
        if let Some(anchor) = pts.iter().find(|p| p.0 == h_lo) {
            // Reference line of the expected slope, parallel to the data and a factor 5 below it.
            let k = c.expected as f64;
            let at = |h: f64| (h, 0.2 * anchor.1 * (h / anchor.0).powf(k));
            for seg in dashes(at(h_lo), at(h_hi), 10, true) {
                chart.draw_series(LineSeries::new(seg, color.mix(0.6))).map_err(msg)?;
            }
        }
    }
    Ok(())
}

/// Labelled powers of ten from `lo` to `hi`, every decade up to 12 of them, else every second or third: plotters'
/// own log-scale key points stopped at 1e-15 on a double-double run reaching 1e-31 (found by review).
fn decades(lo: f64, hi: f64) -> Vec<f64> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let step = ((b - a) / 12 + 1).max(1);
    (a..=b).filter(|k| (k - a) % step == 0).map(|k| 10f64.powi(k)).collect()
}
