//! PNG figures (plotters, bitmap backend): Figures 2, A.6, 3a, 3b and 3c of the paper, drawn
//! from run summaries. Log axes are drawn as log10 of the values on linear axes.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::error::{NetsError, Result};
use super::experiments::egr_resnet::EgrPoint;
use super::experiments::igr_mlp::RunRow;
use super::sweep::RunRecord;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Dots only.
    Points,
    /// Line with dots.
    Line,
    /// Thin line (for +- std bands).
    Thin,
}

/// One series.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label (empty = no legend entry).
    pub label: String,
    /// Points (raw values; log axes are applied by the panel).
    pub points: Vec<(f64, f64)>,
    /// Drawing style.
    pub style: Style,
    /// Colour index into the palette.
    pub colour: usize,
}

/// One chart.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub xlabel: String,
    /// y-axis label.
    pub ylabel: String,
    /// log10 x axis.
    pub logx: bool,
    /// log10 y axis.
    pub logy: bool,
    /// Series.
    pub series: Vec<Series>,
}

fn tf(v: f64, log: bool) -> f64 {
    if log {
        v.log10()
    } else {
        v
    }
}

fn bounds(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        vals.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9 + lo.abs() * 0.02);
    (lo - pad, hi + pad)
}

/// The plots of a finished sweep, or why there are none. A sweep's verdicts and report do not depend on its plots, so
/// a plot that cannot be drawn (a full disk, an unwritable folder) is reported, on stderr and in the report, instead of
/// failing the whole experiment after hours of training.
pub fn non_fatal(plots: Result<Vec<PathBuf>>) -> (Vec<PathBuf>, Option<String>) {
    match plots {
        Ok(p) => (p, None),
        Err(e) => {
            eprintln!("warning: no plots: {e}");
            (vec![], Some(e.to_string()))
        }
    }
}

fn plot_err(path: &Path, e: impl std::fmt::Display) -> NetsError {
    NetsError::Plot { path: path.to_path_buf(), detail: e.to_string() }
}

fn draw_panel(area: &DrawingArea<BitMapBackend, plotters::coord::Shift>, p: &Panel, path: &Path) -> Result<()> {
    let pts = |s: &Series| -> Vec<(f64, f64)> {
        s.points
            .iter()
            .map(|&(x, y)| (tf(x, p.logx), tf(y, p.logy)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    };
    let all: Vec<(f64, f64)> = p.series.iter().flat_map(pts).collect();
    let (x0, x1) = bounds(all.iter().map(|q| q.0));
    let (y0, y1) = bounds(all.iter().map(|q| q.1));
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| plot_err(path, e))?;
    let lx = if p.logx { format!("log10 {}", p.xlabel) } else { p.xlabel.clone() };
    let ly = if p.logy { format!("log10 {}", p.ylabel) } else { p.ylabel.clone() };
    chart.configure_mesh().x_desc(lx).y_desc(ly).draw().map_err(|e| plot_err(path, e))?;
    for s in &p.series {
        let c = Palette99::pick(s.colour).to_rgba();
        let data = pts(s);
        if s.style != Style::Points {
            let w = if s.style == Style::Thin { 1 } else { 2 };
            let style = if s.style == Style::Thin { c.mix(0.5).stroke_width(w) } else { c.stroke_width(w) };
            chart.draw_series(LineSeries::new(data.clone(), style)).map_err(|e| plot_err(path, e))?;
        }
        if s.style == Style::Thin {
            continue;
        }
        let anno =
            chart.draw_series(data.iter().map(|&q| Circle::new(q, 4, c.filled()))).map_err(|e| plot_err(path, e))?;
        if !s.label.is_empty() {
            anno.label(s.label.clone()).legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| plot_err(path, e))?;
    Ok(())
}

/// Draw panels side by side into one PNG (480 px per panel).
pub fn draw_figure(path: &Path, panels: &[Panel]) -> Result<PathBuf> {
    crate::report::plot::register_font().map_err(|e| plot_err(path, e))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| NetsError::io(dir, e))?;
    }
    let root = BitMapBackend::new(path, (480 * panels.len().max(1) as u32, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    let areas = root.split_evenly((1, panels.len().max(1)));
    for (a, p) in areas.iter().zip(panels) {
        draw_panel(a, p, path)?;
    }
    root.present().map_err(|e| plot_err(path, e))?;
    Ok(path.to_path_buf())
}

fn grouped<K: PartialEq + Copy>(rows: &[RunRow], key: impl Fn(&RunRow) -> K) -> Vec<(K, Vec<&RunRow>)> {
    let mut out: Vec<(K, Vec<&RunRow>)> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|(k, _)| *k == key(r)) {
            Some((_, v)) => v.push(r),
            None => out.push((key(r), vec![r])),
        }
    }
    out
}

