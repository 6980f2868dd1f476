//! `inboxlens`: the command-line tool and the companion server, a thin shell over
//! `inboxlens-core`. Subcommands live in `cli/`, one file each.

mod cli;
mod config;
mod guard;
mod http;
mod limits;
mod probe;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: a report is hundreds of small strings, and
/// glibc malloc/free were ~15 % of `analyze --jsonl` CPU (bench/compare-mailauth.sh, perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
