//! `inboxlens`: the command-line tool and the companion server, a thin shell over
//! `inboxlens-core`. Subcommands live in `cli/`, one file each.

mod cli;
mod config;
mod guard;
mod http;
mod inbound;
mod limits;
mod probe;
mod verify;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: a report is hundreds of small strings, and
/// glibc malloc/free were ~15 % of `analyze --jsonl` CPU (bench/compare-mailauth.sh, perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `inboxlens analyze … | head`: when the reader goes away, std's print macros panic with
    // "failed printing to stdout: Broken pipe". That is the reader's choice, not our failure:
    // stop quietly with success, as ripgrep does, instead of printing a panic.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(info.payload()) {
            default_hook(info);
        }
    }));
    match std::panic::catch_unwind(cli::main) {
        Ok(code) => code,
        Err(payload) if is_broken_pipe(payload.as_ref()) => ExitCode::SUCCESS,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Whether a panic payload is std's "failed printing to stdout/stderr: Broken pipe".
fn is_broken_pipe(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    text.starts_with("failed printing to std") && text.contains("Broken pipe")
}
