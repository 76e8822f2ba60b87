//! PNG figures (Fig. 1a per initial point, Fig. 1b, Fig. A.1, Fig. A.2) and [`write_outputs`].

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::runs::Trajectory;
use super::{markdown_report, TwoParamModel, TwoParamResult};
use crate::report::plot::{msg, palette, Area};
use crate::report::{remove_stale_temps, write_atomic, write_json_atomic, write_png_atomic, ReportError};

/// Writes `two_param.json`, `two_param.md` and the PNGs `fig1a_<point>.png`, `fig1b.png`,
/// `figA1.png`, `figA2.png` into `dir` (each atomically) and returns the written paths. Temporary files that a
/// killed earlier run left in `dir` are removed first ([`remove_stale_temps`]).
pub fn write_outputs(res: &TwoParamResult, model: &TwoParamModel, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    remove_stale_temps(dir, None)?;
    let mut written = Vec::new();
    let mut labels: Vec<&str> = res.runs.iter().map(|r| r.point.as_str()).collect();
    labels.dedup();
    for label in labels {
        let trs: Vec<&Trajectory> =
            res.trajectories.iter().filter(|(l, t)| l == label && t.name != "gd_hL").map(|(_, t)| t).collect();
        let path = dir.join(format!("fig1a_{label}.png"));
        let range = if label == "I" { Some(((0.0, 4.0), (0.0, 4.0))) } else { None };
        phase_portrait(&path, model, &trs, range, &format!("Fig. 1a, initial point {label}"))?;
        written.push(path);
    }
    if let Some(tr) = res.trajectories.iter().find(|(_, t)| t.name == "gd_hL").map(|(_, t)| t) {
        let small = res.trajectories.iter().find(|(_, t)| t.name == "gd_hS").map(|(_, t)| t);
        let trs: Vec<&Trajectory> = small.into_iter().chain(std::iter::once(tr)).collect();
        let path = dir.join("figA1.png");
        phase_portrait(&path, model, &trs, None, "Fig. A.1, large learning rate")?;
        written.push(path);
    }
    let path = dir.join("fig1b.png");
    fig1b_plot(&path, res)?;
    written.push(path);
    let path = dir.join("figA2.png");
    fig_a2_plot(&path, res)?;
    written.push(path);
    let path = dir.join("two_param.json");
    write_json_atomic(&path, res)?;
    written.push(path);
    let path = dir.join("two_param.md");
    write_atomic(&path, markdown_report(res).as_bytes())?;
    written.push(path);
    Ok(written)
}

type Range2 = ((f64, f64), (f64, f64));

fn auto_range(trs: &[&Trajectory], model: &TwoParamModel) -> Range2 {
    let mut r = ((0.0f64, 1.0f64), (0.0f64, 1.0f64));
    let mn = model.min_norm_point();
    for p in trs.iter().flat_map(|t| t.points.iter()).chain(std::iter::once(&mn)) {
        if p[0].is_finite() && p[1].is_finite() {
            r.0 = (r.0 .0.min(p[0]), r.0 .1.max(p[0]));
            r.1 = (r.1 .0.min(p[1]), r.1 .1.max(p[1]));
        }
    }
    let pad = |(a, b): (f64, f64)| (a - 0.05 * (b - a), b + 0.05 * (b - a));
    (pad(r.0), pad(r.1))
}

fn style_for(name: &str, i: usize) -> (RGBColor, bool) {
    let key = name.trim_start_matches("II_");
    match key {
        "gd_hS" => (RGBColor(44, 160, 44), false),
        "gradient_flow" => (RGBColor(0, 90, 0), true),
        "gd_hM" => (RGBColor(214, 39, 40), false),
        "modified_euler" => (RGBColor(255, 127, 14), true),
        "modified_dop853" => (RGBColor(140, 20, 20), true),
        "modified2_dop853" => (RGBColor(148, 103, 189), true),
        "egr" => (RGBColor(31, 119, 180), true),
        "gd_hL" => (RGBColor(214, 39, 40), false),
        _ => (palette(i), true),
    }
}

