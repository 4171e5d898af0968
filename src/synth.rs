//! Synthetic scenarios for benchmarks and scale tests, shaped like a large home-ops
//! repository (onedr0p/home-ops, bjw-s-labs/home-ops in `shared/corpus`): a short chain of
//! infrastructure hubs that most apps depend on (wide fan-in, corpus-survey §1), and apps that
//! sometimes depend on another app. Deterministic in (n, seed).

use std::fmt::Write as _;

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `dependsOn` of object `i` (of `n`, the first `hubs` being hubs).
fn deps_of(i: usize, hubs: usize, x: &mut u64) -> Vec<usize> {
    let mut deps: Vec<usize> = vec![];
    if i < hubs {
        if i > 0 {
            deps.push(i - 1);
        }
        return deps;
    }
    #[allow(clippy::cast_possible_truncation)]
    let h = (splitmix(x) % hubs as u64) as usize;
    deps.push(h);
    if splitmix(x).is_multiple_of(2) {
        #[allow(clippy::cast_possible_truncation)]
        let h2 = (splitmix(x) % hubs as u64) as usize;
        if h2 != h {
            deps.push(h2);
        }
    }
    if splitmix(x).is_multiple_of(5) {
        #[allow(clippy::cast_possible_truncation)]
        let a = hubs + (splitmix(x) % (i - hubs + 1) as u64) as usize;
        if a < i {
            deps.push(a);
        }
    }
    deps
}

/// A home-ops shaped scenario with `n` Kustomizations (YAML text). Hubs (the first
/// min(8, n)) form a chain and use `wait: true`; every app depends on one or two hubs and, one
/// time in five, on an earlier app. `concurrent` sets both controllers' worker pools.
#[must_use]
pub fn home_ops(n: usize, seed: u64, concurrent: u32) -> String {
    let mut x = seed ^ 0xF1u64;
    let hubs = n.min(8);
    let mut y = String::with_capacity(n * 260);
    let _ = write!(y, "name: synthetic-{n}\nhorizon: 48h\ncontrollers:\n  kustomize: {{concurrent: {concurrent}}}\n  helm: {{concurrent: {concurrent}}}\nkustomizations:\n");
    for i in 0..n {
        let deps = deps_of(i, hubs, &mut x);
        let _ = write!(y, "  - name: k{i}\n    interval: 1h\n    retryInterval: 2m\n    wait: {}\n    apply: {{uniform: {{min: 200ms, max: 2s}}}}\n", i < hubs);
        if !deps.is_empty() {
            let d: Vec<String> = deps.iter().map(|d| format!("k{d}")).collect();
            let _ = writeln!(y, "    dependsOn: [{}]", d.join(", "));
        }
        let _ = writeln!(y, "    resources:\n      - {{kind: Deployment, name: d{i}, namespace: ns{}, ready: {{lognormal: {{median: 12s, p95: 45s}}}}}}", i % 50);
    }
    y
}

/// The scenario of [`home_ops`] as JSON (one object per line), for `.json` scenario files.
#[must_use]
pub fn home_ops_json(n: usize, seed: u64, concurrent: u32) -> String {
    let mut x = seed ^ 0xF1u64;
    let hubs = n.min(8);
    let mut y = String::with_capacity(n * 260);
    let _ = write!(y, "{{\"name\": \"synthetic-{n}\", \"horizon\": \"48h\", \"controllers\": {{\"kustomize\": {{\"concurrent\": {concurrent}}}, \"helm\": {{\"concurrent\": {concurrent}}}}},\n\"kustomizations\": [");
    for i in 0..n {
        let deps = deps_of(i, hubs, &mut x);
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(y, "{sep}\n{{\"name\": \"k{i}\", \"interval\": \"1h\", \"retryInterval\": \"2m\", \"wait\": {}, \"apply\": {{\"uniform\": {{\"min\": \"200ms\", \"max\": \"2s\"}}}}", i < hubs);
        if !deps.is_empty() {
            let d: Vec<String> = deps.iter().map(|d| format!("\"k{d}\"")).collect();
            let _ = write!(y, ", \"dependsOn\": [{}]", d.join(", "));
        }
        let _ = write!(y, ", \"resources\": [{{\"kind\": \"Deployment\", \"name\": \"d{i}\", \"namespace\": \"ns{}\", \"ready\": {{\"lognormal\": {{\"median\": \"12s\", \"p95\": \"45s\"}}}}}}]}}", i % 50);
    }
    y.push_str("\n]}\n");
    y
}
