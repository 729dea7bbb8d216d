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
//! Lock order: a device's `hotplug` mutex, then the driver's `stranded`
//! mutex; and the memory-hotplug locks the core takes inside add/remove. The
//! device hotplug lock is never held here.

use kernel::{
    debugfs::Dir,
    device::Device,
    new_mutex,
    prelude::*,
    sync::{
        atomic::{Atomic, Relaxed},
        Arc, Mutex,
    },
    time::{Instant, Monotonic},
    ThisModule, //
};

use crate::{
    dax::{self, DaxDevice},
    hotplug::{self, Mapping, MemoryGroup, OnlineZones, Range},
    module_ref::ModuleRef,
    resource::{ResourceName, Snapshot},
    state::{self, State, Transition},
    tiers::{self, MemoryTypes, NodeMemoryType},
    units::format_size,
    view::{DeviceView, RangeInfo, Status, ViewData},
};

/// The driver's state shared by all devices.
#[pin_data]
pub(crate) struct KmemDriver {
    /// "System RAM (kmem)", the name of every hot-added resource. Ranges that
    /// stay added hold a reference, so it outlives the module if they do
    /// (C: `kmem_name` and `any_hotremove_failed`).
    hotplug_name: Arc<ResourceName>,
    /// The memory types kmem allocated.
    #[pin]
    memory_types: MemoryTypes,
    /// The debugfs directory `kmem`, holding one directory per bound device.
    debugfs: Dir,
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
            hotplug_name: ResourceName::new(c"System RAM (kmem)")?,
            memory_types <- MemoryTypes::new(),
            debugfs: Dir::new(c"kmem"),
            module,
            stranded <- new_mutex!(KVec::new()),
        })
    }

    /// Takes the memory an earlier unbind of `dax` left online, if its ranges
    /// are still `dax`'s (same name, same block-aligned ranges).
    fn take_stranded(&self, dax: &DaxDevice) -> Option<Hotplug> {
        let mut stranded = self.stranded.lock();
        let i = stranded.iter().position(|s| s.is_of(dax))?;
        let Stranded { hotplug, .. } = stranded.remove(i).ok()?;
        // The reference on the module is dropped here, in a probe, which the
        // module's unload waits for.
        Some(hotplug)
    }

    /// Keeps `hotplug`, which an unbind of the device named `name` left
    /// online, for the device's next bind; gives it back if the module is
    /// being unloaded or memory is short.
    fn keep_stranded(&self, name: &Arc<ResourceName>, hotplug: Hotplug) -> Result<(), Hotplug> {
        let Some(module) = ModuleRef::try_get(self.module) else {
            return Err(hotplug);
        };
        let mut stranded = self.stranded.lock();
        if stranded.reserve(1, GFP_KERNEL).is_err() {
            return Err(hotplug);
        }
        stranded
            .push_within_capacity(Stranded {
                name: name.clone(),
                hotplug,
                _module: module,
            })
            .map_err(|e| e.0.hotplug)
    }
}

/// Memory an unbind left online, kept by the driver.
struct Stranded {
    /// The device's name.
    name: Arc<ResourceName>,
    /// The reservations, added memory, memory group and node type.
    hotplug: Hotplug,
    /// Keeps the module, and with it this memory's owner, loaded.
    _module: ModuleRef,
}

impl Stranded {
    /// Returns whether this is memory of `dax`: its name, and each kept range
    /// still the block-aligned range of the same index.
    fn is_of(&self, dax: &DaxDevice) -> bool {
        let block = hotplug::block_size();
        self.name.is(dax.as_dev().name())
            && self.hotplug.mappings.len() == dax.nr_range()
            && self.hotplug.mappings.iter().enumerate().all(|(i, slot)| {
                slot.as_ref().is_none_or(|m| {
                    dax.range(i).and_then(|r| r.align_to_blocks(block)) == Some(m.range())
                })
            })
    }
}

/// What a bound device owns, in the order it is released, and its status.
#[derive(Default)]
pub(crate) struct Hotplug {
    /// One slot per range of the device (C: `data->res[]`): empty when the
    /// range is not reserved.
    mappings: KVec<Option<Mapping>>,
    /// The device's memory group; `None` once leaked. Released after the
    /// mappings, as the group must outlive the memory in it.
    group: Option<MemoryGroup>,
    /// The node's memory type; `None` once cleared or leaked.
    node_type: Option<NodeMemoryType>,
    /// What the debugfs view shows besides these objects.
    status: Status,
}

impl Hotplug {
    /// Returns the mapping of range `i`, if it is reserved.
    pub(crate) fn mapping(&self, i: usize) -> Option<&Mapping> {
        self.mappings.get(i)?.as_ref()
    }

    /// Returns the memory group id, if a group is registered.
    pub(crate) fn group_id(&self) -> Option<i32> {
        self.group.as_ref().map(MemoryGroup::id)
    }

    /// Returns the status the view shows.
    pub(crate) fn status(&self) -> &Status {
        &self.status
    }

