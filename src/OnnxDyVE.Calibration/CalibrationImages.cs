using OnnxDyVE.Evaluation;
using OnnxDyVE.Models;

namespace OnnxDyVE.Calibration;

/// <summary>
/// Calibration images, decoded and preprocessed once into the model's input layout and kept in memory, since
/// calibration runs the same images many times. Which images: a seeded choice from the folder, so a given seed
/// always calibrates on the same ones.
/// </summary>
public sealed class CalibrationImages
{
    private CalibrationImages(IReadOnlyList<float[]> inputs, long[] inputShape, IReadOnlyList<string> paths)
    {
        Inputs = inputs;
        InputShape = inputShape;
        Paths = paths;
    }

    /// <summary>One tensor (1 x C x H x W, flattened) per image.</summary>
    public IReadOnlyList<float[]> Inputs { get; }
    public long[] InputShape { get; }
    public IReadOnlyList<string> Paths { get; }
    public int Count => Inputs.Count;

    /// <summary>The first <paramref name="count"/> images (all when there are fewer).</summary>
    public CalibrationImages Take(int count) =>
        count >= Count ? this : new CalibrationImages(Inputs.Take(count).ToArray(), InputShape, Paths.Take(count).ToArray());

    /// <param name="folder">A labelled folder (<see cref="LabelledFolder"/>); labels are not used.</param>
    /// <param name="count">How many images to take; null or more than the folder holds: all.</param>
    public static CalibrationImages Load(string folder, Preprocessing preprocessing, int? count, int seed, IProgress<int>? progress = null)
    {
        IReadOnlyList<LabelledImage> all = LabelledFolder.Read(folder);
        if (all.Count == 0) throw new InvalidDataException($"{folder} holds no images");
        // A seeded shuffle of the folder's (sorted) listing, then the first count.
        var chosen = all.ToArray();
        new Random(seed).Shuffle(chosen);
        int take = Math.Min(count ?? chosen.Length, chosen.Length);
        using var preprocessor = new ImagePreprocessor(preprocessing);
        var inputs = new float[take][];
        for (int i = 0; i < take; i++)
        {
            inputs[i] = new float[preprocessor.InputLength];
            preprocessor.Prepare(chosen[i].Path, inputs[i]);
            progress?.Report(i + 1);
        }
        return new CalibrationImages(inputs, [1, .. preprocessing.Input], chosen.Take(take).Select(image => image.Path).ToArray());
    }
}
