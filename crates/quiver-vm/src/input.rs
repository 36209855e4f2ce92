//! What one run starts with: argument registers and the memory regions the
//! host lends the program.

use std::borrow::Cow;

use smallvec::SmallVec;

use crate::memory::{Region, RegionRef};

/// The input of [`Vm::run_with`](crate::Vm::run_with): initial `r1`..`r5`, a
/// context buffer, a packet, and more regions. The buffers stay borrowed by
/// the input, so they outlive every run that uses it.
///
/// ```
/// use quiver_vm::RunInput;
/// let mut ctx = [0u8; 16];
/// let mut map_value = [0u8; 8];
/// let value_addr = map_value.as_ptr() as u64;
/// let input = RunInput::new()
///     .context(&mut ctx) // r1 = its address unless `arg(1, ..)` says otherwise
///     .region("map value", &mut map_value)
///     .arg(2, value_addr);
/// # let _ = input;
/// ```
#[derive(Debug, Default)]
pub struct RunInput<'a> {
    args: [u64; 5],
    /// Bit `n - 1` set: `r<n>` was given with [`arg`](Self::arg).
    args_set: u8,
    context: Option<RegionRef<'a>>,
    packet: Option<RegionRef<'a>>,
    /// Inline for the few a run usually has (a program's global data),
    /// so that a run allocates nothing.
    regions: SmallVec<[RegionRef<'a>; 4]>,
}

impl<'a> RunInput<'a> {
    /// No arguments (all zero), no memory.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the initial value of register `r<n>`.
    ///
    /// # Panics
    ///
    /// If `n` is not 1 to 5.
    #[inline]
    pub fn arg(mut self, n: usize, value: u64) -> Self {
        assert!(
            (1..=5).contains(&n),
            "argument registers are r1 to r5, not r{n}"
        );
        self.args[n - 1] = value;
        self.args_set |= 1 << (n - 1);
        self
    }

    /// The context buffer (region "context", writable). `r1` points to it
    /// unless set with [`arg`](Self::arg).
    #[inline]
    pub fn context(mut self, data: &'a mut [u8]) -> Self {
        self.context = Some(RegionRef::writable("context".into(), data));
        self
    }

    /// A read-only context buffer.
    #[inline]
    pub fn context_readonly(mut self, data: &'a [u8]) -> Self {
        self.context = Some(RegionRef::read_only("context".into(), data));
        self
    }

    /// The packet (region "packet", writable), also what LD_ABS and LD_IND
    /// read.
    #[inline]
    pub fn packet(mut self, data: &'a mut [u8]) -> Self {
        self.packet = Some(RegionRef::writable("packet".into(), data));
        self
    }

    /// A read-only packet.
    #[inline]
    pub fn packet_readonly(mut self, data: &'a [u8]) -> Self {
        self.packet = Some(RegionRef::read_only("packet".into(), data));
        self
    }

    /// One more writable region. Its address is `data.as_ptr() as u64`.
    #[inline]
    pub fn region(mut self, name: impl Into<Cow<'static, str>>, data: &'a mut [u8]) -> Self {
        self.regions.push(RegionRef::writable(name.into(), data));
        self
    }

    /// One more read-only region.
    #[inline]
    pub fn region_readonly(mut self, name: impl Into<Cow<'static, str>>, data: &'a [u8]) -> Self {
        self.regions.push(RegionRef::read_only(name.into(), data));
        self
    }

    /// A region made with [`Region::from_raw`] or a static one.
    #[inline]
    pub fn raw_region(mut self, region: Region) -> Self {
        self.push_raw_region(region);
        self
    }

    /// [`raw_region`](Self::raw_region) in place: a host adding regions
    /// in a loop does not move the whole input each time.
    #[inline]
    pub fn push_raw_region(&mut self, region: Region) {
        self.regions.push(RegionRef::from_region(region));
    }

    /// Address of the context buffer, if any.
    #[inline]
    pub fn context_addr(&self) -> Option<u64> {
        self.context.as_ref().map(RegionRef::addr)
    }

    /// Length of the context buffer, if any.
    #[inline]
    pub fn context_len(&self) -> Option<usize> {
        self.context.as_ref().map(|r| r.len())
    }

    /// Address of the packet, if any.
    #[inline]
    pub fn packet_addr(&self) -> Option<u64> {
        self.packet.as_ref().map(RegionRef::addr)
    }

    /// `r1`..`r5` at entry.
    #[inline]
    pub(crate) fn registers(&self) -> [u64; 5] {
        let mut regs = self.args;
        if self.args_set & 1 == 0 {
            regs[0] = self.context_addr().unwrap_or(0);
        }
        regs
    }

    pub(crate) fn all_regions(&self) -> impl Iterator<Item = &RegionRef<'a>> {
        self.context.iter().chain(&self.packet).chain(&self.regions)
    }

    pub(crate) fn packet_region(&self) -> Option<&RegionRef<'a>> {
        self.packet.as_ref()
    }
}
