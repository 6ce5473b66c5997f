using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// <c>Mailflow:Logging:Json=true</c> on the real server (a child process, its console read as an operator's log
/// shipper would): every line is one JSON object, and the engine's lines carry their scopes — the session id and
/// connector while a session runs, the queue id and Message-ID while a message is delivered.
/// </summary>
public sealed class JsonConsoleLogTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string ApiKey = "mf_json-log-test-key-0123456789abcdef01234";
    private readonly TestStores stores = new(postgres);

    [Fact]
    public async Task JsonConsoleLog_EveryLineIsJson_AndEngineLinesCarrySessionAndQueueScopes()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-jsonlog-").FullName;
        var httpPort = FreePort.Get();
        var smtpPort = FreePort.Get();
        await using var server = await ServerProcess.StartAsync(store, dataDirectory, smtpPort, new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["Mailflow__Admin__InitialApiKey"] = ApiKey,
            ["Mailflow__Logging__Json"] = "true",
        });
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await MetricsEndpointTests.WaitUntilReadyAsync(admin, server);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        using (var created = await admin.PostAsJsonAsync("/api/v1/recipients", new { kind = "Mailbox", displayName = "Bob", primaryAddress = "bob@contoso.test" }))
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var maildir = Path.Combine(dataDirectory, "maildir", "bob@contoso.test", "new");

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            await SendWhenTheMailboxIsKnownAsync(client, new MimeMessage
            {
                From = { MailboxAddress.Parse("sender@fabrikam.test") },
                To = { MailboxAddress.Parse("bob@contoso.test") },
                MessageId = "json-log-test@fabrikam.test",
                Subject = "JSON log",
                Body = new TextPart("plain") { Text = "Hello\r\n" },
            });
            await client.DisconnectAsync(quit: true);
        }
        JsonElement delivered = default;
        for (var attempt = 0; attempt < 150 && !TryFind(server.Output, 5010, out delivered); attempt++)
            await Task.Delay(200);
        Assert.True(delivered.ValueKind == JsonValueKind.Object, $"no Maildir delivery line (5010):\n{server.Output}");

        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            Assert.True(document.RootElement.TryGetProperty("Timestamp", out _), line);
            Assert.True(document.RootElement.TryGetProperty("LogLevel", out _), line);
        }

        Assert.True(TryFind(server.Output, 1007, out var accepted), $"no 'message accepted' line (1007):\n{server.Output}");
        var sessionScope = Scope(accepted, "SessionId");
        Assert.False(string.IsNullOrEmpty(sessionScope.GetProperty("SessionId").GetString()));
        Assert.Equal("Default Frontend", sessionScope.GetProperty("Connector").GetString());
        var queueId = accepted.GetProperty("State").GetProperty("QueueId").GetString();
        Assert.False(string.IsNullOrEmpty(queueId));

        var messageScope = Scope(delivered, "QueueId");
        Assert.Equal(queueId, messageScope.GetProperty("QueueId").GetString());
        Assert.Contains("json-log-test@fabrikam.test", messageScope.GetProperty("MessageId").GetString(), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(maildir));
    }

    /// <summary>The new mailbox reaches the receive snapshot a moment after the API answered.</summary>
    private static async Task SendWhenTheMailboxIsKnownAsync(SmtpClient client, MimeMessage message)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.SendAsync(message);
                return;
            }
            catch (SmtpCommandException refused) when (refused.ErrorCode == SmtpErrorCode.RecipientNotAccepted && attempt < 50)
            {
                await Task.Delay(200);
            }
        }
    }

    private static bool TryFind(string output, int eventId, out JsonElement line)
    {
        foreach (var text in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.TryGetProperty("EventId", out var id) && id.GetInt32() == eventId)
            {
                line = document.RootElement.Clone();
                return true;
            }
        }
        line = default;
        return false;
    }

    private static JsonElement Scope(JsonElement line, string key) =>
        line.GetProperty("Scopes").EnumerateArray().Single(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(key, out _));

    public void Dispose() => stores.Dispose();
}
