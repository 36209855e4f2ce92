//! Path exploration: run the transfer functions along every path, depth
//! first, storing states at prune points and cutting a path when a stored
//! state covers it (Linux's `do_check` and `is_state_visited`).
//!
//! A stored state is *complete* once every path below it has ended; only
//! complete states prune, except at the points where a loop is known to
//! end (an iterator's `next`, `may_goto`, a callback's registering call),
//! where the state is first widened against the loop's previous round. A
//! path that comes back to an identical in-progress state loops forever.
//!
//! Each path keeps the instructions it ran since its last stored state,
//! and each stored state those since the one above it: the history that
//! precision tracking walks back ([`crate::precision`]).

use std::fmt::Write as _;

use quiver_isa::asm::{Syntax, format_insn};
use quiver_isa::{CallTarget, Insn};

use crate::check::{Checker, Flow};
use crate::equiv;
use crate::error::{ErrorKind, VerifyError};
use crate::host::{Arg, kf};
use crate::liveness::RegSet;
use crate::precision::{self, GiveUp, Marks, Need, Step};
use crate::state::State;
use crate::verify::Stats;

/// Most bytes of log kept (the tail).
const LOG_CAP: usize = 1 << 20;

/// A state stored at a prune point.
struct Checkpoint {
    insn: usize,
    state: State,
    /// Paths below it still being explored (0: complete).
    branches: u32,
    parent: Option<usize>,
    hits: u32,
    misses: u32,
    evicted: bool,
    /// The numbers of `state` that decisions below it depended on.
    precise: Marks,
    /// Instructions run from the stored state above it (`flow`) to it.
    hist: Vec<Step>,
    /// The stored state its values flow from: `parent`, except for the
    /// first stored state of an async callback, which starts afresh.
    flow: Option<usize>,
}

/// A path waiting to be explored.
struct Path {
    state: State,
    insn: usize,
    parent: Option<usize>,
    from: Option<usize>,
    /// Instructions run since the stored state `flow`.
    hist: Vec<Step>,
    flow: Option<usize>,
}

/// How an instruction takes part in pruning.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Point {
    No,
    Prune,
    /// A loop that is known to end passes here: always store, and prune
    /// against in-progress states too.
    Loop,
}

pub(crate) struct Explorer<'c, 'a> {
    pub checker: &'c mut Checker<'a>,
    live: Vec<RegSet>,
    points: Vec<Point>,
    checkpoints: Vec<Checkpoint>,
    by_insn: Vec<Vec<usize>>,
    pub stats: Stats,
    pub log: String,
    stored_now: u64,
    jmps_since: u32,
    insns_since: u32,
}

impl<'c, 'a> Explorer<'c, 'a> {
    pub fn new(checker: &'c mut Checker<'a>, live: Vec<RegSet>) -> Self {
        let n = checker.program.insns().len();
        let points = prune_points(checker);
        Explorer {
            checker,
            live,
            points,
            checkpoints: Vec::new(),
            by_insn: vec![Vec::new(); n],
            stats: Stats::default(),
            log: String::new(),
            stored_now: 0,
            jmps_since: 0,
            insns_since: 0,
        }
    }

    fn level(&self) -> u32 {
        self.checker.opts.log_level
    }

    /// Explores every path from the main program's entry.
    pub fn run(&mut self, entry: State) -> Result<(), VerifyError> {
        self.run_from(entry, 0)
    }

