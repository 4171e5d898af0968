//! fluxsim: a deterministic discrete-event simulator of Flux bootstrap reconciliation.
//!
//! Data flows one way:
//! scenario file → [`scenario::load`] → [`model::build`] → [`flux::simulate`] (on the generic
//! [`engine`]) → [`trace::Trace`] → [`analysis`] (critical path, statistics) → [`report`].
//!
//! Nothing in the library prints or reads the clock; the binary is a thin layer over this API.
//! The rules the simulator applies are explained for users in `docs/model.md`.
//!
//! # Load, run, Monte Carlo, compare
//!
//! ```
//! use fluxsim::{analysis, model, report, runner, scenario};
//!
//! // A parent with a slow Deployment and a child that depends on it. A file works the same
//! // way through `scenario::load(path)`; `scenario::builder` builds one in code.
//! let yaml = "
//! name: pair
//! kustomizations:
//!   - name: infra
//!     wait: true
//!     resources: [{kind: Deployment, name: coredns, namespace: kube-system, ready: 20s}]
//!   - name: apps
//!     dependsOn: [infra]
//! ";
//! let sc = scenario::parse(yaml, "pair.yaml").expect("valid YAML");
//! let m = model::build(&sc).expect("valid scenario");
//!
//! // One trial: infra's finalizer 750ms, apply 1s, Deployment ready 20s later → 21.75s;
//! // apps polls at 0.75s and 30.75s, then applies in 1s → bootstrap done at 31.75s.
//! let one = runner::run_once(&m, 1, 0);
//! assert_eq!(one.trace.makespan_ms, Some(31_750));
//! let cp = one.critical_path.expect("finished");
//! assert_eq!(cp.segments.last().unwrap().end_ms, 31_750);
//!
//! // Objects, workloads and sources have their own id types: an `ObjectId` indexes the
//! // per-object data of the model and the trace, and nothing else.
//! let infra: model::ObjectId = m.find_object("infra").expect("declared");
//! assert_eq!(m.objects[infra].name, "infra");
//! assert_eq!(one.trace.ready_ms[infra], Some(21_750));
//!
//! // Monte Carlo: byte-identical for a seed on any number of threads.
//! let cfg = runner::McConfig { seed: 1, trials: 200, threads: 1 };
//! let a = runner::monte_carlo(&m, &cfg, &|_| {}).expect("thread pool");
//! let stats = report::McReport::new(&m, cfg.seed, &a);
//! assert_eq!(stats.makespan_ms.p50, Some(31_750));
//!
//! // What-if on the same random numbers: a 5s dependency requeue.
//! let mut raw_b = scenario::parse(yaml, "pair.yaml").unwrap();
//! let edit = scenario::edit::Edit::set("controller.requeue_dependency=5s").unwrap();
//! scenario::edit::apply(&mut raw_b.raw, &[edit]).unwrap();
//! let mb = model::build(&raw_b).unwrap();
//! let b = runner::monte_carlo(&mb, &cfg, &|_| {}).unwrap();
//! let cmp = analysis::compare::compare(&m, &a, &mb, &b, cfg.seed);
//! // apps now finds infra Ready at its 25.75s poll (0.75 + 5·5): 26.75s, 5s faster.
//! assert_eq!(cmp.p50.change_ms, Some(-5_000));
//! ```

// No unsafe code anywhere in the library (the binary has none either).
#![forbid(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

pub mod advise;
pub mod analysis;
pub mod calibrate;
pub mod dist;
pub mod engine;
pub mod flux;
pub mod import;
pub mod model;
pub mod observe;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod synth;
pub mod time;
pub mod trace;
