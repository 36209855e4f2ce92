//! Linux's BPF helpers, with their ids and semantics, over an object's maps.
//!
//! Helpers return what Linux returns, including negative errnos; they fail
//! the run (a [`HelperError`]) only where Linux's verifier would have made
//! the call impossible (a map argument that is not a map, memory the
//! program may not touch), which matters while programs run unverified.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use quiver_maps::{Map, MapError, MapType, RingBuf, ValuePtr};
use quiver_vm::{HelperContext, HelperError, Helpers, Region};

use crate::async_host::{AsyncHost, Kind};
use crate::handle;
use crate::printk;
use crate::prog_array::ProgArrayMap;
use crate::program::ProgramCore;

/// Linux helper ids (`enum bpf_func_id`).
pub mod id {
    pub const MAP_LOOKUP_ELEM: u32 = 1;
    pub const MAP_UPDATE_ELEM: u32 = 2;
    pub const MAP_DELETE_ELEM: u32 = 3;
    pub const PROBE_READ: u32 = 4;
    pub const KTIME_GET_NS: u32 = 5;
    pub const TRACE_PRINTK: u32 = 6;
    pub const GET_PRANDOM_U32: u32 = 7;
    pub const GET_SMP_PROCESSOR_ID: u32 = 8;
    pub const TAIL_CALL: u32 = 12;
    pub const MAP_PUSH_ELEM: u32 = 87;
    pub const MAP_POP_ELEM: u32 = 88;
    pub const MAP_PEEK_ELEM: u32 = 89;
    pub const PROBE_READ_KERNEL: u32 = 113;
    pub const PROBE_READ_KERNEL_STR: u32 = 115;
    pub const KTIME_GET_BOOT_NS: u32 = 125;
    pub const RINGBUF_OUTPUT: u32 = 130;
    pub const RINGBUF_RESERVE: u32 = 131;
    pub const RINGBUF_SUBMIT: u32 = 132;
    pub const RINGBUF_DISCARD: u32 = 133;
    pub const RINGBUF_QUERY: u32 = 134;
    pub const SNPRINTF: u32 = 165;
    pub const TRACE_VPRINTK: u32 = 177;
    pub const KTIME_GET_COARSE_NS: u32 = 160;
    pub const KTIME_GET_TAI_NS: u32 = 208;
    pub const LOOP: u32 = 181;
    pub const SPIN_LOCK: u32 = 93;
    pub const SPIN_UNLOCK: u32 = 94;
    pub const TIMER_INIT: u32 = 169;
    pub const TIMER_SET_CALLBACK: u32 = 170;
    pub const TIMER_START: u32 = 171;
    pub const TIMER_CANCEL: u32 = 172;
}

