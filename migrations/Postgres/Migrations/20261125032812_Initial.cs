using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateTable(
                name: "AcceptedDomains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DomainName = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    MatchSubdomains = table.Column<bool>(type: "boolean", nullable: false),
                    IsDefault = table.Column<bool>(type: "boolean", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AcceptedDomains", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ApiKeys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Role = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SecretHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Prefix = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastUsedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    RevokedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetRoles",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetRoles", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUsers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    MustChangePassword = table.Column<bool>(type: "boolean", nullable: false),
                    Disabled = table.Column<bool>(type: "boolean", nullable: false),
                    UserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedUserName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Email = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    NormalizedEmail = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    EmailConfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    PasswordHash = table.Column<string>(type: "text", nullable: true),
                    SecurityStamp = table.Column<string>(type: "text", nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "text", nullable: true),
                    PhoneNumber = table.Column<string>(type: "text", nullable: true),
                    PhoneNumberConfirmed = table.Column<bool>(type: "boolean", nullable: false),
                    TwoFactorEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    LockoutEnd = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LockoutEnabled = table.Column<bool>(type: "boolean", nullable: false),
                    AccessFailedCount = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUsers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "text", nullable: false),
                    Action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ObjectType = table.Column<string>(type: "text", nullable: false),
                    ObjectId = table.Column<string>(type: "text", nullable: false),
                    ObjectName = table.Column<string>(type: "text", nullable: false),
                    Before = table.Column<string>(type: "text", nullable: true),
                    After = table.Column<string>(type: "text", nullable: true),
                    Generation = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ConfigurationGenerations",
                columns: table => new
                {
                    Number = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ChangedBy = table.Column<string>(type: "text", nullable: false),
                    Summary = table.Column<string>(type: "text", nullable: false),
                    Document = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigurationGenerations", x => x.Number);
                });

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "text", nullable: true),
                    Xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MessageTrackingEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Node = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    QueueId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    InternetMessageId = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: true),
                    Sender = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    Recipients = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    RecipientCount = table.Column<int>(type: "integer", nullable: false),
                    Subject = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: true),
                    Size = table.Column<long>(type: "bigint", nullable: true),
                    NextHop = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    Connector = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    RemoteHost = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    ReplyCode = table.Column<int>(type: "integer", nullable: true),
                    Reply = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    Detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageTrackingEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "NextHopSuspensions",
                columns: table => new
                {
                    NextHopKey = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    SuspendedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    SuspendedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NextHopSuspensions", x => x.NextHopKey);
                });

            migrationBuilder.CreateTable(
                name: "Nodes",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Address = table.Column<string>(type: "text", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastHeartbeat = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ActiveGeneration = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Nodes", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationSettings",
                columns: table => new
                {
                    Key = table.Column<int>(type: "integer", nullable: false),
                    OrganizationName = table.Column<string>(type: "text", nullable: false),
                    TransientRetryIntervalSeconds = table.Column<int>(type: "integer", nullable: false),
                    TransientRetryAttempts = table.Column<int>(type: "integer", nullable: false),
                    OutboundConnectionFailureRetryIntervalSeconds = table.Column<int>(type: "integer", nullable: false),
                    DelayNotificationTimeoutSeconds = table.Column<int>(type: "integer", nullable: false),
                    MessageExpirationTimeoutSeconds = table.Column<int>(type: "integer", nullable: false),
                    MaxReceiveSizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    MaxSendSizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    MaxRecipientsPerMessage = table.Column<int>(type: "integer", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationSettings", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "QueuedMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    QueueId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    State = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    Sender = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    BodyType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SmtpUtf8 = table.Column<bool>(type: "boolean", nullable: false),
                    DsnReturn = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    DsnEnvelopeId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    ClientAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ClientPort = table.Column<int>(type: "integer", nullable: false),
                    LocalEndPoint = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    HeloName = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    AuthenticatedAs = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    TlsProtocol = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    TlsCipher = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    ReceiveConnectorId = table.Column<Guid>(type: "uuid", nullable: false),
                    ReceiveConnectorName = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ReceivingNode = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    QueuedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    ContentSha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: true),
                    FromHeader = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: true),
                    MessageIdHeader = table.Column<string>(type: "character varying(998)", maxLength: 998, nullable: true),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LeaseOwner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    LeaseToken = table.Column<Guid>(type: "uuid", nullable: true),
                    LeaseUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QueuedMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReceiveConnectors",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Bindings = table.Column<string>(type: "text", nullable: false),
                    RemoteIpRanges = table.Column<string>(type: "text", nullable: false),
                    Fqdn = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Banner = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    PermissionGroups = table.Column<int>(type: "integer", nullable: false),
                    AuthMechanisms = table.Column<int>(type: "integer", nullable: false),
                    TlsMode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RequireTls = table.Column<bool>(type: "boolean", nullable: false),
                    MaxMessageSizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    MaxRecipientsPerMessage = table.Column<int>(type: "integer", nullable: false),
                    MaxInboundConnections = table.Column<int>(type: "integer", nullable: false),
                    MaxInboundConnectionsPerSource = table.Column<int>(type: "integer", nullable: false),
                    ConnectionTimeoutSeconds = table.Column<int>(type: "integer", nullable: false),
                    IdleTimeoutSeconds = table.Column<int>(type: "integer", nullable: false),
                    MaxProtocolErrors = table.Column<int>(type: "integer", nullable: false),
                    TarpitIntervalMilliseconds = table.Column<int>(type: "integer", nullable: false),
                    BareLineEndings = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ProtocolLogging = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    CertificateId = table.Column<Guid>(type: "uuid", nullable: true),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReceiveConnectors", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Recipients",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    PrimaryAddress = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    ExtraAddresses = table.Column<string>(type: "text", nullable: false),
                    DeliveryKind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    DeliveryTarget = table.Column<string>(type: "text", nullable: false),
                    SubmissionPasswordHash = table.Column<string>(type: "text", nullable: true),
                    SendAs = table.Column<string>(type: "text", nullable: false),
                    ForwardToId = table.Column<Guid>(type: "uuid", nullable: true),
                    ExternalAddress = table.Column<string>(type: "text", nullable: false),
                    MemberIds = table.Column<string>(type: "text", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Recipients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SendConnectors",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    AddressSpaces = table.Column<string>(type: "text", nullable: false),
                    RoutingMethod = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SmartHosts = table.Column<string>(type: "text", nullable: false),
                    SmartHostAuthentication = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    SmartHostUsername = table.Column<string>(type: "text", nullable: false),
                    SmartHostPasswordProtected = table.Column<string>(type: "text", nullable: true),
                    TlsPolicy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    TlsCertificateDomain = table.Column<string>(type: "text", nullable: false),
                    Port = table.Column<int>(type: "integer", nullable: false),
                    HeloFqdn = table.Column<string>(type: "text", nullable: false),
                    MaxMessageSizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    SourceNodes = table.Column<string>(type: "text", nullable: false),
                    MaxConcurrentConnections = table.Column<int>(type: "integer", nullable: false),
                    MaxMessagesPerConnection = table.Column<int>(type: "integer", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendConnectors", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TlsCertificates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Subject = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Issuer = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Thumbprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    DnsNames = table.Column<string>(type: "text", nullable: false),
                    NotBefore = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    NotAfter = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    HasPrivateKey = table.Column<bool>(type: "boolean", nullable: false),
                    SelfSigned = table.Column<bool>(type: "boolean", nullable: false),
                    ChainLength = table.Column<int>(type: "integer", nullable: false),
                    ProtectedPkcs12 = table.Column<byte[]>(type: "bytea", nullable: false),
                    ImportedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TlsCertificates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TransportRules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Comments = table.Column<string>(type: "text", nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Mode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ActivationDate = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ExpiryDate = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    StopProcessingRules = table.Column<bool>(type: "boolean", nullable: false),
                    SenderAddressLocation = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Definition = table.Column<string>(type: "text", nullable: false),
                    EnforceHits = table.Column<long>(type: "bigint", nullable: false),
                    TestHits = table.Column<long>(type: "bigint", nullable: false),
                    LastHitAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransportRules", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetRoleClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RoleId = table.Column<string>(type: "text", nullable: false),
                    ClaimType = table.Column<string>(type: "text", nullable: true),
                    ClaimValue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetRoleClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AspNetRoleClaims_AspNetRoles_RoleId",
                        column: x => x.RoleId,
                        principalTable: "AspNetRoles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    ClaimType = table.Column<string>(type: "text", nullable: true),
                    ClaimValue = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserClaims", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AspNetUserClaims_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserLogins",
                columns: table => new
                {
                    LoginProvider = table.Column<string>(type: "text", nullable: false),
                    ProviderKey = table.Column<string>(type: "text", nullable: false),
                    ProviderDisplayName = table.Column<string>(type: "text", nullable: true),
                    UserId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserLogins", x => new { x.LoginProvider, x.ProviderKey });
                    table.ForeignKey(
                        name: "FK_AspNetUserLogins_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserRoles",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    RoleId = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserRoles", x => new { x.UserId, x.RoleId });
                    table.ForeignKey(
                        name: "FK_AspNetUserRoles_AspNetRoles_RoleId",
                        column: x => x.RoleId,
                        principalTable: "AspNetRoles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_AspNetUserRoles_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUserTokens",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    LoginProvider = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Value = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUserTokens", x => new { x.UserId, x.LoginProvider, x.Name });
                    table.ForeignKey(
                        name: "FK_AspNetUserTokens_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MessageContents",
                columns: table => new
                {
                    MessageId = table.Column<long>(type: "bigint", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageContents", x => x.MessageId);
                    table.ForeignKey(
                        name: "FK_MessageContents_QueuedMessages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "QueuedMessages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "QueuedRecipients",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MessageId = table.Column<long>(type: "bigint", nullable: false),
                    Address = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    OriginalRecipient = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    Notify = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AttemptCount = table.Column<int>(type: "integer", nullable: false),
                    LastAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    NextRetryAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    LastResponse = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    LastReplyCode = table.Column<int>(type: "integer", nullable: true),
                    LastRemoteHost = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    NextHopKey = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    DelayNotifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinalNotifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QueuedRecipients", x => x.Id);
                    table.ForeignKey(
                        name: "FK_QueuedRecipients_QueuedMessages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "QueuedMessages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AcceptedDomains_DomainName",
                table: "AcceptedDomains",
                column: "DomainName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_Name",
                table: "ApiKeys",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_SecretHash",
                table: "ApiKeys",
                column: "SecretHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetRoleClaims_RoleId",
                table: "AspNetRoleClaims",
                column: "RoleId");

            migrationBuilder.CreateIndex(
                name: "RoleNameIndex",
                table: "AspNetRoles",
                column: "NormalizedName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserClaims_UserId",
                table: "AspNetUserClaims",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserLogins_UserId",
                table: "AspNetUserLogins",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUserRoles_RoleId",
                table: "AspNetUserRoles",
                column: "RoleId");

            migrationBuilder.CreateIndex(
                name: "EmailIndex",
                table: "AspNetUsers",
                column: "NormalizedEmail");

            migrationBuilder.CreateIndex(
                name: "UserNameIndex",
                table: "AspNetUsers",
                column: "NormalizedUserName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_At",
                table: "AuditEntries",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_ObjectType_ObjectId",
                table: "AuditEntries",
                columns: new[] { "ObjectType", "ObjectId" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageTrackingEvents_InternetMessageId",
                table: "MessageTrackingEvents",
                column: "InternetMessageId");

            migrationBuilder.CreateIndex(
                name: "IX_MessageTrackingEvents_QueueId_Time",
                table: "MessageTrackingEvents",
                columns: new[] { "QueueId", "Time" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageTrackingEvents_Recipients_Time",
                table: "MessageTrackingEvents",
                columns: new[] { "Recipients", "Time" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageTrackingEvents_Sender_Time",
                table: "MessageTrackingEvents",
                columns: new[] { "Sender", "Time" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageTrackingEvents_Time",
                table: "MessageTrackingEvents",
                column: "Time");

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_LeaseToken",
                table: "QueuedMessages",
                column: "LeaseToken");

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_NextAttemptAt_Id",
                table: "QueuedMessages",
                columns: new[] { "NextAttemptAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_QueueId",
                table: "QueuedMessages",
                column: "QueueId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_ReceivedAt_Id",
                table: "QueuedMessages",
                columns: new[] { "ReceivedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_Sender_Id",
                table: "QueuedMessages",
                columns: new[] { "Sender", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_Sender_Trigram",
                table: "QueuedMessages",
                column: "Sender")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_Size_Id",
                table: "QueuedMessages",
                columns: new[] { "Size", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_State_LeaseUntil",
                table: "QueuedMessages",
                columns: new[] { "State", "LeaseUntil" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_State_NextAttemptAt",
                table: "QueuedMessages",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_Subject_Id",
                table: "QueuedMessages",
                columns: new[] { "Subject", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_Subject_Trigram",
                table: "QueuedMessages",
                column: "Subject")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedRecipients_Address_Trigram",
                table: "QueuedRecipients",
                column: "Address")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedRecipients_MessageId_Address",
                table: "QueuedRecipients",
                columns: new[] { "MessageId", "Address" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedRecipients_NextHopKey_Status_LastAttemptAt",
                table: "QueuedRecipients",
                columns: new[] { "NextHopKey", "Status", "LastAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedRecipients_NextHopKey_Status_NextRetryAt_MessageId",
                table: "QueuedRecipients",
                columns: new[] { "NextHopKey", "Status", "NextRetryAt", "MessageId" });

            migrationBuilder.CreateIndex(
                name: "IX_QueuedRecipients_Status_NextRetryAt",
                table: "QueuedRecipients",
                columns: new[] { "Status", "NextRetryAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ReceiveConnectors_Name",
                table: "ReceiveConnectors",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Recipients_PrimaryAddress",
                table: "Recipients",
                column: "PrimaryAddress",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SendConnectors_Name",
                table: "SendConnectors",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TlsCertificates_Name",
                table: "TlsCertificates",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TlsCertificates_Thumbprint",
                table: "TlsCertificates",
                column: "Thumbprint",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TransportRules_Name",
                table: "TransportRules",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AcceptedDomains");

            migrationBuilder.DropTable(
                name: "ApiKeys");

            migrationBuilder.DropTable(
                name: "AspNetRoleClaims");

            migrationBuilder.DropTable(
                name: "AspNetUserClaims");

            migrationBuilder.DropTable(
                name: "AspNetUserLogins");

            migrationBuilder.DropTable(
                name: "AspNetUserRoles");

            migrationBuilder.DropTable(
                name: "AspNetUserTokens");

            migrationBuilder.DropTable(
                name: "AuditEntries");

            migrationBuilder.DropTable(
                name: "ConfigurationGenerations");

            migrationBuilder.DropTable(
                name: "DataProtectionKeys");

            migrationBuilder.DropTable(
                name: "MessageContents");

            migrationBuilder.DropTable(
                name: "MessageTrackingEvents");

            migrationBuilder.DropTable(
                name: "NextHopSuspensions");

            migrationBuilder.DropTable(
                name: "Nodes");

            migrationBuilder.DropTable(
                name: "OrganizationSettings");

            migrationBuilder.DropTable(
                name: "QueuedRecipients");

            migrationBuilder.DropTable(
                name: "ReceiveConnectors");

            migrationBuilder.DropTable(
                name: "Recipients");

            migrationBuilder.DropTable(
                name: "SendConnectors");

            migrationBuilder.DropTable(
                name: "TlsCertificates");

            migrationBuilder.DropTable(
                name: "TransportRules");

            migrationBuilder.DropTable(
                name: "AspNetRoles");

            migrationBuilder.DropTable(
                name: "AspNetUsers");

            migrationBuilder.DropTable(
                name: "QueuedMessages");
        }
    }
}
