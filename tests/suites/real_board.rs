//! Real-board flashing with no board attached, for every real board of the
//! board table (STM32F411 black pill, Raspberry Pi Pico, nRF52840-DK): the
//! firmware builds (from its partition, and with a model compiled in), the
//! sizes are reported, then flashing stops at a clear "no debug probe
//! found" instead of crashing.

use polyact::DType;
use polyact_tools::flash::{compiled_chip_firmware, elf_sizes, flash_chip, flash_image, real_boards};
use polyact_tools::model_zoo;
use std::path::Path;

fn sine() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/sine");
    model_zoo::quantize_example(&dir, DType::I8).unwrap().1.blob
}

#[test]
fn every_real_board_lists_its_chip() {
    let chips: Vec<&str> = real_boards().map(|(c, _)| c).collect();
    for want in ["STM32F411CEUx", "RP2040", "nRF52840_xxAA"] {
        assert!(chips.contains(&want), "{want} missing from {chips:?}");
    }
}

#[test]
fn partition_flashing_stops_at_the_missing_probe() {
    let blob = sine();
    for (chip, _) in real_boards() {
        let e = format!("{:#}", flash_chip(chip, &blob, None).unwrap_err());
        assert!(e.contains("no debug probe found"), "{chip}: {e}");
    }
}

#[test]
fn compiled_images_build_and_flashing_stops_at_the_missing_probe() {
    let blob = sine();
    let arena = polyact::Model::from_bytes(&blob).unwrap().arena_size();
    for (chip, line) in real_boards() {
        let (fw, g) = compiled_chip_firmware(chip, &blob, "sine").unwrap();
        assert!(g.interpreted.is_empty(), "{chip}: {:?}", g.interpreted);
        // The image declares exactly the model's arena, and leaves the
        // interpreter and validator out: smaller than the partition firmware.
        assert_eq!(fw.info.arena as usize, arena, "{chip}");
        let partition_elf = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../firmware/boards/target")
            .join(line.name)
            .join(line.target)
            .join("release")
            .join(line.package);
        // Building the partition firmware is part of partition flashing.
        let _ = flash_chip(chip, &blob, None);
        let (compiled, c_ram) = elf_sizes(&std::fs::read(&fw.elf).unwrap()).unwrap();
        let (partition, p_ram) = elf_sizes(&std::fs::read(&partition_elf).unwrap()).unwrap();
        println!("{chip}: partition firmware {partition} B flash, {p_ram} B RAM; sine compiled {compiled} B flash, {c_ram} B RAM");
        assert!(compiled < partition, "{chip}: compiled {compiled} B, partition {partition} B");
        let e = format!("{:#}", flash_image(chip, &fw).unwrap_err());
        assert!(e.contains("no debug probe found"), "{chip}: {e}");
    }
}

#[test]
fn unknown_chips_are_named() {
    let e = format!("{:#}", compiled_chip_firmware("NOSUCHCHIP123", &sine(), "sine").unwrap_err());
    assert!(e.contains("NOSUCHCHIP123"), "{e}");
}
