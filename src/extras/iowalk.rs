// SPDX-License-Identifier: GPL-2.0

//! What the iomem resource tree holds at a range: the view's `resources`
//! and `selfcheck` files, and what stands in the way of a reservation.
//!
//! C header: [`include/linux/ioport.h`](srctree/include/linux/ioport.h).
//!
//! Read only through exported, locking interfaces: `walk_iomem_res_desc()`,
//! which hands its callback a private copy (start and end cut to the range,
//! flags, descriptor; no name) made under `resource_lock`, and
//! `region_intersects()`. No Rust reference to a `struct resource` of the
//! tree is made: others write their fields, and the tree's lock is not
//! exported. Names stay in `/proc/iomem`.

use kernel::{
    bindings as kb,
    ffi::{
        c_int,
        c_ulong,
        c_void, //
    },
    fmt,
    page::PAGE_SIZE,
    prelude::*, //
};

use crate::range::Range;

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

/// Most resources a [`Found`] holds; further ones are only counted.
const FOUND_LEN: usize = 8;

/// One resource the tree holds at a range, as `walk_iomem_res_desc()`
/// copied it: its part within the range, flags and descriptor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Piece {
    /// The part of the resource within the range.
    pub(crate) range: Range,
    /// `IORESOURCE_*` flags.
    pub(crate) flags: c_ulong,
    /// `IORES_DESC_*` descriptor.
    pub(crate) desc: c_ulong,
}

impl Piece {
    /// An empty slot.
    const EMPTY: Self = Self {
        range: Range::new(0, 0),
        flags: 0,
        desc: 0,
    };

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

/// Which resources a walk finds: the outermost ones, in address order, whose
/// flags include all of the walk's.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Walk {
    /// Any memory resource (`IORESOURCE_MEM`): the top of the tree.
    Mem,
    /// System RAM (`IORESOURCE_SYSTEM_RAM`), BUSY or not.
    SystemRam,
    /// BUSY resources: nothing can be requested inside them.
    Busy,
}

impl Walk {
    /// Returns the flags a resource must have.
    fn flags(self) -> c_ulong {
        (match self {
            Self::Mem => kb::IORESOURCE_MEM,
            Self::SystemRam => kb::IORESOURCE_SYSTEM_RAM,
            Self::Busy => kb::IORESOURCE_BUSY,
        }) as c_ulong
    }

    /// Returns the walk's name in the view.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Mem => "mem",
            Self::SystemRam => "system_ram",
            Self::Busy => "busy",
        }
    }
}

/// The resources one [`Walk`] found at a range, in address order.
pub(crate) struct Found {
    /// The pieces found, `len` of them.
    items: [Piece; FOUND_LEN],
    /// How many of `items` are filled.
    len: usize,
    /// How many more were found than `items` holds.
    more: usize,
}

impl Found {
    /// Walks the iomem tree at `range` (C: `walk_iomem_res_desc()` with
    /// `IORES_DESC_NONE`): each resource found is the first in the tree's
    /// order, parents before children, that has the walk's flags and ends at
    /// or after the start, cut to the range; the walk then goes on after it.
    pub(crate) fn walk(range: Range, walk: Walk) -> Self {
        /// Records the copy the walker made.
        ///
        /// # Safety
        ///
        /// `res` is a valid resource and `arg` points to a `Found`.
        unsafe extern "C" fn record(res: *mut kb::resource, arg: *mut c_void) -> c_int {
            // SAFETY: The walker passes its own copy of the resource found,
            // valid for the call and written by nobody else (`res` is a local
            // of `walk_res_desc()`); `arg` is the `Found` passed below.
            let (found, (start, end, flags, desc)) = unsafe {
                (
                    &mut *arg.cast::<Found>(),
                    ((*res).start, (*res).end, (*res).flags, (*res).desc),
                )
            };
            found.push(Piece {
                range: Range::new(start, end),
                flags,
                desc,
            });
            0
        }
        let mut found = Self {
            items: [Piece::EMPTY; FOUND_LEN],
            len: 0,
            more: 0,
        };
        // SAFETY: `record` matches the callback type, and `found` outlives
        // the walk, which calls back synchronously and without locks held.
        unsafe {
            kb::walk_iomem_res_desc(
                kb::IORES_DESC_NONE as c_ulong,
                walk.flags(),
                range.start(),
                range.end(),
                (&raw mut found).cast(),
                Some(record),
            )
        };
        found
    }

    /// Returns the pieces found.
    pub(crate) fn items(&self) -> &[Piece] {
        &self.items[..self.len]
    }

    /// Returns how many pieces were found but not kept.
    pub(crate) fn more(&self) -> usize {
        self.more
    }

