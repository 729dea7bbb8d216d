// SPDX-License-Identifier: GPL-2.0

//! The driver's view in debugfs: `kmem/daxX.Y/`.
//!
//! Read-only files built with `kernel::debugfs`, one directory per bound
//! device:
//!
//! - `ranges`: each range of the device, raw and block-aligned, and whether
//!   kmem holds its reservation and its added memory.
//! - `resources`: for each aligned range, the iomem resources that hold or
//!   overlap it, as `/proc/iomem` prints them, then their flags.
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
//! `blocks` and `status` read the device's data under its hotplug mutex, so
//! a read waits for a state change in progress and never sees memory being
//! removed. `resources` copies the resource tree with it locked.

use kernel::{
    debugfs::{Dir, Scope},
    fmt,
    page::PAGE_SIZE,
    prelude::*,
    str::CStr,
    sync::{Arc, Mutex}, //
};

use crate::{
    driver::Hotplug,
    hotplug::{self, Range},
    resource::{self, Snapshot},
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
    /// The device's ranges, by index.
    pub(crate) ranges: KVec<RangeInfo>,
    /// The device's hotplugged objects and status.
    pub(crate) hotplug: Arc<Mutex<Hotplug>>,
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

/// What a device's status shows besides its objects (see [`Hotplug`]).
#[derive(Default)]
pub(crate) struct Status {
    /// The target node.
    pub(crate) node: i32,
    /// The abstract distance of kmem's memory type for the node.
    pub(crate) adistance: i32,
    /// `memmap_on_memory` of the last add; `None` before the first.
    pub(crate) memmap_on_memory: Option<bool>,
    /// Microseconds the last add (reserve, add, online) took.
    pub(crate) last_add_us: Option<i64>,
    /// Microseconds the last remove (offline, remove, release) took.
    pub(crate) last_remove_us: Option<i64>,
    /// The last error: errno and what failed.
    pub(crate) last_error: Option<(i32, &'static str)>,
}

/// A bound device's debugfs directory and files.
///
/// One [`Scope`]: the directory and every file in it are removed together,
/// by one `debugfs_remove()` of the directory, before the data they read is
/// dropped (five [`kernel::debugfs::File`]s and a [`Dir`] were six
/// removals). That removal is what an unbind costs beyond the C kmem's:
/// about half a millisecond in the TCG guest (`Documentation/bench.rst`).
#[pin_data]
pub(crate) struct DeviceView {
    /// `kmem/daxX.Y` and its files, over the data they read.
    #[pin]
    scope: Scope<ViewData>,
}

impl DeviceView {
    /// Creates `NAME/` under `parent` with the device's files.
    ///
    /// debugfs failures are not errors: the driver works without its view.
    pub(crate) fn new<'a>(
        parent: &'a Dir,
        name: &'a CStr,
        data: ViewData,
    ) -> impl PinInit<Self> + 'a {
        pin_init!(Self {
            scope <- parent.scope(data, name, |data, dir| {
                dir.read_callback_file(c"ranges", data, &ranges);
                dir.read_callback_file(c"resources", data, &resources);
                dir.read_callback_file(c"blocks", data, &blocks);
                dir.read_callback_file(c"status", data, &status);
                dir.read_callback_file(c"selfcheck", data, &selfcheck);
            }),
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
    let hp = data.hotplug.lock();
    for (i, r) in data.ranges.iter().enumerate() {
        write!(f, "mapping{i} raw={:#x}-{:#x} ", r.raw.start(), r.raw.end())?;
        match r.aligned {
            Some(a) => write!(f, "aligned={:#x}-{:#x}", a.start(), a.end())?,
            None => f.write_str("aligned=none")?,
        }
        let mapping = hp.mapping(i);
        writeln!(
            f,
            " reserved={} added={}",
            yes_no(mapping.is_some()),
            yes_no(mapping.is_some_and(|m| m.is_added()))
        )?;
    }
    Ok(())
}

/// Writes, for each aligned range, a `mappingN START-END` line and then the
/// resources at the range, each as `/proc/iomem` prints it followed by
/// `  [flags 0x... busy system_ram driver_managed device_private]`.
fn resources(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in data.aligned() {
        writeln!(f, "mapping{i} {:#x}-{:#x}", range.start(), range.end())?;
        let snap = Snapshot::take(range);
        if !snap.is_complete() {
            writeln!(f, "  (the resource tree could not be read)")?;
        }
        for r in snap.items() {
            let indent = 2 * r.depth as usize;
            write!(
                f,
                "{:indent$}{:08x}-{:08x} : {}  [flags {:#x}",
                "",
                r.start,
                r.end,
                r.name(),
                r.flags
            )?;
            for (yes, what) in [
                (r.is_busy(), "busy"),
                (r.is_system_ram(), "system_ram"),
                (r.is_driver_managed(), "driver_managed"),
                (r.is_device_private(), "device_private"),
            ] {
                if yes {
                    write!(f, " {what}")?;
                }
            }
            writeln!(f, "]")?;
        }
        if snap.more() > 0 {
            writeln!(f, "  ({} more not shown)", snap.more())?;
        }
    }
    Ok(())
}

/// Writes, for each aligned range, `mappingN memoryFIRST-memoryLAST blocks=N
/// online_movable=N online_kernel=N offline=N absent=N`: online blocks by
/// zone, blocks added but offline, and blocks not added.
fn blocks(data: &ViewData, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let block = hotplug::block_size();
    let hp = data.hotplug.lock();
    for (i, range) in data.aligned() {
        let total = range.len() / block;
        let counts = hp
            .mapping(i)
            .filter(|m| m.is_added())
            .map(|m| m.count_blocks());
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
    let hp = data.hotplug.lock();
    let s = hp.status();
    writeln!(f, "node={}", s.node)?;
    writeln!(f, "adistance={}", s.adistance)?;
    writeln!(
        f,
        "memory_tier={}",
        s.adistance >> crate::bindings::KMEM_CONST_MEMTIER_CHUNK_BITS
    )?;
    opt(f, "memory_group", hp.group_id())?;
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
            resource::system_ram_pages(range),
            range.len() / PAGE_SIZE as u64,
            resource::system_ram_intersection(range),
        )?;
    }
    Ok(())
}
