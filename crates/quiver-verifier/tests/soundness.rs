//! Soundness: random programs that the verifier accepts must run without a
//! memory fault in the checked interpreter.
//!
//! A proptest generator builds programs from weighted templates that
//! exercise what the verifier must get right: scalar tracking through every
//! ALU operation (32 and 64 bits, division, shifts, negation, sign
//! extension, byte swaps), bounds learnt from masks and from branches
//! (JMP32, signed, register against register), fixed and variable-offset
//! stack and context accesses (in bounds and aligned mostly, sometimes not),
//! pointer arithmetic, pointer spills and fills (narrow ones too, and
//! through pointers into other frames), atomics, helper calls with
//! variable-size memory arguments, bpf-to-bpf calls passing pointers into
//! the caller's stack, counted and `may_goto` loops, if/else diamonds and
//! early exits. Guards put a *poison* access (one that faults whenever it
//! runs) behind a branch, so the program is accepted only when the
//! verifier proves the branch is never taken. Programs are mostly verified
//! with root's rules, sometimes with unprivileged ones.
//!
//! Every accepted program then runs in checked mode on several contexts;
//! any fault (or a verifier panic) fails the test with the minimised
//! program, the fault and the verifier's log at level 2.
//!
//! The run is seeded and deterministic. `QUIVER_SOUNDNESS_CASES=n` changes
//! the number of programs (5000 by default), `QUIVER_SOUNDNESS_SEED=n` the
//! seed, `QUIVER_SOUNDNESS_MESSAGES=1` groups rejections by message rather
//! than by kind. Run with `--nocapture` to see the acceptance rate and the
//! time taken.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use quiver_isa::asm::{Syntax, format_insn};
use quiver_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, Insn, JmpCond, Program, Pseudo, Reg, Size, Source,
    Width,
};
use quiver_verifier::host::{Arg, CtxField, CtxFieldKind, Host, ProgramType, Proto, Ret};
use quiver_verifier::{Input, Options, verify};
use quiver_vm::{Config, HelperError, Helpers, Vm, VmError};

// ---------------------------------------------------------------------
// The host: one program type, a 64-byte context, three helpers.
// ---------------------------------------------------------------------

const PROG_TYPE: &str = "soundness";
const CTX_SIZE: usize = 64;

/// Context fields: (offset, size, readable, writable). Bytes 48..56 belong
/// to no field.
const FIELDS: &[(u32, u32, bool, bool)] = &[
    (0, 8, true, true),
    (8, 4, true, true),
    (12, 4, true, false),
    (16, 2, true, true),
    (18, 2, true, true),
    (20, 1, true, true),
    (21, 1, true, true),
    (22, 1, true, false),
    (23, 1, false, true),
    (24, 8, true, true),
    (32, 4, true, true),
    (36, 4, false, true),
    (40, 8, true, false),
    (56, 8, true, true),
];

/// `r0 = random u64`.
const HELPER_RAND: i32 = 7;
/// `fill(ptr, len)`: writes `len` bytes at `ptr`.
const HELPER_FILL: i32 = 9;
/// `sum(ptr, len)`: reads `len` bytes at `ptr`.
const HELPER_SUM: i32 = 10;

/// Instructions each run may execute: loops stop there, which is fine.
const BUDGET: u64 = 20_000;

fn host() -> Host {
    let mut ty = ProgramType::new(PROG_TYPE, CTX_SIZE as u32);
    ty.ctx_fields = FIELDS
        .iter()
        .map(|&(off, size, read, write)| CtxField {
            name: format!("f{off}"),
            off,
            size,
            read,
            write,
            kind: CtxFieldKind::Scalar,
        })
        .collect();
    ty.helpers = vec![HELPER_RAND as u32, HELPER_FILL as u32, HELPER_SUM as u32];
    let mem = |writable| {
        vec![
            Arg::Mem {
                size: None,
                size_arg: Some(1),
                writable,
                nullable: false,
            },
            Arg::Size { zero_ok: true },
        ]
    };
    Host::new()
        .program_type(ty)
        .helper(
            HELPER_RAND as u32,
            Proto::new("bpf_get_prandom_u32", vec![], Ret::Scalar),
        )
        .helper(
            HELPER_FILL as u32,
            Proto::new("fill", mem(true), Ret::Scalar),
        )
        .helper(
            HELPER_SUM as u32,
            Proto::new("sum", mem(false), Ret::Scalar),
        )
}

/// The VM's side of the helpers. `rand` returns full 64-bit values (the
/// verifier's `Ret::Scalar` allows any), often extreme ones.
fn vm_helpers() -> Helpers {
    let state = Arc::new(AtomicU64::new(0x9e37_79b9_7f4a_7c15));
    Helpers::new()
        .with(HELPER_RAND as u32, "bpf_get_prandom_u32", move |_, _| {
            let mut x = state.load(Ordering::Relaxed);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.store(x, Ordering::Relaxed);
            Ok(match x % 8 {
                0 => 0,
                1 => u64::MAX,
                2 => 1 << 63,
                3 => x & 0xff,
                4 => x as u32 as u64,
                _ => x,
            })
        })
        .with(HELPER_FILL as u32, "fill", |ctx, a| {
            let len = checked_len(a[1])?;
            ctx.write_bytes(a[0], &vec![0xa5; len])?;
            Ok(0)
        })
        .with(HELPER_SUM as u32, "sum", |ctx, a| {
            let len = checked_len(a[1])?;
            let bytes = ctx.read_vec(a[0], len)?;
            Ok(bytes.iter().map(|&b| b as u64).sum())
        })
}

/// No region is this large: a bigger size is a fault without looking.
fn checked_len(len: u64) -> Result<usize, HelperError> {
    if len > 1 << 16 {
        return Err(HelperError::msg(format!(
            "size {len} is larger than any region"
        )));
    }
    Ok(len as usize)
}

/// Privileged (root) rules unless `privileged` is false.
fn options(privileged: bool) -> Options {
    Options {
        log_level: 0,
        // Enough for every program the generator builds that the verifier
        // handles sensibly, and keeps exploding ones cheap.
        insn_limit: 200_000,
        privileged,
    }
}

fn verify_program(
    program: &Program,
    options: &Options,
) -> Result<(), Box<quiver_verifier::Rejected>> {
    let kfuncs = BTreeMap::new();
    let input = Input {
        program,
        program_type: PROG_TYPE,
        sleepable: false,
        maps: &[],
        kfuncs: &kfuncs,
        source_line: None,
        func_info: true,
        global_funcs: &[],
    };
    verify(&host(), &input, options).map(|_| ())
}

/// What became of one program.
#[derive(Debug)]
enum Verdict {
    Rejected(String),
    Accepted { budget_stops: usize },
}

