//! The running Linux kernel as an oracle for quiver's tests and benchmarks:
//! create maps, load programs (with the verifier log), run them with
//! `BPF_PROG_TEST_RUN`, read maps back. Root only; [`available`] says why
//! not when the kernel refuses, so tests can report themselves skipped.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

pub mod object;
mod sys;

use sys::*;

/// Why the kernel refused a program, with its verifier log.
#[derive(Debug, thiserror::Error)]
#[error("kernel refused the program ({errno}): {}", tail(log))]
pub struct LoadError {
    pub errno: io::Error,
    pub log: String,
}

/// The end of a verifier log, where the reason is; whole logs run to
/// megabytes.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// Number of possible CPUs, as per-CPU maps count them.
pub fn possible_cpus() -> io::Result<usize> {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/possible")?;
    let mut n = 0;
    for part in text.trim().split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let parse = |x: &str| {
            x.trim()
                .parse::<usize>()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        };
        n += parse(b)? - parse(a)? + 1;
    }
    Ok(n)
}

/// A kernel map.
#[derive(Debug)]
pub struct Map {
    fd: OwnedFd,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
}

fn name16(name: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    // The kernel accepts [A-Za-z0-9_.] only.
    for (o, c) in out.iter_mut().take(15).zip(
        name.bytes()
            .filter(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'),
    ) {
        *o = c;
    }
    out
}

impl Map {
    /// Creates a map.
    pub fn create(
        name: &str,
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        flags: u32,
    ) -> io::Result<Map> {
        Map::from_attr(MapCreateAttr {
            map_type,
            key_size,
            value_size,
            max_entries,
            map_flags: flags,
            map_name: name16(name),
            ..Default::default()
        })
    }

    /// Creates a map whose key and value are the types `key_type` and
    /// `value_type` of the loaded BTF `btf` (maps holding a
    /// `bpf_spin_lock` need this).
    #[allow(clippy::too_many_arguments)]
    pub fn create_with_btf(
        name: &str,
        map_type: u32,
        key_size: u32,
        value_size: u32,
        max_entries: u32,
        flags: u32,
        btf: &KernelBtf,
        key_type: u32,
        value_type: u32,
    ) -> io::Result<Map> {
        Map::from_attr(MapCreateAttr {
            map_type,
            key_size,
            value_size,
            max_entries,
            map_flags: flags,
            map_name: name16(name),
            btf_fd: btf.raw_fd() as u32,
            btf_key_type_id: key_type,
            btf_value_type_id: value_type,
            ..Default::default()
        })
    }

    fn from_attr(mut attr: MapCreateAttr) -> io::Result<Map> {
        let fd = bpf_fd(BPF_MAP_CREATE, &mut attr)?;
        Ok(Map {
            fd,
            map_type: attr.map_type,
            key_size: attr.key_size,
            value_size: attr.value_size,
            max_entries: attr.max_entries,
        })
    }

    /// The map's file descriptor number.
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    fn check(&self, key: &[u8], value: Option<&[u8]>) -> io::Result<()> {
        if key.len() != self.key_size as usize
            || value.is_some_and(|v| v.len() != self.value_size as usize)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "key or value size does not match the map",
            ));
        }
        Ok(())
    }

    /// Whether values are per CPU (percpu hash, array, LRU hash, cgroup storage).
    pub fn is_percpu(&self) -> bool {
        matches!(self.map_type, 5 | 6 | 10 | 15)
    }

    /// Bytes a lookup returns: per-CPU maps give every possible CPU's value,
    /// each rounded up to 8 bytes.
    pub fn lookup_size(&self) -> io::Result<usize> {
        if self.is_percpu() {
            Ok((self.value_size as usize).div_ceil(8) * 8 * possible_cpus()?)
        } else {
            Ok(self.value_size as usize)
        }
    }

    /// Looks up a key; `None` when absent.
    pub fn lookup(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        self.check(key, None)?;
        let mut value = vec![0u8; self.lookup_size()?];
        let mut attr = MapElemAttr {
            map_fd: self.raw_fd() as u32,
            key: key.as_ptr() as u64,
            value: value.as_mut_ptr() as u64,
            ..Default::default()
        };
        match bpf(BPF_MAP_LOOKUP_ELEM, &mut attr) {
            Ok(_) => Ok(Some(value)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Updates a key with `BPF_ANY`/`BPF_NOEXIST`/`BPF_EXIST` flags.
    pub fn update(&self, key: &[u8], value: &[u8], flags: u64) -> io::Result<()> {
        self.check(key, Some(value))?;
        let mut attr = MapElemAttr {
            map_fd: self.raw_fd() as u32,
            key: key.as_ptr() as u64,
            value: value.as_ptr() as u64,
            flags,
            ..Default::default()
        };
        bpf(BPF_MAP_UPDATE_ELEM, &mut attr).map(|_| ())
    }

    /// Deletes a key.
    pub fn delete(&self, key: &[u8]) -> io::Result<()> {
        self.check(key, None)?;
        let mut attr = MapElemAttr {
            map_fd: self.raw_fd() as u32,
            key: key.as_ptr() as u64,
            ..Default::default()
        };
        bpf(BPF_MAP_DELETE_ELEM, &mut attr).map(|_| ())
    }

    /// Every key, in the kernel's iteration order.
    pub fn keys(&self) -> io::Result<Vec<Vec<u8>>> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut next = vec![0u8; self.key_size as usize];
            let mut attr = MapElemAttr {
                map_fd: self.raw_fd() as u32,
                key: keys.last().map_or(0, |k| k.as_ptr() as u64),
                value: next.as_mut_ptr() as u64,
                ..Default::default()
            };
            match bpf(BPF_MAP_GET_NEXT_KEY, &mut attr) {
                Ok(_) => keys.push(next),
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(keys),
                Err(e) => return Err(e),
            }
            if keys.len() > self.max_entries as usize {
                return Err(io::Error::other("map iteration did not terminate"));
            }
        }
    }

    /// Makes the map read-only for user space (as libbpf does for .rodata).
    pub fn freeze(&self) -> io::Result<()> {
        let mut attr = MapElemAttr {
            map_fd: self.raw_fd() as u32,
            ..Default::default()
        };
        bpf(BPF_MAP_FREEZE, &mut attr).map(|_| ())
    }
}

