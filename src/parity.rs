// SPDX-License-Identifier: GPL-2.0

//! The interface of `src/extras/` doing nothing: the module `make EXTRAS=0`
//! builds is the C-parity driver alone. No debugfs view, no status, and
//! memory an unbind leaves online is leaked "until reboot", as the C kmem
//! does.

use kernel::{
    device::Device,
    prelude::*,
    sync::Arc, //
};

use crate::{
    dax::AttributeGroups,
    device::{
        DeviceMemory,
        KmemDevice, //
    },
    ioresource::ResourceName,
    range::{
        Range,
        RangeInfo, //
    },
    state::State,
    tiers, //
};

/// The module-wide part: nothing.
pub(crate) struct Extras;

impl Extras {
    /// Sets up nothing.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self)
    }
}

/// Initialises nothing.
///
/// # Safety
///
/// None needed; `unsafe` as in the other implementation.
pub(crate) unsafe fn init() {}

/// Frees nothing.
pub(crate) fn exit() {}

/// Adds no attribute to the driver.
pub(crate) fn driver_groups() -> Option<AttributeGroups> {
    None
}

/// The abstract distance of a node.
pub(crate) struct Tier {
    /// The platform's, or kmem's default.
    pub(crate) adistance: i32,
}

/// Returns the platform's abstract distance for `node`, or kmem's default.
pub(crate) fn tier(node: i32) -> Tier {
    Tier {
        adistance: tiers::adistance(node).value,
    }
}

/// Checks nothing: the unplug goes ahead, as the C kmem's does.
pub(crate) fn check_room(_dev: &Device, _node: i32, _memory: &DeviceMemory) -> Result {
    Ok(())
}

/// Measures nothing.
pub(crate) struct Timer;

impl Timer {
    /// Starts nothing.
    pub(crate) fn start() -> Self {
        Self
    }
}

/// A bound device, in no view.
pub(crate) struct Watch;

impl Watch {
    /// Lists `dev` nowhere.
    pub(crate) fn new(_dev: &Arc<KmemDevice>, _tier: &Tier) -> Result<Self> {
        Ok(Self)
    }

    /// Records nothing.
    pub(crate) fn added(&self, _memmap_on_memory: bool, _timer: Timer) {}

    /// Records nothing.
    pub(crate) fn removed(&self, _timer: Timer) {}

    /// Passes `e` on.
    pub(crate) fn failed(&self, _what: &'static str, e: Error) -> Error {
        e
    }
}

/// Takes nothing over: no memory is kept.
pub(crate) fn take_over(_dev: &Device, _ranges: &[RangeInfo]) -> Option<(DeviceMemory, State)> {
    None
}

/// Keeps nothing: the driver leaks the memory, as the C kmem does.
pub(crate) fn keep(_dev: &Device, _name: &Arc<ResourceName>, _memory: &mut DeviceMemory) -> Result {
    Err(EBUSY)
}

/// Says nothing more than the C driver's "could not reserve region".
pub(crate) fn explain_conflict(_dev: &Device, _i: usize, _range: Range) {}
