//! The YAML front end: any bytes → parse → validate → (if valid and small) one bounded run
//! and its reports. Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = fluxsim::scenario::read_source(data, "fuzz.yaml") else {
        return;
    };
    let Ok(sc) = fluxsim::scenario::parse(&text, "fuzz.yaml") else {
        return;
    };
    let Ok(m) = fluxsim::model::build(&sc) else {
        return;
    };
    if m.objects.len() + m.workloads.len() > 200 {
        return;
    }
    if let Ok(out) = fluxsim::runner::try_run_once(&m, 1, 0) {
        let r = fluxsim::report::RunReport::new(&m, &out);
        let _ = r.to_text();
        let _ = r.to_json();
    }
});
