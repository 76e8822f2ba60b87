//! The Taylor-expansion path (`bea::derive::taylor`): partitioned Runge–Kutta methods (symplectic Euler,
//! Störmer–Verlet) and, as a second algorithm, ordinary Runge–Kutta methods against the B-series path.

use crate::support::bea;
use bea::algebra::{Algebra, Coef, Elem};
use bea::derive::bseries::tableau::{ButcherTableau, BUILTIN_METHODS};
use bea::derive::bseries::{derive_method, method_by_name};
use bea::derive::derive;
use bea::derive::taylor::{derive_partitioned, PartitionedRk, TaylorError};
use bea::spec::examples::example;
use bea::spec::{Problem, Recursion};

fn catalogue_problem(name: &str, order: usize) -> Problem {
    let mut p = Problem::from_raw(&example(name).unwrap()).unwrap();
    p.order = order;
    p.recursion = Recursion::General;
    p
}

fn partitioned(p: &Problem, method: &str) -> (Problem, Vec<Vec<Elem>>) {
    let m = PartitionedRk::named(method, &p.vars).unwrap();
    let me = derive_partitioned(p, &m, &Default::default()).unwrap();
    let c = me.general.clone().unwrap();
    (me.problem, c)
}

/// Explicit Euler expanded as a one-stage method equals the core's direct recursion (the Taylor path with
/// `d = [f]` reduces to it, so this checks the stage expansion and the `d_j` bookkeeping).
#[test]
fn taylor_explicit_euler_equals_direct_recursion() {
    for name in ["lotka-volterra", "quartic", "poly3d", "pendulum"] {
        let p = catalogue_problem(name, 4);
        let m = PartitionedRk::uniform(&ButcherTableau::named("explicit-euler").unwrap(), p.vars.len());
        let mut me = derive_partitioned(&p, &m, &Default::default()).unwrap();
        let direct = derive(&me.problem).unwrap().general.unwrap();
        let alg = &mut me.problem.algebra;
        for (l, (a, b)) in me.general.as_ref().unwrap().iter().zip(&direct).enumerate() {
            assert!(a.iter().zip(b).all(|(x, y)| alg.equal(x, y)), "{name}: f_{} differs", l + 1);
        }
    }
}

/// Two independent algorithms: every built-in Runge–Kutta method (explicit and implicit) by Taylor expansion of its
/// step equals the B-series path (trees, substitution, elementary differentials), exactly, on three fields.
#[test]
fn taylor_path_equals_bseries_path_for_every_builtin_method() {
    for name in ["lotka-volterra", "quartic", "poly3d"] {
        let order = if name == "poly3d" { 2 } else { 3 };
        let p = catalogue_problem(name, order);
        for method in BUILTIN_METHODS {
            let taylor = assert_paths_agree(&p, method);
            assert_eq!(taylor.len(), order, "{method} on {name}");
        }
    }
}

/// Derives `method` on `p` by B-series and by Taylor expansion, asserts `f_1..f_N` agree exactly, and returns the
/// Taylor path's corrections.
fn assert_paths_agree(p: &Problem, method: &str) -> Vec<Vec<Elem>> {
    let t = method_by_name(method).unwrap();
    let by_trees = derive_method(p, &t).unwrap();
    let m = PartitionedRk::uniform(&t, p.vars.len());
    let mut me = derive_partitioned(&by_trees.problem, &m, &Default::default()).unwrap();
    let alg = &mut me.problem.algebra;
    let taylor = me.general.clone().unwrap();
    assert_eq!(taylor.len(), by_trees.corrections.len());
    for (l, (a, b)) in taylor.iter().zip(&by_trees.corrections).enumerate() {
        assert!(
            a.iter().zip(b).all(|(x, y)| alg.equal(x, y)),
            "{method} on {:?}: f_{} differs between the Taylor and B-series paths",
            p.name,
            l + 1
        );
    }
    taylor
}

