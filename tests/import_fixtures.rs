//! The importer on small fixture repositories written for these tests (tests/fixtures/import),
//! one per pattern it supports. Every expected DAG below was worked out by hand from the
//! fixture's manifests and the rules of Flux and kustomize quoted in each test.

use fluxsim::import::{import, to_scenario, ImportOptions, Imported};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import"
    ))
    .join(name)
}

fn run_import(name: &str, entry: &str) -> Imported {
    import(
        &fixture(name),
        &ImportOptions {
            entry: entry.into(),
            source_root: None,
        },
    )
}

/// One line per object: `Kind ns/name <- parent [deps]`, sorted.
fn dag(imp: &Imported) -> Vec<String> {
    let id = |i: usize| {
        let o = &imp.objects[i];
        format!("{}/{}", o.namespace, o.name)
    };
    let mut v: Vec<String> = imp
        .objects
        .iter()
        .map(|o| {
            let deps: Vec<String> = o.depends_on.iter().map(|d| id(*d)).collect();
            format!(
                "{} {}/{} <- {} [{}]",
                o.kind,
                o.namespace,
                o.name,
                o.parent.map_or("entry".to_string(), id),
                deps.join(",")
            )
        })
        .collect();
    v.sort();
    v
}

fn find<'a>(imp: &'a Imported, kind: &str, ns_name: &str) -> &'a fluxsim::import::Found {
    imp.objects
        .iter()
        .find(|o| o.kind == kind && format!("{}/{}", o.namespace, o.name) == ns_name)
        .unwrap_or_else(|| panic!("no {kind} {ns_name}: {:?}", dag(imp)))
}

fn spec<'a>(o: &'a fluxsim::import::Found, p: &str) -> Option<&'a serde_json::Value> {
    o.value.pointer(p)
}

/// The written scenario parses, validates and runs to completion.
fn scenario_runs(imp: &Imported, entry: &str) -> fluxsim::model::Model {
    let yaml = to_scenario(imp, "fixture", entry);
    let sc =
        fluxsim::scenario::parse(&yaml, "imported.yaml").unwrap_or_else(|d| panic!("{d}\n{yaml}"));
    let m = fluxsim::model::build(&sc).unwrap_or_else(|d| panic!("{d}\n{yaml}"));
    assert_eq!(m.objects.len(), imp.objects.len());
    assert_eq!(m.edge_count(), imp.edges());
    let out = fluxsim::runner::run_once(&m, 1, 0);
    assert!(
        out.trace.makespan_ms.is_some(),
        "stuck: {:?}\n{yaml}",
        out.stuck.first()
    );
    m
}

