using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AcceptedDomains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DomainName = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    MatchSubdomains = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsDefault = table.Column<bool>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AcceptedDomains", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ApiKeys",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUsedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetRoles",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    NormalizedName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetRoles", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetUsers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    MustChangePassword = table.Column<bool>(type: "INTEGER", nullable: false),
                    Disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    NormalizedUserName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    NormalizedEmail = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    EmailConfirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    PasswordHash = table.Column<string>(type: "TEXT", nullable: true),
                    SecurityStamp = table.Column<string>(type: "TEXT", nullable: true),
                    ConcurrencyStamp = table.Column<string>(type: "TEXT", nullable: true),
                    PhoneNumber = table.Column<string>(type: "TEXT", nullable: true),
                    PhoneNumberConfirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    TwoFactorEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    LockoutEnd = table.Column<long>(type: "INTEGER", nullable: true),
                    LockoutEnabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    AccessFailedCount = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AspNetUsers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ObjectType = table.Column<string>(type: "TEXT", nullable: false),
                    ObjectId = table.Column<string>(type: "TEXT", nullable: false),
                    ObjectName = table.Column<string>(type: "TEXT", nullable: false),
                    Before = table.Column<string>(type: "TEXT", nullable: true),
                    After = table.Column<string>(type: "TEXT", nullable: true),
                    Generation = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ConfigurationGenerations",
                columns: table => new
                {
                    Number = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ChangedBy = table.Column<string>(type: "TEXT", nullable: false),
                    Summary = table.Column<string>(type: "TEXT", nullable: false),
                    Document = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigurationGenerations", x => x.Number);
                });

            migrationBuilder.CreateTable(
                name: "DataProtectionKeys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                    Xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MessageTrackingEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Time = table.Column<long>(type: "INTEGER", nullable: false),
                    Node = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    QueueId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    InternetMessageId = table.Column<string>(type: "TEXT", maxLength: 998, nullable: true),
                    Sender = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Recipients = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    RecipientCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 998, nullable: true),
                    Size = table.Column<long>(type: "INTEGER", nullable: true),
                    NextHop = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Connector = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    RemoteHost = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    ReplyCode = table.Column<int>(type: "INTEGER", nullable: true),
                    Reply = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageTrackingEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "NextHopSuspensions",
                columns: table => new
                {
                    NextHopKey = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    SuspendedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SuspendedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NextHopSuspensions", x => x.NextHopKey);
                });

            migrationBuilder.CreateTable(
                name: "Nodes",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Address = table.Column<string>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastHeartbeat = table.Column<long>(type: "INTEGER", nullable: false),
                    ActiveGeneration = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Nodes", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "OrganizationSettings",
                columns: table => new
                {
                    Key = table.Column<int>(type: "INTEGER", nullable: false),
                    OrganizationName = table.Column<string>(type: "TEXT", nullable: false),
                    TransientRetryIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    TransientRetryAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                    OutboundConnectionFailureRetryIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    DelayNotificationTimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    MessageExpirationTimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxReceiveSizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxSendSizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxRecipientsPerMessage = table.Column<int>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrganizationSettings", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "QueuedMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    QueueId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    Sender = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    BodyType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SmtpUtf8 = table.Column<bool>(type: "INTEGER", nullable: false),
                    DsnReturn = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DsnEnvelopeId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ClientAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ClientPort = table.Column<int>(type: "INTEGER", nullable: false),
                    LocalEndPoint = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    HeloName = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    AuthenticatedAs = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    TlsProtocol = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    TlsCipher = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    ReceiveConnectorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReceiveConnectorName = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ReceivingNode = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    QueuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    ContentSha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 998, nullable: true),
                    FromHeader = table.Column<string>(type: "TEXT", maxLength: 998, nullable: true),
                    MessageIdHeader = table.Column<string>(type: "TEXT", maxLength: 998, nullable: true),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    LeaseToken = table.Column<Guid>(type: "TEXT", nullable: true),
                    LeaseUntil = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QueuedMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReceiveConnectors",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Bindings = table.Column<string>(type: "TEXT", nullable: false),
                    RemoteIpRanges = table.Column<string>(type: "TEXT", nullable: false),
                    Fqdn = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Banner = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    PermissionGroups = table.Column<int>(type: "INTEGER", nullable: false),
                    AuthMechanisms = table.Column<int>(type: "INTEGER", nullable: false),
                    TlsMode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    RequireTls = table.Column<bool>(type: "INTEGER", nullable: false),
                    MaxMessageSizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxRecipientsPerMessage = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxInboundConnections = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxInboundConnectionsPerSource = table.Column<int>(type: "INTEGER", nullable: false),
                    ConnectionTimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    IdleTimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxProtocolErrors = table.Column<int>(type: "INTEGER", nullable: false),
                    TarpitIntervalMilliseconds = table.Column<int>(type: "INTEGER", nullable: false),
                    BareLineEndings = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ProtocolLogging = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CertificateId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReceiveConnectors", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Recipients",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PrimaryAddress = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    ExtraAddresses = table.Column<string>(type: "TEXT", nullable: false),
                    DeliveryKind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DeliveryTarget = table.Column<string>(type: "TEXT", nullable: false),
                    SubmissionPasswordHash = table.Column<string>(type: "TEXT", nullable: true),
                    SendAs = table.Column<string>(type: "TEXT", nullable: false),
                    ForwardToId = table.Column<Guid>(type: "TEXT", nullable: true),
                    ExternalAddress = table.Column<string>(type: "TEXT", nullable: false),
                    MemberIds = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Recipients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SendConnectors",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    AddressSpaces = table.Column<string>(type: "TEXT", nullable: false),
                    RoutingMethod = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SmartHosts = table.Column<string>(type: "TEXT", nullable: false),
                    SmartHostAuthentication = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SmartHostUsername = table.Column<string>(type: "TEXT", nullable: false),
                    SmartHostPasswordProtected = table.Column<string>(type: "TEXT", nullable: true),
                    TlsPolicy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TlsCertificateDomain = table.Column<string>(type: "TEXT", nullable: false),
                    Port = table.Column<int>(type: "INTEGER", nullable: false),
                    HeloFqdn = table.Column<string>(type: "TEXT", nullable: false),
                    MaxMessageSizeBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    SourceNodes = table.Column<string>(type: "TEXT", nullable: false),
                    MaxConcurrentConnections = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxMessagesPerConnection = table.Column<int>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendConnectors", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TlsCertificates",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Issuer = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Thumbprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DnsNames = table.Column<string>(type: "TEXT", nullable: false),
                    NotBefore = table.Column<long>(type: "INTEGER", nullable: false),
                    NotAfter = table.Column<long>(type: "INTEGER", nullable: false),
                    HasPrivateKey = table.Column<bool>(type: "INTEGER", nullable: false),
                    SelfSigned = table.Column<bool>(type: "INTEGER", nullable: false),
                    ChainLength = table.Column<int>(type: "INTEGER", nullable: false),
                    ProtectedPkcs12 = table.Column<byte[]>(type: "BLOB", nullable: false),
                    ImportedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TlsCertificates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TransportRules",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Comments = table.Column<string>(type: "TEXT", nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    ActivationDate = table.Column<long>(type: "INTEGER", nullable: true),
                    ExpiryDate = table.Column<long>(type: "INTEGER", nullable: true),
                    StopProcessingRules = table.Column<bool>(type: "INTEGER", nullable: false),
                    SenderAddressLocation = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Definition = table.Column<string>(type: "TEXT", nullable: false),
                    EnforceHits = table.Column<long>(type: "INTEGER", nullable: false),
                    TestHits = table.Column<long>(type: "INTEGER", nullable: false),
                    LastHitAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransportRules", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AspNetRoleClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RoleId = table.Column<string>(type: "TEXT", nullable: false),
                    ClaimType = table.Column<string>(type: "TEXT", nullable: true),
                    ClaimValue = table.Column<string>(type: "TEXT", nullable: true)
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
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    ClaimType = table.Column<string>(type: "TEXT", nullable: true),
                    ClaimValue = table.Column<string>(type: "TEXT", nullable: true)
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
                    LoginProvider = table.Column<string>(type: "TEXT", nullable: false),
                    ProviderKey = table.Column<string>(type: "TEXT", nullable: false),
                    ProviderDisplayName = table.Column<string>(type: "TEXT", nullable: true),
                    UserId = table.Column<string>(type: "TEXT", nullable: false)
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
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    RoleId = table.Column<string>(type: "TEXT", nullable: false)
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
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    LoginProvider = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Value = table.Column<string>(type: "TEXT", nullable: true)
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
                    MessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    OriginalRecipient = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Notify = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AttemptCount = table.Column<int>(type: "INTEGER", nullable: false),
                    LastAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    NextRetryAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastResponse = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    LastReplyCode = table.Column<int>(type: "INTEGER", nullable: true),
                    LastRemoteHost = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    NextHopKey = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    DelayNotifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    FinalNotifiedAt = table.Column<long>(type: "INTEGER", nullable: true)
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