/// The value of `e` at an exact rational point, as `f64`.
fn at(alg: &mut Algebra, e: &Elem, point: &[(i128, i128)]) -> f64 {
    let pt: Vec<Coef> = point.iter().map(|&(a, b)| Coef::new(a, b)).collect();
    alg.eval_exact(e, &pt).expect("defined at the point").to_f64()
}

const POINTS: [[(i128, i128); 2]; 3] = [[(3, 2), (6, 5)], [(2, 1), (1, 3)], [(-1, 1), (5, 7)]];

/// Symplectic Euler on Lotka–Volterra (GNI section I.1, Example IX.1.3): `u_1 = u + h u_1 (v - 2)`,
/// `v_1 = v + h v (1 - u_1)`. First order by hand: for `u' = a(u,v)`, `v' = b(u,v)` with `u` implicit and `v`
/// explicit, expanding the step (`u_1 = u + h a + h^2 a_u a + ...`, `v_1 = v + h b + h^2 b_u a + ...`) against the
/// flow (`y + h f + h^2/2 f'f`) gives `f_1 = 1/2 (a_u a - a_v b, b_u a - b_v b)`, i.e. with `a = u(v-2)`,
/// `b = v(1-u)`: `f_1 = (u/2 (v^2 + uv - 5v + 4), -v/2 (u^2 + uv - 4u + 1))`.
#[test]
fn symplectic_euler_lotka_volterra_first_order_by_hand() {
    let p = catalogue_problem("lotka-volterra", 1);
    let (mut q, c) = partitioned(&p, "symplectic-euler");
    for pt in POINTS {
        let (u, v) = (pt[0].0 as f64 / pt[0].1 as f64, pt[1].0 as f64 / pt[1].1 as f64);
        let want = [u / 2.0 * (v * v + u * v - 5.0 * v + 4.0), -v / 2.0 * (u * u + u * v - 4.0 * u + 1.0)];
        for m in 0..2 {
            let got = at(&mut q.algebra, &c[0][m], &pt);
            assert!(
                (got - want[m]).abs() <= 1e-12 * want[m].abs().max(1.0),
                "{pt:?} component {m}: {got} vs {}",
                want[m]
            );
        }
    }
}

/// The harmonic oscillator `q' = p, p' = -q` (variables `q, p`): the step is linear, `y_1 = M y`, so the modified
/// field is exactly `log(M) y / h` (the matrix-logarithm oracle). By hand, with `det M = 1`, `tr M = 2 - h^2`,
/// `cos θ = 1 - h^2/2`, `log M = θ/sin θ (M - cos θ I)` and `θ/sin θ = 1 + h^2/6 + h^4/30 + O(h^6)`:
/// - symplectic Euler (`q_1 = q + h p`, `p_1 = p - h q_1`), `M = [[1, h], [-h, 1 - h^2]]`:
///   `f_1 = (q/2, -p/2)`, `f_2 = (p/6, -q/6)`, `f_3 = (q/12, -p/12)`, `f_4 = (p/30, -q/30)`;
/// - Störmer–Verlet (part 1 = `q` Lobatto IIIB: `q_{1/2} = q + h/2 p`, `p_1 = p - h q_{1/2}`,
///   `q_1 = q_{1/2} + h/2 p_1`), `M = [[1 - h^2/2, h - h^3/4], [-h, 1 - h^2/2]]`:
///   `f~ = θ/sin θ (p (1 - h^2/4), -q)`, so `f_2 = (-p/12, -q/6)`, `f_4 = (-p/120, -q/30)`, `f_1 = f_3 = 0`.
#[test]
fn harmonic_oscillator_matrix_logarithm_oracle() {
    let p = catalogue_problem("harmonic", 4);
    type Want = fn(f64, f64) -> [f64; 2];
    let cases: [(&str, [Want; 4]); 2] = [
        (
            "symplectic-euler",
            [
                |q, p| [q / 2.0, -p / 2.0],
                |q, p| [p / 6.0, -q / 6.0],
                |q, p| [q / 12.0, -p / 12.0],
                |q, p| [p / 30.0, -q / 30.0],
            ],
        ),
        (
            "stormer-verlet",
            [|_, _| [0.0, 0.0], |q, p| [-p / 12.0, -q / 6.0], |_, _| [0.0, 0.0], |q, p| [-p / 120.0, -q / 30.0]],
        ),
    ];
    for (method, want) in cases {
        let (mut pr, c) = partitioned(&p, method);
        for pt in POINTS {
            let (q, pp) = (pt[0].0 as f64 / pt[0].1 as f64, pt[1].0 as f64 / pt[1].1 as f64);
            for (l, w) in want.iter().enumerate() {
                let w = w(q, pp);
                for m in 0..2 {
                    let got = at(&mut pr.algebra, &c[l][m], &pt);
                    assert!((got - w[m]).abs() <= 1e-12, "{method} f_{}[{m}] at {pt:?}: {got} vs {}", l + 1, w[m]);
                }
            }
        }
    }
}

