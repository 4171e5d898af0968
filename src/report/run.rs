//! The report of one run: a readable timeline, JSON, and CSV (one row per attempt).

use crate::analysis::critical_path::Category;
use crate::analysis::guesses::{self, RestsOn};
use crate::analysis::stuck::StuckObject;
use crate::model::{Model, ObjectId, PerObject, WorkloadId};
use crate::runner::RunOutput;
use crate::time::format_ms;
use crate::trace::{Cause, FailWhy, Outcome};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One attempt in the report.
#[derive(Clone, Debug, Serialize)]
pub struct AttemptReport {
    /// Index of the run in the trace.
    pub run: usize,
    /// What released it.
    pub cause: String,
    /// Queue entry ready.
    pub queued_ms: u64,
    /// Picked by a worker.
    pub start_ms: u64,
    /// Apply done / health wait began.
    pub apply_end_ms: Option<u64>,
    /// Ended.
    pub end_ms: Option<u64>,
    /// Outcome keyword.
    pub outcome: String,
    /// Human reason.
    pub reason: String,
}

/// One object in the report.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectReport {
    /// `Kind/name` or `Kind/ns/name`.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// First reconcile.
    pub first_reconcile_ms: Option<u64>,
    /// First Ready.
    pub ready_ms: Option<u64>,
    /// Apply/install attempts that did real work.
    pub attempts: u32,
    /// Failed attempts.
    pub failures: u32,
    /// Last outcome.
    pub outcome: String,
    /// Last reason.
    pub reason: String,
    /// On the critical path.
    pub critical: bool,
    /// Every reconcile.
    pub runs: Vec<AttemptReport>,
}

/// A critical path segment with names.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentReport {
    /// Start.
    pub start_ms: u64,
    /// End.
    pub end_ms: u64,
    /// Category key.
    pub category: Category,
    /// Object.
    pub object: Option<String>,
}

/// The report of one run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Layout version.
    pub schema_version: u32,
    /// Tool and version.
    pub tool: String,
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Trial.
    pub trial: u64,
    /// When the last object became Ready; null when stuck.
    pub makespan_ms: Option<u64>,
    /// Whether the run hit the horizon.
    pub stuck: bool,
    /// Horizon.
    pub horizon_ms: u64,
    /// When Flux started.
    pub flux_start_ms: u64,
    /// When every applied workload first became ready (null if some never did).
    pub workloads_ready_ms: Option<u64>,
    /// Engine events.
    pub events: u64,
    /// Objects in (namespace, name) order.
    pub objects: Vec<ObjectReport>,
    /// Critical path segments.
    pub critical_path: Vec<SegmentReport>,
    /// Critical path ms per category.
    pub time_per_category_ms: BTreeMap<String, u64>,
    /// Stuck objects with their chain to the root cause.
    pub stuck_objects: Vec<StuckObject>,
    /// Verdicts that rest on guessed readiness profiles, and which.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rests_on_guesses: Vec<RestsOn>,
}

fn cause_text(m: &Model, out: &RunOutput, c: Cause) -> String {
    let t = &out.trace;
    match c {
        Cause::Created => "created".into(),
        Cause::CreatedBy { run } => {
            format!("created by {}", m.objects[t.runs[run].object].display())
        }
        Cause::Finalizer { .. } => "finalizer requeue".into(),
        Cause::DependencyPoll { .. } => "dependency poll".into(),
        Cause::DependencyReady { run } => format!(
            "dependency {} Ready (watch)",
            m.objects[t.runs[run].object].display()
        ),
        Cause::SourcePoll { .. } => "source poll".into(),
        Cause::SourceArrived { source } => format!("artifact of {}", m.sources[source].canonical),
        Cause::ChartReady => "HelmChart ready".into(),
        Cause::Retry { .. } => "retry".into(),
        Cause::RateLimited { .. } => "rate-limited requeue".into(),
        Cause::Interval { .. } => "interval".into(),
        Cause::Restart => "controller restart".into(),
    }
}

