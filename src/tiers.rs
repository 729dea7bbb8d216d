// SPDX-License-Identifier: GPL-2.0

//! Memory tiers: the memory type of the node kmem adds memory to.
//!
//! C header: [`include/linux/memory-tiers.h`](srctree/include/linux/memory-tiers.h).
//!
//! Without `CONFIG_NUMA` the header's stubs run (through the C shim): no
//! type is ever found or set, as for the C kmem.
//!
//! kmem's list of memory types (C: `kmem_memory_types` and
//! `kmem_memory_type_lock`) is a static of this file, as in C.
//!
//! Lock order: [`MEMORY_TYPES`] is taken alone: probe looks the type up
//! before the device's `memory` mutex exists.

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

/// An abstract distance, and whether the platform gave it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Adistance {
    /// The abstract distance.
    pub(crate) value: i32,
    /// Whether an algorithm the platform registered (ACPI HMAT, a CXL
    /// region's CDAT) computed it; otherwise it is kmem's default.
    pub(crate) from_platform: bool,
}

/// Returns the abstract distance of `node`: the platform's, else the default
/// (C: `mt_calc_adistance()` in `dev_dax_kmem_probe()`).
pub(crate) fn adistance(node: i32) -> Adistance {
    let mut value = DEFAULT_DAX_ADISTANCE;
    // SAFETY: `value` is a valid out parameter.
    let rc = unsafe { bindings::kmem_shim_mt_calc_adistance(node, &mut value) };
    // The notifier chain's answer says whether an algorithm computed it
    // (include/linux/memory-tiers.h).
    let from_platform = rc & kernel::bindings::NOTIFY_STOP_MASK as i32 != 0;
    Adistance {
        value,
        from_platform,
    }
}

/// Returns the memory tier of abstract distance `adist` (C: the index
/// `find_create_memory_tier()` gives, `adist >> MEMTIER_CHUNK_BITS`).
pub(crate) fn tier_of(adist: i32) -> i32 {
    adist >> bindings::KMEM_CONST_MEMTIER_CHUNK_BITS
}

/// The list of memory types kmem allocated (C: `kmem_memory_types`), the
/// data of [`MEMORY_TYPES`]. `mt_find_alloc_memory_type()` and
/// `mt_put_memory_types()` walk and change the list without a lock of their
/// own (mm/memory-tiers.c): the lock serialises them (C:
/// `kmem_memory_type_lock`).
///
/// # Invariants
///
/// The only instance is [`MEMORY_TYPES`]' data, used only through the lock's
/// guard, and only once [`init`] has run: `head` is then an initialised list
/// head that does not move, linking only memory types allocated onto it.
struct TypeList {
    /// The C list head, linked to the types by `mt_find_alloc_memory_type()`.
    head: Opaque<list_head>,
}

// SAFETY: The list head and the types on it are only passed to C functions,
// which may run on any thread; the list never moves (a static). A lock's
// data must be `Send` for the lock to be `Sync`.
unsafe impl Send for TypeList {}

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises the lock and then the list, in module
    // init, before the driver is registered; nothing uses either before.
    unsafe(uninit) static MEMORY_TYPES: Mutex<TypeList> = TypeList {
        head: Opaque::uninit(),
    };
}

/// Initialises the list of memory types and its lock.
///
/// # Safety
///
/// Called once, from module init, before the driver is registered (before
/// anything else of this file).
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (caller's guarantee).
    unsafe { MEMORY_TYPES.init() };
    let list = MEMORY_TYPES.lock();
    // SAFETY: `head` is valid for writes and never moves (a static); no one
    // else uses it yet (caller's guarantee).
    // INVARIANT: From here on the list head is initialised.
    unsafe { kernel::bindings::INIT_LIST_HEAD(list.head.get()) };
}

/// Returns kmem's memory type for `adist`, allocating it if needed; `None`
/// without NUMA, whose stubs allocate none (C: `kmem_find_alloc_memory_type()`,
/// a NULL type, which the C kmem passes on as is).
pub(crate) fn find_alloc(adist: i32) -> Result<Option<MemoryType>> {
    let list = MEMORY_TYPES.lock();
    // SAFETY: The list head is initialised, and the lock held serialises
    // every use of the list (type invariant).
    let mtype = unsafe { bindings::kmem_shim_mt_find_alloc_memory_type(adist, list.head.get()) };
    let mtype = from_err_ptr(mtype)?;
    // INVARIANT: A non-error, non-NULL type is on our list. With NUMA,
    // `mt_find_alloc_memory_type()` returns a type or an error, never NULL:
    // `None` comes only from the !NUMA stub.
    Ok(NonNull::new(mtype).map(MemoryType))
}

/// Puts every memory type kmem allocated (C: `kmem_put_memory_types()`):
/// for module exit, once no device uses them. Types still set on a node
/// keep the reference the node took.
///
/// # Safety
///
/// No [`MemoryType`] is used afterwards: every device is unbound.
pub(crate) unsafe fn put_all() {
    let list = MEMORY_TYPES.lock();
    // SAFETY: As in `find_alloc`; no type is used afterwards (caller's
    // guarantee).
    unsafe { bindings::kmem_shim_mt_put_memory_types(list.head.get()) };
}

/// A memory type on kmem's list.
///
/// # Invariants
///
/// Points to a `struct memory_dev_type` on kmem's list, which lives until
/// [`put_all`], at module exit, after every device is unbound.
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
