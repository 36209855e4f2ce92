//! The `quiver` command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  the program ran and failed (a memory violation, an exhausted budget...),
     or a conformance test failed
  2  bad arguments or unreadable input (file, bytecode, assembly)";

/// quiver: a userspace eBPF runtime.
#[derive(Parser)]
#[command(name = "quiver", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Assemble a program into raw bytecode.
    #[command(after_help = EXIT_CODES)]
    Asm(cmd::asm::Args),
    /// Disassemble raw bytecode (or any program file quiver reads).
    #[command(after_help = EXIT_CODES)]
    Disasm(cmd::disasm::Args),
    /// Describe a BPF object: sections, programs, maps, relocations,
    /// externs, struct_ops, BTF types.
    #[command(after_help = EXIT_CODES)]
    Inspect(cmd::inspect::Args),
    /// Run a program on the interpreter and print r0.
    #[command(after_help = EXIT_CODES)]
    Run(cmd::run::Args),
    /// Verify the programs of a BPF object (or of every `*.o` in a
    /// directory) with quiver's verifier: the verdict, what verification
    /// cost, and on rejection the failing instruction, the C source line
    /// and a hint.
    #[command(after_help = cmd::verify::EXIT_CODES)]
    Verify(cmd::verify::Args),
    /// HID-BPF without a kernel: replay recordings through HID-BPF
    /// objects, inspect objects.
    #[command(subcommand)]
    Hid(cmd::hid::Command),
    /// Run a directory of bpf_conformance tests on quiver and score them.
    #[command(after_help = EXIT_CODES)]
    Conformance {
        /// Directory of `*.data` files.
        #[arg(default_value = "../shared/conformance/bpf_conformance/tests")]
        dir: PathBuf,
        /// Print every failure with its reason.
        #[arg(long)]
        verbose: bool,
    },
    /// Act as a bpf_conformance plugin: program as hex on stdin, memory as
    /// hex in the first argument; prints r0 in hex.
    #[command(name = "conformance-plugin", after_help = EXIT_CODES)]
    ConformancePlugin(cmd::plugin::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Asm(args) => cmd::asm::run(args),
        Command::Disasm(args) => cmd::disasm::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Hid(cmd) => cmd::hid::run(cmd),
        Command::Conformance { dir, verbose } => cmd::conformance(&dir, verbose),
        Command::ConformancePlugin(args) => cmd::plugin::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("quiver: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
