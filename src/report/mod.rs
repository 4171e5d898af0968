//! Output: renders reports from runs and Monte Carlo results. Never simulates.

pub mod chart;
pub mod check;
pub mod compare;
pub mod graph;
pub mod mc;
pub mod observed;
pub mod observed_chart;
pub mod run;
pub mod write;

pub use mc::McReport;
pub use run::RunReport;

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 1;
