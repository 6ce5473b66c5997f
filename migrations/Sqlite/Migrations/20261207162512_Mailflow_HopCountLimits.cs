using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Mailflow_HopCountLimits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing connectors and settings get the defaults (OrganizationSettingsDefaults: 30 hops, 8 local), not 0.
            migrationBuilder.AddColumn<int>(
                name: "MaxHopCount",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 30);

            migrationBuilder.AddColumn<int>(
                name: "MaxLocalHopCount",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 8);

            migrationBuilder.AddColumn<int>(
                name: "MaxHopCount",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 30);

            migrationBuilder.AddColumn<int>(
                name: "MaxLocalHopCount",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 8);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MaxHopCount",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "MaxLocalHopCount",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "MaxHopCount",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "MaxLocalHopCount",
                table: "OrganizationSettings");
        }
    }
}
