//! The cross-runtime benchmark programs (C under `programs/c/`, built by
//! `programs/c/build.sh`): their objects, their inputs, and the parts of
//! running them that only need quiver. `examples/perf_table.rs` times them
//! in every runtime; `tests/perf_programs_agree.rs` checks the runtimes
//! agree.
//!
//! Each program's packet is `[u64 result][parameters][payload]` (see
//! `programs/c/include/perf.h`); raw VMs get `[u64 length][packet]`.

use quiver::{Bpf, Engine, Loader};
use quiver_isa::Program;
use quiver_obj::Object;

/// Where a program can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Plain computation: an XDP entry and a raw entry, every runtime.
    Everywhere,
    /// Uses maps through helpers: the XDP entry only (kernel, quiver
    /// runtime).
    Maps,
    /// A program that tail-calls itself through slot `slot` of prog array
    /// `map` until the 33-call limit (kernel, quiver runtime).
    TailChain { map: &'static str, slot: u32 },
}

/// One benchmark program and its input.
pub struct PerfProgram {
    /// Program (function) name in both objects.
    pub name: &'static str,
    /// What it does, for tables.
    pub what: &'static str,
    /// The object with the XDP entry.
    pub xdp_object: &'static [u8],
    /// The object with the raw entry, for programs that have one.
    pub raw_object: Option<&'static [u8]>,
    pub reach: Reach,
    /// The packet every runtime gets.
    pub packet: Vec<u8>,
}

/// The outcome runtimes are compared on: r0's low 32 bits (the XDP
/// action for the kernel) and the packet after the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub r0: u32,
    pub packet: Vec<u8>,
}

impl Outcome {
    /// The u64 result the program stored in the packet's first 8 bytes.
    pub fn result(&self) -> u64 {
        self.packet
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
}

/// `include_bytes!` with the 8-byte alignment the ELF reader wants (it
/// refuses a misaligned header).
macro_rules! aligned_bytes {
    ($path:expr) => {{
        #[repr(C, align(8))]
        struct Aligned<B: ?Sized>(B);
        static ALIGNED: &Aligned<[u8]> = &Aligned(*include_bytes!($path));
        &ALIGNED.0
    }};
}

macro_rules! obj {
    ($name:literal) => {
        aligned_bytes!(concat!("../programs/c/obj/", $name))
    };
}

/// A deterministic byte stream (an LCG's high bits).
fn noise(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect()
}

/// A packet: 8 zero bytes for the result, parameter 0 (u16), parameter 1
/// (u16, 0), the u32 parameter, then `payload`.
fn packet(param0: u16, param32: u32, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 8];
    p.extend_from_slice(&param0.to_le_bytes());
    p.extend_from_slice(&0u16.to_le_bytes());
    p.extend_from_slice(&param32.to_le_bytes());
    p.extend_from_slice(payload);
    // Ethernet minimum, so the kernel takes it as a frame.
    if p.len() < 64 {
        p.resize(64, 0);
    }
    p
}

/// Two equal NUL-terminated 999-character strings, 1 KiB apart.
fn strings() -> Vec<u8> {
    let mut payload = vec![0u8; 2048];
    for i in 0..999 {
        let c = b'a' + (i % 26) as u8;
        payload[i] = c;
        payload[1024 + i] = c;
    }
    payload
}

/// 64 pen reports (buttons, X, Y, pressure, spare) with room after them
/// for the fixed copies.
fn pen_reports() -> Vec<u8> {
    let mut payload = vec![0u8; 1024 + 512];
    let n = noise(0x00c0_ffee, 64 * 8);
    for i in 0..64 {
        let r = &mut payload[i * 8..i * 8 + 8];
        let x = u16::from_le_bytes([n[i * 8], n[i * 8 + 1]]) % 24_000;
        let y = u16::from_le_bytes([n[i * 8 + 2], n[i * 8 + 3]]) % 16_000;
        // Every 8th report has the pen up (pressure 0).
        let pressure = if i % 8 == 7 {
            0
        } else {
            u16::from_le_bytes([n[i * 8 + 4], n[i * 8 + 5]]) % 1024
        };
        r[0] = n[i * 8 + 6] & 0x0f;
        r[1..3].copy_from_slice(&x.to_le_bytes());
        r[3..5].copy_from_slice(&y.to_le_bytes());
        r[5..7].copy_from_slice(&pressure.to_le_bytes());
        r[7] = n[i * 8 + 7];
    }
    payload
}

