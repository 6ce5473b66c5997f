namespace Mailflow;

/// <summary>Process-level settings from the <c>Mailflow</c> section of appsettings.json (or <c>Mailflow__*</c> environment variables).</summary>
public sealed class MailflowOptions
{
    public const string Section = "Mailflow";

    /// <summary>Everything this node writes locally (SQLite file, certificates, logs, Maildir root). Relative paths are from the working directory.</summary>
    public string DataDirectory { get; set; } = "data";
    /// <summary>The default of <see cref="DefaultDomain"/>: a placeholder until the admin adds the organization's own domain.</summary>
    public const string PlaceholderDomain = "mailflow.local";

    /// <summary>The authoritative accepted domain seeded at first start.</summary>
    public string DefaultDomain { get; set; } = PlaceholderDomain;
    /// <summary>This node's name in the node registry. Empty = the machine name.</summary>
    public string NodeName { get; set; } = "";
    /// <summary>The node's FQDN for banners, EHLO and the self-signed certificate. Empty = the machine's host name.</summary>
    public string Fqdn { get; set; } = "";
    /// <summary>Safety-net poll for configuration changes, in case a NOTIFY was missed.</summary>
    public int ConfigPollIntervalSeconds { get; set; } = 5;
    /// <summary>
    /// A node whose heartbeat (every <see cref="ConfigPollIntervalSeconds"/>) is older than this is taken for dead: the other
    /// nodes end its leases at once and take its claimed messages over. Three missed heartbeats by default.
    /// </summary>
    public int NodeTakeoverSeconds { get; set; } = 15;
    /// <summary>Maildir delivery writes only under this folder (symbolic links resolved). Empty = <c>{DataDirectory}/maildir</c>.</summary>
    public string MailRoot { get; set; } = "";
    /// <summary>The admin center's address as people reach it (e.g. https://mail.contoso.com), for links in approval requests; empty = no links.</summary>
    public string AdminCenterUrl { get; set; } = "";
    public AdminBootstrapOptions Admin { get; set; } = new();
    public SeedOptions Seed { get; set; } = new();
    /// <summary>A configuration document (JSON, as <c>mailflow config export</c> writes it) applied at start-up after the first-start defaults, as <see cref="ConfigFileMode"/> says. Empty = none.</summary>
    public string ConfigFile { get; set; } = "";
    /// <summary>
    /// When <see cref="ConfigFile"/> is applied: <c>Seed</c> (only on a store nobody configured yet — the default, so a
    /// restart never reverts the admin center's changes), <c>WhenChanged</c> (when the file's SHA-256 differs from the one
    /// recorded at its last apply) or <c>Always</c> (at every start, GitOps; the admin center warns on the pages it owns).
    /// </summary>
    public Configuration.ConfigFileMode ConfigFileMode { get; set; } = Configuration.ConfigFileMode.Seed;

    public string ResolvedDataDirectory => Path.GetFullPath(DataDirectory);
    public string ResolvedMailRoot => Path.GetFullPath(string.IsNullOrWhiteSpace(MailRoot) ? Path.Combine(ResolvedDataDirectory, "maildir") : MailRoot);
    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? Environment.MachineName.ToLowerInvariant() : NodeName;
    public string ResolvedFqdn => string.IsNullOrWhiteSpace(Fqdn) ? System.Net.Dns.GetHostName().ToLowerInvariant() : Fqdn;
}

public sealed class AdminBootstrapOptions
{
    /// <summary>Password for the first <c>admin</c> account. Empty = a random one, printed once to the console.</summary>
    public string InitialPassword { get; set; } = "";
    /// <summary>An Organization Management API key created at start-up for unattended provisioning.</summary>
    public string InitialApiKey { get; set; } = "";
}

/// <summary>Bindings of the receive connectors created at first start (<c>Mailflow:Seed</c>). Later changes are made on the connectors themselves.</summary>
public sealed class SeedOptions
{
    public string BindAddress { get; set; } = "0.0.0.0";
    /// <summary>Above 1024 so a fresh install runs without root; 25 in production.</summary>
    public int DefaultFrontendPort { get; set; } = 2525;
    /// <summary>587 in production (RFC 6409).</summary>
    public int ClientFrontendPort { get; set; } = 2587;
    /// <summary>465 in production (RFC 8314).</summary>
    public int ImplicitTlsPort { get; set; } = 2465;
}
