// SPDX-License-Identifier: GPL-2.0

//! The kmem driver: probe, remove and `state` changes of a dax device.
//!
//! C: `dev_dax_kmem_probe()`, `dev_dax_kmem_remove()` and the hotplug helpers
//! of `drivers/dax/kmem.c`, whose messages are kept word for word.
//!
//! Beyond C: memory that an unbind leaves online is not leaked "until reboot"
//! while the module stays loaded. The driver keeps owning it (reservations,
//! names, memory group, node type), holds a reference on the module so that
//! it cannot be unloaded meanwhile, and hands it to the next bind of the same
//! device, whose `state` then shows where the blocks are and whose unplug
//! removes them.
//!
//! Lock order: a device's `memory` mutex, then the driver's `stranded`
//! mutex; and the memory-hotplug locks the core takes inside add/remove. The
//! view's list is never held with either (view.rs). The device hotplug lock
//! is never held here.

use kernel::{
    device::Device,
    new_mutex,
    prelude::*,
    str::CStr,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex,
    },
    time::{Instant, Monotonic},
    ThisModule, //
};

use crate::{
    dax::{self, DaxDevice, Probe},
    device::{DeviceMemory, Reservation},
    ioresource::{Conflicts, ResourceName},
    memhp::{self, MemoryGroup, OnlineType},
    module_ref::ModuleRef,
    range::{Range, RangeInfo},
    state::{self, State, Transition},
    tiers::{self, MemoryTypes, NodeMemoryType},
    units::format_size,
    view::{Listed, View, ViewData}, //
};

/// The driver's state shared by all devices.
#[pin_data]
pub(crate) struct KmemDriver {
    /// "System RAM (kmem)", the name of every hot-added resource. Ranges that
    /// stay added hold a reference, so it outlives the module if they do
    /// (C: `kmem_name` and `any_hotremove_failed`).
    ram_name: Arc<ResourceName>,
    /// The memory types kmem allocated.
    #[pin]
    memory_types: MemoryTypes,
    /// The debugfs view `kmem/`, listing every device from its probe to the
    /// end of its unbind.
    view: View,
    /// The module, referenced while memory is kept in `stranded`.
    module: &'static ThisModule,
    /// Memory that unbinds left online, kept for the devices' next bind.
    /// Each entry holds a reference on the module, so this is empty when the
    /// driver is dropped.
    #[pin]
    stranded: Mutex<KVec<Stranded>>,
}

impl KmemDriver {
    /// Creates the driver's shared state.
    pub(crate) fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            ram_name: ResourceName::new(c"System RAM (kmem)")?,
            memory_types <- MemoryTypes::new(),
            view: View::new()?,
            module,
            stranded <- new_mutex!(KVec::new()),
        })
    }

    /// Takes the memory an earlier unbind of the device `name` left online,
    /// if its ranges are still the block-aligned parts of `ranges`.
    fn take_stranded(&self, name: &CStr, ranges: &[RangeInfo]) -> Option<DeviceMemory> {
        let mut stranded = self.stranded.lock();
        let i = stranded.iter().position(|s| s.is_of(name, ranges))?;
        let Stranded { memory, .. } = stranded.remove(i).ok()?;
        // The reference on the module is dropped here, in a probe, which the
        // module's unload waits for.
        Some(memory)
    }

    /// Takes `memory`, which an unbind of the device named `name` left
    /// online, and keeps it for the device's next bind; leaves it where it
    /// is, and fails, if the module is being unloaded or memory is short.
    fn keep_stranded(&self, name: &Arc<ResourceName>, memory: &mut DeviceMemory) -> Result {
        let module = ModuleRef::try_get(self.module).ok_or(ENODEV)?;
        let mut stranded = self.stranded.lock();
        stranded.reserve(1, GFP_KERNEL)?;
        stranded
            .push_within_capacity(Stranded {
                name: name.clone(),
                memory: core::mem::take(memory),
                _module: module,
            })
            .map_err(|e| {
                // Not reached after the reservation above; gives it back.
                *memory = e.0.memory;
                ENOMEM
            })
    }
}

/// Memory an unbind left online, kept by the driver.
struct Stranded {
    /// The device's name.
    name: Arc<ResourceName>,
    /// The reservations, added memory, memory group and node type.
    memory: DeviceMemory,
    /// Keeps the module, and with it this memory's owner, loaded.
    _module: ModuleRef,
}