fn by_width(rows: &[RunRow], x: fn(&RunRow) -> f64, y: fn(&RunRow) -> f64, style: Style) -> Vec<Series> {
    grouped(rows, |r| r.width)
        .into_iter()
        .enumerate()
        .map(|(i, (w, rs))| {
            let mut points: Vec<(f64, f64)> = rs.iter().map(|r| (x(r), y(r))).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Series { label: format!("m = {} (n_l = {w})", rs[0].m), points, style, colour: i }
        })
        .collect()
}

fn panel(title: &str, xl: &str, yl: &str, logx: bool, logy: bool, series: Vec<Series>) -> Panel {
    Panel { title: title.into(), xlabel: xl.into(), ylabel: yl.into(), logx, logy, series }
}

/// Figures 2, A.6, 3a and 3b for `igr-mlp`.
pub fn igr_mlp_plots(dir: &Path, rows: &[RunRow], runs: &[RunRecord], noise_width: usize) -> Result<Vec<PathBuf>> {
    let lam = |r: &RunRow| r.lambda;
    let rig = |r: &RunRow| r.best.r_ig;
    let acc = |r: &RunRow| 100.0 * r.best.test_acc;
    let mut out = vec![draw_figure(
        &dir.join("fig2-rig-acc-vs-lambda.png"),
        &[
            panel(
                "(a) R_IG at max test acc.",
                "lambda = h m / 4",
                "R_IG",
                true,
                true,
                by_width(rows, lam, rig, Style::Points),
            ),
            panel(
                "(b) max test accuracy",
                "lambda = h m / 4",
                "test accuracy (%)",
                true,
                false,
                by_width(rows, lam, acc, Style::Points),
            ),
        ],
    )?];
    out.push(draw_figure(
        &dir.join("figA6-vs-learning-rate.png"),
        &[
            panel("R_IG vs learning rate", "h", "R_IG", true, true, by_width(rows, |r| r.h, rig, Style::Line)),
            panel(
                "test accuracy vs learning rate",
                "h",
                "test accuracy (%)",
                true,
                false,
                by_width(rows, |r| r.h, acc, Style::Line),
            ),
            panel(
                "test accuracy vs R_IG",
                "R_IG",
                "test accuracy (%)",
                true,
                false,
                by_width(rows, rig, acc, Style::Points),
            ),
        ],
    )?);
    let noisy: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| !r.summary.noise.is_empty() && rows.iter().any(|w| w.id == r.spec.id && w.width == noise_width))
        .collect();
    if !noisy.is_empty() {
        out.extend(noise_plots(dir, &noisy)?);
    }
    Ok(out)
}

fn noise_plots(dir: &Path, runs: &[&RunRecord]) -> Result<Vec<PathBuf>> {
    let mut slope = Vec::new();
    let mut acc = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let n = &r.summary.noise;
        let label = format!("h = {}", r.summary.learning_rate);
        slope.push(Series {
            label: label.clone(),
            points: n.iter().map(|p| (100.0 * p.sigma, p.slope_mean)).collect(),
            style: Style::Line,
            colour: i,
        });
        acc.push(Series {
            label,
            points: n.iter().map(|p| (100.0 * p.sigma, 100.0 * p.acc_mean)).collect(),
            style: Style::Line,
            colour: i,
        });
        for sign in [-1.0, 1.0] {
            let pts = n.iter().map(|p| (100.0 * p.sigma, 100.0 * (p.acc_mean + sign * p.acc_std))).collect();
            acc.push(Series { label: String::new(), points: pts, style: Style::Thin, colour: i });
        }
    }
    Ok(vec![
        draw_figure(
            &dir.join("fig3a-slope-vs-noise.png"),
            &[panel("(a) loss-surface slope", "parameter perturbation (%)", "slope sqrt(m R_IG)", false, true, slope)],
        )?,
        draw_figure(
            &dir.join("fig3b-acc-vs-noise.png"),
            &[panel(
                "(b) test accuracy (mean +- std)",
                "parameter perturbation (%)",
                "test accuracy (%)",
                false,
                false,
                acc,
            )],
        )?,
    ])
}

/// Figure 3c: max test accuracy against mu.
pub fn egr_plot(dir: &Path, points: &[EgrPoint]) -> Result<PathBuf> {
    let x = |p: &EgrPoint| p.mu.max(1e-4);
    let mean = Series {
        label: "mean over seeds".into(),
        points: points.iter().map(|p| (x(p), 100.0 * p.test_acc_mean)).collect(),
        style: Style::Line,
        colour: 0,
    };
    let mut series = vec![mean];
    for sign in [-1.0, 1.0] {
        let pts = points.iter().map(|p| (x(p), 100.0 * (p.test_acc_mean + sign * p.test_acc_std))).collect();
        series.push(Series { label: String::new(), points: pts, style: Style::Thin, colour: 0 });
    }
    draw_figure(
        &dir.join("fig3c-egr-acc-vs-mu.png"),
        &[panel("(c) EGR: max test accuracy (mu = 0 drawn at 1e-4)", "mu", "test accuracy (%)", true, false, series)],
    )
}
