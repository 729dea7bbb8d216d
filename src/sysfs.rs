// SPDX-License-Identifier: GPL-2.0

//! sysfs attribute helpers: comparing a written value, and showing one.
//!
//! C headers: [`include/linux/string.h`](srctree/include/linux/string.h) and
//! [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h).

use kernel::{
    bindings as kb,
    ffi::c_char,
    str::{CStr, CStrExt}, //
};

/// Returns whether a written value is `name`, ignoring one trailing newline
/// on either side (C: `sysfs_streq()`).
pub(crate) fn streq(buf: &CStr, name: &CStr) -> bool {
    // SAFETY: Both are NUL-terminated strings.
    unsafe { kb::sysfs_streq(buf.as_char_ptr(), name.as_char_ptr()) }
}

/// Writes `value` and a newline to the attribute buffer `buf`; returns the
/// length written (C: `sysfs_emit(buf, "%s\n", value)`).
///
/// # Safety
///
/// `buf` must be the `PAGE_SIZE` buffer of a sysfs `show` callback.
pub(crate) unsafe fn emit(buf: *mut c_char, value: &CStr) -> isize {
    // SAFETY: `buf` is a sysfs buffer (caller's guarantee); the format takes
    // one NUL-terminated string.
    let len = unsafe { kb::sysfs_emit(buf, c"%s\n".as_char_ptr(), value.as_char_ptr()) };
    len as isize
}

/// Writes each of `lines` and a newline to the attribute buffer `buf`, as
/// many as fit; returns the length written (C: `sysfs_emit_at(buf, at,
/// "%s\n", line)` for each).
///
/// # Safety
///
/// `buf` must be the `PAGE_SIZE` buffer of a sysfs `show` callback.
pub(crate) unsafe fn emit_lines<'a>(
    buf: *mut c_char,
    lines: impl IntoIterator<Item = &'a CStr>,
) -> isize {
    let mut at = 0;
    for line in lines {
        // SAFETY: `buf` is a sysfs buffer (caller's guarantee) and `at` the
        // length written so far, which `sysfs_emit_at()` checks against
        // `PAGE_SIZE`; the format takes one NUL-terminated string.
        at += unsafe { kb::sysfs_emit_at(buf, at, c"%s\n".as_char_ptr(), line.as_char_ptr()) };
    }
    at as isize
}
