//! bea's fuzz engine: input generators, mutators and the four targets, shared by
//! - the stable in-process fuzz loop (`tests/hardening.rs`: a seconds-long smoke test and the long,
//!   `#[ignore]`d run whose counts are recorded in FUZZING.md), and
//! - the cargo-fuzz / libFuzzer targets of the `fuzz/` crate (`fuzz/fuzz_targets/*.rs`, nightly only).
//!
//! Each target takes one input and must return normally: a panic is a crash (the loop catches it with
//! `catch_unwind` and records the input), and an execution slower than [`SLOW`] is a timeout.
//! The engine depends on nothing but `bea` and `std`, so both harnesses include it with `#[path]`.

#![allow(dead_code)]

use bea::algebra::Budget;
use bea::derive::{derive_with, DeriveOptions};
use bea::spec::{parse::parse_expr, raw_from_toml, Problem, RawProblem, RawValue, Recursion};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// An execution slower than this is recorded as a timeout.
pub const SLOW: Duration = Duration::from_secs(3);
/// Largest correction order the derive target asks for.
pub const DERIVE_MAX_ORDER: usize = 3;
/// The derive target's limits.
pub const DERIVE_OPTS: DeriveOptions =
    DeriveOptions { budget: Budget { max_product_terms: 100_000 }, timeout: Some(Duration::from_secs(1)) };

/// SplitMix64: a small deterministic generator (no dependency), seeded per run.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// Expressions from the README and the catalogue (`series/inputs/*.toml`): the seed corpus of the parser.
pub const SEED_EXPRS: &[&str] = &[
    "u*(v - 2)",
    "v*(1 - u)",
    "p*(2-q)",
    "q*(p-1)",
    "(y0 - a*b*x0)^2/2",
    "P(x,y)",
    "Q(x,y)",
    "-v/(u^2 + v^2)",
    "u/(u^2 + v^2)",
    "-sin(q)",
    "x^4/4 + y^4/4 - x^2*y^2",
    "x y",
    "sin x",
    "1/0",
    "2^3^2",
    "-x^2",
    "x**2 + exp(-y)*cos(x)",
    "sqrt(x^2 + 1) - log(1 + y^2)",
    "tan(x) + 0.6 - 1e-3*y",
    "(x + y + z)^3",
];

/// Fragments the mutator inserts (operators, numbers at the edges, names that are reserved or odd).
const DICT: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    "(",
    ")",
    ",",
    " ",
    "x",
    "y",
    "z",
    "h",
    "sin",
    "cos",
    "exp",
    "log",
    "ln",
    "sqrt",
    "tan",
    "P",
    "P(x,y)",
    "P(x)",
    "1e400",
    "1e-400",
    "1e",
    ".5",
    "0.",
    "1.2.3",
    "0",
    "1000",
    "1001",
    "-1000",
    "65536",
    "99999999999999999999999999999",
    "^1000",
    "^-1",
    "^(1/2)",
    "^(1/3)",
    "^0.5",
    "/0",
    "/(x-x)",
    "log(0)",
    "e",
    "E",
    "_",
    "__",
    "x_1",
    "é",
    "²",
    "∞",
    "\u{0}",
    "\t",
    "\n",
    ";",
    "=",
    "[",
    "]",
    "\"",
    "'",
    "#",
];

/// Numbers the generator uses, including malformed and extreme ones.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "0.6",
    "1e-3",
    "2.5E2",
    "3/5",
    "1e400",
    "1e-400",
    "1.2.3",
    "007",
    "1e",
    "1e+",
    ".5",
    "123456789012345678901234567890",
    "0.000000000000000000001",
];

/// Exponents the generator uses.
const EXPONENTS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "-1",
    "-2",
    "(1/2)",
    "(1/3)",
    "(-3/2)",
    "0.5",
    "1000",
    "1001",
    "-1000",
    "65536",
    "99999999999999999999",
    "1e400",
    "x",
    "(2^3)",
    "(1/65536)",
    "(1/0)",
];

