//! Activation cores for FPGAs, generated from the kernel description the
//! `polyact` runtime executes, simulated bit-exact against that runtime.
//!
//! Data flow: [`spec`] reads a decoded runtime kernel → [`poly_core`] /
//! [`relu_core`] / [`table_core`] build the rust-hdl pipeline out of [`stages`] → [`sim`] runs it
//! in rust-hdl's simulator, [`emit`] writes Verilog, a test bench and vectors,
//! [`tools`] runs Icarus, Verilator, yosys and nextpnr on them.

pub mod check;
pub mod core;
pub mod dsp_core;
pub mod emit;
pub mod network;
pub mod poly_core;
pub mod ranges;
pub mod rational_core;
pub mod relu_core;
pub mod sim;
pub mod spec;
pub mod stages;
pub mod stream;
pub mod synth;
pub mod table_core;
pub mod tools;
pub mod word;

pub use spec::{CoreSpec, PolySpec, ReluSpec, TableSpec, Unsupported};
