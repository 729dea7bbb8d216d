// SPDX-License-Identifier: GPL-2.0

//! Read-only debugfs files whose module stays loaded while one is open.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h).
//!
//! Why not `kernel::debugfs`: in Linux 7.3 it builds its `file_operations`
//! with `owner` NULL, and debugfs pins only `real_fops->owner` while a file
//! is open (`full_proxy_open_regular()`). A file held open across `rmmod`
//! then calls `full_proxy_release()` on operations in freed module memory
//! (KASAN: vmalloc-out-of-bounds, then an oops). Here the operations come
//! from `DEFINE_SHOW_ATTRIBUTE()` in the C shim, with `.owner = THIS_MODULE`:
//! an open file holds a reference on the module, and `rmmod` is refused
//! until it is closed. Documentation/driver.rst says how `kernel::debugfs`
//! could be fixed upstream.
//!
//! Lifetime of the data a file shows: `debugfs_remove()` waits for every
//! reader inside a file operation to leave, and later operations on a file
//! still open fail without calling ours (`debugfs_file_get()`), so the data
//! may be freed once the file's directory is removed.

use core::ptr;

use kernel::{
    bindings as kb,
    error::from_err_ptr,
    ffi::{c_int, c_void},
    fmt,
    prelude::*,
    seq_file::SeqFile,
    str::CStr, //
};

use crate::bindings;

/// A debugfs directory; removed, with everything in it, when dropped.
///
/// # Invariants
///
/// `dentry` is null or a directory made by `debugfs_create_dir()` that this
/// object removes (null when debugfs refused it: the view is optional).
struct Dir {
    /// The directory.
    dentry: *mut kb::dentry,
}

// SAFETY: The dentry is only passed to debugfs calls, which may be made from
// any thread.
unsafe impl Send for Dir {}

// SAFETY: `&Dir` only creates entries below the directory, which debugfs
// serialises.
unsafe impl Sync for Dir {}

impl Dir {
    /// Creates `name` at the top of debugfs.
    fn new(name: &CStr) -> Self {
        // SAFETY: `name` is a C string; a null parent is the top of debugfs.
        let dentry =
            unsafe { bindings::kmem_shim_debugfs_create_dir(name.as_char_ptr(), ptr::null_mut()) };
        // INVARIANT: An error pointer becomes null.
        Self {
            dentry: from_err_ptr(dentry).unwrap_or(ptr::null_mut()),
        }
    }

    /// Creates the read-only file `name` showing `file`.
    ///
    /// # Safety
    ///
    /// `file` must stay valid, and not move, until this directory is
    /// removed.
    unsafe fn file<T: Sync>(&self, name: &CStr, file: &File<T>) {
        if self.dentry.is_null() {
            return;
        }
        // SAFETY: `name` is a C string, the directory is alive (type
        // invariant), and `file` outlives it (caller's guarantee); the shim
        // passes it to `kmem_rs_view_show()` as `seq_file::private`.
        let dentry = unsafe {
            bindings::kmem_shim_debugfs_create_view(
                name.as_char_ptr(),
                self.dentry,
                ptr::from_ref(file).cast_mut().cast(),
            )
        };
        // A file debugfs refused is simply absent.
        let _ = dentry;
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: `dentry` is null (accepted) or ours (type invariant).
        // Removal waits for readers inside our file operations.
        unsafe { bindings::kmem_shim_debugfs_remove(self.dentry) };
    }
}

/// What a file shows, with the function that writes it.
pub(crate) type Show<T> = fn(&T, &mut fmt::Formatter<'_>) -> fmt::Result;

/// [`call`] with its type erased.
type Call = unsafe fn(*const c_void, &mut fmt::Formatter<'_>) -> fmt::Result;

/// A directory at the top of debugfs with read-only files over data they
/// share: removed, waiting for readers inside the files, before the data is
/// dropped.
pub(crate) struct Files<T: Sync, const N: usize> {
    /// The directory; dropped first (field order).
    _dir: Dir,
    /// What the files show; boxed, so that debugfs's pointers stay valid.
    _files: KBox<[File<T>; N]>,
    /// The data; boxed, likewise.
    data: KBox<T>,
}

impl<T: Sync, const N: usize> Files<T, N> {
    /// Creates `name` at the top of debugfs, holding `data` and a file per
    /// entry of `files`: its name and what writes it.
    ///
    /// Only allocation failures are errors: a directory or file that debugfs
    /// refuses is simply absent.
    pub(crate) fn new(name: &CStr, data: T, files: [(&'static CStr, Show<T>); N]) -> Result<Self> {
        let data = KBox::new(data, GFP_KERNEL)?;
        let data_ptr: *const T = &*data;
        // INVARIANT: `data` is boxed and outlives the directory.
        let boxed = KBox::new(
            files.map(|(_, show)| File {
                call: call::<T>,
                data: data_ptr,
                show,
            }),
            GFP_KERNEL,
        )?;
        let dir = Dir::new(name);
        for ((name, _), file) in files.iter().zip(boxed.iter()) {
            // SAFETY: `boxed` is a box (its elements never move) dropped
            // after `dir` (field order), whose removal removes the file.
            unsafe { dir.file(name, file) };
        }
        Ok(Self {
            _dir: dir,
            _files: boxed,
            data,
        })
    }

    /// Returns the data the files show.
    pub(crate) fn data(&self) -> &T {
        &self.data
    }
}

/// What a file shows: `show` applied to `data`.
///
/// `#[repr(C)]` with `call` first, so that [`kmem_rs_view_show`] finds the
/// function for any `T`.
///
/// # Invariants
///
/// `data` is valid for as long as the file exists in debugfs, and `call` is
/// `call::<T>`.
#[repr(C)]
struct File<T> {
    /// Calls `show` on `data`; always `call::<T>`.
    call: Call,
    /// The data shown.
    data: *const T,
    /// Writes the file's contents.
    show: Show<T>,
}

// SAFETY: `File` only hands out `&T`, and `T: Sync`.
unsafe impl<T: Sync> Send for File<T> {}

// SAFETY: As above.
unsafe impl<T: Sync> Sync for File<T> {}

/// Calls a [`File<T>`]'s `show`.
///
/// # Safety
///
/// `file` points to a live `File<T>`.
unsafe fn call<T>(file: *const c_void, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    // SAFETY: `file` is a live `File<T>` whose data is valid (caller's
    // guarantee and `File::new`'s).
    let file = unsafe { &*file.cast::<File<T>>() };
    // SAFETY: As above.
    (file.show)(unsafe { &*file.data }, f)
}

/// Writes a [`File`] through `Display`.
struct Display(*const c_void);

impl core::fmt::Display for Display {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: `self.0` is a live `File<T>` for some `T` (see
        // `kmem_rs_view_show`), whose first field is its `call`.
        let call = unsafe { *self.0.cast::<Call>() };
        // SAFETY: `call` is `call::<T>` for that `T`.
        unsafe { call(self.0, f) }
    }
}

/// Writes one view file (C: the `show` of `DEFINE_SHOW_ATTRIBUTE()`).
///
/// # Safety
///
/// Called by `seq_read()` through the shim's `kmem_rs_view_fops`, inside a
/// file operation that debugfs guards against removal: `m` is valid and its
/// `private` is the `File<T>` the file was created with, still alive.
#[no_mangle]
unsafe extern "C" fn kmem_rs_view_show(m: *mut kb::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is a valid seq_file for the call (caller's guarantee).
    let (seq, file) = unsafe { (SeqFile::from_raw(m), (*m).private.cast_const()) };
    seq.call_printf(format_args!("{}", Display(file)));
    0
}
