// SPDX-License-Identifier: GPL-2.0

//! The abstract distance, and so the memory tier, kmem gives a node: the
//! platform's (ACPI HMAT, a CXL region's CDAT), kmem's default, or one the
//! administrator chose, where the firmware gives none or a wrong one.
//!
//! The choice is the driver attribute `/sys/bus/dax/drivers/kmem/node_adistance`:
//! writing `NODE ADISTANCE` sets it for NODE, `NODE default` takes it back;
//! reading it gives one `NODE ADISTANCE` line per node set. A device's probe
//! uses it for the memory type it sets on its target node. The kernel keeps
//! the type a node already has (`init_node_memory_type()`), so a choice
//! takes effect when a device is bound to a node without memory yet, as the
//! platform's does.
//!
//! Lock order: [`CHOSEN`] is taken alone.

use kernel::{
    bindings as kb,
    ffi::c_char,
    prelude::*,
    str::{
        parse_int::ParseInt,
        BStr,
        CStr,
        CString, //
    }, //
};

use crate::{
    sysfs,
    tiers::Adistance, //
};

kernel::sync::global_lock! {
    // SAFETY: `init()` initialises it in module init, before the driver
    // (and with it the attribute) is registered; nothing uses it before.
    unsafe(uninit) static CHOSEN: Mutex<KVec<(i32, i32)>> = KVec::new();
}

/// Initialises the administrator's choices, none.
///
/// # Safety
///
/// Called once, from module init, before anything else of this file.
pub(crate) unsafe fn init() {
    // SAFETY: Called once, before any use (caller's guarantee).
    unsafe { CHOSEN.init() };
}

/// Frees what the list of choices allocates: for module exit, after the
/// driver (and with it the attribute) is unregistered.
pub(crate) fn clear() {
    let old = core::mem::take(&mut *CHOSEN.lock());
    drop(old);
}

/// Where an abstract distance came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Source {
    /// An algorithm the platform registered: ACPI HMAT, a CXL region's CDAT.
    Platform,
    /// kmem's default, five times DRAM's.
    Default,
    /// The administrator, through `node_adistance`.
    Admin,
}

impl Source {
    /// Returns the name the view shows.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Default => "default",
            Self::Admin => "admin",
        }
    }
}

/// The abstract distance kmem gives a node, what the platform or kmem's
/// default would have given, and which it is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tier {
    /// The abstract distance used.
    pub(crate) adistance: i32,
    /// The platform's, or kmem's default.
    pub(crate) computed: i32,
    /// Where `adistance` came from.
    pub(crate) source: Source,
}

/// Returns the abstract distance for `node`: the administrator's choice if
/// there is one, else `computed`.
pub(crate) fn choose(node: i32, computed: Adistance) -> Tier {
    let chosen = CHOSEN
        .lock()
        .iter()
        .find(|(n, _)| *n == node)
        .map(|(_, a)| *a);
    decide(computed, chosen)
}

/// Returns the tier of `computed` overridden by `chosen`, if any.
fn decide(computed: Adistance, chosen: Option<i32>) -> Tier {
    let source = if chosen.is_some() {
        Source::Admin
    } else if computed.from_platform {
        Source::Platform
    } else {
        Source::Default
    };
    Tier {
        adistance: chosen.unwrap_or(computed.value),
        computed: computed.value,
        source,
    }
}

/// Parses a write to `node_adistance`: `NODE ADISTANCE` or `NODE default`,
/// one trailing newline allowed. A node is one the kernel can have
/// (`0 <= NODE < MAX_NUMNODES`); an abstract distance is positive.
fn parse(value: &[u8]) -> Result<(i32, Option<i32>)> {
    let value = value.strip_suffix(b"\n").unwrap_or(value);
    let mut words = value.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let (Some(node), Some(adist), None) = (words.next(), words.next(), words.next()) else {
        return Err(EINVAL);
    };
    let node = i32::from_str(BStr::from_bytes(node))?;
    if node < 0 || node >= kb::MAX_NUMNODES as i32 {
        return Err(EINVAL);
    }
    if adist == b"default" {
        return Ok((node, None));
    }
    let adist = i32::from_str(BStr::from_bytes(adist))?;
    if adist <= 0 {
        return Err(EINVAL);
    }
    Ok((node, Some(adist)))
}

