//! Cross-target tests: one suite runs against every target that executes
//! polyact's arithmetic, and every target must give the host runtime's bits.
//!
//! - [`model_targets`]: whole models — the host runtime (the reference), QEMU
//!   Cortex-M boards from the model partition and compiled into the image.
//! - [`core_targets`]: activation cores — rust-hdl simulation and the emitted
//!   Verilog in Icarus (portable and ECP5 variants), against the runtime kernel
//!   on every input.
//! - [`example_models`]: the example models quantized, with 1000 real inputs.
//!
//! These need qemu-system-arm, the thumb targets and the FPGA tools (`cargo
//! xtask setup`); the library crates' own tests are pure Rust.

pub mod core_targets;
pub mod example_models;
pub mod model_targets;
