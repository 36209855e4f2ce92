//! `quiver run`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quiver_cli::hex;
use quiver_cli::input::{Format, is_elf, load};
use quiver_cli::out;
use quiver_isa::asm::{Syntax, format_insn};
use quiver_vm::{Config, Helpers, Vm};

#[derive(clap::Args)]
pub struct Args {
    /// Program file: an ELF object, assembly (either syntax), raw bytecode
    /// or a `.data` test.
    input: PathBuf,
    /// How to read the input.
    #[arg(long, value_enum, default_value = "auto")]
    format: Format,
    /// Memory for the program as hex (r1 = its address, r2 = its length).
    #[arg(long, conflicts_with = "mem_file")]
    mem: Option<String>,
    /// Memory for the program from a file of raw bytes.
    #[arg(long)]
    mem_file: Option<PathBuf>,
    /// Print each executed instruction with the registers it changed.
    #[arg(long)]
    trace: bool,
    /// Stop the program after this many instructions.
    #[arg(long)]
    budget: Option<u64>,
    /// Execution engine: the interpreter or the Cranelift JIT (default:
    /// the JIT where this host has it; --trace always interprets).
    #[arg(long, value_enum)]
    engine: Option<super::EngineArg>,
    /// For an ELF object: the program to run (needed when it has several).
    #[arg(long)]
    prog: Option<String>,
    /// For an ELF object: an Ethernet frame from a file, for socket filters
    /// and XDP programs.
    #[arg(long, conflicts_with = "ctx")]
    packet: Option<PathBuf>,
    /// For an ELF object: the context bytes from a file (syscall programs,
    /// struct_ops callbacks).
    #[arg(long)]
    ctx: Option<PathBuf>,
    /// For an ELF object: run without runtime bounds checks, on the
    /// verifier's proof (`Loader::trust_verifier`); the JIT then also
    /// looks arrays up inline and calls maps directly.
    #[arg(long)]
    unchecked: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if is_elf(&args.input) {
        if args.trace || args.mem.is_some() || args.mem_file.is_some() {
            bail!(
                "--trace, --mem and --mem-file run raw programs; an object takes --prog with --packet or --ctx"
            );
        }
        let read = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>> {
            p.as_ref()
                .map(|p| std::fs::read(p).with_context(|| format!("cannot read {}", p.display())))
                .transpose()
        };
        return super::run_object::run(super::run_object::ObjectRun {
            object: &args.input,
            prog: args.prog.as_deref(),
            packet: read(&args.packet)?,
            ctx: read(&args.ctx)?,
            budget: args.budget,
            engine: super::engine(args.engine),
            unchecked: args.unchecked,
        });
    }
    if args.prog.is_some() || args.packet.is_some() || args.ctx.is_some() || args.unchecked {
        bail!(
            "--prog, --packet, --ctx and --unchecked are for ELF objects (the verifier \
             proves only those); {} is not one",
            args.input.display()
        );
    }
    let loaded = load(&args.input, args.format)?;
    let mut mem = match (&args.mem, &args.mem_file) {
        (Some(h), _) => hex::decode(h).context("--mem")?,
        (None, Some(p)) => {
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?
        }
        (None, None) => loaded.mem.clone().unwrap_or_default(),
    };
    if args.budget == Some(0) {
        bail!("--budget must be at least 1");
    }
    let config = Config::new()
        .helpers(Helpers::conformance())
        .budget(args.budget)
        .engine(super::engine(args.engine));
    let vm = Vm::new(&loaded.program, config)?;
    let before = mem.clone();
    let mut lines = out::Lines::default();
    let result = if args.trace {
        vm.run_traced(&mut mem, &mut |step| {
            let mut line = format!(
                "{:>5}: {:<40}",
                step.pc,
                format_insn(step.insn, Syntax::Llvm)
            );
            let changed: Vec<String> = (0..11)
                .filter(|&r| step.before[r] != step.after[r])
                .map(|r| format!("r{r}={:#x}", step.after[r]))
                .collect();
            if !changed.is_empty() {
                line.push_str(" ; ");
                line.push_str(&changed.join(" "));
            }
            lines.line(line.trim_end());
        })
    } else {
        vm.run(&mut mem)
    };
    match result {
        Ok(r0) => {
            lines.line(&format!("r0 = {r0:#x} ({})", r0 as i64));
            if mem != before {
                lines.line(&format!("memory: {}", hex::encode(&mem)));
            }
            lines.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            lines.finish()?;
            eprintln!("quiver: program failed: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
