//! `fluxsim observe`: one simulated bootstrap written as the dumps a user makes of a real cluster
//! (`kubectl get … -o json` lists, controller JSON logs), in the shapes and with the precision
//! flux-observability.md describes, so `fluxsim calibrate` can be tried and tested end to end.
//! Report side: reads a model and a trace, writes text.

mod records;

use crate::calibrate::stamp::format_secs;
use crate::model::{Model, ObjKind, ObjectId};
use crate::time::format_ms;
use crate::trace::{Outcome, Run, Trace};
use serde_json::{json, Value};

/// The wall clock of one simulated bootstrap: simulated ms → ms since the epoch. Each seed starts
/// on its own day (2026-01-01 + seed days) at a sub-second offset, so whole-second stamps
/// quantise the way a real cluster's do.
#[derive(Copy, Clone, Debug)]
pub struct Clock(pub i64);

impl Clock {
    /// The clock of `seed`.
    #[must_use]
    pub fn of_seed(seed: u64) -> Clock {
        let frac = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 1000;
        let day = i64::try_from(seed % 10_000).unwrap_or(0);
        Clock(1_767_225_600_000 + day * 86_400_000 + i64::try_from(frac).unwrap_or(0))
    }
    /// Epoch ms of simulated ms.
    #[must_use]
    pub fn at(self, ms: u64) -> i64 {
        self.0 + i64::try_from(ms).unwrap_or(i64::MAX / 2)
    }
    /// `metav1.Time` of simulated ms.
    #[must_use]
    pub fn secs(self, ms: u64) -> String {
        format_secs(self.at(ms))
    }
}

/// The dump files of one bootstrap: (file name, contents).
#[must_use]
pub fn dumps(m: &Model, t: &Trace, seed: u64) -> Vec<(String, String)> {
    let c = Clock::of_seed(seed);
    let list = |items: Vec<Value>| {
        let mut s = serde_json::to_string_pretty(&json!({
            "apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}
        }))
        .expect("JSON values serialise");
        s.push('\n');
        s
    };
    let objects: Vec<Value> = m
        .objects
        .keys()
        .filter_map(|o| flux_object(m, t, c, o))
        .collect();
    vec![
        ("events.json".into(), list(records::events(m, t, c))),
        ("flux.json".into(), list(objects)),
        (
            "kustomize-controller.log".into(),
            records::log(m, t, c, ObjKind::Kustomization),
        ),
        (
            "helm-controller.log".into(),
            records::log(m, t, c, ObjKind::HelmRelease),
        ),
        ("workloads.json".into(), list(records::workloads(m, t, c))),
        ("controllers.json".into(), list(controllers(m, c))),
    ]
}

