namespace OnnxDyVE.Schema;

/// <summary>
/// How a model names the DyVE operators: <see cref="ConvOp"/> and <see cref="GemmOp"/> in domain
/// <see cref="Domain"/>, with ONNX Conv's and Gemm's own inputs and attributes plus the ones below.
/// </summary>
public static class DyveSchema
{
    public const string Domain = "ai.onnxdyve";
    public const long OpsetVersion = 1;

    public const string ConvOp = "DyveConv";
    public const string GemmOp = "DyveGemm";

    /// <summary>
    /// ONNX MaxPool (2-D, one output, explicit pads, no dilation, floor rounding) over blocked maps: X is NCHW16c
    /// (<see cref="InputLayout"/> must say so), Y as <see cref="OutputLayout"/> says. The rewriter puts it where a
    /// MaxPool reads a blocked tensor, so the maps need not leave the layout between convolutions.
    /// </summary>
    public const string MaxPoolOp = "DyveMaxPool";

    /// <summary>
    /// ONNX AveragePool (2-D, explicit pads, no dilation, floor rounding, its count_include_pad) over blocked maps, as
    /// <see cref="MaxPoolOp"/> is ONNX MaxPool: Caffe's AVE pooling (cifar10's) between blocked convolutions.
    /// </summary>
    public const string AveragePoolOp = "DyveAveragePool";

    /// <summary>
    /// Local response normalization within each channel (Caffe's WITHIN_CHANNEL LRN, which ONNX has no operator for):
    /// Y = X * (bias + alpha * mean of X^2 over the size x size window centred on each position, zeros outside the map)^-beta,
    /// Y in X's shape and layout (<see cref="InputLayout"/> and <see cref="OutputLayout"/>, equal). The rewriter puts one
    /// where a model spells it out in stock operators, as the Caffe converter does (eight nodes).
    /// </summary>
    public const string LrnOp = "DyveLrn";

    /// <summary>DyveLrn's attributes: int <see cref="LrnSize"/> (odd), floats <see cref="LrnAlpha"/>, <see cref="LrnBeta"/> and <see cref="LrnBias"/>.</summary>
    public const string LrnSize = "size";
    public const string LrnAlpha = "alpha";
    public const string LrnBeta = "beta";
    public const string LrnBias = "bias";

    /// <summary>The largest DyveLrn size: Caffe's local_size is small (3 and 5 in its examples), and a row of sums is kept per window row.</summary>
    public const int LrnMaximumSize = 63;

    /// <summary>Int attribute of DyveMaxPool and DyveAveragePool, positive: the channels of X, which its blocked shape rounds up to whole blocks.</summary>
    public const string Channels = "channels";

    /// <summary>String attribute: the activation fused into the output, one of <see cref="ActivationKinds"/>.</summary>
    public const string Activation = "activation";
    /// <summary>Float attribute: leaky_relu's slope for negative inputs.</summary>
    public const string ActivationAlpha = "activation_alpha";
    /// <summary>Float attributes: clip's bounds.</summary>
    public const string ActivationMin = "activation_min";
    public const string ActivationMax = "activation_max";

    /// <summary>
    /// Int attribute of DyveGemm and DyveConv, 0 or 1 (default 1): skip the k at which every row of A is zero (DyveGemm, batch
    /// up to 12); each tile of six output positions leaves out the taps its six inputs are zero at (DyveConv on AVX-512, stride
    /// 1, blocked maps). Exact: the output is bit-identical to the dense product's.
    /// </summary>
    public const string SkipZeroInputs = "skip_zero_inputs";

    /// <summary>
    /// Int attribute of DyveConv, 0 or 1 (default 1): leave out the input channels that are zero everywhere (SFMA's
    /// exact part). Exact: the output is bit-identical to the dense product's.
    /// </summary>
    public const string SkipZeroMaps = "skip_zero_maps";

    /// <summary>
    /// Float attribute of DyveConv, at least 0 (default 0: off): SDSS's threshold at effort 1, in units of
    /// <see cref="ActivationScale"/>. Outputs are computed on a stride-2 grid of positions; a position off the
    /// grid whose computed neighbours differ by at most threshold x effort in every output channel of a block is
    /// interpolated from them instead of computed.
    /// </summary>
    public const string SdssDelta = "sdss_delta";

    /// <summary>
    /// Float attribute of DyveConv and DyveGemm, in [0, 1) (default 0: SPET off): the share of K, in the node's order
    /// of significance (fixed from the weights when the session is created), that every output computes before
    /// SPET's test. An output whose activation is then predicted to saturate (ReLU's 0, clip's lower bound) stops
    /// there; the rest of K is computed only for the outputs still alive. Needs a saturating activation.
    /// </summary>
    public const string SpetPrefix = "spet_prefix";

    /// <summary>
    /// Float attribute of DyveConv and DyveGemm, at least 0 (default 0: exact SPET only): how far SPET predicts at
    /// effort 1. With t = effort x spet_delta, an output stops when
    /// partial + bias + bound x max(0, 1 - t) - activation_scale x max(0, t - 1) is below the saturation value,
    /// bound being the most the rest of K could still add (from the inputs' range). t = 0 is exact SPET: it stops
    /// only outputs that are certain to saturate; t = 1 stops every output whose partial sum is below it.
    /// </summary>
    public const string SpetDelta = "spet_delta";

