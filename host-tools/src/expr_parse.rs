//! Parse a function of `x` for `polyact fit`: `tanh`, `gelu`, or any
//! expression such as `x*sigmoid(1.702*x) + 0.1*sin(x)`.

use crate::expr::{Bin, Expr, Un};
use anyhow::{anyhow, bail, Result};

/// Named activations usable as a bare word or as `name(expr)`.
fn named(name: &str, a: Expr) -> Result<Expr> {
    let u = |op| Ok(Expr::un(op, a.clone()));
    match name {
        "relu" => u(Un::Relu),
        "sigmoid" => u(Un::Sigmoid),
        "tanh" => u(Un::Tanh),
        "erf" => u(Un::Erf),
        "exp" => u(Un::Exp),
        "log" | "ln" => u(Un::Log),
        "softplus" => u(Un::Softplus),
        "sin" => u(Un::Sin),
        "cos" => u(Un::Cos),
        "sqrt" => u(Un::Sqrt),
        "abs" => u(Un::Abs),
        "gelu" => u(Un::Gelu),
        "gelu_tanh" => u(Un::GeluTanh),
        "mish" => u(Un::Mish),
        "elu" => u(Un::Elu(1.0)),
        "selu" => u(Un::Selu(1.673_263_192_176_818_8, 1.050_700_987_355_480_5)),
        "softsign" => u(Un::Softsign),
        "tan" => u(Un::Tan),
        "atan" => u(Un::Atan),
        "asin" => u(Un::Asin),
        "acos" => u(Un::Acos),
        "sinh" => u(Un::Sinh),
        "cosh" => u(Un::Cosh),
        "asinh" => u(Un::Asinh),
        "acosh" => u(Un::Acosh),
        "atanh" => u(Un::Atanh),
        "sign" => u(Un::Sign),
        "celu" => u(Un::Celu(1.0)),
        "round" => u(Un::Round),
        "floor" => u(Un::Floor),
        "ceil" => u(Un::Ceil),
        "hardswish" => u(Un::HardSwish),
        "hardsigmoid" => u(Un::HardSigmoid(1.0 / 6.0, 0.5)),
        "silu" | "swish" => Ok(Expr::bin(Bin::Mul, a.clone(), Expr::un(Un::Sigmoid, a))),
        // Snake with a = 1: x + sin²(x)
        "snake" => Ok(Expr::bin(Bin::Add, a.clone(), Expr::bin(Bin::Pow, Expr::un(Un::Sin, a), Expr::c(2.0)))),
        _ => bail!("unknown function '{name}'"),
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expr(&mut self) -> Result<Expr> {
        let mut a = self.term()?;
        loop {
            if self.eat(b'+') {
                a = Expr::bin(Bin::Add, a, self.term()?);
            } else if self.eat(b'-') {
                a = Expr::bin(Bin::Sub, a, self.term()?);
            } else {
                return Ok(a);
            }
        }
    }
    fn term(&mut self) -> Result<Expr> {
        let mut a = self.unary()?;
        loop {
            if self.eat(b'*') {
                a = Expr::bin(Bin::Mul, a, self.unary()?);
            } else if self.eat(b'/') {
                a = Expr::bin(Bin::Div, a, self.unary()?);
            } else {
                return Ok(a);
            }
        }
    }
    fn unary(&mut self) -> Result<Expr> {
        if self.eat(b'-') {
            return Ok(Expr::un(Un::Neg, self.unary()?));
        }
        let base = self.primary()?;
        if self.eat(b'^') {
            return Ok(Expr::bin(Bin::Pow, base, self.unary()?));
        }
        Ok(base)
    }
    fn primary(&mut self) -> Result<Expr> {
        self.ws();
        if self.eat(b'(') {
            let e = self.expr()?;
            if !self.eat(b')') {
                bail!("expected ')' at position {}", self.i);
            }
            return Ok(e);
        }
        let start = self.i;
        let c = *self.s.get(self.i).ok_or_else(|| anyhow!("unexpected end of expression"))?;
        if c.is_ascii_digit() || c == b'.' {
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_digit()
                    || b".eE".contains(&self.s[self.i])
                    || ((self.s[self.i] == b'-' || self.s[self.i] == b'+') && b"eE".contains(&self.s[self.i - 1])))
            {
                self.i += 1;
            }
            let t = std::str::from_utf8(&self.s[start..self.i])?;
            return Ok(Expr::c(t.parse().map_err(|_| anyhow!("bad number '{t}'"))?));
        }
        if c.is_ascii_alphabetic() {
            while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_') {
                self.i += 1;
            }
            let name = std::str::from_utf8(&self.s[start..self.i])?.to_ascii_lowercase();
            return match name.as_str() {
                "x" => Ok(Expr::X),
                "pi" => Ok(Expr::c(std::f64::consts::PI)),
                "e" => Ok(Expr::c(std::f64::consts::E)),
                _ => {
                    if !self.eat(b'(') {
                        bail!("'{name}' must be called like {name}(x)");
                    }
                    let a = self.expr()?;
                    if !self.eat(b')') {
                        bail!("expected ')' after the argument of {name}");
                    }
                    named(&name, a)
                }
            };
        }
        bail!("unexpected '{}' at position {}", c as char, self.i)
    }
}

/// Parse `s` (a bare function name means `name(x)`).
pub fn parse(s: &str) -> Result<Expr> {
    let t = s.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && t != "x" {
        if let Ok(e) = named(&t.to_ascii_lowercase(), Expr::X) {
            return Ok(e);
        }
    }
    let mut p = P { s: t.as_bytes(), i: 0 };
    let e = p.expr().map_err(|e| anyhow!("cannot parse function '{s}': {e}"))?;
    p.ws();
    if p.i != p.s.len() {
        bail!("cannot parse function '{s}': unexpected text at position {}", p.i);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_evaluates() {
        let e = parse("x*sigmoid(1.702*x) + 0.1*sin(x)").unwrap();
        let x = 0.7f64;
        let want = x / (1.0 + (-1.702 * x).exp()) + 0.1 * x.sin();
        assert!((e.eval(x, 0) - want).abs() < 1e-12);
        assert!((parse("tanh").unwrap().eval(0.3, 0) - 0.3f64.tanh()).abs() < 1e-15);
        assert_eq!(parse("-x^2").unwrap().eval(3.0, 0), -9.0);
        assert!(parse("foo(x)").is_err());
        assert!(parse("x +").is_err());
    }
}
