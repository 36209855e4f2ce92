//! One module per subcommand.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::conformance::{run_case, run_dir};

pub mod asm;
pub mod disasm;
pub mod hid;
pub mod inspect;
pub mod plugin;
pub mod run;
pub mod run_object;
pub mod verify;

/// `--engine` values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum EngineArg {
    Interp,
    Jit,
}

/// The engine `--engine` chose, or the preferred one.
pub fn engine(arg: Option<EngineArg>) -> quiver::Engine {
    match arg {
        Some(EngineArg::Interp) => quiver::Engine::Interpreter,
        Some(EngineArg::Jit) => quiver::Engine::Jit,
        None => quiver::Engine::preferred(),
    }
}

/// `quiver conformance DIR`.
pub fn conformance(dir: &Path, verbose: bool) -> Result<ExitCode> {
    let report =
        run_dir(dir, &mut run_case).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut lines = quiver_cli::out::Lines::default();
    for (path, why) in &report.failed {
        if verbose {
            lines.line(&format!("FAIL {}: {why}", path.display()));
        } else {
            lines.line(&format!("FAIL {}", path.display()));
        }
    }
    lines.line(&report.summary());
    lines.finish()?;
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
