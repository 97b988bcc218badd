//! A compiled int8 → int8 activation op: the kernel tabulated on all 256
//! inputs (exact by construction: each entry is the runtime's own result).

use crate::activation::Activation;

/// Where int8 input `x` (saturated) sits in a kernel table.
#[inline(always)]
pub fn table_index(x: i32) -> usize {
    (x.clamp(-128, 127) + 128) as usize
}

/// Kernel `k`'s coefficient set `set` on every int8 input: entry
/// [`table_index`]`(x)` is `k.eval(x, set)` itself (for int8 → int8 kernels),
/// so the table is exact by construction.
pub fn tabulate(k: &Activation, set: usize) -> [i8; 256] {
    core::array::from_fn(|i| k.eval(i as i32 - 128, set) as i8)
}

/// Tables indexed by `input + 128`: one shared, or one per channel
/// (channel = element index modulo `tables.len()`).
#[derive(Clone, Copy, Debug)]
pub struct LookupI8<'a> {
    pub tables: &'a [[i8; 256]],
}

impl LookupI8<'_> {
    #[inline(always)]
    fn at(&self, i: usize, x: u8) -> u8 {
        let k = if self.tables.len() > 1 { i % self.tables.len() } else { 0 };
        match self.tables.get(k) {
            Some(t) => t[table_index(x as i8 as i32)] as u8,
            None => x,
        }
    }

    #[inline(always)]
    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        for (i, (yv, &xv)) in y.iter_mut().zip(x).enumerate() {
            *yv = self.at(i, xv);
        }
    }

    #[inline(always)]
    pub fn run_in_place(&self, buf: &mut [u8]) {
        for (i, v) in buf.iter_mut().enumerate() {
            *v = self.at(i, *v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_channel_tables_follow_the_element_index() {
        let neg: [i8; 256] = core::array::from_fn(|i| (127 - i as i32).max(-128) as i8);
        let id: [i8; 256] = core::array::from_fn(|i| (i as i32 - 128) as i8);
        let k = LookupI8 { tables: &[id, neg] };
        let x = [5u8, 5, (-7i8) as u8, (-7i8) as u8];
        let mut y = [0u8; 4];
        k.run(&x, &mut y);
        assert_eq!(y.map(|v| v as i8), [5, -6, -7, 6]);
        let mut buf = x;
        k.run_in_place(&mut buf);
        assert_eq!(buf, y);
        let shared = LookupI8 { tables: &[neg] };
        shared.run_in_place(&mut buf);
        assert_eq!(buf.map(|v| v as i8), [-6, 5, 6, -7]);
    }
}
