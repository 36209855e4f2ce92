//! PREVAIL's assertion extraction: for each instruction, the explicit list
//! of safety conditions it needs, as data.
//!
//! Assertions come from the instruction alone (and, for calls, from the
//! host's prototypes); nothing here knows the abstract state. The checker
//! evaluates each assertion against the state before the instruction and
//! reports the ones that may fail, by instruction and assertion:
//! `12: Invalid type (r3.type == number, for *=)`.
//!
//! What each instruction asks:
//!
//! | instruction | assertions |
//! |---|---|
//! | any write of r10 | [`Assertion::NotFramePointerWrite`] |
//! | any register read | [`Assertion::Initialized`] |
//! | 64-bit `+=`, `-=` | [`Assertion::PointerArithmetic`] |
//! | other ALU, 32-bit ALU, `neg`, byte swaps, `movsx` | [`Assertion::ScalarOnly`] on the operands |
//! | loads, stores, atomics | [`Assertion::ValidAccess`]; stores of a register [`Assertion::ValidStore`]; atomics [`Assertion::Aligned`] |
//! | legacy packet loads | [`Assertion::PacketContext`], `ScalarOnly` on the index |
//! | register compares | [`Assertion::ValidJumpCompare`] |
//! | `LD_IMM64` of a map or variable | [`Assertion::ValidMap`], [`Assertion::ValidBtfVar`] |
//! | helper and kfunc calls, `callx` | [`Assertion::ValidCall`], [`Assertion::CallArg`] per known argument |
//! | `exit` | `Initialized(r0)`; in the main program [`Assertion::ReturnValue`] |

use std::fmt;

use quiver_isa::{AluOp, AtomicOp, ByteOrder, CallTarget, Insn, PacketMode, Program, Pseudo, Reg};
use quiver_isa::{Source, Width};

use crate::cfg::Cfg;
use crate::host::{Arg, Host, ProgramType};

/// What a call instruction calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callee {
    /// A helper by id, with its name when the host declares it.
    Helper { id: i32, name: Option<String> },
    /// A kfunc by BTF id (the host names kfuncs; resolving the id is the
    /// loader's and the checker's job).
    Kfunc { btf_id: i32, module: i16 },
    /// `callx`: the subprogram whose address the register holds.
    Indirect(Reg),
}

impl fmt::Display for Callee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Callee::Helper { id, name: Some(n) } => write!(f, "{n}#{id}"),
            Callee::Helper { id, name: None } => write!(f, "helper#{id}"),
            Callee::Kfunc { btf_id, module: 0 } => write!(f, "kfunc#{btf_id}"),
            Callee::Kfunc { btf_id, module } => write!(f, "kfunc#{btf_id}, module {module}"),
            Callee::Indirect(reg) => write!(f, "*{reg}"),
        }
    }
}