/// Prototypes of the Linux helpers this module implements, for the
/// verifier (Linux's `bpf_func_proto`s, in the host-description vocabulary).
pub fn linux_protos() -> Vec<(u32, quiver_verifier::host::Proto)> {
    use quiver_verifier::host::{Arg, Callback, CallbackArg, Proto, Ret, kf};
    let mem = |writable| Arg::Mem {
        size: None,
        size_arg: None,
        writable,
        nullable: false,
    };
    let sized = |size_arg, writable| Arg::Mem {
        size: None,
        size_arg: Some(size_arg),
        writable,
        nullable: false,
    };
    vec![
        (
            id::MAP_LOOKUP_ELEM,
            Proto::new(
                "bpf_map_lookup_elem",
                vec![Arg::Map, Arg::MapKey { map_arg: 0 }],
                Ret::MapValueOrNull { map_arg: 0 },
            ),
        ),
        (
            id::MAP_UPDATE_ELEM,
            Proto::new(
                "bpf_map_update_elem",
                vec![
                    Arg::Map,
                    Arg::MapKey { map_arg: 0 },
                    Arg::MapValue { map_arg: 0 },
                    Arg::Scalar,
                ],
                Ret::Scalar,
            ),
        ),
        (
            id::MAP_DELETE_ELEM,
            Proto::new(
                "bpf_map_delete_elem",
                vec![Arg::Map, Arg::MapKey { map_arg: 0 }],
                Ret::Scalar,
            ),
        ),
        (
            id::MAP_PUSH_ELEM,
            Proto::new(
                "bpf_map_push_elem",
                vec![Arg::Map, Arg::MapValue { map_arg: 0 }, Arg::Scalar],
                Ret::Scalar,
            ),
        ),
        // Linux: the value buffer is `ARG_PTR_TO_MAP_VALUE | MEM_UNINIT`,
        // checked for the map's whole value size.
        (
            id::MAP_POP_ELEM,
            Proto::new(
                "bpf_map_pop_elem",
                vec![Arg::Map, Arg::MapValue { map_arg: 0 }],
                Ret::Scalar,
            ),
        ),
        (
            id::MAP_PEEK_ELEM,
            Proto::new(
                "bpf_map_peek_elem",
                vec![Arg::Map, Arg::MapValue { map_arg: 0 }],
                Ret::Scalar,
            ),
        ),
        (
            id::KTIME_GET_NS,
            Proto::new("bpf_ktime_get_ns", vec![], Ret::Scalar),
        ),
        (
            id::KTIME_GET_BOOT_NS,
            Proto::new("bpf_ktime_get_boot_ns", vec![], Ret::Scalar),
        ),
        (
            id::KTIME_GET_COARSE_NS,
            Proto::new("bpf_ktime_get_coarse_ns", vec![], Ret::Scalar),
        ),
        (
            id::KTIME_GET_TAI_NS,
            Proto::new("bpf_ktime_get_tai_ns", vec![], Ret::Scalar),
        ),
        (
            id::GET_PRANDOM_U32,
            Proto::new("bpf_get_prandom_u32", vec![], Ret::Scalar),
        ),
        (
            id::GET_SMP_PROCESSOR_ID,
            // Below the configured number of CPUs, at most Linux's NR_CPUS.
            Proto::new(
                "bpf_get_smp_processor_id",
                vec![],
                Ret::Range {
                    min: 0,
                    max: crate::loader::MAX_CPUS as i64 - 1,
                },
            ),
        ),
        (
            id::TRACE_PRINTK,
            // Linux checks only the format and its size: the up to three
            // values after them are read as they are, set or not.
            Proto::new(
                "bpf_trace_printk",
                vec![sized(1, false), Arg::Size { zero_ok: false }],
                Ret::Scalar,
            ),
        ),
        (
            id::TRACE_VPRINTK,
            Proto::new(
                "bpf_trace_vprintk",
                vec![
                    sized(1, false),
                    Arg::Size { zero_ok: false },
                    Arg::Mem {
                        size: None,
                        size_arg: Some(3),
                        writable: false,
                        nullable: true,
                    },
                    Arg::Size { zero_ok: true },
                ],
                Ret::Scalar,
            ),
        ),
        (
            id::SNPRINTF,
            Proto::new(
                "bpf_snprintf",
                vec![
                    sized(1, true),
                    Arg::Size { zero_ok: true },
                    mem(false),
                    Arg::Mem {
                        size: None,
                        size_arg: Some(4),
                        writable: false,
                        nullable: true,
                    },
                    Arg::Size { zero_ok: true },
                ],
                Ret::Scalar,
            ),
        ),
        (
            id::PROBE_READ,
            Proto::new(
                "bpf_probe_read",
                vec![sized(1, true), Arg::Size { zero_ok: true }, Arg::Any],
                Ret::Scalar,
            ),
        ),
        (
            id::PROBE_READ_KERNEL,
            Proto::new(
                "bpf_probe_read_kernel",
                vec![sized(1, true), Arg::Size { zero_ok: true }, Arg::Any],
                Ret::Scalar,
            ),
        ),
        (
            id::PROBE_READ_KERNEL_STR,
            Proto::new(
                "bpf_probe_read_kernel_str",
                vec![sized(1, true), Arg::Size { zero_ok: true }, Arg::Any],
                Ret::Scalar,
            ),
        ),
        (
            id::RINGBUF_OUTPUT,
            Proto::new(
                "bpf_ringbuf_output",
                vec![
                    Arg::Map,
                    sized(2, false),
                    Arg::Size { zero_ok: true },
                    Arg::Scalar,
                ],
                Ret::Scalar,
            ),
        ),
        (
            id::RINGBUF_RESERVE,
            Proto::new(
                "bpf_ringbuf_reserve",
                vec![
                    Arg::Map,
                    Arg::Const {
                        min: 0,
                        max: u32::MAX as u64 / 4,
                    },
                    Arg::Scalar,
                ],
                Ret::MemOrNull { size_arg: 1 },
            )
            // The record is a reference the program must submit or discard.
            .flags(kf::ACQUIRE),
        ),
        (
            id::RINGBUF_SUBMIT,
            Proto::new(
                "bpf_ringbuf_submit",
                vec![Arg::Alloc, Arg::Scalar],
                Ret::Void,
            )
            .flags(kf::RELEASE),
        ),
        (
            id::RINGBUF_DISCARD,
            Proto::new(
                "bpf_ringbuf_discard",
                vec![Arg::Alloc, Arg::Scalar],
                Ret::Void,
            )
            .flags(kf::RELEASE),
        ),
        (
            id::RINGBUF_QUERY,
            Proto::new(
                "bpf_ringbuf_query",
                vec![Arg::Map, Arg::Scalar],
                Ret::Scalar,
            ),
        ),
        // Linux: `(u32 nr_loops, callback_fn, void *callback_ctx, u64
        // flags)`, the context a stack pointer or NULL; the callback gets
        // `(u64 index, void *callback_ctx)` and returns 0 (go on) or 1
        // (stop).
        (
            id::LOOP,
            Proto::new(
                "bpf_loop",
                vec![
                    Arg::Scalar,
                    Arg::Callback(Callback {
                        args: vec![CallbackArg::Scalar, CallbackArg::SameAs(2)],
                        ret: (0, 1),
                        is_async: false,
                        sleepable: false,
                    }),
                    Arg::Stack { nullable: true },
                    Arg::Scalar,
                ],
                Ret::Scalar,
            ),
        ),
        // Linux: `(void *ctx, struct bpf_map *prog_array_map, u32 index)`.
        (
            id::TAIL_CALL,
            Proto::new(
                "bpf_tail_call",
                vec![Arg::Ctx, Arg::Map, Arg::Scalar],
                Ret::Void,
            ),
        ),
        (
            id::SPIN_LOCK,
            Proto::new("bpf_spin_lock", vec![Arg::SpinLock], Ret::Void),
        ),
        (
            id::SPIN_UNLOCK,
            Proto::new("bpf_spin_unlock", vec![Arg::SpinLock], Ret::Void),
        ),
        (
            id::TIMER_INIT,
            Proto::new(
                "bpf_timer_init",
                vec![Arg::Timer, Arg::Map, Arg::Scalar],
                Ret::Scalar,
            ),
        ),
        (
            id::TIMER_SET_CALLBACK,
            Proto::new(
                "bpf_timer_set_callback",
                vec![
                    Arg::Timer,
                    Arg::Callback(crate::linux_host::async_callback(false)),
                ],
                Ret::Scalar,
            ),
        ),
        (
            id::TIMER_START,
            Proto::new(
                "bpf_timer_start",
                vec![Arg::Timer, Arg::Scalar, Arg::Scalar],
                Ret::Scalar,
            ),
        ),
        (
            id::TIMER_CANCEL,
            Proto::new("bpf_timer_cancel", vec![Arg::Timer], Ret::Scalar),
        ),
    ]
}

