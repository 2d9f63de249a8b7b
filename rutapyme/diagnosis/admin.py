"""Read-only views for platform admins: diagnoses are changed only through the services."""

from django.contrib import admin

from .models import Diagnosis, DiagnosisImport, Questionnaire


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "title", "rules_version", "is_current", "created_at"]


@admin.register(Diagnosis)
class DiagnosisAdmin(ReadOnlyAdmin):
    list_display = ["firm", "status", "channel", "answered_on", "level", "attempt", "is_latest"]
    list_filter = ["status", "channel", "level", "country", "questionnaire"]
    search_fields = ["firm__legal_name", "firm__trade_name", "firm__tax_id"]
    raw_id_fields = ["firm", "started_by", "submitted_by", "source_import"]
    list_select_related = ["firm"]
    show_full_result_count = False


@admin.register(DiagnosisImport)
class DiagnosisImportAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "status", "rows_done", "total_rows", "created_at"]
