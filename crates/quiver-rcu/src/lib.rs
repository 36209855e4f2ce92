//! Program lifetimes across updates: a userspace RCU.
//!
//! A program that runs — possibly sleeping inside a host function for a
//! long time — must stay alive while a host thread replaces it in a prog
//! array slot or detaches it. Linux uses RCU (and RCU tasks trace for
//! sleepable programs). quiver does the same in userspace:
//!
//! - a run enters a *read section* once ([`pin`], a store and a fence on a
//!   line owned by the thread); every slot it reads during the run (tail
//!   calls, calls through a prog array) is a plain atomic load, with no
//!   reference count touched;
//! - an update swaps the slot ([`RcuCell::replace`]) and *retires* the old
//!   program: it is dropped once every section that could have loaded it
//!   has ended. Updates never wait; [`Domain::synchronize`] waits when a
//!   caller needs to know the old program is no longer running.
//!
//! The core is model-checked with loom (`RUSTFLAGS="--cfg loom" cargo test
//! -p quiver-rcu --test loom --release`).

mod cell;
mod domain;
#[cfg(not(loom))]
mod local;
mod section;
mod sync;

pub use cell::RcuCell;
pub use domain::{Domain, Guard, Reader};
#[cfg(not(loom))]
pub use local::{Borrowed, Pinned, global, is_pinned, pin};
pub use section::Section;
