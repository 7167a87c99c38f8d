//! Errors of the engine; each names the file, parameter or value at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("ONNX Runtime library not found or not loadable; looked in: {}", describe_attempts(.attempts))]
    RuntimeNotFound { attempts: Vec<(PathBuf, String)> },
    #[error("ONNX Runtime: {context}: {message}")]
    Runtime { context: String, message: String },
    #[error(transparent)]
    Graph(#[from] pastiche_graph::GraphError),
    #[error("{0}")]
    InvalidInput(String),
}

fn describe_attempts(attempts: &[(PathBuf, String)]) -> String {
    attempts
        .iter()
        .map(|(path, why)| format!("{} ({why})", path.display()))
        .collect::<Vec<_>>()
        .join("; ")
}

impl CoreError {
    /// Wraps an ONNX Runtime error with what Pastiche was doing.
    pub(crate) fn runtime(context: impl Into<String>) -> impl FnOnce(ort::Error) -> CoreError {
        let context = context.into();
        move |e| CoreError::Runtime {
            context,
            message: e.to_string(),
        }
    }
}
