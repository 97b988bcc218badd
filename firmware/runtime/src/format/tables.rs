//! The narrow view of a blob that layers decode from: the tensor table (every
//! entry validated before the view exists), the activation kernel records and
//! the constant data. A layer sees only this — never a half-built `Model` —
//! so a layer can be unit-tested from a tensor table and a record alone.

use super::record::{Record, Records};
use super::tensor::{TensorInfo, TENSOR_RECORD_LEN};
use crate::activation::Activation;
use crate::error::Error;

/// Validated tensor table, kernel section and constant data of one blob.
#[derive(Clone, Copy, Debug)]
pub struct Tables<'a> {
    /// Exactly `n_tensors` entries, each accepted by [`TensorInfo::parse`].
    tensor_table: &'a [u8],
    kernels: &'a [u8],
    n_kernels: usize,
    data: &'a [u8],
}

impl<'a> Tables<'a> {
    /// Check every entry of `tensor_table` (a whole number of 28-byte
    /// entries) and build the view; `kernels` is the kernel section holding
    /// `n_kernels` records, `data` the constant-data section.
    pub fn new(tensor_table: &'a [u8], kernels: &'a [u8], n_kernels: usize, data: &'a [u8]) -> Result<Self, Error> {
        if !tensor_table.len().is_multiple_of(TENSOR_RECORD_LEN) {
            return Err(Error::BadField { what: "tensor table length", value: tensor_table.len() as i64 });
        }
        for (i, entry) in tensor_table.chunks_exact(TENSOR_RECORD_LEN).enumerate() {
            TensorInfo::parse(entry, i)?;
        }
        Ok(Tables { tensor_table, kernels, n_kernels, data })
    }

    /// Number of tensor entries.
    pub fn n_tensors(&self) -> usize {
        self.tensor_table.len() / TENSOR_RECORD_LEN
    }

    /// Number of activation kernel records.
    pub fn n_kernels(&self) -> usize {
        self.n_kernels
    }

    /// Tensor table entry `i` (validated in [`Tables::new`], so decoded
    /// without re-checking).
    pub fn tensor(&self, i: usize) -> Result<TensorInfo, Error> {
        let at = i.saturating_mul(TENSOR_RECORD_LEN);
        match self.tensor_table.get(at..at.saturating_add(TENSOR_RECORD_LEN)) {
            Some(b) => match <&[u8; TENSOR_RECORD_LEN]>::try_from(b) {
                Ok(b) => Ok(TensorInfo::decode_validated(b)),
                Err(_) => Err(Error::OutOfRange { what: "tensor", index: i, limit: self.n_tensors() }),
            },
            None => Err(Error::OutOfRange { what: "tensor", index: i, limit: self.n_tensors() }),
        }
    }

    /// The tensor a record's operand `j` refers to.
    pub fn operand(&self, rec: &Record<'a>, j: usize) -> Result<TensorInfo, Error> {
        self.tensor(rec.tensor(j))
    }

    /// Records of the kernel section.
    pub fn kernel_records(&self) -> Records<'a> {
        Records::new(self.kernels, self.data, self.n_kernels)
    }

    /// Activation kernel `i`.
    pub fn kernel(&self, i: usize) -> Result<Activation<'a>, Error> {
        match self.kernel_records().nth(i) {
            Some(rec) => Activation::decode(&rec?, i),
            None => Err(Error::OutOfRange { what: "activation kernel", index: i, limit: self.n_kernels }),
        }
    }

    /// The constant-data section.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}
