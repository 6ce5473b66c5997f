using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Arc_DmarcReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "DmarcReportsEnabled",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "DmarcReportsMaxPerDay",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 200);

            migrationBuilder.CreateTable(
                name: "DmarcObservations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Day = table.Column<long>(type: "INTEGER", nullable: false),
                    PolicyDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    HeaderFrom = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    SourceIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    Disposition = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DkimAligned = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SpfAligned = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DkimDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    DkimResult = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SpfDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    SpfResult = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DmarcObservations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DmarcReceivedReports",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Reporter = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    ReporterEmail = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    ReportId = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    PolicyDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Begin = table.Column<long>(type: "INTEGER", nullable: false),
                    End = table.Column<long>(type: "INTEGER", nullable: false),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    MessageCount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DmarcReceivedReports", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DmarcReceivedRecords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ReportId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceIp = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false),
                    HeaderFrom = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Disposition = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DkimAligned = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SpfAligned = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    DkimDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    DkimResult = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SpfDomain = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    SpfResult = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DmarcReceivedRecords", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DmarcReceivedRecords_DmarcReceivedReports_ReportId",
                        column: x => x.ReportId,
                        principalTable: "DmarcReceivedReports",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DmarcObservations_Day_PolicyDomain",
                table: "DmarcObservations",
                columns: new[] { "Day", "PolicyDomain" });

            migrationBuilder.CreateIndex(
                name: "IX_DmarcReceivedRecords_ReportId",
                table: "DmarcReceivedRecords",
                column: "ReportId");

            migrationBuilder.CreateIndex(
                name: "IX_DmarcReceivedReports_End",
                table: "DmarcReceivedReports",
                column: "End");

            migrationBuilder.CreateIndex(
                name: "IX_DmarcReceivedReports_Reporter_ReportId",
                table: "DmarcReceivedReports",
                columns: new[] { "Reporter", "ReportId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DmarcObservations");

            migrationBuilder.DropTable(
                name: "DmarcReceivedRecords");

            migrationBuilder.DropTable(
                name: "DmarcReceivedReports");

            migrationBuilder.DropColumn(
                name: "DmarcReportsEnabled",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "DmarcReportsMaxPerDay",
                table: "OrganizationSettings");
        }
    }
}
