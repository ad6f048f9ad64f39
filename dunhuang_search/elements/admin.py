"""Admin for element categories and elements (boxes on murals, with their review state).

The embedding vector is never shown as a form field: only whether one is stored.
"""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .inscriptions import CorrectionError, correct_inscription
from .models import Category, Element


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "slug", "colour", "element_count")
    search_fields = ("name", "name_zh", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(element_total=Count("elements"))

    @admin.display(description="colour", ordering="color")
    def colour(self, category: Category) -> str:
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;background:{};'
            'vertical-align:middle;border:1px solid #0003"></span> {}',
            category.color,
            category.color,
        )

    @admin.display(description="elements", ordering="element_total")
    def element_count(self, category: Category) -> int:
        return category.element_total


@admin.register(Element)
class ElementAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "mural",
        "category",
        "box",
        "score",
        "source",
        "review_state",
        "created_at",
        "viewer_link",
    )
    list_filter = ("category", "source", "review_state", "mural__period", "mural__cave__site")
    search_fields = ("ocr_text", "notes", "mural__title", "model_version")
    list_select_related = ("mural__cave__site", "category")
    raw_id_fields = ("mural", "reviewed_by")
    exclude = ("embedding",)
    readonly_fields = (
        "has_embedding",
        "embedder",
        "model_version",
        "reviewed_by",
        "reviewed_at",
        "ocr_confidence",
        "created_at",
        "updated_at",
        "viewer_link",
    )
    fieldsets = (
        (None, {"fields": ("mural", "category", ("x", "y", "w", "h"), "viewer_link")}),
        (
            "Detection",
            {"fields": ("source", "score", "model_version", "embedder", "has_embedding")},
        ),
        ("Review", {"fields": ("review_state", "reviewed_by", "reviewed_at", "notes")}),
        ("Inscription text", {"fields": ("ocr_text", "ocr_confidence")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    actions = ("mark_accepted", "mark_rejected")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).defer("embedding")

    def save_model(self, request: HttpRequest, element: Element, form, change: bool) -> None:
        """Edited inscription text is a reviewer's correction: the machine confidence goes, the
        reviewer is recorded, so re-OCR and re-indexing keep it (see elements.inscriptions)."""
        super().save_model(request, element, form, change)
        if "ocr_text" in form.changed_data:
            try:
                correct_inscription(element.pk, element.ocr_text, request.user)
            except CorrectionError as exc:
                self.message_user(request, f"Text saved, not as a review: {exc}", level="warning")

    @admin.display(description="box (x, y, w, h)")
    def box(self, element: Element) -> str:
        return ", ".join(str(v) for v in element.bbox)

    @admin.display(description="embedding")
    def has_embedding(self, element: Element) -> str:
        vector = element.embedding
        if vector is None:
            return "none stored"
        return f"{len(vector)}-dimensional vector ({element.embedder or 'embedder unknown'})"

    @admin.display(description="viewer")
    def viewer_link(self, element: Element) -> str:
        if not element.pk:
            return "—"
        url = reverse("catalogue:mural", args=[element.mural_id])
        return format_html('<a href="{}?element={}">open in mural</a>', url, element.pk)

    def _review(self, request: HttpRequest, queryset: QuerySet, state: str) -> None:
        count = queryset.update(
            review_state=state, reviewed_by=request.user, reviewed_at=timezone.now()
        )
        self.message_user(request, f"{count} element(s) marked {state}.")

    @admin.action(description="Mark selected elements accepted")
    def mark_accepted(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Element.Review.ACCEPTED)

    @admin.action(description="Mark selected elements rejected")
    def mark_rejected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._review(request, queryset, Element.Review.REJECTED)
