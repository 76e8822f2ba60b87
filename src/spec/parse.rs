//! A strict expression parser with positions: `+ - * / ^` (and `**`), parentheses, function calls, exact
//! numbers. Unlike the CAS's permissive parser (GUIDE section 4, caveat 2), juxtaposition (`x y`, `sin x`) is an
//! error, as are empty input and stray characters; every error names the 1-based column.
//!
//! Grammar (usual precedence; `^` binds tighter than unary minus and is right-associative, so `-x^2 = -(x^2)`
//! and `2^3^2 = 2^9`):
//! ```text
//! expr   := term (('+' | '-') term)*
//! term   := unary (('*' | '/') unary)*
//! unary  := ('-' | '+') unary | power
//! power  := atom (('^' | '**') unary)?
//! atom   := number | ident | ident '(' expr (',' expr)* ')' | '(' expr ')'
//! number := digits ('.' digits)? (('e' | 'E') ('+' | '-')? digits)?
//! ```

use crate::algebra::Coef;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Pow;
use thiserror::Error;

/// A parse error, with the 1-based column where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Nothing to parse.
    #[error("empty expression")]
    Empty,
    /// A character that cannot start a token.
    #[error("unexpected character '{ch}' at column {col}")]
    BadChar {
        /// the character
        ch: char,
        /// 1-based column
        col: usize,
    },
    /// A token where something else was required.
    #[error("expected {expected} at column {col}, found {found}")]
    Expected {
        /// what the grammar needed
        expected: String,
        /// what was there
        found: String,
        /// 1-based column
        col: usize,
    },
    /// An expression nested deeper than [`MAX_NESTING`] levels of parentheses, calls, signs and exponents, or a
    /// tree deeper than [`MAX_DEPTH`] (where the terms of one sum or product count one level each).
    #[error("expression nested too deeply or too long at column {col}: more than {max} levels (of parentheses, calls, signs and powers: 100; with the terms of one sum or product counted: 2000); split it into smaller parts")]
    TooDeep {
        /// the limit
        max: usize,
        /// 1-based column where the limit was passed
        col: usize,
    },
    /// A number whose decimal exponent is beyond ±400 (exact rationals that large or small only slow everything
    /// down, and outside about ±308 they are not finite `f64` values either).
    #[error("number '{text}' at column {col} is out of range: decimal exponents beyond ±400 are refused")]
    NumberOutOfRange {
        /// its text
        text: String,
        /// 1-based column
        col: usize,
    },
    /// A malformed number.
    #[error("malformed number '{text}' at column {col}")]
    BadNumber {
        /// its text
        text: String,
        /// 1-based column
        col: usize,
    },
}

/// A parsed expression with source positions (1-based columns).
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// An exact number.
    Num(Coef, usize),
    /// An identifier.
    Ident(String, usize),
    /// A binary operation `op` in `+ - * / ^`.
    Bin(char, Box<Ast>, Box<Ast>, usize),
    /// Unary minus.
    Neg(Box<Ast>, usize),
    /// A call `name(args)`.
    Call(String, Vec<Ast>, usize),
}

