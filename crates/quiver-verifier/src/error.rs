//! Why a program is refused: a kind for programs to match on, Linux's
//! message for people, and quiver's hint of what would fix it.

/// The class of a verification error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The program's shape: jumps out of range, unreachable code,
    /// recursion, too many frames.
    Structure,
    /// A register read before it was written.
    UninitRegister,
    /// A stack read of bytes never written.
    UninitStack,
    /// A memory access through something that is not a pointer to
    /// memory, or outside its region.
    MemoryAccess,
    /// A misaligned access.
    Alignment,
    /// A context field access the program type does not allow.
    ContextAccess,
    /// Arithmetic not allowed on a pointer, or that leaves its region.
    PointerArithmetic,
    /// A pointer stored or returned where it must not go.
    PointerLeak,
    /// A call to something unknown or not allowed here.
    Call,
    /// A call argument of the wrong type or size.
    CallArgument,
    /// r0 at exit outside the allowed range.
    ReturnValue,
    /// A loop the verifier cannot prove to end.
    InfiniteLoop,
    /// Too many instructions to explore, or too deep.
    TooComplex,
    /// Stack beyond its 512 bytes (with the frames above).
    StackDepth,
    /// A reference leaked or released twice.
    Reference,
    /// Misuse of `bpf_spin_lock` or RCU read sections.
    Lock,
    /// A sleepable call where the program may not sleep.
    Sleepable,
    /// A map the program type may not use.
    MapCompatibility,
    /// An iterator misused.
    Iterator,
}

/// A verification error at an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub insn: usize,
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl VerifyError {
    pub fn new(insn: usize, kind: ErrorKind, message: impl Into<String>) -> Self {
        VerifyError {
            insn,
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Shorthand for the checker's results.
pub type Check<T = ()> = Result<T, VerifyError>;