/// A random expression over `names`, grammar-guided, up to `depth` levels deep.
pub fn gen_expr(r: &mut Rng, depth: usize, names: &[&str]) -> String {
    if depth == 0 || r.one_in(3) {
        return if r.one_in(3) { r.pick(NUMBERS).to_string() } else { r.pick(names).to_string() };
    }
    let d = depth - 1;
    match r.below(11) {
        0..=3 => {
            let op = r.pick(&["+", "-", "*", "/"]);
            format!("{} {op} {}", gen_expr(r, d, names), gen_expr(r, d, names))
        }
        4 => format!("({})^{}", gen_expr(r, d, names), r.pick(EXPONENTS)),
        5 => format!("-{}", gen_expr(r, d, names)),
        6 => {
            let f = r.pick(&["sin", "cos", "exp", "log", "ln", "sqrt", "tan"]);
            if r.one_in(8) {
                format!("{f}({}, {})", gen_expr(r, d, names), gen_expr(r, d, names))
            } else {
                format!("{f}({})", gen_expr(r, d, names))
            }
        }
        7 => {
            let f = r.pick(&["P", "Q", "F", "sin_", "x"]);
            let k = 1 + r.below(names.len().min(3));
            let args: Vec<String> =
                (0..k).map(|_| if r.one_in(6) { gen_expr(r, 1, names) } else { r.pick(names).to_string() }).collect();
            format!("{f}({})", args.join(", "))
        }
        8 => format!("({})", gen_expr(r, d, names)),
        9 => format!("{}**{}", gen_expr(r, d, names), r.pick(&["2", "3", "-1"])),
        _ => format!("{}*{}", r.pick(NUMBERS), gen_expr(r, d, names)),
    }
}

/// A random edit of `s`: delete, insert a character or a dictionary fragment, duplicate, swap, truncate or
/// splice with `other`. Works on characters, so the result is valid UTF-8.
pub fn mutate(r: &mut Rng, s: &str, other: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let rounds = 1 + r.below(4);
    for _ in 0..rounds {
        let n = c.len();
        match r.below(8) {
            0 if n > 0 => {
                let i = r.below(n);
                let j = (i + 1 + r.below(4)).min(n);
                c.drain(i..j);
            }
            1 => {
                let i = r.below(n + 1);
                let ch = char::from_u32(r.below(0x80) as u32).unwrap_or('?');
                c.insert(i, ch);
            }
            2 | 3 => {
                let i = r.below(n + 1);
                let frag: Vec<char> = r.pick(DICT).chars().collect();
                c.splice(i..i, frag);
            }
            4 if n > 0 => {
                let i = r.below(n);
                let j = (i + 1 + r.below(8)).min(n);
                let dup: Vec<char> = c[i..j].to_vec();
                c.splice(j..j, dup);
            }
            5 if n > 1 => {
                let (i, j) = (r.below(n), r.below(n));
                c.swap(i, j);
            }
            6 if n > 0 => c.truncate(r.below(n)),
            _ => {
                let o: Vec<char> = other.chars().collect();
                let i = r.below(n + 1);
                let a = r.below(o.len() + 1);
                let b = (a + r.below(12)).min(o.len());
                c.splice(i..i, o[a..b].iter().copied());
            }
        }
    }
    c.into_iter().collect()
}

/// Target 1: the expression parser. Any result is fine; a panic is not.
pub fn target_parse(input: &str) {
    if let Ok(ast) = parse_expr(input) {
        let mut syms = Vec::new();
        ast.symbols(&mut syms);
        let _ = ast.col();
    }
}

/// Target 2: validation of a raw problem (parse, names, counts, `--set`, lowering into the algebra).
pub fn target_problem(raw: &RawProblem) {
    if let Ok(p) = Problem::from_raw(raw) {
        assert_eq!(p.field.len(), p.vars.len(), "a validated problem has one component per variable");
        let _ = p.symbolic_params();
    }
}

/// Target 3: the TOML loader, then validation.
pub fn target_toml(text: &str) {
    if let Ok(raw) = raw_from_toml(text, "fuzz.toml") {
        target_problem(&raw);
    }
}

