//! What every weighted layer (Dense, Conv, Depthwise) does with an accumulator:
//! add bias, requantize per output channel, optionally run a fused activation
//! kernel, clamp, narrow.
//!
//! Common params of weighted layers (indices 0..11):
//! `weights(off,len) bias(off,len) multipliers(off,len) shifts(off,len)
//!  clamp_min clamp_max kernel` — `kernel` is −1 for none; with a kernel, the
//! requantized value is first offset by the kernel's input zero point and
//! saturated to its input type (the "pre-activation" tensor that is never stored).

use super::DecodeCtx;
use crate::activation::Activation;
use crate::arith::{requantize, requantize_i64};
use crate::dtype::{le_i32, DType};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// The [`Layer`](super::Layer) methods every weighted layer (a type with
/// `input`, `output`, `w: Weighted` and a `compute(x, y)`) shares: running on
/// the arena, its constants, and its fused activation.
macro_rules! weighted_layer_methods {
    ($lt:lifetime) => {
        fn run(&self, arena: &mut [u8]) -> Result<(), $crate::error::Error> {
            $crate::layers::arena_io::with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
        }

        fn constant_bytes(&self) -> usize {
            self.w.constant_bytes()
        }

        fn activation(&self) -> Option<(usize, $crate::activation::Activation<$lt>)> {
            self.w.stage.kernel
        }
    };
}
pub(crate) use weighted_layer_methods;

/// Number of common params of weighted layers.
pub const N_COMMON: usize = 11;

/// Decoded per-channel requantization and epilogue.
#[derive(Clone, Copy, Debug)]
pub struct OutputStage<'a> {
    mult: &'a [u8],
    shift: &'a [u8],
    per_channel: bool,
    pub clamp_min: i32,
    pub clamp_max: i32,
    pub kernel: Option<(usize, Activation<'a>)>,
    out_zp: i32,
    wide_acc: bool,
}

/// Weights, bias and output stage of a weighted layer.
#[derive(Clone, Copy, Debug)]
pub struct Weighted<'a> {
    pub weights: &'a [u8],
    bias: &'a [u8],
    pub stage: OutputStage<'a>,
}

