//! `quiver asm`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::hex;
use quiver_cli::input::{Format, load};

#[derive(clap::Args)]
pub struct Args {
    /// Assembly file (either syntax; see --syntax).
    input: PathBuf,
    /// Write raw bytecode here; without it, hex goes to standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Input syntax.
    #[arg(long, value_enum, default_value = "auto")]
    syntax: Format,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let loaded = load(&args.input, args.syntax)?;
    let bytes = loaded.program.to_bytes();
    match &args.output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let text: String = bytes
                .chunks(8)
                .map(|slot| hex::encode(slot) + "\n")
                .collect();
            quiver_cli::out::print(&text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