fn listing(program: &Program) -> String {
    let mut out = String::new();
    for (pc, insn) in program.iter() {
        let _ = writeln!(out, "{pc:4}: {}", format_insn(insn, Syntax::Llvm));
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

thread_local! {
    /// Set while [`quietly`] runs: panics are recorded, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// What the last quiet panic said, with its location.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `f`, catching a panic without printing it (shrinking would print
/// it hundreds of times): the message is returned instead.
fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
            } else {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|_| LAST_PANIC.with(|p| p.borrow().clone()))
}

fn report(program: &Program, options: &Options, what: &str) -> String {
    let options = Options {
        log_level: 2,
        ..*options
    };
    let log = match quietly(|| verify_program(program, &options)) {
        Ok(Ok(())) => "(accepted)".to_string(),
        Ok(Err(r)) => format!("(rejected: {r})\n{}", r.log),
        Err(panic) => format!("(the verifier panicked: {panic})"),
    };
    let rules = if options.privileged {
        "privileged"
    } else {
        "unprivileged"
    };
    format!(
        "{what}\n--- program ({rules}) ---\n{}--- verifier log (level 2) ---\n{log}",
        listing(program)
    )
}

/// Verifies `program` and runs it on each context if accepted: `Err` is a
/// soundness failure, described.
fn check_program(program: &Program, ctxs: &[Vec<u8>], privileged: bool) -> Result<Verdict, String> {
    let options = options(privileged);
    let report = |what: &str| report(program, &options, what);
    match quietly(|| verify_program(program, &options)) {
        Err(panic) => return Err(report(&format!("the verifier panicked: {panic}"))),
        Ok(Err(r)) => {
            let why = if std::env::var_os("QUIVER_SOUNDNESS_MESSAGES").is_some() {
                // The message without its numbers, to group alike ones.
                r.message.replace(|c: char| c.is_ascii_digit(), "")
            } else {
                format!("{:?}", r.kind)
            };
            return Ok(Verdict::Rejected(why));
        }
        Ok(Ok(())) => {}
    }
    let config = Config::new().helpers(vm_helpers()).budget(Some(BUDGET));
    let vm = Vm::new(program, config)
        .map_err(|e| report(&format!("accepted, but the VM cannot load it: {e}")))?;
    let mut budget_stops = 0;
    for ctx in ctxs {
        let mut mem = ctx.clone();
        let run = quietly(|| vm.run(&mut mem))
            .map_err(|panic| report(&format!("the VM panicked: {panic}")))?;
        match run {
            Ok(_) => {}
            Err(VmError::BudgetExhausted { .. }) => budget_stops += 1,
            Err(e) => {
                return Err(report(&format!(
                    "accepted, but faults: {e}\n--- context ---\n{}",
                    hex(ctx)
                )));
            }
        }
    }
    Ok(Verdict::Accepted { budget_stops })
}

// ---------------------------------------------------------------------
// The generator: templates, and their lowering to instructions.
// ---------------------------------------------------------------------

fn reg(n: u8) -> Reg {
    Reg::new(n).expect("register number")
}

/// An access that faults whenever it runs, and that the verifier refuses
/// wherever it thinks it may run.
#[derive(Clone, Copy, Debug)]
enum Poison {
    /// `*(u64 *)(r10 + 8) = 0`: above the stack.
    AboveStack,
    /// `r0 = *(u8 *)(r6 + 64)`: past the context.
    PastCtx,
    /// `r0 = *(u64 *)(r10 - 520)`: below the frame.
    BelowStack,
}

impl Poison {
    fn insn(self) -> Insn {
        match self {
            Poison::AboveStack => Insn::Store {
                size: Size::DW,
                dst: Reg::R10,
                off: 8,
                src: Source::Imm(0),
            },
            Poison::PastCtx => Insn::Load {
                size: Size::B,
                sign_extend: false,
                dst: Reg::R0,
                src: Reg::R6,
                off: CTX_SIZE as i16,
            },
            Poison::BelowStack => Insn::Load {
                size: Size::DW,
                sign_extend: false,
                dst: Reg::R0,
                src: Reg::R10,
                off: -520,
            },
        }
    }
}

/// What a memory template does at its address.
#[derive(Clone, Copy, Debug)]
enum MemOp {
    Load { dst: Reg, sign_extend: bool },
    Store(Source),
}

/// An argument a call template passes.
#[derive(Clone, Copy, Debug)]
enum CallArg {
    Copy(Reg),
    Stack(i32),
    Imm(i32),
}

/// One piece of a program. Counts (`skip`, `body`, ...) are in templates.
#[derive(Clone, Debug)]
enum T {
    Mov {
        width: Width,
        dst: Reg,
        src: Source,
    },
    Ld64 {
        dst: Reg,
        imm: u64,
    },
    Alu {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Source,
    },
    Neg {
        width: Width,
        dst: Reg,
    },
    MovSx {
        width: Width,
        dst: Reg,
        src: Reg,
        bits: u8,
    },
    Endian {
        order: ByteOrder,
        bits: u8,
        dst: Reg,
    },
    /// `dst &= mask; if dst <cond> k goto +1; poison`.
    MaskGuard {
        width: Width,
        dst: Reg,
        mask: i32,
        cond: JmpCond,
        k: i32,
        poison: Poison,
    },
    /// Through r6 (the context) or r10 (the stack).
    Access {
        base: Reg,
        size: Size,
        off: i16,
        op: MemOp,
    },
    /// `dst = base; [idx &= mask;] dst += idx; dst += disp`.
    Ptr {
        dst: Reg,
        base: Reg,
        idx: Reg,
        mask: Option<i32>,
        disp: i32,
    },
    /// Through any register, small offset.
    Mem {
        base: Reg,
        size: Size,
        off: i16,
        op: MemOp,
    },
    /// `*(u64 *)(base + off) = src` with base r6, r7 or r8 (in a
    /// subprogram: its arguments, often pointers into the caller's stack):
    /// spills through pointers, also of r10.
    StoreVia {
        base: Reg,
        off: i16,
        src: Reg,
    },
    /// `*(u64 *)(r10 - 8 * slot) = src`.
    Spill {
        slot: u8,
        src: Reg,
    },
    /// `r8 = *(u64 *)(r10 - 8 * slot)`, then an access through r8.
    FillDeref {
        slot: u8,
        size: Size,
        off: i16,
        op: MemOp,
    },
    /// `dst = *(size *)(r10 - 8 * slot + sub)`.
    Fill {
        dst: Reg,
        slot: u8,
        size: Size,
        sub: i16,
        sign_extend: bool,
    },
    Atomic {
        size: Size,
        op: AtomicOp,
        base: Reg,
        off: i16,
        src: Reg,
    },
    /// `if dst <cond> src goto <skip templates ahead>`.
    Jmp {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        skip: u8,
    },
    /// `if dst <cond> src goto +1; poison`.
    Guard {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        poison: Poison,
    },
    /// `if !cond goto ELSE; <then>; goto END; ELSE: <else>; END:`.
    Diamond {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        then: u8,
        els: u8,
    },
    /// `if cond goto +2; r0 = ret; exit`.
    Exit {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        ret: Source,
    },
    /// `call rand`, then r1..r5 = r0 (bit set in `copies`) or small numbers.
    Rand {
        copies: u8,
    },
    /// `call fill/sum` on `base + disp` (base = r10, r6 or a register).
    HelperMem {
        write: bool,
        base: Reg,
        disp: i32,
        len: Source,
        copies: u8,
    },
    /// A bpf-to-bpf call of subprogram `sub` (only subprograms after the
    /// caller are called: no recursion).
    CallSub {
        sub: u8,
        args: [CallArg; 5],
        copies: u8,
    },
    /// `r9 = n; L: <body>; r9 -= 1; if r9 s> 0 goto L`. Not nested.
    Loop {
        n: u8,
        body: u8,
    },
    /// `L: may_goto END; <body>; goto L; END:`.
    MayGoto {
        body: u8,
    },
}

/// How a register starts (in the main program).
#[derive(Clone, Copy, Debug)]
enum Init {
    Imm(i32),
    /// A context field.
    Ctx {
        off: i16,
        size: Size,
    },
    /// `r10 + disp`.
    Stack(i16),
    /// The context pointer.
    CtxPtr,
}

#[derive(Clone, Debug)]
struct Func {
    body: Vec<T>,
    ret: Source,
}

#[derive(Clone, Debug)]
struct Case {
    /// Initial values of [`INIT_REGS`].
    init: Vec<Init>,
    /// Registers the main program spills at its start, with their slots
    /// (so that fills find pointers as often as numbers).
    spills: Vec<(u8, Reg)>,
    main: Func,
    subs: Vec<Func>,
    /// Templates use only the first `fold` of [`SCALARS`] (see
    /// [`fold_regs`]).
    fold: u8,
    /// Whether the verifier applies root's rules (mostly) or
    /// unprivileged ones.
    privileged: bool,
    ctxs: Vec<Vec<u8>>,
}

/// Registers templates write: all but r6 (the context), r9 (the loop
/// counter) and r10. The main program gives them initial values.
const INIT_REGS: [u8; 8] = [0, 1, 2, 3, 4, 5, 7, 8];
/// Registers that mostly hold numbers...
const SCALARS: [u8; 6] = [0, 1, 2, 3, 4, 5];
/// ... and those that mostly hold pointers, so that pointer arithmetic and
/// accesses are not refused too often.
const POINTERS: [u8; 2] = [7, 8];
/// Comparison constants: round ones, which masks and other comparisons
/// often give as bounds.
const ROUND: &[i32] = &[
    0,
    1,
    7,
    8,
    15,
    16,
    63,
    64,
    255,
    256,
    511,
    512,
    0xffff,
    0x7fff_ffff,
    -1,
    -8,
];

const INTERESTING: &[i32] = &[
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    15,
    16,
    31,
    32,
    63,
    64,
    127,
    128,
    255,
    256,
    511,
    512,
    0xffff,
    0x7fff_ffff,
    -1,
    -2,
    -8,
    -64,
    -512,
    i32::MIN,
];
const MASKS: &[i32] = &[
    0x1, 0x3, 0x7, 0xf, 0x38, 0x3f, 0xf8, 0xff, 0x1f8, 0x1ff, 0x7f8, 0xfff, -8,
];
const DISPS: &[i32] = &[-512, -504, -256, -128, -64, -16, -8, 0, 8, -520];
const WIDE: &[u64] = &[
    0,
    1,
    u64::MAX,
    1 << 63,
    (1 << 63) - 1,
    1 << 32,
    (1 << 32) - 1,
    0xffff_ffff_0000_0000,
    0x8000_0000,
    0x1_0000_0008,
];

/// A register to write a number to.
fn dst_s() -> BoxedStrategy<Reg> {
    prop_oneof![
        20 => select(SCALARS.to_vec()).prop_map(reg),
        1 => select(POINTERS.to_vec()).prop_map(reg),
    ]
    .boxed()
}

/// A register to write a pointer to, or to access memory through.
fn ptr_s() -> BoxedStrategy<Reg> {
    prop_oneof![
        6 => select(POINTERS.to_vec()).prop_map(reg),
        1 => select(SCALARS.to_vec()).prop_map(reg),
    ]
    .boxed()
}

/// A register to read.
fn src_s() -> BoxedStrategy<Reg> {
    prop_oneof![
        12 => select(SCALARS.to_vec()).prop_map(reg),
        1 => select(POINTERS.to_vec()).prop_map(reg),
        1 => Just(Reg::R6),
        1 => Just(Reg::R9),
        1 => Just(Reg::R10),
    ]
    .boxed()
}

/// A constant to compare with.
fn cmp_imm_s() -> BoxedStrategy<i32> {
    prop_oneof![3 => select(ROUND.to_vec()), 1 => imm_s()].boxed()
}

/// A guard's condition: the poison runs when it is false, so conditions
/// that bounded values make always true come first.
fn guard_cond_s() -> BoxedStrategy<JmpCond> {
    use JmpCond::*;
    prop_oneof![
        3 => Just(Le),
        3 => Just(Lt),
        2 => Just(Sle),
        2 => Just(Slt),
        2 => Just(Ne),
        1 => Just(Ge),
        1 => Just(Gt),
        1 => Just(Sge),
        1 => Just(Sgt),
        1 => Just(Eq),
        1 => Just(Set),
    ]
    .boxed()
}

fn imm_s() -> BoxedStrategy<i32> {
    prop_oneof![
        4 => select(INTERESTING.to_vec()),
        2 => -16i32..=16,
        1 => any::<i32>(),
    ]
    .boxed()
}

fn source_s() -> BoxedStrategy<Source> {
    prop_oneof![
        3 => imm_s().prop_map(Source::Imm),
        2 => src_s().prop_map(Source::Reg),
    ]
    .boxed()
}

/// An ALU operand: pointers rarely, as they make the result a pointer
/// that later arithmetic must not touch.
fn alu_source_s() -> BoxedStrategy<Source> {
    prop_oneof![
        12 => imm_s().prop_map(Source::Imm),
        8 => select(SCALARS.to_vec()).prop_map(|r| Source::Reg(reg(r))),
        1 => src_s().prop_map(Source::Reg),
    ]
    .boxed()
}

fn width_s() -> BoxedStrategy<Width> {
    prop_oneof![2 => Just(Width::W64), 1 => Just(Width::W32)].boxed()
}

fn size_s() -> BoxedStrategy<Size> {
    select(vec![Size::B, Size::H, Size::W, Size::DW]).boxed()
}

fn cond_s() -> BoxedStrategy<JmpCond> {
    select(JmpCond::ALL.to_vec()).boxed()
}

fn poison_s() -> BoxedStrategy<Poison> {
    select(vec![
        Poison::AboveStack,
        Poison::PastCtx,
        Poison::BelowStack,
    ])
    .boxed()
}

/// A stack offset for an access of `size`: mostly aligned and in the 512
/// bytes (and often in the top 64, where spills go), sometimes anything.
fn stack_off(size: Size, mode: u8, a: u16) -> i16 {
    let n = size.bytes() as i16;
    match mode {
        0..=5 => -8 * (1 + (a % 8) as i16) + n * ((a / 8) as i16 % (8 / n)),
        6..=8 => -n * (1 + (a as i16 & 0x7fff) % (512 / n)),
        _ => (a % 540) as i16 - 524,
    }
}

/// A context offset and size: mostly inside a field, sometimes anything
/// around the context.
fn ctx_off(size: Size, mode: u8, a: u16) -> (i16, Size) {
    if mode < 9 {
        let (off, fsize, _, _) = FIELDS[a as usize % FIELDS.len()];
        let size = match size.bytes() as u32 {
            s if s <= fsize => size,
            _ => [Size::B, Size::H, Size::W, Size::DW]
                .into_iter()
                .find(|s| s.bytes() as u32 == fsize)
                .expect("field sizes are access sizes"),
        };
        let slots = fsize / size.bytes() as u32;
        let k = (a as u32 / FIELDS.len() as u32) % slots;
        ((off + k * size.bytes() as u32) as i16, size)
    } else {
        ((a % 80) as i16 - 8, size)
    }
}

fn mem_op_s() -> BoxedStrategy<MemOp> {
    prop_oneof![
        4 => (dst_s(), any::<bool>()).prop_map(|(dst, sx)| MemOp::Load {
            dst,
            sign_extend: sx
        }),
        3 => source_s().prop_map(MemOp::Store),
        // Pointers too: spills through pointers, into other frames.
        1 => prop_oneof![ptr_s(), Just(Reg::R10)].prop_map(|r| MemOp::Store(Source::Reg(r))),
    ]
    .boxed()
}

/// A stack slot (1: `r10 - 8`), mostly one of the top few so that spills,
/// fills and pointers passed to subprograms meet.
fn slot_s() -> BoxedStrategy<u8> {
    prop_oneof![3 => 1u8..=2, 2 => 3u8..=4, 1 => 5u8..=8].boxed()
}

fn call_arg_s() -> BoxedStrategy<CallArg> {
    prop_oneof![
        3 => prop_oneof![ptr_s(), Just(Reg::R6), src_s()].prop_map(CallArg::Copy),
        3 => prop_oneof![
            3 => slot_s().prop_map(|k| -8 * k as i32),
            1 => select(DISPS.to_vec()),
            1 => -64i32..0,
        ]
        .prop_map(CallArg::Stack),
        1 => imm_s().prop_map(CallArg::Imm),
    ]
    .boxed()
}

fn alu_op_s() -> BoxedStrategy<AluOp> {
    select(vec![
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::Sdiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::Smod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ])
    .boxed()
}

fn template_s() -> BoxedStrategy<T> {
    let mov = (width_s(), dst_s(), alu_source_s()).prop_map(|(width, dst, src)| T::Mov {
        width,
        dst,
        src,
    });
    let ld64 = (dst_s(), prop_oneof![select(WIDE.to_vec()), any::<u64>()])
        .prop_map(|(dst, imm)| T::Ld64 { dst, imm });
    let alu = (width_s(), alu_op_s(), dst_s(), alu_source_s(), 0u8..10).prop_map(
        |(width, op, dst, src, fix)| {
            let bits = if width == Width::W64 { 64 } else { 32 };
            // Shifts by an immediate of the width or more, and division by
            // an immediate 0, are refused at load: keep them rare.
            let src = match (op, src) {
                (AluOp::Lsh | AluOp::Rsh | AluOp::Arsh, Source::Imm(i)) if fix > 0 => {
                    Source::Imm(i.rem_euclid(bits))
                }
                (AluOp::Div | AluOp::Sdiv | AluOp::Mod | AluOp::Smod, Source::Imm(0))
                    if fix > 0 =>
                {
                    Source::Imm(fix as i32)
                }
                _ => src,
            };
            T::Alu {
                width,
                op,
                dst,
                src,
            }
        },
    );
    let unary = prop_oneof![
        (width_s(), dst_s()).prop_map(|(width, dst)| T::Neg { width, dst }),
        (width_s(), dst_s(), src_s(), 0usize..3).prop_map(|(width, dst, src, b)| {
            let bits = if width == Width::W64 {
                [8, 16, 32][b]
            } else {
                [8, 16, 16][b]
            };
            T::MovSx {
                width,
                dst,
                src,
                bits,
            }
        }),
        (
            select(vec![ByteOrder::ToLe, ByteOrder::ToBe, ByteOrder::Swap]),
            select(vec![16u8, 32, 64]),
            dst_s()
        )
            .prop_map(|(order, bits, dst)| T::Endian { order, bits, dst }),
    ];
    let mask_guard = (
        width_s(),
        dst_s(),
        select(MASKS.to_vec()),
        guard_cond_s(),
        prop_oneof![3 => -2i32..=2, 1 => imm_s()],
        prop::bool::weighted(0.8),
        poison_s(),
    )
        .prop_map(|(width, dst, mask, cond, d, near, poison)| T::MaskGuard {
            width,
            dst,
            mask,
            cond,
            k: if near { mask.wrapping_add(d) } else { d },
            poison,
        });
    let stack =
        (size_s(), 0u8..10, any::<u16>(), mem_op_s()).prop_map(|(size, mode, a, op)| T::Access {
            base: Reg::R10,
            size,
            off: stack_off(size, mode, a),
            op,
        });
    let ctx = (
        size_s(),
        0u8..10,
        any::<u16>(),
        mem_op_s(),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(size, mode, a, op, obey)| {
            let (off, size) = ctx_off(size, mode, a);
            // Mostly what the field allows.
            let field = FIELDS
                .iter()
                .find(|f| off >= f.0 as i16 && off + size.bytes() as i16 <= (f.0 + f.1) as i16);
            let op = match (field, op) {
                (Some(f), MemOp::Store(_)) if obey && !f.3 => MemOp::Load {
                    dst: Reg::R0,
                    sign_extend: false,
                },
                (Some(f), MemOp::Load { .. }) if obey && !f.2 => MemOp::Store(Source::Imm(0)),
                _ => op,
            };
            T::Access {
                base: Reg::R6,
                size,
                off,
                op,
            }
        });
    let ptr = (
        ptr_s(),
        prop_oneof![6 => Just(Reg::R10), 1 => Just(Reg::R6), 1 => ptr_s()],
        select(SCALARS.to_vec()).prop_map(reg),
        prop::option::weighted(0.8, select(MASKS.to_vec())),
        prop_oneof![3 => select(DISPS.to_vec()), 1 => -600i32..64],
    )
        .prop_map(|(dst, base, idx, mask, disp)| T::Ptr {
            dst,
            base,
            idx,
            mask,
            disp,
        });
    let mem = (
        ptr_s(),
        size_s(),
        prop_oneof![4 => 0i16..=1, 2 => -16i16..=16],
        mem_op_s(),
    )
        .prop_map(|(base, size, k, op)| T::Mem {
            base,
            size,
            // Mostly aligned: k * size, with k in a small range.
            off: k * size.bytes() as i16,
            op,
        });
    let store_via = (
        select(vec![Reg::R6, Reg::R7, Reg::R8]),
        prop_oneof![3 => Just(0i16), 1 => Just(-8i16), 1 => Just(8i16)],
        prop_oneof![2 => Just(Reg::R10), 2 => ptr_s(), 1 => src_s()],
    )
        .prop_map(|(base, off, src)| T::StoreVia { base, off, src });
    let spill =
        (slot_s(), prop_oneof![ptr_s(), src_s()]).prop_map(|(slot, src)| T::Spill { slot, src });
    let fill = (
        prop_oneof![ptr_s(), dst_s()],
        slot_s(),
        prop_oneof![2 => Just(Size::DW), 1 => size_s()],
        0i16..8,
        prop::bool::weighted(0.2),
    )
        .prop_map(|(dst, slot, size, sub, sx)| T::Fill {
            dst,
            slot,
            size,
            sub: (sub * size.bytes() as i16) % 8,
            sign_extend: sx && size != Size::DW,
        });
    let fill_deref = (
        slot_s(),
        size_s(),
        prop_oneof![2 => Just(-1i16), 1 => 0i16..=1],
        mem_op_s(),
    )
        .prop_map(|(slot, size, k, op)| T::FillDeref {
            slot,
            size,
            off: k * size.bytes() as i16,
            op,
        });
    let atomic = (
        prop_oneof![3 => Just(Size::DW), 2 => Just(Size::W), 1 => size_s()],
        select(vec![
            AtomicOp::Add { fetch: false },
            AtomicOp::Add { fetch: true },
            AtomicOp::Or { fetch: true },
            AtomicOp::And { fetch: false },
            AtomicOp::Xor { fetch: true },
            AtomicOp::Xchg,
            AtomicOp::Cmpxchg,
            AtomicOp::LoadAcquire,
            AtomicOp::StoreRelease,
        ]),
        prop_oneof![4 => Just(Reg::R10), 1 => ptr_s()],
        0u8..10,
        any::<u16>(),
        select(SCALARS.to_vec()).prop_map(reg),
    )
        .prop_map(|(size, op, base, mode, a, src)| {
            let rmw = !matches!(op, AtomicOp::LoadAcquire | AtomicOp::StoreRelease);
            let size = if rmw && matches!(size, Size::B | Size::H) {
                Size::W
            } else {
                size
            };
            let off = if base == Reg::R10 {
                stack_off(size, mode, a)
            } else {
                (a % 3) as i16 * size.bytes() as i16
            };
            T::Atomic {
                size,
                op,
                base,
                off,
                src,
            }
        });
    let jmp = (width_s(), cond_s(), src_s(), source_s(), 0u8..=4).prop_map(
        |(width, cond, dst, src, skip)| T::Jmp {
            width,
            cond,
            dst,
            src,
            skip,
        },
    );
    let guard = (
        width_s(),
        guard_cond_s(),
        src_s(),
        prop_oneof![
            4 => cmp_imm_s().prop_map(Source::Imm),
            1 => src_s().prop_map(Source::Reg),
        ],
        poison_s(),
    )
        .prop_map(|(width, cond, dst, src, poison)| T::Guard {
            width,
            cond,
            dst,
            src,
            poison,
        });
    let diamond = (width_s(), cond_s(), src_s(), source_s(), 0u8..=4, 0u8..=4).prop_map(
        |(width, cond, dst, src, then, els)| T::Diamond {
            width,
            cond,
            dst,
            src,
            then,
            els,
        },
    );
    let exit = (width_s(), cond_s(), src_s(), source_s(), source_s()).prop_map(
        |(width, cond, dst, src, ret)| T::Exit {
            width,
            cond,
            dst,
            src,
            ret,
        },
    );
    let rand = any::<u8>().prop_map(|copies| T::Rand { copies });
    let helper_mem = (
        any::<bool>(),
        prop_oneof![6 => Just(Reg::R10), 1 => Just(Reg::R6), 2 => ptr_s()],
        prop_oneof![3 => select(DISPS.to_vec()), 1 => -600i32..64],
        prop_oneof![
            3 => select(vec![0, 1, 4, 8, 16, 64, 256, 512, 513]).prop_map(Source::Imm),
            1 => (0i32..600).prop_map(Source::Imm),
            2 => dst_s().prop_map(Source::Reg),
        ],
        any::<u8>(),
    )
        .prop_map(|(write, base, disp, len, copies)| T::HelperMem {
            write,
            base,
            disp,
            len,
            copies,
        });
    let call_sub = (
        0u8..2,
        [
            call_arg_s(),
            call_arg_s(),
            call_arg_s(),
            call_arg_s(),
            call_arg_s(),
        ],
        any::<u8>(),
    )
        .prop_map(|(sub, args, copies)| T::CallSub { sub, args, copies });
    let lp = (1u8..=4, 0u8..=6).prop_map(|(n, body)| T::Loop { n, body });
    let may_goto = (0u8..=4).prop_map(|body| T::MayGoto { body });
    prop_oneof![
        6 => mov,
        2 => ld64,
        12 => alu,
        3 => unary,
        4 => mask_guard,
        7 => stack,
        6 => ctx,
        6 => ptr,
        6 => mem,
        3 => store_via,
        2 => fill_deref,
        3 => spill,
        3 => fill,
        2 => atomic,
        4 => jmp,
        4 => guard,
        2 => diamond,
        1 => exit,
        1 => rand,
        2 => helper_mem,
        3 => call_sub,
        1 => lp,
        1 => may_goto,
    ]
    .boxed()
}

fn init_s(r: u8) -> BoxedStrategy<Init> {
    if POINTERS.contains(&r) {
        return prop_oneof![
            4 => (1i16..=64).prop_map(|k| Init::Stack(-8 * k)),
            2 => Just(Init::CtxPtr),
            1 => imm_s().prop_map(Init::Imm),
        ]
        .boxed();
    }
    let readable: Vec<(u32, u32)> = FIELDS
        .iter()
        .filter(|f| f.2)
        .map(|&(off, size, _, _)| (off, size))
        .collect();
    prop_oneof![
        imm_s().prop_map(Init::Imm),
        select(readable).prop_map(|(off, size)| Init::Ctx {
            off: off as i16,
            size: [Size::B, Size::H, Size::W, Size::DW]
                .into_iter()
                .find(|s| s.bytes() as u32 == size)
                .expect("field sizes are access sizes"),
        }),
    ]
    .boxed()
}

fn func_s(max: usize) -> BoxedStrategy<Func> {
    (
        prop::collection::vec(template_s(), 0..max),
        prop_oneof![
            3 => imm_s().prop_map(Source::Imm),
            1 => src_s().prop_map(Source::Reg),
        ],
    )
        .prop_map(|(body, ret)| Func { body, ret })
        .boxed()
}

fn case_s(max_len: usize) -> BoxedStrategy<Case> {
    let ctx = prop_oneof![
        3 => prop::collection::vec(any::<u8>(), CTX_SIZE),
        1 => prop::collection::vec(select(vec![0u8, 1, 0x7f, 0x80, 0xff]), CTX_SIZE),
    ];
    (
        INIT_REGS.map(init_s).to_vec(),
        prop::collection::vec(
            (
                slot_s(),
                prop_oneof![2 => ptr_s(), 1 => Just(Reg::R6), 1 => Just(Reg::R10), 1 => src_s()],
            ),
            0..=4,
        ),
        func_s(max_len),
        prop::collection::vec(func_s(8), 0..=2),
        // Shrinks towards 6: all registers, the easiest to read.
        (1u8..=6).prop_map(|k| 7 - k),
        prop::bool::weighted(0.9),
        prop::collection::vec(ctx, 3),
    )
        .prop_map(|(init, spills, main, subs, fold, privileged, mut ctxs)| {
            ctxs.push(vec![0; CTX_SIZE]);
            ctxs.push(vec![0xff; CTX_SIZE]);
            Case {
                init,
                spills,
                main,
                subs,
                fold,
                privileged,
                ctxs,
            }
        })
        .boxed()
}

// ---- lowering ----

type Label = usize;

enum Item {
    Insn(Insn),
    /// A jump (`Jump`, `Ja` or `MayGoto`) whose offset goes to the label.
    Branch(Insn, Label),
    /// A bpf-to-bpf call of the function starting at the label.
    Call(Label),
    Bind(Label),
}

/// A construct whose end comes after some later template.
enum Open {
    Loop {
        end: usize,
        head: Label,
    },
    MayGoto {
        end: usize,
        head: Label,
        exit: Label,
    },
    Then {
        end: usize,
        els: usize,
        else_label: Label,
    },
    Else {
        end: usize,
        end_label: Label,
    },
}

impl Open {
    fn end(&self) -> usize {
        match *self {
            Open::Loop { end, .. }
            | Open::MayGoto { end, .. }
            | Open::Then { end, .. }
            | Open::Else { end, .. } => end,
        }
    }
}

struct Lowering {
    items: Vec<Item>,
    labels: usize,
}

fn mov(dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst,
        src,
    }
}

