//! A real board as most are: a status LED that blinks once per inference
//! and a delay (embedded-hal 1.0 traits), plus what differs per chip — its
//! name, its counter for the profile, which LED level is "on" — in a
//! [`Platform`].

use crate::Board;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;

/// What a real board's chip provides beyond embedded-hal.
pub trait Platform {
    /// Board name for the log.
    const NAME: &'static str;
    /// What [`Platform::now`] counts ("cycles", "us"), for the log.
    const UNIT: &'static str;
    /// Whether the LED lights when its pin is low.
    const LED_ACTIVE_LOW: bool;
    /// A monotonic counter.
    fn now(&self) -> u64;
}

/// A board from a platform, a status LED and a delay.
pub struct LedBoard<P, L, D> {
    pub platform: P,
    pub led: L,
    pub delay: D,
}

impl<P: Platform, L: OutputPin, D: DelayNs> LedBoard<P, L, D> {
    /// Turn the LED on or off.
    pub fn light(&mut self, on: bool) -> bool {
        if on == P::LED_ACTIVE_LOW {
            self.led.set_low().is_ok()
        } else {
            self.led.set_high().is_ok()
        }
    }
}

impl<P: Platform, L: OutputPin, D: DelayNs> Board for LedBoard<P, L, D> {
    const NAME: &'static str = P::NAME;
    fn now(&self) -> u64 {
        self.platform.now()
    }
    fn output(&mut self, index: usize, bytes: &[u8]) -> bool {
        defmt::info!("output {=usize}: {=[u8]:x}", index, bytes);
        let on = self.light(true);
        self.delay.delay_ms(20);
        on && self.light(false)
    }
    fn profile(&mut self, op_counts: &[u64], mean: u64) -> bool {
        for (op, c) in op_counts.iter().enumerate() {
            defmt::info!("op {=usize}: {=u64} {=str}", op, c, P::UNIT);
        }
        defmt::info!("{=u64} {=str} per inference", mean, P::UNIT);
        true
    }
}
