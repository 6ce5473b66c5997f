using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The rule editor with the fuller catalog: choice conditions (message type, importance, authentication verdicts), character sets, and the new actions' inputs.</summary>
public sealed class RuleEditorCatalogTests : MudBunitContext
{
    private static readonly AdminActor OrgAdmin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    private IRenderedComponent<RuleEditor> RenderEditor(TransportRule rule) =>
        Render<RuleEditor>(p => p.Add(e => e.Rule, rule).Add(e => e.IsNew, true).Add(e => e.Actor, OrgAdmin));

    private static void Choose(IRenderedComponent<MudBlazor.MudPopoverProvider> popovers, AngleSharp.Dom.IElement select, string label)
    {
        select.QuerySelector(".mud-input-control")!.MouseDown();
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-list-item"), i => i.TextContent.Trim() == label), WaitTimeout);
        popovers.FindAll(".mud-list-item").First(i => i.TextContent.Trim() == label).Click();
    }

    [Fact]
    public void MessageTypeCondition_OffersTheTypesAndSummarizesThem_When_PickedAsAnException()
    {
        var (popovers, _) = RenderProviders();
        var editor = RenderEditor(new TransportRule { Definition = { Actions = [new RuleAction { Kind = "BccTo", Arguments = { ["Addresses"] = "audit@contoso.com" } }] } });

        editor.Find("[data-testid=exceptions] [data-testid=predicate-add]").Click();
        Choose(popovers, editor.Find("[data-testid=exceptions] [data-testid=predicate-kind]"), "the message type is");
        editor.WaitForAssertion(() => Assert.NotEmpty(editor.FindAll("[data-testid=exceptions] [data-testid=choice-input]")), WaitTimeout);
        Choose(popovers, editor.Find("[data-testid=exceptions] [data-testid=choice-input]"), "an automatic reply (out of office)");

        editor.WaitForAssertion(() => Assert.Equal(
            "For every message, send a blind copy (Bcc) to 'audit@contoso.com', except if the message type is an automatic reply (out of office).",
            editor.Find("#rule-summary").TextContent), WaitTimeout);
        Assert.Empty(editor.FindAll("[data-testid=value-input]"));
    }

    [Fact]
    public void BadCharsetAndImportance_ShowMessagesNextToTheirFields_When_Entered()
    {
        RenderProviders();
        var rule = new TransportRule
        {
            Definition =
            {
                Conditions = [new RulePredicate { Kind = "CharsetIs" }],
                Actions = [new RuleAction { Kind = "SetImportance", Arguments = { ["Value"] = "urgent" } }],
            },
        };
        var editor = RenderEditor(rule);

        editor.Find("[data-testid=charsets-input] input").Input("utf 8");
        editor.Find("[data-testid=charsets-input] [data-testid=value-add]").Click();

        editor.WaitForAssertion(() => Assert.Contains("'utf 8' is not a character set name",
            editor.Find("[data-testid=conditions] [data-testid=predicate-error]").TextContent), WaitTimeout);
        Assert.Contains("High, Normal or Low", editor.Find("[data-testid=action-error]").TextContent);
        Assert.NotEmpty(editor.FindAll("[data-testid=argument-Value] .mud-select"));
    }

    [Fact]
    public void NotifyRecipientAction_OffersTextAndDeliveryChoice_When_Picked()
    {
        var (popovers, _) = RenderProviders();
        var editor = RenderEditor(new TransportRule { Definition = { Actions = [new RuleAction()] } });

        Choose(popovers, editor.Find("[data-testid=action-kind]"), "notify the recipients with a message");

        editor.WaitForAssertion(() => Assert.NotEmpty(editor.FindAll("[data-testid=argument-Text] textarea")), WaitTimeout);
        Assert.NotEmpty(editor.FindAll("[data-testid=argument-Delivery] .mud-select"));
    }
}