const EINVAL: u64 = (-22i64) as u64;
const EFAULT: u64 = (-14i64) as u64;
const E2BIG: u64 = (-7i64) as u64;

/// An object's maps as helpers see them.
pub struct MapTable {
    pub(crate) maps: Vec<(String, Arc<dyn Map>)>,
    /// The prog arrays among them, by the same index.
    pub(crate) prog_arrays: Vec<Option<Arc<ProgArrayMap>>>,
    /// Offsets of the `bpf_timer` and `bpf_wq` fields in each map's value.
    pub(crate) special: Vec<(Option<u32>, Option<u32>)>,
    /// "map value of NAME", the region name of each map's values.
    pub(crate) value_names: Vec<Arc<str>>,
}

impl MapTable {
    pub(crate) fn new(
        maps: Vec<(String, Arc<dyn Map>)>,
        special: Vec<(Option<u32>, Option<u32>)>,
    ) -> MapTable {
        let prog_arrays = maps
            .iter()
            .map(|(_, m)| m.clone().into_any().downcast::<ProgArrayMap>().ok())
            .collect();
        let value_names = maps
            .iter()
            .map(|(n, _)| Arc::from(format!("map value of {n}")))
            .collect();
        MapTable {
            maps,
            prog_arrays,
            special,
            value_names,
        }
    }

    /// The prog array a handle names.
    pub(crate) fn prog_array(&self, handle: u64) -> Result<&ProgArrayMap, HelperError> {
        handle::decode(handle, self.maps.len())
            .and_then(|i| self.prog_arrays[i].as_deref())
            .ok_or_else(|| {
                HelperError::msg(format!("R2 {handle:#x} is not a prog array of this object"))
            })
    }

    fn index(&self, handle: u64) -> Result<(usize, &Arc<dyn Map>), HelperError> {
        handle::decode(handle, self.maps.len())
            .map(|i| (i, &self.maps[i].1))
            .ok_or_else(|| HelperError::msg(format!("{handle:#x} is not a map of this object")))
    }

    fn get(&self, handle: u64) -> Result<&(String, Arc<dyn Map>), HelperError> {
        handle::decode(handle, self.maps.len())
            .map(|i| &self.maps[i])
            .ok_or_else(|| HelperError::msg(format!("R1 {handle:#x} is not a map of this object")))
    }
}

/// Which per-CPU slot the calling thread uses; threads take slots round
/// robin, so concurrent programs rarely share one.
pub(crate) fn cpu_slot(cpus: usize) -> usize {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        static SLOT: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    SLOT.with(|s| (*s as usize) % cpus.max(1))
}

