//! An elementwise activation `f(x)` (per channel where its constants are),
//! lowered to a certified runtime kernel.

use super::{channels, FloatLayer, WriteCtx};
use crate::expr::Expr;
use crate::ir::Node;
use crate::lower::lower_calibrated;
use crate::report::ActivationReport;
use anyhow::{Context, Result};

#[derive(Clone, Debug)]
pub struct Act {
    pub f: Expr,
}

impl FloatLayer for Act {
    fn name(&self) -> &'static str {
        "activation"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let c = channels(out_dims).max(1);
        inputs[0].iter().enumerate().map(|(i, &x)| self.f.eval(x, i % c)).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let (x, y, f) = (node.inputs[0], node.output, &self.f);
        (cx.progress)(&format!("lowering activation {}", node.name));
        let (qi, qo) = (cx.quants[x], cx.quants[y]);
        let (f, l) = lower_calibrated(f, (cx.act, qi), (cx.act, qo), cx.cal.ranges[x], cx.lower, &mut *cx.progress)
            .with_context(|| format!("layer '{}': activation {f}", node.name))?;
        let kid = cx.b.kernel(&l.kernel);
        cx.report.activation = Some(ActivationReport::from_lowered(&f, &l, kid.0 as usize, (cx.act, qi), qo));
        cx.b.activation(cx.ids[x], cx.ids[y], kid);
        Ok(())
    }
}