fn why_text(m: &Model, w: FailWhy) -> String {
    let wn = |i: WorkloadId| guesses::display_name(m, i);
    match w {
        FailWhy::CrdNotEstablished { workload } => format!(
            "{} dry-run failed: no matches for kind {} (CRD not established)",
            wn(workload),
            m.workloads[workload].kind
        ),
        FailWhy::WebhookNotReady { workload } => format!(
            "{} dry-run failed: admission webhook not ready",
            wn(workload)
        ),
        FailWhy::NamespaceMissing { workload } => format!(
            "{} dry-run failed: namespace {} not found",
            wn(workload),
            m.workloads[workload].namespace
        ),
        FailWhy::StageTimeout { workload } => format!("{} not Current within 60s", wn(workload)),
        FailWhy::HealthTimeoutWorkload { workload } => {
            format!("timeout waiting for {}", wn(workload))
        }
        FailWhy::HealthTimeoutObject { object } => {
            format!("timeout waiting for {}", m.objects[object].display())
        }
        FailWhy::WorkloadFailed { workload } => format!("{} is Failed", wn(workload)),
        FailWhy::ObjectFailed { object } => {
            format!("{} is Failed (Stalled)", m.objects[object].display())
        }
        FailWhy::ApiUnavailable => "API server unavailable".into(),
        FailWhy::SubstituteMissing { object, index } => format!(
            "build failed: substituteFrom {} not found",
            m.objects[object].substitute_from[index].canonical
        ),
    }
}

/// (keyword, reason) of an outcome.
#[must_use]
pub fn outcome_text(m: &Model, oc: Outcome) -> (String, String) {
    let (k, r) = match oc {
        Outcome::InProgress => ("InProgress", "still reconciling".to_string()),
        Outcome::FinalizerAdded => ("FinalizerAdded", "finalizer added, requeued".into()),
        Outcome::Suspended => ("Suspended", "spec.suspend".into()),
        Outcome::ArtifactNotReady => (
            "ArtifactFailed",
            "source artifact not found, retrying in 30s".into(),
        ),
        Outcome::SourceNotFound => ("ArtifactFailed", "source object not found".into()),
        Outcome::DependencyNotReady { dependency } => (
            "DependencyNotReady",
            format!(
                "dependency {} is not ready",
                m.objects[dependency].display()
            ),
        ),
        Outcome::ChartNotReady => ("SourceNotReady", "HelmChart not ready".into()),
        Outcome::Ready => ("Ready", "applied".into()),
        Outcome::ApplyFailed { why } => ("ReconciliationFailed", why_text(m, why)),
        Outcome::HealthCheckFailed { why } => ("HealthCheckFailed", why_text(m, why)),
        Outcome::InstallFailedBeforeRelease { why } => (
            "InstallFailed",
            format!("{} (before release stored; backoff)", why_text(m, why)),
        ),
        Outcome::InstallFailed { why } => ("InstallFailed", why_text(m, why)),
        Outcome::Stalled { why } => ("Stalled", format!("RetriesExceeded: {}", why_text(m, why))),
        Outcome::Lost => ("Lost", "controller restarted".into()),
        Outcome::ApiUnavailable => ("ApiUnavailable", "API server unavailable".into()),
    };
    (k.to_string(), r)
}

/// How much of each object's line [`RunReport::build`] fills.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// Only what `to_text` reads (no kind, namespace or attempts).
    Text,
    /// Everything but the attempts.
    Lines,
    /// Everything.
    All,
}

/// One object's line in the report, without its attempts; with `full` false, without its kind
/// and namespace either (only what `to_text` reads).
fn object_summary(
    m: &Model,
    t: &crate::trace::Trace,
    o: ObjectId,
    critical: bool,
    full: bool,
) -> ObjectReport {
    let obj = &m.objects[o];
    let runs = t.runs_of(o);
    let (outcome, reason) = runs.last().map_or_else(
        || ("NotCreated".into(), "never reconciled".into()),
        |r| outcome_text(m, t.runs[*r].outcome),
    );
    ObjectReport {
        name: obj.display(),
        kind: if full {
            obj.kind.as_str().into()
        } else {
            String::new()
        },
        namespace: if full {
            obj.namespace.clone()
        } else {
            String::new()
        },
        first_reconcile_ms: runs.first().map(|r| t.runs[*r].start_ms),
        ready_ms: t.ready_ms[o],
        attempts: runs
            .iter()
            .filter(|r| t.runs[**r].attempt.is_some())
            .count() as u32,
        failures: runs
            .iter()
            .filter(|r| t.runs[**r].outcome.is_failure())
            .count() as u32,
        outcome,
        reason,
        critical,
        runs: vec![],
    }
}

