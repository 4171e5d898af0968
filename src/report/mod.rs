//! Output: renders reports from runs and Monte Carlo results. Never simulates.

pub mod advise;
#[cfg(feature = "charts")]
pub mod chart;
pub mod check;
pub mod compare;
pub mod graph;
pub mod html;
pub mod mc;
pub mod observed;
#[cfg(feature = "charts")]
pub mod observed_chart;
pub mod partial;
pub mod run;
pub mod write;

pub use mc::McReport;
pub use run::RunReport;

/// Widest name column in text tables: longer names overflow their column instead of widening
/// every row (a width above 65,535 would not even format).
pub const MAX_NAME_COLUMN: usize = 60;

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 1;
