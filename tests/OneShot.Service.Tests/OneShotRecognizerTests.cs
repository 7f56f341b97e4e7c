using Microsoft.Extensions.DependencyInjection;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Hosting;
using OneShot.Serialization;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>The hosting library without HTTP: options validation, the factories, DI registration, concurrency.</summary>
public sealed class OneShotRecognizerTests : IDisposable
{
    private static readonly string ShippedModel = Path.Combine(AppContext.BaseDirectory, "models", "omniglot-conv4");
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Create_WithoutModel_ThrowsNamingTheSetting()
    {
        var act = () => OneShotRecognizer.Create(new OneShotServiceOptions());
        act.Should().Throw<ArgumentException>().WithMessage("OneShot ModelPath is not set: expected a model folder*UseEmbedder*")
            .And.ParamName.Should().Be("ModelPath");
    }

    [Fact]
    public void Create_ZeroPixelLimit_ThrowsNamingTheSettingAndValue()
    {
        var act = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, MaxPixels = 0 });
        act.Should().Throw<ArgumentException>().WithMessage("OneShot MaxPixels is 0; expected a positive number.*");
    }

    [Fact]
    public void UseGallery_SuppliedGalleryIsUsedAndNothingIsSaved()
    {
        Gallery? supplied = null;
        var options = new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = Path.Combine(_directory.Path, "ignored.bin") }
            .UseGallery((_, embedder) => supplied = new Gallery(embedder));
        using var recognizer = OneShotRecognizer.Create(options);

        recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]).Should().Be(new LabelCount("ring", 1));

        recognizer.GallerySource.Should().Be("UseGallery");
        recognizer.GalleryPath.Should().BeNull();
        supplied!.Counts.Should().Equal(new Dictionary<string, int> { ["ring"] = 1 });
        Directory.EnumerateFileSystemEntries(_directory.Path).Should().BeEmpty("a supplied gallery persists itself");
    }

    [Fact]
    public void UseGallery_GalleryOfAnotherEmbedder_IsRefusedAtStart()
    {
        using var other = Embedder.Create();
        var options = new OneShotServiceOptions { ModelPath = ShippedModel }.UseGallery((_, _) => new Gallery(other));
        var act = () => OneShotRecognizer.Create(options);
        act.Should().Throw<InvalidOperationException>().WithMessage("The UseGallery factory returned a gallery for embedder conv4 *; expected one for the service's embedder conv4 *");
    }

    [Fact]
    public void Create_GalleryFileOfAnotherModel_ThrowsEmbedderMismatch()
    {
        string path = Path.Combine(_directory.Path, "gallery.bin");
        using (var other = Embedder.Create())
        using (var gallery = new Gallery(other))
        {
            gallery.Save(path);
        }

        var act = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path });
        act.Should().Throw<EmbedderMismatchException>().Which.FilePath.Should().Be(path);
    }

    [Fact]
    public void TestTimeAugmentation_NewGalleryRecordsIt_AndReopensWithItWhenUnset()
    {
        string path = Path.Combine(_directory.Path, "gallery.bin");
        var query = new[] { new ImageUpload("q.png", Draw(Shape.Ring, dx: 2)) };
        double firstScore;
        using (var recognizer = OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path, TestTimeAugmentation = "Shifts8" }))
        {
            recognizer.Embedder.Should().BeOfType<AugmentedEmbedder>().Which.Augmentation.Should().Be(TestTimeAugmentation.Shifts8);
            recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]);
            recognizer.Enroll("vertical", [new ImageUpload("v.png", Draw(Shape.VerticalBar))]);
            firstScore = recognizer.Classify(query)[0].Score;
        }

        var info = Gallery.ReadInfo(path);
        info.Properties[TestTimeAugmentation.GalleryPropertyName].Should().Be("shifts8");
        info.Fingerprint.ToString().Should().Contain("test-time augmentation shifts8");

        // Reopened without the setting: the recorded views are used, so the stored embeddings still fit.
        using var reopened = OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path });
        reopened.Embedder.Should().BeOfType<AugmentedEmbedder>().Which.Augmentation.Should().Be(TestTimeAugmentation.Shifts8);
        var prediction = reopened.Classify(query)[0];
        prediction.Label.Should().Be("ring");
        prediction.Score.Should().Be(firstScore);

        // The plain model alone refuses the gallery, as before.
        using var plain = ModelFile.Load(ShippedModel);
        var load = () => Gallery.Load(path, plain);
        load.Should().Throw<EmbedderMismatchException>();
    }

    [Fact]
    public void TestTimeAugmentation_OtherThanTheGallerysRecord_IsRefusedNamingBoth_GalleryUnchanged()
    {
        string path = Path.Combine(_directory.Path, "gallery.bin");
        using (var recognizer = OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path, TestTimeAugmentation = "shifts4" }))
        {
            recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]);
        }

        byte[] before = File.ReadAllBytes(path);
        var act = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path, TestTimeAugmentation = "shifts8" });
        act.Should().Throw<ArgumentException>()
            .WithMessage("OneShot TestTimeAugmentation is 'shifts8', but the gallery '*gallery.bin' was enrolled with 'shifts4'*")
            .And.ParamName.Should().Be("TestTimeAugmentation");
        File.ReadAllBytes(path).Should().Equal(before);

        // An explicit none is a setting too: the plain model's embeddings would not fit the gallery's.
        var none = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path, TestTimeAugmentation = "none" });
        none.Should().Throw<ArgumentException>().WithMessage("OneShot TestTimeAugmentation is 'none', but the gallery '*gallery.bin' was enrolled with 'shifts4'*");

        // And a plain gallery refuses a setting.
        string plainPath = Path.Combine(_directory.Path, "plain.bin");
        using (var recognizer = OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = plainPath }))
        {
            recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]);
        }

        var shifts = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = plainPath, TestTimeAugmentation = "shifts8" });
        shifts.Should().Throw<ArgumentException>().WithMessage("OneShot TestTimeAugmentation is 'shifts8', but the gallery '*plain.bin' was enrolled with 'none'*");
        File.ReadAllBytes(path).Should().Equal(before);
    }

    [Fact]
    public void TestTimeAugmentation_NotAPreset_ThrowsNamingTheSetting()
    {
        var act = () => OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, TestTimeAugmentation = "shifts3" });
        act.Should().Throw<ArgumentException>().WithMessage("OneShot TestTimeAugmentation: expected none, shifts4 or shifts8; got 'shifts3'.*");
    }

    [Fact]
    public void UseEmbedder_FactoryEmbedderIsUsedAndDisposedWithTheRecognizer()
    {
        Embedder? created = null;
        var options = new OneShotServiceOptions().UseEmbedder(_ => created = ModelFile.Load(ShippedModel));
        var recognizer = OneShotRecognizer.Create(options);
        recognizer.Embedder.Should().BeSameAs(created);
        recognizer.Dispose();
        var act = () => created!.Embed(TorchSharp.torch.zeros(1, 1, 28, 28));
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void UseEmbedder_FactoryAlreadyAugmented_IsNotWrappedAgain_AndAConflictingSettingIsRefused()
    {
        string path = Path.Combine(_directory.Path, "augmented.bin");
        var options = new OneShotServiceOptions { GalleryPath = path, TestTimeAugmentation = "shifts8" }
            .UseEmbedder(_ => new AugmentedEmbedder(ModelFile.Load(ShippedModel), TestTimeAugmentation.Shifts8));
        using (var recognizer = OneShotRecognizer.Create(options))
        {
            var augmented = recognizer.Embedder.Should().BeOfType<AugmentedEmbedder>().Subject;
            augmented.Inner.Should().BeOfType<Embedder>("the factory's views are averaged once, not views of views");
            recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]);
            recognizer.Enroll("vertical", [new ImageUpload("v.png", Draw(Shape.VerticalBar))]);
        }

        Gallery.ReadInfo(path).Properties[TestTimeAugmentation.GalleryPropertyName].Should().Be("shifts8");
        var unset = new OneShotServiceOptions { GalleryPath = path }
            .UseEmbedder(_ => new AugmentedEmbedder(ModelFile.Load(ShippedModel), TestTimeAugmentation.Shifts8));
        using (var reopened = OneShotRecognizer.Create(unset))
        {
            reopened.Embedder.Should().BeOfType<AugmentedEmbedder>().Which.Inner.Should().BeOfType<Embedder>();
            reopened.Classify([new ImageUpload("q.png", Draw(Shape.VerticalBar, dx: 2))])[0].Label.Should().Be("vertical");
        }

        byte[] before = File.ReadAllBytes(path);
        var conflicting = new OneShotServiceOptions { GalleryPath = path, TestTimeAugmentation = "shifts4" }
            .UseEmbedder(_ => new AugmentedEmbedder(ModelFile.Load(ShippedModel), TestTimeAugmentation.Shifts8));
        var act = () => OneShotRecognizer.Create(conflicting);
        act.Should().Throw<ArgumentException>()
            .WithMessage("OneShot TestTimeAugmentation is 'shifts4', but the UseEmbedder factory returned an embedder that already averages 'shifts8'*")
            .And.ParamName.Should().Be("TestTimeAugmentation");
        File.ReadAllBytes(path).Should().Equal(before);
    }

    [Fact]
    public void AddOneShot_RegistersOneRecognizerDisposedWithTheContainer()
    {
        var services = new ServiceCollection().AddLogging().AddOneShot(o => o.ModelPath = ShippedModel);
        OneShotRecognizer recognizer;
        using (var provider = services.BuildServiceProvider())
        {
            recognizer = provider.GetRequiredService<OneShotRecognizer>();
            provider.GetRequiredService<OneShotRecognizer>().Should().BeSameAs(recognizer);
            recognizer.GallerySource.Should().Be("memory");
            recognizer.Embedder.Architecture.Should().Be("conv4");
        }

        var act = () => recognizer.Remove("x");
        act.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task Classify_FromEightThreadsWhileEnrolling_GivesTheSerialAnswersAndSavesEveryEnrolment()
    {
        string path = Path.Combine(_directory.Path, "gallery.bin");
        using var recognizer = OneShotRecognizer.Create(new OneShotServiceOptions { ModelPath = ShippedModel, GalleryPath = path });
        recognizer.Enroll("ring", [new ImageUpload("r.png", Draw(Shape.Ring))]);
        recognizer.Enroll("vertical", [new ImageUpload("v.png", Draw(Shape.VerticalBar))]);
        var query = new[] { new ImageUpload("q.png", Draw(Shape.Ring, dx: 2)) };
        var classifiers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Enumerable.Range(0, 20).Select(_ => recognizer.Classify(query)[0].Label).ToArray())).ToArray();
        var enroller = Task.Run(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                recognizer.Enroll("horizontal", [new ImageUpload($"h{i}.png", Draw(Shape.HorizontalBar, dy: i % 3))]);
            }
        });

        await Task.WhenAll([.. classifiers, enroller]);

        classifiers.SelectMany(t => t.Result).Should().HaveCount(160).And.OnlyContain(label => label == "ring");
        Gallery.ReadInfo(path).Counts.Should().Equal(
            new KeyValuePair<string, int>("ring", 1), new KeyValuePair<string, int>("vertical", 1), new KeyValuePair<string, int>("horizontal", 10));
    }
}