/// Every reconcile of object `o`.
fn attempts(m: &Model, out: &RunOutput, o: ObjectId) -> Vec<AttemptReport> {
    let t = &out.trace;
    t.runs_of(o)
        .iter()
        .map(|&r| {
            let rr = &t.runs[r];
            let (outcome, reason) = outcome_text(m, rr.outcome);
            AttemptReport {
                run: r,
                cause: cause_text(m, out, rr.cause),
                queued_ms: rr.queued_ms,
                start_ms: rr.start_ms,
                apply_end_ms: rr.apply_end_ms,
                end_ms: rr.end_ms,
                outcome,
                reason,
            }
        })
        .collect()
}

/// One object's line of the timeline, in a name column `w` wide.
///
/// Written piece by piece: the same text as `"{mark} {name:<w$}  {first:>10}  {ready:>10}
/// {attempts:>8}  {outcome}"` (padding counts characters), at a fraction of the formatting
/// machinery's cost (a million lines for a million objects).
fn object_line(s: &mut String, o: &ObjectReport, w: usize) {
    s.push_str(if o.critical { "* " } else { "  " });
    s.push_str(&o.name);
    pad(s, o.name.chars().count(), w);
    s.push_str("  ");
    let first = o.first_reconcile_ms.map_or("-".into(), format_ms);
    pad(s, first.len(), 10);
    s.push_str(&first);
    s.push_str("  ");
    let ready = o.ready_ms.map_or("never".into(), format_ms);
    pad(s, ready.len(), 10);
    s.push_str(&ready);
    s.push_str("  ");
    let mut digits = [0u8; 10];
    let attempts = decimal(o.attempts, &mut digits);
    pad(s, attempts.len(), 8);
    s.push_str(attempts);
    s.push_str("  ");
    s.push_str(&o.outcome);
    if o.outcome != "Ready" {
        let _ = write!(s, ": {}", o.reason);
    }
    if o.failures > 0 {
        let _ = write!(s, " ({} failed)", o.failures);
    }
    s.push('\n');
}

/// Spaces that bring text `len` characters long to `width` (none if it is as long already).
fn pad(s: &mut String, len: usize, width: usize) {
    for _ in len..width {
        s.push(' ');
    }
}

/// `n` in decimal, written into `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        // A digit: `n % 10` is below 10.
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

impl RunReport {
    /// Builds the report of one run.
    #[must_use]
    pub fn new(m: &Model, out: &RunOutput) -> Self {
        Self::build(m, out, Fill::All)
    }

    /// The report without the per-attempt rows (every object's `runs` is empty): what
    /// [`Self::to_text`] reads, and with [`Self::write_json_rows`] the whole JSON report,
    /// whose rows are then made a few thousand objects at a time instead of all at once.
    #[must_use]
    pub fn without_rows(m: &Model, out: &RunOutput) -> Self {
        Self::build(m, out, Fill::Lines)
    }

    /// The readable timeline of one run: the same text as `RunReport::new(m, out).to_text()`,
    /// without making the per-attempt rows only JSON and CSV show (for a 1,000,000-object run,
    /// millions of rows, about a gigabyte).
    #[must_use]
    pub fn text_of(m: &Model, out: &RunOutput) -> String {
        Self::build(m, out, Fill::Text).to_text()
    }

