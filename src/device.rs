// SPDX-License-Identifier: GPL-2.0

//! What kmem holds for one device: a reservation per range, with the memory
//! added beneath it; the memory group; the node's memory type; the status
//! the view shows.
//!
//! C: `struct dax_kmem_data` and the resource helpers of
//! `drivers/dax/kmem.c`. Safe code over the leaves; the device's mutex, held
//! by the driver, serialises every change.

use kernel::prelude::*;

use crate::{
    ioresource::{ParentRegion, ResourceName},
    memhp::{AddedMemory, BlockCounts, MemoryGroup, OnlineType},
    range::Range,
    tiers::NodeMemoryType, //
};
use kernel::sync::Arc;

/// One range of a device: its parent reservation and, once added, the
/// memory beneath it (C: `data->res[i]` and the memory added under it).
///
/// # Invariants
///
/// While `memory` is `Some`, `parent` is `Some` and holds that memory.
pub(crate) struct Reservation {
    /// The memory added beneath `parent`; always given up before `parent`.
    memory: Option<AddedMemory>,
    /// The parent reservation; `None` only once leaked.
    parent: Option<ParentRegion>,
    /// The block-aligned range.
    range: Range,
}

impl Reservation {
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
        online: OnlineType,
    ) -> Result {
        if self.memory.is_none() {
            let memory = AddedMemory::add(self.range, group, name, memmap_on_memory, online)?;
            self.memory = Some(memory);
        }
        Ok(())
    }

    /// Removes the memory (never offlining it) and releases the reservation;
    /// gives the reservation back, unchanged, if a block is still online.
    pub(crate) fn remove(mut self) -> Result<(), Self> {
        if let Some(memory) = self.memory.take() {
            if let Err(memory) = memory.remove() {
                self.memory = Some(memory);
                return Err(self);
            }
        }
        Ok(())
    }

    /// Counts the online blocks of the added memory by zone; none if the
    /// memory is not added.
    pub(crate) fn count_blocks(&self) -> BlockCounts {
        self.memory
            .as_ref()
            .map(AddedMemory::count_blocks)
            .unwrap_or_default()
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

    /// Offlines and removes the memory of every reservation in `slots` at
    /// once, then releases all of them and empties the slots.
    ///
    /// All or nothing (C: `offline_and_remove_memory_ranges()`): on error
    /// every block is back in its previous state and the slots are untouched.
    /// The outer error is a failure to allocate; the inner one is the
    /// kernel's refusal.
    pub(crate) fn offline_and_remove_all(slots: &mut [Option<Self>]) -> Result<Result> {
        let mut memory = KVec::with_capacity(slots.len(), GFP_KERNEL)?;
        for r in slots.iter_mut().flatten() {
            memory.push(&mut r.memory, GFP_KERNEL)?;
        }
        if let Err(e) = AddedMemory::offline_and_remove_all(&mut memory)? {
            return Ok(Err(e));
        }
        drop(memory);
        // No memory is left beneath any of them: release the reservations.
        slots.iter_mut().for_each(|slot| *slot = None);
        Ok(Ok(()))
    }
}

impl Drop for Reservation {
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

/// What the debugfs view shows besides the objects of [`DeviceMemory`].
#[derive(Default)]
pub(crate) struct Status {
    /// The target node.
    pub(crate) node: i32,
    /// The abstract distance of kmem's memory type for the node.
    pub(crate) adistance: i32,
    /// `memmap_on_memory` of the last add; `None` before the first.
    pub(crate) memmap_on_memory: Option<bool>,
    /// Microseconds the last add (reserve, add, online) took.
    pub(crate) last_add_us: Option<i64>,
    /// Microseconds the last remove (offline, remove, release) took.
    pub(crate) last_remove_us: Option<i64>,
    /// The last error: errno and what failed.
    pub(crate) last_error: Option<(i32, &'static str)>,
}

/// What a bound device owns, in the order it is released, and its status.
#[derive(Default)]
pub(crate) struct DeviceMemory {
    /// One slot per range of the device (C: `data->res[]`): empty when the
    /// range is not reserved.
    pub(crate) slots: KVec<Option<Reservation>>,
    /// The device's memory group; `None` once leaked. Released after the
    /// reservations, as the group must outlive the memory in it.
    pub(crate) group: Option<MemoryGroup>,
    /// The node's memory type; `None` once cleared or leaked.
    pub(crate) node_type: Option<NodeMemoryType>,
    /// What the debugfs view shows besides these objects.
    pub(crate) status: Status,
}

impl DeviceMemory {
    /// Returns the reservation of range `i`, if it is reserved.
    pub(crate) fn reservation(&self, i: usize) -> Option<&Reservation> {
        self.slots.get(i)?.as_ref()
    }

    /// Returns the memory group id, if a group is registered.
    pub(crate) fn group_id(&self) -> Option<i32> {
        self.group.as_ref().map(MemoryGroup::id)
    }

    /// Records a failure of `what`, and passes it on.
    pub(crate) fn failed(&mut self, what: &'static str, e: Error) -> Error {
        self.status.last_error = Some((e.to_errno(), what));
        e
    }

    /// Counts the online blocks of every added range by zone.
    pub(crate) fn count_blocks(&self) -> BlockCounts {
        self.slots
            .iter()
            .flatten()
            .fold(BlockCounts::default(), |c, r| c.merge(r.count_blocks()))
    }

    /// Leaks everything: for memory left online when the driver cannot keep
    /// it (C: "stuck online until reboot").
    pub(crate) fn leak(&mut self) {
        // Live resources and memory blocks point at these.
        for r in self.slots.iter_mut().filter_map(Option::take) {
            r.leak();
        }
        if let Some(group) = self.group.take() {
            group.leak();
        }
        if let Some(node_type) = self.node_type.take() {
            node_type.leak();
        }
    }
}