    /// Records one piece.
    fn push(&mut self, piece: Piece) {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = piece;
                self.len += 1;
            }
            None => self.more += 1,
        }
    }
}

/// What stands in the way of a request of a range: the outermost BUSY
/// resources at it (a request cannot descend into those), each as
/// `[mem START-END] (busy[, System RAM][, device-private])`, comma
/// separated. Empty when nothing BUSY is there (then a resource that is not
/// BUSY straddles the range).
pub(crate) struct Conflicts(Found);

impl Conflicts {
    /// Looks for what is in the way of a request of `range`.
    pub(crate) fn at(range: Range) -> Self {
        Self(Found::walk(range, Walk::Busy))
    }

    /// Returns whether anything BUSY was found.
    pub(crate) fn any(&self) -> bool {
        self.0.len > 0
    }
}

impl fmt::Display for Conflicts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.items().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "[mem {:#x}-{:#x}] (busy", p.range.start(), p.range.end())?;
            if p.is_system_ram() {
                f.write_str(", System RAM")?;
            }
            if p.is_device_private() {
                f.write_str(", device-private")?;
            }
            f.write_str(")")?;
        }
        if self.0.more > 0 {
            write!(f, " and {} more", self.0.more)?;
        }
        Ok(())
    }
}

#[kunit_tests(kmem_rs_resource)]
mod tests {
    use super::{Conflicts, Found, Piece, FOUND_LEN};
    use crate::range::Range;
    use kernel::{
        bindings as kb,
        ffi::c_ulong,
        prelude::*,
        str::CString, //
    };

    /// A BUSY memory resource.
    const BUSY: c_ulong = (kb::IORESOURCE_MEM | kb::IORESOURCE_BUSY) as c_ulong;

    /// A piece of `start..=end` with `flags` and no descriptor.
    fn piece(start: u64, end: u64, flags: c_ulong) -> Piece {
        Piece {
            range: Range::new(start, end),
            flags,
            desc: kb::IORES_DESC_NONE as c_ulong,
        }
    }

    /// Conflicts made of `pieces`.
    fn conflicts(pieces: &[Piece]) -> Conflicts {
        let mut found = Found {
            items: [Piece::EMPTY; FOUND_LEN],
            len: 0,
            more: 0,
        };
        pieces.iter().for_each(|p| found.push(*p));
        Conflicts(found)
    }

    /// What the "could not reserve region: overlaps ..." message adds.
    fn message(c: &Conflicts) -> Result<CString> {
        CString::try_from_fmt(fmt!("{c}"))
    }

    #[test]
    fn names_a_busy_sub_range() -> Result {
        let c = conflicts(&[piece(0x1_0c00_0000, 0x1_0dff_ffff, BUSY)]);
        assert!(c.any());
        assert_eq!(
            message(&c)?.to_bytes(),
            b"[mem 0x10c000000-0x10dffffff] (busy)"
        );
        Ok(())
    }

    #[test]
    fn system_ram_and_device_private_are_named() -> Result {
        let ram = (kb::IORESOURCE_SYSTEM_RAM | kb::IORESOURCE_BUSY) as c_ulong;
        let mut private = piece(0x1_3e00_0000, 0x1_3fff_ffff, BUSY);
        private.desc = kb::IORES_DESC_DEVICE_PRIVATE_MEMORY as c_ulong;
        let c = conflicts(&[piece(0x1_0800_0000, 0x1_0fff_ffff, ram), private]);
        assert_eq!(
            message(&c)?.to_bytes(),
            b"[mem 0x108000000-0x10fffffff] (busy, System RAM), \
              [mem 0x13e000000-0x13fffffff] (busy, device-private)"
        );
        Ok(())
    }

    #[test]
    fn pieces_past_the_copy_are_counted() -> Result {
        let p = piece(0x1000, 0x1fff, BUSY);
        let c = conflicts(&[p; FOUND_LEN + 3]);
        assert_eq!(c.0.items().len(), FOUND_LEN);
        assert!(message(&c)?.to_bytes().ends_with(b"(busy) and 3 more"));
        Ok(())
    }

    #[test]
    fn nothing_busy_is_no_conflict() {
        assert!(!conflicts(&[]).any());
    }

    #[test]
    fn a_busy_walk_finds_only_busy_resources() {
        // The kernel's own image is BUSY System RAM below 4 GiB on x86; the
        // walk must agree with `region_intersects()` on some System RAM.
        let low = Range::new(0, (4u64 << 30) - 1);
        let found = Found::walk(low, super::Walk::Busy);
        assert!(found.items().iter().all(|p| p.is_busy()));
        assert!(found.items().iter().any(|p| p.is_system_ram()));
    }
}
