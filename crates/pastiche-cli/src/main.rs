//! `pastiche`: neural style transfer from the command line.

mod model_commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pastiche",
    version,
    about = "Neural style transfer (Gatys et al.) on ONNX Runtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import, inspect and compile VGG models.
    #[command(subcommand)]
    Model(model_commands::ModelCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Model(command) => command.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pastiche: {error:#}");
            // Everything that reaches here is bad input: a file, a model or an option.
            ExitCode::from(2)
        }
    }
}
