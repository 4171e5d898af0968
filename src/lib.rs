//! fluxsim: a deterministic discrete-event simulator of Flux bootstrap reconciliation.
//!
//! Data flows one way:
//! scenario file → [`scenario::load`] → [`model::build`] → [`flux::simulate`] (on the generic
//! [`engine`]) → [`trace::Trace`] → [`analysis`] (critical path, statistics) → [`report`].
//!
//! Nothing in the library prints or reads the clock; the binary is a thin layer over this API.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]

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
