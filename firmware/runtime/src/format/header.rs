//! Fixed-size blob header and its validation.

use crate::dtype::{le_u16_at, le_u32_at};
use crate::error::Error;

/// First four bytes of every model blob.
pub const MAGIC: [u8; 4] = *b"PACT";
/// The format version this runtime reads and writes (2: the rational kernel
/// gained its version-B denominator and 64-bit denominator coefficients).
pub const FORMAT_VERSION: u16 = 2;
/// Header size in bytes.
pub const HEADER_LEN: usize = 48;
/// Byte offset of the CRC field (read as zero when computing the CRC).
pub const CRC_FIELD: usize = 12;

/// Parsed header. Offsets are absolute within the blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub total_len: usize,
    pub crc32: u32,
    pub n_tensors: usize,
    pub n_ops: usize,
    pub n_kernels: usize,
    pub input: usize,
    pub output: usize,
    pub arena_size: usize,
    pub tensors_off: usize,
    pub ops_off: usize,
    pub kernels_off: usize,
    pub data_off: usize,
}

/// CRC-32/ISO-HDLC (the zlib / IEEE 802.3 CRC), with a 1 KiB table: small
/// enough for flash-constrained targets.
pub const CRC32: crc::Crc<u32, crc::Table<1>> = crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC32 of a blob with its CRC field taken as zero.
pub fn blob_crc(blob: &[u8]) -> u32 {
    let mut h = CRC32.digest();
    h.update(&blob[..CRC_FIELD.min(blob.len())]);
    if blob.len() >= CRC_FIELD + 4 {
        h.update(&[0u8; 4]);
        h.update(&blob[CRC_FIELD + 4..]);
    }
    h.finalize()
}

impl Header {
    /// Parse and check the header: magic, version, lengths, CRC, section order.
    ///
    /// `bytes` may be longer than the blob (a flash partition); the blob's own
    /// length comes from the header.
    pub fn parse(bytes: &[u8]) -> Result<Header, Error> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::Truncated { what: "header", need: HEADER_LEN, have: bytes.len() });
        }
        if bytes[0..4] != MAGIC {
            return Err(Error::BadMagic);
        }
        let version = le_u16_at(bytes, 4);
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
        }
        let header_len = le_u16_at(bytes, 6) as usize;
        if header_len != HEADER_LEN {
            return Err(Error::BadField { what: "header length", value: header_len as i64 });
        }
        let total_len = le_u32_at(bytes, 8) as usize;
        if total_len > bytes.len() {
            return Err(Error::Truncated { what: "model blob", need: total_len, have: bytes.len() });
        }
        if total_len < HEADER_LEN {
            return Err(Error::BadField { what: "blob length", value: total_len as i64 });
        }
        let blob = &bytes[..total_len];
        let stored = le_u32_at(blob, CRC_FIELD);
        let computed = blob_crc(blob);
        if stored != computed {
            return Err(Error::CrcMismatch { stored, computed });
        }
        let reserved = le_u16_at(blob, 26);
        if reserved != 0 {
            return Err(Error::BadField { what: "reserved header field", value: reserved as i64 });
        }
        let h = Header {
            total_len,
            crc32: stored,
            n_tensors: le_u16_at(blob, 16) as usize,
            n_ops: le_u16_at(blob, 18) as usize,
            n_kernels: le_u16_at(blob, 20) as usize,
            input: le_u16_at(blob, 22) as usize,
            output: le_u16_at(blob, 24) as usize,
            arena_size: le_u32_at(blob, 28) as usize,
            tensors_off: le_u32_at(blob, 32) as usize,
            ops_off: le_u32_at(blob, 36) as usize,
            kernels_off: le_u32_at(blob, 40) as usize,
            data_off: le_u32_at(blob, 44) as usize,
        };
        h.check_layout()?;
        Ok(h)
    }

    fn check_layout(&self) -> Result<(), Error> {
        if self.tensors_off != HEADER_LEN {
            return Err(Error::BadField { what: "tensor table offset", value: self.tensors_off as i64 });
        }
        let tensors_end = self.tensors_off + self.n_tensors * super::TENSOR_RECORD_LEN;
        if self.ops_off != tensors_end {
            return Err(Error::BadField { what: "op section offset", value: self.ops_off as i64 });
        }
        if self.kernels_off < self.ops_off || self.kernels_off > self.total_len {
            return Err(Error::BadField { what: "kernel section offset", value: self.kernels_off as i64 });
        }
        if self.data_off < self.kernels_off || self.data_off > self.total_len {
            return Err(Error::BadField { what: "data section offset", value: self.data_off as i64 });
        }
        if self.n_tensors == 0 {
            return Err(Error::BadField { what: "tensor count", value: 0 });
        }
        if self.input >= self.n_tensors {
            return Err(Error::OutOfRange { what: "input tensor", index: self.input, limit: self.n_tensors });
        }
        if self.output >= self.n_tensors {
            return Err(Error::OutOfRange { what: "output tensor", index: self.output, limit: self.n_tensors });
        }
        Ok(())
    }
}