/// `1/(uv)` in the problem's algebra.
fn inverse_product(alg: &mut Algebra) -> Elem {
    let (u, v) = (alg.state(0), alg.state(1));
    let uv = alg.mul(&u, &v);
    alg.recip(&uv).unwrap()
}

/// `div(ρ g)` for a 2-D field `g`.
fn weighted_divergence(alg: &mut Algebra, g: &[Elem], rho: &Elem) -> Elem {
    let a = alg.mul(&g[0], rho);
    let b = alg.mul(&g[1], rho);
    let da = alg.diff(&a, 0);
    let db = alg.diff(&b, 1);
    let s = alg.add(&da, &db);
    alg.normalize(&s)
}

/// Symplectic Euler is a Poisson integrator for Lotka–Volterra (`u' = uv ∂_v H`, `v' = -uv ∂_u H` with
/// `H = u - ln u + v - 2 ln v`; GNI section VII.4 / Example IX.1.3), so every term of its modified field is again
/// a Poisson field for the structure `uv J`: `div(f_l / (uv)) = 0` (in 2-D, `g = uv J ∇K` iff `g/(uv)` is
/// divergence-free). Explicit Euler is not: its `f_1` fails the same test, so the check can fail.
#[test]
fn symplectic_euler_modified_field_is_poisson_on_lotka_volterra() {
    let p = catalogue_problem("lotka-volterra", 4);
    for method in ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"] {
        let (mut q, c) = partitioned(&p, method);
        let alg = &mut q.algebra;
        let rho = inverse_product(alg);
        let f0 = q.field.clone();
        assert!(weighted_divergence(alg, &f0, &rho).is_zero(), "the field itself is Poisson");
        for (l, fl) in c.iter().enumerate() {
            if fl.iter().all(Elem::is_zero) {
                continue;
            }
            let d = weighted_divergence(alg, fl, &rho);
            assert!(d.is_zero(), "{method}: f_{} is not a Poisson field", l + 1);
        }
        assert!(c.iter().any(|fl| fl.iter().any(|e| !e.is_zero())), "{method}: all corrections vanish");
    }
    let mut me = derive(&p).unwrap();
    let rho = inverse_product(&mut me.problem.algebra);
    let f1 = me.general.as_ref().unwrap()[0].clone();
    assert!(!weighted_divergence(&mut me.problem.algebra, &f1, &rho).is_zero(), "explicit Euler is not Poisson");
}

/// Symplectic methods on a Hamiltonian system have Hamiltonian modified fields (GNI Theorem IX.3.1): on the
/// pendulum every `f_l` is divergence-free; explicit Euler's `f_1` is not.
#[test]
fn symplectic_methods_have_hamiltonian_modified_fields_on_the_pendulum() {
    let p = catalogue_problem("pendulum", 4);
    for method in ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"] {
        let (mut q, c) = partitioned(&p, method);
        let one = q.algebra.constant(Coef::one());
        for (l, fl) in c.iter().enumerate() {
            assert!(weighted_divergence(&mut q.algebra, fl, &one).is_zero(), "{method}: f_{}", l + 1);
        }
        assert!(c.iter().any(|fl| fl.iter().any(|e| !e.is_zero())), "{method}: all corrections vanish");
    }
    let mut me = derive(&p).unwrap();
    let one = me.problem.algebra.constant(Coef::one());
    let f1 = me.general.as_ref().unwrap()[0].clone();
    assert!(!weighted_divergence(&mut me.problem.algebra, &f1, &one).is_zero());
}

