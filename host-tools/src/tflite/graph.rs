//! The importer's view of one TFLite subgraph: its tensors (type, shape,
//! quantization, constant bytes) and the polyact tensors made from them.
//!
//! TFLite tensors carry a leading batch dimension; polyact runs one sample
//! per inference, so a batch of 1 is dropped and any other is refused.

use super::schema::{Buffer, Model, Operator, SubGraph, Tensor};
use anyhow::{bail, Context, Result};
use polyact::writer::{ModelBuilder, TensorId};
use polyact::{DType, Quant};
use std::collections::HashMap;

/// TFLite `TensorType` codes the importer meets.
pub const TYPE_FLOAT32: i8 = 0;
pub const TYPE_INT32: i8 = 2;
pub const TYPE_INT64: i8 = 4;
pub const TYPE_INT16: i8 = 7;
pub const TYPE_INT8: i8 = 9;

/// A TFLite tensor's quantization: one scale and zero point per tensor, or
/// per channel along `axis`.
#[derive(Clone, Debug, PartialEq)]
pub struct TfQuant {
    pub scales: Vec<f32>,
    pub zero_points: Vec<i64>,
    pub axis: usize,
}

/// One subgraph being imported.
pub struct Graph<'a> {
    file: &'a [u8],
    tensors: Vec<Tensor<'a>>,
    buffers: Vec<Buffer<'a>>,
    pub b: ModelBuilder,
    ids: HashMap<usize, TensorId>,
    /// The operator being imported, for error messages.
    pub op_index: usize,
}

impl<'a> Graph<'a> {
    pub fn new(file: &'a [u8], model: &Model<'a>, sg: &SubGraph<'a>) -> Self {
        Graph {
            file,
            tensors: sg.tensors(),
            buffers: model.buffers(),
            b: ModelBuilder::new(),
            ids: HashMap::new(),
            op_index: 0,
        }
    }

