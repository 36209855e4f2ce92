//! The host's registry of a struct_ops type: implementations attached per
//! device, in order, and the dispatcher that delivers a call to them.
//!
//! Every attach, detach or update rebuilds a [`Table`]: the devices with
//! something attached, sorted, each with its implementations in order, and
//! swaps it in through an RCU cell, so a caller inside the old table
//! finishes on it (and on the programs it held) while new callers see the
//! new one. The first [`DISPATCH_CAPACITY`] devices are found by binary
//! search in one flat array and each program is called directly through
//! its entry point; devices beyond that go through a hash map of boxed
//! calls (the indirect fallback).
//!
//! With the JIT, the first delivery through a table compiles its direct
//! part as native code ([`quiver_vm::Dispatcher`]): the device search
//! becomes compares against constants and each program a call straight
//! into its JIT code. Programs the generated code cannot run alone (no
//! JIT code, or global data the run must carry) stay on the Rust path.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use quiver_rcu::{RcuCell, global};
use quiver_vm::{DispatchRoute, Dispatcher, RunInput};

use super::decl::StructOpsType;
use super::load::Implementation;
use crate::error::Error;
use crate::program::ProgramCore;

/// Puts a new implementation before the others of its device (Linux's
/// `BPF_F_BEFORE`).
pub const BPF_F_BEFORE: u32 = 1 << 3;

/// Devices the direct part of a dispatcher holds.
pub const DISPATCH_CAPACITY: usize = 64;

type Indirect = Arc<dyn Fn(RunInput<'_>) -> Result<u64, Error> + Send + Sync>;

/// One device's implementations, and per callback their programs in order.
struct Entry {
    impls: Box<[Arc<Implementation>]>,
    /// `programs[callback]`: the programs to call, in order.
    programs: Box<[Box<[Arc<ProgramCore>]>]>,
}

/// What callers read: a snapshot of the attachments.
#[derive(Default)]
struct Table {
    devices: Box<[u64]>,
    entries: Box<[Entry]>,
    /// Devices past the capacity: boxed calls per callback.
    overflow: HashMap<u64, Box<[Box<[Indirect]>]>>,
    overflow_impls: HashMap<u64, Box<[Arc<Implementation>]>>,
    /// The direct part as native code, compiled by the first delivery
    /// (bulk attaches compile nothing); None without JIT programs.
    native: OnceLock<Option<Dispatcher>>,
}

impl Table {
    fn native(&self) -> Option<&Dispatcher> {
        self.native
            .get_or_init(|| {
                let routes: Vec<DispatchRoute<'_>> = self
                    .devices
                    .iter()
                    .zip(&self.entries)
                    .map(|(&key, e)| DispatchRoute {
                        key,
                        callbacks: e
                            .programs
                            .iter()
                            .map(|ps| ps.iter().map(|p| p.dispatch_target()).collect())
                            .collect(),
                    })
                    .collect();
                // SAFETY: the targets live in the table's programs, which
                // the table holds as long as the dispatcher (its field),
                // and `dispatch_target` names only programs that run
                // without regions of the host's.
                match unsafe { Dispatcher::compile(&routes) } {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!("struct_ops: no native dispatcher ({e}); calls stay direct");
                        None
                    }
                }
            })
            .as_ref()
    }
}

/// A registry of implementations of one struct_ops type.
pub struct StructOps {
    ty: Arc<StructOpsType>,
    capacity: usize,
    attached: Mutex<BTreeMap<u64, Vec<Arc<Implementation>>>>,
    table: RcuCell<'static, Table>,
}

impl std::fmt::Debug for StructOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StructOps")
            .field("type", &self.ty.name)
            .finish()
    }
}

/// An attachment; detach it, or swap its implementation, through it.
#[derive(Debug)]
pub struct Link {
    ops: Arc<StructOps>,
    imp: Arc<Implementation>,
}

impl StructOps {
    /// A registry for `ty`; give it to the loaders of objects that
    /// implement the type ([`Loader::struct_ops`](crate::Loader::struct_ops)).
    pub fn new(ty: StructOpsType) -> Arc<StructOps> {
        StructOps::with_dispatch_capacity(ty, DISPATCH_CAPACITY)
    }

    /// A registry whose dispatcher calls directly into the first
    /// `capacity` devices' programs (0: every call goes through the boxed,
    /// indirect path).
    pub fn with_dispatch_capacity(ty: StructOpsType, capacity: usize) -> Arc<StructOps> {
        Arc::new(StructOps {
            ty: Arc::new(ty),
            capacity,
            attached: Mutex::new(BTreeMap::new()),
            table: RcuCell::new(global(), Some(Arc::new(Table::default()))),
        })
    }

    /// The type.
    pub fn struct_ops_type(&self) -> &Arc<StructOpsType> {
        &self.ty
    }

