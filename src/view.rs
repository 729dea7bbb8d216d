// SPDX-License-Identifier: GPL-2.0

//! The driver's view in debugfs: `kmem/`.
//!
//! Five read-only files, made once with the module's debugfs directory by
//! [`crate::debugfs`]; each lists every device from its probe to the end of
//! its unbind, in bind order, every line starting with the device's name:
//!
//! - `ranges`: each range of the device, raw and block-aligned, and whether
//!   kmem holds its reservation and its added memory.
//! - `resources`: for each aligned range, what three walks of the iomem tree
//!   find there (see below), with flags.
//! - `blocks`: for each aligned range, its memory blocks by state and zone.
//! - `status`: node, memory tier, memory group, `memmap_on_memory`,
//!   the time the last add and remove took, and the last error.
//! - `selfcheck`: does the kernel see each aligned range as System RAM? One
//!   line per range:
//!
//! ```text
//! dax0.0 mapping0 0x108000000-0x17fffffff system_ram_pages=491520/491520 region_intersects=intersects
//! ```
//!
//! `system_ram_pages` counts the pages `walk_system_ram_range()` visits and
//! `region_intersects` is `region_intersects(..., IORESOURCE_SYSTEM_RAM,
//! IORES_DESC_NONE)`: all pages and "intersects" while the memory is added,
//! no pages and "disjoint" once it is removed.
//!
//! A bind adds the device to the view's list ([`View::add`]) and its unbind
//! takes it out ([`Listed`]'s `Drop`): no debugfs entry is made or removed
//! per device, which kept half a millisecond of debugfs work out of every
//! bind and unbind (Documentation/bench.rst).
//!
//! Locking: a read copies the list's entries under the list's mutex and
//! writes them without it, so that a read waiting for one device's mutex
//! does not hold up the bind or unbind of another. `ranges`, `blocks` and
//! `status` read the device's data under its mutex, so a read waits for a
//! state change in progress and never sees memory being removed;
//! `resources` and `selfcheck` ask the kernel, which locks what it reads.
//! The list's mutex is never held with a device's. A read may hold the last
//! reference to a device's [`ViewData`]: the device releases what its
//! memory holds before it lets go of it (the driver's `remove`, or
//! `KmemDevice`'s `Drop` after a failed probe), so a reader frees nothing
//! but allocations.
//!
//! `resources` asks the kernel what lies at each range through
//! `walk_iomem_res_desc()`: three walks, each listing the outermost
//! resources at the range that have its flags, cut to the range (`mem`: any
//! memory resource, the top of the tree; `system_ram`; `busy`). The walks
//! give no names: `/proc/iomem` has them.

use kernel::{
    fmt,
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    sync::{Arc, Mutex}, //
};

use crate::{
    bindings,
    debugfs::{Files, Show},
    device::DeviceMemory,
    ioresource::{self, Found, ResourceName, Walk},
    memhp,
    range::{Range, RangeInfo}, //
};

/// What the view shows of one bound device: the part of the device the
/// driver shares with the view, in one allocation.
#[pin_data]
pub(crate) struct ViewData {
    /// The device's name, which starts each of its lines.
    pub(crate) name: Arc<ResourceName>,
    /// The device's ranges, by index, as probe recorded them.
    pub(crate) ranges: KVec<RangeInfo>,
    /// The device's memory and status.
    #[pin]
    pub(crate) memory: Mutex<DeviceMemory>,
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

/// The bound devices, in bind order.
type Devices = Arc<Mutex<KVec<Arc<ViewData>>>>;

/// The view's files: name and what writes them.
const FILES: [(&CStr, Show<Devices>); 5] = [
    (c"ranges", |d, f| each(d, f, ranges)),
    (c"resources", |d, f| each(d, f, resources)),
    (c"blocks", |d, f| each(d, f, blocks)),
    (c"status", |d, f| each(d, f, status)),
    (c"selfcheck", |d, f| each(d, f, selfcheck)),
];

/// The debugfs directory `kmem/`, its files, and the list of devices they
/// show; dropping it removes the directory first.
pub(crate) struct View {
    /// The directory and its files, which read `devices`.
    files: Files<Devices, 5>,
}

impl View {
    /// Creates `kmem/` and its files, listing no device yet.
    ///
    /// debugfs failures are not errors: the driver works without its view.
    pub(crate) fn new() -> Result<Self> {
        let devices = Arc::pin_init(new_mutex!(KVec::new()), GFP_KERNEL)?;
        Ok(Self {
            files: Files::new(c"kmem", devices, FILES)?,
        })
    }