/// tests/fixtures/import/kustomize, by hand:
/// - the entry `cluster` has no kustomization file, so Flux's generator reads every manifest
///   below it (`apps.yaml`, `nested/deeper/reloader.yaml`), except that `sub/` holds a
///   kustomization file and is one unit: only its listed `tools.yaml`, never `not-listed.yaml`;
/// - objects at the entry without a namespace get flux-system (HelmRelease reloader);
/// - `tools` (namespace tools) applies `tools/helmrelease.yaml`: tool-a takes its parent's
///   namespace;
/// - `apps/kustomization.yaml` sets `namespace: outer`, which wins over `apps/db`'s inner
///   `namespace: inner` and over `metadata.namespace: ignored`: db, db-migrate, web-frontend are
///   in `outer`; the commented-out document and the empty documents are not objects;
/// - its replacement copies ConfigMap settings' `data.tns` (from the component) into every
///   Kustomization's `spec.targetNamespace`, so the HelmReleases under db and web-frontend are
///   in `apps-ns` (over `metadata.namespace: somewhere-else`);
/// - db substitutes APP=db (an anchor-alias of its name): `${APP}-postgres` → db-postgres;
/// - frontend `dependsOn: db-postgres` without namespace means its own namespace, apps-ns;
/// - patches: `patch-db.yaml` (strategic merge, matched by kind and name) sets db's timeout 4m
///   without becoming an object; the JSON 6902 patch on name regex `web-.*` adds wait: true to
///   web-frontend only; the one on label `tier=data` replaces db's interval with 15m; the one
///   on db-migrate tests its interval is 1h, then copies it into retryInterval;
/// - `--- # comment` separates documents like `---`.
#[test]
fn kustomize_patterns_give_the_exact_dag() {
    let imp = run_import("kustomize", "cluster");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease apps-ns/db-postgres <- outer/db []",
            "HelmRelease apps-ns/frontend <- outer/web-frontend [apps-ns/db-postgres]",
            "HelmRelease flux-system/reloader <- entry []",
            "HelmRelease tools/tool-a <- tools/tools []",
            "Kustomization flux-system/apps <- entry []",
            "Kustomization outer/db <- flux-system/apps []",
            "Kustomization outer/db-migrate <- flux-system/apps [outer/db]",
            "Kustomization outer/web-frontend <- flux-system/apps [outer/db-migrate]",
            "Kustomization tools/tools <- entry []",
        ]
    );
    let db = find(&imp, "Kustomization", "outer/db");
    assert_eq!(spec(db, "/spec/timeout").unwrap(), "4m");
    assert_eq!(spec(db, "/spec/interval").unwrap(), "15m");
    assert_eq!(spec(db, "/spec/targetNamespace").unwrap(), "apps-ns");
    assert!(spec(db, "/spec/wait").is_none());
    let web = find(&imp, "Kustomization", "outer/web-frontend");
    assert_eq!(spec(web, "/spec/wait").unwrap(), true);
    assert_eq!(spec(web, "/spec/interval").unwrap(), "1h");
    let migrate = find(&imp, "Kustomization", "outer/db-migrate");
    assert_eq!(spec(migrate, "/spec/interval").unwrap(), "1h");
    assert!(spec(migrate, "/spec/timeout").is_none());
    assert_eq!(spec(migrate, "/spec/retryInterval").unwrap(), "1h");
    let m = scenario_runs(&imp, "cluster");
    let wf = &m.objects[m.find_object("outer/web-frontend").unwrap()];
    assert!(wf.wait);
    // SPEC R3 defaults: timeout = interval − 30s when absent; 4m when patched.
    let dbm = &m.objects[m.find_object("outer/db").unwrap()];
    assert_eq!((dbm.interval, dbm.timeout), (900_000, 240_000));
}

/// tests/fixtures/import/flux, by hand:
/// - `infra` substitutes CLUSTER=home (inline) and DOMAIN, TIER from ConfigMap
///   flux-system/cluster-vars (its own namespace): children `net-${CLUSTER}` → net-home,
///   `certs-${TIER}` → certs-gold, whose `dependsOn: net-${CLUSTER}` → net-home;
///   `${INTERVAL:=20m}` → 20m;
/// - infra's `spec.patches` (strategic merge on every Kustomization; scalars override) gives
///   both children timeout 3m, applied before substitution and without renaming them;
/// - certs-gold's own 6902 patch names `$${APP}-crds`: infra's pass turns the escape into
///   `${APP}-crds`, certs-gold substitutes APP=certs, so certs-issuer dependsOn certs-crds;
/// - HelmRelease coredns dependsOn cilium (same namespace kube-system);
/// - the flux-system Kustomization of gotk-sync.yaml points at the entry itself: an object
///   at the entry, not walked again;
/// - controller flags: the patch of both controllers adds `--concurrent=12` and
///   `--requeue-dependency=5s` (SPEC R18).
#[test]
fn flux_patterns_give_the_exact_dag() {
    let imp = run_import("flux", "clusters/home");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease flux-system/certs-crds <- flux-system/certs-gold []",
            "HelmRelease flux-system/certs-issuer <- flux-system/certs-gold [flux-system/certs-crds]",
            "HelmRelease kube-system/cilium <- flux-system/net-home []",
            "HelmRelease kube-system/coredns <- flux-system/net-home [kube-system/cilium]",
            "Kustomization flux-system/certs-gold <- flux-system/infra [flux-system/net-home]",
            "Kustomization flux-system/flux-system <- entry []",
            "Kustomization flux-system/infra <- entry []",
            "Kustomization flux-system/net-home <- flux-system/infra []",
        ]
    );
    let net = find(&imp, "Kustomization", "flux-system/net-home");
    assert_eq!(spec(net, "/spec/interval").unwrap(), "20m");
    assert_eq!(spec(net, "/spec/timeout").unwrap(), "3m");
    let certs = find(&imp, "Kustomization", "flux-system/certs-gold");
    assert_eq!(spec(certs, "/spec/timeout").unwrap(), "3m");
    assert!(
        imp.warnings
            .iter()
            .all(|w| !w.message.contains("unresolved")),
        "{:?}",
        imp.warnings
    );
    let m = scenario_runs(&imp, "clusters/home");
    // SPEC R18: the flags the repository sets.
    assert_eq!(m.kustomize.concurrent, 12);
    assert_eq!(m.helm.concurrent, 12);
    assert_eq!(m.kustomize.requeue_dependency, 5_000);
    let coredns = &m.objects[m.find_object("kube-system/coredns").unwrap()];
    assert_eq!(coredns.timeout, 420_000);
}