impl Stranded {
    /// Returns whether this is memory of the device `name` whose ranges are
    /// `ranges`: same name, and each kept range still the block-aligned part
    /// of the range of the same index.
    fn is_of(&self, name: &CStr, ranges: &[RangeInfo]) -> bool {
        self.name.is(name)
            && self.memory.slots.len() == ranges.len()
            && self
                .memory
                .slots
                .iter()
                .zip(ranges)
                .all(|(slot, r)| slot.as_ref().is_none_or(|s| r.aligned == Some(s.range())))
    }
}

/// A device bound to kmem (C: `struct dax_kmem_data`).
pub(crate) struct KmemDevice {
    /// The device's entry in the debugfs view, taken out when the device is
    /// dropped: its ranges, and its memory, behind the mutex that serialises
    /// state changes (C: `data->lock`). A reader may still hold the entry,
    /// and with it the memory, which `remove` (or, after a failed probe,
    /// `Drop`) therefore releases first.
    listed: Listed,
    /// The current state in its C encoding, written under the memory's
    /// mutex and read without it, as `state_show()` reads `data->state`.
    state: Atomic<i32>,
    /// The device's `memmap_on_memory`, fixed while it is bound.
    memmap_on_memory: bool,
    /// Set by `remove` once the memory holds nothing but allocations: no
    /// reservation, added memory, group or node type.
    released: bool,
}

impl Drop for KmemDevice {
    fn drop(&mut self) {
        if self.released {
            // What is left is only allocations, which a reader may free.
            return;
        }
        // What the memory still holds (reservations, added memory, group,
        // node type: after a failed probe) is released here, in the probe
        // that drops the device, and after the mutex, not by a view reader
        // that happens to hold the last reference.
        let memory = core::mem::take(&mut *self.memory().lock());
        drop(memory);
    }
}

impl dax::Driver for KmemDriver {
    type Data = KBox<KmemDevice>;

    fn probe(&self, dax: &Probe<'_>) -> Result<Self::Data> {
        let dev = dax.as_dev();
        // Good NUMA information keeps slow memory out of a node with faster
        // memory.
        let node = dax.target_node();
        if node < 0 {
            dev_warn!(dev, "rejecting DAX region with invalid node: {node}\n");
            return Err(EINVAL);
        }
        let online = memhp::default_online_type();
        let adistance = tiers::adistance(node);
        let mtype = self.memory_types.find_alloc(adistance)?;

        let block = memhp::block_size();
        let (mut total_len, mut orig_len) = (0u64, 0u64);
        let raw = dax.ranges()?;
        let mut ranges = KVec::with_capacity(raw.len(), GFP_KERNEL)?;
        for (i, range) in raw.into_iter().enumerate() {
            orig_len += range.len();
            let aligned = range.align_to_blocks(block);
            ranges.push(
                RangeInfo {
                    raw: range,
                    aligned,
                },
                GFP_KERNEL,
            )?;
            match aligned {
                Some(aligned) => total_len += aligned.len(),
                None => dev_info!(
                    dev,
                    "mapping{i}: {:#x}-{:#x} too small after alignment\n",
                    range.start(),
                    range.end()
                ),
            }
        }
        if total_len == 0 {
            dev_warn!(
                dev,
                "rejecting DAX region without any memory after alignment\n"
            );
            return Err(EINVAL);
        } else if total_len != orig_len {
            let mut size = [0u8; 16];
            let size = format_size(orig_len - total_len, &mut size);
            dev_warn!(dev, "DAX region truncated by {size} due to alignment\n");
        }

        let name = ResourceName::new(dev.name())?;
        let view = try_pin_init!(ViewData {
            name,
            ranges,
            memory <- new_mutex!(DeviceMemory::default()),
        });
        let data = KBox::new(
            KmemDevice {
                listed: self.view.add(view)?,
                state: Atomic::new(State::Unplugged.to_raw()),
                memmap_on_memory: dax.memmap_on_memory(),
                released: false,
            },
            GFP_KERNEL,
        )?;

        let mut mem = data.memory().lock();
        if let Some(kept) = self.take_stranded(dev.name(), data.ranges()) {
            *mem = kept;
            let zones = mem.count_blocks();
            let state = state::adopted(zones.kernel > 0, zones.movable > 0);
            data.set_state(state);
            dev_info!(
                dev,
                "took over the memory an earlier unbind left online: {}\n",
                state.name()
            );
        } else {
            mem.status.node = node;
            mem.status.adistance = adistance;
            mem.node_type = Some(NodeMemoryType::init(node, mtype));
            mem.slots = KVec::with_capacity(data.ranges().len(), GFP_KERNEL)?;
            for _ in 0..data.ranges().len() {
                mem.slots.push(None, GFP_KERNEL)?;
            }
            mem.group = Some(MemoryGroup::register_static(node, total_len)?);
            // On error, dropping `data` releases the reservations, the group
            // and the node's memory type, in that order.
            data.plug(dax, &mut mem, online, &self.ram_name)?;
        }
        drop(mem);
        Ok(data)
    }

