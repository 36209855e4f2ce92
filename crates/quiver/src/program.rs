//! A loaded program: run it on a context, a packet, or inputs of your own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use quiver_obj::ObjProgram;
use quiver_obj::btf::LineInfo;
use quiver_obj::section::{ProgType, SectionKind};
use quiver_vm::{HelperContext, Region, RunInput, Vm};

use crate::error::Error;
use crate::helpers::MapTable;
use crate::prog_array::Owner;
use quiver_maps::ValuePtr;

/// A global data map value a program addresses directly.
#[derive(Clone)]
pub(crate) struct DataRegion {
    /// Shared, so that a run lends the region without copying its name.
    pub(crate) name: Arc<str>,
    pub(crate) value: ValuePtr,
    pub(crate) writable: bool,
}

/// Length of the Ethernet header the kernel pulls before a socket filter.
const ETH_HLEN: usize = 14;

impl DataRegion {
    fn region(&self) -> Region {
        // SAFETY: global data values live at a stable address for as long
        // as their map, which the program holding this region keeps alive
        // (and a run keeps the program alive); programs may write them
        // concurrently, as in Linux, through storage that permits such
        // sharing.
        unsafe {
            Region::from_raw(
                self.name.clone(),
                self.value.as_ptr(),
                self.value.len(),
                self.writable,
            )
        }
    }
}

/// What runs: shared by the [`Program`] handle and the prog array slots
/// that hold it.
pub(crate) struct ProgramCore {
    pub(crate) name: String,
    pub(crate) id: u32,
    pub(crate) vm: Vm,
    pub(crate) owner: Owner,
    /// Bytes of context a run must provide (see `Facts::max_ctx_access`).
    pub(crate) min_ctx: u64,
    data: Vec<DataRegion>,
    /// What JIT code needs to tail-call the program natively, made on
    /// first use (it records the address of `vm`, fixed once the core is
    /// in its `Arc`).
    native: std::sync::OnceLock<Option<quiver_vm::NativeTarget>>,
    // Keeps the maps alive for as long as the program's code refers to them.
    _maps: Arc<MapTable>,
}

impl ProgramCore {
    /// The program's native tail-call target, if it has JIT code. Calls
    /// into a program with global data go through the helper, which adds
    /// its regions to the run (`expose_data`).
    pub(crate) fn native_target(self: &Arc<Self>) -> Option<&quiver_vm::NativeTarget> {
        self.native
            .get_or_init(|| {
                let host = !self.data.is_empty();
                quiver_vm::NativeTarget::new(&self.vm, self.min_ctx, host)
            })
            .as_ref()
    }

    /// The program's target for a generated dispatcher: only a program
    /// with JIT code that the host adds nothing to (no global data, whose
    /// regions helpers must find in the run).
    pub(crate) fn dispatch_target(self: &Arc<Self>) -> Option<&quiver_vm::NativeTarget> {
        if !self.data.is_empty() {
            return None;
        }
        self.native_target()
    }

    /// Makes the program's global data reachable from the current run,
    /// for a tail call or call into it: in checked mode for its own
    /// accesses, in either mode for the helpers it passes pointers into
    /// that data (they read through the run's regions).
    pub(crate) fn expose_data(&self, ctx: &mut HelperContext<'_>) {
        for d in &self.data {
            ctx.add_region(d.region());
        }
    }
}

impl ProgramCore {
    /// Runs the program with its global data added to `input` (the caller
    /// holds a read section). The context must be as large as the program
    /// may touch: unchecked mode relies on it.
    pub(crate) fn run(&self, input: &mut RunInput<'_>) -> Result<u64, Error> {
        self.check_context(input.context_len().unwrap_or(0))?;
        for d in &self.data {
            input.push_raw_region(d.region());
        }
        self.vm
            .run_with(input)
            .map_err(|source| self.run_error(source))
    }

    /// [`run`](Self::run) on a context buffer and a packet: a program
    /// without global data through the VM's entry for that shape, which
    /// builds no input; one with data through `run`, whose input holds
    /// the data regions inline (no allocation per run).
    #[inline(always)]
    pub(crate) fn run_packet(&self, context: &mut [u8], packet: &mut [u8]) -> Result<u64, Error> {
        if !self.data.is_empty() {
            return self.run(&mut RunInput::new().context(context).packet(packet));
        }
        self.check_context(context.len())?;
        self.vm
            .run_packet(context, packet, &[])
            .map_err(|source| self.run_error(source))
    }

