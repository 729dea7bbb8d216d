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
//! until it is closed. kernel/patches/ fixes `kernel::debugfs`
//! (Documentation/upstream.rst).
//!
//! What a file shows is a function of no argument: the data lives in
//! statics of the module. `debugfs_remove()` waits for every reader inside
//! a file operation to leave, and later operations on a file still open
//! fail without calling ours (`debugfs_file_get()`), so the function is
//! never called once the directory is removed.

use core::ptr;

use kernel::{
    bindings as kb,
    error::from_err_ptr,
    ffi::{
        c_int,
        c_void, //
    },
    fmt,
    prelude::*,
    seq_file::SeqFile,
    str::CStr, //
};

use crate::bindings;

/// What writes one file's text.
pub(crate) type Show = fn(&mut fmt::Formatter<'_>) -> fmt::Result;

/// A directory at the top of debugfs with read-only files; removed, with
/// everything in it, when dropped.
///
/// # Invariants
///
/// `dentry` is null or a directory made by `debugfs_create_dir()` that this
/// object removes (null when debugfs refused it: the files are optional).
/// Each file in it was created with a pointer to an element of `files`.
pub(crate) struct Dir<const N: usize> {
    /// The directory.
    dentry: *mut kb::dentry,
    /// What each file shows; boxed, so that the pointers debugfs keeps stay
    /// valid. Dropped after the directory is removed.
    _files: KBox<[Show; N]>,
}

// SAFETY: The dentry is only passed to debugfs calls, which may be made from
// any thread; `files` holds plain function pointers.
unsafe impl<const N: usize> Send for Dir<N> {}

// SAFETY: `&Dir` gives access to nothing.
unsafe impl<const N: usize> Sync for Dir<N> {}

impl<const N: usize> Dir<N> {
    /// Creates `name` at the top of debugfs with a file per entry of
    /// `files`: its name and what writes it.
    ///
    /// Only an allocation failure is an error: a directory or file that
    /// debugfs refuses is simply absent.
    pub(crate) fn new(name: &CStr, files: [(&'static CStr, Show); N]) -> Result<Self> {
        let shows = KBox::new(files.map(|(_, show)| show), GFP_KERNEL)?;
        // SAFETY: `name` is a C string; a null parent is the top of debugfs.
        let dentry =
            unsafe { bindings::kmem_shim_debugfs_create_dir(name.as_char_ptr(), ptr::null_mut()) };
        let dentry = from_err_ptr(dentry).unwrap_or(ptr::null_mut());
        if !dentry.is_null() {
            for ((name, _), show) in files.iter().zip(shows.iter()) {
                // SAFETY: `name` is a C string and the directory is alive.
                // `show` is an element of `shows`, a box (its elements never
                // move) dropped after the directory is removed: the shim
                // passes it to `kmem_rs_view_show()` as `seq_file::private`.
                // A file debugfs refuses is simply absent.
                unsafe {
                    bindings::kmem_shim_debugfs_create_view(
                        name.as_char_ptr(),
                        dentry,
                        ptr::from_ref(show).cast_mut().cast(),
                    )
                };
            }
        }
        // INVARIANT: `dentry` is null or the directory made above, whose
        // files point into `shows`.
        Ok(Self {
            dentry,
            _files: shows,
        })
    }
}

impl<const N: usize> Drop for Dir<N> {
    fn drop(&mut self) {
        // SAFETY: `dentry` is null (accepted) or ours (type invariant).
        // Removal waits for readers inside our file operations; `_files` is
        // dropped after this.
        unsafe { bindings::kmem_shim_debugfs_remove(self.dentry) };
    }
}

/// Calls a [`Show`] through `Display`.
struct Display(Show);

impl core::fmt::Display for Display {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// Writes one view file (C: the `show` of `DEFINE_SHOW_ATTRIBUTE()`).
///
/// # Safety
///
/// Called by `seq_read()` through the shim's `kmem_rs_view_fops`, inside a
/// file operation that debugfs guards against removal: `m` is valid and its
/// `private` is the pointer to a [`Show`] the file was created with, which
/// lives until the file's directory is removed.
#[no_mangle]
unsafe extern "C" fn kmem_rs_view_show(m: *mut kb::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is a valid seq_file for the call, and its `private` a
    // live `Show` (caller's guarantee).
    let (seq, show) = unsafe { (SeqFile::from_raw(m), *(*m).private.cast::<Show>()) };
    seq.call_printf(format_args!("{}", Display(show)));
    0
}
