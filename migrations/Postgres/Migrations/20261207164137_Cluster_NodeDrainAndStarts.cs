using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
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
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Active");

            migrationBuilder.AddColumn<bool>(
                name: "DrainRequested",
                table: "Nodes",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "FirstStartedAt",
                table: "Nodes",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<int>(
                name: "StartCount",
                table: "Nodes",
                type: "integer",
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
