// SPDX-License-Identifier: GPL-2.0

//! The `daxX.Y/state` attribute: its values, parsing and transitions.
//!
//! C: `dax_kmem_parse_state()`, `state_show()` and `state_store()` of
//! `drivers/dax/kmem.c`, with the online type names of
//! `drivers/base/memory.c`. The parsing and the transition rules are pure
//! functions, tested by KUnit; [`kmem_rs_state_show`] and
//! [`kmem_rs_state_store`] are the entry points the C shim forwards to.

use kernel::{
    bindings as kb,
    ffi::{c_char, c_int},
    prelude::*, //
};

use crate::{bindings, dax, driver::KmemDevice};

/// What a kmem device holds: unplugged, or added with an online type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// No memory blocks (C: `DAX_KMEM_UNPLUGGED`).
    Unplugged,
    /// Added, offline (`MMOP_OFFLINE`); only reached through the system's
    /// default online type at bind, never by a write.
    Offline,
    /// Added and online in the default zone (`MMOP_ONLINE`).
    Online,
    /// Added and online in a kernel zone (`MMOP_ONLINE_KERNEL`).
    OnlineKernel,
    /// Added and online in ZONE_MOVABLE (`MMOP_ONLINE_MOVABLE`).
    OnlineMovable,
}

/// The names a write may use, each with its state, in C's order.
const NAMES: [(&str, State); 5] = [
    ("unplugged", State::Unplugged),
    ("offline", State::Offline),
    ("online", State::Online),
    ("online_kernel", State::OnlineKernel),
    ("online_movable", State::OnlineMovable),
];

impl State {
    /// Returns the name `state` shows.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Unplugged => "unplugged",
            Self::Offline => "offline",
            Self::Online => "online",
            Self::OnlineKernel => "online_kernel",
            Self::OnlineMovable => "online_movable",
        }
    }

    /// Returns the state of a C `enum mmop` value.
    pub(crate) fn from_mmop(mmop: kb::mmop) -> Option<Self> {
        match mmop {
            kb::mmop_MMOP_OFFLINE => Some(Self::Offline),
            kb::mmop_MMOP_ONLINE => Some(Self::Online),
            kb::mmop_MMOP_ONLINE_KERNEL => Some(Self::OnlineKernel),
            kb::mmop_MMOP_ONLINE_MOVABLE => Some(Self::OnlineMovable),
            _ => None,
        }
    }

    /// Returns the C `enum mmop` value; `None` for [`State::Unplugged`].
    pub(crate) fn to_mmop(self) -> Option<kb::mmop> {
        match self {
            Self::Unplugged => None,
            Self::Offline => Some(kb::mmop_MMOP_OFFLINE),
            Self::Online => Some(kb::mmop_MMOP_ONLINE),
            Self::OnlineKernel => Some(kb::mmop_MMOP_ONLINE_KERNEL),
            Self::OnlineMovable => Some(kb::mmop_MMOP_ONLINE_MOVABLE),
        }
    }

    /// Returns the C encoding: `DAX_KMEM_UNPLUGGED` or an `enum mmop` value.
    pub(crate) fn to_raw(self) -> i32 {
        match self.to_mmop() {
            None => bindings::KMEM_CONST_DAX_KMEM_UNPLUGGED,
            Some(m) => m as i32,
        }
    }

    /// Returns the state of a C encoding made by [`State::to_raw`].
    pub(crate) fn from_raw(raw: i32) -> Option<Self> {
        if raw == bindings::KMEM_CONST_DAX_KMEM_UNPLUGGED {
            return Some(Self::Unplugged);
        }
        Self::from_mmop(kb::mmop::try_from(raw).ok()?)
    }
}

/// Compares a written buffer with a name as `sysfs_streq()` does: the buffer
/// ends at its first NUL, and one trailing newline on either side is ignored.
fn sysfs_streq(buf: &[u8], name: &str) -> bool {
    let buf = buf.split(|&b| b == 0).next().unwrap_or(&[]);
    let name = name.as_bytes();
    buf == name || buf.strip_suffix(b"\n") == Some(name)
}

/// Returns the state of memory a bind takes over from an earlier unbind,
/// from where its online blocks are: `kernel` if some block is online outside
/// ZONE_MOVABLE, `movable` if some is in it.
///
/// Only ZONE_MOVABLE is `online_movable` and only kernel zones are
/// `online_kernel`; both make `online`, the type that lets the kernel choose.
/// No online block at all is `offline`, never `unplugged`: the memory is still
/// added, and a write of `unplugged` must remove it.
pub(crate) fn adopted(kernel: bool, movable: bool) -> State {
    match (kernel, movable) {
        (false, false) => State::Offline,
        (false, true) => State::OnlineMovable,
        (true, false) => State::OnlineKernel,
        (true, true) => State::Online,
    }
}

/// Parses a write to `state` (C: `dax_kmem_parse_state()`).
///
/// "offline" is refused: it is not useful and creates race conditions.
pub(crate) fn parse(buf: &[u8]) -> Result<State> {
    match NAMES.iter().find(|(name, _)| sysfs_streq(buf, name)) {
        Some((_, State::Offline)) | None => Err(EINVAL),
        Some((_, state)) => Ok(*state),
    }
}

