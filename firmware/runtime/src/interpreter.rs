//! Runs a validated model in a caller-given arena. No allocation, no panics:
//! every step returns `Result`.

use crate::dtype::DType;
use crate::error::Error;
use crate::layers::run_record;
use crate::layers::{Check, DecodeCtx, Layer};
use crate::model::Model;
use crate::ops::OpKind;

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
            run_record(&rec, i, model.tables(), self.arena)?;
            obs.op_end(i, kind);
        }
        Ok(())
    }
}

/// Run op `i` of the validated `model` on `arena`, whatever its layer.
pub fn run_op_index(model: &Model, i: usize, arena: &mut [u8]) -> Result<(), Error> {
    let rec = match model.op_records().nth(i) {
        Some(rec) => rec?,
        None => return Err(Error::OutOfRange { what: "operator", index: i, limit: model.n_ops() }),
    };
    run_record(&rec, i, model.tables(), arena)
}

/// Run op `i` of the validated `model`, which must be a `L` layer: how a
/// compiled model runs the layers its generated code leaves to the
/// interpreter, linking only those layers' code.
pub fn run_layer<'m, L: Layer<'m>>(model: &Model<'m>, i: usize, arena: &mut [u8]) -> Result<(), Error> {
    let rec = match model.op_records().nth(i) {
        Some(rec) => rec?,
        None => return Err(Error::OutOfRange { what: "operator", index: i, limit: model.n_ops() }),
    };
    let cx = DecodeCtx { tables: model.tables(), op: i, kind: OpKind::from_tag(rec.tag)?, check: Check::Light };
    L::decode(&rec, &cx)?.run(arena)
}
