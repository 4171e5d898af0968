//! Events (§c), controller JSON log lines (§d) and workloads with their pods (§e).

use super::{runs, took, Clock};
use crate::calibrate::stamp::format_millis;
use crate::model::{Model, ObjKind, ObjectId, WClass};
use crate::time::format_ms;
use crate::trace::{Outcome, Run, Trace};
use serde_json::{json, Value};

/// One Event; the name carries the first occurrence in UnixNano (client-go `GenerateEventName`).
#[allow(clippy::too_many_arguments)]
fn event(
    m: &Model,
    o: ObjectId,
    c: Clock,
    kind: &str,
    reason: &str,
    msg: &str,
    first: u64,
    last: u64,
    count: u64,
) -> Value {
    let ob = &m.objects[o];
    let comp = if ob.kind == ObjKind::Kustomization {
        "kustomize-controller"
    } else {
        "helm-controller"
    };
    let ns = u64::try_from(c.at(first)).unwrap_or(0) * 1_000_000;
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{}.{ns:x}", ob.name), "namespace": ob.namespace, "creationTimestamp": c.secs(first)},
        "involvedObject": {"kind": ob.kind.as_str(), "name": ob.name, "namespace": ob.namespace},
        "reason": reason, "message": msg, "type": kind, "count": count,
        "firstTimestamp": c.secs(first), "lastTimestamp": c.secs(last), "eventTime": null,
        "source": {"component": comp}, "reportingComponent": comp
    })
}

fn end(r: &Run) -> u64 {
    r.end_ms.unwrap_or(r.start_ms)
}

fn dep_message(m: &Model, o: ObjectId, r: &Run) -> Option<String> {
    let Outcome::DependencyNotReady { dependency } = r.outcome else {
        return None;
    };
    let d = &m.objects[dependency];
    Some(match m.objects[o].kind {
        ObjKind::Kustomization => {
            "Dependencies do not meet ready condition, retrying in 30s".into()
        }
        ObjKind::HelmRelease => format!("dependency '{}/{}' is not ready", d.namespace, d.name),
    })
}

fn object_events(m: &Model, t: &Trace, c: Clock, o: ObjectId, out: &mut Vec<(u64, Value)>) {
    let ob = &m.objects[o];
    let mut deps: Vec<(String, u64, u64, u64)> = vec![];
    let mut healthy_once = false;
    for (_, r) in runs(t, o) {
        if let Some(msg) = dep_message(m, o, r) {
            match deps.iter_mut().find(|d| d.0 == msg) {
                Some(d) => (d.2, d.3) = (end(r), d.3 + 1),
                None => deps.push((msg, end(r), end(r), 1)),
            }
            continue;
        }
        let e = end(r);
        let mut push = |k: &str, reason: &str, msg: String| {
            out.push((e, event(m, o, c, k, reason, &msg, e, e, 1)))
        };
        match (ob.kind, r.outcome) {
            (ObjKind::Kustomization, Outcome::Ready) => {
                if (ob.wait || !ob.health_checks.is_empty()) && !healthy_once {
                    healthy_once = true;
                    push("Normal", "Progressing", format!("Health check passed in {}", format_ms(e - r.apply_end_ms.unwrap_or(r.start_ms))));
                }
                push("Normal", "ReconciliationSucceeded", format!("Reconciliation finished in {}, next run in {}", format_ms(took(r)), format_ms(ob.interval)));
            }
            (ObjKind::Kustomization, Outcome::HealthCheckFailed { .. }) => {
                push("Warning", "HealthCheckFailed", format!("health check failed after {}: timeout waiting for: [...]", format_ms(e - r.apply_end_ms.unwrap_or(r.start_ms))));
            }
            (ObjKind::HelmRelease, Outcome::Ready) => push("Normal", "InstallSucceeded", format!("Helm install succeeded for release {}/{}.v1 with chart {}@1.0.0", ob.namespace, ob.name, ob.name)),
            (ObjKind::HelmRelease, o2) if o2.is_failure() => push("Warning", "InstallFailed", format!("Helm install failed for release {}/{} with chart {}@1.0.0: context deadline exceeded", ob.namespace, ob.name, ob.name)),
            _ => {}
        }
    }
    for (msg, first, last, n) in deps {
        out.push((
            first,
            event(
                m,
                o,
                c,
                "Normal",
                "DependencyNotReady",
                &msg,
                first,
                last,
                n,
            ),
        ));
    }
}