/// One safety condition of one instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assertion {
    /// The register holds a value (Linux: `R3 !read_ok`).
    Initialized(Reg),
    /// The instruction writes r10 (Linux: "frame pointer is read only"):
    /// always fails; kept as an assertion so it is reported like the rest.
    NotFramePointerWrite,
    /// The register holds a number, not a pointer: `op` is refused on
    /// pointers (Linux: "R1 pointer arithmetic with *= operator prohibited").
    ScalarOnly { reg: Reg, op: &'static str },
    /// 64-bit `dst op= src` with `op` add or sub: at most one operand is a
    /// pointer (sub: or both of one region), and the result stays a valid
    /// pointer of its kind.
    PointerArithmetic { dst: Reg, src: Source, op: AluOp },
    /// `size` bytes at `base + off` may be read (or written).
    ValidAccess {
        base: Reg,
        off: i16,
        size: u32,
        write: bool,
    },
    /// `base + off` is a multiple of `size` (atomics).
    Aligned { base: Reg, off: i16, size: u32 },
    /// Storing `src` through `base` leaks no pointer into memory other
    /// than the stack (Linux: "R1 leaks addr into map").
    ValidStore { base: Reg, src: Reg },
    /// r6 holds the context a legacy packet load reads (Linux: "at the time
    /// of BPF_LD_ABS|IND R6 != pointer to skb").
    PacketContext,
    /// Comparing `dst` with `src` is meaningful: numbers, or pointers of
    /// one region, or a pointer with a number (null checks).
    ValidJumpCompare { dst: Reg, src: Reg },
    /// The map an `LD_IMM64` names exists (Linux: "fd 3 is not pointing to
    /// valid bpf_map").
    ValidMap { pseudo: Pseudo, imm: u64 },
    /// The kernel variable an `LD_IMM64` names by BTF id exists.
    ValidBtfVar { btf_id: u32 },
    /// The callee exists and the program type may call it (Linux: "invalid
    /// func unknown#195896080", "program of this type cannot use helper").
    ValidCall(Callee),
    /// Argument register `reg` of a call to `callee` matches `arg`.
    CallArg { callee: String, reg: Reg, arg: Arg },
    /// At the main program's exit, r0 is within the program type's return
    /// range (Linux: "At program exit the register R0 has ... should have
    /// been in [0, 1]").
    ReturnValue { min: i64, max: i64 },
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assertion::Initialized(r) => write!(f, "Uninitialized register ({r}.type != uninit)"),
            Assertion::NotFramePointerWrite => {
                write!(f, "Frame pointer is read only (r10 is never written)")
            }
            Assertion::ScalarOnly { reg, op } => {
                write!(f, "Invalid type ({reg}.type == number, for {op})")
            }
            Assertion::PointerArithmetic { dst, src, op } => {
                let op = if *op == AluOp::Sub { "-=" } else { "+=" };
                let src = match src {
                    Source::Reg(r) => r.to_string(),
                    Source::Imm(i) => i.to_string(),
                };
                write!(
                    f,
                    "Invalid pointer arithmetic ({dst} {op} {src}: at most one pointer, result in bounds)"
                )
            }
            Assertion::ValidAccess {
                base,
                off,
                size,
                write,
            } => {
                let what = if *write { "write" } else { "read" };
                write!(
                    f,
                    "Invalid access ({base}.type in {{ctx, stack, packet, map_value, mem}}, \
                     {what} of {size} bytes at {base}{off:+} in bounds)"
                )
            }
            Assertion::Aligned { base, off, size } => {
                write!(f, "Misaligned access (({base}{off:+}) % {size} == 0)")
            }
            Assertion::ValidStore { base, src } => write!(
                f,
                "Illegal pointer store ({base}.type == stack or {src}.type == number)"
            ),
            Assertion::PacketContext => write!(f, "Invalid packet load (r6.type == ctx)"),
            Assertion::ValidJumpCompare { dst, src } => write!(
                f,
                "Invalid comparison ({dst}.type == {src}.type or one is number)"
            ),
            Assertion::ValidMap { pseudo, imm } => {
                let key = *imm as u32;
                let what = match pseudo {
                    Pseudo::MapFd | Pseudo::MapValue => "fd",
                    _ => "index",
                };
                write!(f, "Invalid map (map {what} {key} exists)")
            }
            Assertion::ValidBtfVar { btf_id } => {
                write!(
                    f,
                    "Invalid variable (BTF id {btf_id} names a kernel variable)"
                )
            }
            Assertion::ValidCall(callee) => {
                write!(f, "Invalid call ({callee} is declared and allowed here)")
            }
            Assertion::CallArg { callee, reg, arg } => {
                write!(
                    f,
                    "Invalid argument ({reg} of {callee} is {})",
                    describe_arg(arg)
                )
            }
            Assertion::ReturnValue { min, max } => {
                write!(f, "Invalid return value (r0 in [{min}, {max}])")
            }
        }
    }
}

/// An argument type in words.
fn describe_arg(arg: &Arg) -> String {
    let reg = |n: &u8| format!("r{}", n + 1);
    match arg {
        Arg::Scalar => "a number".into(),
        Arg::Const { min, max } => format!("a known constant in [{min}, {max}]"),
        Arg::Map => "a map".into(),
        Arg::MapKey { map_arg } => format!("a key of the map in {}", reg(map_arg)),
        Arg::MapValue { map_arg } => format!("a value of the map in {}", reg(map_arg)),
        Arg::Mem {
            size,
            size_arg,
            writable,
            nullable,
        } => {
            let access = if *writable { "writable" } else { "readable" };
            let len = match (size, size_arg) {
                (Some(n), _) => format!("{n} bytes"),
                (None, Some(a)) => format!("{} bytes", reg(a)),
                (None, None) => "memory".into(),
            };
            let null = if *nullable { " or null" } else { "" };
            format!("{access} {len}{null}")
        }
        Arg::Size { zero_ok: true } => "a size".into(),
        Arg::Size { zero_ok: false } => "a non-zero size".into(),
        Arg::Ctx => "the context".into(),
        Arg::Btf {
            type_name,
            nullable,
        } => {
            let null = if *nullable { " or null" } else { "" };
            format!("a {type_name} pointer{null}")
        }
        Arg::Callback(_) => "a subprogram".into(),
        Arg::Alloc => "memory the program acquired".into(),
        Arg::Iter { type_name, .. } => format!("a {type_name} on the stack"),
        Arg::SpinLock => "a bpf_spin_lock in a map value".into(),
        Arg::Timer => "a bpf_timer in a map value".into(),
        Arg::Wq => "a bpf_wq in a map value".into(),
        Arg::Stack { nullable: true } => "a stack pointer or null".into(),
        Arg::Stack { nullable: false } => "a stack pointer".into(),
        Arg::Any => "any value".into(),
    }
}

