// SPDX-License-Identifier: GPL-2.0

//! Sizes printed the way the kernel prints them.
//!
//! C header: [`include/linux/string_helpers.h`](srctree/include/linux/string_helpers.h).
//! The C driver formats its truncation message with `string_get_size()`;
//! calling the same function keeps the message identical ("94.0 MiB").

use kernel::{
    bindings as kb,
    ffi::c_char,
    str::CStr, //
};

/// Formats `bytes` in binary units, as `string_get_size()` does.
pub(crate) fn format_size(bytes: u64, buf: &mut [u8; 16]) -> &CStr {
    // SAFETY: `buf` is writable for its length, which fits in an `int`.
    unsafe {
        kb::string_get_size(
            bytes,
            1,
            kb::string_size_units_STRING_UNITS_2,
            buf.as_mut_ptr().cast::<c_char>(),
            buf.len() as i32,
        )
    };
    CStr::from_bytes_until_nul(buf).unwrap_or(c"?")
}
