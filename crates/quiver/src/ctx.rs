//! Context access conversion. Linux's UAPI context structs (`struct
//! xdp_md`, `struct __sk_buff`) hold packet pointers in 32-bit fields; the
//! kernel's verifier rewrites every load of such a field into a load of
//! the real 64-bit pointer. quiver does the same: a small dataflow
//! analysis finds, for each memory instruction, whether its base register
//! is the context pointer (and at which offset), and the accesses it finds
//! are rewritten onto quiver's native context layout.
//!
//! The analysis tracks the context pointer through moves, constant
//! additions, stack spills and bpf-to-bpf call arguments. An instruction
//! that uses the context on some paths and something else on others, or
//! the context at a variable offset, is refused, as Linux refuses it.

use std::collections::{BTreeMap, HashMap};

use quiver_isa::{AluOp, CallTarget, Insn, Reg, Size, Source, Width};

/// Where a UAPI context field lives in quiver's native context.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Offset and size in the UAPI struct.
    pub off: u32,
    pub size: u32,
    /// Offset and access size in the native context.
    pub native_off: u32,
    pub native_size: Size,
    /// Whether it is a packet pointer (loaded whole only, never stored).
    pub pointer: bool,
    pub writable: bool,
}

/// A program type's context: its UAPI size and the fields that move.
/// Offsets not listed are plain fields at the same place (and readable
/// only, unless listed as writable).
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub name: &'static str,
    pub uapi_size: u32,
    pub native_size: usize,
    pub fields: &'static [Field],
    /// Fields at the same offset natively that programs may write.
    pub writable: &'static [(u32, u32)],
}

const fn ptr(off: u32, native_off: u32) -> Field {
    Field {
        off,
        size: 4,
        native_off,
        native_size: Size::DW,
        pointer: true,
        writable: false,
    }
}

const fn moved_u32(off: u32, native_off: u32) -> Field {
    Field {
        off,
        size: 4,
        native_off,
        native_size: Size::W,
        pointer: false,
        writable: false,
    }
}

/// `struct xdp_md` onto `{ u64 data, data_end, data_meta; u32
/// ingress_ifindex, rx_queue_index, egress_ifindex; }`.
pub const XDP: Layout = Layout {
    name: "xdp_md",
    uapi_size: 24,
    native_size: 40,
    fields: &[
        ptr(0, 0),
        ptr(4, 8),
        ptr(8, 16),
        moved_u32(12, 24),
        moved_u32(16, 28),
        moved_u32(20, 32),
    ],
    writable: &[],
};

/// `struct __sk_buff` (192 bytes) followed natively by the three packet
/// pointers.
pub const SKB: Layout = Layout {
    name: "__sk_buff",
    uapi_size: 192,
    native_size: 216,
    fields: &[ptr(76, 192), ptr(80, 200), ptr(140, 208)],
    // mark, priority, cb[5], tc_index, tc_classid: what Linux lets
    // socket filters and tc programs write.
    writable: &[(8, 4), (32, 4), (48, 20), (44, 4), (72, 4)],
};

/// The context layout of a program type, when its context needs
/// converting.
pub fn layout_of(prog_type: quiver_obj::section::ProgType) -> Option<&'static Layout> {
    use quiver_obj::section::ProgType::*;
    match prog_type {
        Xdp => Some(&XDP),
        SocketFilter | SchedCls | SchedAct => Some(&SKB),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Uninit,
    Other,
    Ctx(i64),
    Fp(i64),
    Top,
}

fn join(a: Val, b: Val) -> Val {
    match (a, b) {
        (Val::Uninit, x) | (x, Val::Uninit) => x,
        (x, y) if x == y => x,
        _ => Val::Top,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    regs: [Val; 11],
    /// Spilled values by frame-pointer offset (8-byte slots).
    stack: BTreeMap<i64, Val>,
}

impl State {
    fn join(&self, other: &State) -> State {
        let mut regs = self.regs;
        for (r, o) in regs.iter_mut().zip(other.regs) {
            *r = join(*r, o);
        }
        let mut stack = BTreeMap::new();
        for k in self.stack.keys().chain(other.stack.keys()) {
            let a = self.stack.get(k).copied().unwrap_or(Val::Other);
            let b = other.stack.get(k).copied().unwrap_or(Val::Other);
            stack.insert(*k, join(a, b));
        }
        State { regs, stack }
    }
}

/// A context access the analysis found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Access {
    off: i64,
    size: u32,
    store: bool,
}

