//! Pure functions over a model and traces: critical path, statistics, stuck explanations.
//! Floats appear here and in `report`, never in the engine.

pub mod accumulate;
pub mod compare;
pub mod critical_path;
pub mod guesses;
pub mod sketch;
pub mod stats;
pub mod stuck;

pub use critical_path::{critical_path, Category, CriticalPath, Segment};
