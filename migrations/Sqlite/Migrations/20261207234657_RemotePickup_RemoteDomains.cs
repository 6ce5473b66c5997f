using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RemotePickup_RemoteDomains : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RemoteDomains",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DomainName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    AllowAutomaticReplies = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowAutomaticForwards = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowDeliveryReports = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowNonDeliveryReports = table.Column<bool>(type: "INTEGER", nullable: false),
                    CharacterSet = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    NonMimeCharacterSet = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    LineWrapSize = table.Column<int>(type: "INTEGER", nullable: true),
                    TrustedPartner = table.Column<bool>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RemoteDomains", x => x.Id);
                });

            migrationBuilder.InsertData(
                table: "RemoteDomains",
                columns: new[] { "Id", "AllowAutomaticForwards", "AllowAutomaticReplies", "AllowDeliveryReports", "AllowNonDeliveryReports", "CharacterSet", "DomainName", "LineWrapSize", "Name", "NonMimeCharacterSet", "Revision", "TrustedPartner" },
                values: new object[] { new Guid("7e5e8f1a-3c1b-4f0e-9a55-2d4c6b0d1f01"), true, true, true, true, null, "*", null, "Default", null, 0, false });

            migrationBuilder.CreateIndex(
                name: "IX_RemoteDomains_DomainName",
                table: "RemoteDomains",
                column: "DomainName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RemoteDomains_Name",
                table: "RemoteDomains",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RemoteDomains");
        }
    }
}
