//! `BPF_MAP_TYPE_QUEUE` (FIFO) and `BPF_MAP_TYPE_STACK` (LIFO).
//!
//! Values are copied in and out (programs never get pointers into a
//! queue), so the elements live in a plain ring under a mutex, as Linux
//! keeps them under a spinlock.

use std::sync::Mutex;

use crate::def::{MapDef, MapType};
use crate::error::{MapError, errno::EINVAL};
use crate::map::{BPF_EXIST, BPF_NOEXIST, Map, any_impl, check_value};
use crate::storage::ValuePtr;

struct Ring {
    buf: Vec<u8>,
    /// Index of the oldest element.
    head: usize,
    len: usize,
}

/// A bounded queue or stack of `max_entries` values.
pub struct QueueMap {
    def: MapDef,
    lifo: bool,
    ring: Mutex<Ring>,
}

impl QueueMap {
    /// Creates a queue or a stack map.
    pub fn new(def: &MapDef) -> Result<QueueMap, MapError> {
        def.validate()?;
        let lifo = match def.map_type {
            MapType::Queue => false,
            MapType::Stack => true,
            t => {
                return Err(MapError::def(
                    "map_type",
                    EINVAL,
                    format!("{t} is neither queue nor stack"),
                ));
            }
        };
        let bytes = (def.max_entries as usize)
            .checked_mul(def.value_size as usize)
            .ok_or(MapError::NoMemory)?;
        let mut buf = Vec::new();
        buf.try_reserve_exact(bytes)
            .map_err(|_| MapError::NoMemory)?;
        buf.resize(bytes, 0);
        Ok(QueueMap {
            def: def.clone(),
            lifo,
            ring: Mutex::new(Ring {
                buf,
                head: 0,
                len: 0,
            }),
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn vs(&self) -> usize {
        self.def.value_size as usize
    }

    fn max(&self) -> usize {
        self.def.max_entries as usize
    }

    /// Copies the element a pop would take into `out`; removes it if
    /// `remove`.
    fn take(&self, out: &mut [u8], remove: bool) -> Result<(), MapError> {
        check_value(self.vs(), out)?;
        let mut r = self.lock();
        if r.len == 0 {
            return Err(MapError::NotFound);
        }
        let idx = if self.lifo {
            (r.head + r.len - 1) % self.max()
        } else {
            r.head
        };
        let vs = self.vs();
        out.copy_from_slice(&r.buf[idx * vs..(idx + 1) * vs]);
        if remove {
            if !self.lifo {
                r.head = (r.head + 1) % self.max();
            }
            r.len -= 1;
        }
        Ok(())
    }

    fn take_vec(&self, remove: bool) -> Result<Vec<u8>, MapError> {
        let mut v = vec![0; self.vs()];
        self.take(&mut v, remove)?;
        Ok(v)
    }
}

impl Map for QueueMap {
    any_impl!();

    fn def(&self) -> &MapDef {
        &self.def
    }

    fn lookup(&self, _key: &[u8]) -> Option<ValuePtr> {
        None
    }

    /// The syscall's update of a queue or stack is a push.
    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        crate::map::check_key(&self.def, key)?;
        self.push(value, flags)
    }

    fn delete(&self, _key: &[u8]) -> Result<(), MapError> {
        Err(MapError::Invalid(
            "queue and stack elements cannot be deleted by key",
        ))
    }

    fn get_next_key(&self, _key: Option<&[u8]>, _next: &mut [u8]) -> Result<(), MapError> {
        Err(MapError::Invalid("queue and stack maps have no keys"))
    }

    fn lookup_copy(&self, _key: &[u8]) -> Option<Vec<u8>> {
        self.take_vec(false).ok()
    }

    fn lookup_and_delete(&self, _key: &[u8]) -> Result<Vec<u8>, MapError> {
        self.take_vec(true)
    }

    /// Pushes `value`. When full: -E2BIG, or with `BPF_EXIST` the oldest
    /// element is dropped to make room (for stacks too, as in Linux).
    fn push(&self, value: &[u8], flags: u64) -> Result<(), MapError> {
        if flags & BPF_NOEXIST != 0 || flags > BPF_EXIST {
            return Err(MapError::Flags(flags));
        }
        check_value(self.vs(), value)?;
        let mut r = self.lock();
        if r.len == self.max() {
            if flags & BPF_EXIST == 0 {
                return Err(MapError::Full);
            }
            r.head = (r.head + 1) % self.max();
            r.len -= 1;
        }
        let idx = (r.head + r.len) % self.max();
        let vs = self.vs();
        r.buf[idx * vs..(idx + 1) * vs].copy_from_slice(value);
        r.len += 1;
        Ok(())
    }

    fn pop(&self, out: &mut [u8]) -> Result<(), MapError> {
        self.take(out, true)
    }

    fn peek(&self, out: &mut [u8]) -> Result<(), MapError> {
        self.take(out, false)
    }
}
