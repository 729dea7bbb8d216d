// SPDX-License-Identifier: GPL-2.0

//! Abstractions for the device-dax bus: its devices (`struct dev_dax`) and
//! drivers (`struct dax_device_driver`).
//!
//! C headers: [`drivers/dax/bus.h`](srctree/drivers/dax/bus.h) and
//! [`drivers/dax/dax-private.h`](srctree/drivers/dax/dax-private.h).
//!
//! A bus adapter in the shape of `kernel::auxiliary`: a driver implements
//! the stateless [`Driver`] trait, [`Adapter`] implements
//! `kernel::driver::RegistrationOps` over `__dax_driver_register()` and
//! `dax_driver_unregister()` (which, like `__auxiliary_driver_register()`,
//! fill in the bus, name and owner of the `struct device_driver`), probe and
//! unbind receive a typed [`Device<Core>`], and the driver's private data is
//! stored and dropped by the generic `kernel::driver` infrastructure. A
//! module with one dax driver and no state of its own can be declared with
//! [`module_dax_driver!`]. Nothing here knows any particular driver: it
//! could be `rust/kernel/dax.rs`, but for the headers, which are private to
//! `drivers/dax/` (an out-of-tree build reads them with `-I`).
//!
//! The kernel crate has no sysfs attribute abstraction in 7.3: a driver's
//! attributes, its own and its bound devices', are C glue
//! ([`AttributeGroups`]); the bound devices' callbacks reach the device and
//! its data through [`with_bound`].

use core::{
    marker::PhantomData,
    mem::offset_of,
    pin::Pin, //
};

use kernel::{
    bindings as kb,
    device,
    driver,
    error::{
        from_result,
        to_result, //
    },
    ffi::c_int,
    prelude::*,
    str::CStr,
    sync::atomic::{
        atomic_load,
        Relaxed, //
    },
    types::Opaque,
    ThisModule, //
};

use crate::{
    bindings,
    range::Range, //
};

/// What a dax driver is for, which decides how the bus treats its devices
/// (C: `enum dax_driver_type`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DriverType {
    /// Maps a device as a character device (`DAXDRV_DEVICE_TYPE`).
    // Not `expect`: kmem does not use it, the test driver built on this
    // adapter (selftests/dax_sample/) does.
    #[allow(dead_code)]
    Device,
    /// Adds a device's memory as System RAM (`DAXDRV_KMEM_TYPE`): the bus
    /// then refuses to change its `memmap_on_memory` while it is bound.
    Kmem,
}

impl DriverType {
    /// Returns the C value.
    fn to_raw(self) -> bindings::dax_driver_type {
        match self {
            Self::Device => bindings::dax_driver_type_DAXDRV_DEVICE_TYPE,
            Self::Kmem => bindings::dax_driver_type_DAXDRV_KMEM_TYPE,
        }
    }
}

/// Attribute groups of a driver: its own (`groups`, under
/// /sys/bus/dax/drivers/NAME/) or its bound devices' (`dev_groups`). A
/// static NULL-terminated array, built in C.
///
/// # Invariants
///
/// `0` is such an array. The callbacks of a device's attributes reach the
/// device and its driver data only as [`with_bound`] allows; those of a
/// driver's own attributes reach no device.
pub(crate) struct AttributeGroups(*const *const kb::attribute_group);

impl AttributeGroups {
    /// Wraps the groups `groups`.
    ///
    /// # Safety
    ///
    /// `groups` is a static, NULL-terminated array of attribute groups. For
    /// `dev_groups`, their `show`/`store` callbacks reach the device they are
    /// called for, and its driver data, only through [`with_bound`] for the
    /// driver they are registered with; for `groups`, they reach no device.
    pub(crate) unsafe fn from_raw(groups: *const *const kb::attribute_group) -> Self {
        // INVARIANT: The caller's guarantee.
        Self(groups)
    }

    /// Returns the raw array of `groups`, or null.
    fn raw(groups: Option<Self>) -> *mut *const kb::attribute_group {
        groups.map_or(core::ptr::null(), |g| g.0).cast_mut()
    }
}

/// An adapter for the registration of dax drivers.
pub(crate) struct Adapter<T: Driver>(T);

