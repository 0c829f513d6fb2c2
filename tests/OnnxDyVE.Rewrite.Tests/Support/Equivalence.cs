namespace OnnxDyVE.Rewrite.Tests.Support;

/// <summary>The test of a rewrite: the rewritten model computes what the original does.</summary>
internal static class Equivalence
{
    /// <summary>
    /// Runs <paramref name="original"/> in stock ONNX Runtime and <paramref name="rewritten"/> with the DyVE
    /// operators on the same inputs, per seed, and requires every output to agree within
    /// 1e-4 * max(1, max |reference|).
    /// </summary>
    public static void AssertSameOutputs(ModelProto original, ModelProto rewritten, params int[] seeds)
    {
        foreach (int seed in seeds.DefaultIfEmpty(1))
        {
            Dictionary<string, float[]> expected = OrtRunner.Run(original, withDyve: false, seed);
            Dictionary<string, float[]> actual = OrtRunner.Run(rewritten, withDyve: true, seed);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach ((string name, float[] reference) in expected)
            {
                float[] values = actual[name];
                Assert.Equal(reference.Length, values.Length);
                double scale = Math.Max(1.0, reference.Max(v => Math.Abs((double)v)));
                double worst = reference.Zip(values, (r, v) => Math.Abs((double)r - v)).DefaultIfEmpty(0).Max();
                Assert.True(worst <= 1e-4 * scale, $"output '{name}', seed {seed}: max |diff| {worst:E2} exceeds 1e-4 x {scale:G4}");
            }
        }
    }
}
