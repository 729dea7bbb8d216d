// SPDX-License-Identifier: GPL-2.0

//! What kmem does beyond `drivers/dax/kmem.c`, behind the one interface
//! the driver calls (`src/parity.rs` is the same interface doing nothing,
//! built with `make EXTRAS=0`):
//!
//! - the debugfs view `kmem/` of every bound device ([`view`]), with the
//!   status the driver reports through a [`Watch`];
//! - memory an unbind leaves online kept, and taken over by the device's
//!   next bind ([`keep`], [`take_over`]; [`stranded`]);
//! - what stands in the way of a range that cannot be reserved
//!   ([`explain_conflict`]; [`iowalk`]);
//! - the abstract distance (so the memory tier) of a node chosen by the
//!   administrator, where the firmware gives none or a wrong one ([`tier`],
//!   the driver attribute `node_adistance`);
//! - an unplug refused early when the rest of the system has no room for
//!   the pages in use on the device's memory, where offlining would retry
//!   until a signal ([`check_room`]; [`room`]).
//!
//! Nothing here changes what the driver does with the kernel's objects, but
//! for kept memory (the driver hands it over instead of leaking it), the
//! chosen abstract distance, and the refused unplug.

mod blocks;
mod debugfs;
mod iowalk;
mod module_ref;
mod room;
mod stranded;
mod tier;
mod view;

use kernel::{
    device::Device,
    prelude::*,
    sync::Arc,
    time::{
        Instant,
        Monotonic, //
    }, //
};

use crate::{
    bindings,
    dax::AttributeGroups,
    device::{
        DeviceMemory,
        KmemDevice, //
    },
    ioresource::ResourceName,
    memhp::OnlineType,
    range::{
        Range,
        RangeInfo, //
    },
    state::State,
    tiers,
    units::format_size, //
};

use self::blocks::BlockCounts;

pub(crate) use self::tier::Tier;

/// The module-wide part: the debugfs view's directory and files.
pub(crate) struct Extras {
    /// Removed when dropped.
    _view: view::View,
}

impl Extras {
    /// Sets up the module-wide part; call [`init`] first.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            _view: view::View::new()?,
        })
    }
}

/// Initialises the statics of the extras.
///
/// # Safety
///
/// Called once, from module init, before the driver is registered.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (caller's guarantee).
    unsafe {
        view::init();
        stranded::init();
        tier::init();
    }
}

/// Frees what the statics still allocate: for module exit, once the driver
/// is unregistered (every device unbound, the driver's attributes gone).
pub(crate) fn exit() {
    view::clear();
    stranded::clear();
    tier::clear();
}

/// Returns the driver's own attribute groups: `node_adistance`.
pub(crate) fn driver_groups() -> Option<AttributeGroups> {
    // SAFETY: The shim's groups (`kmem_drv_groups`) hold the driver
    // attribute `node_adistance` only, whose callbacks reach no device.
    Some(unsafe { AttributeGroups::from_raw(bindings::kmem_shim_driver_groups()) })
}

/// Returns the abstract distance the device's node gets: the
/// administrator's choice for `node`, if any, else the platform's or kmem's
/// default.
pub(crate) fn tier(node: i32) -> Tier {
    tier::choose(node, tiers::adistance(node))
}

/// Refuses, with `ENOMEM` and a message saying what it counted, an unplug
/// of `memory` whose pages in use the other nodes cannot take.
pub(crate) fn check_room(dev: &Device, node: i32, memory: &DeviceMemory) -> Result {
    let Some(room) = room::room_elsewhere(node) else {
        return Ok(());
    };
    let page = kernel::page::PAGE_SIZE as u64;
    let added = || memory.slots.iter().flatten().filter(|r| r.is_added());
    // Walking every page's state made an unplug about four times the C
    // kmem's (make bench, 2026-12-02: 91 ms against 24 ms at 1 GiB): first
    // what needs no walk. The device fits whole, or all that is in use on
    // its node does.
    if added().map(|r| r.range().len() / page).sum::<u64>() <= room
        || room::node_used_pages(node) <= room
    {
        return Ok(());
    }
    let used: u64 = added().map(|r| room::used_pages(r.range())).sum();
    if used <= room {
        return Ok(());
    }
    let (mut u, mut f) = ([0u8; 16], [0u8; 16]);
    dev_warn!(
        dev,
        "unplug refused: {} in use on its memory, the other nodes can take {} (free above their low watermarks, page cache, free swap)\n",
        format_size(used * page, &mut u),
        format_size(room * page, &mut f)
    );
    Err(ENOMEM)
}

/// Measures how long an add or a remove takes, for the view.
pub(crate) struct Timer(Instant<Monotonic>);

