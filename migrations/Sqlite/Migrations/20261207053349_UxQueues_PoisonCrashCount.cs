using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class UxQueues_PoisonCrashCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "CrashCount",
                table: "QueuedMessages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_QueuedMessages_ReceivingNode_State",
                table: "QueuedMessages",
                columns: new[] { "ReceivingNode", "State" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_QueuedMessages_ReceivingNode_State",
                table: "QueuedMessages");

            migrationBuilder.DropColumn(
                name: "CrashCount",
                table: "QueuedMessages");
        }
    }
}