/// Phase portrait: normalised gradient-flow arrows, the hyperbola `ab = y/x` (dashed), the
/// minimum-norm point (cross) and the trajectories.
fn phase_portrait(
    path: &Path,
    model: &TwoParamModel,
    trs: &[&Trajectory],
    range: Option<Range2>,
    title: &str,
) -> Result<(), ReportError> {
    let ((a0, a1), (b0, b1)) = range.unwrap_or_else(|| auto_range(trs, model));
    write_png_atomic(path, (900, 850), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(a0..a1, b0..b1)
            .map_err(msg)?;
        chart.configure_mesh().x_desc("a").y_desc("b").draw().map_err(msg)?;
        draw_arrows(&mut chart, model, ((a0, a1), (b0, b1)))?;
        draw_hyperbola(&mut chart, model, ((a0, a1), (b0, b1)))?;
        let mn = model.min_norm_point();
        chart
            .draw_series(std::iter::once(Cross::new((mn[0], mn[1]), 8, BLACK.stroke_width(3))))
            .map_err(msg)?
            .label("minimum-norm minimum")
            .legend(|(x, y)| Cross::new((x + 10, y), 5, BLACK.stroke_width(2)));
        for (i, t) in trs.iter().enumerate() {
            draw_trajectory(&mut chart, t, i, ((a0, a1), (b0, b1)))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(msg)
    })
}

type Chart2<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_arrows(chart: &mut Chart2<'_, '_>, model: &TwoParamModel, r: Range2) -> Result<(), String> {
    let n = 22;
    let (da, db) = ((r.0 .1 - r.0 .0) / n as f64, (r.1 .1 - r.1 .0) / n as f64);
    let grey = RGBColor(170, 170, 170);
    let mut segs = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (r.0 .0 + (i as f64 + 0.5) * da, r.1 .0 + (j as f64 + 0.5) * db);
            let g = model.grad([a, b]);
            // direction −∇E in screen-normalised units
            let (u, v) = (-g[0] / da, -g[1] / db);
            let len = (u * u + v * v).sqrt();
            if !(len > 0.0 && len.is_finite()) {
                continue;
            }
            let (u, v) = (0.4 * u / len, 0.4 * v / len);
            let tip = (a + u * da, b + v * db);
            let tail = (a - u * da, b - v * db);
            let back = |s: f64| (tip.0 + (-u * 0.5 + s * v * 0.35) * da, tip.1 + (-v * 0.5 - s * u * 0.35) * db);
            segs.push(vec![tail, tip]);
            segs.push(vec![back(1.0), tip, back(-1.0)]);
        }
    }
    for s in segs {
        chart.draw_series(LineSeries::new(s, grey)).map_err(msg)?;
    }
    Ok(())
}

fn draw_hyperbola(chart: &mut Chart2<'_, '_>, model: &TwoParamModel, r: Range2) -> Result<(), String> {
    let c = model.y / model.x;
    for sign in [1.0, -1.0] {
        let pts: Vec<(f64, f64)> = (1..=2000)
            .map(|k| sign * (r.0 .1 - r.0 .0).abs().max(r.0 .0.abs()).max(r.0 .1.abs()) * k as f64 / 2000.0)
            .map(|a| (a, c / a))
            .filter(|&(a, b)| a >= r.0 .0 && a <= r.0 .1 && b >= r.1 .0 && b <= r.1 .1)
            .collect();
        if pts.len() > 1 {
            let s = chart.draw_series(DashedLineSeries::new(pts, 8, 5, BLACK.stroke_width(2))).map_err(msg)?;
            if sign > 0.0 {
                s.label("minima ab = y/x")
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
            }
        }
    }
    Ok(())
}

