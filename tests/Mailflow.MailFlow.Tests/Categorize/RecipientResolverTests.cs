using Mailflow.Configuration;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Smtp;

namespace Mailflow.MailFlow.Tests.Categorize;

public sealed class RecipientResolverTests
{
    private readonly TestConfigBuilder builder = new TestConfigBuilder()
        .Domain("contoso.com")
        .Domain("partner.contoso.com", AcceptedDomainType.InternalRelay)
        .Domain("hosted.example", AcceptedDomainType.ExternalRelay)
        .Domain("corp.test", matchSubdomains: true);

    private readonly RecipientResolver resolver = new();

    [Fact]
    public void MailboxIsFound_When_AddressedByExtraAddressInAnyCase()
    {
        var bob = builder.Mailbox("bob@contoso.com", "robert.smith@contoso.com");
        var result = resolver.Resolve(builder.Build(), "Robert.SMITH@Contoso.COM");

        var only = Assert.Single(result.Recipients);
        Assert.Equal(ResolvedRecipientKind.Mailbox, only.Kind);
        Assert.Equal("bob@contoso.com", only.Address);
        Assert.Same(bob, only.Mailbox);
        Assert.Equal("Robert.SMITH@Contoso.COM", only.Original.Address);
        var step = Assert.Single(only.Path);
        Assert.Equal(ResolutionStepKind.Resolve, step.Kind);
        Assert.Equal("robert.smith@contoso.com", step.From, ignoreCase: true);
        Assert.Equal("bob@contoso.com", step.To);
    }

    [Fact]
    public void MailboxHasNoResolveStep_When_AddressedByPrimaryAddress()
    {
        builder.Mailbox("bob@contoso.com");
        var only = Assert.Single(resolver.Resolve(builder.Build(), "bob@contoso.com").Recipients);
        Assert.Equal(ResolvedRecipientKind.Mailbox, only.Kind);
        Assert.Empty(only.Path);
    }

    [Fact]
    public void AliasChainEndsAtMailbox_When_AliasesForwardToEachOther()
    {
        var bob = builder.Mailbox("bob@contoso.com");
        var sales = builder.Alias("sales@contoso.com", bob);
        builder.Alias("info@contoso.com", sales);

        var only = Assert.Single(resolver.Resolve(builder.Build(), "info@contoso.com").Recipients);

        Assert.Equal(ResolvedRecipientKind.Mailbox, only.Kind);
        Assert.Same(bob, only.Mailbox);
        Assert.Equal([ResolutionStepKind.Redirect, ResolutionStepKind.Redirect], only.Path.Select(s => s.Kind));
        Assert.Equal(["info@contoso.com", "sales@contoso.com"], only.Path.Select(s => s.From));
        Assert.Equal(["sales@contoso.com", "bob@contoso.com"], only.Path.Select(s => s.To));
    }

    [Fact]
    public void ContactForwardsToExternalAddress_When_ExternalDomainIsNotAccepted()
    {
        builder.Contact("ann.partner@contoso.com", "ann@fabrikam.example");

        var only = Assert.Single(resolver.Resolve(builder.Build(), "ann.partner@contoso.com").Recipients);

        Assert.Equal(ResolvedRecipientKind.ExternalForward, only.Kind);
        Assert.Equal("ann@fabrikam.example", only.Address);
        Assert.Equal("fabrikam.example", only.Domain);
        var step = Assert.Single(only.Path);
        Assert.Equal(ResolutionStepKind.Redirect, step.Kind);
        Assert.Contains("external address", step.Description);
    }

    [Fact]
    public void ContactIsResolvedAgain_When_ExternalAddressBelongsToLocalMailbox()
    {
        var bob = builder.Mailbox("bob@contoso.com");
        var contact = builder.Contact("bob-contact@contoso.com", "BOB@contoso.com");
        builder.Alias("bobby@contoso.com", contact);

        var only = Assert.Single(resolver.Resolve(builder.Build(), "bobby@contoso.com").Recipients);

        Assert.Equal(ResolvedRecipientKind.Mailbox, only.Kind);
        Assert.Same(bob, only.Mailbox);
        // alias → contact, contact → its external address; the address differs from the mailbox's only in case, so no RESOLVE step.
        Assert.Equal([ResolutionStepKind.Redirect, ResolutionStepKind.Redirect], only.Path.Select(s => s.Kind));
    }

    [Fact]
    public void ContactWithOwnAddressAsExternalAddress_IsRemote_When_ItsDomainIsNotAccepted()
    {
        // Contacts often carry their external address as primary address; that domain is not ours, so no loop.
        var result = resolver.Resolve(
            new TestConfigBuilder().Domain("contoso.com").Build(), "ann@fabrikam.example");
        Assert.Equal(ResolvedRecipientKind.Remote, Assert.Single(result.Recipients).Kind);
    }

