using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Addressing_AddressRewriting : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AddressRewriteEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    InternalAddress = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    ExternalAddress = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    ExceptionList = table.Column<string>(type: "TEXT", nullable: false),
                    OutboundOnly = table.Column<bool>(type: "INTEGER", nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AddressRewriteEntries", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AddressRewriteEntries_InternalAddress",
                table: "AddressRewriteEntries",
                column: "InternalAddress",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AddressRewriteEntries_Name",
                table: "AddressRewriteEntries",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AddressRewriteEntries");
        }
    }
}
