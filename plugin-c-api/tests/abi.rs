//! Keeps `include/pastiche.h` and the Rust definitions in agreement: a C program compiled
//! against the header reports every struct's size and field offsets and every constant, which
//! must equal Rust's; and the functions the header declares are exactly `symbols.txt`.

use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use pastiche::types::*;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const LAYOUT_PROGRAM: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <pastiche.h>
#define SIZE(t) printf(#t " %zu\n", sizeof(t));
#define FIELD(t, f) printf(#t "." #f " %zu\n", offsetof(t, f));
#define CONST(c) printf(#c " %ld\n", (long)(c));
int main(void) {
    SIZE(pastiche_image) FIELD(pastiche_image, width) FIELD(pastiche_image, height)
    FIELD(pastiche_image, stride) FIELD(pastiche_image, format) FIELD(pastiche_image, pixels)
    SIZE(pastiche_engine_options) FIELD(pastiche_engine_options, model)
    FIELD(pastiche_engine_options, runtime_library) FIELD(pastiche_engine_options, device)
    FIELD(pastiche_engine_options, threads)
    SIZE(pastiche_params) FIELD(pastiche_params, size) FIELD(pastiche_params, scales)
    FIELD(pastiche_params, iterations) FIELD(pastiche_params, content_weight)
    FIELD(pastiche_params, style_weight) FIELD(pastiche_params, tv_weight)
    FIELD(pastiche_params, style_scale) FIELD(pastiche_params, pooling)
    FIELD(pastiche_params, optimizer) FIELD(pastiche_params, learning_rate)
    FIELD(pastiche_params, init) FIELD(pastiche_params, seed) FIELD(pastiche_params, colors)
    SIZE(pastiche_progress) FIELD(pastiche_progress, scales) FIELD(pastiche_progress, loss)
    FIELD(pastiche_progress, elapsed_seconds)
    SIZE(pastiche_frame_stats) FIELD(pastiche_frame_stats, iterations)
    FIELD(pastiche_frame_stats, warm_started) FIELD(pastiche_frame_stats, loss)
    FIELD(pastiche_frame_stats, tv_loss)
    SIZE(pastiche_pixel_format) SIZE(pastiche_status)
    CONST(PASTICHE_ABI_VERSION) CONST(PASTICHE_OK) CONST(PASTICHE_ERROR_INVALID_ARGUMENT)
    CONST(PASTICHE_ERROR_IO) CONST(PASTICHE_ERROR_RUNTIME) CONST(PASTICHE_ERROR_DEVICE_UNAVAILABLE)
    CONST(PASTICHE_CANCELLED) CONST(PASTICHE_ERROR_INTERNAL) CONST(PASTICHE_PIXEL_RGBA8)
    CONST(PASTICHE_PIXEL_RGB8) CONST(PASTICHE_PIXEL_RGBA32F)
    return 0;
}
"#;

