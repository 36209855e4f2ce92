//! A dispatcher generated as native code, for hosts that deliver calls to
//! programs chosen by a key (a device) and a position: a struct_ops
//! registry, say. [`Dispatcher::compile`] turns the routes into one native
//! function that finds the key with compares against constants and calls
//! the program's JIT code directly; [`Dispatcher::run`] makes one run
//! through it, with the same results, errors and memory effects as
//! [`Vm::run_with`](crate::Vm::run_with) on that program.

use crate::error::{LoadError, VmError};
use crate::input::RunInput;
use crate::tail::NativeTarget;

/// The programs of one key: `callbacks[c][i]` is the `i`-th program to
/// run for callback `c`, or None where the dispatcher cannot run it
/// natively (the host runs that one itself).
#[derive(Debug, Default)]
pub struct DispatchRoute<'t> {
    /// The key callers name.
    pub key: u64,
    /// Per callback, the programs in order.
    pub callbacks: Vec<Vec<Option<&'t NativeTarget>>>,
}

/// A compiled dispatcher (see the module doc).
pub struct Dispatcher {
    #[cfg(feature = "jit")]
    code: crate::jit::DispatchCode,
    /// Any of the programs, whose `Vm` and code a run starts from.
    #[cfg(feature = "jit")]
    first: (*const crate::Vm, *const crate::jit::JitCode),
    /// Stack bytes per frame the deepest-reaching program may touch.
    reach: usize,
    routes: usize,
}

// SAFETY: the raw pointers name `Vm`s and their code, which are `Sync`
// and which `compile`'s contract keeps alive as long as the dispatcher;
// the generated code only reads constants.
unsafe impl Send for Dispatcher {}
// SAFETY: as for `Send`: every run works on its own memory and context.
unsafe impl Sync for Dispatcher {}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("routes", &self.routes)
            .field("reach", &self.reach)
            .finish()
    }
}

impl Dispatcher {
    /// Compiles a dispatcher for `routes` (any order; no key twice).
    /// Returns None when there is nothing to run natively: no route names
    /// a program, or the JIT is not built in.
    ///
    /// # Safety
    ///
    /// Every target named, and the `Vm` it was made from, must stay valid
    /// and in place as long as the dispatcher (the generated code holds
    /// their addresses), and each must still be a program that may run
    /// without its host: one the host would run with no regions of its
    /// own beyond the caller's input.
    pub unsafe fn compile(routes: &[DispatchRoute<'_>]) -> Result<Option<Dispatcher>, LoadError> {
        let mut sorted: Vec<&DispatchRoute<'_>> = routes.iter().collect();
        sorted.sort_by_key(|r| r.key);
        if let Some(w) = sorted.windows(2).find(|w| w[0].key == w[1].key) {
            return Err(LoadError::Jit {
                reason: format!("dispatcher: key {} is routed twice", w[0].key),
            });
        }
        let targets = || {
            sorted
                .iter()
                .flat_map(|r| r.callbacks.iter().flatten())
                .flatten()
        };
        let Some(first) = targets().next() else {
            return Ok(None);
        };
        let reach = targets().map(|t| t.reach as usize).max().unwrap_or(0);
        #[cfg(feature = "jit")]
        {
            let routes: Vec<_> = sorted
                .iter()
                .map(|r| (r.key, r.callbacks.clone()))
                .collect();
            Ok(Some(Dispatcher {
                code: crate::jit::compile_dispatcher(&routes)?,
                first: (
                    std::ptr::with_exposed_provenance(first.vm as usize),
                    std::ptr::with_exposed_provenance(first.code as usize),
                ),
                reach,
                routes: sorted.len(),
            }))
        }
        #[cfg(not(feature = "jit"))]
        {
            let _ = (first, reach);
            Ok(None)
        }
    }

    /// Runs the program routed at `(key, callback, position)` on `input`
    /// (r1 the context, unless set), as a run of its own. None when the
    /// dispatcher has no native program there, or the context is shorter
    /// than the program reads: nothing ran, and the host runs it its own
    /// way.
    pub fn run(
        &self,
        key: u64,
        callback: usize,
        position: usize,
        input: &mut RunInput<'_>,
    ) -> Option<Result<u64, VmError>> {
        #[cfg(feature = "jit")]
        {
            let args = input.registers();
            let context = (
                input.context_addr().unwrap_or(0),
                input.context_len().unwrap_or(0) as u64,
            );
            // SAFETY: `compile`'s contract keeps the program `first` names
            // alive as long as `self`.
            let (vm, code) = unsafe { (&*self.first.0, &*self.first.1) };
            crate::memory::with_memory(
                input.all_regions(),
                input.packet_region(),
                self.reach,
                |m| {
                    m.set_context(context.0, context.1);
                    crate::jit::exec_dispatch(
                        vm,
                        code,
                        &self.code,
                        m,
                        (key, callback as u64, position as u64),
                        args,
                    )
                },
            )
        }
        #[cfg(not(feature = "jit"))]
        {
            let _ = (key, callback, position, input);
            None
        }
    }
}
