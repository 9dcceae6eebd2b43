//! resto-edge: the restaurant's daemon and its maintenance commands. Everything lives in the
//! library (`resto_edge::cli` holds the subcommands); this only parses the arguments and
//! turns the outcome into the exit code.
#![forbid(unsafe_code)]

use clap::Parser;
use std::process::ExitCode;

fn main() -> anyhow::Result<ExitCode> {
    resto_edge::cli::dispatch(resto_edge::cli::Cli::parse())
}
