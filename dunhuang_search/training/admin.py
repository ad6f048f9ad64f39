from django.contrib import admin

from .models import DetectorModel


@admin.register(DetectorModel)
class DetectorModelAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "tile_size", "scale", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("sha256", "classes", "metrics", "parameters", "created_at")
    actions = ["make_active"]

    @admin.action(description="Make active (the indexer uses it)")
    def make_active(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one detector.", level="error")
            return
        queryset.get().activate()
