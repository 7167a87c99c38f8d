//! Pastiche's model compiler. It imports a VGG network from ONNX, normalises it into a
//! [`VggModel`], and emits the ONNX graphs the engine runs: a targets graph and a loss+gradient
//! graph whose backward pass is written in standard ONNX ops. It knows nothing of runtimes.

mod builder;
mod compile;
mod error;
mod import;
mod model;
pub mod names;
pub mod onnx;
mod preprocess;
pub mod store;

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tempfile::NamedTempFile;

pub use compile::{
    device_probe_graph, loss_gradient_graph, targets_graph, Convolution, GraphConfig, Pooling,
};
pub use error::GraphError;
pub use import::{import_bytes, import_file, load_model, Imported, PreprocessingOrigin};
pub use model::{Conv, Layer, LayerKind, PoolKind, Source, SourceLayout, VggModel};
pub use preprocess::{ChannelOrder, Preprocessing};

/// An empty temporary file in `path`'s directory (so that renaming it over `path` stays on one
/// file system), with the permissions of any new file (0666 less the umask), not tempfile's
/// private 0600: what every atomic write of a result starts from.
pub fn temporary_file_beside(path: &Path) -> std::io::Result<NamedTempFile> {
    let directory = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".pastiche-")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(directory)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers never see a half-written file and a failure leaves nothing behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), GraphError> {
    let io = |source| GraphError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = temporary_file_beside(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_give_the_permissions_of_any_new_file() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let umask = status
            .lines()
            .find_map(|line| line.strip_prefix("Umask:"))
            .map(|value| u32::from_str_radix(value.trim(), 8).unwrap())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.onnx");
        write_atomically(&path, b"bytes").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"bytes");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask, "{mode:o}");
    }
}
