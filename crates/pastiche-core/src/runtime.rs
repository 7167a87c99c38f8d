//! Finds and loads the ONNX Runtime shared library once per process.
//!
//! A library the user names — an explicit path, else `$PASTICHE_ORT_LIB` — is the only one tried:
//! if it cannot be loaded that is an error naming it, never a quiet fall-back to another
//! runtime. Without one, the search goes: the directory of the running executable, the
//! directory of the shared library that contains this code (for C hosts), then the runtime
//! folder of the model cache that `models/fetch-default.sh` fills. The first that loads wins;
//! if none does, the error lists every place tried and why it failed.
//!
//! A process that asks for CUDA (`cuda` or `auto`) before any runtime is loaded looks first for
//! ONNX Runtime's GPU build in a `runtime-cuda/` folder in the same places (the `cuda` module).
//! Where there is none, or its CUDA provider cannot run here, `cuda` fails at once, naming what
//! is missing, and `auto` loads the CPU build and keeps that reason for its fallback notice.
//!
//! ONNX Runtime's telemetry is switched off: ONNX Runtime 1.32 on Linux writes a device id and a
//! usage database under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` as soon as it loads,
//! unless `ORT_DISABLE_TELEMETRY` is set, so it is set (to 1, unless the user set it) before the
//! library loads; the environment's telemetry events are disabled too. A process holds one ONNX
//! Runtime for its whole life: it is never unloaded.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::{cuda, CoreError, Device};

/// The ONNX Runtime release Pastiche is built and tested against.
pub const ORT_LIBRARY: &str = "libonnxruntime.so.1.32.0";

/// A loaded ONNX Runtime: where it came from, and the process-wide environment sessions use.
pub struct Runtime {
    pub path: PathBuf,
    pub environment: ort::environment::Environment,
    /// Whether CUDA sessions can run on this runtime, decided when first asked.
    cuda: OnceLock<Result<(), String>>,
}

impl Runtime {
    /// Ok when this runtime's CUDA provider and the libraries it needs are all there; else why
    /// CUDA cannot run, for the error or the fallback notice.
    pub fn cuda_ready(&self) -> Result<(), String> {
        self.cuda
            .get_or_init(|| cuda::check_provider_beside(&self.path))
            .clone()
    }
}

/// The environment variable ONNX Runtime reads before it starts its telemetry.
const TELEMETRY_SWITCH: &str = "ORT_DISABLE_TELEMETRY";

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

/// The runtime folder of the model cache.
pub fn cache_runtime_dir() -> PathBuf {
    pastiche_graph::store::cache_dir().join("runtime")
}

/// The library the user asked for, and where the request came from.
fn requested(explicit: Option<&Path>) -> Option<(PathBuf, &'static str)> {
    explicit
        .map(|path| (path.to_owned(), "the runtime library option"))
        .or_else(|| {
            std::env::var_os("PASTICHE_ORT_LIB")
                .filter(|v| !v.is_empty())
                .map(|path| (PathBuf::from(path), "$PASTICHE_ORT_LIB"))
        })
}

/// The directories of the running executable and of libpastiche, where an installed ONNX
/// Runtime sits.
fn install_dirs() -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        found.push(dir);
    }
    if let Some(dir) = containing_library_dir() {
        if !found.contains(&dir) {
            found.push(dir);
        }
    }
    found
}

/// The places searched when the user names no library.
fn candidates() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = install_dirs()
        .into_iter()
        .map(|dir| dir.join(ORT_LIBRARY))
        .collect();
    found.push(cache_runtime_dir().join(ORT_LIBRARY));
    found
}

/// The directories whose `runtime-cuda/` folder may hold the GPU build, in search order.
fn gpu_build_dirs() -> Vec<PathBuf> {
    let mut dirs = install_dirs();
    dirs.push(pastiche_graph::store::cache_dir());
    dirs
}

