//! Element types of activation tensors and their little-endian byte access.
//!
//! Tensors live in byte buffers (flash or the caller's arena) with no alignment
//! guarantee, so every access goes through `from_le_bytes`: safe, endian-explicit,
//! and compiled to plain loads on targets that allow unaligned access.

use crate::error::Error;

/// Element type of an activation tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// Signed 8-bit.
    I8 = 1,
    /// Signed 16-bit.
    I16 = 2,
}

impl DType {
    /// Decode the on-blob tag.
    pub fn from_tag(tag: i64, what: &'static str) -> Result<DType, Error> {
        match tag {
            1 => Ok(DType::I8),
            2 => Ok(DType::I16),
            _ => Err(Error::BadTag { what, value: tag }),
        }
    }

    /// Bytes per element.
    #[inline(always)]
    pub const fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 => 2,
        }
    }

    /// Bits per element.
    #[inline(always)]
    pub const fn bits(self) -> u32 {
        8 * self.size() as u32
    }

    /// Smallest representable value.
    #[inline(always)]
    pub const fn min(self) -> i32 {
        match self {
            DType::I8 => i8::MIN as i32,
            DType::I16 => i16::MIN as i32,
        }
    }

    /// Largest representable value.
    #[inline(always)]
    pub const fn max(self) -> i32 {
        match self {
            DType::I8 => i8::MAX as i32,
            DType::I16 => i16::MAX as i32,
        }
    }

    /// Saturate to this type's range.
    #[inline(always)]
    pub fn saturate(self, x: i32) -> i32 {
        x.clamp(self.min(), self.max())
    }

    /// Read element `i` of a buffer of this type (0 if out of range; callers
    /// index within validated shapes).
    #[inline(always)]
    pub fn load(self, buf: &[u8], i: usize) -> i32 {
        match self {
            DType::I8 => buf.get(i).map_or(0, |&b| b as i8 as i32),
            DType::I16 => match buf.get(2 * i..2 * i + 2) {
                Some(b) => i16::from_le_bytes([b[0], b[1]]) as i32,
                None => 0,
            },
        }
    }

    /// Write element `i` (saturating); ignored if out of range.
    #[inline(always)]
    pub fn store(self, buf: &mut [u8], i: usize, v: i32) {
        match self {
            DType::I8 => {
                if let Some(b) = buf.get_mut(i) {
                    *b = crate::arith::sat_i8(v) as u8;
                }
            }
            DType::I16 => {
                if let Some(b) = buf.get_mut(2 * i..2 * i + 2) {
                    b.copy_from_slice(&crate::arith::sat_i16(v).to_le_bytes());
                }
            }
        }
    }
}

/// Read little-endian `i32` number `i` of a byte slice (0 if out of range).
#[inline(always)]
pub fn le_i32(buf: &[u8], i: usize) -> i32 {
    match buf.get(4 * i..4 * i + 4) {
        Some(b) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

/// Little-endian `i16` element `i` of `buf` (0 past the end: callers validate
/// lengths at decode).
#[inline(always)]
pub fn le_i16(buf: &[u8], i: usize) -> i16 {
    match buf.get(2 * i..2 * i + 2) {
        Some(b) => i16::from_le_bytes([b[0], b[1]]),
        None => 0,
    }
}

/// Little-endian `i64` element `i` of `buf` (0 past the end: callers validate
/// lengths at decode, so this never happens on a validated blob).
#[inline(always)]
pub fn le_i64(buf: &[u8], i: usize) -> i64 {
    match buf.get(8 * i..8 * i + 8) {
        Some(b) => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        None => 0,
    }
}

/// Read little-endian `u16` at byte offset `at` (0 if out of range).
#[inline(always)]
pub fn le_u16_at(buf: &[u8], at: usize) -> u16 {
    match buf.get(at..at + 2) {
        Some(b) => u16::from_le_bytes([b[0], b[1]]),
        None => 0,
    }
}

/// Read little-endian `u32` at byte offset `at` (0 if out of range).
#[inline(always)]
pub fn le_u32_at(buf: &[u8], at: usize) -> u32 {
    match buf.get(at..at + 4) {
        Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => 0,
    }
}

/// `y[i] = f(a[i], b[i])` over `n` elements of the given types. The all-int8
/// case walks the bytes directly, without a type dispatch and bounds check
/// per element (the elementwise layers' inner loop); the others load and
/// store through [`DType`]. Stores saturate either way.
#[inline(always)]
pub fn map2(a: (DType, &[u8]), b: (DType, &[u8]), y: (DType, &mut [u8]), n: usize, f: impl Fn(i32, i32) -> i32) {
    let ((ta, xa), (tb, xb), (ty, out)) = (a, b, y);
    if let (DType::I8, DType::I8, DType::I8) = (ta, tb, ty) {
        for ((o, &va), &vb) in out.iter_mut().zip(xa).zip(xb).take(n) {
            *o = crate::arith::sat_i8(f(va as i8 as i32, vb as i8 as i32)) as u8;
        }
        return;
    }
    for i in 0..n {
        ty.store(out, i, f(ta.load(xa, i), tb.load(xb, i)));
    }
}
