//! Hooks: the places a host runs programs from, and whether those places
//! may block.
//!
//! A sleepable program may call host functions that block (I/O, waiting
//! for a device), so it may only run where blocking is allowed: a hook
//! declared [`Hook::sleepable`]. A non-sleepable hook is a path that must
//! not block (an event loop, an input thread); attaching a sleepable
//! program there is refused. Non-sleepable programs run anywhere.
//!
//! Attach and detach are safe while other threads run the hook: the list
//! of programs is RCU-protected (see [`quiver_rcu`]); a run sees the list
//! as it was when it started, and a detached program stays alive until
//! the runs that may hold it end.

use std::sync::{Arc, Mutex};

use quiver_rcu::{RcuCell, global};
use quiver_vm::RunInput;

use crate::error::Error;
use crate::program::{Program, ProgramCore};

/// A place programs attach to and run from.
pub struct Hook {
    name: String,
    may_sleep: bool,
    programs: RcuCell<'static, Vec<Arc<ProgramCore>>>,
    update: Mutex<()>,
}

impl Hook {
    /// A hook on a path that may block: sleepable and non-sleepable
    /// programs attach.
    pub fn sleepable(name: impl Into<String>) -> Hook {
        Hook::new(name.into(), true)
    }

    /// A hook on a path that must not block: only non-sleepable programs
    /// attach.
    pub fn non_sleepable(name: impl Into<String>) -> Hook {
        Hook::new(name.into(), false)
    }

    fn new(name: String, may_sleep: bool) -> Hook {
        Hook {
            name,
            may_sleep,
            programs: RcuCell::new(global(), Some(Arc::new(Vec::new()))),
            update: Mutex::new(()),
        }
    }

    /// The hook's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether programs run from here may block.
    pub fn may_sleep(&self) -> bool {
        self.may_sleep
    }

    fn err(&self, program: &Program, message: impl Into<String>) -> Error {
        Error::Attach {
            hook: self.name.clone(),
            program: program.name().to_string(),
            message: message.into(),
        }
    }

    fn update(
        &self,
        f: impl FnOnce(&mut Vec<Arc<ProgramCore>>) -> Result<(), String>,
        program: &Program,
    ) -> Result<(), Error> {
        let _g = self.update.lock().unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<Arc<ProgramCore>> = {
            let section = quiver_rcu::pin();
            section
                .as_ref()
                .and_then(|s| self.programs.load(s))
                .cloned()
                .unwrap_or_default()
        };
        f(&mut list).map_err(|m| self.err(program, m))?;
        self.programs.replace(Some(Arc::new(list)));
        Ok(())
    }

    /// Attaches `program` after the ones already attached.
    pub fn attach(&self, program: &Program) -> Result<(), Error> {
        if program.sleepable() && !self.may_sleep {
            return Err(self.err(
                program,
                "a sleepable program cannot attach to a hook that must not block (attach it to a sleepable hook, or load it without `.s`)",
            ));
        }
        let core = program.core().clone();
        self.update(
            |list| {
                if list.iter().any(|p| Arc::ptr_eq(p, &core)) {
                    return Err("already attached".into());
                }
                list.push(core);
                Ok(())
            },
            program,
        )
    }

    /// Detaches `program`; runs in progress finish with it.
    pub fn detach(&self, program: &Program) -> Result<(), Error> {
        let core = program.core().clone();
        self.update(
            |list| {
                let before = list.len();
                list.retain(|p| !Arc::ptr_eq(p, &core));
                if list.len() == before {
                    return Err("not attached".into());
                }
                Ok(())
            },
            program,
        )
    }

    /// Names of the attached programs, in run order.
    pub fn attached(&self) -> Vec<String> {
        let Some(section) = quiver_rcu::pin() else {
            return Vec::new();
        };
        self.programs
            .load(&section)
            .map(|l| l.iter().map(|p| p.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Runs every attached program on `ctx`, in order, each seeing what
    /// the previous one left; returns their results.
    pub fn run_context(&self, ctx: &mut [u8]) -> Result<Vec<u64>, Error> {
        let Some(section) = quiver_rcu::pin() else {
            return Ok(Vec::new());
        };
        let Some(list) = self.programs.load(&section) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(list.len());
        for p in list.iter() {
            let r0 = p.run(&mut RunInput::new().context(&mut *ctx))?;
            out.push(r0);
        }
        Ok(out)
    }
}
