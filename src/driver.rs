// SPDX-License-Identifier: GPL-2.0

//! The kmem driver: probe, unbind and the `state` attribute of a dax device.
//!
//! C: `drivers/dax/kmem.c`, whose messages are kept word for word; each
//! function names the C it does. Read side by side with it: the probe
//! checks the node and the ranges, sets the node's memory type, registers
//! the memory group, reserves each range and adds its memory; unbind
//! removes what it can without offlining, and leaks what stays online;
//! `state` unplugs all or nothing, and plugs again only from unplugged.
//!
//! What kmem does beyond C is reached through [`crate::extras`] alone: the
//! debugfs view's status ([`Watch`]), memory an unbind leaves online kept
//! for the next bind ([`extras::keep`], [`extras::take_over`]) instead of
//! leaked, and what stands in the way of a range that cannot be reserved.
//!
//! Where C keeps one "System RAM (kmem)" name for the module, each device
//! has its own ([`KmemDevice::ram_name`]): the module keeps no name.
//!
//! Lock order: a device's `memory` mutex, then the extras' (the view
//! status's, the kept memory's); the memory types' (tiers.rs) alone; and the
//! memory-hotplug locks the core takes inside add and remove. The device
//! hotplug lock is never held here.

use core::pin::Pin;

use kernel::{
    device::{
        Bound,
        Core,
        Device, //
    },
    prelude::*,
    str::CStr,
    sync::Arc, //
};

use crate::{
    bindings,
    dax::{
        self,
        AttributeGroups,
        DriverType, //
    },
    device::{
        DeviceMemory,
        KmemDevice,
        Reservation, //
    },
    extras::{
        self,
        Timer,
        Watch, //
    },
    ioresource::ResourceName,
    memhp::{
        self,
        MemoryGroup,
        OnlineType, //
    },
    range::{
        Range,
        RangeInfo, //
    },
    state::{
        self,
        State,
        Transition, //
    },
    tiers::{
        self,
        NodeMemoryType, //
    },
    units::format_size, //
};

/// The driver's statics: the memory types' list (tiers.rs; C:
/// `kmem_memory_types` and its lock) and the extras'. Dropping it releases
/// what they hold (C: `kmem_put_memory_types()` in `dax_kmem_exit()`).
pub(crate) struct Statics(());

impl Statics {
    /// Initialises the statics.
    ///
    /// # Safety
    ///
    /// Called once, from module init, before the driver is registered; the
    /// result is dropped only once the driver is unregistered, or was never
    /// registered.
    pub(crate) unsafe fn init() -> Self {
        // SAFETY: Called once, before any use, on statics (caller's
        // guarantee).
        unsafe {
            tiers::init();
            extras::init();
        }
        Self(())
    }
}

impl Drop for Statics {
    fn drop(&mut self) {
        // SAFETY: No device is bound (`Statics::init`'s guarantee), so no
        // memory type is used any more.
        unsafe { tiers::put_all() };
        extras::exit();
    }
}

/// The kmem driver on the dax bus.
pub(crate) struct KmemDriver;

/// What a bound device carries from probe to unbind (C: the drvdata,
/// `struct dax_kmem_data`).
pub(crate) struct KmemData {
    /// The device, owned by the driver; the view may hold a reference too.
    device: Arc<KmemDevice>,
    /// The device in the extras.
    watch: Watch,
}

impl dax::Driver for KmemDriver {
    type Data<'bound> = KmemData;

    const TYPE: DriverType = DriverType::Kmem;

    fn groups() -> Option<AttributeGroups> {
        extras::driver_groups()
    }

    fn dev_groups() -> Option<AttributeGroups> {
        // SAFETY: The shim's groups (C: `dev_dax_kmem_groups`) hold the
        // `state` attribute only, whose callbacks are `kmem_rs_state_show`
        // and `kmem_rs_state_store` (src/kmem.rs), which reach the device
        // through `dax::with_bound::<KmemDriver>`.
        Some(unsafe { AttributeGroups::from_raw(bindings::kmem_shim_dev_groups()) })
    }

    fn probe<'bound>(
        dax: &'bound dax::Device<Core<'_>>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        probe(dax)
    }

    fn unbind<'bound>(dax: &'bound dax::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        let device = &this.device;
        let mut mem = device.memory().lock();
        release(dax.as_ref(), device.name(), &mut mem);
    }
}

