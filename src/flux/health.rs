//! The Kustomization health check's scan of its targets (R8), done incrementally.
//!
//! A poll needs two facts: the first Failed target (in order), and whether any target is
//! still InProgress. Only some targets can ever be Failed (a HelmRelease that stalls; a
//! Deployment, StatefulSet or Job, R15), so the first fact is found among those alone; the
//! second is found by checking from the target that was InProgress at the last poll, which
//! usually still is. `kstatus` is a pure read, so the answer is exactly the full scan's
//! ([`World::fast`] off runs the full scan; tests compare the two).

use super::{KStatus, World};
use crate::model::{ObjKind, ObjectId, PerObject, Target, WClass};

/// Per trial: the indices of each object's health targets that can be Failed, found once.
#[derive(Debug, Default)]
pub(crate) struct HealthCache {
    /// Per object: (start, len) in `failable`, or `None` before its first scan.
    span: PerObject<Option<(u32, u32)>>,
    failable: Vec<u32>,
}

impl HealthCache {
    pub(crate) fn new(objects: usize) -> Self {
        HealthCache {
            span: vec![None; objects].into(),
            failable: Vec::new(),
        }
    }
}

/// The `i`-th target of `lists` taken in order.
fn at(lists: &[&[Target]; 3], mut i: usize) -> Target {
    for l in lists {
        if i < l.len() {
            return l[i];
        }
        i -= l.len();
    }
    unreachable!("health target index in range")
}

impl World<'_> {
    /// The health targets of `o`: with `wait`, everything it applies (its stages);
    /// otherwise its `healthChecks`.
    pub(crate) fn health_lists(&self, o: ObjectId) -> [&[Target]; 3] {
        let obj = &self.m.objects[o];
        if obj.wait {
            [&obj.stages[0], &obj.stages[1], &obj.stages[2]]
        } else {
            [&obj.health_checks, &[], &[]]
        }
    }

    /// Whether target `t` can ever be Failed (kstatus, R13, R15).
    fn may_fail(&self, t: Target) -> bool {
        match t {
            Target::Object(x) => self.m.objects[x].kind == ObjKind::HelmRelease,
            Target::Workload(w) => matches!(
                self.m.workloads[w].class,
                WClass::Deployment | WClass::StatefulSet | WClass::Job
            ),
        }
    }

    /// Indices of `o`'s health targets that can be Failed (computed at its first scan).
    fn failable(&mut self, o: ObjectId) -> (usize, usize) {
        if let Some((a, n)) = self.health.span[o] {
            return (a as usize, n as usize);
        }
        let lists = self.health_lists(o);
        let found: Vec<u32> = lists
            .iter()
            .flat_map(|l| l.iter())
            .enumerate()
            .filter(|(_, t)| self.may_fail(**t))
            .map(|(i, _)| u32::try_from(i).expect("fewer than 2^32 targets"))
            .collect();
        let start = self.health.failable.len();
        self.health.failable.extend_from_slice(&found);
        let span = (
            u32::try_from(start).expect("fewer than 2^32 targets"),
            u32::try_from(found.len()).expect("fewer than 2^32 targets"),
        );
        self.health.span[o] = Some(span);
        (start, found.len())
    }

    /// One scan of `o`'s health targets at `now`: the first Failed target, and whether any
    /// is InProgress (not looked at when a target failed and `fail_fast` decides).
    pub(crate) fn health_scan(
        &mut self,
        o: ObjectId,
        now: u64,
        fail_fast: bool,
    ) -> (Option<Target>, bool) {
        if !self.fast {
            return self.health_scan_full(o, now);
        }
        let (start, len) = self.failable(o);
        let lists = self.health_lists(o);
        let failed = self.health.failable[start..start + len]
            .iter()
            .map(|&i| at(&lists, i as usize))
            .find(|t| self.kstatus(*t, now) == KStatus::Failed);
        if failed.is_some() && fail_fast {
            return (failed, false);
        }
        let n: usize = lists.iter().map(|l| l.len()).sum();
        let hint = (self.obj[o].health_hint as usize).min(n);
        let busy = (hint..n)
            .chain(0..hint)
            .find(|&i| self.kstatus(at(&lists, i), now) == KStatus::InProgress);
        if let Some(i) = busy {
            self.obj[o].health_hint = u32::try_from(i).expect("fewer than 2^32 targets");
        }
        (failed, busy.is_some())
    }

    /// The reference scan: every target, in order.
    fn health_scan_full(&self, o: ObjectId, now: u64) -> (Option<Target>, bool) {
        let mut in_progress = false;
        let mut failed = None;
        for t in self.health_lists(o).iter().flat_map(|l| l.iter()) {
            match self.kstatus(*t, now) {
                KStatus::Failed => failed = failed.or(Some(*t)),
                KStatus::InProgress => in_progress = true,
                KStatus::Current => {}
            }
        }
        (failed, in_progress)
    }
}
