//! Fixed-size views of a compiled model's tensors in the arena. The offsets
//! are constants of the generated code, so the checks fold away; a wrong
//! offset is still an error, never a panic.

use crate::error::Error;

/// The input `[x, x + N)` and the disjoint output `[y, y + M)`.
#[inline(always)]
pub fn io<const N: usize, const M: usize>(
    arena: &mut [u8],
    x: usize,
    y: usize,
) -> Result<(&[u8; N], &mut [u8; M]), Error> {
    let have = arena.len();
    let (x_end, y_end) = (x.saturating_add(N), y.saturating_add(M));
    let short = Error::ArenaTooSmall { need: x_end.max(y_end), have };
    if x_end <= y {
        let (lo, hi) = arena.split_at_mut_checked(y).ok_or(short)?;
        let input = lo.get(x..x_end).and_then(|s| s.first_chunk::<N>()).ok_or(short)?;
        Ok((input, hi.first_chunk_mut::<M>().ok_or(short)?))
    } else if y_end <= x {
        let (lo, hi) = arena.split_at_mut_checked(x).ok_or(short)?;
        let output = lo.get_mut(y..y_end).and_then(|s| s.first_chunk_mut::<M>()).ok_or(short)?;
        Ok((hi.first_chunk::<N>().ok_or(short)?, output))
    } else {
        Err(Error::ArenaOverlap { a: x, b: y })
    }
}

/// The tensor `[x, x + N)`, read and written in place.
#[inline(always)]
pub fn io_in_place<const N: usize>(arena: &mut [u8], x: usize) -> Result<&mut [u8; N], Error> {
    let (have, end) = (arena.len(), x.saturating_add(N));
    arena.get_mut(x..end).and_then(|s| s.first_chunk_mut::<N>()).ok_or(Error::ArenaTooSmall { need: end, have })
}

/// Copy `[x, x + N)` to the disjoint `[y, y + N)` (a reshape that moves).
#[inline(always)]
pub fn copy<const N: usize>(arena: &mut [u8], x: usize, y: usize) -> Result<(), Error> {
    let (input, output) = io::<N, N>(arena, x, y)?;
    output.copy_from_slice(input);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_disjoint_or_an_error() {
        let mut arena = [0u8; 8];
        let (x, y) = io::<2, 3>(&mut arena, 5, 0).unwrap();
        y.copy_from_slice(&[1, 2, 3]);
        assert_eq!(x, &[0, 0]);
        assert_eq!(arena[..3], [1, 2, 3]);
        copy::<3>(&mut arena, 0, 4).unwrap();
        assert_eq!(arena[4..7], [1, 2, 3]);
        assert_eq!(io::<4, 4>(&mut arena, 0, 2).unwrap_err(), Error::ArenaOverlap { a: 0, b: 2 });
        assert!(matches!(io::<4, 4>(&mut arena, 0, 6), Err(Error::ArenaTooSmall { need: 10, have: 8 })));
        assert!(matches!(io_in_place::<4>(&mut arena, 6), Err(Error::ArenaTooSmall { need: 10, have: 8 })));
        // Offsets near usize::MAX are an error, not an overflow.
        assert!(io::<4, 4>(&mut arena, usize::MAX - 1, 0).is_err());
        assert!(io_in_place::<4>(&mut arena, usize::MAX).is_err());
    }
}
