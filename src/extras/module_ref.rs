// SPDX-License-Identifier: GPL-2.0

//! A reference on a module, which keeps it loaded.
//!
//! C header: [`include/linux/module.h`](srctree/include/linux/module.h).
//!
//! The kernel crate has `ThisModule` but no owned reference on it; this is
//! `try_module_get()` with `module_put()` in `Drop` (through the C shim:
//! both are static inlines without `CONFIG_MODULE_UNLOAD`).

use kernel::{
    bindings as kb,
    ThisModule, //
};

use crate::bindings;

/// A reference on a live module: while it exists, `rmmod` of that module
/// fails with `EAGAIN`/`EBUSY` ("in use").
///
/// # Invariants
///
/// `module` is the `THIS_MODULE` pointer of a loaded module (or null, when
/// built in), on which this object holds one reference taken with
/// `try_module_get()`.
pub(crate) struct ModuleRef {
    /// The module referenced.
    module: *mut kb::module,
}

impl ModuleRef {
    /// Takes a reference on `module`; `None` if it is being unloaded.
    pub(crate) fn try_get(module: &'static ThisModule) -> Option<Self> {
        let module = module.as_ptr();
        // SAFETY: `module` is a `THIS_MODULE` pointer ('static `ThisModule`),
        // valid while code of that module runs, as ours does here; null is
        // accepted.
        if !unsafe { bindings::kmem_shim_try_module_get(module) } {
            return None;
        }
        // INVARIANT: The reference was just taken.
        Some(Self { module })
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        // SAFETY: This object holds a reference (type invariant), so the
        // module is still loaded. Callers drop it from code that the module's
        // unload waits for (a probe or an unbind of the driver:
        // `bus_remove_driver()` detaches every device under its lock first,
        // drivers/base/bus.c), so the module cannot go away under the caller
        // after the put.
        unsafe { bindings::kmem_shim_module_put(self.module) };
    }
}

// SAFETY: Taking and putting a module reference is atomic and allowed on any
// thread (kernel/module/main.c); where the last put may run (code the
// unload waits for) is `Drop`'s contract, kept by its only call sites,
// `stranded::take` (a probe) and `stranded::keep` (an unbind).
unsafe impl Send for ModuleRef {}

// SAFETY: `&ModuleRef` gives access to nothing.
unsafe impl Sync for ModuleRef {}
