//! The one record layout shared by operators and activation kernels.
//!
//! ```text
//! tag u8 | n_tensors u8 | n_params u8 | reserved u8 (=0)
//! tensor indices: n_tensors × u16, padded to a multiple of 4 bytes
//! params: n_params × i32
//! ```
//! Parameters are plain integers; a constant array is a pair of params
//! `(offset, length)` into the data section, resolved by [`Record::data`].

use crate::dtype::{le_i32, le_u16_at};
use crate::error::Error;

/// A record borrowed from the blob.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub tag: u8,
    tensors: &'a [u8],
    params: &'a [u8],
    data: &'a [u8],
}

/// Size in bytes of a record with the given counts.
pub const fn record_len(n_tensors: usize, n_params: usize) -> usize {
    4 + (2 * n_tensors).div_ceil(4) * 4 + 4 * n_params
}

impl<'a> Record<'a> {
    /// Parse the record at the start of `bytes`; returns it and its length.
    /// `data` is the blob's constant-data section.
    pub fn parse(bytes: &'a [u8], data: &'a [u8]) -> Result<(Record<'a>, usize), Error> {
        if bytes.len() < 4 {
            return Err(Error::Truncated { what: "record header", need: 4, have: bytes.len() });
        }
        let (tag, nt, np) = (bytes[0], bytes[1] as usize, bytes[2] as usize);
        if bytes[3] != 0 {
            return Err(Error::BadField { what: "record reserved byte", value: bytes[3] as i64 });
        }
        let len = record_len(nt, np);
        if bytes.len() < len {
            return Err(Error::Truncated { what: "record", need: len, have: bytes.len() });
        }
        let tpad = (2 * nt).div_ceil(4) * 4;
        let tensors = &bytes[4..4 + 2 * nt];
        if bytes[4 + 2 * nt..4 + tpad].iter().any(|&b| b != 0) {
            return Err(Error::BadField { what: "record padding", value: 1 });
        }
        let params = &bytes[4 + tpad..len];
        Ok((Record { tag, tensors, params, data }, len))
    }

    /// Number of tensor references.
    pub fn n_tensors(&self) -> usize {
        self.tensors.len() / 2
    }

    /// Number of integer parameters.
    pub fn n_params(&self) -> usize {
        self.params.len() / 4
    }

    /// Tensor reference `i` (unchecked against the tensor table here).
    pub fn tensor(&self, i: usize) -> usize {
        le_u16_at(self.tensors, 2 * i) as usize
    }

    /// Parameter `i` (0 if absent; counts are validated by each decoder).
    pub fn param(&self, i: usize) -> i32 {
        le_i32(self.params, i)
    }

    /// Parameter `i` checked to lie in `lo..=hi`.
    pub fn param_in(&self, i: usize, lo: i32, hi: i32, what: &'static str) -> Result<i32, Error> {
        let v = self.param(i);
        if v < lo || v > hi {
            return Err(Error::BadField { what, value: v as i64 });
        }
        Ok(v)
    }

    /// The constant-data slice referenced by params `i` (offset) and `i + 1` (length).
    pub fn data(&self, i: usize, what: &'static str) -> Result<&'a [u8], Error> {
        let off = self.param(i);
        let len = self.param(i + 1);
        if off < 0 || len < 0 {
            return Err(Error::BadField { what, value: off.min(len) as i64 });
        }
        let (off, len) = (off as usize, len as usize);
        match self.data.get(off..off + len) {
            Some(s) => Ok(s),
            None => Err(Error::Truncated { what, need: off + len, have: self.data.len() }),
        }
    }

    /// Require exactly `nt` tensors and `np` params.
    pub fn expect_counts(&self, nt: usize, np: usize) -> Result<(), &'static str> {
        if self.n_tensors() != nt {
            return Err("wrong number of tensor operands");
        }
        if self.n_params() != np {
            return Err("wrong number of parameters");
        }
        Ok(())
    }
}

/// Iterator over the records of one section; stops at the first bad record.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    rest: &'a [u8],
    data: &'a [u8],
    left: usize,
}

impl<'a> Records<'a> {
    /// The `count` records at the start of `section`, whose constant
    /// references resolve into `data`.
    pub fn new(section: &'a [u8], data: &'a [u8], count: usize) -> Self {
        Records { rest: section, data, left: count }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        match Record::parse(self.rest, self.data) {
            Ok((rec, len)) => {
                self.rest = self.rest.get(len..).unwrap_or(&[]);
                Some(Ok(rec))
            }
            Err(e) => {
                self.left = 0;
                Some(Err(e))
            }
        }
    }
}