    /// The report, filled as far as `fill` says.
    fn build(m: &Model, out: &RunOutput, fill: Fill) -> Self {
        let t = &out.trace;
        let mut crit: PerObject<bool> = vec![false; m.objects.len()].into();
        for &o in out.critical_path.iter().flat_map(|c| &c.objects) {
            crit[o] = true;
        }
        // Object by object on rayon's threads, collected in order: the same on any number.
        let objects = m
            .init_order
            .par_iter()
            .map(|&o| {
                let mut r = object_summary(m, t, o, crit[o], fill != Fill::Text);
                if fill == Fill::All {
                    r.runs = attempts(m, out, o);
                }
                r
            })
            .collect();
        let mut per = BTreeMap::new();
        if let Some(cp) = &out.critical_path {
            let pc = cp.per_category();
            for c in Category::ALL {
                per.insert(c.key().to_string(), pc[c.index()]);
            }
        }
        let applied: Vec<_> = t
            .workloads
            .iter()
            .filter(|w| w.applied_ms.is_some())
            .collect();
        let workloads_ready_ms = if applied.iter().all(|w| w.ready_ms.is_some()) {
            Some(applied.iter().filter_map(|w| w.ready_ms).max().unwrap_or(0))
        } else {
            None
        };
        RunReport {
            schema_version: super::SCHEMA_VERSION,
            tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
            scenario: m.name.clone(),
            seed: out.seed,
            trial: out.trial,
            makespan_ms: t.makespan_ms,
            stuck: t.makespan_ms.is_none(),
            horizon_ms: m.horizon,
            flux_start_ms: t.flux_start_ms,
            workloads_ready_ms,
            events: t.events,
            objects,
            critical_path: out
                .critical_path
                .as_ref()
                .map(|cp| {
                    cp.segments
                        .iter()
                        .map(|s| SegmentReport {
                            start_ms: s.start_ms,
                            end_ms: s.end_ms,
                            category: s.category,
                            object: s.object.map(|o| m.objects[o].display()),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            time_per_category_ms: per,
            stuck_objects: out.stuck.clone(),
            rests_on_guesses: guesses::for_run(
                m,
                out.critical_path.as_ref().map(|c| c.objects.as_slice()),
                &out.stuck,
            ),
        }
    }

    /// Pretty JSON with a trailing newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut v = Vec::new();
        self.write_json(&mut v).expect("report serializes");
        String::from_utf8(v).expect("serde_json writes UTF-8")
    }

    /// [`RunReport::to_json`]'s bytes, written to `w` as they are made.
    ///
    /// # Errors
    /// What `w` returns.
    pub fn write_json(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self)?;
        w.write_all(b"\n")
    }

    /// The bytes [`RunReport::new`]`(m, out).write_json` writes, from this report made by
    /// [`Self::without_rows`]`(m, out)`: each object's rows are made (in parallel, a chunk of
    /// objects at a time) just before they are written, so they are never all in memory.
    ///
    /// # Errors
    /// What `w` returns.
    pub fn write_json_rows(
        &self,
        m: &Model,
        out: &RunOutput,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let view = JsonView {
            schema_version: self.schema_version,
            tool: &self.tool,
            scenario: &self.scenario,
            seed: self.seed,
            trial: self.trial,
            makespan_ms: self.makespan_ms,
            stuck: self.stuck,
            horizon_ms: self.horizon_ms,
            flux_start_ms: self.flux_start_ms,
            workloads_ready_ms: self.workloads_ready_ms,
            events: self.events,
            objects: RowsOf {
                m,
                out,
                lines: &self.objects,
            },
            critical_path: &self.critical_path,
            time_per_category_ms: &self.time_per_category_ms,
            stuck_objects: &self.stuck_objects,
            rests_on_guesses: &self.rests_on_guesses,
        };
        serde_json::to_writer_pretty(&mut *w, &view)?;
        w.write_all(b"\n")
    }

    /// CSV, one row per attempt.
    ///
    /// # Errors
    /// Never in practice (writes to memory).
    pub fn to_csv(&self) -> Result<String, csv::Error> {
        let mut w = csv::Writer::from_writer(vec![]);
        w.write_record(CSV_HEADER)?;
        for o in &self.objects {
            csv_records(&mut w, o)?;
        }
        super::csv_text(w)
    }

    /// The bytes of [`RunReport::new`]`(m, out).to_csv()`, from this report made by
    /// [`Self::without_rows`]`(m, out)`, written to `w` as each chunk of objects' rows is made
    /// (see [`Self::write_json_rows`]).
    ///
    /// # Errors
    /// What `w` returns.
    pub fn write_csv_rows(
        &self,
        m: &Model,
        out: &RunOutput,
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let mut cw = csv::Writer::from_writer(w);
        let csv_io = |e: csv::Error| std::io::Error::other(e);
        cw.write_record(CSV_HEADER).map_err(csv_io)?;
        with_rows(m, out, &self.objects, |o| csv_records(&mut cw, o)).map_err(csv_io)?;
        cw.flush()
    }

    /// The readable timeline.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "scenario {} · seed {} · trial {}",
            self.scenario, self.seed, self.trial
        );
        if self.flux_start_ms > 0 {
            let _ = writeln!(
                s,
                "pre-Flux bootstrap phase done at {}",
                format_ms(self.flux_start_ms)
            );
        }
        let _ = writeln!(s);
        let w = self
            .objects
            .iter()
            .map(|o| o.name.chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, super::MAX_NAME_COLUMN);
        let _ = writeln!(
            s,
            "  {:<w$}  {:>10}  {:>10}  {:>8}  outcome",
            "object", "first run", "ready", "attempts"
        );
        // By (ready, name), each object's ready time held beside its place so that only ties
        // read the names. A stable sort, like the lines after it split over the threads, gives
        // the same text on any number of threads.
        let objects = &self.objects;
        let mut keys: Vec<(u64, usize)> = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.ready_ms.unwrap_or(u64::MAX), i))
            .collect();
        keys.par_sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| objects[a.1].name.cmp(&objects[b.1].name))
        });
        let sorted: Vec<&ObjectReport> = keys.into_iter().map(|k| &objects[k.1]).collect();
        let lines: Vec<String> = sorted
            .par_chunks(4096)
            .map(|chunk| {
                let mut s = String::new();
                for o in chunk {
                    object_line(&mut s, o, w);
                }
                s
            })
            .collect();
        s.reserve(lines.iter().map(String::len).sum());
        for l in lines {
            s.push_str(&l);
        }
        let _ = writeln!(s);
        match self.makespan_ms {
            Some(ms) => {
                let _ = writeln!(
                    s,
                    "makespan: {} (every Kustomization and HelmRelease Ready)",
                    format_ms(ms)
                );
                if let Some(wr) = self.workloads_ready_ms {
                    if wr > ms {
                        let _ = writeln!(s, "all workloads ready: {}", format_ms(wr));
                    }
                }
                let _ = writeln!(s, "\ncritical path (* above):");
                for seg in &self.critical_path {
                    let _ = writeln!(
                        s,
                        "  {:>10} → {:>10}  {:<27} {}",
                        format_ms(seg.start_ms),
                        format_ms(seg.end_ms),
                        seg.category.label(),
                        seg.object.clone().unwrap_or_default()
                    );
                }
                let _ = writeln!(s, "\nwhere the time goes:");
                let mut per: Vec<(Category, u64)> = Category::ALL
                    .iter()
                    .map(|c| {
                        (
                            *c,
                            self.time_per_category_ms.get(c.key()).copied().unwrap_or(0),
                        )
                    })
                    .filter(|(_, v)| *v > 0)
                    .collect();
                per.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                for (c, v) in per {
                    #[allow(clippy::cast_precision_loss)]
                    let pct = 100.0 * v as f64 / ms.max(1) as f64;
                    let _ = writeln!(s, "  {pct:5.1}%  {:>10}  {}", format_ms(v), c.label());
                }
            }
            None => {
                let _ = writeln!(
                    s,
                    "STUCK: not every object was Ready by the horizon ({})",
                    format_ms(self.horizon_ms)
                );
                for so in &self.stuck_objects {
                    let _ = writeln!(s, "\n  {}", so.object);
                    for (i, c) in so.chain.iter().enumerate() {
                        let _ = writeln!(s, "    {}{}", if i == 0 { "" } else { "↳ " }, c);
                    }
                    if let Some(next) = &so.continued_at {
                        let _ = writeln!(s, "    ↳ continued under {next}");
                    }
                }
                let mut roots: Vec<&str> = self
                    .stuck_objects
                    .iter()
                    .map(|x| x.root_cause.as_str())
                    .collect();
                roots.sort_unstable();
                roots.dedup();
                let _ = writeln!(
                    s,
                    "\nroot cause{}:",
                    if roots.len() == 1 { "" } else { "s" }
                );
                for r in roots {
                    let _ = writeln!(s, "  {r}");
                }
            }
        }
        for g in &self.rests_on_guesses {
            let _ = writeln!(s, "\n{}", g.line());
        }
        s
    }
}

