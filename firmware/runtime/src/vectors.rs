//! The test-vector partition: inputs for a model, placed in flash next to the
//! model partition so one firmware image serves every model.
//!
//! ```text
//! magic "PAVT" | version u16 (=1) | reserved u16 | count u32 | bytes_per_vector u32
//! crc32 u32 (over the vector data) | data: count × bytes_per_vector
//! ```

use crate::dtype::{le_u16_at, le_u32_at};
use crate::error::Error;

/// Partition magic.
pub const VECTORS_MAGIC: [u8; 4] = *b"PAVT";
/// Header size.
pub const VECTORS_HEADER_LEN: usize = 20;

/// A validated vector partition borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Vectors<'a> {
    data: &'a [u8],
    count: usize,
    per: usize,
}

impl<'a> Vectors<'a> {
    /// Parse and check a partition (which may be longer than its content).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Vectors<'a>, Error> {
        if bytes.len() < VECTORS_HEADER_LEN {
            return Err(Error::Truncated {
                what: "vector partition header",
                need: VECTORS_HEADER_LEN,
                have: bytes.len(),
            });
        }
        if bytes[..4] != VECTORS_MAGIC {
            return Err(Error::BadField { what: "vector partition magic", value: le_u32_at(bytes, 0) as i64 });
        }
        let version = le_u16_at(bytes, 4);
        if version != 1 {
            return Err(Error::UnsupportedVersion { found: version, supported: 1 });
        }
        if le_u16_at(bytes, 6) != 0 {
            return Err(Error::BadField { what: "vector partition reserved field", value: le_u16_at(bytes, 6) as i64 });
        }
        let count = le_u32_at(bytes, 8) as usize;
        let per = le_u32_at(bytes, 12) as usize;
        let end = count.checked_mul(per).and_then(|l| l.checked_add(VECTORS_HEADER_LEN));
        let end = end.ok_or(Error::BadField { what: "vector count", value: count as i64 })?;
        let data = bytes.get(VECTORS_HEADER_LEN..end).ok_or(Error::Truncated {
            what: "vector data",
            need: end,
            have: bytes.len(),
        })?;
        let stored = le_u32_at(bytes, 16);
        let computed = crate::format::header::CRC32.checksum(data);
        if stored != computed {
            return Err(Error::CrcMismatch { stored, computed });
        }
        Ok(Vectors { data, count, per })
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes per vector.
    pub fn bytes_per_vector(&self) -> usize {
        self.per
    }

    /// Vector `i` (empty if out of range).
    pub fn get(&self, i: usize) -> &'a [u8] {
        self.data.get(i * self.per..(i + 1) * self.per).unwrap_or(&[])
    }
}

/// Serialize vectors of `bytes_per_vector` bytes each.
#[cfg(feature = "writer")]
pub fn write_vectors(data: &[u8], bytes_per_vector: usize) -> alloc::vec::Vec<u8> {
    let count = data.len().checked_div(bytes_per_vector).unwrap_or(0);
    let mut out = alloc::vec::Vec::with_capacity(VECTORS_HEADER_LEN + data.len());
    out.extend_from_slice(&VECTORS_MAGIC);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(count as u32).to_le_bytes());
    out.extend_from_slice(&(bytes_per_vector as u32).to_le_bytes());
    out.extend_from_slice(&crate::format::header::CRC32.checksum(&data[..count * bytes_per_vector]).to_le_bytes());
    out.extend_from_slice(&data[..count * bytes_per_vector]);
    out
}

#[cfg(all(test, feature = "writer"))]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_corruption() {
        let v = write_vectors(&[1, 2, 3, 4, 5, 6], 3);
        let p = Vectors::from_bytes(&v).unwrap();
        assert_eq!((p.len(), p.get(1)), (2, &[4u8, 5, 6][..]));
        for i in 0..v.len() {
            let mut bad = v.clone();
            bad[i] ^= 0x10;
            assert!(Vectors::from_bytes(&bad).is_err(), "byte {i}");
        }
    }
}
