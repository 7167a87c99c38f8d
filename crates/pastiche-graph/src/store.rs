//! Where models live: the cache directory that `models/fetch-default.sh` fills, and how a model
//! argument (a file, a directory or a name) resolves to a file.

use std::path::{Path, PathBuf};

/// Name of the default model in the store.
pub const DEFAULT_MODEL: &str = "vgg16";
/// File name of a model inside its store directory.
pub const MODEL_FILE: &str = "model.onnx";

/// `$PASTICHE_CACHE_DIR`, else `$XDG_CACHE_HOME/pastiche`, else `~/.cache/pastiche`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PASTICHE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("pastiche")
}

/// Directory of the named model in the store.
pub fn model_dir(name: &str) -> PathBuf {
    cache_dir().join("models").join(name)
}

/// Resolves a model argument: an existing file is used as is, a directory means its
/// `model.onnx`, anything else names a model in the store. Without an argument,
/// `$PASTICHE_MODEL` or the default model.
pub fn resolve_model(argument: Option<&str>) -> PathBuf {
    let from_env = std::env::var("PASTICHE_MODEL")
        .ok()
        .filter(|m| !m.is_empty());
    let argument = argument.map(str::to_owned).or(from_env);
    let Some(argument) = argument else {
        return model_dir(DEFAULT_MODEL).join(MODEL_FILE);
    };
    let path = Path::new(&argument);
    if path.is_dir() {
        path.join(MODEL_FILE)
    } else if path.exists() || argument.contains('/') || argument.ends_with(".onnx") {
        path.to_owned()
    } else {
        model_dir(&argument).join(MODEL_FILE)
    }
}
