// SPDX-License-Identifier: GPL-2.0

//! The driver's view in debugfs: `kmem/`.
//!
//! Five read-only files, made once with the module's debugfs directory by
//! [`super::debugfs`]; each lists every device from its probe to the end of
//! its unbind, in bind order, every line starting with the device's name:
//!
//! - `ranges`: each range of the device, raw and block-aligned, and whether
//!   kmem holds its reservation and its added memory.
//! - `resources`: for each aligned range, what three walks of the iomem tree
//!   find there (see below), with flags.
//! - `blocks`: for each aligned range, its memory blocks by state and zone.
//! - `status`: node, abstract distance and memory tier, where the distance
//!   came from (`platform`: ACPI HMAT or a CXL region's CDAT; `default`;
//!   `admin`: `node_adistance`) and what the platform or the default gave,
//!   memory group, `memmap_on_memory`, the time the last add and remove
//!   took, and the last error.
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
//! A bind adds the device to the view's list ([`Listed::new`]) and its
//! unbind takes it out ([`Listed`]'s `Drop`): no debugfs entry is made or
//! removed per device, which kept half a millisecond of debugfs work out of
//! every bind and unbind (Documentation/bench.rst). The list holds a
//! reference to each device, which the driver owns: the view never changes
//! a device, it only reads it, and adds to it only its own status.
//!
//! Locking: a read copies the list's entries under the list's mutex and
//! writes them without it, so that a read waiting for one device's mutex
//! does not hold up the bind or unbind of another. `ranges`, `blocks` and
//! `status` read the device's memory under its mutex, so a read waits for a
//! state change in progress and never sees memory being removed;
//! `resources` and `selfcheck` ask the kernel, which locks what it reads.
//! The list's mutex is never held with a device's; an entry's status mutex
//! is taken after its device's, or alone. A read may hold the last
//! reference to a device: the driver empties the device's memory before it
//! lets go of it, so a reader frees nothing but allocations.
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
    sync::{
        Arc,
        Mutex, //
    }, //
};

use crate::{
    device::KmemDevice,
    memhp,
    tiers, //
};

use super::{
    blocks,
    debugfs::{
        self,
        Show, //
    },
    iowalk::{
        self,
        Found,
        Walk, //
    }, //
    tier::Tier,
};

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it in module init, before the driver
    // is registered, and nothing uses it before.
    unsafe(uninit) static DEVICES: Mutex<KVec<Arc<Entry>>> = KVec::new();
}

/// Initialises the view's list.
///
/// # Safety
///
/// Called once, from module init, before anything else of this file.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (caller's guarantee).
    unsafe { DEVICES.init() };
}

/// Frees what the (empty) list still allocates: for module exit, after
/// every device is unbound.
pub(crate) fn clear() {
    let old = core::mem::take(&mut *DEVICES.lock());
    drop(old);
}

/// What the view shows beyond the device itself.
#[derive(Default)]
pub(crate) struct Status {
    /// `memmap_on_memory` of the last add; `None` before the first.
    pub(crate) memmap_on_memory: Option<bool>,
    /// Microseconds the last add (reserve, add, online) took.
    pub(crate) last_add_us: Option<i64>,
    /// Microseconds the last remove (offline, remove, release) took.
    pub(crate) last_remove_us: Option<i64>,
    /// The last error: errno and what failed.
    pub(crate) last_error: Option<(i32, &'static str)>,
}

/// A device in the view: the device, which the driver owns, and the status
/// the view keeps of it.
#[pin_data]
pub(crate) struct Entry {
    /// The device.
    device: Arc<KmemDevice>,
    /// The abstract distance of its node, and where it came from.
    tier: Tier,
    /// Its status, written by the driver through [`Listed`].
    #[pin]
    status: Mutex<Status>,
}

/// The view's files: name and what writes them.
const FILES: [(&CStr, Show); 5] = [
    (c"ranges", |f| each(f, ranges)),
    (c"resources", |f| each(f, resources)),
    (c"blocks", |f| each(f, blocks)),
    (c"status", |f| each(f, status)),
    (c"selfcheck", |f| each(f, selfcheck)),
];

/// The debugfs directory `kmem/` and its files; dropping it removes them.
pub(crate) struct View {
    /// The directory.
    _dir: debugfs::Dir<5>,
}

impl View {
    /// Creates `kmem/` and its files.
    ///
    /// debugfs failures are not errors: the driver works without its view.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            _dir: debugfs::Dir::new(c"kmem", FILES)?,
        })
    }
}

