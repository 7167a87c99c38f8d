//! ONNX Runtime's GPU build and the NVIDIA libraries its CUDA provider needs.
//!
//! The GPU build (PyPI `onnxruntime-gpu`) is a core library plus `libonnxruntime_providers_cuda.so`,
//! which ONNX Runtime opens from its own directory when a session first asks for CUDA. That
//! provider, and cuDNN which it opens by name when it first runs a convolution, carry no RUNPATH:
//! they find CUDA by soname on the system's library path. As onnxruntime-gpu's Python
//! `preload_dlls()` does, Pastiche therefore opens the NVIDIA libraries itself, before ONNX Runtime
//! needs them: from the GPU build's folder when `models/fetch-default.sh --cuda` put them there
//! (by full path, with `RTLD_GLOBAL`; the loader then reuses them for every later request of the
//! same soname), else by soname from the system (a CUDA toolkit, PyTorch's wheels on
//! `LD_LIBRARY_PATH`). Doing this before ONNX Runtime is loaded is what lets `auto` keep the CPU
//! build and `cuda` fail at engine creation naming the library that is missing, never at the
//! first evaluation.

use std::path::{Path, PathBuf};

/// The folder, in the cache or beside the executable or libpastiche, that holds the GPU build.
pub const GPU_FOLDER: &str = "runtime-cuda";
/// The GPU build's core library (onnxruntime-gpu 1.31.1).
pub const GPU_LIBRARY: &str = "libonnxruntime.so.1.31.1";
/// ONNX Runtime's CUDA execution provider, which it loads from its own directory.
pub const PROVIDER_LIBRARY: &str = "libonnxruntime_providers_cuda.so";

/// What the provider needs, in load order (each library after those it links to), and where it
/// comes from. cuDNN's own parts (`libcudnn_graph.so.9`, …) and NVRTC are found by cuDNN beside
/// itself (its RUNPATH is `$ORIGIN`), so they need no opening here.
const NVIDIA_LIBRARIES: &[(&str, &str)] = &[
    ("libcuda.so.1", "the NVIDIA driver"),
    ("libcudart.so.13", "CUDA 13"),
    ("libcublasLt.so.13", "CUDA 13"),
    ("libcublas.so.13", "CUDA 13"),
    ("libcurand.so.10", "CUDA 13"),
    ("libcudnn.so.9", "cuDNN 9"),
];

/// What to tell a user who has no usable GPU build.
const HOW_TO_INSTALL: &str = "run models/fetch-default.sh --cuda";

/// The first GPU build in `dirs`' `runtime-cuda/` folders whose CUDA provider can run here, with
/// the NVIDIA libraries it needs opened for the process; or why there is none.
pub fn find_gpu_build(dirs: &[PathBuf]) -> Result<PathBuf, String> {
    let mut looked = Vec::new();
    for dir in dirs {
        let folder = dir.join(GPU_FOLDER);
        let library = folder.join(GPU_LIBRARY);
        if !library.is_file() {
            looked.push(format!("{} (no such file)", library.display()));
        } else if !folder.join(PROVIDER_LIBRARY).is_file() {
            looked.push(format!(
                "{} (no {PROVIDER_LIBRARY} beside it)",
                library.display()
            ));
        } else {
            open_nvidia_libraries(&folder)?;
            return Ok(library);
        }
    }
    Err(format!(
        "the CUDA build of ONNX Runtime is not installed ({HOW_TO_INSTALL}); looked for: {}",
        looked.join("; ")
    ))
}

/// Whether the ONNX Runtime at `library` can run CUDA sessions here: its CUDA provider beside
/// it, and the NVIDIA libraries that provider needs opened for the process.
pub fn check_provider_beside(library: &Path) -> Result<(), String> {
    let folder = library.parent().unwrap_or(Path::new("."));
    if !folder.join(PROVIDER_LIBRARY).is_file() {
        return Err(format!(
            "{} has no CUDA provider ({PROVIDER_LIBRARY}) beside it: it is ONNX Runtime's CPU \
             build, and one process holds one ONNX Runtime; a process that asks for cuda or auto \
             first loads the CUDA build ({HOW_TO_INSTALL})",
            library.display()
        ));
    }
    open_nvidia_libraries(folder)
}

