// SPDX-License-Identifier: GPL-2.0

//! Memory hotplug: block alignment, memory groups, and hot-added ranges.
//!
//! C headers: [`include/linux/memory_hotplug.h`](srctree/include/linux/memory_hotplug.h)
//! and [`include/linux/memory.h`](srctree/include/linux/memory.h).
//!
//! Never call into this file with the device hotplug lock held: adding and
//! removing memory take it themselves.

use core::mem::ManuallyDrop;

use kernel::{
    bindings as kb,
    error::to_result,
    ffi::{c_uint, c_ulong},
    page::PAGE_SIZE,
    prelude::*,
    sync::Arc, //
};

use crate::{
    bindings,
    resource::{ParentRegion, ResourceName},
    state::State, //
};

/// A physical address range, inclusive at both ends (C: `struct range`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Range {
    /// First byte.
    start: u64,
    /// Last byte.
    end: u64,
}

impl Range {
    /// Creates the range `start..=end`.
    pub(crate) const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// Returns the first byte.
    pub(crate) const fn start(&self) -> u64 {
        self.start
    }

    /// Returns the last byte.
    pub(crate) const fn end(&self) -> u64 {
        self.end
    }

    /// Returns the length in bytes (C: `range_len()`).
    pub(crate) const fn len(&self) -> u64 {
        self.end.wrapping_sub(self.start).wrapping_add(1)
    }

    /// Returns the largest sub-range made of whole blocks of `block` bytes (a
    /// power of two), or `None` if no whole block fits.
    ///
    /// C: `memory_block_aligned_range()` with the emptiness check of
    /// `dax_kmem_range()`, including its wrap-around arithmetic.
    pub(crate) const fn align_to_blocks(&self, block: u64) -> Option<Self> {
        let mask = block.wrapping_sub(1);
        let start = self.start.wrapping_add(mask) & !mask;
        let end = self.end.wrapping_add(1) & !mask;
        if end <= start {
            None
        } else {
            Some(Self::new(start, end - 1))
        }
    }

