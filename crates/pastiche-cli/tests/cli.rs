//! The `pastiche` binary as a user runs it: help, exit codes, files written or not.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use pastiche_core::Picture;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

fn pastiche() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pastiche"))
}

fn stylize(output: &Path, extra: &[&str]) -> Command {
    let mut command = pastiche();
    command
        .arg("stylize")
        .arg(data("tubingen.jpg"))
        .arg("--style")
        .arg(data("starry_night.jpg"))
        .arg("-o")
        .arg(output)
        .args(["--threads", "2"])
        .args(extra);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_documents_every_option_with_its_default() {
    let output = pastiche().args(["stylize", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--size <SIZE>",
        "[default: 512]",
        "--iterations <ITERATIONS>",
        "--quality <QUALITY>",
        "[default: standard]",
        "--style-weight <STYLE_WEIGHT>",
        "[default: 10]",
        "--preserve-colors",
        "--device <DEVICE>",
        "--save-every",
        "--style-blend",
        "--init <INIT>",
        "[default: style-colours]",
    ] {
        assert!(help.contains(expected), "help lacks {expected}:\n{help}");
    }
}

#[test]
fn a_small_run_writes_webp_at_the_requested_size_and_reports_in_plain_lines() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.webp");
    let run = stylize(&output, &["--size", "48", "--iterations", "3"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let picture = Picture::load(&output).unwrap();
    assert_eq!((picture.width(), picture.height()), (48, 36));
    assert_eq!(&std::fs::read(&output).unwrap()[8..12], b"WEBP");

    // stderr is a pipe here, not a terminal: set-up steps and iterations as plain lines.
    let log = stderr(&run);
    for expected in [
        "pastiche: loading the model and ONNX Runtime…\n",
        "pastiche: compiling the graphs",
        "pastiche: quality standard: at most about ",
        "pastiche: computing the style targets…\n",
        "iteration 3/3  loss",
        "including set-up",
    ] {
        assert!(log.contains(expected), "no {expected:?} in:\n{log}");
    }
}

/// A PNG header claiming 0×10 pixels, and a 50000×50000 PNG with one tiny IDAT chunk.
const ZERO_SIZED_PNG: &str = "89504e470d0a1a0a0000000d49484452000000000000000a08020000001572c823";
const HUGE_PNG: &str = "89504e470d0a1a0a0000000d494844520000c3500000c3500802000000c4cdaa9d0000000b49444154789c63604005000010000139bd8f650000000049454e44ae426082";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn bad_input_exits_2_naming_the_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let option_cases: [(&[&str], &str); 10] = [
        (&["--style-weight=-1"], "style weight"),
        (&["--content-weight", "NaN"], "content weight"),
        (&["--tv-weight", "inf"], "tv weight"),
        (&["--style-blend", "1,2"], "style-blend"),
        (&["--init", "/no/such/init.png"], "/no/such/init.png"),
        (
            &[
                "--style-layers",
                "relu1_1,relu6_1",
                "--iterations",
                "1",
                "--size",
                "32",
            ],
            "relu6_1",
        ),
        (&["--size", "0"], "size"),
        (
            &["--size", "-5"],
            "'-5' for '--size <SIZE>': must be a whole number",
        ),
        (
            &["--iterations", "-1"],
            "'-1' for '--iterations <ITERATIONS>': must be a whole number",
        ),
        (
            &["--quality", "best"],
            "'best' is not a quality (draft, standard or fine)",
        ),
    ];
    for (extra, expected) in option_cases {
        let run = stylize(&output, extra).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{extra:?}: {}", stderr(&run));
        assert!(
            stderr(&run).contains(expected),
            "{extra:?}: {}",
            stderr(&run)
        );
    }

    let truncated_jpeg = dir.path().join("truncated.jpg");
    let photo = std::fs::read(data("starry_night.jpg")).unwrap();
    let mut corrupt = photo[..2].to_vec();
    corrupt.extend((0..=255u8).cycle().take(1024));
    std::fs::write(&truncated_jpeg, corrupt).unwrap();
    let zero = dir.path().join("zero.png");
    std::fs::write(&zero, hex(ZERO_SIZED_PNG)).unwrap();
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, hex(HUGE_PNG)).unwrap();
    for (content, expected) in [
        (PathBuf::from("/no/such/photo.jpg"), "/no/such/photo.jpg"),
        (truncated_jpeg.clone(), "truncated.jpg"),
        (zero, "zero.png"),
        (huge, "50000x50000"),
    ] {
        let run = pastiche()
            .arg("stylize")
            .arg(&content)
            .arg("--style")
            .arg(data("starry_night.jpg"))
            .arg("-o")
            .arg(&output)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(
            stderr(&run).contains(expected),
            "{expected}: {}",
            stderr(&run)
        );
    }
    let corrupt_style = stylize(&output, &[])
        .arg("--style")
        .arg(&truncated_jpeg)
        .output()
        .unwrap();
    assert_eq!(corrupt_style.status.code(), Some(2));
    assert!(
        stderr(&corrupt_style).contains("truncated.jpg"),
        "{}",
        stderr(&corrupt_style)
    );
    assert!(!output.exists());

    for (unwritable, why) in [
        (
            "/no/such/dir/out.png",
            "the folder /no/such/dir does not exist",
        ),
        ("/proc/out.png", "cannot write in the folder /proc: "),
    ] {
        let run = stylize(Path::new(unwritable), &[]).output().unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(stderr(&run).contains(unwritable), "{}", stderr(&run));
        assert!(stderr(&run).contains(why), "{}", stderr(&run));
        assert!(!stderr(&run).contains(".pastiche-"), "{}", stderr(&run));
    }
}

#[test]
fn auto_device_falls_back_to_the_cpu_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let run = stylize(
        &output,
        &["--size", "32", "--iterations", "1", "--device", "auto"],
    )
    .output()
    .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("notice: CUDA is unavailable, running on the CPU"),
        "{}",
        stderr(&run)
    );
    assert!(output.exists());

    let cuda = stylize(
        &output,
        &["--size", "32", "--iterations", "1", "--device", "cuda"],
    )
    .output()
    .unwrap();
    assert_eq!(cuda.status.code(), Some(2), "{}", stderr(&cuda));
    assert!(
        stderr(&cuda).contains("'cuda' is not available"),
        "{}",
        stderr(&cuda)
    );
}

