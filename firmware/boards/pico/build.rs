//! The board's memory layout and partition constants come from the one board
//! table, `firmware/boards/boards.txt` (see `board_build.rs`); the RP2040
//! also needs its 256-byte second-stage bootloader at the start of flash,
//! just below the table's firmware region.
include!("../board_table.rs");
include!("../board_build.rs");

fn main() {
    board_build();
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let memory = out.join("memory.x");
    let Ok(text) = std::fs::read_to_string(&memory) else { return }; // host check: nothing to link
    let with_boot2 = text.replacen(
        "MEMORY\n{\n",
        "MEMORY\n{\n  BOOT2 : ORIGIN = 0x10000000, LENGTH = 0x100\n",
        1,
    ) + "EXTERN(BOOT2_FIRMWARE)\nSECTIONS {\n  .boot2 ORIGIN(BOOT2) : { KEEP(*(.boot2)); } > BOOT2\n} INSERT BEFORE .text;\n";
    if let Err(e) = std::fs::write(&memory, with_boot2) {
        panic!("writing {}: {e}", memory.display());
    }
}