    /// Records a failure of `what`, and passes it on.
    fn failed(&mut self, what: &'static str, e: Error) -> Error {
        self.status.last_error = Some((e.to_errno(), what));
        e
    }
    /// Returns the state of memory taken over from an earlier unbind: where
    /// its online blocks are.
    fn adopted_state(&self) -> State {
        let zones = self
            .mappings
            .iter()
            .flatten()
            .fold(OnlineZones::default(), |z, m| z.merge(m.online_zones()));
        state::adopted(zones.kernel, zones.movable)
    }

    /// Leaks everything: for memory left online when the driver cannot keep
    /// it (C: "stuck online until reboot").
    fn leak(&mut self) {
        // Live resources and memory blocks point at these.
        for mapping in self.mappings.iter_mut().filter_map(Option::take) {
            mapping.leak();
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
    /// The debugfs view; removed first, so no reader outlives the device.
    #[pin]
    view: DeviceView,
    /// Serialises state changes (C: `data->lock`) and owns the hotplugged
    /// objects; shared with the view, which reads them under the lock.
    hotplug: Arc<Mutex<Hotplug>>,
    /// The current state in its C encoding, written under `hotplug` and read
    /// without it, as `state_show()` reads `data->state`.
    state: Atomic<i32>,
    /// The device name, for the parent regions (C: `data->res_name`).
    res_name: Arc<ResourceName>,
    /// "System RAM (kmem)", for the added memory.
    hotplug_name: Arc<ResourceName>,
}

impl dax::Driver for KmemDriver {
    type Data = Pin<KBox<KmemDevice>>;

    fn probe(&self, dax: &DaxDevice) -> Result<Self::Data> {
        let dev = dax.as_dev();
        // Good NUMA information keeps slow memory out of a node with faster
        // memory.
        let node = dax.target_node();
        if node < 0 {
            dev_warn!(dev, "rejecting DAX region with invalid node: {node}\n");
            return Err(EINVAL);
        }
        let online = hotplug::default_online_type();
        let adistance = tiers::adistance(node);
        let mtype = self.memory_types.find_alloc(adistance)?;

        let block = hotplug::block_size();
        let (mut total_len, mut orig_len) = (0u64, 0u64);
        let mut ranges = KVec::new();
        for (i, range) in dax.ranges().enumerate() {
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

        let hotplug = Arc::pin_init(new_mutex!(Hotplug::default()), GFP_KERNEL)?;
        let view = ViewData {
            ranges,
            hotplug: hotplug.clone(),
        };
        let data = KBox::pin_init(
            try_pin_init!(KmemDevice {
                view <- DeviceView::new(&self.debugfs, dev.name(), view),
                hotplug,
                state: Atomic::new(State::Unplugged.to_raw()),
                res_name: ResourceName::new(dev.name())?,
                hotplug_name: self.hotplug_name.clone(),
            }),
            GFP_KERNEL,
        )?;

        let mut hp = data.hotplug.lock();
        if let Some(kept) = self.take_stranded(dax) {
            *hp = kept;
            let state = hp.adopted_state();
            data.set_state(state);
            dev_info!(
                dev,
                "took over the memory an earlier unbind left online: {}\n",
                state.name()
            );
        } else {
            hp.status.node = node;
            hp.status.adistance = adistance;
            hp.node_type = Some(NodeMemoryType::init(node, mtype));
            hp.mappings = KVec::with_capacity(dax.nr_range(), GFP_KERNEL)?;
            for _ in 0..dax.nr_range() {
                hp.mappings.push(None, GFP_KERNEL)?;
            }
            hp.group = Some(MemoryGroup::register_static(node, total_len)?);
            // On error, dropping `data` releases the reservations, the group
            // and the node's memory type, in that order.
            data.plug(dax, &mut hp, online)?;
        }
        drop(hp);
        Ok(data)
    }

    fn remove(&self, dax: &DaxDevice, data: Self::Data) {
        let dev = dax.as_dev();
        let mut hp = data.hotplug.lock();
        // The state only tracks writes to `state`, so it may be stale: try
        // remove_memory() on every range, which reports the truth and never
        // offlines (offlining here could deadlock an unbind).
        let mut stuck = false;
        for (i, slot) in hp.mappings.iter_mut().enumerate() {
            let Some(mapping) = slot.take() else { continue };
            if let Err(mapping) = mapping.remove() {
                let r = mapping.range();
                dev_warn!(
                    dev,
                    "mapping{i}: {:#x}-{:#x} stuck online until reboot\n",
                    r.start(),
                    r.end()
                );
                stuck = true;
                *slot = Some(mapping);
            }
        }
        if stuck {
            dev_err!(dev, "Hotplug regions stuck online until reboot\n");
            let kept = core::mem::take(&mut *hp);
            match self.keep_stranded(&data.res_name, kept) {
                Ok(()) => dev_warn!(
                    dev,
                    "kmem keeps the memory left online: bind {} to kmem again, then write unplugged to its state, to remove it; kmem cannot be unloaded until then\n",
                    dev.name()
                ),
                Err(mut kept) => kept.leak(),
            }
            return;
        }
        hp.group = None;
        // Memory blocks are gone: the node's type may be dropped.
        if let Some(node_type) = hp.node_type.take() {
            node_type.clear();
        }
    }
}

impl KmemDevice {
    /// Returns the current state.
    pub(crate) fn state(&self) -> State {
        State::from_raw(self.state.load(Relaxed)).unwrap_or(State::Unplugged)
    }

    /// Sets the state; called with `hotplug` held.
    fn set_state(&self, state: State) {
        self.state.store(state.to_raw(), Relaxed);
    }

    /// Applies a write to `state` (C: `state_store()`).
    pub(crate) fn store_state(&self, dax: &DaxDevice, buf: &[u8]) -> Result {
        let requested = state::parse(buf)?;
        let mut hp = self.hotplug.lock();
        match state::transition(self.state(), requested) {
            Transition::Keep => Ok(()),
            Transition::Busy => Err(EBUSY),
            Transition::Unplug => {
                let start = Instant::<Monotonic>::now();
                if let Err(e) = Mapping::offline_and_remove_all(&mut hp.mappings) {
                    dev_err!(
                        dax.as_dev(),
                        "hotremove failed, device left online: {}\n",
                        e.to_errno()
                    );
                    return Err(hp.failed("offline and remove", e));
                }
                hp.status.last_remove_us = Some(start.elapsed().as_micros_ceil());
                self.set_state(State::Unplugged);
                Ok(())
            }
            Transition::Plug(online) => self.plug(dax, &mut hp, online),
        }
    }

    /// Reserves and adds every range with `online`, then records the state;
    /// on failure releases every reservation (C: `dax_kmem_init_resources()`,
    /// `dax_kmem_do_hotplug()` and `dax_kmem_cleanup_resources()`).
    fn plug(&self, dax: &DaxDevice, hp: &mut Hotplug, online: State) -> Result {
        let start = Instant::<Monotonic>::now();
        if let Err(e) = reserve(dax, &mut hp.mappings, &self.res_name) {
            return Err(hp.failed("reserve", e));
        }
        let Some(group) = hp.group.as_ref() else {
            return Err(EINVAL);
        };
        if let Err(e) = add(dax, &mut hp.mappings, group, &self.hotplug_name, online) {
            hp.mappings.iter_mut().for_each(|slot| *slot = None);
            return Err(hp.failed("add", e));
        }
        hp.status.memmap_on_memory = Some(dax.memmap_on_memory());
        hp.status.last_add_us = Some(start.elapsed().as_micros_ceil());
        self.set_state(online);
        Ok(())
    }
}

/// Reserves the parent region of every range not yet reserved; returns how
/// many it reserved (C: `dax_kmem_init_resources()`).
///
/// A range that cannot be reserved is skipped once another one was reserved
/// (memory may be online already); otherwise the device fails with `-EBUSY`.
fn reserve(
    dax: &DaxDevice,
    slots: &mut [Option<Mapping>],
    name: &Arc<ResourceName>,
) -> Result<usize> {
    let block = hotplug::block_size();
    let mut mapped = 0;
    for (i, slot) in slots.iter_mut().enumerate() {
        let Some(range) = dax.range(i).and_then(|r| r.align_to_blocks(block)) else {
            continue;
        };
        if slot.is_some() {
            continue;
        }
        match Mapping::reserve(range, name) {
            Some(mapping) => {
                *slot = Some(mapping);
                mapped += 1;
            }
            None => {
                // Beyond C: name what is in the way.
                let snap = Snapshot::take(range);
                if snap.conflicts().next().is_some() {
                    dev_warn!(
                        dax.as_dev(),
                        "mapping{i}: {:#x}-{:#x} could not reserve region: overlaps {snap}\n",
                        range.start(),
                        range.end()
                    );
                } else {
                    warn_range(dax.as_dev(), i, range, "could not reserve region");
                }
                if mapped == 0 {
                    return Err(EBUSY);
                }
            }
        }
    }
    Ok(mapped)
}

/// Adds the memory of every reserved range; returns how many it added
/// (C: `dax_kmem_do_hotplug()`).
///
/// A range whose add fails loses its reservation, so that a later removal
/// does not touch memory that was never added. The first failure fails the
/// device unless another range was already added.
fn add(
    dax: &DaxDevice,
    slots: &mut [Option<Mapping>],
    group: &MemoryGroup,
    name: &Arc<ResourceName>,
    online: State,
) -> Result<usize> {
    let memmap_on_memory = dax.memmap_on_memory();
    let mut added = 0;
    for (i, slot) in slots.iter_mut().enumerate() {
        let Some(mapping) = slot.as_mut() else {
            continue;
        };
        if let Err(e) = mapping.add(group, name, memmap_on_memory, online) {
            warn_range(dax.as_dev(), i, mapping.range(), "memory add failed");
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
