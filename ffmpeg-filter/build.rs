//! Links libpastiche, found with pkg-config, dynamically, and generates the Rust declarations
//! from its installed header: the binary reaches the engine only through the library's C ABI,
//! exactly as `pastiche.h` states it.

use std::path::PathBuf;

fn main() {
    let library = match pkg_config::Config::new()
        .atleast_version("0.1")
        .probe("pastiche")
    {
        Ok(library) => library,
        Err(error) => panic!(
            "pastiche-video links libpastiche, which pkg-config cannot find ({error}).\n\
             Install it into a prefix and point PKG_CONFIG_PATH at it, from the repository root:\n    \
             make -C plugin-c-api install PREFIX=$PWD/target/prefix PROFILE=dev\n    \
             export PKG_CONFIG_PATH=$PWD/target/prefix/lib/pkgconfig"
        ),
    };
    // Run from the build tree against the prefix pkg-config named, and from an installed layout
    // (bin/pastiche-video beside lib/libpastiche.so.1) without LD_LIBRARY_PATH. pastiche.pc
    // already asks for the first; other .pc files may not.
    let rpaths_given: Vec<&str> = library
        .ld_args
        .iter()
        .flat_map(|group| group.windows(2))
        .filter(|pair| pair[0] == "-rpath")
        .map(|pair| pair[1].as_str())
        .collect();
    for directory in &library.link_paths {
        let directory = directory.display().to_string();
        if !rpaths_given.contains(&directory.as_str()) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{directory}");
        }
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN/../lib");
    generate_bindings(&library.include_paths);
}

/// Writes `pastiche.rs` into OUT_DIR from the `pastiche.h` on the include path: every
/// `pastiche_*` function and type, C enums as plain constants of their (unsigned) type.
fn generate_bindings(include_paths: &[PathBuf]) {
    let header = include_paths
        .iter()
        .map(|directory| directory.join("pastiche.h"))
        .find(|header| header.exists())
        .unwrap_or_else(|| {
            panic!("pastiche.h is not in pkg-config's include path {include_paths:?}")
        });
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = bindgen::Builder::default()
        .header(header.display().to_string())
        .allowlist_function("pastiche_.*")
        .allowlist_type("pastiche_.*")
        .allowlist_var("PASTICHE_.*")
        .prepend_enum_name(false)
        .generate()
        .expect("bindgen reads pastiche.h");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("pastiche.rs"))
        .expect("OUT_DIR is writable");
}
