using Mailflow.TestSupport;

namespace Mailflow.Cluster.Tests;

/// <summary>xunit v2 finds collection definitions only in the test assembly itself.</summary>
[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : PostgresCollection;
