//! Default readiness profiles by well-known chart name, used by the importer. Each is a
//! lognormal (median, p95) from the moment the workload can start, for a small bare-metal
//! cluster with images not yet cached. They are guesses to be edited, written into the
//! scenario with a "GUESSED" comment.
//!
//! | chart (substring) | kind | median | p95 | why |
//! |---|---|---|---|---|
//! | cilium | DaemonSet | 25s | 60s | agent on every node, eBPF load |
//! | coredns | Deployment | 10s | 25s | small image |
//! | spegel | DaemonSet | 10s | 30s | |
//! | cert-manager | Deployment | 20s | 60s | controller + webhook + cainjector |
//! | external-secrets | Deployment | 15s | 45s | |
//! | ingress-nginx, traefik, envoy-gateway | Deployment | 30s | 90s | LoadBalancer wiring |
//! | kube-prometheus-stack | StatefulSet | 60s | 180s | Prometheus with a PVC |
//! | grafana | Deployment | 30s | 90s | |
//! | loki | StatefulSet | 40s | 120s | |
//! | victoria-metrics | StatefulSet | 45s | 120s | |
//! | rook-ceph-cluster | StatefulSet | 300s | 900s | OSD prepare on every disk |
//! | rook-ceph | Deployment | 30s | 90s | operator |
//! | longhorn | DaemonSet | 90s | 240s | |
//! | cloudnative-pg, cnpg | Deployment | 20s | 60s | operator |
//! | postgres, database, dragonfly, redis | StatefulSet | 40s | 120s | |
//! | metallb | Deployment | 15s | 40s | |
//! | democratic-csi, csi | DaemonSet | 30s | 90s | |
//! | volsync, snapshot-controller, reloader, metrics-server | Deployment | 10s | 30s | |
//! | anything else | Deployment | 20s | 60s | generic default |

/// (readiness distribution YAML, workload kind) for a chart name.
#[must_use]
pub fn profile(chart: &str) -> (String, &'static str) {
    let c = chart.to_ascii_lowercase();
    let table: &[(&[&str], &str, &str, &str)] = &[
        (&["rook-ceph-cluster"], "StatefulSet", "300s", "900s"),
        (&["cilium"], "DaemonSet", "25s", "60s"),
        (&["coredns"], "Deployment", "10s", "25s"),
        (&["spegel"], "DaemonSet", "10s", "30s"),
        (&["cert-manager"], "Deployment", "20s", "60s"),
        (&["external-secrets"], "Deployment", "15s", "45s"),
        (
            &["ingress-nginx", "traefik", "envoy-gateway"],
            "Deployment",
            "30s",
            "90s",
        ),
        (&["kube-prometheus-stack"], "StatefulSet", "60s", "180s"),
        (&["grafana"], "Deployment", "30s", "90s"),
        (&["loki"], "StatefulSet", "40s", "120s"),
        (&["victoria-metrics"], "StatefulSet", "45s", "120s"),
        (&["rook-ceph"], "Deployment", "30s", "90s"),
        (&["longhorn"], "DaemonSet", "90s", "240s"),
        (&["cloudnative-pg", "cnpg"], "Deployment", "20s", "60s"),
        (
            &["postgres", "database", "dragonfly", "redis"],
            "StatefulSet",
            "40s",
            "120s",
        ),
        (&["metallb"], "Deployment", "15s", "40s"),
        (&["democratic-csi", "csi"], "DaemonSet", "30s", "90s"),
        (
            &[
                "volsync",
                "snapshot-controller",
                "reloader",
                "metrics-server",
            ],
            "Deployment",
            "10s",
            "30s",
        ),
    ];
    for (keys, kind, med, p95) in table {
        if keys.iter().any(|k| c.contains(k)) {
            return (
                format!("{{lognormal: {{median: {med}, p95: {p95}}}}}"),
                kind,
            );
        }
    }
    (
        "{lognormal: {median: 20s, p95: 60s}}".to_string(),
        "Deployment",
    )
}
