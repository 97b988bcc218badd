//! Real-board flashing with no board attached: the STM32F411 firmware builds
//! (from its partition, and with a model compiled in), then flashing stops
//! at a clear "no debug probe found" instead of crashing.

use polyact::DType;
use polyact_tools::flash::{board_info, elf_sizes, flash_chip, flash_chip_compiled};
use polyact_tools::model_zoo;
use std::path::Path;

const CHIP: &str = "STM32F411CEUx";

fn sine() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/sine");
    model_zoo::quantize_example(&dir, DType::I8).unwrap().1.blob
}

#[test]
fn partition_flashing_stops_at_the_missing_probe() {
    let e = format!("{:#}", flash_chip(CHIP, &sine(), None).unwrap_err());
    assert!(e.contains("no debug probe found"), "{e}");
}

#[test]
fn compiled_image_builds_and_flashing_stops_at_the_missing_probe() {
    let blob = sine();
    let e = format!("{:#}", flash_chip_compiled(CHIP, &blob, "sine").unwrap_err());
    assert!(e.contains("no debug probe found"), "{e}");
    // The image was built before the probe was looked for: the model's own
    // arena, and well under the partition firmware's size.
    let crc = polyact::format::header::CRC32.checksum(&blob);
    let elf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../firmware/boards/target/compiled-blackpill/polyact-fw-{crc:08x}.elf"));
    let elf = std::fs::read(&elf).unwrap();
    let arena = polyact::Model::from_bytes(&blob).unwrap().arena_size();
    assert_eq!(board_info(&elf).unwrap().arena as usize, arena);
    let (flash, _) = elf_sizes(&elf).unwrap();
    assert!(flash > 0 && flash < 40_000, "flash {flash}");
}

#[test]
fn unknown_chips_are_named() {
    let e = format!("{:#}", flash_chip_compiled("NOSUCHCHIP123", &sine(), "sine").unwrap_err());
    assert!(e.contains("NOSUCHCHIP123"), "{e}");
}
