using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>xunit v2 finds collection definitions only in the test assembly itself: this makes the shared PostgreSQL fixture available here.</summary>
[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : PostgresCollection;
