using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class protect2_TraceRefusalColumns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Agent",
                table: "MessageTrackingEvents",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Helo",
                table: "MessageTrackingEvents",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Reason",
                table: "MessageTrackingEvents",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SessionId",
                table: "MessageTrackingEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Agent",
                table: "MessageTrackingEvents");

            migrationBuilder.DropColumn(
                name: "Helo",
                table: "MessageTrackingEvents");

            migrationBuilder.DropColumn(
                name: "Reason",
                table: "MessageTrackingEvents");

            migrationBuilder.DropColumn(
                name: "SessionId",
                table: "MessageTrackingEvents");
        }
    }
}