/// Every Flux event of the bootstrap, in order of first occurrence.
#[must_use]
pub fn events(m: &Model, t: &Trace, c: Clock) -> Vec<Value> {
    let mut out = vec![];
    for o in m.objects.keys() {
        object_events(m, t, c, o, &mut out);
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, v)| v).collect()
}

fn line(
    m: &Model,
    o: ObjectId,
    run: usize,
    c: Clock,
    at: u64,
    level: &str,
    msg: &str,
) -> (u64, String) {
    let ob = &m.objects[o];
    let (ctl, group) = match ob.kind {
        ObjKind::Kustomization => ("kustomization", "kustomize.toolkit.fluxcd.io"),
        ObjKind::HelmRelease => ("helmrelease", "helm.toolkit.fluxcd.io"),
    };
    let mut v = json!({
        "level": level, "ts": format_millis(c.at(at)), "msg": msg, "controller": ctl, "controllerGroup": group,
        "controllerKind": ob.kind.as_str(), "name": ob.name, "namespace": ob.namespace,
        "reconcileID": format!("{:08x}-0000-4000-8000-{run:012x}", ob.hash & 0xffff_ffff)
    });
    v[ob.kind.as_str()] = json!({"name": ob.name, "namespace": ob.namespace});
    (
        at,
        serde_json::to_string(&v).expect("JSON values serialise"),
    )
}

fn run_lines(m: &Model, o: ObjectId, i: usize, r: &Run, c: Clock, out: &mut Vec<(u64, String)>) {
    let ob = &m.objects[o];
    let e = end(r);
    let mut l = |at: u64, level: &str, msg: String| out.push(line(m, o, i, c, at, level, &msg));
    if let Outcome::DependencyNotReady { dependency } = r.outcome {
        let d = &m.objects[dependency];
        match ob.kind {
            ObjKind::Kustomization => l(e, "info", "Dependencies do not meet ready condition, retrying in 30s".into()),
            ObjKind::HelmRelease => l(e, "info", format!("dependencies do not meet ready condition (dependency '{}/{}' is not ready): retrying in 30s", d.namespace, d.name)),
        }
        return;
    }
    if r.attempt.is_none() {
        return;
    }
    match ob.kind {
        ObjKind::Kustomization => {
            if !ob.depends_on.is_empty() {
                l(
                    r.start_ms,
                    "info",
                    "All dependencies are ready, proceeding with reconciliation".into(),
                );
            }
            if let Some(a) = r.apply_end_ms {
                l(a, "info", "server-side apply completed".into());
            }
            if r.outcome == Outcome::Ready {
                l(
                    e,
                    "info",
                    format!(
                        "Reconciliation finished in {}, next run in {}",
                        format_ms(took(r)),
                        format_ms(ob.interval)
                    ),
                );
            } else if r.outcome.is_failure() {
                l(
                    e,
                    "error",
                    format!(
                        "Reconciliation failed after {}, next try in {}",
                        format_ms(took(r)),
                        format_ms(ob.retry_interval)
                    ),
                );
            }
        }
        ObjKind::HelmRelease => {
            l(
                r.start_ms,
                "info",
                format!(
                    "running 'install' action with timeout of {}",
                    format_ms(ob.timeout)
                ),
            );
            if r.outcome == Outcome::Ready {
                l(e, "info", "release in-sync with desired state".into());
            } else if r.outcome.is_failure() {
                l(e, "error", "failed to run 'install' action".into());
            }
        }
    }
}

