// SPDX-License-Identifier: GPL-2.0

//! Memory tiers: the memory type of the node kmem adds memory to.
//!
//! C header: [`include/linux/memory-tiers.h`](srctree/include/linux/memory-tiers.h).
//!
//! Without `CONFIG_NUMA` the header's stubs run (through the C shim): no
//! type is ever found or set, as for the C kmem.
//!
//! Lock order: the lock of the [`TypeList`]'s static is taken alone: probe
//! looks the type up before the device's `memory` mutex exists.

use core::ptr::NonNull;

use kernel::{
    bindings::list_head,
    error::from_err_ptr,
    prelude::*,
    types::Opaque, //
};

use crate::bindings;

/// Abstract distance kmem gives a node the platform did not describe: five
/// times DRAM's (C: `MEMTIER_DEFAULT_DAX_ADISTANCE`).
const DEFAULT_DAX_ADISTANCE: i32 = bindings::KMEM_CONST_MEMTIER_ADISTANCE_DRAM * 5;

/// Returns the abstract distance of `node`: the platform's, else the default.
pub(crate) fn adistance(node: i32) -> i32 {
    let mut adist = DEFAULT_DAX_ADISTANCE;
    // SAFETY: `adist` is a valid out parameter. The notifier's return value
    // only says whether a platform driver answered; `adist` holds the result.
    unsafe { bindings::kmem_shim_mt_calc_adistance(node, &mut adist) };
    adist
}

/// A list of memory types allocated by `mt_find_alloc_memory_type()` (C:
/// `kmem_memory_types`), made to live in a static behind a lock: the
/// driver's (C: `kmem_memory_type_lock`) serialises every use.
/// `mt_find_alloc_memory_type()` and `mt_put_memory_types()` walk and change
/// the list without a lock of their own (mm/memory-tiers.c): the list's
/// owner must serialise them.
///
/// # Invariants
///
/// Once [`TypeList::init`] has run, `head` is an initialised list head that
/// does not move, linking only memory types allocated onto it.
pub(crate) struct TypeList {
    /// The C list head, linked to the types by `mt_find_alloc_memory_type()`.
    head: Opaque<list_head>,
}

// SAFETY: The list is only reached through the lock of the static it lives
// in, from any thread.
unsafe impl Send for TypeList {}

impl TypeList {
    /// Returns a list to initialise with [`TypeList::init`].
    pub(crate) const fn new() -> Self {
        Self {
            head: Opaque::uninit(),
        }
    }

    /// Initialises the list head, empty.
    ///
    /// # Safety
    ///
    /// Called once, before any other use, on a list that never moves
    /// afterwards (a static).
    pub(crate) unsafe fn init(&self) {
        // SAFETY: `head` is valid for writes and stays where it is (caller's
        // guarantee).
        unsafe { kernel::bindings::INIT_LIST_HEAD(self.head.get()) };
    }

    /// Returns the memory type for `adist` on this list, allocating it if
    /// needed; `None` without NUMA, whose stubs allocate none (C: a NULL
    /// type, which the C kmem passes on as is).
    pub(crate) fn find_alloc(&self, adist: i32) -> Result<Option<MemoryType>> {
        // SAFETY: The list head is initialised (type invariant); the caller
        // holds the lock of the static the list lives in (it has `&self`
        // only through it).
        let mtype =
            unsafe { bindings::kmem_shim_mt_find_alloc_memory_type(adist, self.head.get()) };
        let mtype = from_err_ptr(mtype)?;
        // INVARIANT: A non-error, non-NULL type is on our list. With NUMA,
        // `mt_find_alloc_memory_type()` returns a type or an error, never
        // NULL: `None` comes only from the !NUMA stub.
        Ok(NonNull::new(mtype).map(MemoryType))
    }

    /// Puts every type on the list (C: `mt_put_memory_types()`): for module
    /// exit, once no device uses them. Types still set on a node keep the
    /// reference the node took.
    pub(crate) fn put_all(&self) {
        // SAFETY: As in `find_alloc`; no device uses the types any more
        // (caller's guarantee: every device is unbound).
        unsafe { bindings::kmem_shim_mt_put_memory_types(self.head.get()) };
    }
}

/// A memory type on a [`TypeList`].
///
/// # Invariants
///
/// Points to a `struct memory_dev_type` on kmem's list, which lives until the
/// list's [`TypeList::put_all`], at module exit, after every device is
/// unbound.
#[derive(Clone, Copy)]
pub(crate) struct MemoryType(NonNull<bindings::memory_dev_type>);

// SAFETY: The type is reference-counted C data, used only through C calls
// that take the memory tier lock.
unsafe impl Send for MemoryType {}

// SAFETY: As above.
unsafe impl Sync for MemoryType {}

/// A node's memory type set by kmem (C: `init_node_memory_type()`).
///
/// Dropping it clears the node's type if it is still `mtype` (the probe
/// error path); [`NodeMemoryType::clear`] is the remove path.
pub(crate) struct NodeMemoryType {
    /// The node.
    node: i32,
    /// The type set on it; `None` without memory tiers.
    mtype: Option<MemoryType>,
}

impl NodeMemoryType {
    /// Sets `mtype` as the memory type of `node`, unless it has one.
    pub(crate) fn init(node: i32, mtype: Option<MemoryType>) -> Self {
        // SAFETY: `mtype` is a live memory type (type invariant), or NULL.
        // NULL comes only from the !CONFIG_NUMA stub of
        // `mt_find_alloc_memory_type()` (include/linux/memory-tiers.h) and
        // goes only to the !CONFIG_NUMA stub of this call, which ignores it:
        // with NUMA, `__init_node_memory_type()` would `kref_get()` it, but
        // there `TypeList::find_alloc` never returns `None`.
        unsafe { bindings::kmem_shim_init_node_memory_type(node, raw(mtype)) };
        Self { node, mtype }
    }

    /// Drops this user of the node's memory type, whichever type it is
    /// (C: `clear_node_memory_type(node, NULL)` on successful removal).
    pub(crate) fn clear(self) {
        let node = self.node;
        core::mem::forget(self);
        // SAFETY: A NULL type clears one user of whatever type the node has.
        unsafe { bindings::kmem_shim_clear_node_memory_type(node, core::ptr::null_mut()) };
    }

    /// Keeps the node's memory type: memory stays on the node until reboot.
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for NodeMemoryType {
    fn drop(&mut self) {
        // SAFETY: `mtype` is live (type invariant) and was set by `init`.
        unsafe { bindings::kmem_shim_clear_node_memory_type(self.node, raw(self.mtype)) };
    }
}

/// Returns the C pointer of a memory type, NULL for none.
fn raw(mtype: Option<MemoryType>) -> *mut bindings::memory_dev_type {
    mtype.map_or(core::ptr::null_mut(), |t| t.0.as_ptr())
}