/// Applies a write to `node_adistance`.
fn store(value: &[u8]) -> Result {
    let (node, adist) = parse(value)?;
    let mut chosen = CHOSEN.lock();
    chosen.retain(|(n, _)| *n != node);
    if let Some(adist) = adist {
        chosen.push((node, adist), GFP_KERNEL)?;
    }
    Ok(())
}

/// Shows `node_adistance` (called by the C shim's driver attribute).
///
/// # Safety
///
/// Called by the shim's `show` callback of the driver attribute
/// `node_adistance`; `buf` is its `PAGE_SIZE` buffer.
#[no_mangle]
unsafe extern "C" fn kmem_rs_node_adistance_show(buf: *mut c_char) -> isize {
    let mut lines = KVec::new();
    for (node, adist) in CHOSEN.lock().iter() {
        match CString::try_from_fmt(fmt!("{node} {adist}")) {
            Ok(line) => {
                if lines.push(line, GFP_KERNEL).is_err() {
                    return ENOMEM.to_errno() as isize;
                }
            }
            Err(e) => return e.to_errno() as isize,
        }
    }
    // SAFETY: `buf` is a sysfs `show` buffer (caller's guarantee).
    unsafe { sysfs::emit_lines(buf, lines.iter().map(|l| &**l)) }
}

/// Stores `node_adistance` (called by the C shim's driver attribute);
/// returns `len` or a negative errno.
///
/// # Safety
///
/// Called by the shim's `store` callback of the driver attribute
/// `node_adistance`: `buf` holds `len` bytes and a NUL after them, as kernfs
/// passes every write.
#[no_mangle]
unsafe extern "C" fn kmem_rs_node_adistance_store(buf: *const c_char, len: usize) -> isize {
    // SAFETY: kernfs terminates the written bytes with a NUL, and keeps the
    // buffer, unchanged, for the call (fs/kernfs/file.c,
    // `kernfs_fop_write_iter()`); the value ends at the first NUL.
    let value = unsafe { CStr::from_char_ptr(buf) };
    match store(value.to_bytes()) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

#[kunit_tests(kmem_rs_tier)]
mod tests {
    use super::{
        decide,
        parse,
        Source, //
    };
    use crate::tiers::Adistance;
    use kernel::prelude::*;

    #[test]
    fn parses_a_node_and_a_distance_or_default() {
        assert_eq!(parse(b"1 1500\n"), Ok((1, Some(1500))));
        assert_eq!(parse(b"2 default"), Ok((2, None)));
        assert_eq!(parse(b" 0  700 "), Ok((0, Some(700))));
    }

    #[test]
    fn refuses_what_is_not() {
        for bad in [
            &b""[..],
            b"1",
            b"1 1500 2",
            b"-1 1500",
            b"1 0",
            b"1 -5",
            b"x 1500",
            b"1 fast",
            b"100000 1500",
        ] {
            assert_eq!(parse(bad), Err(EINVAL));
        }
    }

    #[test]
    fn the_administrator_overrides_the_platform_and_the_default() {
        let hmat = Adistance {
            value: 4320,
            from_platform: true,
        };
        let default = Adistance {
            value: 2880,
            from_platform: false,
        };
        assert_eq!(decide(hmat, None).source, Source::Platform);
        assert_eq!(decide(default, None).adistance, 2880);
        assert_eq!(decide(default, None).source, Source::Default);
        let t = decide(hmat, Some(1500));
        assert_eq!(
            (t.adistance, t.computed, t.source),
            (1500, 4320, Source::Admin)
        );
    }
}