impl Ast {
    /// The column where the node starts.
    pub fn col(&self) -> usize {
        match self {
            Ast::Num(_, c) | Ast::Ident(_, c) | Ast::Bin(_, _, _, c) | Ast::Neg(_, c) | Ast::Call(_, _, c) => *c,
        }
    }
    /// Every identifier used as a plain symbol (not as a function name), in order of first appearance.
    pub fn symbols(&self, out: &mut Vec<String>) {
        match self {
            Ast::Ident(s, _) => {
                if !out.contains(s) {
                    out.push(s.clone())
                }
            }
            Ast::Num(..) => {}
            Ast::Bin(_, a, b, _) => {
                a.symbols(out);
                b.symbols(out);
            }
            Ast::Neg(a, _) => a.symbols(out),
            Ast::Call(_, args, _) => args.iter().for_each(|a| a.symbols(out)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Ident(String),
    Op(char),
    End,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(s) => format!("number '{s}'"),
        Tok::Ident(s) => format!("name '{s}'"),
        Tok::Op(c) => format!("'{c}'"),
        Tok::End => "end of input".to_string(),
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            out.push((Tok::Num(chars[start..i].iter().collect()), col));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            out.push((Tok::Op('^'), col));
            i += 2;
        } else if "+-*/^(),".contains(c) {
            out.push((Tok::Op(c), col));
            i += 1;
        } else {
            return Err(ParseError::BadChar { ch: c, col });
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

/// Parse a decimal or integer literal exactly (`0.6` is `3/5`, `1e-3` is `1/1000`).
pub fn parse_number(text: &str, col: usize) -> Result<Coef, ParseError> {
    let bad = || ParseError::BadNumber { text: text.to_string(), col };
    let (mant, exp) = match text.find(['e', 'E']) {
        Some(p) => {
            let e = &text[p + 1..];
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            let exp = e.parse::<i32>().map_err(|_| {
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    ParseError::NumberOutOfRange { text: text.to_string(), col }
                } else {
                    bad()
                }
            })?;
            (&text[..p], exp)
        }
        None => (text, 0),
    };
    if mant.matches('.').count() > 1 || mant.is_empty() || mant == "." {
        return Err(bad());
    }
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    // Digits only: the big-integer parser would also take `_` separators (found by review: `--at 1_0` read as 10).
    if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if exp.abs() > 400 {
        return Err(ParseError::NumberOutOfRange { text: text.to_string(), col });
    }
    let digits = format!("{int}{frac}");
    let n: BigInt = digits.parse().map_err(|_| bad())?;
    let scale = exp - frac.len() as i32;
    let ten = BigInt::from(10);
    let r = if scale >= 0 {
        BigRational::from_integer(n * Pow::pow(&ten, scale as u32))
    } else {
        BigRational::new(n, Pow::pow(&ten, (-scale) as u32))
    };
    Ok(Coef::from_big(r))
}

/// The deepest expression tree the parser builds. Everything after it (lowering, printing, dropping the tree)
/// recurses once per level, so the limit keeps a hand-typed or generated formula from overflowing the stack: found
/// by review, 10,000 nested parentheses, `sin(` 10,000 deep or 50,000 minus signs aborted the process.
pub const MAX_DEPTH: usize = 2_000;

/// The deepest nesting of parentheses, calls, signs and exponents (each level costs the parser several stack
/// frames, while a long sum costs none): the parser and the lowering recurse through it, and 100 levels fit a 2 MiB stack in a debug build.
pub const MAX_NESTING: usize = 100;

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

/// A subtree and its depth.
type Node = (Ast, usize);

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }
    fn col(&self) -> usize {
        self.toks[self.pos].1
    }
    fn bump(&mut self) -> (Tok, usize) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn expect(&mut self, c: char, what: &str) -> Result<(), ParseError> {
        if *self.peek() == Tok::Op(c) {
            self.bump();
            Ok(())
        } else {
            Err(ParseError::Expected { expected: what.to_string(), found: describe(self.peek()), col: self.col() })
        }
    }
    /// `(ast, depth)` with the depth checked against [`MAX_DEPTH`].
    fn node(&self, ast: Ast, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::TooDeep { max: MAX_DEPTH, col: ast.col() });
        }
        Ok((ast, depth))
    }
    /// The nesting `level` (calls of `expr` through parentheses and arguments, signs and exponents) is checked
    /// before recursing, so the parser's own recursion is bounded too.
    fn expr(&mut self, level: usize) -> Result<Node, ParseError> {
        if level > MAX_NESTING {
            return Err(ParseError::TooDeep { max: MAX_NESTING, col: self.col() });
        }
        let (mut lhs, mut d) = self.term(level)?;
        while let Tok::Op(op @ ('+' | '-')) = *self.peek() {
            let col = self.col();
            self.bump();
            let (rhs, e) = self.term(level)?;
            (lhs, d) = self.node(Ast::Bin(op, Box::new(lhs), Box::new(rhs), col), 1 + d.max(e))?;
        }
        Ok((lhs, d))
    }
    fn term(&mut self, level: usize) -> Result<Node, ParseError> {
        let (mut lhs, mut d) = self.unary(level)?;
        while let Tok::Op(op @ ('*' | '/')) = *self.peek() {
            let col = self.col();
            self.bump();
            let (rhs, e) = self.unary(level)?;
            (lhs, d) = self.node(Ast::Bin(op, Box::new(lhs), Box::new(rhs), col), 1 + d.max(e))?;
        }
        Ok((lhs, d))
    }
    fn unary(&mut self, level: usize) -> Result<Node, ParseError> {
        if level > MAX_NESTING {
            return Err(ParseError::TooDeep { max: MAX_NESTING, col: self.col() });
        }
        match *self.peek() {
            Tok::Op('-') => {
                let col = self.col();
                self.bump();
                let (a, d) = self.unary(level + 1)?;
                self.node(Ast::Neg(Box::new(a), col), d + 1)
            }
            Tok::Op('+') => {
                self.bump();
                self.unary(level + 1)
            }
            _ => self.power(level),
        }
    }
    fn power(&mut self, level: usize) -> Result<Node, ParseError> {
        let (base, d) = self.atom(level)?;
        if *self.peek() == Tok::Op('^') {
            let col = self.col();
            self.bump();
            let (exp, e) = self.unary(level + 1)?;
            return self.node(Ast::Bin('^', Box::new(base), Box::new(exp), col), 1 + d.max(e));
        }
        Ok((base, d))
    }
    fn atom(&mut self, level: usize) -> Result<Node, ParseError> {
        let (tok, col) = self.bump();
        match tok {
            Tok::Num(s) => Ok((Ast::Num(parse_number(&s, col)?, col), 1)),
            Tok::Ident(name) => {
                if *self.peek() != Tok::Op('(') {
                    return Ok((Ast::Ident(name, col), 1));
                }
                self.bump();
                let (first, mut d) = self.expr(level + 1)?;
                let mut args = vec![first];
                while *self.peek() == Tok::Op(',') {
                    self.bump();
                    let (a, e) = self.expr(level + 1)?;
                    args.push(a);
                    d = d.max(e);
                }
                self.expect(')', "',' or ')' closing the argument list")?;
                self.node(Ast::Call(name, args, col), d + 1)
            }
            Tok::Op('(') => {
                let e = self.expr(level + 1)?;
                self.expect(')', "')'")?;
                Ok(e)
            }
            t => Err(ParseError::Expected { expected: "a number, a name or '('".into(), found: describe(&t), col }),
        }
    }
}

