//! What-if edits name objects as imported scenarios do: `name` when unique, else
//! `namespace/name`, with a did-you-mean on a miss and the namespaced forms on an ambiguity.

use fluxsim::scenario::edit::{apply, Edit};
use fluxsim::scenario::parse;

const YAML: &str = "
name: ns
kustomizations:
  - name: infra
  - name: apps
    namespace: apps
  - name: podinfo
    namespace: apps
helmReleases:
  - {name: coredns, namespace: kube-system}
  - {name: cert-manager, namespace: cert-manager}
  - {name: podinfo, namespace: podinfo}
  - {name: web.v2, namespace: apps}
";

fn edited(edits: &[Edit]) -> Result<fluxsim::scenario::Scenario, String> {
    let mut sc = parse(YAML, "ns.yaml").unwrap();
    apply(&mut sc.raw, edits)
        .map(|()| sc)
        .map_err(|e| e.to_string())
}

#[test]
fn namespaced_dependency_is_written_with_its_namespace() {
    let sc =
        edited(&[Edit::add_dep("cert-manager/cert-manager=kube-system/coredns").unwrap()]).unwrap();
    let d = &sc.raw.helm_releases[1].value.depends_on[0].value;
    assert_eq!(
        (d.name.as_str(), d.namespace.as_deref()),
        ("coredns", Some("kube-system"))
    );
    // The model resolves it: cert-manager now depends on coredns.
    let m = fluxsim::model::build(&sc).unwrap();
    assert_eq!(m.edge_count(), 1);
    // A bare unique name resolves the same way, and removing it by either form works.
    let sc2 = edited(&[
        Edit::add_dep("cert-manager=coredns").unwrap(),
        Edit::remove_dep("cert-manager/cert-manager=kube-system/coredns").unwrap(),
    ])
    .unwrap();
    assert!(sc2.raw.helm_releases[1].value.depends_on.is_empty());
}

#[test]
fn same_namespace_dependency_needs_no_namespace() {
    let sc = edited(&[Edit::add_dep("apps/apps=apps/podinfo").unwrap()]).unwrap();
    let d = &sc.raw.kustomizations[1].value.depends_on[0].value;
    assert_eq!((d.name.as_str(), d.namespace.as_deref()), ("podinfo", None));
}

#[test]
fn misses_and_ambiguities_say_what_to_write() {
    let e = edited(&[Edit::add_dep("cert-manager=kube-system/corends").unwrap()]).unwrap_err();
    assert!(e.contains("did you mean `kube-system/coredns`?"), "{e}");
    // `podinfo` is a Kustomization in apps and a HelmRelease in podinfo.
    let e = edited(&[Edit::set("podinfo.interval=5m").unwrap()]).unwrap_err();
    assert!(e.contains("`apps/podinfo` or `podinfo/podinfo`"), "{e}");
    // A HelmRelease's dependency prefers a HelmRelease when the bare name is shared.
    let sc = edited(&[Edit::add_dep("coredns=podinfo").unwrap()]).unwrap();
    let d = &sc.raw.helm_releases[0].value.depends_on[0].value;
    assert_eq!(d.namespace.as_deref(), Some("podinfo"));
}

#[test]
fn set_reaches_names_with_dots() {
    let sc = edited(&[Edit::set("apps/web.v2.timeout=1m").unwrap()]).unwrap();
    assert_eq!(
        sc.raw.helm_releases[3]
            .value
            .timeout
            .as_ref()
            .unwrap()
            .value,
        "1m"
    );
    let sc = edited(&[Edit::set("controller.helm.concurrent=8").unwrap()]).unwrap();
    assert_eq!(
        sc.raw.controllers.helm.concurrent.as_ref().unwrap().value,
        8
    );
}

#[test]
fn kind_namespace_name_is_never_ambiguous() {
    let sc = edited(&[Edit::set("Kustomization/apps/podinfo.interval=5m").unwrap()]).unwrap();
    assert_eq!(
        sc.raw.kustomizations[2]
            .value
            .interval
            .as_ref()
            .unwrap()
            .value,
        "5m"
    );
    let sc =
        edited(&[
            Edit::add_dep("HelmRelease/podinfo/podinfo=HelmRelease/kube-system/coredns").unwrap(),
        ])
        .unwrap();
    assert_eq!(sc.raw.helm_releases[2].value.depends_on.len(), 1);
}
