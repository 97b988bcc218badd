//! `ModelBuilder`: declare tensors, kernels and ops in execution order, then
//! `finish()` plans the arena, serializes, and validates the result with the
//! runtime's own loader (so a builder can never emit a blob the runtime refuses).

use super::kernels::{KernelDef, KernelId};
use super::planner::{plan_arena, Lifetime};
use super::quant::requant_params;
use crate::dtype::DType;
use crate::error::Error;
use crate::format::header::{blob_crc, CRC_FIELD};
use crate::format::{Quant, FORMAT_VERSION, HEADER_LEN, LIFETIME_OPEN, MAGIC, MAX_RANK, TENSOR_RECORD_LEN};
use crate::model::Model;
use crate::ops::OpKind;
use alloc::vec::Vec;

/// Index of a tensor added to a builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorId(pub u16);

/// Weights and output stage of a Dense / Conv / Depthwise layer.
#[derive(Clone, Copy, Debug)]
pub struct WeightedDef<'w> {
    /// Layer-specific layout (see the layer's docs).
    pub weights: &'w [i8],
    /// One per output channel.
    pub bias: &'w [i32],
    /// Per output channel, or a single entry for the whole tensor.
    pub multipliers: &'w [i32],
    pub shifts: &'w [i32],
    /// Output clamp; `None` = the output type's range.
    pub clamp: Option<(i32, i32)>,
    /// Fused activation applied after requantization.
    pub kernel: Option<KernelId>,
}

/// Convolution geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    pub window: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// top, left, bottom, right
    pub pad: [usize; 4],
}

impl ConvGeom {
    /// `kh × kw`, stride 1, no dilation, no padding.
    pub fn valid(kh: usize, kw: usize) -> ConvGeom {
        ConvGeom { window: [kh, kw], stride: [1, 1], dilation: [1, 1], pad: [0; 4] }
    }
}

/// Pooling geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeom {
    pub window: [usize; 2],
    pub stride: [usize; 2],
    pub pad: [usize; 4],
}

#[derive(Clone, Debug)]
struct TensorDef {
    dtype: DType,
    dims: Vec<usize>,
    quant: Quant,
}

#[derive(Clone, Debug)]
struct RecordBuf {
    tag: u8,
    tensors: Vec<u16>,
    params: Vec<i32>,
}

impl RecordBuf {
    fn write(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend([self.tag, self.tensors.len() as u8, self.params.len() as u8, 0]);
        for t in &self.tensors {
            out.extend(t.to_le_bytes());
        }
        while !(out.len() - start).is_multiple_of(4) {
            out.push(0);
        }
        for p in &self.params {
            out.extend(p.to_le_bytes());
        }
    }
}

/// Builds a model blob.
#[derive(Clone, Debug, Default)]
pub struct ModelBuilder {
    tensors: Vec<TensorDef>,
    ops: Vec<RecordBuf>,
    kernels: Vec<RecordBuf>,
    data: Vec<u8>,
    input: Option<TensorId>,
    output: Option<TensorId>,
    problems: Vec<&'static str>,
}

/// Alignment of constant arrays in the data section.
const DATA_ALIGN: usize = 8;

