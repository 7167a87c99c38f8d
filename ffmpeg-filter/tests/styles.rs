//! `pastiche-video --style NAME`: bundled styles reach libpastiche by name through the C ABI.
//! Raw rgb24 frames through pipes keep it quick.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SIZE: &str = "24x16";
const FRAME_BYTES: usize = 24 * 16 * 3;

/// Two frames of a colour ramp.
fn frames() -> Vec<u8> {
    (0..2 * FRAME_BYTES).map(|i| (i % 251) as u8).collect()
}

/// Stylises `frames()` in `style` with a tiny size and few iterations.
fn stylise(style: &str) -> Output {
    let mut run = Command::new(env!("CARGO_BIN_EXE_pastiche-video"))
        .args(["--style", style, "--raw", SIZE, "-"])
        .args([
            "--size",
            "32",
            "--iterations-first",
            "2",
            "--iterations",
            "1",
        ])
        .args(["--threads", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = run.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // A run that refuses its style exits without reading: a broken pipe is expected then.
        let _ = stdin.write_all(&frames());
    });
    let output = run.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bundled_name_stylises_every_frame() {
    let run = stylise("the-scream");
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(run.stdout.len(), 2 * FRAME_BYTES);
    let changed = run
        .stdout
        .iter()
        .zip(frames())
        .filter(|(a, b)| a.abs_diff(*b) > 8)
        .count();
    assert!(changed > FRAME_BYTES / 2, "{changed} bytes changed");
}

#[test]
fn an_unknown_name_fails_with_status_2_listing_the_bundled_ones() {
    let run = stylise("the-screem");
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(
        message.contains(
            "the-screem: no such file, and not the name of a bundled style \
             (starry-night, shipwreck, the-scream)"
        ),
        "{message}"
    );
    assert!(run.stdout.is_empty());
}