fn errno(e: &MapError) -> u64 {
    e.errno() as i64 as u64
}

/// Exposes a map value to the running program and returns its address.
fn expose(ctx: &mut HelperContext<'_>, name: &Arc<str>, value: ValuePtr, writable: bool) -> u64 {
    // SAFETY: map values live at a stable address for as long as their map
    // does, and the map outlives the run (the program's map table holds an
    // Arc to it). Programs write map values without locks, concurrently
    // with other programs, exactly as in Linux: the storage is made of
    // atomics-compatible cells, so this aliasing is permitted.
    let region = unsafe { Region::from_raw(name.clone(), value.as_ptr(), value.len(), writable) };
    ctx.add_region(region)
}

/// The value `bpf_map_lookup_elem` finds in `map` for the key at `key`
/// (this CPU's, for a per-CPU map).
fn lookup(
    ctx: &HelperContext<'_>,
    map: &Arc<dyn Map>,
    key: u64,
) -> Result<Option<ValuePtr>, HelperError> {
    with_bytes(ctx, key, map.def().key_size as usize, |key| {
        program_lookup(&**map, key)
    })
}

/// A program's lookup of `key` in `map`: this CPU's value, for a per-CPU
/// map (the helper and JIT code's direct call both make it).
pub(crate) fn program_lookup(map: &dyn Map, key: &[u8]) -> Option<ValuePtr> {
    if map.def().map_type.is_percpu() {
        map.lookup_percpu(key, cpu_slot(map.cpus()))
    } else {
        map.lookup(key)
    }
}

/// A program's update of `key` in `map` to `value` (`value_size` bytes:
/// this CPU's value, for a per-CPU map), as `bpf_map_update_elem` returns
/// it: 0 or a negative errno.
pub(crate) fn program_update(map: &dyn Map, key: &[u8], value: &[u8], flags: u64) -> u64 {
    let r = if map.def().map_type.is_percpu() {
        map.update_percpu(key, value, flags, cpu_slot(map.cpus()))
    } else {
        map.update(key, value, flags)
    };
    r.map_or_else(|e| errno(&e), |()| 0)
}

/// A program's delete of `key` from `map`, as `bpf_map_delete_elem`
/// returns it: 0 or a negative errno.
pub(crate) fn program_delete(map: &dyn Map, key: &[u8]) -> u64 {
    map.delete(key).map_or_else(|e| errno(&e), |()| 0)
}

fn read(ctx: &HelperContext<'_>, addr: u64, len: usize) -> Result<Vec<u8>, HelperError> {
    Ok(ctx.read_vec(addr, len)?)
}

/// Calls `f` with `len` bytes of program memory at `addr`, read into a
/// buffer on the stack when they fit (keys and values nearly always do).
/// Most keys and values are a few words: a 16-byte buffer spares them
/// zeroing 256 bytes on every call.
fn with_bytes<R>(
    ctx: &HelperContext<'_>,
    addr: u64,
    len: usize,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, HelperError> {
    if len <= 16 {
        with_buffer::<16, R>(ctx, addr, len, f)
    } else if len <= 256 {
        with_buffer::<256, R>(ctx, addr, len, f)
    } else {
        Ok(f(&read(ctx, addr, len)?))
    }
}

fn with_buffer<const N: usize, R>(
    ctx: &HelperContext<'_>,
    addr: u64,
    len: usize,
    f: impl FnOnce(&[u8]) -> R,
) -> Result<R, HelperError> {
    let mut buf = [0u8; N];
    let bytes = &mut buf[..len.min(N)];
    ctx.read_bytes(addr, bytes).map_err(HelperError::Memory)?;
    Ok(f(bytes))
}

/// A monotonic clock shared by `ktime_get_*`, starting near 0 like a
/// freshly booted machine's.
fn now_ns() -> u64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Distinct per thread, so threads draw different sequences.
fn thread_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::thread::current().id())
}

/// A small, fast generator for `get_prandom_u32` (not for cryptography,
/// like Linux's).
fn prandom() -> u32 {
    thread_local! {
        static STATE: std::cell::Cell<u64> = std::cell::Cell::new(
            0x9e37_79b9_7f4a_7c15 ^ thread_seed() ^ now_ns(),
        );
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 32) as u32
    })
}

/// Reads a NUL-terminated string of at most `max` bytes.
fn read_cstr(ctx: &HelperContext<'_>, addr: u64, max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for i in 0..max as u64 {
        let mut b = [0u8];
        ctx.read_bytes(addr + i, &mut b)
            .map_err(|e| e.to_string())?;
        if b[0] == 0 {
            return Ok(out);
        }
        out.push(b[0]);
    }
    Err(format!("no NUL within {max} bytes"))
}

