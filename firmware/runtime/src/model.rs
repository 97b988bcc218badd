//! A model blob, validated completely before first use and then read in place.

use crate::activation::Activation;
use crate::error::Error;
use crate::format::{Header, Records, Tables, TensorInfo, LIFETIME_OPEN};
use crate::ops::{Check, Op, OpKind};

/// A validated model borrowing its blob (flash or a host buffer).
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    blob: &'a [u8],
    header: Header,
    /// What layers decode from (tensor table validated before any op is seen).
    tables: Tables<'a>,
}

impl<'a> Model<'a> {
    /// Parse and validate a blob: header and CRC, every tensor, kernel and op
    /// record, the graph order, worst-case accumulators, and the arena plan.
    /// `bytes` may extend past the blob (e.g. a whole flash partition).
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Model<'a>, Error> {
        let header = Header::parse(bytes)?;
        let blob = &bytes[..header.total_len];
        let section = |start: usize, end: usize, what| {
            blob.get(start..end).ok_or(Error::Truncated { what, need: end, have: blob.len() })
        };
        let tables = Tables::new(
            section(header.tensors_off, header.ops_off, "tensor table")?,
            section(header.kernels_off, header.data_off, "kernel section")?,
            header.n_kernels,
            section(header.data_off, header.total_len, "data section")?,
        )?;
        let model = Model { blob, header, tables };
        model.check_section(model.kernel_records(), header.kernels_off, header.data_off, "kernel section")?;
        for (i, rec) in model.kernel_records().enumerate() {
            Activation::decode(&rec?, i)?;
        }
        model.check_section(model.op_records(), header.ops_off, header.kernels_off, "op section")?;
        for (i, rec) in model.op_records().enumerate() {
            Op::decode(&rec?, i, &model.tables, Check::Full)?;
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
        self.tables.tensor(i)
    }

    /// The validated tables layers decode from.
    pub fn tables(&self) -> &Tables<'a> {
        &self.tables
    }

    /// The graph input and output tensors.
    pub fn input(&self) -> Result<TensorInfo, Error> {
        self.tensor(self.header.input)
    }
    pub fn output(&self) -> Result<TensorInfo, Error> {
        self.tensor(self.header.output)
    }

    /// Records of the op section.
    pub fn op_records(&self) -> Records<'a> {
        Records::new(&self.blob[self.header.ops_off..self.header.kernels_off], self.tables.data(), self.header.n_ops)
    }

    /// Records of the kernel section.
    pub fn kernel_records(&self) -> Records<'a> {
        self.tables.kernel_records()
    }

    /// Activation kernel `i`.
    pub fn kernel(&self, i: usize) -> Result<Activation<'a>, Error> {
        self.tables.kernel(i)
    }

    /// Decoded op `i` (light check: the blob was fully validated at load).
    pub fn op(&self, i: usize) -> Result<Op<'a>, Error> {
        match self.op_records().nth(i) {
            Some(rec) => Op::decode(&rec?, i, &self.tables, Check::Light),
            None => Err(Error::OutOfRange { what: "operator", index: i, limit: self.header.n_ops }),
        }
    }

    /// Iterate decoded ops in execution order.
    pub fn ops(&self) -> impl Iterator<Item = Result<Op<'a>, Error>> + '_ {
        self.op_records().enumerate().map(move |(i, rec)| Op::decode(&rec?, i, &self.tables, Check::Light))
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
