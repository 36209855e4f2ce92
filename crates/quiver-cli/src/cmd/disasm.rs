//! `quiver disasm`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::input::{Format, is_elf, load};
use quiver_isa::asm::{Syntax, disassemble, format_insn};

#[derive(clap::Args)]
pub struct Args {
    /// Program file: an ELF object, or raw bytecode by default.
    input: PathBuf,
    /// How to read the input.
    #[arg(long, value_enum, default_value = "raw")]
    format: Format,
    /// Output syntax.
    #[arg(long, value_enum, default_value = "llvm")]
    syntax: OutSyntax,
    /// For an ELF object: only this program.
    #[arg(long)]
    prog: Option<String>,
}

/// An object's programs, each instruction with its slot number and the C
/// source line it came from (BTF line info) where that line changes.
fn disasm_object(path: &std::path::Path, prog: Option<&str>, syntax: Syntax) -> Result<String> {
    use std::fmt::Write;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let obj = quiver_obj::Object::parse(&bytes).with_context(|| format!("{}", path.display()))?;
    let progs: Vec<_> = obj
        .programs
        .iter()
        .filter(|p| prog.is_none_or(|n| p.name == n))
        .collect();
    if let (Some(name), true) = (prog, progs.is_empty()) {
        let names: Vec<&str> = obj.programs.iter().map(|p| p.name.as_str()).collect();
        anyhow::bail!(
            "no program {name:?} in {} (it has: {})",
            path.display(),
            names.join(", ")
        );
    }
    let mut out = String::new();
    for p in progs {
        let _ = writeln!(out, "{} (section {}):", p.name, p.section);
        let mut pc = 0;
        let mut last_line = None;
        for insn in &p.insns {
            if let Some(f) = p.funcs.iter().find(|f| f.pc == pc && pc != 0) {
                let _ = writeln!(out, "{}:", f.name);
            }
            if let Some(l) = p.line_at(pc) {
                let key = (l.file.clone(), l.line);
                if last_line.as_ref() != Some(&key) {
                    let file = l.file.rsplit('/').next().unwrap_or(&l.file);
                    let _ = writeln!(out, "; {}:{}: {}", file, l.line, l.text.trim());
                    last_line = Some(key);
                }
            }
            let _ = writeln!(out, "{pc:>6}: {}", format_insn(insn, syntax));
            pc += insn.slots();
        }
        out.push('\n');
    }
    Ok(out)
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OutSyntax {
    /// llvm-objdump / verifier-log syntax (`r0 = 1`).
    Llvm,
    /// bpf_conformance / uBPF syntax (`mov %r0, 1`).
    Conformance,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let syntax = match args.syntax {
        OutSyntax::Llvm => Syntax::Llvm,
        OutSyntax::Conformance => Syntax::Conformance,
    };
    if is_elf(&args.input) {
        quiver_cli::out::print(&disasm_object(&args.input, args.prog.as_deref(), syntax)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let loaded = load(&args.input, args.format)?;
    quiver_cli::out::print(&disassemble(&loaded.program, syntax))?;
    Ok(ExitCode::SUCCESS)
}
