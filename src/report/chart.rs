//! Charts for reviews (SVG and PNG via plotters, with an embedded font so no system fonts are
//! needed): a Gantt timeline of one run, the makespan CDF (A and B overlaid for a
//! comparison), the criticality index, and where the time goes.

use crate::analysis::critical_path::Category;
use crate::report::{McReport, RunReport};
use crate::time::format_ms;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

static FONT: Once = Once::new();
const FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

fn register_font() {
    FONT.call_once(|| {
        // The embedded DejaVu Sans is always a valid font.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES);
    });
}

/// Why a chart could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The drawing backend failed.
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    /// The PNG file could not be written.
    #[error("cannot write `{path}`: {reason}")]
    Write {
        /// The target path.
        path: String,
        /// The system's reason.
        reason: String,
    },
}

/// A chart ready to be rendered to SVG or PNG.
pub trait Chart {
    /// Pixel size.
    fn size(&self) -> (u32, u32);
    /// Draws onto any backend.
    ///
    /// # Errors
    /// A drawing error.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Renders a chart to SVG text.
///
/// # Errors
/// A drawing error.
pub fn to_svg<C: Chart>(c: &C) -> Result<String, ChartError> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, c.size()).into_drawing_area();
        c.draw(&root)?;
        root.present().map_err(e)?;
    }
    Ok(s)
}

/// Renders a chart to a PNG file (written to a temporary file beside it, then renamed).
///
/// # Errors
/// A drawing or I/O error.
pub fn to_png_file<C: Chart>(c: &C, path: &std::path::Path) -> Result<(), ChartError> {
    register_font();
    // The image encoder picks the format from the extension: keep `.png` on the temporary.
    let stem = path
        .file_stem()
        .map_or_else(|| "chart".into(), |s| s.to_string_lossy().into_owned());
    // Named after the target only, so a killed run leaves at most one, replaced next time.
    let tmp = path.with_file_name(format!(".{stem}.fluxsim-tmp.png"));
    let write_err = |reason: String| ChartError::Write {
        path: path.display().to_string(),
        reason,
    };
    {
        let root = BitMapBackend::new(&tmp, c.size()).into_drawing_area();
        c.draw(&root)?;
        root.present().map_err(|e| write_err(e.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_err(e.to_string())
    })
}

pub(crate) fn e<T: std::fmt::Display>(x: T) -> ChartError {
    ChartError::Draw(x.to_string())
}

const QUEUED: RGBColor = RGBColor(200, 200, 200);
const WAITING: RGBColor = RGBColor(250, 215, 120);
pub(crate) const APPLY: RGBColor = RGBColor(70, 130, 200);
pub(crate) const HEALTH: RGBColor = RGBColor(120, 190, 120);
const RETRY: RGBColor = RGBColor(240, 160, 160);
pub(crate) const FAILED: RGBColor = RGBColor(200, 30, 30);
const CRITICAL: RGBColor = RGBColor(20, 20, 20);

/// Gantt timeline of one run: a row per object; bars per phase; failures marked; the
/// critical path drawn as a black line under the bars it runs through.
pub struct Gantt<'a> {
    /// The run.
    pub report: &'a RunReport,
}

/// Most rows a Gantt chart draws; beyond it, the critical path's objects and the earliest
/// others are drawn and a last row counts the rest (25,000 rows made a 450,000-pixel bitmap).
pub const MAX_GANTT_ROWS: usize = 300;

impl Gantt<'_> {
    /// The rows drawn, in (first reconcile, Ready, name) order, and how many were left out.
    fn rows(&self) -> (Vec<&crate::report::run::ObjectReport>, usize) {
        let mut v: Vec<_> = self.report.objects.iter().collect();
        v.sort_by(|a, b| {
            let key = |o: &crate::report::run::ObjectReport| {
                (
                    o.first_reconcile_ms.unwrap_or(u64::MAX),
                    o.ready_ms.unwrap_or(u64::MAX),
                )
            };
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        if v.len() <= MAX_GANTT_ROWS {
            return (v, 0);
        }
        let critical = v.iter().filter(|o| o.critical).count().min(MAX_GANTT_ROWS);
        let mut others = MAX_GANTT_ROWS - critical;
        let total = v.len();
        v.retain(|o| {
            o.critical
                || (others > 0 && {
                    others -= 1;
                    true
                })
        });
        v.truncate(MAX_GANTT_ROWS);
        let hidden = total - v.len();
        (v, hidden)
    }
    fn label_width(&self) -> u32 {
        let longest = self
            .report
            .objects
            .iter()
            .map(|o| o.name.chars().count())
            .max()
            .unwrap_or(10);
        // Room for the "… N more objects" row when there is one.
        let floor = if self.report.objects.len() > MAX_GANTT_ROWS {
            36
        } else {
            0
        };
        u32::try_from(longest.max(floor)).unwrap_or(60).min(70) * 7 + 20
    }
    /// Rows drawn, including the pre-Flux row and the "more objects" row.
    fn row_count(&self) -> usize {
        let n = self.report.objects.len();
        let shown = n.min(MAX_GANTT_ROWS) + usize::from(n > MAX_GANTT_ROWS);
        shown + usize::from(self.report.flux_start_ms > 0)
    }
}

/// A time axis label: `format_ms` of seconds (`1m30s`, `2h0m0s`).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn axis_time(seconds: &f64) -> String {
    format_ms((seconds.max(0.0) * 1000.0).round() as u64)
}