impl ModelBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declare a tensor (channels-last dims, batch omitted).
    pub fn tensor(&mut self, dtype: DType, dims: &[usize], quant: Quant) -> TensorId {
        self.tensors.push(TensorDef { dtype, dims: dims.to_vec(), quant });
        TensorId((self.tensors.len() - 1) as u16)
    }

    /// Type and quantization of a declared tensor.
    /// Dims of tensor `t` as declared.
    pub fn dims(&self, t: TensorId) -> &[usize] {
        &self.tensors[t.0 as usize].dims
    }

    /// Type and quantization of tensor `t`.
    pub fn tensor_type(&self, t: TensorId) -> (DType, Quant) {
        let d = &self.tensors[t.0 as usize];
        (d.dtype, d.quant)
    }

    /// Mark the graph input / output.
    pub fn set_input(&mut self, t: TensorId) -> &mut Self {
        self.input = Some(t);
        self
    }
    pub fn set_output(&mut self, t: TensorId) -> &mut Self {
        self.output = Some(t);
        self
    }

    pub(crate) fn push_data(&mut self, bytes: &[u8]) -> (i32, i32) {
        while !self.data.len().is_multiple_of(DATA_ALIGN) {
            self.data.push(0);
        }
        let off = self.data.len();
        self.data.extend_from_slice(bytes);
        (off as i32, bytes.len() as i32)
    }

    pub(crate) fn push_i32s(&mut self, v: &[i32]) -> (i32, i32) {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.push_data(&bytes)
    }

    /// Add an activation kernel.
    pub fn kernel(&mut self, k: &KernelDef) -> KernelId {
        let mut data = core::mem::take(&mut self.data);
        let params = k.params(&mut |b: &[u8]| {
            while !data.len().is_multiple_of(DATA_ALIGN) {
                data.push(0);
            }
            let off = data.len();
            data.extend_from_slice(b);
            (off as i32, b.len() as i32)
        });
        self.data = data;
        self.kernels.push(RecordBuf { tag: k.kind() as u8, tensors: Vec::new(), params });
        KernelId((self.kernels.len() - 1) as u16)
    }

    pub(crate) fn op(&mut self, kind: OpKind, tensors: &[TensorId], params: Vec<i32>) -> &mut Self {
        self.ops.push(RecordBuf { tag: kind as u8, tensors: tensors.iter().map(|t| t.0).collect(), params });
        self
    }

    pub(crate) fn weighted_params(&mut self, y: TensorId, w: &WeightedDef) -> Vec<i32> {
        let wb: Vec<u8> = w.weights.iter().map(|&v| v as u8).collect();
        self.weighted_params_with(y, w, &wb)
    }

    /// [`Self::weighted_params`] with the weight array given as its bytes.
    pub(crate) fn weighted_params_with(&mut self, y: TensorId, w: &WeightedDef, weight_bytes: &[u8]) -> Vec<i32> {
        let mut p = Vec::new();
        let (o, l) = self.push_data(weight_bytes);
        p.extend([o, l]);
        let (o, l) = self.push_i32s(w.bias);
        p.extend([o, l]);
        let (o, l) = self.push_i32s(w.multipliers);
        p.extend([o, l]);
        let (o, l) = self.push_i32s(w.shifts);
        p.extend([o, l]);
        let dt = self.tensors[y.0 as usize].dtype;
        let (lo, hi) = w.clamp.unwrap_or((dt.min(), dt.max()));
        p.extend([lo, hi, w.kernel.map_or(-1, |k| k.0 as i32)]);
        p
    }

    pub(crate) fn geom_params(p: &mut Vec<i32>, g: &ConvGeom) {
        p.extend(g.window.iter().chain(&g.stride).chain(&g.dilation).chain(&g.pad).map(|&v| v as i32));
    }

    /// Record why the blob cannot be written; `finish` reports it.
    pub(crate) fn problem(&mut self, why: &'static str) {
        self.problems.push(why);
    }

    pub(crate) fn rescale(&mut self, factor: f64) -> (i32, i32) {
        requant_params(factor).unwrap_or_else(|| {
            self.problems.push("a rescale factor is not representable as multiplier and shift");
            (0, 0)
        })
    }

    fn bytes_of(&self, t: usize) -> usize {
        let d = &self.tensors[t];
        d.dims.iter().product::<usize>() * d.dtype.size()
    }

    /// Lifetimes from the op list, with in-place aliasing for elementwise ops
    /// whose input dies there (never the graph input or output).
    fn lifetimes(&self, input: usize, output: usize) -> Result<Vec<Lifetime>, Error> {
        let n_ops = self.ops.len() as i64;
        let mut lts: Vec<Lifetime> = (0..self.tensors.len())
            .map(|t| Lifetime { bytes: self.bytes_of(t), first: i64::MAX, last: -1, alias_of: None })
            .collect();
        lts[input].first = -1;
        for (k, op) in self.ops.iter().enumerate() {
            let (out, ins) = op.tensors.split_last().ok_or(Error::InvalidOp { op: k, reason: "no tensors" })?;
            for &i in ins {
                let l = lts.get_mut(i as usize).ok_or(Error::OutOfRange {
                    what: "tensor",
                    index: i as usize,
                    limit: self.tensors.len(),
                })?;
                l.last = l.last.max(k as i64);
            }
            let l = lts.get_mut(*out as usize).ok_or(Error::OutOfRange {
                what: "tensor",
                index: *out as usize,
                limit: self.tensors.len(),
            })?;
            l.first = l.first.min(k as i64);
        }
        for (t, l) in lts.iter_mut().enumerate() {
            if l.first == i64::MAX {
                return Err(Error::InvalidGraph { tensor: t, reason: "is never written" });
            }
            l.last = if t == output { n_ops } else { l.last.max(l.first) };
        }
        for (k, op) in self.ops.iter().enumerate() {
            let kind = OpKind::from_tag(op.tag)?;
            if !kind.may_alias() || op.tensors.len() != 2 {
                continue;
            }
            let (i, o) = (op.tensors[0] as usize, op.tensors[1] as usize);
            let same = self.tensors[i].dtype == self.tensors[o].dtype && lts[i].bytes == lts[o].bytes;
            if same && lts[i].last == k as i64 && i != input && o != output && i != output {
                lts[o].alias_of = Some(i);
            }
        }
        Ok(lts)
    }

    /// Plan, serialize and validate. Errors are the runtime's own validation errors.
    pub fn finish(&self) -> Result<Vec<u8>, Error> {
        if let Some(p) = self.problems.first() {
            return Err(Error::BadField { what: p, value: 0 });
        }
        let input = self.input.ok_or(Error::BadField { what: "graph input (not set)", value: -1 })?.0 as usize;
        let output = self.output.ok_or(Error::BadField { what: "graph output (not set)", value: -1 })?.0 as usize;
        let lts = self.lifetimes(input, output)?;
        let (offsets, arena) = plan_arena(&lts);
        let n_ops = self.ops.len() as i64;

        let mut blob = alloc::vec![0u8; HEADER_LEN];
        for (t, d) in self.tensors.iter().enumerate() {
            if d.dims.is_empty() || d.dims.len() > MAX_RANK || d.dims.iter().any(|&v| v == 0 || v > u16::MAX as usize) {
                return Err(Error::InvalidTensor { tensor: t, reason: "rank must be 1..=4 and dims 1..=65535" });
            }
            let start = blob.len();
            blob.extend([d.dtype as u8, d.dims.len() as u8, 0, 0]);
            for i in 0..MAX_RANK {
                blob.extend((*d.dims.get(i).unwrap_or(&1) as u16).to_le_bytes());
            }
            blob.extend(d.quant.zero_point.to_le_bytes());
            blob.extend(d.quant.scale.to_le_bytes());
            blob.extend((offsets[t] as u32).to_le_bytes());
            let first = if lts[t].first < 0 { LIFETIME_OPEN } else { lts[t].first as u16 };
            let last = if lts[t].last >= n_ops { LIFETIME_OPEN } else { lts[t].last as u16 };
            blob.extend(first.to_le_bytes());
            blob.extend(last.to_le_bytes());
            debug_assert_eq!(blob.len() - start, TENSOR_RECORD_LEN);
        }
        let ops_off = blob.len();
        for r in &self.ops {
            r.write(&mut blob);
        }
        let kernels_off = blob.len();
        for r in &self.kernels {
            r.write(&mut blob);
        }
        // Every section before is a multiple of 4 bytes, so data is 4-aligned.
        let data_off = blob.len();
        blob.extend_from_slice(&self.data);

        let fields: [(usize, u32); 11] = [
            (8, blob.len() as u32),
            (16, self.tensors.len() as u32 | (self.ops.len() as u32) << 16),
            (20, self.kernels.len() as u32 | (input as u32) << 16),
            (24, output as u32),
            (28, arena as u32),
            (32, HEADER_LEN as u32),
            (36, ops_off as u32),
            (40, kernels_off as u32),
            (44, data_off as u32),
            (0, u32::from_le_bytes(MAGIC)),
            (4, FORMAT_VERSION as u32 | (HEADER_LEN as u32) << 16),
        ];
        for (at, v) in fields {
            blob[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        let crc = blob_crc(&blob);
        blob[CRC_FIELD..CRC_FIELD + 4].copy_from_slice(&crc.to_le_bytes());
        Model::from_bytes(&blob)?;
        Ok(blob)
    }
}

/// A one-op model applying kernel `k` to a `[channels]` tensor: the smallest
/// blob through which a device (or a code generator) sees a kernel exactly as
/// it decodes it from a real model. Kernel 0 of the result is `k`.
pub fn kernel_model(k: &KernelDef, channels: usize, in_q: Quant, out_q: Quant) -> Result<Vec<u8>, Error> {
    let mut b = ModelBuilder::new();
    let kid = b.kernel(k);
    let x = b.tensor(k.io().in_dtype, &[channels], in_q);
    let y = b.tensor(k.io().out_dtype, &[channels], out_q);
    b.activation(x, y, kid).set_input(x).set_output(y);
    b.finish()
}
