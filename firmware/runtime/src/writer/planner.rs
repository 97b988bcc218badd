//! Arena planner: places tensors so that tensors alive at the same time never
//! share bytes, reusing memory otherwise (greedy by size, first fit, like
//! TFLite Micro's greedy planner). The runtime re-checks the plan on load.

use alloc::vec::Vec;

/// A buffer to place: its size and live interval `[first, last]` in op
/// indices (graph input born at −1), and an optional tensor it must share
/// its placement with (an in-place elementwise op).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime {
    pub bytes: usize,
    pub first: i64,
    pub last: i64,
    pub alias_of: Option<usize>,
}

const ALIGN: usize = 4;

fn root(lts: &[Lifetime], mut i: usize) -> usize {
    while let Some(p) = lts[i].alias_of {
        i = p;
    }
    i
}

/// Offsets for each buffer, and the arena size (the high-water mark).
pub fn plan_arena(lts: &[Lifetime]) -> (Vec<usize>, usize) {
    // Merge alias chains into groups with the union of their lifetimes.
    let n = lts.len();
    let mut group: Vec<(usize, i64, i64)> = lts.iter().map(|l| (l.bytes, l.first, l.last)).collect();
    for i in 0..n {
        let r = root(lts, i);
        if r != i {
            let (b, f, l) = group[i];
            let g = &mut group[r];
            *g = (g.0.max(b), g.1.min(f), g.2.max(l));
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| root(lts, i) == i).collect();
    order.sort_by(|&a, &b| group[b].0.cmp(&group[a].0).then(a.cmp(&b)));
    let mut offset = alloc::vec![usize::MAX; n];
    let mut placed: Vec<usize> = Vec::new();
    for &g in &order {
        let (bytes, first, last) = group[g];
        let mut conflicts: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&p| group[p].1 <= last && first <= group[p].2)
            .map(|&p| (offset[p], offset[p] + group[p].0))
            .collect();
        conflicts.sort_unstable();
        let mut at = 0;
        for (s, e) in conflicts {
            if at + bytes <= s {
                break;
            }
            at = at.max(e.div_ceil(ALIGN) * ALIGN);
        }
        offset[g] = at;
        placed.push(g);
    }
    for i in 0..n {
        offset[i] = offset[root(lts, i)];
    }
    let high = (0..n).map(|i| offset[i] + lts[i].bytes).max().unwrap_or(0);
    (offset, high)
}
