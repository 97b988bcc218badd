//! Regenerate the checked-in fuzz seed corpus (`fuzz/corpus/blob_parser`):
//! valid sample models plus a few characteristic corruptions.
//! `cargo run -p polyact --features std --example write_fuzz_seeds`
use polyact::writer::samples::{every_op, mlp};
use polyact::DType;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/blob_parser");
    std::fs::create_dir_all(&dir)?;
    let valid = [
        ("every-op", every_op(3)?),
        ("mlp-i8", mlp(DType::I8, 16, 32, 10, 1)?),
        ("mlp-i16", mlp(DType::I16, 16, 32, 10, 1)?),
    ];
    for (name, blob) in &valid {
        std::fs::write(dir.join(format!("seed-valid-{name}.pam")), blob)?;
    }
    let base = &valid[0].1;
    std::fs::write(dir.join("seed-truncated.pam"), &base[..base.len() / 2])?;
    let mut flipped = base.clone();
    flipped[60] ^= 0x40;
    std::fs::write(dir.join("seed-flipped.pam"), &flipped)?;
    std::fs::write(dir.join("seed-header-only.pam"), &base[..48])?;
    println!("wrote {} seeds to {}", valid.len() + 3, dir.display());
    Ok(())
}
