//! The programs quiver is benchmarked on, shared by the criterion suite and
//! the differential test that checks every runtime computes the same r0.

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};

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
