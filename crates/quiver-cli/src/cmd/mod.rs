//! One module per subcommand.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use quiver_cli::conformance::{run_case, run_dir};

pub mod asm;
pub mod disasm;
pub mod plugin;
pub mod run;

/// `quiver conformance DIR`.
pub fn conformance(dir: &Path, verbose: bool) -> Result<ExitCode> {
    let report = run_dir(dir, &mut run_case).with_context(|| format!("cannot read {}", dir.display()))?;
    for (path, why) in &report.failed {
        if verbose {
            println!("FAIL {}: {why}", path.display());
        } else {
            println!("FAIL {}", path.display());
        }
    }
    println!("{}", report.summary());
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
