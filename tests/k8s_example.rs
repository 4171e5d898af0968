//! The Kubernetes example (examples/k8s) parses, and its command lines are the CLI's: the
//! shard Job's arguments, run for every completion index with a small trial count, and the
//! merge Job's arguments give the report of the unsharded run.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn yaml(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/k8s")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn args(job: &Value) -> Vec<String> {
    job["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn fluxsim(args: &[String]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_fluxsim"))
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), err)
}

fn local(args: &[String], dir: &Path, index: Option<u64>) -> Vec<String> {
    let scenario = format!("{}/scenarios/example.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<String> = args
        .iter()
        .map(|a| {
            let a = a.replace("/scenario/scenario.yaml", &scenario);
            let a = a.replace("/parts", &dir.display().to_string());
            match index {
                Some(i) => a.replace("$(JOB_COMPLETION_INDEX)", &i.to_string()),
                None => a,
            }
        })
        .collect();
    if let Some(t) = out.iter().position(|a| a == "--trials") {
        out[t + 1] = "80".into(); // the example's million, scaled down
    }
    out
}

#[test]
fn the_indexed_job_and_the_merge_run_as_written() {
    let shards = yaml("shards-job.yaml");
    assert_eq!(shards["kind"], "Job");
    assert_eq!(shards["spec"]["completionMode"], "Indexed");
    let n = shards["spec"]["completions"].as_u64().unwrap();
    let a = args(&shards);
    assert_eq!(a[0], "mc");
    let shard = &a[a.iter().position(|x| x == "--shard").unwrap() + 1];
    assert_eq!(shard, &format!("$(JOB_COMPLETION_INDEX)/{n}"));
    let env = &shards["spec"]["template"]["spec"]["containers"][0]["env"][0];
    assert_eq!(env["name"], "JOB_COMPLETION_INDEX");
    for f in ["pvc.yaml", "fetch-pod.yaml"] {
        assert!(yaml(f)["kind"].is_string(), "{f}");
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("fluxsim-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let (code, err) = fluxsim(&local(&a, &dir, Some(i)));
        assert_eq!(code, 0, "shard {i}: {err}");
    }
    let merge = yaml("merge-job.yaml");
    let m = args(&merge);
    assert_eq!(m[0], "merge");
    let parts = m.iter().filter(|x| x.starts_with("/parts/part-")).count() as u64;
    assert_eq!(parts, n, "the merge lists every shard's part");
    let (code, err) = fluxsim(&local(&m, &dir, None));
    assert_eq!(code, 0, "merge: {err}");
    // The unsharded run of the same trials and seed.
    let mut whole = local(&a, &dir, None);
    let s = whole.iter().position(|x| x == "--shard").unwrap();
    whole.truncate(s);
    whole.extend([
        "--json".into(),
        dir.join("whole.json").display().to_string(),
    ]);
    assert_eq!(fluxsim(&whole).0, 0);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    assert_eq!(read("report.json"), read("whole.json"));
}