/// A device in the view's list; dropping it takes the device out.
pub(crate) struct Listed(Arc<Entry>);

impl Listed {
    /// Lists `device` until the returned [`Listed`] is dropped.
    pub(crate) fn new(device: &Arc<KmemDevice>, tier: &Tier) -> Result<Self> {
        let entry = Arc::pin_init(
            pin_init!(Entry {
                device: device.clone(),
                tier: *tier,
                status <- new_mutex!(Status::default()),
            }),
            GFP_KERNEL,
        )?;
        DEVICES.lock().push(entry.clone(), GFP_KERNEL)?;
        Ok(Self(entry))
    }

    /// Returns the device's status, to write.
    pub(crate) fn status(&self) -> &Mutex<Status> {
        &self.0.status
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut devices = DEVICES.lock();
        let i = devices.iter().position(|d| Arc::ptr_eq(d, &self.0));
        // Removing an index found above cannot fail. The entry is dropped
        // after the lock: `self.0` still holds it either way.
        let removed = i.and_then(|i| devices.remove(i).ok());
        drop(devices);
        drop(removed);
    }
}

/// Writes `show`'s lines for every listed device: copies the entries under
/// the list's mutex, then writes them without it.
fn each(
    f: &mut fmt::Formatter<'_>,
    show: fn(&Entry, &str, &mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    let listed = {
        let devices = DEVICES.lock();
        let mut listed = KVec::with_capacity(devices.len(), GFP_KERNEL).map_err(|_| fmt::Error)?;
        for entry in devices.iter() {
            listed
                .push(entry.clone(), GFP_KERNEL)
                .map_err(|_| fmt::Error)?;
        }
        listed
    };
    for entry in listed.iter() {
        show(entry, entry.device.name().as_str(), f)?;
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
fn ranges(entry: &Entry, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let dev = &entry.device;
    let memory = dev.memory().lock();
    for (i, r) in dev.ranges().iter().enumerate() {
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
fn resources(entry: &Entry, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in entry.device.aligned() {
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
fn blocks(entry: &Entry, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let block = memhp::block_size();
    let dev = &entry.device;
    // Held while counting: the memory stays added.
    let memory = dev.memory().lock();
    for (i, range) in dev.aligned() {
        let total = range.len() / block;
        let counts = memory
            .reservation(i)
            .filter(|r| r.is_added())
            .map(|r| blocks::count(r.range()));
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
fn status(entry: &Entry, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
    let dev = &entry.device;
    let tier = &entry.tier;
    writeln!(f, "{name} node={}", dev.node())?;
    writeln!(f, "{name} adistance={}", tier.adistance)?;
    writeln!(f, "{name} memory_tier={}", tiers::tier_of(tier.adistance))?;
    writeln!(f, "{name} adistance_source={}", tier.source.name())?;
    writeln!(f, "{name} computed_adistance={}", tier.computed)?;
    // The device's mutex, then the entry's (as the driver takes them).
    let memory = dev.memory().lock();
    opt(f, name, "memory_group", memory.group_id())?;
    let s = entry.status.lock();
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
fn selfcheck(entry: &Entry, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in entry.device.aligned() {
        writeln!(
            f,
            "{name} mapping{i} {:#x}-{:#x} system_ram_pages={}/{} region_intersects={}",
            range.start(),
            range.end(),
            iowalk::system_ram_pages(range),
            range.len() / PAGE_SIZE as u64,
            iowalk::system_ram_intersection(range),
        )?;
    }
    Ok(())
}
