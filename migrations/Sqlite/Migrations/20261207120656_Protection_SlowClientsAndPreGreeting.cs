using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Protection_SlowClientsAndPreGreeting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Existing connectors get the entity's defaults (RFC 5321 §4.5.3.2 command deadline, Postfix's 500 B/s after 30 s, postscreen's 6 s).
            migrationBuilder.AddColumn<int>(
                name: "CommandTimeoutSeconds",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 300);

            migrationBuilder.AddColumn<int>(
                name: "DataRateGraceSeconds",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 30);

            migrationBuilder.AddColumn<int>(
                name: "GreetPauseMilliseconds",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 6000);

            migrationBuilder.AddColumn<int>(
                name: "MinDataRateBytesPerSecond",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: 500);

            migrationBuilder.AddColumn<bool>(
                name: "PreGreetingChecks",
                table: "ReceiveConnectors",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CommandTimeoutSeconds",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "DataRateGraceSeconds",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "GreetPauseMilliseconds",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "MinDataRateBytesPerSecond",
                table: "ReceiveConnectors");

            migrationBuilder.DropColumn(
                name: "PreGreetingChecks",
                table: "ReceiveConnectors");
        }
    }
}
