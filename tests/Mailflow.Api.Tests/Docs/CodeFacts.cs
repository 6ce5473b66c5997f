using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mailflow.Admin.Web.Queue;
using Mailflow.Cli;
using Mailflow.Server.Transport.Notify;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Mailflow.Api.Tests.Docs;

/// <summary>Builds <see cref="DocsFacts"/> from the code itself (reflection, the CLI's tree, a running server's endpoint table).</summary>
public static partial class CodeFacts
{
    private static readonly HttpClient UnusedHttp = new();

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException($"No Admin.sln above {AppContext.BaseDirectory}.");
    }

    /// <param name="routes">The API's routes (<see cref="RoutesOf"/>); empty when the check at hand does not need them.</param>
    public static DocsFacts From(IReadOnlySet<string>? routes = null)
    {
        var root = RepositoryRoot();
        return new DocsFacts
        {
            RepositoryRoot = root,
            Cli = NewCli,
            ConfigurationKeys = ConfigurationKeys(Path.Combine(root, "appsettings.json")),
            ApiRoutes = routes ?? new HashSet<string>(),
            Menu = Menu(Path.Combine(root, "src/Admin.Web/Components/Layout/NavMenu.razor")),
            NdrText = DsnExplanations.Explain,
            QueueViewerText = QueueStuckText.Explain,
            CatalogueCodes = [.. DsnExplanations.CodesWithOwnText.Union(CodesAdminsMeetFirst)],
            Replies = Replies(),
            MetricNames = MetricNames(),
            SetTargets = SetTargets,
        };
    }

    /// <summary>Codes the catalogue covers even without an NDR text of their own: Mailflow's own refusals and the big receivers' favourites.</summary>
    public static readonly IReadOnlyList<string> CodesAdminsMeetFirst =
    [
        "4.2.2", "4.3.0", "4.3.1", "4.3.2", "4.4.1", "4.4.2", "4.4.6", "4.4.7", "4.7.0", "4.7.1",
        "5.1.1", "5.1.8", "5.1.10", "5.2.3", "5.3.4", "5.4.6", "5.6.7", "5.6.11", "5.7.0", "5.7.1",
        "5.7.8", "5.7.23", "5.7.25", "5.7.26", "5.7.54", "5.7.60",
    ];

    /// <summary>The objects the CLI's <c>--set</c> edits: what the API's PUT/POST of that verb takes.</summary>
    public static readonly IReadOnlyDictionary<string, Type> SetTargets = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["protection set"] = typeof(Configuration.ProtectionSettings),
        ["settings set"] = typeof(Configuration.OrganizationSettings),
        ["receive-connector set"] = typeof(Configuration.ReceiveConnector),
        ["send-connector add"] = typeof(Server.Api.SendConnectorResource),
        ["send-connector set"] = typeof(Server.Api.SendConnectorResource),
        ["recipient add"] = typeof(Server.Api.RecipientResource),
        ["recipient set"] = typeof(Server.Api.RecipientResource),
        ["domain add"] = typeof(Configuration.AcceptedDomain),
        ["domain set"] = typeof(Configuration.AcceptedDomain),
    };

    /// <summary>
    /// The "Mailflow" meter's instruments (each static <c>…Metrics</c> class of the server creates its own when
    /// first touched) under the names OpenTelemetry's Prometheus exporter gives them: dots to underscores, the
    /// unit (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{…}</c> none), <c>_total</c> for counters.
    /// </summary>
    public static IReadOnlySet<string> MetricNames()
    {
        foreach (var type in typeof(DsnExplanations).Assembly.GetTypes().Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Metrics", StringComparison.Ordinal)))
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name != Server.Operations.Metrics.MailflowMeter.Meter.Name)
                    return;
                var name = instrument.Name.Replace('.', '_');
                var unit = instrument.Unit switch { "s" => "_seconds", "By" => "_bytes", _ => "" };
                if (!name.EndsWith(unit, StringComparison.Ordinal))
                    name += unit;
                var kind = instrument.GetType().Name;
                if (kind.StartsWith("Counter", StringComparison.Ordinal) || kind.StartsWith("ObservableCounter", StringComparison.Ordinal))
                    name += "_total";
                lock (names)
                {
                    names.Add(name);
                    if (kind.StartsWith("Histogram", StringComparison.Ordinal))
                        names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                }
            },
        };
        listener.Start();
        return names;
    }

    /// <summary>
    /// The replies of <see cref="Smtp.SmtpReplies"/> and <see cref="Server.Transport.Deliver.DeliveryReplies"/>:
    /// the fields as they are, the methods called with "…" for text, 0 for numbers and two days for a time.
    /// </summary>
    public static IReadOnlyList<string> Replies()
    {
        var replies = new List<string>();
        foreach (var type in new[] { typeof(Smtp.SmtpReplies), typeof(Server.Transport.Deliver.DeliveryReplies) })
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                replies.Add(Render(field.GetValue(null)));
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.ReturnType != typeof(string)))
            {
                var arguments = method.GetParameters().Select(p => p.ParameterType switch
                {
                    var t when t == typeof(string) => (object?)"…",
                    var t when t == typeof(int) => 0,
                    var t when t == typeof(long) => 0L,
                    var t when t == typeof(TimeSpan) => TimeSpan.FromDays(2),
                    _ => null,
                }).ToArray();
                if (arguments.All(a => a is not null))
                    replies.Add(Render(method.Invoke(null, arguments)));
            }
        }
        return replies;
    }

    private static string Render(object? reply) => reply switch
    {
        Smtp.SmtpReply smtp => string.Join(' ', smtp.Lines),
        Server.Transport.Deliver.DeliveryReply delivery => delivery.ToString(),
        _ => throw new InvalidOperationException($"Not a reply: {reply}"),
    };

    /// <summary>The <c>mailflow</c> tool's command tree, never run (no environment, no server).</summary>
    public static System.CommandLine.RootCommand NewCli() =>
        MailflowCli.Build(new CliContext(TextWriter.Null, TextWriter.Null,
            new CliEnvironment(new Dictionary<string, string?>(), Path.GetTempPath(), TextReader.Null), UnusedHttp));

    /// <summary>Every endpoint of a running host as <c>METHOD /path</c> (<see cref="ApiRoutes.Normalize"/>).</summary>
    public static IReadOnlySet<string> RoutesOf(IServiceProvider services)
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        var endpoints = (EndpointDataSource)services.GetService(typeof(EndpointDataSource))!;
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(Segment));
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                routes.Add(ApiRoutes.Normalize(method, path));
        }
        return routes;
    }

    private static string Segment(RoutePatternPathSegment segment) => string.Concat(segment.Parts.Select(part => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternSeparatorPart separator => separator.Content,
        _ => "{}",
    }));

    /// <summary>
    /// The keys the options classes bind (each type with a <c>Section</c> constant under <c>Mailflow</c>,
    /// its settable properties, nested classes too), other <c>Mailflow:…</c> setting constants, and the
    /// keys of appsettings.json; with every section above a key.
    /// </summary>
    public static IReadOnlySet<string> ConfigurationKeys(string appSettingsPath)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        Assembly[] assemblies = [typeof(MailflowOptions).Assembly, typeof(DsnExplanations).Assembly, typeof(QueueStuckText).Assembly];
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            {
                var value = (string)field.GetRawConstantValue()!;
                if (!SettingKey().IsMatch(value))
                    continue;
                keys.Add(value);
                if (field.Name == "Section")
                    AddProperties(type, value, keys, depth: 0);
            }
        }
        using (var json = JsonDocument.Parse(File.ReadAllText(appSettingsPath)))
            AddJson(json.RootElement, "", keys);
        foreach (var key in keys.ToList())
        {
            for (var colon = key.IndexOf(':', StringComparison.Ordinal); colon > 0; colon = key.IndexOf(':', colon + 1))
                keys.Add(key[..colon]);
        }
        return keys;
    }

    private static void AddProperties(Type type, string prefix, HashSet<string> keys, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
        {
            var key = $"{prefix}:{property.Name}";
            keys.Add(key);
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var leaf = propertyType.IsPrimitive || propertyType.IsEnum || propertyType == typeof(string) || propertyType == typeof(decimal)
                || propertyType == typeof(TimeSpan) || typeof(IEnumerable).IsAssignableFrom(propertyType);
            if (!leaf && propertyType.IsClass && depth < 4)
                AddProperties(propertyType, key, keys, depth + 1);
        }
    }

    private static void AddJson(JsonElement element, string prefix, HashSet<string> keys)
    {
        if (element.ValueKind != JsonValueKind.Object)
            return;
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}";
            keys.Add(key);
            AddJson(property.Value, key, keys);
        }
    }

    /// <summary>The navigation menu: each <c>MudNavGroup Title</c> with its links, and the top-level links under "".</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> Menu(string navMenuPath)
    {
        var menu = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        var text = File.ReadAllText(navMenuPath);
        var topLevel = text;
        foreach (Match group in NavGroup().Matches(text))
        {
            menu[group.Groups[1].Value] = NavLink().Matches(group.Groups[2].Value).Select(m => m.Groups[1].Value.Trim()).ToHashSet(StringComparer.Ordinal);
            topLevel = topLevel.Replace(group.Value, "", StringComparison.Ordinal);
        }
        menu[""] = NavLink().Matches(topLevel).Select(m => m.Groups[1].Value.Trim()).ToHashSet(StringComparer.Ordinal);
        return menu;
    }

    [GeneratedRegex(@"^Mailflow(:[A-Za-z][A-Za-z0-9]*)*$")]
    private static partial Regex SettingKey();

    [GeneratedRegex(@"<MudNavGroup[^>]*Title=""([^""]+)""[^>]*>(.*?)</MudNavGroup>", RegexOptions.Singleline)]
    private static partial Regex NavGroup();

    [GeneratedRegex(@"<MudNavLink[^>]*>([^<]+)</MudNavLink>")]
    private static partial Regex NavLink();
}
