using System.Text;
using Mailflow.Admin.Web.Queue;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>Issue 13, finding 9: reading a queued message's body is the export's right (Organization Management) and is audited like it.</summary>
public sealed class MessagePreviewPermissionTests
{
    private static readonly AdminActor Viewer = new("victor", new HashSet<string> { AdminRoles.ViewOnly });
    private static readonly AdminActor RecipientAdmin = new("rita", new HashSet<string> { AdminRoles.RecipientManagement });
    private static readonly AdminActor Organization = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    [Fact]
    public async Task OnlyOrganizationManagement_ReadsMessageContent_AndEachReadIsAudited()
    {
        await using var store = TemporarySqliteStore.Create();
        var services = new ServiceCollection();
        store.AddTo(services);
        services.AddSingleton<MessagePreviewReader>();
        await using var provider = services.BuildServiceProvider();
        await TemporarySqliteStore.PrepareAsync(provider, seedDefaults: false);
        var factory = provider.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        var content = Encoding.ASCII.GetBytes("Subject: Salary review\r\nFrom: hr@contoso.test\r\n\r\nConfidential body\r\n");
        long id;
        await using (var db = await factory.CreateDbContextAsync())
        {
            // Content belongs to a queued message (a foreign key), as the store sink writes it.
            var message = new QueuedMessage
            {
                QueueId = "Q42",
                State = QueuedMessageState.Categorized,
                Sender = "hr@contoso.test",
                Size = content.Length,
                ReceivedAt = DateTimeOffset.UtcNow,
                QueuedAt = DateTimeOffset.UtcNow,
                ClientAddress = "192.0.2.1",
                LocalEndPoint = "127.0.0.1:25",
                HeloName = "client.test",
                ReceiveConnectorName = "Default Frontend",
                ReceivingNode = "node-a",
                ContentSha256 = new string('0', 64),
            };
            db.QueuedMessages.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
            db.MessageContents.Add(new MessageContent { MessageId = id, Data = content });
            await db.SaveChangesAsync();
        }
        var reader = provider.GetRequiredService<MessagePreviewReader>();

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => reader.ReadAsync(Viewer, "Q42", id, content.Length, CancellationToken.None));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => reader.ReadAsync(RecipientAdmin, "Q42", id, content.Length, CancellationToken.None));
        var preview = await reader.ReadAsync(Organization, "Q42", id, content.Length, CancellationToken.None);

        Assert.Contains("Confidential body", preview!.TextBody);
        await using var check = await factory.CreateDbContextAsync();
        var audited = Assert.Single(await check.AuditEntries.Where(e => e.Action == AuditAction.Preview).ToListAsync());
        Assert.Equal(("alice", "QueuedMessage", "Q42"), (audited.Actor, audited.ObjectType, audited.ObjectId));
    }
}
