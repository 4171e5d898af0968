//! Controller settings and feature gates (R18): which gates change timing in this model, and
//! a short note for every gate a scenario sets.

use super::error::ModelError;
use super::types::{ControllerParams, ObjKind};
use std::collections::BTreeMap;

/// `DefaultToRetryOnFailure` (helm-controller): `RetryOnFailure` becomes the default install
/// strategy (R12).
pub const DEFAULT_TO_RETRY_ON_FAILURE: &str = "DefaultToRetryOnFailure";
/// `DisableFailFastBehavior` (kustomize-controller): health checks wait out their timeout
/// even when an object is Failed (R8).
pub const DISABLE_FAIL_FAST: &str = "DisableFailFastBehavior";
/// `CancelHealthCheckOnNewRevision`: a new source revision cancels a running health wait.
pub const CANCEL_HEALTH_CHECK: &str = "CancelHealthCheckOnNewRevision";
/// `StrictPostBuildSubstitutions` (kustomize-controller): a `${VAR}` without value fails.
pub const STRICT_SUBSTITUTIONS: &str = "StrictPostBuildSubstitutions";

/// Hold per event for an unreachable notification-controller (R19): `refused` (default) or
/// `hang`.
///
/// # Errors
/// [`ModelError::UnknownNotificationMode`] when the mode is neither.
pub fn event_hold(mode: Option<&str>) -> Result<u64, ModelError> {
    match mode {
        None | Some("refused") => Ok(super::types::EVENT_HOLD_REFUSED_MS),
        Some("hang") => Ok(super::types::EVENT_HOLD_HANG_MS),
        Some(other) => Err(ModelError::UnknownNotificationMode(other.to_string())),
    }
}

/// What a gate set to `value` does to timing in this model, for `controller`.
#[must_use]
pub fn gate_effect(controller: ObjKind, gate: &str, value: bool) -> &'static str {
    match (controller, gate, value) {
        (ObjKind::HelmRelease, DEFAULT_TO_RETRY_ON_FAILURE, true) => {
            "install failures retry every strategy retryInterval (5m) instead of stalling"
        }
        (ObjKind::Kustomization, DISABLE_FAIL_FAST, true) => {
            "health checks wait out their timeout even when an object is Failed"
        }
        (_, CANCEL_HEALTH_CHECK, _) => {
            "accepted; no timing effect here (a source publishes one revision during bootstrap)"
        }
        (_, STRICT_SUBSTITUTIONS, _) => {
            "accepted; no timing effect here (variables are not modelled)"
        }
        (ObjKind::HelmRelease, DEFAULT_TO_RETRY_ON_FAILURE, false)
        | (ObjKind::Kustomization, DISABLE_FAIL_FAST, false) => "the default; no change",
        _ => "no timing effect",
    }
}

/// Applies a controller's gates to its settings (a later value for a gate has already won:
/// the scenario holds one map per controller, as Flux merges repeated flags).
pub(crate) fn apply_gates(kind: ObjKind, p: &mut ControllerParams, gates: &BTreeMap<String, bool>) {
    p.feature_gates = gates.clone();
    let on = |g: &str| gates.get(g).copied().unwrap_or(false);
    match kind {
        ObjKind::HelmRelease => p.default_retry_on_failure = on(DEFAULT_TO_RETRY_ON_FAILURE),
        ObjKind::Kustomization => p.disable_fail_fast = on(DISABLE_FAIL_FAST),
    }
}

/// One line per gate set in the scenario: `controller Gate=value: effect`.
#[must_use]
pub fn gate_notes(kustomize: &ControllerParams, helm: &ControllerParams) -> Vec<String> {
    let mut out = vec![];
    for (kind, name, p) in [
        (ObjKind::Kustomization, "kustomize-controller", kustomize),
        (ObjKind::HelmRelease, "helm-controller", helm),
    ] {
        for (g, v) in &p.feature_gates {
            out.push(format!("{name} {g}={v}: {}", gate_effect(kind, g, *v)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_gates_are_kept_and_listed_without_effect() {
        let mut p = ControllerParams::default();
        let gates = BTreeMap::from([("OOMWatch".to_string(), true)]);
        apply_gates(ObjKind::HelmRelease, &mut p, &gates);
        assert!(!p.default_retry_on_failure);
        let notes = gate_notes(&ControllerParams::default(), &p);
        assert_eq!(
            notes,
            vec!["helm-controller OOMWatch=true: no timing effect"]
        );
    }
}
