//! The transfer function of every instruction over a path's [`State`]:
//! check what the instruction needs (the assertions of
//! [`crate::assertions`], evaluated on the state), then compute the state
//! after it. One file per instruction family.

mod alu;
mod call;
mod jump;
mod mem;

use std::collections::{BTreeMap, BTreeSet};

use quiver_isa::{Insn, Program, Reg};

use crate::cfg::Cfg;
use crate::error::{Check, ErrorKind, VerifyError};
use crate::host::{Host, ProgramType};
use crate::precision::Need;
use crate::state::{State, Value};
use crate::verify::{Facts, Input, MapInfo, Options};

/// Where a path goes after an instruction.
#[derive(Debug)]
pub(crate) enum Flow {
    /// On to this instruction index.
    Next(usize),
    /// The path ended (the main program or an async callback returned).
    End,
}

/// Everything the transfer functions read, and what they record.
pub(crate) struct Checker<'a> {
    pub host: &'a Host,
    pub ptype: &'a ProgramType,
    pub program: &'a Program,
    /// The program's structure (subprograms, for frames).
    #[allow(dead_code)]
    pub cfg: &'a Cfg,
    pub maps: &'a [MapInfo],
    pub kfuncs: &'a BTreeMap<i32, String>,
    pub sleepable: bool,
    pub func_info: bool,
    pub global_funcs: &'a [(usize, u32)],
    pub opts: Options,
    /// Next identity for pointers and references.
    next_id: u32,
    pub facts: Facts,
    /// Deepest stack use seen per subprogram entry.
    pub stack_depth: BTreeMap<usize, u32>,
    /// Branch paths a transfer function created, with where they start,
    /// for the explorer to queue (Linux's `push_stack`).
    pub pushed: Vec<(State, usize)>,
    /// Which of `pushed` starts afresh (an async callback): nothing of
    /// the path flows into it.
    pub detached: Option<usize>,
    /// Numbers the instruction's checks depended on, as they were before
    /// it: the explorer marks them precise back along the path.
    pub needs: Vec<Need>,
    /// The stack slot a fixed-offset access of the instruction touched,
    /// (frame, slot), for the path's history.
    pub last_stack: Option<(u8, u8)>,
    /// A store wrote zero bytes (not a spill) because of the stored value.
    stored_zero: bool,
}

impl<'a> Checker<'a> {
    pub fn new(
        host: &'a Host,
        ptype: &'a ProgramType,
        cfg: &'a Cfg,
        input: &Input<'a>,
        opts: Options,
    ) -> Self {
        let n = input.program.insns().len();
        Checker {
            host,
            ptype,
            program: input.program,
            cfg,
            maps: input.maps,
            kfuncs: input.kfuncs,
            sleepable: input.sleepable,
            func_info: input.func_info,
            global_funcs: input.global_funcs,
            opts,
            next_id: 0,
            facts: Facts {
                reached: vec![false; n],
                call_constants: BTreeMap::new(),
                call_maps: BTreeMap::new(),
                map_values_to_calls: BTreeSet::new(),
                max_ctx_access: 0,
            },
            stack_depth: BTreeMap::new(),
            pushed: Vec::new(),
            detached: None,
            needs: Vec::new(),
            last_stack: None,
            stored_zero: false,
        }
    }

    /// A fresh identity.
    pub fn new_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    pub fn pc(&self, insn: usize) -> usize {
        self.program.pc_of(insn)
    }

    pub fn err(&self, insn: usize, kind: ErrorKind, msg: impl Into<String>) -> VerifyError {
        VerifyError::new(insn, kind, msg)
    }

    /// The value of `r`, which must have been written (Linux: `R2
    /// !read_ok`).
    pub fn read(&self, st: &State, insn: usize, r: Reg) -> Check<Value> {
        let v = st.reg(r);
        if !v.is_init() {
            return Err(self
                .err(
                    insn,
                    ErrorKind::UninitRegister,
                    format!("R{} !read_ok", r.index()),
                )
                .hint(format!(
                    "r{} is read before anything is written to it on this path; set it first",
                    r.index()
                )));
        }
        Ok(v.clone())
    }

    /// Writes `r`, refusing r10 (Linux: "frame pointer is read only").
    pub fn write(&self, st: &mut State, insn: usize, r: Reg, v: Value) -> Check {
        if r == Reg::R10 {
            return Err(self
                .err(insn, ErrorKind::MemoryAccess, "frame pointer is read only")
                .hint("copy r10 to another register and change that one"));
        }
        st.set(r, v);
        Ok(())
    }

    /// Records that a decision depended on the number in `r` (of the
    /// current frame), as it is before the instruction.
    pub fn need_reg(&mut self, st: &State, r: Reg) {
        self.needs.push(Need::Reg {
            frame: st.frameno(),
            reg: r.index(),
        });
    }

    /// Records that a decision depended on the number spilled in `slot`
    /// of `frame`.
    pub fn need_slot(&mut self, frame: u8, slot: usize) {
        self.needs.push(Need::Slot {
            frame,
            slot: slot as u8,
        });
    }

    /// Runs instruction `insn` on `st`.
    pub fn step(&mut self, st: &mut State, insn: usize) -> Check<Flow> {
        self.facts.reached[insn] = true;
        self.last_stack = None;
        let next = Flow::Next(insn + 1);
        match *self.program.insns().get(insn).ok_or_else(|| {
            self.err(
                insn,
                ErrorKind::Structure,
                format!("invalid insn idx {insn}"),
            )
        })? {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => self.alu(st, insn, width, op, dst, src).map(|_| next),
            Insn::Neg { width, dst } => self.neg(st, insn, width, dst).map(|_| next),
            Insn::MovSx {
                width,
                dst,
                src,
                bits,
            } => self.movsx(st, insn, width, dst, src, bits).map(|_| next),
            Insn::Endian { order, bits, dst } => {
                self.endian(st, insn, order, bits, dst).map(|_| next)
            }
            Insn::LoadImm64 { dst, pseudo, imm } => {
                self.load_imm64(st, insn, dst, pseudo, imm).map(|_| next)
            }
            Insn::Load {
                size,
                sign_extend,
                dst,
                src,
                off,
            } => self
                .load(st, insn, size, sign_extend, dst, src, off)
                .map(|_| next),
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => self.store(st, insn, size, dst, off, src).map(|_| next),
            Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            } => self.atomic(st, insn, size, op, dst, src, off).map(|_| next),
            Insn::LoadPacket { mode, size, .. } => {
                self.load_packet(st, insn, mode, size).map(|_| next)
            }
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                ..
            } => self.jump(st, insn, width, cond, dst, src),
            Insn::Ja { .. } => Ok(Flow::Next(self.target(insn))),
            Insn::MayGoto { .. } => self.may_goto(st, insn),
            Insn::Call(target) => self.call(st, insn, target),
            Insn::Callx { reg, .. } => self.callx(st, insn, reg),
            Insn::Exit => self.exit(st, insn),
        }
    }

    /// The instruction index a jump at `insn` goes to.
    pub fn target(&self, insn: usize) -> usize {
        // The cfg checked every branch target.
        self.program.branch_target(insn).unwrap_or(insn + 1)
    }
}
