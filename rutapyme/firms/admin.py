from django.contrib import admin

from .models import ConsentRecord, Firm, FirmAffiliation, FirmImport, FirmMembership


class MembershipInline(admin.TabularInline):
    model = FirmMembership
    extra = 0
    raw_id_fields = ["user"]


class AffiliationInline(admin.TabularInline):
    model = FirmAffiliation
    extra = 0


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "tax_id", "country", "province", "sector", "tax_id_status"]
    list_filter = ["country", "tax_id_status", "sector", "size_band", "source"]
    search_fields = ["legal_name", "trade_name", "tax_id"]
    inlines = [MembershipInline, AffiliationInline]
    show_full_result_count = False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["firm", "user", "text_version", "channel", "accepted_at"]
    raw_id_fields = ["firm", "user"]


@admin.register(FirmImport)
class FirmImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "country", "status", "rows_done", "total_rows", "created_at"]
    readonly_fields = [f.name for f in FirmImport._meta.fields]
