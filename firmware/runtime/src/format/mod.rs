//! The model blob format (version 2: 64-bit rational denominators), read zero-copy from `&[u8]`.
//!
//! ```text
//! header (48 bytes) | tensor table (28 B each) | op records | kernel records | constant data
//! ```
//! All integers are little-endian. The CRC32 covers the whole blob with the
//! CRC field itself read as zero, so any single changed byte is detected.
//! Records share one layout (see [`record`]); constant data is referenced from
//! record parameters as `(offset, length)` pairs relative to the data section.

pub mod header;
pub mod record;
pub mod tables;
pub mod tensor;

pub use header::{Header, FORMAT_VERSION, HEADER_LEN, MAGIC};
pub use record::{Record, Records};
pub use tables::Tables;
pub use tensor::{Quant, TensorInfo, LIFETIME_OPEN, MAX_RANK, TENSOR_RECORD_LEN};
