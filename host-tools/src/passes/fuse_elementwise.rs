//! Two elementwise activations in a row, the first read only by the second,
//! become one scalar function `g(f(x))` — one kernel, one certificate, no
//! tensor in between. (The importer fuses within an ONNX value chain; this
//! catches chains it had to materialize, and those other passes leave.)

use crate::ir::{Graph, Op};
use crate::layers::activation::Act;
use anyhow::Result;

pub fn run(g: &mut Graph) -> Result<usize> {
    let mut count = 0;
    while let Some((inner, outer)) = find(g) {
        let (Op::Act(fi), Op::Act(fo)) = (&g.nodes[inner].op, &g.nodes[outer].op) else { break };
        let fused = fo.f.compose(&fi.f);
        let src = g.nodes[inner].inputs[0];
        g.nodes[outer].op = Op::Act(Act { f: fused });
        g.nodes[outer].inputs[0] = src;
        let mid = g.nodes[inner].output;
        g.bypass(inner, mid);
        count += 1;
    }
    Ok(count)
}

/// An activation node `outer` whose input is written by the activation node
/// `inner` and read by nothing else.
fn find(g: &Graph) -> Option<(usize, usize)> {
    g.nodes.iter().enumerate().find_map(|(outer, n)| {
        let Op::Act(_) = n.op else { return None };
        let inner = g.producer(n.inputs[0])?;
        (matches!(g.nodes[inner].op, Op::Act(_)) && g.sole_use(n.inputs[0])).then_some((inner, outer))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Expr, Un};
    use crate::ir::Node;

    #[test]
    fn a_chain_of_two_activations_becomes_one() {
        let mut g = Graph::default();
        let (x, a, y) = (g.add_tensor("x", vec![4]), g.add_tensor("a", vec![4]), g.add_tensor("y", vec![4]));
        let act = |f, i, o| Node { name: "n".into(), op: Op::Act(Act { f }), inputs: vec![i], output: o };
        g.nodes.push(act(Expr::un(Un::Tanh, Expr::X), x, a));
        g.nodes.push(act(Expr::un(Un::Relu, Expr::X), a, y));
        (g.input, g.output) = (x, y);
        assert_eq!(run(&mut g).unwrap(), 1);
        assert_eq!(g.nodes.len(), 1);
        let Op::Act(a) = &g.nodes[0].op else { panic!() };
        assert_eq!(a.f, Expr::un(Un::Relu, Expr::un(Un::Tanh, Expr::X)));
        assert_eq!((g.nodes[0].inputs[0], g.nodes[0].output), (x, y));
    }
}