/// The argument array of `bpf_trace_vprintk` and `bpf_snprintf`: `len`
/// bytes of u64s at `addr`; `None` when Linux refuses the length (not a
/// multiple of 8, or more than `MAX_ARGS` arguments).
fn read_u64_args(
    ctx: &HelperContext<'_>,
    addr: u64,
    len: u64,
) -> Result<Option<Vec<u64>>, HelperError> {
    if !len.is_multiple_of(8) || len > 8 * printk::MAX_ARGS as u64 {
        return Ok(None);
    }
    let raw = read(ctx, addr, len as usize)?;
    Ok(Some(
        raw.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
    ))
}

fn format_args(
    ctx: &HelperContext<'_>,
    fmt_addr: u64,
    fmt_len: u64,
    args: &[u64],
) -> Result<String, HelperError> {
    let fmt = read(ctx, fmt_addr, fmt_len as usize)?;
    printk::format(&fmt, args, &mut |addr| {
        read_cstr(ctx, addr, 4096).map(|b| String::from_utf8_lossy(&b).into_owned())
    })
    .map_err(|e| HelperError::msg(e.to_string()))
}

/// Linux's helpers over `maps`. `program` names the program in log lines.
/// The calling program, once it exists (its helpers are built before it):
/// async callbacks a program registers belong to it.
pub(crate) type SelfRef = Arc<std::sync::OnceLock<std::sync::Weak<ProgramCore>>>;

