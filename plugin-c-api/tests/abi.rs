//! Keeps `include/pastiche.h` and the Rust definitions in agreement: a C program compiled
//! against the header reports every struct's size, field offsets and field-size sum and every
//! constant, which must equal Rust's; and the functions the header declares are exactly
//! `symbols.txt`.

use std::mem::{offset_of, size_of};
use std::path::PathBuf;
use std::process::Command;

use pastiche::types::*;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Structs with the fields whose offsets the header and Rust must agree on (all of them).
macro_rules! layouts {
    ($($ty:ident { $($field:ident),* })*) => {{
        let mut c = String::new();
        let mut rust: Vec<(String, usize)> = Vec::new();
        $(
            let ty = stringify!($ty);
            c += &format!("SIZE({ty})\n");
            rust.push((ty.to_owned(), size_of::<$ty>()));
            let sum: String = [$(stringify!($field)),*]
                .iter()
                .map(|field| format!(" + sizeof((({ty} *)0)->{field})"))
                .collect();
            c += &format!("printf(\"{ty}.fields %zu\\n\", (size_t)0{sum});\n");
            rust.push((format!("{ty}.fields"), size_of::<$ty>()));
            $(
                c += &format!("FIELD({ty}, {})\n", stringify!($field));
                rust.push((format!("{ty}.{}", stringify!($field)), offset_of!($ty, $field)));
            )*
        )*
        (c, rust)
    }};
}

macro_rules! constants {
    ($($name:ident),*) => {{
        let mut c = String::new();
        let mut rust: Vec<(String, usize)> = Vec::new();
        $(
            c += &format!("CONST({})\n", stringify!($name));
            rust.push((stringify!($name).to_owned(), $name as usize));
        )*
        (c, rust)
    }};
}

/// Runs a C program that prints `name value` lines computed by the header.
fn c_values(statements: &str) -> Vec<(String, usize)> {
    let program = format!(
        "#include <stddef.h>\n#include <stdio.h>\n#include <pastiche.h>\n\
         #define SIZE(t) printf(#t \" %zu\\n\", sizeof(t));\n\
         #define FIELD(t, f) printf(#t \".\" #f \" %zu\\n\", offsetof(t, f));\n\
         #define CONST(c) printf(#c \" %zu\\n\", (size_t)(c));\n\
         int main(void) {{\n{statements}return 0;\n}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("layout.c");
    let binary = dir.path().join("layout");
    std::fs::write(&source, program).unwrap();
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

fn assert_same(c: &[(String, usize)], rust: &[(String, usize)]) {
    assert_eq!(
        c.len(),
        rust.len(),
        "the C program and Rust name the same items"
    );
    for ((c_name, c_value), (rust_name, rust_value)) in c.iter().zip(rust) {
        assert_eq!(c_name, rust_name);
        assert_eq!(
            c_value, rust_value,
            "{c_name}: header says {c_value}, Rust says {rust_value}"
        );
    }
}

/// Offsets and sizes agree, and every struct is its fields and nothing else: no padding inside
/// or at the end (`.fields`, the sum of the field sizes, equals the size), so that the next
/// appended field always changes `sizeof` (the header's growth rule).
#[test]
fn struct_layouts_agree_with_the_header_and_have_no_padding() {
    let (c, rust) = layouts! {
        pastiche_image { struct_size, pixels, stride, width, height, format, alpha }
        pastiche_engine_options { struct_size, model, runtime_library, device, threads }
        pastiche_params {
            struct_size, seed, size, scales, iterations, content_weight, style_weight, tv_weight,
            style_scale, pooling, optimizer, learning_rate, init, colors, content_layers,
            style_layers, tile_size, quality, temporal_weight, reserved
        }
        pastiche_progress {
            struct_size, iteration, iterations, scale, scales, width, height, loss, content_loss,
            style_loss, tv_loss, elapsed_seconds, tile, tiles
        }
        pastiche_frame_stats {
            struct_size, iterations, evaluations, warm_started, frame, loss, content_loss,
            style_loss, tv_loss, seconds, temporal_loss, flow_seconds
        }
        pastiche_limits {
            struct_size, max_pixels, max_stride, max_side, min_size, max_size, max_scales,
            max_iterations, max_threads, max_styles, max_style_scale
        }
        pastiche_engine_info {
            struct_size, model_path, architecture, layers, runtime_path, fallback_reason, device,
            threads
        }
    };
    assert_same(&c_values(&c), &rust);
    for (name, size) in &rust {
        if !name.contains('.') {
            assert!(
                size.is_multiple_of(8),
                "{name} is not a whole number of 8-byte units"
            );
        }
    }
}

#[test]
fn constants_agree_with_the_header() {
    let (c, rust) = constants!(
        PASTICHE_ABI_VERSION,
        PASTICHE_OK,
        PASTICHE_ERROR_INVALID_ARGUMENT,
        PASTICHE_ERROR_IO,
        PASTICHE_ERROR_RUNTIME,
        PASTICHE_ERROR_DEVICE_UNAVAILABLE,
        PASTICHE_CANCELLED,
        PASTICHE_ERROR_INTERNAL,
        PASTICHE_PIXEL_RGBA8,
        PASTICHE_PIXEL_RGB8,
        PASTICHE_PIXEL_RGBA32F,
        PASTICHE_PIXEL_BGRA8,
        PASTICHE_ALPHA_STRAIGHT,
        PASTICHE_ALPHA_PREMULTIPLIED,
        PASTICHE_IMAGE_SIZE_V1,
        PASTICHE_ENGINE_OPTIONS_SIZE_V1,
        PASTICHE_PARAMS_SIZE_V1,
        PASTICHE_SIZE_FULL,
        PASTICHE_QUALITY_NONE,
        PASTICHE_QUALITY_DRAFT,
        PASTICHE_QUALITY_STANDARD,
        PASTICHE_QUALITY_FINE
    );
    assert_same(&c_values(&c), &rust);
}

/// The first published sizes end on a field of the current layout: an old caller's struct is
/// a prefix of today's.
#[test]
fn first_published_sizes_are_prefixes_of_todays_structs() {
    assert_eq!(
        PASTICHE_PARAMS_SIZE_V1,
        offset_of!(pastiche_params, content_layers)
    );
    assert_eq!(PASTICHE_IMAGE_SIZE_V1, size_of::<pastiche_image>());
    assert_eq!(
        PASTICHE_ENGINE_OPTIONS_SIZE_V1,
        size_of::<pastiche_engine_options>()
    );
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
