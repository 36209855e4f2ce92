//! The control-flow structure of a linked program: subprograms, basic
//! blocks with their edges, the static call graph and the loops.
//!
//! A subprogram starts at instruction 0 and at every target of a local
//! call (`call pc+N`) or a function address (`rN = func(...) ll`); it runs
//! up to the next start. Within a subprogram, blocks end at jumps, `exit`,
//! `may_goto` and before jump targets; calls fall through (the callee is a
//! separate graph, linked by [`Subprog::calls`]).
//!
//! Building checks the structural rules of Linux's `check_subprogs` and
//! `check_cfg`, with their wording, and collects every violation rather
//! than stopping at the first:
//!
//! - a jump leaves its subprogram: "jump out of range from insn X to Y";
//! - a subprogram's last instruction falls through into the next one:
//!   "last insn is not an exit or jmp";
//! - an instruction no path from instruction 0 reaches: "unreachable insn N"
//!   (once per run of unreachable instructions);
//! - a cycle in the call graph: "recursive call from insn N";
//! - a call chain deeper than [`MAX_CALL_FRAMES`]: "the call stack of N
//!   frames is too deep".
//!
//! Back edges (loops) are not errors for quiver, which accepts bounded
//! loops: they are reported as data ([`Cfg::back_edges`]).
//!
//! Positions: blocks, subprograms and edges use instruction indices (into
//! [`Program::insns`]); errors use slot positions (pcs), as Linux prints
//! them. [`Cfg::pc_of`] converts.

use quiver_isa::{CallTarget, Insn, Program, Pseudo};

/// Most frames a call chain may hold, the main program's included
/// (Linux's `MAX_CALL_FRAMES`).
pub const MAX_CALL_FRAMES: usize = 8;

/// A structural error, located by slot position (pc).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CfgError {
    /// A jump whose target lies in another subprogram.
    #[error("jump out of range from insn {from} to {to}")]
    JumpOutOfRange { from: usize, to: usize },
    /// The last instruction of a subprogram continues into the next one.
    #[error("last insn is not an exit or jmp")]
    LastInsnNotExit { pc: usize },
    /// No path from the entry reaches this instruction (the first of a run).
    #[error("unreachable insn {pc}")]
    Unreachable { pc: usize },
    /// A call (or function address) closes a cycle in the call graph.
    #[error("recursive call from insn {pc}")]
    RecursiveCall { pc: usize },
    /// A call chain through the call at `pc` holds more than
    /// [`MAX_CALL_FRAMES`] frames.
    #[error("the call stack of {frames} frames is too deep")]
    CallStackTooDeep { pc: usize, frames: usize },
}

impl CfgError {
    /// The slot position the error is about.
    pub fn pc(&self) -> usize {
        match *self {
            CfgError::JumpOutOfRange { from, .. } => from,
            CfgError::LastInsnNotExit { pc }
            | CfgError::Unreachable { pc }
            | CfgError::RecursiveCall { pc }
            | CfgError::CallStackTooDeep { pc, .. } => pc,
        }
    }
}

/// How a subprogram is referenced from another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call pc+N`.
    Call,
    /// `rN = func(...) ll`: the address is taken (a callback for
    /// `bpf_loop`, a timer...), counted as a call for depth and recursion
    /// as Linux does for synchronous callbacks.
    FuncAddress,
}

/// One edge of the call graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSite {
    /// Instruction index of the call or `LD_IMM64`.
    pub insn: usize,
    /// Index of the callee in [`Cfg::subprogs`].
    pub callee: usize,
    pub kind: CallKind,
}

/// A subprogram: a contiguous run of instructions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subprog {
    /// Instruction index of its first instruction.
    pub start: usize,
    /// Instruction index one past its last instruction.
    pub end: usize,
    /// Its blocks, as indices into [`Cfg::blocks`]; the first is the entry.
    pub blocks: std::ops::Range<usize>,
    /// Calls and function addresses it contains, in program order.
    pub calls: Vec<CallSite>,
}

/// A basic block: instructions `first..=last` of one subprogram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub first: usize,
    pub last: usize,
    /// Index of its subprogram in [`Cfg::subprogs`].
    pub subprog: usize,
    /// Successor blocks: for a conditional jump or `may_goto`, the
    /// fall-through first, then the target.
    pub succs: Vec<usize>,
    pub preds: Vec<usize>,
}

