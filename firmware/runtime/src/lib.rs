//! # polyact — the arithmetic, kernels, model format and interpreter
//!
//! `#![no_std]`, no allocation, no `unsafe` outside the four Cortex-M DSP
//! instructions of `layers::dsp`. This crate is the single definition
//! of every integer result polyact produces: the host tools call it, the
//! Cortex-M firmware *is* it cross-compiled, and the HDL datapaths are simulated
//! against it bit for bit. The contract is written down in the repository's
//! `docs/ARITHMETIC.md` (included below) and implemented in [`arith`].
//!
//! Flow: [`Model::from_bytes`] validates a blob completely (CRC, every offset,
//! shape, tag, quantization parameter, worst-case accumulator range, and the
//! arena plan); [`Interpreter`] runs it in a caller-given arena of exactly
//! [`Model::arena_size`] bytes. A bad blob is an [`Error`], never a panic.
//!
//! Features: `writer` (blob builder and kernel encoders, needs a heap),
//! `std` (writer + `std::error::Error` + exhaustive [`certify`]),
//! `defmt` (`defmt::Format` for errors).
#![doc = ""]
#![doc = include_str!("../ARITHMETIC.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]

#[cfg(feature = "writer")]
extern crate alloc;

pub mod activation;
pub mod arith;
pub mod board_info;
#[cfg(feature = "std")]
pub mod certify;
pub mod compiled;
pub mod dtype;
pub mod error;
pub mod format;
pub mod gemmlowp;
pub mod interpreter;
pub mod layers;
pub mod model;
pub mod ops;
pub mod vectors;
#[cfg(feature = "writer")]
pub mod writer;

pub use activation::Activation;
pub use dtype::DType;
pub use error::Error;
pub use format::{Quant, TensorInfo};
pub use interpreter::{Interpreter, NoObserver, Observer};
pub use layers::Layer;
pub use model::Model;
pub use ops::{Op, OpKind};

/// Parse `data` as a blob and, if valid, run one inference on a zeroed input.
/// The body of the fuzz target and of its corpus regression test: it must
/// never panic, whatever the bytes.
pub fn exercise_blob(data: &[u8], arena: &mut [u8]) -> Result<(), Error> {
    let model = Model::from_bytes(data)?;
    if model.arena_size() > arena.len() {
        return Err(Error::ArenaTooSmall { need: model.arena_size(), have: arena.len() });
    }
    let mut it = Interpreter::new(model, arena)?;
    it.input_bytes_mut()?.fill(0);
    it.invoke()?;
    it.output_bytes().map(|_| ())
}
