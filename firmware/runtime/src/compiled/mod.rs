//! Models compiled into code: what `polyact compile` generates calls these
//! kernels with the model's constants as `static` arrays, so a firmware
//! carries only the layers its model uses and decodes nothing at run time —
//! MicroFlow's deployment style, with polyact's arithmetic. Layers these
//! kernels do not cover run through the interpreter
//! ([`run_op_index`](crate::interpreter::run_op_index)) from the blob the
//! generated code then carries.
//!
//! The generator precomputes what the interpreter derives on every inference
//! (the input zero point folded into the bias, the requantization shift split
//! once, an int8-input activation kernel tabulated from [`Activation::eval`](crate::Activation::eval)
//! on all 256 inputs), so the results are the interpreter's bit for bit.

mod arena;
mod conv;
mod dense;
mod lookup;

pub use arena::{copy, io, io_in_place};
pub use conv::{ConvI8, DepthwiseI8};
pub use dense::{fold_bias, DenseI8};
pub use lookup::{table_index, tabulate, LookupI8};

use crate::error::Error;
use crate::interpreter::Observer;
use crate::ops::OpKind;

/// A model compiled into code (implemented by the generated module).
pub trait CompiledModel: Sized {
    /// Model name, for the log.
    const NAME: &'static str;
    /// Arena bytes the tensors need.
    const ARENA_BYTES: usize;
    /// Input tensor `(offset, bytes)` in the arena.
    const INPUT: (usize, usize);
    /// Output tensor `(offset, bytes)` in the arena.
    const OUTPUT: (usize, usize);
    /// The ops, in execution order.
    const OPS: &'static [OpKind];
    /// Prepare the model: a model with layers left to the interpreter
    /// validates the blob it carries for them.
    fn new() -> Result<Self, Error>;
    /// Run every op on `arena`, calling `obs` around each.
    fn invoke<O: Observer>(&self, arena: &mut [u8], obs: &mut O) -> Result<(), Error>;
}
