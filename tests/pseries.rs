//! P-series of partitioned Runge–Kutta methods (bi-coloured trees): tree counts against OEIS A000151, the
//! generating function and a brute-force count; coefficients against the B-series path, against an independent SymPy
//! computation (`benches/peers/pseries_sympy.py`) and, as fields, against the Taylor-expansion path; snapshots in
//! `series/snapshots/pseries-*.snap`.

use std::collections::HashSet;

use bea::derive::bseries::coloured::ColouredForest;

/// OEIS A000151, rooted trees with n nodes of 2 colors, n = 1..=10 (https://oeis.org/A000151).
const A000151: [usize; 10] = [2, 4, 14, 52, 214, 916, 4116, 18996, 89894, 433196];

/// Counts from the generating function `A(x) = 2x exp(Σ_k A(x^k)/k)`, i.e. the recurrence
/// `a(n+1) = (1/n) Σ_{i=1}^{n} (Σ_{d | i} d a(d)) a(n+1-i)`, `a(1) = 2` (from `x A' = A (1 + Σ_j x^j A'(x^j))`;
/// with `a(1) = 1` it gives A000081). Exact integer arithmetic.
fn counts_by_generating_function(n_max: usize) -> Vec<u128> {
    let mut a = vec![0u128; n_max + 1];
    a[1] = 2;
    for n in 1..n_max {
        let s: u128 = (1..=n)
            .map(|i| (1..=i).filter(|d| i % d == 0).map(|d| d as u128 * a[d]).sum::<u128>() * a[n + 1 - i])
            .sum();
        assert_eq!(s % n as u128, 0);
        a[n + 1] = s / n as u128;
    }
    a[1..].to_vec()
}

/// An independent canonical string of a coloured tree given by parent pointers: `c(` sorted child strings `)`.
fn ahu(children: &[Vec<usize>], colour: &[u8], v: usize) -> String {
    let mut kids: Vec<String> = children[v].iter().map(|&u| ahu(children, colour, u)).collect();
    kids.sort();
    format!("{}({})", colour[v], kids.concat())
}

/// Brute force: every labelled tree with `parent[i] < i` (each rooted tree has such a labelling, so every shape
/// occurs), every colouring, canonicalised by [`ahu`]; the number of distinct strings.
fn brute_force_count(n: usize) -> usize {
    let mut seen = HashSet::new();
    let mut parent = vec![0usize; n];
    loop {
        let mut children = vec![Vec::new(); n];
        for i in 1..n {
            children[parent[i]].push(i);
        }
        for mask in 0u32..(1 << n) {
            let colour: Vec<u8> = (0..n).map(|v| 1 + ((mask >> v) & 1) as u8).collect();
            seen.insert(ahu(&children, &colour, 0));
        }
        // next parent vector (odometer, parent[i] in 0..i)
        let mut i = n.saturating_sub(1);
        loop {
            if i == 0 {
                return seen.len();
            }
            if parent[i] + 1 < i {
                parent[i] += 1;
                break;
            }
            parent[i] = 0;
            i -= 1;
        }
    }
}

#[test]
fn coloured_tree_counts_match_oeis_a000151_generating_function_and_brute_force() {
    let by_gf = counts_by_generating_function(10);
    assert_eq!(by_gf.iter().map(|&x| x as usize).collect::<Vec<_>>(), A000151);
    let brute: Vec<usize> = (1..=7).map(brute_force_count).collect();
    assert_eq!(brute, A000151[..7]);
    let forest = ColouredForest::new(8);
    let counts: Vec<usize> = (1..=8).map(|n| forest.ids_of_order(n).len()).collect();
    assert_eq!(counts, A000151[..8]);
}