/// Target 4: `derive_with` under [`DERIVE_OPTS`] on a problem whose order is at most [`DERIVE_MAX_ORDER`].
/// A derivation may fail with a term-limit or timeout error, but must stop within the timeout plus
/// [`SLOW`] and never panic.
pub fn target_derive(raw: &RawProblem) {
    let Ok(p) = Problem::from_raw(raw) else { return };
    if p.order > DERIVE_MAX_ORDER {
        return;
    }
    if let Ok(me) = derive_with(&p, &DERIVE_OPTS) {
        assert_eq!(me.corrections().len(), p.order, "one correction per order");
        for c in me.corrections() {
            assert_eq!(c.len(), p.vars.len(), "one component per variable");
        }
    }
}

/// Variable names, good and bad.
const VAR_NAMES: &[&str] = &["x", "y", "z", "u", "v", "q", "h", "sin", "_a", "x_1", "1x", "", " x ", "é", "a b", "P"];
/// Values for `set`, good and bad.
const SET_TEXT: &[&str] =
    &["1", "3/5", "-2", "0", "1/0", "0/0", "abc", "1e400", "0.5", "--1", "1/", "/", "+ 7", "1e-400", "2/3/4", " "];

fn gen_value(r: &mut Rng) -> RawValue {
    match r.below(6) {
        0 => RawValue::Int(*r.pick(&[0, 1, -1, i64::MIN, i64::MAX])),
        1 => RawValue::Float(*r.pick(&[0.6, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e308, 5e-324])),
        _ => RawValue::Text(r.pick(SET_TEXT).to_string()),
    }
}

/// A random raw problem: 1-3 variables (sometimes bad names), a field (sometimes of the wrong length) or a
/// loss, from the grammar or mutated seeds, with random `set`, order, recursion and method.
pub fn gen_problem(r: &mut Rng, max_depth: usize) -> RawProblem {
    let n = 1 + r.below(3);
    let good = ["x", "y", "z"];
    let vars: Vec<String> =
        (0..n).map(|i| if r.one_in(12) { r.pick(VAR_NAMES).to_string() } else { good[i].to_string() }).collect();
    let mut names: Vec<&str> = good[..n].to_vec();
    names.extend(["a", "b", "h"]);
    let expr = |r: &mut Rng| {
        if r.one_in(4) {
            let seed = r.pick(SEED_EXPRS).to_string();
            let other = r.pick(SEED_EXPRS).to_string();
            mutate(r, &seed, &other)
        } else {
            let d = 1 + r.below(max_depth);
            gen_expr(r, d, &names)
        }
    };
    let (field, loss) = if r.one_in(4) {
        (None, Some(expr(r)))
    } else {
        let k = if r.one_in(10) { r.below(5) } else { n };
        (Some((0..k).map(|_| expr(r)).collect::<Vec<_>>()), None)
    };
    let mut set = BTreeMap::new();
    for _ in 0..r.below(3) {
        set.insert(r.pick(&["a", "b", "x", "c", "h"]).to_string(), gen_value(r));
    }
    RawProblem {
        field,
        loss,
        vars,
        set,
        order: Some(*r.pick(&[1, 1, 2, 2, 3, 0, 4, 31, usize::MAX])),
        recursion: Some(*r.pick(&[Recursion::General, Recursion::Paper, Recursion::Both])),
        method: if r.one_in(8) {
            Some(r.pick(&["explicit-euler", "gd", "rk4", "", "symplectic-euler", "stormer-verlet"]).to_string())
        } else {
            None
        },
        part1: if r.one_in(10) {
            Some((0..r.below(4)).map(|_| r.pick(&["x", "y", "z", "a", "", " x"]).to_string()).collect())
        } else {
            None
        },
        ..Default::default()
    }
}