fn c_layout() -> Vec<(String, usize)> {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("layout.c");
    let binary = dir.path().join("layout");
    std::fs::write(&source, LAYOUT_PROGRAM).unwrap();
    let compiled = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(crate_dir().join("include"))
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .status()
        .unwrap();
    assert!(compiled.success(), "the header does not compile as C99");
    let output = Command::new(&binary).output().unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

#[test]
fn struct_layouts_and_constants_agree_with_the_header() {
    let rust: Vec<(&str, usize)> = vec![
        ("pastiche_image", size_of::<pastiche_image>()),
        ("pastiche_image.width", offset_of!(pastiche_image, width)),
        ("pastiche_image.height", offset_of!(pastiche_image, height)),
        ("pastiche_image.stride", offset_of!(pastiche_image, stride)),
        ("pastiche_image.format", offset_of!(pastiche_image, format)),
        ("pastiche_image.pixels", offset_of!(pastiche_image, pixels)),
        (
            "pastiche_engine_options",
            size_of::<pastiche_engine_options>(),
        ),
        (
            "pastiche_engine_options.model",
            offset_of!(pastiche_engine_options, model),
        ),
        (
            "pastiche_engine_options.runtime_library",
            offset_of!(pastiche_engine_options, runtime_library),
        ),
        (
            "pastiche_engine_options.device",
            offset_of!(pastiche_engine_options, device),
        ),
        (
            "pastiche_engine_options.threads",
            offset_of!(pastiche_engine_options, threads),
        ),
        ("pastiche_params", size_of::<pastiche_params>()),
        ("pastiche_params.size", offset_of!(pastiche_params, size)),
        (
            "pastiche_params.scales",
            offset_of!(pastiche_params, scales),
        ),
        (
            "pastiche_params.iterations",
            offset_of!(pastiche_params, iterations),
        ),
        (
            "pastiche_params.content_weight",
            offset_of!(pastiche_params, content_weight),
        ),
        (
            "pastiche_params.style_weight",
            offset_of!(pastiche_params, style_weight),
        ),
        (
            "pastiche_params.tv_weight",
            offset_of!(pastiche_params, tv_weight),
        ),
        (
            "pastiche_params.style_scale",
            offset_of!(pastiche_params, style_scale),
        ),
        (
            "pastiche_params.pooling",
            offset_of!(pastiche_params, pooling),
        ),
        (
            "pastiche_params.optimizer",
            offset_of!(pastiche_params, optimizer),
        ),
        (
            "pastiche_params.learning_rate",
            offset_of!(pastiche_params, learning_rate),
        ),
        ("pastiche_params.init", offset_of!(pastiche_params, init)),
        ("pastiche_params.seed", offset_of!(pastiche_params, seed)),
        (
            "pastiche_params.colors",
            offset_of!(pastiche_params, colors),
        ),
        ("pastiche_progress", size_of::<pastiche_progress>()),
        (
            "pastiche_progress.scales",
            offset_of!(pastiche_progress, scales),
        ),
        (
            "pastiche_progress.loss",
            offset_of!(pastiche_progress, loss),
        ),
        (
            "pastiche_progress.elapsed_seconds",
            offset_of!(pastiche_progress, elapsed_seconds),
        ),
        ("pastiche_frame_stats", size_of::<pastiche_frame_stats>()),
        (
            "pastiche_frame_stats.iterations",
            offset_of!(pastiche_frame_stats, iterations),
        ),
        (
            "pastiche_frame_stats.warm_started",
            offset_of!(pastiche_frame_stats, warm_started),
        ),
        (
            "pastiche_frame_stats.loss",
            offset_of!(pastiche_frame_stats, loss),
        ),
        (
            "pastiche_frame_stats.tv_loss",
            offset_of!(pastiche_frame_stats, tv_loss),
        ),
        ("pastiche_pixel_format", size_of::<i32>()),
        ("pastiche_status", size_of::<pastiche_status>()),
        ("PASTICHE_ABI_VERSION", PASTICHE_ABI_VERSION as usize),
        ("PASTICHE_OK", PASTICHE_OK as usize),
        (
            "PASTICHE_ERROR_INVALID_ARGUMENT",
            PASTICHE_ERROR_INVALID_ARGUMENT as usize,
        ),
        ("PASTICHE_ERROR_IO", PASTICHE_ERROR_IO as usize),
        ("PASTICHE_ERROR_RUNTIME", PASTICHE_ERROR_RUNTIME as usize),
        (
            "PASTICHE_ERROR_DEVICE_UNAVAILABLE",
            PASTICHE_ERROR_DEVICE_UNAVAILABLE as usize,
        ),
        ("PASTICHE_CANCELLED", PASTICHE_CANCELLED as usize),
        ("PASTICHE_ERROR_INTERNAL", PASTICHE_ERROR_INTERNAL as usize),
        ("PASTICHE_PIXEL_RGBA8", PASTICHE_PIXEL_RGBA8 as usize),
        ("PASTICHE_PIXEL_RGB8", PASTICHE_PIXEL_RGB8 as usize),
        ("PASTICHE_PIXEL_RGBA32F", PASTICHE_PIXEL_RGBA32F as usize),
    ];
    let c = c_layout();
    assert_eq!(
        c.len(),
        rust.len(),
        "the C program and this list must name the same items"
    );
    for ((c_name, c_value), (rust_name, rust_value)) in c.iter().zip(&rust) {
        assert_eq!(c_name, rust_name);
        assert_eq!(
            c_value, rust_value,
            "{c_name}: header says {c_value}, Rust says {rust_value}"
        );
    }
}

#[test]
fn the_header_declares_exactly_the_exported_symbols() {
    let header = std::fs::read_to_string(crate_dir().join("include/pastiche.h")).unwrap();
    let mut declared: Vec<String> = header
        .lines()
        .filter(|line| !line.trim_start().starts_with(['*', '/', '#']))
        .filter_map(|line| {
            // A declaration: `<type> [*]pastiche_name(`; the name is the last token before `(`.
            let before = &line[..line.find('(')?];
            let name = before.rsplit([' ', '*']).next()?;
            name.starts_with("pastiche_").then(|| name.to_owned())
        })
        .collect();
    declared.sort();
    declared.dedup();
    let listed: Vec<String> = std::fs::read_to_string(crate_dir().join("symbols.txt"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(declared, listed);
}