    /// <summary>
    /// Float attribute of DyveConv, at least 0 (default 0: off): SFMA's near-uniform threshold at effort 1, in units of
    /// <see cref="InputScale"/>. At a run, an input map whose standard deviation (over the map, padding excluded) is at
    /// most sfma_delta x input_scale x effort is left out of the product, and its mean times the sum of its weights is
    /// added to each output channel's bias instead. Approximate even for a constant map where the node pads: a tap in
    /// the padding reads 0, not the mean, and the fold adds the mean there too. Applies to stride-1 convolutions (1x1
    /// included); not together with SDSS or SPET.
    /// </summary>
    public const string SfmaDelta = "sfma_delta";

    /// <summary>
    /// Ints attribute of DyveConv (default none): SFMA's candidate pairs of near-equal input maps, found in calibration,
    /// flattened [i0, j0, i1, j1, ...]: input channels, i != j, no channel in two pairs; one-group convolutions with
    /// <see cref="SfmaDelta"/> above 0 only. At a run where SFMA is on, a pair whose maps differ by an RMS of at most
    /// sfma_delta x input_scale x effort, neither of them zero or folded, is computed as one map: x_i against
    /// W_i + W_j, and map j is left out of the product.
    /// </summary>
    public const string SfmaPairs = "sfma_pairs";

    /// <summary>
    /// Float attribute of DyveConv, positive and finite (default 1): the layer's input scale (the RMS of its input on
    /// calibration images), the unit of <see cref="SfmaDelta"/>.
    /// </summary>
    public const string InputScale = "input_scale";

    /// <summary>
    /// Float attribute of DyveConv (and DyveGemm), positive and finite (default 1): the layer's own activation scale (the RMS of
    /// its outputs on calibration images), the unit every threshold of the node is given in.
    /// </summary>
    public const string ActivationScale = "activation_scale";

    /// <summary>
    /// Name of the optional fourth input of DyveConv, a float scalar in [0, 1] read at every run: 0 turns every
    /// approximate mechanism off (the node is exact), 1 applies the thresholds as stored, values between scale
    /// them. The rewriter wires every DyveConv to one graph input of this name, whose initializer holds the default.
    /// </summary>
    public const string EffortInput = "dyve_effort";

    /// <summary>
    /// String attributes of DyveConv, one of <see cref="Layouts"/> (default NCHW): how the input X and the output Y hold
    /// their channels. NCHW16c tensors are N x ceil(C / 16) x H x W x 16, the channels past C zero; the rewriter gives
    /// them only to tensors that flow from one exact DyveConv of one group to others (through Concat on whole blocks).
    /// </summary>
    public const string InputLayout = "input_layout";
    public const string OutputLayout = "output_layout";

    /// <summary>
    /// Int attribute of DyveConv (default 0: none), a multiple of 64: the first this many output channels are a 1x1
    /// convolution of X read at the kernel's centre tap; W holds zeros off the centre for them, which are never
    /// multiplied. The rewriter writes it where a Concat joins a 1x1 and a spatial convolution of one input (SqueezeNet's
    /// fire modules), so one node writes both halves. Needs blocked output (<see cref="OutputLayout"/>), one group,
    /// strides and dilations of 1, and an odd kernel padded by half of it on every side.
    /// </summary>
    public const string PointwiseChannels = "pointwise_channels";

    /// <summary>What <see cref="PointwiseChannels"/> must be a multiple of: two of AVX-512's panels, which its widest tiles take at once.</summary>
    public const int PointwiseChannelMultiple = 64;

    /// <summary>
    /// Strings attribute the rewriter writes beside <see cref="PointwiseChannels"/>, which the operator ignores: the names
    /// that taking the fused node apart gives back, [1x1 node, its output, its W, its B or "", spatial node, its output,
    /// its W, its B or "", Concat node].
    /// </summary>
    public const string FusedNodes = "fused_nodes";

    /// <summary>
    /// Float attribute the rewriter writes beside <see cref="PointwiseChannels"/>, which the operator ignores: the 1x1
    /// half's own <see cref="ActivationScale"/> (calibration measures each layer's), which taking the fused node apart
    /// gives back to it; absent where the 1x1 had none. The fused node's own activation_scale is the spatial half's: an
    /// exact node multiplies no threshold by either.
    /// </summary>
    public const string PointwiseActivationScale = "pointwise_activation_scale";

    /// <summary>
    /// DyveConv's optional input 5 (index 4), Z: a tensor of the output's shape added to the convolution and its bias
    /// before the activation, activation(conv + B + Z), as an Add (and Relu) after it would. The rewriter wires it where
    /// a residual block's Add (ResNet's) follows an exact DyveConv with blocked output. Blocked output only.
    /// </summary>
    public const int ResidualInput = 4;

    /// <summary>
    /// Strings attribute the rewriter writes beside input Z, which the operator ignores: the names that taking the node
    /// apart gives back, [Add node, its input 0, its input 1, its output, Relu node] (the Relu was fused where the Add's
    /// output is not the node's).
    /// </summary>
    public const string FusedResidual = "fused_residual";

    /// <summary>Values of <see cref="InputLayout"/> and <see cref="OutputLayout"/>.</summary>
    public static class Layouts
    {
        public const string Planar = "NCHW";
        public const string Blocked = "NCHW16c";
        /// <summary>Channels per block of <see cref="Blocked"/>.</summary>
        public const int Block = 16;
    }

    /// <summary>Values of <see cref="Activation"/>.</summary>
    public static class ActivationKinds
    {
        public const string None = "none";
        public const string Relu = "relu";
        public const string LeakyRelu = "leaky_relu";
        public const string Clip = "clip";
    }
}
