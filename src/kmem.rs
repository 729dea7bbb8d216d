// SPDX-License-Identifier: GPL-2.0

//! kmem-rs: map device-dax instances as driver-managed System RAM.
//!
//! A drop-in replacement for the C `drivers/dax/kmem.c` of Linux 7.3. For each
//! range of a `daxX.Y` device the driver reserves a parent region named after
//! the device, with BUSY clear, and hot-adds "System RAM (kmem)" beneath it
//! with `__add_memory_driver_managed()`; unplug and unbind take both out again.
//!
//! The crate root holds the module list, the module struct, `module!`, and
//! the callbacks of the C shim's `state` attribute.
//!
//! Layers, each file importing only files below it (Documentation/driver.rst,
//! "Design"):
//!
//! ```text
//! kmem.rs                 module root
//! driver.rs               probe, unbind, `state` (the C driver's logic)
//! extras/ (or parity.rs)  beyond C, behind one interface: view, kept
//!                         memory, conflicts, the unplug room check, the
//!                         administrator's tier
//! device.rs  state.rs     what kmem holds for one device; `state`'s rules
//! dax.rs memhp.rs ioresource.rs tiers.rs range.rs units.rs sysfs.rs
//!                         leaves: one kernel API each
//! ```
//!
//! `unsafe` is in the leaves, in extras/'s leaves (blocks, debugfs, iowalk,
//! module_ref, room, tier), and at the edges where C calls in or statics
//! are set up: this file's `state` callbacks, the `global_lock!` statics
//! and their `init()`s (`tiers.rs`, `extras/`'s `stranded.rs`, `view.rs`,
//! `tier.rs`) and their callers in `driver.rs` and `extras/mod.rs`, and the
//! shim's attribute groups handed to `dax.rs`. Every
//! site is listed in Documentation/driver.rst, "Every unsafe site".
//!
//! `make EXTRAS=0` builds the driver without `src/extras/`: `src/parity.rs`
//! stands in for it.

// Without the extras, what only they use (accessors of the device and of
// the leaves) is dead: the full build, which every gate builds, is where
// dead code is found.
#![cfg_attr(not(kmem_extras), allow(dead_code))]

mod bindings;
mod dax;
mod device;
mod driver;
#[cfg_attr(kmem_extras, path = "extras/mod.rs")]
#[cfg_attr(not(kmem_extras), path = "parity.rs")]
mod extras;
mod ioresource;
mod memhp;
mod range;
mod state;
mod sysfs;
mod tiers;
mod units;

use kernel::{
    bindings as kb,
    driver::Registration,
    ffi::c_char,
    prelude::*,
    str::CStr, //
};

use crate::{
    dax::Adapter,
    driver::KmemDriver, //
};

module! {
    type: KmemModule,
    name: "kmem",
    authors: ["kmem-rs developers"],
    description: "KMEM DAX: map dax-devices as System-RAM",
    license: "GPL v2",
    alias: ["dax:t0*"],
}

/// The module (C: `dax_kmem_init()` and `dax_kmem_exit()`): the `kmem`
/// driver registered on the dax bus, and the driver's statics, released
/// after it is unregistered. Fields are dropped in this order.
///
/// Not `module_dax_driver!`: like the C kmem's, the module has state of its
/// own beyond the registration (the memory types, the extras), set up
/// before the driver can probe and released after every device is unbound;
/// nova-core registers its PCI driver the same way.
#[pin_data]
struct KmemModule {
    /// Unregistered first on unload, which unbinds every device.
    #[pin]
    registration: Registration<Adapter<KmemDriver>>,
    /// The extras' module-wide part (the debugfs view's files).
    _extras: extras::Extras,
    /// The driver's statics, released last (also when a later field fails
    /// to initialise).
    _statics: driver::Statics,
}

impl kernel::InPlaceModule for KmemModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            // SAFETY: Module init runs once; the statics are initialised
            // first, before the driver is registered.
            _statics: unsafe { driver::Statics::init() },
            _extras: extras::Extras::new()?,
            registration <- Registration::new(c"kmem", module),
        })
    }
}

/// Shows `state` (called by the C shim's attribute).
///
/// # Safety
///
/// Called by the shim's sysfs `show` callback of the `state` attribute, one
/// of [`KmemDriver`]'s `dev_groups`; `buf` is its `PAGE_SIZE` buffer.
#[no_mangle]
unsafe extern "C" fn kmem_rs_state_show(dev: *mut kb::device, buf: *mut c_char) -> isize {
    // SAFETY: `dev` is passed to a callback of `KmemDriver`'s groups.
    let state =
        unsafe { dax::with_bound::<KmemDriver, _>(dev, |_, data| driver::show_state(&data)) };
    // SAFETY: `buf` is a sysfs `show` buffer (caller's guarantee).
    unsafe { sysfs::emit(buf, state) }
}

/// Stores `state` (called by the C shim's attribute); returns `len` or a
/// negative errno.
///
/// # Safety
///
/// As for [`kmem_rs_state_show`], from the `store` callback: `buf` holds
/// `len` bytes and a NUL after them, as kernfs passes every write.
#[no_mangle]
unsafe extern "C" fn kmem_rs_state_store(
    dev: *mut kb::device,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: kernfs terminates the written bytes with a NUL, and keeps the
    // buffer, unchanged, for the call (fs/kernfs/file.c,
    // `kernfs_fop_write_iter()`); like `sysfs_streq()` in C, the value ends
    // at the first NUL.
    let value = unsafe { CStr::from_char_ptr(buf) };
    // SAFETY: `dev` is passed to a callback of `KmemDriver`'s groups.
    let stored = unsafe {
        dax::with_bound::<KmemDriver, _>(dev, |dax, data| driver::store_state(dax, &data, value))
    };
    match stored {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
