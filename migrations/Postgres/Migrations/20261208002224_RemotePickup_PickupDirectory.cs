using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class RemotePickup_PickupDirectory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing organization settings get the defaults of OrganizationSettingsDefaults (not 0, which validation refuses).
            migrationBuilder.AddColumn<string>(
                name: "PickupDirectoryPath",
                table: "OrganizationSettings",
                type: "character varying(400)",
                maxLength: 400,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "PickupEnabled",
                table: "OrganizationSettings",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "PickupMaxFilesPerMinute",
                table: "OrganizationSettings",
                type: "integer",
                nullable: false,
                defaultValue: 100);

            migrationBuilder.AddColumn<long>(
                name: "PickupMaxMessageSizeBytes",
                table: "OrganizationSettings",
                type: "bigint",
                nullable: false,
                defaultValue: 10L * 1024 * 1024);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PickupDirectoryPath",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "PickupEnabled",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "PickupMaxFilesPerMinute",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "PickupMaxMessageSizeBytes",
                table: "OrganizationSettings");
        }
    }
}
