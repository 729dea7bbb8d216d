// SPDX-License-Identifier: GPL-2.0

//! The driver's view in debugfs: `kmem/daxX.Y/`.
//!
//! Read-only files made with [`crate::debugfs`], one directory per bound
//! device:
//!
//! - `ranges`: each range of the device, raw and block-aligned, and whether
//!   kmem holds its reservation and its added memory.
//! - `resources`: for each aligned range, what three walks of the iomem tree
//!   find there (see below), with flags.
//! - `blocks`: for each aligned range, its memory blocks by state and zone.
//! - `status`: state, node, memory tier, memory group, `memmap_on_memory`,
//!   the time the last add and remove took, and the last error.
//! - `selfcheck`: does the kernel see each aligned range as System RAM? One
//!   line per range:
//!
//! ```text
//! mapping0 0x108000000-0x17fffffff system_ram_pages=491520/491520 region_intersects=intersects
//! ```
//!
//! `system_ram_pages` counts the pages `walk_system_ram_range()` visits and
//! `region_intersects` is `region_intersects(..., IORESOURCE_SYSTEM_RAM,
//! IORES_DESC_NONE)`: all pages and "intersects" while the memory is added,
//! no pages and "disjoint" once it is removed.
//!
//! `ranges`, `blocks` and `status` read the device's data under its mutex,
//! so a read waits for a state change in progress and never sees memory
//! being removed; `resources` and `selfcheck` ask the kernel, which locks
//! what it reads.
//! `resources` asks the kernel what lies at each range through
//! `walk_iomem_res_desc()`: three walks, each listing the outermost
//! resources at the range that have its flags, cut to the range (`mem`: any
//! memory resource, the top of the tree; `system_ram`; `busy`). The walks
//! give no names: `/proc/iomem` has them.
//!
//! The files are made with [`crate::debugfs`], whose operations hold the
//! module while a file is open.

use kernel::{
    fmt,
    page::PAGE_SIZE,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex}, //
};

use crate::{
    bindings,
    debugfs::{Dir, Files, Show},
    device::DeviceMemory,
    ioresource::{self, Found, Walk},
    memhp,
    range::Range, //
};

/// One range of a device as probe found it.
#[derive(Clone, Copy)]
pub(crate) struct RangeInfo {
    /// The range as the dax device has it.
    pub(crate) raw: Range,
    /// Its memory-block-aligned part; `None` if no whole block fits.
    pub(crate) aligned: Option<Range>,
}

/// What the view's files read.
pub(crate) struct ViewData {
    /// The device's ranges, by index, as probe recorded them.
    pub(crate) ranges: KVec<RangeInfo>,
    /// The device's memory and status.
    pub(crate) memory: Arc<Mutex<DeviceMemory>>,
}

impl ViewData {
    /// Returns the aligned ranges with their indices.
    fn aligned(&self) -> impl Iterator<Item = (usize, Range)> + '_ {
        self.ranges
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.aligned?)))
    }
}

/// The view's files: name and what writes them.
const FILES: [(&CStr, Show<ViewData>); 5] = [
    (c"ranges", ranges),
    (c"resources", resources),
    (c"blocks", blocks),
    (c"status", status),
    (c"selfcheck", selfcheck),
];

/// A bound device's debugfs directory `kmem/daxX.Y/`, its files, and the
/// data they read; dropping it removes the directory first.
pub(crate) struct DeviceView {
    /// Held for its `Drop`, which removes the directory, then the data.
    _files: Files<ViewData, 5>,
}

impl DeviceView {
    /// Creates `NAME/` under `parent` with the device's files.
    ///
    /// debugfs failures are not errors: the driver works without its view.
    pub(crate) fn new(parent: &Dir, name: &CStr, data: ViewData) -> Result<Self> {
        Ok(Self {
            _files: Files::new(parent, name, data, FILES)?,
        })
    }
}

