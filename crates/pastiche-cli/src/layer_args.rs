//! The layer and pooling options shared by `stylize` and `model export-graph`.

use clap::{Args, ValueEnum};
use pastiche_core::Pooling;

#[derive(Args)]
pub struct LayerArgs {
    /// Content layers, comma-separated (reluB_I, convB_I or poolB).
    #[arg(long, value_delimiter = ',', default_value = "relu4_2")]
    pub content_layers: Vec<String>,
    /// Style layers, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"
    )]
    pub style_layers: Vec<String>,
    /// Pooling used in place of the network's own.
    #[arg(long, value_enum, default_value_t = PoolingArg::Avg)]
    pooling: PoolingArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum PoolingArg {
    Avg,
    Max,
}

impl LayerArgs {
    pub fn pooling(&self) -> Pooling {
        match self.pooling {
            PoolingArg::Avg => Pooling::Avg,
            PoolingArg::Max => Pooling::Max,
        }
    }
}
