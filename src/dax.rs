// SPDX-License-Identifier: GPL-2.0

//! The device-dax bus: `struct dev_dax` and `struct dax_device_driver`.
//!
//! C headers: [`drivers/dax/bus.h`](srctree/drivers/dax/bus.h) and
//! [`drivers/dax/dax-private.h`](srctree/drivers/dax/dax-private.h).
//!
//! The kernel crate has no dax bus abstraction, so this file is a small one in
//! the shape of `kernel::platform::Adapter`: a [`Driver`] trait, a pinned
//! [`Registration`] that owns the C driver structure, `extern "C"`
//! probe/remove trampolines that find the Rust driver through
//! `container_of`, and the trampolines of the `state` attribute that every
//! driver of type `DAXDRV_KMEM_TYPE` has (the C shim builds the attribute
//! group; the module root names the driver type for it).
//!
//! Why not `kernel::driver::RegistrationOps`: the dax bus registers with
//! `__dax_driver_register()`, which fills in the `struct device_driver`
//! itself (bus, name, owner, and the bus's probe and remove, which then call
//! the `struct dax_device_driver`'s); a `RegistrationOps` would have to
//! reimplement that. The shape is kept: registration owned and pinned,
//! unregistered on drop.

use core::ptr;

use kernel::{
    bindings as kb,
    device::Device,
    error::{from_result, to_result},
    ffi::{c_char, c_int},
    prelude::*,
    str::CStr,
    types::{ForeignOwnable, Opaque},
    ThisModule, //
};

use crate::{
    bindings,
    range::Range,
    sysfs, //
};

/// A device-dax instance (`struct dev_dax`).
///
/// # Invariants
///
/// `self.0` is a valid `struct dev_dax` that the dax bus keeps alive for as
/// long as a reference to this type exists: references are only made while
/// the device is being probed, is bound to our driver, or is being removed
/// from it. Its `target_node` is fixed when the device is created. Its
/// `memmap_on_memory` and ranges are read in probe only, through [`Probe`]:
/// the bus refuses a `memmap_on_memory` write only to kmem-type drivers, and
/// `mapping_store()` checks only the region's driver.
#[repr(transparent)]
pub(crate) struct DaxDevice(Opaque<bindings::dev_dax>);

impl DaxDevice {
    /// Creates a reference from a raw `struct dev_dax` pointer.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid `struct dev_dax` that is being probed, is
    /// bound to our driver, or is being removed from it, for all of `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::dev_dax) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `Opaque<dev_dax>`; validity
        // for `'a` is guaranteed by the caller.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw `struct dev_dax` pointer.
    fn as_raw(&self) -> *mut bindings::dev_dax {
        self.0.get()
    }

    /// Returns the raw pointer of the embedded `struct device`.
    fn raw_dev(&self) -> *mut kb::device {
        // SAFETY: `self.0` is valid (type invariant); no reference is created.
        unsafe { &raw mut (*self.as_raw()).dev }
    }

    /// Returns the embedded generic device.
    pub(crate) fn as_dev(&self) -> &Device {
        // SAFETY: The embedded device is valid and referenced for as long as
        // `self` is (type invariant).
        unsafe { Device::from_raw(self.raw_dev()) }
    }

    /// Returns the NUMA node the memory will be added to; negative if unknown.
    pub(crate) fn target_node(&self) -> i32 {
        // SAFETY: `self.0` is valid (type invariant); a plain field read.
        unsafe { (*self.as_raw()).target_node }
    }
}

/// A dax device being probed: the one time its ranges are read.
pub(crate) struct Probe<'a>(&'a DaxDevice);

impl core::ops::Deref for Probe<'_> {
    type Target = DaxDevice;

    fn deref(&self) -> &DaxDevice {
        self.0
    }
}

