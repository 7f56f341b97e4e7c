using OneShot.Embeddings;
using TorchSharp;

using var embedder = Embedder.Create(new EmbedderOptions { Device = DeviceChoice.Cpu });
Console.WriteLine($"{embedder.Architecture} D={embedder.EmbeddingSize}");
foreach (var key in embedder.Network.state_dict().Keys.Take(8)) Console.WriteLine(key);
using var e = embedder.Embed(torch.rand(3, 1, 28, 28));
Console.WriteLine(string.Join(",", e.shape));
Console.WriteLine(embedder.GetFingerprint());
