//! Library side of the `quiver` command: the pieces its subcommands share
//! and that the test suite drives directly.

pub mod conformance;
pub mod hex;
pub mod input;
pub mod inspect;
pub mod out;
