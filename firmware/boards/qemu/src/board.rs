#![cfg_attr(feature = "compiled", allow(dead_code))]
//! Per-board constants: flash partitions, arena size, SysTick reload. (The
//! host converts SysTick ticks to instructions: 40 per tick on mps2's 25 MHz
//! clock, 62.5 on the micro:bit's 16 MHz, under QEMU `-icount shift=0`.)

#[cfg(any(feature = "board-mps2-an385", feature = "board-mps2-an386", feature = "board-mps2-an500"))]
mod imp {
    pub const MODEL_PARTITION: (usize, usize) = (0x0010_0000, 0x0010_0000);
    pub const VECTOR_PARTITION: (usize, usize) = (0x0020_0000, 0x0020_0000);
    /// Arena for tensors; the host refuses models that need more.
    pub const PARTITION_ARENA_BYTES: usize = 256 * 1024;
    pub const STACK_PROBE_BYTES: usize = 64 * 1024;
    pub const SYSTICK_RELOAD: u32 = 0x00FF_FFFF;
}

#[cfg(feature = "board-mps2-an505")]
mod imp {
    pub const MODEL_PARTITION: (usize, usize) = (0x1010_0000, 0x0010_0000);
    pub const VECTOR_PARTITION: (usize, usize) = (0x1020_0000, 0x0020_0000);
    pub const PARTITION_ARENA_BYTES: usize = 256 * 1024;
    pub const STACK_PROBE_BYTES: usize = 64 * 1024;
    pub const SYSTICK_RELOAD: u32 = 0x00FF_FFFF;
}

#[cfg(feature = "board-microbit")]
mod imp {
    pub const MODEL_PARTITION: (usize, usize) = (0x0002_0000, 0x0001_0000);
    pub const VECTOR_PARTITION: (usize, usize) = (0x0003_0000, 0x0001_0000);
    pub const PARTITION_ARENA_BYTES: usize = 8 * 1024;
    // RAM is 16 KiB: arena and statics take ~8 KiB; probe what is left below main.
    pub const STACK_PROBE_BYTES: usize = 6 * 1024;
    pub const SYSTICK_RELOAD: u32 = 0x00FF_FFFF;
}

pub use imp::*;

// This image's layout, for the host tools (read from the ELF).
polyact_fw_common::board_info!(MODEL_PARTITION, VECTOR_PARTITION, ARENA_BYTES);

/// The arena: exactly the compiled model's; otherwise the board default, or
/// `POLYACT_FW_ARENA_BYTES` at build time (to size RAM to one model, e.g. for
/// footprint comparisons).
#[cfg(feature = "compiled")]
pub const ARENA_BYTES: usize = crate::model::ARENA_BYTES;
#[cfg(not(feature = "compiled"))]
pub const ARENA_BYTES: usize = match option_env!("POLYACT_FW_ARENA_BYTES") {
    Some(s) => parse_usize(s.as_bytes()),
    None => PARTITION_ARENA_BYTES,
};

#[cfg(not(feature = "compiled"))]
const fn parse_usize(b: &[u8]) -> usize {
    let mut i = 0;
    let mut v = 0;
    while i < b.len() {
        v = v * 10 + (b[i] - b'0') as usize;
        i += 1;
    }
    v
}

/// Board name, as the host tools call it.
pub const NAME: &str = if cfg!(feature = "board-mps2-an385") {
    "qemu-m3"
} else if cfg!(feature = "board-mps2-an386") {
    "qemu-m4"
} else if cfg!(feature = "board-mps2-an500") {
    "qemu-m7"
} else if cfg!(feature = "board-mps2-an505") {
    "qemu-m33"
} else {
    "qemu-m0"
};
