//! Runs a validated model in a caller-given arena. No allocation, no panics:
//! every step returns `Result`.

use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::kernels::concat::MAX_INPUTS;
use crate::kernels::conv::{Conv, Depthwise};
use crate::kernels::dense::Dense;
use crate::model::Model;
use crate::ops::{Check, Op, OpKind};
use core::ops::Range;

/// Hooks around each op, for profiling (cycle counters, instruction counts).
pub trait Observer {
    fn op_start(&mut self, _index: usize, _kind: OpKind) {}
    fn op_end(&mut self, _index: usize, _kind: OpKind) {}
}

/// The no-op observer.
#[derive(Debug)]
pub struct NoObserver;
impl Observer for NoObserver {}

/// An inference context: a model and the arena its tensors live in.
#[derive(Debug)]
pub struct Interpreter<'m, 'a> {
    model: Model<'m>,
    arena: &'a mut [u8],
}

/// The arena split around an op's output: bytes before, the output, bytes after.
struct Split<'x> {
    lo: &'x [u8],
    out: &'x mut [u8],
    hi: &'x [u8],
    out_range: Range<usize>,
}

impl<'x> Split<'x> {
    fn new(arena: &'x mut [u8], out: Range<usize>) -> Result<Split<'x>, Error> {
        if out.end > arena.len() {
            return Err(Error::ArenaTooSmall { need: out.end, have: arena.len() });
        }
        let (lo, rest) = arena.split_at_mut(out.start);
        let (mid, hi) = rest.split_at_mut(out.end - out.start);
        Ok(Split { lo, out: mid, hi, out_range: out })
    }

    /// An input region, which must not overlap the output.
    fn input(&self, r: Range<usize>) -> Result<&'x [u8], Error> {
        if r.end <= self.out_range.start {
            Ok(&self.lo[r])
        } else if r.start >= self.out_range.end {
            let off = self.out_range.end;
            self.hi
                .get(r.start - off..r.end - off)
                .ok_or(Error::ArenaTooSmall { need: r.end, have: off + self.hi.len() })
        } else {
            Err(Error::ArenaOverlap { a: r.start, b: self.out_range.start })
        }
    }
}

impl<'m, 'a> Interpreter<'m, 'a> {
    /// Bind a model to an arena of at least `model.arena_size()` bytes.
    pub fn new(model: Model<'m>, arena: &'a mut [u8]) -> Result<Self, Error> {
        if arena.len() < model.arena_size() {
            return Err(Error::ArenaTooSmall { need: model.arena_size(), have: arena.len() });
        }
        Ok(Interpreter { model, arena })
    }

    /// The model.
    pub fn model(&self) -> &Model<'m> {
        &self.model
    }

    /// Raw bytes of the input tensor, to fill before `invoke`.
    pub fn input_bytes_mut(&mut self) -> Result<&mut [u8], Error> {
        let r = self.model.input()?.range();
        self.arena.get_mut(r.clone()).ok_or(Error::ArenaTooSmall { need: r.end, have: 0 })
    }

    /// Raw bytes of the output tensor after `invoke`.
    pub fn output_bytes(&self) -> Result<&[u8], Error> {
        let r = self.model.output()?.range();
        self.arena.get(r.clone()).ok_or(Error::ArenaTooSmall { need: r.end, have: 0 })
    }

    /// Set the input from quantized values (each saturated to the input type).
    pub fn set_input(&mut self, values: &[i32]) -> Result<(), Error> {
        let t = self.model.input()?;
        if values.len() != t.len() {
            return Err(Error::IoMismatch { what: "input", expected: t.len(), got: values.len() });
        }
        let buf = self.input_bytes_mut()?;
        for (i, &v) in values.iter().enumerate() {
            t.dtype.store(buf, i, v);
        }
        Ok(())
    }

    /// Copy the quantized output into `out`.
    pub fn get_output(&self, out: &mut [i32]) -> Result<(), Error> {
        let t = self.model.output()?;
        if out.len() != t.len() {
            return Err(Error::IoMismatch { what: "output", expected: t.len(), got: out.len() });
        }
        let buf = self.output_bytes()?;
        for (i, o) in out.iter_mut().enumerate() {
            *o = t.dtype.load(buf, i);
        }
        Ok(())
    }

    /// Element type of the input tensor.
    pub fn input_dtype(&self) -> Result<DType, Error> {
        Ok(self.model.input()?.dtype)
    }

    /// Run all ops.
    pub fn invoke(&mut self) -> Result<(), Error> {
        self.invoke_observed(&mut NoObserver)
    }

    /// Run all ops, calling `obs` around each (the op's decoding included).
    pub fn invoke_observed<O: Observer>(&mut self, obs: &mut O) -> Result<(), Error> {
        let model = self.model;
        for (i, rec) in model.op_records().enumerate() {
            let rec = rec?;
            let kind = OpKind::from_tag(rec.tag)?;
            obs.op_start(i, kind);
            run_record(&rec, i, kind, &model, self.arena)?;
            obs.op_end(i, kind);
        }
        Ok(())
    }
}

