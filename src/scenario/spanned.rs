//! A value with its line and column in the scenario file, in 8 bytes.
//!
//! The YAML parser's own `Spanned` keeps two full positions (56 bytes) for every value, which
//! made the raw form of a 1,000,000-object scenario several GB. Diagnostics only ever print the
//! line and column where the value is written, so that is all this keeps.

use serde::{Deserialize, Deserializer};

/// A line and column in the scenario file (1-based), or [`Location::UNKNOWN`] (0, 0) when the
/// value has no position (parsed by the JSON parser, or made by code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    line: u32,
    column: u32,
}

impl Location {
    /// No position.
    pub const UNKNOWN: Self = Self { line: 0, column: 0 };

    /// 1-based line (0: unknown).
    #[must_use]
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }

    /// 1-based column (0: unknown).
    #[must_use]
    pub fn column(&self) -> u64 {
        u64::from(self.column)
    }
}

impl From<serde_saphyr::Location> for Location {
    fn from(l: serde_saphyr::Location) -> Self {
        // A file is at most `MAX_SCENARIO_BYTES` (< 4 GiB), so neither can overflow.
        Self {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        }
    }
}

/// A value and where it is written (for an alias: where the alias is, as diagnostics point).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub referenced: Location,
}

impl<T> Spanned<T> {
    /// `value` at `referenced`.
    pub const fn new(value: T, referenced: Location) -> Self {
        Self { value, referenced }
    }
}

thread_local! {
    /// Set while the JSON parser reads a scenario: it has no positions to give, and the YAML
    /// parser's span wrapper costs it a copied map key and an adapter per value.
    static PLAIN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every [`Spanned`] it deserializes on this thread read as its bare value at
/// [`Location::UNKNOWN`] (for a parser that knows no positions).
pub(crate) fn without_positions<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the flag back even if `f` unwinds.
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            PLAIN.with(|p| p.set(self.0));
        }
    }
    let _reset = Reset(PLAIN.with(|p| p.replace(true)));
    f()
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if PLAIN.with(std::cell::Cell::get) {
            return Ok(Self::new(T::deserialize(d)?, Location::UNKNOWN));
        }
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Self::new(s.value, s.referenced.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    // The JSON path reads bare values at no position, also when it fails, and leaves the YAML
    // path's positions alone afterwards.
    #[test]
    fn without_positions_reads_bare_values_and_puts_the_flag_back() {
        let v: Spanned<String> =
            without_positions(|| serde_json::from_str("\"5m\"")).expect("a string");
        assert_eq!(v, Spanned::new("5m".to_string(), Location::UNKNOWN));
        let bad: Result<Spanned<u32>, _> = without_positions(|| serde_json::from_str("\"x\""));
        assert!(bad.is_err());
        assert!(!PLAIN.with(std::cell::Cell::get));
        let m: BTreeMap<String, Spanned<String>> =
            serde_saphyr::from_str("a: 1m\nb: 5m\n").expect("a map");
        assert_eq!(
            (m["b"].referenced.line(), m["b"].referenced.column()),
            (2, 4)
        );
    }
}