fn draw_trajectory(chart: &mut Chart2<'_, '_>, t: &Trajectory, i: usize, r: Range2) -> Result<(), String> {
    let (color, dashed) = style_for(&t.name, i);
    let inside = |p: &[f64; 2]| {
        p[0].is_finite()
            && p[1].is_finite()
            && (p[0] - r.0 .0) * (p[0] - r.0 .1) <= 0.0
            && (p[1] - r.1 .0) * (p[1] - r.1 .1) <= 0.0
    };
    let pts: Vec<(f64, f64)> = t.points.iter().filter(|p| inside(p)).map(|p| (p[0], p[1])).collect();
    if pts.len() < 2 {
        return Ok(());
    }
    let label =
        if t.steps == 0 { format!("{} (Dop853, t <= {})", t.name, t.h) } else { format!("{} (h = {})", t.name, t.h) };
    let style = color.stroke_width(2);
    let anno = if dashed {
        chart.draw_series(DashedLineSeries::new(pts, 10, 6, style)).map_err(msg)?
    } else {
        chart.draw_series(LineSeries::new(pts, style)).map_err(msg)?
    };
    anno.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    Ok(())
}

fn line_plot(
    path: &Path,
    title: &str,
    xdesc: &str,
    ydesc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    logx: bool,
) -> Result<(), ReportError> {
    let all: Vec<(f64, f64)> =
        series.iter().flat_map(|s| s.1.iter().copied()).filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
    let (mut x0, mut x1, mut y0, mut y1) =
        all.iter().fold((f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY), |a, p| {
            (a.0.min(p.0), a.1.max(p.0), a.2.min(p.1), a.3.max(p.1))
        });
    if !x0.is_finite() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let pad = 0.05 * (y1 - y0).abs().max(1e-12);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    write_png_atomic(path, (900, 600), |root: &Area<'_>| {
        let mut b = ChartBuilder::on(root);
        b.caption(title, ("sans-serif", 20)).margin(12).x_label_area_size(40).y_label_area_size(70);
        if logx {
            let mut chart = b.build_cartesian_2d((x0.max(1.0)..x1).log_scale(), y0..y1).map_err(msg)?;
            chart.configure_mesh().x_desc(xdesc).y_desc(ydesc).draw().map_err(msg)?;
            draw_lines(&mut chart, series)
        } else {
            let mut chart = b.build_cartesian_2d(x0..x1, y0..y1).map_err(msg)?;
            chart.configure_mesh().x_desc(xdesc).y_desc(ydesc).draw().map_err(msg)?;
            draw_lines(&mut chart, series)
        }
    })
}

fn draw_lines<'a, X>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
{
    {
        for (i, (name, pts)) in series.iter().enumerate() {
            let c = palette(i);
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(2)))
                .map_err(msg)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, c.filled()))).map_err(msg)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(msg)
    }
}

fn fig1b_plot(path: &Path, res: &TwoParamResult) -> Result<(), ReportError> {
    let pts: Vec<(f64, f64)> = res.fig1b.iter().filter(|p| p.converged).map(|p| (p.lambda, p.ratio)).collect();
    line_plot(
        path,
        "Fig. 1b: R_IG/E at convergence (R_IG with 1/m)",
        "lambda = h m / 4",
        "R_IG / E",
        &[("GD from (2.8, 3.5)".into(), pts)],
        false,
    )
}

fn fig_a2_plot(path: &Path, res: &TwoParamResult) -> Result<(), ReportError> {
    let series: Vec<(String, Vec<(f64, f64)>)> = res
        .egr_test
        .iter()
        .map(|r| (format!("mu = {}", r.mu), r.curve.iter().filter(|c| c.0 >= 1).map(|&(n, e)| (n as f64, e)).collect()))
        .collect();
    line_plot(
        path,
        "Fig. A.2: EGR test error at (x, y) = (0.5, 0.6)",
        "training iteration (log)",
        "test error",
        &series,
        true,
    )
}
