using OneShot.Classification;
using OneShot.Galleries;

namespace OneShot.PostgreSql;

/// <summary>Every class mean of one gallery version and metric, shared by the queries of that version.</summary>
internal sealed record PrototypeCache(long Version, DistanceMetric Metric, GalleryCandidates Candidates);
