using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Mailflow.Server.Transport.Agents.AntiSpam;

/// <summary>Rspamd's verdict on one message (the fields of <c>/checkv2</c> Mailflow uses).</summary>
/// <param name="Action">"no action", "greylist", "add header", "rewrite subject", "soft reject" or "reject".</param>
/// <param name="Symbols">The rules that matched, highest score first, with their scores.</param>
public sealed record RspamdResult(double Score, double RequiredScore, string Action, IReadOnlyList<KeyValuePair<string, double>> Symbols);

/// <summary>The envelope facts Rspamd's checks use (SPF, HELO checks, per-user settings).</summary>
public sealed record RspamdEnvelope(string ClientAddress, string? Helo, string Sender, IReadOnlyList<string> Recipients, string? User, string? QueueId = null);

/// <summary>
/// Rspamd's HTTP protocol (https://rspamd.com/doc/developers/protocol.html): the message as the body
/// of <c>POST /checkv2</c>, the envelope as request headers (<c>IP</c>, <c>Helo</c>, <c>From</c>,
/// <c>Rcpt</c> once per recipient, <c>User</c>), a JSON answer; learning through the controller's
/// <c>/learnspam</c> and <c>/learnham</c>.
/// </summary>
public sealed class RspamdClient(HttpClient http)
{
    /// <exception cref="RspamdException">Rspamd answered, but not with a usable verdict.</exception>
    /// <exception cref="HttpRequestException">Rspamd could not be reached.</exception>
    public async Task<RspamdResult> CheckAsync(Uri baseAddress, RspamdEnvelope envelope, Stream message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, "checkv2"));
        request.Headers.TryAddWithoutValidation("IP", envelope.ClientAddress);
        if (!string.IsNullOrEmpty(envelope.Helo))
            request.Headers.TryAddWithoutValidation("Helo", envelope.Helo);
        request.Headers.TryAddWithoutValidation("From", envelope.Sender);
        foreach (var recipient in envelope.Recipients)
            request.Headers.TryAddWithoutValidation("Rcpt", recipient);
        if (envelope.User is { Length: > 0 } user)
            request.Headers.TryAddWithoutValidation("User", user);
        if (envelope.QueueId is { Length: > 0 } queueId)
            request.Headers.TryAddWithoutValidation("Queue-Id", queueId);
        request.Content = new StreamContent(message);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new RspamdException($"Rspamd answered HTTP {(int)response.StatusCode}");
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return Parse(await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Teaches Rspamd's Bayes classifier that a message is spam (or ham) through its controller, and
    /// returns its answer as it came (2xx = learnt; 208 Already Reported = learnt before; otherwise
    /// Rspamd says why, e.g. no classifier backend), for the admin to read.
    /// </summary>
    /// <exception cref="HttpRequestException">The controller could not be reached.</exception>
    public async Task<(int Status, string Answer)> LearnAsync(Uri controller, bool spam, Stream message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controller, spam ? "learnspam" : "learnham"))
        {
            Content = new StreamContent(message),
        };
        using var response = await http.SendAsync(request, cancellationToken);
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        return ((int)response.StatusCode, answer.Length > 500 ? answer[..500] : answer);
    }

    internal static RspamdResult Parse(JsonDocument document)
    {
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("score", out var score) || score.ValueKind != JsonValueKind.Number)
                throw new RspamdException("Rspamd's answer has no score");
            var required = root.TryGetProperty("required_score", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : double.NaN;
            var action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "no action";
            var symbols = new List<KeyValuePair<string, double>>();
            if (root.TryGetProperty("symbols", out var s) && s.ValueKind == JsonValueKind.Object)
            {
                foreach (var symbol in s.EnumerateObject())
                {
                    var value = symbol.Value.ValueKind == JsonValueKind.Object && symbol.Value.TryGetProperty("score", out var v) && v.ValueKind == JsonValueKind.Number
                        ? v.GetDouble() : 0;
                    symbols.Add(new(symbol.Name, value));
                }
            }
            return new RspamdResult(score.GetDouble(), required, action, [.. symbols.OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal)]);
        }
    }

    public static string Describe(RspamdResult result, int maxSymbols = 8) =>
        $"score {result.Score.ToString("0.##", CultureInfo.InvariantCulture)}"
        + (double.IsNaN(result.RequiredScore) ? "" : $" of {result.RequiredScore.ToString("0.##", CultureInfo.InvariantCulture)}")
        + $", Rspamd action '{result.Action}'"
        + (result.Symbols.Count == 0 ? "" : "; symbols " + string.Join(", ", result.Symbols.Take(maxSymbols).Select(x => $"{x.Key}({x.Value.ToString("0.##", CultureInfo.InvariantCulture)})")));
}

/// <summary>Rspamd answered, but not with something Mailflow can use.</summary>
public sealed class RspamdException(string message) : Exception(message);
