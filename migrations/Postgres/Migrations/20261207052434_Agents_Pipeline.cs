using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
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
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "TransportAgentSettings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    AgentName = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Priority = table.Column<int>(type: "integer", nullable: true),
                    TimeoutMilliseconds = table.Column<int>(type: "integer", nullable: true),
                    FailurePolicy = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    DisabledOnConnectors = table.Column<string>(type: "text", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
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
