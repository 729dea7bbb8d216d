// SPDX-License-Identifier: GPL-2.0

//! The driver's view in debugfs: `kmem/daxX.Y/`.
//!
//! Read-only files built with `kernel::debugfs`. `selfcheck` answers, from
//! inside the kernel, the question the non-BUSY parent exists for: does the
//! kernel see each of the device's block-aligned ranges as System RAM? One
//! line per range:
//!
//! ```text
//! mapping0 0x108000000-0x17fffffff system_ram_pages=491520/491520 region_intersects=intersects
//! ```
//!
//! `system_ram_pages` counts the pages `walk_system_ram_range()` visits and
//! `region_intersects` is `region_intersects(..., IORESOURCE_SYSTEM_RAM,
//! IORES_DESC_NONE)`: all pages and "intersects" while the memory is added,
//! no pages and "disjoint" once it is removed.

use kernel::{
    debugfs::{Dir, File},
    fmt,
    page::PAGE_SIZE,
    prelude::*,
    str::CStr, //
};

use crate::{hotplug::Range, resource};

/// The block-aligned ranges of a device, with their indices.
pub(crate) struct Ranges(pub(crate) KVec<(usize, Range)>);

/// A bound device's debugfs directory and files.
#[pin_data]
pub(crate) struct DeviceView {
    /// `selfcheck`; removed before its directory.
    #[pin]
    selfcheck: File<Ranges>,
    /// `kmem/daxX.Y`.
    _dir: Dir,
}

impl DeviceView {
    /// Creates `NAME/` under `parent` with the device's files.
    ///
    /// debugfs failures are not errors: the driver works without its view.
    pub(crate) fn new<'a>(
        parent: &'a Dir,
        name: &'a CStr,
        ranges: Ranges,
    ) -> impl PinInit<Self> + 'a {
        let dir = parent.subdir(name);
        pin_init!(Self {
            selfcheck <- dir.read_callback_file(c"selfcheck", ranges, &selfcheck),
            _dir: dir,
        })
    }
}

/// Writes the `selfcheck` lines.
fn selfcheck(ranges: &Ranges, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, range) in ranges.0.iter() {
        writeln!(
            f,
            "mapping{i} {:#x}-{:#x} system_ram_pages={}/{} region_intersects={}",
            range.start(),
            range.end(),
            resource::system_ram_pages(*range),
            range.len() / PAGE_SIZE as u64,
            resource::system_ram_intersection(*range),
        )?;
    }
    Ok(())
}