    /// Tensor `i` of the subgraph.
    pub fn tensor(&self, i: i32) -> Result<Tensor<'a>> {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.tensors.get(i).copied())
            .with_context(|| format!("operator {}: tensor index {i} is out of range", self.op_index))
    }

    /// `"tensor 7 'name'"`, for messages.
    pub fn describe(&self, i: i32) -> String {
        match self.tensor(i) {
            Ok(t) if !t.name().is_empty() => format!("tensor {i} '{}'", t.name()),
            _ => format!("tensor {i}"),
        }
    }

    /// Operand `j` of `op` (an index into the subgraph's tensors).
    pub fn operand(&self, op: &Operator<'a>, j: usize) -> Result<i32> {
        match op.inputs().get(j) {
            Some(&i) if i >= 0 => Ok(i),
            _ => bail!("operator {}: input {j} is missing", self.op_index),
        }
    }

    /// Optional operand `j` (`-1` or absent means none).
    pub fn optional_operand(&self, op: &Operator<'a>, j: usize) -> Option<i32> {
        op.inputs().get(j).copied().filter(|&i| i >= 0)
    }

    /// The single output of `op`.
    pub fn output(&self, op: &Operator<'a>) -> Result<i32> {
        match op.outputs()[..] {
            [o] if o >= 0 => Ok(o),
            ref outs => bail!("operator {}: expected one output, found {}", self.op_index, outs.len()),
        }
    }

    /// The shape with a batch of 1 dropped (rank ≥ 2).
    pub fn dims(&self, i: i32) -> Result<Vec<usize>> {
        let t = self.tensor(i)?;
        let shape = t.shape();
        let mut dims = Vec::with_capacity(shape.len());
        for &d in &shape {
            match usize::try_from(d) {
                Ok(d) if d > 0 => dims.push(d),
                _ => bail!(
                    "{}: dimension {d} in shape {shape:?} (dynamic or empty shapes are not supported)",
                    self.describe(i)
                ),
            }
        }
        if dims.len() >= 2 {
            if dims[0] != 1 {
                bail!(
                    "{}: batch {} (polyact runs one sample per inference: export with batch 1)",
                    self.describe(i),
                    dims[0]
                );
            }
            dims.remove(0);
        }
        Ok(dims)
    }

    /// The raw TFLite shape (batch included).
    pub fn shape(&self, i: i32) -> Result<Vec<i32>> {
        Ok(self.tensor(i)?.shape())
    }

    /// The tensor's quantization parameters, if it has any.
    pub fn quant(&self, i: i32) -> Result<Option<TfQuant>> {
        let t = self.tensor(i)?;
        let Some(q) = t.quantization() else { return Ok(None) };
        let (scales, zero_points) = (q.scale(), q.zero_point());
        if scales.is_empty() {
            return Ok(None);
        }
        if zero_points.len() != scales.len() && !(zero_points.is_empty()) {
            bail!("{}: {} scales but {} zero points", self.describe(i), scales.len(), zero_points.len());
        }
        if let Some(s) = scales.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            bail!("{}: scale {s} is not positive and finite", self.describe(i));
        }
        let zero_points = if zero_points.is_empty() { vec![0; scales.len()] } else { zero_points };
        let axis = usize::try_from(q.quantized_dimension()).unwrap_or(usize::MAX);
        Ok(Some(TfQuant { scales, zero_points, axis }))
    }

    /// The activation type and per-tensor quantization of an activation tensor.
    pub fn act_type(&self, i: i32) -> Result<(DType, Quant)> {
        let t = self.tensor(i)?;
        let dtype = match t.type_code() {
            TYPE_INT8 => DType::I8,
            TYPE_INT16 => DType::I16,
            TYPE_FLOAT32 => bail!(
                "{} is float32: polyact imports integer-quantized TFLite models (convert with full-integer quantization, e.g. \
                 `converter.optimizations = [tf.lite.Optimize.DEFAULT]` and a representative dataset)",
                self.describe(i)
            ),
            3 => bail!("{} is uint8: only int8 and int16 TFLite quantization is supported", self.describe(i)),
            c => bail!("{} has TFLite type {c}: polyact activations are int8 or int16", self.describe(i)),
        };
        let q = self.quant(i)?.with_context(|| format!("{} has no quantization parameters", self.describe(i)))?;
        if q.scales.len() != 1 {
            bail!("{}: activations need one scale per tensor, found {}", self.describe(i), q.scales.len());
        }
        let zp = q.zero_points[0];
        if zp < dtype.min() as i64 || zp > dtype.max() as i64 {
            bail!("{}: zero point {zp} outside its type", self.describe(i));
        }
        Ok((dtype, Quant { scale: q.scales[0], zero_point: zp as i32 }))
    }

    /// The constant bytes of a tensor, with the byte count its type and
    /// shape imply checked.
    pub fn constant_bytes(&self, i: i32, elem_size: usize) -> Result<&'a [u8]> {
        let t = self.tensor(i)?;
        if t.is_sparse() {
            bail!("{} is sparse: sparse TFLite tensors are not supported", self.describe(i));
        }
        let buf = self
            .buffers
            .get(t.buffer() as usize)
            .with_context(|| format!("{}: buffer {} is out of range", self.describe(i), t.buffer()))?;
        let bytes = match (buf.data(), buf.external()) {
            (Some(d), _) if !d.is_empty() => d,
            (_, Some((offset, size))) => usize::try_from(offset)
                .ok()
                .zip(usize::try_from(size).ok())
                .and_then(|(o, s)| self.file.get(o..o.checked_add(s)?))
                .with_context(|| {
                    format!("{}: its data at byte {offset} (+{size}) lies outside the file", self.describe(i))
                })?,
            _ => bail!("{} has no constant data (is it computed at run time?)", self.describe(i)),
        };
        let n: usize = t.shape().iter().map(|&d| d.max(0) as usize).product();
        if bytes.len() != n * elem_size {
            bail!("{}: {} bytes of data for {n} elements of {elem_size} bytes", self.describe(i), bytes.len());
        }
        Ok(bytes)
    }

    /// Constant int8 values (weights), with their zero points required 0.
    pub fn weights_i8(&self, i: i32) -> Result<Vec<i8>> {
        let t = self.tensor(i)?;
        if t.type_code() != TYPE_INT8 {
            bail!("{}: weights must be int8 (TFLite type {})", self.describe(i), t.type_code());
        }
        if let Some(q) = self.quant(i)? {
            if q.zero_points.iter().any(|&z| z != 0) {
                bail!("{}: int8 weights must be symmetric (zero point 0)", self.describe(i));
            }
        }
        Ok(self.constant_bytes(i, 1)?.iter().map(|&b| b as i8).collect())
    }

    /// A constant int32 vector (biases, shapes, axes); int64 biases (16×8
    /// layers) are accepted where every value fits 32 bits.
    pub fn constant_i32(&self, i: i32) -> Result<Vec<i32>> {
        let t = self.tensor(i)?;
        match t.type_code() {
            TYPE_INT32 => Ok(self
                .constant_bytes(i, 4)?
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()),
            TYPE_INT64 => self
                .constant_bytes(i, 8)?
                .chunks_exact(8)
                .map(|c| {
                    let v = i64::from_le_bytes(c.try_into().expect("8 bytes"));
                    i32::try_from(v)
                        .map_err(|_| anyhow::anyhow!("{}: value {v} does not fit 32 bits", self.describe(i)))
                })
                .collect(),
            c => bail!("{}: expected int32 constants, found TFLite type {c}", self.describe(i)),
        }
    }

    /// The polyact tensor for TFLite tensor `i`, created on first use.
    pub fn id(&mut self, i: i32) -> Result<TensorId> {
        if let Some(&id) = self.ids.get(&(i as usize)) {
            return Ok(id);
        }
        let (dtype, q) = self.act_type(i)?;
        let dims = self.dims(i)?;
        let id = self.b.tensor(dtype, &dims, q);
        self.ids.insert(i as usize, id);
        Ok(id)
    }

    /// A new polyact tensor with no TFLite counterpart (an inserted reshape).
    pub fn fresh(&mut self, dtype: DType, dims: &[usize], q: Quant) -> TensorId {
        self.b.tensor(dtype, dims, q)
    }

    /// Make TFLite tensor `i` an alias of an existing polyact tensor (ops
    /// that polyact does not need, such as a QUANTIZE to the same type).
    pub fn alias(&mut self, i: i32, id: TensorId) {
        self.ids.insert(i as usize, id);
    }

    /// Whether TFLite tensor `i` already has a polyact tensor.
    pub fn has(&self, i: i32) -> bool {
        self.ids.contains_key(&(i as usize))
    }
}