/// An edge from a block to one of its DFS ancestors: the head of a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackEdge {
    /// Instruction index of the jump (the last of its block).
    pub from: usize,
    /// Instruction index of the loop head.
    pub to: usize,
}

/// The control-flow structure of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cfg {
    subprogs: Vec<Subprog>,
    blocks: Vec<Block>,
    block_of: Vec<usize>,
    back_edges: Vec<BackEdge>,
    pcs: Vec<usize>,
}

impl Cfg {
    /// Builds the structure of `program`, or returns every structural error
    /// found, ordered by pc.
    pub fn build(program: &Program) -> Result<Cfg, Vec<CfgError>> {
        let insns = program.insns();
        let pcs: Vec<usize> = (0..insns.len()).map(|i| program.pc_of(i)).collect();
        let mut errors = Vec::new();

        let starts = subprog_starts(program);
        let subprog_of = |i: usize| starts.partition_point(|&s| s <= i) - 1;
        let mut subprogs: Vec<Subprog> = starts
            .iter()
            .enumerate()
            .map(|(k, &start)| Subprog {
                start,
                end: starts.get(k + 1).copied().unwrap_or(insns.len()),
                blocks: 0..0,
                calls: Vec::new(),
            })
            .collect();

        // Successor instructions within the subprogram, and jump checks.
        let mut succ_insns: Vec<Vec<usize>> = vec![Vec::new(); insns.len()];
        for (s, sp) in subprogs.iter_mut().enumerate() {
            for i in sp.start..sp.end {
                let insn = &insns[i];
                let fall = (i + 1 < sp.end).then_some(i + 1);
                let target = jump_target(program, i);
                if let Some(t) = target
                    && subprog_of(t) != s
                {
                    errors.push(CfgError::JumpOutOfRange {
                        from: pcs[i],
                        to: pcs[t],
                    });
                }
                let target = target.filter(|&t| subprog_of(t) == s);
                let succs = &mut succ_insns[i];
                match insn {
                    Insn::Exit => {}
                    Insn::Ja { .. } => succs.extend(target),
                    Insn::Jump { .. } | Insn::MayGoto { .. } => {
                        succs.extend(fall);
                        if target != fall {
                            succs.extend(target);
                        }
                    }
                    _ => succs.extend(fall),
                }
                if i + 1 == sp.end && !insn.ends_flow() {
                    errors.push(CfgError::LastInsnNotExit { pc: pcs[i] });
                }
                if let Some(t) = call_target(program, i) {
                    let kind = match insn {
                        Insn::Call(_) => CallKind::Call,
                        _ => CallKind::FuncAddress,
                    };
                    sp.calls.push(CallSite {
                        insn: i,
                        callee: subprog_of(t),
                        kind,
                    });
                }
            }
        }

        // Blocks.
        let mut leader = vec![false; insns.len()];
        for sp in &subprogs {
            leader[sp.start] = true;
        }
        for (i, insn) in insns.iter().enumerate() {
            if matches!(
                insn,
                Insn::Jump { .. } | Insn::Ja { .. } | Insn::MayGoto { .. } | Insn::Exit
            ) {
                for &t in &succ_insns[i] {
                    leader[t] = true;
                }
                if i + 1 < insns.len() {
                    leader[i + 1] = true;
                }
            }
        }
        let mut blocks: Vec<Block> = Vec::new();
        let mut block_of = vec![0; insns.len()];
        for (s, sp) in subprogs.iter_mut().enumerate() {
            let first_block = blocks.len();
            for i in sp.start..sp.end {
                if leader[i] {
                    blocks.push(Block {
                        first: i,
                        last: i,
                        subprog: s,
                        succs: Vec::new(),
                        preds: Vec::new(),
                    });
                }
                let b = blocks.len() - 1;
                blocks[b].last = i;
                block_of[i] = b;
            }
            sp.blocks = first_block..blocks.len();
        }
        for b in 0..blocks.len() {
            let succs: Vec<usize> = succ_insns[blocks[b].last]
                .iter()
                .map(|&t| block_of[t])
                .collect();
            for &t in &succs {
                blocks[t].preds.push(b);
            }
            blocks[b].succs = succs;
        }

        let back_edges = find_back_edges(&subprogs, &blocks);
        errors.extend(unreachable(&subprogs, &blocks, &pcs));
        errors.extend(check_call_graph(&subprogs, &pcs));
        errors.sort_by_key(CfgError::pc);
        if errors.is_empty() {
            Ok(Cfg {
                subprogs,
                blocks,
                block_of,
                back_edges,
                pcs,
            })
        } else {
            Err(errors)
        }
    }

