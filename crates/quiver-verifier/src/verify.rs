//! The verifier's entry point: what it needs to know about a program, and
//! what it answers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use quiver_isa::Program;

use crate::error::ErrorKind;

/// A map the program refers to, as the verifier needs it. `LD_IMM64`
/// map references (`map_fd`, `map_idx`, and their `_value` forms) are
/// indices into [`Input::maps`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapInfo {
    pub name: String,
    /// Linux's `enum bpf_map_type` value.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    /// Programs may only read it (`BPF_F_RDONLY_PROG`, or a frozen
    /// `.rodata`).
    pub rdonly_prog: bool,
    /// Offset of the `struct bpf_spin_lock` in the value, if any.
    pub spin_lock_off: Option<u32>,
    /// Offset of the `struct bpf_timer` in the value, if any.
    pub timer_off: Option<u32>,
    /// Offset of the `struct bpf_wq` in the value, if any.
    pub wq_off: Option<u32>,
}

/// Linux map type numbers the verifier gives meaning to.
pub mod map_type {
    pub const HASH: u32 = 1;
    pub const ARRAY: u32 = 2;
    pub const PROG_ARRAY: u32 = 3;
    pub const PERF_EVENT_ARRAY: u32 = 4;
    pub const PERCPU_HASH: u32 = 5;
    pub const PERCPU_ARRAY: u32 = 6;
    pub const LRU_HASH: u32 = 9;
    pub const LRU_PERCPU_HASH: u32 = 10;
    pub const ARRAY_OF_MAPS: u32 = 12;
    pub const HASH_OF_MAPS: u32 = 13;
    pub const QUEUE: u32 = 22;
    pub const STACK: u32 = 23;
    pub const RINGBUF: u32 = 27;
    pub const USER_RINGBUF: u32 = 31;
}

/// What to verify.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// The linked program (main program first, subprograms after).
    pub program: &'a Program,
    /// Name of its program type in the host description.
    pub program_type: &'a str,
    pub sleepable: bool,
    pub maps: &'a [MapInfo],
    /// Kfunc names by the BTF id their call instructions carry.
    pub kfuncs: &'a BTreeMap<i32, String>,
    /// The C source line of an instruction (by pc), from BTF line info.
    pub source_line: Option<&'a dyn Fn(usize) -> Option<String>>,
    /// Whether the program came with BTF function info (Linux needs it
    /// for callbacks and for tail calls from subprograms).
    pub func_info: bool,
    /// Subprograms with global linkage, as (first instruction, number of
    /// arguments): each is verified on its own, for any numbers as
    /// arguments.
    pub global_funcs: &'a [(usize, u32)],
}

/// How to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// 0: no log; 1: the path to the error; 2: the state at every
    /// instruction.
    pub log_level: u32,
    /// Most instructions to process (Linux: 1,000,000).
    pub insn_limit: u64,
    /// Rules of a privileged loader (Linux's `CAP_BPF` + `CAP_PERFMON`):
    /// uninitialised stack may be read, pointers may be compared.
    pub privileged: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            log_level: 0,
            insn_limit: 1_000_000,
            privileged: true,
        }
    }
}

/// What verification cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Instructions processed over all paths.
    pub insns_processed: u64,
    /// States stored for pruning.
    pub total_states: u64,
    /// Most states stored at once.
    pub peak_states: u64,
    /// Most states stored at one instruction.
    pub max_states_per_insn: u64,
    /// Stack depth of each subprogram, in program order.
    pub stack_depth: Vec<u32>,
    pub time: Duration,
}

impl Stats {
    /// Linux's closing line of the log.
    pub fn summary(&self) -> String {
        let mut depths: Vec<String> = self.stack_depth.iter().map(u32::to_string).collect();
        if depths.is_empty() {
            depths.push("0".into());
        }
        format!(
            "processed {} insns (limit 1000000) max_states_per_insn {} total_states {} peak_states {} mark_read 0\nstack depth {}\nverification time {} usec",
            self.insns_processed,
            self.max_states_per_insn,
            self.total_states,
            self.peak_states,
            depths.join("+"),
            self.time.as_micros()
        )
    }
}

/// Facts the verifier proved, for the engines that run the program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Instructions that were reached on some path (by index).
    pub reached: Vec<bool>,
    /// For each call instruction (by index): argument registers r1..r5
    /// that held the same constant on every path (e.g. a tail call's
    /// index).
    pub call_constants: BTreeMap<usize, [Option<u64>; 5]>,
    /// For each call instruction with a map argument: the map (by index
    /// into the input's maps) when it is the same on every path.
    pub call_maps: BTreeMap<usize, Option<u32>>,
    /// Maps whose value pointers some path hands to a helper or kfunc: as
    /// an argument, or, for every map, when a call may read pointers out
    /// of the memory it is given (the printf family's argument arrays, a
    /// kfunc's memory arguments) or read any address given as a number
    /// (the probe_read family). Values of the other maps are dereferenced
    /// by the program alone.
    pub map_values_to_calls: BTreeSet<u32>,
    /// Bytes of the context the program may touch (the end of its
    /// furthest context access): a run must give it at least this many
    /// (Linux's `max_ctx_offset`).
    pub max_ctx_access: u64,
}

