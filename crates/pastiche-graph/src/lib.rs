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

use std::io::Write;
use std::path::Path;

pub use compile::{loss_gradient_graph, targets_graph, GraphConfig, Pooling};
pub use error::GraphError;
pub use import::{import_bytes, import_file, load_model, Imported, PreprocessingOrigin};
pub use model::{Conv, Layer, LayerKind, PoolKind, Source, SourceLayout, VggModel};
pub use preprocess::{ChannelOrder, Preprocessing};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers never see a half-written file and a failure leaves nothing behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), GraphError> {
    let io = |source| GraphError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