/// What assertion extraction needs besides the instruction.
#[derive(Clone, Copy, Debug)]
pub struct Env<'a> {
    pub host: &'a Host,
    /// The program's type, for its return range.
    pub program_type: Option<&'a ProgramType>,
}

/// The assertions of every instruction of `program`, by instruction index.
/// `cfg` says which exits belong to the main program.
pub fn program_assertions(program: &Program, cfg: &Cfg, env: &Env) -> Vec<Vec<Assertion>> {
    program
        .insns()
        .iter()
        .enumerate()
        .map(|(i, insn)| assertions(insn, cfg.subprog_of(i) == 0, env))
        .collect()
}

/// The assertions of one instruction; `in_main` says whether it belongs to
/// the main program (an `exit` there returns to the host).
pub fn assertions(insn: &Insn, in_main: bool, env: &Env) -> Vec<Assertion> {
    let mut out = Vec::new();
    let read = |out: &mut Vec<Assertion>, r: Reg| out.push(Assertion::Initialized(r));
    let write = |out: &mut Vec<Assertion>, r: Reg| {
        if r == Reg::R10 {
            out.push(Assertion::NotFramePointerWrite);
        }
    };
    let scalar = |out: &mut Vec<Assertion>, reg: Reg, op: &'static str| {
        out.push(Assertion::ScalarOnly { reg, op });
    };
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            if op != AluOp::Mov {
                read(&mut out, dst);
            }
            if let Source::Reg(s) = src {
                read(&mut out, s);
            }
            write(&mut out, dst);
            let name = alu_op_name(op);
            match (width, op) {
                (_, AluOp::Mov) => {}
                (Width::W64, AluOp::Add | AluOp::Sub) => {
                    out.push(Assertion::PointerArithmetic { dst, src, op });
                }
                (Width::W32, _) => {
                    scalar(&mut out, dst, "32-bit arithmetic");
                    if let Source::Reg(s) = src {
                        scalar(&mut out, s, "32-bit arithmetic");
                    }
                }
                (Width::W64, _) => {
                    scalar(&mut out, dst, name);
                    if let Source::Reg(s) = src {
                        scalar(&mut out, s, name);
                    }
                }
            }
        }
        Insn::Neg { dst, .. } => {
            read(&mut out, dst);
            write(&mut out, dst);
            scalar(&mut out, dst, "neg");
        }
        Insn::MovSx { dst, src, .. } => {
            read(&mut out, src);
            write(&mut out, dst);
            scalar(&mut out, src, "sign extension");
        }
        Insn::Endian { order, dst, .. } => {
            read(&mut out, dst);
            write(&mut out, dst);
            let op = match order {
                ByteOrder::ToLe => "le",
                ByteOrder::ToBe => "be",
                ByteOrder::Swap => "bswap",
            };
            scalar(&mut out, dst, op);
        }
        Insn::LoadImm64 { dst, pseudo, imm } => {
            write(&mut out, dst);
            match pseudo {
                Pseudo::MapFd | Pseudo::MapValue | Pseudo::MapIdx | Pseudo::MapIdxValue => {
                    out.push(Assertion::ValidMap { pseudo, imm });
                }
                Pseudo::BtfId => out.push(Assertion::ValidBtfVar { btf_id: imm as u32 }),
                // A function address is checked by the cfg.
                Pseudo::Imm | Pseudo::Func => {}
            }
        }
        Insn::Load {
            size,
            dst,
            src,
            off,
            ..
        } => {
            read(&mut out, src);
            write(&mut out, dst);
            out.push(access(src, off, size.bytes(), false));
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            read(&mut out, dst);
            if let Source::Reg(s) = src {
                read(&mut out, s);
            }
            out.push(access(dst, off, size.bytes(), true));
            if let Source::Reg(s) = src {
                out.push(Assertion::ValidStore { base: dst, src: s });
            }
        }
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => {
            let bytes = size.bytes() as u32;
            let (base, loads_into) = match op {
                AtomicOp::LoadAcquire => (src, Some(dst)),
                AtomicOp::StoreRelease => (dst, None),
                AtomicOp::Cmpxchg => (dst, Some(Reg::R0)),
                AtomicOp::Xchg => (dst, Some(src)),
                AtomicOp::Add { fetch }
                | AtomicOp::Or { fetch }
                | AtomicOp::And { fetch }
                | AtomicOp::Xor { fetch } => (dst, fetch.then_some(src)),
            };
            read(&mut out, base);
            if op != AtomicOp::LoadAcquire {
                read(&mut out, src);
            }
            if op == AtomicOp::Cmpxchg {
                read(&mut out, Reg::R0);
            }
            if let Some(r) = loads_into {
                write(&mut out, r);
            }
            let writes = op != AtomicOp::LoadAcquire;
            out.push(access(base, off, bytes as usize, writes));
            out.push(Assertion::Aligned {
                base,
                off,
                size: bytes,
            });
            if writes {
                out.push(Assertion::ValidStore { base, src });
            }
        }
        Insn::LoadPacket { mode, .. } => {
            read(&mut out, Reg::R6);
            out.push(Assertion::PacketContext);
            if let PacketMode::Ind(r) = mode {
                read(&mut out, r);
                scalar(&mut out, r, "packet offset");
            }
        }
        Insn::Jump { dst, src, .. } => {
            read(&mut out, dst);
            if let Source::Reg(s) = src {
                read(&mut out, s);
                out.push(Assertion::ValidJumpCompare { dst, src: s });
            }
        }
        Insn::Ja { .. } | Insn::MayGoto { .. } => {}
        Insn::Call(CallTarget::Local(_)) => {}
        Insn::Call(CallTarget::Helper(id)) => {
            let proto = u32::try_from(id)
                .ok()
                .and_then(|id| env.host.helpers.get(&id));
            let callee = Callee::Helper {
                id,
                name: proto.map(|p| p.name.clone()),
            };
            out.push(Assertion::ValidCall(callee.clone()));
            if let Some(proto) = proto {
                for (k, arg) in proto.args.iter().enumerate() {
                    let reg = Reg::new(k as u8 + 1).expect("at most five arguments");
                    read(&mut out, reg);
                    out.push(Assertion::CallArg {
                        callee: callee.to_string(),
                        reg,
                        arg: arg.clone(),
                    });
                }
            }
        }
        Insn::Call(CallTarget::Kfunc { btf_id, module }) => {
            out.push(Assertion::ValidCall(Callee::Kfunc { btf_id, module }));
        }
        Insn::Callx { reg, .. } => {
            read(&mut out, reg);
            out.push(Assertion::ValidCall(Callee::Indirect(reg)));
        }
        Insn::Exit => {
            read(&mut out, Reg::R0);
            if in_main && let Some(ty) = env.program_type {
                let (min, max) = ty.ret_range;
                out.push(Assertion::ReturnValue { min, max });
            }
        }
    }
    out
}

