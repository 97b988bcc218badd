//! The blob is untrusted input: every corruption is an `Err` with a reason,
//! never a panic.
mod common;

use polyact::format::header::{blob_crc, CRC_FIELD};
use polyact::writer::samples::{every_op, mlp};
use polyact::{exercise_blob, DType, Error, Interpreter, Model};
use std::path::PathBuf;

fn refresh_crc(b: &mut [u8]) {
    let crc = blob_crc(b);
    b[CRC_FIELD..CRC_FIELD + 4].copy_from_slice(&crc.to_le_bytes());
}

fn samples() -> Vec<Vec<u8>> {
    vec![every_op(3).unwrap(), mlp(DType::I8, 8, 12, 4, 9).unwrap(), mlp(DType::I16, 8, 12, 4, 9).unwrap()]
}

#[test]
fn every_single_byte_flip_is_rejected() {
    for blob in samples() {
        for i in 0..blob.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = blob.clone();
                bad[i] ^= mask;
                assert!(Model::from_bytes(&bad).is_err(), "flip {mask:#x} at byte {i} accepted");
            }
        }
    }
}

#[test]
fn every_truncation_is_rejected() {
    let blob = every_op(3).unwrap();
    for len in 0..blob.len() {
        assert!(Model::from_bytes(&blob[..len]).is_err(), "truncated to {len} accepted");
    }
}

#[test]
fn structural_corruption_behind_a_valid_crc_never_panics() {
    // Corrupt bytes and fix the CRC so the structural validator is what must
    // catch it; whatever it accepts must then run without panicking.
    let mut accepted = 0;
    let mut rejected = 0;
    let mut arena = vec![0u8; 1 << 16];
    for blob in samples() {
        for i in 16..blob.len() {
            for v in [0x00u8, 0x01, 0x7F, 0x80, 0xFF] {
                let mut bad = blob.clone();
                if bad[i] == v {
                    continue;
                }
                bad[i] = v;
                refresh_crc(&mut bad);
                match exercise_blob(&bad, &mut arena) {
                    Ok(()) => accepted += 1,
                    Err(_) => rejected += 1,
                }
            }
        }
    }
    // Weight and bias bytes are legitimately free; structure bytes are not.
    assert!(rejected > 0 && accepted > 0, "accepted {accepted}, rejected {rejected}");
}

#[test]
fn errors_name_the_problem() {
    let blob = every_op(3).unwrap();
    let mut bad = blob.clone();
    bad[0] = b'X';
    assert_eq!(Model::from_bytes(&bad).unwrap_err(), Error::BadMagic);
    let mut bad = blob.clone();
    bad[4] = 9;
    refresh_crc(&mut bad);
    assert!(matches!(Model::from_bytes(&bad), Err(Error::UnsupportedVersion { found: 9, .. })));
    let mut bad = blob.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let e = Model::from_bytes(&bad).unwrap_err();
    assert!(matches!(e, Error::CrcMismatch { .. }));
    assert!(e.to_string().contains("CRC32 mismatch"), "{e}");
    // A tensor dtype tag of 7 behind a valid CRC.
    let mut bad = blob.clone();
    bad[48] = 7;
    refresh_crc(&mut bad);
    let e = Model::from_bytes(&bad).unwrap_err();
    assert_eq!(e, Error::BadTag { what: "tensor dtype", value: 7 });
    assert_eq!(e.to_string(), "unknown tensor dtype tag 7");
}

#[test]
fn blob_may_sit_in_a_larger_partition() {
    let mut part = every_op(3).unwrap();
    let n = part.len();
    part.resize(n + 4096, 0xFF);
    let m = Model::from_bytes(&part).unwrap();
    assert_eq!(m.blob().len(), n);
}

#[test]
fn arena_must_be_large_enough() {
    let blob = every_op(3).unwrap();
    let m = Model::from_bytes(&blob).unwrap();
    let mut small = vec![0u8; m.arena_size() - 1];
    assert_eq!(
        Interpreter::new(m, &mut small).unwrap_err(),
        Error::ArenaTooSmall { need: m.arena_size(), have: m.arena_size() - 1 }
    );
}

#[test]
fn fuzz_seed_corpus_regression() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/blob_parser");
    let mut n = 0;
    let mut arena = vec![0u8; 1 << 16];
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/blob_parser exists") {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let result = exercise_blob(&data, &mut arena);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("seed-valid") {
            assert!(result.is_ok(), "{name}: {result:?}");
        }
        // The `blob_structure` target's view: the same bytes with the CRC
        // fixed up, so the structural checks see them.
        let mut fixed = data.clone();
        if fixed.len() >= CRC_FIELD + 4 {
            let total = u32::from_le_bytes([fixed[8], fixed[9], fixed[10], fixed[11]]) as usize;
            let end = total.min(fixed.len());
            if end >= CRC_FIELD + 4 {
                let crc = blob_crc(&fixed[..end]);
                fixed[CRC_FIELD..CRC_FIELD + 4].copy_from_slice(&crc.to_le_bytes());
            }
        }
        let _ = exercise_blob(&fixed, &mut arena);
        n += 1;
    }
    assert!(n >= 3, "corpus has only {n} files");
}
