//! The programs quiver is benchmarked on, shared by the criterion suite and
//! the differential test that checks every runtime computes the same r0.

pub mod perf;

use quiver_isa::asm::{Syntax, assemble};
use quiver_isa::{AluOp, DecodeError, Insn, JmpCond, Program, Reg, Size, Source, Width};

/// One benchmark program with its input.
pub struct BenchProgram {
    /// Short name, used as the benchmark id.
    pub name: &'static str,
    /// Assembly (bpf_conformance syntax), so peers that only take bytecode
    /// run the very same instructions.
    pub source: &'static str,
    /// Memory handed to the program in r1.
    pub memory: Vec<u8>,
}

impl BenchProgram {
    /// The assembled program.
    pub fn program(&self) -> Program {
        let insns = assemble(self.source, Syntax::Conformance)
            .unwrap_or_else(|e| panic!("bench program {} does not assemble: {e}", self.name));
        Program::from_insns(insns)
            .unwrap_or_else(|e| panic!("bench program {} is invalid: {e}", self.name))
    }
}

/// A deterministic 1500-byte packet followed by 1500 bytes of room.
fn packet_buffer() -> Vec<u8> {
    let mut mem = vec![0u8; 3000];
    let mut x: u32 = 0x1234_5678;
    for b in &mut mem[..1500] {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    mem
}

/// Every benchmark program.
pub fn programs() -> Vec<BenchProgram> {
    vec![
        BenchProgram {
            name: "arith_loop",
            source: include_str!("../programs/arith_loop.s"),
            memory: vec![0; 8],
        },
        BenchProgram {
            name: "copy_checksum",
            source: include_str!("../programs/copy_checksum.s"),
            memory: packet_buffer(),
        },
        BenchProgram {
            name: "switch",
            source: include_str!("../programs/switch.s"),
            memory: vec![0; 8],
        },
        BenchProgram {
            name: "calls",
            source: include_str!("../programs/calls.s"),
            memory: vec![0; 8],
        },
    ]
}

/// A long program of ALU ops, stack stores and loads and forward branches
/// (blocks of 8), for JIT compile times. `signed_div` ends each block with
/// a signed division (a v4 instruction); without it, an unsigned one, so
/// runtimes that stop at v3 take it too.
pub fn straight_line(len: usize, signed_div: bool) -> Result<Program, DecodeError> {
    let mut insns = Vec::with_capacity(len + 1);
    insns.push(Insn::Alu {
        width: Width::W64,
        op: AluOp::Mov,
        dst: Reg::R0,
        src: Source::Imm(0),
    });
    let mut i = 0;
    while insns.len() < len {
        let r = [Reg::R1, Reg::R2, Reg::R3, Reg::R4, Reg::R5][(i % 5) as usize];
        let off = -8 * (1 + (i % 16) as i16);
        insns.extend([
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Add,
                dst: Reg::R0,
                src: Source::Imm(i),
            },
            Insn::Alu {
                width: Width::W32,
                op: AluOp::Mul,
                dst: r,
                src: Source::Reg(Reg::R0),
            },
            Insn::Store {
                size: Size::DW,
                dst: Reg::R10,
                off,
                src: Source::Reg(r),
            },
            Insn::Load {
                size: Size::W,
                sign_extend: false,
                dst: Reg::R6,
                src: Reg::R10,
                off,
            },
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Xor,
                dst: Reg::R0,
                src: Source::Reg(Reg::R6),
            },
            Insn::Jump {
                width: Width::W64,
                cond: JmpCond::Gt,
                dst: Reg::R0,
                src: Source::Reg(r),
                off: 1,
            },
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Rsh,
                dst: Reg::R0,
                src: Source::Imm(1),
            },
            Insn::Alu {
                width: Width::W64,
                op: if signed_div { AluOp::Sdiv } else { AluOp::Div },
                dst: Reg::R0,
                src: Source::Reg(r),
            },
        ]);
        i += 1;
    }
    insns.push(Insn::Exit);
    Program::from_insns(insns)
}

/// ns per call of `f`: the fastest of 3 batches of about 10 ms (batch
/// time divided by its calls). On a shared machine interference only
/// adds time, so the fastest batch is the stable figure.
pub fn fastest_ns(mut f: impl FnMut() -> u64) -> f64 {
    use std::hint::black_box;
    use std::time::{Duration, Instant};
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        if start.elapsed() > Duration::from_millis(10) {
            break;
        }
        n *= 2;
    }
    (0..3)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::MAX, f64::min)
}