/// Run op `i` of the validated `model` on `arena`: how a compiled model runs
/// the layers its generated code leaves to the interpreter.
pub fn run_op_index(model: &Model, i: usize, arena: &mut [u8]) -> Result<(), Error> {
    let rec = match model.op_records().nth(i) {
        Some(rec) => rec?,
        None => return Err(Error::OutOfRange { what: "operator", index: i, limit: model.n_ops() }),
    };
    run_record(&rec, i, OpKind::from_tag(rec.tag)?, model, arena)
}

/// Run `f` on an op's single input region and its output region.
fn with_io(
    arena: &mut [u8],
    input: &TensorInfo,
    output: &TensorInfo,
    f: impl FnOnce(&[u8], &mut [u8]),
) -> Result<(), Error> {
    let s = Split::new(arena, output.range())?;
    f(s.input(input.range())?, s.out);
    Ok(())
}

/// Decode op `i` and run it where it lies: the hot layers are decoded
/// straight into their typed form (no `Op` value is moved around), with the
/// light check — the blob was proved at load.
fn run_record(rec: &Record, i: usize, kind: OpKind, model: &Model, arena: &mut [u8]) -> Result<(), Error> {
    match kind {
        OpKind::Dense => {
            let d = Dense::decode(rec, i, model, false)?;
            with_io(arena, &d.input, &d.output, |x, y| d.run(x, y))
        }
        OpKind::Conv1D | OpKind::Conv2D => {
            let c = Conv::decode(rec, i, model, kind == OpKind::Conv1D, false)?;
            with_io(arena, &c.input, &c.output, |x, y| c.run(x, y))
        }
        OpKind::DepthwiseConv2D => {
            let c = Depthwise::decode(rec, i, model, false)?;
            with_io(arena, &c.input, &c.output, |x, y| c.run(x, y))
        }
        _ => run_op(&Op::decode(rec, i, model, Check::Light)?, arena),
    }
}

fn run_op(op: &Op, arena: &mut [u8]) -> Result<(), Error> {
    match op {
        Op::Dense(d) => {
            let s = Split::new(arena, d.output.range())?;
            d.run(s.input(d.input.range())?, s.out);
        }
        Op::Conv(_, c) => {
            let s = Split::new(arena, c.output.range())?;
            c.run(s.input(c.input.range())?, s.out);
        }
        Op::Depthwise(c) => {
            let s = Split::new(arena, c.output.range())?;
            c.run(s.input(c.input.range())?, s.out);
        }
        Op::Pool(p) => {
            let s = Split::new(arena, p.output.range())?;
            p.run(s.input(p.input.range())?, s.out);
        }
        Op::Add(a) => {
            let s = Split::new(arena, a.output.range())?;
            a.run(s.input(a.a.range())?, s.input(a.b.range())?, s.out);
        }
        Op::Concat(c) => {
            let s = Split::new(arena, c.output.range())?;
            let mut xs: [&[u8]; MAX_INPUTS] = [&[]; MAX_INPUTS];
            for (x, t) in xs.iter_mut().zip(c.inputs.iter()) {
                if let Some(t) = t {
                    *x = s.input(t.range())?;
                }
            }
            c.run(&xs, s.out);
        }
        Op::Softmax(m) => {
            let s = Split::new(arena, m.output.range())?;
            m.run(s.input(m.input.range())?, s.out);
        }
        Op::RmsNorm(m) => {
            let s = Split::new(arena, m.output.range())?;
            m.run(s.input(m.input.range())?, s.out);
        }
        Op::Reshape { input, output } => {
            if input.offset != output.offset {
                let s = Split::new(arena, output.range())?;
                let x = s.input(input.range())?;
                s.out.copy_from_slice(x);
            }
        }
        Op::Activation { input, output, kernel, .. } => {
            if input.offset == output.offset && input.dtype == output.dtype {
                let buf =
                    arena.get_mut(output.range()).ok_or(Error::ArenaTooSmall { need: output.range().end, have: 0 })?;
                kernel.apply_in_place(buf, output.len(), output.channels());
            } else {
                let s = Split::new(arena, output.range())?;
                kernel.apply(s.input(input.range())?, s.out, output.len(), output.channels());
            }
        }
    }
    Ok(())
}
