//! The test driver of every Rust program (built once by prepare.sh, linked as an extern
//! crate): reads the job's token, runs the dataset's tests in order and reports `done` after
//! the last one, or `fail` when an assertion did not hold (then unwinds as the test would).
//! The token stays in this frame. Built once, not monomorphised in every program of a batch.

use std::io::{Read, Write};
use std::panic;

/// Runs `tests` as the one test a run selects, reporting through the proof channel.
pub fn drive(tests: &[fn()]) {
    let mut token = String::new();
    let _ = std::io::stdin().read_to_string(&mut token);
    let report = |event: &str| {
        let line = format!("\nHUMANEVAL_X {} {}\n", token.trim(), event);
        let _ = std::io::stdout().write_all(line.as_bytes());
        let _ = std::io::stdout().flush();
    };
    for test in tests {
        if let Err(failure) = panic::catch_unwind(*test) {
            let text = failure.downcast_ref::<String>().cloned();
            let text = text.or_else(|| failure.downcast_ref::<&str>().map(|t| t.to_string()));
            if text.unwrap_or_default().starts_with("assertion") {
                report("fail an assertion did not hold");
            }
            panic::resume_unwind(failure);
        }
    }
    report(if tests.is_empty() { "fail no test of the dataset is in effect" } else { "done" });
}