fn width_bits(width: Width) -> bool {
    width == Width::W64
}

/// Rewrites every context access of `insns` for `layout`.
pub fn convert(insns: &mut [Insn], layout: &Layout) -> Result<(), String> {
    let mut pcs = Vec::with_capacity(insns.len());
    let mut index_of = HashMap::new();
    let mut pc = 0usize;
    for (i, insn) in insns.iter().enumerate() {
        pcs.push(pc);
        index_of.insert(pc, i);
        pc += insn.slots();
    }
    let target = |i: usize, off: i64| -> Option<usize> {
        let t = pcs[i] as i64 + 1 + off;
        usize::try_from(t)
            .ok()
            .and_then(|t| index_of.get(&t).copied())
    };
    let mut entry = State {
        regs: [Val::Uninit; 11],
        stack: BTreeMap::new(),
    };
    entry.regs[1] = Val::Ctx(0);
    entry.regs[10] = Val::Fp(0);
    let mut states: Vec<Option<State>> = vec![None; insns.len()];
    states[0] = Some(entry);
    let mut work = vec![0usize];
    let mut accesses: HashMap<usize, Access> = HashMap::new();
    let mut steps = 0u64;
    while let Some(i) = work.pop() {
        steps += 1;
        if steps > 5_000_000 {
            return Err("context analysis did not converge".into());
        }
        let Some(mut st) = states[i].clone() else {
            continue;
        };
        let insn = insns[i];
        let mut succ: Vec<(usize, State)> = Vec::new();
        let reg = |st: &State, r: Reg| st.regs[r.index() as usize];
        let mut note = |base: Val, off: i16, size: u32, store: bool| -> Result<(), String> {
            match base {
                Val::Ctx(o) => {
                    let a = Access {
                        off: o + off as i64,
                        size,
                        store,
                    };
                    match accesses.insert(i, a) {
                        Some(prev) if prev != a => Err(format!(
                            "insn {}: accesses the context at offset {} on one path and {} on another",
                            pcs[i], prev.off, a.off
                        )),
                        _ => Ok(()),
                    }
                }
                Val::Top => Err(format!(
                    "insn {}: the base register is the context on some paths and not on others; Linux refuses this too",
                    pcs[i]
                )),
                _ => Ok(()),
            }
        };
        let next = target(i, 0);
        match insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                let d = reg(&st, dst);
                let v = match (op, src, d) {
                    (AluOp::Mov, Source::Reg(s), _) if width_bits(width) => reg(&st, s),
                    (AluOp::Add, Source::Imm(k), Val::Ctx(o)) if width_bits(width) => {
                        Val::Ctx(o + k as i64)
                    }
                    (AluOp::Sub, Source::Imm(k), Val::Ctx(o)) if width_bits(width) => {
                        Val::Ctx(o - k as i64)
                    }
                    (AluOp::Add, Source::Imm(k), Val::Fp(o)) if width_bits(width) => {
                        Val::Fp(o + k as i64)
                    }
                    (AluOp::Sub, Source::Imm(k), Val::Fp(o)) if width_bits(width) => {
                        Val::Fp(o - k as i64)
                    }
                    // Arithmetic on the context with anything unknown gives
                    // a pointer at a variable offset: any later use as a
                    // base is refused.
                    (_, _, Val::Ctx(_)) => Val::Top,
                    (_, Source::Reg(s), _) if matches!(reg(&st, s), Val::Ctx(_)) => Val::Top,
                    _ => Val::Other,
                };
                st.regs[dst.index() as usize] = v;
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Neg { dst, .. }
            | Insn::MovSx { dst, .. }
            | Insn::Endian { dst, .. }
            | Insn::LoadImm64 { dst, .. } => {
                st.regs[dst.index() as usize] = Val::Other;
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Load {
                size,
                dst,
                src,
                off,
                ..
            } => {
                let base = reg(&st, src);
                note(base, off, size.bytes() as u32, false)?;
                let v = match base {
                    Val::Fp(o) if size == Size::DW => st
                        .stack
                        .get(&(o + off as i64))
                        .copied()
                        .unwrap_or(Val::Other),
                    _ => Val::Other,
                };
                st.regs[dst.index() as usize] = v;
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => {
                let base = reg(&st, dst);
                note(base, off, size.bytes() as u32, true)?;
                if let Val::Fp(o) = base {
                    let at = o + off as i64;
                    let v = match src {
                        Source::Reg(s) if size == Size::DW => reg(&st, s),
                        _ => Val::Other,
                    };
                    // A store over part of a slot ends what was spilled there.
                    st.stack
                        .retain(|k, _| *k + 8 <= at || *k >= at + size.bytes() as i64);
                    st.stack.insert(at, v);
                }
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Atomic {
                size,
                dst,
                src,
                off,
                ..
            } => {
                note(reg(&st, dst), off, size.bytes() as u32, true)?;
                st.regs[src.index() as usize] = Val::Other;
                st.regs[0] = Val::Other;
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::LoadPacket { .. } => {
                for r in 0..=5 {
                    st.regs[r] = Val::Other;
                }
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Jump { off, .. } => {
                succ.extend(next.map(|n| (n, st.clone())));
                succ.extend(target(i, off as i64).map(|n| (n, st.clone())));
            }
            Insn::MayGoto { off } => {
                succ.extend(next.map(|n| (n, st.clone())));
                succ.extend(target(i, off as i64).map(|n| (n, st.clone())));
            }
            Insn::Ja { off, .. } => succ.extend(target(i, off as i64).map(|n| (n, st.clone()))),
            Insn::Call(CallTarget::Local(off)) => {
                // The callee starts with the caller's arguments and a frame
                // of its own.
                let mut callee = State {
                    regs: [Val::Uninit; 11],
                    stack: BTreeMap::new(),
                };
                callee.regs[1..6].copy_from_slice(&st.regs[1..6]);
                callee.regs[10] = Val::Fp(0);
                succ.extend(target(i, off as i64).map(|n| (n, callee)));
                for r in 0..=5 {
                    st.regs[r] = Val::Other;
                }
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Call(_) | Insn::Callx { .. } => {
                for r in 0..=5 {
                    st.regs[r] = Val::Other;
                }
                succ.extend(next.map(|n| (n, st.clone())));
            }
            Insn::Exit => {}
        }
        for (n, s) in succ {
            let merged = match &states[n] {
                None => s,
                Some(old) => old.join(&s),
            };
            if states[n].as_ref() != Some(&merged) {
                states[n] = Some(merged);
                work.push(n);
            }
        }
    }
    for (i, a) in accesses {
        insns[i] = rewrite(insns[i], a, layout).map_err(|e| format!("insn {}: {e}", pcs[i]))?;
    }
    Ok(())
}

fn rewrite(insn: Insn, a: Access, layout: &Layout) -> Result<Insn, String> {
    let name = layout.name;
    if a.off < 0 || a.off + a.size as i64 > layout.uapi_size as i64 {
        return Err(format!(
            "invalid bpf_context access off={} size={} ({name} has {} bytes)",
            a.off, a.size, layout.uapi_size
        ));
    }
    let off = a.off as u32;
    let field = layout
        .fields
        .iter()
        .find(|f| off < f.off + f.size && off + a.size > f.off);
    let (native_off, native_size) = match field {
        Some(f) if f.pointer => {
            if off != f.off || a.size != f.size {
                return Err(format!(
                    "invalid bpf_context access off={off} size={}: {name} packet pointers are read whole",
                    a.size
                ));
            }
            if a.store {
                return Err(format!(
                    "invalid bpf_context access off={off}: {name} packet pointers are read-only"
                ));
            }
            (f.native_off, f.native_size)
        }
        Some(f) => {
            if a.store && !f.writable {
                return Err(format!(
                    "invalid bpf_context access off={off} size={}: field is read-only",
                    a.size
                ));
            }
            (f.native_off + (off - f.off), size_of_bytes(a.size))
        }
        None => {
            if a.store
                && !layout
                    .writable
                    .iter()
                    .any(|&(o, s)| off >= o && off + a.size <= o + s)
            {
                return Err(format!(
                    "invalid bpf_context access off={off} size={}: field is read-only",
                    a.size
                ));
            }
            (off, size_of_bytes(a.size))
        }
    };
    let native_off = i16::try_from(native_off as i64 - (a.off - insn_off(&insn) as i64))
        .map_err(|_| "context offset out of range".to_string())?;
    Ok(match insn {
        Insn::Load {
            sign_extend,
            dst,
            src,
            ..
        } => Insn::Load {
            size: native_size,
            sign_extend: sign_extend && native_size != Size::DW,
            dst,
            src,
            off: native_off,
        },
        Insn::Store { dst, src, .. } => Insn::Store {
            size: native_size,
            dst,
            off: native_off,
            src,
        },
        Insn::Atomic { op, dst, src, .. } => Insn::Atomic {
            size: native_size,
            op,
            dst,
            src,
            off: native_off,
        },
        other => other,
    })
}

fn insn_off(insn: &Insn) -> i16 {
    match *insn {
        Insn::Load { off, .. } | Insn::Store { off, .. } | Insn::Atomic { off, .. } => off,
        _ => 0,
    }
}

fn size_of_bytes(n: u32) -> Size {
    match n {
        1 => Size::B,
        2 => Size::H,
        4 => Size::W,
        _ => Size::DW,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quiver_isa::asm::{Syntax, assemble};

    fn conv(text: &str, layout: &Layout) -> Result<Vec<Insn>, String> {
        let mut insns = assemble(text, Syntax::Llvm).unwrap();
        convert(&mut insns, layout).map(|()| insns)
    }

    #[test]
    fn packet_pointers_become_native_loads() {
        let out = conv(
            "r2 = *(u32 *)(r1 + 0x0)\nr3 = *(u32 *)(r1 + 0x4)\nr0 = 2\nexit\n",
            &XDP,
        )
        .unwrap();
        assert_eq!(
            assemble(
                "r2 = *(u64 *)(r1 + 0x0)\nr3 = *(u64 *)(r1 + 0x8)\nr0 = 2\nexit\n",
                Syntax::Llvm
            )
            .unwrap(),
            out
        );
    }

    #[test]
    fn the_context_is_followed_through_moves_offsets_and_spills() {
        let text = "r6 = r1\n*(u64 *)(r10 - 8) = r6\nr7 = *(u64 *)(r10 - 8)\nr7 += 76\nr2 = *(u32 *)(r7 + 0x4)\nr0 = *(u32 *)(r6 + 0x0)\nexit\n";
        let out = conv(text, &SKB).unwrap();
        // data_end (76 + 4 = 80) lives at 200 natively: 200 - 76 = 124 from r7.
        assert_eq!(
            out[4],
            assemble("r2 = *(u64 *)(r7 + 0x7c)", Syntax::Llvm).unwrap()[0]
        );
        // len stays where it is.
        assert_eq!(
            out[5],
            assemble("r0 = *(u32 *)(r6 + 0x0)", Syntax::Llvm).unwrap()[0]
        );
    }

    #[test]
    fn ambiguous_or_invalid_accesses_are_refused() {
        // r1 is the context on one path and the stack on the other.
        let text = "if r2 == 0x0 goto +1\nr1 = r10\nr0 = *(u32 *)(r1 - 0x8)\nexit\n";
        assert!(
            conv(text, &XDP)
                .unwrap_err()
                .contains("context on some paths")
        );
        // Half a packet pointer.
        assert!(
            conv("r0 = *(u16 *)(r1 + 0x0)\nexit\n", &XDP)
                .unwrap_err()
                .contains("read whole")
        );
        // Writing data.
        assert!(
            conv("*(u32 *)(r1 + 0x0) = 0\nr0 = 0\nexit\n", &XDP)
                .unwrap_err()
                .contains("read-only")
        );
        // Past the end of xdp_md.
        assert!(
            conv("r0 = *(u32 *)(r1 + 0x18)\nexit\n", &XDP)
                .unwrap_err()
                .contains("off=24")
        );
        // A socket filter may write skb->mark, not skb->len.
        assert!(conv("*(u32 *)(r1 + 0x8) = 1\nr0 = 0\nexit\n", &SKB).is_ok());
        assert!(conv("*(u32 *)(r1 + 0x0) = 1\nr0 = 0\nexit\n", &SKB).is_err());
    }
}
