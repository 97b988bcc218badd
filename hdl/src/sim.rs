//! Run a core in rust-hdl's simulator: one input per clock, outputs collected
//! after the pipeline latency.

use crate::core::{with_core, ActivationCore, CoreVisitor};
use crate::spec::CoreSpec;
use rust_hdl::prelude::*;
use std::sync::{Arc, Mutex};

/// Simulate `spec`'s core on `inputs` (fed one per clock) and return its
/// outputs in input order.
pub fn simulate(spec: &CoreSpec, inputs: &[i64]) -> Result<Vec<i64>, String> {
    with_core(spec, Run { inputs: inputs.to_vec(), latency: spec.latency() })
}

struct Run {
    inputs: Vec<i64>,
    latency: usize,
}

impl CoreVisitor for Run {
    type Output = Result<Vec<i64>, String>;

    fn visit<C: ActivationCore>(self, core: C) -> Self::Output {
        let Run { inputs, latency } = self;
        let n = inputs.len();
        let seen = Arc::new(Mutex::new(Vec::with_capacity(n)));
        let out = seen.clone();
        let mut sim: Simulation<C> = Simulation::new();
        sim.add_clock(5, |c: &mut Box<C>| c.toggle_clock());
        sim.add_testbench(move |mut sim: Sim<C>| {
            let mut c = sim.init()?;
            // Feed input k before rising edge k; after edge k the output
            // belongs to input k − (latency − 1).
            for k in 0..n + latency - 1 {
                c = sim.watch(|c| !c.clock_high(), c)?;
                c.set_x(inputs[k.min(n - 1)]);
                c = sim.watch(|c| c.clock_high(), c)?;
                if k + 1 >= latency {
                    out.lock().unwrap().push(c.y());
                }
            }
            sim.done(c)
        });
        let cycles = (n + latency + 2) as u64;
        sim.run(Box::new(core), cycles * 10 + 20).map_err(|e| format!("rust-hdl simulation failed: {e:?}"))?;
        let got = std::mem::take(&mut *seen.lock().unwrap());
        if got.len() != n {
            return Err(format!("rust-hdl simulation produced {} outputs for {n} inputs", got.len()));
        }
        Ok(got)
    }
}
