//! Host functions a program calls: helpers by id, kfuncs by BTF id.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{HelperError, MemoryError, VmError};
use crate::memory::{Memory, Region};
use crate::vm::Vm;
use quiver_rcu::Borrowed;

/// A helper or kfunc: called with `r1`..`r5`, its `Ok` value becomes `r0`.
pub type HelperFn =
    Arc<dyn Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync>;

/// One registered function.
#[derive(Clone)]
pub struct Helper {
    id: u32,
    name: Cow<'static, str>,
    func: HelperFn,
}

impl Helper {
    /// A function with its id and name, outside any table (see
    /// [`Config::bind_call`](crate::Config::bind_call)).
    pub fn new<F>(id: u32, name: impl Into<Cow<'static, str>>, f: F) -> Helper
    where
        F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    {
        Helper {
            id,
            name: name.into(),
            func: Arc::new(f),
        }
    }

    /// The helper id or kfunc BTF id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The name used in error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn func(&self) -> &HelperFn {
        &self.func
    }
}

impl fmt::Debug for Helper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.name, self.id)
    }
}

/// Functions by numeric id, shared by [`Helpers`] and [`Kfuncs`].
#[derive(Clone, Default)]
struct Table(BTreeMap<u32, Helper>);

impl Table {
    fn insert<F>(&mut self, id: u32, name: impl Into<Cow<'static, str>>, f: F)
    where
        F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    {
        let helper = Helper {
            id,
            name: name.into(),
            func: Arc::new(f),
        };
        self.0.insert(id, helper);
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.values()).finish()
    }
}

macro_rules! table_api {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// An empty table.
            pub fn new() -> Self {
                Self::default()
            }

            #[doc = concat!("Registers `f` as the ", $what, " `id`, replacing any previous one.")]
            pub fn register<F>(
                &mut self,
                id: u32,
                name: impl Into<Cow<'static, str>>,
                f: F,
            ) -> &mut Self
            where
                F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError>
                    + Send
                    + Sync
                    + 'static,
            {
                self.table.insert(id, name, f);
                self
            }

            /// [`register`](Self::register) in builder style.
            pub fn with<F>(mut self, id: u32, name: impl Into<Cow<'static, str>>, f: F) -> Self
            where
                F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError>
                    + Send
                    + Sync
                    + 'static,
            {
                self.table.insert(id, name, f);
                self
            }

            #[doc = concat!("The ", $what, " registered as `id`.")]
            pub fn get(&self, id: u32) -> Option<&Helper> {
                self.table.0.get(&id)
            }

            /// Every entry, by increasing id.
            pub fn iter(&self) -> impl Iterator<Item = &Helper> {
                self.table.0.values()
            }

            /// Number of entries.
            pub fn len(&self) -> usize {
                self.table.0.len()
            }

            /// Whether the table is empty.
            pub fn is_empty(&self) -> bool {
                self.table.0.is_empty()
            }
        }
    };
}

/// The helper table: functions a program calls with `call <id>` (and
/// `callx` with the id in a register).
#[derive(Clone, Default, Debug)]
pub struct Helpers {
    table: Table,
}

table_api!(Helpers, "helper");

impl Helpers {
    /// The helpers of the bpf_conformance test suite: helper 5, "unwind",
    /// returns its first argument and, when that is 0, stops the program
    /// with `r0 = 0`.
    pub fn conformance() -> Self {
        Helpers::new().with(5, "unwind", |ctx, args| {
            if args[0] == 0 {
                ctx.stop(0);
            }
            Ok(args[0])
        })
    }
}

/// The kfunc table: functions a program calls by BTF id (`call` with
/// `src = 2`). The module BTF index (`off`) is not part of the key.
#[derive(Clone, Default, Debug)]
pub struct Kfuncs {
    table: Table,
}

table_api!(Kfuncs, "kfunc");

/// What a helper asks the running program to call.
pub(crate) enum Callee<'v> {
    /// A subprogram of the calling program, by the address `LD_IMM64` gave.
    Function(u64),
    /// Another program, from its first instruction.
    Program(&'v Vm),
}

/// Runs a callee in a new frame of the calling run (for callbacks and
/// calls through a prog array).
pub(crate) type CallbackFn<'a> =
    dyn for<'v> FnMut(&mut Memory, Callee<'v>, [u64; 5]) -> Result<u64, VmError> + 'a;

/// What the program does once the helper returns, besides going on.
pub(crate) enum After {
    Stop(u64),
    TailCall(Borrowed<Vm>),
}

/// What a helper sees of the running program.
pub struct HelperContext<'a> {
    mem: &'a mut Memory,
    pc: usize,
    after: Option<After>,
    callback: Option<&'a mut CallbackFn<'a>>,
}

