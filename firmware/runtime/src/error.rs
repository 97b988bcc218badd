//! Errors. Every failure names what was wrong and where; nothing panics on data.

use core::fmt;

/// Why a blob was refused or an inference could not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The blob does not start with the `PACT` magic.
    BadMagic,
    /// The blob's format version is not one this runtime reads.
    UnsupportedVersion { found: u16, supported: u16 },
    /// A region extends past the end of the data it lives in.
    Truncated { what: &'static str, need: usize, have: usize },
    /// The CRC32 stored in the header does not match the blob.
    CrcMismatch { stored: u32, computed: u32 },
    /// An enum-like field holds a value this runtime does not know.
    BadTag { what: &'static str, value: i64 },
    /// A reference (tensor, kernel, data range) points outside its table.
    OutOfRange { what: &'static str, index: usize, limit: usize },
    /// A field that must be zero or fixed is not.
    BadField { what: &'static str, value: i64 },
    /// An operator's parameters are inconsistent; `op` is its index.
    InvalidOp { op: usize, reason: &'static str },
    /// An activation kernel's parameters are inconsistent; `kernel` is its index.
    InvalidKernel { kernel: usize, reason: &'static str },
    /// A tensor's shape or quantization is invalid.
    InvalidTensor { tensor: usize, reason: &'static str },
    /// Worst-case accumulator magnitude of a layer exceeds its accumulator type.
    AccumulatorOverflow { op: usize, channel: usize },
    /// The graph is not a valid single-assignment sequence.
    InvalidGraph { tensor: usize, reason: &'static str },
    /// Two tensors live at the same time share arena bytes.
    ArenaOverlap { a: usize, b: usize },
    /// The arena given (or declared) is too small.
    ArenaTooSmall { need: usize, have: usize },
    /// Caller data has the wrong length or type for a tensor.
    IoMismatch { what: &'static str, expected: usize, got: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BadMagic => write!(f, "not a polyact model: bad magic (expected \"PACT\")"),
            Error::UnsupportedVersion { found, supported } => {
                write!(f, "model format version {found} is not supported (this runtime reads version {supported})")
            }
            Error::Truncated { what, need, have } => {
                write!(f, "{what} is truncated: needs {need} bytes, {have} available")
            }
            Error::CrcMismatch { stored, computed } => {
                write!(f, "model is corrupt: CRC32 mismatch (header says {stored:#010x}, data gives {computed:#010x})")
            }
            Error::BadTag { what, value } => write!(f, "unknown {what} tag {value}"),
            Error::OutOfRange { what, index, limit } => {
                write!(f, "{what} {index} out of range (limit {limit})")
            }
            Error::BadField { what, value } => write!(f, "invalid {what}: {value}"),
            Error::InvalidOp { op, reason } => write!(f, "operator {op}: {reason}"),
            Error::InvalidKernel { kernel, reason } => {
                write!(f, "activation kernel {kernel}: {reason}")
            }
            Error::InvalidTensor { tensor, reason } => write!(f, "tensor {tensor}: {reason}"),
            Error::AccumulatorOverflow { op, channel } => {
                write!(f, "operator {op}: accumulator of output channel {channel} can overflow in the worst case")
            }
            Error::InvalidGraph { tensor, reason } => write!(f, "graph: tensor {tensor} {reason}"),
            Error::ArenaOverlap { a, b } => {
                write!(f, "arena plan: tensors {a} and {b} are live at the same time and share bytes")
            }
            Error::ArenaTooSmall { need, have } => {
                write!(f, "arena too small: needs {need} bytes, {have} given")
            }
            Error::IoMismatch { what, expected, got } => {
                write!(f, "{what}: expected {expected} elements, got {got}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(feature = "defmt")]
impl defmt::Format for Error {
    fn format(&self, f: defmt::Formatter) {
        // Display text is the single source of wording; defmt gets a compact form.
        match *self {
            Error::BadMagic => defmt::write!(f, "bad magic"),
            Error::UnsupportedVersion { found, .. } => {
                defmt::write!(f, "unsupported version {}", found)
            }
            Error::Truncated { what, need, have } => {
                defmt::write!(f, "{} truncated: need {} have {}", what, need, have)
            }
            Error::CrcMismatch { stored, computed } => {
                defmt::write!(f, "CRC mismatch: stored {:#x} computed {:#x}", stored, computed)
            }
            Error::BadTag { what, value } => defmt::write!(f, "unknown {} tag {}", what, value),
            Error::OutOfRange { what, index, limit } => {
                defmt::write!(f, "{} {} out of range ({})", what, index, limit)
            }
            Error::BadField { what, value } => defmt::write!(f, "invalid {}: {}", what, value),
            Error::InvalidOp { op, reason } => defmt::write!(f, "op {}: {}", op, reason),
            Error::InvalidKernel { kernel, reason } => {
                defmt::write!(f, "kernel {}: {}", kernel, reason)
            }
            Error::InvalidTensor { tensor, reason } => {
                defmt::write!(f, "tensor {}: {}", tensor, reason)
            }
            Error::AccumulatorOverflow { op, channel } => {
                defmt::write!(f, "op {}: accumulator overflow, channel {}", op, channel)
            }
            Error::InvalidGraph { tensor, reason } => {
                defmt::write!(f, "graph: tensor {} {}", tensor, reason)
            }
            Error::ArenaOverlap { a, b } => defmt::write!(f, "arena overlap {} {}", a, b),
            Error::ArenaTooSmall { need, have } => {
                defmt::write!(f, "arena too small: {} > {}", need, have)
            }
            Error::IoMismatch { what, expected, got } => {
                defmt::write!(f, "{}: expected {} got {}", what, expected, got)
            }
        }
    }
}
