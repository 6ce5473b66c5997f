using Microsoft.Extensions.Logging.Console;

namespace Mailflow.Server.Operations.Logging;

/// <summary>
/// <c>Mailflow:Logging:Json=true</c>: the console log as one JSON object per line (journald, Docker, Loki,
/// Elasticsearch read it without a pattern), UTC ISO 8601 timestamps, and the scopes on (session id,
/// connector, queue id, Message-ID: <see cref="Transport.LogScopes"/>). A line looks like
/// <c>{"Timestamp":"…Z","EventId":1007,"LogLevel":"Information","Category":"Mailflow.Receive","Message":"…","State":{…},"Scopes":[{"Message":"SessionId:… Connector:…","SessionId":"…","Connector":"Default Frontend"}]}</c>.
/// The plain .NET settings (<c>Logging:Console:FormatterName=json</c>, <c>Logging:Console:FormatterOptions:IncludeScopes=true</c>) do the same by hand.
/// </summary>
public static class JsonConsoleLogging
{
    public const string Setting = "Mailflow:Logging:Json";

    public static WebApplicationBuilder AddJsonConsoleLoggingWhenAsked(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>(Setting))
            return builder;
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        // Logging:Console:FormatterName from the configuration would otherwise still pick the plain format.
        builder.Services.Configure<ConsoleLoggerOptions>(options => options.FormatterName = ConsoleFormatterNames.Json);
        return builder;
    }
}