fn access(base: Reg, off: i16, size: usize, write: bool) -> Assertion {
    Assertion::ValidAccess {
        base,
        off,
        size: size as u32,
        write,
    }
}

/// The operator as Linux prints it in its messages (`bpf_alu_string`).
pub(crate) fn alu_op_name(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "+=",
        AluOp::Sub => "-=",
        AluOp::Mul => "*=",
        AluOp::Div | AluOp::Sdiv => "/=",
        AluOp::Or => "|=",
        AluOp::And => "&=",
        AluOp::Lsh => "<<=",
        AluOp::Rsh => ">>=",
        AluOp::Mod | AluOp::Smod => "%=",
        AluOp::Xor => "^=",
        AluOp::Mov => "=",
        AluOp::Arsh => "s>>=",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{Proto, Ret};
    use Assertion::*;
    use quiver_isa::Size;
    use quiver_isa::asm::{Syntax, assemble};

    fn host() -> Host {
        Host::new().helper(
            1,
            Proto::new(
                "map_lookup_elem",
                vec![Arg::Map, Arg::MapKey { map_arg: 0 }],
                Ret::MapValueOrNull { map_arg: 0 },
            ),
        )
    }

    fn xdp() -> ProgramType {
        let mut ty = ProgramType::new("xdp", 24);
        ty.helpers = vec![1];
        ty.ret_range = (0, 4);
        ty
    }

    /// The assertions of the single instruction in `text`, in the main
    /// program of an xdp host.
    fn of(text: &str) -> Vec<Assertion> {
        let insns = assemble(text, Syntax::Llvm).unwrap();
        assert_eq!(insns.len(), 1, "{text}");
        let (host, ty) = (host(), xdp());
        let env = Env {
            host: &host,
            program_type: Some(&ty),
        };
        assertions(&insns[0], true, &env)
    }

    fn r(n: u8) -> Reg {
        Reg::new(n).unwrap()
    }

    #[test]
    fn moves_read_their_source_only() {
        assert_eq!(of("r0 = 1"), vec![]);
        assert_eq!(of("r0 = r1"), vec![Initialized(r(1))]);
        assert_eq!(of("r10 = 1"), vec![NotFramePointerWrite]);
    }

    #[test]
    fn add_and_sub_may_move_pointers() {
        assert_eq!(
            of("r1 += r2"),
            vec![
                Initialized(r(1)),
                Initialized(r(2)),
                PointerArithmetic {
                    dst: r(1),
                    src: Source::Reg(r(2)),
                    op: AluOp::Add
                }
            ]
        );
        assert_eq!(
            of("r10 -= 8"),
            vec![
                Initialized(r(10)),
                NotFramePointerWrite,
                PointerArithmetic {
                    dst: r(10),
                    src: Source::Imm(8),
                    op: AluOp::Sub
                }
            ]
        );
    }

    #[test]
    fn other_operators_need_numbers() {
        assert_eq!(
            of("r1 *= r2"),
            vec![
                Initialized(r(1)),
                Initialized(r(2)),
                ScalarOnly {
                    reg: r(1),
                    op: "*="
                },
                ScalarOnly {
                    reg: r(2),
                    op: "*="
                },
            ]
        );
        assert_eq!(
            of("w1 += 1"),
            vec![
                Initialized(r(1)),
                ScalarOnly {
                    reg: r(1),
                    op: "32-bit arithmetic"
                }
            ]
        );
        assert_eq!(
            of("r3 = -r3"),
            vec![
                Initialized(r(3)),
                ScalarOnly {
                    reg: r(3),
                    op: "neg"
                }
            ]
        );
        assert_eq!(
            of("r1 = be16 r1"),
            vec![
                Initialized(r(1)),
                ScalarOnly {
                    reg: r(1),
                    op: "be"
                }
            ]
        );
    }

    #[test]
    fn loads_and_stores_access_memory() {
        assert_eq!(
            of("r2 = *(u32 *)(r1 + 4)"),
            vec![
                Initialized(r(1)),
                ValidAccess {
                    base: r(1),
                    off: 4,
                    size: 4,
                    write: false
                }
            ]
        );
        assert_eq!(
            of("*(u64 *)(r10 - 8) = r1"),
            vec![
                Initialized(r(10)),
                Initialized(r(1)),
                ValidAccess {
                    base: r(10),
                    off: -8,
                    size: 8,
                    write: true
                },
                ValidStore {
                    base: r(10),
                    src: r(1)
                }
            ]
        );
        assert_eq!(
            of("*(u8 *)(r10 - 1) = 7")[1],
            ValidAccess {
                base: r(10),
                off: -1,
                size: 1,
                write: true
            }
        );
    }

    #[test]
    fn atomics_must_be_aligned() {
        let a = of("lock *(u64 *)(r1 + 8) += r2");
        assert_eq!(
            a,
            vec![
                Initialized(r(1)),
                Initialized(r(2)),
                ValidAccess {
                    base: r(1),
                    off: 8,
                    size: 8,
                    write: true
                },
                Aligned {
                    base: r(1),
                    off: 8,
                    size: 8
                },
                ValidStore {
                    base: r(1),
                    src: r(2)
                },
            ]
        );
        let host = host();
        let env = Env {
            host: &host,
            program_type: None,
        };
        let cmpxchg = Insn::Atomic {
            size: Size::W,
            op: AtomicOp::Cmpxchg,
            dst: r(1),
            src: r(10),
            off: 0,
        };
        assert_eq!(
            &assertions(&cmpxchg, true, &env)[..3],
            &[Initialized(r(1)), Initialized(r(10)), Initialized(r(0))]
        );
        let fetch_into_fp = Insn::Atomic {
            size: Size::DW,
            op: AtomicOp::Xchg,
            dst: r(1),
            src: r(10),
            off: 0,
        };
        assert!(assertions(&fetch_into_fp, true, &env).contains(&NotFramePointerWrite));
    }

    #[test]
    fn register_compares_check_kinds() {
        assert_eq!(
            of("if r1 > r2 goto +0"),
            vec![
                Initialized(r(1)),
                Initialized(r(2)),
                ValidJumpCompare {
                    dst: r(1),
                    src: r(2)
                }
            ]
        );
        assert_eq!(of("if r1 == 0 goto +0"), vec![Initialized(r(1))]);
        assert_eq!(of("goto +0"), vec![]);
    }

    #[test]
    fn map_loads_name_a_map() {
        assert_eq!(
            of("r1 = map_fd(3) ll"),
            vec![ValidMap {
                pseudo: Pseudo::MapFd,
                imm: 3
            }]
        );
        assert_eq!(of("r1 = 5 ll"), vec![]);
    }

    #[test]
    fn helper_calls_check_their_arguments() {
        let a = of("call 1");
        assert_eq!(
            a,
            vec![
                ValidCall(Callee::Helper {
                    id: 1,
                    name: Some("map_lookup_elem".into())
                }),
                Initialized(r(1)),
                CallArg {
                    callee: "map_lookup_elem#1".into(),
                    reg: r(1),
                    arg: Arg::Map
                },
                Initialized(r(2)),
                CallArg {
                    callee: "map_lookup_elem#1".into(),
                    reg: r(2),
                    arg: Arg::MapKey { map_arg: 0 }
                },
            ]
        );
        assert_eq!(
            a[4].to_string(),
            "Invalid argument (r2 of map_lookup_elem#1 is a key of the map in r1)"
        );
        assert_eq!(
            of("call 99"),
            vec![ValidCall(Callee::Helper { id: 99, name: None })]
        );
        assert_eq!(
            of("call kfunc#1234"),
            vec![ValidCall(Callee::Kfunc {
                btf_id: 1234,
                module: 0
            })]
        );
        assert_eq!(of("call pc+0"), vec![]);
    }

    #[test]
    fn only_the_main_exit_checks_the_return_range() {
        let program = quiver_isa::Program::from_insns(
            assemble("call F\nexit\nF:\nr0 = 0\nexit", Syntax::Llvm).unwrap(),
        )
        .unwrap();
        let cfg = Cfg::build(&program).unwrap();
        let (host, ty) = (host(), xdp());
        let env = Env {
            host: &host,
            program_type: Some(&ty),
        };
        let all = program_assertions(&program, &cfg, &env);
        assert_eq!(
            all,
            vec![
                vec![],
                vec![Initialized(r(0)), ReturnValue { min: 0, max: 4 }],
                vec![],
                vec![Initialized(r(0))],
            ]
        );
    }

    #[test]
    fn messages_read_like_prevail() {
        let cases: Vec<(Assertion, &str)> = vec![
            (
                Initialized(r(3)),
                "Uninitialized register (r3.type != uninit)",
            ),
            (
                NotFramePointerWrite,
                "Frame pointer is read only (r10 is never written)",
            ),
            (
                ScalarOnly {
                    reg: r(1),
                    op: "*=",
                },
                "Invalid type (r1.type == number, for *=)",
            ),
            (
                ValidAccess {
                    base: r(10),
                    off: -8,
                    size: 8,
                    write: true,
                },
                "Invalid access (r10.type in {ctx, stack, packet, map_value, mem}, \
                 write of 8 bytes at r10-8 in bounds)",
            ),
            (
                Aligned {
                    base: r(1),
                    off: 4,
                    size: 8,
                },
                "Misaligned access ((r1+4) % 8 == 0)",
            ),
            (
                ReturnValue { min: 0, max: 1 },
                "Invalid return value (r0 in [0, 1])",
            ),
            (
                ValidCall(Callee::Helper { id: 7, name: None }),
                "Invalid call (helper#7 is declared and allowed here)",
            ),
            (
                PointerArithmetic {
                    dst: r(1),
                    src: Source::Imm(-4),
                    op: AluOp::Sub,
                },
                "Invalid pointer arithmetic (r1 -= -4: at most one pointer, result in bounds)",
            ),
        ];
        for (a, text) in cases {
            assert_eq!(a.to_string(), text);
        }
    }
}
