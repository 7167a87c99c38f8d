//! How a run fails, and the exit status each kind of failure gets.

use std::fmt::{Debug, Display};

use crate::pastiche;

/// A failure that ends the run, classified by whose fault it is.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or bad input: a file, parameter or value (exit status 2).
    Input(anyhow::Error),
    /// The engine, the encoder or the system failed (exit status 1).
    Runtime(anyhow::Error),
}

impl Failure {
    pub fn input(message: impl Display + Debug + Send + Sync + 'static) -> Failure {
        Failure::Input(anyhow::Error::msg(message))
    }

    pub fn runtime(message: impl Display + Debug + Send + Sync + 'static) -> Failure {
        Failure::Runtime(anyhow::Error::msg(message))
    }

    pub fn exit_status(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Runtime(_) => 1,
        }
    }
}

impl Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Input(error) | Failure::Runtime(error) => write!(f, "{error:#}"),
        }
    }
}

impl From<pastiche::Error> for Failure {
    fn from(error: pastiche::Error) -> Failure {
        if error.is_bad_input() {
            Failure::input(error)
        } else {
            Failure::runtime(error)
        }
    }
}

/// Classifies the error of a fallible call, with a sentence saying what was being done.
pub trait Classify<T> {
    fn or_bad_input(self, context: impl FnOnce() -> String) -> Result<T, Failure>;
    fn or_runtime(self, context: impl FnOnce() -> String) -> Result<T, Failure>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Classify<T> for Result<T, E> {
    fn or_bad_input(self, context: impl FnOnce() -> String) -> Result<T, Failure> {
        self.map_err(|e| Failure::Input(anyhow::Error::new(e).context(context())))
    }

    fn or_runtime(self, context: impl FnOnce() -> String) -> Result<T, Failure> {
        self.map_err(|e| Failure::Runtime(anyhow::Error::new(e).context(context())))
    }
}
