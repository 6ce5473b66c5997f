using Mailflow.TestSupport;

namespace Mailflow.Integration.Tests;

/// <summary>
/// xunit v2 finds collection definitions only in the test assembly itself. Most classes here take
/// <c>IClassFixture&lt;PostgresFixture&gt;</c> and run in parallel; a class that joins this collection
/// (<c>[Collection(PostgresCollection.Name)]</c>) runs one after another with the collection's other
/// classes, for tests that start heavy neighbours (Dovecot, a second server, a backup) or read
/// process-wide counters.
/// </summary>
[CollectionDefinition(PostgresCollection.Name)]
public sealed class PostgresCollectionDefinition : PostgresCollection;