/// tests/fixtures/import/artifact, by hand: infra-controllers reads ExternalArtifact `infra`,
/// whose copy rule `@repo/infrastructure/** → @artifact/` maps `./controllers` to
/// `infrastructure/controllers` (HelmRelease cert-manager/cert-manager). That folder also holds
/// the ArtifactGenerator of `apps` (`@mono/apps/base/** → @artifact/`), so `apps`' `./web` is
/// resolved only after it was walked: `apps/base/web` (HelmRelease web/web). `tenant` reads an
/// external GitRepository: an object without children, reported with its file and line.
#[test]
fn external_artifacts_and_external_sources() {
    let imp = run_import("artifact", "clusters/prod");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease cert-manager/cert-manager <- flux-system/infra-controllers []",
            "HelmRelease web/web <- flux-system/apps []",
            "Kustomization flux-system/apps <- entry [flux-system/infra-controllers]",
            "Kustomization flux-system/infra-controllers <- entry []",
            "Kustomization flux-system/tenant <- entry []",
        ]
    );
    let w = imp
        .warnings
        .iter()
        .find(|w| {
            w.message
                .contains("external source GitRepository/team-repo")
        })
        .expect("external source reported");
    assert_eq!((w.file.as_str(), w.line), ("clusters/prod/ks.yaml", 28));
    scenario_runs(&imp, "clusters/prod");
}

/// tests/fixtures/import/jinja, by hand: `.j2` templates are read with `#% %#` and `#| |#`
/// lines dropped and `#{ }#` replaced, so both branches of every conditional are kept (the
/// graph is a superset: spegel and its dependsOn cilium are in). Paths are written for the
/// rendered layout, so the source root is `template/config/`; kustomize `namespace: network`
/// puts both Kustomizations in network, and their HelmReleases inherit it.
#[test]
fn makejinja_templates_are_stripped_to_a_superset() {
    let imp = run_import("jinja", "template/config/kubernetes/flux/cluster");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease network/cilium <- network/cilium []",
            "HelmRelease network/spegel <- network/spegel []",
            "Kustomization flux-system/cluster-apps <- entry []",
            "Kustomization network/cilium <- flux-system/cluster-apps []",
            "Kustomization network/spegel <- flux-system/cluster-apps [network/cilium]",
        ]
    );
    assert_eq!(imp.jinja_files, 5, "the templates with makejinja syntax");
    assert!(
        imp.source_root.contains("`template/config/`"),
        "{}",
        imp.source_root
    );
    assert!(imp.warnings.iter().any(|w| w.message.contains("superset")));
    // Issue 15.4: the bootstrap helmfile template (both `#% if %#` branches give `needs`; the
    // last wins) installs cilium then spegel before Flux; both HelmReleases adopt them.
    let pre: Vec<String> = imp
        .pre_flux
        .releases
        .iter()
        .map(|r| format!("{}/{}:{}", r.namespace, r.name, r.line))
        .collect();
    assert_eq!(pre, ["network/cilium:3", "network/spegel:7"]);
    let yaml = to_scenario(&imp, "fixture", "template/config/kubernetes/flux/cluster");
    assert_eq!(
        yaml.matches(
            "# already installed before Flux by template/config/bootstrap/helmfile/apps.yaml.j2:"
        )
        .count(),
        2,
        "{yaml}"
    );
    scenario_runs(&imp, "template/config/kubernetes/flux/cluster");
}

