//! The board's memory layout and partition constants come from the one board
//! table, `firmware/boards/boards.txt` (see `board_build.rs`).
include!("../board_table.rs");
include!("../board_build.rs");

fn main() {
    board_build();
}