fn alu64(op: AluOp, dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

fn jump(width: Width, cond: JmpCond, dst: Reg, src: Source) -> Insn {
    Insn::Jump {
        width,
        cond,
        dst,
        src,
        off: 0,
    }
}

fn negate(cond: JmpCond) -> JmpCond {
    use JmpCond::*;
    match cond {
        Eq => Ne,
        Ne => Eq,
        Gt => Le,
        Le => Gt,
        Ge => Lt,
        Lt => Ge,
        Sgt => Sle,
        Sle => Sgt,
        Sge => Slt,
        Slt => Sge,
        // No negation: the diamond's branches swap meaning, which is fine.
        Set => Set,
    }
}

fn mem_insn(base: Reg, size: Size, off: i16, op: MemOp) -> Insn {
    match op {
        MemOp::Load { dst, sign_extend } => Insn::Load {
            size,
            sign_extend: sign_extend && size != Size::DW,
            dst,
            src: base,
            off,
        },
        MemOp::Store(src) => Insn::Store {
            size,
            dst: base,
            off,
            src,
        },
    }
}

impl Lowering {
    fn label(&mut self) -> Label {
        self.labels += 1;
        self.labels - 1
    }

    fn insn(&mut self, insn: Insn) {
        self.items.push(Item::Insn(insn));
    }

    fn branch(&mut self, insn: Insn, to: Label) {
        self.items.push(Item::Branch(insn, to));
    }

    fn bind(&mut self, label: Label) {
        self.items.push(Item::Bind(label));
    }

    /// After a call: r1..r5 are unreadable; give them values again.
    fn reinit_args(&mut self, copies: u8) {
        for k in 1..=5u8 {
            let src = if copies & (1 << k) != 0 {
                Source::Reg(Reg::R0)
            } else {
                Source::Imm(k as i32 * 8)
            };
            self.insn(mov(reg(k), src));
        }
    }

    /// Lowers function `index` (0: main) starting at label `entry`;
    /// `funcs` are the entry labels of all functions.
    #[allow(clippy::too_many_arguments)]
    fn func(
        &mut self,
        index: usize,
        f: &Func,
        init: &[Init],
        spills: &[(u8, Reg)],
        funcs: &[Label],
        fold: u8,
    ) {
        self.bind(funcs[index]);
        self.insn(mov(Reg::R9, Source::Imm(0)));
        if index == 0 {
            self.insn(mov(Reg::R6, Source::Reg(Reg::R1)));
            for (&r, init) in INIT_REGS.iter().zip(init) {
                let insn = match *init {
                    Init::Imm(i) => mov(reg(r), Source::Imm(i)),
                    Init::Ctx { off, size } => Insn::Load {
                        size,
                        sign_extend: false,
                        dst: reg(r),
                        src: Reg::R6,
                        off,
                    },
                    Init::CtxPtr => mov(reg(r), Source::Reg(Reg::R6)),
                    Init::Stack(d) => {
                        self.insn(mov(reg(r), Source::Reg(Reg::R10)));
                        alu64(AluOp::Add, reg(r), Source::Imm(d as i32))
                    }
                };
                self.insn(insn);
            }
            for &(slot, src) in spills {
                self.insn(Insn::Store {
                    size: Size::DW,
                    dst: Reg::R10,
                    off: -8 * slot as i16,
                    src: Source::Reg(src),
                });
            }
        } else {
            // r1..r5 are the arguments; r6 takes the first one's place as
            // the "context" the templates use, r7 and r8 copy the next two.
            self.insn(mov(Reg::R6, Source::Reg(Reg::R1)));
            self.insn(mov(Reg::R7, Source::Reg(Reg::R2)));
            self.insn(mov(Reg::R8, Source::Reg(Reg::R3)));
            self.insn(mov(Reg::R0, Source::Imm(0)));
        }
        let n = f.body.len();
        let starts: Vec<Label> = (0..=n).map(|_| self.label()).collect();
        let mut open: Vec<Open> = Vec::new();
        for (i, t) in f.body.iter().enumerate() {
            self.bind(starts[i]);
            let first = self.items.len();
            let limit = open.last().map_or(n - 1, Open::end);
            let target = |skip: u8| starts[(i + 1 + skip as usize).min(n)];
            match *t {
                T::Mov { width, dst, src } => self.insn(Insn::Alu {
                    width,
                    op: AluOp::Mov,
                    dst,
                    src,
                }),
                T::Ld64 { dst, imm } => self.insn(Insn::LoadImm64 {
                    dst,
                    pseudo: Pseudo::Imm,
                    imm,
                }),
                T::Alu {
                    width,
                    op,
                    dst,
                    src,
                } => self.insn(Insn::Alu {
                    width,
                    op,
                    dst,
                    src,
                }),
                T::Neg { width, dst } => self.insn(Insn::Neg { width, dst }),
                T::MovSx {
                    width,
                    dst,
                    src,
                    bits,
                } => self.insn(Insn::MovSx {
                    width,
                    dst,
                    src,
                    bits,
                }),
                T::Endian { order, bits, dst } => self.insn(Insn::Endian { order, bits, dst }),
                T::MaskGuard {
                    width,
                    dst,
                    mask,
                    cond,
                    k,
                    poison,
                } => {
                    self.insn(Insn::Alu {
                        width,
                        op: AluOp::And,
                        dst,
                        src: Source::Imm(mask),
                    });
                    self.insn(Insn::Jump {
                        width,
                        cond,
                        dst,
                        src: Source::Imm(k),
                        off: 1,
                    });
                    self.insn(poison.insn());
                }
                T::Access {
                    base,
                    size,
                    off,
                    op,
                } => self.insn(mem_insn(base, size, off, op)),
                T::Ptr {
                    dst,
                    base,
                    idx,
                    mask,
                    disp,
                } => {
                    if let Some(m) = mask {
                        self.insn(alu64(AluOp::And, idx, Source::Imm(m)));
                    }
                    self.insn(mov(dst, Source::Reg(base)));
                    self.insn(alu64(AluOp::Add, dst, Source::Reg(idx)));
                    if disp != 0 {
                        self.insn(alu64(AluOp::Add, dst, Source::Imm(disp)));
                    }
                }
                T::Mem {
                    base,
                    size,
                    off,
                    op,
                } => self.insn(mem_insn(base, size, off, op)),
                T::StoreVia { base, off, src } => self.insn(Insn::Store {
                    size: Size::DW,
                    dst: base,
                    off,
                    src: Source::Reg(src),
                }),
                T::Spill { slot, src } => self.insn(Insn::Store {
                    size: Size::DW,
                    dst: Reg::R10,
                    off: -8 * slot as i16,
                    src: Source::Reg(src),
                }),
                T::Fill {
                    dst,
                    slot,
                    size,
                    sub,
                    sign_extend,
                } => self.insn(Insn::Load {
                    size,
                    sign_extend,
                    dst,
                    src: Reg::R10,
                    off: -8 * slot as i16 + sub,
                }),
                T::FillDeref {
                    slot,
                    size,
                    off,
                    op,
                } => {
                    self.insn(Insn::Load {
                        size: Size::DW,
                        sign_extend: false,
                        dst: Reg::R8,
                        src: Reg::R10,
                        off: -8 * slot as i16,
                    });
                    self.insn(mem_insn(Reg::R8, size, off, op));
                }
                T::Atomic {
                    size,
                    op,
                    base,
                    off,
                    src,
                } => {
                    let (dst, src) = match op {
                        // `dst = load_acquire(src + off)`.
                        AtomicOp::LoadAcquire => (src, base),
                        _ => (base, src),
                    };
                    self.insn(Insn::Atomic {
                        size,
                        op,
                        dst,
                        src,
                        off,
                    });
                }
                T::Jmp {
                    width,
                    cond,
                    dst,
                    src,
                    skip,
                } => self.branch(jump(width, cond, dst, src), target(skip)),
                T::Guard {
                    width,
                    cond,
                    dst,
                    src,
                    poison,
                } => {
                    self.insn(Insn::Jump {
                        width,
                        cond,
                        dst,
                        src,
                        off: 1,
                    });
                    self.insn(poison.insn());
                }
                T::Diamond {
                    width,
                    cond,
                    dst,
                    src,
                    then,
                    els,
                } => {
                    let else_label = self.label();
                    self.branch(jump(width, negate(cond), dst, src), else_label);
                    let end = (i + then as usize).min(limit);
                    let els = (end + els as usize).min(limit);
                    open.push(Open::Then {
                        end,
                        els,
                        else_label,
                    });
                }
                T::Exit {
                    width,
                    cond,
                    dst,
                    src,
                    ret,
                } => {
                    self.insn(Insn::Jump {
                        width,
                        cond,
                        dst,
                        src,
                        off: 2,
                    });
                    self.insn(mov(Reg::R0, ret));
                    self.insn(Insn::Exit);
                }
                T::Rand { copies } => {
                    self.insn(Insn::Call(CallTarget::Helper(HELPER_RAND)));
                    self.reinit_args(copies);
                }
                T::HelperMem {
                    write,
                    base,
                    disp,
                    len,
                    copies,
                } => {
                    let set_ptr = |l: &mut Self| {
                        l.insn(mov(Reg::R1, Source::Reg(base)));
                        l.insn(alu64(AluOp::Add, Reg::R1, Source::Imm(disp)));
                    };
                    if base == Reg::R2 {
                        set_ptr(self);
                        self.insn(mov(Reg::R2, len));
                    } else {
                        self.insn(mov(Reg::R2, len));
                        set_ptr(self);
                    }
                    let id = if write { HELPER_FILL } else { HELPER_SUM };
                    self.insn(Insn::Call(CallTarget::Helper(id)));
                    self.reinit_args(copies);
                }
                T::CallSub { sub, args, copies } => {
                    // Only later functions: no recursion.
                    let callee = index + 1 + sub as usize;
                    if callee < funcs.len() {
                        for (k, a) in args.iter().enumerate() {
                            let r = reg(k as u8 + 1);
                            match *a {
                                CallArg::Copy(src) => self.insn(mov(r, Source::Reg(src))),
                                CallArg::Imm(i) => self.insn(mov(r, Source::Imm(i))),
                                CallArg::Stack(d) => {
                                    self.insn(mov(r, Source::Reg(Reg::R10)));
                                    self.insn(alu64(AluOp::Add, r, Source::Imm(d)));
                                }
                            }
                        }
                        self.items.push(Item::Call(funcs[callee]));
                        self.reinit_args(copies);
                    }
                }
                T::Loop { n: count, body } => {
                    let nested = open.iter().any(|o| matches!(o, Open::Loop { .. }));
                    if !nested {
                        self.insn(mov(Reg::R9, Source::Imm(count as i32)));
                        let head = self.label();
                        self.bind(head);
                        let end = (i + body as usize).min(limit);
                        open.push(Open::Loop { end, head });
                    }
                }
                T::MayGoto { body } => {
                    let head = self.label();
                    let exit = self.label();
                    self.bind(head);
                    self.branch(Insn::MayGoto { off: 0 }, exit);
                    let end = (i + body as usize).min(limit);
                    open.push(Open::MayGoto { end, head, exit });
                }
            }
            // Calls keep their argument registers.
            if !matches!(t, T::Rand { .. } | T::HelperMem { .. } | T::CallSub { .. }) {
                for item in &mut self.items[first..] {
                    if let Item::Insn(insn) | Item::Branch(insn, _) = item {
                        *insn = fold_regs(*insn, fold);
                    }
                }
            }
            self.close(&mut open, i);
        }
        self.bind(starts[n]);
        self.insn(mov(Reg::R0, f.ret));
        self.insn(Insn::Exit);
    }

    /// Closes the constructs that end with template `i`.
    fn close(&mut self, open: &mut Vec<Open>, i: usize) {
        while open.last().is_some_and(|o| o.end() <= i) {
            match open.pop().expect("just checked") {
                Open::Loop { head, .. } => {
                    self.insn(alu64(AluOp::Sub, Reg::R9, Source::Imm(1)));
                    self.branch(
                        jump(Width::W64, JmpCond::Sgt, Reg::R9, Source::Imm(0)),
                        head,
                    );
                }
                Open::MayGoto { head, exit, .. } => {
                    self.branch(
                        Insn::Ja {
                            off: 0,
                            long: false,
                        },
                        head,
                    );
                    self.bind(exit);
                }
                Open::Then {
                    els, else_label, ..
                } => {
                    let end_label = self.label();
                    self.branch(
                        Insn::Ja {
                            off: 0,
                            long: false,
                        },
                        end_label,
                    );
                    self.bind(else_label);
                    open.push(Open::Else {
                        end: els,
                        end_label,
                    });
                }
                Open::Else { end_label, .. } => self.bind(end_label),
            }
        }
    }

    fn finish(self) -> Vec<Insn> {
        let mut at = vec![usize::MAX; self.labels];
        let mut pc = 0;
        for item in &self.items {
            match item {
                Item::Bind(l) => at[*l] = pc,
                Item::Insn(i) | Item::Branch(i, _) => pc += i.slots(),
                Item::Call(_) => pc += 1,
            }
        }
        let mut out = Vec::new();
        let mut pc = 0i64;
        for item in self.items {
            let rel = |l: Label| at[l] as i64 - (pc + 1);
            let insn = match item {
                Item::Bind(_) => continue,
                Item::Insn(i) => i,
                Item::Branch(i, l) => match i {
                    Insn::Jump {
                        width,
                        cond,
                        dst,
                        src,
                        ..
                    } => Insn::Jump {
                        width,
                        cond,
                        dst,
                        src,
                        off: rel(l) as i16,
                    },
                    Insn::Ja { long, .. } => Insn::Ja {
                        off: rel(l) as i32,
                        long,
                    },
                    Insn::MayGoto { .. } => Insn::MayGoto { off: rel(l) as i16 },
                    other => unreachable!("not a branch: {other:?}"),
                },
                Item::Call(l) => Insn::Call(CallTarget::Local(rel(l) as i32)),
            };
            pc += insn.slots() as i64;
            out.push(insn);
        }
        out
    }
}

/// Maps the number registers of `insn` onto the first `fold` of them, so
/// that templates work on the same few registers more often.
fn fold_regs(insn: Insn, fold: u8) -> Insn {
    let f = |r: Reg| match SCALARS.iter().position(|&s| s == r.index()) {
        Some(i) => reg(SCALARS[i % fold.max(1) as usize]),
        None => r,
    };
    let fs = |s: Source| match s {
        Source::Reg(r) => Source::Reg(f(r)),
        imm => imm,
    };
    match insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => Insn::Alu {
            width,
            op,
            dst: f(dst),
            src: fs(src),
        },
        Insn::Neg { width, dst } => Insn::Neg { width, dst: f(dst) },
        Insn::MovSx {
            width,
            dst,
            src,
            bits,
        } => Insn::MovSx {
            width,
            dst: f(dst),
            src: f(src),
            bits,
        },
        Insn::Endian { order, bits, dst } => Insn::Endian {
            order,
            bits,
            dst: f(dst),
        },
        Insn::LoadImm64 { dst, pseudo, imm } => Insn::LoadImm64 {
            dst: f(dst),
            pseudo,
            imm,
        },
        Insn::Load {
            size,
            sign_extend,
            dst,
            src,
            off,
        } => Insn::Load {
            size,
            sign_extend,
            dst: f(dst),
            src: f(src),
            off,
        },
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => Insn::Store {
            size,
            dst: f(dst),
            off,
            src: fs(src),
        },
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => Insn::Atomic {
            size,
            op,
            dst: f(dst),
            src: f(src),
            off,
        },
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            off,
        } => Insn::Jump {
            width,
            cond,
            dst: f(dst),
            src: fs(src),
            off,
        },
        other => other,
    }
}

