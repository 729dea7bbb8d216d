// SPDX-License-Identifier: GPL-2.0

//! The `daxX.Y/state` attribute: its values, parsing and transitions.
//!
//! C: `dax_kmem_parse_state()`, `state_show()` and `state_store()` of
//! `drivers/dax/kmem.c`. The names and the comparison are the kernel's own
//! (`sysfs_streq()`, `mhp_online_type_from_str()`/`_to_str()`); the rules
//! are plain functions, tested by KUnit. No `unsafe` here.

use kernel::{
    prelude::*,
    str::CStr, //
};

use crate::{
    bindings,
    memhp::OnlineType,
    sysfs, //
};

/// What a kmem device holds: nothing, or memory added with an online type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// Nothing reserved or added (C: `DAX_KMEM_UNPLUGGED`).
    Unplugged,
    /// Added and onlined as the type says. `Offline` is only reached through
    /// the system's default online type at bind, or memory taken over with
    /// no block online; a write of "offline" is refused.
    Added(OnlineType),
}

impl State {
    /// Returns the name `state` shows.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            Self::Unplugged => c"unplugged",
            Self::Added(online) => online.name(),
        }
    }

    /// Returns the C encoding: `DAX_KMEM_UNPLUGGED` or an `enum mmop` value.
    pub(crate) fn to_raw(self) -> i32 {
        match self {
            Self::Unplugged => bindings::KMEM_CONST_DAX_KMEM_UNPLUGGED,
            Self::Added(online) => online.to_mmop(),
        }
    }

    /// Returns the state of a C encoding made by [`State::to_raw`].
    pub(crate) fn from_raw(raw: i32) -> Option<Self> {
        if raw == bindings::KMEM_CONST_DAX_KMEM_UNPLUGGED {
            return Some(Self::Unplugged);
        }
        OnlineType::from_mmop(raw).map(Self::Added)
    }
}

/// Parses a write to `state` (C: `dax_kmem_parse_state()`).
///
/// "offline" is refused: it is not useful and creates race conditions.
pub(crate) fn parse(buf: &CStr) -> Result<State> {
    if sysfs::streq(buf, c"unplugged") {
        return Ok(State::Unplugged);
    }
    match OnlineType::parse(buf) {
        None | Some(OnlineType::Offline) => Err(EINVAL),
        Some(online) => Ok(State::Added(online)),
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
    Plug(OnlineType),
    /// Refuse with `-EBUSY`: onlining is only allowed from unplugged.
    Busy,
}

/// Returns what writing `requested` does to a device in `current`.
pub(crate) fn transition(current: State, requested: State) -> Transition {
    match (current, requested) {
        _ if current == requested => Transition::Keep,
        (_, State::Unplugged) => Transition::Unplug,
        (State::Unplugged, State::Added(online)) => Transition::Plug(online),
        (State::Added(_), State::Added(_)) => Transition::Busy,
    }
}

#[kunit_tests(kmem_rs_state)]
mod tests {
    use super::{
        parse,
        transition,
        State,
        Transition, //
    };
    use crate::memhp::OnlineType::{self, *};
    use kernel::prelude::*;

    #[test]
    fn parses_like_sysfs_streq() {
        assert_eq!(parse(c"unplugged"), Ok(State::Unplugged));
        assert_eq!(parse(c"unplugged\n"), Ok(State::Unplugged));
        assert_eq!(parse(c"online_movable\n"), Ok(State::Added(OnlineMovable)));
        assert_eq!(parse(c"online\n"), Ok(State::Added(Online)));
        assert_eq!(parse(c"online_kernel"), Ok(State::Added(OnlineKernel)));
    }

    #[test]
    fn refuses_offline_and_garbage() {
        for bad in [
            c"offline",
            c"offline\n",
            c"",
            c"\n",
            c"online\n\n",
            c" online",
            c"Online",
            c"online_movable ",
            c"bogus_state\n",
        ] {
            assert_eq!(parse(bad), Err(EINVAL));
        }
    }

    #[test]
    fn names_are_the_kernels() {
        assert_eq!(State::Unplugged.name(), c"unplugged");
        assert_eq!(State::Added(OnlineMovable).name(), c"online_movable");
        assert_eq!(State::Added(OnlineKernel).name(), c"online_kernel");
        assert_eq!(State::Added(Online).name(), c"online");
        assert_eq!(State::Added(Offline).name(), c"offline");
    }

    #[test]
    fn transitions_follow_c() {
        let (u, a) = (State::Unplugged, State::Added);
        assert_eq!(
            transition(a(OnlineMovable), a(OnlineMovable)),
            Transition::Keep
        );
        assert_eq!(transition(u, u), Transition::Keep);
        assert_eq!(transition(a(OnlineMovable), u), Transition::Unplug);
        assert_eq!(transition(a(Offline), u), Transition::Unplug);
        assert_eq!(
            transition(a(OnlineMovable), a(OnlineKernel)),
            Transition::Busy
        );
        assert_eq!(transition(a(Offline), a(Online)), Transition::Busy);
        assert_eq!(transition(u, a(Online)), Transition::Plug(Online));
    }

    #[test]
    fn raw_encoding_round_trips() {
        let all: [OnlineType; 4] = [Offline, Online, OnlineKernel, OnlineMovable];
        for s in Iterator::chain(core::iter::once(State::Unplugged), all.map(State::Added)) {
            assert_eq!(State::from_raw(s.to_raw()), Some(s));
        }
        assert_eq!(State::Unplugged.to_raw(), -1);
        assert_eq!(State::from_raw(7), None);
    }
}