impl Chart for Gantt<'_> {
    fn size(&self) -> (u32, u32) {
        let n = u32::try_from(self.row_count()).unwrap_or(1000);
        (1200 + self.label_width(), 130 + 18 * n.max(3))
    }

    #[allow(clippy::cast_precision_loss)]
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(e)?;
        let (rows, hidden) = self.rows();
        let pre = self.report.flux_start_ms > 0;
        let n = self.row_count();
        let end_ms = self
            .report
            .makespan_ms
            .unwrap_or(self.report.horizon_ms)
            .max(1000);
        let end = end_ms as f64 / 1000.0 * 1.02;
        let title = match self.report.makespan_ms {
            Some(m) => format!(
                "{} — seed {} — makespan {}",
                self.report.scenario,
                self.report.seed,
                format_ms(m)
            ),
            None => format!(
                "{} — seed {} — STUCK at {}",
                self.report.scenario,
                self.report.seed,
                format_ms(end_ms)
            ),
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(self.label_width())
            .build_cartesian_2d(0f64..end, 0f64..n as f64)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("time since bootstrap start")
            .x_label_formatter(&axis_time)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(e)?;
        let mut names: Vec<String> = rows.iter().map(|o| o.name.clone()).collect();
        if pre {
            names.insert(0, "(pre-Flux bootstrap)".into());
        }
        if hidden > 0 {
            names.push(format!("… {hidden} more objects (in trace.json)"));
        }
        draw_row_labels(root, &chart, &names)?;
        let s = secs;
        let mut crit: std::collections::HashMap<&str, Vec<(u64, u64)>> = Default::default();
        for c in &self.report.critical_path {
            if let Some(o) = &c.object {
                crit.entry(o.as_str())
                    .or_default()
                    .push((c.start_ms, c.end_ms));
            }
        }
        if pre {
            let y0 = (n - 1) as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y0 + 0.2), (s(self.report.flux_start_ms), y0 + 0.8)],
                    RGBColor(180, 160, 210).filled(),
                )))
                .map_err(e)?;
        }
        for (i, o) in rows.iter().enumerate() {
            let y0 = (n - 1 - i - usize::from(pre)) as f64;
            chart
                .draw_series(object_bars(o, y0, end, end_ms))
                .map_err(e)?;
            let segs: Vec<_> = crit
                .get(o.name.as_str())
                .into_iter()
                .flatten()
                .map(|(a, b)| {
                    Rectangle::new([(s(*a), y0 + 0.02), (s(*b), y0 + 0.16)], CRITICAL.filled())
                })
                .collect();
            chart.draw_series(segs).map_err(e)?;
        }
        draw_legend(&mut chart)
    }
}

type Bar = Rectangle<(f64, f64)>;

/// Seconds on the time axis.
#[allow(clippy::cast_precision_loss)]
fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// Outcomes of a reconcile that waited rather than worked.
fn is_wait_outcome(outcome: &str) -> bool {
    matches!(
        outcome,
        "DependencyNotReady" | "FinalizerAdded" | "ArtifactFailed" | "SourceNotReady"
    )
}

/// Outcomes of a reconcile that failed.
fn is_failure_outcome(outcome: &str) -> bool {
    matches!(
        outcome,
        "ReconciliationFailed" | "HealthCheckFailed" | "InstallFailed" | "Stalled"
    )
}

/// When an object's dependency / source wait ends: from its first reconcile to the first
/// reconcile that did work (or its successful one, if earlier).
fn wait_end(o: &crate::report::run::ObjectReport) -> u64 {
    let first = o.first_reconcile_ms.unwrap_or(0);
    let success_start = o
        .runs
        .iter()
        .find(|r| r.outcome == "Ready")
        .map(|r| r.start_ms);
    let work_start = o
        .runs
        .iter()
        .find(|r| r.apply_end_ms.is_some() || !is_wait_outcome(&r.outcome))
        .map_or(first, |r| r.start_ms);
    success_start
        .unwrap_or(work_start)
        .min(work_start.max(first))
}