/// Parse one expression.
///
/// ```
/// use bea::spec::parse::{parse_expr, ParseError};
/// assert!(parse_expr("p*(2 - q)").is_ok());
/// assert!(matches!(parse_expr("x y"), Err(ParseError::Expected { col: 3, .. })));
/// assert!(matches!(parse_expr("sin x"), Err(ParseError::Expected { col: 5, .. })));
/// ```
pub fn parse_expr(src: &str) -> Result<Ast, ParseError> {
    let toks = lex(src)?;
    if toks.len() == 1 {
        return Err(ParseError::Empty);
    }
    let mut p = Parser { toks, pos: 0 };
    let (e, _) = p.expr(0)?;
    if *p.peek() != Tok::End {
        return Err(ParseError::Expected {
            expected: "an operator or end of input".into(),
            found: describe(p.peek()),
            col: p.col(),
        });
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numbers_are_exact() {
        assert_eq!(parse_number("0.6", 1).unwrap(), Coef::new(3, 5));
        assert_eq!(parse_number("1e-3", 1).unwrap(), Coef::new(1, 1000));
        assert_eq!(parse_number("2.5E2", 1).unwrap(), Coef::int(250));
        assert!(parse_number("1.2.3", 1).is_err());
        let big = parse_number("1e401", 3).unwrap_err().to_string();
        assert!(big.contains("'1e401' at column 3 is out of range"), "{big}");
        assert!(parse_number("1e-99999999999", 1).unwrap_err().to_string().contains("out of range"));
        assert!(parse_number("1e--3", 1).unwrap_err().to_string().contains("malformed"));
        for odd in ["1_0", "+1", "1.-2", "1.5_", "0x10"] {
            assert!(parse_number(odd, 1).is_err(), "{odd}");
        }
    }
    #[test]
    fn precedence() {
        let e = parse_expr("-x^2").unwrap();
        assert!(matches!(e, Ast::Neg(..)));
        assert!(matches!(parse_expr("(x"), Err(ParseError::Expected { col: 3, .. })));
        assert!(matches!(parse_expr("x $ y"), Err(ParseError::BadChar { ch: '$', col: 3 })));
        assert!(matches!(parse_expr("   "), Err(ParseError::Empty)));
    }
}
