//! Validated domain data: "parse, don't validate". A [`Model`] is built from a parsed scenario
//! by [`build`], which applies Flux's defaults and resolves every reference.

mod build;
mod error;
mod links;
mod settings;
mod types;

pub use build::{build, kustomization_timeout, stage_of};
pub use error::ModelError;
pub use settings::{gate_effect, gate_notes};
pub use types::*;