/// The bars of one object's row at height `y0`: the wait, then per reconcile its queueing,
/// the retry wait after a failure, the apply and health phases, and a mark at each failure.
/// `end` is the axis end in seconds, `end_ms` the time an unfinished reconcile is drawn to.
fn object_bars(o: &crate::report::run::ObjectReport, y0: f64, end: f64, end_ms: u64) -> Vec<Bar> {
    let bar = |a: f64, b: f64, c: RGBColor| {
        Rectangle::new(
            [(a, y0 + 0.2), (b.max(a + end / 2000.0), y0 + 0.8)],
            c.filled(),
        )
    };
    let mut bars = vec![];
    let first = o.first_reconcile_ms.unwrap_or(0);
    let wait = wait_end(o);
    if wait > first {
        bars.push(bar(secs(first), secs(wait), WAITING));
    }
    let mut prev_end: Option<(u64, bool)> = None;
    for r in &o.runs {
        let end_r = r.end_ms.unwrap_or(end_ms);
        if r.start_ms > r.queued_ms {
            bars.push(bar(secs(r.queued_ms), secs(r.start_ms), QUEUED));
        }
        if let Some((pe, true)) = prev_end {
            if r.queued_ms > pe {
                bars.push(bar(secs(pe), secs(r.queued_ms), RETRY));
            }
        }
        let failed = is_failure_outcome(&r.outcome);
        let did_work = r.apply_end_ms.is_some()
            || failed
            || matches!(r.outcome.as_str(), "Ready" | "InProgress");
        if did_work {
            let ae = r.apply_end_ms.unwrap_or(end_r);
            bars.push(bar(secs(r.start_ms), secs(ae), APPLY));
            if end_r > ae {
                bars.push(bar(secs(ae), secs(end_r), HEALTH));
            }
        }
        if failed {
            bars.push(Rectangle::new(
                [
                    (secs(end_r) - end / 400.0, y0 + 0.05),
                    (secs(end_r) + end / 400.0, y0 + 0.95),
                ],
                FAILED.filled(),
            ));
        }
        prev_end = Some((end_r, failed));
    }
    bars
}

/// The Gantt chart's legend, one swatch per bar colour.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
) -> Result<(), ChartError> {
    let legend = [
        (QUEUED, "queued"),
        (WAITING, "dependency / source wait"),
        (APPLY, "apply"),
        (HEALTH, "health / Helm wait"),
        (RETRY, "retry wait"),
        (FAILED, "failure"),
        (CRITICAL, "critical path"),
    ];
    for (c, label) in legend {
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(e)?;
    Ok(())
}

/// Writes one label per row, right-aligned in the label area, centred on the row.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn draw_row_labels<
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    names: &[String],
) -> Result<(), ChartError> {
    let n = names.len();
    let style =
        ("sans-serif", 12)
            .into_font()
            .color(&BLACK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Right,
                plotters::style::text_anchor::VPos::Center,
            ));
    for (i, name) in names.iter().enumerate() {
        let y = (n - 1 - i) as f64 + 0.5;
        let (px, py) = chart.backend_coord(&(0.0, y));
        root.draw(&Text::new(name.clone(), (px - 6, py), style.clone()))
            .map_err(e)?;
    }
    Ok(())
}

/// Makespan CDF of one or two Monte Carlo reports (stuck trials never reach 1.0).
pub struct Cdf<'a> {
    /// (label, report) pairs; one or two.
    pub series: Vec<(String, &'a McReport)>,
}