impl Probe<'_> {
    /// Returns whether the device allows the memmap to live on its own memory.
    pub(crate) fn memmap_on_memory(&self) -> bool {
        // SAFETY: `self.0` is valid (type invariant); a plain field read. Its
        // writer, `memmap_on_memory_store()`, takes the device lock, which
        // the driver core holds across probe.
        unsafe { (*self.0.as_raw()).memmap_on_memory }
    }

    /// Returns the device's physical ranges, unaligned, in index order.
    ///
    /// The bus exports no lock for them (`dax_dev_rwsem` is private to
    /// `drivers/dax/bus.c`); like the C kmem, the driver reads them once,
    /// here, from the probe the bus runs after checking the device's size
    /// under that lock, and keeps what it read.
    pub(crate) fn ranges(&self) -> Result<KVec<Range>> {
        let raw = self.0.as_raw();
        // SAFETY: `raw` is valid (type invariant); plain field reads.
        let (nr, ranges) = unsafe { ((*raw).nr_range, (*raw).ranges) };
        let nr = usize::try_from(nr).map_err(|_| EINVAL)?;
        let mut out = KVec::with_capacity(nr, GFP_KERNEL)?;
        for i in 0..nr {
            // SAFETY: `ranges` held `nr_range` elements when the bus checked
            // the size, and `i < nr_range`. A `mapping_store()` on the device
            // at this very moment could reallocate them under
            // `dax_dev_rwsem`, which a driver cannot take: the C kmem has the
            // same window, and both read the ranges only here.
            let r = unsafe { (*ranges.add(i)).range };
            out.push(Range::new(r.start, r.end), GFP_KERNEL)?;
        }
        Ok(out)
    }
}

/// A driver on the dax bus.
pub(crate) trait Driver: Send + Sync + 'static {
    /// What a bound device carries from probe to remove, in its drvdata.
    type Data: ForeignOwnable + Send + Sync;

    /// Binds `dev`; on error the device stays unbound.
    fn probe(&self, dev: &Probe<'_>) -> Result<Self::Data>;

    /// Unbinds `dev`, which cannot fail; `data` is what probe returned.
    fn remove(&self, dev: &DaxDevice, data: Self::Data);

    /// Returns what the bound device's `state` attribute shows.
    fn show_state(data: <Self::Data as ForeignOwnable>::Borrowed<'_>) -> &'static CStr;

    /// Applies a write of `value` to the bound device's `state` attribute.
    fn store_state(
        &self,
        data: <Self::Data as ForeignOwnable>::Borrowed<'_>,
        dev: &DaxDevice,
        value: &CStr,
    ) -> Result;
}

/// A driver registered on the dax bus (`struct dax_device_driver`).
///
/// # Invariants
///
/// `drv` is registered with the dax bus from the end of [`Registration::new`]
/// until [`Drop`], and `driver` is initialised for that whole time.
#[pin_data(PinnedDrop)]
pub(crate) struct Registration<T: Driver> {
    /// The driver's shared state, reached from the C callbacks through
    /// `container_of`. Initialised before `drv` is registered, and dropped
    /// after it is unregistered.
    #[pin]
    driver: T,
    /// The C driver structure the bus points at.
    #[pin]
    drv: Opaque<bindings::dax_device_driver>,
}

// SAFETY: The C driver structure is only written before registration and is
// then owned by the driver core, which serialises its use; `T` is `Send`.
unsafe impl<T: Driver> Send for Registration<T> {}

// SAFETY: Shared references only reach `driver` (`T: Sync`) and the address of
// `drv`, which the driver core synchronises.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Initialises `driver` and registers it on the dax bus as `name`, of
    /// type `type_`, with `dev_groups` on its bound devices.
    ///
    /// # Safety
    ///
    /// `dev_groups` is null or a static, NULL-terminated attribute group
    /// list whose callbacks reach devices only through [`show_state::<T>`]
    /// and [`store_state::<T>`], for this `T`.
    pub(crate) unsafe fn new(
        driver: impl PinInit<T, Error>,
        name: &'static CStr,
        module: &'static ThisModule,
        type_: bindings::dax_driver_type,
        dev_groups: *const *const kb::attribute_group,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            driver <- driver,
            drv <- Opaque::try_ffi_init(move |drv: *mut bindings::dax_device_driver| {
                // SAFETY: `drv` is valid for writes and not yet shared.
                unsafe {
                    ptr::write_bytes(drv, 0, 1);
                    (*drv).probe = Some(Self::probe_callback);
                    (*drv).remove = Some(Self::remove_callback);
                    (*drv).type_ = type_;
                    (*drv).drv.dev_groups = dev_groups.cast_mut();
                }
                // SAFETY: `drv` is fully initialised and pinned (it lives in a
                // pinned `Registration` until `drop` unregisters it); `name` and
                // `module` are 'static. `driver` is already initialised, so a
                // probe during registration finds it.
                to_result(unsafe {
                    bindings::__dax_driver_register(drv, module.as_ptr(), name.as_char_ptr())
                })
            }),
        })
    }

    /// Returns the registration of the driver `dax` is bound to.
    ///
    /// # Safety
    ///
    /// `dax` must be probed by, bound to, or removed from a driver registered
    /// by a `Registration<T>`.
    unsafe fn from_bound(dax: &DaxDevice) -> &Self {
        // SAFETY: The device's `driver` points at our `drv.drv` while it is
        // probed, bound or removed (caller's guarantee).
        unsafe {
            let drv = (*dax.raw_dev()).driver;
            let dax_drv = kernel::container_of!(drv, bindings::dax_device_driver, drv);
            // `Opaque<T>` is `repr(transparent)` over `T`.
            let reg = kernel::container_of!(dax_drv.cast::<Opaque<_>>(), Self, drv);
            &*reg
        }
    }

    /// The C `probe` callback.
    ///
    /// # Safety
    ///
    /// Called by the dax bus with a valid `dev_dax` being bound to our driver.
    unsafe extern "C" fn probe_callback(dev_dax: *mut bindings::dev_dax) -> c_int {
        // SAFETY: `dev_dax` is being probed by our driver (caller's guarantee).
        let dax = unsafe { DaxDevice::from_raw(dev_dax) };
        // SAFETY: As above.
        let this = unsafe { Self::from_bound(dax) };
        from_result(|| {
            let data = this.driver.probe(&Probe(dax))?;
            // SAFETY: The device is valid; its drvdata is ours while bound and
            // is taken back in `remove_callback`.
            unsafe { kb::dev_set_drvdata(dax.raw_dev(), data.into_foreign().cast()) };
            Ok(0)
        })
    }

    /// The C `remove` callback.
    ///
    /// # Safety
    ///
    /// Called by the dax bus with a valid `dev_dax` bound to our driver, whose
    /// probe succeeded.
    unsafe extern "C" fn remove_callback(dev_dax: *mut bindings::dev_dax) {
        // SAFETY: `dev_dax` is being removed from our driver.
        let dax = unsafe { DaxDevice::from_raw(dev_dax) };
        // SAFETY: As above.
        let this = unsafe { Self::from_bound(dax) };
        // SAFETY: Probe succeeded, so drvdata holds what `into_foreign` made.
        // The attribute group is gone, so no callback borrows it any more.
        let data = unsafe {
            let ptr = kb::dev_get_drvdata(dax.raw_dev());
            kb::dev_set_drvdata(dax.raw_dev(), ptr::null_mut());
            T::Data::from_foreign(ptr.cast())
        };
        this.driver.remove(dax, data);
    }
}