impl<'a> Weighted<'a> {
    /// Decode the common params of the layer's `(input, output)` tensors;
    /// `n_weights` is the exact weight count expected, `channels` the output
    /// channel count; a full check re-proves what load already proved.
    pub fn decode(
        rec: &Record<'a>,
        cx: &DecodeCtx<'_, 'a>,
        (input, output): (&TensorInfo, &TensorInfo),
        n_weights: usize,
        channels: usize,
    ) -> Result<Weighted<'a>, Error> {
        let bad = |reason| cx.bad(reason);
        let full = cx.full();
        let weights = rec.data(0, "weights")?;
        if weights.len() != n_weights {
            return Err(bad("weight array length does not match the layer shape"));
        }
        let bias = rec.data(2, "bias")?;
        if bias.len() != 4 * channels {
            return Err(bad("bias must hold one i32 per output channel"));
        }
        let mult = rec.data(4, "multipliers")?;
        let shift = rec.data(6, "shifts")?;
        let per_channel = mult.len() == 4 * channels;
        if !(per_channel || mult.len() == 4) || shift.len() != mult.len() {
            return Err(bad("multipliers and shifts must be per channel or per tensor"));
        }
        // Shift ranges are proved once at load; not again on every inference.
        for c in (0..shift.len() / 4).filter(|_| full) {
            if !(-31..=30).contains(&le_i32(shift, c)) {
                return Err(bad("requantization shift outside -31..=30"));
            }
        }
        let (clamp_min, clamp_max) = (rec.param(8), rec.param(9));
        let od = output.dtype;
        if clamp_min > clamp_max || clamp_min < od.min() || clamp_max > od.max() {
            return Err(bad("clamp range outside the output type or empty"));
        }
        let kernel = match rec.param(10) {
            -1 => None,
            k if k >= 0 => {
                let act = cx.tables.kernel(k as usize)?;
                if act.io.out_dtype != od || act.io.out_zp != output.quant.zero_point {
                    return Err(bad("fused kernel output type or zero point differs from the output tensor"));
                }
                if !act.fits_channels(channels) {
                    return Err(bad("fused kernel channel sets do not match the output channels"));
                }
                Some((k as usize, act))
            }
            k => return Err(Error::BadField { what: "fused kernel index", value: k as i64 }),
        };
        let stage = OutputStage {
            mult,
            shift,
            per_channel,
            clamp_min,
            clamp_max,
            kernel,
            out_zp: output.quant.zero_point,
            wide_acc: input.dtype == DType::I16,
        };
        Ok(Weighted { weights, bias, stage })
    }

    /// Requantize the accumulator as an `i64` whatever the input width (for
    /// layers whose products exceed 16×8 bits).
    pub fn with_wide_accumulator(mut self) -> Self {
        self.stage.wide_acc = true;
        self
    }

    /// Bytes of weights, bias, multipliers and shifts.
    pub fn constant_bytes(&self) -> usize {
        self.weights.len() + self.bias.len() + self.stage.mult.len() + self.stage.shift.len()
    }

    /// The bias array (one little-endian i32 per output channel).
    pub fn bias_bytes(&self) -> &'a [u8] {
        self.bias
    }

    /// Bias of output channel `c`.
    #[inline(always)]
    pub fn bias(&self, c: usize) -> i32 {
        le_i32(self.bias, c)
    }

    /// Check that no output channel's accumulator can overflow: `|bias| +
    /// max|x − zp| · Σ|w|` over the weights that feed channel `c`
    /// (`weights_of(c)` yields them).
    pub fn check_accumulators<I: Iterator<Item = u8>>(
        &self,
        op: usize,
        input: &TensorInfo,
        channels: usize,
        weights_of: impl Fn(usize) -> I,
    ) -> Result<(), Error> {
        let zp = input.quant.zero_point as i64;
        let max_in = (zp - input.dtype.min() as i64).max(input.dtype.max() as i64 - zp) as u128;
        let limit: u128 = if input.dtype == DType::I8 { i32::MAX as u128 } else { i64::MAX as u128 };
        for c in 0..channels {
            let sum_w: u128 = weights_of(c).map(|w| (w as i8).unsigned_abs() as u128).sum();
            let bound = sum_w * max_in + self.bias(c).unsigned_abs() as u128;
            if bound > limit {
                return Err(Error::AccumulatorOverflow { op, channel: c });
            }
        }
        Ok(())
    }
}

impl<'a> OutputStage<'a> {
    /// Per-channel requantization of an int32 accumulator with no fused kernel.
    pub fn is_plain_per_channel(&self) -> bool {
        self.per_channel && self.kernel.is_none() && !self.wide_acc
    }
    /// Output zero point.
    pub fn out_zp(&self) -> i32 {
        self.out_zp
    }
    /// Multiplier array (little-endian i32 per channel, or one).
    pub fn mult_bytes(&self) -> &'a [u8] {
        self.mult
    }
    /// Shift array.
    pub fn shift_bytes(&self) -> &'a [u8] {
        self.shift
    }

    /// Requantize accumulator `acc` of output channel `c` and produce the output value.
    #[inline(always)]
    pub fn finish(&self, acc: i64, c: usize) -> i32 {
        let i = c * self.per_channel as usize;
        let (m, s) = (le_i32(self.mult, i), le_i32(self.shift, i));
        let v = if self.wide_acc { requantize_i64(acc, m, s) } else { requantize(acc as i32, m, s) };
        let y = match &self.kernel {
            Some((_, k)) => k.eval(k.io.in_dtype.saturate(v.saturating_add(k.io.in_zp)), c),
            None => v.saturating_add(self.out_zp),
        };
        y.clamp(self.clamp_min, self.clamp_max)
    }
}
