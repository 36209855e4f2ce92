//! `quiver disasm`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use quiver_cli::input::{Format, load};
use quiver_isa::asm::{Syntax, disassemble};

#[derive(clap::Args)]
pub struct Args {
    /// Program file: raw bytecode by default.
    input: PathBuf,
    /// How to read the input.
    #[arg(long, value_enum, default_value = "raw")]
    format: Format,
    /// Output syntax.
    #[arg(long, value_enum, default_value = "llvm")]
    syntax: OutSyntax,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OutSyntax {
    /// llvm-objdump / verifier-log syntax (`r0 = 1`).
    Llvm,
    /// bpf_conformance / uBPF syntax (`mov %r0, 1`).
    Conformance,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let loaded = load(&args.input, args.format)?;
    let syntax = match args.syntax {
        OutSyntax::Llvm => Syntax::Llvm,
        OutSyntax::Conformance => Syntax::Conformance,
    };
    quiver_cli::out::print(&disassemble(&loaded.program, syntax))?;
    Ok(ExitCode::SUCCESS)
}
