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
    fmt,
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

/// Most resources a [`Snapshot`] holds; further ones are only counted.
const SNAPSHOT_LEN: usize = 12;

/// How deep below the resource the range lies in a [`Snapshot`] descends.
const SNAPSHOT_DEPTH: u32 = 6;

/// One resource of the iomem tree, copied while the tree was locked.
#[derive(Clone, Copy)]
pub(crate) struct ResourceInfo {
    /// First byte.
    pub(crate) start: u64,
    /// Last byte.
    pub(crate) end: u64,
    /// `IORESOURCE_*` flags.
    pub(crate) flags: c_ulong,
    /// `IORES_DESC_*` descriptor.
    pub(crate) desc: c_ulong,
    /// Level in the tree: 0 for a child of `iomem_resource`, as the
    /// indentation of `/proc/iomem` counts.
    pub(crate) depth: u32,
    /// Whether it holds the whole range the snapshot was taken of.
    pub(crate) contains: bool,
    /// The name, cut to fit, then NUL bytes.
    name: [u8; NAME_LEN],
}

impl ResourceInfo {
    /// An empty slot.
    const EMPTY: Self = Self {
        start: 0,
        end: 0,
        flags: 0,
        desc: 0,
        depth: 0,
        contains: false,
        name: [0; NAME_LEN],
    };

    /// Returns the name (up to its first 31 bytes, cut at a character).
    pub(crate) fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
        let bytes = &self.name[..len];
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            // Cut inside a character: keep what is valid.
            Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }

    /// Returns whether the resource is BUSY (nothing can be requested in it).
    pub(crate) fn is_busy(&self) -> bool {
        self.flags & kb::IORESOURCE_BUSY as c_ulong != 0
    }

    /// Returns whether it is System RAM (`IORESOURCE_SYSRAM`).
    pub(crate) fn is_system_ram(&self) -> bool {
        self.flags & kb::IORESOURCE_SYSRAM as c_ulong != 0
    }

    /// Returns whether it is driver-managed System RAM.
    pub(crate) fn is_driver_managed(&self) -> bool {
        self.flags & kb::IORESOURCE_SYSRAM_DRIVER_MANAGED as c_ulong != 0
    }

    /// Returns whether it is device-private memory.
    pub(crate) fn is_device_private(&self) -> bool {
        self.desc == kb::IORES_DESC_DEVICE_PRIVATE_MEMORY as c_ulong
    }
}

/// The resources of the iomem tree that contain or overlap a range, copied
/// in one pass with the tree locked, in `/proc/iomem` order.
///
/// First come the resources holding the whole range, outermost first: the
/// path `__request_region()` descends. Then everything beneath the last of
/// them that overlaps the range, depth first.
pub(crate) struct Snapshot {
    /// The range.
    range: Range,
    /// The resources found, `len` of them.
    items: [ResourceInfo; SNAPSHOT_LEN],
    /// How many of `items` are filled.
    len: usize,
    /// How many more were found than `items` holds.
    more: usize,
    /// Whether the tree could be read at all.
    complete: bool,
}

impl Snapshot {
    /// Copies the resources at `range` from the iomem tree.
    pub(crate) fn take(range: Range) -> Self {
        let mut snap = Self {
            range,
            items: [ResourceInfo::EMPTY; SNAPSHOT_LEN],
            len: 0,
            more: 0,
            complete: false,
        };
        let complete = with_iomem_locked(&mut |tree| snap.collect(tree));
        snap.complete = complete;
        snap
    }

    /// Returns the resources copied.
    pub(crate) fn items(&self) -> &[ResourceInfo] {
        &self.items[..self.len]
    }

    /// Returns how many resources were found but not copied.
    pub(crate) fn more(&self) -> usize {
        self.more
    }

    /// Returns whether the tree was read.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// Returns the resources a request of the range runs into, the way
    /// `__request_region()` descends: the first BUSY resource holding the
    /// whole range, else every resource overlapping it at the level where
    /// the descent stops.
    pub(crate) fn conflicts(&self) -> impl Iterator<Item = &ResourceInfo> {
        let path = self.items().iter().take_while(|r| r.contains);
        let level = u32::try_from(path.clone().count()).unwrap_or(u32::MAX);
        let busy = path.clone().find(|r| r.is_busy()).map(|r| r.depth);
        self.items().iter().filter(move |r| match busy {
            Some(depth) => r.contains && r.depth == depth,
            None => !r.contains && r.depth == level,
        })
    }