    /// Explores every path from instruction `insn` in state `entry`.
    pub fn run_from(&mut self, entry: State, insn: usize) -> Result<(), VerifyError> {
        let mut work = vec![Path {
            state: entry,
            insn,
            parent: None,
            from: None,
            hist: Vec::new(),
            flow: None,
        }];
        let limit = self.checker.opts.insn_limit;
        while let Some(mut path) = work.pop() {
            if self.level() >= 1
                && let Some(from) = path.from
            {
                let _ = writeln!(
                    self.log,
                    "from {} to {}: {}",
                    self.checker.pc(from),
                    self.checker.pc(path.insn),
                    path.state
                );
            }
            loop {
                let insn = path.insn;
                if self.points[insn] != Point::No && self.visit(&mut path)? {
                    if self.level() >= 1 {
                        let _ = writeln!(self.log, "{}: safe", self.checker.pc(insn));
                    }
                    self.finish(path.parent);
                    break;
                }
                self.stats.insns_processed += 1;
                self.insns_since += 1;
                if self.stats.insns_processed > limit {
                    return Err(VerifyError::new(
                        insn,
                        ErrorKind::TooComplex,
                        format!("BPF program is too large. Processed {} insn", limit + 1),
                    )
                    .hint("the verifier could not bound a loop or the paths are too many: bound loop counts with constants, or use bpf_loop / bpf_for"));
                }
                let ins = self.checker.program.insns()[insn];
                self.trim_log();
                if self.level() >= 1 {
                    self.log_insn(insn, &ins);
                }
                let frame = path.state.frameno();
                let callback_ret = matches!(ins, Insn::Exit)
                    && path.state.frames.len() > 1
                    && path.state.cur().callback.is_some();
                self.checker.needs.clear();
                self.checker.detached = None;
                let flow = self.checker.step(&mut path.state, insn);
                let flow = match flow {
                    Ok(f) => f,
                    Err(e) => {
                        if self.level() >= 1 {
                            let _ = writeln!(self.log, "{}", e.message);
                        }
                        return Err(e);
                    }
                };
                if self.level() >= 2 {
                    let _ = writeln!(self.log, "; {}", path.state);
                }
                // What the instruction's checks depended on must be
                // precise back along the path (its own step excluded:
                // the values are those before it).
                let needs = std::mem::take(&mut self.checker.needs);
                if !needs.is_empty() {
                    let mut bt = Marks::default();
                    for n in needs {
                        match n {
                            Need::Reg { frame, reg } => bt.set_reg(frame as usize, reg as usize),
                            Need::Slot { frame, slot } => {
                                bt.set_slot(frame as usize, slot as usize)
                            }
                        }
                    }
                    self.mark_chain(&path.hist, path.flow, frame, bt);
                }
                path.hist.push(Step {
                    insn: insn as u32,
                    frame,
                    stack: self.checker.last_stack,
                    callback_ret,
                });
                let detached = self.checker.detached.take();
                let pushed: Vec<(State, usize)> = self.checker.pushed.drain(..).collect();
                // Linux counts every instruction of the jump class: jumps,
                // calls, exits, may_goto.
                if matches!(
                    ins,
                    Insn::Jump { .. }
                        | Insn::Ja { .. }
                        | Insn::Call(_)
                        | Insn::Callx { .. }
                        | Insn::Exit
                        | Insn::MayGoto { .. }
                ) {
                    self.jmps_since += 1;
                }
                for (k, (mut s, at)) in pushed.into_iter().enumerate() {
                    if let Some(p) = path.parent {
                        self.checkpoints[p].branches += 1;
                    }
                    // The next round of an iterator loop starts widened
                    // against the loop's previous round.
                    if is_iter_next(self.checker, insn)
                        && let Some(prev) = self.ancestor_at(path.parent, insn)
                    {
                        let cp = &self.checkpoints[prev];
                        equiv::widen(&cp.state, &cp.precise, &mut s);
                    }
                    // An async callback starts afresh: nothing of this
                    // path's history flows into it.
                    let fresh = detached == Some(k);
                    work.push(Path {
                        state: s,
                        insn: at,
                        parent: path.parent,
                        from: Some(insn),
                        hist: if fresh { Vec::new() } else { path.hist.clone() },
                        flow: if fresh { None } else { path.flow },
                    });
                }
                match flow {
                    Flow::Next(n) => path.insn = n,
                    Flow::End => {
                        if self.level() >= 1 {
                            let _ = writeln!(
                                self.log,
                                "processed path end at {}",
                                self.checker.pc(insn)
                            );
                        }
                        self.finish(path.parent);
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Keeps the log's tail within [`LOG_CAP`], as Linux's rotating log
    /// does: the end of the log is what explains a failure.
    fn trim_log(&mut self) {
        if self.log.len() > 2 * LOG_CAP {
            let mut cut = self.log.len() - LOG_CAP;
            while !self.log.is_char_boundary(cut) {
                cut += 1;
            }
            if let Some(nl) = self.log[cut..].find('\n') {
                cut += nl + 1;
            }
            self.log.drain(..cut);
        }
    }

    fn log_insn(&mut self, insn: usize, ins: &Insn) {
        let (raw, _) = quiver_isa::encode::encode_raw(ins);
        let _ = writeln!(
            self.log,
            "{}: ({:02x}) {}",
            self.checker.pc(insn),
            raw[0].code,
            format_insn(ins, Syntax::Llvm)
        );
    }

    /// The nearest checkpoint at `insn` on the path above `parent`.
    fn ancestor_at(&self, mut parent: Option<usize>, insn: usize) -> Option<usize> {
        while let Some(p) = parent {
            if self.checkpoints[p].insn == insn {
                return Some(p);
            }
            parent = self.checkpoints[p].parent;
        }
        None
    }

    /// A path ended: its ancestors have one branch fewer to wait for.
    fn finish(&mut self, mut parent: Option<usize>) {
        while let Some(p) = parent {
            let cp = &mut self.checkpoints[p];
            cp.branches -= 1;
            if cp.branches > 0 {
                break;
            }
            parent = cp.parent;
        }
    }

    /// At a prune point: true when a stored state covers the path (it
    /// ends here); otherwise maybe stores the path's state.
    fn visit(&mut self, path: &mut Path) -> Result<bool, VerifyError> {
        let insn = path.insn;
        let point = self.points[insn];
        if point == Point::Loop
            && let Some(prev) = self.ancestor_at(path.parent, insn)
        {
            let cp = &self.checkpoints[prev];
            equiv::widen(&cp.state, &cp.precise, &mut path.state);
        }
        let live = self.live[insn];
        let may_goto = matches!(self.checker.program.insns()[insn], Insn::MayGoto { .. });
        let force = point == Point::Loop;
        // Storing every state would cost more than it saves: like Linux,
        // store after at least two jumps and eight instructions, except
        // where loops must converge.
        let mut store = force || (self.jmps_since >= 2 && self.insns_since >= 8);
        let mut hit = None;
        let mut evicted = 0;
        // Newest first, as Linux's list of explored states.
        for k in (0..self.by_insn[insn].len()).rev() {
            let c = self.by_insn[insn][k];
            let cp = &self.checkpoints[c];
            if cp.evicted {
                continue;
            }
            if cp.branches > 0 {
                // A state of this path, or of a path still queued below it:
                // the path came around a loop.
                // A may_goto loop ends: a round with fewer budget checks
                // left than an earlier one may stop at it (Linux compares
                // depths). An iterator's or a callback's loop ends too.
                // The earlier round's marks are not final: every number
                // compares by its bounds.
                let loop_ok =
                    force && !(may_goto && cp.state.may_goto_depth == path.state.may_goto_depth);
                if loop_ok && equiv::subsumes(&cp.state, None, &path.state, live) {
                    hit = Some((c, false));
                    break;
                }
                if (!force || may_goto) && self.infinite_loop(cp, &path.state, may_goto) {
                    return Err(VerifyError::new(
                        insn,
                        ErrorKind::InfiniteLoop,
                        format!("infinite loop detected at insn {}", self.checker.pc(insn)),
                    )
                    .hint("the loop comes back to this instruction with nothing changed: make its condition depend on a counter"));
                }
                // Inside a loop, rounds differ and their states rarely
                // prune: store seldom (Linux: 20 jumps or 100 insns).
                if !force && self.jmps_since < 20 && self.insns_since < 100 {
                    store = false;
                }
            } else if equiv::subsumes(&cp.state, Some(&cp.precise), &path.state, live) {
                // A complete state's precision marks are final: its
                // imprecise numbers cover any.
                hit = Some((c, true));
                break;
            }
            let cp = &mut self.checkpoints[c];
            if store {
                cp.misses += 1;
            }
            // Unlikely to prune anything: stop comparing against it (its
            // place in the path tree stays for branch counts). A loop
            // point's in-progress states get more chances: evicting them
            // early would keep the loop from converging.
            let n = if force && cp.branches > 0 { 64 } else { 3 };
            if cp.misses > cp.hits * n + n {
                cp.evicted = true;
                evicted += 1;
            }
        }
        if evicted > 0 {
            self.stored_now -= evicted;
            let cps = &self.checkpoints;
            self.by_insn[insn].retain(|&c| !cps[c].evicted);
        }
        if let Some((c, complete)) = hit {
            self.checkpoints[c].hits += 1;
            // The path is cut because its numbers fit the stored state's:
            // those the stored state depended on (all of them when its
            // marks are not final yet) must be precise on this path too
            // (Linux's `propagate_precision`).
            let cp = &self.checkpoints[c];
            let need = Marks::compared(&cp.state, live, complete.then_some(&cp.precise));
            self.mark_chain(&path.hist, path.flow, path.state.frameno(), need);
            return Ok(true);
        }
        if !store {
            return Ok(false);
        }
        self.jmps_since = 0;
        self.insns_since = 0;
        let id = self.checkpoints.len();
        self.checkpoints.push(Checkpoint {
            insn,
            state: path.state.clone(),
            branches: 1,
            parent: path.parent,
            hits: 0,
            misses: 0,
            evicted: false,
            precise: Marks::default(),
            hist: std::mem::take(&mut path.hist),
            flow: path.flow,
        });
        self.by_insn[insn].push(id);
        path.parent = Some(id);
        path.flow = Some(id);
        self.stats.total_states += 1;
        self.stored_now += 1;
        self.stats.peak_states = self.stats.peak_states.max(self.stored_now);
        let here = self.by_insn[insn]
            .iter()
            .filter(|&&c| !self.checkpoints[c].evicted)
            .count() as u64;
        self.stats.max_states_per_insn = self.stats.max_states_per_insn.max(here);
        Ok(false)
    }

    /// Marks the numbers in `bt` (as they are at the end of `hist`, in
    /// frame `frame`) precise back along the path: through `hist`, then
    /// through each stored state above and its history (Linux's
    /// `__mark_chain_precision`). When the walk meets what it does not
    /// follow, every number of every state above becomes precise.
    fn mark_chain(&mut self, hist: &[Step], flow: Option<usize>, frame: u8, mut bt: Marks) {
        if bt.is_empty() {
            return;
        }
        if self.walk_back(hist, flow, frame, &mut bt).is_err() {
            let mut c = flow;
            while let Some(id) = c {
                let cp = &mut self.checkpoints[id];
                cp.precise = Marks::all(&cp.state);
                c = cp.flow;
            }
        }
    }

    fn walk_back(
        &mut self,
        hist: &[Step],
        mut flow: Option<usize>,
        mut next_frame: u8,
        bt: &mut Marks,
    ) -> Result<(), GiveUp> {
        for step in hist.iter().rev() {
            precision::backtrack(self.checker, step, next_frame, bt)?;
            next_frame = step.frame;
            if bt.is_empty() {
                return Ok(());
            }
        }
        while let Some(id) = flow {
            let cp = &mut self.checkpoints[id];
            if cp.state.frameno() != next_frame {
                return Err(GiveUp);
            }
            precision::settle(&cp.state, &mut cp.precise, bt)?;
            if bt.is_empty() {
                return Ok(());
            }
            let cp = &self.checkpoints[id];
            for step in cp.hist.iter().rev() {
                precision::backtrack(self.checker, step, next_frame, bt)?;
                next_frame = step.frame;
                if bt.is_empty() {
                    return Ok(());
                }
            }
            flow = cp.flow;
        }
        Ok(())
    }

    /// Whether a path repeats an in-progress stored state exactly: a loop
    /// that cannot end.
    fn infinite_loop(&self, cp: &Checkpoint, path_state: &State, may_goto: bool) -> bool {
        same_state(&cp.state, path_state)
            && (!may_goto || cp.state.may_goto_depth == path_state.may_goto_depth)
    }
}

/// Equality of states, ignoring the counters that only bound loops.
fn same_state(a: &State, b: &State) -> bool {
    a.frames == b.frames && a.refs == b.refs && a.lock == b.lock && a.rcu_depth == b.rcu_depth
}

fn is_iter_next(c: &Checker, insn: usize) -> bool {
    match c.program.insns()[insn] {
        Insn::Call(CallTarget::Kfunc { btf_id, .. }) => c
            .kfuncs
            .get(&btf_id)
            .and_then(|n| c.host.kfuncs.get(n))
            .is_some_and(|p| p.flags & kf::ITER_NEXT != 0),
        _ => false,
    }
}

/// Whether a call at `insn` registers a synchronous callback.
fn calls_back(c: &Checker, insn: usize) -> bool {
    let proto = match c.program.insns()[insn] {
        Insn::Call(CallTarget::Helper(id)) => u32::try_from(id)
            .ok()
            .and_then(|id| c.host.helpers.get(&id)),
        Insn::Call(CallTarget::Kfunc { btf_id, .. }) => {
            c.kfuncs.get(&btf_id).and_then(|n| c.host.kfuncs.get(n))
        }
        _ => None,
    };
    proto.is_some_and(|p| {
        p.args
            .iter()
            .any(|a| matches!(a, Arg::Callback(cb) if !cb.is_async))
    })
}

/// Linux's prune points (`visit_insn`): a conditional jump itself and
/// its target, an unconditional jump's target, the instruction after a
/// call, a bpf-to-bpf call itself and the subprogram's entry; and the
/// loop points. Where they lie decides where states are stored and
/// compared, hence how much work is done: the same places as Linux keep
/// the counts comparable.
fn prune_points(c: &Checker) -> Vec<Point> {
    let insns = c.program.insns();
    let mut points = vec![Point::No; insns.len()];
    for (i, ins) in insns.iter().enumerate() {
        match ins {
            Insn::Jump { .. } | Insn::MayGoto { .. } => {
                points[i] = Point::Prune;
                points[c.target(i)] = Point::Prune;
            }
            Insn::Ja { .. } => points[c.target(i)] = Point::Prune,
            Insn::Call(CallTarget::Local(_)) => {
                points[i] = Point::Prune;
                points[c.target(i)] = Point::Prune;
                if i + 1 < insns.len() {
                    points[i + 1] = Point::Prune;
                }
            }
            Insn::Call(_) | Insn::Callx { .. } if i + 1 < insns.len() => {
                points[i + 1] = Point::Prune;
            }
            _ => {}
        }
    }
    for (i, ins) in insns.iter().enumerate() {
        if matches!(ins, Insn::MayGoto { .. }) || is_iter_next(c, i) || calls_back(c, i) {
            points[i] = Point::Loop;
        }
    }
    points
}
