//! Everything a program can address, and the crate's only `unsafe` code.
//!
//! Program addresses are host addresses, as in Linux, uBPF and rbpf: a
//! register holding a pointer holds the address of the byte itself, so the
//! unchecked mode can dereference it directly and helpers can return host
//! pointers.
//!
//! In checked mode every access is looked up among the regions valid for the
//! run (the live stack frames, then the host's regions) and goes through the
//! region's own pointer, so nothing outside them is ever touched. In
//! unchecked mode ([`Unchecked`]) the address is turned back into a pointer
//! as is. That is sound only because the interpreter is instantiated with
//! [`Unchecked`] for no other `Vm` than one built by the unsafe
//! `Vm::new_unchecked`, whose caller promises that a verifier accepted the
//! program, i.e. that every access lies inside memory valid for it, and
//! that atomics are aligned. Every `unsafe` block below relies on one of
//! these two facts.
//!
//! Pointers handed to the program have their provenance exposed, so that
//! the unchecked mode can rebuild usable pointers from plain integers.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ptr;
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering};

use quiver_isa::{Insn, PacketMode, Reg, Source};

use crate::error::{MemoryError, ViolationReason};

/// Stack bytes of one frame (Linux `MAX_BPF_STACK`).
pub const MAX_BPF_STACK: usize = 512;
/// Maximum number of frames of a bpf-to-bpf call chain, the main program
/// included (Linux `MAX_CALL_FRAMES`).
pub const MAX_CALL_FRAMES: usize = 8;

const STACK_SIZE: usize = MAX_BPF_STACK * MAX_CALL_FRAMES;
/// Regions stored without allocating; a run rarely has more.
const INLINE_REGIONS: usize = 8;

/// A region as JIT code caches it: `(start, bytes readable, bytes
/// writable)` (0 writable for a read-only region).
#[cfg(feature = "jit")]
pub(crate) type JitRegion = (u64, u64, u64);

/// Memory mode of an interpreter instantiation (monomorphized, so the
/// unchecked loop carries no trace of the checks).
pub(crate) trait Mode {
    const CHECKED: bool;
}

/// Every access is checked against the regions of the run.
pub(crate) enum Checked {}
/// No checks: only for programs a verifier accepted (see the module doc).
pub(crate) enum Unchecked {}

impl Mode for Checked {
    const CHECKED: bool = true;
}
impl Mode for Unchecked {
    const CHECKED: bool = false;
}

/// A block of host memory a program may access during a run.
///
/// The context, packet and memory buffers of a run become regions
/// automatically; helpers add more with
/// [`HelperContext::add_region`](crate::HelperContext::add_region), e.g. a
/// map value they return a pointer to.
#[derive(Clone)]
pub struct Region {
    name: RegionName,
    ptr: *mut u8,
    /// The program-visible address of the first byte.
    start: u64,
    len: u64,
    writable: bool,
}

impl Region {
    /// A region over `len` bytes at `ptr`.
    ///
    /// # Safety
    ///
    /// For as long as any run that uses the region lasts, `ptr..ptr + len`
    /// must be valid for reads (and for writes if `writable`), and no Rust
    /// reference to those bytes may be used in a way that conflicts with
    /// the program reading (or writing) them. Memory that other threads
    /// access concurrently must only be accessed by them atomically, as the
    /// program's plain loads and stores are not atomic.
    pub unsafe fn from_raw(
        name: impl Into<RegionName>,
        ptr: *mut u8,
        len: usize,
        writable: bool,
    ) -> Region {
        Region {
            name: name.into(),
            start: ptr.expose_provenance() as u64,
            ptr,
            len: len as u64,
            writable,
        }
    }

    /// A read-only region over static data.
    pub fn from_static(name: impl Into<RegionName>, data: &'static [u8]) -> Region {
        let ptr = data.as_ptr().cast_mut();
        Region {
            name: name.into(),
            start: ptr.expose_provenance() as u64,
            ptr,
            len: data.len() as u64,
            writable: false,
        }
    }

    /// A writable region over static data, which it borrows for good.
    pub fn from_static_mut(name: impl Into<RegionName>, data: &'static mut [u8]) -> Region {
        let ptr = data.as_mut_ptr();
        Region {
            name: name.into(),
            start: ptr.expose_provenance() as u64,
            ptr,
            len: data.len() as u64,
            writable: true,
        }
    }