    /// Records one resource.
    fn push(&mut self, res: ResourceRef<'_>, depth: u32, contains: bool) {
        let Some(slot) = self.items.get_mut(self.len) else {
            self.more += 1;
            return;
        };
        let r = res.0;
        *slot = ResourceInfo {
            start: r.start,
            end: r.end,
            flags: r.flags,
            desc: r.desc,
            depth,
            contains,
            name: res.name(),
        };
        self.len += 1;
    }

    /// Walks the locked tree (see the type's documentation).
    fn collect(&mut self, tree: &LockedTree<'_>) {
        let (start, end) = (self.range.start(), self.range.end());
        let mut parent = tree.root();
        let mut depth = 0;
        // Siblings are sorted and never overlap: at most one child holds the
        // whole range.
        while let Some(c) = tree
            .children(parent)
            .take_while(|c| c.0.start <= end)
            .find(|c| c.0.end >= start)
            .filter(|c| c.0.start <= start && c.0.end >= end)
        {
            self.push(c, depth, true);
            parent = c;
            depth += 1;
        }
        self.collect_below(tree, parent, depth);
    }

    /// Records every resource beneath `parent` overlapping the range.
    fn collect_below(&mut self, tree: &LockedTree<'_>, parent: ResourceRef<'_>, depth: u32) {
        if depth >= SNAPSHOT_DEPTH {
            return;
        }
        let (start, end) = (self.range.start(), self.range.end());
        for c in tree
            .children(parent)
            .take_while(|c| c.0.start <= end)
            .filter(|c| c.0.end >= start)
        {
            self.push(c, depth, false);
            self.collect_below(tree, c, depth + 1);
        }
    }
}

impl fmt::Display for Snapshot {
    /// Writes the conflicts: `[mem START-END] 'NAME' (busy, System RAM)`,
    /// comma separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.conflicts().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "[mem {:#x}-{:#x}] '{}' (", r.start, r.end, r.name())?;
            let mut sep = "";
            for (yes, what) in [
                (r.is_busy(), "busy"),
                (r.is_system_ram(), "System RAM"),
                (r.is_device_private(), "device-private"),
                (!r.is_busy() && !r.contains, "straddles the range"),
            ] {
                if yes {
                    write!(f, "{sep}{what}")?;
                    sep = ", ";
                }
            }
            f.write_str(")")?;
        }
        if self.more > 0 {
            // Not necessarily conflicts: anything past what the copy holds.
            write!(f, " ({} more resources at the range not read)", self.more)?;
        }
        Ok(())
    }
}

/// A resource of the locked iomem tree.
///
/// # Invariants
///
/// The tree is locked for as long as `'a`.
#[derive(Clone, Copy)]
struct ResourceRef<'a>(&'a kb::resource);

impl ResourceRef<'_> {
    /// Copies the name, cut to `NAME_LEN - 1` bytes.
    fn name(&self) -> [u8; NAME_LEN] {
        let mut buf = [0u8; NAME_LEN];
        if self.0.name.is_null() {
            return buf;
        }
        // SAFETY: A resource's name is a NUL-terminated string that lives as
        // long as the resource is in the tree, which it is while locked.
        let name = unsafe { CStr::from_char_ptr(self.0.name) }.to_bytes();
        let len = name.len().min(NAME_LEN - 1);
        buf[..len].copy_from_slice(&name[..len]);
        buf
    }
}

/// The iomem tree, locked for `'a`.
struct LockedTree<'a> {
    /// `iomem_resource`.
    root: ResourceRef<'a>,
}

impl<'a> LockedTree<'a> {
    /// Returns the root, `iomem_resource`.
    fn root(&self) -> ResourceRef<'a> {
        self.root
    }

    /// Returns the children of `parent`, in address order.
    fn children(&self, parent: ResourceRef<'a>) -> impl Iterator<Item = ResourceRef<'a>> + Clone {
        let first = parent.0.child;
        core::iter::successors(
            // SAFETY: Children of a resource in the locked tree are in the
            // tree too, and stay valid while it is locked.
            unsafe { first.as_ref() }.map(ResourceRef),
            // SAFETY: As above, for siblings.
            |r| unsafe { r.0.sibling.as_ref() }.map(ResourceRef),
        )
    }
}