/// tests/fixtures/import/instance, by hand. Entry point and root source as Flux finds them:
/// the only sync definition is the FluxInstance in the flux-instance HelmRelease's
/// `values.instance` (outside the entry folder): path `kubernetes/flux/cluster`, source
/// GitRepository `home`, so `web` (sourceRef GitRepository flux-system) reads another
/// repository. Controller flags (SPEC R18), in the order the cluster applies them:
/// `cluster.size: medium` gives both controllers `--concurrent=10 --requeue-dependency=5s`;
/// the first patch adds `--concurrent=16` to kustomize-controller (the last one wins); the
/// strategic-merge patch on both containers (merged on `name`) keeps their args; helm-controller
/// gets `OOMWatch=true,DefaultToRetryOnFailure=false` then `DefaultToRetryOnFailure=true`
/// (gates accumulate, the later value wins). The README's `--concurrent=99` is not a flag.
#[test]
fn flux_instance_defines_entry_source_and_controller_flags() {
    let dir = fixture("instance");
    let e = fluxsim::import::entry::choose_entry(&dir).unwrap();
    assert_eq!(e.dir, "kubernetes/flux/cluster");
    assert_eq!(
        (e.source_kind.as_str(), e.source_name.as_str()),
        ("GitRepository", "home")
    );
    assert_eq!(
        (e.file.as_str(), e.line),
        (
            "kubernetes/apps/flux-system/flux-instance/app/helmrelease.yaml",
            1
        )
    );
    let imp = run_import("instance", "kubernetes/flux/cluster");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease flux-system/flux-instance <- flux-system/flux-instance []",
            "Kustomization flux-system/cluster-apps <- entry []",
            "Kustomization flux-system/flux-instance <- flux-system/cluster-apps []",
            "Kustomization web/web <- flux-system/cluster-apps []",
        ]
    );
    assert!(imp.warnings.iter().any(|w| w
        .message
        .contains("external source GitRepository/flux-system")));
    let hr = "kubernetes/apps/flux-system/flux-instance/app/helmrelease.yaml";
    let k = &imp.kustomize_flags;
    let h = &imp.helm_flags;
    let (kc, kr) = (
        k.concurrent.as_ref().unwrap(),
        k.requeue_dependency.as_ref().unwrap(),
    );
    assert_eq!(
        (kc.value, kc.from.as_str()),
        (16, format!("{hr}:26").as_str())
    );
    assert_eq!(kr.value, "5s");
    assert_eq!(kr.from, format!("{hr}:14 (cluster size medium)"));
    assert_eq!(h.concurrent.as_ref().unwrap().value, 10);
    assert!(k.feature_gates.is_empty());
    let gates: Vec<(&str, bool, &str)> = h
        .feature_gates
        .iter()
        .map(|(g, s)| (g.as_str(), s.value, s.from.as_str()))
        .collect();
    assert_eq!(
        gates,
        [
            ("DefaultToRetryOnFailure", true, format!("{hr}:52").as_str()),
            ("OOMWatch", true, format!("{hr}:49").as_str()),
        ]
    );
    let m = scenario_runs(&imp, "kubernetes/flux/cluster");
    assert_eq!((m.kustomize.concurrent, m.helm.concurrent), (16, 10));
    assert_eq!(m.helm.requeue_dependency, 5_000);
    let yaml = to_scenario(&imp, "fixture", "kubernetes/flux/cluster");
    assert!(
        yaml.contains(&format!("concurrent: 16  # --concurrent from {hr}:26")),
        "{yaml}"
    );
}

fn warning<'a>(imp: &'a Imported, text: &str) -> &'a fluxsim::import::Warning {
    imp.warnings
        .iter()
        .find(|w| w.message.contains(text))
        .unwrap_or_else(|| panic!("no warning with {text:?}: {:#?}", imp.warnings))
}