impl<'a> HelperContext<'a> {
    pub(crate) fn new(
        mem: &'a mut Memory,
        pc: usize,
        callback: Option<&'a mut CallbackFn<'a>>,
    ) -> Self {
        HelperContext {
            mem,
            pc,
            after: None,
            callback,
        }
    }

    /// Calls a subprogram of the running program, given the address a
    /// program loaded for it (`LD_IMM64` of a function, as `bpf_loop`'s
    /// callback argument), with `args` in r1..r5, in a new frame; returns
    /// its r0. Fails when `func` is not a function of this program or the
    /// call would exceed the frame limit.
    pub fn call_function(&mut self, func: u64, args: [u64; 5]) -> Result<u64, HelperError> {
        let cb = self
            .callback
            .as_mut()
            .ok_or_else(|| HelperError::msg("no program to call back into"))?;
        cb(self.mem, Callee::Function(func), args).map_err(|e| HelperError::Callback(Box::new(e)))
    }

    /// Runs `program` from its first instruction as a function of the
    /// running program: same memory (context, packet, regions), a new stack
    /// frame, the same instruction budget and tail-call count; returns its
    /// r0. Fails with [`HelperError::FrameLimit`] when no frame is left.
    /// `program` runs in its own memory mode; its global data must already
    /// be reachable (see [`add_region`](Self::add_region)).
    pub fn call_program(&mut self, program: &Vm, args: [u64; 5]) -> Result<u64, HelperError> {
        let cb = self
            .callback
            .as_mut()
            .ok_or_else(|| HelperError::msg("no program to call back into"))?;
        cb(self.mem, Callee::Program(program), args).map_err(|e| match e {
            VmError::CallDepthExceeded { .. } => HelperError::FrameLimit,
            e => HelperError::Callback(Box::new(e)),
        })
    }

    /// Asks for a tail call: once the helper returns, the calling frame is
    /// replaced by `program`, run from its first instruction with the same
    /// r1..r5, and its r0 is what the calling frame returns. The run
    /// allows [`MAX_TAIL_CALL_CNT`](crate::MAX_TAIL_CALL_CNT) tail calls;
    /// past them the request is dropped and the caller goes on after the
    /// call with the helper's return value, as Linux does. Replaces an
    /// earlier [`stop`](Self::stop).
    pub fn tail_call(&mut self, program: Borrowed<Vm>) {
        self.after = Some(After::TailCall(program));
    }

    pub(crate) fn take_after(&mut self) -> Option<After> {
        self.after.take()
    }

    /// Slot index of the calling instruction.
    pub fn pc(&self) -> usize {
        self.pc
    }

    /// Copies `buf.len()` bytes of program memory at `addr` into `buf`,
    /// checked against the regions and live stack of the run (also when the
    /// program itself runs unchecked).
    pub fn read_bytes(&self, addr: u64, buf: &mut [u8]) -> Result<(), MemoryError> {
        self.mem.read_bytes(addr, buf)
    }

    /// [`read_bytes`](Self::read_bytes) into a new vector of `len` bytes.
    pub fn read_vec(&self, addr: u64, len: usize) -> Result<Vec<u8>, MemoryError> {
        let mut v = vec![0; len];
        self.mem.read_bytes(addr, &mut v)?;
        Ok(v)
    }

    /// Copies `data` into program memory at `addr`, checked like
    /// [`read_bytes`](Self::read_bytes); the target must be writable.
    pub fn write_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.mem.write_bytes(addr, data)
    }

    /// How many bytes of program memory follow `addr` in the region that
    /// holds it (None: no region holds it), e.g. to check that a context
    /// is large enough for a program a helper is about to enter.
    pub fn bytes_at(&self, addr: u64) -> Option<u64> {
        self.mem.bytes_at(addr)
    }

    /// The 4-byte atomic at `addr` (for host-side locks in program memory,
    /// e.g. a `bpf_spin_lock`); checked like
    /// [`write_bytes`](Self::write_bytes) and for 4-byte alignment.
    pub fn atomic_u32(&self, addr: u64) -> Result<&std::sync::atomic::AtomicU32, MemoryError> {
        self.mem.atomic_u32(addr)
    }

    /// Makes `region` accessible to the program for the rest of the run and
    /// returns its address, e.g. to return a pointer to a map value.
    pub fn add_region(&mut self, region: Region) -> u64 {
        self.mem.push_region(region)
    }

    /// Ends the program as soon as the helper returns, with `r0` as its
    /// result (the helper's own return value is then ignored).
    pub fn stop(&mut self, r0: u64) {
        self.after = Some(After::Stop(r0));
    }
}