pub(crate) fn linux_helpers(
    maps: Arc<MapTable>,
    program: &str,
    host: &AsyncHost,
    me: &SelfRef,
) -> Helpers {
    let mut h = Helpers::new();
    let m = maps.clone();
    h.register(id::MAP_LOOKUP_ELEM, "bpf_map_lookup_elem", move |ctx, a| {
        let (i, map) = m.index(a[0])?;
        let name = &m.value_names[i];
        let writable = map.def().flags & quiver_maps::BPF_F_RDONLY_PROG == 0;
        Ok(lookup(ctx, map, a[1])?.map_or(0, |v| expose(ctx, name, v, writable)))
    });
    let m = maps.clone();
    h.register(id::MAP_UPDATE_ELEM, "bpf_map_update_elem", move |ctx, a| {
        let (_, map) = m.get(a[0])?;
        let def = map.def();
        with_bytes(ctx, a[1], def.key_size as usize, |key| {
            with_bytes(ctx, a[2], def.value_size as usize, |value| {
                program_update(&**map, key, value, a[3])
            })
        })?
    });
    let m = maps.clone();
    h.register(id::MAP_DELETE_ELEM, "bpf_map_delete_elem", move |ctx, a| {
        let (_, map) = m.get(a[0])?;
        with_bytes(ctx, a[1], map.def().key_size as usize, |key| {
            program_delete(&**map, key)
        })
    });
    let m = maps.clone();
    h.register(id::MAP_PUSH_ELEM, "bpf_map_push_elem", move |ctx, a| {
        let (_, map) = m.get(a[0])?;
        let value = read(ctx, a[1], map.def().value_size as usize)?;
        Ok(map.push(&value, a[2]).map_or_else(|e| errno(&e), |()| 0))
    });
    for (hid, name, pop) in [
        (id::MAP_POP_ELEM, "bpf_map_pop_elem", true),
        (id::MAP_PEEK_ELEM, "bpf_map_peek_elem", false),
    ] {
        let m = maps.clone();
        h.register(hid, name, move |ctx, a| {
            let (_, map) = m.get(a[0])?;
            let mut out = vec![0u8; map.def().value_size as usize];
            let r = if pop {
                map.pop(&mut out)
            } else {
                map.peek(&mut out)
            };
            match r {
                Ok(()) => {
                    ctx.write_bytes(a[1], &out)?;
                    Ok(0)
                }
                Err(e) => Ok(errno(&e)),
            }
        });
    }
    for (hid, name) in [
        (id::KTIME_GET_NS, "bpf_ktime_get_ns"),
        (id::KTIME_GET_BOOT_NS, "bpf_ktime_get_boot_ns"),
        (id::KTIME_GET_COARSE_NS, "bpf_ktime_get_coarse_ns"),
        (id::KTIME_GET_TAI_NS, "bpf_ktime_get_tai_ns"),
    ] {
        let clock = host.clock().clone();
        h.register(hid, name, move |_, _| Ok(clock.now_ns()));
    }
    h.register(id::GET_PRANDOM_U32, "bpf_get_prandom_u32", |_, _| {
        Ok(prandom() as u64)
    });
    let m = maps.clone();
    h.register(
        id::GET_SMP_PROCESSOR_ID,
        "bpf_get_smp_processor_id",
        move |_, _| {
            let cpus = m.maps.iter().map(|(_, map)| map.cpus()).max().unwrap_or(1);
            Ok(cpu_slot(cpus) as u64)
        },
    );
    let prog = program.to_string();
    h.register(id::TRACE_PRINTK, "bpf_trace_printk", move |ctx, a| {
        let text = format_args(ctx, a[0], a[1], &a[2..5])?;
        tracing::info!(target: "quiver::printk", program = %prog, "{}", text.trim_end_matches('\n'));
        Ok(text.len() as u64)
    });
    let prog = program.to_string();
    h.register(id::TRACE_VPRINTK, "bpf_trace_vprintk", move |ctx, a| {
        let Some(args) = read_u64_args(ctx, a[2], a[3])? else { return Ok(EINVAL) };
        let text = format_args(ctx, a[0], a[1], &args)?;
        tracing::info!(target: "quiver::printk", program = %prog, "{}", text.trim_end_matches('\n'));
        Ok(text.len() as u64)
    });
    h.register(id::SNPRINTF, "bpf_snprintf", |ctx, a| {
        let (out, out_size, fmt, data, data_len) = (a[0], a[1], a[2], a[3], a[4]);
        let Some(args) = read_u64_args(ctx, data, data_len)? else {
            return Ok(EINVAL);
        };
        let fmt_bytes = read_cstr(ctx, fmt, 4096).map_err(HelperError::msg)?;
        let mut fmt_z = fmt_bytes;
        fmt_z.push(0);
        let text = match printk::format(&fmt_z, &args, &mut |addr| {
            read_cstr(ctx, addr, 4096).map(|b| String::from_utf8_lossy(&b).into_owned())
        }) {
            Ok(t) => t,
            Err(_) => return Ok(EINVAL),
        };
        if out_size > 0 {
            let n = (text.len()).min(out_size as usize - 1);
            let mut bytes = text.as_bytes()[..n].to_vec();
            bytes.push(0);
            ctx.write_bytes(out, &bytes)?;
        }
        // Like snprintf: the length the whole output needs, with its NUL.
        Ok(text.len() as u64 + 1)
    });
    for (hid, name, string) in [
        (id::PROBE_READ, "bpf_probe_read", false),
        (id::PROBE_READ_KERNEL, "bpf_probe_read_kernel", false),
        (id::PROBE_READ_KERNEL_STR, "bpf_probe_read_kernel_str", true),
    ] {
        h.register(hid, name, move |ctx, a| {
            let (dst, size, src) = (a[0], a[1] as usize, a[2]);
            if string {
                // Reads up to size-1 bytes and a NUL; returns the length with it.
                let mut buf = Vec::new();
                let mut ok = true;
                while buf.len() + 1 < size {
                    let mut b = [0u8];
                    if ctx.read_bytes(src + buf.len() as u64, &mut b).is_err() {
                        ok = false;
                        break;
                    }
                    if b[0] == 0 {
                        break;
                    }
                    buf.push(b[0]);
                }
                if !ok {
                    ctx.write_bytes(dst, &vec![0; size])?;
                    return Ok(EFAULT);
                }
                buf.push(0);
                ctx.write_bytes(dst, &buf)?;
                return Ok(buf.len() as u64);
            }
            match ctx.read_vec(src, size) {
                Ok(bytes) => {
                    ctx.write_bytes(dst, &bytes)?;
                    Ok(0)
                }
                Err(_) => {
                    // Like Linux: a faulting read zeroes the destination.
                    ctx.write_bytes(dst, &vec![0; size])?;
                    Ok(EFAULT)
                }
            }
        });
    }
    let m = maps.clone();
    h.register(id::RINGBUF_OUTPUT, "bpf_ringbuf_output", move |ctx, a| {
        let rb = ringbuf(&m, a[0])?;
        let data = read(ctx, a[1], a[2] as usize)?;
        Ok(rb.output(&data, a[3]).map_or_else(|e| errno(&e), |()| 0))
    });
    let m = maps.clone();
    h.register(id::RINGBUF_RESERVE, "bpf_ringbuf_reserve", move |ctx, a| {
        let (i, _) = m.index(a[0])?;
        let name = &m.value_names[i];
        let rb = ringbuf(&m, a[0])?;
        Ok(rb
            .reserve(a[1], a[2])
            .map_or(0, |v| expose(ctx, name, v, true)))
    });
    let m = maps.clone();
    h.register(id::RINGBUF_SUBMIT, "bpf_ringbuf_submit", move |_, a| {
        let rb = owning_ringbuf(&m, a[0])?;
        rb.submit(a[0] as *const u8, a[1])
            .map_err(|e| HelperError::msg(e.to_string()))?;
        Ok(0)
    });
    let m = maps.clone();
    h.register(id::RINGBUF_DISCARD, "bpf_ringbuf_discard", move |_, a| {
        let rb = owning_ringbuf(&m, a[0])?;
        rb.discard(a[0] as *const u8, a[1])
            .map_err(|e| HelperError::msg(e.to_string()))?;
        Ok(0)
    });
    // Linux: flags must be 0; at most BPF_MAX_LOOPS iterations; the
    // callback returns 0 to go on, 1 to stop; the result is the number of
    // iterations run.
    h.register(id::LOOP, "bpf_loop", |ctx, a| {
        let (nr, func, data, flags) = (a[0] as u32 as u64, a[1], a[2], a[3]);
        if flags != 0 {
            return Ok(EINVAL);
        }
        if nr > quiver_vm::BPF_MAX_LOOPS {
            // Linux inlines bpf_loop calls with constant zero flags, and the
            // inlined code sets the error with a 32-bit move: programs see
            // -E2BIG zero-extended (found by the kernel-differential test).
            return Ok(E2BIG as u32 as u64);
        }
        for i in 0..nr {
            if ctx.call_function(func, [i, data, 0, 0, 0])? != 0 {
                return Ok(i + 1);
            }
        }
        Ok(nr)
    });
    let m = maps.clone();
    h.register(id::RINGBUF_QUERY, "bpf_ringbuf_query", move |_, a| {
        Ok(ringbuf(&m, a[0])?.query(a[1]))
    });
    // The verifier pairs every lock with an unlock on the same path and
    // allows no calls in between, so a holder never blocks.
    h.register(id::SPIN_LOCK, "bpf_spin_lock", |ctx, a| {
        quiver_maps::spin_lock(ctx.atomic_u32(a[0])?);
        Ok(0)
    });
    h.register(id::SPIN_UNLOCK, "bpf_spin_unlock", |ctx, a| {
        quiver_maps::spin_unlock(ctx.atomic_u32(a[0])?);
        Ok(0)
    });
    // Timers: the field's map is the one the program names at init.
    let (m, ah) = (maps.clone(), host.clone());
    h.register(id::TIMER_INIT, "bpf_timer_init", move |_, a| {
        let (i, map) = m.index(a[1])?;
        if !matches!(a[2], 0 | 1 | 7) {
            // CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME only.
            return Ok(EINVAL);
        }
        Ok(ah.init(Kind::Timer, a[0], m.special[i].0, map, a[1]))
    });
    let (ah, me2) = (host.clone(), me.clone());
    h.register(
        id::TIMER_SET_CALLBACK,
        "bpf_timer_set_callback",
        move |_, a| {
            let program = me2.get().and_then(|w| w.upgrade());
            Ok(ah.set_callback(Kind::Timer, a[0], program, a[1]))
        },
    );
    let ah = host.clone();
    h.register(id::TIMER_START, "bpf_timer_start", move |_, a| {
        Ok(ah.start_timer(a[0], a[1], a[2]))
    });
    let ah = host.clone();
    h.register(id::TIMER_CANCEL, "bpf_timer_cancel", move |_, a| {
        Ok(ah.cancel_timer(a[0]))
    });
    // A call site whose map and index the verifier proved constant is
    // bound to its slot at load instead (see `tail_call_site`).
    let m = maps;
    h.register(id::TAIL_CALL, "bpf_tail_call", move |ctx, a| {
        let array = m.prog_array(a[1])?;
        crate::prog_array::tail_call(ctx, array.slot(a[2] as u32), a[0])
    });
    h
}