fn lower(case: &Case) -> Vec<Insn> {
    let mut l = Lowering {
        items: Vec::new(),
        labels: 0,
    };
    let funcs: Vec<&Func> = std::iter::once(&case.main).chain(&case.subs).collect();
    // Only the subprograms some call reaches: others would be unreachable
    // code, which is refused.
    let mut called = vec![false; funcs.len()];
    called[0] = true;
    for (k, f) in funcs.iter().enumerate() {
        if !called[k] {
            continue;
        }
        for t in &f.body {
            if let T::CallSub { sub, .. } = t
                && let Some(c) = called.get_mut(k + 1 + *sub as usize)
            {
                *c = true;
            }
        }
    }
    let labels: Vec<Label> = funcs.iter().map(|_| l.label()).collect();
    for (k, f) in funcs.iter().enumerate() {
        if called[k] {
            l.func(k, f, &case.init, &case.spills, &labels, case.fold);
        }
    }
    l.finish()
}

// ---------------------------------------------------------------------
// The property.
// ---------------------------------------------------------------------

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v} is not a number"),
    }
}

#[derive(Default)]
struct Tally {
    total: u64,
    invalid: u64,
    accepted: u64,
    budget_stops: u64,
    rejected: BTreeMap<String, u64>,
    insns: u64,
}

