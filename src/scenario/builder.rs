//! Building a scenario from code.
//!
//! The builder writes scenario YAML (every string quoted, so no name can change the
//! document's structure) and parses it with [`parse`](super::parse()): a scenario built in
//! code is validated exactly like a file, with the same diagnostics and defaults.
//!
//! ```
//! use fluxsim::scenario::builder::{Kustomization, ScenarioBuilder, Workload};
//!
//! let sc = ScenarioBuilder::new("two-step")
//!     .kustomization(
//!         Kustomization::new("infra")
//!             .wait(true)
//!             .apply("2s")
//!             .resource(Workload::new("Deployment", "coredns").namespace("kube-system").ready("10s")),
//!     )
//!     .kustomization(Kustomization::new("apps").depends_on("infra"))
//!     .build()
//!     .unwrap();
//! let model = fluxsim::model::build(&sc).unwrap();
//! let out = fluxsim::runner::run_once(&model, 1, 0);
//! // infra: finalizer 750ms, apply 2s, Deployment ready 10s later → 12.75s.
//! // apps polls at 0.75s (infra not Ready) and again at 30.75s, then applies in the
//! // default 1s → Ready at 31.75s.
//! assert_eq!(out.trace.makespan_ms, Some(31_750));
//! ```

use super::{parse, Diagnostics, Scenario};
use std::fmt::Write as _;

/// A scenario under construction.
#[derive(Clone, Debug, Default)]
pub struct ScenarioBuilder {
    name: String,
    horizon: Option<String>,
    kustomize: Vec<(String, String)>,
    helm: Vec<(String, String)>,
    kustomizations: Vec<Kustomization>,
    helm_releases: Vec<HelmRelease>,
}

/// A Kustomization under construction.
#[derive(Clone, Debug, Default)]
pub struct Kustomization {
    fields: Vec<(String, String)>,
    depends_on: Vec<String>,
    resources: Vec<Workload>,
}

/// A HelmRelease under construction.
#[derive(Clone, Debug, Default)]
pub struct HelmRelease {
    fields: Vec<(String, String)>,
    depends_on: Vec<String>,
    resources: Vec<Workload>,
}

/// An object a Kustomization or HelmRelease applies.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    fields: Vec<(String, String)>,
    needs: Vec<String>,
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn flow(fields: &[(String, String)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    parts.join(", ")
}

fn list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| q(s)).collect();
    format!("[{}]", parts.join(", "))
}

impl ScenarioBuilder {
    /// A scenario called `name`.
    #[must_use]
    pub fn new(name: &str) -> Self {
        ScenarioBuilder {
            name: name.to_string(),
            ..Self::default()
        }
    }
    /// `horizon` (a Go duration such as `2h`).
    #[must_use]
    pub fn horizon(mut self, d: &str) -> Self {
        self.horizon = Some(d.to_string());
        self
    }
    /// kustomize-controller `--concurrent`.
    #[must_use]
    pub fn kustomize_concurrent(mut self, n: u32) -> Self {
        self.kustomize.push(("concurrent".into(), n.to_string()));
        self
    }
    /// kustomize-controller `--requeue-dependency`.
    #[must_use]
    pub fn kustomize_requeue_dependency(mut self, d: &str) -> Self {
        self.kustomize.push(("requeueDependency".into(), q(d)));
        self
    }
    /// helm-controller `--concurrent`.
    #[must_use]
    pub fn helm_concurrent(mut self, n: u32) -> Self {
        self.helm.push(("concurrent".into(), n.to_string()));
        self
    }
    /// Adds a Kustomization.
    #[must_use]
    pub fn kustomization(mut self, k: Kustomization) -> Self {
        self.kustomizations.push(k);
        self
    }
    /// Adds a HelmRelease.
    #[must_use]
    pub fn helm_release(mut self, h: HelmRelease) -> Self {
        self.helm_releases.push(h);
        self
    }

    /// The scenario as YAML text.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let mut y = format!("name: {}\n", q(&self.name));
        if let Some(h) = &self.horizon {
            let _ = writeln!(y, "horizon: {}", q(h));
        }
        if !self.kustomize.is_empty() || !self.helm.is_empty() {
            let _ = writeln!(
                y,
                "controllers:\n  kustomize: {{{}}}\n  helm: {{{}}}",
                flow(&self.kustomize),
                flow(&self.helm)
            );
        }
        let sections = [
            (
                "kustomizations",
                self.kustomizations
                    .iter()
                    .map(|k| (&k.fields, &k.depends_on, &k.resources))
                    .collect::<Vec<_>>(),
            ),
            (
                "helmReleases",
                self.helm_releases
                    .iter()
                    .map(|h| (&h.fields, &h.depends_on, &h.resources))
                    .collect(),
            ),
        ];
        for (section, objects) in sections {
            if objects.is_empty() {
                continue;
            }
            let _ = writeln!(y, "{section}:");
            for (fields, deps, resources) in objects {
                write_object(&mut y, fields, deps, resources);
            }
        }
        y
    }

    /// Parses the built scenario, with the same validation as a file.
    ///
    /// # Errors
    /// The scenario is not valid (for example a bad duration); the diagnostics name the field.
    pub fn build(&self) -> Result<Scenario, Diagnostics> {
        parse(&self.to_yaml(), &format!("{}.yaml", self.name))
    }
}

