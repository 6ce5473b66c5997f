using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Delivery_MailboxQuotas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "QuotaBytes",
                table: "Recipients",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DefaultMailboxQuotaBytes",
                table: "OrganizationSettings",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "MailboxQuotaWarningPercent",
                table: "OrganizationSettings",
                type: "integer",
                nullable: false,
                defaultValue: 90);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "QuotaBytes",
                table: "Recipients");

            migrationBuilder.DropColumn(
                name: "DefaultMailboxQuotaBytes",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "MailboxQuotaWarningPercent",
                table: "OrganizationSettings");
        }
    }
}