/// A small problem for the derive target: valid-looking fields (polynomial, rational, elementary functions,
/// unspecified functions) in 1-3 variables, order 1..=3.
pub fn gen_derive_problem(r: &mut Rng) -> RawProblem {
    let mut p = gen_problem(r, 3);
    if r.one_in(2) {
        // Mostly valid: drop the bad names and fix the order and length.
        let n = 1 + r.below(3);
        p.vars = ["x", "y", "z"][..n].iter().map(|s| s.to_string()).collect();
        let names: Vec<&str> = ["x", "y", "z", "a"][..=n].to_vec();
        if p.loss.is_none() {
            p.field = Some((0..n).map(|_| gen_expr(r, 2, &names)).collect());
        }
        p.set.clear();
        p.method = None;
    }
    p.order = Some(1 + r.below(DERIVE_MAX_ORDER));
    p
}

/// The catalogue's TOML files: the seed corpus of the TOML target (kept in sync with `series/inputs/` by a test).
pub fn seed_tomls() -> Vec<&'static str> {
    let mut v: Vec<&str> = bea::spec::examples::CATALOGUE.iter().map(|(_, t)| *t).collect();
    v.push("field = [\"u*(v - 2)\", \"v*(1 - u)\"]\nvars = [\"u\", \"v\"]\norder = 2\n");
    v.push("loss = \"(y0 - a*b*x0)^2/2\"\nvars = [\"a\", \"b\"]\norder = 3\n[set]\nx0 = 1\ny0 = \"3/5\"\n");
    v.push("field = [\"P(x,y)\", \"Q(x,y)\"]\nvars = [\"x\", \"y\"]\norder = 2\nrecursion = \"both\"\n");
    v
}

/// A mutated TOML problem: character edits of a seed, or a seed with one line replaced by a generated one.
pub fn gen_toml(r: &mut Rng) -> String {
    let seeds = seed_tomls();
    let s = *r.pick(&seeds);
    if r.one_in(2) {
        let o = *r.pick(&seeds);
        return mutate(r, s, o);
    }
    let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
    let names = ["x", "y", "u", "v", "a"];
    let line = match r.below(8) {
        0 => format!("field = [\"{}\", \"{}\"]", gen_expr(r, 3, &names), gen_expr(r, 3, &names)),
        1 => format!("loss = \"{}\"", gen_expr(r, 3, &names)),
        2 => format!("order = {}", r.pick(&["0", "1", "3", "-1", "31", "1e3", "\"2\"", "18446744073709551616"])),
        3 => format!("vars = [{}]", r.pick(&["\"x\", \"x\"", "", "\"h\"", "1, 2", "\"x\", \"y\", \"z\""])),
        4 => format!("recursion = \"{}\"", r.pick(&["general", "paper", "both", "nope", ""])),
        5 => "[set]\na = \"1/0\"".to_string(),
        6 => format!("[verify]\nat = [{}]", r.pick(&["1.0", "nan", "inf", "1.0, 2.0", "\"x\""])),
        _ => format!("{} = 1", r.pick(&["unknown", "name", "description", "method"])),
    };
    let i = r.below(lines.len() + 1);
    if i < lines.len() && r.one_in(2) {
        lines[i] = line;
    } else {
        lines.insert(i, line);
    }
    lines.join("\n")
}

/// One of the four targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `parse_expr` on generated and mutated text.
    Parse,
    /// `Problem::from_raw` on generated raw problems.
    Problem,
    /// `raw_from_toml` + `Problem::from_raw` on mutated catalogue files.
    Toml,
    /// `derive_with` on small problems (order <= 3, small budget, 1 s timeout).
    Derive,
}

impl Target {
    /// All targets.
    pub const ALL: [Target; 4] = [Target::Parse, Target::Problem, Target::Toml, Target::Derive];
}

/// A crash or timeout, with the input that caused it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// which target
    pub target: Target,
    /// the input (Debug form of the raw problem, or the text)
    pub input: String,
    /// the panic message, or "timeout: N s"
    pub what: String,
}

/// Counts of one run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// executions
    pub execs: u64,
    /// crashes (panics)
    pub crashes: Vec<Finding>,
    /// executions slower than [`SLOW`]
    pub timeouts: Vec<Finding>,
    /// the slowest execution
    pub max_exec: Duration,
    /// total wall time
    pub wall: Duration,
}

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