/// What a write of a state does to a device.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Transition {
    /// Already in the requested state: accept and do nothing.
    Keep,
    /// Offline and remove all memory, atomically.
    Unplug,
    /// Reserve and add all memory with this online type.
    Plug(State),
    /// Refuse with `-EBUSY`: onlining is only allowed from unplugged.
    Busy,
}

/// Returns what writing `requested` does to a device in `current`.
pub(crate) fn transition(current: State, requested: State) -> Transition {
    if current == requested {
        Transition::Keep
    } else if requested == State::Unplugged {
        Transition::Unplug
    } else if current != State::Unplugged {
        Transition::Busy
    } else {
        Transition::Plug(requested)
    }
}

/// Shows `state` (C: `state_show()`).
///
/// # Safety
///
/// Called by the shim's sysfs show callback: `dev` is bound to kmem and `buf`
/// is a `PAGE_SIZE` sysfs buffer.
#[no_mangle]
pub(crate) unsafe extern "C" fn kmem_rs_state_show(
    dev: *mut kb::device,
    buf: *mut c_char,
) -> isize {
    // SAFETY: The attribute exists only while `dev` is bound to our driver.
    let data = unsafe { dax::drvdata::<Pin<KBox<KmemDevice>>>(dev) };
    let name = data.state().name();
    // SAFETY: `buf` is a sysfs buffer; the format takes a length and a string
    // that is valid for that length.
    let len = unsafe {
        kb::sysfs_emit(
            buf,
            c"%.*s\n".as_char_ptr(),
            name.len() as c_int,
            name.as_ptr().cast::<c_char>(),
        )
    };
    len as isize
}

/// Stores `state` (C: `state_store()`).
///
/// # Safety
///
/// Called by the shim's sysfs store callback: `dev` is bound to kmem and `buf`
/// holds `len` readable bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn kmem_rs_state_store(
    dev: *mut kb::device,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: The attribute exists only while `dev` is bound to our driver.
    let data = unsafe { dax::drvdata::<Pin<KBox<KmemDevice>>>(dev) };
    // SAFETY: As above: `dev` is the device of a bound `dev_dax`.
    let dax = unsafe { dax::DaxDevice::from_dev(dev) };
    // SAFETY: sysfs passes `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    match data.store_state(dax, input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

#[kunit_tests(kmem_rs_state)]
mod tests {
    use super::{adopted, parse, transition, State, Transition};
    use kernel::prelude::*;

    #[test]
    fn parses_like_sysfs_streq() {
        assert_eq!(parse(b"unplugged"), Ok(State::Unplugged));
        assert_eq!(parse(b"unplugged\n"), Ok(State::Unplugged));
        assert_eq!(parse(b"online_movable\n"), Ok(State::OnlineMovable));
        assert_eq!(parse(b"online\n"), Ok(State::Online));
        assert_eq!(parse(b"online_kernel"), Ok(State::OnlineKernel));
        assert_eq!(parse(b"online\0garbage"), Ok(State::Online));
    }

    #[test]
    fn refuses_offline_and_garbage() {
        assert_eq!(parse(b"offline"), Err(EINVAL));
        assert_eq!(parse(b"offline\n"), Err(EINVAL));
        assert_eq!(parse(b""), Err(EINVAL));
        assert_eq!(parse(b"\n"), Err(EINVAL));
        assert_eq!(parse(b"online\n\n"), Err(EINVAL));
        assert_eq!(parse(b" online"), Err(EINVAL));
        assert_eq!(parse(b"Online"), Err(EINVAL));
        assert_eq!(parse(b"online_movable "), Err(EINVAL));
        assert_eq!(parse(b"bogus_state\n"), Err(EINVAL));
    }

    #[test]
    fn transitions_follow_c() {
        use State::*;
        assert_eq!(transition(OnlineMovable, OnlineMovable), Transition::Keep);
        assert_eq!(transition(Unplugged, Unplugged), Transition::Keep);
        assert_eq!(transition(OnlineMovable, Unplugged), Transition::Unplug);
        assert_eq!(transition(Offline, Unplugged), Transition::Unplug);
        assert_eq!(transition(OnlineMovable, OnlineKernel), Transition::Busy);
        assert_eq!(transition(Offline, Online), Transition::Busy);
        assert_eq!(transition(Unplugged, Online), Transition::Plug(Online));
    }

    #[test]
    fn adopted_memory_reads_as_its_zones() {
        assert_eq!(adopted(false, true), State::OnlineMovable);
        assert_eq!(adopted(true, false), State::OnlineKernel);
        assert_eq!(adopted(true, true), State::Online);
        assert_eq!(adopted(false, false), State::Offline);
        // Adopted memory is added, so a write of `unplugged` removes it.
        for (k, m) in [(false, false), (false, true), (true, false), (true, true)] {
            assert_eq!(
                transition(adopted(k, m), State::Unplugged),
                Transition::Unplug
            );
        }
    }

    #[test]
    fn raw_encoding_round_trips() {
        for s in [
            State::Unplugged,
            State::Offline,
            State::Online,
            State::OnlineKernel,
        ] {
            assert_eq!(State::from_raw(s.to_raw()), Some(s));
        }
        assert_eq!(State::Unplugged.to_raw(), -1);
        assert_eq!(State::from_raw(7), None);
    }
}
