//! Running HID-BPF objects on a device: loading them for it (the config
//! match, `hid_id`, the probe), and Linux's dispatch semantics for events,
//! the report descriptor fixup and requests.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use quiver::struct_ops::{Implementation, Link, StructOps, set_data};
use quiver::{Bpf, Loader};
use quiver_obj::Object;
use quiver_obj::btf::Btf;
use quiver_verifier::host::Proto;
use quiver_vm::{HelperContext, HelperError, RunInput};

use super::abi::{self, ctx, dev, probe};
use super::config::{DeviceMatch, device_matches};

/// Why loading or running HID-BPF failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Object(Box<quiver_obj::ObjError>),
    #[error(transparent)]
    Runtime(Box<quiver::Error>),
    #[error("{object}: {message}")]
    Rule { object: String, message: String },
}

impl From<quiver_obj::ObjError> for HostError {
    fn from(e: quiver_obj::ObjError) -> Self {
        HostError::Object(Box::new(e))
    }
}

impl From<quiver::Error> for HostError {
    fn from(e: quiver::Error) -> Self {
        HostError::Runtime(Box::new(e))
    }
}

/// What a device is, as `struct hid_device` tells programs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub bus: u16,
    pub group: u16,
    pub vendor: u32,
    pub product: u32,
    pub version: u32,
    pub name: String,
    pub phys: String,
    pub uniq: String,
}

/// The device below the programs: what `hid_bpf_hw_request` and
/// `hid_bpf_hw_output_report` reach. Return values are Linux's: bytes
/// transferred, or a negative errno.
pub trait Transport: Send + Sync {
    /// `HID_REQ_*` `reqtype` on report `buf[0]` of type `rtype`; for GET
    /// requests the answer is written into `buf`.
    fn raw_request(&self, buf: &mut [u8], rtype: u64, reqtype: u64) -> i32;
    /// An output report.
    fn output_report(&self, buf: &[u8]) -> i32;
}

/// A device that is only a recording: requests fail with -ENODEV.
#[derive(Debug, Default)]
pub struct Unplugged;

const ENODEV: i32 = -19;
const EDEADLK: i32 = -35;
const EINVAL: i32 = -22;

impl Transport for Unplugged {
    fn raw_request(&self, _: &mut [u8], _: u64, _: u64) -> i32 {
        ENODEV
    }
    fn output_report(&self, _: &[u8]) -> i32 {
        ENODEV
    }
}

thread_local! {
    /// Set while a request a program made is being delivered: a program
    /// reached from there that makes another gets -EDEADLK, as in Linux.
    static FROM_BPF: Cell<bool> = const { Cell::new(false) };
}

/// A context `hid_bpf_allocate_context` made: the 24-byte `hid_bpf_ctx`
/// (no data: `allocated_size` 0) followed by a copy of the device's
/// `struct hid_device`. Words, so programs and host may share it.
struct Allocated {
    words: Box<[std::sync::atomic::AtomicU64]>,
}

impl Allocated {
    fn addr(&self) -> u64 {
        self.words.as_ptr() as u64
    }
}

/// Contexts allocated and not yet released: address -> (device, memory).
type AllocatedTable = Mutex<HashMap<u64, (u32, Arc<Allocated>)>>;

/// Contexts allocated and not yet released, by address, per device.
fn allocated() -> &'static AllocatedTable {
    static A: OnceLock<AllocatedTable> = OnceLock::new();
    A.get_or_init(Default::default)
}

/// The identity bytes of each device, for contexts allocated for it.
fn identities() -> &'static Mutex<HashMap<u32, Vec<u8>>> {
    static I: OnceLock<Mutex<HashMap<u32, Vec<u8>>>> = OnceLock::new();
    I.get_or_init(Default::default)
}

/// Frees a context once no run can use it any more: runs are read
/// sections, so the memory outlives every run that got its address.
fn retire(a: Arc<Allocated>) {
    quiver_rcu::global().retire(a);
}