/// Runs `f` on the iomem tree with `resource_lock` held; returns whether it
/// ran. `f` must not sleep.
///
/// The kernel exports neither `resource_lock` nor a walker that hands out the
/// resources themselves (`walk_iomem_res_desc()` passes nameless copies).
/// `allocate_resource()` calls its `alignf` callback with `resource_lock`
/// held for writing (kernel/resource.c), so `f` runs from there. The
/// allocation is asked of a private, empty root holding the single address
/// 0, and the callback answers an address outside it, so the allocation
/// fails and nothing is ever inserted in any tree.
fn with_iomem_locked(f: &mut dyn FnMut(&LockedTree<'_>)) -> bool {
    /// What the callback needs: the closure, and whether it ran.
    struct Call<'f> {
        f: &'f mut dyn FnMut(&LockedTree<'_>),
        ran: bool,
    }

    /// The `alignf` callback.
    ///
    /// # Safety
    ///
    /// `data` points to a `Call`; `resource_lock` is held.
    unsafe extern "C" fn alignf(
        data: *mut c_void,
        _avail: *const kb::resource,
        _empty: *const kb::resource,
        _size: kb::resource_size_t,
        _align: kb::resource_size_t,
    ) -> kb::resource_size_t {
        // SAFETY: `data` is the `Call` passed to `allocate_resource` below,
        // which is not otherwise used during the call.
        let call = unsafe { &mut *data.cast::<Call<'_>>() };
        // SAFETY: `iomem_resource` is the static root of the tree, which
        // nobody writes while `resource_lock` is held.
        if let Some(root) = unsafe { (&raw const kb::iomem_resource).as_ref() } {
            // INVARIANT: `resource_lock` is held for as long as this call.
            (call.f)(&LockedTree {
                root: ResourceRef(root),
            });
            call.ran = true;
        }
        // Outside the root's only address: nothing is allocated.
        1
    }

    // SAFETY: All-zero is a valid `struct resource`: no name, no links.
    let mut root: kb::resource = unsafe { core::mem::zeroed() };
    // SAFETY: As above.
    let mut new: kb::resource = unsafe { core::mem::zeroed() };
    // The root spans address 0 only; both have no flags, so that no
    // architecture trims the space (`arch_remove_reservations()`).
    root.end = 0;
    let mut call = Call { f, ran: false };
    // SAFETY: `root` and `new` are valid and private: `root` has no children
    // and `new` no parent, so the call only searches `root` and calls
    // `alignf` once with `call`, which outlives the call. `alignf` returns
    // an address outside `root`, so nothing is inserted and `-EBUSY` is the
    // expected result.
    unsafe {
        kb::allocate_resource(
            &mut root,
            &mut new,
            1,
            0,
            kb::resource_size_t::MAX,
            1,
            Some(alignf),
            (&raw mut call).cast(),
        )
    };
    call.ran
}

#[kunit_tests(kmem_rs_resource)]
mod tests {
    use super::{ResourceInfo, Snapshot, NAME_LEN, SNAPSHOT_LEN};
    use crate::hotplug::Range;
    use kernel::{
        bindings as kb,
        ffi::c_ulong,
        prelude::*,
        str::CString, //
    };

    /// The range asked for: 0x108000000-0x13fffffff.
    const RANGE: Range = Range::new(0x1_0800_0000, 0x1_3fff_ffff);
    /// A memory resource that is not BUSY.
    const MEM: c_ulong = kb::IORESOURCE_MEM as c_ulong;
    /// A BUSY memory resource.
    const BUSY: c_ulong = (kb::IORESOURCE_MEM | kb::IORESOURCE_BUSY) as c_ulong;

    /// A resource `depth` levels deep, as `Snapshot::collect()` records it.
    fn res(start: u64, end: u64, flags: c_ulong, depth: u32, name: &str) -> ResourceInfo {
        let mut info = ResourceInfo {
            start,
            end,
            flags,
            desc: kb::IORES_DESC_NONE as c_ulong,
            depth,
            contains: start <= RANGE.start() && end >= RANGE.end(),
            name: [0; NAME_LEN],
        };
        info.name[..name.len()].copy_from_slice(name.as_bytes());
        info
    }

