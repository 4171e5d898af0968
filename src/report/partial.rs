//! A shard's partial Monte Carlo result (`fluxsim mc --shard I/N --partial FILE`) and the exact
//! merge of all of a run's parts (`fluxsim merge`) into the statistics the unsharded run
//! gathers, so the merged report is byte-identical to it.
//!
//! A part records what identifies its run (the fluxsim version, a hash of the validated
//! scenario, seed, total trials, shard count) and the scenario's names, so parts merge without
//! the scenario file, and parts of different runs are refused.

use crate::analysis::accumulate::{McStats, ReadyMode, ReadyTimes};
use crate::model::Model;
use crate::report::mc::ScenarioInfo;
use crate::report::McReport;
use crate::runner::Shard;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// What a partial result file says it is.
pub const PARTIAL_KIND: &str = "fluxsim-mc-partial";
/// Version of the partial result layout.
pub const PARTIAL_VERSION: u32 = 1;

/// One shard's statistics and the identity of its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Always [`PARTIAL_KIND`].
    pub kind: String,
    /// Layout version ([`PARTIAL_VERSION`]).
    pub version: u32,
    /// The fluxsim that ran it (parts of different versions may simulate differently).
    pub tool: String,
    /// Hash of the validated scenario ([`scenario_hash`]).
    pub scenario_hash: String,
    /// Master seed.
    pub seed: u64,
    /// Trials of the whole run (all shards).
    pub trials: u64,
    /// Which shard this is.
    pub shard: Shard,
    /// The scenario's names.
    pub scenario: ScenarioInfo,
    /// This shard's statistics.
    pub stats: McStats,
}

/// FNV-1a over formatted text, without building the text.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// A hash of the validated model (everything the simulation reads, not the file's layout or
/// comments), as 16 hex digits.
#[must_use]
pub fn scenario_hash(m: &Model) -> String {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let _ = write!(h, "{m:?}");
    format!("{:016x}", h.0)
}

impl Partial {
    /// The partial result of `shard` of the run (`seed`, `trials`) of `m`.
    #[must_use]
    pub fn new(m: &Model, seed: u64, trials: u64, shard: Shard, stats: McStats) -> Self {
        Partial {
            kind: PARTIAL_KIND.into(),
            version: PARTIAL_VERSION,
            tool: format!("fluxsim {}", env!("CARGO_PKG_VERSION")),
            scenario_hash: scenario_hash(m),
            seed,
            trials,
            shard,
            scenario: ScenarioInfo::of(m),
            stats,
        }
    }

    /// Compact JSON with a trailing newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).expect("partial serializes");
        s.push('\n');
        s
    }
}

/// Why parts cannot be merged (one line, naming the file).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct MergeError(pub String);

/// Reads a part; `file` names it in errors.
///
/// # Errors
/// Not a partial result, or one of another layout version.
pub fn read_partial(text: &str, file: &str) -> Result<Partial, MergeError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        MergeError(format!("`{file}` is not JSON ({e}): give the files `fluxsim mc --shard I/N --partial FILE` wrote"))
    })?;
    if v.get("kind").and_then(|k| k.as_str()) != Some(PARTIAL_KIND) {
        return Err(MergeError(format!("`{file}` is not a partial result: give the files `fluxsim mc --shard I/N --partial FILE` wrote")));
    }
    let version = v.get("version").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(PARTIAL_VERSION)) {
        return Err(MergeError(format!("`{file}` is a partial result of layout version {}, this fluxsim reads version {PARTIAL_VERSION}: rerun its shard with this fluxsim", version.map_or("?".into(), |x| x.to_string()))));
    }
    serde_json::from_value(v).map_err(|e| {
        MergeError(format!(
            "`{file}` is a damaged partial result ({e}): rerun its shard"
        ))
    })
}

