using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Security_RateLimitsQuarantine : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Quarantine",
                table: "ProtectionSettings",
                type: "text",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.AddColumn<string>(
                name: "RateLimits",
                table: "ProtectionSettings",
                type: "text",
                nullable: false,
                defaultValue: "{}");

            migrationBuilder.CreateTable(
                name: "BlockedSenders",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    UserName = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    Reason = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    BlockedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BlockedSenders", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BlockedSenders_UserName",
                table: "BlockedSenders",
                column: "UserName",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BlockedSenders");

            migrationBuilder.DropColumn(
                name: "Quarantine",
                table: "ProtectionSettings");

            migrationBuilder.DropColumn(
                name: "RateLimits",
                table: "ProtectionSettings");
        }
    }
}