impl Timer {
    /// Starts measuring.
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }

    /// Returns the microseconds since the start.
    fn micros(&self) -> i64 {
        self.0.elapsed().as_micros_ceil()
    }
}

/// A bound device in the view, with the status the driver reports.
pub(crate) struct Watch(view::Listed);

impl Watch {
    /// Lists `dev`, whose node has `tier`, in the view until the returned
    /// [`Watch`] is dropped.
    pub(crate) fn new(dev: &Arc<KmemDevice>, tier: &Tier) -> Result<Self> {
        Ok(Self(view::Listed::new(dev, tier)?))
    }

    /// Records a completed add, with `memmap_on_memory`, timed by `timer`.
    pub(crate) fn added(&self, memmap_on_memory: bool, timer: Timer) {
        let mut s = self.0.status().lock();
        s.memmap_on_memory = Some(memmap_on_memory);
        s.last_add_us = Some(timer.micros());
    }

    /// Records a completed remove, timed by `timer`.
    pub(crate) fn removed(&self, timer: Timer) {
        self.0.status().lock().last_remove_us = Some(timer.micros());
    }

    /// Records a failure of `what`, and passes it on.
    pub(crate) fn failed(&self, what: &'static str, e: Error) -> Error {
        self.0.status().lock().last_error = Some((e.to_errno(), what));
        e
    }
}

/// Takes the memory an earlier unbind of `dev` left online, if its ranges
/// are still the block-aligned parts of `ranges`; returns it with the state
/// its online blocks make, and says so.
pub(crate) fn take_over(dev: &Device, ranges: &[RangeInfo]) -> Option<(DeviceMemory, State)> {
    let memory = stranded::take(dev.name(), ranges)?;
    let counts = memory
        .slots
        .iter()
        .flatten()
        .filter(|r| r.is_added())
        .fold(BlockCounts::default(), |c, r| {
            c.merge(blocks::count(r.range()))
        });
    let state = adopted(counts.kernel > 0, counts.movable > 0);
    dev_info!(
        dev,
        "took over the memory an earlier unbind left online: {}\n",
        state.name()
    );
    Some((memory, state))
}

/// Keeps `memory`, which the unbind of `dev` (named `name`) leaves online,
/// for the device's next bind, and says so; fails, leaving it where it is,
/// if the module is being unloaded or memory is short.
pub(crate) fn keep(dev: &Device, name: &Arc<ResourceName>, memory: &mut DeviceMemory) -> Result {
    stranded::keep(name, memory)?;
    dev_warn!(
        dev,
        "kmem keeps the memory left online: bind {} to kmem again, then write unplugged to its state, to remove it; kmem cannot be unloaded until then\n",
        dev.name()
    );
    Ok(())
}

/// Says what is in the way of reserving range `i`, `range`, of `dev`, as far
/// as the kernel lets a module read it (names are in /proc/iomem). On a
/// line of its own after the C driver's "could not reserve region", which
/// stays as it is.
pub(crate) fn explain_conflict(dev: &Device, i: usize, range: Range) {
    let conflicts = iowalk::Conflicts::at(range);
    if conflicts.any() {
        dev_warn!(dev, "mapping{i}: in the way: {conflicts}\n");
    }
}

/// Returns the state of memory a bind takes over from an earlier unbind,
/// from where its online blocks are: `kernel` if some block is online outside
/// ZONE_MOVABLE, `movable` if some is in it.
///
/// Only ZONE_MOVABLE is `online_movable` and only kernel zones are
/// `online_kernel`; both make `online`, the type that lets the kernel choose.
/// No online block at all is `offline`, never `unplugged`: the memory is still
/// added, and a write of `unplugged` must remove it.
fn adopted(kernel: bool, movable: bool) -> State {
    State::Added(match (kernel, movable) {
        (false, false) => OnlineType::Offline,
        (false, true) => OnlineType::OnlineMovable,
        (true, false) => OnlineType::OnlineKernel,
        (true, true) => OnlineType::Online,
    })
}

#[kunit_tests(kmem_rs_takeover)]
mod tests {
    use super::adopted;
    use crate::{
        memhp::OnlineType::*,
        state::{
            transition,
            State,
            Transition, //
        }, //
    };

    #[test]
    fn adopted_memory_reads_as_its_zones() {
        assert_eq!(adopted(false, true), State::Added(OnlineMovable));
        assert_eq!(adopted(true, false), State::Added(OnlineKernel));
        assert_eq!(adopted(true, true), State::Added(Online));
        assert_eq!(adopted(false, false), State::Added(Offline));
        // Adopted memory is added, so a write of `unplugged` removes it.
        for (k, m) in [(false, false), (false, true), (true, false), (true, true)] {
            assert_eq!(
                transition(adopted(k, m), State::Unplugged),
                Transition::Unplug
            );
        }
    }
}
