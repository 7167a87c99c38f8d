//! A small helper that appends nodes and constants to an ONNX graph under unique names.

use std::collections::HashMap;

use crate::onnx::{self, AttributeProto, Dim, GraphProto, ModelProto, NodeProto};

pub(crate) struct GraphBuilder {
    graph: GraphProto,
    next_id: usize,
    scalars: HashMap<u32, String>,
}

impl GraphBuilder {
    pub fn new(name: &str) -> Self {
        GraphBuilder {
            graph: GraphProto {
                name: Some(name.to_owned()),
                ..Default::default()
            },
            next_id: 0,
            scalars: HashMap::new(),
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.next_id += 1;
        format!("{stem}_{}", self.next_id)
    }

    /// Appends a node with one output, named after `hint`, and returns the output's name.
    pub fn op(
        &mut self,
        op: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
        hint: &str,
    ) -> String {
        let output = self.fresh(hint);
        self.op_into(op, inputs, attributes, &output);
        output
    }

    /// Appends a node whose single output gets exactly the name `output`.
    pub fn op_into(
        &mut self,
        op: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
        output: &str,
    ) {
        self.op_multi(op, inputs, attributes, &[output]);
    }

    /// Appends a node with the given output names.
    pub fn op_multi(
        &mut self,
        op: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
        outputs: &[&str],
    ) {
        let name = self.fresh(op);
        self.graph.node.push(NodeProto {
            name: Some(name),
            op_type: Some(op.to_owned()),
            input: inputs.iter().map(|s| (*s).to_owned()).collect(),
            output: outputs.iter().map(|s| (*s).to_owned()).collect(),
            attribute: attributes,
            ..Default::default()
        });
    }

    /// A fresh output name for [`GraphBuilder::op_multi`].
    pub fn name(&mut self, hint: &str) -> String {
        self.fresh(hint)
    }

    /// Adds a named float32 initializer.
    pub fn weights(&mut self, name: &str, dims: &[i64], values: &[f32]) -> String {
        self.graph
            .initializer
            .push(onnx::tensor_f32(name, dims, values));
        name.to_owned()
    }

    pub fn const_f32(&mut self, dims: &[i64], values: &[f32]) -> String {
        let name = self.fresh("const");
        self.weights(&name, dims, values)
    }

    pub fn const_i64(&mut self, dims: &[i64], values: &[i64]) -> String {
        let name = self.fresh("const");
        self.graph
            .initializer
            .push(onnx::tensor_i64(&name, dims, values));
        name
    }

    /// A float32 scalar constant, shared between all uses of the same value.
    pub fn scalar(&mut self, value: f32) -> String {
        if let Some(name) = self.scalars.get(&value.to_bits()) {
            return name.clone();
        }
        let name = self.const_f32(&[], &[value]);
        self.scalars.insert(value.to_bits(), name.clone());
        name
    }

    pub fn input(&mut self, name: &str, dims: &[Dim]) {
        self.graph.input.push(onnx::value_info_f32(name, dims));
    }

    pub fn output(&mut self, name: &str, dims: &[Dim]) {
        self.graph.output.push(onnx::value_info_f32(name, dims));
    }

    /// The height and width of an `[N, C, H, W]` tensor, as a 2-element shape.
    pub fn plane_size(&mut self, x: &str, hint: &str) -> String {
        let attrs = vec![onnx::attr_int("start", 2), onnx::attr_int("end", 4)];
        self.op("Shape", &[x], attrs, hint)
    }

    /// `Sum` of several tensors (or the tensor itself when there is one).
    pub fn sum(&mut self, terms: &[String], hint: &str) -> String {
        match terms {
            [one] => one.clone(),
            [a, b] => self.op("Add", &[a, b], vec![], hint),
            _ => {
                let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
                self.op("Sum", &refs, vec![], hint)
            }
        }
    }

    pub fn finish(self, metadata: Vec<onnx::StringStringEntryProto>) -> ModelProto {
        onnx::pastiche_model(self.graph, metadata)
    }
}
