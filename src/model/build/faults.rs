//! Faults (R16, R19, chart outages) and notification-controller reachability, validated with
//! the same diagnostics as the rest of the scenario.

use super::workloads::{lookup_in, NameIndex};
use super::{did_you_mean, Ctx};
use crate::model::types::*;
use crate::scenario::schema::{RawFault, RawScenario};
use crate::scenario::spanned::{Location, Spanned};

/// Builds the fault set and the notification-controller setting; problems go to `c`.
pub(super) fn build_faults(
    c: &mut Ctx,
    raw: &RawScenario,
    sources: &TiSlice<SourceId, Source>,
    objects: &TiSlice<ObjectId, FluxObject>,
    workloads: &mut TiSlice<WorkloadId, Workload>,
    by_name: &NameIndex<'_>,
) -> (Faults, Notification) {
    // notification-controller (R19).
    let mut notification = Notification::default();
    if let Some(n) = &raw.controllers.notification {
        let hold = hold_of(c, n.unreachable.as_ref());
        match lookup_in(workloads, by_name, &n.workload.value, "", false) {
            Ok(w) => notification.until_ready = Some((w, hold)),
            Err(h) => c.err(
                n.workload.referenced,
                format!(
                    "notification workload `{}` is not declared",
                    n.workload.value
                ),
                Some(h.to_string()),
            ),
        }
    }

    let mut env = FaultEnv {
        sources,
        objects,
        workloads,
        by_name,
        faults: Faults::default(),
        notification,
    };
    for f in &raw.faults {
        fault(c, f, &mut env);
    }
    (env.faults, env.notification)
}

/// What the faults refer to, and what they add up to.
struct FaultEnv<'a> {
    sources: &'a TiSlice<SourceId, Source>,
    objects: &'a TiSlice<ObjectId, FluxObject>,
    workloads: &'a mut TiSlice<WorkloadId, Workload>,
    by_name: &'a NameIndex<'a>,
    faults: Faults,
    notification: Notification,
}

/// The workload a fault names (`workload:`), which it needs.
fn workload_of(c: &mut Ctx, f: &Spanned<RawFault>, env: &FaultEnv) -> Option<WorkloadId> {
    let Some(s) = &f.value.workload else {
        c.err(
            f.referenced,
            format!("fault `{}` needs `workload`", f.value.kind.value),
            None,
        );
        return None;
    };
    match lookup_in(env.workloads, env.by_name, &s.value, "", false) {
        Ok(id) => Some(id),
        Err(h) => {
            c.err(
                s.referenced,
                format!("fault names workload `{}`, which is not declared", s.value),
                Some(h.to_string()),
            );
            None
        }
    }
}

/// An outage's or slowdown's `from`–`to` window.
fn window(c: &mut Ctx, f: &Spanned<RawFault>) -> Option<(u64, u64)> {
    let fv = &f.value;
    let a = c.dur_opt(&fv.from, "from").unwrap_or(0);
    let Some(b) = c.dur_opt(&fv.to, "to") else {
        c.err(
            f.referenced,
            "an outage or slowdown needs `to`",
            Some("e.g. `from: 60s, to: 180s`".into()),
        );
        return None;
    };
    if b <= a {
        c.err(f.referenced, "`to` must be after `from`", None);
        return None;
    }
    Some((a, b))
}

/// One fault.
fn fault(c: &mut Ctx, f: &Spanned<RawFault>, env: &mut FaultEnv) {
    let fv = &f.value;
    match fv.kind.value.as_str() {
        "failure" => {
            if let Some(w) = workload_of(c, f, env) {
                match &fv.probability {
                    Some(p) if (0.0..=1.0).contains(&p.value) => {
                        env.workloads[w].fail_probability = p.value
                    }
                    Some(p) => c.err(
                        p.referenced,
                        format!("probability {} is not between 0 and 1", p.value),
                        None,
                    ),
                    None => c.err(
                        f.referenced,
                        "fault `failure` needs `probability`",
                        Some("e.g. `probability: 0.2`".into()),
                    ),
                }
            }
        }
        "permanent" => {
            if let Some(w) = workload_of(c, f, env) {
                env.workloads[w].permanent_failure = true;
            }
        }
        "outage" => outage(c, f, env),
        "restart" => restart(c, f, env),
        "slowdown" => slowdown(c, f, env),
        other => {
            let hint = did_you_mean(
                other,
                ["failure", "permanent", "outage", "restart", "slowdown"],
            )
            .map_or_else(
                || "use failure, permanent, outage, restart or slowdown".to_string(),
                |s| format!("did you mean `{s}`?"),
            );
            c.err(
                fv.kind.referenced,
                format!("unknown fault type `{other}`"),
                Some(hint),
            );
        }
    }
}