/// Run `target` for `execs` executions from `seed` (or until `max_wall`), catching panics.
pub fn run(target: Target, execs: u64, seed: u64, max_wall: Duration) -> Stats {
    let mut r = Rng(seed);
    let mut st = Stats::default();
    let start = Instant::now();
    let mut corpus: Vec<String> = SEED_EXPRS.iter().map(|s| s.to_string()).collect();
    let trace = std::env::var_os("BEA_FUZZ_TRACE");
    while st.execs < execs && start.elapsed() < max_wall {
        let (input, job): (String, Box<dyn FnOnce()>) = match target {
            Target::Parse => {
                let s = if r.one_in(3) {
                    let d = 1 + r.below(5);
                    gen_expr(&mut r, d, &["x", "y", "a", "h", "sin"])
                } else {
                    let (a, b) = (r.pick(&corpus).clone(), r.pick(&corpus).clone());
                    mutate(&mut r, &a, &b)
                };
                // Keep a small rolling corpus of inputs that parse, to mutate further.
                if parse_expr(&s).is_ok() && s.len() < 200 {
                    if corpus.len() < 4096 {
                        corpus.push(s.clone());
                    } else {
                        let i = r.below(corpus.len());
                        corpus[i] = s.clone();
                    }
                }
                (s.clone(), Box::new(move || target_parse(&s)))
            }
            Target::Problem => {
                let p = gen_problem(&mut r, 4);
                (format!("{p:?}"), Box::new(move || target_problem(&p)))
            }
            Target::Toml => {
                let t = gen_toml(&mut r);
                (t.clone(), Box::new(move || target_toml(&t)))
            }
            Target::Derive => {
                let p = gen_derive_problem(&mut r);
                (format!("{p:?}"), Box::new(move || target_derive(&p)))
            }
        };
        if let Some(path) = &trace {
            // Written before the execution, so an abort (stack overflow) leaves the input that caused it.
            let _ = std::fs::write(path, &input);
        }
        let t0 = Instant::now();
        let res = catch_unwind(AssertUnwindSafe(job));
        let dt = t0.elapsed();
        st.execs += 1;
        st.max_exec = st.max_exec.max(dt);
        if let Err(e) = res {
            st.crashes.push(Finding { target, input: input.clone(), what: panic_text(e) });
        }
        let limit = if target == Target::Derive { SLOW + DERIVE_OPTS.timeout.unwrap_or_default() } else { SLOW };
        if dt > limit {
            st.timeouts.push(Finding { target, input, what: format!("timeout: {:.1} s", dt.as_secs_f64()) });
        }
    }
    st.wall = start.elapsed();
    st
}

/// Decode a problem from text, for the coverage-guided (libFuzzer) targets: the first line lists the variables
/// (comma separated); a line `loss: E` gives a loss, `set: a=1,b=3/5` values, `order: N` the order,
/// `recursion: R` and `method: M` those; every other line is one component of the field.
///
/// ```text
/// u,v
/// u*(v - 2)
/// v*(1 - u)
/// order: 2
/// ```
pub fn problem_from_text(s: &str) -> RawProblem {
    let mut lines = s.lines();
    let vars = lines.next().unwrap_or("").split(',').map(|v| v.trim().to_string()).collect();
    let mut raw = RawProblem { vars, ..Default::default() };
    let mut field = Vec::new();
    for line in lines {
        if let Some(l) = line.strip_prefix("loss:") {
            raw.loss = Some(l.trim().to_string());
        } else if let Some(l) = line.strip_prefix("set:") {
            if let Ok(set) = bea::spec::parse_set_list(l) {
                raw.set.extend(set);
            }
        } else if let Some(l) = line.strip_prefix("order:") {
            raw.order = l.trim().parse().ok();
        } else if let Some(l) = line.strip_prefix("recursion:") {
            raw.recursion = l.trim().parse().ok();
        } else if let Some(l) = line.strip_prefix("method:") {
            raw.method = Some(l.trim().to_string());
        } else {
            field.push(line.to_string());
        }
    }
    if !field.is_empty() || raw.loss.is_none() {
        raw.field = Some(field);
    }
    raw
}
