// SPDX-License-Identifier: GPL-2.0

//! kmem_test_dax: a test-only dax driver for selftests/dax_adapter.sh.
//!
//! It is built on kmem's bus adapter, `src/dax.rs`, compiled here unchanged
//! into a second crate, and declared with its `module_dax_driver!`: the
//! adapter needs nothing of kmem, and a module with no state of its own is
//! one macro. The driver binds device-type dax devices (those outside a
//! kmem region), says what it was given, and maps nothing; unbinding, or
//! unloading the module, says so again. Never load it outside the tests.

#[path = "../../src/bindings.rs"]
mod bindings;

// What kmem uses of the adapter and this driver does not (its memory map
// flag, its sysfs attribute groups).
#[allow(dead_code)]
#[path = "../../src/dax.rs"]
mod dax;

/// The one part of kmem's `src/range.rs` that the adapter uses (that file
/// carries kmem's KUnit suite, which belongs to kmem's module).
mod range {
    /// A physical range, `start..=end`.
    pub(crate) struct Range {
        /// First byte.
        pub(crate) start: u64,
        /// Last byte.
        pub(crate) end: u64,
    }

    impl Range {
        /// Creates the range `start..=end`.
        pub(crate) const fn new(start: u64, end: u64) -> Self {
            Self { start, end }
        }
    }
}

use kernel::{
    device::Core,
    prelude::*, //
};

crate::module_dax_driver! {
    type: TestDaxDriver,
    name: "kmem_test_dax",
    authors: ["kmem-rs developers"],
    description: "Test-only dax driver on kmem-rs's dax bus adapter",
    license: "GPL v2",
}

/// The driver: stateless, as the adapter's `Driver` trait asks.
struct TestDaxDriver;

/// What a bound device carries from probe to unbind.
struct TestDaxData {
    /// How many ranges the device had at probe.
    ranges: usize,
    /// Their bytes.
    bytes: u64,
}

impl dax::Driver for TestDaxDriver {
    type Data<'bound> = TestDaxData;

    const TYPE: dax::DriverType = dax::DriverType::Device;

    fn probe<'bound>(
        dev: &'bound dax::Device<Core<'_>>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let ranges = dev.ranges()?;
        let bytes = ranges
            .iter()
            .map(|r| r.end.wrapping_sub(r.start).wrapping_add(1))
            .sum();
        // A kmem-type flag, which the bus keeps stable only for kmem-type
        // drivers: the adapter gives it to those alone.
        let memmap = if dev.memmap_on_memory().is_some() {
            "given"
        } else {
            "not given"
        };
        dev_info!(
            dev.as_ref(),
            "probe: {} range(s), {} bytes, node {}, memmap_on_memory {}\n",
            ranges.len(),
            bytes,
            dev.target_node(),
            memmap
        );
        Ok(TestDaxData {
            ranges: ranges.len(),
            bytes,
        })
    }

    fn unbind<'bound>(dev: &'bound dax::Device<Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        dev_info!(
            dev.as_ref(),
            "unbind: {} range(s), {} bytes\n",
            this.ranges,
            this.bytes
        );
    }
}
