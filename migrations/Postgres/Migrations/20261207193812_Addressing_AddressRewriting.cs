using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    InternalAddress = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    ExternalAddress = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    ExceptionList = table.Column<string>(type: "text", nullable: false),
                    OutboundOnly = table.Column<bool>(type: "boolean", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
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