    fn remove(&self, dax: &DaxDevice, mut data: Self::Data) {
        let mut mem = data.memory().lock();
        self.release(dax.as_dev(), data.name(), &mut mem);
        drop(mem);
        // Saves `Drop` taking the mutex again.
        data.released = true;
    }

    fn show_state(data: &KmemDevice) -> &'static CStr {
        data.state().name()
    }

    fn store_state(&self, data: &KmemDevice, dax: &DaxDevice, value: &CStr) -> Result {
        data.store_state(dax, value, &self.ram_name)
    }
}

impl KmemDriver {
    /// Removes what `remove` finds of a device's memory and releases the
    /// group and the node's memory type, or keeps or leaks them with what is
    /// stuck online: afterwards `mem` holds nothing but allocations.
    fn release(&self, dev: &Device, name: &Arc<ResourceName>, mem: &mut DeviceMemory) {
        if !memhp::HOTREMOVE {
            // C: without hot-remove, leak on purpose and silently: the
            // regions stay reserved and the memory added until reboot.
            mem.leak();
            return;
        }
        // The state only tracks writes to `state`, so it may be stale: try
        // remove_memory() on every range, which reports the truth and never
        // offlines (offlining here could deadlock an unbind).
        let mut stuck = false;
        for (i, slot) in mem.slots.iter_mut().enumerate() {
            let Some(reservation) = slot.take() else {
                continue;
            };
            if let Err(reservation) = reservation.remove() {
                let r = reservation.range();
                dev_warn!(
                    dev,
                    "mapping{i}: {:#x}-{:#x} stuck online until reboot\n",
                    r.start(),
                    r.end()
                );
                stuck = true;
                *slot = Some(reservation);
            }
        }
        if stuck {
            dev_err!(dev, "Hotplug regions stuck online until reboot\n");
            match self.keep_stranded(name, mem) {
                Ok(()) => dev_warn!(
                    dev,
                    "kmem keeps the memory left online: bind {} to kmem again, then write unplugged to its state, to remove it; kmem cannot be unloaded until then\n",
                    dev.name()
                ),
                Err(_) => mem.leak(),
            }
            return;
        }
        mem.group = None;
        // Memory blocks are gone: the node's type may be dropped.
        if let Some(node_type) = mem.node_type.take() {
            node_type.clear();
        }
    }
}

impl KmemDevice {
    /// Returns the device's memory and the mutex that serialises its state
    /// changes.
    fn memory(&self) -> &Mutex<DeviceMemory> {
        &self.listed.data().memory
    }

    /// Returns the device's name, for the parent regions (C:
    /// `data->res_name`).
    fn name(&self) -> &Arc<ResourceName> {
        &self.listed.data().name
    }

    /// Returns the device's ranges, as probe read them.
    fn ranges(&self) -> &[RangeInfo] {
        &self.listed.data().ranges
    }

    /// Returns the current state.
    pub(crate) fn state(&self) -> State {
        State::from_raw(self.state.load(Relaxed)).unwrap_or(State::Unplugged)
    }

    /// Sets the state; called with `memory` held.
    fn set_state(&self, state: State) {
        self.state.store(state.to_raw(), Relaxed);
    }

    /// Applies a write to `state` (C: `state_store()`).
    fn store_state(&self, dax: &DaxDevice, value: &CStr, ram_name: &Arc<ResourceName>) -> Result {
        let requested = state::parse(value)?;
        let mut mem = self.memory().lock();
        match state::transition(self.state(), requested) {
            Transition::Keep => Ok(()),
            Transition::Busy => Err(EBUSY),
            // C: without hot-remove, unplug is refused silently.
            Transition::Unplug if !memhp::HOTREMOVE => Err(EBUSY),
            Transition::Unplug => {
                let start = Instant::<Monotonic>::now();
                let removed = Reservation::offline_and_remove_all(&mut mem.slots)
                    .map_err(|e| mem.failed("offline and remove", e))?;
                if let Err(e) = removed {
                    dev_err!(
                        dax.as_dev(),
                        "hotremove failed, device left online: {}\n",
                        e.to_errno()
                    );
                    return Err(mem.failed("offline and remove", e));
                }
                mem.status.last_remove_us = Some(start.elapsed().as_micros_ceil());
                self.set_state(State::Unplugged);
                Ok(())
            }
            Transition::Plug(online) => self.plug(dax, &mut mem, online, ram_name),
        }
    }

