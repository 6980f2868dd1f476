//! `inboxlens`: the command-line tool and the companion server, a thin shell over
//! `inboxlens-core`. Subcommands live in `cli/`, one file each.

mod cli;
mod config;
mod guard;
mod http;
mod limits;
mod probe;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
