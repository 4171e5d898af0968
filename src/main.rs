//! The `fluxsim` binary: a thin layer over the library.

#![forbid(unsafe_code)]

mod cli;

/// mimalloc instead of the system allocator: a 1,000,000-object `run` makes and frees tens of
/// millions of small allocations (see results/bench.md, "Million-object run, session 5").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
