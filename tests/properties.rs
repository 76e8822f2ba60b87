//! Property tests over random polynomial fields and losses (strategies in `strategies.rs`).

use crate::oracles::{assert_same, check_linear, report};
use crate::strategies;
use bea::cas::{hairer_f1_f2, same};
use bea::derive::derive;
use bea::spec::{Problem, RawProblem, Recursion};
use proptest::prelude::*;

fn raw_field(n: usize, comps: &[String], order: usize) -> RawProblem {
    RawProblem { field: Some(comps.to_vec()), vars: strategies::names(n), order: Some(order), ..Default::default() }
}

/// symplex's derivative of `e` with respect to `v`, as text (an independent differentiation).
fn cas_grad(e: &str, vars: &[String]) -> Vec<String> {
    use symplex::prelude::*;
    let ctx = Context::new();
    let ex = ctx.parse(e).unwrap();
    vars.iter().map(|v| ex.diff(&ctx.symbol(v)).expand().to_string()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// f_1 = -1/2 f'f for every field (GNI ch. IX), checked by symplex.
    #[test]
    fn first_correction_is_minus_half_f_prime_f((n, comps) in strategies::field()) {
        let p = Problem::from_raw(&raw_field(n, &comps, 1)).unwrap();
        let r = report(&p);
        let refs: Vec<&str> = r.field.iter().map(|s| s.as_str()).collect();
        let vars: Vec<&str> = r.variables.iter().map(|s| s.as_str()).collect();
        let (f1, _) = hairer_f1_f2(&refs, &vars).unwrap();
        prop_assert_eq!(f1.len(), n);
        prop_assert_eq!(r.corrections[0].components.len(), n);
        for (got, want) in r.corrections[0].components.iter().zip(&f1) {
            prop_assert_eq!(same(got, want).unwrap(), Some(true));
        }
    }

    /// Renaming the variables renames the result and changes nothing else.
    #[test]
    fn invariant_under_renaming((n, comps) in strategies::field()) {
        let p = Problem::from_raw(&raw_field(n, &comps, 2)).unwrap();
        let r = report(&p);
        let new_names = ["s", "t", "w"];
        let rename = |s: &str| { let mut s = s.to_string(); for (a, b) in ["x", "y", "z"].iter().zip(new_names) { s = s.replace(a, b); } s };
        let raw2 = RawProblem { field: Some(comps.iter().map(|c| rename(c)).collect()), vars: new_names[..n].iter().map(|s| s.to_string()).collect(), order: Some(2), ..Default::default() };
        let r2 = report(&Problem::from_raw(&raw2).unwrap());
        for (a, b) in r.corrections.iter().zip(&r2.corrections) {
            let renamed: Vec<String> = a.components.iter().map(|c| rename(c)).collect();
            prop_assert_eq!(&renamed, &b.components);
        }
    }

    /// Listing the variables in another order permutes the result (checked up to term order by symplex).
    #[test]
    fn invariant_under_variable_order((n, comps) in strategies::field()) {
        let p = Problem::from_raw(&raw_field(n, &comps, 2)).unwrap();
        let r = report(&p);
        let mut raw2 = raw_field(n, &comps, 2);
        raw2.vars.reverse();
        raw2.field.as_mut().unwrap().reverse();
        let r2 = report(&Problem::from_raw(&raw2).unwrap());
        for (a, b) in r.corrections.iter().zip(&r2.corrections) {
            for i in 0..n {
                prop_assert_eq!(same(&a.components[i], &b.components[n - 1 - i]).unwrap(), Some(true));
            }
        }
    }

    /// For a loss E: f_1 is a gradient field with E_1 = |grad E|^2/4 (Barrett & Dherin, Theorem 3.1), every
    /// reported potential satisfies -grad E_l = f_l (checked by symplex), and the paper's recursion agrees with
    /// the general one at orders 1 and 2 (where its symmetric-Jacobian assumption is exact; see oracles.rs for
    /// the order-3 difference).
    #[test]
    fn losses_give_gradient_corrections((n, e) in strategies::loss()) {
        let raw = RawProblem { loss: Some(e.clone()), vars: strategies::names(n), order: Some(2), recursion: Some(Recursion::Both), ..Default::default() };
        let p = Problem::from_raw(&raw).unwrap();
        let mut me = derive(&p).unwrap();
        prop_assert_eq!(me.agreement(), Some(vec![true, true]));
        let r = bea::emit::Report::build(&mut me);
        prop_assert_eq!(r.igr_first_order, Some(true));
        prop_assert!(r.corrections[0].gradient);
        let grad_e = cas_grad(&e, &r.variables);
        let quarter = format!("({})/4", grad_e.iter().map(|g| format!("({g})^2")).collect::<Vec<_>>().join(" + "));
        let e1 = r.corrections[0].potential.clone().unwrap();
        for (a, b) in cas_grad(&e1, &r.variables).iter().zip(cas_grad(&quarter, &r.variables)) {
            assert_same(a, &b, "grad E_1 = grad |grad E|^2/4");
        }
        for c in &r.corrections {
            if let Some(pot) = &c.potential {
                for (g, f) in cas_grad(pot, &r.variables).iter().zip(&c.components) {
                    prop_assert_eq!(same(&format!("-({g})"), f).unwrap(), Some(true));
                }
            }
        }
    }

    /// Linear fields: f_l = (-1)^l A^(l+1) x/(l+1), the expansion of log(I + hA)/h.
    #[test]
    fn linear_fields_match_the_matrix_logarithm(a in strategies::matrix()) {
        check_linear(&a, 4);
    }
}
