using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

[Collection(TorchGlobalState.Name)]
public sealed class EmbedderCreateLeakTests
{
    [Fact]
    public void CreateAndDispose_Repeated_LeavesNoLiveTensors()
    {
        EmbedderTests.CreateSeeded().Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 3; i++)
        {
            EmbedderTests.CreateSeeded().Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(live);
    }
}