// SAFETY:
// - `bindings::dax_device_driver` is a C type declared as `repr(C)`.
// - `T::Data` is the type of the driver's device private data.
// - `struct dax_device_driver` embeds a `struct device_driver` as `drv`,
//   at `DEVICE_DRIVER_OFFSET`.
unsafe impl<T: Driver + 'static> driver::DriverLayout for Adapter<T> {
    type DriverType = bindings::dax_device_driver;
    type DriverData<'bound> = T::Data<'bound>;
    const DEVICE_DRIVER_OFFSET: usize = offset_of!(Self::DriverType, drv);
}

// SAFETY: `unregister` is only called for a driver that `register`
// registered (the contract of `driver::Registration`), and
// `dax_driver_unregister()` undoes `__dax_driver_register()`.
unsafe impl<T: Driver + 'static> driver::RegistrationOps for Adapter<T> {
    unsafe fn register(
        ddrv: &Opaque<Self::DriverType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        // SAFETY: It's safe to set the fields of `struct dax_device_driver`
        // on initialization; the groups are null or static
        // (`AttributeGroups`' invariant).
        unsafe {
            (*ddrv.get()).probe = Some(Self::probe_callback);
            (*ddrv.get()).remove = Some(Self::remove_callback);
            (*ddrv.get()).type_ = T::TYPE.to_raw();
            (*ddrv.get()).drv.groups = AttributeGroups::raw(T::groups());
            (*ddrv.get()).drv.dev_groups = AttributeGroups::raw(T::dev_groups());
        }
        // SAFETY: `ddrv` is a valid `DriverType`, pinned until `unregister`
        // (the caller's guarantee); `name` and `module` are 'static.
        // `__dax_driver_register()` fills in the bus, name and owner of the
        // embedded `struct device_driver`.
        to_result(unsafe {
            bindings::__dax_driver_register(ddrv.get(), module.as_ptr(), name.as_char_ptr())
        })
    }

    unsafe fn unregister(ddrv: &Opaque<Self::DriverType>) {
        // SAFETY: `ddrv` was registered by `register` (the caller's
        // guarantee). Unregistering unbinds every device first.
        unsafe { bindings::dax_driver_unregister(ddrv.get()) }
    }
}

