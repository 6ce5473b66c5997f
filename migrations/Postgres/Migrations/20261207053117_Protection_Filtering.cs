using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Protection_Filtering : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "IpListEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    List = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Range = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Comment = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IpListEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ProtectionSettings",
                columns: table => new
                {
                    Key = table.Column<int>(type: "integer", nullable: false),
                    ConnectionFilter = table.Column<string>(type: "text", nullable: false),
                    AntiSpam = table.Column<string>(type: "text", nullable: false),
                    AntiMalware = table.Column<string>(type: "text", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProtectionSettings", x => x.Key);
                });

            migrationBuilder.CreateIndex(
                name: "IX_IpListEntries_List_Range",
                table: "IpListEntries",
                columns: new[] { "List", "Range" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IpListEntries");

            migrationBuilder.DropTable(
                name: "ProtectionSettings");
        }
    }
}
