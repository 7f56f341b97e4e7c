using OneShot.Data;

namespace OneShot.Serialization.Onnx;

/// <summary>Reads preprocessing stored as an ONNX graph, such as ML.NET's <c>ResNetPreprocess.onnx</c>.</summary>
public static class OnnxPreprocessing
{
    /// <summary>
    /// Reads the mean image of a CNTK-style preprocessing graph: <c>Split</c> of the RGB input into three planes,
    /// <c>Concat</c> in B, G, R order, <c>Sub</c> of a constant <c>[1,3,H,W]</c> mean image. The mean image is
    /// returned in the graph's (BGR) order and [0, 255] range, ready for <see cref="PreprocessingPresets.CntkResNet18"/>.
    /// </summary>
    /// <param name="path">The preprocessing .onnx file.</param>
    /// <exception cref="OnnxImportException">The file is not ONNX or not that Split-Concat(B,G,R)-Sub graph.</exception>
    public static MeanImage ReadMeanImage(string path)
    {
        var graph = OnnxGraph.Load(path);
        var nodes = graph.Model.Graph.Node.Where(n => n.OpType != "Constant").ToList();
        var split = nodes.FirstOrDefault(n => n.OpType == "Split" && n.Input[0] == graph.InputName);
        var concat = nodes.FirstOrDefault(n => n.OpType == "Concat");
        var sub = nodes.FirstOrDefault(n => n.OpType == "Sub");
        if (nodes.Count != 3 || split is null || concat is null || sub is null || split.Output.Count != 3 || concat.Input.Count != 3)
        {
            throw new OnnxImportException(path, [$"the graph has nodes [{string.Join(", ", nodes.Select(OnnxGraph.Describe))}]; expected Split (of the input into R, G, B), Concat (B, G, R) and Sub (a mean image)."], []);
        }

        if (concat.Input[0] != split.Output[2] || concat.Input[1] != split.Output[1] || concat.Input[2] != split.Output[0])
        {
            throw new OnnxImportException(path, [$"{OnnxGraph.Describe(concat)} joins [{string.Join(", ", concat.Input)}]; expected the split planes in B, G, R order [{split.Output[2]}, {split.Output[1]}, {split.Output[0]}]."], []);
        }

        string meanName = sub.Input[0] == concat.Output[0] ? sub.Input[1] : sub.Input[0];
        if (sub.Input[0] != concat.Output[0])
        {
            throw new OnnxImportException(path, [$"{OnnxGraph.Describe(sub)} computes '{sub.Input[0]}' minus '{sub.Input[1]}'; expected the BGR planes minus a constant mean image."], []);
        }

        var mean = graph.Constant(meanName);
        if (mean.Shape.Length != 4 || mean.Shape[0] != 1 || mean.Shape[1] != 3)
        {
            throw new OnnxImportException(path, [$"the mean image '{mean.Name}' has shape {mean.ShapeText}; expected [1,3,height,width]."], []);
        }

        return new MeanImage(mean.Values, 3, (int)mean.Shape[2], (int)mean.Shape[3]);
    }
}
