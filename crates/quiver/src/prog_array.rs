//! Prog arrays: slots of programs that tail calls and the call-and-return
//! kfunc enter, the owner rule that keeps them type-safe (also from
//! sleepable programs), and the program registry their ids refer to.
//!
//! Lifetimes: a slot is an [`RcuCell`]; every run is a read section of the
//! thread (see [`quiver_rcu`]), so entering a slot is one atomic load, and
//! a program replaced or deleted while some thread still runs it — even
//! one sleeping in a host function — is dropped only after that run ends.
//! Each call runs entirely on the program it loaded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use quiver_maps::{BPF_ANY, Map, MapDef, MapError, ValuePtr};
use quiver_rcu::{RcuCell, global};
use quiver_vm::{Engine, HelperContext, HelperError};
use quiver_vm::{TailMisses, TailTable};

use crate::program::ProgramCore;

/// `-E2BIG`, `-ENOENT`, `-ELOOP` as a helper returns them.
pub(crate) const E2BIG: u64 = (-7i64) as u64;
pub(crate) const ENOENT: u64 = (-2i64) as u64;
pub(crate) const ELOOP: u64 = (-40i64) as u64;
pub(crate) const EINVAL: u64 = (-22i64) as u64;

/// What every program in a prog array, and every program that uses the
/// array, must agree on (Linux's `bpf_prog_map_compatible`): the first
/// program to use or enter the array fixes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The program type (`socket_filter`, `xdp`, `struct_ops`...).
    pub prog_type: String,
    /// Whether the programs may sleep: a sleepable program then only ever
    /// reaches sleepable programs, and a non-sleepable one non-sleepable
    /// ones.
    pub sleepable: bool,
    /// How the programs run: a tail call keeps to one engine.
    pub engine: Engine,
    /// The attach point, where the type has one (the struct_ops member or
    /// traced function), since it fixes the context's layout.
    pub attach: Option<String>,
}

impl Owner {
    /// Which property of `other` differs from `self`, in words.
    pub fn mismatch(&self, other: &Owner) -> Option<String> {
        let sleep = |s: bool| if s { "sleepable" } else { "non-sleepable" };
        if self.prog_type != other.prog_type {
            Some(format!(
                "program type {} differs from the array's {}",
                other.prog_type, self.prog_type
            ))
        } else if self.sleepable != other.sleepable {
            Some(format!(
                "a {} program cannot share a prog array with {} ones",
                sleep(other.sleepable),
                sleep(self.sleepable)
            ))
        } else if self.engine != other.engine {
            Some(format!(
                "an {} program cannot share a prog array with {} ones",
                other.engine, self.engine
            ))
        } else if self.attach != other.attach {
            Some(format!(
                "attach point {} differs from the array's {}",
                other.attach.as_deref().unwrap_or("(none)"),
                self.attach.as_deref().unwrap_or("(none)")
            ))
        } else {
            None
        }
    }
}

/// Programs by id, for prog array updates that name a program by id (as
/// userspace does with an fd). Weak: the registry keeps nothing alive.
fn registry() -> &'static Mutex<HashMap<u32, Weak<ProgramCore>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<u32, Weak<ProgramCore>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn register(id: u32, program: &Arc<ProgramCore>) {
    lock(registry()).insert(id, Arc::downgrade(program));
}

pub(crate) fn unregister(id: u32) {
    lock(registry()).remove(&id);
}

fn lookup_id(id: u32) -> Option<Arc<ProgramCore>> {
    lock(registry()).get(&id)?.upgrade()
}

/// A `BPF_MAP_TYPE_PROG_ARRAY` of the runtime: ids for userspace (the
/// value is a program id, 4 bytes), programs for the calls.
pub struct ProgArrayMap {
    ids: quiver_maps::ProgArray,
    slots: Box<[RcuCell<'static, ProgramCore>]>,
    /// Per slot, its program's native target, for JIT call sites bound to
    /// the array.
    cells: Arc<TailTable>,
    owner: Mutex<Option<Owner>>,
    // Updates of one slot's id and program happen together.
    update: Mutex<()>,
}

impl ProgArrayMap {
    pub(crate) fn new(def: &MapDef) -> Result<ProgArrayMap, MapError> {
        let ids = quiver_maps::ProgArray::new(def)?;
        let slots = (0..def.max_entries)
            .map(|_| RcuCell::new(global(), None))
            .collect();
        // The sites' helpers answer empty slots and indexes past the end
        // with these and nothing else (`enter`): native code answers for
        // them.
        let misses = TailMisses {
            empty: ENOENT,
            out_of_range: E2BIG,
        };
        let cells = Arc::new(TailTable::answering(def.max_entries as usize, misses));
        Ok(ProgArrayMap {
            ids,
            slots,
            cells,
            owner: Mutex::new(None),
            update: Mutex::new(()),
        })
    }

    /// The owner, once a program has used or entered the array.
    pub fn owner(&self) -> Option<Owner> {
        lock(&self.owner).clone()
    }

    /// Fixes the owner if there is none; otherwise `owner` must match it.
    pub(crate) fn claim(&self, owner: &Owner) -> Result<(), String> {
        let mut current = lock(&self.owner);
        match &*current {
            None => {
                *current = Some(owner.clone());
                Ok(())
            }
            Some(o) => o.mismatch(owner).map_or(Ok(()), Err),
        }
    }

