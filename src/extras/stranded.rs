// SPDX-License-Identifier: GPL-2.0

//! Memory an unbind left online, kept for the device's next bind.
//!
//! Where the C kmem leaks such memory "until reboot" (its reservation then
//! makes every later probe of the range fail), kmem keeps owning it: the
//! reservations, the added memory, the memory group and the node's memory
//! type, with a reference on the module so that it cannot be unloaded
//! meanwhile. The next bind of the same device (same name, same aligned
//! ranges) takes it over, and its `state` write of `unplugged` removes it.
//!
//! Lock order: a device's memory mutex, then [`STRANDED`]'s.

use kernel::{
    prelude::*,
    str::CStr,
    sync::Arc,
    ModuleMetadata, //
};

use crate::{
    device::DeviceMemory,
    ioresource::ResourceName,
    range::RangeInfo, //
};

use super::module_ref::ModuleRef;

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it in module init, before the driver
    // is registered, and nothing uses it before.
    unsafe(uninit) static STRANDED: Mutex<KVec<Option<Stranded>>> = KVec::new();
}

/// Initialises the list of kept memory.
///
/// # Safety
///
/// Called once, from module init, before anything else of this file.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (caller's guarantee).
    unsafe { STRANDED.init() };
}

/// Frees what the list still allocates: for module exit. The list is empty
/// then, as each entry holds a reference on the module.
pub(crate) fn clear() {
    let old = core::mem::take(&mut *STRANDED.lock());
    drop(old);
}

/// Memory an unbind left online, kept by the driver. In [`STRANDED`], in a
/// slot that [`keep`] allocates before it takes the memory, so that a failed
/// allocation leaves the memory where it was.
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

/// Takes the memory an earlier unbind of the device `name` left online, if
/// its ranges are still the block-aligned parts of `ranges`.
pub(crate) fn take(name: &CStr, ranges: &[RangeInfo]) -> Option<DeviceMemory> {
    let mut stranded = STRANDED.lock();
    let i = stranded
        .iter()
        .position(|s| s.as_ref().is_some_and(|s| s.is_of(name, ranges)))?;
    let Stranded { memory, .. } = stranded.remove(i).ok()??;
    // The reference on the module is dropped here, in a probe, which the
    // module's unload waits for.
    Some(memory)
}

/// Takes `memory`, which an unbind of the device named `name` left online,
/// and keeps it for the device's next bind; leaves it where it is, and
/// fails, if the module is being unloaded or memory is short.
pub(crate) fn keep(name: &Arc<ResourceName>, memory: &mut DeviceMemory) -> Result {
    let this = &<crate::LocalModule as ModuleMetadata>::THIS_MODULE;
    let module = ModuleRef::try_get(this).ok_or(ENODEV)?;
    let mut stranded = STRANDED.lock();
    stranded.push(None, GFP_KERNEL)?;
    // The slot just pushed.
    let slot = stranded.last_mut().ok_or(ENOMEM)?;
    *slot = Some(Stranded {
        name: name.clone(),
        memory: core::mem::take(memory),
        _module: module,
    });
    Ok(())
}
