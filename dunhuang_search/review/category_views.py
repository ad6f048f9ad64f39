"""The categories page (/review/categories/): every category with its examples, waiting
proposals and accepted elements; a form for a new one; and "Find more", which ranks and re-boxes
candidates like the examples (review.categories.propose) and puts them into the review queue.
Archaeologists only; a clash or a bad value re-renders the page with the reason (400)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dunhuang_search.accounts.roles import ARCHAEOLOGIST, role_required
from dunhuang_search.elements.models import Category, Element

from . import categories
from .actions import ReviewError

PAGE_K = 20  # proposals per "Find more" from the page (about 10 s on two CPU cores)


def category_rows() -> list[Category]:
    waiting = Q(elements__source=Element.Source.PROPOSAL) & Q(
        elements__review_state=Element.Review.UNREVIEWED
    )
    return list(
        Category.objects.annotate(
            confirmed=Count("elements", filter=categories.confirmed("elements__")),
            waiting=Count("elements", filter=waiting),
        ).order_by("pk")
    )


def page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    context.setdefault("form", {})
    context["rows"] = category_rows()
    context["page_k"] = PAGE_K
    return render(request, "review/categories.html", context, status=status)


@role_required(ARCHAEOLOGIST)
def categories_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return create(request)
    return page(request, created=request.GET.get("created", ""))


def create(request: HttpRequest) -> HttpResponse:
    form = {key: request.POST.get(key, "").strip() for key in ("name", "name_zh", "synonyms")}
    form["colour"] = request.POST.get("colour", "#e6194b")
    synonyms = [s.strip() for s in form["synonyms"].split(",") if s.strip()]
    try:
        made = categories.create_category(form["name"], form["name_zh"], synonyms, form["colour"])
    except ReviewError as exc:
        return page(request, status=400, form=form, error=str(exc))
    return redirect(reverse("review:categories") + "?" + urlencode({"created": made.slug}))


@require_POST
@role_required(ARCHAEOLOGIST)
def find_more(request: HttpRequest, slug: str) -> HttpResponse:
    """Rank, re-box and queue PAGE_K proposals, then open the queue on them."""
    try:
        queued = categories.queue_proposals(categories.propose(slug, PAGE_K))
    except ReviewError as exc:
        return page(request, status=400, error=str(exc), failed=slug)
    query = urlencode({"category": slug, "source": Element.Source.PROPOSAL})
    if not queued:
        return page(request, error=f"no new candidates for {slug}", failed=slug)
    return redirect(reverse("review:queue") + "?" + query)