    /// The region's name, used in error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address the program sees for the first byte.
    pub fn addr(&self) -> u64 {
        self.start
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the region has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the program may write to it.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    fn slot(&self) -> Slot {
        Slot {
            start: self.start,
            len: self.len,
            ptr: self.ptr,
            writable: self.writable,
            name: &*self.name,
        }
    }
}

/// A region's name (for error messages): static, owned, or shared, so that
/// a helper adding the same kind of region on every call (a map value)
/// need not allocate a name each time.
#[derive(Clone, Debug)]
pub struct RegionName(NameRepr);

#[derive(Clone, Debug)]
enum NameRepr {
    Cow(Cow<'static, str>),
    Shared(std::sync::Arc<str>),
}

impl std::ops::Deref for RegionName {
    type Target = str;
    fn deref(&self) -> &str {
        match &self.0 {
            NameRepr::Cow(c) => c,
            NameRepr::Shared(s) => s,
        }
    }
}

impl From<&'static str> for RegionName {
    fn from(s: &'static str) -> Self {
        RegionName(NameRepr::Cow(Cow::Borrowed(s)))
    }
}

impl From<String> for RegionName {
    fn from(s: String) -> Self {
        RegionName(NameRepr::Cow(Cow::Owned(s)))
    }
}

impl From<Cow<'static, str>> for RegionName {
    fn from(s: Cow<'static, str>) -> Self {
        RegionName(NameRepr::Cow(s))
    }
}

impl From<std::sync::Arc<str>> for RegionName {
    fn from(s: std::sync::Arc<str>) -> Self {
        RegionName(NameRepr::Shared(s))
    }
}

/// What the checks need of a region, kept `Copy` so that setting up a run
/// is a few stores.
#[derive(Clone, Copy)]
struct Slot {
    start: u64,
    len: u64,
    ptr: *mut u8,
    writable: bool,
    /// The region's name, owned by the `Region` the slot was made from,
    /// which outlives the run (see `MoreRegions::owned`).
    name: *const str,
}

impl Slot {
    /// All zero bits, so that a run's empty slots cost a few wide stores.
    /// Never read: only the first `inline_len` slots are.
    const EMPTY: Slot = Slot {
        start: 0,
        len: 0,
        ptr: ptr::null_mut(),
        writable: false,
        name: ptr::slice_from_raw_parts(ptr::null::<u8>(), 0) as *const str,
    };

    /// Offset of `addr..addr + size` in the region, if it lies inside.
    #[inline(always)]
    fn offset_of(&self, addr: u64, size: u64) -> Option<u64> {
        let off = addr.wrapping_sub(self.start);
        (off < self.len && size <= self.len - off).then_some(off)
    }

    /// The region as JIT code caches it, if it may: when program addresses
    /// in it are host addresses (its pointer is its start, see `Region`).
    #[cfg(feature = "jit")]
    fn jit_region(&self) -> Option<JitRegion> {
        let writable = if self.writable { self.len } else { 0 };
        (self.ptr.addr() as u64 == self.start).then_some((self.start, self.len, writable))
    }

    fn contains(&self, addr: u64) -> bool {
        addr.wrapping_sub(self.start) < self.len
    }

    fn name(&self) -> String {
        // SAFETY: `name` points into a `Region` that outlives the run: one
        // of `with_memory`'s arguments, or one in `MoreRegions::owned`. Moving a
        // `Region` does not move its name's bytes (static or heap).
        unsafe { &*self.name }.to_string()
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Region")
            .field("name", &self.name)
            .field("addr", &format_args!("{:#x}", self.start))
            .field("len", &self.len)
            .field("writable", &self.writable)
            .finish()
    }
}

/// A region tied to the borrow of the buffer it covers, so that the buffer
/// outlives every run that sees it.
#[derive(Clone, Debug)]
pub(crate) struct RegionRef<'a> {
    region: Region,
    _borrow: PhantomData<&'a mut [u8]>,
}

impl<'a> RegionRef<'a> {
    pub(crate) fn writable(name: Cow<'static, str>, data: &'a mut [u8]) -> Self {
        let ptr = data.as_mut_ptr();
        Self::wrap(Region {
            name: name.into(),
            start: ptr.expose_provenance() as u64,
            ptr,
            len: data.len() as u64,
            writable: true,
        })
    }

    pub(crate) fn read_only(name: Cow<'static, str>, data: &'a [u8]) -> Self {
        let ptr = data.as_ptr().cast_mut();
        Self::wrap(Region {
            name: name.into(),
            start: ptr.expose_provenance() as u64,
            ptr,
            len: data.len() as u64,
            writable: false,
        })
    }

    /// A region whose creator already promised its validity.
    pub(crate) fn from_region(region: Region) -> Self {
        Self::wrap(region)
    }

    fn wrap(region: Region) -> Self {
        RegionRef {
            region,
            _borrow: PhantomData,
        }
    }

    pub(crate) fn addr(&self) -> u64 {
        self.region.start
    }

    pub(crate) fn len(&self) -> usize {
        self.region.len as usize
    }

    /// Pointer and length, as a run's packet.
    pub(crate) fn bounds(&self) -> (*const u8, u64) {
        (self.region.ptr.cast_const(), self.region.len)
    }
}