/// tests/fixtures/import/substitute, by hand (SPEC R5b):
/// - `apps` (walked first) reads ConfigMap late-vars, which `config` applies: resolved anyway,
///   so `web-${SUFFIX}` is web-blue; Secret `sealed` is SOPS-encrypted: present, values
///   unknown, so `${TIMEOUT}` becomes "" — reported at apps/ks.yaml:1 as touching spec.timeout
///   and naming the Secret — and the empty timeout is dropped (Flux's default);
/// - `nowhere` is applied by nothing: a warning at cluster/ks.yaml:1, kept in the scenario;
///   `maybe` is optional: no warning;
/// - `bootstrap-secret` is applied by the entry's own sync, and `sops-age` is named by
///   bootstrap/bootstrap.sh:5 (created before Flux): both written under `bootstrap:`;
///   late-vars and sealed become resources of `config`;
/// - web-blue → api → web-blue is a cycle: found from web-blue (discovered first), so api's
///   edge back is dropped;
/// - HelmRelease evil: `interval: 0s` and strategy `RetryOnFailur` are dropped with warnings;
///   its chart name holds a newline and a `faults:` line, which stays inside a quoted scalar.
#[test]
fn substitute_from_order_secrets_and_invalid_fields() {
    let imp = run_import("substitute", "cluster");
    assert_eq!(
        dag(&imp),
        [
            "HelmRelease flux-system/evil <- flux-system/apps []",
            "Kustomization flux-system/api <- flux-system/apps []",
            "Kustomization flux-system/apps <- entry []",
            "Kustomization flux-system/config <- entry []",
            "Kustomization flux-system/web-blue <- flux-system/apps [flux-system/api]",
        ]
    );
    let w = warning(&imp, "variables TIMEOUT");
    assert_eq!((w.file.as_str(), w.line), ("apps/ks.yaml", 1));
    assert!(
        w.message.contains("Secret `sealed` (SOPS-encrypted)"),
        "{}",
        w.message
    );
    assert!(
        w.message.contains("DAG fields spec.timeout"),
        "{}",
        w.message
    );
    let w = warning(&imp, "Secret `nowhere`");
    assert_eq!((w.file.as_str(), w.line), ("cluster/ks.yaml", 1));
    assert!(!imp.warnings.iter().any(|w| w.message.contains("`maybe`")));
    let w = warning(&imp, "dependsOn cycle");
    assert!(
        w.message
            .contains("flux-system/web-blue → flux-system/api → flux-system/web-blue"),
        "{}",
        w.message
    );
    assert_eq!((w.file.as_str(), w.line), ("apps/ks.yaml", 16));
    warning(&imp, "`spec.interval` is \"0s\", not a positive duration");
    warning(&imp, "install strategy \"RetryOnFailur\"");
    let web = find(&imp, "Kustomization", "flux-system/web-blue");
    assert!(spec(web, "/spec/timeout").is_none());
    let yaml = to_scenario(&imp, "fixture", "cluster");
    let sc = fluxsim::scenario::parse(&yaml, "imported.yaml").unwrap();
    assert!(
        sc.raw.faults.is_empty(),
        "no fault injected by a chart name:\n{yaml}"
    );
    assert!(yaml.contains(
        "\n  - {kind: \"Secret\", name: \"bootstrap-secret\", namespace: \"flux-system\"}  # cluster/secret.yaml:1\n"
    ), "{yaml}");
    // Nothing creates `nowhere`: a cluster that bootstraps has it, so it is assumed created
    // before Flux, marked as a guess, and the warning says how to see the build fail instead.
    assert!(yaml.contains(
        "bootstrap:\n  - {kind: \"Secret\", name: \"nowhere\", namespace: \"flux-system\"}  # cluster/ks.yaml:1 GUESSED: nothing in the repository creates it"
    ), "{yaml}");
    assert!(yaml.contains("      substituteFrom:\n        - {kind: \"ConfigMap\", name: \"late-vars\"}\n        - {kind: \"Secret\", name: \"sealed\"}\n        - {kind: \"Secret\", name: \"nowhere\"}\n        - {kind: \"Secret\", name: \"maybe\", optional: true}\n"), "{yaml}");
    assert!(yaml.contains("      - {kind: \"ConfigMap\", name: \"late-vars\", namespace: \"flux-system\"}  # config/vars.yaml:1\n"), "{yaml}");
    assert!(yaml.contains("      - {kind: \"Secret\", name: \"sealed\", namespace: \"flux-system\"}  # config/vars.yaml:9 (SOPS-encrypted)\n"), "{yaml}");
    assert!(yaml.contains("  - {kind: \"Secret\", name: \"sops-age\", namespace: \"flux-system\"}  # bootstrap/bootstrap.sh:5 assumed created before Flux"), "{yaml}");
    warning(
        &imp,
        "`sops-age` of `flux-system/config` is created before Flux, by bootstrap/bootstrap.sh:5",
    );
    assert!(yaml.contains("guessed: true"));
    scenario_runs(&imp, "cluster");
}

