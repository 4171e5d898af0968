//! The shapes `kubectl get … -o json` prints, as typed structs (only the fields the calibrator
//! reads; everything else is ignored), and their conversion into time-stamped records.
//! Field meanings: flux-observability.md §a (Kustomization), §b (HelmRelease), §c (Event),
//! §e (Pod, workloads).

use super::error::FieldError;
use super::stamp;
use serde::Deserialize;

/// `metadata`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Name.
    pub name: String,
    /// Namespace ("" when cluster-scoped).
    #[serde(default)]
    pub namespace: String,
    /// Creation time (RFC 3339, seconds).
    pub creation_timestamp: Option<String>,
    /// Owners.
    #[serde(default)]
    pub owner_references: Vec<OwnerRef>,
}

/// `metadata.ownerReferences[]`.
#[derive(Debug, Deserialize)]
pub struct OwnerRef {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
}

/// A status condition (`lastUpdateTime` only on Deployments).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Type.
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False`, `Unknown`.
    pub status: String,
    /// Reason.
    #[serde(default)]
    pub reason: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// When status, reason or message last changed (seconds).
    pub last_transition_time: Option<String>,
}

/// `status` of a Pod.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// Conditions (`PodScheduled`, `Ready`, …).
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Containers.
    #[serde(default)]
    pub container_statuses: Vec<ContainerStatus>,
}

/// `status.containerStatuses[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// Restarts so far.
    #[serde(default)]
    pub restart_count: u32,
    /// Current state.
    #[serde(default)]
    pub state: ContainerState,
}

/// `state` / `lastState`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// Running since.
    pub running: Option<Started>,
}

/// `{startedAt}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    /// Start time (seconds).
    pub started_at: Option<String>,
}

/// `status` of a Job.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// When it completed (seconds).
    pub completion_time: Option<String>,
    /// Failed pods.
    #[serde(default)]
    pub failed: u32,
}

/// `status.history[]` of a Kustomization (KC ≥ 1.7).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KsSnapshot {
    /// First completion of a run with this (digest, status).
    pub first_reconciled: String,
    /// Duration of the latest such run (Go duration, ns).
    pub last_reconciled_duration: String,
    /// The run's Ready reason.
    pub last_reconciled_status: String,
    /// Runs with this key.
    pub total_reconciliations: u64,
}

/// `status.history[]` of a HelmRelease.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HrSnapshot {
    /// When Helm created the release (start of the install proper).
    pub first_deployed: Option<String>,
    /// `deployed`, `failed`, `superseded`, ….
    #[serde(default)]
    pub status: String,
}

/// `status` of a Flux object (both kinds; unknown fields ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FluxStatus {
    /// Conditions.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Kustomization or HelmRelease history (told apart by kind).
    #[serde(default)]
    pub history: Vec<serde_json::Value>,
    /// HelmRelease: `install` or `upgrade`.
    pub last_attempted_release_action: Option<String>,
    /// HelmRelease: wall time of that action (HC ≥ 1.4).
    pub last_attempted_release_action_duration: Option<String>,
    /// HelmRelease: failed installs.
    #[serde(default)]
    pub install_failures: u64,
}

/// An Event (core/v1).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The object it is about.
    pub involved_object: InvolvedObject,
    /// Reason.
    #[serde(default)]
    pub reason: String,
    /// Message.
    #[serde(default)]
    pub message: String,
    /// Occurrences.
    #[serde(default)]
    pub count: Option<u64>,
    /// First occurrence (seconds).
    pub first_timestamp: Option<String>,
    /// Last occurrence (seconds).
    pub last_timestamp: Option<String>,
    /// events.k8s.io time (µs), when set.
    pub event_time: Option<String>,
}

/// `involvedObject`.
#[derive(Debug, Deserialize)]
pub struct InvolvedObject {
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
}

/// A container of a Deployment's pod template (flux-system controllers).
#[derive(Debug, Deserialize)]
pub struct Container {
    /// Name.
    pub name: String,
    /// Image (its tag is the controller version).
    #[serde(default)]
    pub image: String,
    /// Flags.
    #[serde(default)]
    pub args: Vec<String>,
}

/// Reads a required RFC 3339 field, naming it on error.
///
/// # Errors
/// Missing or malformed.
pub fn time(v: Option<&String>, field: &str) -> Result<i64, FieldError> {
    let s = v.ok_or_else(|| FieldError::Missing(field.to_string()))?;
    stamp_field(s, field)
}

/// An RFC 3339 value of `field`.
///
/// # Errors
/// Malformed; names the field.
pub fn stamp_field(s: &str, field: &str) -> Result<i64, FieldError> {
    stamp::parse(s).map_err(|source| FieldError::Time {
        field: field.to_string(),
        source,
    })
}

/// Reads an optional RFC 3339 field, naming it on error.
///
/// # Errors
/// Malformed.
pub fn opt_time(v: Option<&String>, field: &str) -> Result<Option<i64>, FieldError> {
    v.map(|s| stamp_field(s, field)).transpose()
}

/// A Go duration (`2.818583s`, `1m2.5s`, `321.88µs`) in milliseconds (rounded).
///
/// # Errors
/// Not a duration; names the field.
pub fn duration(s: &str, field: &str) -> Result<u64, FieldError> {
    crate::time::parse_duration(s).map_err(|source| FieldError::Duration {
        field: field.to_string(),
        source,
    })
}

/// The condition of this type.
#[must_use]
pub fn cond<'a>(c: &'a [Condition], kind: &str) -> Option<&'a Condition> {
    c.iter().find(|x| x.kind == kind)
}