/// Every benchmark program, with its input.
pub fn perf_programs() -> Vec<PerfProgram> {
    let plain = |name, what, xdp_object, raw_object, packet| PerfProgram {
        name,
        what,
        xdp_object,
        raw_object: Some(raw_object),
        reach: Reach::Everywhere,
        packet,
    };
    vec![
        plain(
            "log2_int",
            "integer log2 of 1,000 values",
            obj!("log2_int.o"),
            obj!("log2_int.raw.o"),
            packet(1000, 0x9e37_79b9, &[]),
        ),
        plain(
            "primes",
            "primes below 500, trial division",
            obj!("primes.o"),
            obj!("primes.raw.o"),
            packet(500, 0, &[]),
        ),
        plain(
            "memcpy_1k",
            "memcpy 1 KiB in 8-byte words",
            obj!("memcpy_1k.o"),
            obj!("memcpy_1k.raw.o"),
            packet(128, 0, &noise(7, 2048)),
        ),
        plain(
            "strcmp_long",
            "strcmp of equal 999-byte strings",
            obj!("strcmp_long.o"),
            obj!("strcmp_long.raw.o"),
            packet(1023, 0, &strings()),
        ),
        plain(
            "switch_dense",
            "32-case switch over 511 bytes",
            obj!("switch_dense.o"),
            obj!("switch_dense.raw.o"),
            packet(511, 0, &noise(11, 512)),
        ),
        plain(
            "checksum",
            "internet checksum of 1,500 bytes",
            obj!("checksum.o"),
            obj!("checksum.raw.o"),
            packet(750, 0, &noise(13, 1500)),
        ),
        plain(
            "hid_fixup",
            "HID fix-up of 64 pen reports",
            obj!("hid_fixup.o"),
            obj!("hid_fixup.raw.o"),
            packet(64, 0, &pen_reports()),
        ),
        PerfProgram {
            name: "map_loop",
            what: "128 x (2 updates + 2 lookups), array + hash",
            xdp_object: obj!("map_loop.o"),
            raw_object: None,
            reach: Reach::Maps,
            packet: packet(128, 0, &noise(17, 256)),
        },
        PerfProgram {
            name: "bare_chain",
            what: "33-deep tail-call chain",
            // The 33-deep tail-call chain of the tail-call fixture.
            xdp_object: aligned_bytes!("../../../fixtures/obj/tail_calls.v3.g.o"),
            raw_object: None,
            reach: Reach::TailChain {
                map: "jmp_table",
                slot: 4,
            },
            packet: vec![0u8; 64],
        },
    ]
}

/// The loader every quiver-runtime measurement uses: verifier-proven
/// programs run without runtime bounds checks, on `engine`.
pub fn quiver_loader(engine: Engine) -> Loader {
    Loader::new().trust_verifier(true).engine(engine)
}

/// Loads the program's XDP object into the quiver runtime and, for a tail
/// chain, puts the program in its slot.
pub fn load_quiver(p: &PerfProgram, engine: Engine) -> Result<Bpf, quiver::Error> {
    let bpf = quiver_loader(engine).load(p.xdp_object)?;
    if let Reach::TailChain { map, slot } = p.reach {
        let table: quiver::maps::ProgArray = bpf.map(map)?.try_into()?;
        table.set(slot, bpf.program(p.name)?)?;
    }
    Ok(bpf)
}

/// Runs the program once in the quiver runtime on a copy of its packet.
pub fn run_quiver(bpf: &Bpf, p: &PerfProgram) -> Result<Outcome, quiver::Error> {
    let mut packet = p.packet.clone();
    let r0 = bpf.program(p.name)?.run_xdp(&mut packet)?;
    Ok(Outcome {
        r0: r0 as u32,
        packet,
    })
}

/// Why a raw entry could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RawError {
    #[error("{0} has no raw entry")]
    NoRawEntry(&'static str),
    #[error("object: {0}")]
    Object(#[from] quiver_obj::ObjError),
    #[error("program {0} not in its raw object")]
    Missing(&'static str),
    #[error("raw entry of {0} has relocations (maps or calls): raw VMs cannot run it")]
    Relocated(&'static str),
    #[error("instructions: {0}")]
    Decode(#[from] quiver_isa::DecodeError),
}

/// The raw entry's instructions, for raw VMs.
pub fn raw_program(p: &PerfProgram) -> Result<Program, RawError> {
    let bytes = p.raw_object.ok_or(RawError::NoRawEntry(p.name))?;
    let object = Object::parse(bytes)?;
    let prog = object
        .programs
        .iter()
        .find(|q| q.name == p.name)
        .ok_or(RawError::Missing(p.name))?;
    if !prog.relocs.is_empty() || prog.funcs.len() > 1 {
        return Err(RawError::Relocated(p.name));
    }
    Ok(Program::from_insns(prog.insns.clone())?)
}

/// Raw VM memory for a packet: `[u64 length][packet]`.
pub fn raw_memory(packet: &[u8]) -> Vec<u8> {
    let mut mem = (packet.len() as u64).to_le_bytes().to_vec();
    mem.extend_from_slice(packet);
    mem
}

/// The outcome of a raw run from its r0 and memory.
pub fn raw_outcome(r0: u64, mem: &[u8]) -> Outcome {
    Outcome {
        r0: r0 as u32,
        packet: mem.get(8..).unwrap_or_default().to_vec(),
    }
}
