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
        let mut deps: Vec<usize> = vec![];
        if i < hubs {
            if i > 0 {
                deps.push(i - 1);
            }
        } else {
            #[allow(clippy::cast_possible_truncation)]
            let h = (splitmix(&mut x) % hubs as u64) as usize;
            deps.push(h);
            if splitmix(&mut x).is_multiple_of(2) {
                #[allow(clippy::cast_possible_truncation)]
                let h2 = (splitmix(&mut x) % hubs as u64) as usize;
                if h2 != h {
                    deps.push(h2);
                }
            }
            if splitmix(&mut x).is_multiple_of(5) {
                #[allow(clippy::cast_possible_truncation)]
                let a = hubs + (splitmix(&mut x) % (i - hubs + 1) as u64) as usize;
                if a < i {
                    deps.push(a);
                }
            }
        }
        let _ = write!(y, "  - name: k{i}\n    interval: 1h\n    retryInterval: 2m\n    wait: {}\n    apply: {{uniform: {{min: 200ms, max: 2s}}}}\n", i < hubs);
        if !deps.is_empty() {
            let d: Vec<String> = deps.iter().map(|d| format!("k{d}")).collect();
            let _ = writeln!(y, "    dependsOn: [{}]", d.join(", "));
        }
        let _ = writeln!(y, "    resources:\n      - {{kind: Deployment, name: d{i}, namespace: ns{}, ready: {{lognormal: {{median: 12s, p95: 45s}}}}}}", i % 50);
    }
    y
}