    /// The subprograms, in program order; the first is the main program.
    pub fn subprogs(&self) -> &[Subprog] {
        &self.subprogs
    }

    /// The blocks, in program order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// The block holding instruction `index`.
    pub fn block_of(&self, index: usize) -> usize {
        self.block_of[index]
    }

    /// The subprogram holding instruction `index`.
    pub fn subprog_of(&self, index: usize) -> usize {
        self.blocks[self.block_of[index]].subprog
    }

    /// Loop back edges found by a depth-first search of each subprogram
    /// from its entry, in program order of their jumps.
    pub fn back_edges(&self) -> &[BackEdge] {
        &self.back_edges
    }

    /// Slot position of instruction `index`.
    pub fn pc_of(&self, index: usize) -> usize {
        self.pcs[index]
    }

    /// The most frames any call chain from the main program holds (1 for a
    /// program without calls).
    pub fn max_call_frames(&self) -> usize {
        fn depth(cfg: &Cfg, s: usize) -> usize {
            1 + cfg.subprogs[s]
                .calls
                .iter()
                .map(|c| depth(cfg, c.callee))
                .max()
                .unwrap_or(0)
        }
        depth(self, 0)
    }
}

/// Instruction indices where subprograms start, sorted, 0 first.
fn subprog_starts(program: &Program) -> Vec<usize> {
    let mut starts: Vec<usize> = std::iter::once(0)
        .chain((0..program.insns().len()).filter_map(|i| call_target(program, i)))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The callee of a local call or function address at `i`.
fn call_target(program: &Program, i: usize) -> Option<usize> {
    match program.insns()[i] {
        Insn::Call(CallTarget::Local(_))
        | Insn::LoadImm64 {
            pseudo: Pseudo::Func,
            ..
        } => program.branch_target(i),
        _ => None,
    }
}

/// The target of a jump at `i` (conditional, `ja`, `may_goto`).
fn jump_target(program: &Program, i: usize) -> Option<usize> {
    match program.insns()[i] {
        Insn::Jump { .. } | Insn::Ja { .. } | Insn::MayGoto { .. } => program.branch_target(i),
        _ => None,
    }
}

/// Back edges of each subprogram's block graph, by iterative DFS.
fn find_back_edges(subprogs: &[Subprog], blocks: &[Block]) -> Vec<BackEdge> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    let mut color = vec![Color::White; blocks.len()];
    let mut edges = Vec::new();
    for sp in subprogs {
        let entry = sp.blocks.start;
        color[entry] = Color::Grey;
        let mut stack = vec![(entry, 0usize)];
        while let Some(&mut (b, ref mut next)) = stack.last_mut() {
            if let Some(&s) = blocks[b].succs.get(*next) {
                *next += 1;
                match color[s] {
                    Color::White => {
                        color[s] = Color::Grey;
                        stack.push((s, 0));
                    }
                    Color::Grey => edges.push(BackEdge {
                        from: blocks[b].last,
                        to: blocks[s].first,
                    }),
                    Color::Black => {}
                }
            } else {
                color[b] = Color::Black;
                stack.pop();
            }
        }
    }
    edges.sort_by_key(|e| (e.from, e.to));
    edges
}

/// The first instruction of every run of blocks no path from the main
/// entry reaches, following jumps, calls and function addresses.
fn unreachable(subprogs: &[Subprog], blocks: &[Block], pcs: &[usize]) -> Vec<CfgError> {
    let mut seen = vec![false; blocks.len()];
    let mut work = vec![0];
    seen[0] = true;
    while let Some(b) = work.pop() {
        let block = &blocks[b];
        let callees = subprogs[block.subprog]
            .calls
            .iter()
            .filter(|c| (block.first..=block.last).contains(&c.insn))
            .map(|c| subprogs[c.callee].blocks.start);
        for s in block.succs.iter().copied().chain(callees) {
            if !seen[s] {
                seen[s] = true;
                work.push(s);
            }
        }
    }
    let mut errors = Vec::new();
    for (b, block) in blocks.iter().enumerate() {
        let run_start = b == 0 || seen[b - 1] || blocks[b - 1].subprog != block.subprog;
        if !seen[b] && run_start {
            errors.push(CfgError::Unreachable {
                pc: pcs[block.first],
            });
        }
    }
    errors
}

