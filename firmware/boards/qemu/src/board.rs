//! Per-board constants: flash partitions, arena size, and the profiling clock.

#[cfg(any(feature = "board-mps2-an385", feature = "board-mps2-an386", feature = "board-mps2-an500"))]
mod imp {
    pub const MODEL_PARTITION: (usize, usize) = (0x0010_0000, 0x0010_0000);
    pub const VECTOR_PARTITION: (usize, usize) = (0x0020_0000, 0x0020_0000);
    /// Arena for tensors; the host refuses models that need more.
    pub const ARENA_BYTES: usize = 256 * 1024;
    /// SysTick runs at the 25 MHz core clock; with QEMU `-icount shift=0`
    /// (1 ns per instruction) one tick is 40 instructions.
    pub const INSTRUCTIONS_PER_TICK: u64 = 40;
    pub const SYSTICK_RELOAD: u32 = 0x00FF_FFFF;
}

#[cfg(feature = "board-microbit")]
mod imp {
    pub const MODEL_PARTITION: (usize, usize) = (0x0002_0000, 0x0001_0000);
    pub const VECTOR_PARTITION: (usize, usize) = (0x0003_0000, 0x0001_0000);
    pub const ARENA_BYTES: usize = 8 * 1024;
    /// QEMU's nRF51 runs SysTick from the 16 MHz system clock: 62.5
    /// instructions per tick under `-icount shift=0`; counted in halves.
    pub const INSTRUCTIONS_PER_TICK: u64 = 62;
    pub const SYSTICK_RELOAD: u32 = 0x00FF_FFFF;
}

pub use imp::*;

/// Board name, as the host tools call it.
pub const NAME: &str = if cfg!(feature = "board-mps2-an385") {
    "qemu-m3"
} else if cfg!(feature = "board-mps2-an386") {
    "qemu-m4"
} else if cfg!(feature = "board-mps2-an500") {
    "qemu-m7"
} else {
    "qemu-m0"
};
