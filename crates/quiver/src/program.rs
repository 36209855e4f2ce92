//! A loaded program: run it on a context, a packet, or inputs of your own.

use std::sync::Arc;

use quiver_obj::ObjProgram;
use quiver_obj::btf::LineInfo;
use quiver_obj::section::{ProgType, SectionKind};
use quiver_vm::{Region, RunInput, Vm};

use crate::error::Error;
use crate::helpers::MapTable;
use quiver_maps::ValuePtr;

/// A global data map value a program addresses directly.
#[derive(Clone)]
pub(crate) struct DataRegion {
    pub(crate) name: String,
    pub(crate) value: ValuePtr,
    pub(crate) writable: bool,
}

/// Length of the Ethernet header the kernel pulls before a socket filter.
const ETH_HLEN: usize = 14;

/// One program of a loaded object.
pub struct Program {
    name: String,
    section: String,
    kind: Option<SectionKind>,
    vm: Vm,
    // Keeps the maps alive for as long as the program's code refers to them.
    _maps: Arc<MapTable>,
    data: Vec<DataRegion>,
    lines: Vec<(usize, LineInfo)>,
}

impl Program {
    pub(crate) fn new(p: ObjProgram, vm: Vm, maps: Arc<MapTable>, data: Vec<DataRegion>) -> Self {
        Program {
            name: p.name,
            section: p.section,
            kind: p.kind,
            vm,
            _maps: maps,
            data,
            lines: p.lines,
        }
    }

    /// The program's name (its ELF symbol).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ELF section it came from.
    pub fn section(&self) -> &str {
        &self.section
    }

    /// What its section name says (program type, target, sleepable).
    pub fn kind(&self) -> Option<&SectionKind> {
        self.kind.as_ref()
    }

    /// The source line of instruction `pc`, from BTF line info.
    pub fn line_at(&self, pc: usize) -> Option<&LineInfo> {
        quiver_obj::line_at(&self.lines, pc)
    }

    fn err(&self, source: quiver_vm::VmError) -> Error {
        Error::Run {
            name: self.name.clone(),
            source,
        }
    }

    /// Runs with inputs of the caller's making; the program's global data
    /// is added to them.
    pub fn run_with(&self, mut input: RunInput<'_>) -> Result<u64, Error> {
        for d in &self.data {
            // SAFETY: global data values live at a stable address for as
            // long as their map, which this program keeps alive; programs
            // may write them concurrently, as in Linux, through storage that
            // permits such sharing.
            let region = unsafe {
                Region::from_raw(d.name.clone(), d.value.as_ptr(), d.value.len(), d.writable)
            };
            input = input.raw_region(region);
        }
        self.vm.run_with(&mut input).map_err(|e| self.err(e))
    }

    /// Runs on a context buffer (r1 points to it): syscall programs,
    /// struct_ops callbacks and other programs whose context is plain
    /// memory.
    pub fn run_context(&self, ctx: &mut [u8]) -> Result<u64, Error> {
        self.run_with(RunInput::new().context(ctx))
    }

    /// Runs a socket filter the way Linux's `BPF_PROG_TEST_RUN` does on an
    /// Ethernet frame: the Ethernet header is pulled, `skb->len` and
    /// `skb->protocol` describe the rest, and legacy packet loads read it.
    /// Returns r0 (the number of bytes to keep).
    pub fn run_skb(&self, frame: &mut [u8]) -> Result<u64, Error> {
        if self
            .kind
            .as_ref()
            .is_some_and(|k| k.prog_type != ProgType::SocketFilter)
        {
            return Err(Error::Program {
                name: self.name.clone(),
                message: "run_skb runs socket filters only".into(),
            });
        }
        if frame.len() < ETH_HLEN {
            return Err(Error::Program {
                name: self.name.clone(),
                message: format!(
                    "a frame needs at least {ETH_HLEN} bytes, got {}",
                    frame.len()
                ),
            });
        }
        let mut skb = [0u8; crate::ctx::SKB.native_size];
        let len = (frame.len() - ETH_HLEN) as u32;
        skb[0..4].copy_from_slice(&len.to_le_bytes());
        // `protocol` holds the EtherType in network order.
        skb[16..18].copy_from_slice(&frame[12..14]);
        let payload = &mut frame[ETH_HLEN..];
        let data = payload.as_ptr() as u64;
        // The native layout keeps the packet pointers after the UAPI struct.
        skb[192..200].copy_from_slice(&data.to_le_bytes());
        skb[200..208].copy_from_slice(&(data + len as u64).to_le_bytes());
        skb[208..216].copy_from_slice(&data.to_le_bytes());
        self.run_with(RunInput::new().context(&mut skb).packet(payload))
    }

    /// Runs an XDP program on a frame (modified in place) and returns its
    /// action (`XDP_ABORTED` 0, `DROP` 1, `PASS` 2, `TX` 3, `REDIRECT` 4).
    pub fn run_xdp(&self, frame: &mut [u8]) -> Result<u64, Error> {
        if self
            .kind
            .as_ref()
            .is_some_and(|k| k.prog_type != ProgType::Xdp)
        {
            return Err(Error::Program {
                name: self.name.clone(),
                message: "run_xdp runs XDP programs only".into(),
            });
        }
        let mut md = [0u8; crate::ctx::XDP.native_size];
        let data = frame.as_ptr() as u64;
        md[0..8].copy_from_slice(&data.to_le_bytes());
        md[8..16].copy_from_slice(&(data + frame.len() as u64).to_le_bytes());
        md[16..24].copy_from_slice(&data.to_le_bytes());
        // ingress_ifindex 1 (loopback), rx queue 0, like a test run.
        md[24..28].copy_from_slice(&1u32.to_le_bytes());
        self.run_with(RunInput::new().context(&mut md).packet(frame))
    }
}