/// An accepted program.
#[derive(Clone, Debug)]
pub struct Accepted {
    pub stats: Stats,
    pub log: String,
    pub facts: Facts,
}

/// A refused program: where, why, and what would fix it.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// Slot position of the failing instruction.
    pub pc: usize,
    /// The instruction, as the log prints it.
    pub insn: String,
    pub kind: ErrorKind,
    /// Linux's wording.
    pub message: String,
    /// The C source line, when line info is available.
    pub source_line: Option<String>,
    /// What would make the program safe.
    pub hint: Option<String>,
    pub log: String,
    pub stats: Stats,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.pc, self.insn, self.message)
    }
}

impl std::error::Error for Rejected {}

/// Map types a sleepable program may use: Linux's list, plus prog arrays
/// (quiver runs them from sleepable programs under the owner rule).
const SLEEPABLE_MAPS: &[u32] = &[
    map_type::HASH,
    map_type::ARRAY,
    map_type::PERCPU_HASH,
    map_type::PERCPU_ARRAY,
    map_type::LRU_HASH,
    map_type::LRU_PERCPU_HASH,
    map_type::ARRAY_OF_MAPS,
    map_type::HASH_OF_MAPS,
    map_type::QUEUE,
    map_type::STACK,
    map_type::RINGBUF,
    map_type::USER_RINGBUF,
    map_type::PROG_ARRAY,
];