/// Binds `dax` (C: `dev_dax_kmem_probe()`).
fn probe(dax: &dax::Device<Core<'_>>) -> Result<KmemData> {
    let dev = dax.as_ref();
    let node = valid_node(dev, dax.target_node())?;
    let tier = extras::tier(node);
    let mtype = tiers::find_alloc(tier.adistance)?;
    let (ranges, total_len) = aligned_ranges(dev, dax.ranges()?)?;
    let memmap_on_memory = dax.memmap_on_memory().ok_or(EINVAL)?;
    let device = KmemDevice::new(dev.name(), ranges, node, memmap_on_memory)?;
    let watch = Watch::new(&device, &tier)?;

    let mut mem = device.memory().lock();
    if let Some((kept, state)) = extras::take_over(dev, device.ranges()) {
        *mem = kept;
        device.set_state(state);
    } else if let Err(e) = set_up(dev, &device, &mut mem, &watch, total_len, mtype) {
        // What was set up is released here, in the probe, not by whoever
        // drops the last reference to the device.
        *mem = DeviceMemory::default();
        return Err(e);
    }
    drop(mem);
    Ok(KmemData { device, watch })
}

/// Returns `node`, or fails if the device has none (C: the check at the
/// start of `dev_dax_kmem_probe()`).
///
/// Good NUMA information keeps slow memory out of a node with faster memory.
fn valid_node(dev: &Device, node: i32) -> Result<i32> {
    if node < 0 {
        dev_warn!(dev, "rejecting DAX region with invalid node: {node}\n");
        return Err(EINVAL);
    }
    Ok(node)
}

/// Returns each of `raw` with its memory-block-aligned part, and the total
/// length of those; fails if no whole block fits anywhere (C: the range
/// loop of `dev_dax_kmem_probe()`, with `dax_kmem_range()`).
fn aligned_ranges(dev: &Device, raw: KVec<Range>) -> Result<(KVec<RangeInfo>, u64)> {
    let block = memhp::block_size();
    let (mut total_len, mut orig_len) = (0u64, 0u64);
    let mut ranges = KVec::with_capacity(raw.len(), GFP_KERNEL)?;
    for (i, range) in raw.into_iter().enumerate() {
        orig_len += range.len();
        let aligned = range.align_to_blocks(block);
        match aligned {
            Some(aligned) => total_len += aligned.len(),
            None => dev_info!(
                dev,
                "mapping{i}: {:#x}-{:#x} too small after alignment\n",
                range.start(),
                range.end()
            ),
        }
        ranges.push(
            RangeInfo {
                raw: range,
                aligned,
            },
            GFP_KERNEL,
        )?;
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
    Ok((ranges, total_len))
}

/// Sets the node's memory type, registers the memory group and plugs every
/// range with the system's default online type (C: the second half of
/// `dev_dax_kmem_probe()`). On error `mem` still holds what was set up: the
/// caller releases it.
fn set_up(
    dev: &Device,
    device: &KmemDevice,
    mem: &mut DeviceMemory,
    watch: &Watch,
    total_len: u64,
    mtype: Option<tiers::MemoryType>,
) -> Result {
    let node = device.node();
    mem.node_type = Some(NodeMemoryType::init(node, mtype));
    mem.slots = KVec::with_capacity(device.ranges().len(), GFP_KERNEL)?;
    for _ in device.ranges() {
        mem.slots.push(None, GFP_KERNEL)?;
    }
    mem.group = Some(MemoryGroup::register_static(node, total_len)?);
    plug(dev, device, mem, watch, memhp::default_online_type())
}

/// Reserves and adds every range with `online`, then records the state; on
/// failure releases every reservation (C: `dax_kmem_init_resources()`,
/// `dax_kmem_do_hotplug()` and, on failure, `dax_kmem_cleanup_resources()`).
fn plug(
    dev: &Device,
    device: &KmemDevice,
    mem: &mut DeviceMemory,
    watch: &Watch,
    online: OnlineType,
) -> Result {
    let timer = Timer::start();
    let DeviceMemory { slots, group, .. } = mem;
    let group = group.as_ref().ok_or(EINVAL)?;
    reserve(dev, device.ranges(), slots, device.name()).map_err(|e| watch.failed("reserve", e))?;
    let memmap_on_memory = device.memmap_on_memory();
    if let Err(e) = add(
        dev,
        slots,
        group,
        device.ram_name(),
        memmap_on_memory,
        online,
    ) {
        slots.iter_mut().for_each(|slot| *slot = None);
        return Err(watch.failed("add", e));
    }
    watch.added(memmap_on_memory, timer);
    device.set_state(State::Added(online));
    Ok(())
}

/// Reserves the parent region of every range not yet reserved (C:
/// `dax_kmem_init_resources()`).
///
/// A range that cannot be reserved is skipped once another one was reserved
/// (memory may be online already); otherwise the device fails with `-EBUSY`.
fn reserve(
    dev: &Device,
    ranges: &[RangeInfo],
    slots: &mut [Option<Reservation>],
    name: &Arc<ResourceName>,
) -> Result {
    let mut reserved = false;
    for (i, (slot, range)) in slots.iter_mut().zip(ranges).enumerate() {
        let Some(range) = range.aligned else {
            continue;
        };
        if slot.is_some() {
            continue;
        }
        *slot = Reservation::reserve(range, name);
        if slot.is_some() {
            reserved = true;
            continue;
        }
        warn_range(dev, i, range, "could not reserve region");
        extras::explain_conflict(dev, i, range);
        if !reserved {
            return Err(EBUSY);
        }
    }
    Ok(())
}

/// Adds the memory of every reserved range (C: `dax_kmem_do_hotplug()`).
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
) -> Result {
    let mut added = false;
    for (i, slot) in slots.iter_mut().enumerate() {
        let Some(r) = slot.as_mut() else {
            continue;
        };
        if let Err(e) = r.add(group, name, memmap_on_memory, online) {
            warn_range(dev, i, r.range(), "memory add failed");
            *slot = None;
            if !added {
                return Err(e);
            }
            continue;
        }
        added = true;
    }
    Ok(())
}

