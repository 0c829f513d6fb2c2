using OnnxDyVE.Converters.Caffe.Net;

namespace OnnxDyVE.Converters.Caffe;

/// <summary>The net's inputs as the converted model takes them: the first one's height and width set by a crop.</summary>
internal static class InputShapes
{
    public static IReadOnlyList<CaffeInput> Apply(CaffeNet net, int? crop)
    {
        if (crop is not int size) return net.Inputs;
        CaffeInput first = net.Inputs[0];
        if (first.Shape.Length != 4) throw new CaffeFormatException($"{net.Source}: --crop needs a 4-D image input, '{first.Name}' is [{string.Join(", ", first.Shape)}]");
        if (size < 1 || size > TensorLimits.MaxDimension) throw new CaffeFormatException($"crop {size} is out of range 1..{TensorLimits.MaxDimension}");
        return [first with { Shape = [first.Shape[0], first.Shape[1], size, size] }, .. net.Inputs.Skip(1)];
    }
}