/// Shows `state` of the device `dev` (C: `state_show()`); for the shim's
/// attribute, through the module root.
///
/// # Safety
///
/// `dev` is the `dev` of a `struct dev_dax` bound to the driver of a
/// [`Registration<T>`] for the whole call (as in a callback of the driver's
/// own attributes, which exist only while it is bound), and `buf` is the
/// `PAGE_SIZE` buffer of a sysfs `show` callback.
pub(crate) unsafe fn show_state<T: Driver>(dev: *mut kb::device, buf: *mut c_char) -> isize {
    // SAFETY: While bound, drvdata holds what `into_foreign` returned for a
    // `T::Data` (caller's guarantee), and `from_foreign` only runs after the
    // attribute is gone.
    let data = unsafe { T::Data::borrow(kb::dev_get_drvdata(dev).cast()) };
    // SAFETY: `buf` is a sysfs buffer (caller's guarantee).
    unsafe { sysfs::emit(buf, T::show_state(data)) }
}

/// Stores `state` of the device `dev` (C: `state_store()`); returns `len`
/// or a negative errno.
///
/// # Safety
///
/// As for [`show_state`]; `buf` holds `len` bytes and a NUL after them, as
/// kernfs passes every write.
pub(crate) unsafe fn store_state<T: Driver>(
    dev: *mut kb::device,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: `dev` is embedded in a bound `struct dev_dax` (caller's
    // guarantee).
    let dax = unsafe { DaxDevice::from_raw(kernel::container_of!(dev, bindings::dev_dax, dev)) };
    // SAFETY: The device is bound to the driver of a `Registration<T>` for
    // the whole call (caller's guarantee): the driver core clears its
    // `driver` only after removing the driver's attributes, and kernfs
    // waits for this callback before it removes one.
    let this = unsafe { Registration::<T>::from_bound(dax) };
    // SAFETY: As in `show_state`.
    let data = unsafe { T::Data::borrow(kb::dev_get_drvdata(dev).cast()) };
    // SAFETY: kernfs terminates the written bytes with a NUL; like
    // `sysfs_streq()` in C, the value ends at the first NUL.
    let value = unsafe { CStr::from_char_ptr(buf) };
    match this.driver.store_state(data, dax, value) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `drv` is registered (type invariant); unregistering removes
        // every bound device, so no callback runs after this returns.
        unsafe { bindings::dax_driver_unregister(self.drv.get()) };
    }
}
