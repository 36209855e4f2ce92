//! Reading the verifier agreement corpus, `tests/corpus/*.s`: the headers,
//! the map declarations, the kfunc names and the assembled program. The
//! format is described in `tests/corpus/README.md`.
//!
//! Nothing here talks to the kernel. The instructions are as assembled:
//! `map_fd(N)` and `map_value(N, OFF)` still hold the map's index `N` in
//! the `; maps:` header, and `call kfunc#N` holds the index `N` in the
//! `; kfuncs:` header; a loader patches in real fds and BTF ids.

use std::path::{Path, PathBuf};

use quiver_isa::asm::{Syntax, assemble};
use quiver_isa::{CallTarget, Insn, Pseudo};

/// Linux `enum bpf_prog_type` by the names the headers use.
pub const PROG_TYPES: &[(&str, u32)] = &[
    ("socket_filter", 1),
    ("kprobe", 2),
    ("sched_cls", 3),
    ("sched_act", 4),
    ("tracepoint", 5),
    ("xdp", 6),
    ("perf_event", 7),
    ("cgroup_skb", 8),
    ("cgroup_sock", 9),
    ("lwt_in", 10),
    ("lwt_out", 11),
    ("lwt_xmit", 12),
    ("sock_ops", 13),
    ("sk_skb", 14),
    ("cgroup_device", 15),
    ("sk_msg", 16),
    ("raw_tracepoint", 17),
    ("cgroup_sock_addr", 18),
    ("flow_dissector", 22),
    ("cgroup_sysctl", 23),
    ("cgroup_sockopt", 25),
    ("syscall", 31),
];

/// Linux `enum bpf_map_type` by the names the `; maps:` header uses.
pub const MAP_TYPES: &[(&str, u32)] = &[
    ("hash", 1),
    ("array", 2),
    ("prog_array", 3),
    ("perf_event_array", 4),
    ("percpu_hash", 5),
    ("percpu_array", 6),
    ("stack_trace", 7),
    ("lru_hash", 9),
    ("lru_percpu_hash", 10),
    ("devmap", 14),
    ("sockmap", 15),
    ("queue", 22),
    ("stack", 23),
    ("ringbuf", 27),
    ("bloom_filter", 30),
];

/// `map_flags` by the names the `; maps:` header uses.
pub const MAP_FLAGS: &[(&str, u32)] = &[
    ("no_prealloc", 1 << 0),
    ("rdonly_prog", 1 << 7),
    ("wronly_prog", 1 << 8),
];

/// `BPF_PROG_LOAD` flags by the names the `; prog_flags:` header uses.
pub const PROG_FLAGS: &[(&str, u32)] = &[
    ("strict_alignment", 1 << 0),
    ("any_alignment", 1 << 1),
    ("sleepable", F_SLEEPABLE),
];

/// `BPF_F_SLEEPABLE`.
pub const F_SLEEPABLE: u32 = 1 << 4;

pub fn lookup(table: &[(&str, u32)], name: &str) -> Option<u32> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, id)| id)
}

/// A field of a map value that the kernel finds through BTF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueField {
    /// `struct bpf_spin_lock` (4 bytes) at this offset.
    SpinLock(u32),
}

/// BTF for a map: the key is `unsigned int` when it has 4 bytes (array
/// maps insist on that), `unsigned char[key_size]` otherwise and none when
/// the key size is 0; the value is a struct of `value_size` bytes holding
/// `fields`, or `unsigned char[value_size]` when there are none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapBtf {
    pub fields: Vec<ValueField>,
}

/// A map declared in the `; maps:` header.
#[derive(Clone, Debug)]
pub struct MapDecl {
    pub name: String,
    /// The `; maps:` spelling of the type (`hash`, `array`, ...).
    pub type_name: String,
    /// Linux `enum bpf_map_type`.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// `map_flags` for `BPF_MAP_CREATE`.
    pub flags: u32,
    /// `Some` when the map is created with BTF for its key and value.
    pub btf: Option<MapBtf>,
}