/// Störmer–Verlet is symmetric: only even powers of `h` (f_1 = f_3 = 0, f_2 != 0); symplectic Euler, of order 1,
/// has f_1 != 0.
#[test]
fn stormer_verlet_is_symmetric_symplectic_euler_is_not() {
    for name in ["pendulum", "lotka-volterra"] {
        let p = catalogue_problem(name, 4);
        let (_, sv) = partitioned(&p, "stormer-verlet");
        assert!(sv[0].iter().all(Elem::is_zero) && sv[2].iter().all(Elem::is_zero), "{name}: odd terms");
        assert!(sv[1].iter().any(|e| !e.is_zero()) && sv[3].iter().any(|e| !e.is_zero()), "{name}: even terms");
        let (_, se) = partitioned(&p, "symplectic-euler");
        assert!(se[0].iter().any(|e| !e.is_zero()));
    }
}

#[test]
fn partitioned_methods_refuse_odd_dimension_and_unknown_names() {
    let p = catalogue_problem("poly3d", 1);
    let err = PartitionedRk::named("symplectic-euler", &p.vars).unwrap_err();
    assert!(matches!(err, TaylorError::OddDimension { dim: 3, .. }), "{err}");
    assert!(err.to_string().contains("even number of variables"));
    let err = PartitionedRk::named("leapfrog-9", &p.vars).unwrap_err().to_string();
    assert!(err.contains("symplectic-euler") && err.contains("stormer-verlet"), "{err}");
    let two = ButcherTableau::named("heun").unwrap();
    let one = ButcherTableau::named("explicit-euler").unwrap();
    let err = PartitionedRk::new("bad", vec![two, one], vec![0, 1]).unwrap_err().to_string();
    assert!(err.contains("stages"), "{err}");
}

/// The numeric harness (`bea verify`): the derived modified fields of the partitioned methods against their numeric
/// step (`bea_verification::rk::prk_step`, fixed-point iteration of the stages) on Lotka–Volterra, the pendulum and
/// the harmonic oscillator: local-error slopes `l + 1` for the first nonzero `f_l` left out (N + 2 for symplectic
/// Euler, 3 then 5 for Störmer–Verlet). Also through the method name as a user writes it.
#[test]
fn partitioned_methods_pass_the_order_harness() {
    use bea::cli::verify_problem;
    use bea_verification::order::OrderConfig;
    for method in ["symplectic-euler", "IMEX_Euler", "symplectic-euler-b", "stormer-verlet"] {
        for name in ["lotka-volterra", "pendulum", "harmonic"] {
            let mut raw = example(name).unwrap();
            raw.method = Some(method.to_string());
            let p = Problem::from_raw(&raw).unwrap();
            let r = verify_problem(&p, 3, None, &OrderConfig::default()).unwrap();
            assert_eq!(r.checks.len(), 4);
            for c in &r.checks {
                assert!(c.pass, "{method} on {name}: N = {} slope {:?}, expected {}", c.order, c.slope, c.expected);
                let want = if p.method == "stormer-verlet" { [3, 3, 5, 5][c.order] } else { c.order + 2 };
                assert_eq!(c.expected, want, "{method} on {name}, N = {}", c.order);
            }
        }
    }
    let mut raw = example("poly3d").unwrap();
    raw.method = Some("symplectic-euler".into());
    let err = verify_problem(&Problem::from_raw(&raw).unwrap(), 1, None, &OrderConfig::default()).unwrap_err();
    assert!(err.to_string().contains("even number of variables"), "{err}");
}

