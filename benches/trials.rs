//! Trials: one trial of each shipped scenario (the seed clusters), Monte Carlo throughput on
//! seed 002 (31 Kustomizations), on a synthetic 160-object home-ops DAG and on a real imported
//! one (joryirving/home-ops main, 293 objects, `benches/fixtures/`), and single trials of
//! synthetic DAGs of 1k, 10k and 100k objects (scale); streaming Monte Carlo against
//! collecting every trial, and the cost of folding one trial into the statistics (exact and
//! histogram modes). Peak memory of long runs is measured with `/usr/bin/time -v`
//! (results/bench.md): targets 1M trials of 160 objects under 100 MB RSS, 10,000 trials of a
//! 100k-object DAG under 4 GB.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fluxsim::analysis::accumulate::{McStats, ReadyMode};
use fluxsim::model::{build, Model};
use fluxsim::runner::{monte_carlo, monte_carlo_stats, trial_summary, McConfig};
use fluxsim::scenario::parse;
use std::time::Duration;

fn model(yaml: &str, name: &str) -> Model {
    build(&parse(yaml, name).expect("parses")).expect("valid")
}

fn scenario(name: &str) -> Model {
    let p = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    model(&std::fs::read_to_string(&p).expect("scenario"), &p)
}

fn seeds(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_trial");
    for n in [
        "000-tazlab",
        "001-willingham",
        "002-matherlynet-before",
        "003-agentydragon",
        "004-layered-homelab",
        "example",
    ] {
        let m = scenario(n);
        g.bench_function(n, |b| {
            let mut t = 0;
            b.iter(|| {
                t += 1;
                trial_summary(&m, 1, t)
            });
        });
    }
    g.finish();
}

fn mc(c: &mut Criterion) {
    let mut g = c.benchmark_group("monte_carlo");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let m002 = scenario("002-matherlynet-before");
    let m160 = model(&fluxsim::synth::home_ops(160, 1, 4), "synthetic-160");
    let p = format!(
        "{}/benches/fixtures/joryirving-main.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let jory = model(&std::fs::read_to_string(&p).expect("fixture"), &p);
    for (name, m) in [
        ("002_31_objects", &m002),
        ("homeops_160_objects", &m160),
        ("joryirving_main_293_objects", &jory),
    ] {
        for threads in [1usize, 2] {
            g.throughput(Throughput::Elements(1000));
            g.bench_with_input(
                BenchmarkId::new(name, format!("{threads}_threads_1000_trials")),
                &threads,
                |b, &th| {
                    b.iter(|| {
                        monte_carlo(
                            m,
                            &McConfig {
                                seed: 1,
                                trials: 1000,
                                threads: th,
                            },
                            &|_| {},
                        )
                        .expect("pool")
                    });
                },
            );
        }
    }
    g.finish();
}

fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale_one_trial");
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    for n in [1_000usize, 10_000, 100_000] {
        let m = model(&fluxsim::synth::home_ops(n, 1, 50), "synthetic");
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &m, |b, m| {
            b.iter(|| fluxsim::flux::simulate(m, 1, 0))
        });
    }
    g.finish();
}

fn streaming(c: &mut Criterion) {
    let mut g = c.benchmark_group("streaming");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let m = model(&fluxsim::synth::home_ops(160, 1, 4), "synthetic-160");
    let cfg = McConfig {
        seed: 1,
        trials: 1000,
        threads: 2,
    };
    g.throughput(Throughput::Elements(1000));
    g.bench_function("homeops_160_stream_1000_trials", |b| {
        b.iter(|| monte_carlo_stats(&m, &cfg, &|_| {}).expect("pool"));
    });
    g.bench_function("homeops_160_collect_1000_trials", |b| {
        b.iter(|| monte_carlo(&m, &cfg, &|_| {}).expect("pool"));
    });
    let trials: Vec<_> = (0..1000).map(|i| trial_summary(&m, 1, i)).collect();
    for mode in [ReadyMode::Exact, ReadyMode::Sketch] {
        g.bench_function(format!("fold_1000_summaries_{mode:?}"), |b| {
            b.iter(|| {
                let mut st = McStats::new(m.objects.len(), mode);
                for (i, t) in trials.iter().enumerate() {
                    st.add(i as u64, t);
                }
                st
            });
        });
    }
    g.finish();
}

criterion_group!(benches, seeds, mc, scale, streaming);
criterion_main!(benches);