/// `bpf_map_lookup_elem` specialised for a call site of an unchecked
/// program that always looks up `map`, whose values the verifier found
/// reaching no helper or kfunc (`Facts::map_values_to_calls`): only the
/// program dereferences what it returns, and unchecked code needs no
/// region for that, so none is registered (about a quarter of a lookup's
/// cost).
pub(crate) fn private_lookup(map: Arc<dyn Map>) -> quiver_vm::Helper {
    quiver_vm::Helper::new(id::MAP_LOOKUP_ELEM, "bpf_map_lookup_elem", move |ctx, a| {
        Ok(lookup(ctx, &map, a[1])?.map_or(0, |v| v.as_ptr().expose_provenance() as u64))
    })
}

/// `bpf_tail_call` specialised for one call site that always uses slot
/// `index` of `array`: no map handle or index to resolve at run time.
pub(crate) fn tail_call_site(array: Arc<ProgArrayMap>, index: u32) -> quiver_vm::Helper {
    quiver_vm::Helper::new(id::TAIL_CALL, "bpf_tail_call", move |ctx, a| {
        crate::prog_array::tail_call(ctx, array.slot(index), a[0])
    })
}

/// `bpf_tail_call` specialised for one call site that always uses
/// `array`, with the index the program passes.
pub(crate) fn tail_call_array(array: Arc<ProgArrayMap>) -> quiver_vm::Helper {
    quiver_vm::Helper::new(id::TAIL_CALL, "bpf_tail_call", move |ctx, a| {
        crate::prog_array::tail_call(ctx, array.slot(a[2] as u32), a[0])
    })
}

