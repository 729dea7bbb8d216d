// SPDX-License-Identifier: GPL-2.0

//! kmem-rs: map device-dax instances as driver-managed System RAM.
//!
//! A drop-in replacement for the C `drivers/dax/kmem.c` of Linux 7.3. For each
//! range of a `daxX.Y` device the driver reserves a parent region named after
//! the device, with BUSY clear, and hot-adds "System RAM (kmem)" beneath it
//! with `__add_memory_driver_managed()`; unplug and unbind take both out again.
//!
//! The crate root holds the module list, the module struct, `module!`, and
//! the entry points the C shim's `state` attribute calls.
//!
//! Layers, each file importing only files below it (Documentation/driver.rst,
//! "Design"):
//!
//! ```text
//! kmem.rs                 module root
//! driver.rs               probe, remove, state changes, stranded memory
//! view.rs  state.rs       debugfs view; the state attribute's rules (pure)
//! device.rs               what kmem holds for one device
//! dax.rs debugfs.rs memhp.rs tiers.rs module_ref.rs units.rs   leaves: one
//! ioresource.rs sysfs.rs  kernel API each, `unsafe` only here (memhp.rs uses
//! range.rs bindings.rs    ioresource.rs's names, dax.rs uses sysfs.rs)
//! ```

mod bindings;
mod dax;
mod debugfs;
mod device;
mod driver;
mod ioresource;
mod memhp;
mod module_ref;
mod range;
mod state;
mod sysfs;
mod tiers;
mod units;
mod view;

use kernel::{
    bindings as kb,
    ffi::c_char,
    prelude::*, //
};

module! {
    type: KmemModule,
    name: "kmem",
    authors: ["kmem-rs developers"],
    description: "KMEM DAX: map dax-devices as System-RAM",
    license: "GPL v2",
    alias: ["dax:t0*"],
}

/// The module: the `kmem` driver registered on the dax bus.
#[pin_data]
struct KmemModule {
    /// Unregistered first on unload, which removes every bound device before
    /// the driver's shared state (resource name, memory types) is dropped.
    #[pin]
    registration: dax::Registration<driver::KmemDriver>,
}

impl kernel::InPlaceModule for KmemModule {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // SAFETY: The shim's groups hold the `state` attribute only, whose
        // callbacks are `kmem_rs_state_show`/`_store` below: `show_state` and
        // `store_state` for `KmemDriver`, the `T` registered here.
        let registration = unsafe {
            dax::Registration::new(
                driver::KmemDriver::new(module),
                c"kmem",
                module,
                bindings::dax_driver_type_DAXDRV_KMEM_TYPE,
                bindings::kmem_shim_dev_groups(),
            )
        };
        try_pin_init!(Self {
            registration <- registration,
        })
    }
}

/// Shows `state` (called by the C shim's attribute).
///
/// This and [`kmem_rs_state_store`] tie the shim's attribute to the one
/// driver type registered in [`KmemModule::init`].
///
/// # Safety
///
/// Called by the shim's sysfs `show` callback of the `state` attribute,
/// which exists only on devices bound to kmem; `buf` is its buffer.
#[no_mangle]
unsafe extern "C" fn kmem_rs_state_show(dev: *mut kb::device, buf: *mut c_char) -> isize {
    // SAFETY: `dev` is bound to the `KmemDriver` registered by this module
    // (the attribute is in its `dev_groups`); see above for `buf`.
    unsafe { dax::show_state::<driver::KmemDriver>(dev, buf) }
}

/// Stores `state` (called by the C shim's attribute).
///
/// # Safety
///
/// As for [`kmem_rs_state_show`], from the `store` callback: `buf` holds
/// `len` bytes and a NUL.
#[no_mangle]
unsafe extern "C" fn kmem_rs_state_store(
    dev: *mut kb::device,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: As in `kmem_rs_state_show`.
    unsafe { dax::store_state::<driver::KmemDriver>(dev, buf, len) }
}
