//! `quiver conformance-plugin`: the bpf_conformance plugin protocol.
//!
//! The runner writes the program as hex on standard input and passes the
//! memory as hex in the first argument; the plugin prints r0 in hex and
//! exits 0, or prints an error on standard error and exits non-zero.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::hex;
use quiver_isa::Program;
use quiver_vm::{Config, Engine, Helpers, Vm};

#[derive(clap::Args)]
pub struct Args {
    /// Memory handed to the program (r1 = its address, r2 = its length).
    memory: Option<String>,
    /// Run with the Cranelift JIT instead of the interpreter.
    #[arg(long)]
    jit: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the program from standard input")?;
    let bytes = hex::decode(&input).context("program on standard input")?;
    let mut mem = match &args.memory {
        Some(m) => hex::decode(m).context("memory argument")?,
        None => Vec::new(),
    };
    let program = match Program::decode(&bytes) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(1));
        }
    };
    let engine = if args.jit {
        Engine::Jit
    } else {
        Engine::Interpreter
    };
    let config = Config::new().helpers(Helpers::conformance()).engine(engine);
    let vm = Vm::new(&program, config)?;
    match vm.run(&mut mem) {
        Ok(r0) => {
            quiver_cli::out::print(&format!("{r0:x}\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}
