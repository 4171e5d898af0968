//! The `fluxsim calibrate` report: what each dump held, what was fitted, what is missing, and
//! each observed bootstrap beside the simulated distribution (before and after calibration).

use crate::calibrate::load::{FileKind, Input};
use crate::calibrate::timeline::{ObservedBootstrap, Placement, Row};
use crate::calibrate::Calibration;
use crate::time::format_ms;
use serde::Serialize;
use std::fmt::Write;

/// One observed bootstrap with its comparison rows.
#[derive(Clone, Debug, Serialize)]
pub struct BootstrapReport {
    /// The reconstructed timeline.
    pub observed: ObservedBootstrap,
    /// Makespan and per-object placements.
    pub rows: Vec<Row>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct CalibrationReport {
    /// JSON layout version.
    pub schema_version: u32,
    /// `fluxsim <version>`.
    pub tool: String,
    /// Scenario file.
    pub scenario: String,
    /// Each dump and what it held.
    pub inputs: Vec<(String, String)>,
    /// The fits.
    pub calibration: Calibration,
    /// Fits that could not be written into the scenario.
    pub not_written: Vec<String>,
    /// Where the calibrated scenario went.
    pub output: Option<String>,
    /// Trials per prediction.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
    /// Observed bootstraps.
    pub bootstraps: Vec<BootstrapReport>,
}

/// Each file read into `input` with what it held, in words (the report's `inputs`).
#[must_use]
pub fn described(input: &Input) -> Vec<(String, String)> {
    input
        .files
        .iter()
        .cloned()
        .zip(input.kinds.iter().map(describe))
        .collect()
}

/// What a file held, in words.
#[must_use]
pub fn describe(k: &FileKind) -> String {
    match k {
        FileKind::Kube(c) => c
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        FileKind::Log {
            controller,
            lines,
            skipped,
        } => {
            let s = if *skipped > 0 {
                format!(", {skipped} non-JSON lines skipped")
            } else {
                String::new()
            };
            format!(
                "{} log, {lines} lines{s}",
                if controller.is_empty() {
                    "controller"
                } else {
                    controller
                }
            )
        }
    }
}

fn ms(v: Option<i64>) -> String {
    v.map_or("never".into(), |x| format_ms(u64::try_from(x).unwrap_or(0)))
}

fn place(p: Option<&Placement>) -> String {
    p.map_or("–".into(), |p| {
        let flag = if p.outside { " !" } else { "" };
        format!(
            "p{:.0}{flag} (p50 {})",
            p.percentile,
            p.p50_ms.map_or("stuck".into(), format_ms)
        )
    })
}

fn outside(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .filter(|r| {
            r.after
                .as_ref()
                .or(r.before.as_ref())
                .is_some_and(|p| p.outside)
        })
        .map(|r| r.object.clone())
        .collect()
}

impl CalibrationReport {
    fn fits_text(&self, out: &mut String) {
        let c = &self.calibration;
        for f in &c.workloads {
            let mut r = match f.restarts {
                0 => String::new(),
                1 => ", 1 restart".into(),
                n => format!(", {n} restarts"),
            };
            if f.not_ready > 0 {
                r.push_str(&format!(", {} pod(s) never Ready", f.not_ready));
            }
            let _ = writeln!(
                out,
                "  ready  {:<50} {}  ({}{r})",
                f.key,
                f.fit.yaml(),
                f.fit.how()
            );
        }
        for f in &c.objects {
            let inst = if f.install_ms.is_empty() {
                String::new()
            } else {
                format!(
                    ", install {}",
                    f.install_ms
                        .iter()
                        .map(|x| format_ms(*x))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            let _ = writeln!(
                out,
                "  apply  {:<50} {}  ({}; {}{inst})",
                f.key,
                f.fit.yaml(),
                f.fit.how(),
                f.source
            );
        }
        for (n, f) in [
            ("kustomize-controller", &c.kustomize),
            ("helm-controller", &c.helm),
        ] {
            if let Some(f) = f {
                let g: Vec<String> = f
                    .feature_gates
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let _ = writeln!(
                    out,
                    "  flags  {n} {}: --concurrent={} --requeue-dependency={} --feature-gates={}",
                    f.version,
                    f.concurrent.map_or("default".into(), |x| x.to_string()),
                    f.requeue_dependency.clone().unwrap_or("default".into()),
                    g.join(",")
                );
            }
        }
    }

    /// Plain text for the terminal.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = format!("calibration of {}\n\ninputs:\n", self.scenario);
        for (f, k) in &self.inputs {
            let _ = writeln!(out, "  {f}: {k}");
        }
        out.push_str("\nfitted:\n");
        self.fits_text(&mut out);
        for (title, v) in [
            ("not written into the scenario", &self.not_written),
            (
                "observed but not in the scenario",
                &self.calibration.unmatched,
            ),
            ("missing inputs", &self.calibration.missing),
            ("too late or too coarse", &self.calibration.notes),
        ] {
            if !v.is_empty() {
                let _ = writeln!(out, "\n{title}:");
                for x in v {
                    let _ = writeln!(out, "  {x}");
                }
            }
        }
        if let Some(o) = &self.output {
            let _ = writeln!(out, "\ncalibrated scenario: {o}");
        }
        for b in &self.bootstraps {
            let _ = writeln!(
                out,
                "\nobserved bootstrap {} (from {} creation; {} trials, seed {}):",
                b.observed.file, b.observed.root, self.trials, self.seed
            );
            let _ = writeln!(
                out,
                "  {:<50} {:>10}  {:<24} {:<24}",
                "object", "observed", "before calibration", "after calibration"
            );
            for r in &b.rows {
                let obs = format!(
                    "{}{}",
                    ms(r.observed_ms),
                    if r.precise { "" } else { "±1s" }
                );
                let _ = writeln!(
                    out,
                    "  {:<50} {:>10}  {:<24} {:<24}",
                    r.object,
                    obs,
                    place(r.before.as_ref()),
                    place(r.after.as_ref())
                );
            }
            let o = outside(&b.rows);
            if !o.is_empty() {
                let _ = writeln!(out, "  outside p5–p95: {}", o.join(", "));
            }
        }
        out
    }

    /// Markdown (for a pull request or an issue).
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut out = format!("### Calibration of `{}`\n\n", self.scenario);
        out.push_str("| input | held |\n|---|---|\n");
        for (f, k) in &self.inputs {
            let _ = writeln!(out, "| `{f}` | {k} |");
        }
        out.push_str("\n| fitted | value | how |\n|---|---|---|\n");
        for f in &self.calibration.workloads {
            let _ = writeln!(
                out,
                "| ready `{}` | `{}` | {} |",
                f.key,
                f.fit.yaml(),
                f.fit.how()
            );
        }
        for f in &self.calibration.objects {
            let _ = writeln!(
                out,
                "| apply `{}` | `{}` | {}; {} |",
                f.key,
                f.fit.yaml(),
                f.fit.how(),
                f.source
            );
        }
        for b in &self.bootstraps {
            let _ = writeln!(out, "\n#### Observed bootstrap `{}`\n\n| object | observed | before calibration | after calibration |\n|---|---:|---|---|", b.observed.file);
            for r in &b.rows {
                let _ = writeln!(
                    out,
                    "| `{}` | {}{} | {} | {} |",
                    r.object,
                    ms(r.observed_ms),
                    if r.precise { "" } else { " ±1s" },
                    place(r.before.as_ref()),
                    place(r.after.as_ref())
                );
            }
            let o = outside(&b.rows);
            if !o.is_empty() {
                let _ = writeln!(
                    out,
                    "\nOutside p5–p95: {}",
                    o.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        for (title, v) in [
            ("Missing inputs", &self.calibration.missing),
            ("Too late or too coarse", &self.calibration.notes),
        ] {
            if !v.is_empty() {
                let _ = writeln!(out, "\n{title}:\n");
                for x in v {
                    let _ = writeln!(out, "- {x}");
                }
            }
        }
        out
    }

    /// JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serialises");
        s.push('\n');
        s
    }
}
