//! The "happens after" graph of a model, for advise: an edge `b → a` when `a` cannot start its
//! real work before `b` is Ready (`a` depends on `b`) or before `b` applied it (`b` is `a`'s
//! parent). Redundant `dependsOn` edges come from petgraph's transitive reduction; removal
//! safety from reachability with one edge taken out.

use crate::model::{Model, ObjectId, Owner, Target, WorkloadId};
use petgraph::algo::toposort;
use petgraph::algo::tred::{dag_to_toposorted_adjacency_list, dag_transitive_reduction_closure};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeSet;

/// A `dependsOn` edge: `(dependent, dependency)`.
pub type Edge = (ObjectId, ObjectId);

/// Event nodes: `A(x)` = 2x, when `x` has started its real work (applied, for a child: exists);
/// `R(x)` = 2x + 1, when `x` is Ready.
fn applied(x: ObjectId) -> usize {
    2 * x.index()
}
fn ready(x: ObjectId) -> usize {
    2 * x.index() + 1
}

/// Ordering edges between events, deduplicated, in a stable order: a dependency's Ready comes
/// before the dependent's work; a parent's apply before its child exists; an object's work
/// before its Ready; a child's (or a health-checked object's) Ready before a parent that
/// waits for it is Ready.
fn order_edges(m: &Model, skip: Option<Edge>) -> BTreeSet<(usize, usize)> {
    let mut e = BTreeSet::new();
    for (a, o) in m.objects.iter_enumerated() {
        e.insert((applied(a), ready(a)));
        for &b in &o.depends_on {
            if skip != Some((a, b)) {
                e.insert((ready(b), applied(a)));
            }
        }
        if let Some(p) = o.parent {
            e.insert((applied(p), applied(a)));
        }
        let waited = o.health_checks.iter().chain(if o.wait {
            o.stages.iter().flatten().collect::<Vec<_>>()
        } else {
            vec![]
        });
        for t in waited {
            if let Target::Object(c) = t {
                e.insert((ready(*c), ready(a)));
            }
        }
    }
    e
}

fn graph(m: &Model, skip: Option<Edge>) -> DiGraph<(), ()> {
    let mut g = DiGraph::with_capacity(2 * m.objects.len(), 0);
    for _ in 0..2 * m.objects.len() {
        g.add_node(());
    }
    for (b, a) in order_edges(m, skip) {
        g.add_edge(NodeIndex::new(b), NodeIndex::new(a), ());
    }
    g
}

/// `dependsOn` edges implied by the others (or by a parent that already waits for the
/// dependency): the transitive reduction leaves them out.
#[must_use]
pub fn redundant_edges(m: &Model) -> Vec<Edge> {
    let g = graph(m, None);
    let Ok(order) = toposort(&g, None) else {
        return vec![]; // a validated model is acyclic
    };
    let (list, _) = dag_to_toposorted_adjacency_list::<_, u32>(&g, &order);
    let (reduction, _) = dag_transitive_reduction_closure(&list);
    let mut kept: BTreeSet<(usize, usize)> = BTreeSet::new();
    for x in reduction.node_indices() {
        for e in reduction.edge_indices_from(x) {
            if let Some((s, t)) = reduction.edge_endpoints(e) {
                kept.insert((order[s as usize].index(), order[t as usize].index()));
            }
        }
    }
    let mut out = vec![];
    for (a, o) in m.objects.iter_enumerated() {
        for &b in &o.depends_on {
            if !kept.contains(&(ready(b), applied(a))) {
                out.push((a, b));
            }
        }
    }
    out
}

/// For every event, the events it (transitively) happens after.
fn closures(m: &Model, skip: Option<Edge>) -> Vec<BTreeSet<usize>> {
    let g = graph(m, skip);
    let order = toposort(&g, None).unwrap_or_default();
    let mut before: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); g.node_count()];
    for n in order {
        let preds: Vec<NodeIndex> = g
            .neighbors_directed(n, petgraph::Direction::Incoming)
            .collect();
        let mut s = BTreeSet::new();
        for p in preds {
            s.insert(p.index());
            s.extend(before[p.index()].iter().copied());
        }
        before[n.index()] = s;
    }
    before
}