fn allocate_context(c: &mut HelperContext<'_>, hid_id: u32) -> u64 {
    let Some(identity) = lock(identities()).get(&hid_id).cloned() else {
        return 0;
    };
    let words = (ctx::LEN + dev::LEN).div_ceil(8);
    let a = Arc::new(Allocated {
        words: (0..words)
            .map(|_| std::sync::atomic::AtomicU64::new(0))
            .collect(),
    });
    let base = a.addr();
    let dev_addr = base + ctx::LEN as u64;
    // SAFETY: `a` stays in `allocated()` until released, and is then
    // retired through RCU, so its memory outlives the current run (a read
    // section) and every later one that is given the address; the words
    // are only ever accessed by programs' raw accesses and by atomics.
    let (ctx_region, dev_region) = unsafe {
        (
            quiver_vm::Region::from_raw("hid_bpf_ctx", base as *mut u8, ctx::LEN, true),
            quiver_vm::Region::from_raw("hid_device", dev_addr as *mut u8, dev::LEN, true),
        )
    };
    let mut head = [0u8; ctx::LEN];
    head[ctx::HID..ctx::HID + 8].copy_from_slice(&dev_addr.to_le_bytes());
    c.add_region(ctx_region);
    c.add_region(dev_region);
    if c.write_bytes(base, &head).is_err() || c.write_bytes(dev_addr, &identity).is_err() {
        return 0;
    }
    lock(allocated()).insert(base, (hid_id, a));
    base
}

