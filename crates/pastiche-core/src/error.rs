//! Errors of the engine; each names the file, parameter or value at fault.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("ONNX Runtime library not found or not loadable; looked in: {}", describe_attempts(.attempts))]
    RuntimeNotFound { attempts: Vec<(PathBuf, String)> },
    #[error("ONNX Runtime library {} (from {origin}) cannot be used: {reason}", path.display())]
    RuntimeRejected {
        path: PathBuf,
        origin: &'static str,
        reason: String,
    },
    #[error("ONNX Runtime: {context}: {message}")]
    Runtime { context: String, message: String },
    #[error("execution provider '{device}' is not available: {reason}")]
    DeviceUnavailable { device: String, reason: String },
    #[error(transparent)]
    Graph(#[from] pastiche_graph::GraphError),
    #[error("{}: {message}", path.display())]
    Image { path: PathBuf, message: String },
    #[error("invalid {name} '{value}': {reason}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("optical flow (OpenCV): {0}")]
    Flow(String),
    #[error("cancelled")]
    Cancelled,
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

    /// An invalid-parameter error naming the parameter, its value and why it is refused.
    pub fn parameter(
        name: &'static str,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> CoreError {
        CoreError::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
