//! A shared slot holding an `Arc<T>` or nothing, read without touching any
//! reference count: a reader inside a read section borrows the object for
//! as long as its section lasts; a writer swaps it and retires the old one
//! to the domain, which drops it after the readers that may hold it.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Acquire};

use crate::domain::Domain;
use crate::section::Section;
use crate::sync::AtomicPtr;

/// An RCU-protected `Option<Arc<T>>`.
pub struct RcuCell<'d, T: Send + Sync + 'static> {
    domain: &'d Domain,
    ptr: AtomicPtr<T>,
    _owns: PhantomData<std::sync::Arc<T>>,
}

impl<'d, T: Send + Sync + 'static> RcuCell<'d, T> {
    /// A cell of `domain` holding `value`.
    pub fn new(domain: &'d Domain, value: Option<std::sync::Arc<T>>) -> Self {
        RcuCell {
            domain,
            ptr: AtomicPtr::new(into_raw(value)),
            _owns: PhantomData,
        }
    }

    /// The object in the cell, borrowed for the read section `section`.
    ///
    /// # Panics
    /// If `section` belongs to another domain than the cell (a misuse that
    /// would let the object be freed under the reader).
    pub fn load<'g, S: Section<'d>>(&'g self, section: &'g S) -> Option<&'g T> {
        assert!(
            ptr::eq(section.domain(), self.domain),
            "read section of another domain"
        );
        let p = self.ptr.load(Acquire);
        // SAFETY: a non-null pointer in the cell came from `Arc::into_raw`
        // and that reference is released only through `Domain::retire`
        // after the swap that removed it, which waits for every read
        // section that had started before the swap was visible; `section`
        // is such a section and outlives the returned borrow.
        unsafe { p.as_ref() }
    }

    /// Another `Arc` of the object in the cell (for use after the section).
    pub fn load_arc<S: Section<'d>>(&self, section: &S) -> Option<std::sync::Arc<T>> {
        let p = self.load(section)? as *const T;
        // SAFETY: `p` came from `Arc::into_raw` and the cell's reference
        // keeps the count above zero during the section (see `load`).
        unsafe {
            std::sync::Arc::increment_strong_count(p);
            Some(std::sync::Arc::from_raw(p))
        }
    }

    /// Puts `value` in the cell; the previous object is retired (freed once
    /// no reader can hold it). Never waits for readers.
    pub fn replace(&self, value: Option<std::sync::Arc<T>>) {
        let old = self.ptr.swap(into_raw(value), AcqRel);
        if let Some(old) = from_raw(old) {
            self.domain.retire(old);
        }
    }

    /// The object in the cell with a read section of the current thread
    /// that keeps it alive for as long as the result is held.
    #[cfg(not(loom))]
    pub fn load_borrowed(&self) -> Option<crate::Borrowed<T>>
    where
        'd: 'static,
    {
        let section = crate::pin()?;
        let object = NonNull::from(self.load(&section)?);
        // SAFETY: `object` was loaded inside `section`, which moves into the
        // result and stays open until it drops.
        Some(unsafe { crate::Borrowed::new(section, object) })
    }

    /// Whether the cell holds an object (a snapshot).
    pub fn is_some(&self) -> bool {
        !self.ptr.load(Acquire).is_null()
    }
}

impl<T: Send + Sync + 'static> Drop for RcuCell<'_, T> {
    fn drop(&mut self) {
        // Retired, not dropped: a reader may hold the object beyond the
        // cell (a `Borrowed` of a run in progress).
        let p = self.ptr.swap(ptr::null_mut(), AcqRel);
        if let Some(old) = from_raw(p) {
            self.domain.retire(old);
        }
    }
}

fn into_raw<T>(v: Option<std::sync::Arc<T>>) -> *mut T {
    v.map_or(ptr::null_mut(), |a| std::sync::Arc::into_raw(a).cast_mut())
}

fn from_raw<T>(p: *mut T) -> Option<std::sync::Arc<T>> {
    // SAFETY: every non-null pointer stored in a cell came from
    // `Arc::into_raw`, and each is taken out of the cell exactly once.
    (!p.is_null()).then(|| unsafe { std::sync::Arc::from_raw(p.cast_const()) })
}
