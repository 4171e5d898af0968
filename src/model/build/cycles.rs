//! Cycles in dependsOn ∪ parent→child edges (R3): every strongly connected component with
//! more than one object is a cycle Flux would wait on forever; each is named with one concrete
//! path through it.

use super::Ctx;
use crate::model::types::*;
use crate::scenario::spanned::Location;
use crate::scenario::Diagnostic;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, VecDeque};

/// Reports every cycle, one diagnostic each, ordered by the first-declared object on it, at
/// the `dependsOn` entry that starts it (`edge_at(a, b)`: where `a`'s entry naming `b` is).
pub(super) fn report_cycles(
    c: &mut Ctx,
    objects: &TiSlice<ObjectId, FluxObject>,
    edge_at: impl Fn(ObjectId, ObjectId) -> Option<Location>,
) {
    if acyclic(objects) {
        return;
    }
    for cycle in cycles(objects) {
        let names: Vec<&str> = cycle.iter().map(|i| objects[*i].name.as_str()).collect();
        let loc = edge_at(cycle[0], cycle[1 % cycle.len()]).unwrap_or(Location::UNKNOWN);
        let (line, col) = if loc == Location::UNKNOWN {
            (objects[cycle[0]].line, 1)
        } else {
            (loc.line(), loc.column())
        };
        let mut d = Diagnostic::at(
            c.file,
            c.src,
            line,
            col,
            format!("dependsOn cycle: {} → {}", names.join(" → "), names[0]),
        );
        d.help = Some("remove one of these dependsOn entries; Flux would wait forever".into());
        c.errors.push(d);
    }
}

/// Whether the graph of `dependsOn` and child → parent edges has no cycle: Kahn's
/// algorithm over flat arrays, which settles the usual case in linear time without building
/// the graph [`cycles`] searches.
fn acyclic(objects: &TiSlice<ObjectId, FluxObject>) -> bool {
    fn waits_on(o: &FluxObject) -> impl Iterator<Item = usize> + '_ {
        o.depends_on
            .iter()
            .copied()
            .chain(o.parent)
            .map(ObjectId::index)
    }
    // For each object, the objects that wait on it (compressed rows), and how many objects
    // each one still waits on.
    let mut start = vec![0usize; objects.len() + 1];
    let mut pending = Vec::with_capacity(objects.len());
    for o in objects {
        pending.push(waits_on(o).count());
        for v in waits_on(o) {
            start[v + 1] += 1;
        }
    }
    for i in 0..objects.len() {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut waiters = vec![0; start[objects.len()]];
    for (u, o) in objects.iter().enumerate() {
        for v in waits_on(o) {
            waiters[fill[v]] = u;
            fill[v] += 1;
        }
    }
    let mut free: Vec<usize> = (0..objects.len()).filter(|&u| pending[u] == 0).collect();
    let mut done = 0;
    while let Some(v) = free.pop() {
        done += 1;
        for &u in &waiters[start[v]..start[v + 1]] {
            pending[u] -= 1;
            if pending[u] == 0 {
                free.push(u);
            }
        }
    }
    done == objects.len()
}

/// Every cycle: for each strongly connected component of two or more objects (Kosaraju's
/// algorithm, whose depth-first searches keep their own stack, so a 1,000,000-object chain
/// cannot overflow the thread's), the shortest path from its first-declared object back to
/// itself. Components are ordered by that object. Edge u → v means "u waits for v":
/// dependsOn, and child → parent (a child exists only after its parent applied it).
pub(super) fn cycles(objects: &TiSlice<ObjectId, FluxObject>) -> Vec<Vec<ObjectId>> {
    let mut g = DiGraph::<(), ()>::with_capacity(objects.len(), objects.len());
    for _ in objects {
        g.add_node(());
    }
    for (i, o) in objects.iter_enumerated() {
        for &d in &o.depends_on {
            g.add_edge(node(i), node(d), ());
        }
        if let Some(p) = o.parent {
            g.add_edge(node(i), node(p), ());
        }
    }
    let mut sccs: Vec<Vec<ObjectId>> = kosaraju_scc(&g)
        .into_iter()
        .filter(|s| s.len() > 1)
        .map(|s| {
            let mut s: Vec<ObjectId> = s.into_iter().map(id).collect();
            s.sort_unstable();
            s
        })
        .collect();
    sccs.sort_unstable_by_key(|s| s[0]);
    sccs.iter().map(|s| shortest_cycle(&g, s)).collect()
}

/// The shortest path from the component's first object back to it, staying inside the
/// component (breadth-first, neighbours in edge order, so the path is deterministic).
fn shortest_cycle(g: &DiGraph<(), ()>, scc: &[ObjectId]) -> Vec<ObjectId> {
    let start = scc[0];
    let inside = |v: ObjectId| scc.binary_search(&v).is_ok();
    let mut prev: HashMap<ObjectId, ObjectId> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(u) = queue.pop_front() {
        for v in out_edges(g, u) {
            if v == start {
                let mut path = vec![u];
                let mut x = u;
                while x != start {
                    x = prev[&x];
                    path.push(x);
                }
                path.reverse();
                return path;
            }
            if inside(v) && !prev.contains_key(&v) {
                prev.insert(v, u);
                queue.push_back(v);
            }
        }
    }
    unreachable!("a strongly connected component has a cycle through each of its nodes")
}

/// Successors of `u` in the order the edges were added.
fn out_edges(g: &DiGraph<(), ()>, u: ObjectId) -> Vec<ObjectId> {
    // petgraph lists a node's edges newest first.
    let mut v: Vec<ObjectId> = g.neighbors(node(u)).map(id).collect();
    v.reverse();
    v
}

fn node(o: ObjectId) -> NodeIndex {
    NodeIndex::new(o.index())
}

fn id(n: NodeIndex) -> ObjectId {
    ObjectId::new(n.index())
}