/// Σ_{|t|=n} n!/σ(t) = 2^n n^{n-1}: labelled rooted trees (Cayley) times colourings, each coloured tree counted
/// n!/σ times; and every coloured tree maps onto a shape with exactly the shape's σ-weighted number of colourings:
/// Σ_{colourings of shape s} 1/σ(t) = 2^n/σ(s).
#[test]
fn coloured_sigma_labelling_identity() {
    let forest = ColouredForest::new(8);
    let fact = |n: u64| (1..=n).product::<u64>();
    for n in 1..=8u64 {
        let total: u64 = forest.ids_of_order(n as usize).map(|id| fact(n) / forest.get(id).sigma).sum();
        assert_eq!(total, 2u64.pow(n as u32) * n.pow(n as u32 - 1), "order {n}");
    }
    let shapes = forest.shapes();
    let mut per_shape = vec![bea::algebra::Coef::zero(); shapes.len()];
    for d in forest.trees() {
        per_shape[d.shape] = per_shape[d.shape].add(&bea::algebra::Coef::new(1, d.sigma.into()));
    }
    for (s, sum) in per_shape.iter().enumerate() {
        let d = shapes.get(s);
        assert_eq!(*sum, bea::algebra::Coef::new(1i128 << d.order, d.sigma.into()), "{}", d.tree);
    }
}

// ---------- coefficients ----------

use std::sync::Arc;

use bea::algebra::Coef;
use bea::derive::bseries::modified::modified_equation_substitution;
use bea::derive::bseries::pseries::{exact_flow_of_pfield, modified_pseries, PSeries};
use bea::derive::bseries::series::{elementary_weights, BSeries};
use bea::derive::bseries::tableau::{ButcherTableau, BUILTIN_METHODS};

/// Oracle (b): when both parts use the same tableau, the P-series is the B-series: for every built-in Runge–Kutta
/// method, every colouring of every tree to order 7 has the elementary weight of the uncoloured tree and the
/// modified-equation coefficient of the uncoloured tree computed by the substitution law (Algorithm 2 of
/// `modified.rs`, which the coloured path does not use).
#[test]
fn same_tableau_twice_gives_the_bseries_coefficients() {
    let forest = Arc::new(ColouredForest::new(7));
    let shapes = forest.shapes().clone();
    for name in BUILTIN_METHODS {
        let t = ButcherTableau::named(name).unwrap();
        let p = PSeries::of_pair_in(name, &t, &t, forest.clone()).unwrap();
        let phi = elementary_weights(&t, &shapes);
        let b = modified_equation_substitution(&BSeries::of_method_in(&t, shapes.clone())).unwrap();
        let m = modified_pseries(&p).unwrap();
        for ((d, a), c) in p.iter().zip(m.coefficients()) {
            assert_eq!(*a, phi[d.shape], "{name} Φ {}", d.tree);
            assert_eq!(c, b.coefficient(d.shape), "{name} b̃ {}", d.tree);
        }
    }
}

/// Order conditions (Φ(t) = 1/γ(t) for |t| <= p, GNI Sect. III.2.2): Störmer–Verlet has order 2 and symplectic
/// Euler (both variants) order 1, and no higher; the modified fields vanish at orders 2..=p.
#[test]
fn partitioned_orders() {
    for (name, p) in [("stormer-verlet", 2), ("symplectic-euler", 1), ("symplectic-euler-b", 1)] {
        let s = PSeries::of_named(name, p + 1).unwrap();
        let exact = |d: &bea::derive::bseries::coloured::ColouredTreeData| Coef::new(1, d.gamma.into());
        assert!(s.iter().filter(|(d, _)| d.order <= p).all(|(d, a)| *a == exact(d)), "{name}");
        assert!(s.iter().any(|(d, a)| d.order == p + 1 && *a != exact(d)), "{name}");
        let m = modified_pseries(&s).unwrap();
        assert!(m.iter().all(|(d, c)| (d.order == 1) == c.is_one() && (d.order == 1 || d.order > p || c.is_zero())));
    }
}

/// Oracle (c): Störmer–Verlet is symmetric, so its modified field has even powers of h only (GNI Thm. IX.2.2):
/// b̃(t) = 0 for every tree with an even number of vertices, to order 8. Symplectic Euler is not symmetric.
#[test]
fn stormer_verlet_is_even_symplectic_euler_is_not() {
    let forest = Arc::new(ColouredForest::new(8));
    let t = std::time::Instant::now();
    let (_, [p1, p2]) = bea::derive::taylor::partitioned_tableaus("stormer-verlet").unwrap();
    let sv = modified_pseries(&PSeries::of_pair_in("stormer-verlet", &p1, &p2, forest.clone()).unwrap()).unwrap();
    println!("stormer-verlet to order 8 ({} trees): {:.2} s", forest.len(), t.elapsed().as_secs_f64());
    let mut odd_nonzero = 0;
    for (d, c) in sv.iter() {
        if d.order % 2 == 0 {
            assert!(c.is_zero(), "{} {c}", d.tree);
        } else if !c.is_zero() {
            odd_nonzero += 1;
        }
    }
    assert!(odd_nonzero > 100, "{odd_nonzero}: the check would be vacuous");
    for name in ["symplectic-euler", "symplectic-euler-b"] {
        let se = modified_pseries(&PSeries::of_named(name, 6).unwrap()).unwrap();
        for n in [2, 4, 6] {
            assert!(se.iter().any(|(d, c)| d.order == n && !c.is_zero()), "{name} order {n}");
        }
    }
}

