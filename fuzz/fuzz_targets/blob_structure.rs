//! Fuzz the structural validator behind the CRC: the input's CRC field is
//! rewritten to match, so mutations reach every offset, shape and tag check
//! (the plain `blob_parser` target mostly meets the CRC). Any bytes must give
//! `Ok` or `Err` from loading and inference, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyact::format::header::{blob_crc, CRC_FIELD};

fuzz_target!(|data: &[u8]| {
    let mut blob = data.to_vec();
    if blob.len() >= 16 {
        let total = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]) as usize;
        let end = total.min(blob.len());
        if end >= CRC_FIELD + 4 {
            let crc = blob_crc(&blob[..end]);
            blob[CRC_FIELD..CRC_FIELD + 4].copy_from_slice(&crc.to_le_bytes());
        }
    }
    let mut arena = [0u8; 1 << 16];
    let _ = polyact::exercise_blob(&blob, &mut arena);
});
