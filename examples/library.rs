//! Using fluxsim as a library: build a scenario in code, then sweep kustomize-controller's
//! `--requeue-dependency` and print the Monte Carlo p50 and p95 of each setting.
//!
//! Run it: `cargo run --release --example library`

use fluxsim::scenario::builder::{Kustomization, ScenarioBuilder, Workload};
use fluxsim::{model, report, runner, time::format_ms};

fn cluster(requeue: &str) -> ScenarioBuilder {
    let infra = Kustomization::new("infra").wait(true).resource(
        Workload::new("Deployment", "coredns")
            .namespace("kube-system")
            .ready_lognormal("15s", "45s"),
    );
    let certs = Kustomization::new("cert-manager")
        .wait(true)
        .depends_on("infra")
        .resource(
            Workload::new("Deployment", "cert-manager")
                .namespace("cert-manager")
                .ready_lognormal("20s", "60s")
                .needs("coredns"),
        );
    let apps = Kustomization::new("apps")
        .depends_on("cert-manager")
        .resource(
            Workload::new("Deployment", "podinfo")
                .namespace("apps")
                .ready_lognormal("10s", "30s"),
        );
    ScenarioBuilder::new("sweep")
        .kustomize_requeue_dependency(requeue)
        .kustomization(infra)
        .kustomization(certs)
        .kustomization(apps)
}

fn main() {
    println!("requeueDependency      p50      p95");
    for requeue in ["30s", "15s", "5s", "1s"] {
        let sc = cluster(requeue)
            .build()
            .expect("the builder writes valid YAML");
        let m = model::build(&sc).expect("valid scenario");
        let cfg = runner::McConfig {
            seed: 1,
            trials: 2_000,
            threads: 0,
        };
        let trials = runner::monte_carlo(&m, &cfg, &|_| {}).expect("thread pool");
        let r = report::McReport::new(&m, cfg.seed, &trials);
        let show = |v: Option<u64>| v.map_or("stuck".to_string(), format_ms);
        println!(
            "{requeue:>17} {:>8} {:>8}",
            show(r.makespan_ms.p50),
            show(r.makespan_ms.p95)
        );
    }
}
