using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>Searching and paging a directory of ten thousand recipients in the store (the admin center's recipients page uses the same query), on both stores.</summary>
public abstract class RecipientSearchApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private const int Count = 10_000;
    private ApiServer _server = default!;
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
        await using var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        if (await db.Recipients.CountAsync() > Count)
            return; // seeded by an earlier test of this class
        for (var i = 0; i < Count; i++)
            db.Recipients.Add(new Recipient
            {
                Kind = i % 10 == 0 ? RecipientKind.MailContact : RecipientKind.Mailbox,
                PrimaryAddress = $"person-{i:D5}@sales-and-marketing.example",
                DisplayName = i == 4242 ? "Zoë Quartermaine-Fitzgerald" : $"Person {i:D5}",
                DeliveryTarget = $"maildir/person-{i:D5}",
                ExternalAddress = i % 10 == 0 ? $"person-{i:D5}@partner.example" : "",
                SubmissionPasswordHash = i % 3 == 0 ? "not-a-real-hash" : null,
            });
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Search_ByPartOfTheDisplayName_FindsTheOneRecipientCaseInsensitively()
    {
        var result = await _admin.GetOkAsync("api/v1/recipients/search?text=QUARTERMAINE");

        Assert.Equal(1, result["total"]!.GetValue<int>());
        Assert.Equal("person-04242@sales-and-marketing.example", result["items"]![0]!["primaryAddress"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_ByKindSortedDescending_PagesThroughInOrderWithThePasswordIndicator()
    {
        var page1 = await _admin.GetOkAsync("api/v1/recipients/search?kind=MailContact&sort=Address&descending=true&pageSize=100&page=1");
        var page10 = await _admin.GetOkAsync("api/v1/recipients/search?kind=MailContact&sort=Address&descending=true&pageSize=100&page=10");

        Assert.Equal(Count / 10, page1["total"]!.GetValue<int>());
        Assert.Equal("person-09990@sales-and-marketing.example", page1["items"]![0]!["primaryAddress"]!.GetValue<string>());
        Assert.Equal("person-00000@sales-and-marketing.example", page10["items"]!.AsArray()[^1]!["primaryAddress"]!.GetValue<string>());
        var mailboxes = await _admin.GetOkAsync("api/v1/recipients/search?text=person-0000&kind=Mailbox");
        Assert.Equal([false, false, true, false, false, true, false, false, true],
            mailboxes["items"]!.AsArray().Select(r => r!["hasSubmissionPassword"]!.GetValue<bool>())); // 1–9: every third
    }
}

public sealed class SqliteRecipientSearchApiTests(ServerPerClass servers)
    : RecipientSearchApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRecipientSearchApiTests(ServerPerClass servers, PostgresFixture postgres)
    : RecipientSearchApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
