//! Real-board flashing with no board attached: the STM32F411 firmware builds
//! (from its partition, and with a model compiled in), then flashing stops
//! at a clear "no debug probe found" instead of crashing.

use polyact::DType;
use polyact_tools::flash::{compiled_chip_firmware, elf_sizes, flash_chip, flash_image};
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
    let (fw, g) = compiled_chip_firmware(CHIP, &blob, "sine").unwrap();
    assert!(g.interpreted.is_empty(), "{:?}", g.interpreted);
    // The image declares exactly the model's arena, and leaves the
    // interpreter and validator out: smaller than the partition firmware.
    let arena = polyact::Model::from_bytes(&blob).unwrap().arena_size();
    assert_eq!(fw.info.arena as usize, arena);
    let partition_elf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../firmware/boards/target/blackpill/thumbv7em-none-eabihf/release/polyact-fw-blackpill");
    // Building the partition firmware is part of partition flashing.
    let _ = flash_chip(CHIP, &blob, None);
    let (compiled, _) = elf_sizes(&std::fs::read(&fw.elf).unwrap()).unwrap();
    let (partition, _) = elf_sizes(&std::fs::read(partition_elf).unwrap()).unwrap();
    assert!(compiled < partition, "compiled {compiled} B, partition {partition} B");
    let e = format!("{:#}", flash_image(CHIP, &fw).unwrap_err());
    assert!(e.contains("no debug probe found"), "{e}");
}

#[test]
fn unknown_chips_are_named() {
    let e = format!("{:#}", compiled_chip_firmware("NOSUCHCHIP123", &sine(), "sine").unwrap_err());
    assert!(e.contains("NOSUCHCHIP123"), "{e}");
}
