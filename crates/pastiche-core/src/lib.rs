//! Pastiche's engine: ONNX Runtime sessions over the graphs that `pastiche-graph` compiles.

mod error;
pub mod runtime;
mod session;

pub use error::CoreError;
pub use session::{GraphSession, Outputs, SessionOptions};