/// `part1` names the split: on a 3-variable field (not a first-half split, which needs an even number) the derived
/// fields pass the numeric harness, whose step (`prk_step` with the same parts) is independent of the derivation;
/// the split matters (part 1 = y and part 1 = x give different f_1); and listing the variables in another order with
/// the same `part1` gives the same fields, permuted.
#[test]
fn named_split_passes_the_harness_and_follows_the_names() {
    use bea::cli::verify_problem;
    use bea_verification::order::OrderConfig;
    let raw = |vars: [&str; 3], field: [&str; 3], part1: &[&str]| bea::spec::RawProblem {
        field: Some(field.iter().map(|s| s.to_string()).collect()),
        vars: vars.iter().map(|s| s.to_string()).collect(),
        method: Some("symplectic-euler".into()),
        part1: Some(part1.iter().map(|s| s.to_string()).collect()),
        order: Some(3),
        verify: Some(bea::spec::RawVerify { at: Some(vec![0.4, -0.3, 0.7]), ..Default::default() }),
        ..Default::default()
    };
    let field = ["y - x*z/2", "-x + z^2/3", "x*y - z/2"];
    let p = Problem::from_raw(&raw(["x", "y", "z"], field, &["y"])).unwrap();
    assert_eq!(p.partition.as_deref(), Some(&[1, 0, 1][..]));
    let r = verify_problem(&p, 2, None, &OrderConfig::default()).unwrap();
    for c in &r.checks {
        assert!(c.pass, "part 1 = y: N = {} slope {:?}, expected {}", c.order, c.slope, c.expected);
        assert_eq!(c.expected, c.order + 2);
    }
    let fields = |p: &Problem| {
        let m = PartitionedRk::named_split("symplectic-euler", &p.vars, p.partition.as_deref()).unwrap();
        let mut me = derive_partitioned(p, &m, &Default::default()).unwrap();
        let c = me.general.clone().unwrap();
        let pt = [Coef::new(3, 2), Coef::new(-2, 5), Coef::new(5, 7)];
        let pt: Vec<Coef> =
            me.problem.vars.iter().map(|v| pt[["x", "y", "z"].iter().position(|n| n == v).unwrap()].clone()).collect();
        let alg = &mut me.problem.algebra;
        c.iter().map(|fl| fl.iter().map(|e| alg.eval_exact(e, &pt).unwrap()).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    let by_y = fields(&p);
    let by_x = fields(&Problem::from_raw(&raw(["x", "y", "z"], field, &["x"])).unwrap());
    assert_ne!(by_y[0], by_x[0], "the split changes f_1");
    // Variables listed as (z, x, y), the field permuted alike, part 1 still y.
    let permuted = Problem::from_raw(&raw(["z", "x", "y"], [field[2], field[0], field[1]], &["y"])).unwrap();
    assert_eq!(permuted.partition.as_deref(), Some(&[1, 1, 0][..]));
    let by_y_permuted = fields(&permuted);
    for (l, (a, b)) in by_y.iter().zip(&by_y_permuted).enumerate() {
        assert_eq!([&a[0], &a[1], &a[2]], [&b[1], &b[2], &b[0]], "f_{} after reordering the variables", l + 1);
    }
}

/// Bad splits are clear errors naming the problem.
#[test]
fn bad_splits_are_clear_errors() {
    let cases: [(&[&str], Option<&str>, &str); 5] = [
        (&["q"], None, "only a partitioned method"),
        (&["w"], Some("symplectic-euler"), "'w' is not a variable"),
        (&["q", "q"], Some("stormer-verlet"), "listed twice"),
        (&["q", "p"], Some("symplectic-euler"), "each part needs at least one variable"),
        (&[], Some("symplectic-euler"), "each part needs at least one variable"),
    ];
    for (part1, method, want) in cases {
        let raw = bea::spec::RawProblem {
            field: Some(vec!["p".into(), "-q".into()]),
            vars: vec!["q".into(), "p".into()],
            method: method.map(str::to_string),
            part1: Some(part1.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        let err = Problem::from_raw(&raw).unwrap_err().to_string();
        assert!(err.starts_with("part1: ") && err.contains(want), "{part1:?} {method:?}: {err}");
    }
    let (code, _, err) = bea(&["derive", "--example", "poly3d", "--method", "symplectic-euler", "--part1", "x,q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'q' is not a variable (the variables are x, y, z)"), "{err}");
    let (code, out, err) =
        bea(&["derive", "--example", "poly3d", "--method", "symplectic-euler", "--part1", "y", "--order", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("implicit-euler for y; explicit-euler for x, z"), "{out}");
}

/// Snapshots of the partitioned methods' modified fields (`series/snapshots/partitioned-*.snap`), as `bea derive`
/// prints them, so any change in these derived formulas shows up in review.
#[test]
fn partitioned_snapshots() {
    use bea::emit::{render, Format, Report};
    for (name, method, order) in [
        ("lotka-volterra", "symplectic-euler", 3),
        ("lotka-volterra", "stormer-verlet", 4),
        ("pendulum", "symplectic-euler", 3),
        ("pendulum", "stormer-verlet", 4),
    ] {
        let p = catalogue_problem(name, order);
        let m = PartitionedRk::named(method, &p.vars).unwrap();
        let mut me = derive_partitioned(&p, &m, &Default::default()).unwrap();
        let mut report = Report::build(&mut me);
        report.method = method.to_string();
        report.by_taylor = true;
        let text = render(&report, Format::Text);
        insta::with_settings!({ snapshot_path => "../series/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("partitioned-{method}@{name}"), text);
        });
    }
}

/// `bea emit` honours `--method` (it used to derive explicit Euler whatever the method), in every format, and
/// `--theorems` refuses a method it is not about.
#[test]
fn emit_uses_the_method_and_theorems_refuse_other_methods() {
    let (code, out, err) =
        bea(&["emit", "--example", "pendulum", "--method", "stormer-verlet", "--format", "text", "--order", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("modified equation of stormer-verlet") && out.contains("f_1[q] = 0"), "{out}");
    let (code, out, err) = bea(&["emit", "--example", "lotka-volterra", "--method", "rk4", "--order", "5"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Modified equation of rk4 for lotka-volterra"), "{out}");
    let (code, out, err) =
        bea(&["emit", "--example", "lotka-volterra", "--method", "rk4", "--format", "json", "--order", "4"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f1 = &v["corrections"][0]["components"];
    assert!(f1.as_array().unwrap().iter().all(|c| c == "0"), "rk4 has order 4: f_1 = 0, got {f1}");
    let (code, _, err) = bea(&["verify", "--theorems", "--example", "quartic", "--method", "rk4"]);
    assert_ne!(code, 0);
    assert!(err.contains("gradient descent") && err.contains("rk4") && !err.contains("panicked"), "{err}");
}

/// A 16-variable chain `q_i' = p_i`, `p_i' = q_{i-1} - 2 q_i + q_{i+1} - q_i^3` (sparse: each component depends on
/// at most four variables). The two paths agree exactly for rk4 and the implicit midpoint rule at order 5. Before
/// the elementary differentials pruned vanishing partial derivatives, the B-series path took 576 s at order 6 on
/// this field (debug build; 0.04 s after), so this also guards that both paths stay usable in many variables.
#[test]
fn many_variable_chain_both_paths_agree() {
    let n = 8;
    let mut vars: Vec<String> = (0..n).map(|i| format!("q{i}")).collect();
    vars.extend((0..n).map(|i| format!("p{i}")));
    let mut field: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    for i in 0..n {
        let left = if i > 0 { format!("q{}", i - 1) } else { "0".into() };
        let right = if i + 1 < n { format!("q{}", i + 1) } else { "0".into() };
        field.push(format!("{left} - 2*q{i} + {right} - q{i}^3"));
    }
    let raw = bea::spec::RawProblem { field: Some(field), vars, order: Some(5), ..Default::default() };
    let p = Problem::from_raw(&raw).unwrap();
    for method in ["rk4", "implicit-midpoint"] {
        let taylor = assert_paths_agree(&p, method);
        assert!(taylor[4].iter().any(|e| !e.is_zero()) || method == "implicit-midpoint");
    }
}
