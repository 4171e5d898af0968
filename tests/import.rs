//! Issue 8: importing the real repositories of the corpus (`../shared/corpus` beside the
//! checkout, or the folder named by `FLUXSIM_CORPUS`). Without it these tests print a skip
//! message and pass, unless `FLUXSIM_REQUIRE_CORPUS=1` (CI) makes a missing corpus a failure.
//! The patterns themselves are covered without the corpus by tests/import_fixtures.rs.

use fluxsim::import::{import, to_scenario, ImportOptions};
use std::path::PathBuf;

/// The corpus folder, or None (with a message) when it is absent and not required.
fn corpus_dir() -> Option<PathBuf> {
    let p = std::env::var_os("FLUXSIM_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")),
        PathBuf::from,
    );
    if p.join("INDEX.json").is_file() {
        return Some(p);
    }
    assert!(
        std::env::var("FLUXSIM_REQUIRE_CORPUS").as_deref() != Ok("1"),
        "FLUXSIM_REQUIRE_CORPUS=1 but there is no corpus at {} (INDEX.json missing)",
        p.display()
    );
    eprintln!(
        "skipped: no corpus at {} (set FLUXSIM_CORPUS to its folder; FLUXSIM_REQUIRE_CORPUS=1 makes this a failure)",
        p.display()
    );
    None
}

/// Every repository and every cluster entry point in INDEX.json: the import validates and runs,
/// and its counts match the index. The index counts `dependsOn` entries of ResourceSets too
/// (xunholy: 4, all on CRDs); fluxsim does not model ResourceSets (their objects are generated
/// at run time), reports them as warnings, and so has 4 edges fewer there. Every other count is
/// equal.
#[test]
fn every_corpus_entry_point_imports_validates_runs_and_matches_the_index() {
    let Some(c) = corpus_dir() else { return };
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.join("INDEX.json")).unwrap()).unwrap();
    let mut n = 0;
    for repo in index["repos"].as_array().unwrap() {
        let dir = c.join(repo["dir"].as_str().unwrap());
        for e in repo["entry_points"].as_array().unwrap() {
            let entry = e["root"].as_str().unwrap();
            let imp = import(
                &dir,
                &ImportOptions {
                    entry: entry.into(),
                    source_root: None,
                },
            );
            let label = format!("{} {entry}", repo["dir"]);
            let want_ks = e["reachable"]["KS"].as_u64().unwrap_or(0) as usize;
            let want_hr = e["reachable"]["HR"].as_u64().unwrap_or(0) as usize;
            let by_kind = &e["dependsOn_edges_by_kind"];
            let want_edges =
                by_kind["KS"].as_u64().unwrap_or(0) + by_kind["HR"].as_u64().unwrap_or(0);
            let resource_set_edges = by_kind["ResourceSet"].as_u64().unwrap_or(0);
            assert_eq!(imp.kustomizations(), want_ks, "{label}: Kustomizations");
            assert_eq!(imp.helm_releases(), want_hr, "{label}: HelmReleases");
            assert_eq!(
                imp.edges() as u64,
                want_edges,
                "{label}: dependsOn edges (KS + HR)"
            );
            assert_eq!(
                e["dependsOn_edges"].as_u64().unwrap(),
                want_edges + resource_set_edges,
                "{label}"
            );
            assert_eq!(
                imp.resource_sets.iter().map(|r| r.1 as u64).sum::<u64>(),
                resource_set_edges,
                "{label}: ResourceSet edges reported"
            );
            let yaml = to_scenario(&imp, repo["dir"].as_str().unwrap(), entry);
            let sc = fluxsim::scenario::parse(&yaml, "imported.yaml")
                .unwrap_or_else(|d| panic!("{label}: {d}\n{yaml}"));
            let m = fluxsim::model::build(&sc).unwrap_or_else(|d| panic!("{label}: {d}"));
            assert_eq!(m.objects.len(), want_ks + want_hr, "{label}");
            assert_eq!(m.edge_count() as u64, want_edges, "{label}");
            let out = fluxsim::runner::run_once(&m, 1, 0);
            assert!(
                out.trace.makespan_ms.is_some(),
                "{label}: stuck: {:?}",
                out.stuck.first()
            );
            n += 1;
        }
    }
    assert_eq!(n, 15, "15 entry points in 10 repositories");
}