/// The stack of all frames. Frame 0 (the main program) is at the top, frame
/// `k` right below frame `k - 1`, so the live frames are one contiguous
/// range that a single comparison checks.
#[repr(C, align(16))]
struct Stack([MaybeUninit<u8>; STACK_SIZE]);

/// The memory of one run. Built only by [`with_memory`], which keeps every
/// buffer it points into alive for as long as it exists.
pub(crate) struct Memory {
    stack_base: *mut u8,
    /// Address one past the top of frame 0.
    stack_top: u64,
    /// Lowest address of the live frames, and a pointer to it.
    live_lo: u64,
    live_ptr: *mut u8,
    live_len: u64,
    /// Frames whose top `reach` bytes have been zeroed; deeper ones are
    /// still uninitialized and must be zeroed before the program can reach
    /// them.
    zeroed_frames: usize,
    /// Bytes below a frame's top that the programs of the run can reach
    /// (see [`stack_reach`]); the rest of a frame is never zeroed.
    reach: usize,
    inline: [Slot; INLINE_REGIONS],
    inline_len: usize,
    /// What few runs need, boxed so that a run that needs none of it
    /// builds and drops nothing (dropped by hand: see `Drop`).
    more: ManuallyDrop<Option<Box<MoreRegions>>>,
    packet: Option<(*const u8, u64)>,
    /// The run's context buffer, as `(start, len)` (0 and 0 without one).
    context: (u64, u64),
}

impl Drop for Memory {
    /// Inlined, unlike the glue of a field's drop: a run that added no
    /// regions pays one test.
    #[inline(always)]
    fn drop(&mut self) {
        if self.more.is_some() {
            // SAFETY: `more` is dropped here only, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.more) };
        }
    }
}

/// Regions past the inline ones, and those helpers added.
#[derive(Default)]
struct MoreRegions {
    spill: Vec<Slot>,
    /// Regions added by helpers, kept for their names.
    owned: Vec<Region>,
    /// Every region's `(start, len, ptr, writable)`, once there are more
    /// than a linear scan handles well: a program that looks up hundreds
    /// of map elements in a run would otherwise pay quadratic time.
    index: Option<RegionIndex>,
}

/// `(start, len, ptr, writable)` of every region of a run.
type RegionIndex = HashSet<(u64, u64, usize, bool), BuildHasherDefault<AddressHasher>>;

/// Hashes the addresses and lengths of regions: a multiply per word (they
/// come from the host, not from programs, so no keyed hash is needed).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        let p = u128::from(self.0 ^ v) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// Runs `f` with the memory of one run: a fresh stack of which programs
/// reach the top `reach` bytes of each frame, `regions`, and `packet`, the
/// region LD_ABS/LD_IND read (also listed in `regions` if the program may
/// address it).
pub(crate) fn with_memory<'r, 'a: 'r, R>(
    regions: impl IntoIterator<Item = &'r RegionRef<'a>>,
    packet: Option<&'r RegionRef<'a>>,
    reach: usize,
    f: impl FnOnce(&mut Memory) -> R,
) -> R {
    with_slots(
        regions.into_iter().map(|r| r.region.slot()),
        packet.map(RegionRef::bounds),
        reach,
        f,
    )
}

/// [`with_memory`] for the commonest run: a writable context buffer and a
/// writable packet (also what LD_ABS/LD_IND read), then `extra` regions,
/// none of them wrapped on the way.
pub(crate) fn with_packet_memory<R>(
    context: &mut [u8],
    packet: &mut [u8],
    extra: &[Region],
    reach: usize,
    f: impl FnOnce(&mut Memory) -> R,
) -> R {
    let writable = |name: &'static str, data: &mut [u8]| {
        let ptr = data.as_mut_ptr();
        Slot {
            start: ptr.expose_provenance() as u64,
            len: data.len() as u64,
            ptr,
            writable: true,
            name,
        }
    };
    let packet_slot = writable("packet", packet);
    let slots = [writable("context", context), packet_slot];
    with_slots(
        slots.into_iter().chain(extra.iter().map(Region::slot)),
        Some((packet_slot.ptr.cast_const(), packet_slot.len)),
        reach,
        f,
    )
}