/// Directory of the shared object holding this code (libpastiche.so for C hosts), so that an
/// ONNX Runtime installed beside it is found.
fn containing_library_dir() -> Option<PathBuf> {
    use std::ffi::CStr;
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: Dl_info is plain data; dladdr only reads the address and fills `info`.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: any address inside a loaded object is a valid argument to dladdr.
    let found = unsafe { libc::dladdr(containing_library_dir as *const libc::c_void, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr set dli_fname to a NUL-terminated path owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    Path::new(std::ffi::OsStr::from_bytes(name.to_bytes()))
        .parent()
        .map(Path::to_owned)
}

/// Loads ONNX Runtime (once per process; later calls get the one loaded first, and an error if
/// they ask for a different library). `device` decides which build a search prefers: see the
/// module's documentation.
pub fn ensure_runtime(
    explicit: Option<&Path>,
    device: Device,
) -> Result<&'static Runtime, CoreError> {
    let requested = requested(explicit);
    if let Some(runtime) = RUNTIME.get() {
        return same_library(runtime, requested);
    }
    let _guard = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(runtime) = RUNTIME.get() {
        return same_library(runtime, requested);
    }
    // Whether CUDA can run is known here when the GPU build was looked for, else decided later.
    let (path, environment, cuda) = match requested {
        Some((path, origin)) => match load(&path) {
            Ok(environment) => (path, environment, OnceLock::new()),
            Err(reason) => {
                return Err(CoreError::RuntimeRejected {
                    path,
                    origin,
                    reason,
                })
            }
        },
        None if device == Device::Cpu => {
            let (path, environment) = search()?;
            (path, environment, OnceLock::new())
        }
        None => match load_gpu_build() {
            Ok((path, environment)) => (path, environment, OnceLock::from(Ok(()))),
            Err(reason) if device == Device::Cuda => {
                return Err(CoreError::DeviceUnavailable {
                    device: "cuda".into(),
                    reason,
                })
            }
            Err(reason) => {
                let (path, environment) = search()?;
                (path, environment, OnceLock::from(Err(reason)))
            }
        },
    };
    Ok(RUNTIME.get_or_init(|| Runtime {
        path,
        environment,
        cuda,
    }))
}

/// The GPU build, loaded with its NVIDIA libraries, or why it cannot run here.
fn load_gpu_build() -> Result<(PathBuf, ort::environment::Environment), String> {
    let path = cuda::find_gpu_build(&gpu_build_dirs())?;
    let environment = load(&path).map_err(|why| {
        format!(
            "the CUDA build of ONNX Runtime {} cannot be loaded: {why}",
            path.display()
        )
    })?;
    Ok((path, environment))
}

/// The runtime this process loaded, if it loaded one yet.
pub fn loaded() -> Option<&'static Runtime> {
    RUNTIME.get()
}

/// The first library of [`candidates`] that loads.
fn search() -> Result<(PathBuf, ort::environment::Environment), CoreError> {
    let mut attempts = Vec::new();
    for candidate in candidates() {
        match load(&candidate) {
            Ok(environment) => return Ok((candidate, environment)),
            Err(why) => attempts.push((candidate, why)),
        }
    }
    Err(CoreError::RuntimeNotFound { attempts })
}

/// Loads one library and creates the process's environment, or says why it cannot.
fn load(path: &Path) -> Result<ort::environment::Environment, String> {
    if !path.is_file() {
        return Err("no such file".to_owned());
    }
    if std::env::var_os(TELEMETRY_SWITCH).is_none() {
        // Once, under LOADING, before ONNX Runtime exists to read it.
        std::env::set_var(TELEMETRY_SWITCH, "1");
    }
    ort::init_from(path)
        .map_err(|e| e.to_string())?
        .with_name("pastiche")
        .with_telemetry(false)
        .build()
        .map_err(|e| format!("creating the environment: {e}"))
}

/// The loaded runtime, unless the caller asked for another library than the one loaded.
fn same_library(
    runtime: &'static Runtime,
    requested: Option<(PathBuf, &'static str)>,
) -> Result<&'static Runtime, CoreError> {
    let Some((path, origin)) = requested else {
        return Ok(runtime);
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
    if canonical(&path) == canonical(&runtime.path) {
        Ok(runtime)
    } else {
        Err(CoreError::RuntimeRejected {
            path,
            origin,
            reason: format!(
                "this process already runs ONNX Runtime from {}, and one process can hold only one",
                runtime.path.display()
            ),
        })
    }
}
