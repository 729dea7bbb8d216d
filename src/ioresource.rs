// SPDX-License-Identifier: GPL-2.0

//! I/O memory resources: the parent region kmem reserves for each range of
//! a device, and the names resources keep.
//!
//! C header: [`include/linux/ioport.h`](srctree/include/linux/ioport.h).
//!
//! A region named after the device (`daxX.Y`), with exactly
//! `IORESOURCE_SYSTEM_RAM` as flags and BUSY clear, so that
//! `add_memory_driver_managed()` can place the BUSY "System RAM (kmem)" child
//! beneath it. A kernel with `request_mem_region_nonbusy()`
//! (kernel/patches/) inserts it so, under `resource_lock`; on 7.3 as
//! released, `request_mem_region()` inserts it BUSY and the flags are
//! written afterwards without the lock, as the C kmem does.
//!
//! Why not `kernel::io::resource::Region`: its `Drop` calls
//! `release_mem_region()`, which only finds BUSY regions, so a non-BUSY parent
//! would never be released; and `Resource::from_raw` is private to the kernel
//! crate. [`ParentRegion`] releases with `remove_resource()` and `kfree()`, as
//! the C driver does, and has [`ParentRegion::leak`] for memory stuck online.
//!
//! No Rust reference to a `struct resource` of the tree is ever made: the
//! tree's lock (`resource_lock`) is private to kernel/resource.c, and the
//! tree's code reads and links resources under it.

use core::ptr::NonNull;

use kernel::{
    bindings as kb,
    ffi::{
        c_char,
        c_ulong, //
    },
    prelude::*,
    str::CStr,
    sync::Arc, //
};

#[cfg(not(kmem_nonbusy_region))]
use kernel::sync::atomic::{
    atomic_store,
    Relaxed, //
};

use crate::range::Range;

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

    /// Returns the name as text; "?" if it is not UTF-8 (dax device names
    /// are ASCII).
    pub(crate) fn as_str(&self) -> &str {
        // The buffer holds a NUL (type invariant).
        let text = self.buf.split(|&b| b == 0).next().unwrap_or(&[]);
        core::str::from_utf8(text).unwrap_or("?")
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
/// `res` was allocated and inserted into `iomem_resource`'s tree by
/// [`request_nonbusy`], is still in the tree, and its `name` points into
/// `name`, which it keeps alive.
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
        let res = NonNull::new(request_nonbusy(range, name.as_char_ptr()))?;
        // INVARIANT: `res` came from `__request_region` (directly, or inside
        // `request_mem_region_nonbusy()`) with `name`.
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
        // with `kzalloc()` (type invariant); nothing is added beneath it any more (callers drop
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

/// Flags appropriate for System RAM: BUSY clear, so that `add_memory()` can
/// add a child, and nothing inherited from the parent that could break
/// `add_memory()` later (C: `dax_kmem_init_resources()`).
const PARENT_FLAGS: c_ulong = kb::IORESOURCE_SYSTEM_RAM as c_ulong;

/// Inserts a resource for `range` named `name` with exactly [`PARENT_FLAGS`]
/// into `iomem_resource`, in the innermost resource that holds it, as
/// `request_mem_region()` does; null if any part of it is taken.
///
/// The kernel's own call, on a kernel that has it (kernel/patches/): the
/// resource is inserted with its flags under `resource_lock`.
#[cfg(kmem_nonbusy_region)]
fn request_nonbusy(range: Range, name: *const c_char) -> *mut kb::resource {
    // SAFETY: The call takes `resource_lock` itself; `name` outlives the
    // resource (the caller keeps it until the resource is removed).
    unsafe { kb::request_mem_region_nonbusy(range.start(), range.len(), name, PARENT_FLAGS) }
}

/// Inserts a resource for `range` named `name` with exactly [`PARENT_FLAGS`]
/// into `iomem_resource`, in the innermost resource that holds it, as
/// `request_mem_region()` does; null if any part of it is taken.
///
/// 7.3 as released has no call that inserts a region without BUSY: the
/// region is requested BUSY and its flags written afterwards, as the C kmem
/// does (kernel/patches/ adds `request_mem_region_nonbusy()`).
#[cfg(not(kmem_nonbusy_region))]
fn request_nonbusy(range: Range, name: *const c_char) -> *mut kb::resource {
    // SAFETY: `iomem_resource` is the static root of the iomem tree, and
    // `__request_region` takes its lock. The name outlives the resource (the
    // caller keeps it until the resource is removed).
    let res = unsafe {
        kb::__request_region(
            &raw mut kb::iomem_resource,
            range.start(),
            range.len(),
            name,
            0,
        )
    };
    if !res.is_null() {
        // SAFETY: NOT SOUND, and nothing a module can do makes it so (C
        // parity, stated here and in Documentation/driver.rst): `res` is a
        // live resource just inserted into the tree, whose `flags` nobody
        // else writes, but the tree's readers (`find_next_res()`,
        // `__region_intersects()`, `__request_region_locked()` in
        // kernel/resource.c) load `flags` plainly under `resource_lock`,
        // which is private to kernel/resource.c, so `atomic_store()`'s
        // requirement that concurrent accesses be atomic is not met. The
        // store is one aligned word (`WRITE_ONCE()`), as the C kmem's plain
        // `res->flags = IORESOURCE_SYSTEM_RAM` is; kernel/patches/0002
        // (`request_mem_region_nonbusy()`) removes it.
        unsafe { atomic_store(&raw mut (*res).flags, PARENT_FLAGS, Relaxed) };
    }
    res
}
