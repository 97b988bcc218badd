//! A model blob, validated completely before first use and then read in place.

use crate::error::Error;
use crate::format::{Header, Record, TensorInfo, LIFETIME_OPEN, TENSOR_RECORD_LEN};
use crate::kernels::Activation;
use crate::ops::{Check, Op, OpKind};

/// A validated model borrowing its blob (flash or a host buffer).
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    blob: &'a [u8],
    header: Header,
    /// Set once every tensor entry has passed full validation.
    tensors_validated: bool,
}

/// Iterator over the records of one section.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    rest: &'a [u8],
    data: &'a [u8],
    left: usize,
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
                self.rest = &self.rest[len..];
                Some(Ok(rec))
            }
            Err(e) => {
                self.left = 0;
                Some(Err(e))
            }
        }
    }
}

impl<'a> Model<'a> {
    /// Parse and validate a blob: header and CRC, every tensor, kernel and op
    /// record, the graph order, worst-case accumulators, and the arena plan.
    /// `bytes` may extend past the blob (e.g. a whole flash partition).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Model<'a>, Error> {
        let header = Header::parse(bytes)?;
        let mut model = Model { blob: &bytes[..header.total_len], header, tensors_validated: false };
        for t in 0..header.n_tensors {
            model.tensor(t)?;
        }
        model.tensors_validated = true;
        model.check_section(model.kernel_records(), header.kernels_off, header.data_off, "kernel section")?;
        for (i, rec) in model.kernel_records().enumerate() {
            Activation::decode(&rec?, i)?;
        }
        model.check_section(model.op_records(), header.ops_off, header.kernels_off, "op section")?;
        for (i, rec) in model.op_records().enumerate() {
            Op::decode(&rec?, i, &model, Check::Full)?;
        }
        model.check_lifetimes()?;
        model.check_arena()?;
        Ok(model)
    }

    /// The records of a section must exactly fill it.
    fn check_section(&self, recs: Records<'a>, start: usize, end: usize, what: &'static str) -> Result<(), Error> {
        let mut used = 0;
        for rec in recs {
            let rec = rec?;
            used += crate::format::record::record_len(rec.n_tensors(), rec.n_params());
        }
        if start + used != end {
            return Err(Error::BadField { what, value: (end as i64) - (start + used) as i64 });
        }
        Ok(())
    }

    /// The parsed header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The blob bytes (exactly `header().total_len`).
    pub fn blob(&self) -> &'a [u8] {
        self.blob
    }

    /// Arena bytes an inference needs (exact: the planner's high-water mark).
    pub fn arena_size(&self) -> usize {
        self.header.arena_size
    }

    /// Number of tensors / ops / kernels.
    pub fn n_tensors(&self) -> usize {
        self.header.n_tensors
    }
    pub fn n_ops(&self) -> usize {
        self.header.n_ops
    }
    pub fn n_kernels(&self) -> usize {
        self.header.n_kernels
    }

    /// Tensor table entry `i`.
    pub fn tensor(&self, i: usize) -> Result<TensorInfo, Error> {
        if i >= self.header.n_tensors {
            return Err(Error::OutOfRange { what: "tensor", index: i, limit: self.header.n_tensors });
        }
        let at = self.header.tensors_off + i * TENSOR_RECORD_LEN;
        match self.blob.get(at..at + TENSOR_RECORD_LEN).and_then(|b| <&[u8; TENSOR_RECORD_LEN]>::try_from(b).ok()) {
            // Every entry was checked by `TensorInfo::parse` in `from_bytes`.
            Some(b) if self.tensors_validated => Ok(TensorInfo::decode_validated(b)),
            Some(b) => TensorInfo::parse(b, i),
            None => Err(Error::Truncated { what: "tensor table", need: at + TENSOR_RECORD_LEN, have: self.blob.len() }),
        }
    }

    /// The graph input and output tensors.
    pub fn input(&self) -> Result<TensorInfo, Error> {
        self.tensor(self.header.input)
    }
    pub fn output(&self) -> Result<TensorInfo, Error> {
        self.tensor(self.header.output)
    }

    fn data(&self) -> &'a [u8] {
        &self.blob[self.header.data_off..]
    }

    /// Records of the op section.
    pub fn op_records(&self) -> Records<'a> {
        Records {
            rest: &self.blob[self.header.ops_off..self.header.kernels_off],
            data: self.data(),
            left: self.header.n_ops,
        }
    }

    /// Records of the kernel section.
    pub fn kernel_records(&self) -> Records<'a> {
        Records {
            rest: &self.blob[self.header.kernels_off..self.header.data_off],
            data: self.data(),
            left: self.header.n_kernels,
        }
    }

    /// Activation kernel `i`.
    pub fn kernel(&self, i: usize) -> Result<Activation<'a>, Error> {
        match self.kernel_records().nth(i) {
            Some(rec) => Activation::decode(&rec?, i),
            None => Err(Error::OutOfRange { what: "activation kernel", index: i, limit: self.header.n_kernels }),
        }
    }

    /// Decoded op `i` (light check: the blob was fully validated at load).
    pub fn op(&self, i: usize) -> Result<Op<'a>, Error> {
        match self.op_records().nth(i) {
            Some(rec) => Op::decode(&rec?, i, self, Check::Light),
            None => Err(Error::OutOfRange { what: "operator", index: i, limit: self.header.n_ops }),
        }
    }

    /// Iterate decoded ops in execution order.
    pub fn ops(&self) -> impl Iterator<Item = Result<Op<'a>, Error>> + '_ {
        self.op_records().enumerate().map(move |(i, rec)| Op::decode(&rec?, i, self, Check::Light))
    }

    /// Live interval of tensor `t` as planned: `(first, last)` op indices, with
    /// the graph input born at −1 and the graph output alive until `n_ops`.
    pub fn lifetime(&self, t: &TensorInfo) -> (i64, i64) {
        let first = if t.first_op == LIFETIME_OPEN { -1 } else { t.first_op as i64 };
        let last = if t.last_op == LIFETIME_OPEN { self.header.n_ops as i64 } else { t.last_op as i64 };
        (first, last)
    }

    /// Re-derive every tensor's producer and last reader from the ops and
    /// compare with the planned lifetimes; this also proves the op order is
    /// topological and every tensor is written exactly once.
    fn check_lifetimes(&self) -> Result<(), Error> {
        let n_ops = self.header.n_ops;
        for ti in 0..self.header.n_tensors {
            let (mut first, mut last): (Option<i64>, i64) = (None, -1);
            if ti == self.header.input {
                first = Some(-1);
            }
            for (k, rec) in self.op_records().enumerate() {
                let rec = rec?;
                let nt = rec.n_tensors();
                for j in 0..nt {
                    if rec.tensor(j) != ti {
                        continue;
                    }
                    if j + 1 == nt {
                        if first.is_some() {
                            return Err(Error::InvalidGraph { tensor: ti, reason: "is written more than once" });
                        }
                        first = Some(k as i64);
                    } else {
                        if first.is_none() {
                            return Err(Error::InvalidGraph { tensor: ti, reason: "is read before it is written" });
                        }
                        last = k as i64;
                    }
                }
            }
            let Some(first) = first else {
                return Err(Error::InvalidGraph { tensor: ti, reason: "is never written" });
            };
            let last = if ti == self.header.output { n_ops as i64 } else { last.max(first) };
            let t = self.tensor(ti)?;
            if self.lifetime(&t) != (first, last) {
                return Err(Error::InvalidGraph {
                    tensor: ti,
                    reason: "has a planned lifetime that does not match the ops",
                });
            }
        }
        Ok(())
    }

    /// Every tensor inside the declared arena, the declaration exact, and no
    /// two simultaneously live tensors sharing bytes (except an elementwise op
    /// writing over its dying input in place).
    fn check_arena(&self) -> Result<(), Error> {
        let mut high = 0;
        for a in 0..self.header.n_tensors {
            let ta = self.tensor(a)?;
            let end = ta.offset.saturating_add(ta.bytes());
            if end > self.header.arena_size {
                return Err(Error::ArenaTooSmall { need: end, have: self.header.arena_size });
            }
            high = high.max(end);
            let (fa, la) = self.lifetime(&ta);
            for b in a + 1..self.header.n_tensors {
                let tb = self.tensor(b)?;
                let (fb, lb) = self.lifetime(&tb);
                let bytes_overlap = ta.offset < tb.offset + tb.bytes() && tb.offset < ta.offset + ta.bytes();
                let live_overlap = fa <= lb && fb <= la;
                if bytes_overlap && live_overlap && !self.is_in_place(a, &ta, b, &tb)? {
                    return Err(Error::ArenaOverlap { a, b });
                }
            }
        }
        if high != self.header.arena_size {
            return Err(Error::BadField { what: "declared arena size", value: self.header.arena_size as i64 });
        }
        Ok(())
    }

    /// Whether `a`/`b` are the input/output of one in-place elementwise op at
    /// which the input dies, with identical placement.
    fn is_in_place(&self, a: usize, ta: &TensorInfo, b: usize, tb: &TensorInfo) -> Result<bool, Error> {
        if ta.offset != tb.offset || ta.bytes() != tb.bytes() {
            return Ok(false);
        }
        let (fa, la) = self.lifetime(ta);
        let (fb, lb) = self.lifetime(tb);
        let (src, dst, at) = if la == fb {
            (a, b, fb)
        } else if lb == fa {
            (b, a, fa)
        } else {
            return Ok(false);
        };
        if at < 0 || at as usize >= self.header.n_ops {
            return Ok(false);
        }
        let Some(rec) = self.op_records().nth(at as usize) else {
            return Ok(false);
        };
        let rec = rec?;
        let kind = OpKind::from_tag(rec.tag)?;
        Ok(kind.may_alias() && rec.n_tensors() == 2 && rec.tensor(0) == src && rec.tensor(1) == dst)
    }
}