#[test]
fn accepted_programs_do_not_fault() {
    let cases = env_u64("QUIVER_SOUNDNESS_CASES").unwrap_or(5000) as u32;
    let seed = env_u64("QUIVER_SOUNDNESS_SEED").unwrap_or(0x5155_4956_4552);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        ..RunnerConfig::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let tally = RefCell::new(Tally::default());
    let start = Instant::now();
    let result = runner.run(&case_s(26), |case| {
        let insns = lower(&case);
        let mut t = tally.borrow_mut();
        t.total += 1;
        t.insns += insns.len() as u64;
        let Ok(program) = Program::from_insns(insns) else {
            t.invalid += 1;
            return Ok(());
        };
        drop(t);
        let verdict =
            check_program(&program, &case.ctxs, case.privileged).map_err(TestCaseError::fail)?;
        let mut t = tally.borrow_mut();
        match verdict {
            Verdict::Rejected(kind) => *t.rejected.entry(kind).or_default() += 1,
            Verdict::Accepted { budget_stops } => {
                t.accepted += 1;
                t.budget_stops += budget_stops as u64;
            }
        }
        Ok(())
    });
    let t = tally.into_inner();
    println!(
        "soundness: {} programs ({} invalid encodings, {:.1} insns on average), {} accepted ({:.1}%), {} runs stopped by the budget, in {:.1?}",
        t.total,
        t.invalid,
        t.insns as f64 / t.total.max(1) as f64,
        t.accepted,
        100.0 * t.accepted as f64 / t.total.max(1) as f64,
        t.budget_stops,
        start.elapsed()
    );
    println!("rejections: {:?}", t.rejected);
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, _)) => panic!("soundness failure (minimised):\n{reason}"),
        Err(e) => panic!("{e}"),
    }
}

