//! Finds and loads the ONNX Runtime shared library once per process.
//!
//! A library the user names — an explicit path, else `$PASTICHE_ORT_LIB` — is the only one tried:
//! if it cannot be loaded that is an error naming it, never a quiet fall-back to another
//! runtime. Without one, the search goes: the directory of the running executable, the
//! directory of the shared library that contains this code (for C hosts), then the runtime
//! folder of the model cache that `models/fetch-default.sh` fills. The first that loads wins;
//! if none does, the error lists every place tried and why it failed.
//!
//! ONNX Runtime's telemetry is switched off: ONNX Runtime 1.32 on Linux writes a device id and a
//! usage database under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` as soon as it loads,
//! unless `ORT_DISABLE_TELEMETRY` is set, so it is set (to 1, unless the user set it) before the
//! library loads; the environment's telemetry events are disabled too. A process holds one ONNX
//! Runtime for its whole life: it is never unloaded.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::CoreError;

/// The ONNX Runtime release Pastiche is built and tested against.
pub const ORT_LIBRARY: &str = "libonnxruntime.so.1.32.0";

/// A loaded ONNX Runtime: where it came from, and the process-wide environment sessions use.
pub struct Runtime {
    pub path: PathBuf,
    pub environment: ort::environment::Environment,
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

/// The places searched when the user names no library.
fn candidates() -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        found.push(dir.join(ORT_LIBRARY));
    }
    if let Some(dir) = containing_library_dir() {
        let candidate = dir.join(ORT_LIBRARY);
        if !found.contains(&candidate) {
            found.push(candidate);
        }
    }
    found.push(cache_runtime_dir().join(ORT_LIBRARY));
    found
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
/// they ask for a different library).
pub fn ensure_runtime(explicit: Option<&Path>) -> Result<&'static Runtime, CoreError> {
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
    let (path, environment) = match requested {
        Some((path, origin)) => match load(&path) {
            Ok(environment) => (path, environment),
            Err(reason) => {
                return Err(CoreError::RuntimeRejected {
                    path,
                    origin,
                    reason,
                })
            }
        },
        None => search()?,
    };
    Ok(RUNTIME.get_or_init(|| Runtime { path, environment }))
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
