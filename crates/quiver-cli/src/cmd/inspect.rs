//! `quiver inspect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::inspect::{render_text, report};
use quiver_obj::Object;

#[derive(clap::Args)]
pub struct Args {
    /// A BPF ELF object.
    object: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.object)
        .with_context(|| format!("cannot read {}", args.object.display()))?;
    let obj = Object::parse(&bytes).with_context(|| format!("{}", args.object.display()))?;
    let r = report(&obj);
    if args.json {
        quiver_cli::out::print(&(serde_json::to_string_pretty(&r)? + "\n"))?;
    } else {
        quiver_cli::out::print(&render_text(&r))?;
    }
    Ok(ExitCode::SUCCESS)
}
