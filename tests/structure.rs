//! Potentials of rational gradient fields (`bea::structure`, strategy 3: the rational ansatz with logarithms),
//! against closed forms worked out by hand.

use bea::algebra::Coef;
use bea::derive::derive;
use bea::emit::expr::{Printer, Syntax};
use bea::spec::examples::example;
use bea::spec::{Problem, RawProblem};
use bea::structure::analyse;

fn field(vars: &[&str], f: &[&str]) -> Problem {
    let raw = RawProblem {
        vars: vars.iter().map(|s| s.to_string()).collect(),
        field: Some(f.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    };
    Problem::from_raw(&raw).unwrap()
}

/// The oscillator `(u, v)' = (-v, u)/(u^2 + v^2)` under gradient descent: `f_3 = (u, v)/(4 r^8)` with
/// `r^2 = u^2 + v^2` (catalogue snapshot), radial, so `E_3 = c / r^6` with `-grad E_3 = 6c (u, v)/r^8`, i.e.
/// `c = 1/24`; likewise `f_5 = (u, v)/(4 r^12)` gives `E_5 = 1/(40 r^10)`. Compared by value at exact points (a
/// potential is unique up to a constant; the difference at two points removes it).
#[test]
fn oscillator_odd_corrections_have_rational_potentials() {
    let mut p = Problem::from_raw(&example("oscillator").unwrap()).unwrap();
    p.order = 5;
    let mut me = derive(&p).unwrap();
    let c = me.general.clone().unwrap();
    let alg = &mut me.problem.algebra;
    for (l, k, c_l) in [(3usize, 3i64, Coef::new(1, 24)), (5, 5, Coef::new(1, 40))] {
        let s = analyse(alg, &c[l - 1], None);
        assert!(s.gradient, "f_{l} has a symmetric Jacobian");
        let e = s.potential.unwrap_or_else(|| panic!("f_{l}: no potential"));
        let pts = [[Coef::new(1, 1), Coef::new(1, 2)], [Coef::new(-3, 2), Coef::new(2, 1)]];
        let val = |pt: &[Coef; 2]| -> Coef {
            let r2 = pt[0].mul(&pt[0]).add(&pt[1].mul(&pt[1]));
            c_l.mul(&r2.pow(-k).unwrap())
        };
        let got = alg.eval_exact(&e, &pts[0]).unwrap().sub(&alg.eval_exact(&e, &pts[1]).unwrap());
        assert_eq!(got, val(&pts[0]).sub(&val(&pts[1])), "E_{l}");
    }
}

/// A potential that needs a logarithm: `f = (x, y)/(x^2 + y^2) = -grad E` with `E = -1/2 log(x^2 + y^2)`.
#[test]
fn radial_inverse_field_gets_a_logarithmic_potential() {
    let mut p = field(&["x", "y"], &["x/(x^2 + y^2)", "y/(x^2 + y^2)"]);
    let f = p.field.clone();
    let s = analyse(&mut p.algebra, &f, None);
    let e = s.potential.expect("a potential");
    let printed = Printer::new(&p.algebra, &p.vars, Syntax::Text).elem(&e);
    assert_eq!(printed, "-1/2*log(x^2 + y^2)");
}

/// The vortex `(-y, x)/(x^2 + y^2)` has a symmetric Jacobian but no single-valued potential (it is `-grad` of
/// minus the polar angle, which winds): nothing may be reported, and nothing is.
#[test]
fn vortex_has_no_potential() {
    let mut p = field(&["x", "y"], &["-y/(x^2 + y^2)", "x/(x^2 + y^2)"]);
    let f = p.field.clone();
    let s = analyse(&mut p.algebra, &f, None);
    assert!(s.gradient && s.potential.is_none());
}

/// A rational field with a parameter is outside the ansatz (coefficients must be numbers): no potential, no
/// error, and a polynomial-in-the-state field with a parameter still gets one by the homotopy formula.
#[test]
fn rational_ansatz_skips_symbolic_coefficients() {
    let mut p = field(&["x", "y"], &["a*x/(x^2 + y^2)^2", "a*y/(x^2 + y^2)^2"]);
    let f = p.field.clone();
    let s = analyse(&mut p.algebra, &f, None);
    assert!(s.gradient && s.potential.is_none());
    let mut q = field(&["x", "y"], &["-a*x", "-y"]);
    let f = q.field.clone();
    assert!(analyse(&mut q.algebra, &f, None).potential.is_some());
}