/// Opens every library of [`NVIDIA_LIBRARIES`] for the life of the process: from `folder` when
/// it is there, else by soname from the system's library path. Names all that cannot be opened.
fn open_nvidia_libraries(folder: &Path) -> Result<(), String> {
    let mut missing = Vec::new();
    for &(soname, source) in NVIDIA_LIBRARIES {
        let bundled = folder.join(soname);
        let target = if bundled.is_file() {
            bundled.into_os_string()
        } else {
            soname.into()
        };
        let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL;
        // SAFETY: these libraries' initialisers only register themselves (CUDA and cuDNN create
        // no state until called), and ONNX Runtime would open the very same files.
        match unsafe { libloading::os::unix::Library::open(Some(&target), flags) } {
            // Kept open for the process's life, like ONNX Runtime itself: the provider uses them.
            Ok(library) => std::mem::forget(library),
            // libloading's own message is "dlopen failed"; the loader's reason is its source.
            Err(error) => missing.push((
                soname,
                source,
                std::error::Error::source(&error)
                    .map_or_else(|| error.to_string(), ToString::to_string),
            )),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let (absent, broken): (Vec<_>, Vec<_>) = missing
        .iter()
        .partition(|(.., error)| error.contains("cannot open shared object file"));
    let mut problems = Vec::new();
    if !absent.is_empty() {
        let names: Vec<String> = absent
            .iter()
            .map(|(soname, source, _)| format!("{soname} ({source})"))
            .collect();
        problems.push(format!(
            "it needs {}, found neither there nor on the system's library path",
            names.join(", ")
        ));
    }
    for (soname, source, error) in broken {
        problems.push(format!("{soname} ({source}) cannot be opened: {error}"));
    }
    let only_the_driver = missing.len() == 1 && missing[0].0 == "libcuda.so.1";
    Err(format!(
        "ONNX Runtime's CUDA provider in {} cannot run here: {} ({})",
        folder.display(),
        problems.join("; "),
        if only_the_driver {
            "is there an NVIDIA GPU with its driver?"
        } else {
            "CUDA 13 and cuDNN 9: models/fetch-default.sh --cuda; the driver comes with the GPU"
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(GPU_FOLDER)).unwrap();
        for file in files {
            std::fs::write(dir.path().join(GPU_FOLDER).join(file), b"").unwrap();
        }
        dir
    }

    #[test]
    fn a_missing_gpu_build_is_reported_with_every_place_looked_and_the_fix() {
        let empty = tempfile::tempdir().unwrap();
        let core_only = folder_with(&[GPU_LIBRARY]);
        let dirs = [empty.path().to_owned(), core_only.path().to_owned()];
        let reason = find_gpu_build(&dirs).unwrap_err();
        assert!(
            reason.starts_with(
                "the CUDA build of ONNX Runtime is not installed (run models/fetch-default.sh --cuda)"
            ),
            "{reason}"
        );
        let expected = [
            format!(
                "{} (no such file)",
                empty.path().join(GPU_FOLDER).join(GPU_LIBRARY).display()
            ),
            format!(
                "{} (no {PROVIDER_LIBRARY} beside it)",
                core_only
                    .path()
                    .join(GPU_FOLDER)
                    .join(GPU_LIBRARY)
                    .display()
            ),
        ];
        for part in expected {
            assert!(reason.contains(&part), "{part} not in {reason}");
        }
    }

    #[test]
    fn a_gpu_build_without_the_driver_is_refused_naming_it() {
        // No NVIDIA driver on the machines that run the tests.
        let installed = folder_with(&[GPU_LIBRARY, PROVIDER_LIBRARY]);
        let reason = find_gpu_build(&[installed.path().to_owned()]).unwrap_err();
        let folder = installed.path().join(GPU_FOLDER);
        assert!(
            reason.starts_with(&format!(
                "ONNX Runtime's CUDA provider in {} cannot run here: it needs libcuda.so.1 (the NVIDIA driver)",
                folder.display()
            )),
            "{reason}"
        );
    }

    #[test]
    fn a_broken_bundled_library_is_named_with_the_loader_s_reason() {
        let installed = folder_with(&[GPU_LIBRARY, PROVIDER_LIBRARY, "libcudart.so.13"]);
        let reason = find_gpu_build(&[installed.path().to_owned()]).unwrap_err();
        assert!(
            reason.contains(&format!(
                "libcudart.so.13 (CUDA 13) cannot be opened: {}",
                installed
                    .path()
                    .join(GPU_FOLDER)
                    .join("libcudart.so.13")
                    .display()
            )),
            "{reason}"
        );
    }
}
