using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Organization_OAuthJournalNdrModerationReply : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "JournalingReportNdrTo",
                table: "OrganizationSettings",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ModerationReplyAddress",
                table: "OrganizationSettings",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "OAuthAddressClaim",
                table: "OrganizationSettings",
                type: "text",
                nullable: false,
                defaultValue: "email");

            migrationBuilder.AddColumn<string>(
                name: "OAuthAudience",
                table: "OrganizationSettings",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "OAuthClockSkewSeconds",
                table: "OrganizationSettings",
                type: "integer",
                nullable: false,
                defaultValue: 300);

            migrationBuilder.AddColumn<string>(
                name: "OAuthIssuer",
                table: "OrganizationSettings",
                type: "text",
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "JournalingReportNdrTo",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "ModerationReplyAddress",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "OAuthAddressClaim",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "OAuthAudience",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "OAuthClockSkewSeconds",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "OAuthIssuer",
                table: "OrganizationSettings");
        }
    }
}
