//! Writes a synthetic home-ops shaped scenario:
//! `cargo run --release --example synth -- 160 > s.yaml`, or as JSON (read by the fast JSON
//! parser when the file name ends in `.json`):
//! `cargo run --release --example synth -- 1000000 50 json > s.json`.
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(160);
    let c: u32 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    if std::env::args().nth(3).as_deref() == Some("json") {
        print!("{}", fluxsim::synth::home_ops_json(n, 1, c));
    } else {
        print!("{}", fluxsim::synth::home_ops(n, 1, c));
    }
}
