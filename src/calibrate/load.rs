//! Reading dump files: each file's kind is detected from its content (a kubectl JSON list or
//! single object, or a controller's JSON log), and every item becomes a time-stamped record.

use super::error::{Brief, DumpError, FieldError};
use super::kube::{self, cond, Condition, FluxStatus, JobStatus, Meta, PodStatus};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a file turned out to hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `kubectl get … -o json`: item counts per kind.
    Kube(std::collections::BTreeMap<String, usize>),
    /// A controller's JSON log: lines read, lines skipped (not JSON).
    Log {
        /// Controller (from the lines' keys).
        controller: String,
        /// Lines read.
        lines: usize,
        /// Lines that were not JSON objects.
        skipped: usize,
    },
}

/// A pod: when it was created, last started, became Ready, and how often it restarted.
#[derive(Clone, Debug)]
pub struct PodRec {
    /// File index.
    pub file: usize,
    /// Owning workload `Kind/ns/name` (the ReplicaSet's Deployment), or `Pod/ns/name`.
    pub owner: String,
    /// Pod name.
    pub name: String,
    /// `metadata.creationTimestamp` (ms since epoch).
    pub created: i64,
    /// The running container's `startedAt`, the latest start (ms).
    pub started: Option<i64>,
    /// `Ready=True` `lastTransitionTime` (ms).
    pub ready: Option<i64>,
    /// Sum of `restartCount`.
    pub restarts: u32,
}

/// A Job.
#[derive(Clone, Debug)]
pub struct JobRec {
    /// File index.
    pub file: usize,
    /// `Job/ns/name`.
    pub key: String,
    /// Created (ms).
    pub created: i64,
    /// Completed (ms).
    pub completed: Option<i64>,
    /// Failed pods (counted like restarts).
    pub failed: u32,
}

/// A Kustomization or HelmRelease with the times its status carries.
#[derive(Clone, Debug)]
pub struct ObjRec {
    /// File index.
    pub file: usize,
    /// `Kustomization` or `HelmRelease`.
    pub kind: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Created (ms).
    pub created: i64,
    /// First Ready (ms, second resolution): KS history `firstReconciled` of the succeeded entry,
    /// else Ready.lastTransitionTime when Ready=True.
    pub first_ready: Option<i64>,
    /// Whether `first_ready` is only the latest transition (no history to say it is the first).
    pub ready_is_latest: bool,
    /// KS: duration of the bootstrap's successful run (history entry with one reconciliation).
    pub run_ms: Option<u64>,
    /// KS: health-wait time of the latest run (`Health check passed in D`).
    pub health_ms: Option<u64>,
    /// KS: failed health checks recorded in history.
    pub health_failures: u64,
    /// HR: install action duration (`lastAttemptedReleaseActionDuration`), install only.
    pub install_ms: Option<u64>,
    /// HR: `history[0].firstDeployed` (ms).
    pub first_deployed: Option<i64>,
    /// HR: `installFailures`.
    pub install_failures: u64,
    /// HR: Stalled=True (reason).
    pub stalled: Option<String>,
    /// Why a KS duration was not used (overwritten by a later run).
    pub notes: Vec<String>,
}

/// One Event.
#[derive(Clone, Debug)]
pub struct EventRec {
    /// File index.
    pub file: usize,
    /// `Kind/ns/name` of the involved object.
    pub object: String,
    /// Reason.
    pub reason: String,
    /// Message.
    pub message: String,
    /// Occurrences.
    pub count: u64,
    /// First occurrence (ms): from the name's nanosecond suffix when it decodes, else seconds.
    pub first: i64,
    /// Whether `first` came from the name (ms precise).
    pub first_exact: bool,
    /// Last occurrence (ms, seconds resolution).
    pub last: i64,
}

/// One controller log line about an object.
#[derive(Clone, Debug)]
pub struct LogRec {
    /// File index.
    pub file: usize,
    /// `ts` (ms).
    pub ts: i64,
    /// `Kind/ns/name`.
    pub object: String,
    /// `msg`.
    pub msg: String,
    /// `reconcileID` ("" before controller-runtime 0.12).
    pub reconcile: String,
}

/// A flux-system controller Deployment.
#[derive(Clone, Debug)]
pub struct ControllerRec {
    /// File index.
    pub file: usize,
    /// Deployment name.
    pub name: String,
    /// Image.
    pub image: String,
    /// Args.
    pub args: Vec<String>,
}

