"""Admin for datings (read-mostly: estimates are accepted through the viewer or the API)."""

from django.contrib import admin

from .models import Dating


@admin.register(Dating)
class DatingAdmin(admin.ModelAdmin):
    list_display = ("id", "mural", "element", "period", "start_year", "end_year", "source",
                    "authority", "created_at", "accepted_at")  # fmt: skip
    list_filter = ("source", "period")
    search_fields = ("authority", "citation")
    raw_id_fields = ("mural", "element", "author", "accepted_by")
    readonly_fields = ("created_at", "accepted_at", "accepted_by", "details")
