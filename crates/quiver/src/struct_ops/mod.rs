//! struct_ops: tables of callbacks a host declares and BPF programs
//! implement, attached per device, as Linux's `hid_bpf_ops` (6.11) does
//! for HID — made a general mechanism any Rust host can use.
//!
//! - [`StructOpsType`] declares the struct: its callbacks (argument types
//!   as the verifier sees them, return range, whether they may sleep) and
//!   its data members, with an `init` hook that validates the data and
//!   says which device the implementation is for. quiver generates the
//!   struct's BTF for CO-RE, and one verifier program type per callback.
//! - Loading an object with `.struct_ops` / `.struct_ops.link` variables
//!   of a registered type checks each variable against the declaration
//!   (unknown members, signatures, data the host refuses) and verifies
//!   each member's program against that member's prototype; the object
//!   then holds one [`Implementation`] per variable
//!   ([`Bpf::struct_ops`](crate::Bpf::struct_ops)).
//! - [`StructOps`] is the host's registry for a type: per-device ordered
//!   attach with `BPF_F_BEFORE` and a per-device limit, links that detach
//!   or swap an implementation atomically, and a dispatcher: a table
//!   sorted by device that calls each attached program's entry point
//!   directly, rebuilt on every change and swapped in with RCU while
//!   callers may still be inside the old one.

mod decl;
mod dispatch;
mod load;

pub use decl::{ArgType, Callback, DataMember, StructOpsData, StructOpsType};
pub use dispatch::{BPF_F_BEFORE, DISPATCH_CAPACITY, Delivery, Link, StructOps};
pub use load::{Implementation, MAX_ARGS, set_data};
pub(crate) use load::{bind_variables, member_program_types};