    /// Unchecked mode relies on the context being as large as the
    /// program may touch.
    fn check_context(&self, have: usize) -> Result<(), Error> {
        let have = have as u64;
        if have < self.min_ctx {
            return Err(Error::Program {
                name: self.name.clone(),
                message: format!(
                    "the context has {have} bytes; the program reads up to byte {}",
                    self.min_ctx
                ),
            });
        }
        Ok(())
    }

    /// An error of a run of the program.
    pub(crate) fn run_error(&self, source: quiver_vm::VmError) -> Error {
        Error::Run {
            name: self.name.clone(),
            source,
        }
    }

    /// Runs the async callback `func` of this program on the element whose
    /// value starts at `value` in `map`: `(map, key, value)`, as Linux
    /// calls timer and work-queue callbacks.
    pub(crate) fn run_callback(
        &self,
        func: u64,
        map: &Arc<dyn quiver_maps::Map>,
        map_handle: u64,
        key: Vec<u8>,
        value: u64,
    ) -> Result<u64, quiver_vm::VmError> {
        let _section = quiver_rcu::pin();
        let len = map.def().value_size as usize;
        // SAFETY: `value` is the start of a value of `map` (the address a
        // program initialised its timer or work item in, minus the
        // field's offset); map memory stays at its address, valid for
        // `value_size` bytes, for as long as the map lives, and `map` is
        // held for the whole run. Programs write values concurrently, as
        // in Linux, through storage that permits it.
        let value_region = unsafe { Region::from_raw("map value", value as *mut u8, len, true) };
        let mut input = RunInput::new()
            .region_readonly("map key", &key)
            .raw_region(value_region);
        for d in &self.data {
            input.push_raw_region(d.region());
        }
        let key_addr = if key.is_empty() {
            0
        } else {
            key.as_ptr() as u64
        };
        self.vm
            .call_function(func, [map_handle, key_addr, value, 0, 0], &mut input)
    }
}

impl Drop for ProgramCore {
    fn drop(&mut self) {
        crate::prog_array::unregister(self.id);
    }
}

/// One program of a loaded object.
pub struct Program {
    core: Arc<ProgramCore>,
    section: String,
    kind: Option<SectionKind>,
    lines: Vec<(usize, LineInfo)>,
}

impl Program {
    pub(crate) fn new(
        p: ObjProgram,
        vm: Vm,
        owner: Owner,
        min_ctx: u64,
        maps: Arc<MapTable>,
        data: Vec<DataRegion>,
    ) -> Self {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let core = Arc::new(ProgramCore {
            name: p.name,
            id,
            vm,
            owner,
            min_ctx,
            data,
            native: std::sync::OnceLock::new(),
            _maps: maps,
        });
        crate::prog_array::register(id, &core);
        Program {
            core,
            section: p.section,
            kind: p.kind,
            lines: p.lines,
        }
    }

    pub(crate) fn core(&self) -> &Arc<ProgramCore> {
        &self.core
    }

    /// The program's id: what a prog array's value holds (as a program fd
    /// does in Linux).
    pub fn id(&self) -> u32 {
        self.core.id
    }

    /// What a prog array that holds or calls this program must agree on.
    pub fn owner(&self) -> &Owner {
        &self.core.owner
    }

    /// Whether it may sleep (a `.s` section or a sleepable program type).
    pub fn sleepable(&self) -> bool {
        self.core.owner.sleepable
    }

    /// The program's name (its ELF symbol).
    pub fn name(&self) -> &str {
        &self.core.name
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

    /// Runs with inputs of the caller's making; the program's global data
    /// is added to them. The run is a read section of the calling thread
    /// (see [`quiver_rcu`]): programs it enters through prog arrays stay
    /// alive until it returns, whatever other threads do to the slots.
    pub fn run_with(&self, mut input: RunInput<'_>) -> Result<u64, Error> {
        self.run_on(&mut input)
    }

    /// [`run_with`](Self::run_with) on an input built in place: a run
    /// moves no copy of it.
    fn run_on(&self, input: &mut RunInput<'_>) -> Result<u64, Error> {
        let _section = quiver_rcu::pin();
        self.core.run(input)
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
                name: self.core.name.clone(),
                message: "run_skb runs socket filters only".into(),
            });
        }
        if frame.len() < ETH_HLEN {
            return Err(Error::Program {
                name: self.core.name.clone(),
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
        let _section = quiver_rcu::pin();
        self.core.run_packet(&mut skb, payload)
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
                name: self.core.name.clone(),
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
        let _section = quiver_rcu::pin();
        self.core.run_packet(&mut md, frame)
    }
}
