// SPDX-License-Identifier: GPL-2.0

//! kmem-rs: map device-dax instances as driver-managed System RAM.
//!
//! A drop-in replacement for the C `drivers/dax/kmem.c` of Linux 7.3. For each
//! range of a `daxX.Y` device the driver reserves a parent region named after
//! the device, with BUSY clear, and hot-adds "System RAM (kmem)" beneath it
//! with `__add_memory_driver_managed()`; unplug and unbind take both out again.
//!
//! The crate root holds the module list, the module struct and `module!`.

mod bindings;
mod dax;
mod driver;
mod hotplug;
mod module_ref;
mod resource;
mod state;
mod tiers;
mod units;
mod view;

use kernel::prelude::*;

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
        try_pin_init!(Self {
            registration <- dax::Registration::new(driver::KmemDriver::new(module), c"kmem", module),
        })
    }
}