/// What the `; btf:` header asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BtfSpec {
    /// Load the program with BTF func info: one `FUNC` per subprogram.
    pub func_info: bool,
    /// Subprograms (by position: 0 is the main program, 1 the first
    /// subprogram, ...) whose `FUNC` has global linkage; the rest are static.
    pub global: Vec<usize>,
    /// (subprogram, number of `int` arguments) where not the default
    /// [`BtfSpec::DEFAULT_ARGS`].
    pub args: Vec<(usize, u32)>,
}

impl BtfSpec {
    /// Arguments of a `FUNC_PROTO` unless the header says otherwise.
    pub const DEFAULT_ARGS: u32 = 5;

    /// The number of `int` arguments of subprogram `i`.
    pub fn nargs(&self, i: usize) -> u32 {
        self.args
            .iter()
            .find(|&&(j, _)| j == i)
            .map_or(Self::DEFAULT_ARGS, |&(_, n)| n)
    }
}

/// The kernel's verdict as the labels state it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Rejected, with the line of the verifier log that says why.
    Reject(String),
}

/// One corpus file, parsed.
#[derive(Debug, Clone)]
pub struct Case {
    pub path: PathBuf,
    pub text: String,
    /// The `; prog_type:` name (`xdp`, `socket_filter`, ...).
    pub prog_type: String,
    /// Linux `enum bpf_prog_type`.
    pub prog_type_id: u32,
    /// `BPF_PROG_LOAD` flags from the optional `; prog_flags:` header.
    pub prog_flags: u32,
    /// Whether `prog_flags` has `BPF_F_SLEEPABLE`.
    pub sleepable: bool,
    pub maps: Vec<MapDecl>,
    /// Kernel functions named by the `; kfuncs:` header; `call kfunc#N`
    /// calls `kfuncs[N]`.
    pub kfuncs: Vec<String>,
    pub btf: BtfSpec,
    /// `None` when the `; kernel:` header is missing (allowed only when
    /// blessing).
    pub expected: Option<Verdict>,
    /// The program as assembled: map and kfunc references hold header
    /// indices, not fds or BTF ids.
    pub insns: Vec<Insn>,
}