    /// Lists a bound device until the returned [`Listed`] is dropped.
    pub(crate) fn add(&self, data: impl PinInit<ViewData, Error>) -> Result<Listed> {
        let devices = self.files.data().clone();
        let data = Arc::pin_init(data, GFP_KERNEL)?;
        devices.lock().push(data.clone(), GFP_KERNEL)?;
        Ok(Listed { devices, data })
    }
}

/// A device in the view's list; dropping it takes the device out.
pub(crate) struct Listed {
    /// The list.
    devices: Devices,
    /// The device's entry.
    data: Arc<ViewData>,
}

impl Listed {
    /// Returns the device's entry.
    pub(crate) fn data(&self) -> &ViewData {
        &self.data
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut devices = self.devices.lock();
        let i = devices.iter().position(|d| Arc::ptr_eq(d, &self.data));
        // Removing an index found above cannot fail. The entry is dropped
        // after the lock: `self.data` still holds the data either way.
        let removed = i.and_then(|i| devices.remove(i).ok());
        drop(devices);
        drop(removed);
    }
}

/// Writes `show`'s lines for every listed device: copies the entries under
/// the list's mutex, then writes them without it.
fn each(
    devices: &Devices,
    f: &mut fmt::Formatter<'_>,
    show: fn(&ViewData, &str, &mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    let listed = {
        let devices = devices.lock();
        let mut listed = KVec::with_capacity(devices.len(), GFP_KERNEL).map_err(|_| fmt::Error)?;
        for data in devices.iter() {
            listed
                .push(data.clone(), GFP_KERNEL)
                .map_err(|_| fmt::Error)?;
        }
        listed
    };
    for data in listed.iter() {
        show(data, data.name.as_str(), f)?;
    }
    Ok(())
}

/// Writes "yes" or "no".
fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Writes the device's `ranges` lines:
/// `NAME mappingN raw=START-END aligned=START-END reserved=yes added=yes`.
fn ranges(data: &ViewData, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let memory = data.memory.lock();
    for (i, r) in data.ranges.iter().enumerate() {
        write!(
            f,
            "{name} mapping{i} raw={:#x}-{:#x} ",
            r.raw.start(),
            r.raw.end()
        )?;
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

/// Writes, for each aligned range of the device, a `NAME mappingN START-END`
/// line, then what each [`Walk`] finds there, a line per resource:
/// `NAME   WALK START-END [flags 0x... busy system_ram driver_managed device_private]`.
fn resources(data: &ViewData, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in data.aligned() {
        writeln!(
            f,
            "{name} mapping{i} {:#x}-{:#x}",
            range.start(),
            range.end()
        )?;
        for walk in [Walk::Mem, Walk::SystemRam, Walk::Busy] {
            let found = Found::walk(range, walk);
            for p in found.items() {
                write!(
                    f,
                    "{name}   {} {:x}-{:x} [flags {:#x}",
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
                writeln!(
                    f,
                    "{name}   {} ({} more not shown)",
                    walk.name(),
                    found.more()
                )?;
            }
        }
    }
    Ok(())
}

/// Writes, for each aligned range of the device, `NAME mappingN
/// memoryFIRST-memoryLAST blocks=N online_movable=N online_kernel=N
/// offline=N absent=N`: online blocks by zone, blocks added but offline, and
/// blocks not added.
fn blocks(data: &ViewData, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            "{name} mapping{i} memory{}-memory{} blocks={total} online_movable={movable} online_kernel={kernel} offline={offline} absent={absent}",
            range.start() / block,
            range.end() / block,
        )?;
    }
    Ok(())
}

/// Writes the device's `status` lines, `NAME key=value`; `-` where there is
/// no value yet.
fn status(data: &ViewData, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    /// Writes `NAME key=value`, or `NAME key=-` for `None`.
    fn opt(
        f: &mut fmt::Formatter<'_>,
        name: &str,
        key: &str,
        v: Option<impl core::fmt::Display>,
    ) -> fmt::Result {
        match v {
            Some(v) => writeln!(f, "{name} {key}={v}"),
            None => writeln!(f, "{name} {key}=-"),
        }
    }
    let memory = data.memory.lock();
    let s = &memory.status;
    writeln!(f, "{name} node={}", s.node)?;
    writeln!(f, "{name} adistance={}", s.adistance)?;
    writeln!(
        f,
        "{name} memory_tier={}",
        s.adistance >> bindings::KMEM_CONST_MEMTIER_CHUNK_BITS
    )?;
    opt(f, name, "memory_group", memory.group_id())?;
    opt(
        f,
        name,
        "memmap_on_memory",
        s.memmap_on_memory.map(u8::from),
    )?;
    opt(f, name, "last_add_us", s.last_add_us)?;
    opt(f, name, "last_remove_us", s.last_remove_us)?;
    match s.last_error {
        Some((errno, what)) => writeln!(f, "{name} last_error={errno} {what}"),
        None => writeln!(f, "{name} last_error=-"),
    }
}

/// Writes the device's `selfcheck` lines.
fn selfcheck(data: &ViewData, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in data.aligned() {
        writeln!(
            f,
            "{name} mapping{i} {:#x}-{:#x} system_ram_pages={}/{} region_intersects={}",
            range.start(),
            range.end(),
            ioresource::system_ram_pages(range),
            range.len() / PAGE_SIZE as u64,
            ioresource::system_ram_intersection(range),
        )?;
    }
    Ok(())
}