/// The `bpf_wq` kfuncs' prototypes (Linux's generic kfunc set).
pub fn wq_protos() -> Vec<quiver_verifier::host::Proto> {
    use quiver_verifier::host::{Arg, Proto, Ret};
    let set_cb = |name| {
        Proto::new(
            name,
            vec![
                Arg::Wq,
                Arg::Callback(crate::linux_host::async_callback(true)),
                Arg::Scalar,
                Arg::Any,
            ],
            Ret::Scalar,
        )
    };
    vec![
        Proto::new(
            "bpf_wq_init",
            vec![Arg::Wq, Arg::Map, Arg::Scalar],
            Ret::Scalar,
        ),
        set_cb("bpf_wq_set_callback_impl"),
        set_cb("bpf_wq_set_callback"),
        Proto::new("bpf_wq_start", vec![Arg::Wq, Arg::Scalar], Ret::Scalar),
    ]
}

/// The `bpf_wq` kfuncs, for one program.
pub(crate) fn wq_kfuncs(
    kfuncs: &mut quiver_vm::Kfuncs,
    ids: &std::collections::HashMap<String, u32>,
    maps: &Arc<MapTable>,
    host: &AsyncHost,
    me: &SelfRef,
) {
    if let Some(&id) = ids.get("bpf_wq_init") {
        let (m, ah) = (maps.clone(), host.clone());
        kfuncs.register(id, "bpf_wq_init", move |_, a| {
            let (i, map) = m.index(a[1])?;
            if a[2] != 0 {
                return Ok(EINVAL);
            }
            Ok(ah.init(Kind::Work, a[0], m.special[i].1, map, a[1]))
        });
    }
    for name in ["bpf_wq_set_callback_impl", "bpf_wq_set_callback"] {
        if let Some(&id) = ids.get(name) {
            let (ah, me) = (host.clone(), me.clone());
            kfuncs.register(id, name, move |_, a| {
                if a[2] != 0 {
                    return Ok(EINVAL);
                }
                let program = me.get().and_then(|w| w.upgrade());
                Ok(ah.set_callback(Kind::Work, a[0], program, a[1]))
            });
        }
    }
    if let Some(&id) = ids.get("bpf_wq_start") {
        let ah = host.clone();
        kfuncs.register(
            id,
            "bpf_wq_start",
            move |_, a| Ok(ah.start_work(a[0], a[1])),
        );
    }
}

/// The name of quiver's call-and-return kfunc over a prog array.
pub const PROG_ARRAY_CALL: &str = "quiver_prog_array_call";

/// `long quiver_prog_array_call(void *ctx, void *prog_array, u32 index)`.
pub(crate) fn prog_array_call(
    maps: Arc<MapTable>,
) -> impl Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static {
    move |ctx, a| {
        let array = maps.prog_array(a[1])?;
        crate::prog_array::call(ctx, array.slot(a[2] as u32), a[0])
    }
}

/// The verifier's prototype of [`PROG_ARRAY_CALL`].
pub fn prog_array_call_proto() -> quiver_verifier::host::Proto {
    use quiver_verifier::host::{Arg, Proto, Ret};
    Proto::new(
        PROG_ARRAY_CALL,
        vec![Arg::Ctx, Arg::Map, Arg::Scalar],
        Ret::Scalar,
    )
}

fn ringbuf(maps: &MapTable, handle: u64) -> Result<&RingBuf, HelperError> {
    let (name, map) = maps.get(handle)?;
    if map.def().map_type != MapType::Ringbuf {
        return Err(HelperError::msg(format!("map {name} is not a ringbuf")));
    }
    map.as_any()
        .downcast_ref::<RingBuf>()
        .ok_or_else(|| HelperError::msg(format!("map {name} is not a ringbuf")))
}

/// The ring buffer a reserved sample belongs to.
fn owning_ringbuf(maps: &MapTable, sample: u64) -> Result<&RingBuf, HelperError> {
    maps.maps
        .iter()
        .filter_map(|(_, m)| m.as_any().downcast_ref::<RingBuf>())
        .find(|rb| rb.contains(sample as *const u8))
        .ok_or_else(|| HelperError::msg(format!("{sample:#x} is not a reserved ringbuf sample")))
}
