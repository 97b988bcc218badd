//! Stack high-water mark by painting: fill the free stack below the caller's
//! frame with a pattern, run, then find the deepest word that changed.

const PAINT: u32 = 0x5AFE_57AC;

/// A painted region `[low, high)` of the stack.
pub struct Painted {
    low: usize,
    high: usize,
}

/// Paint `bytes` of stack below the current stack pointer (minus a margin
/// for this function's own frame).
#[inline(never)]
pub fn paint(bytes: usize) -> Painted {
    let marker = 0u32;
    let high = (&marker as *const u32 as usize - 64) & !3;
    let low = high - bytes;
    let mut a = low;
    while a < high {
        // SAFETY: below the live stack, inside RAM reserved for the stack.
        unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
        a += 4;
    }
    Painted { low, high }
}

impl Painted {
    /// Bytes of the painted region that were used since `paint`.
    pub fn used(&self) -> usize {
        let mut a = self.low;
        // SAFETY: same region as painted.
        while a < self.high && unsafe { core::ptr::read_volatile(a as *const u32) } == PAINT {
            a += 4;
        }
        self.high - a
    }
}
