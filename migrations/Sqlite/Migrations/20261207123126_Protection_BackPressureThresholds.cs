using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Protection_BackPressureThresholds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The existing organization row gets the entity's defaults (back pressure on, Exchange-like thresholds).
            migrationBuilder.AddColumn<int>(
                name: "BackPressureDiskFreeHighMegabytes",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 500);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureDiskFreeMediumMegabytes",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1024);

            migrationBuilder.AddColumn<bool>(
                name: "BackPressureEnabled",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: true);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureHysteresisPercent",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 10);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureMemoryHighPercent",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 94);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureMemoryMediumPercent",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 85);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureSubmissionHigh",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 15000);

            migrationBuilder.AddColumn<int>(
                name: "BackPressureSubmissionMedium",
                table: "OrganizationSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 10000);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BackPressureDiskFreeHighMegabytes",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureDiskFreeMediumMegabytes",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureEnabled",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureHysteresisPercent",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureMemoryHighPercent",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureMemoryMediumPercent",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureSubmissionHigh",
                table: "OrganizationSettings");

            migrationBuilder.DropColumn(
                name: "BackPressureSubmissionMedium",
                table: "OrganizationSettings");
        }
    }
}
