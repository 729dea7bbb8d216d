// SPDX-License-Identifier: GPL-2.0

//! Memory hotplug: online types, block size, memory groups, hot-added memory
//! and the zones of its online blocks.
//!
//! C headers: [`include/linux/memory_hotplug.h`](srctree/include/linux/memory_hotplug.h)
//! and [`include/linux/memory.h`](srctree/include/linux/memory.h).
//!
//! Never call into this file with the device hotplug lock held: adding and
//! removing memory take it themselves. Without `CONFIG_MEMORY_HOTREMOVE`
//! the header's stubs (called through the C shim, so that this file builds
//! either way) answer every removal with `-EBUSY`; the driver checks
//! [`HOTREMOVE`] first and, like the C kmem, does not try.

use core::mem::ManuallyDrop;

use kernel::{
    bindings as kb,
    error::to_result,
    ffi::{c_int, c_uint, c_ulong},
    page::PAGE_SIZE,
    prelude::*,
    str::CStr,
    sync::Arc, //
};

use crate::{
    bindings,
    ioresource::ResourceName,
    range::Range, //
};

/// Whether the kernel can remove memory (`CONFIG_MEMORY_HOTREMOVE`).
pub(crate) const HOTREMOVE: bool = cfg!(CONFIG_MEMORY_HOTREMOVE);

/// How hot-added memory is onlined (C: `enum mmop`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OnlineType {
    /// Left offline (`MMOP_OFFLINE`).
    Offline,
    /// Online in the zone the kernel chooses (`MMOP_ONLINE`).
    Online,
    /// Online in a kernel zone (`MMOP_ONLINE_KERNEL`).
    OnlineKernel,
    /// Online in ZONE_MOVABLE (`MMOP_ONLINE_MOVABLE`).
    OnlineMovable,
}

impl OnlineType {
    /// Returns the type of a C `enum mmop` value.
    pub(crate) fn from_mmop(mmop: c_int) -> Option<Self> {
        match u32::try_from(mmop).ok()? {
            kb::mmop_MMOP_OFFLINE => Some(Self::Offline),
            kb::mmop_MMOP_ONLINE => Some(Self::Online),
            kb::mmop_MMOP_ONLINE_KERNEL => Some(Self::OnlineKernel),
            kb::mmop_MMOP_ONLINE_MOVABLE => Some(Self::OnlineMovable),
            _ => None,
        }
    }

    /// Returns the C `enum mmop` value.
    pub(crate) fn to_mmop(self) -> c_int {
        (match self {
            Self::Offline => kb::mmop_MMOP_OFFLINE,
            Self::Online => kb::mmop_MMOP_ONLINE,
            Self::OnlineKernel => kb::mmop_MMOP_ONLINE_KERNEL,
            Self::OnlineMovable => kb::mmop_MMOP_ONLINE_MOVABLE,
        }) as c_int
    }

    /// Parses a sysfs write the way `memoryN/state` does (C:
    /// `mhp_online_type_from_str()`, which compares with `sysfs_streq()`).
    pub(crate) fn parse(buf: &CStr) -> Option<Self> {
        // SAFETY: `buf` is a NUL-terminated string.
        let mmop = unsafe { kb::mhp_online_type_from_str(buf.as_char_ptr()) };
        Self::from_mmop(mmop)
    }

    /// Returns the name sysfs uses (C: `mhp_online_type_to_str()`).
    pub(crate) fn name(self) -> &'static CStr {
        // SAFETY: A lookup in a static table; NULL only for values outside it.
        let name = unsafe { kb::mhp_online_type_to_str(self.to_mmop()) };
        if name.is_null() {
            return c"unknown";
        }
        // SAFETY: The table holds static NUL-terminated strings.
        unsafe { CStr::from_char_ptr(name) }
    }
}

/// Returns the size of a memory block, the unit of hotplug.
pub(crate) fn block_size() -> u64 {
    // SAFETY: A plain query without preconditions.
    let bytes = unsafe { bindings::memory_block_size_bytes() };
    // `unsigned long` is 64 bits wide on every architecture with hotplug.
    bytes as u64
}

/// Returns the system's default online type (`auto_online_blocks`).
pub(crate) fn default_online_type() -> OnlineType {
    // SAFETY: A plain query without preconditions.
    let mmop = unsafe { kb::mhp_get_default_online_type() };
    c_int::try_from(mmop)
        .ok()
        .and_then(OnlineType::from_mmop)
        .unwrap_or(OnlineType::Offline)
}

/// A static memory group: all memory of one device, onlined together.
///
/// # Invariants
///
/// `id` was returned by `memory_group_register_static()` and is registered.
pub(crate) struct MemoryGroup {
    /// The group id (`mgid`), passed as the node id with `MHP_NID_IS_MGID`.
    id: i32,
}

impl MemoryGroup {
    /// Registers a group on `node` for at most `bytes` of memory.
    pub(crate) fn register_static(node: i32, bytes: u64) -> Result<Self> {
        let pages = bytes.div_ceil(PAGE_SIZE as u64);
        let pages = c_ulong::try_from(pages).map_err(|_| EINVAL)?;
        // SAFETY: A plain call; the group is unregistered in `Drop`.
        let id = unsafe { bindings::memory_group_register_static(node, pages) };
        // `to_result` would accept the positive id; it only maps errors here.
        to_result(id.min(0))?;
        // INVARIANT: `id` is a registered group.
        Ok(Self { id })
    }

