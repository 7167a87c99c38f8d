//! ONNX protobuf types generated from the official `onnx.proto` schema, plus the few
//! constructors and readers that the importer and the graph compiler share.

#[allow(clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}

pub use generated::*;

use prost::Message;
use tensor_proto::DataType;

/// Operator set of every graph Pastiche writes. 17 keeps `ReduceSumSquare` axes as an
/// attribute and has every op the backward pass needs (`MaxUnpool`, `Resize`, negative-step `Slice`).
pub const OPSET: i64 = 17;
/// IR version matching [`OPSET`].
pub const IR_VERSION: i64 = 8;

/// Serialises a model to protobuf bytes.
pub fn encode_model(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}

/// Parses protobuf bytes into a model.
pub fn decode_model(bytes: &[u8]) -> Result<ModelProto, prost::DecodeError> {
    ModelProto::decode(bytes)
}

/// A model around `graph` in Pastiche's operator set, signed as produced by Pastiche.
pub fn pastiche_model(graph: GraphProto, metadata: Vec<StringStringEntryProto>) -> ModelProto {
    ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(OPSET),
        }],
        producer_name: Some("pastiche".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(graph),
        metadata_props: metadata,
        ..Default::default()
    }
}

/// A float32 tensor stored as little-endian `raw_data`, the layout ONNX Runtime loads fastest.
pub fn tensor_f32(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.to_owned()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

/// An int64 tensor stored as little-endian `raw_data`.
pub fn tensor_i64(name: &str, dims: &[i64], values: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.to_owned()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Int64 as i32),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..Default::default()
    }
}

/// The values of a float32 tensor, whichever of the two encodings ONNX allows it uses.
pub fn read_f32(tensor: &TensorProto) -> Result<Vec<f32>, String> {
    if tensor.data_type() != DataType::Float as i32 {
        return Err(format!(
            "tensor '{}' has data type {} (only float32 is supported)",
            tensor.name(),
            tensor.data_type()
        ));
    }
    if tensor.data_location() == tensor_proto::DataLocation::External {
        return Err(format!(
            "tensor '{}' is stored in an external data file; re-export the model with weights inside",
            tensor.name()
        ));
    }
    let expected: i64 = tensor.dims.iter().product();
    let values: Vec<f32> = match &tensor.raw_data {
        Some(raw) => raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        None => tensor.float_data.clone(),
    };
    if values.len() as i64 != expected {
        return Err(format!(
            "tensor '{}' holds {} values but its shape {:?} needs {expected}",
            tensor.name(),
            values.len(),
            tensor.dims
        ));
    }
    Ok(values)
}

/// A dimension of a graph input or output: fixed, or symbolic (dynamic).
#[derive(Debug, Clone)]
pub enum Dim {
    Fixed(i64),
    Named(String),
}

/// A float32 graph input/output description.
pub fn value_info_f32(name: &str, dims: &[Dim]) -> ValueInfoProto {
    use tensor_shape_proto::{dimension::Value, Dimension};
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Fixed(v) => Value::DimValue(*v),
                Dim::Named(n) => Value::DimParam(n.clone()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_owned()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A float32 graph output of unknown shape (its shape follows dynamic inputs).
pub fn value_info_f32_any_shape(name: &str) -> ValueInfoProto {
    let mut info = value_info_f32(name, &[]);
    if let Some(type_proto::Value::TensorType(tensor)) =
        info.r#type.as_mut().and_then(|t| t.value.as_mut())
    {
        tensor.shape = None;
    }
    info
}

fn attribute(name: &str, kind: attribute_proto::AttributeType) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_owned()),
        r#type: Some(kind as i32),
        ..Default::default()
    }
}

pub fn attr_int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        i: Some(value),
        ..attribute(name, attribute_proto::AttributeType::Int)
    }
}

pub fn attr_float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        f: Some(value),
        ..attribute(name, attribute_proto::AttributeType::Float)
    }
}

pub fn attr_ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        ints: values.to_vec(),
        ..attribute(name, attribute_proto::AttributeType::Ints)
    }
}

pub fn attr_string(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        s: Some(value.as_bytes().to_vec()),
        ..attribute(name, attribute_proto::AttributeType::String)
    }
}

/// Looks up a node attribute by name.
pub fn find_attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name() == name)
}

/// A node's integer-list attribute, or `default` when absent.
pub fn ints_attr(node: &NodeProto, name: &str, default: &[i64]) -> Vec<i64> {
    find_attr(node, name).map_or_else(|| default.to_vec(), |a| a.ints.clone())
}

/// A node's string attribute, or `default` when absent.
pub fn string_attr(node: &NodeProto, name: &str, default: &str) -> String {
    find_attr(node, name).map_or_else(
        || default.to_owned(),
        |a| String::from_utf8_lossy(a.s()).into_owned(),
    )
}

/// A model's metadata entry.
pub fn metadata(key: &str, value: impl Into<String>) -> StringStringEntryProto {
    StringStringEntryProto {
        key: Some(key.to_owned()),
        value: Some(value.into()),
    }
}

/// Looks up a model metadata value by key.
pub fn find_metadata<'a>(model: &'a ModelProto, key: &str) -> Option<&'a str> {
    model
        .metadata_props
        .iter()
        .find(|p| p.key() == key)
        .map(|p| p.value())
}