pub(crate) fn runs<'a>(t: &'a Trace, o: ObjectId) -> impl Iterator<Item = (usize, &'a Run)> + 'a {
    t.runs_of(o).iter().map(move |&i| (i, &t.runs[i]))
}

pub(crate) fn created(t: &Trace, o: ObjectId) -> Option<u64> {
    t.runs_of(o).first().map(|&i| t.runs[i].cause_ms)
}

pub(crate) fn took(r: &Run) -> u64 {
    r.end_ms.unwrap_or(r.start_ms) - r.start_ms
}

fn cond(kind: &str, status: &str, reason: &str, msg: &str, at: String) -> Value {
    json!({"type": kind, "status": status, "reason": reason, "message": msg, "lastTransitionTime": at, "observedGeneration": 1})
}

fn meta(m: &Model, o: ObjectId, created: String) -> Value {
    let ob = &m.objects[o];
    json!({"name": ob.name, "namespace": ob.namespace, "creationTimestamp": created, "generation": 1, "uid": format!("{:016x}", ob.hash)})
}

fn flux_object(m: &Model, t: &Trace, c: Clock, o: ObjectId) -> Option<Value> {
    let created = created(t, o)?;
    let ob = &m.objects[o];
    let status = match ob.kind {
        ObjKind::Kustomization => ks_status(m, t, c, o),
        ObjKind::HelmRelease => hr_status(m, t, c, o),
    };
    let (api, spec) = match ob.kind {
        ObjKind::Kustomization => (
            "kustomize.toolkit.fluxcd.io/v1",
            json!({"interval": format_ms(ob.interval), "timeout": format_ms(ob.timeout), "wait": ob.wait, "prune": true}),
        ),
        ObjKind::HelmRelease => (
            "helm.toolkit.fluxcd.io/v2",
            json!({"interval": format_ms(ob.interval), "timeout": format_ms(ob.timeout)}),
        ),
    };
    Some(
        json!({"apiVersion": api, "kind": ob.kind.as_str(), "metadata": meta(m, o, c.secs(created)), "spec": spec, "status": status}),
    )
}

pub(crate) fn revision(m: &Model, o: ObjectId) -> String {
    format!("main@sha1:{:040x}", u128::from(m.objects[o].hash))
}

/// Kustomization status (§a): history keyed by (digest, status), newest first, ≤ 5; Ready's
/// time is the latest run's end; Healthy carries the latest health wait.
fn ks_status(m: &Model, t: &Trace, c: Clock, o: ObjectId) -> Value {
    let ob = &m.objects[o];
    let digest = format!("sha256:{:064x}", u128::from(ob.hash) * 3);
    let mut hist: Vec<(&str, u64, u64, u64, u64)> = vec![];
    let mut last: Option<&Run> = None;
    let mut last_ok: Option<&Run> = None;
    for (_, r) in runs(t, o) {
        let key = match r.outcome {
            Outcome::Ready => "ReconciliationSucceeded",
            Outcome::HealthCheckFailed { .. } => "HealthCheckFailed",
            Outcome::ApplyFailed { .. } => "ReconciliationFailed",
            _ => continue,
        };
        let end = r.end_ms.unwrap_or(r.start_ms);
        match hist.iter_mut().find(|h| h.0 == key) {
            Some(h) => *h = (key, h.1, end, took(r), h.4 + 1),
            None => hist.push((key, end, end, took(r), 1)),
        }
        last = Some(r);
        if r.outcome == Outcome::Ready {
            last_ok = Some(r);
        }
    }
    hist.sort_by_key(|h| std::cmp::Reverse(h.2));
    hist.truncate(5);
    let history: Vec<Value> = hist.iter().map(|(s, first, lastr, d, n)| json!({
        "digest": digest, "firstReconciled": c.secs(*first), "lastReconciled": c.secs(*lastr),
        "lastReconciledDuration": format_ms(*d), "lastReconciledStatus": s, "totalReconciliations": n,
        "metadata": {"revision": revision(m, o)}
    })).collect();
    let mut conds = vec![];
    match last {
        Some(r) if r.outcome == Outcome::Ready => conds.push(cond(
            "Ready",
            "True",
            "ReconciliationSucceeded",
            &format!("Applied revision: {}", revision(m, o)),
            c.secs(r.end_ms.unwrap_or(0)),
        )),
        Some(r) => conds.push(cond(
            "Ready",
            "False",
            if matches!(r.outcome, Outcome::HealthCheckFailed { .. }) {
                "HealthCheckFailed"
            } else {
                "ReconciliationFailed"
            },
            "health check failed",
            c.secs(r.end_ms.unwrap_or(0)),
        )),
        None => conds.push(cond(
            "Ready",
            "Unknown",
            "Progressing",
            "Reconciliation in progress",
            c.secs(created(t, o).unwrap_or(0)),
        )),
    }
    if ob.wait || !ob.health_checks.is_empty() {
        if let Some(r) = last_ok {
            let wait = r.end_ms.unwrap_or(0) - r.apply_end_ms.unwrap_or(r.start_ms);
            conds.push(cond(
                "Healthy",
                "True",
                "Succeeded",
                &format!("Health check passed in {}", format_ms(wait)),
                c.secs(r.end_ms.unwrap_or(0)),
            ));
        }
    }
    json!({"conditions": conds, "history": history, "lastAppliedRevision": revision(m, o), "lastAttemptedRevision": revision(m, o), "observedGeneration": 1})
}

/// HelmRelease status (§b): the install action's duration, Helm's release record times,
/// Released/Ready/Stalled.
fn hr_status(m: &Model, t: &Trace, c: Clock, o: ObjectId) -> Value {
    let ob = &m.objects[o];
    let attempts: Vec<&Run> = runs(t, o)
        .map(|(_, r)| r)
        .filter(|r| r.attempt.is_some())
        .collect();
    let failures = attempts.iter().filter(|r| r.outcome.is_failure()).count();
    let mut conds = vec![];
    let mut st = json!({"observedGeneration": 1, "installFailures": failures, "failures": failures, "helmChart": format!("{}/{}-{}", ob.namespace, ob.namespace, ob.name)});
    if let Some(last) = attempts.last() {
        st["lastAttemptedReleaseAction"] = json!("install");
        st["lastAttemptedReleaseActionDuration"] = json!(format_ms(took(last)));
        let end = c.secs(last.end_ms.unwrap_or(last.start_ms));
        let rel = format!("{}/{}.v{}", ob.namespace, ob.name, attempts.len());
        if last.outcome == Outcome::Ready {
            let msg = format!(
                "Helm install succeeded for release {rel} with chart {}@1.0.0",
                ob.name
            );
            conds.push(cond("Ready", "True", "InstallSucceeded", &msg, end.clone()));
            conds.push(cond("Released", "True", "InstallSucceeded", &msg, end));
        } else {
            let msg = format!("Helm install failed for release {}/{} with chart {}@1.0.0: context deadline exceeded", ob.namespace, ob.name, ob.name);
            conds.push(cond("Ready", "False", "InstallFailed", &msg, end.clone()));
            conds.push(cond(
                "Released",
                "False",
                "InstallFailed",
                &msg,
                end.clone(),
            ));
            if matches!(last.outcome, Outcome::Stalled { .. }) {
                conds.push(cond(
                    "Stalled",
                    "True",
                    "RetriesExceeded",
                    &format!("Failed to install after {} attempt(s)", attempts.len()),
                    end,
                ));
            }
        }
        let stored: Vec<&&Run> = attempts
            .iter()
            .filter(|r| r.apply_end_ms.is_some())
            .collect();
        if let (Some(first), Some(lastd)) = (stored.first(), stored.last()) {
            st["history"] = json!([{
                "name": ob.name, "namespace": ob.namespace, "version": stored.len(), "chartName": ob.name, "chartVersion": "1.0.0",
                "firstDeployed": c.secs(first.apply_end_ms.unwrap_or(0)), "lastDeployed": c.secs(lastd.apply_end_ms.unwrap_or(0)),
                "status": if last.outcome == Outcome::Ready { "deployed" } else { "failed" }, "action": "install"
            }]);
        }
    }
    st["conditions"] = json!(conds);
    st
}

fn controllers(m: &Model, c: Clock) -> Vec<Value> {
    [("kustomize-controller", "v1.9.4", &m.kustomize), ("helm-controller", "v1.6.3", &m.helm)]
        .iter()
        .map(|(name, v, p)| json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "flux-system", "creationTimestamp": c.secs(0), "labels": {"app.kubernetes.io/part-of": "flux"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{
                "name": "manager", "image": format!("ghcr.io/fluxcd/{name}:{v}"),
                "args": ["--events-addr=http://notification-controller.flux-system.svc.cluster.local./", "--watch-all-namespaces=true", "--log-level=info", "--log-encoding=json", "--enable-leader-election",
                    format!("--concurrent={}", p.concurrent), format!("--requeue-dependency={}", format_ms(p.requeue_dependency))]
            }]}}},
            "status": {"replicas": 1, "readyReplicas": 1}
        }))
        .collect()
}