    /// Returns the group id.
    pub(crate) fn id(&self) -> i32 {
        self.id
    }

    /// Keeps the group registered forever: memory blocks stuck online still
    /// point at it.
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for MemoryGroup {
    fn drop(&mut self) {
        // SAFETY: `id` is registered (type invariant) and no memory of the
        // group is added any more (owners drop the group after the memory).
        unsafe { bindings::memory_group_unregister(self.id) };
    }
}

/// Memory hot-added with `__add_memory_driver_managed()`.
///
/// Dropping it without [`AddedMemory::remove`] leaves the memory added and
/// keeps its resource name alive: never a dangling name, at worst a leak.
pub(crate) struct AddedMemory {
    /// The block-aligned range that was added.
    range: Range,
    /// The name of the added "System RAM (kmem)" resource; released only once
    /// the memory, and with it the resource pointing at the name, is gone.
    name: ManuallyDrop<Arc<ResourceName>>,
}

impl AddedMemory {
    /// Adds `range` to memory group `group` as driver-managed System RAM
    /// named `name`, onlined as `online`.
    pub(crate) fn add(
        range: Range,
        group: &MemoryGroup,
        name: &Arc<ResourceName>,
        memmap_on_memory: bool,
        online: OnlineType,
    ) -> Result<Self> {
        let mut flags = bindings::KMEM_CONST_MHP_NID_IS_MGID;
        if memmap_on_memory {
            flags |= bindings::KMEM_CONST_MHP_MEMMAP_ON_MEMORY;
        }
        // SAFETY: The group is registered; the name lives as long as the
        // memory stays added (kept by `Self`, or leaked with it). "Driver
        // managed" keeps future kexec'd kernels from treating it as RAM.
        to_result(unsafe {
            kb::__add_memory_driver_managed(
                group.id(),
                range.start(),
                range.len(),
                name.as_char_ptr(),
                flags,
                online.to_mmop() as kb::mmop,
            )
        })?;
        Ok(Self {
            range,
            name: ManuallyDrop::new(name.clone()),
        })
    }

    /// Removes the memory if every block of it is offline; never offlines
    /// (C: `remove_memory()`), so it is safe on unbind. Gives the memory
    /// back if any block is online.
    pub(crate) fn remove(self) -> Result<(), Self> {
        // SAFETY: The range was added by `add` and is still added.
        let rc = unsafe { bindings::kmem_shim_remove_memory(self.range.start(), self.range.len()) };
        if rc != 0 {
            return Err(self);
        }
        // SAFETY: The memory and its resource are gone.
        unsafe { self.forget_removed() };
        Ok(())
    }

    /// Releases the name after the memory was removed.
    ///
    /// # Safety
    ///
    /// The memory must no longer be added.
    unsafe fn forget_removed(self) {
        let Self { name, .. } = self;
        drop(ManuallyDrop::into_inner(name));
    }
}

/// Added memory of several ranges, to be offlined and removed at once.
pub(crate) struct RemovalSet<'a> {
    /// Where each piece of memory is kept; emptied on success.
    memory: KVec<&'a mut Option<AddedMemory>>,
    /// The ranges of the memory, in the kernel's representation.
    ranges: KVec<kb::range>,
}

impl<'a> RemovalSet<'a> {
    /// Creates an empty set with room for `n` pieces.
    pub(crate) fn with_capacity(n: usize) -> Result<Self> {
        Ok(Self {
            memory: KVec::with_capacity(n, GFP_KERNEL)?,
            ranges: KVec::with_capacity(n, GFP_KERNEL)?,
        })
    }

    /// Adds the memory kept in `slot`, if any.
    pub(crate) fn push(&mut self, slot: &'a mut Option<AddedMemory>) -> Result {
        if let Some(m) = slot.as_ref() {
            self.ranges.push(m.range.to_c(), GFP_KERNEL)?;
            self.memory.push(slot, GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Offlines and removes every piece of memory at once, emptying their
    /// slots; the error is the kernel's refusal.
    ///
    /// All or nothing (C: `offline_and_remove_memory_ranges()`): on error
    /// every block is back in its previous state and the slots are untouched.
    pub(crate) fn offline_and_remove(self) -> Result {
        if self.ranges.is_empty() {
            return Ok(());
        }
        let nr = c_uint::try_from(self.ranges.len()).map_err(|_| EINVAL)?;
        // SAFETY: `ranges` holds `nr` ranges, each added by
        // `AddedMemory::add` and still added (kept in its slot).
        to_result(unsafe {
            bindings::kmem_shim_offline_and_remove_memory_ranges(self.ranges.as_ptr(), nr)
        })?;
        for slot in self.memory {
            if let Some(m) = slot.take() {
                // SAFETY: The call returned 0: every block was offlined under
                // `lock_device_hotplug()` and `try_remove_memory()` ran on each
                // range, releasing its resource (named by `name`). A failure
                // there is only `WARN_ON_ONCE()`d by the kernel, not returned
                // (mm/memory_hotplug.c); the C kmem assumes the same.
                unsafe { m.forget_removed() };
            }
        }
        Ok(())
    }
}
