using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailflow.Migrations.Postgres.Migrations
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    DomainName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    AllowAutomaticReplies = table.Column<bool>(type: "boolean", nullable: false),
                    AllowAutomaticForwards = table.Column<bool>(type: "boolean", nullable: false),
                    AllowDeliveryReports = table.Column<bool>(type: "boolean", nullable: false),
                    AllowNonDeliveryReports = table.Column<bool>(type: "boolean", nullable: false),
                    CharacterSet = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    NonMimeCharacterSet = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    LineWrapSize = table.Column<int>(type: "integer", nullable: true),
                    TrustedPartner = table.Column<bool>(type: "boolean", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false)
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
