//! The layout a firmware image declares about itself — where its model and
//! test-vector partitions are and how large its arena is — stored in the image
//! as the symbol [`BOARD_INFO_SYMBOL`]. The host tools read it from the ELF,
//! so partition addresses are written once, in the firmware.

use crate::error::Error;

/// Symbol name of the record in a firmware ELF.
pub const BOARD_INFO_SYMBOL: &str = "POLYACT_BOARD_INFO";
/// First word of the record ("PABI").
pub const BOARD_INFO_MAGIC: u32 = u32::from_le_bytes(*b"PABI");
/// Words in the record.
pub const BOARD_INFO_WORDS: usize = 6;

/// A firmware's memory layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoardInfo {
    /// Model partition: address, size.
    pub model: (u32, u32),
    /// Test-vector partition: address, size.
    pub vectors: (u32, u32),
    /// Arena bytes.
    pub arena: u32,
}

impl BoardInfo {
    /// The record as stored in the image.
    pub const fn to_words(self) -> [u32; BOARD_INFO_WORDS] {
        [BOARD_INFO_MAGIC, self.model.0, self.model.1, self.vectors.0, self.vectors.1, self.arena]
    }

    /// Read the record from its little-endian bytes.
    pub fn from_bytes(b: &[u8]) -> Result<BoardInfo, Error> {
        let w = |i: usize| crate::dtype::le_u32_at(b, 4 * i);
        if b.len() < 4 * BOARD_INFO_WORDS {
            return Err(Error::Truncated { what: "board info", need: 4 * BOARD_INFO_WORDS, have: b.len() });
        }
        if w(0) != BOARD_INFO_MAGIC {
            return Err(Error::BadField { what: "board info magic", value: w(0) as i64 });
        }
        Ok(BoardInfo { model: (w(1), w(2)), vectors: (w(3), w(4)), arena: w(5) })
    }
}