/// An outage (git, apiserver, workload, chart, notification).
fn outage(c: &mut Ctx, f: &Spanned<RawFault>, env: &mut FaultEnv) {
    let fv = &f.value;
    let target = fv
        .target
        .as_ref()
        .map_or("git", |t| t.value.as_str())
        .to_string();
    match target.as_str() {
        "git" => {
            let src = fv.source.as_ref().and_then(|s| {
                let r = env.sources.position(|x| x.name == s.value);
                if r.is_none() {
                    c.err(
                        s.referenced,
                        format!("outage names source `{}`, which is not declared", s.value),
                        None,
                    );
                }
                r
            });
            if let Some((a, b)) = window(c, f) {
                env.faults.git_outages.push((src, a, b));
            }
        }
        "apiserver" => {
            if let Some((a, b)) = window(c, f) {
                env.faults.api_outages.push((a, b));
            }
        }
        "workload" => {
            if let (Some(w), Some((a, b))) = (workload_of(c, f, env), window(c, f)) {
                env.faults.workload_outages.push((w, a, b));
            }
        }
        "chart" => {
            let repo = fv.source.as_ref().map(|s| s.value.clone());
            if let Some(r) = fv.source.as_ref().filter(|r| {
                !env.objects
                    .iter()
                    .filter_map(|o| o.helm.as_ref())
                    .any(|h| h.repository.as_deref() == Some(r.value.as_str()))
            }) {
                c.err(
                    r.referenced,
                    format!("no HelmRelease's chart comes from repository `{}`", r.value),
                    Some("name it in a HelmRelease's `chart.repository`".into()),
                );
            }
            if let Some((a, b)) = window(c, f) {
                env.faults.chart_outages.push((repo, a, b));
            }
        }
        "notification" => {
            let hold = hold_of(c, fv.mode.as_ref());
            if let Some((a, b)) = window(c, f) {
                env.notification.outages.push((a, b, hold));
            }
        }
        other => c.err(
            fv.target.as_ref().map_or(f.referenced, |t| t.referenced),
            format!("unknown outage target `{other}`"),
            Some("use `git`, `apiserver`, `workload`, `notification` or `chart`".into()),
        ),
    }
}

/// A controller restart.
fn restart(c: &mut Ctx, f: &Spanned<RawFault>, env: &mut FaultEnv) {
    let fv = &f.value;
    let ctl = match fv.controller.as_ref().map(|s| s.value.as_str()) {
        Some("kustomize" | "kustomize-controller") => Some(ObjKind::Kustomization),
        Some("helm" | "helm-controller") => Some(ObjKind::HelmRelease),
        _ => {
            c.err(
                f.referenced,
                "fault `restart` needs `controller: kustomize` or `controller: helm`",
                None,
            );
            None
        }
    };
    let at = c.dur_opt(&fv.at, "at");
    if at.is_none() {
        c.err(
            f.referenced,
            "fault `restart` needs `at`",
            Some("e.g. `at: 2m`".into()),
        );
    }
    let down = c.dur_opt(&fv.down, "down").unwrap_or(10_000);
    if let (Some(ctl), Some(at)) = (ctl, at) {
        env.faults.restarts.push((ctl, at, down));
    }
}

/// A slowdown of every apply and readiness by a factor.
fn slowdown(c: &mut Ctx, f: &Spanned<RawFault>, env: &mut FaultEnv) {
    let fv = &f.value;
    let factor = match &fv.factor {
        Some(x) if x.value > 0.0 && x.value.is_finite() => Some(x.value),
        Some(x) => {
            c.err(
                x.referenced,
                format!("factor {} must be above zero", x.value),
                None,
            );
            None
        }
        None => {
            c.err(
                f.referenced,
                "fault `slowdown` needs `factor`",
                Some("e.g. `factor: 3`".into()),
            );
            None
        }
    };
    if let (Some(x), Some((a, b))) = (factor, window(c, f)) {
        env.faults.slowdowns.push((a, b, x));
    }
}

/// R19: the hold per event of a notification outage mode (`refused` or `hang`).
fn hold_of(c: &mut Ctx, mode: Option<&Spanned<String>>) -> u64 {
    match crate::model::settings::event_hold(mode.map(|m| m.value.as_str())) {
        Ok(h) => h,
        Err(e) => {
            c.err(
                mode.map_or(Location::UNKNOWN, |m| m.referenced),
                e.to_string(),
                Some("use `refused` (15s per event) or `hang` (45s per event)".into()),
            );
            EVENT_HOLD_REFUSED_MS
        }
    }
}
