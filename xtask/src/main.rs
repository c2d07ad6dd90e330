//! `cargo xtask <command>`: Qingting's two README commands (`run` and `test`) and their parts
//! (install, build, sizes, the model, the FAQ pack, the benchmarks).
//!
//! The commands are listed once, in [`cmd::COMMANDS`] (name, arguments, one line each, and the
//! function that runs it); `cargo xtask --help` prints that list, and tests check that README.md and
//! ARCHITECTURE.md name every one. Each command is a module of `cmd/`; `util` holds what they
//! share. The local `wrangler dev` they start is the `qingting-devserver` crate.

use std::process::ExitCode;
use std::time::Instant;

mod cmd;
mod http;
mod util;

use util::step;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let command = match args.first().map(String::as_str) {
        Some(word) if cmd::HELP.contains(&word) => {
            print!("{}", cmd::usage());
            return ExitCode::SUCCESS;
        }
        Some(name) => cmd::find(name),
        None => None,
    };
    let Some(command) = command else {
        eprint!("{}", cmd::usage());
        return ExitCode::from(2);
    };
    match (command.run)(&args[1..]) {
        Ok(()) => {
            step(&format!("done in {:.0?}", started.elapsed()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}