/// The body of both: every slot's buffer outlives `f` (the callers borrow
/// it for the call).
#[inline(always)]
fn with_slots<R>(
    slots: impl Iterator<Item = Slot>,
    packet: Option<(*const u8, u64)>,
    reach: usize,
    f: impl FnOnce(&mut Memory) -> R,
) -> R {
    let mut stack = Stack([const { MaybeUninit::uninit() }; STACK_SIZE]);
    // Debug builds poison the stack, so that a byte a program could read
    // before the run zeroed it shows up in tests as it would in the field
    // (where it holds whatever the host left there).
    if cfg!(debug_assertions) {
        stack.0.fill(MaybeUninit::new(0xa5));
    }
    let stack_base = stack.0.as_mut_ptr().cast::<u8>();
    let stack_top = stack_base.wrapping_add(STACK_SIZE).expose_provenance() as u64;
    let mut mem = Memory {
        stack_base,
        stack_top,
        live_lo: stack_top,
        live_ptr: stack_base.wrapping_add(STACK_SIZE),
        live_len: 0,
        zeroed_frames: 0,
        reach: reach.min(MAX_BPF_STACK),
        inline: [Slot::EMPTY; INLINE_REGIONS],
        inline_len: 0,
        more: ManuallyDrop::new(None),
        packet,
        context: (0, 0),
    };
    for slot in slots {
        mem.add_slot(slot);
    }
    mem.set_depth(0);
    // `stack` stays in scope, untouched, until `mem` and every pointer into
    // it are gone.
    f(&mut mem)
}

/// Bytes below the top of a frame that `insns` can reach: the deepest
/// constant offset from r10 they load, store or update at, when r10 serves
/// only as such a base; the whole frame (`MAX_BPF_STACK`) once r10's value
/// is copied, computed with or passed on, as a pointer could then reach
/// anywhere in the frame. Zeroing only these bytes keeps a run that uses
/// little stack from clearing 512 bytes at every start.
pub(crate) fn stack_reach(insns: &[Insn]) -> usize {
    let Some(accesses) = frame_accesses(insns) else {
        return MAX_BPF_STACK;
    };
    let reach = accesses
        .iter()
        .map(|a| -i64::from(a.off) as usize)
        .max()
        .unwrap_or(0);
    // Whole words, so that zeroing is a few wide stores.
    reach.next_multiple_of(16).min(MAX_BPF_STACK)
}

/// An access of a program to its frame at a constant offset from r10.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameAccess {
    /// Offset from r10 (negative).
    pub(crate) off: i16,
    pub(crate) bytes: u8,
    /// A plain load or store (not an atomic update).
    pub(crate) plain: bool,
}

/// Every access of `insns` to the frame, if r10 serves only as the base of
/// accesses at constant offsets inside the frame; None once its value is
/// copied, computed with, compared, stored or passed on, or an access
/// through it may leave the frame.
pub(crate) fn frame_accesses(insns: &[Insn]) -> Option<Vec<FrameAccess>> {
    const FP: Reg = Reg::R10;
    let mut accesses = Vec::new();
    for insn in insns {
        // (base, offset, size, plain) of an access, if the insn is one.
        let (base, off, size, plain) = match *insn {
            Insn::Load {
                size,
                src,
                dst,
                off,
                ..
            } => {
                if dst == FP {
                    return None;
                }
                (src, off, size, true)
            }
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => {
                if src == Source::Reg(FP) {
                    return None;
                }
                (dst, off, size, true)
            }
            Insn::Atomic {
                size,
                dst,
                src,
                off,
                ..
            } => {
                if src == FP {
                    return None;
                }
                (dst, off, size, false)
            }
            Insn::Alu { dst, src, .. } | Insn::Jump { dst, src, .. } => {
                if dst == FP || src == Source::Reg(FP) {
                    return None;
                }
                continue;
            }
            Insn::MovSx { dst, src, .. } => {
                if dst == FP || src == FP {
                    return None;
                }
                continue;
            }
            Insn::Neg { dst: r, .. }
            | Insn::Endian { dst: r, .. }
            | Insn::LoadPacket {
                mode: PacketMode::Ind(r),
                ..
            }
            | Insn::Callx { reg: r, .. }
            | Insn::LoadImm64 { dst: r, .. } => {
                if r == FP {
                    return None;
                }
                continue;
            }
            Insn::LoadPacket { .. }
            | Insn::Ja { .. }
            | Insn::MayGoto { .. }
            | Insn::Call(_)
            | Insn::Exit => continue,
        };
        if base != FP {
            continue;
        }
        let lo = -i64::from(off);
        let inside = lo > 0 && lo as usize <= MAX_BPF_STACK && lo >= size.bytes() as i64;
        if !inside {
            return None;
        }
        accesses.push(FrameAccess {
            off,
            bytes: size.bytes() as u8,
            plain,
        });
    }
    Some(accesses)
}

/// A value a program loads or stores.
pub(crate) trait Scalar: Copy {
    const SIZE: u64;
    fn from_u64(v: u64) -> Self;
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const SIZE: u64 = std::mem::size_of::<$t>() as u64;
            #[inline(always)]
            fn from_u64(v: u64) -> Self {
                v as $t
            }
        }
    )*};
}
scalar!(u8, u16, u32, u64);