    /// Returns the C representation.
    fn to_c(self) -> kb::range {
        kb::range {
            start: self.start,
            end: self.end,
        }
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
pub(crate) fn default_online_type() -> State {
    // SAFETY: A plain query without preconditions.
    let mmop = unsafe { kb::mhp_get_default_online_type() };
    State::from_mmop(mmop).unwrap_or(State::Offline)
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
struct AddedMemory {
    /// The block-aligned range that was added.
    range: Range,
    /// The name of the added "System RAM (kmem)" resource; released only once
    /// the memory, and with it the resource pointing at the name, is gone.
    name: ManuallyDrop<Arc<ResourceName>>,
}

impl AddedMemory {
    /// Adds `range` to memory group `group` as driver-managed System RAM
    /// named `name`, onlined as `online`.
    fn add(
        range: Range,
        group: &MemoryGroup,
        name: &Arc<ResourceName>,
        memmap_on_memory: bool,
        online: State,
    ) -> Result<Self> {
        let mut flags = bindings::KMEM_CONST_MHP_NID_IS_MGID;
        if memmap_on_memory {
            flags |= bindings::KMEM_CONST_MHP_MEMMAP_ON_MEMORY;
        }
        let online = online.to_mmop().ok_or(EINVAL)?;
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
                online,
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
    fn remove(self) -> Result<(), Self> {
        // SAFETY: The range was added by `add` and is still added.
        let rc = unsafe { kb::remove_memory(self.range.start(), self.range.len()) };
        if rc != 0 {
            return Err(self);
        }
        // SAFETY: The memory and its resource are gone.
        unsafe { self.forget_removed() };
        Ok(())
    }

    /// Releases the name after the memory was removed by other means.
    ///
    /// # Safety
    ///
    /// The memory must no longer be added.
    unsafe fn forget_removed(self) {
        let Self { name, .. } = self;
        drop(ManuallyDrop::into_inner(name));
    }
}

/// Whether any online block is in ZONE_MOVABLE, and whether any is in a
/// kernel zone.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct OnlineZones {
    /// Some block is online outside ZONE_MOVABLE.
    pub(crate) kernel: bool,
    /// Some block is online in ZONE_MOVABLE.
    pub(crate) movable: bool,
}

impl OnlineZones {
    /// Merges the zones of another range.
    pub(crate) fn merge(self, other: Self) -> Self {
        Self {
            kernel: self.kernel || other.kernel,
            movable: self.movable || other.movable,
        }
    }
}

/// How many blocks of a range are online, by zone.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct BlockCounts {
    /// Blocks online outside ZONE_MOVABLE.
    pub(crate) kernel: u64,
    /// Blocks online in ZONE_MOVABLE.
    pub(crate) movable: u64,
}

/// One range of a device: its parent reservation and, once added, the memory
/// beneath it (C: `data->res[i]` and the memory added under it).
///
/// # Invariants
///
/// While `memory` is `Some`, `parent` is `Some` and holds that memory.
pub(crate) struct Mapping {
    /// The memory added beneath `parent`; always given up before `parent`.
    memory: Option<AddedMemory>,
    /// The parent reservation; `None` only once leaked.
    parent: Option<ParentRegion>,
    /// The block-aligned range.
    range: Range,
}

impl Mapping {
    /// Reserves the parent region of `range` (block-aligned) under `name`;
    /// `None` if it conflicts with another resource.
    pub(crate) fn reserve(range: Range, name: &Arc<ResourceName>) -> Option<Self> {
        Some(Self {
            parent: Some(ParentRegion::request(range, name)?),
            memory: None,
            range,
        })
    }

    /// Returns the block-aligned range.
    pub(crate) fn range(&self) -> Range {
        self.range
    }

    /// Returns whether the memory is added.
    pub(crate) fn is_added(&self) -> bool {
        self.memory.is_some()
    }

    /// Adds the memory beneath the reservation; a no-op if it is added.
    pub(crate) fn add(
        &mut self,
        group: &MemoryGroup,
        name: &Arc<ResourceName>,
        memmap_on_memory: bool,
        online: State,
    ) -> Result {
        if self.memory.is_none() {
            let memory = AddedMemory::add(self.range, group, name, memmap_on_memory, online)?;
            self.memory = Some(memory);
        }
        Ok(())
    }

    /// Removes the memory (never offlining it) and releases the reservation;
    /// gives the mapping back, unchanged, if a block is still online.
    pub(crate) fn remove(mut self) -> Result<(), Self> {
        if let Some(memory) = self.memory.take() {
            if let Err(memory) = memory.remove() {
                self.memory = Some(memory);
                return Err(self);
            }
        }
        Ok(())
    }

    /// Returns which zones the online blocks of the added memory are in.
    pub(crate) fn online_zones(&self) -> OnlineZones {
        let c = self.count_blocks();
        OnlineZones {
            kernel: c.kernel > 0,
            movable: c.movable > 0,
        }
    }

    /// Counts the online blocks of the added memory by zone; none if the
    /// memory is not added.
    pub(crate) fn count_blocks(&self) -> BlockCounts {
        let mut counts = BlockCounts::default();
        if !self.is_added() {
            return counts;
        }
        let page = PAGE_SIZE as u64;
        let block_pages = block_size() / page;
        let (first, end) = (self.range.start() / page, self.range.end() / page + 1);
        // A block is onlined into one zone as a whole: its first page tells.
        for pfn in (first..end).step_by(block_pages.max(1) as usize) {
            let Ok(pfn) = c_ulong::try_from(pfn) else {
                break;
            };
            // SAFETY: A lookup without preconditions; it returns null unless
            // the page is online, and an online page's `struct page` stays
            // valid while its memory is added, which `self` guarantees.
            let page = unsafe { kb::pfn_to_online_page(pfn) };
            if page.is_null() {
                continue;
            }
            // SAFETY: `page` is a valid, initialised `struct page` (above).
            let zone = unsafe { bindings::kmem_shim_page_zonenum(page) };
            if zone == kb::zone_type_ZONE_MOVABLE {
                counts.movable += 1;
            } else {
                counts.kernel += 1;
            }
        }
        counts
    }

    /// Leaves the memory added and the reservation held forever, names
    /// included: for ranges stuck online.
    pub(crate) fn leak(mut self) {
        if let Some(parent) = self.parent.take() {
            parent.leak();
        }
        // Dropping `AddedMemory` without removal keeps its name (see there).
        self.memory = None;
    }

    /// Offlines and removes the memory of every added mapping in `slots` at
    /// once, then releases all their reservations and empties the slots.
    ///
    /// All or nothing (C: `offline_and_remove_memory_ranges()`): on error
    /// every block is back in its previous state and the slots are untouched.
    pub(crate) fn offline_and_remove_all(slots: &mut [Option<Self>]) -> Result {
        let mut ranges = KVec::new();
        for mapping in slots.iter().flatten().filter(|m| m.is_added()) {
            ranges.push(mapping.range.to_c(), GFP_KERNEL)?;
        }
        if ranges.is_empty() {
            return Ok(());
        }
        let nr = c_uint::try_from(ranges.len()).map_err(|_| EINVAL)?;
        // SAFETY: `ranges` holds `nr` ranges, each added by us.
        to_result(unsafe { kb::offline_and_remove_memory_ranges(ranges.as_ptr(), nr) })?;
        for slot in slots.iter_mut() {
            if let Some(mut mapping) = slot.take() {
                if let Some(memory) = mapping.memory.take() {
                    // SAFETY: The call above removed every added range.
                    unsafe { memory.forget_removed() };
                }
                // Dropping the mapping releases the reservation.
            }
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Owners remove or leak added memory explicitly, with messages; this
        // only keeps an unexpected drop from freeing a parent with memory
        // still beneath it.
        if let Some(memory) = self.memory.take() {
            if memory.remove().is_err() {
                if let Some(parent) = self.parent.take() {
                    parent.leak();
                }
            }
        }
    }
}

#[kunit_tests(kmem_rs_hotplug)]
mod tests {
    use super::Range;

    const MIB: u64 = 1 << 20;
    const BLOCK: u64 = 128 * MIB;

    #[test]
    fn aligned_range_is_unchanged() {
        let r = Range::new(4 << 30, (6 << 30) - 1);
        assert_eq!(r.align_to_blocks(BLOCK), Some(r));
        assert_eq!(r.len(), 2 << 30);
    }

    #[test]
    fn unaligned_ends_are_trimmed_inwards() {
        let r = Range::new((4 << 30) + 2 * MIB, (6 << 30) + 5 * MIB);
        let a = r.align_to_blocks(BLOCK).unwrap();
        assert_eq!(a.start(), (4 << 30) + BLOCK);
        assert_eq!(a.end(), (6 << 30) - 1);
    }

    #[test]
    fn less_than_a_block_is_empty() {
        assert_eq!(Range::new(0, BLOCK - 2).align_to_blocks(BLOCK), None);
        assert_eq!(Range::new(MIB, BLOCK + MIB).align_to_blocks(BLOCK), None);
        assert_eq!(
            Range::new(BLOCK, 2 * BLOCK - 1).align_to_blocks(BLOCK),
            Some(Range::new(BLOCK, 2 * BLOCK - 1))
        );
    }

    #[test]
    fn end_of_address_space_wraps_as_in_c() {
        // C: ALIGN_DOWN(end + 1) wraps to 0, so nothing fits.
        assert_eq!(
            Range::new(u64::MAX - BLOCK, u64::MAX).align_to_blocks(BLOCK),
            None
        );
    }
}