/// The two symplectic Euler variants are adjoint (GNI Sect. II.2 / VI.3), so their modified fields are
/// f̃_b(y, h) = f̃_a(y, -h): b̃_b(t) = (-1)^{|t|-1} b̃_a(t) for every coloured tree (to order 7). And the exact flow
/// of the modified field gives the method back (GNI Sect. IX.9).
#[test]
fn symplectic_euler_variants_are_adjoint_and_flow_inverts() {
    let a = modified_pseries(&PSeries::of_named("symplectic-euler", 7).unwrap()).unwrap();
    let b = modified_pseries(&PSeries::of_named("symplectic_euler_b", 7).unwrap()).unwrap();
    for ((d, x), y) in a.iter().zip(b.coefficients()) {
        let sign = if d.order % 2 == 1 { Coef::one() } else { Coef::int(-1) };
        assert_eq!(x.mul(&sign), *y, "{}", d.tree);
    }
    let m = PSeries::of_named("symplectic-euler", 7).unwrap();
    assert_eq!(exact_flow_of_pfield(&a).unwrap().coefficients(), m.coefficients());
}

// ---------- CLI and snapshots ----------

use crate::support::bea;
use bea::derive::bseries::output::p_text_table;

/// `bea series --method <partitioned>` prints the P-series: JSON rows with `colours`, agreeing with the library;
/// text and LaTeX state the normalisation and the colour convention; things that do not apply are refused.
#[test]
fn cli_series_prints_partitioned_coefficients() {
    for method in ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"] {
        let (code, out, err) = bea(&["series", "--method", method, "--order", "4", "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["method"], method);
        let m = modified_pseries(&PSeries::of_named(method, 4).unwrap()).unwrap();
        let rows = v["coefficients"].as_array().unwrap();
        assert_eq!(rows.len(), 2 + 4 + 14 + 52);
        for (row, (d, c)) in rows.iter().zip(m.iter()) {
            let tree: Vec<u32> = serde_json::from_value(row["tree"].clone()).unwrap();
            let colours: Vec<u8> = serde_json::from_value(row["colours"].clone()).unwrap();
            assert_eq!((tree.as_slice(), colours.as_slice()), (d.tree.levels(), d.tree.colours()));
            assert_eq!(row["coefficient"], c.to_string());
            assert_eq!(row["sigma"], d.sigma);
        }
        assert!(v["normalization"].as_str().unwrap().contains("colour-preserving"));
        assert!(v["colours"].as_str().unwrap().starts_with("colour 1 (•) = part 1"));
    }
    let (code, out, _) = bea(&["series", "--method", "verlet", "--order", "3"]);
    assert_eq!(code, 0);
    assert!(out.contains("# stormer-verlet (part 1: lobatto-iiib, part 2: lobatto-iiia)"), "{out}");
    assert!(out.contains("colour 1 (•) = part 1 (lobatto-iiib: in bea derive and bea verify the first half of the variables, or those named by --part1)"), "{out}");
    assert!(out.contains("[[∘]∘]•") && !out.contains("[∘]•      "), "{out}"); // order 2 vanishes (skipped)
    let (code, out, _) = bea(&["series", "--method", "symplectic-euler", "--order", "2", "--format", "latex"]);
    assert_eq!(code, 0);
    assert!(out.contains(r"$[\circ]\bullet$ & 2 & 1 & $-\frac{1}{2}$"), "{out}");
    assert!(out.lines().take_while(|l| !l.starts_with("\\begin")).all(|l| l.starts_with('%')), "{out}");
    for (args, want) in [
        (&["series", "--method", "stormer-verlet", "--order", "11"][..], "up to order 10"),
        (&["series", "--method", "symplectic-euler", "--beta", "1/2"][..], "--beta applies to heavy-ball only"),
    ] {
        let (code, _, err) = bea(args);
        assert_ne!(code, 0);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// Oracle (e), change detection only: the coefficient tables of the three methods to order 5.
#[test]
fn pseries_coefficient_table_snapshots() {
    insta::with_settings!({ snapshot_path => "../series/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        for name in bea::derive::taylor::PARTITIONED_METHODS {
            let m = modified_pseries(&PSeries::of_named(name, 5).unwrap()).unwrap();
            insta::assert_snapshot!(format!("pseries-{name}"), p_text_table(&m, false));
        }
    });
}

// ---------- oracle (d): concrete fields against the Taylor-expansion path ----------

use bea::algebra::Elem;
use bea::derive::bseries::diff::modified_field_partitioned;
use bea::derive::taylor::{derive_partitioned, PartitionedRk, PARTITIONED_METHODS};
use bea::spec::examples::example;
use bea::spec::{Problem, Recursion};

/// Builds `f_1..f_N` from the P-series coefficients and bi-coloured elementary differentials, then derives the
/// same method by Taylor expansion of its step (`src/derive/taylor.rs`, what `bea derive --method` runs), in the
/// algebra the first run extended, and asserts exact equality. Returns whether some `f_l` is non-zero.
fn assert_pseries_field_equals_taylor(p: &Problem, method: &str, part_of: Option<&[usize]>) -> bool {
    let m = PartitionedRk::named_split(method, &p.vars, part_of).unwrap();
    let series = modified_pseries(&PSeries::of_named(method, p.order + 1).unwrap()).unwrap();
    let mut q = p.clone();
    let fields = modified_field_partitioned(&mut q.algebra, &p.field, m.part_of(), &series, p.order).unwrap();
    let mut me = derive_partitioned(&q, &m, &Default::default()).unwrap();
    let taylor = me.general.clone().unwrap();
    let alg = &mut me.problem.algebra;
    assert!(fields[0].iter().zip(&p.field).all(|(a, b)| alg.equal(a, b)), "{method} on {:?}: f_0 != f", p.name);
    assert_eq!(taylor.len(), fields.len() - 1);
    for (l, (a, b)) in fields[1..].iter().zip(&taylor).enumerate() {
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(alg.equal(x, y), "{method} on {:?}: f_{}[{k}] differs between P-series and Taylor", p.name, l + 1);
        }
    }
    fields[1..].iter().flatten().any(|e| !Elem::is_zero(e))
}

/// Oracle (d): on Lotka–Volterra, the pendulum and the harmonic oscillator (first half of the variables = part 1)
/// to f_4, and on the 3-variable poly3d with a non-half split (part 1 = the middle variable) to f_3, the modified
/// field built from the P-series equals the Taylor path's exactly, for all three partitioned methods.
#[test]
fn pseries_field_equals_taylor_expansion_of_the_step() {
    for method in PARTITIONED_METHODS {
        for (name, order, split) in [
            ("lotka-volterra", 4, None),
            ("pendulum", 4, None),
            ("harmonic", 4, None),
            ("poly3d", 3, Some(&[1usize, 0, 1][..])),
        ] {
            let mut p = Problem::from_raw(&example(name).unwrap()).unwrap();
            p.order = order;
            p.recursion = Recursion::General;
            let t = std::time::Instant::now();
            assert!(assert_pseries_field_equals_taylor(&p, method, split), "{method} on {name}: vacuous");
            println!("{method} on {name} to f_{order}: {:.2} s", t.elapsed().as_secs_f64());
        }
    }
}

// ---------- oracle (f): an independent SymPy computation of every coefficient ----------

use num_rational::BigRational;

const PSERIES_SYMPY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/results/pseries_sympy.json");

/// Canonical string of a coloured tree given as a level sequence: `colour(` sorted child strings `)`, computed
/// here from the levels alone (parents by a stack), so it depends neither on bea's nor on the script's ordering.
fn canonical_of_levels(levels: &[u32], colours: &[u8]) -> String {
    assert_eq!(levels.len(), colours.len());
    let mut children = vec![Vec::new(); levels.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, &l) in levels.iter().enumerate() {
        while stack.last().is_some_and(|&p| levels[p] >= l) {
            stack.pop();
        }
        match stack.last() {
            Some(&p) => {
                assert_eq!(levels[p] + 1, l, "bad level sequence {levels:?}");
                children[p].push(i);
            }
            None => assert!(i == 0 && l == 1, "bad level sequence {levels:?}"),
        }
        stack.push(i);
    }
    ahu(&children, colours, 0)
}

/// Oracle (f): `benches/peers/pseries_sympy.py` computes b̃(t) for every bi-coloured tree to order 5 of the three
/// partitioned built-ins without bea and without tree algebra: it generates the trees itself (parent arrays,
/// colourings, deduplicated), and for each tree t builds the monotone system `x_v' = Π_{children u} x_u` (x_v in the
/// part of v's colour), expands the partitioned RK step in h (fixed-point sweeps over the stages, tableaus written in
/// the script), solves the modified equation against the Lie series of its flow, and reads b̃(t) as the `h^{|t|-1}`
/// coefficient of the root component at x = 0 (`results/pseries_sympy.json`). Here every listed tree is matched to
/// bea's by a canonical form computed in this test, the coefficients must be exactly equal, and the tree counts per
/// order must be bea's (2, 4, 14, 52, 214), so no tree is skipped.
#[test]
fn pseries_coefficients_equal_independent_sympy_oracle() {
    let text = std::fs::read_to_string(PSERIES_SYMPY).unwrap_or_else(|e| panic!("{PSERIES_SYMPY}: {e}"));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{PSERIES_SYMPY}: {e}"));
    let order = doc["order"].as_u64().unwrap() as usize;
    assert!(order >= 4, "the oracle covers order {order} only");
    let methods = doc["methods"].as_array().unwrap();
    assert_eq!(methods.len(), PARTITIONED_METHODS.len());
    let mut checked = 0;
    for name in PARTITIONED_METHODS {
        let entry = methods.iter().find(|m| m["method"] == name).unwrap_or_else(|| panic!("{name} missing"));
        let m = modified_pseries(&PSeries::of_named(name, order).unwrap()).unwrap();
        let parts: Vec<&str> = entry["parts"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(parts, m.parts(), "{name}: parts");
        let mut bea_by_canon = std::collections::HashMap::new();
        let mut bea_counts = vec![0usize; order + 1];
        for (d, c) in m.iter() {
            let key = canonical_of_levels(d.tree.levels(), d.tree.colours());
            assert!(bea_by_canon.insert(key, (d.order, c.clone())).is_none(), "{name}: duplicate tree {}", d.tree);
            bea_counts[d.order] += 1;
        }
        let rows = entry["coefficients"].as_array().unwrap();
        let mut counts = vec![0usize; order + 1];
        let mut seen = HashSet::new();
        let mut nonzero = 0;
        for row in rows {
            let levels: Vec<u32> = serde_json::from_value(row["levels"].clone()).unwrap();
            let colours: Vec<u8> = serde_json::from_value(row["colours"].clone()).unwrap();
            let s = row["coefficient"].as_str().unwrap();
            let want = Coef::from_big(s.parse::<BigRational>().unwrap_or_else(|e| panic!("'{s}': {e}")));
            let key = canonical_of_levels(&levels, &colours);
            assert!(seen.insert(key.clone()), "{name}: {key} listed twice");
            let (n, got) = bea_by_canon.get(&key).unwrap_or_else(|| panic!("{name}: bea has no tree {key}"));
            assert_eq!(*n, levels.len());
            assert_eq!(*got, want, "{name}: b̃({key}) bea {got}, SymPy {want}");
            counts[levels.len()] += 1;
            nonzero += usize::from(!want.is_zero());
            checked += 1;
        }
        assert_eq!(counts, bea_counts, "{name}: trees per order");
        assert_eq!(counts[1..], A000151[..order], "{name}: trees per order");
        assert!(nonzero > 0, "{name}: all zero");
    }
    assert_eq!(checked, PARTITIONED_METHODS.len() * A000151[..order].iter().sum::<usize>());
}
