//! Faults (R16, R19, chart outages) and notification-controller reachability, validated with
//! the same diagnostics as the rest of the scenario.

use super::workloads::{lookup_in, NameIndex};
use super::{did_you_mean, Ctx};
use crate::model::types::*;
use crate::scenario::schema::RawScenario;
use serde_saphyr::{Location, Spanned};

/// Builds the fault set and the notification-controller setting; problems go to `c`.
pub(super) fn build_faults(
    c: &mut Ctx,
    raw: &RawScenario,
    sources: &[Source],
    objects: &[FluxObject],
    workloads: &mut [Workload],
    by_name: &NameIndex,
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

    // Faults.
    let mut faults = Faults::default();
    for f in &raw.faults {
        let fv = &f.value;
        let wl = |c: &mut Ctx, s: &Option<Spanned<String>>| -> Option<WorkloadId> {
            let Some(s) = s else {
                c.err(
                    f.referenced,
                    format!("fault `{}` needs `workload`", fv.kind.value),
                    None,
                );
                return None;
            };
            match lookup_in(workloads, by_name, &s.value, "", false) {
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
        };
        let window = |c: &mut Ctx| -> Option<(u64, u64)> {
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
        };
        match fv.kind.value.as_str() {
            "failure" => {
                if let Some(w) = wl(c, &fv.workload) {
                    match &fv.probability {
                        Some(p) if (0.0..=1.0).contains(&p.value) => {
                            workloads[w].fail_probability = p.value
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
                if let Some(w) = wl(c, &fv.workload) {
                    workloads[w].permanent_failure = true;
                }
            }
            "outage" => {
                let target = fv
                    .target
                    .as_ref()
                    .map_or("git", |t| t.value.as_str())
                    .to_string();
                match target.as_str() {
                    "git" => {
                        let src = fv.source.as_ref().and_then(|s| {
                            let r = sources.iter().position(|x| x.name == s.value);
                            if r.is_none() {
                                c.err(
                                    s.referenced,
                                    format!(
                                        "outage names source `{}`, which is not declared",
                                        s.value
                                    ),
                                    None,
                                );
                            }
                            r
                        });
                        if let Some((a, b)) = window(c) {
                            faults.git_outages.push((src, a, b));
                        }
                    }
                    "apiserver" => {
                        if let Some((a, b)) = window(c) {
                            faults.api_outages.push((a, b));
                        }
                    }
                    "workload" => {
                        if let (Some(w), Some((a, b))) = (wl(c, &fv.workload), window(c)) {
                            faults.workload_outages.push((w, a, b));
                        }
                    }
                    "chart" => {
                        let repo = fv.source.as_ref().map(|s| s.value.clone());
                        if let Some(r) = fv.source.as_ref().filter(|r| {
                            !objects
                                .iter()
                                .filter_map(|o| o.helm.as_ref())
                                .any(|h| h.repository.as_deref() == Some(r.value.as_str()))
                        }) {
                            c.err(
                                r.referenced,
                                format!(
                                    "no HelmRelease's chart comes from repository `{}`",
                                    r.value
                                ),
                                Some("name it in a HelmRelease's `chart.repository`".into()),
                            );
                        }
                        if let Some((a, b)) = window(c) {
                            faults.chart_outages.push((repo, a, b));
                        }
                    }
                    "notification" => {
                        let hold = hold_of(c, fv.mode.as_ref());
                        if let Some((a, b)) = window(c) {
                            notification.outages.push((a, b, hold));
                        }
                    }
                    other => c.err(
                        fv.target.as_ref().map_or(f.referenced, |t| t.referenced),
                        format!("unknown outage target `{other}`"),
                        Some(
                            "use `git`, `apiserver`, `workload`, `notification` or `chart`".into(),
                        ),
                    ),
                }
            }
            "restart" => {
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
                    faults.restarts.push((ctl, at, down));
                }
            }
            "slowdown" => {
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
                if let (Some(x), Some((a, b))) = (factor, window(c)) {
                    faults.slowdowns.push((a, b, x));
                }
            }
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
    (faults, notification)
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
