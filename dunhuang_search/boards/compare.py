"""Compare mode's geometry: items side by side at one physical scale, from each mural's dpi
(pixels per inch of the photographed wall), with a scale bar in centimetres; items whose dpi
is unknown are shown fitted, and marked as not to scale."""

from __future__ import annotations

from .items import region_url

CM_PER_INCH = 2.54
DISPLAY_BOX = 320  # CSS pixels for the largest item, in its longest dimension
NICE_CM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)


def size_cm(item: dict) -> tuple[float, float] | None:
    dpi = item["frozen"].get("dpi")
    if not dpi:
        return None
    _, _, w, h = item["region"]
    return w / dpi * CM_PER_INCH, h / dpi * CM_PER_INCH


def scale_bar(px_per_cm: float, target_px: float = 120) -> dict:
    """The longest nice length in cm that is at most `target_px` long (at least the shortest)."""
    fitting = [cm for cm in NICE_CM if cm * px_per_cm <= target_px]
    cm = fitting[-1] if fitting else NICE_CM[0]
    return {"cm": cm, "px": round(cm * px_per_cm, 2), "label": f"{cm:g} cm"}


def compare_items(items: list[dict]) -> dict:
    """{"items": [{item, width, height (CSS px), to_scale, size_cm}], "px_per_cm", "scale_bar"}:
    one CSS-px-per-cm for every item of known dpi, so that their sizes compare."""
    sizes = {item["id"]: size_cm(item) for item in items}
    known = [size for size in sizes.values() if size]
    px_per_cm = DISPLAY_BOX / max(max(size) for size in known) if known else None
    shown = []
    for item in items:
        size = sizes[item["id"]]
        if size and px_per_cm:
            width, height = size[0] * px_per_cm, size[1] * px_per_cm
        else:
            _, _, w, h = item["region"]
            fit = DISPLAY_BOX / max(w, h)
            width, height = w * fit, h * fit
        crop = item["crop"] and region_url(
            item["mural_id"], item["region"], f"^!{DISPLAY_BOX * 2},{DISPLAY_BOX * 2}"
        )
        shown.append({
            "item": item, "crop": crop, "width": round(width, 2), "height": round(height, 2),
            "to_scale": bool(size), "size_cm": size and (round(size[0], 1), round(size[1], 1)),
        })  # fmt: skip
    return {
        "items": shown,
        "px_per_cm": px_per_cm,
        "scale_bar": scale_bar(px_per_cm) if px_per_cm else None,
        "overlay": shown[:2],
        "overlay_height": max(s["height"] for s in shown[:2]),
    }
