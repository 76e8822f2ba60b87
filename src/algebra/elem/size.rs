//! Size estimates, for guards that refuse work before it is done.

use super::Algebra;

impl Algebra {
    /// An upper estimate of the terms of the expanded denominator `den` (exponents per registered factor): the
    /// smaller of `prod_g (D_g + 1)` and `C(G + D, G)`, with `D_g` its degree in generator `g`, `D` its total
    /// degree and `G` the number of generators in it. Monomial factors (`x^k`) expand to one term and count
    /// nothing; `(1 + x^2 + y^2 + z^2)^23` is 18,424 (its true size is 2,600), `((1 + x)(1 + y))^1000` is about a
    /// million.
    pub fn denominator_terms(&self, den: &[u16]) -> u64 {
        let mut degree: std::collections::BTreeMap<usize, u64> = Default::default();
        let mut total = 0u64;
        for (k, &p) in den.iter().enumerate() {
            let q = &self.factors[k];
            if p == 0 || q.len() < 2 {
                continue;
            }
            for g in q.gens() {
                *degree.entry(g).or_default() += u64::from(p) * u64::from(q.degree_in(g));
            }
            let top = q.terms().iter().map(|(m, _)| u64::from(m.degree())).max().unwrap_or(0);
            total = total.saturating_add(u64::from(p).saturating_mul(top));
        }
        let boxed = degree.values().fold(1u64, |acc, d| acc.saturating_mul(d + 1));
        // C(G + D, G) = prod_{i=1..G} (D + i)/i, exact at every step (a binomial coefficient), saturating.
        let mut simplex = 1u128;
        for i in 1..=degree.len() as u128 {
            simplex = simplex.saturating_mul(u128::from(total) + i) / i;
            if simplex > u128::from(u64::MAX) {
                return boxed;
            }
        }
        boxed.min(simplex as u64)
    }
    /// Whether the deadline (see [`Algebra::set_deadline`]) has passed; reads the clock.
    pub fn out_of_time(&self) -> bool {
        !self.in_time(usize::MAX)
    }
}