fn release_context(hctx: u64) {
    let released = lock(allocated()).remove(&hctx);
    if let Some((_, a)) = released {
        retire(a);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn transports() -> &'static Mutex<HashMap<u32, Arc<dyn Transport>>> {
    static T: OnceLock<Mutex<HashMap<u32, Arc<dyn Transport>>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

fn transport_of(hid_id: u32) -> Option<Arc<dyn Transport>> {
    transports()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&hid_id)
        .cloned()
}

fn read_u32(c: &HelperContext<'_>, addr: u64) -> Result<u32, HelperError> {
    let mut b = [0u8; 4];
    c.read_bytes(addr, &mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(c: &HelperContext<'_>, addr: u64) -> Result<u64, HelperError> {
    let mut b = [0u8; 8];
    c.read_bytes(addr, &mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// The device id behind a `hid_bpf_ctx`.
fn hid_id_of(c: &HelperContext<'_>, hctx: u64) -> Result<u32, HelperError> {
    let hid = read_u64(c, hctx + ctx::HID as u64)?;
    read_u32(c, hid + dev::ID as u64)
}

/// Reports programs injected (`hid_bpf_input_report`), per device, waiting
/// to go through the device's event programs.
type Injected = Mutex<HashMap<u32, Vec<(u64, Vec<u8>)>>>;

fn injected() -> &'static Injected {
    static I: OnceLock<Injected> = OnceLock::new();
    I.get_or_init(Default::default)
}

/// `hid_bpf_input_report` / `hid_bpf_try_input_report`: queues `buf` as
/// an input report of the context's device; it goes through the device's
/// event programs (marked as coming from BPF, so that they cannot inject
/// in turn) right after the event being processed, or at the next
/// [`HidDevice::take_injected`].
fn inject(c: &HelperContext<'_>, a: [u64; 5]) -> Result<u64, HelperError> {
    let (hctx, rtype, buf, len) = (a[0], a[1], a[2], a[3] as usize);
    if FROM_BPF.with(Cell::get) {
        return Ok(errno(EDEADLK));
    }
    if rtype > abi::HID_FEATURE_REPORT || len == 0 {
        return Ok(errno(EINVAL));
    }
    let id = hid_id_of(c, hctx)?;
    let data = c.read_vec(buf, len)?;
    lock(injected()).entry(id).or_default().push((rtype, data));
    Ok(0)
}

/// Runs `f` marked as coming from BPF (see `FROM_BPF`).
fn from_bpf<T>(f: impl FnOnce() -> T) -> T {
    FROM_BPF.with(|c| c.set(true));
    let r = f();
    FROM_BPF.with(|c| c.set(false));
    r
}

/// Runs `f` as a request a program made: nested requests get -EDEADLK.
fn as_bpf_request(f: impl FnOnce() -> i32) -> i32 {
    if FROM_BPF.with(Cell::get) {
        return EDEADLK;
    }
    from_bpf(f)
}

fn errno(v: i32) -> u64 {
    i64::from(v) as u64
}

/// Runs callback `index` of every implementation attached to device
/// `hid_id`, in order, on `buf` (of which `size` bytes are valid) with
/// `extra` arguments after the context; `each(r0, &mut size)` says whether
/// to go on. Returns the results, as i32.
#[allow(clippy::too_many_arguments)]
fn run_programs(
    ops: &StructOps,
    hid_id: u32,
    index: usize,
    dev: &mut [u8],
    buf: &mut [u8],
    mut size: usize,
    extra: &[u64],
    mut each: impl FnMut(i32, &mut usize) -> bool,
) -> Result<Vec<i32>, HostError> {
    let dev_addr = dev.as_ptr() as u64;
    let buf_addr = buf.as_ptr() as u64;
    let allocated = buf.len() as u32;
    let mut hctx = [0u8; ctx::LEN];
    let hctx_addr = hctx.as_ptr() as u64;
    hctx[ctx::HID..ctx::HID + 8].copy_from_slice(&dev_addr.to_le_bytes());
    hctx[ctx::ALLOCATED_SIZE..ctx::ALLOCATED_SIZE + 4].copy_from_slice(&allocated.to_le_bytes());
    hctx[ctx::DATA..ctx::DATA + 8].copy_from_slice(&buf_addr.to_le_bytes());
    // The callbacks' `u64 args[]`: the context, then `extra` (at most 4).
    let mut words = [0u8; 8 * 5];
    let n = 1 + extra.len().min(4);
    for (w, a) in words
        .chunks_exact_mut(8)
        .zip(std::iter::once(&hctx_addr).chain(extra))
    {
        w.copy_from_slice(&a.to_le_bytes());
    }
    let args = &words[..8 * n];
    ops.dispatch(u64::from(hid_id), index, |d| {
        let mut out = Vec::with_capacity(d.len());
        for i in 0..d.len() {
            hctx[ctx::SIZE..ctx::SIZE + 4].copy_from_slice(&(size as i32).to_le_bytes());
            let input = RunInput::new()
                .context_readonly(args)
                .region("hid_bpf_ctx", &mut hctx)
                .region("hid_device", &mut *dev)
                .region("hid data", &mut *buf);
            let r0 = d.run(i, input)? as i32;
            // Programs may also set the size through `hctx->size`.
            let written = i32::from_le_bytes([
                hctx[ctx::SIZE],
                hctx[ctx::SIZE + 1],
                hctx[ctx::SIZE + 2],
                hctx[ctx::SIZE + 3],
            ]);
            if written >= 0 {
                size = written as usize;
            }
            out.push(r0);
            if !each(r0, &mut size) {
                break;
            }
        }
        Ok(out)
    })
}

/// A request a program made (`hid_bpf_hw_request`): as in Linux it goes
/// through the device's `hid_hw_request` programs first (marked as coming
/// from BPF, so that a request they make in turn gets -EDEADLK), then to
/// the transport.
fn bpf_request(
    ops: &StructOps,
    hid_id: u32,
    dev: &mut [u8],
    buf: &mut [u8],
    rtype: u64,
    reqtype: u64,
) -> i32 {
    as_bpf_request(|| {
        let reportnum = u64::from(buf.first().copied().unwrap_or(0));
        let len = buf.len();
        let mut answer = 0;
        let r = run_programs(
            ops,
            hid_id,
            abi::HW_REQUEST,
            dev,
            buf,
            len,
            &[reportnum, rtype, reqtype, 0],
            |r0, _| {
                answer = r0;
                r0 == 0
            },
        );
        if let Err(e) = r {
            tracing_error(&e);
            return EINVAL;
        }
        if answer != 0 {
            return answer;
        }
        transport_of(hid_id).map_or(ENODEV, |t| t.raw_request(buf, rtype, reqtype))
    })
}

fn tracing_error(e: &HostError) {
    tracing::warn!("hid-bpf: a program run for a request failed: {e}");
}

/// The host's kfuncs, with the verifier's prototypes.
fn kfuncs(loader: Loader, ops: Arc<StructOps>) -> Loader {
    let protos: HashMap<String, Proto> = abi::kfunc_protos()
        .into_iter()
        .map(|p| (p.name.clone(), p))
        .collect();
    let p = |n: &str| protos[n].clone();
    loader
        .kfunc_with_proto(p("hid_bpf_get_data"), |c, a| {
            let (hctx, offset, size) = (a[0], a[1] as u32 as u64, a[2]);
            let allocated = u64::from(read_u32(c, hctx + ctx::ALLOCATED_SIZE as u64)?);
            if offset.saturating_add(size) > allocated {
                return Ok(0);
            }
            Ok(read_u64(c, hctx + ctx::DATA as u64)? + offset)
        })
        .kfunc_with_proto(p("hid_bpf_hw_request"), move |c, a| {
            let (hctx, buf, len, rtype, reqtype) = (a[0], a[1], a[2] as usize, a[3], a[4]);
            if FROM_BPF.with(Cell::get) {
                return Ok(errno(EDEADLK));
            }
            let id = hid_id_of(c, hctx)?;
            let hid = read_u64(c, hctx + ctx::HID as u64)?;
            let mut dev = c.read_vec(hid, dev::LEN)?;
            let mut data = c.read_vec(buf, len)?;
            let r = bpf_request(&ops, id, &mut dev, &mut data, rtype, reqtype);
            c.write_bytes(buf, &data)?;
            Ok(errno(r))
        })
        .kfunc_with_proto(p("hid_bpf_hw_output_report"), |c, a| {
            let (hctx, buf, len) = (a[0], a[1], a[2] as usize);
            let id = hid_id_of(c, hctx)?;
            let Some(t) = transport_of(id) else {
                return Ok(errno(ENODEV));
            };
            let data = c.read_vec(buf, len)?;
            Ok(errno(as_bpf_request(|| t.output_report(&data))))
        })
        .kfunc_with_proto(p("hid_bpf_allocate_context"), |c, a| {
            Ok(allocate_context(c, a[0] as u32))
        })
        .kfunc_with_proto(p("hid_bpf_release_context"), |_, a| {
            release_context(a[0]);
            Ok(0)
        })
        .kfunc_with_proto(p("hid_bpf_input_report"), |c, a| inject(c, a))
        .kfunc_with_proto(p("hid_bpf_try_input_report"), |c, a| inject(c, a))
}

/// Loads HID-BPF objects for devices: one per host, shared by its
/// devices.
pub struct HidHost {
    ops: Arc<StructOps>,
    loader: Loader,
    async_host: quiver::async_host::AsyncHost,
}

impl Default for HidHost {
    fn default() -> Self {
        Self::new()
    }
}

impl HidHost {
    /// A host with `hid_bpf_ops` registered and the HID kfuncs.
    pub fn new() -> HidHost {
        let ops = StructOps::new(abi::ops_type().init(|d| {
            if d.get("flags").unwrap_or(0) != 0 {
                return Err(format!(
                    "flags {:#x} are not supported",
                    d.get("flags").unwrap_or(0)
                ));
            }
            Ok(d.get("hid_id").unwrap_or(0))
        }));
        let mut btf = Btf::default();
        abi::add_btf(&mut btf);
        let async_host = quiver::async_host::AsyncHost::default();
        let mut loader = Loader::new()
            .host_btf(btf)
            .struct_ops(&ops)
            .async_host(async_host.clone());
        for st in abi::btf_structs() {
            loader = loader.btf_struct(st);
        }
        HidHost {
            loader: kfuncs(loader, ops.clone()),
            ops,
            async_host,
        }
    }

    /// Runs the programs with `engine` (by default the JIT where the host
    /// has it).
    pub fn with_engine(mut self, engine: quiver::Engine) -> HidHost {
        self.loader = self.loader.engine(engine);
        self
    }

    /// Where the programs' timers and work items run (to wait for them).
    pub fn async_host(&self) -> &quiver::async_host::AsyncHost {
        &self.async_host
    }

    /// The loader objects load with (to verify one without a device).
    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// A device with `identity` and report descriptor `rdesc`, whose
    /// largest report is `max_report_len` bytes; requests go to
    /// `transport`.
    pub fn device(
        &self,
        identity: Identity,
        rdesc: Vec<u8>,
        max_report_len: usize,
        transport: Arc<dyn Transport>,
    ) -> HidDevice<'_> {
        // Unique in the process: the transports and identities that kfuncs
        // find by id are process-wide.
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        let hid_id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        transports()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(hid_id, transport);
        let mut d = vec![0u8; dev::LEN];
        let register_identity = |d: &Vec<u8>| lock(identities()).insert(hid_id, d.clone());
        d[dev::ID..dev::ID + 4].copy_from_slice(&hid_id.to_le_bytes());
        d[dev::BUS..dev::BUS + 2].copy_from_slice(&identity.bus.to_le_bytes());
        d[dev::GROUP..dev::GROUP + 2].copy_from_slice(&identity.group.to_le_bytes());
        d[dev::VENDOR..dev::VENDOR + 4].copy_from_slice(&identity.vendor.to_le_bytes());
        d[dev::PRODUCT..dev::PRODUCT + 4].copy_from_slice(&identity.product.to_le_bytes());
        d[dev::VERSION..dev::VERSION + 4].copy_from_slice(&identity.version.to_le_bytes());
        for (off, len, s) in [
            (dev::NAME, dev::NAME_LEN, &identity.name),
            (dev::PHYS, dev::PHYS_LEN, &identity.phys),
            (dev::UNIQ, dev::UNIQ_LEN, &identity.uniq),
        ] {
            let b = s.as_bytes();
            let n = b.len().min(len - 1);
            d[off..off + n].copy_from_slice(&b[..n]);
        }
        register_identity(&d);
        // Linux's allocated_size: the largest report rounded up to 64.
        let allocated = max_report_len.max(1).div_ceil(64) * 64;
        HidDevice {
            host: self,
            hid_id,
            identity,
            original_rdesc: rdesc.clone(),
            rdesc,
            dev: d,
            buffer: vec![0u8; allocated],
            objects: Vec::new(),
            fixup: None,
        }
    }
}

/// An object loaded for a device, and what became of it.
pub struct Attached {
    pub name: String,
    pub bpf: Bpf,
    links: Vec<Link>,
}

impl Attached {
    /// The struct_ops variables attached.
    pub fn implementations(&self) -> Vec<String> {
        self.links
            .iter()
            .map(|l| l.implementation().name().to_string())
            .collect()
    }
}

/// Why an object was not attached to a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// Its `.hid_bpf_config` names other devices.
    NotMatched(Vec<DeviceMatch>),
    /// Its probe said no (the retval it set).
    ProbeRefused(i32),
}

/// One device and the HID-BPF programs attached to it.
pub struct HidDevice<'h> {
    host: &'h HidHost,
    hid_id: u32,
    identity: Identity,
    original_rdesc: Vec<u8>,
    rdesc: Vec<u8>,
    dev: Vec<u8>,
    buffer: Vec<u8>,
    objects: Vec<Attached>,
    fixup: Option<String>,
}

impl HidDevice<'_> {
    /// The id programs know the device by (`hid_id`, `hid->id`).
    pub fn hid_id(&self) -> u32 {
        self.hid_id
    }

    /// The report descriptor, as fixed up by the attached programs.
    pub fn rdesc(&self) -> &[u8] {
        &self.rdesc
    }

    /// The buffer size programs see (`allocated_size`).
    pub fn allocated_size(&self) -> usize {
        self.buffer.len()
    }

    /// The objects attached, in load order.
    pub fn attached(&self) -> &[Attached] {
        &self.objects
    }

    /// Loads `bytes` for this device as udev-hid-bpf does: checks its
    /// `.hid_bpf_config`, sets `hid_id` in its `hid_bpf_ops` variables,
    /// loads (verifying every program), runs its `probe`, attaches its
    /// implementations and applies its report descriptor fixup.
    pub fn load(&mut self, name: &str, bytes: &[u8]) -> Result<Result<(), Skipped>, HostError> {
        self.load_with(name, bytes, &Default::default())
    }

    /// [`load`](Self::load), with the udev properties its `UDEV_PROP_*`
    /// globals get.
    pub fn load_with(
        &mut self,
        name: &str,
        bytes: &[u8],
        udev: &std::collections::BTreeMap<String, String>,
    ) -> Result<Result<(), Skipped>, HostError> {
        let mut object = Object::parse(bytes)?;
        super::udev::set_udev_properties(bytes, &mut object, udev);
        let matches = device_matches(&object);
        let id = &self.identity;
        if !matches.is_empty()
            && !matches
                .iter()
                .any(|m| m.matches(id.bus, id.group, id.vendor, id.product))
        {
            return Ok(Err(Skipped::NotMatched(matches)));
        }
        let vars: Vec<String> = object
            .struct_ops
            .iter()
            .filter(|v| v.type_name == "hid_bpf_ops")
            .map(|v| v.name.clone())
            .collect();
        for v in &vars {
            set_data(&mut object, v, "hid_id", u64::from(self.hid_id))?;
        }
        let bpf = self.host.loader.load_object(object)?;
        if let Ok(p) = bpf.program("probe") {
            let mut args = vec![0u8; probe::LEN];
            args[probe::HID..probe::HID + 4].copy_from_slice(&self.hid_id.to_le_bytes());
            let n = self.rdesc.len().min(abi::HID_MAX_DESCRIPTOR_SIZE);
            args[probe::RDESC_SIZE..probe::RDESC_SIZE + 4]
                .copy_from_slice(&(n as u32).to_le_bytes());
            args[probe::RDESC..probe::RDESC + n].copy_from_slice(&self.rdesc[..n]);
            p.run_context(&mut args)?;
            let retval = i32::from_le_bytes(
                args[probe::RETVAL..probe::RETVAL + 4]
                    .try_into()
                    .unwrap_or_default(),
            );
            if retval != 0 {
                return Ok(Err(Skipped::ProbeRefused(retval)));
            }
        }
        let rule = |message: String| HostError::Rule {
            object: name.to_string(),
            message,
        };
        let impls: Vec<Arc<Implementation>> = vars
            .iter()
            .map(|v| bpf.struct_ops(v))
            .collect::<Result<_, _>>()?;
        let fixups: Vec<&Arc<Implementation>> = impls
            .iter()
            .filter(|i| i.implements(abi::RDESC_FIXUP))
            .collect();
        if fixups.len() + usize::from(self.fixup.is_some()) > 1 {
            return Err(rule(format!(
                "a device has at most one report descriptor fixup; {} would make a second",
                fixups.last().map_or("", |i| i.name())
            )));
        }
        let mut links = Vec::new();
        for imp in &impls {
            match self.host.ops.attach(imp, 0) {
                Ok(l) => links.push(l),
                Err(e) => {
                    for l in links {
                        let _ = l.detach();
                    }
                    return Err(e.into());
                }
            }
        }
        if let Some(f) = fixups.first() {
            self.fixup = Some(f.name().to_string());
            self.apply_fixup()?;
        }
        self.objects.push(Attached {
            name: name.to_string(),
            bpf,
            links,
        });
        Ok(Ok(()))
    }

    /// Runs the report descriptor fixup on the original descriptor: a
    /// 4096-byte buffer; a negative return keeps the original, 0 keeps the
    /// size, a positive one is the new size (past the buffer: the
    /// original).
    fn apply_fixup(&mut self) -> Result<(), HostError> {
        let mut buf = vec![0u8; abi::HID_MAX_DESCRIPTOR_SIZE];
        let n = self.original_rdesc.len().min(buf.len());
        buf[..n].copy_from_slice(&self.original_rdesc[..n]);
        let r = self.run_callback(abi::RDESC_FIXUP, &mut buf, n, &[], |_, _| true)?;
        self.rdesc = match r.first() {
            Some(&0) => buf[..n].to_vec(),
            Some(&v) if v > 0 && v as usize <= buf.len() => buf[..v as usize].to_vec(),
            _ => self.original_rdesc.clone(),
        };
        Ok(())
    }

    fn run_callback(
        &mut self,
        index: usize,
        buf: &mut [u8],
        size: usize,
        extra: &[u64],
        each: impl FnMut(i32, &mut usize) -> bool,
    ) -> Result<Vec<i32>, HostError> {
        run_programs(
            &self.host.ops,
            self.hid_id,
            index,
            &mut self.dev,
            buf,
            size,
            extra,
            each,
        )
    }

    /// An event from the device: every `hid_device_event` program runs on
    /// the same buffer in order; `None` when one dropped it (negative
    /// return), else the event as the last one left it (a positive return
    /// sets the size the next one sees).
    pub fn event(&mut self, report_type: u64, data: &[u8]) -> Result<Option<Vec<u8>>, HostError> {
        let mut buf = std::mem::take(&mut self.buffer);
        let n = data.len().min(buf.len());
        buf[..n].copy_from_slice(&data[..n]);
        buf[n..].fill(0);
        let mut size = n;
        let mut dropped = false;
        let result = self.run_callback(
            abi::DEVICE_EVENT,
            &mut buf,
            n,
            &[report_type, 0],
            |r0, s| {
                if r0 < 0 {
                    dropped = true;
                    return false;
                }
                if r0 > 0 {
                    *s = r0 as usize;
                }
                size = *s;
                true
            },
        );
        // A size past the buffer is an error in Linux: the event is lost.
        let out = (!dropped && size <= buf.len()).then(|| buf[..size].to_vec());
        self.buffer = buf;
        result?;
        // An event longer than the buffer passes its tail through unchanged.
        Ok(out.map(|mut e| {
            if data.len() > e.len() && size == n {
                e.extend_from_slice(&data[e.len()..]);
            }
            e
        }))
    }

    /// The reports programs injected since the last call, each passed
    /// through the device's event programs (as coming from BPF: they may
    /// not inject again); `(report type, report)` in order, dropped ones
    /// left out.
    pub fn take_injected(&mut self) -> Result<Vec<(u64, Vec<u8>)>, HostError> {
        let mut out = Vec::new();
        loop {
            let queued = lock(injected()).remove(&self.hid_id).unwrap_or_default();
            if queued.is_empty() {
                return Ok(out);
            }
            for (rtype, data) in queued {
                if let Some(e) = from_bpf(|| self.event(rtype, &data))? {
                    out.push((rtype, e));
                }
            }
        }
    }

    /// A request to the device (`hid_hw_raw_request`): the
    /// `hid_hw_request` programs run first, the first non-zero return is
    /// the answer; if all return 0 it goes to the transport.
    pub fn hw_request(
        &mut self,
        buf: &mut Vec<u8>,
        rtype: u64,
        reqtype: u64,
    ) -> Result<i32, HostError> {
        let reportnum = u64::from(buf.first().copied().unwrap_or(0));
        let len = buf.len();
        let mut answer = 0;
        let mut b = std::mem::take(buf);
        let r = self.run_callback(
            abi::HW_REQUEST,
            &mut b,
            len,
            &[reportnum, rtype, reqtype, 0],
            |r0, _| {
                answer = r0;
                r0 == 0
            },
        );
        *buf = b;
        r?;
        if answer != 0 {
            return Ok(answer);
        }
        Ok(transport_of(self.hid_id).map_or(ENODEV, |t| t.raw_request(buf, rtype, reqtype)))
    }

    /// An output report (`hid_hw_output_report`), with the same rule.
    pub fn output_report(&mut self, data: &[u8]) -> Result<i32, HostError> {
        let mut b = data.to_vec();
        let mut answer = 0;
        self.run_callback(abi::HW_OUTPUT_REPORT, &mut b, data.len(), &[0], |r0, _| {
            answer = r0;
            r0 == 0
        })?;
        if answer != 0 {
            return Ok(answer);
        }
        if b.is_empty() {
            return Ok(EINVAL);
        }
        Ok(transport_of(self.hid_id).map_or(ENODEV, |t| t.output_report(&b)))
    }
}

impl Drop for HidDevice<'_> {
    fn drop(&mut self) {
        for o in self.objects.drain(..) {
            for l in o.links {
                let _ = l.detach();
            }
        }
        transports()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.hid_id);
        lock(identities()).remove(&self.hid_id);
        lock(injected()).remove(&self.hid_id);
        let mine: Vec<Arc<Allocated>> = {
            let mut all = lock(allocated());
            let keys: Vec<u64> = all
                .iter()
                .filter(|(_, (id, _))| *id == self.hid_id)
                .map(|(&k, _)| k)
                .collect();
            keys.into_iter()
                .filter_map(|k| all.remove(&k))
                .map(|(_, a)| a)
                .collect()
        };
        mine.into_iter().for_each(retire);
    }
}