/// flux2-kustomize-helm-example, by hand from the manifests: clusters/production holds
/// infra-controllers (wait, 1h/2m/5m), infra-configs (dependsOn infra-controllers) and apps
/// (dependsOn infra-configs, wait). infra-controllers' ExternalArtifact `infrastructure` maps
/// `./controllers` to `infrastructure/controllers`, which holds the cert-manager and
/// envoy-gateway HelmReleases; apps' `./production` maps to `apps/production` → `../base/podinfo`
/// → HelmRelease podinfo in namespace podinfo (kustomize `namespace:`). The controllers are
/// patched to `--concurrent=20 --requeue-dependency=5s`.
#[test]
fn flux2_kustomize_helm_example_gives_the_exact_dag() {
    let Some(c) = corpus_dir() else { return };
    let dir = c.join("fluxcd__flux2-kustomize-helm-example");
    let imp = import(
        &dir,
        &ImportOptions {
            entry: "clusters/production".into(),
            source_root: None,
        },
    );
    let m = fluxsim::model::build(
        &fluxsim::scenario::parse(&to_scenario(&imp, "x", "clusters/production"), "x.yaml")
            .unwrap(),
    )
    .unwrap();
    let names: Vec<String> = m
        .objects
        .iter()
        .map(fluxsim::model::FluxObject::display)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "HelmRelease/cert-manager/cert-manager",
            "HelmRelease/envoy-gateway-system/envoy-gateway",
            "HelmRelease/podinfo/podinfo",
            "Kustomization/apps",
            "Kustomization/infra-configs",
            "Kustomization/infra-controllers"
        ]
    );
    let id = |n: &str| m.find_object(n).unwrap();
    assert_eq!(
        m.objects[id("infra-configs")].depends_on,
        vec![id("infra-controllers")]
    );
    assert_eq!(m.objects[id("apps")].depends_on, vec![id("infra-configs")]);
    assert!(m.objects[id("infra-controllers")].depends_on.is_empty());
    assert_eq!(
        m.objects[id("cert-manager/cert-manager")].parent,
        Some(id("infra-controllers"))
    );
    assert_eq!(
        m.objects[id("envoy-gateway-system/envoy-gateway")].parent,
        Some(id("infra-controllers"))
    );
    assert_eq!(m.objects[id("podinfo/podinfo")].parent, Some(id("apps")));
    let ic = &m.objects[id("infra-controllers")];
    assert!(ic.wait);
    assert_eq!(
        (ic.interval, ic.retry_interval, ic.timeout),
        (3_600_000, 120_000, 300_000)
    );
    assert!(!m.objects[id("infra-configs")].wait);
    assert_eq!(m.kustomize.concurrent, 20);
    assert_eq!(m.kustomize.requeue_dependency, 5_000);
    assert!(
        m.objects[id("cert-manager/cert-manager")]
            .helm
            .as_ref()
            .unwrap()
            .retry_on_failure
    );
}

/// Problems are reported with file and line, never a crash: external sources, objects applied
/// twice, unresolved variables, Jinja trees.
#[test]
fn problems_are_warnings_with_file_and_line() {
    let Some(c) = corpus_dir() else { return };
    let mt = import(
        &c.join("fluxcd__flux2-multi-tenancy"),
        &ImportOptions {
            entry: "clusters/production".into(),
            source_root: None,
        },
    );
    assert!(
        mt.warnings.iter().any(
            |w| w.message.contains("external source GitRepository/dev-team")
                && w.line > 0
                && !w.file.is_empty()
        ),
        "{:?}",
        mt.warnings
    );
    let jory = import(
        &c.join("joryirving__home-ops"),
        &ImportOptions {
            entry: "kubernetes/clusters/main".into(),
            source_root: None,
        },
    );
    assert!(
        jory.warnings
            .iter()
            .any(|w| w.message.contains("applied by two owners")),
        "objects applied twice are reported"
    );
    let tpl = import(
        &c.join("onedr0p__cluster-template"),
        &ImportOptions {
            entry: "template/config/kubernetes/flux/cluster".into(),
            source_root: None,
        },
    );
    assert!(tpl.jinja_files > 0);
    assert!(tpl.warnings.iter().any(|w| w.message.contains("superset")));
    let missing = import(
        &c.join("fluxcd__flux2-multi-tenancy"),
        &ImportOptions {
            entry: "no/such/dir".into(),
            source_root: None,
        },
    );
    assert_eq!(missing.objects.len(), 0);
    assert!(missing
        .warnings
        .iter()
        .any(|w| w.message.contains("not a directory")));
}

