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

/// The text a CSV writer into memory holds (its flush and UTF-8 errors as CSV errors; neither
/// happens for records of strings).
///
/// # Errors
/// Never in practice.
pub(crate) fn csv_text(w: csv::Writer<Vec<u8>>) -> Result<String, csv::Error> {
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    String::from_utf8(bytes)
        .map_err(|e| csv::Error::from(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 1;
