// SPDX-License-Identifier: GPL-2.0

//! Whether the rest of the system has room for the pages in use on a
//! device's memory, checked before an unplug offlines it.
//!
//! C headers: [`include/linux/page-flags.h`](srctree/include/linux/page-flags.h)
//! (`is_free_buddy_page()`, `PageVmemmapSelfHosted()`) and
//! [`include/linux/mmzone.h`](srctree/include/linux/mmzone.h) (free pages and
//! watermarks of a zone, through the C shim).
//!
//! Offlining migrates every page in use off the memory, to the other nodes
//! with memory (`do_migrate_range()`, mm/memory_hotplug.c), and when it
//! cannot (the other nodes are full, and nothing there can be reclaimed),
//! `offline_pages()` retries until the writer gets a signal: the kernel has
//! no bound. The C kmem's `unplugged` then hangs. When what the other nodes
//! could give (free pages above their zones' low watermarks, their page
//! cache, free swap) cannot hold what is in use here, kmem refuses the
//! unplug first, saying what it counted. The counts are generous to the
//! unplug (page cache may be dirty or mapped, swap may be slow), so a
//! refusal means the migration could not fit; they are snapshots, read
//! without the zone locks, so an unplug that passes may still find memory
//! short (and then behave as the C kmem's does), and one refused may pass
//! a moment later. With no other node with memory, offlining migrates
//! within the node itself, whose counts include the memory being offlined:
//! nothing is checked then.

use kernel::{
    bindings as kb,
    ffi::c_ulong,
    page::PAGE_SIZE, //
};

use crate::{
    bindings,
    range::Range, //
};

/// Returns how many pages of `range`, memory this driver added and keeps
/// added for the whole call, are online and in use: not free in the buddy
/// allocator, and not the memory map that `memmap_on_memory` puts on the
/// memory itself (which offlining leaves in place).
pub(crate) fn used_pages(range: Range) -> u64 {
    let page = PAGE_SIZE as u64;
    let mut used = 0;
    for pfn in range.start() / page..=range.end() / page {
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
        // (mm/memory_hotplug.c). Both reads take no lock: as
        // `is_free_buddy_page()` says of itself (mm/page_alloc.c), the
        // answer is a snapshot unless the zone lock is held. The block may
        // also be offlined meanwhile through memoryN/state (the device
        // hotplug lock that would exclude it is not exported), and offlining
        // poisons its memory map under CONFIG_DEBUG_VM: both reads then see
        // garbage, never freed memory, and neither checks for the poison
        // (`PageBuddy()` reads the page type; the shim tests the flag bit
        // without `PF_ANY`'s `VM_BUG_ON_PGFLAGS()`). The count is advisory.
        let (free, memmap) = unsafe {
            (
                kb::is_free_buddy_page(page),
                bindings::kmem_shim_page_vmemmap_self_hosted(page),
            )
        };
        if !free && !memmap {
            used += 1;
        }
    }
    used
}

/// Returns how many pages of `node`, a node with memory the caller keeps
/// added, are in use: its zones' managed pages that are not free. An upper
/// bound of what is in use on any part of the node, in one read of each
/// zone's counters (pages on the per-CPU lists count as in use).
pub(crate) fn node_used_pages(node: i32) -> u64 {
    let mut used = 0u64;
    for zone in 0..kb::zone_type___MAX_NR_ZONES as i32 {
        // SAFETY: `node` has memory the caller keeps added, so its
        // `pg_data_t` exists (nodes are never freed once online), and `zone`
        // is below `MAX_NR_ZONES`. Both counters are atomic, read without a
        // lock, as the allocator reads them.
        let (managed, free) = unsafe {
            (
                bindings::kmem_shim_zone_managed_pages(node, zone),
                bindings::kmem_shim_zone_free_pages(node, zone),
            )
        };
        used += (managed as u64).saturating_sub(free as u64);
    }
    used
}

/// Returns how many pages the nodes with memory other than `node` could
/// take: free above their zones' low watermarks, plus their page cache
/// (file pages on the LRU lists, which reclaim can free), plus free swap.
/// `None` when no other node has memory.
pub(crate) fn room_elsewhere(node: i32) -> Option<u64> {
    let mut room = 0u64;
    let mut others = false;
    // `MAX_NUMNODES` rather than `nr_node_ids`, which is a macro without
    // CONFIG_NUMA: a node above `nr_node_ids` never has memory.
    for nid in (0..kb::MAX_NUMNODES as i32).filter(|&n| n != node) {
        // SAFETY: `nid` is below `MAX_NUMNODES`: a valid index of the node
        // mask, read as the kernel reads it, without a lock.
        if !unsafe { bindings::kmem_shim_node_has_memory(nid) } {
            continue;
        }
        others = true;
        for zone in 0..kb::zone_type___MAX_NR_ZONES as i32 {
            // SAFETY: `nid` has memory, so its `pg_data_t` exists for as long
            // as the system runs (nodes are never freed once online), and
            // `zone` is below `MAX_NR_ZONES`. The counters are atomic, the
            // watermarks read as the allocator reads them, without a lock.
            let (free, low, file) = unsafe {
                (
                    bindings::kmem_shim_zone_free_pages(nid, zone),
                    bindings::kmem_shim_zone_low_wmark(nid, zone),
                    bindings::kmem_shim_zone_file_pages(nid, zone),
                )
            };
            room += (free as u64).saturating_sub(low as u64) + file as u64;
        }
    }
    // SAFETY: An atomic read of the kernel's count of free swap pages.
    let swap = unsafe { bindings::kmem_shim_nr_swap_pages() };
    others.then(|| room + u64::try_from(swap).unwrap_or(0))
}
