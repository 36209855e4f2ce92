//! The process-wide domain and each thread's reader in it.

use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::OnceLock;

use crate::domain::{Domain, Reader};
use crate::section::Section;

/// The process-wide domain that [`pin`] enters.
pub fn global() -> &'static Domain {
    static GLOBAL: OnceLock<Domain> = OnceLock::new();
    GLOBAL.get_or_init(Domain::new)
}

thread_local! {
    static LOCAL: Reader<'static> = global().register();
}

/// A read section of the current thread in the [`global`] domain; nests.
pub struct Pinned {
    // Tied to the thread whose reader it entered.
    _not_send: PhantomData<*const ()>,
}

/// Enters a read section of the current thread in the [`global`] domain.
/// Returns `None` only while the thread is being torn down.
pub fn pin() -> Option<Pinned> {
    LOCAL.try_with(|r| r.enter()).ok()?;
    Some(Pinned {
        _not_send: PhantomData,
    })
}

/// Whether the current thread is inside a section of the global domain.
pub fn is_pinned() -> bool {
    LOCAL.try_with(|r| r.is_pinned()).unwrap_or(false)
}

impl Drop for Pinned {
    fn drop(&mut self) {
        // The reader outlives every Pinned of its thread, except during
        // thread teardown, when there is nothing left to publish.
        let _ = LOCAL.try_with(|r| r.exit());
    }
}

impl Section<'static> for Pinned {
    fn domain(&self) -> &'static Domain {
        global()
    }
}

/// An object of the global domain kept alive by a read section of the
/// current thread that it holds: valid until dropped, even if its cell is
/// replaced or dropped meanwhile. Not `Send`: the section is the thread's.
pub struct Borrowed<T: ?Sized> {
    _section: Pinned,
    object: NonNull<T>,
}

impl<T: ?Sized> Borrowed<T> {
    /// # Safety
    /// `object` must have been loaded from a cell of the global domain
    /// inside `section` (so it is retired, if ever, only after `section`
    /// ends).
    pub(crate) unsafe fn new(section: Pinned, object: NonNull<T>) -> Self {
        Borrowed {
            _section: section,
            object,
        }
    }

    /// A part of the object, kept alive by the same section.
    pub fn map<U: ?Sized>(self, f: impl FnOnce(&T) -> &U) -> Borrowed<U> {
        let part = NonNull::from(f(&self));
        Borrowed {
            _section: self._section,
            object: part,
        }
    }
}

impl<T: ?Sized> Deref for Borrowed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the section held by `self` keeps the object alive (see
        // `new`), and nothing hands out a mutable reference to it.
        unsafe { self.object.as_ref() }
    }
}
