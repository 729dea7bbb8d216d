// SPDX-License-Identifier: GPL-2.0

//! What kmem holds for one bound device: its ranges as probe read them, a
//! reservation per range with the memory added beneath it, the memory group,
//! the node's memory type, and the `state` it shows.
//!
//! C: `struct dax_kmem_data` and the resource helpers of
//! `drivers/dax/kmem.c`. Safe code over the leaves. [`KmemDevice::memory`]'s
//! mutex serialises every change (C: `data->lock`); the driver takes it, and
//! never holds the device hotplug lock with it (adding and removing memory
//! take that lock themselves).
//!
//! A device is shared (`Arc`): the driver owns it from probe to unbind, and
//! the debugfs view, where it is built, may hold a reference a little
//! longer. The driver empties [`KmemDevice::memory`] before it drops its
//! reference, so whoever drops the last one frees nothing but allocations.

use kernel::{
    new_mutex,
    prelude::*,
    str::CStr,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    }, //
};

use crate::{
    ioresource::{
        ParentRegion,
        ResourceName, //
    },
    memhp::{
        AddedMemory,
        MemoryGroup,
        OnlineType,
        RemovalSet, //
    },
    range::{
        Range,
        RangeInfo, //
    },
    state::State,
    tiers::NodeMemoryType, //
};

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

    /// Adds the memory beneath the reservation, named `name`; a no-op if it
    /// is added.
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

    /// Leaves the memory added and the reservation held forever, names
    /// included: for ranges stuck online.
    pub(crate) fn leak(mut self) {
        if let Some(parent) = self.parent.take() {
            parent.leak();
        }
        // Dropping `AddedMemory` without removal keeps its name (see there).
        self.memory = None;
    }

    /// Gathers the added memory of every reservation in `slots`, for
    /// [`RemovalSet::offline_and_remove`]; fails only to allocate.
    pub(crate) fn removal_set(slots: &mut [Option<Self>]) -> Result<RemovalSet<'_>> {
        let mut set = RemovalSet::with_capacity(slots.len())?;
        for r in slots.iter_mut().flatten() {
            set.push(&mut r.memory)?;
        }
        Ok(set)
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

/// What a bound device owns, in the order it is released.
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

/// A device bound to kmem (C: `struct dax_kmem_data`).
#[pin_data]
pub(crate) struct KmemDevice {
    /// The device's name, for the parent regions (C: `data->res_name`).
    name: Arc<ResourceName>,
    /// "System RAM (kmem)", the name of the memory added beneath them (C:
    /// `kmem_name`, one for the module there; one for each device here, so
    /// that the module keeps no name of its own). Ranges that stay added
    /// hold a reference, so it outlives the device if they do.
    ram_name: Arc<ResourceName>,
    /// The device's ranges, by index, as probe read them.
    ranges: KVec<RangeInfo>,
    /// The device's target node (C: `numa_node`).
    node: i32,
    /// The device's `memmap_on_memory`, fixed while it is bound.
    memmap_on_memory: bool,
    /// The current state in its C encoding, written under `memory`'s mutex
    /// and read without it, as `state_show()` reads `data->state`.
    state: Atomic<i32>,
    /// What the device holds, behind the mutex that serialises its state
    /// changes (C: `data->lock`).
    #[pin]
    memory: Mutex<DeviceMemory>,
}

impl KmemDevice {
    /// Creates a device named `name`, with `ranges`, on `node`, holding
    /// nothing yet.
    pub(crate) fn new(
        name: &CStr,
        ranges: KVec<RangeInfo>,
        node: i32,
        memmap_on_memory: bool,
    ) -> Result<Arc<Self>> {
        let init = try_pin_init!(Self {
            name: ResourceName::new(name)?,
            ram_name: ResourceName::new(c"System RAM (kmem)")?,
            ranges,
            node,
            memmap_on_memory,
            state: Atomic::new(State::Unplugged.to_raw()),
            memory <- new_mutex!(DeviceMemory::default()),
        });
        Arc::pin_init(init, GFP_KERNEL)
    }

    /// Returns the device's name.
    pub(crate) fn name(&self) -> &Arc<ResourceName> {
        &self.name
    }

    /// Returns the name of the memory added beneath the parent regions.
    pub(crate) fn ram_name(&self) -> &Arc<ResourceName> {
        &self.ram_name
    }

    /// Returns the device's ranges, as probe read them.
    pub(crate) fn ranges(&self) -> &[RangeInfo] {
        &self.ranges
    }

    /// Returns the aligned ranges with their indices.
    pub(crate) fn aligned(&self) -> impl Iterator<Item = (usize, Range)> + '_ {
        self.ranges
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.aligned?)))
    }

    /// Returns the device's target node.
    pub(crate) fn node(&self) -> i32 {
        self.node
    }

    /// Returns the device's `memmap_on_memory`.
    pub(crate) fn memmap_on_memory(&self) -> bool {
        self.memmap_on_memory
    }

    /// Returns what the device holds, behind the mutex that serialises its
    /// state changes.
    pub(crate) fn memory(&self) -> &Mutex<DeviceMemory> {
        &self.memory
    }

    /// Returns the current state.
    pub(crate) fn state(&self) -> State {
        State::from_raw(self.state.load(Relaxed)).unwrap_or(State::Unplugged)
    }

    /// Sets the state; called with `memory` held.
    pub(crate) fn set_state(&self, state: State) {
        self.state.store(state.to_raw(), Relaxed);
    }
}
