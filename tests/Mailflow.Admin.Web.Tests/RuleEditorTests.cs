using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class RuleEditorTests : MudBunitContext
{
    private static readonly AdminActor OrgAdmin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    private IRenderedComponent<RuleEditor> RenderEditor(TransportRule rule, bool readOnly = false) =>
        Render<RuleEditor>(p => p.Add(e => e.Rule, rule).Add(e => e.IsNew, true).Add(e => e.ReadOnly, readOnly).Add(e => e.Actor, OrgAdmin));

    private static void ChooseKind(IRenderedComponent<MudBlazor.MudPopoverProvider> popovers, AngleSharp.Dom.IElement select, string label)
    {
        select.QuerySelector(".mud-input-control")!.MouseDown();
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == label), WaitTimeout);
        popovers.FindAll(".mud-list-item").First(i => i.TextContent.Trim() == label).Click();
    }

    [Fact]
    public void ChoosingSizeCondition_ShowsSizeWithUnits_When_KindIsPicked()
    {
        var (popovers, _) = RenderProviders();
        var editor = RenderEditor(new TransportRule());

        editor.Find("[data-testid=conditions] [data-testid=predicate-add]").Click();
        ChooseKind(popovers, editor.Find("[data-testid=predicate-kind]"), "the message is larger than");

        editor.WaitForAssertion(() => Assert.NotEmpty(editor.FindAll("[data-testid=size-input]")), WaitTimeout);
        Assert.Empty(editor.FindAll("[data-testid=value-input]"));
    }

    [Fact]
    public void ChoosingWordsCondition_ShowsChipInput_When_KindIsPicked()
    {
        var (popovers, _) = RenderProviders();
        var editor = RenderEditor(new TransportRule());

        editor.Find("[data-testid=conditions] [data-testid=predicate-add]").Click();
        ChooseKind(popovers, editor.Find("[data-testid=predicate-kind]"), "the subject includes any of these words");

        editor.WaitForAssertion(() => Assert.NotEmpty(editor.FindAll("[data-testid=words-input] [data-testid=value-input]")), WaitTimeout);
        Assert.Empty(editor.FindAll("[data-testid=size-input]"));
    }

    [Fact]
    public void InvalidPattern_ShowsMessageNextToTheCondition_When_Added()
    {
        RenderProviders();
        var rule = new TransportRule { Definition = { Conditions = [new RulePredicate { Kind = "SubjectMatchesPatterns" }] } };
        var editor = RenderEditor(rule);

        editor.Find("[data-testid=patterns-input] input").Input("([unclosed");
        editor.Find("[data-testid=patterns-input] [data-testid=value-add]").Click();

        editor.WaitForAssertion(() =>
            Assert.Contains("'([unclosed' is not a valid pattern", editor.Find("[data-testid=conditions] [data-testid=predicate-error]").TextContent), WaitTimeout);
    }

    [Fact]
    public void Summary_UpdatesLive_When_ValuesAndActionsChange()
    {
        RenderProviders();
        var rule = new TransportRule
        {
            Definition =
            {
                Conditions = [new RulePredicate { Kind = "SenderScope", Values = ["NotInOrganization"] }, new RulePredicate { Kind = "SubjectContainsWords" }],
                Actions = [new RuleAction { Kind = "PrependSubject" }],
            },
        };
        var editor = RenderEditor(rule);

        editor.Find("[data-testid=words-input] input").Input("invoice");
        editor.Find("[data-testid=words-input] [data-testid=value-add]").Click();
        editor.Find("[data-testid=argument-Text] input").Input("[EXTERNAL] ");

        editor.WaitForAssertion(() => Assert.Equal(
            "If the sender is located outside the organization and the subject includes 'invoice', prepend the subject with '[EXTERNAL] '.",
            editor.Find("#rule-summary").TextContent), WaitTimeout);
    }

    [Fact]
    public async Task Save_CreatesTheRuleThroughTheService_When_Valid()
    {
        RenderProviders();
        TransportRule? saved = null;
        var rule = new TransportRule
        {
            Name = "Tag external",
            Definition = { Conditions = [new RulePredicate { Kind = "SenderScope", Values = ["NotInOrganization"] }], Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[EXT] " } }] },
        };
        var editor = Render<RuleEditor>(p => p.Add(e => e.Rule, rule).Add(e => e.IsNew, true).Add(e => e.Actor, OrgAdmin).Add(e => e.OnSaved, r => saved = r));

        editor.Find("#rule-save").Click();

        editor.WaitForAssertion(() => Assert.NotNull(saved), WaitTimeout);
        var stored = Assert.Single(await Services.GetRequiredService<TransportRuleService>().ListAsync(), r => r.Name == "Tag external");
        Assert.Equal("PrependSubject", Assert.Single(stored.Definition.Actions).Kind);
    }

    [Fact]
    public void ReadOnly_HidesEditControls_When_ViewOnly()
    {
        RenderProviders();
        var rule = new TransportRule
        {
            Name = "R",
            Definition = { Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["x"] }], Actions = [new RuleAction { Kind = "StopProcessing" }] },
        };

        var editor = RenderEditor(rule, readOnly: true);

        Assert.Empty(editor.FindAll("#rule-save"));
        Assert.Empty(editor.FindAll("[data-testid=predicate-add]"));
        Assert.Empty(editor.FindAll("[data-testid=action-add]"));
        Assert.Empty(editor.FindAll("[data-testid=value-input]"));
        Assert.Empty(editor.FindAll("[data-testid=predicate-remove]"));
    }

    [Fact]
    public async Task RulesPage_HidesReorderAndDelete_When_ViewOnly()
    {
        await Services.GetRequiredService<TransportRuleService>().CreateAsync(OrgAdmin, new TransportRule
        {
            Name = "Tag",
            Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] },
        });
        SignInAs("bob", AdminRoles.ViewOnly);

        var page = Render<Rules>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("#rules [data-testid=rule-row]")), WaitTimeout);
        Assert.Empty(page.FindAll("#add-rule"));
        Assert.Empty(page.FindAll("[data-testid=delete-Tag]"));
        Assert.Empty(page.FindAll("[data-testid=up-Tag]"));
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
    }

    [Fact]
    public async Task RulesPage_MovesRuleUp_When_OrgAdminClicksUp()
    {
        var rules = Services.GetRequiredService<TransportRuleService>();
        await rules.CreateAsync(OrgAdmin, new TransportRule { Name = "First", Priority = -1, Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] } });
        await rules.CreateAsync(OrgAdmin, new TransportRule { Name = "Second", Priority = -1, Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] } });
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("#rules [data-testid=rule-row]").Count), WaitTimeout);

        page.Find("[data-testid=up-Second]").Click();

        page.WaitForAssertion(() => Assert.Equal(["Second", "First"], page.FindAll("[data-testid=rule-name]").Select(e => e.TextContent.Trim())), WaitTimeout);
    }

    [Fact]
    public async Task RulesPage_MovesDroppedRuleAsOneGeneration_When_OrgAdminDropsIt()
    {
        var rules = Services.GetRequiredService<TransportRuleService>();
        foreach (var name in new[] { "First", "Second", "Third" })
            await rules.CreateAsync(OrgAdmin, new TransportRule { Name = name, Priority = -1, Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] } });
        var generationBefore = await LatestGenerationAsync();
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("#rules [data-testid=rule-row]").Count), WaitTimeout);
        Assert.All(page.FindAll("#rules .mud-drop-item:has([data-testid=rule-row])"), item => Assert.Equal("true", item.GetAttribute("draggable")));

        await DropAsync(page, "First", indexInZone: 2);

        page.WaitForAssertion(() => Assert.Equal(["Second", "Third", "First"], page.FindAll("[data-testid=rule-name]").Select(e => e.TextContent.Trim())), WaitTimeout);
        Assert.Equal(["Second", "Third", "First"], (await rules.ListAsync()).Select(r => r.Name));
        Assert.Equal([0, 1, 2], (await rules.ListAsync()).Select(r => r.Priority));
        Assert.Equal(generationBefore + 1, await LatestGenerationAsync());
    }

    [Fact]
    public async Task RulesPage_RefusesDroppedRule_When_ViewOnly()
    {
        var rules = Services.GetRequiredService<TransportRuleService>();
        foreach (var name in new[] { "First", "Second" })
            await rules.CreateAsync(OrgAdmin, new TransportRule { Name = name, Priority = -1, Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] } });
        var generationBefore = await LatestGenerationAsync();
        SignInAs("bob", AdminRoles.ViewOnly);
        Render<MudBlazor.MudPopoverProvider>();
        var snackbars = Render<MudBlazor.MudSnackbarProvider>();
        var page = Render<Rules>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("#rules [data-testid=rule-row]").Count), WaitTimeout);
        // Nothing to pick up: the rows are not draggable for View-Only.
        Assert.All(page.FindAll("#rules .mud-drop-item:has([data-testid=rule-row])"), item => Assert.Equal("false", item.GetAttribute("draggable")));

        // A drop that arrives anyway (a stale page, a crafted event) is refused by the service.
        await DropAsync(page, "Second", indexInZone: 0);

        snackbars.WaitForAssertion(() => Assert.Contains("Organization Management", snackbars.Markup), WaitTimeout);
        Assert.Equal(["First", "Second"], (await rules.ListAsync()).Select(r => r.Name));
        Assert.Equal(["First", "Second"], page.FindAll("[data-testid=rule-name]").Select(e => e.TextContent.Trim()));
        Assert.Equal(generationBefore, await LatestGenerationAsync());
    }

    /// <summary>What the drop zone reports when a drag ends over a new place: the rule and its index in the zone.</summary>
    private static Task DropAsync(IRenderedComponent<Rules> page, string ruleName, int indexInZone)
    {
        var container = page.FindComponent<MudBlazor.MudDropContainer<TransportRule>>();
        var rule = container.Instance.Items.Single(r => r.Name == ruleName);
        return page.InvokeAsync(() => container.Instance.ItemDropped.InvokeAsync(new MudBlazor.MudItemDropInfo<TransportRule>(rule, "rules", indexInZone)));
    }

    private async Task<long> LatestGenerationAsync()
    {
        await using var db = await Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.MailflowDbContext>>().CreateDbContextAsync();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.MaxAsync(db.ConfigurationGenerations, g => g.Number);
    }

    [Fact]
    public async Task EditorPage_ShowsRuleReadOnly_When_ViewOnlyOpensIt()
    {
        var rule = await Services.GetRequiredService<TransportRuleService>().CreateAsync(OrgAdmin, new TransportRule
        {
            Name = "Tag",
            Definition = { Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["invoice"] }], Actions = [new RuleAction { Kind = "StopProcessing" }] },
        });
        SignInAs("bob", AdminRoles.ViewOnly);
        RenderProviders();

        var page = Render<RuleEditorPage>(p => p.Add(e => e.Id, rule.Id));

        page.WaitForAssertion(() => Assert.Contains("'invoice'", page.Find("#rule-summary").TextContent), WaitTimeout);
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
        Assert.Empty(page.FindAll("#rule-save"));
    }
}