    /// The legacy pmem resource that holds the whole range, not BUSY.
    fn pmem() -> ResourceInfo {
        res(
            0x1_0000_0000,
            0x1_3fff_ffff,
            MEM,
            0,
            "Persistent Memory (legacy)",
        )
    }

    /// A snapshot of `RANGE` holding `items`, in tree order.
    fn snapshot(items: &[ResourceInfo]) -> Snapshot {
        let mut snap = Snapshot {
            range: RANGE,
            items: [ResourceInfo::EMPTY; SNAPSHOT_LEN],
            len: items.len(),
            more: 0,
            complete: true,
        };
        snap.items[..items.len()].copy_from_slice(items);
        snap
    }

    /// What the "could not reserve region: overlaps ..." message adds.
    fn message(snap: &Snapshot) -> Result<CString> {
        CString::try_from_fmt(fmt!("{snap}"))
    }

    #[test]
    fn names_a_busy_sub_range_below_the_pmem() -> Result {
        let snap = snapshot(&[
            pmem(),
            res(0x1_0c00_0000, 0x1_0dff_ffff, BUSY, 1, "kmem_test_busy"),
        ]);
        assert_eq!(snap.conflicts().count(), 1);
        assert_eq!(
            message(&snap)?.to_bytes(),
            b"[mem 0x10c000000-0x10dffffff] 'kmem_test_busy' (busy)"
        );
        Ok(())
    }

    #[test]
    fn a_busy_holder_of_the_whole_range_is_the_conflict() -> Result {
        // device_dax still bound: its BUSY region holds the range, and the
        // request stops there; what lies beneath it is not named.
        let snap = snapshot(&[
            pmem(),
            res(0x1_0120_0000, 0x1_3fff_ffff, BUSY, 1, "dax0.0"),
            res(0x1_0800_0000, 0x1_08ff_ffff, BUSY, 2, "below"),
        ]);
        assert_eq!(
            message(&snap)?.to_bytes(),
            b"[mem 0x101200000-0x13fffffff] 'dax0.0' (busy)"
        );
        Ok(())
    }

    #[test]
    fn only_the_level_the_request_stops_at_is_named() -> Result {
        // Two overlapping children of the pmem; a grandchild is not in the
        // request's way by itself.
        let sys_ram = (kb::IORESOURCE_SYSTEM_RAM | kb::IORESOURCE_BUSY) as c_ulong;
        let snap = snapshot(&[
            pmem(),
            res(0x1_0000_0000, 0x1_0fff_ffff, MEM, 1, "straddling"),
            res(0x1_0800_0000, 0x1_0fff_ffff, sys_ram, 2, "grandchild"),
            res(0x1_3000_0000, 0x1_3fff_ffff, sys_ram, 1, "System RAM"),
        ]);
        assert_eq!(snap.conflicts().count(), 2);
        assert_eq!(
            message(&snap)?.to_bytes(),
            b"[mem 0x100000000-0x10fffffff] 'straddling' (straddles the range), \
              [mem 0x130000000-0x13fffffff] 'System RAM' (busy, System RAM)"
        );
        Ok(())
    }

    #[test]
    fn device_private_memory_is_named_as_such() -> Result {
        let mut private = res(0x1_3e00_0000, 0x1_3fff_ffff, BUSY, 1, "kmem_test_private");
        private.desc = kb::IORES_DESC_DEVICE_PRIVATE_MEMORY as c_ulong;
        let snap = snapshot(&[pmem(), private]);
        assert_eq!(
            message(&snap)?.to_bytes(),
            b"[mem 0x13e000000-0x13fffffff] 'kmem_test_private' (busy, device-private)"
        );
        Ok(())
    }

    #[test]
    fn resources_past_the_copy_are_counted_not_named() -> Result {
        let mut snap = snapshot(&[
            pmem(),
            res(0x1_0c00_0000, 0x1_0dff_ffff, BUSY, 1, "kmem_test_busy"),
        ]);
        snap.more = 3;
        assert_eq!(
            message(&snap)?.to_bytes(),
            b"[mem 0x10c000000-0x10dffffff] 'kmem_test_busy' (busy) \
              (3 more resources at the range not read)"
        );
        Ok(())
    }

    #[test]
    fn nothing_in_the_way_names_nothing() {
        let snap = snapshot(&[pmem()]);
        assert_eq!(snap.conflicts().count(), 0);
    }
}