/// Everything read from the dumps.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// File names as given.
    pub files: Vec<String>,
    /// What each file held.
    pub kinds: Vec<FileKind>,
    /// Pods.
    pub pods: Vec<PodRec>,
    /// Jobs.
    pub jobs: Vec<JobRec>,
    /// `Kind/ns/name` of every Deployment, StatefulSet, DaemonSet and Job seen.
    pub workloads: Vec<(usize, String)>,
    /// Flux objects.
    pub objects: Vec<ObjRec>,
    /// Events.
    pub events: Vec<EventRec>,
    /// Log lines about objects.
    pub logs: Vec<LogRec>,
    /// flux-system controllers.
    pub controllers: Vec<ControllerRec>,
}

/// Reads one dump file into `input`, detecting its kind.
///
/// # Errors
/// A [`DumpError`] naming the file (and the item and field) and what was expected.
pub fn read(input: &mut Input, name: &str, text: &str) -> Result<(), DumpError> {
    let file = input.files.len();
    input.files.push(name.to_string());
    let name = || name.to_string();
    if text.trim().is_empty() {
        return Err(DumpError::Empty { file: name() });
    }
    let kind = match probe(text) {
        Ok(p) if p.items.is_some() || (p.kind.is_some() && p.metadata.is_some()) => {
            read_kube(input, file, text, p.items)?
        }
        Ok(p) if p.msg.is_some() => read_log(input, file, text)?,
        Ok(_) => return Err(DumpError::NotADump { file: name() }),
        Err(_) if looks_like_log(text) => read_log(input, file, text)?,
        Err(e) => {
            return Err(DumpError::NotJson {
                file: name(),
                reason: e.to_string(),
            })
        }
    };
    input.kinds.push(kind);
    Ok(())
}

/// The kinds [`read_item`] reads; a dump of only other kinds is refused.
const READ_KINDS: [&str; 8] = [
    "Pod",
    "Job",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Kustomization",
    "HelmRelease",
    "Event",
];

/// The top-level keys that tell a dump's kind; the rest is skipped unread.
#[derive(Default, Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    items: Option<&'a RawValue>,
    #[serde(default)]
    kind: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    metadata: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    msg: Option<serde::de::IgnoredAny>,
}

/// The keys of a JSON object (any other JSON value has none), without building the document:
/// a kubectl list is then read one item at a time, so memory holds the text, the records and
/// one item, not a tree of the whole file (8 to 70 times its size).
fn probe(text: &str) -> serde_json::Result<Probe<'_>> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text)
    } else {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map(|_| Probe::default())
    }
}

fn read_kube(
    input: &mut Input,
    file: usize,
    text: &str,
    items: Option<&RawValue>,
) -> Result<FileKind, DumpError> {
    let name = input.files[file].clone();
    let mut counts = BTreeMap::new();
    let mut each = |i: usize, raw: &RawValue| kube_item(input, file, i, raw, &mut counts);
    match items {
        Some(r) => for_each_item(r, &mut each)
            .map_err(|e| e.unwrap_or(DumpError::ItemsNotList { file: name.clone() }))?,
        None => {
            let whole = serde_json::from_str(text).map_err(|e| DumpError::NotJson {
                file: name.clone(),
                reason: e.to_string(),
            })?;
            each(0, whole)?;
        }
    }
    if !counts.is_empty() && !counts.keys().any(|k| READ_KINDS.contains(&k.as_str())) {
        let kinds: Vec<&str> = counts.keys().map(String::as_str).collect();
        return Err(DumpError::NothingToRead {
            file: name,
            kinds: kinds.join(", "),
        });
    }
    Ok(FileKind::Kube(counts))
}

/// Calls `each` with every element of the JSON array `list` as the parser reaches it, so one
/// element is in memory at a time. Err(None): `list` is not an array; Err(Some): what `each`
/// returned.
fn for_each_item<F>(list: &RawValue, each: &mut F) -> Result<(), Option<DumpError>>
where
    F: FnMut(usize, &RawValue) -> Result<(), DumpError>,
{
    struct Each<'f, F> {
        each: &'f mut F,
        stopped: Option<DumpError>,
    }
    impl<'de, F> serde::de::Visitor<'de> for &mut Each<'_, F>
    where
        F: FnMut(usize, &RawValue) -> Result<(), DumpError>,
    {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                if let Err(e) = (self.each)(i, raw) {
                    self.stopped = Some(e);
                    return Err(serde::de::Error::custom("stopped"));
                }
                i += 1;
            }
            Ok(())
        }
    }
    let mut v = Each {
        each,
        stopped: None,
    };
    let mut de = serde_json::Deserializer::from_str(list.get());
    serde::Deserializer::deserialize_seq(&mut de, &mut v).map_err(|_| v.stopped.take())
}