impl Case {
    /// The file name, for messages.
    pub fn name(&self) -> String {
        file_name(&self.path)
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// The `; key: value` lines at the top of a file, up to the first line
/// that is not a comment.
pub fn headers(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map_while(|l| l.trim().strip_prefix(';'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn list(spec: &str) -> impl Iterator<Item = &str> {
    spec.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_map_flags(spec: &str) -> Result<u32, String> {
    let mut flags = 0;
    for f in spec.split('|').map(str::trim) {
        flags |= match f.parse::<u32>() {
            Ok(n) => n,
            Err(_) => lookup(MAP_FLAGS, f).ok_or_else(|| format!("unknown map flag `{f}`"))?,
        };
    }
    Ok(flags)
}

/// The optional sixth field of a map: `btf` for plain BTF, or a list of
/// special fields joined by `+`, such as `spin_lock@0`.
fn parse_map_btf(spec: &str) -> Result<MapBtf, String> {
    let mut btf = MapBtf::default();
    for part in spec.split('+').map(str::trim) {
        if part == "btf" {
            continue;
        }
        let (kind, off) = part
            .split_once('@')
            .ok_or_else(|| format!("`{part}`: expected `btf` or KIND@OFFSET"))?;
        let off = off
            .parse::<u32>()
            .map_err(|e| format!("`{part}`: offset: {e}"))?;
        btf.fields.push(match kind {
            "spin_lock" => ValueField::SpinLock(off),
            other => return Err(format!("unknown BTF value field `{other}`")),
        });
    }
    Ok(btf)
}

/// Parses the `; maps:` header:
/// `NAME=TYPE:KEY_SIZE:VALUE_SIZE:MAX_ENTRIES[:FLAGS[:BTF]]`, comma-separated.
pub fn parse_maps(spec: &str) -> Result<Vec<MapDecl>, String> {
    list(spec)
        .map(|decl| {
            let shape = "expected NAME=TYPE:KEY:VALUE:MAX[:FLAGS[:BTF]]";
            let (name, rest) = decl
                .split_once('=')
                .ok_or_else(|| format!("map `{decl}`: {shape}"))?;
            let parts: Vec<&str> = rest.split(':').map(str::trim).collect();
            if !(4..=6).contains(&parts.len()) {
                return Err(format!("map `{decl}`: {shape}"));
            }
            let num = |s: &str| {
                s.parse::<u32>()
                    .map_err(|e| format!("map `{decl}`: `{s}`: {e}"))
            };
            let ty = parts[0];
            Ok(MapDecl {
                name: name.trim().to_string(),
                type_name: ty.to_string(),
                map_type: lookup(MAP_TYPES, ty)
                    .ok_or_else(|| format!("map `{decl}`: unknown map type `{ty}`"))?,
                key_size: num(parts[1])?,
                value_size: num(parts[2])?,
                max_entries: num(parts[3])?,
                flags: match parts.get(4) {
                    Some(f) => parse_map_flags(f).map_err(|e| format!("map `{decl}`: {e}"))?,
                    None => 0,
                },
                btf: match parts.get(5) {
                    Some(b) => Some(parse_map_btf(b).map_err(|e| format!("map `{decl}`: {e}"))?),
                    None => None,
                },
            })
        })
        .collect()
}

/// `IDX` or `IDX:NARGS`.
fn func_ref(item: &str, v: &str) -> Result<(usize, Option<u32>), String> {
    let bad = |e: std::num::ParseIntError| format!("`; btf: {item}`: {e}");
    match v.split_once(':') {
        Some((i, n)) => Ok((i.parse().map_err(bad)?, Some(n.parse().map_err(bad)?))),
        None => Ok((v.parse().map_err(bad)?, None)),
    }
}

/// Parses the `; btf:` header: `func_info`, `global=IDX[:NARGS]`,
/// `args=IDX:NARGS`, comma-separated.
fn parse_btf(spec: &str) -> Result<BtfSpec, String> {
    let mut btf = BtfSpec::default();
    for item in list(spec) {
        if item == "func_info" {
            btf.func_info = true;
        } else if let Some(v) = item.strip_prefix("global=") {
            let (i, n) = func_ref(item, v)?;
            btf.global.push(i);
            btf.args.extend(n.map(|n| (i, n)));
        } else if let Some(v) = item.strip_prefix("args=") {
            match func_ref(item, v)? {
                (i, Some(n)) => btf.args.push((i, n)),
                (_, None) => return Err(format!("`; btf: {item}`: expected args=IDX:NARGS")),
            }
        } else {
            return Err(format!("`; btf:` does not know `{item}`"));
        }
    }
    if btf.args.iter().any(|&(_, n)| n > 5) {
        return Err("`; btf:` functions take at most 5 arguments".into());
    }
    let names_funcs = !btf.global.is_empty() || !btf.args.is_empty();
    if names_funcs && !btf.func_info {
        return Err("`global=` and `args=` need `func_info`".into());
    }
    Ok(btf)
}

/// Slot indices where the subprograms start, in order, as the kernel
/// finds them: 0, every bpf-to-bpf call target and every `func(...)`
/// address.
pub fn subprog_starts(insns: &[Insn]) -> Vec<usize> {
    let mut starts = vec![0usize];
    let mut pc = 0usize;
    for insn in insns {
        let is_sub = matches!(
            insn,
            Insn::Call(CallTarget::Local(_))
                | Insn::LoadImm64 {
                    pseudo: Pseudo::Func,
                    ..
                }
        );
        if is_sub && let Some(off) = insn.branch_offset() {
            // Relative to the slot after the first, also for `LD_IMM64`.
            let target = pc as i64 + 1 + off;
            if let Ok(t) = usize::try_from(target) {
                starts.push(t);
            }
        }
        pc += insn.slots();
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Reads and checks one corpus file.
pub fn parse_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let hs = headers(&text);
    let get = |key: &str| hs.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
    let ty = get("prog_type").ok_or("missing `; prog_type:` header")?;
    let prog_type_id = lookup(PROG_TYPES, ty).ok_or_else(|| format!("unknown prog_type `{ty}`"))?;
    let prog_type = ty.to_string();
    if get("what").is_none_or(str::is_empty) {
        return Err("missing `; what:` header".into());
    }
    let maps = get("maps").map_or(Ok(Vec::new()), parse_maps)?;
    let kfuncs: Vec<String> =
        get("kfuncs").map_or_else(Vec::new, |s| list(s).map(str::to_string).collect());
    let btf = get("btf").map_or(Ok(BtfSpec::default()), parse_btf)?;
    let mut prog_flags = 0;
    for flag in list(get("prog_flags").unwrap_or("")) {
        prog_flags |=
            lookup(PROG_FLAGS, flag).ok_or_else(|| format!("unknown prog_flags `{flag}`"))?;
    }
    let expected = match get("kernel") {
        None => None,
        Some("accept") => Some(Verdict::Accept),
        Some("reject") => Some(Verdict::Reject(
            get("kernel-error")
                .ok_or("`; kernel: reject` without a `; kernel-error:` header")?
                .to_string(),
        )),
        Some(other) => return Err(format!("`; kernel: {other}`: expected accept or reject")),
    };
    let insns = assemble(&text, Syntax::Llvm)
        .map_err(|e| format!("line {}:{}: {}", e.line, e.column, e.message))?;
    for insn in &insns {
        match insn {
            Insn::LoadImm64 {
                pseudo: Pseudo::MapFd | Pseudo::MapValue,
                imm,
                ..
            } if (*imm & 0xffff_ffff) as usize >= maps.len() => {
                return Err(format!(
                    "refers to map {} but the header declares {}",
                    imm & 0xffff_ffff,
                    maps.len()
                ));
            }
            Insn::Call(CallTarget::Kfunc { btf_id, .. })
                if usize::try_from(*btf_id).map_or(true, |i| i >= kfuncs.len()) =>
            {
                return Err(format!(
                    "calls kfunc#{btf_id} but the `; kfuncs:` header names {}",
                    kfuncs.len()
                ));
            }
            _ => {}
        }
    }
    let named = btf.global.iter().chain(btf.args.iter().map(|(i, _)| i));
    if let Some(&g) = named.max() {
        let n = subprog_starts(&insns).len();
        if g >= n {
            return Err(format!(
                "`; btf:` names function {g} but the program has {n}"
            ));
        }
    }
    Ok(Case {
        path: path.to_path_buf(),
        text,
        prog_type,
        prog_type_id,
        prog_flags,
        sleepable: prog_flags & F_SLEEPABLE != 0,
        maps,
        kfuncs,
        btf,
        expected,
        insns,
    })
}

/// `tests/corpus`.
pub fn corpus_dir() -> PathBuf {
    // Through the workspace, so other crates' tests can include this file.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../quiver-verifier/tests/corpus")
}

/// Every `*.s` file of the corpus, sorted by name.
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("reading the corpus directory").path())
        .filter(|p| p.extension().is_some_and(|x| x == "s"))
        .collect();
    files.sort();
    files
}

/// Every corpus file, parsed, by path; `Err` says what is wrong with a file.
pub fn load_corpus() -> Vec<(PathBuf, Result<Case, String>)> {
    corpus_files()
        .into_iter()
        .map(|p| {
            let case = parse_case(&p);
            (p, case)
        })
        .collect()
}