/// tests/fixtures/import/selfvars, by hand (SPEC R5b; reference S9: kustomize-controller reads
/// a `substituteFrom` object from the cluster before it builds):
/// - `app` reads ConfigMap `app-vars`, which only `app` itself applies (app/vars.yaml:1): on a
///   fresh cluster the build fails until it exists, and it never does — written as a resource
///   of `app`, with a warning at cluster/ks.yaml:1; one run is stuck and names `app-vars`;
/// - `tools-vars` is applied only by `tools` too, but bootstrap/seed.sh:5 creates it before
///   Flux: written under `bootstrap:`, so `tools` builds at once and becomes Ready.
#[test]
fn substitute_from_applied_only_by_its_user_is_stuck_unless_created_before_flux() {
    let imp = run_import("selfvars", "cluster");
    let w = warning(&imp, "`app-vars` of `flux-system/app` is applied only by that Kustomization itself (app/vars.yaml:1)");
    assert_eq!((w.file.as_str(), w.line), ("cluster/ks.yaml", 1));
    assert!(w.message.contains("bootstrap is stuck"), "{}", w.message);
    let w = warning(&imp, "`tools-vars` of `flux-system/tools` is applied only by that Kustomization itself, and created before Flux by bootstrap/seed.sh:5");
    assert_eq!((w.file.as_str(), w.line), ("cluster/ks.yaml", 17));
    let yaml = to_scenario(&imp, "fixture", "cluster");
    assert!(yaml.contains("bootstrap:\n  - {kind: \"ConfigMap\", name: \"tools-vars\", namespace: \"flux-system\"}  # bootstrap/seed.sh:5 assumed created before Flux"), "{yaml}");
    assert!(yaml.contains("    resources:\n      - {kind: \"ConfigMap\", name: \"app-vars\", namespace: \"flux-system\"}  # app/vars.yaml:1; applied only by its own user"), "{yaml}");
    let sc = fluxsim::scenario::parse(&yaml, "imported.yaml").unwrap();
    let m = fluxsim::model::build(&sc).unwrap();
    let out = fluxsim::runner::run_once(&m, 1, 0);
    assert!(out.trace.makespan_ms.is_none(), "stuck");
    let names: Vec<&str> = out.stuck.iter().map(|s| s.object.as_str()).collect();
    assert_eq!(names, ["Kustomization/app"], "{:?}", out.stuck);
    assert!(
        out.stuck[0].root_cause.contains("app-vars"),
        "{:?}",
        out.stuck[0]
    );
}