    /// Reserves and adds every range with `online`, then records the state;
    /// on failure releases every reservation (C: `dax_kmem_init_resources()`,
    /// `dax_kmem_do_hotplug()` and `dax_kmem_cleanup_resources()`).
    fn plug(
        &self,
        dax: &DaxDevice,
        mem: &mut DeviceMemory,
        online: OnlineType,
        ram_name: &Arc<ResourceName>,
    ) -> Result {
        let start = Instant::<Monotonic>::now();
        if mem.group.is_none() {
            return Err(EINVAL);
        }
        if let Err(e) = reserve(dax.as_dev(), self.ranges(), &mut mem.slots, self.name()) {
            return Err(mem.failed("reserve", e));
        }
        let Some(group) = mem.group.as_ref() else {
            return Err(EINVAL);
        };
        if let Err(e) = add(
            dax.as_dev(),
            &mut mem.slots,
            group,
            ram_name,
            self.memmap_on_memory,
            online,
        ) {
            mem.slots.iter_mut().for_each(|slot| *slot = None);
            return Err(mem.failed("add", e));
        }
        mem.status.memmap_on_memory = Some(self.memmap_on_memory);
        mem.status.last_add_us = Some(start.elapsed().as_micros_ceil());
        self.set_state(State::Added(online));
        Ok(())
    }
}

/// Reserves the parent region of every range not yet reserved; returns how
/// many it reserved (C: `dax_kmem_init_resources()`).
///
/// A range that cannot be reserved is skipped once another one was reserved
/// (memory may be online already); otherwise the device fails with `-EBUSY`.
fn reserve(
    dev: &Device,
    ranges: &[RangeInfo],
    slots: &mut [Option<Reservation>],
    name: &Arc<ResourceName>,
) -> Result<usize> {
    let mut reserved = 0;
    for (i, (slot, range)) in slots.iter_mut().zip(ranges).enumerate() {
        let Some(range) = range.aligned else {
            continue;
        };
        if slot.is_some() {
            continue;
        }
        match Reservation::reserve(range, name) {
            Some(r) => {
                *slot = Some(r);
                reserved += 1;
            }
            None => {
                warn_range(dev, i, range, "could not reserve region");
                // Beyond C, on a line of its own so that the C line stays
                // as it is: what is in the way, as far as the kernel lets a
                // module read it (names are in /proc/iomem).
                let conflicts = Conflicts::at(range);
                if conflicts.any() {
                    dev_warn!(dev, "mapping{i}: in the way: {conflicts}\n");
                }
                if reserved == 0 {
                    return Err(EBUSY);
                }
            }
        }
    }
    Ok(reserved)
}

/// Adds the memory of every reserved range; returns how many it added
/// (C: `dax_kmem_do_hotplug()`).
///
/// A range whose add fails loses its reservation, so that a later removal
/// does not touch memory that was never added. The first failure fails the
/// device unless another range was already added.
fn add(
    dev: &Device,
    slots: &mut [Option<Reservation>],
    group: &MemoryGroup,
    name: &Arc<ResourceName>,
    memmap_on_memory: bool,
    online: OnlineType,
) -> Result<usize> {
    let mut added = 0;
    for (i, slot) in slots.iter_mut().enumerate() {
        let Some(r) = slot.as_mut() else {
            continue;
        };
        if let Err(e) = r.add(group, name, memmap_on_memory, online) {
            warn_range(dev, i, r.range(), "memory add failed");
            *slot = None;
            if added == 0 {
                return Err(e);
            }
            continue;
        }
        added += 1;
    }
    Ok(added)
}

/// Prints "mappingN: START-END WHAT" as a warning, as the C driver does.
fn warn_range(dev: &Device, i: usize, range: Range, what: &str) {
    dev_warn!(
        dev,
        "mapping{i}: {:#x}-{:#x} {what}\n",
        range.start(),
        range.end()
    );
}
