//! The catalogue: one insta snapshot per `series/inputs/*.toml`, stored in `series/snapshots/`, with both
//! recursions and their order-by-order agreement, so any change in a derived formula shows up in review.

use bea::derive::derive;
use bea::emit::{render, Format, Report};
use bea::spec::{Problem, Recursion};

#[test]
fn catalogue_snapshots() {
    insta::with_settings!({ snapshot_path => "../series/snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::glob!("../series/inputs", "*.toml", |path| {
            let mut p = Problem::from_toml_file(path).expect("catalogue inputs are valid");
            p.recursion = Recursion::Both;
            let mut me = derive(&p).expect("catalogue inputs derive within the default budget");
            let text = render(&Report::build(&mut me), Format::Text);
            insta::assert_snapshot!(text);
        });
    });
}

/// Every file in series/inputs is a built-in example and vice versa.
#[test]
fn catalogue_files_match_builtin_examples() {
    let mut files: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/series/inputs"))
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut builtin: Vec<String> = bea::spec::examples::CATALOGUE.iter().map(|(n, _)| n.to_string()).collect();
    builtin.sort();
    assert_eq!(files, builtin);
}