/// tests/fixtures/import/helmfile, by hand: `bootstrap/helmfile.d/01-apps.yaml` installs, in
/// `needs` order, cilium (line 15), coredns (9, needs cilium), cert-manager (21, needs coredns)
/// and flux-operator (30, needs cert-manager); kyverno is `installed: false`; the `{{ }}`
/// chart of coredns is a Go template (its release name is the chart). `00-crds.yaml` only
/// renders CRDs (`--include-crds`): no workloads. `templates/values.yaml.gotmpl` is no
/// helmfile. The four HelmReleases that adopt these releases (same name and namespace) are
/// upgrades of ready releases: no stand-in workload; podinfo is a fresh install with one.
/// `bootstrap/install.sh:5` then installs metallb (`helm upgrade --install`, namespace
/// metallb-system; the `${EXTRA}` release is unknown, and bootstrap/README.md is no script),
/// adopted by HelmRelease metallb-system/metallb; files are read in path order, so
/// `bootstrap/kustomize/spegel/kustomization.yaml` (kustomize `helmCharts:` spegel, line 7,
/// namespace kube-system from the kustomization) comes last; HelmRelease kube-system/spegel
/// installs over its ready workloads.
/// Running it: Flux starts when the last pre-Flux chart (spegel) is ready (the pre-Flux phase
/// runs one step after another), and nothing is stuck.
#[test]
fn helmfile_charts_are_a_pre_flux_phase_and_their_helm_releases_adopt_them() {
    let imp = run_import("helmfile", "kubernetes/flux/cluster");
    let got: Vec<(String, usize)> = imp
        .pre_flux
        .releases
        .iter()
        .map(|r| (format!("{}/{} {}", r.namespace, r.name, r.chart), r.line))
        .collect();
    let want = [
        ("kube-system/cilium cilium", 15),
        ("kube-system/coredns coredns", 9),
        ("cert-manager/cert-manager cert-manager", 21),
        ("flux-system/flux-operator flux-operator", 30),
        ("metallb-system/metallb metallb", 5),
        ("kube-system/spegel spegel", 7),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b)));
    assert_eq!(
        imp.pre_flux.crds_only,
        [("bootstrap/helmfile.d/00-crds.yaml".to_string(), 1)]
    );
    let w = warning(&imp, "this helmfile installs 4 chart(s) before Flux starts");
    assert_eq!(
        (w.file.as_str(), w.line),
        ("bootstrap/helmfile.d/01-apps.yaml", 15)
    );
    assert!(w.message.contains("4 HelmRelease(s) adopt one (kube-system/cilium, kube-system/coredns, cert-manager/cert-manager, flux-system/flux-operator)"), "{}", w.message);
    let yaml = to_scenario(&imp, "fixture", "kubernetes/flux/cluster");
    assert!(yaml.contains("bootstrap:\n  - {kind: DaemonSet, name: \"cilium\", namespace: \"kube-system\", ready: {lognormal: {median: 25s, p95: 60s}}, guessed: true}  # GUESSED readiness; bootstrap/helmfile.d/01-apps.yaml:15 installs chart `cilium` before Flux\n  - {kind: Deployment, name: \"coredns\""), "{yaml}");
    assert_eq!(
        yaml.matches("# already installed before Flux by bootstrap/helmfile.d/01-apps.yaml:")
            .count(),
        4,
        "{yaml}"
    );
    assert!(
        yaml.contains("    # already installed before Flux by bootstrap/install.sh:5 (bootstrap:)"),
        "{yaml}"
    );
    let w = warning(
        &imp,
        "this script installs 1 chart(s) before Flux starts (metallb-system/metallb)",
    );
    assert_eq!((w.file.as_str(), w.line), ("bootstrap/install.sh", 5));
    assert!(
        yaml.contains("name: \"podinfo\", namespace: \"default\", ready:"),
        "{yaml}"
    );
    let m = scenario_runs(&imp, "kubernetes/flux/cluster");
    assert!(yaml.contains("    # already installed before Flux by bootstrap/kustomize/spegel/kustomization.yaml:7 (bootstrap:)"), "{yaml}");
    warning(&imp, "this kustomization (helmCharts) installs 1 chart(s) before Flux starts (kube-system/spegel)");
    assert_eq!(m.bootstrap.len(), 6);
    let out = fluxsim::runner::run_once(&m, 1, 0);
    let t = &out.trace;
    let last = m.bootstrap[5];
    assert_eq!(m.workloads[last].name, "spegel");
    assert_eq!(Some(t.flux_start_ms), t.workloads[last].ready_ms);
    // Each bootstrap step starts when the one before it is ready.
    for w in m.bootstrap.windows(2) {
        assert!(t.workloads[w[0]].ready_ms <= t.workloads[w[1]].applied_ms);
    }
}

/// The importer's errors are typed (`ImportError`), with the messages the CLI prints.
#[test]
fn import_errors_are_typed_with_their_messages() {
    use fluxsim::import::{check_dirs, entry::choose_entry, ImportError};
    let e = check_dirs("/nonexistent/repo", ".").unwrap_err();
    assert_eq!(e, ImportError::NotADirectory("/nonexistent/repo".into()));
    assert_eq!(e.to_string(), "`/nonexistent/repo` is not a directory");
    let dir = fixture("helmfile");
    let d = dir.to_string_lossy().into_owned();
    let e = check_dirs(&d, "clusters/nowhere").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("entry point `clusters/nowhere` is not a directory under `{d}`")
    );
    assert_eq!(check_dirs(&d, "kubernetes/flux/cluster"), Ok(()));
    // No gotk-sync.yaml, FluxInstance or conventional folder in `helmfile/bootstrap`.
    let e = choose_entry(&dir.join("bootstrap")).unwrap_err();
    assert!(matches!(e, ImportError::NoEntryPoint { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("no entry point found: looked in "),
        "{e}"
    );
    assert!(
        e.to_string()
            .ends_with("give the cluster's Flux folder with --entry"),
        "{e}"
    );
}
