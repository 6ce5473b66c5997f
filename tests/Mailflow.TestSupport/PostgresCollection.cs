using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// Test classes that need PostgreSQL join this collection (<c>[Collection(PostgresCollection.Name)]</c>)
/// and take a <see cref="PostgresFixture"/> in their constructor. xunit starts the server once for the
/// assembly and runs the collection's classes one after another.
/// </summary>
/// <remarks>
/// xunit v2 only discovers collection definitions in the test assembly itself, so each test project
/// declares <c>[CollectionDefinition(PostgresCollection.Name)] public sealed class PostgresTests : PostgresCollection;</c>.
/// </remarks>
public abstract class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
