using OnnxDyVE.Converters.Caffe.Proto;
using V1Type = OnnxDyVE.Converters.Caffe.Proto.V1LayerParameter.Types.LayerType;

namespace OnnxDyVE.Converters.Caffe.Net;

/// <summary>
/// Legacy V1 layers (enum types, their own field numbers) as V2 <see cref="LayerParameter"/>s, the way
/// Caffe's UpgradeV1LayerParameter does it: the parameter messages are the same types, so they carry over.
/// </summary>
internal static class V1LayerUpgrade
{
    private static readonly Dictionary<V1Type, string> s_typeNames = new()
    {
        [V1Type.Absval] = "AbsVal",
        [V1Type.Accuracy] = "Accuracy",
        [V1Type.Argmax] = "ArgMax",
        [V1Type.Bnll] = "BNLL",
        [V1Type.Concat] = "Concat",
        [V1Type.ContrastiveLoss] = "ContrastiveLoss",
        [V1Type.Convolution] = "Convolution",
        [V1Type.Deconvolution] = "Deconvolution",
        [V1Type.Data] = "Data",
        [V1Type.Dropout] = "Dropout",
        [V1Type.DummyData] = "DummyData",
        [V1Type.EuclideanLoss] = "EuclideanLoss",
        [V1Type.Eltwise] = "Eltwise",
        [V1Type.Exp] = "Exp",
        [V1Type.Flatten] = "Flatten",
        [V1Type.Hdf5Data] = "HDF5Data",
        [V1Type.Hdf5Output] = "HDF5Output",
        [V1Type.HingeLoss] = "HingeLoss",
        [V1Type.Im2Col] = "Im2col",
        [V1Type.ImageData] = "ImageData",
        [V1Type.InfogainLoss] = "InfogainLoss",
        [V1Type.InnerProduct] = "InnerProduct",
        [V1Type.Lrn] = "LRN",
        [V1Type.MemoryData] = "MemoryData",
        [V1Type.MultinomialLogisticLoss] = "MultinomialLogisticLoss",
        [V1Type.Mvn] = "MVN",
        [V1Type.Pooling] = "Pooling",
        [V1Type.Power] = "Power",
        [V1Type.Relu] = "ReLU",
        [V1Type.Sigmoid] = "Sigmoid",
        [V1Type.SigmoidCrossEntropyLoss] = "SigmoidCrossEntropyLoss",
        [V1Type.Silence] = "Silence",
        [V1Type.Softmax] = "Softmax",
        [V1Type.SoftmaxLoss] = "SoftmaxWithLoss",
        [V1Type.Split] = "Split",
        [V1Type.Slice] = "Slice",
        [V1Type.Tanh] = "TanH",
        [V1Type.WindowData] = "WindowData",
        [V1Type.Threshold] = "Threshold",
    };

    public static LayerParameter Upgrade(V1LayerParameter v1)
    {
        if (!s_typeNames.TryGetValue(v1.Type, out string? type))
            throw new CaffeFormatException($"layer '{v1.Name}': V1 layer type {v1.Type} has no current equivalent");
        var layer = new LayerParameter
        {
            Name = v1.Name,
            Type = type,
            AccuracyParam = v1.AccuracyParam,
            ConcatParam = v1.ConcatParam,
            ConvolutionParam = v1.ConvolutionParam,
            DataParam = v1.DataParam,
            DropoutParam = v1.DropoutParam,
            EltwiseParam = v1.EltwiseParam,
            ImageDataParam = v1.ImageDataParam,
            InnerProductParam = v1.InnerProductParam,
            LrnParam = v1.LrnParam,
            PoolingParam = v1.PoolingParam,
            PowerParam = v1.PowerParam,
            ReluParam = v1.ReluParam,
            SigmoidParam = v1.SigmoidParam,
            SoftmaxParam = v1.SoftmaxParam,
            TanhParam = v1.TanhParam,
            TransformParam = v1.TransformParam,
            LossParam = v1.LossParam,
        };
        layer.Bottom.Add(v1.Bottom);
        layer.Top.Add(v1.Top);
        layer.Include.Add(v1.Include);
        layer.Exclude.Add(v1.Exclude);
        layer.Blobs.Add(v1.Blobs);
        layer.LossWeight.Add(v1.LossWeight);
        return layer;
    }
}
