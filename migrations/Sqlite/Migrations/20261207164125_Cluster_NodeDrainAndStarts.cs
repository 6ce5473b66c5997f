using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Cluster_NodeDrainAndStarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DrainPhase",
                table: "Nodes",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Active");

            migrationBuilder.AddColumn<bool>(
                name: "DrainRequested",
                table: "Nodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "FirstStartedAt",
                table: "Nodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "StartCount",
                table: "Nodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DrainPhase",
                table: "Nodes");

            migrationBuilder.DropColumn(
                name: "DrainRequested",
                table: "Nodes");

            migrationBuilder.DropColumn(
                name: "FirstStartedAt",
                table: "Nodes");

            migrationBuilder.DropColumn(
                name: "StartCount",
                table: "Nodes");
        }
    }
}
