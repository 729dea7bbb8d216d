// SPDX-License-Identifier: GPL-2.0

//! Physical address ranges and their memory-block-aligned parts.
//!
//! C header: [`include/linux/range.h`](srctree/include/linux/range.h).
//!
//! Pure arithmetic, no kernel calls: every other file builds on it.

use kernel::{
    bindings as kb,
    prelude::*, //
};

/// A physical address range, inclusive at both ends (C: `struct range`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Range {
    /// First byte.
    start: u64,
    /// Last byte.
    end: u64,
}

impl Range {
    /// Creates the range `start..=end`.
    pub(crate) const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// Returns the first byte.
    pub(crate) const fn start(&self) -> u64 {
        self.start
    }

    /// Returns the last byte.
    pub(crate) const fn end(&self) -> u64 {
        self.end
    }

    /// Returns the length in bytes (C: `range_len()`).
    pub(crate) const fn len(&self) -> u64 {
        self.end.wrapping_sub(self.start).wrapping_add(1)
    }

    /// Returns the largest sub-range made of whole blocks of `block` bytes (a
    /// power of two), or `None` if no whole block fits.
    ///
    /// C: `memory_block_aligned_range()` with the emptiness check of
    /// `dax_kmem_range()`, including its wrap-around arithmetic.
    pub(crate) const fn align_to_blocks(&self, block: u64) -> Option<Self> {
        let mask = block.wrapping_sub(1);
        let start = self.start.wrapping_add(mask) & !mask;
        let end = self.end.wrapping_add(1) & !mask;
        if end <= start {
            None
        } else {
            Some(Self::new(start, end - 1))
        }
    }

    /// Returns the C representation.
    pub(crate) const fn to_c(self) -> kb::range {
        kb::range {
            start: self.start,
            end: self.end,
        }
    }
}

/// One range of a device as probe found it.
#[derive(Clone, Copy)]
pub(crate) struct RangeInfo {
    /// The range as the dax device has it.
    pub(crate) raw: Range,
    /// Its memory-block-aligned part; `None` if no whole block fits.
    pub(crate) aligned: Option<Range>,
}

#[kunit_tests(kmem_rs_range)]
mod tests {
    use super::Range;

    const MIB: u64 = 1 << 20;
    const BLOCK: u64 = 128 * MIB;

    #[test]
    fn aligned_range_is_unchanged() {
        let r = Range::new(4 << 30, (6 << 30) - 1);
        assert_eq!(r.align_to_blocks(BLOCK), Some(r));
        assert_eq!(r.len(), 2 << 30);
    }

    #[test]
    fn unaligned_ends_are_trimmed_inwards() {
        let r = Range::new((4 << 30) + 2 * MIB, (6 << 30) + 5 * MIB);
        let a = r.align_to_blocks(BLOCK).unwrap();
        assert_eq!(a.start(), (4 << 30) + BLOCK);
        assert_eq!(a.end(), (6 << 30) - 1);
    }

    #[test]
    fn less_than_a_block_is_empty() {
        assert_eq!(Range::new(0, BLOCK - 2).align_to_blocks(BLOCK), None);
        assert_eq!(Range::new(MIB, BLOCK + MIB).align_to_blocks(BLOCK), None);
        assert_eq!(
            Range::new(BLOCK, 2 * BLOCK - 1).align_to_blocks(BLOCK),
            Some(Range::new(BLOCK, 2 * BLOCK - 1))
        );
    }

    #[test]
    fn end_of_address_space_wraps_as_in_c() {
        // C: ALIGN_DOWN(end + 1) wraps to 0, so nothing fits.
        assert_eq!(
            Range::new(u64::MAX - BLOCK, u64::MAX).align_to_blocks(BLOCK),
            None
        );
    }
}