/// A loaded kernel program.
#[derive(Debug)]
pub struct Prog {
    fd: OwnedFd,
    /// The verifier log (empty unless a log level was asked for).
    pub log: String,
}

/// Options for [`load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub prog_flags: u32,
    pub expected_attach_type: u32,
    /// 0: no log unless refused; 1 or 2: the verifier's log levels; 4 adds stats.
    pub log_level: u32,
    pub name: String,
}

/// `BPF_F_SLEEPABLE`.
pub const F_SLEEPABLE: u32 = 1 << 4;

/// BTF func info for [`load_with_btf`]: (instruction index, BTF FUNC id).
pub type FuncInfo = [(u32, u32)];

/// Loads raw bytecode; on refusal returns the verifier log.
pub fn load(
    prog_type: u32,
    insns: &[u8],
    license: &str,
    opts: &LoadOptions,
) -> Result<Prog, LoadError> {
    load_with_btf(prog_type, insns, license, opts, None)
}

/// [`load`] with the program's BTF and func info, which the kernel needs
/// for callbacks (`bpf_loop`) and global functions.
pub fn load_with_btf(
    prog_type: u32,
    insns: &[u8],
    license: &str,
    opts: &LoadOptions,
    btf: Option<(&KernelBtf, &FuncInfo)>,
) -> Result<Prog, LoadError> {
    let func_info: Vec<u32> = btf.map_or_else(Vec::new, |(_, fi)| {
        fi.iter().flat_map(|&(i, t)| [i, t]).collect()
    });
    let license = std::ffi::CString::new(license).unwrap_or_default();
    let mut log = vec![0u8; 1 << 20];
    let attempt = |log_level: u32, log: &mut Vec<u8>| {
        let mut attr = ProgLoadAttr {
            prog_type,
            insn_cnt: (insns.len() / 8) as u32,
            insns: insns.as_ptr() as u64,
            license: license.as_ptr() as u64,
            log_level,
            log_size: if log_level > 0 { log.len() as u32 } else { 0 },
            log_buf: if log_level > 0 {
                log.as_mut_ptr() as u64
            } else {
                0
            },
            prog_flags: opts.prog_flags,
            prog_name: name16(&opts.name),
            expected_attach_type: opts.expected_attach_type,
            prog_btf_fd: btf.map_or(0, |(b, _)| b.raw_fd() as u32),
            func_info_rec_size: if btf.is_some() { 8 } else { 0 },
            func_info: if btf.is_some() {
                func_info.as_ptr() as u64
            } else {
                0
            },
            func_info_cnt: (func_info.len() / 2) as u32,
            ..Default::default()
        };
        bpf_fd(BPF_PROG_LOAD, &mut attr)
    };
    let text = |log: &[u8]| {
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        String::from_utf8_lossy(&log[..end]).into_owned()
    };
    match attempt(opts.log_level, &mut log) {
        Ok(fd) => Ok(Prog {
            fd,
            log: text(&log),
        }),
        Err(errno) => {
            // Ask again with a log so the caller learns why.
            if opts.log_level == 0 {
                let _ = attempt(1, &mut log);
            }
            Err(LoadError {
                errno,
                log: text(&log),
            })
        }
    }
}

