//! Float evaluation of the imported graph (f64), used for calibration ranges.
//! It follows the ONNX semantics of each layer; integer semantics live only in
//! the `polyact` runtime.

use crate::ir::{Graph, Op};
use anyhow::{bail, Result};

/// Values of every tensor for one input sample.
pub fn eval(g: &Graph, input: &[f32]) -> Result<Vec<Vec<f64>>> {
    let mut v: Vec<Vec<f64>> = vec![Vec::new(); g.tensors.len()];
    if input.len() != g.tensors[g.input].len() {
        bail!("input has {} values, the model expects {}", input.len(), g.tensors[g.input].len());
    }
    v[g.input] = input.iter().map(|&x| x as f64).collect();
    for n in &g.nodes {
        let x = &v[n.inputs[0]];
        let od = &g.tensors[n.output].dims;
        let id = &g.tensors[n.inputs[0]].dims;
        let out = match &n.op {
            Op::Dense { w, b } => {
                let (n_in, n_out) = (*id.last().unwrap(), *od.last().unwrap());
                let rows = x.len() / n_in;
                let mut o = vec![0.0; rows * n_out];
                for r in 0..rows {
                    for j in 0..n_out {
                        let mut acc = b[j] as f64;
                        for i in 0..n_in {
                            acc += x[r * n_in + i] * w[j * n_in + i] as f64;
                        }
                        o[r * n_out + j] = acc;
                    }
                }
                o
            }
            Op::Conv { w, b, geom, depth_multiplier, .. } => conv(x, hwc(id), hwc(od), w, b, geom, *depth_multiplier),
            Op::Pool { max, geom } => pool(x, hwc(id), hwc(od), geom, *max),
            Op::Add => x.iter().zip(&v[n.inputs[1]]).map(|(a, b)| a + b).collect(),
            Op::Concat { axis } => {
                let outer: usize = od[..*axis].iter().product();
                let mut o = Vec::with_capacity(od.iter().product());
                for k in 0..outer {
                    for &i in &n.inputs {
                        let d = &g.tensors[i].dims;
                        let block: usize = d[*axis..].iter().product();
                        o.extend_from_slice(&v[i][k * block..(k + 1) * block]);
                    }
                }
                o
            }
            Op::Reshape => x.clone(),
            Op::Softmax => {
                let c = *od.last().unwrap();
                let mut o = vec![0.0; x.len()];
                for r in 0..x.len() / c {
                    let row = &x[r * c..(r + 1) * c];
                    let m = row.iter().cloned().fold(f64::MIN, f64::max);
                    let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
                    for i in 0..c {
                        o[r * c + i] = (row[i] - m).exp() / s;
                    }
                }
                o
            }
            Op::RmsNorm { eps } => {
                let c = *od.last().unwrap();
                let mut o = vec![0.0; x.len()];
                for r in 0..x.len() / c {
                    let row = &x[r * c..(r + 1) * c];
                    let rms = (row.iter().map(|v| v * v).sum::<f64>() / c as f64 + eps).sqrt();
                    for i in 0..c {
                        o[r * c + i] = row[i] / rms;
                    }
                }
                o
            }
            Op::Act { f } => {
                let c = *od.last().unwrap();
                x.iter().enumerate().map(|(i, &xv)| f.eval(xv, i % c)).collect()
            }
        };
        v[n.output] = out;
    }
    Ok(v)
}

fn hwc(d: &[usize]) -> [usize; 3] {
    match d.len() {
        1 => [1, 1, d[0]],
        2 => [1, d[0], d[1]],
        _ => [d[0], d[1], d[2]],
    }
}

fn tap(o: usize, k: usize, stride: usize, dil: usize, pad: usize, n: usize) -> Option<usize> {
    let p = (o * stride + k * dil) as isize - pad as isize;
    (p >= 0 && (p as usize) < n).then_some(p as usize)
}

fn conv(
    x: &[f64],
    i: [usize; 3],
    o: [usize; 3],
    w: &[f32],
    b: &[f32],
    g: &polyact::writer::ConvGeom,
    dm: Option<usize>,
) -> Vec<f64> {
    let [kh, kw] = g.window;
    let mut out = Vec::with_capacity(o.iter().product());
    for oy in 0..o[0] {
        for ox in 0..o[1] {
            for oc in 0..o[2] {
                let mut acc = b[oc] as f64;
                for ky in 0..kh {
                    let Some(iy) = tap(oy, ky, g.stride[0], g.dilation[0], g.pad[0], i[0]) else {
                        continue;
                    };
                    for kx in 0..kw {
                        let Some(ix) = tap(ox, kx, g.stride[1], g.dilation[1], g.pad[1], i[1]) else {
                            continue;
                        };
                        let px = (iy * i[1] + ix) * i[2];
                        match dm {
                            Some(dm) => acc += x[px + oc / dm] * w[(ky * kw + kx) * o[2] + oc] as f64,
                            None => {
                                for ic in 0..i[2] {
                                    acc += x[px + ic] * w[((oc * kh + ky) * kw + kx) * i[2] + ic] as f64;
                                }
                            }
                        }
                    }
                }
                out.push(acc);
            }
        }
    }
    out
}

fn pool(x: &[f64], i: [usize; 3], o: [usize; 3], g: &polyact::writer::PoolGeom, max: bool) -> Vec<f64> {
    let mut out = Vec::with_capacity(o.iter().product());
    for oy in 0..o[0] {
        for ox in 0..o[1] {
            for c in 0..o[2] {
                let (mut acc, mut n, mut best) = (0.0f64, 0.0f64, f64::MIN);
                for ky in 0..g.window[0] {
                    let Some(iy) = tap(oy, ky, g.stride[0], 1, g.pad[0], i[0]) else {
                        continue;
                    };
                    for kx in 0..g.window[1] {
                        let Some(ix) = tap(ox, kx, g.stride[1], 1, g.pad[1], i[1]) else {
                            continue;
                        };
                        let v = x[(iy * i[1] + ix) * i[2] + c];
                        acc += v;
                        n += 1.0;
                        best = best.max(v);
                    }
                }
                out.push(if max { best } else { acc / n.max(1.0) });
            }
        }
    }
    out
}
