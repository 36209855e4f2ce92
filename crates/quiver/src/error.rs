//! The runtime's errors: each names the object part it concerns.

use quiver_maps::MapError;
use quiver_obj::ObjError;
use quiver_vm::{LoadError, VmError};

/// Why loading or running failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Object(Box<ObjError>),
    #[error("map {name}: {source}")]
    Map { name: String, source: MapError },
    #[error("extern {name}: {message}")]
    Extern { name: String, message: String },
    #[error("program {name}: {message}")]
    Program { name: String, message: String },
    #[error("program {name}: {source}")]
    Compile { name: String, source: LoadError },
    #[error("program {name}: {source}")]
    Run { name: String, source: VmError },
    #[error("program {name}: verifier: {}", describe(rejected))]
    Verify {
        name: String,
        rejected: Box<quiver_verifier::Rejected>,
    },
    #[error("hook {hook}, program {program}: {message}")]
    Attach {
        hook: String,
        program: String,
        message: String,
    },
    #[error("struct_ops {var}: {message}")]
    StructOps { var: String, message: String },
    #[error("no program named {0:?}")]
    NoProgram(String),
    #[error("no struct_ops variable named {0:?} (of a registered type)")]
    NoStructOps(String),
    #[error("no map named {0:?}")]
    NoMap(String),
    #[error("map {name} is a {actual}, not a {expected}")]
    MapType {
        name: String,
        actual: String,
        expected: &'static str,
    },
    #[error("map {name}: key or value type has {actual} bytes, the map has {expected}")]
    MapSize {
        name: String,
        actual: usize,
        expected: u32,
    },
}

impl From<ObjError> for Error {
    fn from(e: ObjError) -> Self {
        Error::Object(Box::new(e))
    }
}

/// A rejection in one paragraph: where, Linux's message, the source line
/// and what would fix it.
fn describe(r: &quiver_verifier::Rejected) -> String {
    let mut out = format!("{}: {}: {}", r.pc, r.insn, r.message);
    if let Some(line) = &r.source_line {
        out.push_str(&format!(" (at {line})"));
    }
    if let Some(hint) = &r.hint {
        out.push_str(&format!("; hint: {hint}"));
    }
    out
}
