#!/usr/bin/env python3
"""Exports torchvision's ImageNet VGG16/VGG19 convolution stack to ONNX for `pastiche model import`.

    python3 models/export_torchvision.py vgg19 vgg19-torchvision.onnx

Needs torch and torchvision (and internet access the first time, for the weights). Only the
`features` part is exported: Pastiche never uses the classifier. The input is NCHW RGB normalised
with the ImageNet mean/std, which is what `--preprocess torch` (the default for NCHW) folds in.
"""
import sys

import torch
import torchvision


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("vgg16", "vgg19"):
        sys.exit("usage: export_torchvision.py vgg16|vgg19 OUTPUT.onnx")
    name, output = sys.argv[1], sys.argv[2]
    weights = {"vgg16": "VGG16_Weights", "vgg19": "VGG19_Weights"}[name]
    model = getattr(torchvision.models, name)(weights=getattr(torchvision.models, weights).IMAGENET1K_V1)
    features = model.features.eval()
    example = torch.rand(1, 3, 224, 224)
    torch.onnx.export(
        features,
        example,
        output,
        input_names=["input"],
        output_names=["features"],
        dynamic_axes={"input": {2: "height", 3: "width"}},
        opset_version=17,
        dynamo=False,
    )
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
