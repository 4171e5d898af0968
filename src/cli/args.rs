//! The Monte Carlo flags every simulating subcommand shares (`--trials`, `--seed`,
//! `--threads`), flattened into each subcommand's arguments. A subcommand whose flag means
//! something more specific rewords its help with `#[command(mut_arg(...))]`; names and
//! defaults are the same everywhere.

/// `--seed` and `--threads`.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct SeedThreads {
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// `--trials`, `--seed` and `--threads`.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct McArgs {
    /// Trials.
    #[arg(long, default_value_t = 1000)]
    pub trials: u64,
    #[command(flatten)]
    pub run: SeedThreads,
}
