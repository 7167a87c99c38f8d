//! `pastiche`: neural style transfer from the command line.

mod interrupt;
mod layer_args;
mod model_commands;
mod progress;
mod styles;
mod stylize;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pastiche_core::CoreError;

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
    /// Repaint a photo in the style of one or more paintings.
    Stylize(Box<stylize::StylizeArgs>),
    /// List the bundled styles, usable as `--style NAME`.
    Styles,
    /// Import, inspect and compile VGG models.
    #[command(subcommand)]
    Model(model_commands::ModelCommand),
}

/// Exit status for bad usage or bad input (clap uses it for usage errors too).
const BAD_INPUT: u8 = 2;
/// Exit status for failures of the runtime itself.
const FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Styles => {
            print!("{}", styles::list());
            ExitCode::SUCCESS
        }
        Command::Model(command) => match command.run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("pastiche: {error:#}");
                ExitCode::from(BAD_INPUT)
            }
        },
        Command::Stylize(args) => {
            let interrupt = interrupt::Interrupt::install().unwrap_or_else(|e| {
                eprintln!("pastiche: cannot install the Ctrl-C handler: {e}");
                interrupt::Interrupt::default()
            });
            match stylize::run(*args, &interrupt) {
                Ok(()) => ExitCode::SUCCESS,
                Err(CoreError::Cancelled) => {
                    // The same message and status as when the handler ends the run.
                    interrupt.exit();
                    ExitCode::from(interrupt::INTERRUPTED)
                }
                Err(error @ CoreError::Runtime { .. }) => {
                    eprintln!("pastiche: {error}");
                    ExitCode::from(FAILED)
                }
                Err(error) => {
                    eprintln!("pastiche: {error}");
                    ExitCode::from(BAD_INPUT)
                }
            }
        }
    }
}
