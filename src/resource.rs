// SPDX-License-Identifier: GPL-2.0

//! The parent region kmem reserves for each range of a device.
//!
//! C header: [`include/linux/ioport.h`](srctree/include/linux/ioport.h).
//!
//! `request_mem_region()` named after the device (`daxX.Y`), with the flags
//! then set to `IORESOURCE_SYSTEM_RAM` and BUSY left clear, so that
//! `add_memory_driver_managed()` can place the BUSY "System RAM (kmem)" child
//! beneath it.
//!
//! Why not `kernel::io::resource::Region`: its `Drop` calls
//! `release_mem_region()`, which only finds BUSY regions, so a non-BUSY parent
//! would never be released; and `Resource::from_raw` is private to the kernel
//! crate. [`ParentRegion`] releases with `remove_resource()` and `kfree()`, as
//! the C driver does, and has [`ParentRegion::leak`] for memory stuck online.

use core::ptr::NonNull;

use kernel::{
    bindings as kb,
    ffi::{c_char, c_int, c_ulong, c_void},
    page::PAGE_SIZE,
    prelude::*,
    str::CStr,
    sync::Arc, //
};

use crate::hotplug::Range;

/// The longest resource name kmem uses, NUL included: a dax device name
/// (`DAX_NAME_LEN`, 30) or "System RAM (kmem)".
const NAME_LEN: usize = 32;

/// A resource name, stored inline so that a resource's `name` points into
/// the very allocation that holds it.
///
/// Shared as `Arc<ResourceName>`: every resource named by it holds a
/// reference. When memory stays added "until reboot", those references are
/// leaked, and the allocation stays reachable through the live resource's
/// `name` (so kmemleak rightly does not report it), as the C driver's
/// `kstrdup()`ed names do. A `CString` would put the text in a second
/// allocation and leave the first unreachable.
///
/// # Invariants
///
/// `buf` holds a NUL-terminated string.
pub(crate) struct ResourceName {
    /// The name and its NUL, then zeroes.
    buf: [u8; NAME_LEN],
}

impl ResourceName {
    /// Allocates a shared copy of `name`; `EINVAL` if it is too long.
    pub(crate) fn new(name: &CStr) -> Result<Arc<Self>> {
        let bytes = name.to_bytes_with_nul();
        let mut buf = [0u8; NAME_LEN];
        buf.get_mut(..bytes.len())
            .ok_or(EINVAL)?
            .copy_from_slice(bytes);
        // INVARIANT: `bytes` ends with its NUL.
        Ok(Arc::new(Self { buf }, GFP_KERNEL)?)
    }

    /// Returns whether this is `name`.
    pub(crate) fn is(&self, name: &CStr) -> bool {
        self.buf.starts_with(name.to_bytes_with_nul())
    }

    /// Returns the C string pointer a resource can keep.
    pub(crate) fn as_char_ptr(&self) -> *const c_char {
        self.buf.as_ptr().cast()
    }
}

/// A reserved, non-BUSY `IORESOURCE_SYSTEM_RAM` region of `iomem_resource`.
///
/// # Invariants
///
/// `res` was returned by `__request_region(&iomem_resource, ...)`, is in the
/// resource tree, and its `name` points into `name`, which it keeps alive.
pub(crate) struct ParentRegion {
    /// The resource `__request_region()` allocated.
    res: NonNull<kb::resource>,
    /// The resource's name; shared with the device, so that a leaked region
    /// keeps its name alive after the device's data is freed.
    _name: Arc<ResourceName>,
}

impl ParentRegion {
    /// Reserves `range` under `name`; `None` if any part of it is taken.
    pub(crate) fn request(range: Range, name: &Arc<ResourceName>) -> Option<Self> {
        // SAFETY: `iomem_resource` is the static root of the iomem tree, and
        // `__request_region` takes its lock. The name outlives the resource:
        // `Self` keeps a reference to it until the resource is removed.
        let res = unsafe {
            kb::__request_region(
                &raw mut kb::iomem_resource,
                range.start(),
                range.len(),
                name.as_char_ptr(),
                0,
            )
        };
        let res = NonNull::new(res)?;
        // Flags appropriate for System RAM: BUSY clear so that add_memory()
        // can add a child, and nothing inherited from the parent that could
        // break add_memory() later (C: dax_kmem_init_resources()).
        // SAFETY: `res` was just allocated and inserted by `__request_region`;
        // no other code writes a region's flags (the C driver does the same).
        unsafe { (*res.as_ptr()).flags = kb::IORESOURCE_SYSTEM_RAM as c_ulong };
        // INVARIANT: `res` came from `__request_region` with `name`.
        Some(Self {
            res,
            _name: name.clone(),
        })
    }

