//! Two's-complement words: conversions between rust-hdl bit vectors and `i64`
//! for the simulation models of the custom stages.

use rust_hdl::prelude::*;

/// Sign-extend the low `n` bits of `v`.
pub fn sx(v: u64, n: usize) -> i64 {
    ((v << (64 - n)) as i64) >> (64 - n)
}

/// The low `N` bits of `v` (wrapping).
pub fn word<const N: usize>(v: i64) -> Bits<N> {
    let mask = if N >= 64 { u64::MAX } else { (1u64 << N) - 1 };
    bits::<N>(v as u64 & mask)
}

/// `v` read as a signed `N`-bit number.
pub fn int<const N: usize>(v: Bits<N>) -> i64 {
    sx(v.to_u64(), N)
}

/// `v` as a rust-hdl signed value (wrapping to `N` bits).
pub fn signed_word<const N: usize>(v: i64) -> Signed<N> {
    signed_cast(word::<N>(v))
}

/// A rust-hdl signed value as `i64`.
pub fn signed_int<const N: usize>(v: Signed<N>) -> i64 {
    int(v.inner())
}

/// A Verilog signed literal of `width` bits in two's complement hex, e.g.
/// `32'shfffffffb` for −5 (hex avoids the `-32'sd2147483648` corner).
/// Widths past 64 bits carry the sign (up to 128).
pub fn lit(v: i64, width: usize) -> String {
    let mask = if width >= 128 { u128::MAX } else { (1u128 << width) - 1 };
    format!("{width}'sh{:x}", v as i128 as u128 & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_two_complement_at_any_width() {
        assert_eq!(lit(-5, 8), "8'shfb");
        assert_eq!(lit(-5, 68), "68'shffffffffffffffffb");
        assert_eq!(lit(5, 68), "68'sh5");
    }

    #[test]
    fn round_trips_extremes() {
        for v in [i16::MIN as i64, -1, 0, 1, i16::MAX as i64] {
            assert_eq!(int(word::<16>(v)), v);
            assert_eq!(signed_int(signed_word::<16>(v)), v);
        }
        assert_eq!(int(word::<48>(-(1 << 46))), -(1 << 46));
        assert_eq!(int(word::<64>(i64::MIN)), i64::MIN);
        assert_eq!(lit(-5, 32), "32'shfffffffb");
    }
}