/// One controller's JSON log, one line per message, in time order.
#[must_use]
pub fn log(m: &Model, t: &Trace, c: Clock, kind: ObjKind) -> String {
    // Every controller starts with its manager's setup lines, objects or not.
    let start = serde_json::json!({"level": "info", "ts": format_millis(c.at(0)), "logger": "setup", "msg": "starting manager"});
    let mut out = vec![(
        0,
        serde_json::to_string(&start).expect("JSON values serialise"),
    )];
    for o in m.objects.keys().filter(|o| m.objects[*o].kind == kind) {
        for (i, r) in runs(t, o) {
            run_lines(m, o, i, r, c, &mut out);
        }
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, s)| s + "\n").collect()
}

/// Kubelet crash-loop backoff (10s doubling, ≤ 300s; R14): when the last start happened.
fn last_start(applied: u64, crashes: u32, ready: Option<u64>) -> u64 {
    let mut t = applied;
    for k in 1..=crashes {
        t += (10_000u64 << (k - 1).min(16)).min(300_000);
    }
    ready.map_or(t, |r| t.min(r))
}

fn pod(
    w: &crate::model::Workload,
    we: &crate::trace::WorkloadEnd,
    c: Clock,
    applied: u64,
) -> Value {
    let h = w.hash;
    let (name, owner) = match w.class {
        WClass::Deployment => {
            let rs = format!("{}-{:010x}", w.name, h & 0xff_ffff_ffff);
            (
                format!("{rs}-{:05x}", (h >> 40) & 0xfffff),
                json!({"kind": "ReplicaSet", "name": rs, "apiVersion": "apps/v1", "controller": true}),
            )
        }
        WClass::StatefulSet => (
            format!("{}-0", w.name),
            json!({"kind": "StatefulSet", "name": w.name, "apiVersion": "apps/v1", "controller": true}),
        ),
        _ => (
            format!("{}-{:05x}", w.name, h & 0xfffff),
            json!({"kind": w.kind, "name": w.name, "apiVersion": "apps/v1", "controller": true}),
        ),
    };
    let started = last_start(applied, we.crashes, we.ready_ms);
    let ready = we.ready_ms.map_or_else(
        || json!({"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": c.secs(applied)}),
        |r| json!({"type": "Ready", "status": "True", "lastTransitionTime": c.secs(r)}),
    );
    let state = if we.ready_ms.is_some() || we.crashes == 0 {
        json!({"running": {"startedAt": c.secs(started)}})
    } else {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    };
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": w.namespace, "creationTimestamp": c.secs(applied), "ownerReferences": [owner]},
        "status": {"phase": "Running", "conditions": [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": c.secs(applied)}, ready],
            "containerStatuses": [{"name": "main", "ready": we.ready_ms.is_some(), "restartCount": we.crashes, "started": true, "state": state}]}
    })
}

/// Deployments, StatefulSets, DaemonSets and Jobs that were applied, each with its pod.
#[must_use]
pub fn workloads(m: &Model, t: &Trace, c: Clock) -> Vec<Value> {
    let mut out = vec![];
    for (w, we) in m.workloads.iter().zip(&t.workloads) {
        let Some(applied) = we.applied_ms else {
            continue;
        };
        let meta =
            json!({"name": w.name, "namespace": w.namespace, "creationTimestamp": c.secs(applied)});
        match w.class {
            WClass::Deployment | WClass::StatefulSet | WClass::DaemonSet => {
                let api = json!({"apiVersion": "apps/v1", "kind": w.kind, "metadata": meta, "status": {"replicas": 1, "readyReplicas": u32::from(we.ready)}});
                out.push(api);
                out.push(pod(w, we, c, applied));
            }
            WClass::Job => {
                let mut st = json!({"failed": we.crashes, "startTime": c.secs(applied)});
                if let Some(r) = we.ready_ms {
                    st["completionTime"] = json!(c.secs(r));
                    st["succeeded"] = json!(1);
                }
                out.push(json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "status": st}));
            }
            _ => {}
        }
    }
    out
}