/// The largest item or log line read, in bytes. Kubernetes stores at most 1.5 MiB per object
/// (etcd's request limit); kubectl's indentation adds less than that again. Decoding an item
/// takes up to 30 times its size, so this bounds what one item can cost.
pub const MAX_ITEM_BYTES: usize = 8 << 20;

/// Reads one item of a kubectl dump, counting its kind.
fn kube_item(
    input: &mut Input,
    file: usize,
    i: usize,
    raw: &RawValue,
    counts: &mut BTreeMap<String, usize>,
) -> Result<(), DumpError> {
    let name = || input.files[file].clone();
    if raw.get().len() > MAX_ITEM_BYTES {
        return Err(DumpError::Item {
            file: name(),
            item: format!("items[{i}]"),
            problem: Box::new(FieldError::TooLarge {
                bytes: raw.get().len(),
            }),
        });
    }
    // Syntax was checked with the file; this can still meet the nesting limit.
    let item: Value = serde_json::from_str(raw.get()).map_err(|e| DumpError::NotJson {
        file: name(),
        reason: e.to_string(),
    })?;
    let kind = item
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind.is_empty() {
        return Err(DumpError::Item {
            file: name(),
            item: format!("items[{i}]"),
            problem: Box::new(FieldError::Missing("kind".into())),
        });
    }
    let label = item_label(&item, &kind);
    read_item(input, file, &kind, item).map_err(|problem| DumpError::Item {
        file: input.files[file].clone(),
        item: format!("items[{i}] ({label})"),
        problem: Box::new(problem),
    })?;
    *counts.entry(kind).or_insert(0) += 1;
    Ok(())
}

fn item_label(item: &Value, kind: &str) -> String {
    let m = item.get("metadata");
    let s = |k: &str| {
        m.and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let kind = Brief(kind);
    if s("namespace").is_empty() {
        format!("{kind} {}", Brief(s("name")))
    } else {
        format!("{kind} {}/{}", Brief(s("namespace")), Brief(s("name")))
    }
}

#[derive(Deserialize)]
struct Item<S> {
    metadata: Meta,
    #[serde(default = "Option::default")]
    status: Option<S>,
    #[serde(default)]
    spec: Option<Value>,
}

fn typed<S: for<'de> Deserialize<'de>>(v: Value) -> Result<Item<S>, FieldError> {
    shaped(v, "")
}

/// Deserializes `v` (found at `at`, "" for the item itself), naming the field a mismatch is in.
///
/// # Errors
/// The field's path under `at`, and the decoder's message.
pub(crate) fn shaped<T: for<'de> Deserialize<'de>>(v: Value, at: &str) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let field = match (at, path.as_str()) {
            (a, ".") => a.to_string(),
            ("", p) => p.to_string(),
            (a, p) if p.starts_with('[') => format!("{a}{p}"),
            (a, p) => format!("{a}.{p}"),
        };
        let reason = e.into_inner().to_string();
        if field.is_empty() {
            FieldError::Object(reason)
        } else {
            FieldError::Shape { field, reason }
        }
    })
}

fn read_item(input: &mut Input, file: usize, kind: &str, v: Value) -> Result<(), FieldError> {
    match kind {
        "Pod" => {
            let it: Item<PodStatus> = typed(v)?;
            input.pods.push(pod(file, it)?);
        }
        "Job" => {
            let it: Item<JobStatus> = typed(v)?;
            let st = it.status.unwrap_or_default();
            let key = format!("Job/{}/{}", it.metadata.namespace, it.metadata.name);
            input.workloads.push((file, key.clone()));
            input.jobs.push(JobRec {
                file,
                key,
                created: kube::time(
                    it.metadata.creation_timestamp.as_ref(),
                    "metadata.creationTimestamp",
                )?,
                completed: kube::opt_time(st.completion_time.as_ref(), "status.completionTime")?,
                failed: st.failed,
            });
        }
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            let it: Item<Value> = typed(v)?;
            let m = &it.metadata;
            if m.namespace == "flux-system" && m.name.ends_with("-controller") {
                input.controllers.push(controller(file, &it)?);
            }
            input
                .workloads
                .push((file, format!("{kind}/{}/{}", m.namespace, m.name)));
        }
        "Kustomization" | "HelmRelease" => {
            let it: Item<FluxStatus> = typed(v)?;
            input.objects.push(super::flux::object(
                file,
                kind,
                it.metadata,
                it.status.unwrap_or_default(),
            )?);
        }
        "Event" => {
            let e: kube::Event = shaped(v.clone(), "")?;
            let it: Item<Value> = typed(v)?;
            input.events.push(event(file, &it.metadata, e)?);
        }
        _ => {}
    }
    Ok(())
}

