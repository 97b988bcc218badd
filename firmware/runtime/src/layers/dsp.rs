//! Cortex-M4/M7 DSP-extension instructions (SXTB16, SMLAD) for the int8
//! inner products — two multiply-accumulates per instruction, as CMSIS-NN
//! uses them. Stable Rust has no intrinsics for them, so each is one line of
//! inline assembly on registers only (no memory, no flags read); this module
//! is the crate's only `unsafe`, compiled only for `thumbv7em` targets. The
//! portable loops in `dot` define the result; the QEMU cross-target tests
//! check these against the host bit for bit.
#![allow(unsafe_code)]

use core::arch::asm;

/// Sign-extend bytes 0 and 2 of `a` into two 16-bit lanes.
#[inline(always)]
pub fn sxtb16(a: u32) -> u32 {
    let r: u32;
    // SAFETY: register-only arithmetic instruction.
    unsafe {
        asm!("sxtb16 {r}, {a}", r = lateout(reg) r, a = in(reg) a, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// Sign-extend bytes 1 and 3 of `a` into two 16-bit lanes.
#[inline(always)]
pub fn sxtb16_ror8(a: u32) -> u32 {
    let r: u32;
    // SAFETY: register-only arithmetic instruction.
    unsafe {
        asm!("sxtb16 {r}, {a}, ror #8", r = lateout(reg) r, a = in(reg) a, options(pure, nomem, nostack, preserves_flags))
    };
    r
}

/// `acc + a.lo·b.lo + a.hi·b.hi` over signed 16-bit lanes, wrapping modulo
/// 2^32 (SMLAD sets the sticky Q flag on overflow and nothing reads it).
#[inline(always)]
pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
    let r: i32;
    // SAFETY: register-only arithmetic instruction; the Q flag is not observed.
    unsafe {
        asm!("smlad {r}, {a}, {b}, {c}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, c = in(reg) acc,
             options(pure, nomem, nostack))
    };
    r
}

/// `a − b` per signed 16-bit lane, wrapping (the operands here never wrap:
/// int8 values minus an int8 zero point).
#[inline(always)]
pub fn ssub16(a: u32, b: u32) -> u32 {
    let r: u32;
    // SAFETY: register-only arithmetic instruction; the GE flags it sets are not observed.
    unsafe {
        asm!("ssub16 {r}, {a}, {b}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack))
    };
    r
}
