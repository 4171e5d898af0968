//! Kustomization and HelmRelease status → the times they record (flux-observability.md §a, §b).

use super::error::FieldError;
use super::kube::{self, cond, FluxStatus, HrSnapshot, KsSnapshot, Meta};
use super::load::{is_true, shaped, ObjRec};

/// Reads one Flux object.
///
/// # Errors
/// A malformed time, duration or history entry, naming the field.
pub fn object(file: usize, kind: &str, m: Meta, st: FluxStatus) -> Result<ObjRec, FieldError> {
    let mut o = ObjRec {
        file,
        kind: kind.to_string(),
        namespace: m.namespace.clone(),
        name: m.name.clone(),
        created: kube::time(m.creation_timestamp.as_ref(), "metadata.creationTimestamp")?,
        first_ready: None,
        ready_is_latest: false,
        run_ms: None,
        health_ms: None,
        health_failures: 0,
        install_ms: None,
        first_deployed: None,
        install_failures: st.install_failures,
        stalled: cond(&st.conditions, "Stalled")
            .filter(|c| c.status == "True")
            .map(|c| c.reason.clone()),
        notes: vec![],
    };
    if kind == "Kustomization" {
        kustomization(&mut o, &st)?;
    } else {
        helm_release(&mut o, &st)?;
    }
    Ok(o)
}

/// `Health check passed in <dur>` → ms.
#[must_use]
pub fn health_passed(msg: &str) -> Option<u64> {
    let d = msg.strip_prefix("Health check passed in ")?;
    crate::time::parse_duration(d.trim()).ok()
}

fn kustomization(o: &mut ObjRec, st: &FluxStatus) -> Result<(), FieldError> {
    let mut snaps = vec![];
    for (i, h) in st.history.iter().enumerate() {
        let s: KsSnapshot = shaped(h.clone(), &format!("status.history[{i}]"))?;
        snaps.push(s);
    }
    // Newest first: the last succeeded entry is the first manifest set that became Ready.
    let ok = snaps
        .iter()
        .rev()
        .find(|s| s.last_reconciled_status == "ReconciliationSucceeded");
    o.health_failures = snaps
        .iter()
        .filter(|s| s.last_reconciled_status == "HealthCheckFailed")
        .fold(0, |n, s| s.total_reconciliations.saturating_add(n));
    let healthy = cond(&st.conditions, "Healthy").filter(|c| c.status == "True");
    if let Some(s) = ok {
        o.first_ready = Some(kube::stamp_field(
            &s.first_reconciled,
            "status.history[].firstReconciled",
        )?);
        if s.total_reconciliations == 1 {
            o.run_ms = Some(kube::duration(
                &s.last_reconciled_duration,
                "status.history[].lastReconciledDuration",
            )?);
            // Healthy's message is the latest run's health wait: the same run when only one ran.
            if snaps.len() == 1 || std::ptr::eq(s, &snaps[0]) {
                o.health_ms = healthy.and_then(|c| health_passed(&c.message));
            }
        } else if s.total_reconciliations == 0 {
            // Flux adds an entry with its first run: 0 is no count it writes.
            o.notes.push(
                "its status.history entry counts 0 reconciliations: its duration was not used"
                    .into(),
            );
        } else {
            o.notes.push(format!(
                "its bootstrap run's duration was overwritten by {} later runs (dump before `interval` elapses)",
                s.total_reconciliations - 1
            ));
        }
    } else if is_true(cond(&st.conditions, "Ready")) {
        let c = cond(&st.conditions, "Ready").expect("checked");
        o.first_ready = Some(kube::time(
            c.last_transition_time.as_ref(),
            "status.conditions[Ready].lastTransitionTime",
        )?);
        o.ready_is_latest = true;
        o.notes.push(
            "no `status.history` (Flux before 2.7): Ready time is the latest run's end".into(),
        );
    }
    Ok(())
}

fn helm_release(o: &mut ObjRec, st: &FluxStatus) -> Result<(), FieldError> {
    if st.last_attempted_release_action.as_deref() == Some("install") {
        if let Some(d) = &st.last_attempted_release_action_duration {
            o.install_ms = Some(kube::duration(
                d,
                "status.lastAttemptedReleaseActionDuration",
            )?);
        }
    }
    if let Some(h) = st.history.first() {
        let s: HrSnapshot = shaped(h.clone(), "status.history[0]")?;
        o.first_deployed =
            kube::opt_time(s.first_deployed.as_ref(), "status.history[0].firstDeployed")?;
    }
    let released = cond(&st.conditions, "Released")
        .filter(|c| c.status == "True" && c.reason == "InstallSucceeded");
    let ready = cond(&st.conditions, "Ready").filter(|c| c.status == "True");
    if let Some(c) = released.or(ready) {
        o.first_ready = Some(kube::time(
            c.last_transition_time.as_ref(),
            "status.conditions[Released].lastTransitionTime",
        )?);
        o.ready_is_latest = released.is_none();
    }
    Ok(())
}