/// The workload a pod belongs to: a ReplicaSet `<deploy>-<hash>` → its Deployment.
fn owner_of(m: &Meta) -> String {
    match m.owner_references.first() {
        Some(o) if o.kind == "ReplicaSet" => {
            let d = o.name.rsplit_once('-').map_or(o.name.as_str(), |(a, _)| a);
            format!("Deployment/{}/{d}", m.namespace)
        }
        Some(o) => format!("{}/{}/{}", o.kind, m.namespace, o.name),
        None => format!("Pod/{}/{}", m.namespace, m.name),
    }
}

fn pod(file: usize, it: Item<PodStatus>) -> Result<PodRec, FieldError> {
    let st = it.status.unwrap_or_default();
    let ready = match cond(&st.conditions, "Ready") {
        Some(c) if c.status == "True" => Some(kube::time(
            c.last_transition_time.as_ref(),
            "status.conditions[Ready].lastTransitionTime",
        )?),
        _ => None,
    };
    let mut started = None;
    for c in &st.container_statuses {
        if let Some(r) = &c.state.running {
            let t = kube::opt_time(
                r.started_at.as_ref(),
                "status.containerStatuses[].state.running.startedAt",
            )?;
            started = started.max(t);
        }
    }
    Ok(PodRec {
        file,
        owner: owner_of(&it.metadata),
        name: it.metadata.name.clone(),
        created: kube::time(
            it.metadata.creation_timestamp.as_ref(),
            "metadata.creationTimestamp",
        )?,
        started,
        ready,
        restarts: st
            .container_statuses
            .iter()
            .fold(0, |n, c| c.restart_count.saturating_add(n)),
    })
}

fn controller(file: usize, it: &Item<Value>) -> Result<ControllerRec, FieldError> {
    const FIELD: &str = "spec.template.spec.containers";
    let containers = it
        .spec
        .as_ref()
        .and_then(|s| s.pointer("/template/spec/containers"))
        .ok_or_else(|| FieldError::Missing(FIELD.into()))?;
    let cs: Vec<kube::Container> = shaped(containers.clone(), FIELD)?;
    let c = cs
        .iter()
        .find(|c| c.name == "manager")
        .or(cs.first())
        .ok_or_else(|| FieldError::Empty(FIELD.into()))?;
    Ok(ControllerRec {
        file,
        name: it.metadata.name.clone(),
        image: c.image.clone(),
        args: c.args.clone(),
    })
}

/// The event name's suffix is the first occurrence in UnixNano, hex (client-go
/// `GenerateEventName`; flux-observability.md §c). Trusted when within 2s of `firstTimestamp`.
fn name_nanos(name: &str, first_s: i64) -> Option<i64> {
    let (_, hex) = name.rsplit_once('.')?;
    let ns = u64::from_str_radix(hex, 16).ok()?;
    let ms = i64::try_from(ns / 1_000_000).ok()?;
    ((ms - first_s).abs() < 2000).then_some(ms)
}

fn event(file: usize, m: &Meta, e: kube::Event) -> Result<EventRec, FieldError> {
    let first_s = match (&e.first_timestamp, &e.event_time) {
        (Some(_), _) => kube::time(e.first_timestamp.as_ref(), "firstTimestamp")?,
        (None, Some(_)) => kube::time(e.event_time.as_ref(), "eventTime")?,
        _ => return Err(FieldError::NoEventTime),
    };
    let last = kube::opt_time(e.last_timestamp.as_ref(), "lastTimestamp")?.unwrap_or(first_s);
    let exact = name_nanos(&m.name, first_s);
    let o = &e.involved_object;
    Ok(EventRec {
        file,
        object: format!("{}/{}/{}", o.kind, o.namespace, o.name),
        reason: e.reason,
        message: e.message,
        count: e.count.unwrap_or(1).max(1),
        first: exact.unwrap_or(first_s),
        first_exact: exact.is_some(),
        last,
    })
}

