using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Agents_Pipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AgentTags",
                table: "QueuedMessages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "TransportAgentSettings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    AgentName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: true),
                    TimeoutMilliseconds = table.Column<int>(type: "INTEGER", nullable: true),
                    FailurePolicy = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    DisabledOnConnectors = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TransportAgentSettings", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TransportAgentSettings_AgentName",
                table: "TransportAgentSettings",
                column: "AgentName",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TransportAgentSettings");

            migrationBuilder.DropColumn(
                name: "AgentTags",
                table: "QueuedMessages");
        }
    }
}