/// The harness itself: each poison faults when it runs and is refused
/// where it may run, and a fault of an accepted program is reported.
#[test]
fn poisons_fault_and_are_refused() {
    for poison in [Poison::AboveStack, Poison::PastCtx, Poison::BelowStack] {
        let program = Program::from_insns(vec![
            mov(Reg::R6, Source::Reg(Reg::R1)),
            poison.insn(),
            mov(Reg::R0, Source::Imm(0)),
            Insn::Exit,
        ])
        .expect("valid program");
        let vm = Vm::new(&program, Config::new()).expect("loads");
        let err = vm.run(&mut [0; CTX_SIZE]).expect_err("the poison faults");
        assert!(
            matches!(err, VmError::MemoryViolation { pc: 1, .. }),
            "{poison:?}: {err}"
        );
        assert!(matches!(
            check_program(&program, &[vec![0; CTX_SIZE]], true),
            Ok(Verdict::Rejected(_))
        ));
    }
}

// ---------------------------------------------------------------------
// Regressions: soundness bugs the generator found.
// ---------------------------------------------------------------------

/// Verifies and runs a hand-written program, failing on a fault.
fn assert_sound(insns: Vec<Insn>) {
    let program = Program::from_insns(insns).expect("valid program");
    let ctxs = [vec![0; CTX_SIZE], vec![0xff; CTX_SIZE], (0..64).collect()];
    if let Err(report) = check_program(&program, &ctxs, true) {
        panic!("{report}");
    }
}