/// Verifies `input` against `host`.
pub fn verify(
    host: &crate::host::Host,
    input: &Input,
    options: &Options,
) -> Result<Accepted, Box<Rejected>> {
    use crate::check::Checker;
    use crate::explore::Explorer;
    use crate::state::{Ptr, Region, State, Value};
    use quiver_isa::{Insn, Pseudo};

    let start = std::time::Instant::now();
    let insns = input.program.insns();
    let reject = |insn: usize,
                  kind: ErrorKind,
                  message: String,
                  hint: Option<String>,
                  log: String,
                  stats: Stats| {
        let pc = if insn < insns.len() {
            input.program.pc_of(insn)
        } else {
            0
        };
        let text = insns
            .get(insn)
            .map(|i| quiver_isa::asm::format_insn(i, quiver_isa::asm::Syntax::Llvm))
            .unwrap_or_default();
        let source_line = input.source_line.and_then(|f| f(pc));
        let mut log = log;
        if options.log_level > 0 {
            if let Some(line) = &source_line {
                log.push_str(&format!("; {line}\n"));
            }
            if let Some(h) = &hint {
                log.push_str(&format!("hint: {h}\n"));
            }
            log.push_str(&stats.summary());
            log.push('\n');
        }
        Box::new(Rejected {
            pc,
            insn: text,
            kind,
            message,
            source_line,
            hint,
            log,
            stats,
        })
    };
    let elapsed = |mut stats: Stats| {
        stats.time = start.elapsed();
        stats
    };
    let Some(ptype) = host.program_types.get(input.program_type) else {
        return Err(reject(
            0,
            ErrorKind::Call,
            format!("unknown program type {}", input.program_type),
            Some("the host declares no such program type".into()),
            String::new(),
            elapsed(Stats::default()),
        ));
    };
    if input.sleepable && !ptype.sleepable && !ptype.may_sleep {
        return Err(reject(
            0,
            ErrorKind::Sleepable,
            "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable".into(),
            Some(format!("{} programs cannot be loaded sleepable", ptype.name)),
            String::new(),
            elapsed(Stats::default()),
        ));
    }
    if ptype.sleepable && !input.sleepable {
        let mut name = ptype.name.clone();
        if let Some(c) = name.get_mut(..1) {
            c.make_ascii_uppercase();
        }
        return Err(reject(
            0,
            ErrorKind::Sleepable,
            format!("{name} programs can only be sleepable"),
            Some("load it with BPF_F_SLEEPABLE (libbpf does for SEC(\"syscall\"))".into()),
            String::new(),
            elapsed(Stats::default()),
        ));
    }
    // Maps the program refers to must suit it.
    for (i, insn) in insns.iter().enumerate() {
        let Insn::LoadImm64 {
            pseudo: Pseudo::MapFd | Pseudo::MapIdx | Pseudo::MapValue | Pseudo::MapIdxValue,
            imm,
            ..
        } = insn
        else {
            continue;
        };
        let Some(m) = input.maps.get(*imm as u32 as usize) else {
            continue;
        };
        if m.spin_lock_off.is_some()
            && let Some(why) = &ptype.spin_lock_refusal
        {
            return Err(reject(
                i,
                ErrorKind::MapCompatibility,
                why.clone(),
                Some(format!(
                    "{} programs cannot use maps holding a bpf_spin_lock",
                    ptype.name
                )),
                String::new(),
                elapsed(Stats::default()),
            ));
        }
        if input.sleepable
            && !SLEEPABLE_MAPS.contains(&m.map_type)
            && !host.extra_sleepable_maps.contains(&m.map_type)
        {
            return Err(reject(
                i,
                ErrorKind::MapCompatibility,
                "Sleepable programs can only use array, hash, ringbuf and local storage maps"
                    .into(),
                Some(format!(
                    "map `{}` (type {}) cannot be used from a sleepable program",
                    m.name, m.map_type
                )),
                String::new(),
                elapsed(Stats::default()),
            ));
        }
    }
    let cfg = match crate::cfg::Cfg::build(input.program) {
        Ok(c) => c,
        Err(errors) => {
            let e = &errors[0];
            let insn = input.program.index_at(e.pc()).unwrap_or(0);
            let mut log = String::new();
            if options.log_level > 0 {
                log.push_str(&format!("{e}\n"));
            }
            return Err(reject(
                insn,
                ErrorKind::Structure,
                e.to_string(),
                None,
                log,
                elapsed(Stats::default()),
            ));
        }
    };
    let nargs = |i: usize| {
        let proto = match input.program.insns()[i] {
            quiver_isa::Insn::Call(quiver_isa::CallTarget::Helper(id)) => {
                u32::try_from(id).ok().and_then(|id| host.helpers.get(&id))
            }
            quiver_isa::Insn::Call(quiver_isa::CallTarget::Kfunc { btf_id, .. }) => {
                input.kfuncs.get(&btf_id).and_then(|n| host.kfuncs.get(n))
            }
            _ => None,
        };
        proto.map(|p| p.args.len())
    };
    let live = crate::liveness::live_in(input.program, &cfg, nargs);
    let mut checker = Checker::new(host, ptype, &cfg, input, *options);
    let entry = State::entry(Value::Ptr(Ptr::to(Region::Ctx)));
    let (result, mut stats, log) = {
        let mut explorer = Explorer::new(&mut checker, live);
        let mut r = explorer.run(entry);
        // Global functions: verified once each, for any arguments.
        for &(g, _) in input.global_funcs {
            if r.is_err() {
                break;
            }
            if g >= insns.len() {
                continue;
            }
            let mut st = State::entry(Value::unknown());
            let frame = &mut st.frames[0];
            frame.entry = g;
            for reg in 1..=5 {
                frame.regs[reg] = Value::unknown();
            }
            frame.callback = Some(crate::state::CallbackFrame {
                ret: (i64::MIN, i64::MAX),
                is_async: true,
                sleepable: input.sleepable,
            });
            r = explorer.run_from(st, g);
        }
        (
            r,
            std::mem::take(&mut explorer.stats),
            std::mem::take(&mut explorer.log),
        )
    };
    stats.stack_depth = cfg
        .subprogs()
        .iter()
        .map(|s| checker.stack_depth.get(&s.start).copied().unwrap_or(0))
        .collect();
    if let Err(e) = result {
        return Err(reject(
            e.insn,
            e.kind,
            e.message,
            e.hint,
            log,
            elapsed(stats),
        ));
    }
    if let Some((insn, calls, size)) = combined_stack(&cfg, &stats.stack_depth) {
        return Err(reject(
            insn,
            ErrorKind::StackDepth,
            format!("combined stack size of {calls} calls is {size}. Too large"),
            Some("the stacks of a call chain share 512 bytes: move large buffers to a map".into()),
            log,
            elapsed(stats),
        ));
    }
    let stats = elapsed(stats);
    let mut log = log;
    if options.log_level > 0 {
        log.push_str(&stats.summary());
        log.push('\n');
    }
    Ok(Accepted {
        stats,
        log,
        facts: checker.facts,
    })
}

/// The deepest call chain's stack, when it exceeds 512 bytes: (the
/// instruction of its last call, the number of frames, the size).
fn combined_stack(cfg: &crate::cfg::Cfg, depths: &[u32]) -> Option<(usize, usize, u32)> {
    use crate::cfg::CallKind;
    fn walk(
        cfg: &crate::cfg::Cfg,
        depths: &[u32],
        sub: usize,
        frames: usize,
        total: u32,
        site: usize,
    ) -> Option<(usize, usize, u32)> {
        let total = total + depths[sub].next_multiple_of(16);
        if total > 512 {
            return Some((site, frames, total));
        }
        for call in &cfg.subprogs()[sub].calls {
            if call.kind == CallKind::Call
                && let Some(found) = walk(cfg, depths, call.callee, frames + 1, total, call.insn)
            {
                return Some(found);
            }
        }
        None
    }
    walk(cfg, depths, 0, 1, 0, 0)
}
