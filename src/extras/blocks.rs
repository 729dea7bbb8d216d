// SPDX-License-Identifier: GPL-2.0

//! The online memory blocks of a range, by zone.
//!
//! C header: [`include/linux/memory_hotplug.h`](srctree/include/linux/memory_hotplug.h)
//! (`pfn_to_online_page()`) and [`include/linux/mm.h`](srctree/include/linux/mm.h)
//! (`page_zonenum()`, a static inline: through the C shim).

use kernel::{
    bindings as kb,
    ffi::c_ulong,
    page::PAGE_SIZE, //
};

use crate::{
    bindings,
    memhp,
    range::Range, //
};

/// How many blocks of a range are online, by zone.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct BlockCounts {
    /// Blocks online outside ZONE_MOVABLE.
    pub(crate) kernel: u64,
    /// Blocks online in ZONE_MOVABLE.
    pub(crate) movable: u64,
}

impl BlockCounts {
    /// Adds the counts of another range.
    pub(crate) fn merge(self, other: Self) -> Self {
        Self {
            kernel: self.kernel + other.kernel,
            movable: self.movable + other.movable,
        }
    }
}

/// Counts the online blocks of `range`, memory this driver added and keeps
/// added for the whole call, by zone: a snapshot, which a block onlined or
/// offlined meanwhile (through memoryN/state) may make wrong.
pub(crate) fn count(range: Range) -> BlockCounts {
    let mut counts = BlockCounts::default();
    let page = PAGE_SIZE as u64;
    let block_pages = memhp::block_size() / page;
    let (first, end) = (range.start() / page, range.end() / page + 1);
    // A block is onlined into one zone as a whole: its first page tells.
    for pfn in (first..end).step_by(block_pages.max(1) as usize) {
        let Ok(pfn) = c_ulong::try_from(pfn) else {
            break;
        };
        // SAFETY: A lookup without preconditions: NULL unless the page is
        // online at the time of the call.
        let page = unsafe { kb::pfn_to_online_page(pfn) };
        if page.is_null() {
            continue;
        }
        // SAFETY: `page` is in the memory map of memory the caller keeps
        // added, which stays allocated until `arch_remove_memory()`
        // (mm/memory_hotplug.c, `try_remove_memory()`). Without the device
        // hotplug lock the block may be offlined meanwhile (its memory map is
        // then poisoned under CONFIG_DEBUG_VM, `remove_pfn_range_from_zone()`)
        // or onlined again: the zone read is advisory and may be garbage,
        // never a read of freed memory.
        let zone = unsafe { bindings::kmem_shim_page_zonenum(page) };
        if zone == kb::zone_type_ZONE_MOVABLE {
            counts.movable += 1;
        } else {
            counts.kernel += 1;
        }
    }
    counts
}