    [Fact]
    public void NestedGroupsExpandOnce_When_GroupsContainEachOther()
    {
        var a = builder.Mailbox("a@contoso.com");
        var b = builder.Mailbox("b@contoso.com");
        var outer = builder.Group("outer@contoso.com", a);
        var inner = builder.Group("inner@contoso.com", b, outer);
        outer.MemberIds.Add(inner.Id);

        var result = resolver.Resolve(builder.Build(), "outer@contoso.com");

        Assert.Equal(["a@contoso.com", "b@contoso.com"], result.Recipients.Select(r => r.Address));
        Assert.All(result.Recipients, r => Assert.Equal(ResolvedRecipientKind.Mailbox, r.Kind));
        var viaInner = result.Recipients[1];
        Assert.Equal(["outer@contoso.com", "inner@contoso.com"], viaInner.Path.Select(s => s.From));
        Assert.All(viaInner.Path, s => Assert.Equal(ResolutionStepKind.Expand, s.Kind));
        Assert.Contains(result.Notes, n => n.Address == "outer@contoso.com" && n.Description.Contains("contains itself"));
    }

    [Fact]
    public void MailboxIsDeliveredOnce_When_ReachedThroughSeveralGroupsAndDirectly()
    {
        var a = builder.Mailbox("a@contoso.com");
        var b = builder.Mailbox("b@contoso.com");
        builder.Group("g1@contoso.com", a, b);
        builder.Group("g2@contoso.com", b);
        builder.Contact("partner@contoso.com", "x@fabrikam.example");
        builder.Group("g3@contoso.com", builder.Contact("partner2@contoso.com", "X@fabrikam.example"));

        var result = resolver.Resolve(builder.Build(), "g1@contoso.com", "g2@contoso.com", "A@contoso.com", "partner@contoso.com", "g3@contoso.com");

        Assert.Equal(["a@contoso.com", "b@contoso.com", "x@fabrikam.example"], result.Recipients.Select(r => r.Address));
        // The first path wins: b came through g1, not g2.
        Assert.Equal("g1@contoso.com", result.Recipients[1].Original.Address);
        Assert.Equal(3, result.Notes.Count(n => n.Description.Contains("more than once")));
    }

    [Fact]
    public void MembersPastTheLimitFailWithOneClearReason_When_GroupExceedsSizeLimit()
    {
        var members = Enumerable.Range(1, 5).Select(i => builder.Mailbox($"m{i}@contoso.com")).ToArray();
        var nested = builder.Group("nested@contoso.com", members[3], members[4]);
        builder.Group("all@contoso.com", members[0], members[1], members[2], nested);
        var limited = new RecipientResolver(new RecipientResolverOptions { MaxGroupExpansionRecipients = 3 });

        var result = limited.Resolve(builder.Build(), "all@contoso.com", "m5@contoso.com");

        // m5 was cut from the group, but it is also an envelope recipient of its own, which is delivered.
        Assert.Equal(["m1@contoso.com", "m2@contoso.com", "m3@contoso.com", "m5@contoso.com"], result.Deliverable.Select(r => r.Address));
        Assert.Equal("m5@contoso.com", result.Deliverable.Last().Original.Address);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("all@contoso.com", failed.Address);
        Assert.Equal("5.2.4", failed.Failure!.EnhancedStatusCode);
        Assert.Contains("2 more", failed.Failure.Reason);
        Assert.Contains("at most 3", failed.Failure.Reason);
    }

    [Fact]
    public void DirectRecipientIsDelivered_When_SameMailboxWasCutFromAnOversizedGroup()
    {
        var members = Enumerable.Range(1, 3).Select(i => builder.Mailbox($"m{i}@contoso.com")).ToArray();
        builder.Group("all@contoso.com", members);
        var limited = new RecipientResolver(new RecipientResolverOptions { MaxGroupExpansionRecipients = 2 });

        var result = limited.Resolve(builder.Build(), "all@contoso.com", "m3@contoso.com");

        Assert.Equal(["m1@contoso.com", "m2@contoso.com", "m3@contoso.com"], result.Deliverable.Select(r => r.Address));
        Assert.Equal("m3@contoso.com", result.Deliverable.Last().Original.Address);
    }

    public static TheoryData<string, ResolvedRecipientKind> DomainCases => new()
    {
        { "someone@partner.contoso.com", ResolvedRecipientKind.Relay },
        { "someone@hosted.example", ResolvedRecipientKind.Relay },
        { "someone@fabrikam.example", ResolvedRecipientKind.Remote },
        { "someone@contoso.com.evil.example", ResolvedRecipientKind.Remote },
        { "someone@contoso.com", ResolvedRecipientKind.Failed },
        { "someone@sub.corp.test", ResolvedRecipientKind.Failed },
        { "someone@sub.contoso.com", ResolvedRecipientKind.Remote },
    };

