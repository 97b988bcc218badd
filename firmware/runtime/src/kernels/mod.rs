//! Layer kernels. Each file holds one layer: its parameters as stored in an op
//! record, their validation against the tensor table, and the integer compute.

pub mod activation;
pub mod add;
pub mod concat;
pub mod conv;
pub mod dense;
pub(crate) mod dot;
#[cfg(polyact_dsp)]
mod dsp;
pub mod output_stage;
pub mod pool;
pub mod rmsnorm;
pub mod softmax;

pub use activation::Activation;