/// BTF loaded into the kernel (for func info and typed maps).
#[derive(Debug)]
pub struct KernelBtf {
    fd: OwnedFd,
}

impl KernelBtf {
    /// Loads raw `.BTF` bytes; on refusal returns the kernel's BTF log.
    pub fn load(btf: &[u8]) -> Result<KernelBtf, LoadError> {
        let mut log = vec![0u8; 1 << 16];
        let mut attr = BtfLoadAttr {
            btf: btf.as_ptr() as u64,
            btf_size: btf.len() as u32,
            btf_log_buf: log.as_mut_ptr() as u64,
            btf_log_size: log.len() as u32,
            btf_log_level: 1,
            ..Default::default()
        };
        match bpf_fd(BPF_BTF_LOAD, &mut attr) {
            Ok(fd) => Ok(KernelBtf { fd }),
            Err(errno) => {
                let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
                Err(LoadError {
                    errno,
                    log: String::from_utf8_lossy(&log[..end]).into_owned(),
                })
            }
        }
    }

    /// The BTF's file descriptor number.
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }
}

/// What one `BPF_PROG_TEST_RUN` returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRun {
    pub retval: u32,
    pub data_out: Vec<u8>,
    pub ctx_out: Vec<u8>,
    /// Mean time per run in ns, as the kernel measured it.
    pub duration_ns: u32,
}

impl Prog {
    /// The program's file descriptor number (for prog arrays).
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Runs the program `repeat` times on `data` (a packet) and `ctx`.
    pub fn test_run(&self, data: &[u8], ctx: Option<&[u8]>, repeat: u32) -> io::Result<TestRun> {
        let mut data_out = vec![0u8; data.len() + 256];
        let mut ctx_out = vec![0u8; ctx.map_or(0, |c| c.len())];
        let mut attr = TestRunAttr {
            prog_fd: self.raw_fd() as u32,
            data_size_in: data.len() as u32,
            data_size_out: if data.is_empty() {
                0
            } else {
                data_out.len() as u32
            },
            data_in: if data.is_empty() {
                0
            } else {
                data.as_ptr() as u64
            },
            data_out: if data.is_empty() {
                0
            } else {
                data_out.as_mut_ptr() as u64
            },
            repeat,
            ctx_size_in: ctx.map_or(0, |c| c.len() as u32),
            ctx_size_out: ctx_out.len() as u32,
            ctx_in: ctx.map_or(0, |c| c.as_ptr() as u64),
            ctx_out: if ctx_out.is_empty() {
                0
            } else {
                ctx_out.as_mut_ptr() as u64
            },
            ..Default::default()
        };
        bpf(BPF_PROG_TEST_RUN, &mut attr)?;
        data_out.truncate(attr.data_size_out as usize);
        ctx_out.truncate(attr.ctx_size_out as usize);
        Ok(TestRun {
            retval: attr.retval,
            data_out,
            ctx_out,
            duration_ns: attr.duration,
        })
    }
}

impl Prog {
    /// Runs a syscall program once on `ctx`, which the kernel updates in
    /// place (syscall programs take no packet, no repeat and no ctx_out).
    pub fn test_run_syscall(&self, ctx: &mut [u8]) -> io::Result<u32> {
        let mut attr = TestRunAttr {
            prog_fd: self.raw_fd() as u32,
            ctx_size_in: ctx.len() as u32,
            ctx_in: ctx.as_mut_ptr() as u64,
            ..Default::default()
        };
        bpf(BPF_PROG_TEST_RUN, &mut attr)?;
        Ok(attr.retval)
    }
}

/// Whether this process can load and run BPF programs; the error says why
/// not (not root, BPF disabled, seccomp...).
pub fn available() -> Result<(), String> {
    // r0 = 0; exit
    let insns = [0xb7u8, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
    let prog = load(1, &insns, "GPL", &LoadOptions::default())
        .map_err(|e| format!("bpf(BPF_PROG_LOAD): {}", e.errno))?;
    prog.test_run(&[0u8; 64], None, 1)
        .map_err(|e| format!("bpf(BPF_PROG_TEST_RUN): {e}"))?;
    Ok(())
}
