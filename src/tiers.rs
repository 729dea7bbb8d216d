// SPDX-License-Identifier: GPL-2.0

//! Memory tiers: the memory type of the node kmem adds memory to.
//!
//! C header: [`include/linux/memory-tiers.h`](srctree/include/linux/memory-tiers.h).
//!
//! Without `CONFIG_NUMA` the header's stubs run (through the C shim): no
//! type is ever found or set, as for the C kmem.
//!
//! Lock order: [`MemoryTypes`]' mutex is taken alone: probe looks the type
//! up before the device's `memory` mutex exists.

use core::ptr::NonNull;

use kernel::{
    bindings::list_head,
    error::from_err_ptr,
    new_mutex,
    prelude::*,
    sync::Mutex,
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

/// The list of memory types kmem allocated (C: `kmem_memory_types`).
#[pin_data]
struct TypeList {
    /// The C list head, linked to the types by `mt_find_alloc_memory_type()`.
    #[pin]
    head: Opaque<list_head>,
}

// SAFETY: The list is only used under `MemoryTypes::list`'s mutex.
unsafe impl Send for TypeList {}

/// The memory types kmem allocated, shared by its devices, freed on unload
/// (C: `kmem_memory_types` under `kmem_memory_type_lock`).
#[pin_data(PinnedDrop)]
pub(crate) struct MemoryTypes {
    /// The list, under its lock.
    #[pin]
    list: Mutex<TypeList>,
}

/// A memory type in a [`MemoryTypes`] list.
///
/// # Invariants
///
/// Points to a `struct memory_dev_type` on kmem's list, which lives until the
/// module's [`MemoryTypes`] is dropped, after every device is unbound.
#[derive(Clone, Copy)]
pub(crate) struct MemoryType(NonNull<bindings::memory_dev_type>);

// SAFETY: The type is reference-counted C data, used only through C calls
// that take the memory tier lock.
unsafe impl Send for MemoryType {}

// SAFETY: As above.
unsafe impl Sync for MemoryType {}

impl MemoryTypes {
    /// Creates an empty list.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            list <- new_mutex!(pin_init!(TypeList {
                // SAFETY: `head` is pinned and valid for writes.
                head <- Opaque::ffi_init(|head| unsafe { kernel::bindings::INIT_LIST_HEAD(head) }),
            })),
        })
    }

    /// Returns kmem's memory type for `adist`, allocating it if needed;
    /// `None` where the kernel has no memory tiers (C: a NULL type, which
    /// the C kmem passes on as is).
    pub(crate) fn find_alloc(&self, adist: i32) -> Result<Option<MemoryType>> {
        let list = self.list.lock();
        // SAFETY: The list head is initialised and we hold its lock.
        let mtype =
            unsafe { bindings::kmem_shim_mt_find_alloc_memory_type(adist, list.head.get()) };
        let mtype = from_err_ptr(mtype)?;
        // INVARIANT: The type is on our list (a non-error, non-NULL return).
        Ok(NonNull::new(mtype).map(MemoryType))
    }
}

#[pinned_drop]
impl PinnedDrop for MemoryTypes {
    fn drop(self: Pin<&mut Self>) {
        let list = self.list.lock();
        // SAFETY: The list head is initialised, we hold its lock, and no
        // device uses the types any more. Types still set on a node keep the
        // reference the node took.
        unsafe { bindings::kmem_shim_mt_put_memory_types(list.head.get()) };
    }
}

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
        // SAFETY: `mtype` is a live memory type (type invariant), or NULL,
        // which the kernel accepts (C: kmem passes on what it found).
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