/// Read-modify-write operation of an atomic instruction. Fetching forms
/// are fully ordered and plain ones relaxed, as in Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rmw {
    Add,
    Or,
    And,
    Xor,
    FetchAdd,
    FetchOr,
    FetchAnd,
    FetchXor,
    Xchg,
    Cmpxchg,
}

macro_rules! rmw_fn {
    ($name:ident, $t:ty, $atomic:ty) => {
        /// Applies `op` at `addr`; returns the old value. `expected` is the
        /// comparand of cmpxchg.
        #[inline]
        pub(crate) fn $name<M: Mode>(
            &mut self,
            addr: u64,
            op: Rmw,
            val: $t,
            expected: $t,
        ) -> Option<$t> {
            let p = self.resolve_atomic::<M>(addr, <$t as Scalar>::SIZE, true)?;
            // SAFETY: checked mode: `resolve_atomic` found `p` aligned and
            // inside a writable region or the live stack; unchecked mode:
            // the verifier's promise (module doc). The memory is only ever
            // accessed by this thread or atomically.
            let a = unsafe { <$atomic>::from_ptr(p.cast()) };
            use Ordering::{Relaxed, SeqCst};
            Some(match op {
                Rmw::Add => a.fetch_add(val, Relaxed),
                Rmw::Or => a.fetch_or(val, Relaxed),
                Rmw::And => a.fetch_and(val, Relaxed),
                Rmw::Xor => a.fetch_xor(val, Relaxed),
                Rmw::FetchAdd => a.fetch_add(val, SeqCst),
                Rmw::FetchOr => a.fetch_or(val, SeqCst),
                Rmw::FetchAnd => a.fetch_and(val, SeqCst),
                Rmw::FetchXor => a.fetch_xor(val, SeqCst),
                Rmw::Xchg => a.swap(val, SeqCst),
                Rmw::Cmpxchg => match a.compare_exchange(expected, val, SeqCst, SeqCst) {
                    Ok(old) | Err(old) => old,
                },
            })
        }
    };
}

impl Memory {
    fn add_slot(&mut self, slot: Slot) {
        if self.inline_len < INLINE_REGIONS {
            self.inline[self.inline_len] = slot;
            self.inline_len += 1;
        } else {
            self.more.get_or_insert_default().spill.push(slot);
        }
    }

    fn spilled(&self) -> &[Slot] {
        self.more.as_ref().map_or(&[], |m| &m.spill)
    }

    /// Adds a region for the rest of the run; returns its address. A
    /// region already present is not added again, so that a helper called
    /// in a loop (a map lookup) does not grow the list the checks scan.
    pub(crate) fn push_region(&mut self, region: Region) -> u64 {
        const SCAN: usize = 16;
        let key = |s: &Slot| (s.start, s.len, s.ptr.addr(), s.writable);
        let new = (region.start, region.len, region.ptr.addr(), region.writable);
        if self.inline_len + self.spilled().len() < SCAN {
            if self.regions().any(|s| key(s) == new) {
                return region.start;
            }
        } else {
            let inline = &self.inline[..self.inline_len];
            let more = self.more.get_or_insert_default();
            let index = match &mut more.index {
                Some(index) => index,
                None => {
                    let all = inline.iter().chain(&more.spill);
                    more.index.insert(all.map(key).collect())
                }
            };
            if !index.insert(new) {
                return region.start;
            }
        }
        self.add_slot(region.slot());
        let owned = &mut self.more.get_or_insert_default().owned;
        owned.push(region);
        owned.last().map_or(0, |r| r.start)
    }

    fn regions(&self) -> impl Iterator<Item = &Slot> {
        self.inline[..self.inline_len].iter().chain(self.spilled())
    }

    /// What JIT code reads of the run's memory: the address one past the
    /// top of frame 0, the number of frames already zeroed, and the packet
    /// LD_ABS/LD_IND read (null and 0 without one).
    #[cfg(feature = "jit")]
    pub(crate) fn jit_view(&self) -> (u64, usize, *const u8, u64) {
        let (packet, len) = self.packet.unwrap_or((ptr::null(), 0));
        (self.stack_top, self.zeroed_frames, packet, len)
    }

    /// The first two regions JIT code may cache, zeros where there are
    /// fewer: a run's context and arguments come first, so its first
    /// accesses to them need no slow path.
    #[cfg(feature = "jit")]
    pub(crate) fn jit_seed(&self) -> [JitRegion; 2] {
        let mut seed = [(0, 0, 0); 2];
        let cacheable = self.inline[..self.inline_len]
            .iter()
            .filter_map(Slot::jit_region);
        for (s, r) in seed.iter_mut().zip(cacheable) {
            *s = r;
        }
        seed
    }

    /// Records the run's context buffer (for native tail calls, which
    /// check that the context is as large as the program they enter
    /// reads).
    pub(crate) fn set_context(&mut self, start: u64, len: u64) {
        self.context = (start, len);
    }

