//! A compiled int8 → int8 activation op: the kernel tabulated on all 256
//! inputs (exact by construction: each entry is the runtime's own result).

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
            Some(t) => t[(x as i8 as i32 + 128) as usize] as u8,
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
