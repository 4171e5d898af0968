//! Writes a synthetic home-ops shaped scenario: `cargo run --release --example synth -- 160 > s.yaml`.
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(160);
    let c: u32 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    print!("{}", fluxsim::synth::home_ops(n, 1, c));
}
