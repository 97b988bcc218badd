//! The writer side of the blob format (feature `writer`): a builder that plans
//! the arena and serializes a model, and encoders that turn real-valued
//! activation descriptions into the runtime's fixed-point kernels. The host
//! tools and tests use these; nobody assembles bytes by hand.

mod builder;
mod fit;
#[cfg(feature = "std")]
pub mod float;
mod kernels;
mod planner;
mod poly_encode;
mod quant;
pub mod samples;

pub use builder::{kernel_model, ConvGeom, ModelBuilder, PoolGeom, TensorId, WeightedDef};
pub use fit::{fit_knots, fit_piecewise, fit_piecewise_within};
#[cfg(feature = "std")]
pub use float::FloatLayer;
pub use kernels::{KernelDef, KernelId, KnotPolyDef, PolyDef, RationalDef};
pub use planner::{plan_arena, Lifetime};
pub use poly_encode::{
    encode_knot_poly, encode_poly, encode_poly_within, encode_rational, local_poly_from_real, segment_center,
    DspLimits, EncodeError,
};
pub use quant::{kernel_io, quantize_value, requant_params};
