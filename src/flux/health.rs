//! The Kustomization health check's scan of its targets (R8), done incrementally.
//!
//! A poll needs two facts: the first Failed target (in order), and whether any target is
//! still InProgress. Only some targets can ever be Failed (a HelmRelease that stalls; a
//! Deployment, StatefulSet or Job, R15), so the first fact is found among those alone; the
//! second is found by checking from the target that was InProgress at the last poll, which
//! usually still is. `kstatus` is a pure read, so the answer is exactly the full scan's
//! ([`World::fast`] off runs the full scan; tests compare the two).

use super::{KStatus, World};
use crate::model::{Model, ObjKind, ObjectId, PerObject, Target, WClass};

/// Per trial: each object's health targets in one flat list, and the positions among them of
/// the targets that can be Failed, found once.
#[derive(Debug, Default)]
pub(crate) struct HealthCache {
    /// Per object, or `None` before its first scan.
    span: PerObject<Option<Span>>,
    targets: Vec<Target>,
    failable: Vec<u32>,
}

/// Where one object's targets and failable positions are in a [`HealthCache`].
#[derive(Clone, Copy, Debug)]
struct Span {
    targets: u32,
    n: u32,
    failable: u32,
    n_failable: u32,
}

impl HealthCache {
    pub(crate) fn new(objects: usize) -> Self {
        HealthCache {
            span: vec![None; objects].into(),
            targets: Vec::new(),
            failable: Vec::new(),
        }
    }
}

/// The health targets of `o` in `m` (see [`World::health_lists`]).
fn lists(m: &Model, o: ObjectId) -> [&[Target]; 3] {
    let obj = &m.objects[o];
    if obj.wait {
        [&obj.stages[0], &obj.stages[1], &obj.stages[2]]
    } else {
        [&obj.health_checks, &[], &[]]
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 health targets")
}

impl World<'_> {
    /// The health targets of `o`: with `wait`, everything it applies (its stages);
    /// otherwise its `healthChecks`.
    pub(crate) fn health_lists(&self, o: ObjectId) -> [&[Target]; 3] {
        lists(self.m, o)
    }

    /// Whether target `t` can ever be Failed (kstatus, R13, R15).
    fn may_fail(&self, t: Target) -> bool {
        match t {
            Target::Object(x) => self.m.objects[x].kind == ObjKind::HelmRelease,
            Target::Workload(w) => matches!(
                self.wl[w].class,
                WClass::Deployment | WClass::StatefulSet | WClass::Job
            ),
        }
    }

    /// `o`'s targets flattened, and the positions of those that can be Failed (found at its
    /// first scan).
    fn span(&mut self, o: ObjectId) -> Span {
        if let Some(sp) = self.health.span[o] {
            return sp;
        }
        let (t0, f0) = (self.health.targets.len(), self.health.failable.len());
        let m = self.m;
        for (i, t) in lists(m, o).iter().flat_map(|l| l.iter()).enumerate() {
            if self.may_fail(*t) {
                self.health.failable.push(index(i));
            }
            self.health.targets.push(*t);
        }
        let sp = Span {
            targets: index(t0),
            n: index(self.health.targets.len() - t0),
            failable: index(f0),
            n_failable: index(self.health.failable.len() - f0),
        };
        self.health.span[o] = Some(sp);
        sp
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
        let sp = self.span(o);
        let targets = &self.health.targets[sp.targets as usize..(sp.targets + sp.n) as usize];
        let failed = self.health.failable
            [sp.failable as usize..(sp.failable + sp.n_failable) as usize]
            .iter()
            .map(|&i| targets[i as usize])
            .find(|t| self.kstatus(*t, now) == KStatus::Failed);
        if failed.is_some() && fail_fast {
            return (failed, false);
        }
        let hint = (self.obj[o].health_hint as usize).min(targets.len());
        let busy = (hint..targets.len())
            .chain(0..hint)
            .find(|&i| self.kstatus(targets[i], now) == KStatus::InProgress);
        if let Some(i) = busy {
            self.obj[o].health_hint = index(i);
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