impl<T: Driver + 'static> Adapter<T> {
    /// The C `probe` callback (`dax_bus_probe()` calls it).
    extern "C" fn probe_callback(dev_dax: *mut bindings::dev_dax) -> c_int {
        // SAFETY: The dax bus calls probe with a valid `struct dev_dax` being
        // bound to this driver, with its device lock held, for the duration
        // of the call (drivers/base/dd.c `really_probe()`, drivers/dax/bus.c
        // `dax_bus_probe()`).
        //
        // INVARIANT: `dev_dax` is valid for the duration of `probe_callback()`.
        let dax = unsafe { &*dev_dax.cast::<Device<device::CoreInternal<'_>>>() };
        from_result(|| {
            let data = T::probe(dax);
            dax.as_ref().set_drvdata(data)?;
            Ok(0)
        })
    }

    /// The C `remove` callback (`dax_bus_remove()` calls it).
    extern "C" fn remove_callback(dev_dax: *mut bindings::dev_dax) {
        // SAFETY: The dax bus calls remove with a valid `struct dev_dax`
        // bound to this driver, with its device lock held.
        //
        // INVARIANT: `dev_dax` is valid for the duration of `remove_callback()`.
        let dax = unsafe { &*dev_dax.cast::<Device<device::CoreInternal<'_>>>() };
        // SAFETY: Remove is only called for a device whose probe succeeded,
        // so `probe_callback` stored a `Pin<KBox<T::Data<'_>>>`; the generic
        // `driver::Registration` drops it after this returns.
        let data = unsafe { dax.as_ref().drvdata_borrow::<T::Data<'_>>() };
        T::unbind(dax, data);
    }
}

/// Declares a kernel module that exposes a single dax driver and keeps no
/// state of its own (one with module-wide state registers a
/// `driver::Registration<dax::Adapter<T>>` in its module struct, as
/// nova-core does for PCI).
///
/// ```ignore
/// module_dax_driver! {
///     type: MyDaxDriver,
///     name: "my_dax",
///     authors: ["Author name"],
///     description: "Description",
///     license: "GPL v2",
/// }
/// ```
#[macro_export]
macro_rules! module_dax_driver {
    ($($f:tt)*) => {
        ::kernel::module_driver!(<T>, $crate::dax::Adapter<T>, { $($f)* });
    };
}

/// The dax driver trait.
///
/// Drivers must implement this trait in order to get a dax driver
/// registered. It is stateless: driver-wide state lives in statics.
pub(crate) trait Driver {
    /// The type of the driver's bus device private data.
    type Data<'bound>: Send + 'bound;

    /// What the driver is for.
    const TYPE: DriverType;

    /// The driver's own attribute groups, which the driver core adds when
    /// it registers the driver; none by default.
    fn groups() -> Option<AttributeGroups> {
        None
    }

    /// The attribute groups the driver core adds to each bound device after
    /// probe, and removes before unbind; none by default.
    fn dev_groups() -> Option<AttributeGroups> {
        None
    }

    /// Dax driver probe: binds `dev`, which the bus checked is not empty.
    fn probe<'bound>(
        dev: &'bound Device<device::Core<'_>>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound;

    /// Dax driver unbind, which cannot fail. The private data is dropped
    /// after this returns.
    fn unbind<'bound>(dev: &'bound Device<device::Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        let _ = (dev, this);
    }
}

/// A device-dax instance (`struct dev_dax`).
///
/// # Invariants
///
/// A [`Device`] instance represents a valid `struct dev_dax` created by the
/// dax bus (drivers/dax/bus.c).
#[repr(transparent)]
pub(crate) struct Device<Ctx: device::DeviceContext = device::Normal>(
    Opaque<bindings::dev_dax>,
    PhantomData<Ctx>,
);

impl<Ctx: device::DeviceContext> Device<Ctx> {
    /// Returns the raw `struct dev_dax` pointer.
    fn as_raw(&self) -> *mut bindings::dev_dax {
        self.0.get()
    }

    /// Returns the NUMA node the device's memory belongs to; negative if
    /// the platform gave it none.
    pub(crate) fn target_node(&self) -> i32 {
        // SAFETY: `self.0` is valid (type invariant). `target_node` is set
        // when the device is created (`__devm_create_dev_dax()`) and never
        // written again.
        unsafe { (*self.as_raw()).target_node }
    }
}

impl Device<device::Core<'_>> {
    /// Returns whether the device's memory map is to live on the memory
    /// itself (`memmap_on_memory`), for a device being probed by a driver of
    /// type [`DriverType::Kmem`]; `None` for another driver, for which the
    /// bus does not keep it stable.
    pub(crate) fn memmap_on_memory(&self) -> Option<bool> {
        let raw = self.as_raw();
        // SAFETY: `self.0` is valid (type invariant), and `dev->driver` is
        // the driver being probed, set by `really_probe()` before probe
        // (drivers/base/dd.c, `device_set_driver()`); every caller of
        // `really_probe()` holds the device lock, so this read cannot race.
        let drv = unsafe { (*raw).dev.driver };
        // SAFETY: The dax bus's drivers are `struct dax_device_driver`s,
        // which embed `drv` (drivers/dax/bus.h, `to_dax_drv()`).
        let type_ =
            unsafe { (*kernel::container_of!(drv, bindings::dax_device_driver, drv)).type_ };
        if type_ != bindings::dax_driver_type_DAXDRV_KMEM_TYPE {
            return None;
        }
        // SAFETY: `self.0` is valid (type invariant). Its only writer,
        // `memmap_on_memory_store()` (drivers/dax/bus.c), writes under
        // `dax_dev_rwsem` and refuses a change while `dev->driver` is a
        // kmem-type driver. `dax_bus_probe()` takes `dax_dev_rwsem` before
        // calling probe, after `dev->driver` was set: a store either
        // completed before that (and is seen here), or sees this driver and
        // refuses, or stores the value the field already holds. That last,
        // plain store races with this read, and nothing a driver can take
        // excludes it (`dax_dev_rwsem` is private to bus.c): a data race by
        // the letter of the memory model, as the C kmem's plain read has;
        // one that stores the value already there, which KCSAN does not
        // report (CONFIG_KCSAN_REPORT_VALUE_CHANGE_ONLY). Reading with
        // `READ_ONCE()` keeps it a single load, which sees that one value.
        Some(unsafe { atomic_load(&raw mut (*raw).memmap_on_memory, Relaxed) })
    }

    /// Returns the device's physical ranges, unaligned, in index order.
    ///
    /// Sound on a kernel with kernel/patches/0001 ("dax/bus: refuse a
    /// mapping write while the device has a driver"); not on 7.3.4 as
    /// released, where `mapping_store()` can reallocate the ranges of a
    /// device while it is being probed (it checks only the region's
    /// driver). This read, like the C kmem's, then races with it, and
    /// nothing a driver can do prevents it: the bus's locks are private to
    /// drivers/dax/bus.c.
    pub(crate) fn ranges(&self) -> Result<KVec<Range>> {
        let raw = self.as_raw();
        // SAFETY: `self.0` is valid (type invariant). NOT guaranteed on
        // 7.3.4 as released (see above). With kernel/patches/0001, every
        // writer of `nr_range` and `ranges` (drivers/dax/bus.c) runs before
        // `device_add()` (creation), after `device_del()` (unregister, which
        // unbinds first), or holds `dax_dev_rwsem` and refuses while
        // `dev->driver` is set (`size_store()`, `mapping_store()`);
        // `dax_bus_probe()` took `dax_dev_rwsem` after `dev->driver` was set,
        // so the fields are stable from here until unbind.
        let (nr, ranges) = unsafe { ((*raw).nr_range, (*raw).ranges) };
        let nr = usize::try_from(nr).map_err(|_| EINVAL)?;
        let mut out = KVec::with_capacity(nr, GFP_KERNEL)?;
        for i in 0..nr {
            // SAFETY: `ranges` holds `nr_range` elements (as above, with the
            // same caveat on 7.3.4), and `i < nr_range`.
            let r = unsafe { (*ranges.add(i)).range };
            out.push(Range::new(r.start, r.end), GFP_KERNEL)?;
        }
        Ok(out)
    }
}