    /// The run's context buffer, as `(start, len)`.
    #[cfg(feature = "jit")]
    pub(crate) fn context(&self) -> (u64, u64) {
        self.context
    }

    /// Stack bytes per frame zeroed for the run.
    #[cfg(feature = "jit")]
    pub(crate) fn reach(&self) -> usize {
        self.reach
    }

    /// Frames zeroed so far (see [`set_depth`](Self::set_depth)).
    #[cfg(feature = "jit")]
    pub(crate) fn zeroed_frames(&self) -> usize {
        self.zeroed_frames
    }

    /// The host pointer for an access by JIT code in checked mode, if the
    /// live stack or the regions of the run allow it, and the region that
    /// does (not the stack) when JIT code may cache it. One scan, in the
    /// order `resolve_checked` takes.
    #[cfg(feature = "jit")]
    pub(crate) fn resolve_jit(
        &self,
        addr: u64,
        size: u64,
        write: bool,
    ) -> Option<(*mut u8, Option<JitRegion>)> {
        if let Some(p) = self.in_live_stack(addr, size) {
            return Some((p, None));
        }
        self.regions().find_map(|r| {
            let off = r.offset_of(addr, size)?;
            (r.writable || !write).then(|| (r.ptr.wrapping_add(off as usize), r.jit_region()))
        })
    }

    /// The frame pointer (r10) of frame `depth`.
    #[inline(always)]
    pub(crate) fn frame_pointer(&self, depth: usize) -> u64 {
        self.stack_top - (depth * MAX_BPF_STACK) as u64
    }

    /// Makes frames `0..=depth` the live stack, zeroing a frame the first
    /// time it is used.
    #[inline(always)]
    pub(crate) fn set_depth(&mut self, depth: usize) {
        debug_assert!(depth < MAX_CALL_FRAMES);
        let live = ((depth + 1) * MAX_BPF_STACK) as u64;
        self.live_lo = self.stack_top - live;
        self.live_ptr = self.stack_base.wrapping_add(STACK_SIZE - live as usize);
        self.live_len = live;
        if depth >= self.zeroed_frames {
            self.zero_frames(depth);
        }
    }

    #[inline(always)]
    fn zero_frames(&mut self, depth: usize) {
        if self.reach > 0 {
            self.zero_reach(depth);
        }
        self.zeroed_frames = depth + 1;
    }

    #[cold]
    fn zero_reach(&mut self, depth: usize) {
        for frame in self.zeroed_frames..=depth {
            self.zero_frame(frame, 0, self.reach);
        }
    }

    /// Zeroes the bytes `from..to` below the top of `frame`.
    fn zero_frame(&mut self, frame: usize, from: usize, to: usize) {
        debug_assert!(frame < MAX_CALL_FRAMES && from <= to && to <= MAX_BPF_STACK);
        if from == to {
            return;
        }
        let top = STACK_SIZE - frame * MAX_BPF_STACK;
        // SAFETY: `top - to..top - from` lies inside the stack buffer, which
        // `with_memory` keeps alive while `self` exists; program accesses
        // go through raw pointers, never references that would conflict.
        unsafe { ptr::write_bytes(self.stack_base.add(top - to), 0, to - from) };
    }

    /// Lets a program that reaches `reach` bytes of each frame run in this
    /// memory (a program another one calls or tail-calls may reach deeper
    /// than the first): frames already zeroed get the rest of their reach
    /// zeroed too. Bytes beyond the old reach were never reachable, so
    /// nothing lives there yet.
    #[inline(always)]
    pub(crate) fn ensure_reach(&mut self, reach: usize) {
        if reach > self.reach {
            self.widen_reach(reach.min(MAX_BPF_STACK));
        }
    }

    #[cold]
    fn widen_reach(&mut self, reach: usize) {
        for frame in 0..self.zeroed_frames {
            self.zero_frame(frame, self.reach, reach);
        }
        self.reach = reach;
    }

    /// The host pointer for a program access of `size` bytes at `addr`, or
    /// `None` if checked mode refuses it.
    #[inline(always)]
    fn resolve<M: Mode>(&self, addr: u64, size: u64, write: bool) -> Option<*mut u8> {
        if !M::CHECKED {
            return Some(ptr::with_exposed_provenance_mut(addr as usize));
        }
        self.resolve_checked(addr, size, write)
    }

    /// The host pointer for `size` bytes at `addr` if they lie in the live
    /// frames.
    #[inline(always)]
    fn in_live_stack(&self, addr: u64, size: u64) -> Option<*mut u8> {
        let off = addr.wrapping_sub(self.live_lo);
        (off < self.live_len && size <= self.live_len - off)
            .then(|| self.live_ptr.wrapping_add(off as usize))
    }