fn write_object(y: &mut String, fields: &[(String, String)], deps: &[String], res: &[Workload]) {
    let _ = writeln!(y, "  - {}", flow(&fields[..1]));
    for (k, v) in &fields[1..] {
        let _ = writeln!(y, "    {k}: {v}");
    }
    if !deps.is_empty() {
        let _ = writeln!(y, "    dependsOn: {}", list(deps));
    }
    if !res.is_empty() {
        let _ = writeln!(y, "    resources:");
        for w in res {
            let mut f = w.fields.clone();
            if !w.needs.is_empty() {
                f.push(("needs".into(), list(&w.needs)));
            }
            let _ = writeln!(y, "      - {{{}}}", flow(&f));
        }
    }
}

macro_rules! setters {
    ($t:ty) => {
        impl $t {
            /// A new object called `name`.
            #[must_use]
            pub fn new(name: &str) -> Self {
                let mut s = Self::default();
                s.fields.push(("name".into(), q(name)));
                s
            }
            /// `metadata.namespace`.
            #[must_use]
            pub fn namespace(mut self, ns: &str) -> Self {
                self.fields.push(("namespace".into(), q(ns)));
                self
            }
            /// `spec.interval`.
            #[must_use]
            pub fn interval(mut self, d: &str) -> Self {
                self.fields.push(("interval".into(), q(d)));
                self
            }
            /// `spec.timeout`.
            #[must_use]
            pub fn timeout(mut self, d: &str) -> Self {
                self.fields.push(("timeout".into(), q(d)));
                self
            }
            /// Time per attempt to build and apply (a Go duration: a fixed time).
            #[must_use]
            pub fn apply(mut self, d: &str) -> Self {
                self.fields.push(("apply".into(), q(d)));
                self
            }
            /// Adds a `dependsOn` entry (`name` or `namespace/name`).
            #[must_use]
            pub fn depends_on(mut self, name: &str) -> Self {
                self.depends_on.push(name.to_string());
                self
            }
            /// Adds an object it applies.
            #[must_use]
            pub fn resource(mut self, w: Workload) -> Self {
                self.resources.push(w);
                self
            }
        }
    };
}
setters!(Kustomization);
setters!(HelmRelease);

impl Kustomization {
    /// `spec.wait`.
    #[must_use]
    pub fn wait(mut self, on: bool) -> Self {
        self.fields.push(("wait".into(), on.to_string()));
        self
    }
    /// `spec.retryInterval`.
    #[must_use]
    pub fn retry_interval(mut self, d: &str) -> Self {
        self.fields.push(("retryInterval".into(), q(d)));
        self
    }
}

impl Workload {
    /// An object of `kind` called `name` (a Deployment, a CRD, a HelmRelease it creates, …).
    #[must_use]
    pub fn new(kind: &str, name: &str) -> Self {
        Workload {
            fields: vec![("kind".into(), q(kind)), ("name".into(), q(name))],
            needs: vec![],
        }
    }
    /// Its namespace.
    #[must_use]
    pub fn namespace(mut self, ns: &str) -> Self {
        self.fields.push(("namespace".into(), q(ns)));
        self
    }
    /// A fixed readiness time (a Go duration).
    #[must_use]
    pub fn ready(mut self, d: &str) -> Self {
        self.fields.push(("ready".into(), q(d)));
        self
    }
    /// A lognormal readiness time by median and 95th percentile.
    #[must_use]
    pub fn ready_lognormal(mut self, median: &str, p95: &str) -> Self {
        let v = format!("{{lognormal: {{median: {}, p95: {}}}}}", q(median), q(p95));
        self.fields.push(("ready".into(), v));
        self
    }
    /// A workload it needs at run time (it crash-loops until that one is ready).
    #[must_use]
    pub fn needs(mut self, name: &str) -> Self {
        self.needs.push(name.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_inject_structure() {
        let b = ScenarioBuilder::new("x").kustomization(Kustomization::new("a\nfaults: []"));
        let sc = b.build().unwrap();
        assert_eq!(sc.raw.kustomizations[0].value.name.value, "a\nfaults: []");
        assert!(sc.raw.faults.is_empty());
    }

    #[test]
    fn bad_values_get_the_file_diagnostics() {
        let b = ScenarioBuilder::new("x").kustomization(Kustomization::new("a").interval("soon"));
        let sc = b.build().unwrap();
        let e = crate::model::build(&sc)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.yaml") && e.contains("soon"), "{e}");
    }
}
