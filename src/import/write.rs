//! Writing the imported scenario: every value from the repository is quoted or escaped, so
//! repository text can never add YAML structure; every guess is marked.

use super::cluster::Known;
use super::yaml::get_str;
use super::{flags, profiles, Found, Imported};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One controller's settings, each with where it came from (or that it is Flux's default).
fn write_controller(y: &mut String, c: &str, f: &flags::ControllerFlags) {
    let _ = writeln!(y, "  {c}:");
    match &f.concurrent {
        Some(s) => {
            let _ = writeln!(
                y,
                "    concurrent: {}  # --concurrent from {}",
                s.value,
                comment(&s.from)
            );
        }
        None => {
            let _ = writeln!(
                y,
                "    concurrent: 4  # Flux default (no --concurrent flag found)"
            );
        }
    }
    match &f.requeue_dependency {
        Some(s) if crate::time::parse_duration(&s.value).is_ok_and(|d| d > 0) => {
            let _ = writeln!(
                y,
                "    requeueDependency: {}  # --requeue-dependency from {}",
                q(&s.value),
                comment(&s.from)
            );
        }
        Some(s) => {
            let _ = writeln!(y, "    requeueDependency: 30s  # Flux default: --requeue-dependency {} at {} is not a duration", comment(&q(&s.value)), comment(&s.from));
        }
        None => {
            let _ = writeln!(
                y,
                "    requeueDependency: 30s  # Flux default (no --requeue-dependency flag found)"
            );
        }
    }
    if !f.feature_gates.is_empty() {
        let _ = writeln!(y, "    featureGates:");
        for (g, s) in &f.feature_gates {
            let _ = writeln!(
                y,
                "      {}: {}  # from {}",
                q(g),
                s.value,
                comment(&s.from)
            );
        }
    }
}

/// Repository text made safe for a YAML comment: one line, control characters shown escaped.
fn comment(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// Writes the scenario YAML. Values Flux would default are left out (fluxsim applies the same
/// defaults); guessed values are marked (`guessed: true` on every guessed readiness profile).
/// Every string from the repository is a JSON-quoted scalar and every comment is one line.
#[must_use]
pub fn to_scenario(imp: &Imported, repo_name: &str, entry: &str) -> String {
    let mut y = String::new();
    header(&mut y, imp, repo_name, entry);
    let mut w = Writer {
        imp,
        declared: BTreeSet::new(),
        bootstrap: vec![],
        held_res: BTreeMap::new(),
    };
    w.plan_held();
    w.plan_pre_flux();
    let mut body = String::new();
    let ks: Vec<usize> = (0..imp.objects.len())
        .filter(|i| imp.objects[*i].kind == "Kustomization")
        .collect();
    let hr: Vec<usize> = (0..imp.objects.len())
        .filter(|i| imp.objects[*i].kind == "HelmRelease")
        .collect();
    if !ks.is_empty() {
        body.push_str("kustomizations:\n");
    }
    for &i in &ks {
        w.kustomization(&mut body, i);
    }
    if !hr.is_empty() {
        body.push_str("helmReleases:\n");
    }
    for &i in &hr {
        w.helm_release(&mut body, i);
    }
    if ks.is_empty() && hr.is_empty() {
        body.push_str("kustomizations: []\n");
    }
    if !w.bootstrap.is_empty() {
        y.push_str("bootstrap:\n");
        for b in &w.bootstrap {
            let _ = writeln!(y, "  - {b}");
        }
    }
    y.push_str(&body);
    y
}

fn header(y: &mut String, imp: &Imported, repo_name: &str, entry: &str) {
    let _ = writeln!(
        y,
        "# Imported by `fluxsim import` from {}, entry point `{}`.",
        comment(repo_name),
        comment(entry)
    );
    let _ = writeln!(
        y,
        "# {} Kustomizations, {} HelmReleases, {} dependsOn edges. Timing fields come from the",
        imp.kustomizations(),
        imp.helm_releases(),
        imp.edges()
    );
    y.push_str("# manifests (after the parents' spec.patches and postBuild substitution); absent ones take\n");
    y.push_str(
        "# Flux's defaults. Workload readiness times are GUESSED (`guessed: true`) from chart\n",
    );
    y.push_str("# names (see `fluxsim::import::profiles`): edit them to match your cluster.\n");
    if !imp.pre_flux.releases.is_empty() {
        let _ = writeln!(
            y,
            "# bootstrap: holds the {} chart(s) installed before Flux (helmfile, helm CLI), one after\n# another; the HelmReleases that adopt them upgrade a ready release and get no workloads.",
            imp.pre_flux.releases.len()
        );
    }
    if !imp.resource_sets.is_empty() {
        let names: Vec<String> = imp.resource_sets.iter().map(|r| comment(&r.0)).collect();
        let _ = writeln!(
            y,
            "# Not modelled: {} ResourceSet(s): {}.",
            imp.resource_sets.len(),
            names.join(", ")
        );
    }
    let _ = writeln!(y, "name: {}", q(&format!("{repo_name}:{entry}")));
    y.push_str("horizon: 6h\ncontrollers:\n");
    for (c, f) in [
        ("kustomize", &imp.kustomize_flags),
        ("helm", &imp.helm_flags),
    ] {
        write_controller(y, c, f);
    }
}

/// A `{kind, name, namespace}` flow map.
fn obj_ref(kind: &str, name: &str, ns: &str) -> String {
    format!(
        "{{kind: {}, name: {}, namespace: {}}}",
        q(kind),
        q(name),
        q(ns)
    )
}

fn spec_str(o: &Found, p: &str) -> Option<String> {
    o.value.pointer(p).and_then(|v| {
        v.as_str()
            .map(str::to_string)
            .or_else(|| v.as_u64().map(|n| n.to_string()))
    })
}

struct Writer<'a> {
    imp: &'a Imported,
    /// Canonical `kind/ns/name` of every workload written (the model refuses duplicates).
    declared: BTreeSet<String>,
    /// `bootstrap:` entries (objects that exist before Flux starts).
    bootstrap: Vec<String>,
    /// ConfigMaps and Secrets to write as resources of a Kustomization (by index).
    held_res: BTreeMap<usize, Vec<String>>,
}