/// Recursion and call depth, by DFS over the call graph from the main
/// program. Each offending call site is reported once.
fn check_call_graph(subprogs: &[Subprog], pcs: &[usize]) -> Vec<CfgError> {
    fn visit(
        s: usize,
        path: &mut Vec<usize>,
        subprogs: &[Subprog],
        pcs: &[usize],
        errors: &mut Vec<CfgError>,
    ) {
        path.push(s);
        for call in &subprogs[s].calls {
            let pc = pcs[call.insn];
            if path.contains(&call.callee) {
                let e = CfgError::RecursiveCall { pc };
                if !errors.contains(&e) {
                    errors.push(e);
                }
            } else if path.len() + 1 > MAX_CALL_FRAMES {
                let e = CfgError::CallStackTooDeep {
                    pc,
                    frames: path.len() + 1,
                };
                if !errors.contains(&e) {
                    errors.push(e);
                }
            } else {
                visit(call.callee, path, subprogs, pcs, errors);
            }
        }
        path.pop();
    }
    let mut errors = Vec::new();
    visit(0, &mut Vec::new(), subprogs, pcs, &mut errors);
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use quiver_isa::asm::{Syntax, assemble};

    fn program(text: &str) -> Program {
        Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap()
    }

    fn cfg(text: &str) -> Cfg {
        Cfg::build(&program(text)).unwrap()
    }

    fn errors(text: &str) -> Vec<String> {
        Cfg::build(&program(text))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// (first, last, succs) of every block.
    fn shape(cfg: &Cfg) -> Vec<(usize, usize, Vec<usize>)> {
        cfg.blocks()
            .iter()
            .map(|b| (b.first, b.last, b.succs.clone()))
            .collect()
    }

    #[test]
    fn straight_line_is_one_block() {
        let c = cfg("r0 = 0\nr1 = 1\nexit");
        assert_eq!(shape(&c), vec![(0, 2, vec![])]);
        assert_eq!(c.subprogs().len(), 1);
        assert!(c.back_edges().is_empty());
        assert_eq!(c.max_call_frames(), 1);
    }

    #[test]
    fn diamond_has_both_edges_and_preds() {
        let c = cfg("r0 = 0\n\
             if r1 == 0 goto L\n\
             r0 = 1\n\
             goto E\n\
             L:\n\
             r0 = 2\n\
             E:\n\
             exit");
        assert_eq!(
            shape(&c),
            vec![
                (0, 1, vec![1, 2]),
                (2, 3, vec![3]),
                (4, 4, vec![3]),
                (5, 5, vec![])
            ]
        );
        assert_eq!(c.blocks()[3].preds, vec![1, 2]);
        assert_eq!(c.block_of(3), 1);
        assert!(c.back_edges().is_empty());
    }

    #[test]
    fn jump_to_next_insn_has_one_edge() {
        let c = cfg("if r1 == 0 goto L\nL:\nr0 = 0\nexit");
        assert_eq!(shape(&c), vec![(0, 0, vec![1]), (1, 2, vec![])]);
    }

    #[test]
    fn ld_imm64_counts_two_slots() {
        let c = cfg("r1 = 1 ll\nif r1 == 0 goto L\nr0 = 1\nL:\nexit");
        assert_eq!(c.pc_of(1), 2);
        assert_eq!(
            shape(&c),
            vec![(0, 1, vec![1, 2]), (2, 2, vec![2]), (3, 3, vec![])]
        );
    }

    #[test]
    fn loop_back_edge_is_data() {
        let c = cfg("r0 = 0\n\
             L:\n\
             r0 += 1\n\
             if r0 < 10 goto L\n\
             exit");
        assert_eq!(c.back_edges(), &[BackEdge { from: 2, to: 1 }]);
        assert_eq!(
            shape(&c),
            vec![(0, 0, vec![1]), (1, 2, vec![2, 1]), (3, 3, vec![])]
        );
    }

    #[test]
    fn may_goto_has_both_edges() {
        let c = cfg("L:\nmay_goto E\nr0 = 1\ngoto L\nE:\nr0 = 0\nexit");
        assert_eq!(
            shape(&c),
            vec![(0, 0, vec![1, 2]), (1, 2, vec![0]), (3, 4, vec![])]
        );
        assert_eq!(c.back_edges(), &[BackEdge { from: 2, to: 0 }]);
    }

    #[test]
    fn two_level_calls_split_subprograms() {
        let c = cfg("call F\n\
             r0 = 0\n\
             exit\n\
             F:\n\
             call G\n\
             exit\n\
             G:\n\
             r0 = 1\n\
             exit");
        let spans: Vec<_> = c.subprogs().iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(spans, vec![(0, 3), (3, 5), (5, 7)]);
        assert_eq!(
            c.subprogs()[0].calls,
            vec![CallSite {
                insn: 0,
                callee: 1,
                kind: CallKind::Call
            }]
        );
        assert_eq!(c.subprogs()[1].calls[0].callee, 2);
        assert_eq!(c.subprog_of(4), 1);
        assert_eq!(c.subprog_of(6), 2);
        assert_eq!(c.max_call_frames(), 3);
        // Calls fall through: main is one block.
        assert_eq!(shape(&c)[0], (0, 2, vec![]));
        assert_eq!(c.subprogs()[2].blocks, 2..3);
    }

    #[test]
    fn func_address_starts_a_subprogram() {
        let c = cfg("r2 = func(CB) ll\n\
             r1 = 4\n\
             call 181\n\
             r0 = 0\n\
             exit\n\
             CB:\n\
             r0 = 0\n\
             exit");
        assert_eq!(c.subprogs().len(), 2);
        assert_eq!(c.subprogs()[1].start, 5);
        assert_eq!(c.subprogs()[0].calls[0].kind, CallKind::FuncAddress);
    }

    #[test]
    fn callx_falls_through() {
        let c = cfg("r1 = 0\ncallx r1\nexit");
        assert_eq!(shape(&c), vec![(0, 2, vec![])]);
    }

    #[test]
    fn jump_into_another_subprogram() {
        assert_eq!(
            errors("call F\nif r0 == 0 goto G\nexit\nF:\nG:\nr0 = 0\nexit"),
            vec!["jump out of range from insn 1 to 3"]
        );
    }

    #[test]
    fn subprogram_falling_into_the_next() {
        let e = Cfg::build(&program("call F\nr0 = 0\nF:\nr0 = 1\nexit")).unwrap_err();
        assert_eq!(e, vec![CfgError::LastInsnNotExit { pc: 1 }]);
        assert_eq!(e[0].to_string(), "last insn is not an exit or jmp");
    }

    #[test]
    fn unreachable_runs_reported_once() {
        assert_eq!(
            errors("goto L\nr0 = 1\nif r0 == 1 goto L\nL:\nr0 = 0\nexit\nr0 = 2\nexit"),
            vec!["unreachable insn 1", "unreachable insn 5"]
        );
    }

    #[test]
    fn uncalled_code_after_exit_is_unreachable() {
        // The callee of an unreachable call is unreachable too.
        assert_eq!(
            errors("r0 = 0\nexit\ncall F\nexit\nF:\nr0 = 0\nexit"),
            vec!["unreachable insn 2", "unreachable insn 4"]
        );
    }

    #[test]
    fn recursion_is_refused() {
        assert_eq!(
            errors("call F\nexit\nF:\nif r1 == 0 goto E\ncall F\nE:\nexit"),
            vec!["recursive call from insn 3"]
        );
        assert_eq!(
            errors("call F\nexit\nF:\ncall G\nexit\nG:\ncall F\nexit"),
            vec!["recursive call from insn 4"]
        );
    }

    #[test]
    fn eight_frames_pass_nine_do_not() {
        let chain = |n: usize| {
            let mut text = String::from("call F1\nexit\n");
            for k in 1..n {
                text.push_str(&format!("F{k}:\ncall F{}\nexit\n", k + 1));
            }
            text.push_str(&format!("F{n}:\nr0 = 0\nexit\n"));
            text
        };
        assert_eq!(cfg(&chain(7)).max_call_frames(), 8);
        let e = Cfg::build(&program(&chain(8))).unwrap_err();
        assert_eq!(e, vec![CfgError::CallStackTooDeep { pc: 14, frames: 9 }]);
        assert_eq!(e[0].to_string(), "the call stack of 9 frames is too deep");
    }

    #[test]
    fn errors_are_all_collected_in_pc_order() {
        assert_eq!(
            errors("call F\nif r0 == 0 goto G\nr0 = 0\nF:\nG:\nr0 = 0\nexit\nr0 = 1\nexit"),
            vec![
                "jump out of range from insn 1 to 3",
                "last insn is not an exit or jmp",
                "unreachable insn 5",
            ]
        );
    }
}