/// A log when one of its first lines is a JSON object with `msg` (kubectl may prepend non-JSON
/// lines, e.g. klog output at start-up).
fn looks_like_log(text: &str) -> bool {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .any(|l| probe(l.trim()).is_ok_and(|p| p.msg.is_some()))
}

/// Reads a controller's JSON log (zap, Flux ≥ 2.0: `ts` ISO 8601 with ms; older: epoch seconds).
fn read_log(input: &mut Input, file: usize, text: &str) -> Result<FileKind, DumpError> {
    let name = || input.files[file].clone();
    let (mut lines, mut skipped, mut controller) = (0, 0, String::new());
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if l.len() > MAX_ITEM_BYTES {
            return Err(DumpError::LogLine {
                file: name(),
                line: n + 1,
                problem: Box::new(FieldError::TooLarge { bytes: l.len() }),
            });
        }
        let Ok(Value::Object(v)) = serde_json::from_str::<Value>(l) else {
            skipped += 1;
            continue;
        };
        lines += 1;
        let ts = match v.get("ts") {
            Some(Value::String(s)) => {
                kube::stamp_field(s, "ts").map_err(|problem| DumpError::LogLine {
                    file: name(),
                    line: n + 1,
                    problem: Box::new(problem),
                })?
            }
            Some(Value::Number(x)) => epoch_ms(x).ok_or_else(|| DumpError::LogLine {
                file: name(),
                line: n + 1,
                problem: Box::new(FieldError::Shape {
                    field: "ts".into(),
                    reason: format!(
                        "{x} is not a time in seconds since 1970 within the years 0 to 9999"
                    ),
                }),
            })?,
            _ => {
                return Err(DumpError::LogWithoutTs {
                    file: name(),
                    line: n + 1,
                })
            }
        };
        let Some(kind) = log_kind(&v) else { continue };
        if controller.is_empty() {
            controller = format!(
                "{}-controller",
                if kind == "HelmRelease" {
                    "helm"
                } else {
                    "kustomize"
                }
            );
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (mut name, mut ns) = (s("name"), s("namespace"));
        if let Some(Value::Object(r)) = v.get(&kind) {
            name = r
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(&name)
                .to_string();
            ns = r
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or(&ns)
                .to_string();
        }
        if name.is_empty() {
            continue;
        }
        input.logs.push(LogRec {
            file,
            ts,
            object: format!("{kind}/{ns}/{name}"),
            msg: s("msg"),
            reconcile: s("reconcileID"),
        });
    }
    if lines == 0 {
        return Err(DumpError::NoLogLines { file: name() });
    }
    Ok(FileKind::Log {
        controller,
        lines,
        skipped,
    })
}

/// Epoch seconds (older zap logs) → ms, within the years RFC 3339 can write (0000–9999), so
/// every time read is within a few 10^14 ms and differences of them cannot overflow.
fn epoch_ms(x: &serde_json::Number) -> Option<i64> {
    // 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in seconds since the epoch.
    const RANGE: std::ops::Range<f64> = -62_167_219_200.0..253_402_300_800.0;
    let s = x.as_f64().filter(|s| RANGE.contains(s))?;
    #[allow(clippy::cast_possible_truncation)]
    Some((s * 1000.0) as i64)
}

/// The object kind of a log line: `controllerKind` (controller-runtime ≥ 0.12), else
/// `reconciler kind` or `logger: controller.<kind>` (older).
fn log_kind(v: &serde_json::Map<String, Value>) -> Option<String> {
    let k = v
        .get("controllerKind")
        .or_else(|| v.get("reconciler kind"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let l = v
                .get("logger")
                .or_else(|| v.get("controller"))
                .and_then(Value::as_str)?;
            let l = l.strip_prefix("controller.").unwrap_or(l);
            Some(match l {
                "kustomization" => "Kustomization".to_string(),
                "helmrelease" => "HelmRelease".to_string(),
                _ => return None,
            })
        })?;
    matches!(k.as_str(), "Kustomization" | "HelmRelease").then_some(k)
}

/// Whether a condition is True.
#[must_use]
pub fn is_true(c: Option<&Condition>) -> bool {
    c.is_some_and(|c| c.status == "True")
}