/// What each workload needs before it can work: run-time `needs`, its CRD, its webhook.
fn requirements(m: &Model, w: WorkloadId) -> impl Iterator<Item = WorkloadId> + '_ {
    let wl = &m.workloads[w];
    wl.needs.iter().copied().chain(wl.crd).chain(wl.webhook)
}

/// Events after which workload `r` is ready: its owner's Ready when the owner waits for its
/// workloads (a Kustomization with `wait`, a HelmRelease's install wait), the Ready of any
/// Kustomization that health-checks it, and (for a CRD, established a second after apply)
/// its owner's apply.
fn guards(m: &Model, r: WorkloadId) -> Vec<usize> {
    let mut g = vec![];
    if let Owner::Object(ro) = m.workloads[r].owner {
        let o = &m.objects[ro];
        let waits = match &o.helm {
            Some(h) => !h.disable_wait,
            None => o.wait,
        };
        if waits {
            g.push(ready(ro));
        }
        if m.workloads[r].class == crate::model::WClass::Crd {
            g.push(applied(ro));
        }
    }
    for (p, o) in m.objects.iter_enumerated() {
        if o.health_checks.contains(&Target::Workload(r)) {
            g.push(ready(p));
        }
    }
    g
}

fn races(m: &Model, before: &[BTreeSet<usize>]) -> Vec<(WorkloadId, WorkloadId)> {
    let mut out = vec![];
    for (w, wl) in m.workloads.iter_enumerated() {
        let Owner::Object(o) = wl.owner else { continue };
        for r in requirements(m, w) {
            if let Owner::Object(ro) = m.workloads[r].owner {
                let ordered = guards(m, r).iter().any(|g| before[applied(o)].contains(g));
                if ro != o && !ordered {
                    out.push((w, r));
                }
            }
        }
    }
    out
}

/// The model's ordering, computed once: which events each event happens after, and the
/// requirements (needs, CRDs, webhooks) that nothing orders.
pub struct Order {
    before: Vec<BTreeSet<usize>>,
    races: Vec<(WorkloadId, WorkloadId)>,
}

impl Order {
    /// The ordering of `m` as it is.
    #[must_use]
    pub fn new(m: &Model) -> Self {
        let before = closures(m, None);
        let races = races(m, &before);
        Order { before, races }
    }

    /// Pairs (workload, a workload it requires) where the requirement is applied by an object
    /// that the workload's owner does not happen after: a race at bootstrap.
    #[must_use]
    pub fn unordered_requirements(&self) -> &[(WorkloadId, WorkloadId)] {
        &self.races
    }

    /// Whether `a` happens after `b`'s Ready through some path (adding `a → b` would make a
    /// cycle if `b` already happens after `a`).
    #[must_use]
    pub fn happens_after(&self, a: ObjectId, b: ObjectId) -> bool {
        self.before[applied(a)].contains(&ready(b))
    }

    /// The requirements that removing `edge` would leave unordered (empty: the removal is
    /// safe as far as `needs`, CRDs and webhooks go).
    #[must_use]
    pub fn broken_by_removal(&self, m: &Model, edge: Edge) -> Vec<(WorkloadId, WorkloadId)> {
        let now: BTreeSet<_> = self.races.iter().copied().collect();
        races(m, &closures(m, Some(edge)))
            .into_iter()
            .filter(|p| !now.contains(p))
            .collect()
    }
}

/// Objects in an order where every dependency comes before its dependents.
#[must_use]
pub fn dependency_order(m: &Model) -> Vec<ObjectId> {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(m.objects.len(), 0);
    for _ in &m.objects {
        g.add_node(());
    }
    for (a, o) in m.objects.iter_enumerated() {
        for &b in &o.depends_on {
            g.add_edge(NodeIndex::new(b.index()), NodeIndex::new(a.index()), ());
        }
    }
    toposort(&g, None).map_or_else(
        |_| m.objects.keys().collect(),
        |v| v.into_iter().map(|n| ObjectId::new(n.index())).collect(),
    )
}
