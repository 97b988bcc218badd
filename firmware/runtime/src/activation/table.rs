//! Exact lookup table for int8 inputs: 256 entries per channel set, each the
//! correctly rounded output, so the kernel's only error is the final rounding.

use super::{KernelIo, COMMON_PARAMS};
use crate::dtype::DType;
use crate::format::Record;

/// 256-entry table indexed by `x + 128`.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    entries: &'a [u8],
}

impl<'a> Table<'a> {
    pub(super) fn decode(rec: &Record<'a>, io: &KernelIo) -> Result<Self, &'static str> {
        if rec.n_params() != COMMON_PARAMS + 2 {
            return Err("wrong number of parameters");
        }
        if io.in_dtype != DType::I8 {
            return Err("table kernels take int8 inputs only");
        }
        let entries = rec.data(COMMON_PARAMS, "table entries").map_err(|_| "table entries outside data")?;
        if entries.len() != io.channels * 256 * io.out_dtype.size() {
            return Err("table must hold 256 entries of the output type per channel set");
        }
        Ok(Table { entries })
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, io: &KernelIo) -> i32 {
        io.out_dtype.load(self.entries, c * 256 + (x + 128) as usize)
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.entries.len()
    }
}
