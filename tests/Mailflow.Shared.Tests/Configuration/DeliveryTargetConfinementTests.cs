using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>
/// Issue 13, finding 3: a Recipient Management admin cannot aim a mailbox at the certificates folder
/// (or anywhere outside the mail root, not even through a symbolic link), nor at another server or a
/// Unix socket; Organization Management can choose LMTP/SMTP targets.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeliveryTargetConfinementTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("mailflow-confine-");

    private async Task<TestNode> NodeAsync() =>
        await TestNode.StartAsync(await stores.CreateAsync(DatabaseProvider.Sqlite), "node-a",
            settings: new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = _data.FullName });

    private static Recipient Mailbox(string address, MailboxDeliveryKind kind, string target) => new()
    {
        Kind = RecipientKind.Mailbox,
        DisplayName = address,
        PrimaryAddress = address,
        DeliveryKind = kind,
        DeliveryTarget = target,
    };

    [Fact]
    public async Task MaildirTargets_OutsideTheMailRoot_AreRefused_EvenThroughASymlink()
    {
        await using var node = await NodeAsync();
        var service = node.Get<RecipientService>();
        var certificates = Directory.CreateDirectory(Path.Combine(_data.FullName, "certificates")).FullName;
        var mailRoot = Directory.CreateDirectory(Path.Combine(_data.FullName, "maildir")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(mailRoot, "sneaky"), certificates);

        foreach (var target in new[] { certificates, "certificates", "/etc", Path.Combine(mailRoot, "sneaky", "inbox"), "maildir/sneaky" })
        {
            var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() =>
                service.CreateAsync(Actors.RecipientAdmin, Mailbox($"x{Guid.NewGuid():N}"[..8] + "@mailflow.local", MailboxDeliveryKind.Maildir, target)));
            Assert.Contains("inside the mail root", Assert.Single(refused.Errors["DeliveryTarget"]));
        }

        var inside = await service.CreateAsync(Actors.RecipientAdmin, Mailbox("ok@mailflow.local", MailboxDeliveryKind.Maildir, Path.Combine(mailRoot, "ok")));
        Assert.Equal(Path.Combine(mailRoot, "ok"), inside.DeliveryTarget);
        Assert.Equal(Path.Combine(mailRoot, "ok"), node.Get<MaildirLocation>().Resolve("maildir/ok", out _));
    }

    [Fact]
    public async Task LmtpAndSmtpTargets_NeedOrganizationManagement()
    {
        await using var node = await NodeAsync();
        var service = node.Get<RecipientService>();

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() =>
            service.CreateAsync(Actors.RecipientAdmin, Mailbox("lmtp@mailflow.local", MailboxDeliveryKind.Lmtp, "unix:/run/evil.sock")));
        var bob = await service.CreateAsync(Actors.RecipientAdmin, Mailbox("bob@mailflow.local", MailboxDeliveryKind.Maildir, "maildir/bob"));
        bob.DeliveryKind = MailboxDeliveryKind.Smtp;
        bob.DeliveryTarget = "attacker.example:25";
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.UpdateAsync(Actors.RecipientAdmin, bob));

        var carol = await service.CreateAsync(Actors.Admin, Mailbox("carol@mailflow.local", MailboxDeliveryKind.Lmtp, "mailstore.contoso.test:24"));
        // Recipient Management may still edit everything else of a mailbox with a remote target.
        carol.DisplayName = "Carol Jones";
        var renamed = await service.UpdateAsync(Actors.RecipientAdmin, carol);
        Assert.Equal("Carol Jones", renamed.DisplayName);
        renamed.DeliveryTarget = "attacker.example:24";
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.UpdateAsync(Actors.RecipientAdmin, renamed));
    }

    public void Dispose()
    {
        stores.Dispose();
        _data.Delete(recursive: true);
    }
}