/// A subprogram stores its own frame pointer through a pointer into its
/// caller's stack; back in the caller, that dangling pointer is filled and
/// dereferenced. Linux refuses the store ("cannot spill pointers to stack
/// into stack frame of the caller"), and so does quiver now (it used to
/// accept it and panic on the dangling access). The VM refuses the
/// access: the callee's frame is not live any more.
#[test]
fn regression_callee_stack_pointer_spilled_into_caller() {
    let text = "
        r1 = r10
        r1 += -8
        call pc+4                   // sub(r10 - 8)
        r7 = *(u64 *)(r10 - 8)      // the callee's r10
        r0 = *(u64 *)(r7 - 8)       // into a frame that is gone
        r0 = 0
        exit
        *(u64 *)(r1 + 0) = r10      // sub: its r10 into the caller's stack
        r0 = 0
        exit
    ";
    let insns = quiver_isa::asm::assemble(text, Syntax::Llvm).expect("assembles");
    // What the VM says of it: the read is outside the live frames.
    let program = Program::from_insns(insns.clone()).expect("valid program");
    let err = Vm::new(&program, Config::new())
        .expect("loads")
        .run(&mut [0; CTX_SIZE])
        .expect_err("faults");
    assert!(matches!(
        err,
        VmError::MemoryViolation {
            pc: 4,
            reason: quiver_vm::ViolationReason::OutsideLiveFrames,
            ..
        }
    ));
    assert_sound(insns);
}
