using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Mailflow.Cli.Commands;

/// <summary>
/// The queue viewer's filter as CLI options (<c>--queue --sender --recipient --state --subject
/// --received-from --received-before</c>), the same filters <c>GET /api/v1/messages</c> takes. One set per
/// command: a System.CommandLine option belongs to one command.
/// </summary>
internal sealed class MessageFilterOptions
{
    private readonly Option<string?> _queue = new("--queue") { Description = "Only messages with a recipient in this queue (next hop key)" };
    private readonly Option<string?> _sender = new("--sender") { Description = "Sender contains" };
    private readonly Option<string?> _recipient = new("--recipient") { Description = "A recipient contains" };
    private readonly Option<string?> _state = new("--state") { Description = "Submitted, Categorized, Suspended, Quarantined, …" };
    private readonly Option<string?> _subject = new("--subject") { Description = "Subject contains" };
    private readonly Option<string?> _receivedFrom = new("--received-from") { Description = "Received at or after: 2h, 3d, 30m ago, or a UTC time" };
    private readonly Option<string?> _receivedBefore = new("--received-before") { Description = "Received before: 2h, 3d, 30m ago, or a UTC time" };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { _queue, _sender, _recipient, _state, _subject, _receivedFrom, _receivedBefore })
            command.Options.Add(option);
    }

    /// <summary>The filter as the API's names and values; blank options are left out.</summary>
    public IReadOnlyList<(string Name, string Value)> Values(ParseResult parse)
    {
        var values = new List<(string, string)>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                values.Add((name, value));
        }
        Add("queue", parse.GetValue(_queue));
        Add("sender", parse.GetValue(_sender));
        Add("recipient", parse.GetValue(_recipient));
        Add("state", parse.GetValue(_state));
        Add("subject", parse.GetValue(_subject));
        Add("receivedFrom", Time(parse.GetValue(_receivedFrom), _receivedFrom.Name));
        Add("receivedBefore", Time(parse.GetValue(_receivedBefore), _receivedBefore.Name));
        return values;
    }

    /// <summary>Query string parameters (<c>name=value</c>, escaped).</summary>
    public IEnumerable<string> Query(ParseResult parse) => Values(parse).Select(v => v.Name + "=" + Uri.EscapeDataString(v.Value));

    /// <summary>Adds the filter's fields to a request body.</summary>
    public void AddTo(JsonObject body, ParseResult parse)
    {
        foreach (var (name, value) in Values(parse))
            body[name] = value;
    }

    private static string? Time(string? text, string option) =>
        string.IsNullOrWhiteSpace(text) ? null : AuditCommands.ParseSince(text, option).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