/// Writes "yes" or "no".
fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Writes the `ranges` lines:
/// `mappingN raw=START-END aligned=START-END reserved=yes added=yes`.
fn ranges(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let memory = data.memory.lock();
    for (i, r) in data.ranges.iter().enumerate() {
        write!(f, "mapping{i} raw={:#x}-{:#x} ", r.raw.start(), r.raw.end())?;
        match r.aligned {
            Some(a) => write!(f, "aligned={:#x}-{:#x}", a.start(), a.end())?,
            None => f.write_str("aligned=none")?,
        }
        let reservation = memory.reservation(i);
        writeln!(
            f,
            " reserved={} added={}",
            yes_no(reservation.is_some()),
            yes_no(reservation.is_some_and(|r| r.is_added()))
        )?;
    }
    Ok(())
}

/// Writes, for each aligned range, a `mappingN START-END` line, then what
/// each [`Walk`] finds there, a line per resource:
/// `  WALK START-END [flags 0x... busy system_ram driver_managed device_private]`.
fn resources(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in data.aligned() {
        writeln!(f, "mapping{i} {:#x}-{:#x}", range.start(), range.end())?;
        for walk in [Walk::Mem, Walk::SystemRam, Walk::Busy] {
            let found = Found::walk(range, walk);
            for p in found.items() {
                write!(
                    f,
                    "  {} {:x}-{:x} [flags {:#x}",
                    walk.name(),
                    p.range.start(),
                    p.range.end(),
                    p.flags
                )?;
                for (yes, what) in [
                    (p.is_busy(), "busy"),
                    (p.is_system_ram(), "system_ram"),
                    (p.is_driver_managed(), "driver_managed"),
                    (p.is_device_private(), "device_private"),
                ] {
                    if yes {
                        write!(f, " {what}")?;
                    }
                }
                writeln!(f, "]")?;
            }
            if found.more() > 0 {
                writeln!(f, "  {} ({} more not shown)", walk.name(), found.more())?;
            }
        }
    }
    Ok(())
}

/// Writes, for each aligned range, `mappingN memoryFIRST-memoryLAST blocks=N
/// online_movable=N online_kernel=N offline=N absent=N`: online blocks by
/// zone, blocks added but offline, and blocks not added.
fn blocks(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let block = memhp::block_size();
    let memory = data.memory.lock();
    for (i, range) in data.aligned() {
        let total = range.len() / block;
        let counts = memory
            .reservation(i)
            .filter(|r| r.is_added())
            .map(|r| r.count_blocks());
        let (movable, kernel, offline, absent) = match counts {
            Some(c) => (c.movable, c.kernel, total - c.movable - c.kernel, 0),
            None => (0, 0, 0, total),
        };
        writeln!(
            f,
            "mapping{i} memory{}-memory{} blocks={total} online_movable={movable} online_kernel={kernel} offline={offline} absent={absent}",
            range.start() / block,
            range.end() / block,
        )?;
    }
    Ok(())
}

/// Writes the `status` lines, `key=value`; `-` where there is no value yet.
fn status(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    /// Writes `key=value`, or `key=-` for `None`.
    fn opt(
        f: &mut fmt::Formatter<'_>,
        key: &str,
        v: Option<impl core::fmt::Display>,
    ) -> fmt::Result {
        match v {
            Some(v) => writeln!(f, "{key}={v}"),
            None => writeln!(f, "{key}=-"),
        }
    }
    let memory = data.memory.lock();
    let s = &memory.status;
    writeln!(f, "node={}", s.node)?;
    writeln!(f, "adistance={}", s.adistance)?;
    writeln!(
        f,
        "memory_tier={}",
        s.adistance >> bindings::KMEM_CONST_MEMTIER_CHUNK_BITS
    )?;
    opt(f, "memory_group", memory.group_id())?;
    opt(f, "memmap_on_memory", s.memmap_on_memory.map(u8::from))?;
    opt(f, "last_add_us", s.last_add_us)?;
    opt(f, "last_remove_us", s.last_remove_us)?;
    match s.last_error {
        Some((errno, what)) => writeln!(f, "last_error={errno} {what}"),
        None => writeln!(f, "last_error=-"),
    }
}

/// Writes the `selfcheck` lines.
fn selfcheck(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in data.aligned() {
        writeln!(
            f,
            "mapping{i} {:#x}-{:#x} system_ram_pages={}/{} region_intersects={}",
            range.start(),
            range.end(),
            ioresource::system_ram_pages(range),
            range.len() / PAGE_SIZE as u64,
            ioresource::system_ram_intersection(range),
        )?;
    }
    Ok(())
}
