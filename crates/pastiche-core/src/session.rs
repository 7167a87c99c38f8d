//! One ONNX Runtime session over a graph that pastiche-graph emitted, with named f32 tensors
//! in and out.

use std::collections::HashMap;

use ndarray::{ArrayD, ArrayViewD};
use ort::ep;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;
use pastiche_graph::onnx::{self, ModelProto};
use pastiche_graph::Convolution;

use crate::{runtime, CoreError};

/// Where graphs run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    #[default]
    Cpu,
    /// CUDA, or an error if its execution provider cannot be registered.
    Cuda,
    /// CUDA when it registers, else the CPU.
    Auto,
}

impl std::str::FromStr for Device {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda),
            "auto" => Ok(Device::Auto),
            other => Err(CoreError::parameter(
                "device",
                other,
                "expected cpu, cuda or auto",
            )),
        }
    }
}

impl Device {
    /// How graphs for this device write their 3×3 convolutions. ONNX Runtime's CPU `Conv` runs
    /// near the cores' peak but performs every multiply-add, so the Winograd form, a quarter of
    /// them, is faster there for wide layers (docs/benchmarks.md); on CUDA, cuDNN chooses its
    /// own algorithm for `Conv`, Winograd among them.
    pub fn convolution(self) -> Convolution {
        match self {
            Device::Cpu => Convolution::Winograd,
            Device::Cuda | Device::Auto => Convolution::Direct,
        }
    }
}

/// The most intra-op threads a session may ask for. ONNX Runtime starts every thread it is
/// given up front, so an absurd count exhausts memory before the first evaluation; no machine
/// Pastiche targets gains from more.
pub const MAX_THREADS: usize = 256;

/// How sessions are created.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Intra-op threads, at most [`MAX_THREADS`]; 0 lets ONNX Runtime choose (one per core).
    pub threads: usize,
    /// ONNX Runtime library to load instead of searching for one.
    pub runtime_library: Option<std::path::PathBuf>,
    pub device: Device,
    /// How the engine's graphs write 3×3 convolutions; `None`: the device's fastest form
    /// ([`Device::convolution`]). Either computes the same loss and gradient.
    pub convolution: Option<Convolution>,
}

impl SessionOptions {
    /// Rejects option values no session can use, naming the option.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.threads > MAX_THREADS {
            return Err(CoreError::parameter(
                "threads",
                self.threads,
                format!("must be 0 (one per core) ..= {MAX_THREADS}"),
            ));
        }
        Ok(())
    }
}

/// The device sessions will run on, found by opening a one-node graph with the requested
/// provider, so that an unusable device is reported when an engine is created rather than at
/// its first evaluation.
pub fn probe_device(options: &SessionOptions) -> Result<(Device, Option<String>), CoreError> {
    if options.device == Device::Cpu {
        return Ok((Device::Cpu, None));
    }
    let probe = GraphSession::new(&pastiche_graph::device_probe_graph(), options)?;
    Ok((probe.device, probe.fallback))
}

pub struct GraphSession {
    session: Session,
    /// The device the session actually runs on (never `Auto`).
    device: Device,
    /// Why `Auto` fell back to the CPU, if it did.
    fallback: Option<String>,
}

/// Named outputs of one run.
pub type Outputs = HashMap<String, ArrayD<f32>>;

impl GraphSession {
    pub fn new(model: &ModelProto, options: &SessionOptions) -> Result<Self, CoreError> {
        Self::from_bytes(&onnx::encode_model(model), options)
    }

    pub fn from_bytes(bytes: &[u8], options: &SessionOptions) -> Result<Self, CoreError> {
        let runtime = runtime::ensure_runtime(options.runtime_library.as_deref(), options.device)?;
        let build = |cuda: bool| -> ort::Result<Session> {
            // `All` adds ORT's blocked (NCHWc) convolution layout: ~20% faster than level 2 here.
            // The memory pattern plans one block per input shape and keeps it; the engine runs
            // several shapes (scales), and the plan itself nearly doubles the peak of one
            // loss+gradient run (1024²: 5.7 GB with it, 3.1 GB without, same speed;
            // docs/benchmarks.md).
            let mut builder = Session::builder(&runtime.environment)?
                .with_optimization_level(GraphOptimizationLevel::All)?
                .with_memory_pattern(false)?
                .with_intra_threads(options.threads)?;
            if cuda {
                builder = builder
                    .with_execution_providers([ep::CUDA::default().build().error_on_failure()])?;
            }
            builder.commit_from_memory(bytes)
        };
        // A CUDA session is tried only where the provider and its libraries are there; the
        // reason otherwise names what is missing (ONNX Runtime's own error would not).
        let cuda_session = || -> Result<Session, String> {
            runtime.cuda_ready()?;
            build(true).map_err(|e| e.to_string())
        };
        let creating = || CoreError::runtime("creating a session");
        match options.device {
            Device::Cpu => Ok(GraphSession {
                session: build(false).map_err(creating())?,
                device: Device::Cpu,
                fallback: None,
            }),
            Device::Cuda => {
                let session = cuda_session().map_err(|reason| CoreError::DeviceUnavailable {
                    device: "cuda".into(),
                    reason,
                })?;
                Ok(GraphSession {
                    session,
                    device: Device::Cuda,
                    fallback: None,
                })
            }
            Device::Auto => match cuda_session() {
                Ok(session) => Ok(GraphSession {
                    session,
                    device: Device::Cuda,
                    fallback: None,
                }),
                Err(reason) => Ok(GraphSession {
                    session: build(false).map_err(creating())?,
                    device: Device::Cpu,
                    fallback: Some(reason),
                }),
            },
        }
    }

    /// The device the session runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Why `Device::Auto` fell back to the CPU, if it did.
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback.as_deref()
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