/// [`RunReport`]'s JSON layout, field for field, with the objects' rows made as they are
/// written (`tests/streaming.rs` checks the bytes against [`RunReport::write_json`]).
#[derive(Serialize)]
struct JsonView<'a> {
    schema_version: u32,
    tool: &'a str,
    scenario: &'a str,
    seed: u64,
    trial: u64,
    makespan_ms: Option<u64>,
    stuck: bool,
    horizon_ms: u64,
    flux_start_ms: u64,
    workloads_ready_ms: Option<u64>,
    events: u64,
    objects: RowsOf<'a>,
    critical_path: &'a [SegmentReport],
    time_per_category_ms: &'a BTreeMap<String, u64>,
    stuck_objects: &'a [StuckObject],
    #[serde(skip_serializing_if = "<[RestsOn]>::is_empty")]
    rests_on_guesses: &'a [RestsOn],
}

/// The objects' lines (in `init_order`, as [`RunReport::build`] makes them) with their rows.
struct RowsOf<'a> {
    m: &'a Model,
    out: &'a RunOutput,
    lines: &'a [ObjectReport],
}

/// Objects whose rows are made at once (in parallel) before they are written.
const ROWS_CHUNK: usize = 4096;

/// Calls `f` with each of `lines` (in `init_order`, as [`RunReport::build`] makes them) with
/// its rows, made [`ROWS_CHUNK`] objects at a time on rayon's threads.
fn with_rows<E>(
    m: &Model,
    out: &RunOutput,
    lines: &[ObjectReport],
    mut f: impl FnMut(&ObjectReport) -> Result<(), E>,
) -> Result<(), E> {
    for (lines, ids) in lines
        .chunks(ROWS_CHUNK)
        .zip(m.init_order.chunks(ROWS_CHUNK))
    {
        let rows: Vec<ObjectReport> = lines
            .par_iter()
            .zip(ids.par_iter())
            .map(|(line, &o)| ObjectReport {
                runs: attempts(m, out, o),
                ..line.clone()
            })
            .collect();
        rows.iter().try_for_each(&mut f)?;
    }
    Ok(())
}

