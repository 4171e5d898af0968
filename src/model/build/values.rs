//! Value checks (R9, R12, distributions): durations, positive durations and timing
//! distributions, each problem reported with the value's file position.

use super::Ctx;
use crate::dist::Dist;
use crate::scenario::schema::RawDist;
use crate::scenario::spanned::{Location, Spanned};
use crate::time::parse_duration;

impl Ctx<'_> {
    pub(super) fn dur(&mut self, s: &Spanned<String>, what: &str) -> Option<u64> {
        match parse_duration(&s.value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(
                    s.referenced,
                    format!("{what}: {e}"),
                    Some("use Go duration syntax such as `30s`, `5m` or `1h30m`".into()),
                );
                None
            }
        }
    }
    pub(super) fn dur_opt(&mut self, s: &Option<Spanned<String>>, what: &str) -> Option<u64> {
        s.as_ref().and_then(|s| self.dur(s, what))
    }
    pub(super) fn positive(&mut self, s: &Option<Spanned<String>>, what: &str) -> Option<u64> {
        let v = self.dur_opt(s, what)?;
        if v == 0 {
            let loc = s.as_ref().map_or(Location::UNKNOWN, |s| s.referenced);
            self.err(
                loc,
                format!("{what} must be above zero"),
                Some("give a positive duration such as `1m`".into()),
            );
            return None;
        }
        Some(v)
    }
    pub(super) fn dist(
        &mut self,
        d: &Spanned<RawDist>,
        what: impl std::fmt::Display + Copy,
    ) -> Option<Dist> {
        let loc = d.referenced;
        let p = |c: &mut Self, s: &str| -> Option<u64> {
            match parse_duration(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    c.err(
                        loc,
                        format!("{what}: {e}"),
                        Some("use Go duration syntax such as `30s`".into()),
                    );
                    None
                }
            }
        };
        match &d.value {
            RawDist::Fixed(s) | RawDist::MapFixed(s) => p(self, s).map(Dist::Fixed),
            RawDist::NotOne(n) => {
                self.err(loc, format!("{what}: a distribution needs exactly one of fixed, uniform, exponential, lognormal, triangular, pert, empirical (found {n})"), Some("e.g. `{lognormal: {median: 30s, p95: 90s}}`".into()));
                None
            }
            RawDist::Uniform(u) => {
                let (a, b) = (p(self, &u.min)?, p(self, &u.max)?);
                if b < a {
                    self.err(
                        loc,
                        format!("{what}: uniform max is below min"),
                        Some("swap min and max".into()),
                    );
                    return None;
                }
                Some(Dist::Uniform { min: a, max: b })
            }
            RawDist::Exponential(e) => {
                let mean = p(self, &e.mean)?;
                let offset = match &e.offset {
                    Some(o) => p(self, o)?,
                    None => 0,
                };
                if mean == 0 {
                    self.err(
                        loc,
                        format!("{what}: exponential mean must be above zero"),
                        None,
                    );
                    return None;
                }
                Some(Dist::Exponential { mean, offset })
            }
            RawDist::LogNormal(l) => {
                let (med, p95) = (p(self, &l.median)?, p(self, &l.p95)?);
                match Dist::lognormal(med, p95) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.err(
                            loc,
                            format!("{what}: {e}"),
                            Some(
                                "p95 must be above the median, e.g. `{median: 30s, p95: 90s}`"
                                    .into(),
                            ),
                        );
                        None
                    }
                }
            }
            RawDist::Triangular(t) | RawDist::Pert(t) => {
                let (a, c, b) = (p(self, &t.min)?, p(self, &t.mode)?, p(self, &t.max)?);
                if !(a <= c && c <= b) {
                    self.err(loc, format!("{what}: needs min ≤ mode ≤ max"), None);
                    return None;
                }
                Some(if matches!(d.value, RawDist::Pert(_)) {
                    Dist::Pert {
                        min: a,
                        mode: c,
                        max: b,
                    }
                } else {
                    Dist::Triangular {
                        min: a,
                        mode: c,
                        max: b,
                    }
                })
            }
            RawDist::Empirical(v) => {
                if v.is_empty() {
                    self.err(
                        loc,
                        format!("{what}: empirical needs at least one sample"),
                        None,
                    );
                    return None;
                }
                let mut out = Vec::with_capacity(v.len());
                for s in v {
                    out.push(p(self, s)?);
                }
                Some(Dist::Empirical(out))
            }
        }
    }
}
