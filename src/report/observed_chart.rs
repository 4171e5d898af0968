//! The observed bootstrap drawn over the prediction: per object, the simulated first-Ready
//! range (p5–p95, calibrated model) as a pale band with its median, and the observed bar from
//! creation to first Ready on top; an object never Ready is marked at its creation in red.

use super::chart::{draw_row_labels, e, Chart, ChartError, APPLY, FAILED, HEALTH};
use super::observed::BootstrapReport;
use crate::time::format_ms;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The overlay chart of one observed bootstrap.
pub struct ObservedGantt<'a> {
    /// Scenario name (title).
    pub scenario: &'a str,
    /// The bootstrap and its placements.
    pub bootstrap: &'a BootstrapReport,
}

struct Line {
    name: String,
    created: f64,
    ready: Option<f64>,
    band: Option<(f64, f64, f64)>,
}

#[allow(clippy::cast_precision_loss)]
fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl ObservedGantt<'_> {
    fn lines(&self) -> Vec<Line> {
        let b = self.bootstrap;
        b.observed
            .objects
            .iter()
            .filter(|o| o.object.is_some())
            .map(|o| {
                let row = b.rows.iter().find(|r| r.object == o.key);
                let p = row.and_then(|r| r.after.as_ref().or(r.before.as_ref()));
                #[allow(clippy::cast_precision_loss)]
                Line {
                    name: o.key.clone(),
                    created: o.created_ms as f64 / 1000.0,
                    ready: o.ready_ms.map(|r| r as f64 / 1000.0),
                    band: p.and_then(|p| Some((secs(p.p5_ms?), secs(p.p50_ms?), secs(p.p95_ms?)))),
                }
            })
            .collect()
    }
}

impl Chart for ObservedGantt<'_> {
    fn size(&self) -> (u32, u32) {
        let n = u32::try_from(self.bootstrap.observed.objects.len()).unwrap_or(1000);
        (1500, 130 + 22 * n.max(3))
    }

    #[allow(clippy::cast_precision_loss)]
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(e)?;
        let lines = self.lines();
        let n = lines.len().max(1);
        let end = lines
            .iter()
            .flat_map(|l| [l.ready.unwrap_or(l.created), l.band.map_or(0.0, |b| b.2)])
            .fold(1.0, f64::max)
            * 1.03;
        let title = format!(
            "{} — observed {} over the prediction (p5–p95, median)",
            self.scenario,
            self.bootstrap.observed.makespan_ms.map_or(
                "bootstrap (never finished)".into(),
                |m| format!("makespan {}", format_ms(u64::try_from(m).unwrap_or(0)))
            )
        );
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(380)
            .build_cartesian_2d(0f64..end, 0f64..n as f64)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("seconds since the root Kustomization was created")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(e)?;
        let names: Vec<String> = lines.iter().map(|l| l.name.clone()).collect();
        draw_row_labels(root, &chart, &names)?;
        let pale = HEALTH.mix(0.35);
        // Times read from a dump may lie anywhere in the years 0–9999: far outside [0, end]
        // they are off the chart anyway, but past about 10^6 × end their pixel overflows an
        // i32 inside plotters. Clamped well beyond the visible range, so what shows is the same.
        let x = |v: f64| v.clamp(-1e6 * end, 1e6 * end);
        for (i, l) in lines.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let mut shapes = vec![];
            if let Some((a, m, b)) = l.band {
                shapes.push(Rectangle::new(
                    [(x(a), y + 0.15), (x(b), y + 0.85)],
                    pale.filled(),
                ));
                shapes.push(Rectangle::new(
                    [(x(m - end / 800.0), y + 0.1), (x(m + end / 800.0), y + 0.9)],
                    HEALTH.filled(),
                ));
            }
            match l.ready {
                Some(r) => shapes.push(Rectangle::new(
                    [
                        (x(l.created), y + 0.35),
                        (x(r.max(l.created + end / 1000.0)), y + 0.65),
                    ],
                    APPLY.filled(),
                )),
                None => shapes.push(Rectangle::new(
                    [
                        (x(l.created), y + 0.3),
                        (x(l.created + end / 300.0), y + 0.7),
                    ],
                    FAILED.filled(),
                )),
            }
            chart.draw_series(shapes).map_err(e)?;
        }
        Ok(())
    }
}
