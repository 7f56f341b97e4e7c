using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Verification;

namespace OneShot.Classification;

/// <summary>
/// The classifier types that can be stored as JSON (in gallery files), by name: the built-in methods and those
/// registered by other code with <see cref="Register"/>.
/// </summary>
/// <remarks>
/// The JSON is one object: <c>{"type": name, "metric": ..., "temperature": ..., "topK": ..., "unknownThreshold": ..., "options": {...}}</c>,
/// where <c>options</c> holds what the type's <see cref="IClassifierCodec"/> writes. Safe to use from many threads.
/// </remarks>
public static class ClassifierRegistry
{
    private static readonly ConcurrentDictionary<string, IClassifierCodec> ByName = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, IClassifierCodec> ByType = new();
    private static readonly Lock RegisterLock = new();

    static ClassifierRegistry()
    {
        Register(new PrototypeClassifierCodec());
        Register(new KNearestNeighborClassifierCodec());
        Register(new LinearProbeClassifierCodec());
        Register(new CosineHeadClassifierCodec());
        Register(new SiameseClassifierCodec());
    }

    /// <summary>The registered type names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. ByName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Registers <paramref name="codec"/> so that its options type can be written and read.</summary>
    /// <exception cref="ArgumentException">
    /// The name is empty, its options type does not derive from <see cref="ClassifierOptions"/>, or the name or the type is already registered.
    /// </exception>
    public static void Register(IClassifierCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentException.ThrowIfNullOrWhiteSpace(codec.Name, nameof(codec));
        ArgumentNullException.ThrowIfNull(codec.OptionsType, nameof(codec));
        if (!codec.OptionsType.IsSubclassOf(typeof(ClassifierOptions)))
        {
            throw new ArgumentException($"The codec '{codec.Name}' is for {codec.OptionsType}, which does not derive from ClassifierOptions.", nameof(codec));
        }

        lock (RegisterLock)
        {
            if (ByName.ContainsKey(codec.Name) || ByType.ContainsKey(codec.OptionsType))
            {
                throw new ArgumentException(
                    $"A classifier codec for the name '{codec.Name}' or the type {codec.OptionsType.Name} is already registered; registered: {string.Join(", ", Names)}.",
                    nameof(codec));
            }

            ByType[codec.OptionsType] = codec;
            ByName[codec.Name] = codec;
        }
    }

    /// <summary>True when options of <paramref name="optionsType"/> can be written.</summary>
    public static bool IsRegistered(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        return ByType.ContainsKey(optionsType);
    }

    /// <summary>The options as one line of JSON.</summary>
    /// <exception cref="ArgumentException">No codec is registered for the options' type.</exception>
    public static string ToJson(ClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var codec = ByType.GetValueOrDefault(options.GetType()) ?? throw new ArgumentException(
            $"The classifier options {options.GetType().Name} cannot be stored: no codec is registered for the type (ClassifierRegistry.Register); registered: {string.Join(", ", Names)}.",
            nameof(options));
        var specific = new JsonObject();
        codec.Write(options, specific);
        var json = new JsonObject
        {
            ["type"] = codec.Name,
            ["metric"] = JsonNamingPolicy.CamelCase.ConvertName(options.Metric.ToString()),
            ["temperature"] = options.Temperature,
            ["topK"] = options.TopK,
            ["unknownThreshold"] = options.UnknownThreshold,
            ["options"] = specific,
        };
        return json.ToJsonString();
    }

    /// <summary>Options from JSON written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not such JSON, names an unregistered type, or holds an invalid value; the message says which.</exception>
    public static ClassifierOptions FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var root = JsonNode.Parse(json) as JsonObject ?? throw new JsonException("The classifier JSON is not an object.");
            string type = Required(root, "type").GetValue<string>();
            var codec = ByName.GetValueOrDefault(type) ?? throw new JsonException(
                $"The classifier type '{type}' is not registered; registered: {string.Join(", ", Names)} (register outside methods with ClassifierRegistry.Register before loading).");
            var options = codec.Read(Required(root, "options") as JsonObject ?? throw new JsonException("The classifier's \"options\" is not an object."));
            if (options is null || options.GetType() != codec.OptionsType)
            {
                throw new JsonException($"The codec '{type}' returned {options?.GetType().Name ?? "null"}; expected {codec.OptionsType.Name}.");
            }

            string metricName = Required(root, "metric").GetValue<string>();
            var metric = Enum.GetValues<DistanceMetric>().Cast<DistanceMetric?>()
                .FirstOrDefault(m => JsonNamingPolicy.CamelCase.ConvertName(m!.Value.ToString()) == metricName)
                ?? throw new JsonException($"The classifier metric '{metricName}' is unknown; expected squaredEuclidean, euclidean or cosine.");
            return options with
            {
                Metric = metric,
                Temperature = Required(root, "temperature").GetValue<double>(),
                TopK = Required(root, "topK").GetValue<int>(),
                UnknownThreshold = root["unknownThreshold"]?.GetValue<double>(),
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new JsonException($"The classifier JSON holds an invalid value: {e.Message}", e);
        }
    }

    /// <summary>The member <paramref name="name"/> of <paramref name="json"/>, for codecs; throws <see cref="JsonException"/> naming it when missing.</summary>
    public static JsonNode Required(JsonObject json, string name)
    {
        ArgumentNullException.ThrowIfNull(json);
        return json[name] ?? throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"The classifier JSON has no \"{name}\"; expected it in {json.ToJsonString()}."));
    }
}
