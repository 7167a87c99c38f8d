//! The one error type of the model compiler; every message names the file, layer or value at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: not an ONNX model ({reason})")]
    NotOnnx { file: String, reason: String },
    #[error("{file}: unsupported network: {reason}")]
    Unsupported { file: String, reason: String },
    #[error("unknown layer '{name}': this {architecture} model has {available}")]
    UnknownLayer {
        name: String,
        architecture: String,
        available: String,
    },
    #[error("invalid graph configuration: {0}")]
    Config(String),
    #[error("invalid preprocessing '{spec}': {reason}")]
    Preprocessing { spec: String, reason: String },
}
