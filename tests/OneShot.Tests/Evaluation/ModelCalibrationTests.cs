using OneShot.Classification;
using OneShot.Data;
using OneShot.Evaluation;
using OneShot.Serialization;

namespace OneShot.Tests.Evaluation;

/// <summary>Temperature fitting and the calibration.json sidecar: round trip, validation, application to classifiers.</summary>
public sealed class ModelCalibrationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "oneshot-calibration-" + Guid.NewGuid().ToString("N"));

    public ModelCalibrationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SaveLoad_RoundTrip_EqualValues()
    {
        var calibration = new ModelCalibration()
            .With(new TemperatureCalibration("prototype", DistanceMetric.SquaredEuclidean, 3.25, "omniglot/val", 20, 1, 300, 7, 0.31, 0.2, 0.04, 0.01))
            .With(new UnknownThresholdCalibration("prototype", DistanceMetric.SquaredEuclidean, 41.5, 0.05, 0.049, 0.08, 0.97, "omniglot/val", 20, 1, 300, 7));

        calibration.Save(_dir);
        var loaded = ModelCalibration.Load(_dir)!;

        loaded.Temperatures.Should().Equal(calibration.Temperatures);
        loaded.UnknownThresholds.Should().Equal(calibration.UnknownThresholds);
        loaded.ApplyTo(new PrototypeClassifierOptions()).Temperature.Should().Be(3.25);
        loaded.ApplyTo(new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }).Temperature.Should().Be(0.1, "no temperature was fitted for cosine");
        loaded.ApplyTo(new KNearestNeighborOptions()).Temperature.Should().Be(1, "no temperature was fitted for knn");
        loaded.UnknownThresholdFor(new PrototypeClassifierOptions(), 0.05)!.Threshold.Should().Be(41.5);
        loaded.UnknownThresholdFor(new PrototypeClassifierOptions(), 0.01).Should().BeNull();
    }

    [Fact]
    public void TestTimeAugmentation_KeptApartFromPlain_AndRoundTripsAsVersion2()
    {
        var plain = new TemperatureCalibration("prototype", DistanceMetric.SquaredEuclidean, 1.06, "omniglot/val", 20, 1, 300, 7, 0.05, 0.05, 0.002, 0.001);
        var plainThreshold = new UnknownThresholdCalibration("prototype", DistanceMetric.SquaredEuclidean, 9.88, 0.05, 0.05, 0.08, 0.98, "omniglot/val", 20, 1, 300, 7);
        var calibration = new ModelCalibration()
            .With(plain)
            .With(plainThreshold)
            .With(plain with { Temperature = 1.03, TestTimeAugmentation = "shifts8" })
            .With(plainThreshold with { Threshold = 8.69, TestTimeAugmentation = "shifts8" });

        calibration.Save(_dir);
        string json = File.ReadAllText(Path.Combine(_dir, ModelCalibration.FileName));
        var loaded = ModelCalibration.Load(_dir)!;

        json.Should().Contain("\"formatVersion\": 2").And.Contain("\"testTimeAugmentation\": \"shifts8\"");
        loaded.Temperatures.Should().Equal(calibration.Temperatures);
        loaded.UnknownThresholds.Should().Equal(calibration.UnknownThresholds);
        var options = new PrototypeClassifierOptions();
        loaded.ApplyTo(options).Temperature.Should().Be(1.06, "plain embeddings get the plain fit");
        loaded.ApplyTo(options, "shifts8").Temperature.Should().Be(1.03);
        loaded.ApplyTo(options, "shifts4").Temperature.Should().Be(1, "nothing was fitted with shifts4");
        loaded.UnknownThresholdFor(options, 0.05)!.Threshold.Should().Be(9.88);
        loaded.UnknownThresholdFor(options, 0.05, "shifts8")!.Threshold.Should().Be(8.69);
        loaded.UnknownThresholdFor(options, 0.05, "shifts4").Should().BeNull();
        calibration.With(plain with { Temperature = 2 }).Temperatures.Select(t => (t.Temperature, t.TestTimeAugmentation)).Should().Equal((1.03, "shifts8"), (2.0, null));

        new ModelCalibration().With(plain).Save(_dir);
        File.ReadAllText(Path.Combine(_dir, ModelCalibration.FileName)).Should().Contain("\"formatVersion\": 1", "a file without augmented entries stays readable by version-1 readers")
            .And.NotContain("testTimeAugmentation");
    }

    [Fact]
    public void With_SameClassifierAndMetric_Replaces()
    {
        var first = new TemperatureCalibration("prototype", DistanceMetric.SquaredEuclidean, 2, "a", 5, 1, 10, 1, 1, 1, 0, 0);
        var cosine = first with { Metric = DistanceMetric.Cosine, Temperature = 0.05 };

        var calibration = new ModelCalibration().With(first).With(cosine).With(first with { Temperature = 4 });

        calibration.Temperatures.Select(t => t.Temperature).Should().Equal(0.05, 4);
    }

    [Fact]
    public void Load_Missing_ReturnsNull() => ModelCalibration.Load(_dir).Should().BeNull();

    [Theory]
    [InlineData("{\"formatVersion\": 3, \"temperatures\": [], \"unknownThresholds\": []}", "*formatVersion is 3; this OneShot reads 1 to 2*")]
    [InlineData("{\"formatVersion\": 1, \"unknownThresholds\": []}", "*\"temperatures\" is missing*")]
    [InlineData("{\"formatVersion\": 1, \"temperatures\": [{\"classifier\": \"prototype\", \"metric\": \"squaredEuclidean\", \"temperature\": -1, \"fittedOn\": \"x\", \"way\": 5, \"shot\": 1, \"episodes\": 1, \"seed\": 1, \"nllBefore\": 1, \"nllAfter\": 1, \"eceBefore\": 0, \"eceAfter\": 0}], \"unknownThresholds\": []}", "*\"temperature\" is -1; expected a number greater than 0*")]
    [InlineData("not json", "*calibration.json' is invalid*")]
    public void Load_Invalid_ThrowsModelFormatExceptionNamingTheFile(string json, string message)
    {
        File.WriteAllText(Path.Combine(_dir, ModelCalibration.FileName), json);

        var act = () => ModelCalibration.Load(_dir);

        act.Should().Throw<ModelFormatException>().WithMessage(message)
            .Which.FilePath.Should().Be(Path.Combine(_dir, ModelCalibration.FileName));
    }

    [Fact]
    public void FitTemperature_OverconfidentDistances_FindsTheNllMinimum()
    {
        // One-dimensional classes at 0, 1, 2, 3 with items spread ±0.6 around the centre: at temperature 1 squared
        // distances make over-confident mistakes, so the fitted temperature must lower the NLL and differ from 1.
        float[][] offsets = [[-0.6f, -0.2f, 0.2f, 0.6f]];
        var items = Enumerable.Range(0, 4).Select(c => offsets[0].Select(o => c + o).ToArray()).ToList();
        using var data = InMemoryClassDataset.FromArrays(items, (1, 1, 1));
        using var embedder = new OneShot.Tests.Galleries.FlattenEmbedder(height: 1, width: 1);
        var options = new EpisodeEvaluationOptions { Way = 4, Shot = 1, Query = 3, Episodes = 40, Seed = 3 };

        var fit = Calibrator.FitTemperature(embedder, data, options, "synthetic");

        fit.NllAfter.Should().BeLessThan(fit.NllBefore);
        fit.Temperature.Should().NotBeApproximately(1, 0.05);
        foreach (double factor in new[] { 0.8, 1.25 })
        {
            double nearby = Calibrator.FitTemperature(embedder, data, options with { Classifier = new PrototypeClassifierOptions { Temperature = fit.Temperature * factor } }, "synthetic").NllBefore;
            nearby.Should().BeGreaterThan(fit.NllAfter, "the fitted temperature is the NLL minimum");
        }
    }
}
