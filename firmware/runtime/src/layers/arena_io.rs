//! A layer's view of the arena: its output region borrowed mutably, its
//! inputs shared, and an error (never a panic) when a region is out of
//! bounds or the two overlap.

use crate::error::Error;
use crate::format::TensorInfo;
use core::ops::Range;

/// The arena split around an op's output: bytes before, the output, bytes after.
#[derive(Debug)]
pub struct Split<'x> {
    lo: &'x [u8],
    pub out: &'x mut [u8],
    hi: &'x [u8],
    out_range: Range<usize>,
}

impl<'x> Split<'x> {
    /// Split `arena` around the output region `out`.
    pub fn new(arena: &'x mut [u8], out: Range<usize>) -> Result<Split<'x>, Error> {
        if out.end > arena.len() || out.start > out.end {
            return Err(Error::ArenaTooSmall { need: out.end, have: arena.len() });
        }
        let (lo, rest) = arena.split_at_mut(out.start);
        let (mid, hi) = rest.split_at_mut(out.end - out.start);
        Ok(Split { lo, out: mid, hi, out_range: out })
    }

    /// An input region, which must not overlap the output.
    pub fn input(&self, r: Range<usize>) -> Result<&'x [u8], Error> {
        if r.end <= self.out_range.start {
            self.lo.get(r.clone()).ok_or(Error::ArenaTooSmall { need: r.end, have: self.lo.len() })
        } else if r.start >= self.out_range.end {
            let off = self.out_range.end;
            self.hi
                .get(r.start - off..r.end - off)
                .ok_or(Error::ArenaTooSmall { need: r.end, have: off + self.hi.len() })
        } else {
            Err(Error::ArenaOverlap { a: r.start, b: self.out_range.start })
        }
    }
}

/// Run `f` on a single-input layer's input region and output region.
pub fn with_io(
    arena: &mut [u8],
    input: &TensorInfo,
    output: &TensorInfo,
    f: impl FnOnce(&[u8], &mut [u8]),
) -> Result<(), Error> {
    let s = Split::new(arena, output.range())?;
    f(s.input(input.range())?, s.out);
    Ok(())
}

/// The output region alone, for a layer writing over its input in place.
pub fn in_place<'x>(arena: &'x mut [u8], output: &TensorInfo) -> Result<&'x mut [u8], Error> {
    let r = output.range();
    let have = arena.len();
    arena.get_mut(r.clone()).ok_or(Error::ArenaTooSmall { need: r.end, have })
}