    #[inline(always)]
    fn resolve_checked(&self, addr: u64, size: u64, write: bool) -> Option<*mut u8> {
        if let Some(p) = self.in_live_stack(addr, size) {
            return Some(p);
        }
        for r in &self.inline[..self.inline_len] {
            if let Some(off) = r.offset_of(addr, size)
                && (r.writable || !write)
            {
                return Some(r.ptr.wrapping_add(off as usize));
            }
        }
        self.more.as_ref()?;
        self.resolve_spilled(addr, size, write)
    }

    #[inline(never)]
    fn resolve_spilled(&self, addr: u64, size: u64, write: bool) -> Option<*mut u8> {
        self.spilled().iter().find_map(|r| {
            let off = r.offset_of(addr, size)?;
            (r.writable || !write).then(|| r.ptr.wrapping_add(off as usize))
        })
    }

    #[inline(always)]
    fn resolve_atomic<M: Mode>(&self, addr: u64, size: u64, write: bool) -> Option<*mut u8> {
        // Sizes are powers of two.
        if M::CHECKED && addr & (size - 1) != 0 {
            return None;
        }
        self.resolve::<M>(addr, size, write)
    }

    /// Why checked mode refused an access (the slow path of an error).
    #[cold]
    pub(crate) fn explain(
        &self,
        addr: u64,
        size: u64,
        write: bool,
        atomic: bool,
    ) -> ViolationReason {
        if atomic && addr & (size - 1) != 0 {
            return ViolationReason::Misaligned { align: size };
        }
        if addr.wrapping_sub(self.live_lo) < self.live_len {
            return ViolationReason::CrossesEnd {
                region: "stack".into(),
            };
        }
        let stack_lo = self.stack_top - STACK_SIZE as u64;
        if addr.wrapping_sub(stack_lo) < STACK_SIZE as u64 {
            return ViolationReason::OutsideLiveFrames;
        }
        let mut reason = ViolationReason::NoRegion;
        for r in self.regions().filter(|r| r.contains(addr)) {
            let region = r.name();
            if r.offset_of(addr, size).is_none() {
                reason = ViolationReason::CrossesEnd { region };
            } else if write && !r.writable {
                reason = ViolationReason::ReadOnly { region };
            }
        }
        reason
    }

    /// Loads a `T` from `addr`.
    #[inline(always)]
    pub(crate) fn load<M: Mode, T: Scalar>(&self, addr: u64) -> Option<T> {
        let p = self.resolve::<M>(addr, T::SIZE, false)?;
        // SAFETY: checked mode: `p` lies inside a live region of at least
        // `T::SIZE` bytes; unchecked mode: the verifier's promise (module
        // doc). Unaligned reads are allowed by `read_unaligned`.
        Some(unsafe { ptr::read_unaligned(p.cast::<T>()) })
    }

    /// Stores `v` at `addr`; `None` if checked mode refuses.
    #[inline(always)]
    pub(crate) fn store<M: Mode, T: Scalar>(&mut self, addr: u64, v: T) -> Option<()> {
        let p = self.resolve::<M>(addr, T::SIZE, true)?;
        // SAFETY: as in `load`, and the region is writable.
        unsafe { ptr::write_unaligned(p.cast::<T>(), v) };
        Some(())
    }

    rmw_fn!(rmw32, u32, AtomicU32);
    rmw_fn!(rmw64, u64, AtomicU64);

    /// `load_acquire` of `size` (1, 2, 4 or 8) bytes, zero-extended.
    #[inline]
    pub(crate) fn load_acquire<M: Mode>(&self, addr: u64, size: u64) -> Option<u64> {
        let p = self.resolve_atomic::<M>(addr, size, false)?;
        let o = Ordering::Acquire;
        // SAFETY: checked mode: `resolve_atomic` found `p` aligned and
        // inside a region or the live stack; unchecked mode: the
        // verifier's promise (module doc).
        Some(unsafe {
            match size {
                1 => AtomicU8::from_ptr(p).load(o) as u64,
                2 => AtomicU16::from_ptr(p.cast()).load(o) as u64,
                4 => AtomicU32::from_ptr(p.cast()).load(o) as u64,
                _ => AtomicU64::from_ptr(p.cast()).load(o),
            }
        })
    }

    /// `store_release` of the low `size` (1, 2, 4 or 8) bytes of `v`.
    #[inline]
    pub(crate) fn store_release<M: Mode>(&mut self, addr: u64, size: u64, v: u64) -> Option<()> {
        let p = self.resolve_atomic::<M>(addr, size, true)?;
        let o = Ordering::Release;
        // SAFETY: as in `load_acquire`, and the region is writable.
        unsafe {
            match size {
                1 => AtomicU8::from_ptr(p).store(v as u8, o),
                2 => AtomicU16::from_ptr(p.cast()).store(v as u16, o),
                4 => AtomicU32::from_ptr(p.cast()).store(v as u32, o),
                _ => AtomicU64::from_ptr(p.cast()).store(v, o),
            }
        }
        Some(())
    }