    /// Leaves the region reserved forever, with its name: for memory that
    /// stays added beneath it ("stuck online until reboot").
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for ParentRegion {
    fn drop(&mut self) {
        // SAFETY: `res` is in the tree and was allocated by `__request_region`
        // (type invariant); nothing is added beneath it any more (callers drop
        // the added memory first, or leak both). After `remove_resource` it is
        // ours alone to free.
        unsafe {
            kb::remove_resource(self.res.as_ptr());
            kb::kfree(self.res.as_ptr().cast());
        }
        // `self._name` is dropped after the resource that pointed at it.
    }
}

// SAFETY: The region is a heap object of the resource tree, whose lock
// serialises the tree; `Self` only frees it once, from whichever thread.
unsafe impl Send for ParentRegion {}

// SAFETY: `&ParentRegion` gives no access to the resource.
unsafe impl Sync for ParentRegion {}

/// The flags `walk_system_ram_range()` matches: busy System RAM.
const BUSY_SYSTEM_RAM: c_ulong = (kb::IORESOURCE_SYSTEM_RAM | kb::IORESOURCE_BUSY) as c_ulong;

/// Returns how many pages of `range` `walk_system_ram_range()` visits.
///
/// That walker is not exported to modules; it is `walk_iomem_res_desc()`
/// with busy System RAM flags and `IORES_DESC_NONE`, rounding each resource
/// found inwards to whole pages, which is what this does.
pub(crate) fn system_ram_pages(range: Range) -> u64 {
    /// Adds the whole pages of one resource found by the walk to `*arg`.
    ///
    /// # Safety
    ///
    /// `res` is a valid resource and `arg` points to a `u64`.
    unsafe extern "C" fn count(res: *mut kb::resource, arg: *mut c_void) -> c_int {
        // SAFETY: The walker passes a valid copy of the resource found.
        let (start, end) = unsafe { ((*res).start, (*res).end) };
        let page = PAGE_SIZE as u64;
        let (pfn, end_pfn) = (start.div_ceil(page), end.wrapping_add(1) / page);
        if end_pfn > pfn {
            // SAFETY: `arg` is the `u64` counter passed below.
            unsafe { *arg.cast::<u64>() += end_pfn - pfn };
        }
        0
    }
    let mut pages = 0u64;
    // SAFETY: `count` matches the callback type and `pages` outlives the walk,
    // which calls back synchronously.
    unsafe {
        kb::walk_iomem_res_desc(
            kb::IORES_DESC_NONE as c_ulong,
            BUSY_SYSTEM_RAM,
            range.start(),
            range.end(),
            (&raw mut pages).cast(),
            Some(count),
        )
    };
    pages
}

/// Returns how `range` intersects System RAM, as `region_intersects()` with
/// `IORESOURCE_SYSTEM_RAM` and `IORES_DESC_NONE` sees it.
pub(crate) fn system_ram_intersection(range: Range) -> &'static str {
    let Ok(len) = usize::try_from(range.len()) else {
        return "invalid";
    };
    // SAFETY: A query of the resource tree, which it locks.
    let rc = unsafe {
        kb::region_intersects(
            range.start(),
            len,
            kb::IORESOURCE_SYSTEM_RAM as c_ulong,
            kb::IORES_DESC_NONE as c_ulong,
        )
    };
    match rc.try_into() {
        Ok(kb::REGION_INTERSECTS) => "intersects",
        Ok(kb::REGION_DISJOINT) => "disjoint",
        Ok(kb::REGION_MIXED) => "mixed",
        _ => "invalid",
    }
}