impl Serialize for RowsOf<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = ser.serialize_seq(Some(self.lines.len()))?;
        with_rows(self.m, self.out, self.lines, |r| seq.serialize_element(r))?;
        seq.end()
    }
}

/// The CSV's columns.
const CSV_HEADER: [&str; 10] = [
    "object",
    "kind",
    "run",
    "cause",
    "queued_ms",
    "start_ms",
    "apply_end_ms",
    "end_ms",
    "outcome",
    "reason",
];

/// One CSV row per attempt of `o`.
fn csv_records<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    o: &ObjectReport,
) -> Result<(), csv::Error> {
    for r in &o.runs {
        let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
        w.write_record([
            o.name.clone(),
            o.kind.clone(),
            r.run.to_string(),
            r.cause.clone(),
            r.queued_ms.to_string(),
            r.start_ms.to_string(),
            opt(r.apply_end_ms),
            opt(r.end_ms),
            r.outcome.clone(),
            r.reason.clone(),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, first: Option<u64>, ready: Option<u64>, attempts: u32) -> ObjectReport {
        ObjectReport {
            name: name.into(),
            kind: String::new(),
            namespace: String::new(),
            first_reconcile_ms: first,
            ready_ms: ready,
            attempts,
            failures: u32::from(ready.is_none()),
            outcome: if ready.is_some() {
                "Ready"
            } else {
                "InProgress"
            }
            .into(),
            reason: "still reconciling".into(),
            critical: attempts == 1,
            runs: vec![],
        }
    }

    // The piece-by-piece line is the formatted one: a name padded by characters (not bytes)
    // or longer than its column, times and attempt counts of every width, hand-checked once.
    #[test]
    fn object_lines_are_the_formatted_lines() {
        let objects = [
            line("Kustomization/a", Some(0), Some(1_500), 1),
            line("HelmRelease/ns/größe", None, None, 0),
            line(
                "Kustomization/a-name-longer-than-the-column",
                Some(61_001),
                None,
                4_294_967_295,
            ),
            line("HelmRelease/x", Some(3_600_000), Some(3_723_004), 10),
        ];
        for o in &objects {
            let mut got = String::new();
            object_line(&mut got, o, 20);
            let mark = if o.critical { "*" } else { " " };
            let first = o.first_reconcile_ms.map_or("-".into(), format_ms);
            let ready = o.ready_ms.map_or("never".into(), format_ms);
            let mut want = format!(
                "{mark} {:<20}  {:>10}  {:>10}  {:>8}  {}",
                o.name, first, ready, o.attempts, o.outcome
            );
            if o.outcome != "Ready" {
                want.push_str(&format!(": {}", o.reason));
            }
            if o.failures > 0 {
                want.push_str(&format!(" ({} failed)", o.failures));
            }
            want.push('\n');
            assert_eq!(got, want);
        }
        let mut got = String::new();
        object_line(&mut got, &objects[1], 20);
        assert_eq!(
            got,
            "  HelmRelease/ns/größe           -       never         0  InProgress: still reconciling (1 failed)\n"
        );
    }
}