    /// Legacy packet load: `size` bytes at offset `off` of the packet,
    /// big-endian; `None` when out of bounds or there is no packet. Checked
    /// in every mode, as Linux checks it at run time.
    #[inline]
    pub(crate) fn packet_load(&self, off: i64, size: u64) -> Option<u64> {
        let (p, len) = self.packet?;
        let off = u64::try_from(off).ok()?;
        if off >= len || size > len - off {
            return None;
        }
        let mut v = 0u64;
        for i in 0..size {
            // SAFETY: `off + i < len`, and the packet region's buffer is
            // kept alive by `with_memory`'s caller.
            let b = unsafe { p.add((off + i) as usize).read() };
            v = (v << 8) | b as u64;
        }
        Some(v)
    }

    fn helper_error(&self, addr: u64, size: usize, write: bool) -> MemoryError {
        MemoryError {
            addr,
            size,
            write,
            reason: self.explain(addr, size as u64, write, false),
        }
    }

    /// Copies program memory at `addr` into `buf` (always checked).
    pub(crate) fn read_bytes(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        if buf.is_empty() {
            return Ok(());
        }
        let p = self
            .resolve_checked(addr, buf.len() as u64, false)
            .ok_or_else(|| self.helper_error(addr, buf.len(), false))?;
        // SAFETY: `p..p + buf.len()` lies inside a live region or the live
        // stack; `ptr::copy` tolerates overlap with `buf`.
        unsafe { ptr::copy(p.cast_const(), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Bytes from `addr` to the end of the region (or live stack) holding
    /// it.
    pub(crate) fn bytes_at(&self, addr: u64) -> Option<u64> {
        if addr.wrapping_sub(self.live_lo) < self.live_len {
            return Some(self.live_len - (addr - self.live_lo));
        }
        self.regions()
            .find(|r| r.contains(addr))
            .map(|r| r.len - (addr - r.start))
    }

    /// The 4-byte atomic at `addr`, which must be aligned and inside a
    /// writable region or the live stack (always checked).
    pub(crate) fn atomic_u32(&self, addr: u64) -> Result<&AtomicU32, MemoryError> {
        let p = self
            .resolve_checked(addr, 4, true)
            .filter(|_| addr.is_multiple_of(4))
            .ok_or_else(|| self.helper_error(addr, 4, true))?;
        // SAFETY: `p..p + 4` lies inside a live writable region or the live
        // stack, which stay valid while `self` is borrowed, and is 4-byte
        // aligned; BPF memory is only ever accessed through raw pointers
        // and atomics, never through Rust references that would conflict.
        Ok(unsafe { AtomicU32::from_ptr(p.cast()) })
    }

    /// Copies `data` into program memory at `addr` (always checked).
    pub(crate) fn write_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        if data.is_empty() {
            return Ok(());
        }
        let p = self
            .resolve_checked(addr, data.len() as u64, true)
            .ok_or_else(|| self.helper_error(addr, data.len(), true))?;
        // SAFETY: `p..p + data.len()` lies inside a writable live region or
        // the live stack; `ptr::copy` tolerates overlap with `data`.
        unsafe { ptr::copy(data.as_ptr(), p, data.len()) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use quiver_isa::asm::{Syntax, assemble};

    use super::{MAX_BPF_STACK, stack_reach};

    fn reach(text: &str) -> usize {
        stack_reach(&assemble(text, Syntax::Llvm).unwrap())
    }

    #[test]
    fn stack_reach_is_the_deepest_constant_offset_from_r10() {
        assert_eq!(reach("r0 = 0\nexit"), 0);
        assert_eq!(
            reach("*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit"),
            16
        );
        assert_eq!(reach("*(u32 *)(r10 - 36) = 0\nr0 = 0\nexit"), 48);
        assert_eq!(reach("r0 = *(u8 *)(r10 - 512)\nexit"), 512);
        assert_eq!(reach("lock *(u64 *)(r10 - 72) += r1\nr0 = 0\nexit"), 80);
    }

    #[test]
    fn stack_reach_is_the_whole_frame_once_r10_escapes() {
        for text in [
            "r1 = r10\nr1 += -8\nr0 = 0\nexit",
            "*(u64 *)(r10 - 8) = r10\nr0 = 0\nexit",
            "r1 = 0\nr1 += r10\nr0 = 0\nexit",
            "if r10 > r1 goto +0\nr0 = 0\nexit",
            "r0 = *(u64 *)(r10 + 0)\nexit",
            "r0 = *(u64 *)(r10 - 4)\nexit",
        ] {
            assert_eq!(reach(text), MAX_BPF_STACK, "{text}");
        }
    }
}