impl Writer<'_> {
    fn dep_list(&self, o: &Found) -> String {
        o.depends_on
            .iter()
            .map(|d| {
                let t = &self.imp.objects[*d];
                format!("{{name: {}, namespace: {}}}", q(&t.name), q(&t.namespace))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn kustomization(&mut self, y: &mut String, i: usize) {
        let imp = self.imp;
        let o = &imp.objects[i];
        let _ = writeln!(y, "  # {}:{}", comment(&o.file), o.line);
        let _ = writeln!(
            y,
            "  - name: {}\n    namespace: {}",
            q(&o.name),
            q(&o.namespace)
        );
        match spec_str(o, "/spec/interval") {
            Some(v) => {
                let _ = writeln!(y, "    interval: {}", q(&v));
            }
            None => {
                y.push_str("    interval: 10m  # GUESSED: spec.interval is required but absent\n")
            }
        }
        for (f, p) in [
            ("retryInterval", "/spec/retryInterval"),
            ("timeout", "/spec/timeout"),
        ] {
            if let Some(v) = spec_str(o, p) {
                let _ = writeln!(y, "    {f}: {}", q(&v));
            }
        }
        for f in ["wait", "suspend"] {
            if o.value
                .pointer(&format!("/spec/{f}"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                let _ = writeln!(y, "    {f}: true");
            }
        }
        if !o.depends_on.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", self.dep_list(o));
        }
        let (hcs, mut extra) = self.health_checks(o);
        if !hcs.is_empty() {
            let _ = writeln!(y, "    healthChecks: [{}]", hcs.join(", "));
        }
        self.substitute_from(y, i);
        extra.extend(self.held_res.remove(&i).unwrap_or_default());
        let children: Vec<usize> = (0..imp.objects.len())
            .filter(|c| imp.objects[*c].parent == Some(i))
            .collect();
        if !children.is_empty() || !extra.is_empty() {
            y.push_str("    resources:\n");
            for c in children {
                let co = &imp.objects[c];
                let _ = writeln!(y, "      - {}", obj_ref(co.kind, &co.name, &co.namespace));
            }
            for e in extra {
                let _ = writeln!(y, "      - {e}");
            }
        }
    }

    /// Health checks on imported Flux objects; other kinds become guessed workloads.
    fn health_checks(&mut self, o: &Found) -> (Vec<String>, Vec<String>) {
        let mut hcs = vec![];
        let mut extra = vec![];
        for h in o
            .value
            .pointer("/spec/healthChecks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = get_str(h, &["kind"]).unwrap_or("");
            let name = get_str(h, &["name"]).unwrap_or("");
            let hns = get_str(h, &["namespace"]).unwrap_or(&o.namespace);
            if kind == "HelmRelease" || kind == "Kustomization" {
                if self
                    .imp
                    .objects
                    .iter()
                    .any(|x| x.kind == kind && x.name == name && x.namespace == hns)
                {
                    hcs.push(obj_ref(kind, name, hns));
                }
            } else if !name.is_empty()
                && !kind.is_empty()
                && !name.contains("${")
                && self.declared.insert(format!("{kind}/{hns}/{name}"))
            {
                let (ready, _) = profiles::profile(name);
                extra.push(format!(
                    "{{kind: {}, name: {}, namespace: {}, ready: {ready}, guessed: true}}  # GUESSED readiness (health check target)",
                    q(kind),
                    q(name),
                    q(hns)
                ));
                hcs.push(obj_ref(kind, name, hns));
            }
        }
        (hcs, extra)
    }

    /// The `substituteFrom` references of Kustomization `i` that are ConfigMaps or Secrets:
    /// (kind, name, optional).
    fn refs(&self, i: usize) -> Vec<(String, String, bool)> {
        super::cluster::substitute_refs(&self.imp.objects[i].value)
    }

    /// Places each ConfigMap and Secret a `substituteFrom` reads (SPEC R5b): a resource of the
    /// Kustomization that applies it — its user itself included, which Flux never gets to
    /// apply (stuck, as on a real cluster) — or `bootstrap:` when the entry point's own sync
    /// applies it or it is created before Flux or guessed.
    fn plan_held(&mut self) {
        let imp = self.imp;
        for i in 0..imp.objects.len() {
            if imp.objects[i].kind != "Kustomization" {
                continue;
            }
            let ns = &imp.objects[i].namespace;
            for (kind, name, _) in self.refs(i) {
                let key = (kind.clone(), ns.clone(), name.clone());
                let Some(h) = imp.held.get(&key) else {
                    continue;
                };
                if !self.declared.insert(format!("{kind}/{ns}/{name}")) {
                    continue;
                }
                let r = obj_ref(&kind, &name, ns);
                let why = match h.known {
                    Known::Plain => "",
                    Known::Sops => " (SOPS-encrypted)",
                    Known::External => " (made by an ExternalSecret)",
                    Known::Guessed => " GUESSED: listed but not in this copy of the repository",
                    Known::PreFlux => " assumed created before Flux: this bootstrap file names it",
                    Known::Outside => " GUESSED: nothing in the repository creates it; assumed created before Flux",
                };
                let place = if h.line == 0 {
                    h.file.clone()
                } else {
                    format!("{}:{}", h.file, h.line)
                };
                let at = format!("  # {}{why}", comment(&place));
                match h.applier {
                    Some(a) if imp.objects[a].kind == "Kustomization" => {
                        let own = if a == i {
                            "; applied only by its own user: its build fails until it exists"
                        } else {
                            ""
                        };
                        self.held_res
                            .entry(a)
                            .or_default()
                            .push(format!("{r}{at}{own}"));
                    }
                    _ => self.bootstrap.push(format!("{r}{at}")),
                }
            }
        }
    }

    /// `postBuild.substituteFrom` of Kustomization `i`.
    fn substitute_from(&self, y: &mut String, i: usize) {
        let refs = self.refs(i);
        if refs.is_empty() {
            return;
        }
        y.push_str("    postBuild:\n      substituteFrom:\n");
        for (kind, name, optional) in refs {
            let _ = writeln!(
                y,
                "        - {{kind: {}, name: {}{}}}",
                q(&kind),
                q(&name),
                if optional { ", optional: true" } else { "" }
            );
        }
    }

    /// The charts a helmfile installs before Flux, in its order, as `bootstrap:` workloads
    /// with guessed readiness.
    fn plan_pre_flux(&mut self) {
        for r in &self.imp.pre_flux.releases {
            let (ready, kind) = profiles::profile(&r.chart);
            if !self
                .declared
                .insert(format!("{kind}/{}/{}", r.namespace, r.name))
            {
                continue;
            }
            self.bootstrap.push(format!(
                "{{kind: {kind}, name: {}, namespace: {}, ready: {ready}, guessed: true}}  # GUESSED readiness; {}:{} installs chart `{}` before Flux",
                q(&r.name),
                q(&r.namespace),
                comment(&r.file),
                r.line,
                comment(&r.chart)
            ));
        }
    }

    fn helm_release(&mut self, y: &mut String, i: usize) {
        let o = &self.imp.objects[i];
        let chart = spec_str(o, "/spec/chart/spec/chart")
            .or_else(|| spec_str(o, "/spec/chartRef/name"))
            .unwrap_or_else(|| o.name.clone());
        let _ = writeln!(y, "  # {}:{}", comment(&o.file), o.line);
        let _ = writeln!(
            y,
            "  - name: {}\n    namespace: {}",
            q(&o.name),
            q(&o.namespace)
        );
        let interval = spec_str(o, "/spec/interval").unwrap_or_else(|| "10m".into());
        let _ = writeln!(y, "    interval: {}", q(&interval));
        if let Some(t) = spec_str(o, "/spec/timeout") {
            let _ = writeln!(y, "    timeout: {}", q(&t));
        }
        write_install(y, o);
        let _ = writeln!(y, "    chart: {{chart: {}}}", q(&chart));
        if !o.depends_on.is_empty() {
            let _ = writeln!(y, "    dependsOn: [{}]", self.dep_list(o));
        }
        let (rname, rns) = release_of(o);
        if let Some(r) = self.imp.pre_flux.adopted(&rname, &rns) {
            // helm-controller finds the release in storage without history of it and
            // upgrades it: its workloads are already ready (the `bootstrap:` entry).
            let _ = writeln!(
                y,
                "    # already installed before Flux by {}:{} (bootstrap:): adopting it upgrades a ready release",
                comment(&r.file),
                r.line
            );
            return;
        }
        let tns = spec_str(o, "/spec/targetNamespace").unwrap_or_else(|| o.namespace.clone());
        let (ready, kind) = profiles::profile(&chart);
        let mut wname = o.name.clone();
        while !self.declared.insert(format!("{kind}/{tns}/{wname}")) {
            wname.push_str("-release");
        }
        let _ = writeln!(
            y,
            "    resources:\n      - {{kind: {kind}, name: {}, namespace: {}, ready: {ready}, guessed: true}}  # GUESSED stand-in for what chart `{}` installs",
            q(&wname),
            q(&tns),
            comment(&chart)
        );
    }
}

/// A HelmRelease's Helm release (name, namespace), as helm-controller names it: `releaseName`,
/// else `<targetNamespace>-<name>` when it has a target namespace, else its name; stored in its
/// `storageNamespace`, else its own namespace (helm-controller `GetStorageNamespace`).
pub(crate) fn release_of(o: &Found) -> (String, String) {
    let tns = spec_str(o, "/spec/targetNamespace").filter(|t| !t.is_empty());
    let name = spec_str(o, "/spec/releaseName")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            tns.as_ref()
                .map_or_else(|| o.name.clone(), |t| format!("{t}-{}", o.name))
        });
    let ns = spec_str(o, "/spec/storageNamespace")
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| o.namespace.clone());
    (name, ns)
}

/// A HelmRelease's `install` block (timeout, remediation retries, strategy).
fn write_install(y: &mut String, o: &Found) {
    let retries = o
        .value
        .pointer("/spec/install/remediation/retries")
        .and_then(Value::as_i64);
    let strategy = spec_str(o, "/spec/install/strategy/name");
    let itimeout = spec_str(o, "/spec/install/timeout");
    if retries.is_none() && strategy.is_none() && itimeout.is_none() {
        return;
    }
    y.push_str("    install:\n");
    if let Some(t) = itimeout {
        let _ = writeln!(y, "      timeout: {}", q(&t));
    }
    match retries {
        // A negative value means "retry forever" in Flux; RetryOnFailure is the model's
        // equivalent.
        Some(r) if r < 0 => {
            let _ = writeln!(
                y,
                "      strategy: {{name: RetryOnFailure}}  # remediation.retries: {r} (forever)"
            );
        }
        Some(r) => {
            let _ = writeln!(y, "      remediation: {{retries: {r}}}");
        }
        None => {}
    }
    if let Some(s) = strategy.filter(|_| retries.is_none_or(|r| r >= 0)) {
        let _ = writeln!(y, "      strategy: {{name: {}}}", q(&s));
    }
}