/// Whether `p`'s statistics are the shape its header says (so merging cannot go out of bounds).
fn well_formed(p: &Partial) -> bool {
    let n = p.scenario.objects.len();
    let st = &p.stats;
    let range = p.shard.trials(p.trials);
    let last_bucket = crate::analysis::sketch::bucket(u64::MAX) as usize;
    let ready_len = match &st.ready {
        ReadyTimes::Exact(e) => e.len(),
        // A window past the last bucket cannot come from fluxsim.
        ReadyTimes::Sketch(h)
            if h.iter()
                .any(|x| x.first as usize + x.counts.len() > last_bucket + 1) =>
        {
            usize::MAX
        }
        ReadyTimes::Sketch(h) => h.len(),
    };
    p.shard.count > 0
        && p.shard.index < p.shard.count
        && st.critical.len() == n
        && st.never_ready.len() == n
        && ready_len == n
        && p.scenario.order.iter().all(|o| o.index() < n)
        && st.mode() == ReadyMode::for_run(p.trials, n)
        && (st.makespans.is_empty() || st.first_trial == range.start)
        && st.trials() == range.end - range.start
}

/// The first part's value of a run property, and each other part's, must agree.
fn same<T: PartialEq + std::fmt::Display>(
    parts: &[(String, Partial)],
    what: &str,
    get: impl Fn(&Partial) -> T,
) -> Result<(), MergeError> {
    let (f0, p0) = &parts[0];
    for (f, p) in &parts[1..] {
        if get(p) != get(p0) {
            return Err(MergeError(format!(
                "`{f}` and `{f0}` are parts of different runs: {what} {} against {}; merge the parts of one run",
                get(p),
                get(p0)
            )));
        }
    }
    Ok(())
}

/// Checks that `parts` (file name, part) are all the shards of one run, each once.
fn check_parts(parts: &[(String, Partial)]) -> Result<(), MergeError> {
    if parts.is_empty() {
        return Err(MergeError(
            "no parts to merge: give every shard's partial result file".into(),
        ));
    }
    if let Some((f, p)) = parts.iter().find(|(_, p)| !well_formed(p)) {
        return Err(MergeError(format!(
            "`{f}` does not hold the statistics of shard {} of {} trials: it is damaged; rerun its shard",
            p.shard, p.trials
        )));
    }
    same(parts, "fluxsim version", |p| p.tool.clone())?;
    same(parts, "scenario (hash)", |p| p.scenario_hash.clone())?;
    same(parts, "seed", |p| p.seed)?;
    same(parts, "trials", |p| p.trials)?;
    same(parts, "shard count", |p| p.shard.count)?;
    let count = parts[0].1.shard.count;
    let mut seen: Vec<Option<&str>> = vec![
        None;
        usize::try_from(count)
            .unwrap_or(usize::MAX)
            .min(parts.len() + 1)
    ];
    if count > parts.len() as u64 {
        let have: std::collections::BTreeSet<u64> =
            parts.iter().map(|(_, p)| p.shard.index).collect();
        let missing: Vec<String> = (0..count)
            .filter(|i| !have.contains(i))
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        return Err(MergeError(format!(
            "shards missing: {}{} (merge needs all {count} parts of the run)",
            missing.join(", "),
            if count - (have.len() as u64) > 10 {
                ", …"
            } else {
                ""
            }
        )));
    }
    for (f, p) in parts {
        let slot = &mut seen[usize::try_from(p.shard.index).unwrap_or(usize::MAX)];
        if let Some(g) = slot {
            return Err(MergeError(format!(
                "`{f}` and `{g}` are both shard {}: give each shard once",
                p.shard
            )));
        }
        *slot = Some(f);
    }
    Ok(())
}

/// Merges all parts of one run into its report, byte-identical to the unsharded run's.
///
/// # Errors
/// Parts of different runs (version, scenario, seed, trials, shard count), a shard given twice
/// or missing, a damaged part: one line naming the file.
pub fn merge(mut parts: Vec<(String, Partial)>) -> Result<McReport, MergeError> {
    check_parts(&parts)?;
    parts.sort_by_key(|(_, p)| p.shard.index);
    let mut it = parts.into_iter();
    let (_, first) = it.next().expect("checked: not empty");
    let (info, seed) = (first.scenario, first.seed);
    let mut stats = first.stats;
    for (f, p) in it {
        if !stats.merge(p.stats) {
            return Err(MergeError(format!(
                "`{f}` does not continue the trials before it: it is damaged; rerun its shard"
            )));
        }
    }
    Ok(McReport::from_stats(&info, seed, stats))
}
