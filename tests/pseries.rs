//! P-series of partitioned Runge–Kutta methods (bi-coloured trees): tree counts against OEIS A000151, the
//! generating function and a brute-force count; coefficients against the B-series path and, as fields, against
//! the Taylor-expansion path; snapshots in `series/snapshots/pseries-*.snap`.

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