/// Offlines and removes every range at once, then releases the
/// reservations (C: `dax_kmem_do_hotremove()`): all or nothing.
fn unplug(dev: &Device, device: &KmemDevice, mem: &mut DeviceMemory, watch: &Watch) -> Result {
    let timer = Timer::start();
    extras::check_room(dev, device.node(), mem).map_err(|e| watch.failed("room", e))?;
    let set = Reservation::removal_set(&mut mem.slots)
        .map_err(|e| watch.failed("offline and remove", e))?;
    if let Err(e) = set.offline_and_remove() {
        dev_err!(
            dev,
            "hotremove failed, device left online: {}\n",
            e.to_errno()
        );
        return Err(watch.failed("offline and remove", e));
    }
    // No memory is left beneath any reservation: release them.
    mem.slots.iter_mut().for_each(|slot| *slot = None);
    watch.removed(timer);
    device.set_state(State::Unplugged);
    Ok(())
}

/// Removes what unbind finds of a device's memory and releases the group and
/// the node's memory type, or keeps or leaks them with what is stuck online
/// (C: `dev_dax_kmem_remove()` and `dax_kmem_remove_ranges()`): afterwards
/// `mem` holds nothing the kernel sees.
fn release(dev: &Device, name: &Arc<ResourceName>, mem: &mut DeviceMemory) {
    if !memhp::HOTREMOVE {
        // C: without hot-remove, leak on purpose and silently: the regions
        // stay reserved and the memory added until reboot.
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
            warn_range(dev, i, reservation.range(), "stuck online until reboot");
            stuck = true;
            *slot = Some(reservation);
        }
    }
    if stuck {
        dev_err!(dev, "Hotplug regions stuck online until reboot\n");
        if extras::keep(dev, name, mem).is_err() {
            mem.leak();
        }
        return;
    }
    mem.group = None;
    // Memory blocks are gone: the node's type may be dropped.
    if let Some(node_type) = mem.node_type.take() {
        node_type.clear();
    }
}

/// Returns what the bound device's `state` shows (C: `state_show()`).
pub(crate) fn show_state(data: &KmemData) -> &'static CStr {
    data.device.state().name()
}

/// Applies a write of `value` to the bound device's `state` (C:
/// `state_store()`).
pub(crate) fn store_state(dax: &dax::Device<Bound>, data: &KmemData, value: &CStr) -> Result {
    let requested = state::parse(value)?;
    let dev = dax.as_ref();
    let device = &data.device;
    let mut mem = device.memory().lock();
    match state::transition(device.state(), requested) {
        Transition::Keep => Ok(()),
        Transition::Busy => Err(EBUSY),
        // C: without hot-remove, unplug is refused silently.
        Transition::Unplug if !memhp::HOTREMOVE => Err(EBUSY),
        Transition::Unplug => unplug(dev, device, &mut mem, &data.watch),
        Transition::Plug(online) => plug(dev, device, &mut mem, &data.watch, online),
    }
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
