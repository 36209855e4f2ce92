//! The abstract state of one path through the program: its call frames
//! (registers and stack each), the references it holds, and the
//! resources it is inside of (a spin lock, an RCU read section).

mod stack;
mod value;

pub use stack::{Byte, IterObj, ReadError, STACK_SIZE, Slot, Stack};
pub use value::{Ptr, Region, ScalarDisplay, Value};

use std::fmt;

use quiver_isa::Reg;

/// One call frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Frame {
    pub regs: [Value; Reg::COUNT],
    pub stack: Stack,
    /// First instruction of the subprogram running in this frame.
    pub entry: usize,
    /// Instruction index of the call that made this frame (none for the
    /// main program's).
    pub callsite: Option<usize>,
    /// When the frame runs a callback: what its r0 must be at exit, and
    /// whether returning repeats the registering call (`bpf_loop` calls
    /// its callback again and again).
    pub callback: Option<CallbackFrame>,
    /// Deepest stack byte used, rounded up to 8.
    pub depth: u32,
}

/// What is special about a frame that runs a callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallbackFrame {
    pub ret: (i64, i64),
    /// Whether the callback runs asynchronously (a timer, a work queue):
    /// its exit ends the path rather than returning to a caller.
    pub is_async: bool,
    /// For an async callback: whether it runs where it may sleep (a work
    /// queue's does, a timer's does not), whatever the program is.
    pub sleepable: bool,
}

impl Frame {
    /// A frame for a subprogram starting at `entry`, r10 pointing at the
    /// top of its stack.
    pub fn new(entry: usize, index: u8, callsite: Option<usize>) -> Frame {
        let mut regs: [Value; Reg::COUNT] = Default::default();
        regs[10] = Value::Ptr(Ptr::to(Region::Stack { frame: index }));
        Frame {
            regs,
            stack: Stack::new(),
            entry,
            callsite,
            callback: None,
            depth: 0,
        }
    }

    pub fn reg(&self, r: Reg) -> &Value {
        &self.regs[r.index() as usize]
    }

    pub fn set(&mut self, r: Reg, v: Value) {
        self.regs[r.index() as usize] = v;
    }
}

/// What kind of resource a reference stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// Memory or an object a call acquired, by the call's name.
    Acquired(String),
    /// An open-coded iterator.
    Iter,
}

/// A reference the path holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub id: u32,
    /// Instruction index of the acquiring call.
    pub insn: usize,
    pub kind: RefKind,
}

/// The abstract state of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub frames: Vec<Frame>,
    pub refs: Vec<Reference>,
    /// The spin lock held: (map index, offset of the lock in the value,
    /// id of the map value pointer it was taken through).
    pub lock: Option<(u32, i64, u32)>,
    /// Nesting of `bpf_rcu_read_lock` sections.
    pub rcu_depth: u32,
    /// `may_goto` instructions passed on this path (bounds its loops).
    pub may_goto_depth: u32,
    /// Callback iterations on this path (bounds `bpf_loop` exploration).
    pub callback_depth: u32,
}

impl State {
    /// The state at the main program's entry: r1 is `r1` (the context),
    /// r10 the frame pointer, the rest unwritten.
    pub fn entry(r1: Value) -> State {
        let mut frame = Frame::new(0, 0, None);
        frame.regs[1] = r1;
        State {
            frames: vec![frame],
            refs: Vec::new(),
            lock: None,
            rcu_depth: 0,
            may_goto_depth: 0,
            callback_depth: 0,
        }
    }

    pub fn cur(&self) -> &Frame {
        self.frames.last().expect("a state always has a frame")
    }

    pub fn cur_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("a state always has a frame")
    }

    /// Index of the current frame.
    pub fn frameno(&self) -> u8 {
        (self.frames.len() - 1) as u8
    }

    pub fn reg(&self, r: Reg) -> &Value {
        self.cur().reg(r)
    }

    pub fn set(&mut self, r: Reg, v: Value) {
        self.cur_mut().set(r, v);
    }

    /// Every value in every frame (registers and spilled slots), for
    /// updates that follow an identity (null checks, packet ranges,
    /// releases).
    pub fn for_each_value(&mut self, mut f: impl FnMut(&mut Value)) {
        for frame in &mut self.frames {
            for r in &mut frame.regs {
                f(r);
            }
            for slot in frame.stack.slots_mut() {
                if let Some(v) = &mut slot.spilled {
                    f(v);
                }
            }
        }
    }

    /// Adds a reference acquired at `insn`.
    pub fn acquire(&mut self, id: u32, insn: usize, kind: RefKind) {
        self.refs.push(Reference { id, insn, kind });
    }

    /// Drops reference `id`; false if the path does not hold it.
    pub fn release(&mut self, id: u32) -> bool {
        let before = self.refs.len();
        self.refs.retain(|r| r.id != id);
        if self.refs.len() == before {
            return false;
        }
        // Every copy of a released pointer becomes unusable.
        self.for_each_value(|v| {
            if let Value::Ptr(p) = v
                && p.ref_id == id
            {
                *v = Value::unknown();
            }
        });
        true
    }
}

impl fmt::Display for State {
    /// Linux's state line: `R1=ctx() R10=fp0 fp-8=mmmmmmmm`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.frames.len() - 1;
        for (n, frame) in self.frames.iter().enumerate() {
            if last > 0 {
                if n > 0 {
                    write!(f, " ")?;
                }
                write!(f, "frame{n}:")?;
            }
            let mut first = true;
            for (i, v) in frame.regs.iter().enumerate() {
                if !v.is_init() {
                    continue;
                }
                if !first || (last > 0) {
                    write!(f, " ")?;
                }
                first = false;
                write!(f, "R{i}={v}")?;
            }
            for (i, slot) in frame.stack.slots().iter().enumerate() {
                let off = -8 * (i as i64 + 1);
                if let Some(v) = &slot.spilled {
                    write!(f, " fp{off}={v}")?;
                    continue;
                }
                if slot.bytes.iter().all(|b| *b == Byte::Invalid) {
                    continue;
                }
                let marks: String = slot
                    .bytes
                    .iter()
                    .rev()
                    .map(|b| match b {
                        Byte::Invalid => '?',
                        Byte::Misc => 'm',
                        Byte::Zero => '0',
                        Byte::Spill => 'r',
                        Byte::Iter => 'i',
                    })
                    .collect();
                write!(f, " fp{off}={marks}")?;
            }
        }
        Ok(())
    }
}