// SAFETY: `Device` is a transparent wrapper of a type that doesn't depend on
// `Device`'s generic argument.
kernel::impl_device_context_deref!(unsafe { Device });

impl<Ctx: device::DeviceContext> AsRef<device::Device<Ctx>> for Device<Ctx> {
    fn as_ref(&self) -> &device::Device<Ctx> {
        // SAFETY: By the type invariant of `Self`, `self.as_raw()` is a
        // pointer to a valid `struct dev_dax`.
        let dev = unsafe { &raw mut (*self.as_raw()).dev };

        // SAFETY: `dev` points to a valid `struct device`, which lives as
        // long as its `struct dev_dax`.
        unsafe { device::Device::from_raw(dev) }
    }
}

/// Calls `f` with the bound dax device `dev` and the private data `T`'s
/// probe gave it, from a `show` or `store` callback of an attribute of
/// `T::dev_groups()`.
///
/// # Safety
///
/// `dev` is the `struct device` passed to such a callback.
pub(crate) unsafe fn with_bound<T: Driver + 'static, R>(
    dev: *mut kb::device,
    f: impl for<'a> FnOnce(&'a Device<device::Bound>, Pin<&'a T::Data<'a>>) -> R,
) -> R {
    // SAFETY: Only devices bound to `T`, dax devices, carry `T`'s groups,
    // so `dev` is embedded in a valid `struct dev_dax`.
    let dax = unsafe { kernel::container_of!(dev, bindings::dev_dax, dev) };
    // SAFETY: The driver core adds `T`'s groups after a successful probe
    // and removes them before calling remove (`really_probe()`,
    // `device_remove()` in drivers/base/dd.c), and kernfs waits for running
    // callbacks before an attribute is removed: the device is bound to `T`
    // for the whole call.
    let dax = unsafe { &*dax.cast::<Device<device::BoundInternal>>() };
    // SAFETY: Bound to `T`, so `probe_callback` stored a
    // `Pin<KBox<T::Data<'_>>>`, dropped only after unbind (as above).
    let data = unsafe { dax.as_ref().drvdata_borrow::<T::Data<'_>>() };
    f(dax, data)
}