    [Theory]
    [MemberData(nameof(DomainCases))]
    public void RecipientWithoutObjectIsRoutedByDomainType_When_Resolved(string address, ResolvedRecipientKind expected)
    {
        var only = Assert.Single(resolver.Resolve(builder.Build(), address).Recipients);
        Assert.Equal(expected, only.Kind);
        Assert.Equal(address, only.Address);
        if (expected == ResolvedRecipientKind.Failed)
        {
            Assert.Equal("5.1.1", only.Failure!.EnhancedStatusCode);
            Assert.Equal(550, only.Failure.SmtpCode);
            Assert.Contains("doesn't exist", only.Failure.Reason);
        }
        else
        {
            Assert.Null(only.Failure);
        }
    }

    [Fact]
    public void MailboxInRelayDomainIsLocal_When_RecipientObjectExists()
    {
        var local = builder.Mailbox("here@partner.contoso.com");
        var only = Assert.Single(resolver.Resolve(builder.Build(), "HERE@partner.contoso.com").Recipients);
        Assert.Equal(ResolvedRecipientKind.Mailbox, only.Kind);
        Assert.Same(local, only.Mailbox);
        Assert.Equal(AcceptedDomainType.InternalRelay, only.AcceptedDomain!.Type);
    }

    [Fact]
    public void GroupMemberThatNoLongerExistsFailsWith511_When_GroupIsExpanded()
    {
        var a = builder.Mailbox("a@contoso.com");
        var group = builder.Group("team@contoso.com", a);
        group.MemberIds.Add(Guid.NewGuid());
        group.MemberIds.Add(Guid.NewGuid());
        // A contact whose external address is in our authoritative domain but resolves to nobody.
        group.MemberIds.Add(builder.Contact("old@contoso.com", "gone@contoso.com").Id);

        var result = resolver.Resolve(builder.Build(), "team@contoso.com");

        Assert.Equal(["a@contoso.com"], result.Deliverable.Select(r => r.Address));
        Assert.Equal(2, result.Failed.Count());
        var missingMembers = Assert.Single(result.Failed, r => r.Address == "team@contoso.com");
        Assert.Equal("5.1.1", missingMembers.Failure!.EnhancedStatusCode);
        Assert.StartsWith("2 members of the group team@contoso.com no longer exist", missingMembers.Failure.Reason);
        var gone = Assert.Single(result.Failed, r => r.Address == "gone@contoso.com");
        Assert.Equal("5.1.1", gone.Failure!.EnhancedStatusCode);
        Assert.Equal(["team@contoso.com", "old@contoso.com"], gone.Path.Select(s => s.From));
    }

    [Fact]
    public void AliasLoopFailsWith546_When_AliasesForwardInACircle()
    {
        var first = builder.Add(new Recipient { Kind = RecipientKind.Alias, PrimaryAddress = "first@contoso.com" });
        var second = builder.Alias("second@contoso.com", first);
        first.ForwardToId = second.Id;

        var only = Assert.Single(resolver.Resolve(builder.Build(), "first@contoso.com").Recipients);

        Assert.Equal(ResolvedRecipientKind.Failed, only.Kind);
        Assert.Equal("5.4.6", only.Failure!.EnhancedStatusCode);
        Assert.Contains("circle", only.Failure.Reason);
    }

    [Fact]
    public void AliasFailsWith511_When_ItsTargetWasDeleted()
    {
        builder.Add(new Recipient { Kind = RecipientKind.Alias, PrimaryAddress = "old@contoso.com", ForwardToId = Guid.NewGuid() });
        var only = Assert.Single(resolver.Resolve(builder.Build(), "old@contoso.com").Recipients);
        Assert.Equal("5.1.1", only.Failure!.EnhancedStatusCode);
        Assert.Contains("no longer exists", only.Failure.Reason);
    }

    [Fact]
    public void OriginalEnvelopeRecipientIsKept_When_ExpandingForDsn()
    {
        var a = builder.Mailbox("a@contoso.com");
        builder.Group("team@contoso.com", a);
        var envelope = new EnvelopeRecipient("Team@contoso.com", DsnNotify.Success | DsnNotify.Failure, "rfc822;team@contoso.com");

        var only = Assert.Single(resolver.Resolve(builder.Build(), [envelope]).Recipients);

        Assert.Same(envelope, only.Original);
        Assert.Equal("a@contoso.com", only.Address);
    }

    [Fact]
    public void EmptyGroupLeavesANote_When_Expanded()
    {
        builder.Group("nobody@contoso.com");
        var result = resolver.Resolve(builder.Build(), "nobody@contoso.com");
        Assert.Empty(result.Recipients);
        Assert.Contains("no members", Assert.Single(result.Notes).Description);
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("@contoso.com")]
    [InlineData("user@")]
    public void MalformedAddressFailsWith513_When_Resolved(string address)
    {
        var only = Assert.Single(resolver.Resolve(builder.Build(), address).Recipients);
        Assert.Equal(ResolvedRecipientKind.Failed, only.Kind);
        Assert.Equal("5.1.3", only.Failure!.EnhancedStatusCode);
    }
}