    /// Puts `program` in slot `index` (None: empties it).
    pub(crate) fn set(
        &self,
        index: u32,
        program: Option<Arc<ProgramCore>>,
    ) -> Result<(), MapError> {
        let _g = lock(&self.update);
        let Some(slot) = self.slots.get(index as usize) else {
            return Err(MapError::OutOfRange {
                index,
                max_entries: self.slots.len() as u32,
            });
        };
        let i = index as usize;
        match program {
            Some(p) => {
                self.claim(&p.owner).map_err(MapError::Incompatible)?;
                self.ids.set(index, p.id)?;
                // SAFETY: `p` is held until the slot holds it; the program
                // the cell named before is retired by `replace` only after
                // the cell stopped naming it, and freed once every run (a
                // read section) that may have read it has ended.
                unsafe { self.cells.publish(i, p.native_target()) };
                slot.replace(Some(p));
            }
            None => {
                self.ids.clear(index)?.ok_or(MapError::NotFound)?;
                // The cell names nothing from now on.
                self.cells.publish_empty(i);
                slot.replace(None);
            }
        }
        Ok(())
    }

    /// Empties every slot (the loader's objects do this when dropped,
    /// which breaks the cycle program → maps → array → program).
    pub(crate) fn clear(&self) {
        let _g = lock(&self.update);
        for (i, slot) in self.slots.iter().enumerate() {
            let _ = self.ids.clear(i as u32);
            self.cells.publish_empty(i);
            slot.replace(None);
        }
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Never true.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub(crate) fn slot(&self, index: u32) -> Option<&RcuCell<'static, ProgramCore>> {
        self.slots.get(index as usize)
    }

    /// The slots' native-target cells.
    pub(crate) fn cells(&self) -> &Arc<TailTable> {
        &self.cells
    }
}

/// Whether the context the caller passes is as large as `target` may
/// touch (programs of one array share a type, but e.g. syscall programs
/// read contexts of any size).
fn context_fits(ctx: &HelperContext<'_>, target: &ProgramCore, context: u64) -> bool {
    target.min_ctx == 0 || ctx.bytes_at(context).is_some_and(|n| n >= target.min_ctx)
}

/// The program in `slot`, ready to enter from the running program with
/// `context`; else the errno the call returns: -E2BIG (index out of
/// range), -ENOENT (empty slot), -EINVAL (context too small for it).
fn enter(
    ctx: &mut HelperContext<'_>,
    slot: Option<&RcuCell<'static, ProgramCore>>,
    context: u64,
) -> Result<quiver_rcu::Borrowed<ProgramCore>, u64> {
    let target = slot.ok_or(E2BIG)?.load_borrowed().ok_or(ENOENT)?;
    if !context_fits(ctx, &target, context) {
        return Err(EINVAL);
    }
    target.expose_data(ctx);
    Ok(target)
}

/// `bpf_tail_call` through `array` at `index`: on success the calling frame
/// is replaced once the helper returns; otherwise the program goes on (r0
/// = -E2BIG for an index out of range, -ENOENT for an empty slot, neither
/// using up the run's tail-call count).
pub(crate) fn tail_call(
    ctx: &mut HelperContext<'_>,
    slot: Option<&RcuCell<'static, ProgramCore>>,
    context: u64,
) -> Result<u64, HelperError> {
    match enter(ctx, slot, context) {
        Ok(target) => {
            ctx.tail_call(target.map(|p| &p.vm));
            Ok(0)
        }
        Err(errno) => Ok(errno),
    }
}

/// `quiver_prog_array_call(ctx, array, index)`: runs the program in the
/// slot on the same context as a function, returns its r0; -E2BIG out of
/// range, -ENOENT empty slot, -ELOOP when no frame is left for it.
pub(crate) fn call(
    ctx: &mut HelperContext<'_>,
    slot: Option<&RcuCell<'static, ProgramCore>>,
    context: u64,
) -> Result<u64, HelperError> {
    let target = match enter(ctx, slot, context) {
        Ok(target) => target,
        Err(errno) => return Ok(errno),
    };
    match ctx.call_program(&target.vm, [context, 0, 0, 0, 0]) {
        Ok(r0) => Ok(r0),
        Err(HelperError::FrameLimit) => Ok(ELOOP),
        Err(e) => Err(e),
    }
}

impl Map for ProgArrayMap {
    fn def(&self) -> &MapDef {
        self.ids.def()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }

    fn lookup(&self, _key: &[u8]) -> Option<ValuePtr> {
        None
    }

    /// Userspace's update: the value is a program id.
    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        let index = index_of(self.def(), key)?;
        let id: [u8; 4] = value.try_into().map_err(|_| MapError::ValueSize {
            expected: 4,
            got: value.len(),
        })?;
        if flags != BPF_ANY {
            return Err(MapError::Flags(flags));
        }
        let id = u32::from_ne_bytes(id);
        if id == 0 {
            return Err(MapError::BadId);
        }
        let program = lookup_id(id).ok_or(MapError::UnknownId(id))?;
        self.set(index, Some(program))
    }

    fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        self.set(index_of(self.def(), key)?, None)
    }

    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        self.ids.get_next_key(key, next)
    }

    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.ids.lookup_copy(key)
    }
}

fn index_of(def: &MapDef, key: &[u8]) -> Result<u32, MapError> {
    let k: [u8; 4] = key.try_into().map_err(|_| MapError::KeySize {
        expected: def.key_size as usize,
        got: key.len(),
    })?;
    Ok(u32::from_ne_bytes(k))
}
