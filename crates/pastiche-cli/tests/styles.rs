//! Bundled styles from the command line: `pastiche styles` and `--style NAME`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pastiche_core::{Picture, BUNDLED_STYLES};

fn example_photo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/tubingen.jpg")
}

fn pastiche() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pastiche"))
}

/// A tiny run of the example photo in `style`, writing `output`.
fn stylize(style: &str, output: &Path) -> Output {
    pastiche()
        .arg("stylize")
        .arg(example_photo())
        .args(["--style", style, "--size", "32", "--iterations", "2"])
        .args(["--threads", "2", "-o"])
        .arg(output)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn styles_lists_every_name_title_artist_and_licence() {
    let run = pastiche().arg("styles").output().unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let listing = String::from_utf8(run.stdout).unwrap();
    assert_eq!(listing.lines().count(), BUNDLED_STYLES.len(), "{listing}");
    for (line, style) in listing.lines().zip(BUNDLED_STYLES) {
        assert!(line.starts_with(style.name), "{line}");
        for field in [style.title, style.artist, style.date, style.licence] {
            assert!(line.contains(field), "{line} lacks {field}");
        }
    }
    assert!(listing.contains("starry-night"));
}

#[test]
fn a_bundled_name_stylises_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let run = stylize("starry-night", &output);
    assert!(run.status.success(), "{}", stderr(&run));
    let picture = Picture::load(&output).unwrap();
    assert_eq!((picture.width(), picture.height()), (32, 24));
}

#[test]
fn an_unknown_name_lists_the_bundled_ones_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let run = stylize("starry-nite", &output);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(message.contains("starry-nite: no such file"), "{message}");
    for style in BUNDLED_STYLES {
        assert!(
            message.contains(style.name),
            "{message} lacks {}",
            style.name
        );
    }
    assert!(!output.exists());
}

#[test]
fn an_existing_file_wins_over_a_bundled_name() {
    // A corrupt file called `starry-night` in the working directory is read (and refused)
    // instead of the bundled painting of that name.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("starry-night"), "not an image").unwrap();
    let run = pastiche()
        .current_dir(dir.path())
        .arg("stylize")
        .arg(example_photo())
        .args(["--style", "starry-night", "--size", "32", "-o", "out.png"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("starry-night: not a PNG, JPEG, WebP or TIFF image"),
        "{}",
        stderr(&run)
    );
    assert!(!dir.path().join("out.png").exists());
}
