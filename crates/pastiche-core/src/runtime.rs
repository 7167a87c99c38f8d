//! Finds and loads the ONNX Runtime shared library once per process.
//!
//! Search order: an explicit path, `$PASTICHE_ORT_LIB`, the directory of the running executable,
//! the directory of the shared library that contains this code (for C hosts), then the runtime folder of the
//! model cache that `models/fetch-default.sh` fills. The first that loads wins; if none does,
//! the error lists every place tried and why it failed.

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

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

/// The runtime folder of the model cache.
pub fn cache_runtime_dir() -> PathBuf {
    pastiche_graph::store::cache_dir().join("runtime")
}

fn candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    found.extend(explicit.map(Path::to_owned));
    if let Some(env) = std::env::var_os("PASTICHE_ORT_LIB").filter(|v| !v.is_empty()) {
        found.push(PathBuf::from(env));
    }
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

/// Loads ONNX Runtime (once per process; later calls return the first one loaded).
pub fn ensure_runtime(explicit: Option<&Path>) -> Result<&'static Runtime, CoreError> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let _guard = LOADING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let mut attempts = Vec::new();
    for candidate in candidates(explicit) {
        if !candidate.is_file() {
            attempts.push((candidate, "no such file".to_owned()));
            continue;
        }
        match ort::init_from(&candidate) {
            Ok(builder) => {
                let environment = builder
                    .with_name("pastiche")
                    .build()
                    .map_err(CoreError::runtime("creating the environment"))?;
                return Ok(RUNTIME.get_or_init(|| Runtime {
                    path: candidate,
                    environment,
                }));
            }
            Err(e) => attempts.push((candidate, e.to_string())),
        }
    }
    Err(CoreError::RuntimeNotFound { attempts })
}