impl Chart for Cdf<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 560)
    }

    #[allow(clippy::cast_precision_loss)]
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(e)?;
        let max = self
            .series
            .iter()
            .flat_map(|(_, r)| r.trial_makespans_ms.iter().flatten())
            .max()
            .copied()
            .unwrap_or(1000)
            .max(1000) as f64
            / 1000.0;
        let min = self
            .series
            .iter()
            .flat_map(|(_, r)| r.trial_makespans_ms.iter().flatten())
            .min()
            .copied()
            .unwrap_or(0) as f64
            / 1000.0;
        let lo = (min * 0.95).floor();
        let title = if self.series.len() == 2 {
            "makespan CDF: A against B".to_string()
        } else {
            format!(
                "makespan CDF — {}",
                self.series.first().map_or("", |s| s.1.scenario.as_str())
            )
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(lo..max * 1.02, 0f64..1.0)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("makespan")
            .x_label_formatter(&axis_time)
            .y_desc("share of trials finished")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(e)?;
        let colors = [RGBColor(40, 90, 200), RGBColor(220, 90, 30)];
        for (k, (label, r)) in self.series.iter().enumerate() {
            let mut v: Vec<u64> = r.trial_makespans_ms.iter().flatten().copied().collect();
            v.sort_unstable();
            let n = r.trial_makespans_ms.len().max(1) as f64;
            let mut pts = vec![(lo, 0.0)];
            for (i, x) in v.iter().enumerate() {
                let xs = *x as f64 / 1000.0;
                pts.push((xs, i as f64 / n));
                pts.push((xs, (i + 1) as f64 / n));
            }
            let c = colors[k % 2];
            let p95 = r
                .makespan_ms
                .p95
                .map(|x| format!(", p95 {}", format_ms(x)))
                .unwrap_or_default();
            let stuck = if r.stuck_probability > 0.0 {
                format!(", stuck {:.1}%", 100.0 * r.stuck_probability)
            } else {
                String::new()
            };
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(2)))
                .map_err(e)?
                .label(format!(
                    "{label} (p50 {}{p95}{stuck})",
                    r.makespan_ms.p50.map_or("stuck".into(), format_ms)
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(e)?;
        Ok(())
    }
}

/// Horizontal bars: one label and value (0–1 or ms) per row.
#[derive(Clone)]
pub struct Bars {
    /// Title.
    pub title: String,
    /// Axis description.
    pub x_desc: String,
    /// (label, value) rows, drawn top to bottom.
    pub rows: Vec<(String, f64)>,
    /// Formats a value for the end of its bar.
    pub percent: bool,
}

impl Bars {
    /// Criticality index per object, most critical first (at most 60 rows).
    #[must_use]
    pub fn criticality(r: &McReport) -> Bars {
        let mut rows: Vec<(String, f64)> = r
            .objects
            .iter()
            .map(|o| (o.name.clone(), o.criticality))
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        rows.truncate(60);
        Bars {
            title: format!("criticality index — {} ({} trials)", r.scenario, r.trials),
            x_desc: "share of trials on the critical path".into(),
            rows,
            percent: true,
        }
    }
    /// Mean share of the makespan per category.
    #[must_use]
    pub fn categories(r: &McReport) -> Bars {
        let rows = Category::ALL
            .iter()
            .map(|c| {
                (
                    c.label().to_string(),
                    r.time_share.get(c.key()).copied().unwrap_or(0.0),
                )
            })
            .collect();
        Bars {
            title: format!("where bootstrap time goes — {}", r.scenario),
            x_desc: "mean share of the makespan (critical path)".into(),
            rows,
            percent: true,
        }
    }
}

impl Chart for Bars {
    fn size(&self) -> (u32, u32) {
        let n = u32::try_from(self.rows.len()).unwrap_or(100);
        let longest = u32::try_from(
            self.rows
                .iter()
                .map(|r| r.0.chars().count())
                .max()
                .unwrap_or(10),
        )
        .unwrap_or(60)
        .min(70);
        (760 + longest * 7, 120 + 22 * n.max(3))
    }

    #[allow(clippy::cast_precision_loss)]
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(e)?;
        let n = self.rows.len().max(1);
        let longest = u32::try_from(
            self.rows
                .iter()
                .map(|r| r.0.chars().count())
                .max()
                .unwrap_or(10),
        )
        .unwrap_or(60)
        .min(70);
        let xmax = self
            .rows
            .iter()
            .map(|r| r.1)
            .fold(0.0f64, f64::max)
            .max(if self.percent { 0.05 } else { 1.0 })
            * 1.15;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(longest * 7 + 20)
            .build_cartesian_2d(0f64..xmax, 0f64..n as f64)
            .map_err(e)?;
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let pct = self.percent;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_label_formatter(&|x| {
                if pct {
                    format!("{:.0}%", 100.0 * x)
                } else {
                    format!("{x:.0}")
                }
            })
            .x_desc(self.x_desc.as_str())
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(e)?;
        draw_row_labels(root, &chart, &names)?;
        let color = RGBColor(70, 130, 200);
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, (_, v))| {
                let y = (n - 1 - i) as f64;
                Rectangle::new([(0.0, y + 0.15), (*v, y + 0.85)], color.filled())
            }))
            .map_err(e)?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, (_, v))| {
                let y = (n - 1 - i) as f64;
                let t = if pct {
                    format!("{:.1}%", 100.0 * v)
                } else {
                    format!("{v:.1}")
                };
                Text::new(
                    t,
                    (*v + xmax * 0.01, y + 0.72),
                    ("sans-serif", 12).into_font(),
                )
            }))
            .map_err(e)?;
        Ok(())
    }
}