    fn err(&self, imp: &Implementation, message: impl Into<String>) -> Error {
        Error::StructOps {
            var: imp.var.clone(),
            message: message.into(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Vec<Arc<Implementation>>>> {
        self.attached.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Attaches `imp` to its device: after the others, or first with
    /// [`BPF_F_BEFORE`]. Refused past the type's per-device limit, twice,
    /// or for another type.
    pub fn attach(self: &Arc<Self>, imp: &Arc<Implementation>, flags: u32) -> Result<Link, Error> {
        if !Arc::ptr_eq(&imp.ty, &self.ty) && imp.ty.name != self.ty.name {
            return Err(self.err(
                imp,
                format!("implements {}, not {}", imp.ty.name, self.ty.name),
            ));
        }
        if flags & !BPF_F_BEFORE != 0 {
            return Err(self.err(imp, format!("unknown attach flags {flags:#x}")));
        }
        let mut attached = self.lock();
        let list = attached.entry(imp.device).or_default();
        if list.iter().any(|i| Arc::ptr_eq(i, imp)) {
            return Err(self.err(imp, "already attached"));
        }
        if list.len() >= self.ty.limit {
            return Err(self.err(
                imp,
                format!(
                    "device {} already has {} {} implementations attached (the limit)",
                    imp.device, self.ty.limit, self.ty.name
                ),
            ));
        }
        if let Some(reg) = &self.ty.reg {
            reg(imp)
                .map_err(|why| self.err(imp, format!("the host refuses to attach it: {why}")))?;
        }
        if flags & BPF_F_BEFORE != 0 {
            list.insert(0, imp.clone());
        } else {
            list.push(imp.clone());
        }
        self.publish(&attached);
        Ok(Link {
            ops: self.clone(),
            imp: imp.clone(),
        })
    }

    fn publish(&self, attached: &BTreeMap<u64, Vec<Arc<Implementation>>>) {
        let ncb = self.ty.callbacks().count();
        let mut t = Table::default();
        let mut devices = Vec::new();
        let mut entries = Vec::new();
        for (&dev, impls) in attached.iter().filter(|(_, l)| !l.is_empty()) {
            let programs: Box<[Box<[Arc<ProgramCore>]>]> = (0..ncb)
                .map(|cb| {
                    impls
                        .iter()
                        .filter_map(|i| i.program(cb).cloned())
                        .collect()
                })
                .collect();
            if devices.len() < self.capacity {
                devices.push(dev);
                entries.push(Entry {
                    impls: impls.clone().into_boxed_slice(),
                    programs,
                });
            } else {
                let calls = programs
                    .iter()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                let p = p.clone();
                                Arc::new(move |mut input: RunInput<'_>| p.run(&mut input))
                                    as Indirect
                            })
                            .collect()
                    })
                    .collect();
                t.overflow.insert(dev, calls);
                t.overflow_impls
                    .insert(dev, impls.clone().into_boxed_slice());
            }
        }
        t.devices = devices.into_boxed_slice();
        t.entries = entries.into_boxed_slice();
        self.table.replace(Some(Arc::new(t)));
    }

    fn remove(&self, imp: &Arc<Implementation>) -> Result<(), Error> {
        let mut attached = self.lock();
        let list = attached.entry(imp.device).or_default();
        let before = list.len();
        list.retain(|i| !Arc::ptr_eq(i, imp));
        if list.len() == before {
            return Err(self.err(imp, "not attached"));
        }
        if list.is_empty() {
            attached.remove(&imp.device);
        }
        self.publish(&attached);
        drop(attached);
        self.unregistered(imp);
        Ok(())
    }

    fn unregistered(&self, imp: &Implementation) {
        if let Some(unreg) = &self.ty.unreg
            && let Err(why) = unreg(imp)
        {
            tracing::warn!("struct_ops {}: unreg hook: {why}", imp.var);
        }
    }

    fn swap(&self, old: &Arc<Implementation>, new: &Arc<Implementation>) -> Result<(), Error> {
        if new.device != old.device || new.ty.name != old.ty.name {
            return Err(self.err(
                new,
                format!("cannot replace {}: another device or type", old.var),
            ));
        }
        let mut attached = self.lock();
        let list = attached.entry(old.device).or_default();
        if list.iter().any(|i| Arc::ptr_eq(i, new)) {
            return Err(self.err(new, "already attached"));
        }
        let slot = list
            .iter_mut()
            .find(|i| Arc::ptr_eq(i, old))
            .ok_or_else(|| self.err(old, "not attached"))?;
        if let Some(reg) = &self.ty.reg {
            reg(new)
                .map_err(|why| self.err(new, format!("the host refuses to attach it: {why}")))?;
        }
        *slot = new.clone();
        self.publish(&attached);
        drop(attached);
        self.unregistered(old);
        Ok(())
    }

    /// Names of the implementations attached to `device`, in call order.
    pub fn attached(&self, device: u64) -> Vec<String> {
        self.lock()
            .get(&device)
            .map(|l| l.iter().map(|i| i.var.clone()).collect())
            .unwrap_or_default()
    }

    /// Delivers a call of callback `index` to `device`: `f` gets the
    /// programs attached there, in order, to run as the host's policy
    /// chains them (each on the same buffer, stopping early...). The whole
    /// delivery is one read section: attaching or detaching meanwhile
    /// takes effect for the next delivery, and nothing `f` runs is freed
    /// under it.
    pub fn dispatch<R>(&self, device: u64, index: usize, f: impl FnOnce(&Delivery<'_>) -> R) -> R {
        let section = quiver_rcu::pin();
        let table = section.as_ref().and_then(|s| self.table.load(s));
        let reach = match table {
            None => Reach::Empty,
            Some(t) => match t.devices.binary_search(&device) {
                Ok(pos) => t.entries[pos]
                    .programs
                    .get(index)
                    .map_or(Reach::Empty, |p| Reach::Direct {
                        programs: p,
                        native: t.native().map(|d| (d, device, index)),
                    }),
                Err(_) => t
                    .overflow
                    .get(&device)
                    .and_then(|c| c.get(index))
                    .map_or(Reach::Empty, |c| Reach::Indirect(c)),
            },
        };
        f(&Delivery(reach))
    }

    /// Calls callback `index` of everything attached to `device`, in
    /// order, each with `args` as its context; returns their results.
    pub fn call(&self, device: u64, index: usize, args: &[u64]) -> Result<Vec<u64>, Error> {
        let bytes: Vec<u8> = args.iter().flat_map(|a| a.to_le_bytes()).collect();
        self.dispatch(device, index, |d| {
            (0..d.len())
                .map(|i| d.run(i, RunInput::new().context_readonly(&bytes)))
                .collect()
        })
    }

    /// The implementations attached to `device`, in order (a snapshot).
    pub fn implementations(&self, device: u64) -> Vec<Arc<Implementation>> {
        let Some(section) = quiver_rcu::pin() else {
            return Vec::new();
        };
        let Some(table) = self.table.load(&section) else {
            return Vec::new();
        };
        if let Ok(pos) = table.devices.binary_search(&device) {
            return table.entries[pos].impls.to_vec();
        }
        table
            .overflow_impls
            .get(&device)
            .map(|l| l.to_vec())
            .unwrap_or_default()
    }
}

/// The programs one delivery reaches (see [`StructOps::dispatch`]).
pub struct Delivery<'t>(Reach<'t>);

enum Reach<'t> {
    /// Nothing attached.
    Empty,
    /// Within the dispatcher's capacity: entry points called directly,
    /// through the native dispatcher where there is one (with the
    /// device and callback it routes by).
    Direct {
        programs: &'t [Arc<ProgramCore>],
        native: Option<(&'t Dispatcher, u64, usize)>,
    },
    /// Beyond it: boxed calls.
    Indirect(&'t [Indirect]),
}

impl Delivery<'_> {
    /// Whether the programs are called directly (the device is within the
    /// dispatcher's capacity) rather than through boxed calls.
    pub fn is_direct(&self) -> bool {
        matches!(self.0, Reach::Direct { .. })
    }

    /// Whether the programs are reached through the generated native
    /// dispatcher (those it can run alone; see the module doc).
    pub fn is_native(&self) -> bool {
        matches!(
            self.0,
            Reach::Direct {
                native: Some(_),
                ..
            }
        )
    }

    /// How many programs.
    pub fn len(&self) -> usize {
        match &self.0 {
            Reach::Empty => 0,
            Reach::Direct { programs, .. } => programs.len(),
            Reach::Indirect(c) => c.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs program `i` on `input`.
    pub fn run(&self, i: usize, mut input: RunInput<'_>) -> Result<u64, Error> {
        match &self.0 {
            Reach::Direct { programs, native } => {
                let p = programs
                    .get(i)
                    .ok_or_else(|| Error::NoProgram(format!("delivery program {i}")))?;
                // A program the dispatcher leaves to the host (one with
                // global data) is not worth a run's set-up to find out.
                if let Some((d, device, index)) = native
                    && p.dispatch_target().is_some()
                    && let Some(r) = d.run(*device, *index, i, &mut input)
                {
                    return r.map_err(|source| p.run_error(source));
                }
                p.run(&mut input)
            }
            Reach::Indirect(c) => {
                let c = c
                    .get(i)
                    .ok_or_else(|| Error::NoProgram(format!("delivery program {i}")))?;
                c(input)
            }
            Reach::Empty => Err(Error::NoProgram(format!("delivery program {i}"))),
        }
    }
}

impl Link {
    /// The implementation attached.
    pub fn implementation(&self) -> &Arc<Implementation> {
        &self.imp
    }

    /// Detaches it; calls in progress finish with it.
    pub fn detach(self) -> Result<(), Error> {
        self.ops.remove(&self.imp)
    }

    /// Replaces the implementation with `new` (same type and device) in
    /// its place in the order, atomically: every call sees one or the
    /// other.
    pub fn update(&mut self, new: &Arc<Implementation>) -> Result<(), Error> {
        self.ops.swap(&self.imp, new)?;
        self.imp = new.clone();
        Ok(())
    }
}
