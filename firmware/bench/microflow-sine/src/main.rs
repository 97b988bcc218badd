//! MicroFlow's sine model on QEMU mps2-an386 (Cortex-M4F), timed with the same
//! SysTick method as polyact's firmware (ticks × 40 = instructions under
//! `-icount shift=0`), with the stack high-water mark measured by painting.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use microflow::model;
use nalgebra::matrix;

// Relative to the workspace root: rustc runs there for workspace members.
#[model("microflow-sine/models/sine.tflite")]
struct Sine;

static WRAPS: AtomicU32 = AtomicU32::new(0);
const RELOAD: u32 = 0x00FF_FFFF;

#[exception]
fn SysTick() {
    WRAPS.store(WRAPS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

fn now() -> u64 {
    loop {
        let w = WRAPS.load(Ordering::Relaxed);
        let c = SYST::get_current();
        if WRAPS.load(Ordering::Relaxed) == w {
            return w as u64 * (RELOAD as u64 + 1) + (RELOAD - c) as u64;
        }
    }
}

const PAINT: u32 = 0x5AFE_57AC;
/// Bytes of stack below the current frame painted and scanned.
const PAINT_BYTES: usize = 32 * 1024;

#[inline(never)]
fn paint_stack() -> usize {
    let marker = 0u32;
    let high = (&marker as *const u32 as usize - 64) & !3;
    for a in (high - PAINT_BYTES..high).step_by(4) {
        unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
    }
    high
}

fn stack_used(high: usize) -> usize {
    let lowest =
        (high - PAINT_BYTES..high).step_by(4).find(|&a| unsafe { core::ptr::read_volatile(a as *const u32) } != PAINT);
    lowest.map_or(0, |a| high - a)
}

/// One inference, kept out of `main` so its frame lies in the painted stack.
#[inline(never)]
fn infer(x: f32) -> f32 {
    Sine::predict(matrix![x])[0]
}

#[entry]
fn main() -> ! {
    let mut cp = cortex_m::Peripherals::take().unwrap();
    cp.SYST.set_clock_source(SystClkSource::Core);
    cp.SYST.set_reload(RELOAD);
    cp.SYST.clear_current();
    cp.SYST.enable_interrupt();
    cp.SYST.enable_counter();
    let sp = paint_stack();
    let n = 10u64;
    let mut ticks = 0;
    let mut y = 0.0f32;
    for i in 0..n {
        let x = 0.5 + 0.1 * i as f32;
        let t0 = now();
        let out = infer(x);
        ticks += now() - t0;
        y += out;
    }
    let stack = stack_used(sp);
    hprintln!(
        "microflow sine: {} ticks per inference ({} instructions), stack high-water mark {} bytes, checksum {}",
        ticks / n,
        ticks / n * 40,
        stack,
        y
    );
    debug::exit(debug::EXIT_SUCCESS);
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {}
}
