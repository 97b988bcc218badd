//! A 64-bit tick counter from SysTick (24-bit, extended by its wrap interrupt).
//! Under QEMU `-icount shift=0` ticks are a deterministic instruction count.

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    // Only this handler writes: a plain load/store is enough (no RMW on M0).
    WRAPS.store(WRAPS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// Start SysTick free-running from the core clock with its wrap interrupt.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(crate::board::SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Ticks since `start`.
pub fn now() -> u64 {
    loop {
        let w = WRAPS.load(Ordering::Relaxed);
        let cvr = SYST::get_current();
        if WRAPS.load(Ordering::Relaxed) == w {
            let period = crate::board::SYSTICK_RELOAD as u64 + 1;
            return w as u64 * period + (crate::board::SYSTICK_RELOAD - cvr) as u64;
        }
    }
}
