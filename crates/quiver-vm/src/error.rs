//! Why a program cannot be loaded or why a run stopped.

use std::fmt;

/// Why a program cannot become a [`Vm`](crate::Vm).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// More instructions than the interpreter's 32-bit indices reach.
    #[error("program has {len} instructions, more than the {max} the interpreter supports")]
    TooLarge {
        /// Number of instructions.
        len: usize,
        /// The most the interpreter supports.
        max: usize,
    },
    /// The JIT could not compile the program (or the crate was built
    /// without its `jit` feature).
    #[error("JIT: {reason}")]
    Jit {
        /// What went wrong.
        reason: String,
    },
    /// An instruction whose fields no encoding allows. A
    /// [`Program`](quiver_isa::Program) never holds one today; the check
    /// keeps the interpreter safe should that ever change.
    #[error("insn {pc}: {reason}")]
    InvalidInsn {
        /// Slot index of the instruction.
        pc: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Why checked mode refused a memory access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ViolationReason {
    /// The address is in no region of the run.
    NoRegion,
    /// The address is in the stack, but in a frame that is not live (below
    /// the current frame).
    OutsideLiveFrames,
    /// A write to a read-only region.
    ReadOnly {
        /// The region's name.
        region: String,
    },
    /// The access starts inside the region but ends past it.
    CrossesEnd {
        /// The region's name.
        region: String,
    },
    /// An atomic access whose address is not a multiple of its size.
    Misaligned {
        /// The alignment required (the access size).
        align: u64,
    },
}

impl fmt::Display for ViolationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViolationReason::NoRegion => f.write_str("no region"),
            ViolationReason::OutsideLiveFrames => {
                f.write_str("stack outside the live frames (below the current frame)")
            }
            ViolationReason::ReadOnly { region } => write!(f, "region {region} is read-only"),
            ViolationReason::CrossesEnd { region } => {
                write!(f, "crosses the end of region {region}")
            }
            ViolationReason::Misaligned { align } => {
                write!(f, "atomic access not aligned to {align} bytes")
            }
        }
    }
}

fn access(write: &bool) -> &'static str {
    if *write { "write" } else { "read" }
}

/// A refused access by a helper (through
/// [`HelperContext`](crate::HelperContext)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {} of {size} bytes at {addr:#x}: {reason}", access(.write))]
pub struct MemoryError {
    /// First byte of the access.
    pub addr: u64,
    /// Bytes accessed.
    pub size: usize,
    /// Whether it was a write.
    pub write: bool,
    /// Why it was refused.
    pub reason: ViolationReason,
}

/// Why a helper or kfunc failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HelperError {
    /// It accessed program memory it may not access.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// Any other failure, described.
    #[error("{0}")]
    Failed(String),
    /// A callback the helper called failed.
    #[error("in callback: {0}")]
    Callback(Box<VmError>),
    /// A call into a program or callback found no stack frame left
    /// ([`MAX_CALL_FRAMES`](crate::MAX_CALL_FRAMES)).
    #[error("no stack frame left for the call")]
    FrameLimit,
}

impl HelperError {
    /// A failure described by `message`.
    pub fn msg(message: impl Into<String>) -> Self {
        HelperError::Failed(message.into())
    }
}

/// Why a run stopped without a result. Every variant names the slot index
/// (`pc`) of the instruction at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// Checked mode refused a load, store or atomic.
    #[error("insn {pc}: invalid {} of {size} bytes at {addr:#x}: {reason}", access(.write))]
    MemoryViolation {
        /// Slot index of the instruction.
        pc: usize,
        /// First byte of the access.
        addr: u64,
        /// Bytes accessed.
        size: usize,
        /// Whether it was a write (atomics that may write count as writes).
        write: bool,
        /// Why it was refused.
        reason: ViolationReason,
    },
    /// The instruction budget of [`Config::budget`](crate::Config::budget)
    /// ran out before this instruction.
    #[error("insn {pc}: instruction budget of {limit} exhausted")]
    BudgetExhausted {
        /// Slot index of the instruction that was not executed.
        pc: usize,
        /// The budget.
        limit: u64,
    },
    /// A bpf-to-bpf call beyond the maximum number of frames.
    #[error("insn {pc}: call would exceed the maximum of {limit} call frames")]
    CallDepthExceeded {
        /// Slot index of the call.
        pc: usize,
        /// The maximum number of frames.
        limit: usize,
    },
    /// A helper asked to call back into something that is not a function
    /// of the program.
    #[error("insn {pc}: callback {addr:#x} is not a function of this program")]
    BadCallback {
        /// Slot index of the helper call.
        pc: usize,
        /// The value passed as the function.
        addr: u64,
    },
    /// A call (or callx) of a helper id missing from the helper table.
    #[error("insn {pc}: call to unknown helper {id}")]
    UnknownHelper {
        /// Slot index of the call.
        pc: usize,
        /// The helper id (for callx, the register's whole value).
        id: u64,
    },
    /// A call of a kfunc missing from the kfunc table.
    #[error("insn {pc}: call to unknown kfunc (BTF id {btf_id})")]
    UnknownKfunc {
        /// Slot index of the call.
        pc: usize,
        /// The kfunc's BTF id.
        btf_id: u32,
    },
    /// A helper returned an error.
    #[error("insn {pc}: helper {name} (id {id}) failed: {error}")]
    HelperFailed {
        /// Slot index of the call.
        pc: usize,
        /// The helper id.
        id: u32,
        /// The helper's name.
        name: String,
        /// What the helper reported.
        error: HelperError,
    },
    /// A kfunc returned an error.
    #[error("insn {pc}: kfunc {name} (BTF id {btf_id}) failed: {error}")]
    KfuncFailed {
        /// Slot index of the call.
        pc: usize,
        /// The kfunc's BTF id.
        btf_id: u32,
        /// The kfunc's name.
        name: String,
        /// What the kfunc reported.
        error: HelperError,
    },
}

impl VmError {
    /// Slot index of the instruction at fault.
    pub fn pc(&self) -> usize {
        match *self {
            VmError::MemoryViolation { pc, .. }
            | VmError::BudgetExhausted { pc, .. }
            | VmError::CallDepthExceeded { pc, .. }
            | VmError::BadCallback { pc, .. }
            | VmError::UnknownHelper { pc, .. }
            | VmError::UnknownKfunc { pc, .. }
            | VmError::HelperFailed { pc, .. }
            | VmError::KfuncFailed { pc, .. } => pc,
        }
    }
}