#[test]
fn cli_import_writes_a_scenario_that_runs() {
    let Some(c) = corpus_dir() else { return };
    let out = std::env::temp_dir().join(format!("imported-{}.yaml", std::process::id()));
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args([
            "import",
            c.join("fluxcd__flux2-hub-spoke-example").to_str().unwrap(),
            "--entry",
            "hub",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(String::from_utf8_lossy(&st.stderr)
        .contains("imported 8 Kustomizations, 6 HelmReleases, 6 dependsOn edges"));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(["run", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    // Several clusters: the user must choose.
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(["import", c.join("joryirving__home-ops").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("choose one with --entry"));
}

/// Issue 15: the controllers' flags and feature gates each repository really sets, read by
/// hand from its flux-instance HelmRelease (`values.instance.kustomize.patches`, applied in
/// order; SPEC R18: the last `--concurrent` wins, `--feature-gates` accumulate). onedr0p:
/// `--concurrent=10 --requeue-dependency=5s` on both, then `--concurrent=20` on
/// kustomize-controller; helm-controller gates OOMWatch, DefaultToRetryOnFailure,
/// DisableChartDigestTracking; kustomize-controller CancelHealthCheckOnNewRevision. bjw-s: the
/// same with kustomize-controller's second `--concurrent=8`, and no DefaultToRetryOnFailure.
/// buroa: `--concurrent=20` on both. Each entry point and root source is found without
/// `--entry`, from the FluxInstance's `sync` (outside the entry folder).
#[test]
fn controller_flags_and_gates_come_from_the_flux_instance() {
    let Some(c) = corpus_dir() else { return };
    // (repo, kustomize concurrent, helm concurrent, helm gates, kustomize gates)
    type Case<'a> = (&'a str, u32, u32, &'a [&'a str], &'a [&'a str]);
    let cases: [Case; 4] = [
        (
            "onedr0p__home-ops",
            20,
            10,
            &[
                "DefaultToRetryOnFailure",
                "DisableChartDigestTracking",
                "OOMWatch",
            ],
            &["CancelHealthCheckOnNewRevision"],
        ),
        (
            "bjw-s-labs__home-ops",
            8,
            10,
            &["DisableChartDigestTracking", "OOMWatch"],
            &["CancelHealthCheckOnNewRevision"],
        ),
        (
            "buroa__k8s-gitops",
            20,
            20,
            &[
                "DefaultToRetryOnFailure",
                "DisableChartDigestTracking",
                "OOMWatch",
            ],
            &["CancelHealthCheckOnNewRevision"],
        ),
        (
            "onedr0p__cluster-template",
            20,
            10,
            &["DisableChartDigestTracking", "OOMWatch"],
            &["CancelHealthCheckOnNewRevision"],
        ),
    ];
    for (repo, kc, hc, hgates, kgates) in cases {
        let dir = c.join(repo);
        let e =
            fluxsim::import::entry::choose_entry(&dir).unwrap_or_else(|m| panic!("{repo}: {m}"));
        let imp = import(
            &dir,
            &ImportOptions {
                entry: e.dir.clone(),
                source_root: None,
            },
        );
        let m = fluxsim::model::build(
            &fluxsim::scenario::parse(&to_scenario(&imp, repo, &e.dir), "x.yaml").unwrap(),
        )
        .unwrap();
        assert_eq!(
            (m.kustomize.concurrent, m.helm.concurrent),
            (kc, hc),
            "{repo}"
        );
        assert_eq!(
            (m.kustomize.requeue_dependency, m.helm.requeue_dependency),
            (5_000, 5_000),
            "{repo}"
        );
        let names = |f: &fluxsim::import::flags::ControllerFlags| -> Vec<String> {
            f.feature_gates
                .iter()
                .filter(|(_, s)| s.value)
                .map(|(g, _)| g.clone())
                .collect()
        };
        assert_eq!(names(&imp.helm_flags), hgates, "{repo}");
        assert_eq!(names(&imp.kustomize_flags), kgates, "{repo}");
    }
    // The corpus's other entry points: (repo, entry found without --entry, or the error).
    let e = fluxsim::import::entry::choose_entry(&c.join("joryirving__home-ops"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("kubernetes/clusters/main (from kubernetes/clusters/main/flux-instance/helmrelease.yaml:16)"), "{e}");
    let e = fluxsim::import::entry::choose_entry(&c.join("MatherlyNet__talos-cluster"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("templates/config/kubernetes/flux/cluster"),
        "{e}"
    );
}

/// Issue 15.3 on the corpus, by hand. cluster-template: the 13 Kustomizations with
/// `substituteFrom: Secret cluster-secrets` live in the 5 namespaces whose kustomization.yaml
/// includes `components/sops`, which lists `./cluster-secrets.sops.yaml` — a file this copy of
/// the repository lacks — so the Secret is assumed (GUESSED) in those 5 namespaces and written
/// under `bootstrap:`; each of the 13 keeps its `postBuild.substituteFrom`. onedr0p/home-ops:
/// `cloudflare-tunnel-id-secret` is applied by nothing in the corpus (its ExternalSecret was
/// cut), so it stays a reference with a warning at the Kustomization's file and line.
#[test]
fn substitute_from_references_in_the_corpus() {
    let Some(c) = corpus_dir() else { return };
    let entry = "template/config/kubernetes/flux/cluster";
    let imp = import(
        &c.join("onedr0p__cluster-template"),
        &ImportOptions {
            entry: entry.into(),
            source_root: None,
        },
    );
    let y = to_scenario(&imp, "t", entry);
    let guessed: Vec<&str> = y
        .lines()
        .filter(|l| l.contains("name: \"cluster-secrets\"") && l.contains("GUESSED"))
        .collect();
    assert_eq!(guessed.len(), 5, "{y}");
    assert_eq!(
        y.matches("        - {kind: \"Secret\", name: \"cluster-secrets\"}")
            .count(),
        13
    );
    let entry = "kubernetes/flux/cluster";
    let imp = import(
        &c.join("onedr0p__home-ops"),
        &ImportOptions {
            entry: entry.into(),
            source_root: None,
        },
    );
    let w = imp
        .warnings
        .iter()
        .find(|w| w.message.contains("`cloudflare-tunnel-id-secret`"))
        .expect("reported");
    assert_eq!(
        (w.file.as_str(), w.line),
        ("kubernetes/apps/network/cloudflare-tunnel/ks.yaml", 2)
    );
    assert!(to_scenario(&imp, "o", entry)
        .contains("        - {kind: \"Secret\", name: \"cloudflare-tunnel-id-secret\"}\n"));
}

/// Copies a folder tree (test set-up).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Issue 15.4 on the corpus. The corpus copies keep only Flux documents, so the helmfile is
/// added here: onedr0p/home-ops at the corpus commit (d9078e4) bootstraps with
/// `helmfile -f bootstrap/helmfile/apps.yaml sync`, which, read by hand, installs with
/// `wait: true` the chain cilium → coredns → spegel (kube-system) → cert-manager →
/// external-secrets → onepassword-connect (external-secrets) → flux-operator → flux-instance
/// (flux-system), each `needs` the one before; its `crds.yaml` is only templated for CRDs.
/// Below is that list in helmfile form (names, namespaces, needs; written for this test).
/// Each of the eight has a HelmRelease of the same name and namespace in the walk, so all
/// eight adopt an installed release: none gets a guessed stand-in, and the eight are the
/// pre-Flux phase in that order.
#[test]
fn onedr0p_helmfile_bootstrap_is_a_pre_flux_phase() {
    let Some(c) = corpus_dir() else { return };
    let dir = std::env::temp_dir().join(format!("fluxsim-helmfile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&c.join("onedr0p__home-ops"), &dir);
    let chain = [
        ("cilium", "kube-system"),
        ("coredns", "kube-system"),
        ("spegel", "kube-system"),
        ("cert-manager", "cert-manager"),
        ("external-secrets", "external-secrets"),
        ("onepassword-connect", "external-secrets"),
        ("flux-operator", "flux-system"),
        ("flux-instance", "flux-system"),
    ];
    let mut hf = String::from("---\nhelmDefaults:\n  wait: true\nreleases:\n");
    let mut prev: Option<String> = None;
    for (n, ns) in chain {
        hf.push_str(&format!("  - name: {n}\n    namespace: {ns}\n"));
        if let Some(p) = prev.replace(format!("{ns}/{n}")) {
            hf.push_str(&format!("    needs:\n      - {p}\n"));
        }
    }
    std::fs::create_dir_all(dir.join("bootstrap/helmfile")).unwrap();
    std::fs::write(dir.join("bootstrap/helmfile/apps.yaml"), hf).unwrap();
    let entry = "kubernetes/flux/cluster";
    let imp = import(
        &dir,
        &ImportOptions {
            entry: entry.into(),
            source_root: None,
        },
    );
    let got: Vec<(&str, &str)> = imp
        .pre_flux
        .releases
        .iter()
        .map(|r| (r.name.as_str(), r.namespace.as_str()))
        .collect();
    assert_eq!(got, chain);
    let y = to_scenario(&imp, "onedr0p__home-ops", entry);
    assert_eq!(
        y.matches("# already installed before Flux by bootstrap/helmfile/apps.yaml:")
            .count(),
        8,
        "{y}"
    );
    assert_eq!(
        y.matches("# GUESSED stand-in for what chart").count(),
        68 - 8
    );
    let sc = fluxsim::scenario::parse(&y, "imported.yaml").unwrap();
    let m = fluxsim::model::build(&sc).unwrap();
    // The eight charts, and the Secret nothing in the corpus creates (assumed made before
    // Flux: see substitute_from_references_in_the_corpus).
    assert_eq!(m.bootstrap.len(), 9);
    let out = fluxsim::runner::run_once(&m, 1, 0);
    assert!(out.trace.flux_start_ms > 0);
    let _ = std::fs::remove_dir_all(&dir);
}