#[test]
fn the_same_seed_writes_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = (0..2)
        .map(|i| dir.path().join(format!("run{i}.png")))
        .collect();
    for file in &files {
        let run = stylize(
            file,
            &[
                "--size",
                "48",
                "--iterations",
                "3",
                "--init",
                "noise",
                "--seed",
                "5",
            ],
        )
        .output()
        .unwrap();
        assert!(run.status.success(), "{}", stderr(&run));
    }
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(&files[1]).unwrap()
    );
}

#[test]
fn ctrl_c_cancels_with_130_and_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let mut child = stylize(
        &output,
        &["--size", "64", "--iterations", "500", "--save-every", "1"],
    )
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // Wait until the optimisation is under way: the first intermediate image appears.
    let first = dir.path().join("out.s0.iter0001.png");
    let started = Instant::now();
    while !first.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sigint(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        !output.exists(),
        "an interrupted run must not write its output"
    );
    let leftovers: Vec<_> = files_in(dir.path())
        .into_iter()
        .filter(|n| n.starts_with(".pastiche-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Names of the files in `dir`.
fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Waits for a line of the child's stderr containing `marker`, then returns.
fn wait_for_line(child: &mut Child, marker: &str) {
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let found = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.contains(marker));
    assert!(found, "the run ended without printing {marker:?}");
    // Keep draining stderr so that the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
}

fn sigint(child: &Child) {
    // SAFETY: kill(2) with a live child's pid and SIGINT has no memory-safety preconditions.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
}

#[test]
fn by_default_the_output_has_the_photos_size_painted_in_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let run = stylize(&output, &["--scales", "1", "--iterations", "1"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    let picture = Picture::load(&output).unwrap();
    assert_eq!((picture.width(), picture.height()), (1024, 768));
    assert!(
        stderr(&run).contains("1024x768 tile 6/6"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn ctrl_c_inside_a_tile_exits_130_with_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.png");
    let mut child = stylize(
        &output,
        &[
            "--size",
            "300",
            "--tile-size",
            "128",
            "--scales",
            "1",
            "--iterations",
            "40",
        ],
    )
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_for_line(&mut child, " tile 2/");
    sigint(&child);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn ctrl_c_during_set_up_exits_130_promptly_with_no_output() {
    // The style targets at 256, 512 and 1024 pixels take seconds of uninterruptible ONNX Runtime
    // work; a first Ctrl-C there, and a double Ctrl-C, both end the run at once.
    for presses in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out.png");
        let mut child = stylize(&output, &["--size", "1024", "--iterations", "5"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_line(&mut child, "computing the style targets");
        let pressed = Instant::now();
        for _ in 0..presses {
            sigint(&child);
        }
        let status = child.wait().unwrap();
        let took = pressed.elapsed();
        assert_eq!(status.code(), Some(130), "{presses} Ctrl-C");
        // The run acts within half a second; the bound leaves room for a loaded machine.
        assert!(
            took < Duration::from_secs(3),
            "{presses} Ctrl-C: took {took:?}"
        );
        assert!(
            files_in(dir.path()).is_empty(),
            "{:?}",
            files_in(dir.path())
        );
    }
}

#[test]
fn model_commands_describe_and_export_the_default_model() {
    let info = pastiche().args(["model", "info"]).output().unwrap();
    assert!(info.status.success(), "{}", stderr(&info));
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        text.contains("vgg16") && text.contains("relu4_2") && text.contains("caffe"),
        "{text}"
    );
    // The pooling stylize uses by default, not the network's own max pooling.
    assert!(text.contains("pooling:       avg when stylising"), "{text}");
    assert!(!text.to_lowercase().contains("max pool"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("loss.onnx");
    let export = pastiche()
        .args([
            "model",
            "export-graph",
            "--style-layers",
            "relu1_1,relu2_1",
            "--content-layers",
            "relu2_2",
            "-o",
        ])
        .arg(&graph)
        .output()
        .unwrap();
    assert!(export.status.success(), "{}", stderr(&export));
    assert!(std::fs::metadata(&graph).unwrap().len() > 100_000);

    let bad = dir.path().join("bad.onnx");
    std::fs::write(&bad, "not a model").unwrap();
    let import = pastiche()
        .args(["model", "import"])
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert_eq!(import.status.code(), Some(2));
    assert!(stderr(&import).contains("bad.onnx"), "{}", stderr(&import));
}

/// An output that is one of the inputs — by another spelling of its path, or a hard link to it —
/// is refused before any work: renaming the result over it would destroy that input.
#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.jpg");
    let painting = dir.path().join("painting.jpg");
    std::fs::copy(data("tubingen.jpg"), &photo).unwrap();
    std::fs::copy(data("starry_night.jpg"), &painting).unwrap();
    let linked = dir.path().join("linked.jpg");
    std::fs::hard_link(&photo, &linked).unwrap();
    let original = std::fs::read(&photo).unwrap();
    for (output, extra, input) in [
        ("./photo.jpg", &[][..], "content image"),
        ("linked.jpg", &[], "content image"),
        ("painting.jpg", &[], "style image"),
        ("init.jpg", &["--init", "init.jpg"], "--init image"),
    ] {
        if output == "init.jpg" {
            std::fs::copy(data("shipwreck.jpg"), dir.path().join(output)).unwrap();
        }
        let run = pastiche()
            .current_dir(dir.path())
            .args([
                "stylize",
                "photo.jpg",
                "--style",
                "painting.jpg",
                "-o",
                output,
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{output}: {}", stderr(&run));
        assert!(
            stderr(&run).contains(&format!("'{output}': it is the {input}"))
                && stderr(&run).contains("would destroy"),
            "{output}: {}",
            stderr(&run)
        );
    }
    assert_eq!(std::fs::read(&photo).unwrap(), original);
    assert_eq!(
        std::fs::read(&painting).unwrap(),
        std::fs::read(data("starry_night.jpg")).unwrap()
    );
}
