//! One ONNX Runtime session over a graph that pastiche-graph emitted, with named f32 tensors
//! in and out.

use std::collections::HashMap;
use std::path::Path;

use ndarray::{ArrayD, ArrayViewD};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;
use pastiche_graph::onnx::{self, ModelProto};

use crate::{runtime, CoreError};

/// How sessions are created.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Intra-op threads; 0 lets ONNX Runtime choose (one per core).
    pub threads: usize,
    /// ONNX Runtime library to load instead of searching for one.
    pub runtime_library: Option<std::path::PathBuf>,
}

pub struct GraphSession {
    session: Session,
}

/// Named outputs of one run.
pub type Outputs = HashMap<String, ArrayD<f32>>;

impl GraphSession {
    pub fn new(model: &ModelProto, options: &SessionOptions) -> Result<Self, CoreError> {
        Self::from_bytes(&onnx::encode_model(model), options)
    }

    pub fn from_file(path: &Path, options: &SessionOptions) -> Result<Self, CoreError> {
        let bytes = std::fs::read(path)
            .map_err(|e| CoreError::InvalidInput(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes, options)
    }

    pub fn from_bytes(bytes: &[u8], options: &SessionOptions) -> Result<Self, CoreError> {
        let runtime = runtime::ensure_runtime(options.runtime_library.as_deref())?;
        let build = || -> ort::Result<Session> {
            // `All` adds ORT's blocked (NCHWc) convolution layout: ~20% faster than level 2 here.
            Session::builder(&runtime.environment)?
                .with_optimization_level(GraphOptimizationLevel::All)?
                .with_intra_threads(options.threads)?
                .commit_from_memory(bytes)
        };
        let session = build().map_err(CoreError::runtime("creating a session"))?;
        Ok(GraphSession { session })
    }

    /// Whether the graph declares an input of this name.
    pub fn has_input(&self, name: &str) -> bool {
        self.session.inputs().iter().any(|i| i.name() == name)
    }

    /// Names of the graph's outputs.
    pub fn output_names(&self) -> Vec<String> {
        self.session
            .outputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect()
    }

    /// Runs the graph on named inputs and returns every output.
    pub fn run(&mut self, inputs: &[(&str, ArrayViewD<'_, f32>)]) -> Result<Outputs, CoreError> {
        let mut values: Vec<(&str, SessionInputValue<'_>)> = Vec::with_capacity(inputs.len());
        for (name, array) in inputs {
            let tensor = TensorRef::from_array_view(array.view())
                .map_err(CoreError::runtime(format!("input '{name}'")))?;
            values.push((name, tensor.into()));
        }
        let outputs = self
            .session
            .run(values)
            .map_err(CoreError::runtime("running the graph"))?;
        outputs
            .iter()
            .map(|(name, value)| {
                let array = value
                    .try_extract_array::<f32>()
                    .map_err(CoreError::runtime(format!("output '{name}'")))?;
                Ok((name.to_owned(), array.to_owned()))
            })
            .collect()
    }
}
